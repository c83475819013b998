"""`symverify conform`: the golden vectors against an outside implementation
through an adapter, one forked child per vector."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from symverify import build
from symverify.cli import cli

DATA = Path(__file__).parent / "data" / "emit"
KERNELS = ("sym_round.c", "sym_convert.c", "sym_requant.c", "sym_accumulate.c", "sym_support.c", "sym_status.c")

def _kernels(tmp: Path, planted: bool = False) -> list[Path]:
    out = tmp / "kernels"
    out.mkdir()
    for name in KERNELS:
        shutil.copy(build.kernel_dir() / "src" / name, out / name)
    if planted:  # float32 qMax in the requant clamp: the width-26..31 upstream bug, here in requant_fixed
        p = out / "sym_requant.c"
        text = p.read_text()
        assert text.count("q_hi = sym_q_max(q_max_bits_out);") == 2
        p.write_text(text.replace("q_hi = sym_q_max(q_max_bits_out);",
                                  "q_hi = sym_q_max(q_max_bits_out) - (q_max_bits_out == 8);", 1))
    return [out / n for n in KERNELS]


def _conform(tmp: Path, adapter: Path, sources: list[Path], *extra: str) -> tuple[int, str, dict]:
    out = tmp / "conform.json"
    args = ["conform", "--adapter", str(adapter), "-I", str(build.kernel_dir() / "include"), "--json", str(out),
            *extra, *map(str, sources)]
    res = CliRunner().invoke(cli, args, env={"COLUMNS": "200"})
    data = json.loads(out.read_text()) if out.exists() else {}
    return res.exit_code, res.output, data


def test_own_kernels_conform(tmp_path):
    code, text, data = _conform(tmp_path, DATA / "sv_adapter_symverify.c", _kernels(tmp_path))
    assert code == 0, text
    outcomes = {v["outcome"] for v in data["vectors"]}
    assert outcomes == {"bit-exact"} and len(data["vectors"]) > 250
    assert f"{len(data['vectors'])} of {len(data['vectors'])} vectors bit-exact" in text


def test_planted_bug_is_named(tmp_path):
    code, text, data = _conform(tmp_path, DATA / "sv_adapter_symverify.c", _kernels(tmp_path, planted=True),
                                "--family", "requant")
    assert code == 1, text
    bad = [v for v in data["vectors"] if v["outcome"] == "differs"]
    assert bad and {v["kernel"] for v in bad} == {"requant_dynamic"}, bad
    assert all(v["inputs"]["q_max_bits"] == 8 for v in bad)
    assert "DIFFERS requant_dynamic[" in text and "m_out[" in text
    assert {v["kernel"] for v in data["vectors"]} == {"requant_dynamic", "requant_fixed", "rescale_to_acc"}


def test_exit_crash_and_skip_are_reported_not_fatal(tmp_path):
    adapter = tmp_path / "sv_adapter.c"
    text = (DATA / "sv_adapter_symverify.c").read_text()
    old = "    return sym_round_half_away(x, out);\n"
    assert old in text
    adapter.write_text("#include <stdlib.h>\n#include <math.h>\n" + text.replace(old, (
        "    if (isnan(x)) {\n        exit(1); /* upstream style: print and exit */\n    }\n"
        "    if (x == 2.5f) {\n        abort();\n    }\n"
        "    if (x == -2.5f) {\n        return (int)SV_SKIP;\n    }\n" + old)))
    code, out, data = _conform(tmp_path, adapter, _kernels(tmp_path), "--family", "round")
    assert code == 1, out
    by_name = {v["name"]: v for v in data["vectors"]}
    assert by_name["tie_pos_2_5"]["outcome"] == "crash" and "signal 6" in by_name["tie_pos_2_5"]["detail"]
    assert by_name["tie_neg_2_5"]["outcome"] == "skipped"
    nan = [v for v in data["vectors"] if v["outcome"] == "error by exit"]
    assert nan and all(v["expected_status"] == "SYM_ERR_CAST_RANGE" for v in nan)
    crashed = {v["name"] for v in data["vectors"] if v["outcome"] == "crash"}
    assert crashed == {"tie_pos_2_5", "f64_rounds_to_f32_tie"}  # both pass 2.5f
    assert sum(v["outcome"] == "bit-exact" for v in data["vectors"]) == len(data["vectors"]) - 3 - len(nan)
    assert "CRASH round_half_away[0] tie_pos_2_5" in out


def test_bad_input(tmp_path):
    broken = tmp_path / "broken.c"
    broken.write_text("int sv_round_half_away(float x, int *out) { return x +; }\n")
    code, text, _ = _conform(tmp_path, broken, [], "--family", "round")
    assert code == 3 and "does not compile" in text
    code, text, _ = _conform(tmp_path, tmp_path / "missing.c", [])
    assert code == 2 and "missing.c" in text
    code, text, _ = _conform(tmp_path, DATA / "sv_adapter_symverify.c", [], "--family", "layers")
    assert code == 2 and "layers" in text
