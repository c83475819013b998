"""Cortex-M cross-target runs (``symverify xtarget``): every golden-vector
family bit-exact on emulated M0+ / M4 / M7, plus non-vacuity checks.

Needs gcc-arm-none-eabi, libnewlib-arm-none-eabi and qemu-system-arm. Without
them the toolchain tests skip with the reason; with SYMVERIFY_REQUIRE_XTARGET=1
(set by .ci/run) a missing tool is a failure instead.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from symverify import xtarget as xt
from symverify.cli import cli
from symverify.goldgen import vectorset
from symverify.goldgen.generate import load_family



def _describe(result: xt.RunResult) -> str:
    lines = [f"{result.core}/{result.family}: " + "; ".join(result.problems())]
    lines += result.failures[:20]
    lines.append(result.output[-2000:])
    return "\n".join(lines)


# --------------------------------------------------------------------------
# the real thing: every family on every core
# --------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("family", xt.FAMILIES)
@pytest.mark.parametrize("core", list(xt.CORES))
def test_golden_vectors_bit_exact_on_target(tools, core, family):
    result = xt.build_and_run(xt.CORES[core], family, tools)
    assert result.ok, _describe(result)
    header = xt.vectors_dir() / f"{family}.h"
    assert result.expected == xt.count_vectors(header) > 0
    assert result.run == result.passed == result.expected
    # every kernel of the family ran all of its vectors
    assert sum(run for run, _ in result.kernels.values()) == result.run
    assert all(run == passed for run, passed in result.kernels.values())
    assert result.freestanding == []
    size = result.size
    assert size is not None and size.own > 0
    assert all(size.per_source.get(stem, 0) > 0 for stem in xt.family_sources(family))
    assert size.total >= size.kernels >= size.own > 0


@pytest.mark.slow
@pytest.mark.parametrize("core", list(xt.CORES))
def test_layers_every_kernel_on_target(tools, core):
    """layers: every layer kernel of layers.json ran all its vectors on target,
    including the error vectors (nothing written, RNG unchanged) and SR ones."""
    result = xt.build_and_run(xt.CORES[core], "layers", tools)
    assert result.ok, _describe(result)
    data = load_family(xt.vectors_dir() / "layers.json")
    per_kernel: dict[str, int] = {}
    for vec in data["vectors"]:
        per_kernel[vec["kernel"]] = per_kernel.get(vec["kernel"], 0) + 1
    assert {k: run for k, (run, _) in result.kernels.items()} == per_kernel
    assert result.run == result.passed == len(data["vectors"]) == result.expected
    assert any(v["expect"]["status"] != "SYM_OK" for v in data["vectors"])
    assert any("rng_state" in v["expect"] for v in data["vectors"])


# --------------------------------------------------------------------------
# non-vacuity: a corrupted expected value must be reported as a mismatch
# --------------------------------------------------------------------------

def _corrupt(tmp_path: Path, family: str, pick, change) -> tuple[Path, str]:
    """Copy goldgen/vectors to tmp_path and apply ``change`` to the expectation
    of the first vector of ``<family>.json`` that ``pick(vector)`` selects
    (and update SHA256SUMS, so the set is consistent and only the on-target
    comparison can catch it); the runner's case table is generated from that
    file. Returns the directory and the vector's name."""
    vdir = tmp_path / "vectors"
    shutil.copytree(xt.vectors_dir(), vdir)
    path = vdir / f"{family}.json"
    doc = json.loads(path.read_text())
    vec = next((v for v in doc["vectors"] if pick(v)), None)
    assert vec is not None, f"no vector of {path} to corrupt"
    before = json.dumps(vec["expect"], sort_keys=True)
    change(vec["expect"])
    assert json.dumps(vec["expect"], sort_keys=True) != before
    path.write_text(json.dumps(doc, indent=1))
    files = {f.name: f.read_bytes() for f in vdir.iterdir() if f.is_file() and f.name != vectorset.MANIFEST}
    (vdir / vectorset.MANIFEST).write_text(vectorset.render_manifest(files))
    return vdir, vec["name"]


