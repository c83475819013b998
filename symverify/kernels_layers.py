"""Layer kernels of the ``sv.kernels`` backend (docs/layers.md), through cffi.

The C cores (``kernels/src/sym_linear.c``, ``sym_layernorm.c``, ``sym_loss.c``,
``sym_sgd.c``) compute the integer and float32 parts; this module composes them
with the primitives of :mod:`symverify.kernels` (requant, accumulate,
float -> SYM) exactly as docs/layers.md lists. Every function validates its
arguments in the precedence order of docs/semantics.md (Errors), returns new tensors, never modifies its arguments, and raises
:class:`symverify.SymError` naming the argument and its value. On any error
the RNG state is left unchanged (multi-step functions work on a copy and
commit it only when every step succeeded).
"""
from __future__ import annotations

import numbers
from typing import Any, Callable

import numpy as np

from . import kernels as _kernels, registry
from .errors import SymError
from .errors import raise_for_status as _raise_status
from .types import (CONVERSION_BITS, HALF_AWAY, OUTPUT_BITS, SR_HALF_AWAY, Rng, SymTensor, check_bits,
                    check_order, check_real, check_rng, check_rounding)

__all__ = registry.module_exports(__name__)

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1
#: Operand widths allowed into a product accumulator (|product| <= 2^30).
PRODUCT_BITS = range(2, 17)
#: LayerNorm needs F < 2^16 (the int32 row sum of <= 16-bit mantissas).
LN_MAX_FEATURES = (1 << 16) - 1
_ROUNDING_C = {HALF_AWAY: 0, SR_HALF_AWAY: 1}

Describe = dict[str, Callable[[], tuple[str, Any, str]]]


# ---------------------------------------------------------------- helpers

def _prims() -> Any:
    """``symverify.kernels``, looked up at call time (the gold suite swaps its
    ``ffi_lib``)."""
    return _kernels


def _ffi_lib() -> tuple[Any, Any]:
    return _prims().ffi_lib()


def _tensor(t: Any, argument: str) -> SymTensor:
    if not isinstance(t, SymTensor):
        raise SymError("SYM_ERR_BAD_TYPE", argument, type(t).__name__, f"{argument} must be an sv.SymTensor")
    return t


def _ndim(t: SymTensor, argument: str, ndim: int, layout: str) -> tuple[int, ...]:
    shape = tuple(t.mantissas.shape)
    if len(shape) != ndim:
        raise SymError("SYM_ERR_SHAPE", argument, shape, f"{argument} must be {ndim}-D {layout}, got shape {shape}")
    return shape


def _shape_match(argument: str, got: tuple[int, ...], want: tuple[int, ...], other: str,
                 other_shape: tuple[int, ...], layout: str) -> None:
    if tuple(got) != tuple(want):
        raise SymError("SYM_ERR_SHAPE", argument, tuple(got),
                       f"{argument} must be {layout} = {tuple(want)} to match {other} {tuple(other_shape)}, "
                       f"got {argument} {tuple(got)}")


def _int32_len(n: int, argument: str) -> int:
    if n > INT32_MAX:
        raise SymError("SYM_ERR_SHAPE", argument, n, "at most 2^31 - 1 elements fit an int32 length")
    return n


def _product_width(t: SymTensor, argument: str) -> None:
    check_bits(t.q_max_bits, PRODUCT_BITS, f"{argument}.q_max_bits")


def _flat(t: SymTensor) -> np.ndarray:
    """A fresh, contiguous, flat int32 copy of the mantissas."""
    return np.array(t.mantissas, dtype=np.int32, copy=True, order="C").reshape(-1)


def _ptr_i32(ffi: Any, a: np.ndarray, const: bool = True) -> Any:
    return ffi.cast("const int32_t *" if const else "int32_t *", ffi.from_buffer(a))


def _ptr_f32(ffi: Any, a: np.ndarray, const: bool = True) -> Any:
    return ffi.cast("const float *" if const else "float *", ffi.from_buffer(a))


