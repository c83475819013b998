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


def test_float_core_is_not_a_failure(tmp_path):
    """softmax has no integer accumulator: a FLOAT_CORE record, exit 0."""
    f = tmp_path / "m.toml"
    f.write_text('[[layer]]\nname = "s"\nkind = "softmax"\n')
    r = run(f, "--json", "-")
    assert r.exit_code == 0, r.output
    (rec,) = json.loads(r.stdout[r.stdout.index("{"):])["records"]
    assert rec["status"] == "FLOAT_CORE" and rec["accumulator"] is None and "no integer accumulator" in rec["note"]


def test_kind_with_accumulator_but_no_encoding_exits_4(tmp_path, monkeypatch):
    """Exit 4 stays for a kind that has an integer accumulator but no
    encoding. Every such kind of LAYER_KINDS has one today, so the case is
    made by declaring softmax one of them."""
    from symverify.proofs import bounds as B

    monkeypatch.setattr(B, "KINDS_FLOAT_CORE", ())
    monkeypatch.setattr(B, "KINDS_WITHOUT_ENCODING", ("softmax",))
    f = tmp_path / "m.toml"
    f.write_text('[[layer]]\nname = "s"\nkind = "softmax"\n')
    r = run(f)
    assert r.exit_code == 4 and "NO ENCODING" in r.output


def _recs(path, *extra):
    r = run(path, "--json", "-", *extra)
    return r, {(rec["layer"], rec["accumulator"]): rec for rec in json.loads(r.stdout[r.stdout.index("{"):])["records"]}


def test_chain_every_accumulator_decided():
    r, recs = _recs(EX / "chain.toml", "--no-replay")
    assert r.exit_code == 0, r.output
    assert all(rec["status"] == "SAFE" for rec in recs.values())
    for layer in ("fc1", "fc2"):
        for acc in ("forward", "dW", "dx", "db", "grad_b"):
            rec = recs[(layer, acc)]
            assert {"layer", "accumulator", "status", "worst_case", "max_safe_fan_in"} <= rec.keys()
        assert recs[(layer, "dW")]["fan_in"] == 16 and recs[(layer, "dW")]["max_safe_fan_in"] == 511
        assert recs[(layer, "db")]["fan_in"] == 16
    assert recs[("fc2", "dx")]["fan_in"] == 2  # out_features
    aff = recs[("ln", "affine")]
    assert aff["operand_bits"] == [12, 12] and aff["rounding"] == "HA"  # norm_bits = 12 read from the file
    assert aff["worst_case"] == 2047 * 2048 + 1073774464 and aff["margin"] == 2 ** 31 - 1 - aff["worst_case"]
    assert recs[("ln", "row_sum")]["status"] == "SAFE"


LN = """[training]
rounding = "{rnd}"

[[layer]]
name = "ln"
kind = "layernorm"
normalized_shape = 8
x_bits = 12
gamma_bits = {g}
{norm}
"""


def test_layernorm_int16_half_away_safe_by_127(tmp_path):
    f = tmp_path / "m.toml"
    f.write_text(LN.format(rnd="half_away", g=16, norm="norm_bits = 16"))
    r, recs = _recs(f)
    assert r.exit_code == 0, r.output
    aff = recs[("ln", "affine")]
    assert aff["status"] == "SAFE" and aff["margin"] == 127  # 32767*32768 + guard = 2^31 - 1 - 127


def test_layernorm_int16_sr_unsafe_confirmed_on_c(tmp_path):
    f = tmp_path / "m.toml"
    f.write_text(LN.format(rnd="sr_half_away", g=16, norm="norm_bits = 16"))
    r, recs = _recs(f)
    assert r.exit_code == 1, r.output
    aff = recs[("ln", "affine")]
    assert aff["status"] == "UNSAFE" and aff["max_safe_fan_in"] == 0
    c = aff["counterexample"]
    assert (c["q_n"], c["gamma"], c["seed"]) == (-32768, -32768, 1073774464)
    k = c["c_kernel_replay"]
    assert k["confirmed"] and k["status"] == "SYM_ERR_INT_OVERFLOW" and k["sanitizer"] == ""


def test_layernorm_norm_bits_default_12(tmp_path):
    f = tmp_path / "m.toml"
    f.write_text(LN.format(rnd="half_away", g=16, norm=""))
    r, recs = _recs(f, "--no-replay")
    assert r.exit_code == 0
    aff = recs[("ln", "affine")]
    assert aff["operand_bits"] == [12, 16] and "norm_bits not given: default 12" in aff["note"]