def _ok(kernel: str, key: str = "status"):
    return lambda v: v["kernel"] == kernel and v["expect"]["status"] == "SYM_OK" and key in v["expect"] \
        and v.get("c_abi", True)


def _flip(bits: str) -> str:
    return f"0x{int(bits, 16) ^ 1:08X}"


def _assert_one_mismatch(result: xt.RunResult, fields: list[str]) -> None:
    """One vector mismatched, in exactly ``fields`` (a primitive's vector is
    checked through its _ex entry point and its prototype, ``proto_``)."""
    assert not result.ok
    assert result.exit_code == xt.EXIT_MISMATCH, _describe(result)
    assert result.run == result.expected > 0, _describe(result)
    assert result.passed == result.run - 1, _describe(result)
    assert sorted(f.split()[3] for f in result.failures) == sorted(fields), result.failures
    assert len({f.split()[2] for f in result.failures}) == 1, result.failures  # one vector label


def test_corrupted_scalar_is_reported(tools, tmp_path):
    """round: one expected int32 result off by one (first successful vector)."""
    vdir, name = _corrupt(tmp_path, "round", _ok("round_half_away", "value"),
                          lambda e: e.update(value=e["value"] + 1))
    result = xt.build_and_run(xt.CORES["m0plus"], "round", tools, vectors=vdir)
    _assert_one_mismatch(result, ["out", "proto_out"])
    assert result.failures[0].startswith(f"round_half_away 0 {name} ")


def test_corrupted_scale_bits_are_reported(tools, tmp_path):
    """requant: one expected output scale with its last mantissa bit flipped
    (1 ulp: a harness comparing floats with a tolerance would miss it)."""
    vdir, name = _corrupt(tmp_path, "requant",
                          lambda v: _ok("requant_dynamic", "scale")(v) and v["args"].get("order") == "ratio"
                          and v["args"].get("rounding") == "half_away",
                          lambda e: e.update(scale=_flip(e["scale"])))
    result = xt.build_and_run(xt.CORES["m4"], "requant", tools, vectors=vdir)
    # The vector is checked three times: the _ex entry point (out.scale), the
    # prototype (proto_s_out) and the integer-only core (intreq_s_out) compare
    # against the same expected scale.
    assert not result.ok and result.exit_code == xt.EXIT_MISMATCH, _describe(result)
    assert result.run == result.expected > 0 and result.passed == result.run - 1, _describe(result)
    assert sorted(f.split()[3] for f in result.failures) == ["intreq_s_out", "out.scale", "proto_s_out"], \
        result.failures
    assert {f.split()[2] for f in result.failures} == {name}, result.failures  # one vector label


def test_corrupted_mantissa_is_reported(tools, tmp_path):
    """accumulate: one element of an expected mantissa array changed (checked
    by the _ex entry point, the prototype and the integer-only entry)."""
    vdir, name = _corrupt(tmp_path, "accumulate", _ok("accumulate_fixed", "mantissas"),
                          lambda e: e["mantissas"].__setitem__(0, e["mantissas"][0] + 1))
    result = xt.build_and_run(xt.CORES["m7"], "accumulate", tools, vectors=vdir)
    _assert_one_mismatch(result, ["out[0]", "proto_t[0]", "intreq_t[0]"])
    assert result.failures[0].split()[2] == name