def _positive_float32(x: Any, argument: str) -> np.float32:
    """``x`` as a positive, finite float32 (subnormal allowed), else BAD_SCALE."""
    if isinstance(x, bool) or not isinstance(x, (numbers.Real, np.floating, np.integer)):
        raise SymError("SYM_ERR_BAD_TYPE", argument, x, f"{argument} must be a real number")
    with np.errstate(over="ignore", invalid="ignore"):
        f = np.float32(x)
    if not np.isfinite(f) or not f > 0:
        raise SymError("SYM_ERR_BAD_SCALE", argument, x,
                       f"{argument} must be a positive, finite float32 (got {float(f)!r} as float32)")
    return f


def _work_rng(rng: Rng | None) -> Rng | None:
    return None if rng is None else rng.copy()


def _commit_rng(rng: Rng | None, work: Rng | None) -> None:
    if rng is not None and work is not None:
        rng.state = work.state


def _scale_product(a: np.float32, b: np.float32) -> np.float32:
    with np.errstate(over="ignore", under="ignore"):
        return np.float32(np.float32(a) * np.float32(b))


def _scale_errors(name: str, a: np.float32, b: np.float32) -> Describe:
    def thunk(kind: str) -> Callable[[], tuple[str, Any, str]]:
        return lambda: (name, float(_scale_product(a, b)),
                        f"{name} = {float(a)!r} * {float(b)!r} in float32 is {kind}; "
                        f"it must be a normal positive finite float32")
    return {"SYM_ERR_SCALE_UNDERFLOW": thunk("too small (not a normal float32)"),
            "SYM_ERR_FLOAT_OVERFLOW": thunk("inf")}


def _first_overflow(terms: np.ndarray, seeds: np.ndarray) -> tuple[tuple[int, ...], int, int]:
    """terms: [..., L] int64 products summed along the last axis after a
    seed; return (index, step, partial sum) of the first partial sum leaving
    int32 in row-major order of the index, or ((), -1, 0)."""
    partial = np.cumsum(terms, axis=-1) + seeds[..., None]
    bad = (partial < INT32_MIN) | (partial > INT32_MAX)
    hit = np.any(bad, axis=-1)
    if not np.any(hit):
        return (), -1, 0
    flat = int(np.flatnonzero(hit.reshape(-1))[0])
    index = tuple(int(v) for v in np.unravel_index(flat, hit.shape))
    step = int(np.flatnonzero(bad[index])[0])
    return index, step, int(partial[index][step])


# ---------------------------------------------------------------- quantization layer

def quant_forward(x: SymTensor, q_max_bits: int, rounding: str = HALF_AWAY, order: str = "ratio",
                  rng_state: Rng | None = None) -> SymTensor:
    """Quantization layer forward: ``requant_dynamic(x, q_max_bits, rounding, order, rng_state)``."""
    x = _tensor(x, "x")
    return _prims().requant_dynamic(x, q_max_bits, rounding, order, rng_state)


def quant_backward(dy: SymTensor) -> SymTensor:
    """Quantization layer backward: straight-through, an exact copy of ``dy``."""
    dy = _tensor(dy, "dy")
    return SymTensor(np.array(dy.mantissas, dtype=np.int32, copy=True), dy.scale, dy.q_max_bits)


# ---------------------------------------------------------------- linear

def _linear_shapes(x: SymTensor, w: SymTensor) -> tuple[int, int, int]:
    bsz, in_f = _ndim(x, "x", 2, "[B, I]")
    w_shape = _ndim(w, "w", 2, "[O, I]")
    if w_shape[1] != in_f:
        raise SymError("SYM_ERR_SHAPE", "w", w_shape,
                       f"w must be [O, I] with I = x.shape[1]: x {(bsz, in_f)}, w {w_shape}")
    out_f = w_shape[0]
    _int32_len(bsz * in_f, "x")
    _int32_len(out_f * in_f, "w")
    _int32_len(bsz * out_f, "acc")
    return bsz, in_f, out_f