def test_batch_default_is_said(tmp_path):
    f = tmp_path / "m.toml"
    f.write_text('[[layer]]\nname = "fc"\nkind = "linear"\nin_features = 8\nout_features = 4\n'
                 'x_bits = 12\nw_bits = 12\ndy_bits = 12\n')
    r = CliRunner().invoke(cli, ["bounds", str(f), "--no-replay"], env={"COLUMNS": "80"})
    assert r.exit_code == 0
    assert "batch not given in the model file: assumed 1" in " ".join(r.output.split())
    assert max(len(line) for line in r.output.splitlines()) <= 80
    _, recs = _recs(f, "--no-replay")
    assert recs[("fc", "dW")]["fan_in"] == 1 and recs[("fc", "db")]["fan_in"] == 1
    f.write_text('[training]\nbatch = 600\n' + f.read_text())
    r, recs = _recs(f, "--no-replay")
    assert r.exit_code == 1 and recs[("fc", "dW")]["status"] == "UNSAFE"  # 600 > 511 products


def test_table_fits_80_columns():
    for name in ("chain.toml", "conv_fanin_too_large.toml"):
        r = CliRunner().invoke(cli, ["bounds", str(EX / name), "--no-replay"], env={"COLUMNS": "80"})
        assert max(len(line) for line in r.output.splitlines()) <= 80, r.output


def test_grad_b_bits_target(tmp_path):
    f = tmp_path / "m.toml"
    base = ('[[layer]]\nname = "fc"\nkind = "linear"\nin_features = 8\nout_features = 4\n'
            'x_bits = 12\nw_bits = 12\ndy_bits = 12\nbatch = 4\n')
    f.write_text(base + "grad_b_bits = 16\n")
    r, recs = _recs(f, "--no-replay")
    assert r.exit_code == 0 and recs[("fc", "grad_b")]["worst_case"] == 32768 + 1073774464
    f.write_text(base + "grad_b_bits = 20\n")
    assert run(f).exit_code == 3


LIN = ('[[layer]]\nname = "fc"\nkind = "linear"\nin_features = {n}\nout_features = 2\nx_bits = {bx}\n'
       'w_bits = {bw}\nbias = {bias}\n')


def test_wide_x_narrow_w_is_proved_safe(tmp_path):
    """16x8 products: the minimum is 32767 * -128, not -32768 * 127 (the old bound
    made the product lemma fail: UNKNOWN, exit 1)."""
    f = tmp_path / "m.toml"
    f.write_text(LIN.format(n=4, bx=16, bw=8, bias="false"))
    r, recs = _recs(f, "--no-replay")
    assert r.exit_code == 0, r.output
    rec = recs[("fc", "forward")]
    assert rec["status"] == "SAFE" and rec["proof"] == {"safe_for_N<=4": "PROVEN"} and rec["max_safe_fan_in"] == 511


def test_wide_x_narrow_w_seeded_limit_is_proved_and_replayed(tmp_path):
    f = tmp_path / "m.toml"
    f.write_text(LIN.format(n=256, bx=16, bw=8, bias="true"))
    r, recs = _recs(f)
    assert r.exit_code == 1, r.output
    rec = recs[("fc", "forward")]
    assert rec["status"] == "UNSAFE" and rec["max_safe_fan_in"] == 255
    assert rec["proof"] == {"safe_for_N<=255": "PROVEN", "overflow_at_N=256": "COUNTEREXAMPLE"}
    assert rec["counterexample"]["c_kernel_replay"]["confirmed"]


def test_dx_with_16_bit_gradients_is_proved(tmp_path):
    f = tmp_path / "m.toml"
    f.write_text(LIN.format(n=4, bx=12, bw=12, bias="false") + "dy_bits = 16\nbatch = 1\n")
    r, recs = _recs(f, "--no-replay")
    assert r.exit_code == 0, r.output
    assert recs[("fc", "dx")]["status"] == "SAFE" and recs[("fc", "dW")]["status"] == "SAFE"
    assert recs[("fc", "dx")]["max_safe_fan_in"] == 31  # 31 * 2^15 * 2^11 <= 2^31 - 1 < 32 * 2^26
