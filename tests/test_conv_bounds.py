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


def _bucket_taps(kk: int, s: int, d: int, short_len: int, long_len: int, pad: int) -> int:
    """Every (t, k) pair dropped into its position j = t*s - p + k*d: the largest bucket."""
    hits = [0] * long_len
    for t in range(short_len):
        for k in range(kk):
            j = t * s - pad + k * d
            if 0 <= j < long_len:
                hits[j] += 1
    return max(hits)


@pytest.mark.parametrize("k", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("s", [1, 2, 3, 5])
@pytest.mark.parametrize("d", [1, 2, 3, 4])
def test_scatter_taps_with_lengths_is_the_exact_maximum(k: int, s: int, d: int) -> None:
    # short inputs (1..6) and paddings where the input length, not K, limits the taps
    for short_len in range(1, 7):
        for pad in range(0, d * (k - 1) + 1, max(1, d * (k - 1) // 3)):
            long_len = (short_len - 1) * s - 2 * pad + d * (k - 1) + 1
            if long_len < 1:
                continue
            want = _bucket_taps(k, s, d, short_len, long_len, pad)
            assert conv_scatter_taps(k, s, d, short_len, long_len, pad) == want, (short_len, pad)
            assert want <= conv_scatter_taps(k, s, d)


def test_scatter_taps_of_the_c_conv_transpose_kernel() -> None:
    # x and w all ones, one channel: each output of the C kernel counts its taps
    import numpy as np

    import symverify as sv
    for (length, k, s, d, p, op) in [(1, 5, 1, 1, 0, 0), (2, 7, 2, 1, 1, 1), (3, 9, 2, 2, 2, 1), (4, 6, 3, 2, 0, 2),
                                     (50, 5, 2, 1, 2, 1), (2, 4, 1, 3, 0, 0)]:
        x = sv.SymTensor(np.ones((1, 1, length), dtype=np.int32), np.float32(1.0), 8)
        w = sv.SymTensor(np.ones((1, 1, k), dtype=np.int32), np.float32(1.0), 8)
        y = sv.kernels.conv_transpose1d_forward(x, w, stride=s, padding=p, output_padding=op, dilation=d)
        l_out = y.mantissas.shape[-1]
        assert conv_scatter_taps(k, s, d, length, l_out, p) == int(y.mantissas.max()), (length, k, s, d, p, op)


def test_a_short_input_gives_fewer_taps_than_the_length_free_bound(tmp_path: Path) -> None:
    body = CONV_T_SHORT
    code, recs = _recs(_model(tmp_path, body), "--no-replay")
    assert code == 0
    # K = 9, stride 1: 9 taps for a long input; with in_length 2 at most 2 reach one output
    assert recs[("t", "forward")]["fan_in"] == 4 * 2
    assert "in_length 2" in recs[("t", "forward")]["note"]
    code, recs = _recs(_model(tmp_path, body.replace("in_length = 2\n", "")), "--no-replay")
    assert recs[("t", "forward")]["fan_in"] == 4 * 9


CONV_T_SHORT = """
[[layer]]
name = "t"
kind = "conv_transpose1d"
in_channels = 4
out_channels = 4
kernel_size = 9
x_bits = 8
w_bits = 8
in_length = 2
"""


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