def _linear_raw(x: SymTensor, w: SymTensor, b: SymTensor | None) -> SymTensor:
    """The C forward core: SymTensor(acc, s_x * s_w, 32) of shape [B, O]."""
    bsz, in_f, out_f = x.mantissas.shape[0], x.mantissas.shape[1], w.mantissas.shape[0]
    xm, wm = _flat(x), _flat(w)
    bm = _flat(b) if b is not None else None
    ffi, lib = _ffi_lib()
    acc = np.empty(bsz * out_f, dtype=np.int32)
    s_acc = ffi.new("float[1]")
    status = lib.sym_linear_forward(
        _ptr_i32(ffi, xm), int(xm.size), float(x.scale), x.q_max_bits,
        _ptr_i32(ffi, wm), int(wm.size), float(w.scale), w.q_max_bits,
        ffi.NULL if bm is None else _ptr_i32(ffi, bm), 0 if bm is None else int(bm.size),
        1.0 if b is None else float(b.scale),
        bsz, in_f, out_f, _ptr_i32(ffi, acc, const=False), int(acc.size), s_acc)
    s_prod = _scale_product(x.scale, w.scale)

    def guard() -> tuple[str, Any, str]:
        assert b is not None and bm is not None
        out = ffi.new("int32_t[1]")
        for c in range(out_f):
            if lib.sym_rescale_to_acc(int(bm[c]), float(b.scale), float(s_prod), out) != 0:
                return (f"b[{c}]", int(bm[c]),
                        f"rescale_to_acc(b[{c}], s_b = {float(b.scale)!r}, s_acc = {float(s_prod)!r}) "
                        f"exceeds the guard |r| <= 1073774591")
        return ("b", None, "a bias seed failed the rescale guard")

    def overflow() -> tuple[str, Any, str]:
        seeds = np.zeros(out_f, dtype=np.int64)
        if b is not None and bm is not None:
            out = ffi.new("int32_t[1]")
            for c in range(out_f):
                lib.sym_rescale_to_acc(int(bm[c]), float(b.scale), float(s_prod), out)
                seeds[c] = int(out[0])
        x2 = xm.reshape(bsz, in_f).astype(np.int64)
        w2 = wm.reshape(out_f, in_f).astype(np.int64)
        terms = x2[:, None, :] * w2[None, :, :]
        (i, c), k, value = _first_overflow(terms, np.broadcast_to(seeds, (bsz, out_f)))
        return (f"acc[{i},{c}]", value,
                f"seed_c + sum_k x[{i},k]*w[{c},k] leaves int32 at k = {k} (checked int32 accumulator)")

    _raise_status(status, "sym_linear_forward", {
        **_scale_errors("s_x*s_w", x.scale, w.scale),
        "SYM_ERR_RANGE_GUARD": guard,
        "SYM_ERR_INT_OVERFLOW": overflow,
    })
    return SymTensor(acc.reshape(bsz, out_f), np.float32(s_acc[0]), 32)


def linear_forward(x: SymTensor, w: SymTensor, b: SymTensor | None = None, out_bits: int | None = None,
                   rounding: str = HALF_AWAY, order: str = "ratio",
                   rng_state: Rng | None = None) -> SymTensor:
    """y = x w^T + b: int32 accumulator seeded with rescale_to_acc(b_c, s_b, s_x*s_w),
    raw [B, O] output at scale s_x*s_w (width 32), or requantized dynamically to
    ``out_bits`` if given."""
    x = _tensor(x, "x")
    w = _tensor(w, "w")
    if b is not None:
        b = _tensor(b, "b")
    _, _, out_f = _linear_shapes(x, w)
    if b is not None:
        _shape_match("b", b.mantissas.shape, (out_f,), "w", w.mantissas.shape, "[O]")
    _product_width(x, "x")
    _product_width(w, "w")
    bits = None if out_bits is None else check_bits(out_bits, OUTPUT_BITS, "out_bits")
    rounding = check_rounding(rounding)
    order = check_order(order)
    rng = check_rng(rounding, rng_state)
    raw = _linear_raw(x, w, b)
    if bits is None:
        return raw
    return _prims().requant_dynamic(raw, bits, rounding, order, rng)


