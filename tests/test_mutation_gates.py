"""The mutation gate never passes vacuously (issue 16, part 1) and the CLI
refuses bad usage before any work (part 5).

Each test reproduces a case that used to report "100.0 %: 0/0 killed" and
exit 0, give a traceback, or accept a bad value."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from symverify import build, registry
from symverify.cli import cli
from symverify.goldgen import vectorset
from symverify.mutants import engine, gold
from symverify.mutants.catalog import CATALOG_PATH, CatalogError, load_catalog

REPO = Path(__file__).resolve().parents[1]


def _catalog(tmp_path: Path, old: str, new: str, name: str = "cat.toml") -> Path:
    text = CATALOG_PATH.read_text()
    assert old in text, old
    p = tmp_path / name
    p.write_text(text.replace(old, new, 1))
    return p


#: the catalog text for an [engine] files override: every registered source plus a stray one
_NOPE = ("schema = 1", "schema = 1\nfiles = [" + ", ".join(f'"{f}"' for f in (*registry.mutated_sources(), "sym_nope.c"))
         + "]")


def _mutate(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "symverify", "mutate", "-q", *args], cwd=REPO, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=900)


# ----------------------------------------------------------------- catalog errors (exit 3)
def test_unsupported_schema_is_refused(tmp_path):
    with pytest.raises(CatalogError, match=r"cat\.toml: engine: key 'schema': 99 is not supported"):
        load_catalog(_catalog(tmp_path, "schema = 1", "schema = 99"))
    with pytest.raises(CatalogError, match="'schema'"):
        load_catalog(_catalog(tmp_path, "schema = 1", 'schema = "1"'))


@pytest.mark.parametrize("old, new, message", [
    (*_NOPE, r"engine: key 'files': 'sym_nope.c' is not a kernel source"),
    ('files = ["sym_round.c"]\nfloat_values', 'files = ["sym_rund.c"]\nfloat_values',
     r"operator\[1\] \(id 'RND_HALF'\): key 'files': 'sym_rund.c' is not one of the mutated sources"),
    ('functions = ["sym_accumulate_fixed_core"]', 'functions = ["sym_accumulate_fxed_core"]',
     r"\(id 'SEED_DROP'\): key 'functions': 'sym_accumulate_fxed_core' is not a function"),
    ('map = { roundf = ["rintf", "truncf", "floorf", "ceilf"] }', 'map = { roundff = ["rintf"] }',
     r"operator\(s\) RND_MODE match nothing"),
])
def test_catalog_names_that_match_nothing_are_errors(tmp_path, old, new, message):
    cat = load_catalog(_catalog(tmp_path, old, new))
    with pytest.raises(CatalogError, match=message):
        engine.prepare(cat)


def test_operator_whose_mutants_all_fail_to_compile_is_an_error(tmp_path):
    path = _catalog(tmp_path, 'replace = ["((float)m_in[i] * s_in) / s_new", "(float)m_in[i] * (s_in / s_new)"]',
                    'replace = ["(float)m_in[i] * no_such_symbol"]')
    with pytest.raises(CatalogError, match=r"every mutant of operator\(s\) ORDER_SWAP is rejected by the compiler"):
        engine.prepare(load_catalog(path))
    proc = _mutate("--no-sanitize", "--catalog", str(path))
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "ORDER_SWAP" in proc.stdout and "0/0" not in proc.stdout


def test_cli_unknown_file_in_catalog_exits_3(tmp_path):
    proc = _mutate("--catalog", str(_catalog(tmp_path, *_NOPE)))
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "sym_nope.c" in proc.stdout and "100.0" not in proc.stdout


# ----------------------------------------------------------------- nothing selected
def test_zero_scored_mutants_is_a_failure(monkeypatch):
    """A run that scores nothing (here: the engine selected no mutant) fails
    with a message instead of printing a 100 % score."""
    sch = engine.prepare(load_catalog())
    empty = engine.Outcome(sch, [], {}, [], [], 0, {"total": 0.0}, 0)
    monkeypatch.setattr(engine, "run", lambda **kw: empty)
    res = CliRunner().invoke(cli, ["mutate", "-q", "--no-sanitize"])
    assert res.exit_code == 1, res.output
    assert "no mutant was scored" in res.output and "%" not in res.output


def test_since_with_no_changed_kernel_line_is_nothing_to_score(tmp_path, monkeypatch):
    """--since REV with no kernel line changed: exit 0, "nothing to score", no score line."""
    repo = tmp_path / "repo"
    shutil.copytree(build.kernel_dir() / "src", repo / "kernels" / "src")
    for cmd in (["init", "-q"], ["add", "-A"], ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "k"]):
        subprocess.run(["git", *cmd], cwd=repo, check=True, capture_output=True)
    monkeypatch.setattr(engine, "default_repo", lambda: repo)
    monkeypatch.setenv("SYMVERIFY_CACHE", str(tmp_path / "cache"))
    res = CliRunner().invoke(cli, ["mutate", "-q", "--no-sanitize", "--since", "HEAD"])
    assert res.exit_code == 0, res.output
    assert "nothing to score: no kernel line changed since HEAD" in res.output
    assert "mutation score " not in res.output and "%" not in res.output
    # a change on a line with mutants is scored as usual
    src = repo / "kernels" / "src" / "sym_round.c"
    src.write_text(src.read_text() + "\n/* appended */\n")
    n = len(src.read_text().splitlines())
    assert engine.changed_lines("HEAD", repo) == {"kernels/src/sym_round.c": {n - 1, n}}


def test_bad_since_revision_is_a_usage_error():
    proc = _mutate("--since", "no-such-rev-16")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "'no-such-rev-16' is not a git revision" in proc.stderr
    with pytest.raises(engine.RevisionError, match="no-such-rev-16"):
        engine.changed_lines("no-such-rev-16", engine.default_repo())


def test_unknown_operator_is_a_usage_error():
    res = CliRunner().invoke(cli, ["mutate", "-q", "--operator", "NOPE"])
    assert res.exit_code == 2 and "NOPE" in res.output


# ----------------------------------------------------------------- result cache and passes
def _asan_only_mutants(sch) -> list[str]:
    """for (i = -1; ...) loop starts: only the sanitize pass kills them."""
    pick = [m.uid for m in sch.sources.mutants
            if m.op == "CRP" and m.replacement == "(-1)" and m.function in ("sym_int_to_sym_core", "sym_sym_to_float_core")
            and m.original == "0"]
    assert pick
    return pick


@pytest.mark.sanitize
def test_cache_keys_on_the_sanitize_pass_both_orders(tmp_path, monkeypatch):
    """A warm cache must give the same result as --no-cache for the same
    passes, whichever run filled it."""
    sch = engine.prepare(load_catalog(), variants=("release", "sanitize"))
    pick = _asan_only_mutants(sch)

    def statuses(out):
        return {u: out.results[u].status for u in pick}

    # order 1: full run first, then release only
    monkeypatch.setenv("SYMVERIFY_CACHE", str(tmp_path / "c1"))
    full = engine.run(jobs=2, sanitize=True, only=pick)
    assert set(statuses(full).values()) == {"Killed"} and full.passes == ["release", "sanitize"]
    warm = engine.run(jobs=2, sanitize=False, only=pick)
    cold = engine.run(jobs=2, sanitize=False, only=pick, use_cache=False)
    assert set(statuses(cold).values()) == {"Survived"}
    assert statuses(warm) == statuses(cold), "the release-only run must not reuse the sanitizer's kills"
    assert warm.passes == ["release"] and warm.cached == len(pick)  # the release view of the full run
    # order 2: release only first, then full
    monkeypatch.setenv("SYMVERIFY_CACHE", str(tmp_path / "c2"))
    assert set(statuses(engine.run(jobs=2, sanitize=False, only=pick)).values()) == {"Survived"}
    again = engine.run(jobs=2, sanitize=True, only=pick)
    assert statuses(again) == statuses(full)
    assert all("sanitizer" in again.results[u].reason for u in pick)
    # and a warm full run is served from the cache with the same verdicts
    warm_full = engine.run(jobs=2, sanitize=True, only=pick)
    assert statuses(warm_full) == statuses(full) and warm_full.cached == len(pick)


def test_cache_key_covers_passes_abi_and_libraries(tmp_path, monkeypatch):
    sch = engine.prepare(load_catalog(), variants=("release", "sanitize"))
    cat = load_catalog()
    files = gold.vector_files()
    base = engine.cache_key(sch, files, cat, ["release"], True)
    assert engine.cache_key(sch, files, cat, ["release", "sanitize"], True) != base
    assert engine.cache_key(sch, files, cat, ["release"], False) != base
    other = engine.Schemata(sch.sources, {**sch.libs, "release": sch.libs["sanitize"]}, sch.compile_errors,
                            sch.active, sch.compile_seconds)
    assert engine.cache_key(other, files, cat, ["release"], True) != base


def test_cli_reports_the_passes_that_ran(tmp_path):
    proc = _mutate("--operator", "GUARD", "--no-sanitize", "--json", str(tmp_path / "m.json"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "passes: release (--no-sanitize" in proc.stdout
    assert json.loads((tmp_path / "m.json").read_text())["config"]["passes"] == ["release"]


# ----------------------------------------------------------------- vector files (exit 3)
def _bad_vectors(tmp_path: Path, kind: str) -> tuple[Path, Path]:
    vdir = tmp_path / "vectors"
    shutil.copytree(gold.vectors_dir(), vdir)
    (vdir / vectorset.MANIFEST).unlink()  # only the file's own defect is under test
    bad = vdir / "requant.json"
    if kind == "truncated":
        bad.write_bytes(bad.read_bytes()[:3990])
    elif kind == "binary":
        bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff" * 40)
    else:
        bad.unlink()
        bad.mkdir()
    return vdir, bad


@pytest.mark.parametrize("kind, reason", [("truncated", "not valid JSON"),
                                          ("binary", "not a text file"), ("directory", "is a directory")])
def test_bad_vector_file_is_named_everywhere(tmp_path, kind, reason):
    vdir, bad = _bad_vectors(tmp_path, kind)
    with pytest.raises(vectorset.VectorFileError, match=reason) as exc:
        gold.load_suite(gold.vector_files(vdir))
    assert str(bad) in str(exc.value)
    # goldgen --check
    res = CliRunner().invoke(cli, ["goldgen", "--check", "--out", str(vdir)])
    assert res.exit_code == 3, res.output
    assert "requant.json" in res.output and reason.split(":")[0] in res.output
    # mutate: refused before the build
    proc = _mutate("--no-sanitize", env={"SYMVERIFY_VECTORS_DIR": str(vdir)})
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "requant.json" in proc.stdout and "Traceback" not in proc.stderr
    # the test helpers' loader
    from symverify.goldgen import generate

    with pytest.raises(vectorset.VectorFileError, match="requant.json"):
        generate.load_family(bad)


@pytest.mark.parametrize("kind", ["binary", "directory"])
def test_xtarget_names_a_bad_header(tmp_path, kind):
    vdir = tmp_path / "vectors"
    shutil.copytree(gold.vectors_dir(), vdir)
    bad = vdir / "round.h"
    if kind == "binary":
        bad.write_bytes(b"\x00\xff\xfe" * 50)
    else:
        bad.unlink()
        bad.mkdir()
    res = CliRunner(env={"SYMVERIFY_VECTORS_DIR": str(vdir)}).invoke(cli, ["xtarget", "--family", "round",
                                                                           "--cpu", "m4"])
    assert res.exit_code == 3, res.output
    assert "round.h" in res.output


def test_xtarget_refuses_a_mixed_set(tmp_path):
    vdir = tmp_path / "vectors"
    shutil.copytree(gold.vectors_dir(), vdir)
    (vdir / "round.h").write_text((vdir / "round.h").read_text() + "/* older */\n")
    res = CliRunner(env={"SYMVERIFY_VECTORS_DIR": str(vdir)}).invoke(cli, ["xtarget", "--family", "round",
                                                                           "--cpu", "m4"])
    assert res.exit_code == 3 and "round.h: content differs from SHA256SUMS" in res.output, res.output


# ----------------------------------------------------------------- usage errors (exit 2)
@pytest.mark.parametrize("args", [
    ["mutate", "--json", "{missing}/m.json"],
    ["mutate", "--html", "{missing}/m.html"],
    ["prove", "--json", "{missing}/p.json"],
    ["bounds", str(REPO / "examples" / "mlp_int12_safe.toml"), "--json", "{missing}/b.json"],
    ["xtarget", "--json", "{missing}/x.json"],
])
def test_output_path_in_a_missing_directory_is_refused_before_work(tmp_path, args):
    missing = tmp_path / "no" / "such" / "dir"
    res = CliRunner().invoke(cli, [a.replace("{missing}", str(missing)) for a in args])
    assert res.exit_code == 2, res.output
    option = next(a for a in args if a.startswith("--"))
    assert f"'{option}'" in res.output and str(missing) in res.output
    assert not missing.exists()


def test_output_path_that_is_a_directory_is_refused(tmp_path):
    res = CliRunner().invoke(cli, ["prove", "--json", str(tmp_path)])
    assert res.exit_code == 2 and "--json" in res.output


@pytest.mark.parametrize("command", [["prove"], ["mutate"], ["xtarget"]])
@pytest.mark.parametrize("jobs", ["-3", "0"])
def test_non_positive_jobs_is_refused(command, jobs):
    res = CliRunner().invoke(cli, [*command, "--jobs", jobs])
    assert res.exit_code == 2, res.output
    assert "--jobs" in res.output


def test_check_with_every_part_missing_fails(monkeypatch):
    """`check --allow-missing` with no part built ran nothing: not a pass."""
    from symverify.commands import check as check_cmd

    monkeypatch.setattr(check_cmd, "PARTS", [("proofs", ["no-such-command"]), ("golden", ["no-such-either"])])
    res = CliRunner().invoke(cli, ["check", "--allow-missing"])
    assert res.exit_code == 1, res.output
    assert "no part ran" in res.output and "all parts hold" not in res.output


def test_goldgen_out_below_a_file_is_refused_before_work(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    res = CliRunner().invoke(cli, ["goldgen", "--out", str(blocker / "vectors")])
    assert res.exit_code == 2, res.output
    assert "'--out'" in res.output and "a_file" in res.output and "is not a directory" in res.output
