"""Independent numpy emulator of Conv1d and ConvTranspose1d (docs/layers.md "Conv1d").

Written from docs/layers.md and the PyTorch definitions, not from the C
kernels: every integer core is the Linear core of the layer emulator
(:func:`_checked_matmul`, partial sums checked in order) applied to explicitly
unfolded patches:

* Conv1d forward: row (b, t) of the patch matrix holds
  ``x[b, g*C_in/g + ci, t*stride - pad_left + k*dilation]`` (0 outside
  ``[0, L)``) at column ``ci*K + k``; ``y = patches @ w[g-block]^T + seed``.
* the transposed correlation (Conv1d dx, ConvTranspose1d forward): row
  (b, j) of its patch matrix holds ``dy[b, co, t]`` at column ``co*K + k``
  where ``t*stride - pad_left + k*dilation == j`` (0 if no such ``t``).
* dW: ``dy[g-block]`` as [C_out/g, B*L_out] times the patch matrix.

ConvTranspose1d is the adjoint of Conv1d: its forward is the transposed
correlation of x with w (w [C_in, C_out/g, K] is the weight of the Conv1d
that maps the long side to the short one), its dx is the Conv1d forward
correlation of dy, its dW is the Conv1d dW with the sides swapped.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from symverify import registry
from symverify.conv_geometry import Geom1d, conv1d_geometry, conv_transpose1d_geometry
from symverify.errors import SymError
from symverify.types import HALF_AWAY, OUTPUT_BITS, Rng, SymTensor, check_bits, check_order, check_rng, check_rounding

from .primitives import _check_tensor, accumulate_dynamic, accumulate_fixed, requant_dynamic
from .layers import _checked_colsum, _checked_matmul, _check_operand_width, _product_scale, _seed

__all__ = registry.module_exports("symverify.emulator.conv")  # symverify/registry.py


def _patches(long: np.ndarray, g: int, groups: int, short_len: int, k: int, stride: int, dilation: int,
             pad_left: int) -> np.ndarray:
    """[B*short_len, C/groups*K] patches of group g of ``long`` [B, C, L_long]:
    entry ((b, t), ci*K + kk) = long[b, g*C/groups + ci, t*stride - pad_left + kk*dilation] or 0."""
    bsz, chans, length = long.shape
    cg = chans // groups
    out = np.zeros((bsz, short_len, cg, k), dtype=np.int64)
    for t in range(short_len):
        for kk in range(k):
            pos = t * stride - pad_left + kk * dilation
            if 0 <= pos < length:
                out[:, t, :, kk] = long[:, g * cg:(g + 1) * cg, pos]
    return out.reshape(bsz * short_len, cg * k)


def _adjoint_patches(short: np.ndarray, g: int, groups: int, long_len: int, k: int, stride: int,
                     dilation: int, pad_left: int) -> np.ndarray:
    """[B*long_len, C/groups*K] for the transposed correlation: entry
    ((b, j), c*K + kk) = short[b, g*C/groups + c, t] where
    t*stride - pad_left + kk*dilation == j and 0 <= t < L_short, else 0."""
    bsz, chans, short_len = short.shape
    cg = chans // groups
    out = np.zeros((bsz, long_len, cg, k), dtype=np.int64)
    for j in range(long_len):
        for kk in range(k):
            num = j + pad_left - kk * dilation
            if num >= 0 and num % stride == 0 and num // stride < short_len:
                out[:, j, :, kk] = short[:, g * cg:(g + 1) * cg, num // stride]
    return out.reshape(bsz * long_len, cg * k)


def _forward_corr(long: np.ndarray, w: np.ndarray, seed: "np.ndarray | None", short_len: int, geom: Geom1d,
                  name: str) -> np.ndarray:
    """out[b, sc, t] = seed[sc] + sum_{lc, k} long[b, lc_g, t*s - pl + k*d] * w[sc, lc, k]
    (lc, then k ascending); w is [C_short, C_long/groups, K]. int64 [B, C_short, short_len]."""
    bsz = long.shape[0]
    c_short = w.shape[0]
    sg = c_short // geom.groups
    out = np.zeros((bsz, c_short, short_len), dtype=np.int64)
    for g in range(geom.groups):
        p = _patches(long, g, geom.groups, short_len, geom.kernel_size, geom.stride, geom.dilation, geom.pad_left)
        wg = w[g * sg:(g + 1) * sg].reshape(sg, -1).T
        sd = None if seed is None else seed[g * sg:(g + 1) * sg]
        acc = _checked_matmul(p, wg, sd, name)
        out[:, g * sg:(g + 1) * sg, :] = acc.reshape(bsz, short_len, sg).transpose(0, 2, 1)
    return out


def _adjoint_corr(short: np.ndarray, w: np.ndarray, seed: "np.ndarray | None", long_len: int, geom: Geom1d,
                  name: str) -> np.ndarray:
    """out[b, lc_g, j] = seed[lc_g] + sum_{sc, k : j = t*s - pl + k*d} short[b, sc, t] * w[sc, lc, k]
    (sc, then k ascending); w is [C_short, C_long/groups, K]. int64 [B, C_long, long_len]."""
    bsz = short.shape[0]
    c_short, lg, k = w.shape
    sg = c_short // geom.groups
    out = np.zeros((bsz, lg * geom.groups, long_len), dtype=np.int64)
    for g in range(geom.groups):
        p = _adjoint_patches(short, g, geom.groups, long_len, k, geom.stride, geom.dilation, geom.pad_left)
        wg = w[g * sg:(g + 1) * sg].transpose(0, 2, 1).reshape(sg * k, lg)  # row sc*K + k, column lc
        sd = None if seed is None else seed[g * lg:(g + 1) * lg]
        acc = _checked_matmul(p, wg, sd, name)
        out[:, g * lg:(g + 1) * lg, :] = acc.reshape(bsz, long_len, lg).transpose(0, 2, 1)
    return out


def _weight_corr(short: np.ndarray, long: np.ndarray, w_shape: tuple[int, int, int], geom: Geom1d,
                 name: str) -> np.ndarray:
    """dw[sc, lc, k] = sum_{b, t} short[b, sc, t] * long[b, lc_g, t*s - pl + k*d] ((b, t) ascending)."""
    bsz, c_short, short_len = short.shape
    sg = c_short // geom.groups
    _, lg, k = w_shape
    out = np.zeros(w_shape, dtype=np.int64)
    for g in range(geom.groups):
        p = _patches(long, g, geom.groups, short_len, k, geom.stride, geom.dilation, geom.pad_left)
        a = short[:, g * sg:(g + 1) * sg, :].transpose(1, 0, 2).reshape(sg, bsz * short_len)
        out[g * sg:(g + 1) * sg] = _checked_matmul(a, p, None, name).reshape(sg, lg, k)
    return out


def _channel_sum(dy: np.ndarray, name: str) -> np.ndarray:
    """db[c] = sum over b, then position, of dy[b, c, pos] (checked int32)."""
    return _checked_colsum(dy.transpose(0, 2, 1).reshape(-1, dy.shape[1]), name)


def _common(x: SymTensor, w: SymTensor, out_bits: "int | None", rounding: str, order: str,
            rng_state: "Rng | None") -> tuple["int | None", str, str, "Rng | None"]:
    _check_operand_width(x, "x")
    _check_operand_width(w, "w")
    bits = None if out_bits is None else check_bits(out_bits, OUTPUT_BITS, "out_bits")
    rounding = check_rounding(rounding)
    order = check_order(order)
    return bits, rounding, order, check_rng(rounding, rng_state)


def _bias_shape(b: "SymTensor | None", c_out: int) -> "SymTensor | None":
    if b is None:
        return None
    if tuple(b.mantissas.shape) != (c_out,):
        raise SymError("SYM_ERR_SHAPE", "b", tuple(b.mantissas.shape), f"b must be [C_out] = ({c_out},)")
    return b


def _finish(acc: np.ndarray, s_acc: np.float32, bits: "int | None", rounding: str, order: str,
            rng: "Rng | None") -> SymTensor:
    raw = SymTensor(acc.astype(np.int32), s_acc, 32)
    return raw if bits is None else requant_dynamic(raw, bits, rounding, order, rng)


def conv1d_forward(x: SymTensor, w: SymTensor, b: "SymTensor | None" = None, stride: int = 1, padding: Any = 0,
                   dilation: int = 1, groups: int = 1, out_bits: "int | None" = None, rounding: str = HALF_AWAY,
                   order: str = "ratio", rng_state: "Rng | None" = None) -> SymTensor:
    """Conv1d forward: raw [B, C_out, L_out] at s_x*s_w (width 32), each
    accumulator seeded with rescale_to_acc(b_c, s_b, s_x*s_w), or dynamically
    requantized to ``out_bits`` (B*C_out*L_out SR draws, element order)."""
    x = _check_tensor(x, "x")
    w = _check_tensor(w, "w")
    b = None if b is None else _check_tensor(b, "b")
    geom = conv1d_geometry(x.mantissas.shape, w.mantissas.shape, stride, padding, dilation, groups)
    b = _bias_shape(b, geom.out_channels)
    bits, rounding, order, rng = _common(x, w, out_bits, rounding, order, rng_state)
    s_acc = _product_scale(x.scale, w.scale, "s_x * s_w")
    seed = _seed(b.mantissas, b.scale, s_acc, "b") if b is not None else None
    acc = _forward_corr(x.mantissas.astype(np.int64), w.mantissas.astype(np.int64), seed, geom.out_length,
                        geom, "y")
    return _finish(acc, s_acc, bits, rounding, order, rng)


def conv_transpose1d_forward(x: SymTensor, w: SymTensor, b: "SymTensor | None" = None, stride: int = 1,
                             padding: int = 0, output_padding: int = 0, dilation: int = 1, groups: int = 1,
                             out_bits: "int | None" = None, rounding: str = HALF_AWAY, order: str = "ratio",
                             rng_state: "Rng | None" = None) -> SymTensor:
    """ConvTranspose1d forward: raw [B, C_out, L_out] at s_x*s_w, seeded like
    Conv1d, optional dynamic requant to ``out_bits``."""
    x = _check_tensor(x, "x")
    w = _check_tensor(w, "w")
    b = None if b is None else _check_tensor(b, "b")
    geom = conv_transpose1d_geometry(x.mantissas.shape, w.mantissas.shape, stride, padding, output_padding,
                                     dilation, groups)
    b = _bias_shape(b, geom.out_channels)
    bits, rounding, order, rng = _common(x, w, out_bits, rounding, order, rng_state)
    s_acc = _product_scale(x.scale, w.scale, "s_x * s_w")
    seed = _seed(b.mantissas, b.scale, s_acc, "b") if b is not None else None
    acc = _adjoint_corr(x.mantissas.astype(np.int64), w.mantissas.astype(np.int64), seed, geom.out_length,
                        geom, "y")
    return _finish(acc, s_acc, bits, rounding, order, rng)


def _backward_checks(x: SymTensor, w: SymTensor, dy: SymTensor, grad_w: SymTensor,
                     grad_b: "SymTensor | None", dy_shape: tuple[int, int, int], c_out: int, dx_bits: int,
                     rounding: str, order: str, rng_state: "Rng | None") -> tuple[int, str, str, "Rng | None"]:
    if tuple(dy.mantissas.shape) != dy_shape:
        raise SymError("SYM_ERR_SHAPE", "dy", tuple(dy.mantissas.shape), f"dy must be {dy_shape} (the output shape)")
    if tuple(grad_w.mantissas.shape) != tuple(w.mantissas.shape):
        raise SymError("SYM_ERR_SHAPE", "grad_w", tuple(grad_w.mantissas.shape),
                       f"grad_w must have w's shape {tuple(w.mantissas.shape)}")
    if grad_b is not None and tuple(grad_b.mantissas.shape) != (c_out,):
        raise SymError("SYM_ERR_SHAPE", "grad_b", tuple(grad_b.mantissas.shape), f"grad_b must be ({c_out},)")
    _check_operand_width(x, "x")
    _check_operand_width(w, "w")
    _check_operand_width(dy, "dy")
    check_bits(grad_w.q_max_bits, OUTPUT_BITS, "grad_w.q_max_bits")
    bits = check_bits(dx_bits, OUTPUT_BITS, "dx_bits")
    rounding = check_rounding(rounding)
    order = check_order(order)
    return bits, rounding, order, check_rng(rounding, rng_state)


def _backward_tail(dw: np.ndarray, s_dw: np.float32, db: "np.ndarray | None", dxr: np.ndarray, s_dx: np.float32,
                   dy: SymTensor, grad_w: SymTensor, grad_b: "SymTensor | None", bits: int, rounding: str,
                   order: str, rng: "Rng | None") -> tuple[SymTensor, SymTensor, "SymTensor | None"]:
    work = rng.copy() if rng is not None else None
    new_grad_w = accumulate_dynamic(grad_w, SymTensor(dw.astype(np.int32), s_dw, 32), rounding, work)
    new_grad_b = None
    if grad_b is not None and db is not None:
        new_grad_b = accumulate_fixed(grad_b, SymTensor(db.astype(np.int32), dy.scale, 32))
    dx = requant_dynamic(SymTensor(dxr.astype(np.int32), s_dx, 32), bits, rounding, order, work)
    if rng is not None and work is not None:
        rng.state = work.state
    return dx, new_grad_w, new_grad_b


def conv1d_backward(x: SymTensor, w: SymTensor, dy: SymTensor, grad_w: SymTensor,
                    grad_b: "SymTensor | None" = None, stride: int = 1, padding: Any = 0, dilation: int = 1,
                    groups: int = 1, dx_bits: int = 12, rounding: str = HALF_AWAY, order: str = "ratio",
                    rng_state: "Rng | None" = None) -> tuple[SymTensor, SymTensor, "SymTensor | None"]:
    """Returns (dx, new_grad_w, new_grad_b): dW (s_dy*s_x) accumulated
    dynamically into grad_w, db = sum over batch and positions of dy
    accumulated at fixed scale into grad_b, dx = transposed correlation of dy
    with w (s_dy*s_w) requantized to dx_bits. SR draws: grad_w (w's size),
    then dx (x's size); all or nothing."""
    x, w, dy, grad_w = (_check_tensor(t, n) for t, n in ((x, "x"), (w, "w"), (dy, "dy"), (grad_w, "grad_w")))
    grad_b = None if grad_b is None else _check_tensor(grad_b, "grad_b")
    geom = conv1d_geometry(x.mantissas.shape, w.mantissas.shape, stride, padding, dilation, groups)
    dy_shape = (geom.batch, geom.out_channels, geom.out_length)
    bits, rounding, order, rng = _backward_checks(x, w, dy, grad_w, grad_b, dy_shape, geom.out_channels, dx_bits,
                                                  rounding, order, rng_state)
    xm, wm, dym = (t.mantissas.astype(np.int64) for t in (x, w, dy))
    dw = _weight_corr(dym, xm, tuple(w.mantissas.shape), geom, "dW")
    s_dw = _product_scale(dy.scale, x.scale, "s_dy * s_x")
    db = _channel_sum(dym, "db") if grad_b is not None else None
    dxr = _adjoint_corr(dym, wm, None, geom.in_length, geom, "dx")
    s_dx = _product_scale(dy.scale, w.scale, "s_dy * s_w")
    return _backward_tail(dw, s_dw, db, dxr, s_dx, dy, grad_w, grad_b, bits, rounding, order, rng)


def conv_transpose1d_backward(x: SymTensor, w: SymTensor, dy: SymTensor, grad_w: SymTensor,
                              grad_b: "SymTensor | None" = None, stride: int = 1, padding: int = 0,
                              output_padding: int = 0, dilation: int = 1, groups: int = 1, dx_bits: int = 12,
                              rounding: str = HALF_AWAY, order: str = "ratio", rng_state: "Rng | None" = None
                              ) -> tuple[SymTensor, SymTensor, "SymTensor | None"]:
    """ConvTranspose1d backward, as conv1d_backward with the sides swapped:
    dW[ci, co, k] = sum_{b, i} x[b, ci, i] * dy[b, co_g, i*s - p + k*d],
    db over dy's batch and positions, dx = forward correlation of dy with w."""
    x, w, dy, grad_w = (_check_tensor(t, n) for t, n in ((x, "x"), (w, "w"), (dy, "dy"), (grad_w, "grad_w")))
    grad_b = None if grad_b is None else _check_tensor(grad_b, "grad_b")
    geom = conv_transpose1d_geometry(x.mantissas.shape, w.mantissas.shape, stride, padding, output_padding,
                                     dilation, groups)
    dy_shape = (geom.batch, geom.out_channels, geom.out_length)
    bits, rounding, order, rng = _backward_checks(x, w, dy, grad_w, grad_b, dy_shape, geom.out_channels, dx_bits,
                                                  rounding, order, rng_state)
    xm, wm, dym = (t.mantissas.astype(np.int64) for t in (x, w, dy))
    dw = _weight_corr(xm, dym, tuple(w.mantissas.shape), geom, "dW")
    s_dw = _product_scale(dy.scale, x.scale, "s_dy * s_x")
    db = _channel_sum(dym, "db") if grad_b is not None else None
    dxr = _forward_corr(dym, wm, None, geom.in_length, geom, "dx")
    s_dx = _product_scale(dy.scale, w.scale, "s_dy * s_w")
    return _backward_tail(dw, s_dw, db, dxr, s_dx, dy, grad_w, grad_b, bits, rounding, order, rng)