def _linear_grad_w(x: SymTensor, dy: SymTensor) -> SymTensor:
    bsz, in_f = x.mantissas.shape
    out_f = dy.mantissas.shape[1]
    xm, dym = _flat(x), _flat(dy)
    ffi, lib = _ffi_lib()
    dw = np.empty(out_f * in_f, dtype=np.int32)
    s_dw = ffi.new("float[1]")
    status = lib.sym_linear_grad_w(_ptr_i32(ffi, dym), int(dym.size), float(dy.scale), dy.q_max_bits,
                                   _ptr_i32(ffi, xm), int(xm.size), float(x.scale), x.q_max_bits,
                                   bsz, in_f, out_f, _ptr_i32(ffi, dw, const=False), int(dw.size), s_dw)

    def overflow() -> tuple[str, Any, str]:
        d2 = dym.reshape(bsz, out_f).astype(np.int64)
        x2 = xm.reshape(bsz, in_f).astype(np.int64)
        terms = np.transpose(d2[:, :, None] * x2[:, None, :], (1, 2, 0))  # [O, I, B]
        (c, k), i, value = _first_overflow(terms, np.zeros((out_f, in_f), dtype=np.int64))
        return (f"dW[{c},{k}]", value, f"sum_i dy[i,{c}]*x[i,{k}] leaves int32 at i = {i}")

    _raise_status(status, "sym_linear_grad_w", {
        **_scale_errors("s_dy*s_x", dy.scale, x.scale),
        "SYM_ERR_INT_OVERFLOW": overflow,
    })
    return SymTensor(dw.reshape(out_f, in_f), np.float32(s_dw[0]), 32)


def _linear_grad_b(dy: SymTensor) -> SymTensor:
    bsz, out_f = dy.mantissas.shape
    dym = _flat(dy)
    ffi, lib = _ffi_lib()
    db = np.empty(out_f, dtype=np.int32)
    status = lib.sym_linear_grad_b(_ptr_i32(ffi, dym), int(dym.size), bsz, out_f,
                                   _ptr_i32(ffi, db, const=False), int(db.size))

    def overflow() -> tuple[str, Any, str]:
        terms = dym.reshape(bsz, out_f).astype(np.int64).T  # [O, B]
        (c,), i, value = _first_overflow(terms, np.zeros(out_f, dtype=np.int64))
        return (f"db[{c}]", value, f"sum_i dy[i,{c}] leaves int32 at i = {i}")

    _raise_status(status, "sym_linear_grad_b", {"SYM_ERR_INT_OVERFLOW": overflow})
    return SymTensor(db, dy.scale, 32)


def _linear_grad_x(w: SymTensor, dy: SymTensor) -> SymTensor:
    out_f, in_f = w.mantissas.shape
    bsz = dy.mantissas.shape[0]
    wm, dym = _flat(w), _flat(dy)
    ffi, lib = _ffi_lib()
    dxr = np.empty(bsz * in_f, dtype=np.int32)
    s_dx = ffi.new("float[1]")
    status = lib.sym_linear_grad_x(_ptr_i32(ffi, dym), int(dym.size), float(dy.scale), dy.q_max_bits,
                                   _ptr_i32(ffi, wm), int(wm.size), float(w.scale), w.q_max_bits,
                                   bsz, in_f, out_f, _ptr_i32(ffi, dxr, const=False), int(dxr.size), s_dx)

    def overflow() -> tuple[str, Any, str]:
        d2 = dym.reshape(bsz, out_f).astype(np.int64)
        w2 = wm.reshape(out_f, in_f).astype(np.int64)
        terms = np.transpose(d2[:, :, None] * w2[None, :, :], (0, 2, 1))  # [B, I, O]
        (i, k), c, value = _first_overflow(terms, np.zeros((bsz, in_f), dtype=np.int64))
        return (f"dx[{i},{k}]", value, f"sum_c dy[{i},c]*w[c,{k}] leaves int32 at c = {c}")

    _raise_status(status, "sym_linear_grad_x", {
        **_scale_errors("s_dy*s_w", dy.scale, w.scale),
        "SYM_ERR_INT_OVERFLOW": overflow,
    })
    return SymTensor(dxr.reshape(bsz, in_f), np.float32(s_dx[0]), 32)


