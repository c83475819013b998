"""`symverify bounds` for conv1d / conv_transpose1d (docs/layers.md "Conv1d"):
the fan-in of every accumulator, the exact ConvTranspose1d tap count, an
UNSAFE counterexample replayed on the C conv kernel, and the model file's
named geometry errors."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from symverify.cli import cli
from symverify.proofs.bounds import conv_scatter_taps


def _model(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "m.toml"
    p.write_text(body)
    return p


def _recs(path: Path, *extra: str) -> tuple[int, dict]:
    r = CliRunner().invoke(cli, ["bounds", str(path), "--json", "-", *extra])
    data = json.loads(r.stdout[r.stdout.index("{"):])
    return r.exit_code, {(rec["layer"], rec["accumulator"]): rec for rec in data["records"]}


@pytest.mark.parametrize("k", range(1, 8))
@pytest.mark.parametrize("s", range(1, 5))
@pytest.mark.parametrize("d", range(1, 5))
def test_scatter_taps_is_the_exact_maximum(k: int, s: int, d: int) -> None:
    # brute force: for every output position j (and padding p), count the k
    # with j + p - k*d = t*s for some t >= 0 (a long input: no edge limits)
    best = 0
    for jp in range(d * k + 3 * s, d * k + 3 * s + s * d + 1):
        best = max(best, sum(1 for kk in range(k) if (jp - kk * d) % s == 0))
    assert conv_scatter_taps(k, s, d) == best


CONV = """
[[layer]]
name = "c"
kind = "conv1d"
in_channels = 16
out_channels = 8
kernel_size = 3
groups = 2
stride = 2
padding = 1
x_bits = 12
w_bits = 12
dy_bits = 12
in_length = 33
batch = 4
"""


def test_conv1d_fan_ins(tmp_path: Path) -> None:
    code, recs = _recs(_model(tmp_path, CONV), "--no-replay")
    assert code == 0
    assert recs[("c", "forward")]["fan_in"] == 8 * 3 and recs[("c", "forward")]["seeded"]
    assert recs[("c", "dx")]["fan_in"] == 4 * 2  # (C_out/g) * ceil(3 / 2)
    assert recs[("c", "dW")]["fan_in"] == 4 * 17  # batch * L_out, L_out = (33 + 2 - 3)//2 + 1
    assert recs[("c", "db")]["fan_in"] == 4 * 17
    assert all(r["status"] == "SAFE" for r in recs.values())


def test_conv_transpose1d_unsafe_replayed_on_the_c_kernel(tmp_path: Path) -> None:
    body = """
[[layer]]
name = "t"
kind = "conv_transpose1d"
in_channels = 32
out_channels = 16
kernel_size = 5
stride = 2
output_padding = 1
x_bits = 16
w_bits = 16
bias = false
"""
    code, recs = _recs(_model(tmp_path, body))
    assert code == 1
    rec = recs[("t", "forward")]
    assert rec["status"] == "UNSAFE" and rec["fan_in"] == 32 * 3 and rec["max_safe_fan_in"] == 1
    replay = rec["counterexample"]["c_kernel_replay"]
    assert replay["kernel"].startswith("sym_conv_transpose1d_forward") and replay["confirmed"]


@pytest.mark.parametrize("change,key", [
    (("groups = 2", "groups = 3"), "groups"),
    (("padding = 1", 'padding = "same"'), "padding"),
    (("kernel_size = 3", "kernel_size = 40"), "kernel_size"),
])
def test_bad_conv_geometry_is_a_named_model_error(tmp_path: Path, change: tuple[str, str], key: str) -> None:
    r = CliRunner().invoke(cli, ["bounds", str(_model(tmp_path, CONV.replace(*change)))])
    assert r.exit_code == 3
    assert f"key '{key}'" in r.output


def test_bad_output_padding_is_a_named_model_error(tmp_path: Path) -> None:
    body = """
[[layer]]
name = "t"
kind = "conv_transpose1d"
in_channels = 4
out_channels = 4
kernel_size = 3
stride = 2
output_padding = 2
x_bits = 8
w_bits = 8
"""
    r = CliRunner().invoke(cli, ["bounds", str(_model(tmp_path, body))])
    assert r.exit_code == 3 and "key 'output_padding'" in r.output
