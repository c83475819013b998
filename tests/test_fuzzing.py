"""The fuzzing machinery (symverify.fuzzing, fuzz/): the case codec against
the C decoder, the golden seeds, the backend replay, the libFuzzer driver and
its gate, the parser contract, and a bounded smoke run of every target.

Tests that need clang / libFuzzer or atheris skip without them locally; CI
sets SYMVERIFY_REQUIRE_FUZZ=1 (and installs them), which turns the skip into
a failure.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import symverify.emulate as emulate
from symverify.fuzzing import FAMILIES, campaign, case, libfuzzer, parsers, replay, seeds

REQUIRE = bool(os.environ.get("SYMVERIFY_REQUIRE_FUZZ"))
HAVE_CLANG = any(shutil.which(c) for c in ("clang", "clang-14"))
HAVE_ATHERIS = importlib.util.find_spec("atheris") is not None
needs_clang = pytest.mark.skipif(not HAVE_CLANG and not REQUIRE,
                                 reason="clang not installed (CI sets SYMVERIFY_REQUIRE_FUZZ=1: then this fails)")
needs_atheris = pytest.mark.skipif(not HAVE_ATHERIS and not REQUIRE,
                                   reason="atheris not installed (pip install -e '.[fuzz]'; CI requires it)")


# ------------------------------------------------------------------ codec

def test_every_golden_seed_round_trips_through_the_c_decoder():
    cases = list(seeds.golden_cases())
    assert len(cases) > 300
    assert {fam for fam, _, _ in cases} == set(FAMILIES)
    for fam, name, c in cases:
        assert case.decode(case.encode(c)).key() == c.key(), f"{fam}/{name}"


def test_missing_bytes_decode_as_zero():
    assert case.decode(b"").key() == case.FuzzCase().key()
    c = case.decode(bytes([7, 5]))  # op 7, p[0] = 5, the rest absent
    assert (c.op, c.p[0], c.p[1], c.seed, c.a[0]) == (7, 5, 0, 0, [])


def test_decoder_modes_sign_extend_and_clip():
    c = case.FuzzCase(op=1, a=[[-128, 127], [-32768, 32767], [-(1 << 31), (1 << 31) - 1], [], []])
    data = case.encode(c)
    assert case.decode(data).a[:3] == c.a[:3]
    # mode byte 5 is mode 2 (i32), taken modulo 3 as the C decoder does
    raw = bytearray(case.encode(case.FuzzCase(a=[[1], [], [], [], []])))
    header = 1 + case.FZ_NP + 4 + 4 * case.FZ_NF
    raw[header + 1] = 5
    raw[header + 2:header + 3] = (0x01020304).to_bytes(4, "little")
    assert case.decode(bytes(raw)).a[0] == [0x01020304]


def test_encode_rejects_what_the_layout_cannot_hold():
    with pytest.raises(ValueError, match="a\\[0\\]"):
        case.encode(case.FuzzCase(a=[[0] * (case.FZ_MAX + 1), [], [], [], []]))
    with pytest.raises(ValueError, match="p ="):
        case.encode(case.FuzzCase(p=[200] + [0] * (case.FZ_NP - 1)))


# ------------------------------------------------------------------ seeds and replay

def _golden_status_by_name():
    from symverify.goldgen.generate import vectors_dir

    out = {}
    for path in vectors_dir().glob("*.json"):
        for v in json.loads(path.read_text()).get("vectors", []):
            out[f"{path.stem}/{v['name']}"] = v["expect"]["status"]
    return out


def test_seeds_reproduce_the_golden_status_on_both_backends():
    """The field mapping is right: each seed's API call gives the vector's status."""
    status = _golden_status_by_name()
    checked = 0
    for fam, name, c in seeds.golden_cases():
        stats = replay.ReplayStats(fam)
        replay.replay_case(fam, c, name, stats)
        assert not stats.findings, stats.findings[0].describe()
        if stats.rejected or stats.coerced:
            continue  # no exact API form: the golden status is not comparable
        call = replay.BUILDERS[fam](c)
        got = replay.run_backend(call, emulate, c.seed)
        want = status[name]
        assert (got[1] if got[0] == "error" else "SYM_OK") == want, f"{fam}/{name}: {got[:2]} != {want}"
        checked += 1
    assert checked > 300


def test_replay_reports_a_backend_that_differs(monkeypatch):
    original = emulate.requant_dynamic

    def off_by_one(t, *args, **kwargs):
        out = original(t, *args, **kwargs)
        m = np.array(out.mantissas, dtype=np.int32)
        m.flat[0] = 0 if m.flat[0] else 1
        return type(out)(m, out.scale, out.q_max_bits)

    monkeypatch.setattr(emulate, "requant_dynamic", off_by_one)
    stats = replay.ReplayStats("requant")
    for fam, name, c in seeds.golden_cases():
        if fam == "requant":
            replay.replay_case(fam, c, name, stats)
    assert stats.findings and stats.agree_ok < stats.compared


def test_replay_reports_an_unnamed_exception(monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(emulate, "sgd_update", broken)
    stats = replay.ReplayStats("sgd")
    for fam, name, c in seeds.golden_cases():
        if fam == "sgd":
            replay.replay_case(fam, c, name, stats)
    assert stats.findings and all(f.emulate[0] == "exception" for f in stats.findings)


def test_replay_compares_an_out_of_width_input_in_coerced_form():
    c = case.FuzzCase(op=0, p=[8, 0, 0, 4] + [0] * (case.FZ_NP - 4), a=[[100, -3, 7], [], [], [], []],
                      f=[np.float32(-0.5)] + [np.float32(1.0)] * (case.FZ_NF - 1), seed=3)
    stats = replay.ReplayStats("requant")
    replay.replay_case("requant", c, "wide", stats)  # 100 is outside width 4, the scale negative
    assert (stats.coerced, stats.agree_ok, stats.rejected) == (1, 1, 0)


def test_replay_counts_inputs_without_an_api_form():
    for dims in ([0, 3, 1], [100, 100, 1]):  # no batch; 10^4 elements exceed the case arrays
        c = case.FuzzCase(op=0, p=dims + [12] * (case.FZ_NP - 3), a=[[1, 2], [1, 2, 3], [], [], []],
                          f=[np.float32(1.0)] * case.FZ_NF)
        stats = replay.ReplayStats("linear")
        replay.replay_case("linear", c, "no-form", stats)
        assert (stats.rejected, stats.compared) == (1, 0)


def test_replay_fills_a_short_array_to_its_shape():
    c = case.FuzzCase(op=0, p=[2, 3, 1, 12, 12, 0, 12, 12, 0, 0, 0, 12], a=[[1, 2], [1, 2, 3], [], [], []],
                      f=[np.float32(1.0)] * case.FZ_NF)
    stats = replay.ReplayStats("linear")
    replay.replay_case("linear", c, "short-x", stats)
    assert (stats.coerced, stats.agree_ok) == (1, 1)


# ------------------------------------------------------------------ gate and libFuzzer output

LOG = """INFO: Seed: 1
#2	INITED cov: 40 ft: 41 corp: 1/5b exec/s: 0 rss: 30Mb
#1024	pulse  cov: 90 ft: 300 corp: 20/400b lim: 4 exec/s: 512 rss: 31Mb
#50000	DONE   cov: 111 ft: 1441 corp: 520/20Kb lim: 4096 exec/s: 25000 rss: 40Mb
Done 50000 runs in 2 second(s)
stat::number_of_executed_units: 50000
stat::average_exec_per_sec:     25000
stat::new_units_added:          519
"""


def test_parse_output_reads_libfuzzer_figures():
    s = libfuzzer.parse_output("round", LOG, 0, 2.0, [])
    assert (s.executions, s.execs_per_sec, s.cov, s.ft, s.corpus, s.new_units) == (50000, 25000, 111, 1441, 520, 519)


def _result(executions=10, artifacts=(), returncode=0, compared=True):
    run = libfuzzer.RunStats("t", executions=executions, returncode=returncode, artifacts=list(artifacts))
    rep = replay.ReplayStats("t", inputs=1, agree_ok=1 if compared else 0, rejected=0 if compared else 1)
    return campaign.TargetResult("t", "libfuzzer", 1, run, rep)


def test_gate_passes_a_clean_run_only():
    assert campaign.gate([_result()]) == []
    assert campaign.gate([]) == ["no fuzz target ran"]
    assert "zero executions" in campaign.gate([_result(executions=0)])[0]
    assert "crash input" in campaign.gate([_result(artifacts=[Path("crash-1")], returncode=77)])[0]
    assert "exited 1" in campaign.gate([_result(returncode=1)])[0]
    assert "compared no input" in campaign.gate([_result(compared=False)])[0]


# ------------------------------------------------------------------ real libFuzzer runs

@needs_clang
def test_libfuzzer_driver_reports_a_crash(tmp_path):
    src = tmp_path / "t.c"
    src.write_text("#include <stdint.h>\n#include <stdlib.h>\n#include <stddef.h>\n"
                   "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\n"
                   "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)\n"
                   "{ if (n >= 3 && d[0] == 'B' && d[1] == 'U' && d[2] == 'G') abort(); return 0; }\n")
    binary = tmp_path / "t"
    subprocess.run([libfuzzer.find_clang(), "-fsanitize=fuzzer", str(src), "-o", str(binary)], check=True)
    seeds_dir = tmp_path / "seeds"
    seeds_dir.mkdir()
    (seeds_dir / "s").write_bytes(b"BUG!")
    art = tmp_path / "art"
    stats = libfuzzer.run_libfuzzer([str(binary), f"-artifact_prefix={art}/", "-runs=100", str(seeds_dir)],
                                    "t", art, timeout=60)
    assert stats.artifacts and stats.returncode != 0
    assert any("crash input" in p for p in campaign.gate([campaign.TargetResult("t", "libfuzzer", 1, stats)]))


@needs_clang
def test_round_target_catches_a_truncating_kernel(tmp_path):
    """The harness can fail: the round target built against a kernel whose
    round() truncates aborts on the golden seeds (ties such as 2.5)."""
    from symverify.build import kernel_dir

    root = tmp_path / "kernels"
    shutil.copytree(kernel_dir(), root, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    src = root / "src" / "sym_round.c"
    text = src.read_text()
    assert "roundf(" in text
    src.write_text(text.replace("roundf(", "truncf("))
    seeds_dir = tmp_path / "seeds"
    assert seeds.write_seed_corpus("round", seeds_dir) > 0
    art = tmp_path / "art"
    stats = libfuzzer.fuzz_family("round", tmp_path / "corpus", seeds_dir, art, runs=2000, kernel_root=root)
    assert stats.artifacts, stats.log_tail
    good = libfuzzer.fuzz_family("round", tmp_path / "corpus2", seeds_dir, tmp_path / "art2", runs=2000)
    assert not good.artifacts and good.executions >= 2000


# ------------------------------------------------------------------ parsers

def test_check_one_accepts_the_named_error_only(tmp_path):
    scratch = tmp_path / "in"

    def named(path):
        raise ValueError("named")

    parsers.check_one("x", b"1", named, (ValueError,), scratch)
    with pytest.raises(parsers.UnexpectedError, match="KeyError"):
        parsers.check_one("x", b"1", lambda p: {}["k"], (ValueError,), scratch)


@pytest.mark.parametrize("target", parsers.TARGETS)
def test_parser_seeds_parse(target, tmp_path):
    """Every seed keeps the contract and at least one parses without error
    (the factory builds only some kinds of the example models)."""
    parse, allowed = parsers.parser_for(target)
    blobs = parsers.seed_inputs(target)
    assert blobs
    clean = 0
    for blob in blobs:
        parsers.check_one(target, blob, parse, allowed, tmp_path / "in")
        try:
            parse(tmp_path / "in")
            clean += 1
        except allowed:
            pass
    assert clean >= 1 if target == "model_factory" else clean == len(blobs)


def test_bounds_exits_3_on_a_model_file_that_is_not_utf8(tmp_path):
    model = tmp_path / "m.toml"
    model.write_bytes(b'[[layer]]\nname = "fc\xff"\n')
    p = subprocess.run([sys.executable, "-m", "symverify", "bounds", str(model)], capture_output=True, text=True)
    assert p.returncode == 3, p.stdout + p.stderr
    assert "UTF-8" in p.stdout + p.stderr


@pytest.mark.parametrize("blob, must_fail", [
    (b"\xff\xfe", True),
    (b"{", True),
    (b"[1, 2]", True),
    (b'{"family": 3}', False),
    (b'{"family": "round", "vectors": {}}', False),
    (b'{"family": "round", "vectors": [1]}', True),
    (b'{"family": "round", "vectors": [{"kernel": "round_half_away", "args": {}, "expect": {}}]}', False),
    (b'{"family": "layers", "vectors": [{"name": "a", "kernel": "k", "args": [], "expect": {}}]}', False),
    (b'{"family": "chain", "configs": {"c": {"steps": 1}}}', True),
])
def test_malformed_vector_files_keep_the_parser_contract(tmp_path, blob, must_fail):
    """The gold-suite loader parses or raises VectorFileError, never another
    exception (the atheris vectors target's contract, on fixed inputs)."""
    from symverify.goldgen.vectorset import VectorFileError
    from symverify.mutants.gold import load_cases

    parse, allowed = parsers.parser_for("vectors")
    assert allowed == (VectorFileError,)
    parsers.check_one("vectors", blob, parse, allowed, tmp_path / "bad.json")
    if must_fail:
        with pytest.raises(VectorFileError, match="bad.json"):
            load_cases([tmp_path / "bad.json"])


# ------------------------------------------------------------------ smoke run (CI)

@pytest.mark.slow
@needs_clang
@needs_atheris
def test_smoke_every_target_for_60_seconds(tmp_path):
    """Every kernel and parser target together for about 60 s: no finding,
    every target executed inputs, every kernel replay compared inputs."""
    targets = campaign.ALL_TARGETS
    results = campaign.run_campaign(tmp_path, targets, seconds=60 / len(targets))
    assert [r.name for r in results] == list(targets)
    assert campaign.gate(results) == []
    assert all(r.run.executions > 0 for r in results)
    assert all(r.replay.compared > 0 for r in results if r.kind == "libfuzzer")


# ------------------------------------------------------------------ CLI

def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "symverify", "fuzz", *args], capture_output=True, text=True)