def linear_backward(x: SymTensor, w: SymTensor, dy: SymTensor, grad_w: SymTensor,
                    grad_b: SymTensor | None = None, dx_bits: int = 12, rounding: str = HALF_AWAY,
                    order: str = "ratio", rng_state: Rng | None = None
                    ) -> tuple[SymTensor, SymTensor, SymTensor | None]:
    """Returns ``(dx, new_grad_w, new_grad_b)``: dW = dy^T x accumulated
    dynamically into grad_w, db = column sums of dy accumulated at fixed scale
    into grad_b, dx = dy w requantized dynamically to ``dx_bits``. RNG draws:
    grad_w (O*I) then dx (B*I); all steps succeed or nothing changes."""
    x = _tensor(x, "x")
    w = _tensor(w, "w")
    dy = _tensor(dy, "dy")
    grad_w = _tensor(grad_w, "grad_w")
    if grad_b is not None:
        grad_b = _tensor(grad_b, "grad_b")
    bsz, in_f, out_f = _linear_shapes(x, w)
    dy_shape = _ndim(dy, "dy", 2, "[B, O]")
    if dy_shape != (bsz, out_f):
        raise SymError("SYM_ERR_SHAPE", "dy", dy_shape,
                       f"dy must be [B, O] = {(bsz, out_f)}: x {(bsz, in_f)}, w {w.mantissas.shape}, "
                       f"dy {dy_shape}")
    _shape_match("grad_w", grad_w.mantissas.shape, (out_f, in_f), "w", w.mantissas.shape, "[O, I]")
    if grad_b is not None:
        _shape_match("grad_b", grad_b.mantissas.shape, (out_f,), "w", w.mantissas.shape, "[O]")
    _product_width(x, "x")
    _product_width(w, "w")
    _product_width(dy, "dy")
    check_bits(grad_w.q_max_bits, OUTPUT_BITS, "grad_w.q_max_bits")
    bits = check_bits(dx_bits, OUTPUT_BITS, "dx_bits")
    rounding = check_rounding(rounding)
    order = check_order(order)
    rng = check_rng(rounding, rng_state)
    prims = _prims()
    work = _work_rng(rng)
    # step 1: dW, dynamic accumulate into grad_w
    dw = _linear_grad_w(x, dy)
    new_grad_w = prims.accumulate_dynamic(grad_w, dw, rounding, work)
    # step 2: db, fixed-scale accumulate into grad_b (HALF_AWAY)
    new_grad_b = None
    if grad_b is not None:
        db = _linear_grad_b(dy)
        new_grad_b = prims.accumulate_fixed(grad_b, db)
    # step 3: dx raw, dynamic requant to dx_bits
    dxr = _linear_grad_x(w, dy)
    dx = prims.requant_dynamic(dxr, bits, rounding, order, work)
    _commit_rng(rng, work)
    return dx, new_grad_w, new_grad_b


# ---------------------------------------------------------------- layernorm

def _layernorm_shapes(x: SymTensor, gamma: SymTensor, other: SymTensor, other_name: str
                      ) -> tuple[int, int]:
    bsz, feats = _ndim(x, "x", 2, "[B, F]")
    _shape_match("gamma", gamma.mantissas.shape, (feats,), "x", (bsz, feats), "[F]")
    if other_name == "beta":
        _shape_match("beta", other.mantissas.shape, (feats,), "x", (bsz, feats), "[F]")
    else:
        _shape_match(other_name, other.mantissas.shape, (bsz, feats), "x", (bsz, feats), "[B, F]")
    if feats > LN_MAX_FEATURES:
        raise SymError("SYM_ERR_SHAPE", "x", (bsz, feats),
                       f"LayerNorm needs F < 2^16 (int32 row sums), got F = {feats}")
    _int32_len(bsz * feats, "x")
    return bsz, feats


