"""Hand-computed values and error codes for the emulator's layer kernels
(symverify/emulator/layers.py, contract docs/layers.md).

Expected values are derived by hand in the comments next to them (or, for
LayerNorm, against an independent float64 reference within a tolerance),
never copied from the emulator's own output.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from symverify.errors import SymError
from symverify.emulator import layers as L
from symverify.types import HALF_AWAY, SR_HALF_AWAY, Rng, SymTensor

F32 = np.float32


def T(m, scale, bits):
    return SymTensor(np.array(m, dtype=np.int32), F32(scale), bits)


def raises(code: str, argument_part: str | None, fn, *args, **kwargs) -> SymError:
    with pytest.raises(SymError) as info:
        fn(*args, **kwargs)
    err = info.value
    assert err.code == code, str(err)
    if argument_part is not None:
        assert argument_part in err.argument, str(err)
    return err


def hand_xorshift(s: int) -> int:
    s ^= (s << 13) % 2**32
    s ^= s >> 17
    s ^= (s << 5) % 2**32
    return s


def hand_draws(seed: int, n: int):
    s, us = seed, []
    for _ in range(n):
        s = hand_xorshift(s)
        us.append(F32((s >> 8) * 2.0**-24))
    return us, s


def hand_round(v: float) -> int:
    import math
    return int(math.copysign(math.floor(abs(v) + 0.5), v))


# --------------------------------------------------------------------------
# Quantization layer
# --------------------------------------------------------------------------

def test_quant_forward_is_requant_and_backward_is_copy():
    # m = [10, -3], s = 0.5 -> values 5, -1.5; 4 bits: qMax 7, s_out = 5/7;
    # ratio r = 0.5/(5/7) = 0.7: 10*0.7 = 7, -3*0.7 = -2.1 -> -2
    t = T([10, -3], 0.5, 32)
    y = L.quant_forward(t, 4)
    assert y.mantissas.tolist() == [7, -2]
    assert y.scale == F32(5.0) / F32(7.0)
    assert y.q_max_bits == 4
    dy = T([[3, -4]], 0.125, 6)
    dx = L.quant_backward(dy)
    assert dx is not dy and dx.same_bits(dy)


# --------------------------------------------------------------------------
# Linear, 2x3 with a bias, by hand
# --------------------------------------------------------------------------

X = [[1, 2, 3], [-1, 0, 4]]       # scale 0.5
W = [[1, 0, -1], [2, 1, 1]]       # scale 0.25
Bb = [3, -2]                      # scale 0.5


def test_linear_forward_raw_by_hand():
    x, w, b = T(X, 0.5, 8), T(W, 0.25, 8), T(Bb, 0.5, 8)
    y = L.linear_forward(x, w, b)
    # s_acc = 0.5*0.25 = 0.125; seeds: 3*0.5/0.125 = 12, -2*0.5/0.125 = -8
    # acc[0,0] = 12 + 1 + 0 - 3 = 10 ; acc[0,1] = -8 + 2 + 2 + 3 = -1
    # acc[1,0] = 12 - 1 + 0 - 4 = 7  ; acc[1,1] = -8 - 2 + 0 + 4 = -6
    assert y.mantissas.tolist() == [[10, -1], [7, -6]]
    assert y.scale == F32(0.125) and y.q_max_bits == 32
    # without bias: seeds 0
    y0 = L.linear_forward(x, w)
    assert y0.mantissas.tolist() == [[-2, 7], [-5, 2]]


def test_linear_forward_requant_by_hand():
    x, w, b = T(X, 0.5, 8), T(W, 0.25, 8), T(Bb, 0.5, 8)
    y = L.linear_forward(x, w, b, out_bits=4)
    # raw [[10,-1],[7,-6]] * 0.125; A = 1.25; qMax 7 -> s_out = 1.25/7, r = 0.7
    # 10*0.7 = 7, -0.7 -> -1, 4.9 -> 5, -4.2 -> -4
    assert y.mantissas.tolist() == [[7, -1], [5, -4]]
    assert y.scale == F32(1.25) / F32(7.0) and y.q_max_bits == 4


def test_linear_backward_by_hand():
    x, w = T(X, 0.5, 8), T(W, 0.25, 8)
    dy = T([[1, -2], [3, 0]], 0.5, 8)
    grad_w = T(np.zeros((2, 3)), 1.0, 8)
    grad_b = T([1, 0], 0.25, 16)
    dx, gw, gb = L.linear_backward(x, w, dy, grad_w, grad_b, dx_bits=4)
    # dW[c,k] = sum_i dy[i,c] x[i,k]:
    #   c=0 (dy col [1,3]):  [1-3, 2+0, 3+12] = [-2, 2, 15]
    #   c=1 (dy col [-2,0]): [-2, -4, -6]           scale 0.25
    # accumulate into zeros: v = dW*0.25 = [[-.5,.5,3.75],[-.5,-1,-1.5]],
    # scale 3.75/127; v/scale = [[-16.93,16.93,127],[-16.93,-33.87,-50.8]]
    assert gw.mantissas.tolist() == [[-17, 17, 127], [-17, -34, -51]]
    assert gw.scale == F32(3.75) / F32(127.0) and gw.q_max_bits == 8
    # db = [1+3, -2+0] = [4, -2] at 0.5 -> rescale to 0.25: [8, -4]; + [1, 0]
    assert gb.mantissas.tolist() == [9, -4]
    assert gb.scale == F32(0.25) and gb.q_max_bits == 16
    # dxr[i,k] = sum_c dy[i,c] w[c,k]:
    #   i=0 ([1,-2]): [1-4, 0-2, -1-2] = [-3,-2,-3];  i=1 ([3,0]): [3, 0, -3]
    # scale 0.125; A = 0.375; 4 bits: s_out = 0.375/7, r = 7/3:
    #   -3 -> -7, -2 -> -4.67 -> -5, 3 -> 7, 0 -> 0
    assert dx.mantissas.tolist() == [[-7, -5, -7], [7, 0, -7]]
    assert dx.scale == F32(0.375) / F32(7.0) and dx.q_max_bits == 4
    # no grad_b -> None
    _, _, none = L.linear_backward(x, w, dy, grad_w)
    assert none is None


def test_linear_backward_sr_draw_order_and_commit():
    x, w = T(X, 0.5, 8), T(W, 0.25, 8)
    dy = T([[1, -2], [3, 0]], 0.5, 8)
    grad_w = T(np.zeros((2, 3)), 1.0, 8)
    rng = Rng(12345)
    L.linear_backward(x, w, dy, grad_w, dx_bits=4, rounding=SR_HALF_AWAY, rng_state=rng)
    # O*I = 6 draws for grad_w, then B*I = 6 draws for dx
    _, s = hand_draws(12345, 12)
    assert rng.state == s


# --------------------------------------------------------------------------
# prefix-sum overflow (int16 operands)
# --------------------------------------------------------------------------

def test_linear_two_worst_case_products_overflow():
    # (-32768)*(-32768) = 2^30; two of them: 2^31 > INT32_MAX
    x = T([[-32768, -32768]], 1.0, 16)
    w = T([[-32768, -32768]], 1.0, 16)
    err = raises("SYM_ERR_INT_OVERFLOW", "acc[0,0]", L.linear_forward, x, w)
    assert err.value == 2**31


def test_linear_prefix_overflow_even_if_final_fits():
    # prefixes: 2^30, 2^31 (overflow!), final 2^31 - 32768*32767 = 1073774592 fits
    x = T([[-32768, -32768, -32768]], 1.0, 16)
    w = T([[-32768, -32768, 32767]], 1.0, 16)
    raises("SYM_ERR_INT_OVERFLOW", "acc[0,0]", L.linear_forward, x, w)
    # reordered terms: 2^30, 2^30 - 1073709056 = 65536, + 2^30 -> fits at every step
    w2 = T([[-32768, 32767, -32768]], 1.0, 16)
    y = L.linear_forward(x, w2)
    assert y.mantissas.tolist() == [[2**31 - 32768 * 32767]]


def test_linear_seed_counts_in_prefix():
    # seed = rescale(b) = 2^30 - 1 (under the guard 1073774591), then + 2^30 overflows
    x = T([[-32768]], 1.0, 16)
    w = T([[-32768]], 1.0, 16)
    b = T([2**30 - 1], 1.0, 32)
    raises("SYM_ERR_INT_OVERFLOW", "acc[0,0]", L.linear_forward, x, w, b)
    b2 = T([-(2**30)], 1.0, 32)
    assert L.linear_forward(x, w, b2).mantissas.tolist() == [[0]]


def test_linear_backward_overflow_leaves_rng_untouched():
    # dW = dy^T x = -32768*1 fits; dxr = 2 * (-32768)^2 = 2^31 overflows (step 3)
    x = T([[1]], 1.0, 16)
    w = T([[-32768], [-32768]], 1.0, 16)
    dy = T([[-32768, -32768]], 1.0, 16)
    grad_w = T([[0], [0]], 1.0, 8)
    rng = Rng(7)
    raises("SYM_ERR_INT_OVERFLOW", "dxr[0,0]", L.linear_backward, x, w, dy, grad_w,
           rounding=SR_HALF_AWAY, rng_state=rng)
    assert rng.state == 7
    # dW overflow (step 1)
    x2 = T([[-32768], [-32768]], 1.0, 16)
    dy2 = T([[-32768], [-32768]], 1.0, 16)
    raises("SYM_ERR_INT_OVERFLOW", "dW[0,0]", L.linear_backward, x2, T([[1]], 1.0, 8), dy2, T([[0]], 1.0, 8))


def test_linear_errors():
    x, w = T(X, 0.5, 8), T(W, 0.25, 8)
    raises("SYM_ERR_SHAPE", "w", L.linear_forward, x, T([[1, 2]], 1.0, 8))
    raises("SYM_ERR_SHAPE", "x", L.linear_forward, T([1, 2, 3], 1.0, 8), w)
    raises("SYM_ERR_SHAPE", "b", L.linear_forward, x, w, T([1, 2, 3], 1.0, 8))
    raises("SYM_ERR_BAD_WIDTH", "x.q_max_bits", L.linear_forward, T(X, 0.5, 17), w)
    raises("SYM_ERR_BAD_WIDTH", "out_bits", L.linear_forward, x, w, None, 17)
    raises("SYM_ERR_SCALE_UNDERFLOW", None, L.linear_forward, T(X, 2.0**-100, 8), T(W, 2.0**-100, 8))
    raises("SYM_ERR_FLOAT_OVERFLOW", None, L.linear_forward, T(X, 2.0**100, 8), T(W, 2.0**100, 8))
    raises("SYM_ERR_RANGE_GUARD", "b[0]", L.linear_forward, x, w, T([2**30, 0], 1.0, 32))
    raises("SYM_ERR_NULL", "rng_state", L.linear_forward, x, w, None, 8, SR_HALF_AWAY)
    dy = T([[1, -2], [3, 0]], 0.5, 8)
    raises("SYM_ERR_SHAPE", "dy", L.linear_backward, x, w, T([[1, 2, 3]], 1.0, 8), T(np.zeros((2, 3)), 1.0, 8))
    raises("SYM_ERR_SHAPE", "grad_w", L.linear_backward, x, w, dy, T(np.zeros((3, 2)), 1.0, 8))
    raises("SYM_ERR_SHAPE", "grad_b", L.linear_backward, x, w, dy, T(np.zeros((2, 3)), 1.0, 8), T([0], 1.0, 8))
    raises("SYM_ERR_BAD_WIDTH", "grad_w.q_max_bits", L.linear_backward, x, w, dy, T(np.zeros((2, 3)), 1.0, 32))
    raises("SYM_ERR_BAD_WIDTH", "dy.q_max_bits", L.linear_backward, x, w, T([[1, -2], [3, 0]], 0.5, 32),
           T(np.zeros((2, 3)), 1.0, 8))


# --------------------------------------------------------------------------
# LayerNorm
# --------------------------------------------------------------------------

def test_layernorm_identical_precheck_returns_beta_no_draws():
    # q_n = 0, s_norm = 1, then the affine step: s_y = s_gamma = 0.5,
    # y = rescale(beta, 1.0, 0.5) = 2 * beta
    x = T([[5, 5, 5], [5, 5, 5]], 0.5, 8)
    g, b = T([1, 2, 3], 0.5, 8), T([4, 5, -6], 1.0, 8)
    rng = Rng(99)
    y = L.layernorm_forward(x, g, b, rounding=SR_HALF_AWAY, rng_state=rng)
    assert y.mantissas.tolist() == [[8, 10, -12], [8, 10, -12]]
    assert y.scale == F32(0.5) and y.q_max_bits == 32
    assert rng.state == 99


def test_layernorm_identical_input_skips_the_statistics():
    # s_x = FLT_MAX: q*s_x is inf and the statistics would be NaN; the
    # identical input never computes them and returns the beta seeds
    x = T([[2, 2, 2]], float(np.finfo(np.float32).max), 8)
    g, b = T([1, 1, 1], 1.0, 8), T([3, 0, -1], 0.5, 8)
    y = L.layernorm_forward(x, g, b)
    assert y.mantissas.tolist() == [[2, 0, -1]] and y.scale == F32(1.0)


def test_layernorm_row_by_hand_and_float64_reference():
    x = T([[1, 2, 3, 4]], 0.5, 8)
    # values .5,1,1.5,2: mu = 1.25, n = (v-mu)/sqrt(0.3125+eps) = +-1.3416, +-0.4472
    # A = 1.3416; K = 2047/A; q_n = round(n*K) = [-2047, -682.33->-682, 682, 2047]
    g, b = T([1, 1, 1, 1], 1.0, 8), T([0, 0, 0, 0], 1.0, 8)
    y = L.layernorm_forward(x, g, b, norm_bits=12)
    assert y.mantissas.tolist() == [[-2047, -682, 682, 2047]]
    v = np.array([0.5, 1.0, 1.5, 2.0])
    n64 = (v - v.mean()) / np.sqrt(v.var() + 1e-5)
    assert y.scale == pytest.approx(np.abs(n64).max() / 2047, rel=1e-6)
    # affine: gamma = 2 at 0.5 (value 1) -> s_y = s_norm*0.5; beta = 1 at scale 1.0
    # -> y = n + 1 in real terms; y = 2*q_n + round(1 / s_y) = 2*q_n + round(2K);
    # K = 2047 / (0.75/sqrt(0.31251)) = 1525.77, 2K = 3051.5(4) -> 3052
    g2, b2 = T([2, 2, 2, 2], 0.5, 8), T([1, 1, 1, 1], 1.0, 8)
    y2 = L.layernorm_forward(x, g2, b2, norm_bits=12)
    assert y2.mantissas.tolist() == [[-2047 * 2 + 3052, -682 * 2 + 3052, 682 * 2 + 3052, 2047 * 2 + 3052]]
    real = y2.mantissas.astype(np.float64) * float(y2.scale)
    np.testing.assert_allclose(real, [n64 + 1.0], atol=4 * float(y2.scale))


def test_layernorm_multi_row_against_float64():
    rows = np.array([[3, -7, 12, 0, 5, -1], [100, 90, -40, 7, 7, 8], [-3, -3, -2, -3, -3, -3]])
    x = T(rows, 0.03125, 8)
    g = T([1, 1, 1, 1, 1, 1], 1.0, 4)
    b = T([0, 0, 0, 0, 0, 0], 1.0, 4)
    y = L.layernorm_forward(x, g, b, norm_bits=12)
    v = rows * 0.03125
    n64 = (v - v.mean(axis=1, keepdims=True)) / np.sqrt(v.var(axis=1, keepdims=True) + 1e-5)
    s = float(y.scale)
    assert s == pytest.approx(np.abs(n64).max() / 2047, rel=1e-5)
    np.testing.assert_allclose(y.mantissas * s, n64, atol=0.5 * s + 1e-5)


def test_layernorm_constant_rows_give_A_zero():
    # every row constant but rows differ: no pre-check, but every n = 0 -> A = 0,
    # q_n = 0, s_norm = 1, s_y = s_gamma = 0.5; y = rescale(beta, 0.25, 0.5) = [2, -1.5->-2]
    x = T([[1, 1], [3, 3]], 1.0, 8)
    g, b = T([3, 4], 0.5, 8), T([4, -3], 0.25, 8)
    y = L.layernorm_forward(x, g, b)
    assert y.mantissas.tolist() == [[2, -2], [2, -2]]
    assert y.scale == F32(0.5)
    # docs/layers.md step 3: "If A == 0: q_n = 0 everywhere" -- the SR draw
    # clause belongs to the else branch, so no draws here (choice, see report)
    rng = Rng(11)
    y_sr = L.layernorm_forward(x, g, b, rounding=SR_HALF_AWAY, rng_state=rng)
    assert y_sr.same_bits(y) and rng.state == 11


def test_layernorm_sr_draws_one_per_element():
    x = T([[1, 2, 3, 4], [0, 0, 1, 0]], 0.5, 8)
    g, b = T([1, 1, 1, 1], 1.0, 8), T([0, 0, 0, 0], 1.0, 8)
    rng = Rng(5)
    L.layernorm_forward(x, g, b, rounding=SR_HALF_AWAY, rng_state=rng)
    assert rng.state == hand_draws(5, 8)[1]


def test_layernorm_backward_symmetric_by_hand():
    # x = [1, -1]: mu = 0, var = 1, inv = 1/sqrt(1+eps), n = [inv, -inv]
    # dy = [1, -1], gamma = 1: dn = [1, -1]; m1 = 0; m2 = inv
    # dx = inv*(1 - inv^2) * [1, -1]  ~ eps * [1, -1]
    x = T([[1, -1]], 1.0, 8)
    g = T([1, 1], 1.0, 8)
    dy = T([[1, -1]], 1.0, 8)
    dx = L.layernorm_backward(x, g, dy, dx_bits=12)
    assert dx.mantissas.tolist() == [[2047, -2047]]
    assert dx.q_max_bits == 12
    expected = (1 / np.sqrt(1 + 1e-5)) * (1 - 1 / (1 + 1e-5)) / 2047
    assert float(dx.scale) == pytest.approx(expected, rel=5e-2)


def test_layernorm_backward_against_float64():
    rows = np.array([[1, 2, 3, 4, -6], [10, -3, 2, 2, 0]])
    x = T(rows, 0.25, 8)
    g = T([3, 1, -2, 4, 1], 0.5, 8)
    dy = T([[1, 0, 0, -1, 2], [5, -5, 3, 1, -2]], 0.125, 8)
    dx = L.layernorm_backward(x, g, dy, dx_bits=16)
    v = rows * 0.25
    mu = v.mean(axis=1, keepdims=True)
    inv = 1 / np.sqrt(v.var(axis=1, keepdims=True) + 1e-5)
    n = (v - mu) * inv
    dn = (np.array(dy.mantissas) * 0.125) * (np.array(g.mantissas) * 0.5)
    ref = inv * (dn - dn.mean(axis=1, keepdims=True) - n * (dn * n).mean(axis=1, keepdims=True))
    s = float(dx.scale)
    assert s == pytest.approx(np.abs(ref).max() / 32767, rel=1e-4)
    np.testing.assert_allclose(dx.mantissas * s, ref, atol=2 * s)


def test_layernorm_errors():
    x = T([[1, 2, 3]], 1.0, 8)
    g, b = T([1, 1, 1], 1.0, 8), T([0, 0, 0], 1.0, 8)
    raises("SYM_ERR_BAD_SCALE", "eps", L.layernorm_forward, x, g, b, 12, 0.0)
    raises("SYM_ERR_BAD_SCALE", "eps", L.layernorm_forward, x, g, b, 12, float("nan"))
    raises("SYM_ERR_BAD_SCALE", "eps", L.layernorm_backward, x, g, x, 12, -1.0)
    raises("SYM_ERR_BAD_WIDTH", "norm_bits", L.layernorm_forward, x, g, b, 17)
    raises("SYM_ERR_BAD_WIDTH", "x.q_max_bits", L.layernorm_forward, T([[1, 2, 3]], 1.0, 20), g, b)
    raises("SYM_ERR_SHAPE", "gamma", L.layernorm_forward, x, T([1, 1], 1.0, 8), b)
    raises("SYM_ERR_SHAPE", "beta", L.layernorm_forward, x, g, T([0, 0], 1.0, 8))
    raises("SYM_ERR_SHAPE", "x", L.layernorm_forward, T([1, 2, 3], 1.0, 8), g, b)
    raises("SYM_ERR_SHAPE", "dy", L.layernorm_backward, x, g, T([[1, 2]], 1.0, 8))
    big = T(np.arange(2**16).reshape(1, -1) % 7, 1.0, 8)
    gb = T(np.ones(2**16), 1.0, 8)
    raises("SYM_ERR_SHAPE", "x", L.layernorm_forward, big, gb, gb)
    raises("SYM_ERR_NULL", "rng_state", L.layernorm_forward, x, g, b, 12, 1e-5, SR_HALF_AWAY)


# --------------------------------------------------------------------------
# MSE
# --------------------------------------------------------------------------

def test_mse_by_hand():
    # y = [2, -1]*0.5 = [1, -0.5]; t = [0.75, 0.5]; diff = [0.25, -1]
    # loss = (0.0625 + 1) / 2 = 0.53125; g = 2*diff/2 = [0.25, -1]
    # 3 bits: qMax 3, scale 1/3; 0.25*3 = 0.75 -> 1, -1*3 -> -3
    y = T([[2, -1]], 0.5, 8)
    loss, dy = L.mse_loss(y, np.array([[0.75, 0.5]], dtype=np.float32), grad_bits=3)
    assert isinstance(loss, np.float32) and loss == F32(0.53125)
    assert dy.mantissas.tolist() == [[1, -3]]
    assert dy.scale == F32(1.0) / F32(3.0) and dy.q_max_bits == 3


def test_mse_sum_is_sequential():
    # diff^2 = [2^24, 1 x 16]: left to right 2^24 + 1 rounds back to 2^24 every
    # time (tie to even), so the sum is exactly 2^24 (pairwise would keep the 1s)
    m = np.array([4096] + [1] * 16)
    y = T(m, 1.0, 16)
    loss, _ = L.mse_loss(y, np.zeros(17, dtype=np.float32))
    assert loss == F32(2.0**24) / F32(17.0)


def test_mse_errors():
    y = T([[2, -1]], 0.5, 8)
    raises("SYM_ERR_NONFINITE_INPUT", "target", L.mse_loss, y, np.array([[np.nan, 0.0]]))
    raises("SYM_ERR_SHAPE", "target", L.mse_loss, y, np.zeros(2, dtype=np.float32))
    # (float)2^30 * 2^100 overflows float32 -> loss inf
    raises("SYM_ERR_FLOAT_OVERFLOW", "loss", L.mse_loss, T([2**30], 2.0**100, 32), np.zeros(1, np.float32))
    # diff 2^64 finite, diff^2 = 2^128 = inf
    raises("SYM_ERR_FLOAT_OVERFLOW", "loss", L.mse_loss, T([1], 2.0**64, 8), np.zeros(1, np.float32))
    raises("SYM_ERR_BAD_WIDTH", "grad_bits", L.mse_loss, y, np.zeros((1, 2)), 32)


# --------------------------------------------------------------------------
# SGD
# --------------------------------------------------------------------------

def test_sgd_by_hand_half_away():
    # p = [4,-2,0]*0.25 = [1, -0.5, 0]; g = [2,2,-4]*0.5 = [1, 1, -2]; lr 0.25
    # w = p - 0.25*g = [0.75, -0.75, 0.5]; 8 bits: scale 0.75/127
    # 0.5 / (0.75/127) = 84.67 -> 85
    p, g = T([4, -2, 0], 0.25, 8), T([2, 2, -4], 0.5, 8)
    out = L.sgd_update(p, g, 0.25, rounding=HALF_AWAY)
    assert out.mantissas.tolist() == [127, -127, 85]
    assert out.scale == F32(0.75) / F32(127.0) and out.q_max_bits == 8


def test_sgd_by_hand_sr():
    p, g = T([4, -2, 0], 0.25, 8), T([2, 2, -4], 0.5, 8)
    rng = Rng(2024)
    out = L.sgd_update(p, g, 0.25, rng_state=rng)  # default SR_HALF_AWAY
    scale = F32(0.75) / F32(127.0)
    us, s = hand_draws(2024, 3)
    want = []
    for w, u in zip([0.75, -0.75, 0.5], us):
        v = F32((F32(F32(w) / scale) + u) - F32(0.5))
        want.append(max(-128, min(127, hand_round(float(v)))))
    assert out.mantissas.tolist() == want
    assert rng.state == s


def test_sgd_errors():
    p, g = T([4, -2, 0], 0.25, 8), T([2, 2, -4], 0.5, 8)
    rng = Rng(3)
    raises("SYM_ERR_BAD_SCALE", "lr", L.sgd_update, p, g, 0.0, SR_HALF_AWAY, rng)
    raises("SYM_ERR_BAD_SCALE", "lr", L.sgd_update, p, g, -0.1, SR_HALF_AWAY, rng)
    raises("SYM_ERR_BAD_SCALE", "lr", L.sgd_update, p, g, float("inf"), SR_HALF_AWAY, rng)
    raises("SYM_ERR_SHAPE", "grad", L.sgd_update, p, T([1, 2], 1.0, 8), 0.1, SR_HALF_AWAY, rng)
    raises("SYM_ERR_BAD_WIDTH", "param.q_max_bits", L.sgd_update, T([1], 1.0, 32), T([1], 1.0, 8), 0.1,
           SR_HALF_AWAY, rng)
    raises("SYM_ERR_NULL", "rng_state", L.sgd_update, p, g, 0.1)
    # p - lr*g = 2^127 - 2^127*(-1)... -> inf
    raises("SYM_ERR_FLOAT_OVERFLOW", "w[0]", L.sgd_update, T([1], 2.0**127, 8), T([-2], 2.0**126, 8), 1.0,
           SR_HALF_AWAY, rng)
    assert rng.state == 3


def test_linear_forward_matches_naive_checked_loop():
    # a plain Python triple loop with a checked int32 accumulator, written from
    # docs/layers.md step 3; operands near the int16 extremes so that some
    # accumulators overflow at a prefix and others do not
    rs = np.random.default_rng(1)
    for trial in range(40):
        B, I, O = rs.integers(1, 4), rs.integers(1, 6), rs.integers(1, 4)
        xm = rs.choice([-32768, 32767, -20000, 15000, 1, 0], size=(B, I))
        wm = rs.choice([-32768, 32767, -30000, 25000, -1, 0], size=(O, I))
        want, overflow_at = np.zeros((B, O), dtype=np.int64), None
        for i in range(B):
            for c in range(O):
                acc = 0
                for k in range(I):
                    acc += int(xm[i, k]) * int(wm[c, k])
                    if not -(2**31) <= acc <= 2**31 - 1 and overflow_at is None:
                        overflow_at = (i, c)
                want[i, c] = acc
        x, w = T(xm, 1.0, 16), T(wm, 1.0, 16)
        if overflow_at is None:
            assert L.linear_forward(x, w).mantissas.tolist() == want.tolist()
        else:
            raises("SYM_ERR_INT_OVERFLOW", f"acc[{overflow_at[0]},{overflow_at[1]}]", L.linear_forward, x, w)


# --------------------------------------------------------------------------
# mutmut gaps (python -m symverify.mutants.mutmut_emulator): the exact error
# report (code, argument, value, rule) of every validation path, boundaries
# of the checked int32 sums, the RNG hand-through of quant_forward, no numpy
# RuntimeWarnings, and float32 products that are not exact (a float64
# intermediate would round differently). Rules are the emulator's documented
# diagnostics (docs/semantics.md: "the rule in the message").
# --------------------------------------------------------------------------

def report(fn, *args, **kwargs) -> SymError:
    with pytest.raises(SymError) as info:
        fn(*args, **kwargs)
    return info.value


def check_report(err: SymError, code: str, argument: str, value, rule: str) -> None:
    assert (err.code, err.argument) == (code, argument), str(err)
    assert type(err.value) is type(value) and err.value == value, str(err)
    assert err.rule == rule, err.rule
    assert str(err) == f"{code}: argument {argument!r} = {value!r}: {rule}"


NOT_TENSOR = "expected a symverify.SymTensor"
NARROW = "an operand of an integer product must be at most 16 bits wide (|product| <= 2^30)"
X23, W23, DY22 = T(X, 0.5, 8), T(W, 0.25, 8), T([[1, -2], [3, 0]], 0.5, 8)
GW23 = T(np.zeros((2, 3)), 1.0, 8)


def test_bad_type_reports_name_the_argument():
    check_report(report(L.quant_backward, None), "SYM_ERR_BAD_TYPE", "dy", "NoneType", NOT_TENSOR)
    for i, name in enumerate(["x", "w", "b"]):
        args = [X23, W23, T(Bb, 0.5, 8)]
        args[i] = [1, 2]
        check_report(report(L.linear_forward, *args), "SYM_ERR_BAD_TYPE", name, "list", NOT_TENSOR)
    for i, name in enumerate(["x", "w", "dy", "grad_w", "grad_b"]):
        args = [X23, W23, DY22, GW23, T([0, 0], 1.0, 8)]
        args[i] = 3
        check_report(report(L.linear_backward, *args), "SYM_ERR_BAD_TYPE", name, "int", NOT_TENSOR)
    x, g = T([[1, 2, 3]], 1.0, 8), T([1, 1, 1], 1.0, 8)
    for i, name in enumerate(["x", "gamma", "beta"]):
        args = [x, g, g]
        args[i] = None
        check_report(report(L.layernorm_forward, *args), "SYM_ERR_BAD_TYPE", name, "NoneType", NOT_TENSOR)
    for i, name in enumerate(["x", "gamma", "dy"]):
        args = [x, g, x]
        args[i] = None
        check_report(report(L.layernorm_backward, *args), "SYM_ERR_BAD_TYPE", name, "NoneType", NOT_TENSOR)
    check_report(report(L.mse_loss, None, [1.0]), "SYM_ERR_BAD_TYPE", "y", "NoneType", NOT_TENSOR)
    err = report(L.mse_loss, T([1], 1.0, 8), ["a"])
    assert (err.code, err.argument, err.rule) == ("SYM_ERR_BAD_TYPE", "target",
                                                   "expected an array of real numbers (float32)")
    check_report(report(L.sgd_update, None, x, 0.1), "SYM_ERR_BAD_TYPE", "param", "NoneType", NOT_TENSOR)
    check_report(report(L.sgd_update, x, None, 0.1), "SYM_ERR_BAD_TYPE", "grad", "NoneType", NOT_TENSOR)


def test_linear_shape_and_width_reports():
    one_d = T([1, 2, 3], 1.0, 8)
    for fn, extra in ((L.linear_forward, ()), (L.linear_backward, (DY22, GW23))):
        check_report(report(fn, one_d, W23, *extra), "SYM_ERR_SHAPE", "x", (3,),
                     "x has shape (3,), expected [B, I]")
        check_report(report(fn, X23, one_d, *extra), "SYM_ERR_SHAPE", "w", (3,),
                     "w has shape (3,), expected [O, I]")
        check_report(report(fn, X23, T([[1, 2]], 1.0, 8), *extra), "SYM_ERR_SHAPE", "w", (1, 2),
                     "w has shape (1, 2), expected [O, 3] (x is (2, 3))")
        check_report(report(fn, T(X, 0.5, 17), W23, *extra), "SYM_ERR_BAD_WIDTH", "x.q_max_bits", 17, NARROW)
        check_report(report(fn, X23, T(W, 0.25, 20), *extra), "SYM_ERR_BAD_WIDTH", "w.q_max_bits", 20, NARROW)
    check_report(report(L.linear_forward, X23, W23, T([1, 2, 3], 1.0, 8)), "SYM_ERR_SHAPE", "b", (3,),
                 "b has shape (3,), expected (2,) (w is (2, 3))")
    check_report(report(L.linear_forward, X23, W23, None, 17), "SYM_ERR_BAD_WIDTH", "out_bits", 17,
                 "width must be an integer in 2..16")
    check_report(report(L.linear_backward, X23, W23, T([[1, 2, 3]], 1.0, 8), GW23), "SYM_ERR_SHAPE", "dy",
                 (1, 3), "dy has shape (1, 3), expected (2, 2) (x is (2, 3), w is (2, 3))")
    check_report(report(L.linear_backward, X23, W23, DY22, T(np.zeros((3, 2)), 1.0, 8)), "SYM_ERR_SHAPE",
                 "grad_w", (3, 2), "grad_w has shape (3, 2), expected (2, 3) (w is (2, 3))")
    check_report(report(L.linear_backward, X23, W23, DY22, GW23, T([0], 1.0, 8)), "SYM_ERR_SHAPE", "grad_b",
                 (1,), "grad_b has shape (1,), expected (2,) (w is (2, 3))")
    check_report(report(L.linear_backward, X23, W23, T([[1, -2], [3, 0]], 0.5, 17), GW23), "SYM_ERR_BAD_WIDTH",
                 "dy.q_max_bits", 17, NARROW)
    check_report(report(L.linear_backward, X23, W23, DY22, T(np.zeros((2, 3)), 1.0, 17)), "SYM_ERR_BAD_WIDTH",
                 "grad_w.q_max_bits", 17, "width must be an integer in 2..16")
    check_report(report(L.linear_backward, X23, W23, DY22, GW23, None, 17), "SYM_ERR_BAD_WIDTH", "dx_bits", 17,
                 "width must be an integer in 2..16")
    check_report(report(L.linear_backward, X23, W23, DY22, GW23, None, 8, SR_HALF_AWAY), "SYM_ERR_NULL",
                 "rng_state", None, "SR_HALF_AWAY needs an sv.Rng(seed)")


def test_linear_backward_default_dx_bits_is_12():
    # dxr as in test_linear_backward_by_hand, A = 0.375: qMax(12) = 2047 -> s = 0.375/2047
    dx, _, _ = L.linear_backward(X23, W23, DY22, GW23)
    assert dx.q_max_bits == 12 and dx.scale == F32(0.375) / F32(2047.0)


def test_product_scale_reports():
    # 2^-63 * 2^-63 = 2^-126 is the smallest normal: accepted; 2^-64 * 2^-63 is not
    tiny = T([[1]], 2.0**-63, 8)
    y = L.linear_forward(tiny, tiny)
    assert y.scale == F32(2.0**-126) and y.mantissas.tolist() == [[1]]
    check_report(report(L.linear_forward, T([[1]], 2.0**-64, 8), tiny), "SYM_ERR_SCALE_UNDERFLOW", "s_x * s_w",
                 2.0**-127, f"{2.0**-64!r} * {2.0**-63!r} is not a normal float32 (>= 2^-126)")
    check_report(report(L.linear_forward, T([[1]], 2.0**64, 8), T([[1]], 2.0**64, 8)), "SYM_ERR_FLOAT_OVERFLOW",
                 "s_x * s_w", float("inf"), f"{2.0**64!r} * {2.0**64!r} overflows float32")
    one = T([[1]], 1.0, 8)
    check_report(report(L.linear_backward, T([[1]], 2.0**64, 8), one, T([[1]], 2.0**64, 8), one),
                 "SYM_ERR_FLOAT_OVERFLOW", "s_dy * s_x", float("inf"), f"{2.0**64!r} * {2.0**64!r} overflows float32")
    check_report(report(L.linear_backward, one, T([[1]], 2.0**64, 8), T([[1]], 2.0**64, 8), one),
                 "SYM_ERR_FLOAT_OVERFLOW", "s_dy * s_w", float("inf"), f"{2.0**64!r} * {2.0**64!r} overflows float32")
    # LayerNorm: s_norm * s_gamma. x = [[0, 1]]: n = [-1, 1]/sqrt(1+4eps)-ish, A ~ 1, K = 2047/A,
    # s_norm ~ 2^-11; s_gamma 2^-120 -> s_y ~ 2^-131 < 2^-126
    x, beta = T([[0, 2]], 0.5, 8), T([0, 0], 1.0, 8)
    err = report(L.layernorm_forward, x, T([1, 1], 2.0**-120, 8), beta)
    assert (err.code, err.argument) == ("SYM_ERR_SCALE_UNDERFLOW", "s_norm * s_gamma")
    assert err.rule.endswith(f" * {2.0**-120!r} is not a normal float32 (>= 2^-126)")


def test_seed_range_guard_report():
    # b = 2^30 at 1.0, s_acc = 0.125: r = 2^33 > guard 1073774591
    err = report(L.linear_forward, X23, W23, T([0, 2**30], 1.0, 32))
    check_report(err, "SYM_ERR_RANGE_GUARD", "b[1]", 2**30,
                 f"(float)b * s_b / s_acc = {2.0**33!r} exceeds the accumulator guard |r| <= 1073774591")
    x, g = T([[0, 2]], 0.5, 8), T([1, 1], 1.0, 8)
    err = report(L.layernorm_forward, x, g, T([2**30, 0], 1.0, 32))
    assert (err.code, err.argument, err.value) == ("SYM_ERR_RANGE_GUARD", "beta[0]", 2**30)
    assert err.rule.startswith("(float)beta * s_beta / s_acc = ")


def test_matmul_overflow_report_and_int32_boundaries():
    x = T([[-32768, -32768]], 1.0, 16)
    check_report(report(L.linear_forward, x, x), "SYM_ERR_INT_OVERFLOW", "acc[0,0]", 2**31,
                 "partial sum of acc[0,0] after term 1 leaves int32")
    # a prefix exactly INT32_MIN fits: seed -65536, then 2 x (-32768 * 32767) = -2147418112:
    # -65536 - 2147418112 = -2^31 (bound 2^31 > INT32_MAX: replayed prefix by prefix)
    y = L.linear_forward(x, T([[32767, 32767]], 1.0, 16), T([-65536], 1.0, 32))
    assert y.mantissas.tolist() == [[-(2**31)]]
    # a prefix exactly INT32_MAX fits: seed 65536, -1, then 2 x (-32768 * -32767) = 2147418112:
    # 65535, 2^31 - 1 (bound 65536 + 1 + 2147418112 = 2^31 + 1)
    y = L.linear_forward(T([[1, -32768, -32768]], 1.0, 16), T([[-1, -32767, -32767]], 1.0, 16),
                         T([65536], 1.0, 32))
    assert y.mantissas.tolist() == [[2**31 - 1]]
    # the first failing accumulator in row-major (m, n) order is named: acc[1,0]
    # (row 0 is harmless; row 1 times w row 0 overflows, times w row 1 too)
    xs = T([[1, 1], [-32768, -32768]], 1.0, 16)
    ws = T([[-32768, -32768], [-32768, -32767]], 1.0, 16)
    check_report(report(L.linear_forward, xs, ws), "SYM_ERR_INT_OVERFLOW", "acc[1,0]", 2**31,
                 "partial sum of acc[1,0] after term 1 leaves int32")


def test_linear_overflow_found_beyond_the_first_replay_chunk():
    # I = 2^16 terms: 65 accumulators fail the cheap bound (65536 * 32768 > INT32_MAX),
    # more than one replay chunk; rows 0..63 alternate x = +1/-1 against w = -32768
    # (prefixes -32768, 0, ...: fit), row 64 is all -1: prefix 32768 * (k + 1) reaches
    # 2^31 at the last term k = 65535
    I = 2**16
    xm = np.tile(np.array([1, -1]), (65, I // 2))
    xm[64, :] = -1
    w = T(np.full((1, I), -32768), 1.0, 16)
    check_report(report(L.linear_forward, T(xm, 1.0, 16), w), "SYM_ERR_INT_OVERFLOW", "acc[64,0]", 2**31,
                 "partial sum of acc[64,0] after term 65535 leaves int32")
    y = L.linear_forward(T(xm[:64], 1.0, 16), w)
    assert y.mantissas.tolist() == [[0]] * 64


def test_grad_b_column_sums_three_rows():
    # db = column sums over 3 rows (prefix[1] != prefix[-1]): [1+3-5, -2+0+7] = [-1, 5] at 0.5;
    # grad_b at 0.5: [2, -1] + [-1, 5] = [1, 4]
    x = T([[1, 0, 0], [0, 1, 0], [0, 0, 1]], 1.0, 8)
    dy = T([[1, -2], [3, 0], [-5, 7]], 0.5, 8)
    _, _, gb = L.linear_backward(x, W23, dy, GW23, T([2, -1], 0.5, 8))
    assert gb.mantissas.tolist() == [1, 4] and gb.scale == F32(0.5)


def test_db_column_sum_overflow_report_and_boundary():
    # column 1 of dy: 65537 x (-32768): the prefix after term 65535 is -2^31 (fits),
    # after term 65536 it is -2^31 - 32768; column 0 is all zero
    B = 65537
    dym = np.zeros((B, 2), dtype=np.int64)
    dym[:, 1] = -32768
    x, w = T(np.zeros((B, 1)), 1.0, 8), T([[0], [0]], 1.0, 8)
    gw, gb = T([[0], [0]], 1.0, 8), T([0, 0], 1.0, 32)
    check_report(report(L.linear_backward, x, w, T(dym, 1.0, 16), gw, gb), "SYM_ERR_INT_OVERFLOW", "db[1]",
                 -(2**31) - 32768, "partial sum of db[1] after term 65536 leaves int32")
    # 65536 rows: exactly -2^31 passes the checked column sum; the fixed accumulate
    # of step 2 then rejects it by the rescale guard (|-2^31| > 1073774591)
    err = report(L.linear_backward, T(np.zeros((B - 1, 1)), 1.0, 8), w, T(dym[:-1], 1.0, 16), gw, gb)
    assert (err.code, err.argument, err.value) == ("SYM_ERR_RANGE_GUARD", "inc[1]", -(2**31))
    # upwards: 65537 x 32767 = 2147450879, + 16384 + 16384 = 2^31 - 1 = INT32_MAX exactly: fits
    up = np.zeros((65537 + 2, 2), dtype=np.int64)
    up[:65537, 0] = 32767
    up[65537:, 0] = 16384  # 2147450879 + 2 * 16384 = 2^31 - 1
    err = report(L.linear_backward, T(np.zeros((up.shape[0], 1)), 1.0, 8), w, T(up, 1.0, 16), gw, gb)
    assert (err.code, err.argument, err.value) == ("SYM_ERR_RANGE_GUARD", "inc[0]", 2**31 - 1)


def test_layernorm_shape_width_and_bits_reports():
    x, g, b = T([[1, 2, 3]], 1.0, 8), T([1, 1, 1], 1.0, 8), T([0, 0, 0], 1.0, 8)
    for fn, third, name in ((L.layernorm_forward, b, "beta"), (L.layernorm_backward, x, "dy")):
        check_report(report(fn, T([1, 2, 3], 1.0, 8), g, third), "SYM_ERR_SHAPE", "x", (3,),
                     "x has shape (3,), expected [B, F]")
        check_report(report(fn, x, T([1, 1], 1.0, 8), third), "SYM_ERR_SHAPE", "gamma", (2,),
                     "gamma has shape (2,), expected (3,) (x is (1, 3))")
        check_report(report(fn, T([[1, 2, 3]], 1.0, 17), g, third), "SYM_ERR_BAD_WIDTH", "x.q_max_bits", 17,
                     NARROW)
    check_report(report(L.layernorm_forward, x, g, T([0, 0], 1.0, 8)), "SYM_ERR_SHAPE", "beta", (2,),
                 "beta has shape (2,), expected (3,) (x is (1, 3))")
    check_report(report(L.layernorm_backward, x, g, T([[1, 2]], 1.0, 8)), "SYM_ERR_SHAPE", "dy", (1, 2),
                 "dy has shape (1, 2), expected (1, 3) (x is (1, 3))")
    check_report(report(L.layernorm_forward, x, T([1, 1, 1], 1.0, 17), b), "SYM_ERR_BAD_WIDTH", "gamma.q_max_bits",
                 17, NARROW)
    check_report(report(L.layernorm_forward, x, g, b, 17), "SYM_ERR_BAD_WIDTH", "norm_bits", 17,
                 "width must be an integer in 2..16")
    check_report(report(L.layernorm_backward, x, g, x, 32), "SYM_ERR_BAD_WIDTH", "dx_bits", 32,
                 "width must be an integer in 2..31")
    for fn, third in ((L.layernorm_forward, b), (L.layernorm_backward, x)):
        check_report(report(fn, x, g, third, 12, 1e-5, SR_HALF_AWAY), "SYM_ERR_NULL", "rng_state", None,
                     "SR_HALF_AWAY needs an sv.Rng(seed)")
    # F = 65535 is the largest accepted row; 65536 is SHAPE with the rule naming the limit
    big = T(np.arange(2**16).reshape(1, -1) % 7, 1.0, 8)
    gb = T(np.ones(2**16), 1.0, 8)
    check_report(report(L.layernorm_forward, big, gb, gb), "SYM_ERR_SHAPE", "x", (1, 65536),
                 "x has shape (1, 65536), expected F < 2^16 features")
    ok = L.layernorm_forward(T(big.mantissas[:, :-1], 1.0, 8), T(np.ones(2**16 - 1), 1.0, 8),
                             T(np.zeros(2**16 - 1), 1.0, 8))
    assert ok.mantissas.shape == (1, 65535)


def test_positive_float_reports():
    x, g, b = T([[1, 2, 3]], 1.0, 8), T([1, 1, 1], 1.0, 8), T([0, 0, 0], 1.0, 8)
    p = T([4, -2, 0], 0.25, 8)
    calls = (("eps", lambda v: L.layernorm_forward(x, g, b, 12, v)),
             ("eps", lambda v: L.layernorm_backward(x, g, x, 12, v)),
             ("lr", lambda v: L.sgd_update(p, p, v, HALF_AWAY)))
    for name, call in calls:
        base = f"{name} must be a positive finite float32"
        for bad in (True, "0.1", b"0.1", {}):   # a type fault (docs/semantics.md, group 1)
            check_report(report(call, bad), "SYM_ERR_BAD_TYPE", name, bad, f"{name} must be a real number")
        check_report(report(call, 0.0), "SYM_ERR_BAD_SCALE", name, 0.0, base + " (float32 value 0.0)")
        check_report(report(call, -2), "SYM_ERR_BAD_SCALE", name, -2, base + " (float32 value -2.0)")
        # 1e39 overflows float32 to inf (no RuntimeWarning escapes); 1e-46 underflows to 0
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            check_report(report(call, 1e39), "SYM_ERR_BAD_SCALE", name, 1e39, base + " (float32 value inf)")
            check_report(report(call, 1e-46), "SYM_ERR_BAD_SCALE", name, 1e-46, base + " (float32 value 0.0)")
        call(2.0**-140)  # subnormal: accepted


def test_mse_and_sgd_reports():
    y = T([[2, -1]], 0.5, 8)
    check_report(report(L.mse_loss, y, np.zeros(2, dtype=np.float32)), "SYM_ERR_SHAPE", "target", (2,),
                 "target has shape (2,), expected (1, 2) (the shape of y)")
    check_report(report(L.mse_loss, y, [[1.0, np.inf]]), "SYM_ERR_NONFINITE_INPUT", "target[1]", float("inf"),
                 "input values must be finite (no NaN, no inf)")
    check_report(report(L.mse_loss, y, [[0.0, 0.0]], 32), "SYM_ERR_BAD_WIDTH", "grad_bits", 32,
                 "width must be an integer in 2..31")
    check_report(report(L.mse_loss, y, [[0.0, 0.0]], 12, SR_HALF_AWAY), "SYM_ERR_NULL", "rng_state", None,
                 "SR_HALF_AWAY needs an sv.Rng(seed)")
    check_report(report(L.mse_loss, T([1], 2.0**64, 8), np.zeros(1, np.float32)), "SYM_ERR_FLOAT_OVERFLOW", "loss",
                 float("inf"), "the MSE loss is not finite in float32")
    p = T([4, -2, 0], 0.25, 8)
    check_report(report(L.sgd_update, p, T([1, 2], 1.0, 8), 0.1, HALF_AWAY), "SYM_ERR_SHAPE", "grad", (2,),
                 "grad has shape (2,), expected (3,) (the shape of param)")
    check_report(report(L.sgd_update, T([1], 1.0, 32), T([1], 1.0, 8), 0.1, HALF_AWAY), "SYM_ERR_BAD_WIDTH",
                 "param.q_max_bits", 32, "width must be an integer in 2..31")
    check_report(report(L.sgd_update, p, p, 0.1, SR_HALF_AWAY), "SYM_ERR_NULL", "rng_state", None,
                 "SR_HALF_AWAY needs an sv.Rng(seed)")
    # w[1] = 0 - 1 * (-2^127 * 2) = 2^128 -> inf (w[0] = 0 is finite)
    check_report(report(L.sgd_update, T([0, 0], 1.0, 8), T([0, -2], 2.0**127, 8), 1.0, HALF_AWAY),
                 "SYM_ERR_FLOAT_OVERFLOW", "w[1]", float("inf"), "p - lr * g is not finite in float32")


def test_defaults_norm_dx_grad_bits_are_12():
    x = T([[1, 2, 3, 4]], 0.5, 8)
    g, b = T([1, 1, 1, 1], 1.0, 8), T([0, 0, 0, 0], 1.0, 8)
    y = L.layernorm_forward(x, g, b)  # as test_layernorm_row_by_hand_and_float64_reference (12 bits)
    assert y.mantissas.tolist() == [[-2047, -682, 682, 2047]]
    dx = L.layernorm_backward(T([[1, -1]], 1.0, 8), T([1, 1], 1.0, 8), T([[1, -1]], 1.0, 8))
    assert dx.mantissas.tolist() == [[2047, -2047]] and dx.q_max_bits == 12
    _, dy = L.mse_loss(T([[2, -1]], 0.5, 8), np.array([[0.75, 0.5]], dtype=np.float32))
    # g = [0.25, -1] (test_mse_by_hand): 12 bits -> scale 1/2047, 0.25*2047 = 511.75 -> 512
    assert dy.mantissas.tolist() == [[512, -2047]] and dy.q_max_bits == 12


def test_quant_forward_passes_the_rng():
    # SR, 4 bits, values [5, -1.5] as test_quant_forward_is_requant_and_backward_is_copy:
    # ratio 0.7 -> v = [7, -2.1]; two draws u0, u1: m = round((v + u) - 0.5)
    t = T([10, -3], 0.5, 32)
    rng = Rng(77)
    y = L.quant_forward(t, 4, SR_HALF_AWAY, "ratio", rng)
    (u0, u1), s = hand_draws(77, 2)
    r = F32(0.5) / (F32(5.0) / F32(7.0))  # s_in / s_out
    vs = (F32(F32(10) * r), F32(F32(-3) * r))
    want = [max(-8, min(7, hand_round(float(F32(F32(v + u) - F32(0.5)))))) for v, u in zip(vs, (u0, u1))]
    assert y.mantissas.tolist() == want
    assert rng.state == s


def test_no_numpy_warnings_on_overflowing_inputs():
    big = 2.0**120
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        raises("SYM_ERR_FLOAT_OVERFLOW", "s_x * s_w", L.linear_forward, T([[1]], 2.0**64, 8), T([[1]], 2.0**64, 8))
        raises("SYM_ERR_SCALE_UNDERFLOW", "s_x * s_w", L.linear_forward, T([[1]], 2.0**-64, 8),
               T([[1]], 2.0**-64, 8))
        # MSE: diff = 1.5 * 2^63, diff^2 = 1.125 * 2^127 (finite); the sum of two overflows
        raises("SYM_ERR_FLOAT_OVERFLOW", "loss", L.mse_loss, T([3, 3], 2.0**62, 8), np.zeros(2, np.float32))
        raises("SYM_ERR_FLOAT_OVERFLOW", "loss", L.mse_loss, T([1], 2.0**64, 8), np.zeros(1, np.float32))
        # SGD: lr * g overflows
        raises("SYM_ERR_FLOAT_OVERFLOW", "w[0]", L.sgd_update, T([0], 1.0, 8), T([-2], 2.0**127, 8), 1.0, HALF_AWAY)
        # LayerNorm: (float)q * s_x overflows to inf (inf - mu, inf * 0 = NaN, NaN A)
        x = T([[0, 30000]], big, 16)
        g, b = T([1, 1], 1.0, 8), T([0, 0], 1.0, 8)
        for call in (lambda: L.layernorm_forward(x, g, b), lambda: L.layernorm_backward(x, g, x)):
            try:
                call()
            except SymError:
                pass
        # LayerNorm backward: dn = dy * gamma overflows to +inf and -inf: the sums see inf + -inf
        xb = T([[1, 2]], 1.0, 8)
        err = report(L.layernorm_backward, xb, T([1, 1], 2.0**100, 8), T([[1, -1]], 2.0**100, 8))
        assert err.code == "SYM_ERR_NONFINITE_INPUT"
        # d * d overflows (finite d = +-2^100 * 15000): var = inf, inv = 0
        xs = T([[-15000, 15000]], 2.0**100, 16)
        L.layernorm_forward(xs, g, b)
        L.layernorm_backward(xs, g, T([[1, 1]], 1.0, 8))


def test_mse_products_are_float32():
    # diff = (float)7 * 0.1f = 0.70000005f (float32 product); loss = diff*diff in float32
    # = 0.48999998f; a float64 product 0.7000000104 would square to 0.49f
    d = F32(F32(7.0) * F32(0.1))
    loss, _ = L.mse_loss(T([[7]], 0.1, 8), np.zeros((1, 1), np.float32))
    assert loss == F32(d * d) == F32(0.48999998)


def test_layernorm_y_overflow_is_reachable_under_sr():
    # x = [-3, 1, 1, 1] (s_x 1): mu = 0, acc = 9+1+1+1 = 12, var = 3, inv = 1/sqrtf(3 + eps);
    # n_0 = -3*inv is the absmax: v_0 = n_0 * (32767 / A) ~ -32767. SR with a first draw
    # u_0 < 2^-10 (seed 1: xorshift(1) = 270369, u_0 = 1056 * 2^-24) gives
    # round((-32767 + u_0) - 0.5) = -32768 (ties away), so q_n * gamma = -32768 * -32768 = 2^30;
    # a beta seed of 2^30 (<= guard 1073774591) makes y = 2^31: checked int32 -> INT_OVERFLOW
    inv = F32(1.0) / np.sqrt(F32(3.0) + F32(1e-5))
    n = [F32(F32(-3.0) * inv)] + [F32(F32(1.0) * inv)] * 3
    A = abs(n[0])
    K = F32(F32(32767.0) / A)
    s_norm = F32(F32(1.0) / K)
    us, _ = hand_draws(1, 4)
    q = [max(-32768, min(32767, hand_round(float(F32(F32(F32(nj * K) + u) - F32(0.5)))))) for nj, u in zip(n, us)]
    assert q[0] == -32768
    x, g = T([[-3, 1, 1, 1]], 1.0, 8), T([-32768, 1, 1, 1], 1.0, 16)
    y = L.layernorm_forward(x, g, T([0, 0, 0, 0], 1.0, 8), 16, 1e-5, SR_HALF_AWAY, Rng(1))
    assert y.mantissas.tolist() == [[2**30] + q[1:]] and y.scale == s_norm
    # beta_0 = 2^30 at scale s_y = s_norm: rescale = 2^30 exactly
    rng = Rng(1)
    err = report(L.layernorm_forward, x, g, T([2**30, 0, 0, 0], s_norm, 32), 16, 1e-5, SR_HALF_AWAY, rng)
    check_report(err, "SYM_ERR_INT_OVERFLOW", "y[0, 0]", 2**31, "q_n * gamma_j + rescale(beta_j) leaves int32")
    assert rng.state == 1
    # beta_0 = 2^29 (power of two: rescale exact) fits: y_0 = 2^30 + 2^29
    y = L.layernorm_forward(x, g, T([2**29, 0, 0, 0], s_norm, 32), 16, 1e-5, SR_HALF_AWAY, Rng(1))
    assert y.mantissas[0, 0] == 2**30 + 2**29


def test_sr_rng_is_passed_through_and_checked_first():
    # SR with an Rng runs and draws one u per output element (hand xorshift count)
    rng = Rng(5)
    L.linear_forward(X23, W23, None, 4, SR_HALF_AWAY, "ratio", rng)
    assert rng.state == hand_draws(5, 4)[1]  # B*O = 4
    x, g = T([[1, 2, 3]], 1.0, 8), T([1, 1, 1], 1.0, 8)
    rng = Rng(6)
    L.layernorm_backward(x, g, T([[1, 0, -1]], 1.0, 8), 12, 1e-5, SR_HALF_AWAY, rng)
    assert rng.state == hand_draws(6, 3)[1]
    rng = Rng(8)
    L.mse_loss(T([[2, -1]], 0.5, 8), [[0.75, 0.5]], 12, SR_HALF_AWAY, rng)
    assert rng.state == hand_draws(8, 2)[1]
    # precedence: the missing rng_state is reported before eps / lr / target data / overflow
    null = ("SYM_ERR_NULL", "rng_state")
    assert (lambda e: (e.code, e.argument))(report(L.layernorm_backward, x, g, x, 12, 0.0, SR_HALF_AWAY)) == null
    assert (lambda e: (e.code, e.argument))(report(L.mse_loss, T([1], 1.0, 8), [np.nan], 12, SR_HALF_AWAY)) == null
    assert (lambda e: (e.code, e.argument))(report(L.sgd_update, x, x, 0.0, SR_HALF_AWAY)) == null
    xo = T([[-32768], [-32768]], 1.0, 16)  # dW = 2 * 2^30 overflows in step 1
    e = report(L.linear_backward, xo, T([[1]], 1.0, 8), xo, T([[0]], 1.0, 8), None, 12, SR_HALF_AWAY)
    assert (e.code, e.argument) == null


def test_layernorm_single_element_is_identical():
    # q_n = 0, s_y = s_gamma = 0.25, y = rescale(1 at 1.0, 0.25) = 4
    y = L.layernorm_forward(T([[5]], 1.0, 8), T([3], 0.25, 8), T([1], 1.0, 8))
    assert y.mantissas.tolist() == [[4]] and y.scale == F32(0.25) and y.q_max_bits == 32


def test_layernorm_tiny_row_overflows_K_without_warnings():
    # s_x = 2^-126, x = [0, 1, 2]: mu = 2^-126, d = [-2^-126, 0, 2^-126], d*d underflows to 0,
    # var = 0, eps = 1: inv = 1, A = 2^-126, K = 2047 * 2^126 = inf (overflow), n * K = [-inf, NaN, inf],
    # s_norm = 1/inf = 0 -> s_norm * s_gamma = 0: SCALE_UNDERFLOW, and no numpy warning escapes
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        err = report(L.layernorm_forward, T([[0, 1, 2]], 2.0**-126, 8), T([1, 1, 1], 1.0, 8), T([0, 0, 0], 1.0, 8),
                     12, 1.0)
    check_report(err, "SYM_ERR_SCALE_UNDERFLOW", "s_norm * s_gamma", 0.0,
                 "0.0 * 1.0 is not a normal float32 (>= 2^-126)")


def hand_ln_row(q, s_x, eps):
    """docs/layers.md LayerNorm step 2 for one row, float32 scalar by scalar:
    mu = s_x * ((float)S / (float)F); d_j = (float)q_j * s_x - mu; acc = sequential sum of d_j * d_j;
    var = acc / F; inv = 1 / sqrtf(var + eps); n_j = d_j * inv."""
    s_x, FF = F32(s_x), F32(len(q))
    mu = F32(s_x * F32(F32(sum(q)) / FF))
    d = [F32(F32(F32(qj) * s_x) - mu) for qj in q]
    acc = F32(0.0)
    for dj in d:
        acc = F32(acc + F32(dj * dj))
    inv = F32(F32(1.0) / np.sqrt(F32(F32(acc / FF) + F32(eps))))
    return mu, inv, [F32(dj * inv) for dj in d]


def test_layernorm_statistics_are_float32_bit_exact():
    # x = [2, 3, 3] at s_x = 0.1f: S / F = 8/3 is not exact, mu = 0.1f * 2.6666667f;
    # (float)3 * 0.1f = 0.3f (rounded), d = qs - mu rounded, all in float32. A float64 S/F
    # or a float64 (float)q_j * s_x moves A = max|n| by an ulp and s_norm = 1/K with it.
    mu, inv, n = hand_ln_row([2, 3, 3], 0.1, 1e-5)
    assert type(mu) is F32 and mu == F32(F32(0.1) * F32(F32(8.0) / F32(3.0)))
    A = max(abs(v) for v in n)
    K = F32(F32(32767.0) / A)
    s_norm = F32(F32(1.0) / K)
    q_n = [max(-32768, min(32767, hand_round(float(F32(v * K))))) for v in n]
    assert q_n == [-32767, 16383, 16383]
    x = T([[2, 3, 3]], 0.1, 8)
    y = L.layernorm_forward(x, T([1, 1, 1], 1.0, 8), T([0, 0, 0], 1.0, 8), 16)
    assert y.mantissas.tolist() == [q_n]
    assert y.scale == s_norm  # s_y = s_norm * 1.0, bit for bit


def test_layernorm_backward_float32_walk_bit_exact():
    # same x; dy = [3, -1, 2] at 0.1f, gamma = [1, 2, -3] at 0.3f;
    # dn_j = ((float)dy_j * s_dy) * ((float)gamma_j * s_gamma); m1, m2 sequential float32 sums / F;
    # dx_j = inv * ((dn_j - m1) - n_j * m2). dx_0 ~ 0.0133 comes from a cancellation, so any
    # float64 intermediate (dn, mu, qs) changes its low bits; dx_bits = 31 keeps them visible:
    # scale = A / (float)qMax(31) = A / 2^30 (exact), m_j = round(dx_j / scale) (HALF_AWAY).
    _, inv, n = hand_ln_row([2, 3, 3], 0.1, 1e-5)
    dyf = [F32(F32(v) * F32(0.1)) for v in (3, -1, 2)]
    gf = [F32(F32(v) * F32(0.3)) for v in (1, 2, -3)]
    dn = [F32(a * b) for a, b in zip(dyf, gf)]
    s1 = s2 = F32(0.0)
    for a, b in zip(dn, n):
        s1 = F32(s1 + a)
        s2 = F32(s2 + F32(a * b))
    m1, m2 = F32(s1 / F32(3.0)), F32(s2 / F32(3.0))
    dx = [F32(inv * F32(F32(a - m1) - F32(b * m2))) for a, b in zip(dn, n)]
    A = max(abs(v) for v in dx)
    scale = F32(A / F32(2**30 - 1))
    assert scale == F32(A / F32(2.0**30))
    want = [max(-2**30, min(2**30 - 1, hand_round(float(F32(v / scale))))) for v in dx]
    assert want[2] == -2**30  # the absmax element (negative) maps to qMin = -(float)qMax
    out = L.layernorm_backward(T([[2, 3, 3]], 0.1, 8), T([1, 2, -3], 0.3, 8), T([[3, -1, 2]], 0.1, 8), 31)
    assert out.q_max_bits == 31
    assert out.scale == scale
    assert out.mantissas.tolist() == [want]


def test_sgd_inf_minus_inf_is_reported_without_warnings():
    # p = (float)2^29 * 2^100 = inf, lr * g = 1 * inf = inf: w = inf - inf = NaN (an invalid
    # operation, not an overflow). Reported as FLOAT_OVERFLOW naming w[0] with the NaN, and no
    # numpy RuntimeWarning escapes.
    p = T([2**29], 2.0**100, 31)
    g = T([2**29], 2.0**100, 31)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        err = report(L.sgd_update, p, g, 1.0, HALF_AWAY)
    assert (err.code, err.argument) == ("SYM_ERR_FLOAT_OVERFLOW", "w[0]"), str(err)
    assert isinstance(err.value, float) and np.isnan(err.value)
    assert err.rule == "p - lr * g is not finite in float32"
    assert str(err) == "SYM_ERR_FLOAT_OVERFLOW: argument 'w[0]' = nan: p - lr * g is not finite in float32"


def test_linear_forward_sr_without_rng_is_reported_before_overflow():
    # docs/semantics.md precedence: RNG (group 7) before data checks (group 9), and
    # docs/layers.md "RNG present for SR even if no rounding ends up happening":
    # x = w = [-32768, -32768] (16 bits): acc = 2^30 + 2^30 = 2^31 overflows int32, but SR
    # without an Rng is SYM_ERR_NULL, with out_bits (requant) and without (raw result).
    x = T([[-32768, -32768]], 1.0, 16)
    w = T([[-32768, -32768]], 1.0, 16)
    for out_bits in (None, 8):
        check_report(report(L.linear_forward, x, w, None, out_bits, SR_HALF_AWAY, "ratio", None),
                     "SYM_ERR_NULL", "rng_state", None, "SR_HALF_AWAY needs an sv.Rng(seed)")
        # with an Rng the overflow is what is reported, and the state is not advanced
        rng = Rng(3)
        err = report(L.linear_forward, x, w, None, out_bits, SR_HALF_AWAY, "ratio", rng)
        assert (err.code, err.argument, err.value) == ("SYM_ERR_INT_OVERFLOW", "acc[0,0]", 2**31), str(err)
        assert rng.state == 3
    # no overflow, no rounding at all (out_bits None): still NULL
    check_report(report(L.linear_forward, T([[1]], 1.0, 8), T([[1]], 1.0, 8), None, None, SR_HALF_AWAY),
                 "SYM_ERR_NULL", "rng_state", None, "SR_HALF_AWAY needs an sv.Rng(seed)")
