"""Mutation engine: catalog validation, schemata sanity (id 0 passes every
golden vector), a planted bug is killed, a small end-to-end subset run."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from symverify import build
from symverify.goldgen.generate import load_family
from symverify.mutants import engine, gold, report
from symverify.mutants.catalog import CatalogError, load_catalog, load_equivalent
from symverify.mutants.sites import collect

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def schemata():
    return engine.prepare(load_catalog())


def test_catalog_loads_and_has_enough_mutants(schemata):
    cat = load_catalog()
    assert {op.id for op in cat.operators} >= {"RND_MODE", "CLAMP_BOUND", "ORDER_SWAP", "SCALE_FREEZE", "GUARD",
                                                "RNG_SKIP", "SEED_DROP", "ROR", "AOR", "SDL"}
    assert len(schemata.sources.mutants) >= 300
    assert len({m.uid for m in schemata.sources.mutants}) == len(schemata.sources.mutants)


def test_mutant_ids_are_stable(schemata):
    again = collect(build.kernel_dir(), build.kernel_sources(), load_catalog())
    assert [m.uid for m in again.mutants] == [m.uid for m in schemata.sources.mutants]


@pytest.mark.parametrize("text, key", [
    ('[[operator]]\nid = "X"\nname = "n"\nkind = "token"\ndescription = "d"\nbug_class = "b"\nsource = "s"\n', "'map'"),
    ('[[operator]]\nid = "X"\nname = "n"\nkind = "bogus"\ndescription = "d"\nbug_class = "b"\nsource = "s"\n', "'kind'"),
    ('[[operator]]\nid = "X"\nname = "n"\nkind = "stmt_delete"\ndescription = "d"\nsource = "s"\n', "'bug_class'"),
    ('[[operator]]\nid = "X"\nname = "n"\nkind = "stmt_delete"\ndescription = "d"\nbug_class = "b"\nsource = "s"\n'
     'lhs = "("\n', "'lhs'"),
    ('[engine]\ntimeout_factor = -1\n', "'timeout_factor'"),
    ('[[operator]]\nid = "X"\nname = "n"\nkind = "call"\nfunction = "f"\nreplace = "x"\ndescription = "d"\n'
     'bug_class = "b"\nsource = "s"\n', "'replace'"),
    ('not toml = = 1', "not valid TOML"),
])
def test_malformed_catalog_names_file_and_key(tmp_path, text, key):
    p = tmp_path / "broken_catalog.toml"
    p.write_text(text)
    with pytest.raises(CatalogError) as exc:
        load_catalog(p)
    assert "broken_catalog.toml" in str(exc.value) and key in str(exc.value)


def test_malformed_equivalent_file(tmp_path):
    p = tmp_path / "equivalent.toml"
    p.write_text('[[equivalent]]\nid = "a:b:C:1"\njustification = "short"\n')
    with pytest.raises(CatalogError, match=r"equivalent.toml: .*'justification'"):
        load_equivalent(p)


def test_equivalent_file_is_valid_and_names_real_mutants(schemata):
    uids = {m.uid for m in schemata.sources.mutants}
    eq = load_equivalent()
    assert eq and set(eq) <= uids


def test_unmutated_schemata_passes_every_golden_vector(schemata):
    ffi, lib = engine.load_schemata(schemata.libs["release"])
    lib.sym_mutant_set(0)
    cases, skipped = gold.load_suite()
    assert len(cases) > 100
    failures = [(c.label, gold.run_case(c, ffi, lib)) for c in cases]
    assert [f for f in failures if f[1]] == []
    # and the shipped (non-schemata) library agrees, so the suite is not vacuous
    ffi2, lib2 = build.load_library("release")
    assert all(gold.run_case(c, ffi2, lib2) is None for c in cases)


def test_planted_bug_is_killed(tmp_path):
    """Copy the kernels, plant a bug (ties to even instead of away), and check the
    gold suite replayed on the planted library reports it."""
    root = tmp_path / "kernels"
    shutil.copytree(build.kernel_dir() / "include", root / "include")
    shutil.copytree(build.kernel_dir() / "src", root / "src")
    src = root / "src" / "sym_round.c"
    text = src.read_text()
    assert "r = roundf(v);" in text
    src.write_text(text.replace("r = roundf(v);", "r = rintf(v);"))
    lib_path = build.compile_shared(build.kernel_sources(root), "release", include_dirs=[root / "include"],
                                    name="symverify-planted")
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(build.cdef_from_headers(build.kernel_headers(root)))
    lib = ffi.dlopen(str(lib_path))
    cases, _ = gold.load_suite()
    fails = [c.label for c in cases if gold.run_case(c, ffi, lib)]
    assert fails, "a half-even rounding bug must fail the gold suite"


def test_schemata_mutant_of_the_same_bug_is_killed(schemata):
    ffi, lib = engine.load_schemata(schemata.libs["release"])
    cases, _ = gold.load_suite()
    base = engine.baseline(ffi, lib, cases, len(schemata.sources.mutants))
    m = next(m for m in schemata.active if m.op == "RND_MODE" and m.replacement == "rintf"
             and m.function == "sym_sat_round")
    res = engine.fork_run(ffi, lib, [(m, [cases[i] for i in base.coverage[m.num]])], 1, 10.0, "release")
    assert res[m.uid].status == "Killed" and res[m.uid].reason.startswith("killed: golden")


def test_small_subset_end_to_end(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMVERIFY_CACHE", str(tmp_path / "cache"))
    sch = engine.prepare(load_catalog())
    pick = [m.uid for m in sch.sources.mutants if m.op in ("SCALE_FREEZE", "GUARD", "RNG_STATE", "ORDER_SWAP_CF")]
    pick += [m.uid for m in sch.sources.mutants if m.uid in load_equivalent()][:3]
    out = engine.run(jobs=2, sanitize=False, only=pick)
    assert {m.uid for m in out.selected} == set(pick)
    statuses = {uid: r.status for uid, r in out.results.items()}
    assert all(s in ("Killed", "Timeout", "Ignored") for s in statuses.values()), statuses
    doc = report.to_mte(out, load_catalog())
    assert doc["schemaVersion"] and doc["thresholds"]
    muts = [m for f in doc["files"].values() for m in f["mutants"]]
    assert len(muts) == len(pick)
    for m in muts:
        assert set(m) >= {"id", "mutatorName", "location", "status", "statusReason", "replacement"}
        assert m["location"]["start"]["line"] >= 1
    # second run comes from the cache
    out2 = engine.run(jobs=2, sanitize=False, only=pick)
    assert out2.cached == len([s for s in statuses.values() if s != "CompileError"])
    html = report.to_html(out, load_catalog())
    assert html.startswith("<!DOCTYPE html>") and "mutation score" in html.lower()


def test_cli_mutate_subset(tmp_path):
    out_json = tmp_path / "m.json"
    proc = subprocess.run([sys.executable, "-m", "symverify", "mutate", "-q", "--operator", "SCALE_FREEZE",
                           "--operator", "GUARD", "--no-sanitize", "--json", str(out_json),
                           "--html", str(tmp_path / "m.html")], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(out_json.read_text())
    assert all(m["status"] == "Killed" for f in doc["files"].values() for m in f["mutants"])
    assert (tmp_path / "m.html").read_text().startswith("<!DOCTYPE html>")


def test_since_selects_changed_lines(schemata):
    ms = schemata.sources.mutants
    some = ms[0]
    sel = engine.select_since(ms, {some.file: {some.line}})
    assert some in sel and all(m.file == some.file for m in sel)
    assert engine.select_since(ms, {}) == []


# ----------------------------------------------------------------- layer kernels
def test_every_kernel_source_is_mutated(schemata):
    """The gate covers all kernels: every source of kernels/src but the
    status-name table and the floating-point self-test (whose probes fail
    only under injected faults: tests/test_selftest_fp.py) has mutants."""
    from symverify import build

    files = {m.file.split("/")[-1] for m in schemata.sources.mutants}
    shipped = {p.name for p in build.kernel_sources(build.kernel_dir()) if p.suffix == ".c"}
    assert files == shipped - {"sym_status.c", "sym_selftest.c"}


def test_layer_vectors_replay_on_the_schemata_library(schemata):
    """layers.json, chain.json and the layer C-ABI cases pass on id 0 and on the
    shipped library, and the replay restores symverify.kernels.ffi_lib."""
    import symverify.kernels as K
    from symverify.mutants import layers_gold

    saved = K.ffi_lib
    ffi, lib = engine.load_schemata(schemata.libs["release"])
    lib.sym_mutant_set(0)
    cases, _ = gold.load_suite()
    layer = [c for c in cases if c.label.split("/")[0] in ("layers", "chain", "abi_layers")]
    assert len([c for c in layer if isinstance(c, layers_gold.LayerCase)]) == \
        len(load_family(gold.vectors_dir() / "layers.json")["vectors"])
    assert any(isinstance(c, layers_gold.ChainCase) for c in layer)
    assert [(c.label, w) for c in layer if (w := gold.run_case(c, ffi, lib))] == []
    assert K.ffi_lib is saved


def test_layer_mutant_is_killed(schemata):
    """A wrong sign in the Linear dot product (sum - p) is killed by the layer vectors."""
    ffi, lib = engine.load_schemata(schemata.libs["release"])
    cases, _ = gold.load_suite()
    base = engine.baseline(ffi, lib, cases, len(schemata.sources.mutants))
    m = next(m for m in schemata.active if m.file.endswith("sym_linear.c") and m.op == "AOR"
             and m.function == "sym_dot_checked" and m.mutated == "sum - p")
    res = engine.fork_run(ffi, lib, [(m, [cases[i] for i in base.coverage[m.num]])], 1, 20.0, "release")
    assert res[m.uid].status == "Killed", res[m.uid].reason


def test_layer_case_reports_exceptions_as_failures():
    from symverify.mutants.layers_gold import LayerCase, first_difference

    assert first_difference({"status": "SYM_OK", "out": {"m": [1, 2]}}, {"status": "SYM_OK", "out": {"m": [1, 3]}}) \
        == "out.m[1] 3 != expected 2"
    bad = LayerCase("layers", "x", "no_such_kernel", {}, {"status": "SYM_OK"})
    import symverify.kernels as K

    assert bad.run(*K.ffi_lib()).startswith("exception ValueError")