@pytest.mark.parametrize("core, pick, change, field", [
    # an expected output mantissa (first element of the first expected tensor)
    ("m0plus", _ok("linear_forward", "out"), lambda e: e["out"]["mantissas"].__setitem__(
        0, e["out"]["mantissas"][0] + 1), "out[0]"),
    # an expected scale, last bit flipped (1 ulp)
    ("m4", _ok("layernorm_forward", "out"), lambda e: e["out"].update(scale=_flip(e["out"]["scale"])),
     "out.scale"),
    # an expected width
    ("m4", _ok("quant_forward", "out"), lambda e: e["out"].update(q_max_bits=e["out"]["q_max_bits"] + 1),
     "out.q_max_bits"),
    # the float32 MSE loss, 1 ulp
    ("m7", _ok("mse_loss", "loss"), lambda e: e.update(loss=_flip(e["loss"])), "loss"),
    # the RNG state after an SR vector that fails (must be unchanged: in == out)
    ("m7", lambda v: v["name"] == "linear_bwd_grad_b_overflow", lambda e: e.update(rng_state=_flip(e["rng_state"])),
     "rng_state"),
    # an expected error status turned into another error
    ("m0plus", lambda v: v["kernel"] == "linear_forward" and v["expect"]["status"] == "SYM_ERR_INT_OVERFLOW",
     lambda e: e.update(status="SYM_ERR_RANGE_GUARD"), "status"),
])
def test_corrupted_layers_value_is_reported(tools, tmp_path, core, pick, change, field):
    """layers: one corrupted expected value (mantissa, scale, width, loss, RNG
    state of an error vector, status) gives exactly one mismatching vector
    naming it."""
    vdir, _ = _corrupt(tmp_path, "layers", pick, change)
    result = xt.build_and_run(xt.CORES[core], "layers", tools, vectors=vdir)
    _assert_one_mismatch(result, [field])


@pytest.mark.parametrize("family, pick, change, field", [
    # conv: a mantissa of a weight gradient (a second output view)
    ("conv", _ok("conv1d_backward", "grad_w"), lambda e: e["grad_w"]["mantissas"].__setitem__(
        0, e["grad_w"]["mantissas"][0] ^ 1), "new_grad_w[0]"),
    # pool: an argmax position of a max pool
    ("pool", _ok("maxpool1d_forward", "indices"), lambda e: e["indices"]["values"].__setitem__(
        0, e["indices"]["values"][0] + 1), "indices[0]"),
    # softmax: the cross-entropy loss, 1 ulp
    ("softmax", _ok("cross_entropy_loss", "loss"), lambda e: e.update(loss=_flip(e["loss"])), "loss"),
    # an error vector that expected success: the runner must see the status
    ("relu", lambda v: v["kernel"] == "relu_backward" and v["expect"]["status"] != "SYM_OK"
     and v.get("c_abi", True), lambda e: e.update(status="SYM_OK"), "status"),
])
def test_corrupted_value_is_reported_in_every_kind_of_family(tools, tmp_path, family, pick, change, field):
    """The one runner names the corrupted field for a geometry family, the
    pool indices, a float loss and a wrong status."""
    vdir, name = _corrupt(tmp_path, family, pick, change)
    result = xt.build_and_run(xt.CORES["m4"], family, tools, vectors=vdir)
    assert not result.ok and result.exit_code == xt.EXIT_MISMATCH, _describe(result)
    assert result.run == result.expected > 0 and result.passed == result.run - 1, _describe(result)
    assert any(f.split()[3] == field for f in result.failures), result.failures
    assert {f.split()[2] for f in result.failures} == {name}, result.failures


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------

