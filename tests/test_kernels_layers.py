"""Layer kernels of the C backend (symverify.kernels_layers), against values
derived by hand from docs/layers.md (no emulator involved)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import symverify as sv
from symverify import kernels_layers as L

T = sv.SymTensor
f32 = np.float32


def assert_tensor(t: sv.SymTensor, mantissas, scale, bits: int) -> None:
    assert t.q_max_bits == bits
    assert t.mantissas.dtype == np.int32
    assert t.mantissas.tolist() == np.asarray(mantissas).tolist()
    assert t.scale.view(np.uint32) == f32(scale).view(np.uint32), (float(t.scale), float(f32(scale)))


def assert_code(exc: pytest.ExceptionInfo, code: str, argument: str | None = None) -> None:
    assert exc.value.code == code, str(exc.value)
    if argument is not None:
        assert exc.value.argument == argument, str(exc.value)


# ---------------------------------------------------------------- fixtures by hand
# x: [2, 3] at 0.5, w: [2, 3] at 0.25 -> s_acc = 0.125.
# b = [3, -3] at 3/16: seeds round(3*0.1875/0.125) = round(4.5) = 5 and round(-4.5) = -5 (ties away).
# x w^T = [[1-3, 2+2+3], [-1-2, -2+2]] = [[-2, 7], [-3, 0]].
X = T(np.array([[1, 2, 3], [-1, 0, 2]]), 0.5, 8)
W = T(np.array([[1, 0, -1], [2, 1, 1]]), 0.25, 8)
B = T(np.array([3, -3]), 0.1875, 8)
DY = T(np.array([[1, -1], [2, 0]]), 0.5, 8)


def test_quant_forward_is_dynamic_requant():
    x = T(np.array([[100, -50], [25, 0]]), 0.25, 32)
    y = L.quant_forward(x, 4)
    # A = 25, s = 25/7; r = 0.25 / s; 100*r = 7, -50*r = -3.5 -> -4 (ties away), 25*r = 1.75 -> 2.
    s = f32(25) / f32(7)
    r = f32(0.25) / s
    expect = [[round_away(f32(m) * r) for m in row] for row in [[100, -50], [25, 0]]]
    assert_tensor(y, expect, s, 4)
    assert expect == [[7, -4], [2, 0]]


def round_away(v: np.float32) -> int:
    v = float(v)
    return int(math.copysign(math.floor(abs(v) + 0.5), v))


def test_quant_backward_is_exact_copy():
    dy = T(np.array([[5, -7]]), 0.125, 12)
    out = L.quant_backward(dy)
    assert out is not dy
    assert out.same_bits(dy)


def test_linear_forward_raw_by_hand():
    y = L.linear_forward(X, W, B)
    assert_tensor(y, [[5 - 2, -5 + 7], [5 - 3, -5 + 0]], 0.125, 32)


def test_linear_forward_without_bias():
    y = L.linear_forward(X, W)
    assert_tensor(y, [[-2, 7], [-3, 0]], 0.125, 32)


def test_linear_forward_requant_by_hand():
    y = L.linear_forward(X, W, B, out_bits=4)
    # raw [[3, 2], [2, -5]] at 0.125: A = 0.625, s = 0.625/7, r = 0.125/s = 1.4
    s = f32(0.625) / f32(7)
    r = f32(0.125) / s
    assert_tensor(y, [[round_away(f32(m) * r) for m in row] for row in [[3, 2], [2, -5]]], s, 4)
    assert y.mantissas.tolist() == [[4, 3], [3, -7]]


def test_linear_forward_requant_sr_draws_one_per_output():
    rng = sv.Rng(7)
    L.linear_forward(X, W, B, out_bits=8, rounding=sv.SR_HALF_AWAY, rng_state=rng)
    ref = sv.Rng(7)
    for _ in range(4):
        s = ref.state
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        ref.state = s
    assert rng == ref


def test_linear_forward_int16_worst_case_overflows():
    x = T(np.array([[-32768, -32768]]), 1.0, 16)
    w = T(np.array([[-32768, -32768]]), 1.0, 16)
    with pytest.raises(sv.SymError) as exc:
        L.linear_forward(x, w)
    assert_code(exc, "SYM_ERR_INT_OVERFLOW", "out[0]")
    # one worst-case product alone (2^30) fits
    one = L.linear_forward(T(np.array([[-32768]]), 1.0, 16), T(np.array([[-32768]]), 1.0, 16))
    assert one.mantissas.tolist() == [[2 ** 30]]


def test_linear_forward_overflow_through_the_seed():
    # seed: (float)1073741823 = 2^30 (inside the guard); 2^30 + one 2^30 product = 2^31 overflows
    x = T(np.array([[-32768]]), 1.0, 16)
    w = T(np.array([[-32768]]), 1.0, 16)
    b = T(np.array([1073741823]), 1.0, 32)
    with pytest.raises(sv.SymError) as exc:
        L.linear_forward(x, w, b)
    assert_code(exc, "SYM_ERR_INT_OVERFLOW", "out[0]")
    ok = L.linear_forward(x, T(np.array([[32767]]), 1.0, 16), b)
    assert ok.mantissas.tolist() == [[2 ** 30 - 32768 * 32767]]


def test_linear_forward_bias_guard_failure():
    x = T(np.array([[1, 1]]), 2.0 ** -10, 8)
    w = T(np.array([[1, 1], [1, 1]]), 2.0 ** -10, 8)
    b = T(np.array([0, 32767]), 1.0, 16)  # 32767 / 2^-20 = 3.4e10 > guard
    with pytest.raises(sv.SymError) as exc:
        L.linear_forward(x, w, b)
    assert_code(exc, "SYM_ERR_RANGE_GUARD", "b[1]")
    assert "argument 'b[1]' = 32767" in str(exc.value)


def test_linear_forward_scale_checks():
    tiny = T(np.array([[1]]), 2.0 ** -100, 8)
    with pytest.raises(sv.SymError) as exc:
        L.linear_forward(tiny, tiny)
    assert_code(exc, "SYM_ERR_SCALE_UNDERFLOW", "out")
    huge = T(np.array([[1]]), 2.0 ** 100, 8)
    with pytest.raises(sv.SymError) as exc:
        L.linear_forward(huge, huge)
    assert_code(exc, "SYM_ERR_FLOAT_OVERFLOW", "out")


def test_linear_forward_wide_operand_is_bad_width():
    x17 = T(np.array([[1, 2, 3], [4, 5, 6]]), 1.0, 17)
    with pytest.raises(sv.SymError) as exc:
        L.linear_forward(x17, W)
    assert_code(exc, "SYM_ERR_BAD_WIDTH", "x.q_max_bits")
    with pytest.raises(sv.SymError) as exc:
        L.linear_forward(X, W, out_bits=17)
    assert_code(exc, "SYM_ERR_BAD_WIDTH", "out_bits")


def test_linear_shape_mismatch_names_both_shapes():
    w4 = T(np.zeros((2, 4), dtype=np.int32), 1.0, 8)
    with pytest.raises(sv.SymError) as exc:
        L.linear_forward(X, w4)
    assert_code(exc, "SYM_ERR_SHAPE", "w")
    assert "(2, 3)" in str(exc.value) and "(2, 4)" in str(exc.value)
    b3 = T(np.zeros(3, dtype=np.int32), 1.0, 8)
    with pytest.raises(sv.SymError) as exc:
        L.linear_forward(X, W, b3)
    assert_code(exc, "SYM_ERR_SHAPE", "b")
    assert "(3,)" in str(exc.value) and "(2, 3)" in str(exc.value)
    with pytest.raises(sv.SymError) as exc:
        L.linear_forward(T(np.array([1, 2, 3]), 1.0, 8), W)
    assert_code(exc, "SYM_ERR_SHAPE", "x")


def test_linear_backward_by_hand():
    grad_w = T(np.zeros((2, 3), dtype=np.int32), 1.0, 8)
    grad_b = T(np.array([10, -10]), 0.25, 16)
    dx, gw, gb = L.linear_backward(X, W, DY, grad_w, grad_b, dx_bits=2)
    # dxr = dy w = [[1-2, 0-1, -1-1], [2, 0, -2]] at 0.125; A = 0.25, s = 0.25 (qMax 1),
    # r = 0.5: -0.5 -> -1 (ties away), -1, -1; 1, 0, -1.
    assert_tensor(dx, [[-1, -1, -1], [1, 0, -1]], 0.25, 2)
    # dW = dy^T x = [[1-2, 2, 3+4], [-1, -2, -3]] at 0.25 -> v = [[-.25, .5, 1.75], [-.25, -.5, -.75]];
    # s = 1.75/127; v / s = [[-18.14, 36.29, 127], [-18.14, -36.29, -54.43]].
    s_w = f32(1.75) / f32(127)
    v = np.array([[-1, 2, 7], [-1, -2, -3]], dtype=np.float32) * f32(0.25)
    assert_tensor(gw, [[round_away(f32(a) / s_w) for a in row] for row in v], s_w, 8)
    assert gw.mantissas.tolist() == [[-18, 36, 127], [-18, -36, -54]]
    # db = [1+2, -1+0] at 0.5 -> rescaled into 0.25: [6, -2]; 10 + 6, -10 - 2.
    assert_tensor(gb, [16, -12], 0.25, 16)


def test_linear_backward_without_bias_grad():
    grad_w = T(np.zeros((2, 3), dtype=np.int32), 1.0, 8)
    dx, gw, gb = L.linear_backward(X, W, DY, grad_w, None, dx_bits=2)
    assert gb is None
    assert dx.mantissas.tolist() == [[-1, -1, -1], [1, 0, -1]]


def test_linear_backward_rng_draw_count_and_atomicity():
    grad_w = T(np.zeros((2, 3), dtype=np.int32), 1.0, 8)
    rng = sv.Rng(99)
    L.linear_backward(X, W, DY, grad_w, None, dx_bits=8, rounding=sv.SR_HALF_AWAY, rng_state=rng)
    ref = sv.Rng(99)
    ffi, lib = sv.kernels.ffi_lib()
    st = ffi.new("uint32_t[1]", [ref.state])
    u = ffi.new("float[1]")
    for _ in range(2 * 3 + 2 * 3):  # O*I then B*I
        assert lib.sym_rng_uniform(st, u) == 0
    assert rng.state == int(st[0])
    # grad_b overflow in step 2 after step 1 drew: the rng must not move
    rng2 = sv.Rng(99)
    full = T(np.array([2 ** 15 - 1, 0]), 0.5, 16)
    with pytest.raises(sv.SymError) as exc:
        L.linear_backward(X, W, DY, grad_w, full, rounding=sv.SR_HALF_AWAY, rng_state=rng2)
    assert exc.value.code == "SYM_ERR_INT_OVERFLOW"
    assert rng2 == sv.Rng(99)


def test_linear_backward_overflow_and_shapes():
    x = T(np.array([[-32768], [-32768]]), 1.0, 16)
    w = T(np.array([[1]]), 1.0, 16)
    dy = T(np.array([[-32768], [-32768]]), 1.0, 16)
    gw = T(np.zeros((1, 1), dtype=np.int32), 1.0, 8)
    with pytest.raises(sv.SymError) as exc:
        L.linear_backward(x, w, dy, gw)
    assert_code(exc, "SYM_ERR_INT_OVERFLOW", "new_grad_w[0]")
    with pytest.raises(sv.SymError) as exc:
        L.linear_backward(X, W, T(np.zeros((3, 2), dtype=np.int32), 1.0, 8), T(np.zeros((2, 3), np.int32), 1.0, 8))
    assert_code(exc, "SYM_ERR_SHAPE", "dy")
    assert "(3, 2)" in str(exc.value) and "(2, 2)" in str(exc.value)
    with pytest.raises(sv.SymError) as exc:
        L.linear_backward(X, W, DY, T(np.zeros((3, 2), np.int32), 1.0, 8))
    assert_code(exc, "SYM_ERR_SHAPE", "grad_w")
    assert "(3, 2)" in str(exc.value) and "(2, 3)" in str(exc.value)
    with pytest.raises(sv.SymError) as exc:
        L.linear_backward(X, W, DY, T(np.zeros((2, 3), np.int32), 1.0, 32))
    assert_code(exc, "SYM_ERR_BAD_WIDTH", "grad_w.q_max_bits")


# ---------------------------------------------------------------- layernorm

G4 = T(np.array([1, 2, 1, 1]), 1.0, 8)
BETA4 = T(np.array([0, 1, 0, -1]), 0.5, 8)


def test_layernorm_identical_input_returns_beta():
    # SPEC section 6: q_n = 0, s_norm = 1, no draws, and the affine step still
    # runs: s_y = s_gamma = 1.0, y = rescale(beta, 0.5, 1.0) = round([0, 0.5, 0, -0.5])
    x = T(np.full((2, 4), 5), 0.5, 8)
    rng = sv.Rng(3)
    y = L.layernorm_forward(x, G4, BETA4, rounding=sv.SR_HALF_AWAY, rng_state=rng)
    assert_tensor(y, [[0, 1, 0, -1], [0, 1, 0, -1]], 1.0, 32)
    assert rng == sv.Rng(3)  # no draws


def test_layernorm_identical_input_agrees_with_constant_rows():
    # one input all 5, one with constant rows 5 and 6: both have q_n = 0, so
    # both return the same beta seeds at s_y = s_gamma
    gamma = T(np.array([3, -2, 1]), 0.25, 8)
    beta = T(np.array([7, -3, 100]), 0.125, 12)
    same = L.layernorm_forward(T(np.full((2, 3), 5), 0.5, 8), gamma, beta)
    rows = L.layernorm_forward(T(np.array([[5, 5, 5], [6, 6, 6]]), 0.5, 8), gamma, beta)
    # 7 * 0.125 / 0.25 = 3.5 -> 4; -1.5 -> -2; 50
    assert_tensor(same, [[4, -2, 50], [4, -2, 50]], 0.25, 32)
    assert same.same_bits(rows)


def test_layernorm_identical_input_beta_guard_is_checked():
    # the affine step runs on an identical input, so its beta seeds are guarded
    x = T(np.full((1, 2), 3), 1.0, 8)
    with pytest.raises(sv.SymError) as exc:
        L.layernorm_forward(x, T(np.array([1, 1]), 1.0, 8), T(np.array([0, 32767]), 2.0 ** 40, 16))
    assert_code(exc, "SYM_ERR_RANGE_GUARD", "beta")


def ln_reference(q: np.ndarray, s_x: float, eps: float) -> np.ndarray:
    v = q.astype(np.float64) * s_x
    mu = v.mean(axis=1, keepdims=True)
    var = ((v - mu) ** 2).mean(axis=1, keepdims=True)
    return (v - mu) / np.sqrt(var + eps)


@pytest.mark.parametrize("norm_bits", [8, 12, 16])
def test_layernorm_forward_against_float64(norm_bits):
    q = np.array([[1, 2, 3, 4], [4, 4, 0, -3], [100, -20, 7, 0]])
    x = T(q, 0.5, 8)
    y = L.layernorm_forward(x, G4, BETA4, norm_bits=norm_bits)
    n = ln_reference(q, 0.5, 1e-5)
    ref = n * (G4.mantissas * 1.0) + BETA4.mantissas * 0.5
    s_norm = np.max(np.abs(n)) / (2 ** (norm_bits - 1) - 1)
    got = y.mantissas.astype(np.float64) * float(y.scale)
    tol = s_norm * 0.5 * 2 + float(y.scale) * 0.5 + 1e-4 * np.max(np.abs(ref))
    assert np.max(np.abs(got - ref)) <= tol
    assert y.q_max_bits == 32
    # s_y = s_norm * s_gamma with s_gamma = 1
    assert abs(float(y.scale) - s_norm) <= 1e-6 * s_norm


def test_layernorm_forward_max_element_hits_qmax():
    q = np.array([[1, 2, 3, 4]])
    y = L.layernorm_forward(T(q, 0.25, 8), T(np.ones(4, np.int32), 1.0, 8), T(np.zeros(4, np.int32), 1.0, 8),
                            norm_bits=8)
    # symmetric row: n = [-a, -b, b, a]; q_n of the extremes are -127 and 127
    assert y.mantissas.tolist()[0][0] == -127
    assert y.mantissas.tolist()[0][3] == 127
    assert y.mantissas[0, 1] == -y.mantissas[0, 2]


def test_layernorm_forward_constant_rows_give_zero_normalized():
    # not all identical (rows differ) but every row is constant: A = 0, q_n = 0, s_norm = 1
    x = T(np.array([[1, 1], [2, 2]]), 1.0, 8)
    gamma = T(np.array([3, 3]), 0.5, 8)
    beta = T(np.array([3, -1]), 0.25, 8)
    y = L.layernorm_forward(x, gamma, beta)
    # s_y = 1 * 0.5; y = 0 + rescale(beta) = round(0.75/0.5) = 2 (1.5 ties away), round(-0.5) = -1
    assert_tensor(y, [[2, -1], [2, -1]], 0.5, 32)
    rng = sv.Rng(11)
    L.layernorm_forward(x, gamma, beta, rounding=sv.SR_HALF_AWAY, rng_state=rng)
    assert rng == sv.Rng(11)  # A == 0: no rounding, so no draws (docs/layers.md Clarifications)


def test_layernorm_forward_affine_overflow_and_guard():
    x = T(np.array([[1, 2]]), 1.0, 16)
    gamma = T(np.array([32767, 32767]), 1.0, 16)
    beta = T(np.array([0, 1]), 2.0 ** 20, 32)  # rescale into s_y ~ 2^-15 fails the guard
    with pytest.raises(sv.SymError) as exc:
        L.layernorm_forward(x, gamma, beta, norm_bits=16)
    assert_code(exc, "SYM_ERR_RANGE_GUARD", "beta")


def test_layernorm_bad_eps_and_widths():
    x = T(np.array([[1, 2, 3, 4]]), 0.5, 8)
    for bad in (0.0, -1e-5, float("nan"), float("inf"), 1e-50, 1e39):
        with pytest.raises(sv.SymError) as exc:
            L.layernorm_forward(x, G4, BETA4, eps=bad)
        assert_code(exc, "SYM_ERR_BAD_SCALE", "eps")
        with pytest.raises(sv.SymError) as exc:
            L.layernorm_backward(x, G4, T(np.ones((1, 4), np.int32), 1.0, 8), eps=bad)
        assert_code(exc, "SYM_ERR_BAD_SCALE", "eps")
    with pytest.raises(sv.SymError) as exc:
        L.layernorm_forward(x, G4, BETA4, norm_bits=17)
    assert_code(exc, "SYM_ERR_BAD_WIDTH", "norm_bits")
    with pytest.raises(sv.SymError) as exc:
        L.layernorm_forward(T(np.array([[1, 2, 3, 4]]), 0.5, 17), G4, BETA4)
    assert_code(exc, "SYM_ERR_BAD_WIDTH", "x.q_max_bits")


def test_layernorm_shape_mismatch_names_both_shapes():
    x = T(np.array([[1, 2, 3, 4]]), 0.5, 8)
    with pytest.raises(sv.SymError) as exc:
        L.layernorm_forward(x, T(np.ones(3, np.int32), 1.0, 8), BETA4)
    assert_code(exc, "SYM_ERR_SHAPE", "gamma")
    assert "(3,)" in str(exc.value) and "(1, 4)" in str(exc.value)
    with pytest.raises(sv.SymError) as exc:
        L.layernorm_backward(x, G4, T(np.ones((2, 4), np.int32), 1.0, 8))
    assert_code(exc, "SYM_ERR_SHAPE", "dy")
    assert "(2, 4)" in str(exc.value) and "(1, 4)" in str(exc.value)


def test_layernorm_backward_against_float64():
    q = np.array([[1, 2, 3, 4], [4, 4, 0, -3]])
    dyq = np.array([[1, 0, 0, -1], [2, 2, 1, 0]])
    dx = L.layernorm_backward(T(q, 0.5, 8), G4, T(dyq, 0.5, 8), dx_bits=16)
    n = ln_reference(q, 0.5, 1e-5)
    v = q * 0.5
    inv = 1.0 / np.sqrt(((v - v.mean(1, keepdims=True)) ** 2).mean(1, keepdims=True) + 1e-5)
    dn = dyq * 0.5 * G4.mantissas
    ref = inv * (dn - dn.mean(1, keepdims=True) - n * (dn * n).mean(1, keepdims=True))
    got = dx.mantissas * float(dx.scale)
    assert dx.q_max_bits == 16
    assert np.max(np.abs(got - ref)) <= float(dx.scale) + 1e-5 * np.max(np.abs(ref))


def test_layernorm_backward_identical_input_uses_formula():
    # var = 0: inv = 1/sqrt(eps), n = 0 -> dx = inv * (dn - mean(dn))
    q = np.full((1, 2), 3)
    dx = L.layernorm_backward(T(q, 1.0, 8), T(np.array([1, 1]), 1.0, 8), T(np.array([[1, -1]]), 1.0, 8),
                              dx_bits=8, eps=0.25)
    # inv = 1/sqrt(0.25) = 2; dn = [1, -1], mean 0 -> dx = [2, -2]; s = 2/127 -> [127, -127]
    assert_tensor(dx, [[127, -127]], f32(2) / f32(127), 8)


# ---------------------------------------------------------------- MSE

def test_mse_by_hand():
    y = T(np.array([2, -1]), 0.5, 8)  # [1.0, -0.5]
    loss, dy = L.mse_loss(y, np.array([0.5, 0.5], dtype=np.float32), grad_bits=2)
    # diff = [0.5, -1]; loss = (0.25 + 1) / 2; g = 2*diff/2 = [0.5, -1] -> s = 1, m = [round(0.5), -1]
    assert loss == f32(0.625) and isinstance(loss, np.float32)
    assert_tensor(dy, [1, -1], 1.0, 2)


def test_mse_two_dim_and_grad_values():
    y = T(np.array([[4, 0], [0, -4]]), 0.25, 8)  # [[1, 0], [0, -1]]
    loss, dy = L.mse_loss(y, np.zeros((2, 2)), grad_bits=3)
    # diff = y; loss = 2/4 = 0.5; g = 2*diff/4 = [[0.5, 0], [0, -0.5]] -> s = 0.5/3
    assert loss == f32(0.5)
    s = f32(0.5) / f32(3)
    assert_tensor(dy, [[3, 0], [0, -3]], s, 3)


def test_mse_errors():
    y = T(np.array([2, -1]), 0.5, 8)
    with pytest.raises(sv.SymError) as exc:
        L.mse_loss(y, [0.0, float("nan")])
    assert_code(exc, "SYM_ERR_NONFINITE_INPUT", "target[1]")
    with pytest.raises(sv.SymError) as exc:
        L.mse_loss(y, [0.0, 0.0, 0.0])
    assert_code(exc, "SYM_ERR_SHAPE", "target")
    assert "(2,)" in str(exc.value) and "(3,)" in str(exc.value)
    big = T(np.array([2 ** 30]), 2.0 ** 100, 32)
    with pytest.raises(sv.SymError) as exc:
        L.mse_loss(big, [0.0])
    assert_code(exc, "SYM_ERR_FLOAT_OVERFLOW", "loss")


# ---------------------------------------------------------------- SGD

P = T(np.array([3, -2, 0]), 0.25, 3)        # [0.75, -0.5, 0]
GR = T(np.array([4, 4, -4]), 0.25, 8)       # [1, 1, -1]


def test_sgd_by_hand_half_away():
    out = L.sgd_update(P, GR, 0.25, rounding=sv.HALF_AWAY)
    # w = [0.5, -0.75, 0.25]; A = 0.75, s = 0.25 (qMax 3): m = [2, -3, 1]
    assert_tensor(out, [2, -3, 1], 0.25, 3)


def test_sgd_half_away_freezes_small_updates_sr_does_not():
    # the update (1e-5) is far below half a step (0.005): HALF_AWAY keeps the mantissas
    p = T(np.array([127, -50, 7]), 0.01, 8)
    g = T(np.array([1, 1, 1]), 0.01, 8)
    frozen = L.sgd_update(p, g, 1e-3, rounding=sv.HALF_AWAY)
    assert frozen.mantissas.tolist() == [127, -50, 7]
    rng = sv.Rng(1)
    L.sgd_update(p, g, 1e-3, rng_state=rng)  # SR_HALF_AWAY default: 3 draws
    assert rng != sv.Rng(1)


def test_sgd_errors():
    for bad in (0.0, -0.1, float("nan"), float("inf"), 1e39, 1e-50):
        with pytest.raises(sv.SymError) as exc:
            L.sgd_update(P, GR, bad, rounding=sv.HALF_AWAY)
        assert_code(exc, "SYM_ERR_BAD_SCALE", "lr")
    with pytest.raises(sv.SymError) as exc:
        L.sgd_update(P, T(np.array([1, 2]), 1.0, 8), 0.1, rounding=sv.HALF_AWAY)
    assert_code(exc, "SYM_ERR_SHAPE", "grad")
    assert "(3,)" in str(exc.value) and "(2,)" in str(exc.value)
    with pytest.raises(sv.SymError) as exc:
        L.sgd_update(T(np.array([1]), 1.0, 32), T(np.array([1]), 1.0, 8), 0.1, rounding=sv.HALF_AWAY)
    assert_code(exc, "SYM_ERR_BAD_WIDTH", "param.q_max_bits")
    with pytest.raises(sv.SymError) as exc:
        L.sgd_update(T(np.array([1]), 2.0 ** 127, 8), T(np.array([-100]), 2.0 ** 127, 8), 1.0,
                     rounding=sv.HALF_AWAY)
    assert_code(exc, "SYM_ERR_FLOAT_OVERFLOW", "param[0]")
    with pytest.raises(sv.SymError) as exc:
        L.sgd_update(P, GR, 0.1)  # SR without an Rng
    assert_code(exc, "SYM_ERR_NULL", "rng_state")


def test_functions_never_modify_arguments():
    before = [t.mantissas.copy() for t in (X, W, B, DY)]
    L.linear_forward(X, W, B, out_bits=8)
    L.linear_backward(X, W, DY, T(np.zeros((2, 3), np.int32), 1.0, 8), T(np.array([1, 1]), 1.0, 8))
    for t, m in zip((X, W, B, DY), before):
        assert t.mantissas.tolist() == m.tolist()


def test_layernorm_constant_row_with_inexact_mean_is_not_prechecked():
    # docs/semantics.md "LayerNorm on a constant input": only an input identical
    # everywhere is pre-checked. A constant row of 513 values 32767 has
    # (float)S / 513 = 32767.002, so its n is float noise that the global
    # quantisation maps to -qMax; the identical input alone gives q_n = 0.
    f = 513
    gamma, beta = T(np.ones(f, np.int32), 1.0, 8), T(np.zeros(f, np.int32), 1.0, 8)
    rows = L.layernorm_forward(T(np.array([[32767] * f, [0] * f]), 1.0, 16), gamma, beta)
    assert rows.mantissas[0].tolist() == [-2047] * f and not rows.mantissas[1].any()
    same = L.layernorm_forward(T(np.full((1, f), 32767), 1.0, 16), gamma, beta)
    assert not same.mantissas.any() and same.scale == np.float32(1.0)