def layernorm_forward(x: SymTensor, gamma: SymTensor, beta: SymTensor, norm_bits: int = 12,
                      eps: Any = 1e-5, rounding: str = HALF_AWAY,
                      rng_state: Rng | None = None) -> SymTensor:
    """LayerNorm forward (docs/layers.md): float32 row statistics, normalized
    values requantized to ``norm_bits`` with one global scale, integer affine
    y = q_n * gamma_j + rescale_to_acc(beta_j, s_beta, s_y); raw output (width 32)."""
    x = _tensor(x, "x")
    gamma = _tensor(gamma, "gamma")
    beta = _tensor(beta, "beta")
    check_real(eps, "eps")
    bsz, feats = _layernorm_shapes(x, gamma, beta, "beta")
    _product_width(x, "x")
    _product_width(gamma, "gamma")
    bits = check_bits(norm_bits, OUTPUT_BITS, "norm_bits")
    rounding = check_rounding(rounding)
    rng = check_rng(rounding, rng_state)
    eps32 = _positive_float32(eps, "eps")
    xm, gm, bm = _flat(x), _flat(gamma), _flat(beta)
    ffi, lib = _ffi_lib()
    y = np.empty(bsz * feats, dtype=np.int32)
    s_y = ffi.new("float[1]")
    rbuf = ffi.new("uint32_t[1]", [rng.state]) if (rounding == SR_HALF_AWAY and rng is not None) else ffi.NULL
    status = lib.sym_layernorm_forward(
        _ptr_i32(ffi, xm), int(xm.size), float(x.scale), x.q_max_bits,
        _ptr_i32(ffi, gm), int(gm.size), float(gamma.scale), gamma.q_max_bits,
        _ptr_i32(ffi, bm), int(bm.size), float(beta.scale),
        bsz, feats, bits, float(eps32), _ROUNDING_C[rounding], rbuf,
        _ptr_i32(ffi, y, const=False), int(y.size), s_y)
    _raise_status(status, "sym_layernorm_forward", {
        "SYM_ERR_FLOAT_OVERFLOW": lambda: (
            "x", float(x.scale),
            "a normalized value n (so A = max|n|) or s_y = s_norm*s_gamma "
            f"is not finite (s_x = {float(x.scale)!r}, s_gamma = {float(gamma.scale)!r})"),
        "SYM_ERR_SCALE_UNDERFLOW": lambda: (
            "gamma.scale", float(gamma.scale),
            "s_y = s_norm * s_gamma is not a normal float32 (too small)"),
        "SYM_ERR_RANGE_GUARD": lambda: (
            "beta", int(np.max(np.abs(bm.astype(np.int64)))),
            f"rescale_to_acc(beta_j, s_beta = {float(beta.scale)!r}, s_y) exceeds the guard |r| <= 1073774591"),
        "SYM_ERR_INT_OVERFLOW": lambda: (
            "y", None, "q_n * gamma_j + rescale_to_acc(beta_j, s_beta, s_y) leaves int32"),
    })
    if rounding == SR_HALF_AWAY and rng is not None:
        rng.state = int(rbuf[0])
    return SymTensor(y.reshape(bsz, feats), np.float32(s_y[0]), 32)


def layernorm_backward(x: SymTensor, gamma: SymTensor, dy: SymTensor, dx_bits: int = 12,
                       eps: Any = 1e-5, rounding: str = HALF_AWAY,
                       rng_state: Rng | None = None) -> SymTensor:
    """LayerNorm backward in float32: dx = inv*((dn - mean(dn)) - n*mean(dn*n)),
    dn = dy*gamma (dequantized); then float_to_sym(dx, dx_bits)."""
    x = _tensor(x, "x")
    gamma = _tensor(gamma, "gamma")
    dy = _tensor(dy, "dy")
    check_real(eps, "eps")
    bsz, feats = _layernorm_shapes(x, gamma, dy, "dy")
    _product_width(x, "x")
    bits = check_bits(dx_bits, CONVERSION_BITS, "dx_bits")
    rounding = check_rounding(rounding)
    rng = check_rng(rounding, rng_state)
    eps32 = _positive_float32(eps, "eps")
    xm, gm, dym = _flat(x), _flat(gamma), _flat(dy)
    ffi, lib = _ffi_lib()
    dx = np.empty(bsz * feats, dtype=np.float32)
    status = lib.sym_layernorm_backward(
        _ptr_i32(ffi, xm), int(xm.size), float(x.scale), x.q_max_bits,
        _ptr_i32(ffi, gm), int(gm.size), float(gamma.scale),
        _ptr_i32(ffi, dym), int(dym.size), float(dy.scale),
        bsz, feats, float(eps32), _ptr_f32(ffi, dx, const=False), int(dx.size))
    _raise_status(status, "sym_layernorm_backward", {
        "SYM_ERR_NONFINITE_INPUT": lambda: (
            "dx", None,
            "dx is not finite in float32 before float_to_sym "
            f"(s_x = {float(x.scale)!r}, s_gamma = {float(gamma.scale)!r}, s_dy = {float(dy.scale)!r})"),
    })
    return _prims().float_to_sym(dx.reshape(bsz, feats), bits, rounding, rng)