def test_cli_runs_and_writes_json(tools, tmp_path):
    out = tmp_path / "xt.json"
    res = CliRunner().invoke(cli, ["xtarget", "--cpu", "cortex-m4", "--family", "round,convert",
                                   "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert "PASS" in res.output and "mps2-an386" in res.output
    data = json.loads(out.read_text())
    assert data["ok"] is True
    assert [(r["core"], r["family"]) for r in data["results"]] == [("m4", "round"), ("m4", "convert")]
    assert all(r["run"] == r["passed"] == r["expected"] > 0 for r in data["results"])
    assert all(r["code_size"]["kernels"] > 0 for r in data["results"])


def test_cli_exits_nonzero_on_mismatch(tools, tmp_path, monkeypatch):
    vdir, _ = _corrupt(tmp_path, "round", _ok("round_half_away", "value"),
                       lambda e: e.update(value=e["value"] - 7))
    monkeypatch.setenv("SYMVERIFY_VECTORS_DIR", str(vdir))
    res = CliRunner().invoke(cli, ["xtarget", "--cpu", "m7", "--family", "round"])
    assert res.exit_code == 1, res.output
    assert "FAIL" in res.output and "round_half_away 0" in res.output


def test_cli_names_a_truncated_vector_file(tmp_path, monkeypatch):
    """The case table is generated from <family>.json: a truncated one is a bad
    input file (exit 3, named), not a build failure."""
    vdir = tmp_path / "vectors"
    shutil.copytree(xt.vectors_dir(), vdir)
    path = vdir / "round.json"
    path.write_text(path.read_text()[:200])
    monkeypatch.setenv("SYMVERIFY_VECTORS_DIR", str(vdir))
    res = CliRunner().invoke(cli, ["xtarget", "--cpu", "m4", "--family", "round"])
    assert res.exit_code == 3, res.output
    assert "round.json" in res.output and "not valid JSON" in res.output


# --------------------------------------------------------------------------
# no toolchain needed
# --------------------------------------------------------------------------

def test_cli_rejects_unknown_core():
    res = CliRunner().invoke(cli, ["xtarget", "--cpu", "m3"])
    assert res.exit_code == 2
    assert "unknown core" in res.output


def test_help():
    res = CliRunner().invoke(cli, ["xtarget", "--help"])
    assert res.exit_code == 0 and "--cpu" in res.output


def test_parse_cores():
    assert [c.key for c in xt.parse_cores(None)] == ["m0plus", "m4", "m7"]
    assert [c.key for c in xt.parse_cores("cortex-m7, m0+ ,m7")] == ["m7", "m0plus"]
    with pytest.raises(ValueError):
        xt.parse_cores("cortex-a53")


def test_header_covers_every_json_vector():
    """The C header (what the target runs) holds every vector of the JSON
    except those the header itself lists as expressible only in Python."""
    for family in xt.FAMILIES:
        header = xt.vectors_dir() / f"{family}.h"
        text = header.read_text()
        data = load_family(xt.vectors_dir() / f"{family}.json")
        json_names = [v["name"] for v in data["vectors"]]
        header_names = re.findall(r'^\s*\{ "([^"]+)",', text, re.MULTILINE)
        m = re.search(r"Vectors only the Python API can express \(not here\): ([^\n]*)", text)
        python_only = {n.strip(" .") for n in m.group(1).split(",")} if m else set()
        assert len(header_names) == xt.count_vectors(header) > 0
        assert sorted(header_names) == sorted(n for n in json_names if n not in python_only)


def test_report_parsing_rejects_short_runs():
    r = xt.RunResult("m4", "round", 0, expected=30)
    xt.parse_report(r, "XT BEGIN round\nXT KERNEL round_half_away run=29 pass=29\n"
                       "XT END round run=29 pass=29 fail=0\n")
    assert not r.ok and any("header declares 30" in p for p in r.problems())
    r = xt.RunResult("m4", "round", 0, expected=0)
    xt.parse_report(r, "")
    assert not r.ok  # nothing ran: never a pass
    full = "XT BEGIN round\nXT KERNEL k run=2 pass=2\nXT END round run=2 pass=2 fail=0\n"
    r = xt.RunResult("m4", "round", 0, expected=2)
    xt.parse_report(r, "XT SELFTEST status=0 faults=0x00000000\n" + full)
    assert r.ok, r.problems()
    r = xt.RunResult("m4", "round", 0, expected=2)
    xt.parse_report(r, full)  # no self-test line: the image did not run it
    assert not r.ok and "no floating-point self-test report" in r.problems()
    r = xt.RunResult("m4", "round", 0, expected=2)
    xt.parse_report(r, "XT SELFTEST status=-17 faults=0x00000009\n" + full)
    assert not r.ok and any("contraction, rounding" in p for p in r.problems()), r.problems()
