"""symverify bounds: examples, JSON records, bad model files (exit 3 with file, line, key)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from symverify.cli import cli

EX = Path(__file__).resolve().parents[1] / "examples"


def run(*args):
    return CliRunner().invoke(cli, ["bounds", *map(str, args)])


def test_safe_example(tmp_path):
    out = tmp_path / "b.json"
    r = run(EX / "mlp_int12_safe.toml", "--json", out, "--no-replay")
    assert r.exit_code == 0, r.output
    recs = json.loads(out.read_text())["records"]
    assert all(rec["status"] == "SAFE" for rec in recs)
    for rec in recs:
        assert {"layer", "accumulator", "status", "worst_case", "max_safe_fan_in"} <= rec.keys()
    fwd = next(rec for rec in recs if rec["layer"] == "fc1" and rec["accumulator"] == "forward")
    assert fwd["max_safe_fan_in"] == 255 and fwd["margin"] > 0


def test_int16_example_unsafe_confirmed_on_c(tmp_path):
    out = tmp_path / "b.json"
    r = run(EX / "mlp_int16_breaks.toml", "--json", out)
    assert r.exit_code == 1, r.output
    rec = json.loads(out.read_text())["records"][0]
    assert rec["status"] == "UNSAFE" and rec["max_safe_fan_in"] == 0
    cex = rec["counterexample"]
    assert cex["seed"] == 1073774464 and cex["x_uniform"] == -32768
    assert cex["c_replay"]["confirmed"] and cex["c_replay"]["where"] == "step 1"
    assert cex["c_kernel_replay"]["status"] == "SYM_ERR_INT_OVERFLOW"


def test_fan_in_example():
    r = run(EX / "conv_fanin_too_large.toml", "--json", "-", "--no-replay")
    assert r.exit_code == 1
    recs = json.loads(r.stdout[r.stdout.index("{"):])["records"]
    wide = next(rec for rec in recs if rec["layer"] == "fc_wide")
    assert wide["status"] == "UNSAFE" and wide["max_safe_fan_in"] == 511


@pytest.mark.parametrize("text,line,key", [
    ('[[layer]]\nname = "a"\nkind = "linear"\nin_features = 4\nout_features = 2\nx_bits = 20\nw_bits = 12\n', 6, "x_bits"),
    ('[[layer]]\nname = "a"\nkind = "attention"\n', 3, "kind"),
    ('[[layer]]\nname = "a"\nkind = "linear"\nin_features = -3\nout_features = 2\nx_bits = 12\nw_bits = 12\n', 4,
     "in_features"),
    ('[[layer]\nname = "a"\n', 1, "-"),
    ('title = "no layers"\n', None, "layer"),
])
def test_bad_files(tmp_path, text, line, key):
    f = tmp_path / "m.toml"
    f.write_text(text)
    r = run(f)
    assert r.exit_code == 3, r.output
    msg = " ".join(r.output.split())
    assert str(f.name) in msg and f"key '{key}'" in msg
    if line:
        assert f"m.toml:{line}" in msg


def test_kind_without_encoding(tmp_path):
    f = tmp_path / "m.toml"
    f.write_text('[[layer]]\nname = "s"\nkind = "softmax"\n')
    r = run(f)
    assert r.exit_code == 4 and "NO ENCODING" in r.output