# ---------------------------------------------------------------- MSE loss

def mse_loss(y: SymTensor, target: Any, grad_bits: int = 12, rounding: str = HALF_AWAY,
             rng_state: Rng | None = None) -> tuple[np.float32, SymTensor]:
    """Fake-quant MSE: loss = mean((y*s_y - t)^2) in float32 (row-major sum),
    dy = float_to_sym((2*diff)/N, grad_bits). Returns ``(loss, dy)``."""
    y = _tensor(y, "y")
    raw = np.asarray(target)
    if raw.dtype.kind not in "fiu":
        raise SymError("SYM_ERR_BAD_TYPE", "target", raw.dtype, "target must be a real (float32) array")
    if raw.size == 0:
        raise SymError("SYM_ERR_EMPTY", "target", tuple(raw.shape), "target needs at least one element")
    if tuple(raw.shape) != tuple(y.mantissas.shape):
        raise SymError("SYM_ERR_SHAPE", "target", tuple(raw.shape),
                       f"target must have y's shape: y {tuple(y.mantissas.shape)}, target {tuple(raw.shape)}")
    bits = check_bits(grad_bits, CONVERSION_BITS, "grad_bits")
    rounding = check_rounding(rounding)
    rng = check_rng(rounding, rng_state)
    with np.errstate(over="ignore", invalid="ignore"):
        t32 = np.array(raw, dtype=np.float32, copy=True, order="C").reshape(-1)
    ym = _flat(y)
    n = _int32_len(int(ym.size), "y")
    ffi, lib = _ffi_lib()
    grad = np.empty(n, dtype=np.float32)
    loss = ffi.new("float[1]")
    status = lib.sym_mse_loss(_ptr_i32(ffi, ym), n, float(y.scale), _ptr_f32(ffi, t32), int(t32.size),
                              loss, _ptr_f32(ffi, grad, const=False), int(grad.size))

    def nonfinite() -> tuple[str, Any, str]:
        i = int(np.flatnonzero(~np.isfinite(t32))[0])
        return f"target[{i}]", float(t32[i]), "every target value must be finite as float32"

    _raise_status(status, "sym_mse_loss", {
        "SYM_ERR_NONFINITE_INPUT": nonfinite,
        "SYM_ERR_FLOAT_OVERFLOW": lambda: (
            "loss", float("inf"), f"the MSE loss (or its gradient) is not finite in float32 "
                                  f"(s_y = {float(y.scale)!r})"),
    })
    dy = _prims().float_to_sym(grad.reshape(y.mantissas.shape), bits, rounding, rng)
    return np.float32(loss[0]), dy


# ---------------------------------------------------------------- SGD