def test_cli_usage_errors_exit_2(tmp_path):
    assert _cli("--target", "bogus").returncode == 2
    assert _cli("--seconds", "2", "--total-seconds", "4").returncode == 2
    assert _cli("--json", str(tmp_path / "missing" / "f.json")).returncode == 2  # refused before any run
    (tmp_path / "file").write_text("")
    assert _cli("--work-dir", str(tmp_path / "file" / "w")).returncode == 2


@needs_clang
def test_cli_runs_a_target_and_writes_its_figures(tmp_path):
    out = tmp_path / "f.json"
    p = _cli("--target", "sgd", "--runs", "3000", "--work-dir", str(tmp_path / "w"), "--json", str(out))
    assert p.returncode == 0, p.stdout + p.stderr
    doc = json.loads(out.read_text())
    assert doc["stamp"]["tool"] == "symverify"
    (rec,) = doc["results"]
    assert rec["target"] == "sgd" and rec["executions"] >= 3000 and rec["findings"] == 0
    assert rec["cov"] > 0 and rec["replay"]["agree_ok"] + rec["replay"]["agree_error"] > 0


@pytest.mark.parametrize("text", [
    "[[layer]\nname = 1",
    "layer = [1]",
    'training = 3\n[[layer]]\nkind = "quant"\nq_max_bits = 8',
    '[training]\nseed = -1\n[[layer]]\nkind = "quant"\nq_max_bits = 8',
    '[training]\nseed = "x"\n[[layer]]\nkind = "quant"\nq_max_bits = 8',
])
def test_model_factory_names_malformed_files(tmp_path, text):
    from symverify.model.factory import ModelFileError, build_model

    path = tmp_path / "m.toml"
    path.write_text(text)
    with pytest.raises(ModelFileError):
        build_model(path, emulate)
    path.write_bytes(b"\xff" + text.encode())
    with pytest.raises(ModelFileError, match="UTF-8"):
        build_model(path, emulate)


@needs_clang
def test_linear_target_reference_stops_at_the_int32_overflow():
    """A crash input the CI smoke run found: a long dot product whose partial
    sums leave int32 made the harness's int64 reference itself overflow
    (UBSan abort in fuzz_linear.c, not in the kernel). The reference now stops
    summing once a partial sum leaves int32; the input must run clean."""
    crash = Path(__file__).parent / "data" / "fuzz" / "linear_reference_int64_overflow.bin"
    binary = libfuzzer.build_target("linear")
    run = subprocess.run([str(binary), str(crash)], capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
