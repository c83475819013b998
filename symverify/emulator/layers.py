"""Independent numpy float32 emulator of the SYM layer kernels.

Contract: ``docs/layers.md`` (SPEC section 6 made exact) on top of
``docs/semantics.md``. Written from those documents only, without reading the
C layer kernels (``kernels/src/sym_*.c``) or their binding
(``symverify/kernels_layers.py``); the two backends agreeing bit for bit is
the evidence that both implement the contract.

How it follows the contract:

* Integer sums are computed exactly in int64 and then every *partial* sum is
  checked against int32 in the order the contract sums (seed first, then the
  reduction index ascending): a prefix that leaves int32 is
  ``SYM_ERR_INT_OVERFLOW`` even if the final sum would fit. For speed a cheap
  sufficient bound (``|seed| + sum |a*b|``) is checked first; only the
  accumulators that fail it are replayed prefix by prefix.
* Float steps are float32 numpy operations in the order written in
  ``docs/layers.md``. Sums documented as "j ascending" are evaluated with an
  explicit loop over j (vectorised across rows only), never with ``.sum()``
  (pairwise summation).
* Everything is validated before any result exists, in the precedence
  order of ``docs/semantics.md`` (Errors); composite kernels run
  their primitives on a *copy* of the ``Rng`` and commit the final state only
  when every step succeeded, so on error the caller's state is unchanged.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from symverify import registry
from symverify.errors import SymError
from symverify.types import (
    CONVERSION_BITS,
    FLOAT32_MIN_NORMAL,
    HALF_AWAY,
    OUTPUT_BITS,
    SR_HALF_AWAY,
    Rng,
    SymTensor,
    check_bits,
    check_order,
    check_real,
    check_rng,
    check_rounding,
    q_max,
    q_min,
)

from .primitives import (
    RESCALE_GUARD,
    _as_float32_array,
    _check_nonfinite,
    _check_tensor,
    _guard_ok,
    _rescale_f32,
    _round_away_f64,
    _round_to_int,
    accumulate_dynamic,
    accumulate_fixed,
    float_to_sym,
    requant_dynamic,
)

# by its package name: mutmut imports a copy of this file as emulator.*
__all__ = registry.module_exports("symverify.emulator.layers")  # symverify/registry.py

_F32 = np.float32
_ONE = np.float32(1.0)
_TWO = np.float32(2.0)
_INT32_MIN = -(2**31)
_INT32_MAX = 2**31 - 1
#: widths of an operand that enters an integer product (docs/layers.md)
_PRODUCT_BITS = range(2, 17)
#: LayerNorm: F < 2^16 keeps the int32 row sum safe
_MAX_FEATURES = 2**16 - 1


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def _commit(rng: "Rng | None", work: "Rng | None") -> None:
    if rng is not None and work is not None:
        rng.state = work.state


def _work_rng(rng: "Rng | None") -> "Rng | None":
    return rng.copy() if rng is not None else None


def _shape_error(argument: str, got: tuple, want: Any, what: str) -> SymError:
    return SymError("SYM_ERR_SHAPE", argument, tuple(got), f"{argument} has shape {tuple(got)}, {what} {want}")


def _check_ndim(t: SymTensor, ndim: int, argument: str, desc: str) -> tuple:
    shape = t.mantissas.shape
    if len(shape) != ndim:
        raise _shape_error(argument, shape, desc, "expected")
    return shape


def _check_shape(t: SymTensor, want: tuple, argument: str, other: str) -> None:
    if tuple(t.mantissas.shape) != tuple(want):
        raise _shape_error(argument, t.mantissas.shape, f"{tuple(want)} ({other})", "expected")


def _check_operand_width(t: SymTensor, argument: str) -> None:
    if t.q_max_bits not in _PRODUCT_BITS:
        raise SymError("SYM_ERR_BAD_WIDTH", f"{argument}.q_max_bits", t.q_max_bits,
                       "an operand of an integer product must be at most 16 bits wide (|product| <= 2^30)")


def _product_scale(s1: np.float32, s2: np.float32, argument: str) -> np.float32:
    """s1 * s2 in float32; inf -> FLOAT_OVERFLOW, not normal -> SCALE_UNDERFLOW."""
    with np.errstate(over="ignore", under="ignore"):
        s = _F32(s1 * s2)
    if not np.isfinite(s):
        raise SymError("SYM_ERR_FLOAT_OVERFLOW", argument, float(s),
                       f"{float(s1)!r} * {float(s2)!r} overflows float32")
    if not (s >= FLOAT32_MIN_NORMAL):
        raise SymError("SYM_ERR_SCALE_UNDERFLOW", argument, float(s),
                       f"{float(s1)!r} * {float(s2)!r} is not a normal float32 (>= 2^-126)")
    return s


def _check_positive_f32(value: Any, argument: str) -> np.float32:
    """A positive finite float32 (subnormals allowed), else BAD_SCALE."""
    if isinstance(value, (bool, str, bytes)):
        raise SymError("SYM_ERR_BAD_SCALE", argument, value, f"{argument} must be a positive finite float32")
    try:
        with np.errstate(over="ignore", under="ignore"):
            f = np.float32(value)
    except (TypeError, ValueError) as exc:
        raise SymError("SYM_ERR_BAD_SCALE", argument, value, f"{argument} must be a positive finite float32") from exc
    if not np.isfinite(f) or not f > 0:
        raise SymError("SYM_ERR_BAD_SCALE", argument, value,
                       f"{argument} must be a positive finite float32 (float32 value {float(f)!r})")
    return f


def _checked_matmul(a: np.ndarray, b: np.ndarray, seed: "np.ndarray | None", acc_name: str) -> np.ndarray:
    """acc[m, n] = seed[n] + a[m,0]*b[0,n] + a[m,1]*b[1,n] + ... with every
    partial sum (in this order) checked against int32. Operands are int32
    mantissas of at most 16 bits, so every product fits int32 (|p| <= 2^30)
    and the int64 arithmetic here is exact. Returns int64 [M, N]."""
    a = a.astype(np.int64)
    b = b.astype(np.int64)
    M, K = a.shape
    N = b.shape[1]
    seed64 = np.zeros(N, dtype=np.int64) if seed is None else seed.astype(np.int64)
    total = a @ b + seed64[None, :]
    bound = np.abs(a) @ np.abs(b) + np.abs(seed64)[None, :]
    suspect = np.flatnonzero((bound > _INT32_MAX).ravel())  # row-major (m, n) order
    chunk = max(1, (1 << 22) // max(K, 1))
    for start in range(0, suspect.size, chunk):
        idx = suspect[start:start + chunk]
        ms, ns = idx // N, idx % N
        prefix = np.cumsum(a[ms, :] * b[:, ns].T, axis=1) + seed64[ns][:, None]
        bad = (prefix < _INT32_MIN) | (prefix > _INT32_MAX)
        rows = np.flatnonzero(bad.any(axis=1))
        if rows.size:
            p = int(rows[0])
            k = int(np.flatnonzero(bad[p])[0])
            m, n = int(ms[p]), int(ns[p])
            raise SymError("SYM_ERR_INT_OVERFLOW", f"{acc_name}[{m},{n}]", int(prefix[p, k]),
                           f"partial sum of {acc_name}[{m},{n}] after term {k} leaves int32")
    return total


def _checked_colsum(a: np.ndarray, acc_name: str) -> np.ndarray:
    """s[n] = a[0,n] + a[1,n] + ... with every partial sum checked (int32)."""
    prefix = np.cumsum(a.astype(np.int64), axis=0)
    bad = (prefix < _INT32_MIN) | (prefix > _INT32_MAX)
    if bad.any():
        cols = np.flatnonzero(bad.any(axis=0))
        n = int(cols[0])
        k = int(np.flatnonzero(bad[:, n])[0])
        raise SymError("SYM_ERR_INT_OVERFLOW", f"{acc_name}[{n}]", int(prefix[k, n]),
                       f"partial sum of {acc_name}[{n}] after term {k} leaves int32")
    return prefix[-1]


def _seq_sum_rows(a: np.ndarray) -> np.ndarray:
    """0.0f + a[:,0] + a[:,1] + ... per row, float32, strictly left to right
    (np.add.accumulate is a sequential fold; .sum() would be pairwise). The
    leading 0.0f only matters for a -0.0 first term: 0 + -0 = +0."""
    a = np.asarray(a, dtype=np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        first = _F32(0.0) + a[:, :1]
        rest = np.concatenate([first, a[:, 1:]], axis=1)
        return np.add.accumulate(rest, axis=1, dtype=np.float32)[:, -1]


def _seed(q: np.ndarray, s_p: np.float32, s_acc: np.float32, argument: str) -> np.ndarray:
    """rescale_to_acc of every q (HALF_AWAY); guard failure -> RANGE_GUARD."""
    q = np.asarray(q).ravel()
    r = _rescale_f32(q, s_p, s_acc)
    ok = _guard_ok(r)
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise SymError("SYM_ERR_RANGE_GUARD", f"{argument}[{i}]", int(q[i]),
                       f"(float){argument} * s_{argument} / s_acc = {float(r[i])!r} exceeds the accumulator "
                       f"guard |r| <= {RESCALE_GUARD}")
    return _round_away_f64(r).astype(np.int64)


def _check_int32(v: np.ndarray, acc_name: str, rule: str) -> None:
    bad = np.flatnonzero(((v < _INT32_MIN) | (v > _INT32_MAX)).ravel())
    if bad.size:
        i = int(bad[0])
        idx = np.unravel_index(i, v.shape)
        raise SymError("SYM_ERR_INT_OVERFLOW", f"{acc_name}{list(map(int, idx))}", int(v.ravel()[i]), rule)


# --------------------------------------------------------------------------
# Quantization layer
# --------------------------------------------------------------------------

def quant_forward(x: SymTensor, q_max_bits: int, rounding: str = HALF_AWAY, order: str = "ratio",
                  rng_state: "Rng | None" = None) -> SymTensor:
    """Dynamic requant of x to its configured width (a pure conversion node)."""
    return requant_dynamic(x, q_max_bits, rounding, order, rng_state)


def quant_backward(dy: SymTensor) -> SymTensor:
    """Straight-through: an exact copy of dy."""
    dy = _check_tensor(dy, "dy")
    return SymTensor(dy.mantissas.copy(), dy.scale, dy.q_max_bits)


# --------------------------------------------------------------------------
# Linear
# --------------------------------------------------------------------------

def linear_forward(x: SymTensor, w: SymTensor, b: "SymTensor | None" = None, out_bits: "int | None" = None,
                   rounding: str = HALF_AWAY, order: str = "ratio", rng_state: "Rng | None" = None) -> SymTensor:
    """y = x W^T + b: int32 accumulator seeded with rescale(b_c, s_b, s_x*s_w),
    raw output at s_x*s_w (width 32), then optionally requant to out_bits."""
    x = _check_tensor(x, "x")
    w = _check_tensor(w, "w")
    if b is not None:
        b = _check_tensor(b, "b")
    B, I = _check_ndim(x, 2, "x", "[B, I]")
    O, I_w = _check_ndim(w, 2, "w", "[O, I]")
    if I_w != I:
        raise _shape_error("w", w.mantissas.shape, f"[O, {I}] (x is {tuple(x.mantissas.shape)})", "expected")
    if b is not None:
        _check_shape(b, (O,), "b", f"w is {tuple(w.mantissas.shape)}")
    _check_operand_width(x, "x")
    _check_operand_width(w, "w")
    if out_bits is not None:
        out_bits = check_bits(out_bits, OUTPUT_BITS, "out_bits")
    rounding = check_rounding(rounding)
    order = check_order(order)
    rng = check_rng(rounding, rng_state)

    s_acc = _product_scale(x.scale, w.scale, "s_x * s_w")
    seed = _seed(b.mantissas, b.scale, s_acc, "b") if b is not None else None
    acc = _checked_matmul(x.mantissas, w.mantissas.T, seed, "acc")
    raw = SymTensor(acc.astype(np.int32), s_acc, 32)
    if out_bits is None:
        return raw
    return requant_dynamic(raw, out_bits, rounding, order, rng)


def linear_backward(x: SymTensor, w: SymTensor, dy: SymTensor, grad_w: SymTensor,
                    grad_b: "SymTensor | None" = None, dx_bits: int = 12, rounding: str = HALF_AWAY,
                    order: str = "ratio", rng_state: "Rng | None" = None
                    ) -> "tuple[SymTensor, SymTensor, SymTensor | None]":
    """Returns (dx, new_grad_w, new_grad_b):
    dW = dy^T x (raw at s_dy*s_x) accumulated dynamically into grad_w;
    db = column sums of dy (raw at s_dy) accumulated fixed-scale into grad_b;
    dx = requant_dynamic(dy w at s_dy*s_w, dx_bits).
    RNG: O*I draws (step 1) then B*I draws (step 3); committed only on success."""
    x = _check_tensor(x, "x")
    w = _check_tensor(w, "w")
    dy = _check_tensor(dy, "dy")
    grad_w = _check_tensor(grad_w, "grad_w")
    if grad_b is not None:
        grad_b = _check_tensor(grad_b, "grad_b")
    B, I = _check_ndim(x, 2, "x", "[B, I]")
    O, I_w = _check_ndim(w, 2, "w", "[O, I]")
    if I_w != I:
        raise _shape_error("w", w.mantissas.shape, f"[O, {I}] (x is {tuple(x.mantissas.shape)})", "expected")
    _check_shape(dy, (B, O), "dy", f"x is {tuple(x.mantissas.shape)}, w is {tuple(w.mantissas.shape)}")
    _check_shape(grad_w, (O, I), "grad_w", f"w is {tuple(w.mantissas.shape)}")
    if grad_b is not None:
        _check_shape(grad_b, (O,), "grad_b", f"w is {tuple(w.mantissas.shape)}")
    _check_operand_width(x, "x")
    _check_operand_width(w, "w")
    _check_operand_width(dy, "dy")
    check_bits(grad_w.q_max_bits, OUTPUT_BITS, "grad_w.q_max_bits")
    dx_bits = check_bits(dx_bits, OUTPUT_BITS, "dx_bits")
    rounding = check_rounding(rounding)
    order = check_order(order)
    rng = check_rng(rounding, rng_state)
    work = _work_rng(rng)

    # step 1: dW[c,k] = sum_i dy[i,c] * x[i,k]
    dw = _checked_matmul(dy.mantissas.T, x.mantissas, None, "dW")
    s_dw = _product_scale(dy.scale, x.scale, "s_dy * s_x")
    new_grad_w = accumulate_dynamic(grad_w, SymTensor(dw.astype(np.int32), s_dw, 32), rounding, work)

    # step 2: db[c] = sum_i dy[i,c], fixed-scale accumulate (HALF_AWAY)
    new_grad_b = None
    if grad_b is not None:
        db = _checked_colsum(dy.mantissas, "db")
        new_grad_b = accumulate_fixed(grad_b, SymTensor(db.astype(np.int32), dy.scale, 32))

    # step 3: dxr[i,k] = sum_c dy[i,c] * w[c,k]
    dxr = _checked_matmul(dy.mantissas, w.mantissas, None, "dxr")
    s_dx = _product_scale(dy.scale, w.scale, "s_dy * s_w")
    dx = requant_dynamic(SymTensor(dxr.astype(np.int32), s_dx, 32), dx_bits, rounding, order, work)

    _commit(rng, work)
    return dx, new_grad_w, new_grad_b


# --------------------------------------------------------------------------
# LayerNorm
# --------------------------------------------------------------------------

def _ln_validate(x: SymTensor, gamma: SymTensor, other: SymTensor, other_name: str,
                 other_shape: str) -> tuple[int, int]:
    x = _check_tensor(x, "x")
    B, F = _check_ndim(x, 2, "x", "[B, F]")
    if F > _MAX_FEATURES:
        raise _shape_error("x", x.mantissas.shape, "F < 2^16 features", "expected")
    _check_shape(gamma, (F,), "gamma", f"x is {tuple(x.mantissas.shape)}")
    want = (F,) if other_shape == "F" else (B, F)
    _check_shape(other, want, other_name, f"x is {tuple(x.mantissas.shape)}")
    _check_operand_width(x, "x")
    return B, F


def _ln_stats(x: SymTensor, eps: np.float32) -> tuple[np.ndarray, np.ndarray]:
    """Per row: mu, inv and n (docs/layers.md LayerNorm step 2). Returns
    (inv [B, 1], n [B, F]) in float32."""
    q = x.mantissas.astype(np.int64)
    B, F = q.shape
    s_x = x.scale
    F32F = _F32(F)
    S = q.sum(axis=1)  # exact integer sum (|S| < 2^31 by the width/F checks)
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        mu = s_x * (S.astype(np.float32) / F32F)  # [B]
        qs = q.astype(np.float32) * s_x           # (float)q_j * s_x, [B, F]
        d = qs - mu[:, None]
        # acc = 0; acc = acc + d_j * d_j, j ascending: add.accumulate is the
        # strictly sequential left fold (out[j] = out[j-1] + a[j]), not pairwise
        acc = _seq_sum_rows(d * d)
        var = acc / F32F
        inv = _ONE / np.sqrt(var + eps)
        n = d * inv[:, None]
    return inv, n


def layernorm_forward(x: SymTensor, gamma: SymTensor, beta: SymTensor, norm_bits: int = 12, eps: Any = 1e-5,
                      rounding: str = HALF_AWAY, rng_state: "Rng | None" = None) -> SymTensor:
    """LayerNorm with float32 statistics per row, a global dynamic
    quantisation of n, and an integer affine y = q_n*gamma + rescale(beta)."""
    x = _check_tensor(x, "x")
    gamma = _check_tensor(gamma, "gamma")
    beta = _check_tensor(beta, "beta")
    check_real(eps, "eps")
    B, F = _ln_validate(x, gamma, beta, "beta", "F")
    _check_operand_width(gamma, "gamma")
    bits = check_bits(norm_bits, OUTPUT_BITS, "norm_bits")
    rounding = check_rounding(rounding)
    rng = check_rng(rounding, rng_state)
    eps32 = _check_positive_f32(eps, "eps")

    # step 1: identical pre-check in integers. An identical input has no
    # statistics and takes the A == 0 branch below: q_n = 0, s_norm = 1, no
    # RNG draws, and the affine step still runs (y = rescale(beta, s_beta, s_gamma)).
    m = x.mantissas
    A = _F32(0.0)
    if not bool(np.all(m == m.flat[0])):
        # step 2: statistics
        _, n = _ln_stats(x, eps32)
        A = _F32(np.max(np.abs(n)))

    # step 3: global quantisation of n
    lo, hi = q_min(bits), q_max(bits)
    new_state = None
    if A == 0:
        q_n = np.zeros((B, F), dtype=np.int64)
        s_norm = _ONE
    else:
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            K = _F32(_F32(hi) / A)
            s_norm = _F32(_ONE / K)
            v = n.ravel() * K
            c = np.minimum(np.maximum(v, _F32(lo)), _F32(hi))
        q_flat, new_state = _round_to_int(c, lo, hi, rounding, rng)
        q_n = q_flat.astype(np.int64).reshape(B, F)

    # step 4: integer affine
    s_y = _product_scale(s_norm, gamma.scale, "s_norm * s_gamma")
    seed = _seed(beta.mantissas, beta.scale, s_y, "beta")
    y = q_n * gamma.mantissas.astype(np.int64)[None, :]
    _check_int32(y, "q_n*gamma", "product q_n * gamma_j leaves int32")
    y = y + seed[None, :]
    _check_int32(y, "y", "q_n * gamma_j + rescale(beta_j) leaves int32")
    out = SymTensor(y.astype(np.int32), s_y, 32)
    if rng is not None and new_state is not None:
        rng.state = new_state
    return out


def layernorm_backward(x: SymTensor, gamma: SymTensor, dy: SymTensor, dx_bits: int = 12, eps: Any = 1e-5,
                       rounding: str = HALF_AWAY, rng_state: "Rng | None" = None) -> SymTensor:
    """dx = inv * ((dn - mean(dn)) - n * mean(dn * n)), dn = dy * gamma, all in
    float32 with sequential sums, then float_to_sym(dx, dx_bits)."""
    x = _check_tensor(x, "x")
    gamma = _check_tensor(gamma, "gamma")
    dy = _check_tensor(dy, "dy")
    check_real(eps, "eps")
    B, F = _ln_validate(x, gamma, dy, "dy", "BF")
    check_bits(dx_bits, CONVERSION_BITS, "dx_bits")
    check_rounding(rounding)
    check_rng(rounding, rng_state)
    eps32 = _check_positive_f32(eps, "eps")

    inv, n = _ln_stats(x, eps32)
    F32F = _F32(F)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        dyf = dy.mantissas.astype(np.float32) * dy.scale
        gf = gamma.mantissas.astype(np.float32) * gamma.scale
        dn = dyf * gf[None, :]
        s1 = _seq_sum_rows(dn)
        s2 = _seq_sum_rows(dn * n)
        m1 = s1 / F32F
        m2 = s2 / F32F
        dx = inv[:, None] * ((dn - m1[:, None]) - n * m2[:, None])
    return float_to_sym(dx, dx_bits, rounding, rng_state)


# --------------------------------------------------------------------------
# MSE loss (fake-quant)
# --------------------------------------------------------------------------

def mse_loss(y: SymTensor, target: Any, grad_bits: int = 12, rounding: str = HALF_AWAY,
             rng_state: "Rng | None" = None) -> "tuple[np.float32, SymTensor]":
    """loss = (sum_k diff_k^2) / N (float32, k row-major ascending),
    diff_k = (float)y_k * s_y - t_k; dy = float_to_sym((2 * diff) / N)."""
    y = _check_tensor(y, "y")
    t = _as_float32_array(target, "target")
    if t.shape != y.mantissas.shape:
        raise _shape_error("target", t.shape, f"{tuple(y.mantissas.shape)} (the shape of y)", "expected")
    check_bits(grad_bits, CONVERSION_BITS, "grad_bits")
    check_rounding(rounding)
    check_rng(rounding, rng_state)
    _check_nonfinite(t, "target")  # data: after every argument check

    N = y.mantissas.size
    NF = _F32(N)
    with np.errstate(over="ignore", invalid="ignore"):
        diff = y.mantissas.ravel().astype(np.float32) * y.scale - t.ravel()
        sq = diff * diff
        acc = _seq_sum_rows(sq.reshape(1, N))[0]  # sequential, k row-major ascending
        loss = _F32(acc / NF)
        g = (_TWO * diff) / NF
    if not np.isfinite(loss):
        raise SymError("SYM_ERR_FLOAT_OVERFLOW", "loss", float(loss),
                       "the MSE loss is not finite in float32")
    dy = float_to_sym(g.reshape(y.mantissas.shape), grad_bits, rounding, rng_state)
    return loss, dy


# --------------------------------------------------------------------------
# SGD with write-back
# --------------------------------------------------------------------------

def sgd_update(param: SymTensor, grad: SymTensor, lr: Any, rounding: str = SR_HALF_AWAY,
               rng_state: "Rng | None" = None) -> SymTensor:
    """w = p - lr * g in float32 (product first), written back by dynamic
    conversion to param's width (default SR_HALF_AWAY)."""
    param = _check_tensor(param, "param")
    grad = _check_tensor(grad, "grad")
    check_real(lr, "lr")
    if grad.mantissas.shape != param.mantissas.shape:
        raise _shape_error("grad", grad.mantissas.shape, f"{tuple(param.mantissas.shape)} (the shape of param)",
                           "expected")
    bits = check_bits(param.q_max_bits, CONVERSION_BITS, "param.q_max_bits")
    check_rounding(rounding)
    check_rng(rounding, rng_state)
    lr32 = _check_positive_f32(lr, "lr")

    with np.errstate(over="ignore", invalid="ignore"):
        p = param.mantissas.astype(np.float32) * param.scale
        g = grad.mantissas.astype(np.float32) * grad.scale
        w = p - lr32 * g
    bad = np.flatnonzero(~np.isfinite(w.ravel()))
    if bad.size:
        i = int(bad[0])
        raise SymError("SYM_ERR_FLOAT_OVERFLOW", f"w[{i}]", float(w.ravel()[i]),
                       "p - lr * g is not finite in float32")
    return float_to_sym(w, bits, rounding, rng_state)


# --------------------------------------------------------------------------
# ReLU
# --------------------------------------------------------------------------

def relu_forward(x: SymTensor) -> SymTensor:
    """y = max(x, 0) elementwise on the mantissas; x's scale, width and shape."""
    x = _check_tensor(x, "x")
    return SymTensor(np.maximum(x.mantissas, 0), x.scale, x.q_max_bits)


def relu_backward(x: SymTensor, dy: SymTensor) -> SymTensor:
    """dx = dy where x > 0, else 0; dy's scale and width; x and dy of one shape."""
    x = _check_tensor(x, "x")
    dy = _check_tensor(dy, "dy")
    _check_shape(dy, x.mantissas.shape, "dy", "the shape of x")
    return SymTensor(np.where(x.mantissas > 0, dy.mantissas, 0), dy.scale, dy.q_max_bits)