def sgd_update(param: SymTensor, grad: SymTensor, lr: Any, rounding: str = SR_HALF_AWAY,
               rng_state: Rng | None = None) -> SymTensor:
    """w = p - lr * g in float32 (the product first), written back with
    float_to_sym at param's width (2..31), SR_HALF_AWAY by default."""
    param = _tensor(param, "param")
    grad = _tensor(grad, "grad")
    check_real(lr, "lr")
    if tuple(grad.mantissas.shape) != tuple(param.mantissas.shape):
        raise SymError("SYM_ERR_SHAPE", "grad", tuple(grad.mantissas.shape),
                       f"grad must have param's shape: param {tuple(param.mantissas.shape)}, "
                       f"grad {tuple(grad.mantissas.shape)}")
    bits = check_bits(param.q_max_bits, CONVERSION_BITS, "param.q_max_bits")
    rounding = check_rounding(rounding)
    rng = check_rng(rounding, rng_state)
    lr32 = _positive_float32(lr, "lr")
    pm, gm = _flat(param), _flat(grad)
    n = _int32_len(int(pm.size), "param")
    ffi, lib = _ffi_lib()
    w = np.empty(n, dtype=np.float32)
    status = lib.sym_sgd_update(_ptr_i32(ffi, pm), n, float(param.scale), _ptr_i32(ffi, gm), int(gm.size),
                                float(grad.scale), float(lr32), _ptr_f32(ffi, w, const=False), int(w.size))

    def overflow() -> tuple[str, Any, str]:
        with np.errstate(over="ignore", invalid="ignore"):
            p = pm.astype(np.float32) * param.scale
            g = gm.astype(np.float32) * grad.scale
            v = p - lr32 * g
        i = int(np.flatnonzero(~np.isfinite(v))[0]) if np.any(~np.isfinite(v)) else 0
        return (f"param[{i}]", int(pm[i]), f"w = p - lr*g is not finite in float32 at element {i} "
                                           f"(lr = {float(lr32)!r}, grad mantissa {int(gm[i])})")

    _raise_status(status, "sym_sgd_update", {"SYM_ERR_FLOAT_OVERFLOW": overflow})
    return _prims().float_to_sym(w.reshape(param.mantissas.shape), bits, rounding, rng)


# ---------------------------------------------------------------- relu
# One C call per layer step (kernels/include/sym_relu.h): the args struct is
# filled here, the error message comes from the C sym_err.

def _relu_view(ffi: Any, view: Any, t: SymTensor, flat: np.ndarray) -> None:
    view.m = _ptr_i32(ffi, flat)
    view.n = _int32_len(int(flat.size), "n")
    view.scale = float(t.scale)
    view.bits = t.q_max_bits


def _relu_call(name: str, args: Any, err: Any, status: int) -> None:
    ffi, _ = _ffi_lib()
    if status != 0:
        from .errors import status_name

        arg = ffi.string(err.arg).decode() if err.arg != ffi.NULL else name
        reason = ffi.string(err.reason).decode() if err.reason != ffi.NULL else f"{name} rejected its input"
        raise SymError(status_name(status), arg, None if err.index < 0 else int(err.index), reason)


def relu_forward(x: SymTensor) -> SymTensor:
    """ReLU forward: mantissas max(m, 0); x's scale, width and shape."""
    x = _tensor(x, "x")
    ffi, lib = _ffi_lib()
    xm = _flat(x)
    ym = np.empty_like(xm)
    y = ffi.new("sym_view *", {"m": _ptr_i32(ffi, ym, const=False), "n": int(xm.size), "bits": x.q_max_bits})
    args = ffi.new("sym_relu_forward_args *", {"y": y})
    _relu_view(ffi, args.x, x, xm)
    err = ffi.new("sym_err *")
    _relu_call("sym_relu_forward", args, err, lib.sym_relu_forward(args, err))
    return SymTensor(ym.reshape(x.mantissas.shape), np.float32(y.scale), x.q_max_bits)


def relu_backward(x: SymTensor, dy: SymTensor) -> SymTensor:
    """ReLU backward: dy where x > 0, else 0; dy's scale and width; x and dy of one shape."""
    x = _tensor(x, "x")
    dy = _tensor(dy, "dy")
    _shape_match("dy", dy.mantissas.shape, x.mantissas.shape, "x", x.mantissas.shape, "x's shape")
    ffi, lib = _ffi_lib()
    xm, dym = _flat(x), _flat(dy)
    dxm = np.empty_like(dym)
    dx = ffi.new("sym_view *", {"m": _ptr_i32(ffi, dxm, const=False), "n": int(dym.size), "bits": dy.q_max_bits})
    args = ffi.new("sym_relu_backward_args *", {"dx": dx})
    _relu_view(ffi, args.x, x, xm)
    _relu_view(ffi, args.dy, dy, dym)
    err = ffi.new("sym_err *")
    _relu_call("sym_relu_backward", args, err, lib.sym_relu_backward(args, err))
    return SymTensor(dxm.reshape(dy.mantissas.shape), np.float32(dx.scale), dy.q_max_bits)
