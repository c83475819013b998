"""Softmax and cross entropy of the ``sv.emulate`` backend, from
docs/layers.md "Softmax and cross entropy" (written without reading the C
sources): numpy float32 rows, the portable exp / log of
:mod:`symverify.emulator.mathf32`, the emulator's float_to_sym for the requant."""
from __future__ import annotations

from typing import Any

import numpy as np

from symverify import registry
from symverify.errors import SymError
from symverify.types import CONVERSION_BITS, HALF_AWAY, Rng, SymTensor, check_bits, check_rng, check_rounding

from . import primitives as _prims
from .mathf32 import expf32, logf32

__all__ = registry.module_exports(__name__)

F = np.float32
CLAMP = F(1e-7)


def _matrix(t: Any, name: str) -> tuple[int, int]:
    if not isinstance(t, SymTensor):
        raise SymError("SYM_ERR_BAD_TYPE", name, type(t).__name__, f"{name} must be an sv.SymTensor")
    if t.mantissas.ndim != 2:
        raise SymError("SYM_ERR_SHAPE", name, t.mantissas.shape, f"{name} must be [B, C]")
    return int(t.mantissas.shape[0]), int(t.mantissas.shape[1])


def _values(t: SymTensor, name: str) -> np.ndarray:
    with np.errstate(over="ignore"):
        v = (t.mantissas.astype(F) * t.scale).astype(F)
    bad = np.flatnonzero(~np.isfinite(v.ravel()))
    if bad.size:
        raise SymError("SYM_ERR_FLOAT_OVERFLOW", name, int(bad[0]), f"{name} * scale is not finite")
    return v


def softmax_forward(x: SymTensor, out_bits: int = 12, rounding: str = HALF_AWAY,
                    rng_state: Rng | None = None) -> SymTensor:
    """Per row: p = exp(v - max v) / sum, then float_to_sym(p, out_bits)."""
    _matrix(x, "x")
    bits = check_bits(out_bits, CONVERSION_BITS, "out_bits")
    rounding = check_rounding(rounding)
    rng = check_rng(rounding, rng_state)
    v = _values(x, "x")
    with np.errstate(over="ignore", invalid="ignore"):
        e = expf32((v - v.max(axis=1, keepdims=True)).astype(F))
    total = np.zeros(e.shape[0], dtype=F)
    for j in range(e.shape[1]):          # the sum in class order
        total = (total + e[:, j]).astype(F)
    p = (e / total[:, None]).astype(F)
    return _prims.float_to_sym(p, bits, rounding, rng)


def cross_entropy_loss(p: SymTensor, target: Any, grad_bits: int = 12, reduction: str = "mean",
                       rounding: str = HALF_AWAY, rng_state: Rng | None = None) -> tuple[np.float32, SymTensor]:
    """loss = sum/mean of -sum_c y_c log(max(p_c, 1e-7)); grad = (p - y) (/B), requantized."""
    if not isinstance(p, SymTensor):   # every type fault precedes the shape checks
        raise SymError("SYM_ERR_BAD_TYPE", "p", type(p).__name__, "p must be an sv.SymTensor")
    t = np.asarray(target)
    if t.dtype.kind not in "iuf":
        raise SymError("SYM_ERR_BAD_TYPE", "target", t.dtype, "int indices or float probabilities")
    if not isinstance(reduction, str) or reduction not in ("mean", "sum"):
        raise SymError("SYM_ERR_BAD_TYPE", "reduction", reduction, 'reduction is "mean" or "sum"')
    b, c = _matrix(p, "p")
    if t.dtype.kind in "iu":
        if t.shape != (b,):
            raise SymError("SYM_ERR_SHAPE", "target", t.shape, "class indices must be [B]")
        index = True
    elif t.dtype.kind == "f":
        if t.shape != (b, c):
            raise SymError("SYM_ERR_SHAPE", "target", t.shape, "probabilities must be [B, C]")
        index = False
    else:
        raise SymError("SYM_ERR_BAD_TYPE", "target", t.dtype, "int indices or float probabilities")
    if reduction not in ("mean", "sum"):
        raise SymError("SYM_ERR_BAD_TYPE", "reduction", reduction, 'reduction is "mean" or "sum"')
    bits = check_bits(grad_bits, CONVERSION_BITS, "grad_bits")
    rounding = check_rounding(rounding)
    rng = check_rng(rounding, rng_state)
    if index:
        bad = np.flatnonzero((t < 0) | (t >= c))
        if bad.size:
            raise SymError("SYM_ERR_SHAPE", "target", int(bad[0]), "class index outside [0, C)")
        y = np.zeros((b, c), dtype=F)
        y[np.arange(b), t.astype(np.int64)] = F(1)
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            y = t.astype(F)
        bad = np.flatnonzero(~np.isfinite(y.ravel()))
        if bad.size:
            raise SymError("SYM_ERR_NONFINITE_INPUT", "target", int(bad[0]), "target probabilities must be finite")
    q = _values(p, "p")
    lq = logf32(np.maximum(q, CLAMP))
    with np.errstate(over="ignore", invalid="ignore"):
        if index:
            rows = -lq[np.arange(b), t.astype(np.int64)]
        else:
            acc = np.zeros(b, dtype=F)
            for j in range(c):
                acc = (acc + (y[:, j] * lq[:, j]).astype(F)).astype(F)
            rows = -acc
        total = F(0)
        for r in rows.astype(F):
            total = F(total + r)
        loss = F(total / F(b)) if reduction == "mean" else total
    if not np.isfinite(loss):
        raise SymError("SYM_ERR_FLOAT_OVERFLOW", "loss", float(loss), "the loss is not finite")
    with np.errstate(over="ignore", invalid="ignore"):
        g = (q - y).astype(F)
        if reduction == "mean":
            g = (g / F(b)).astype(F)
    bad = np.flatnonzero(~np.isfinite(g.ravel()))
    if bad.size:
        raise SymError("SYM_ERR_FLOAT_OVERFLOW", "grad", int(bad[0]), "p - y is not finite")
    return loss, _prims.float_to_sym(g, bits, rounding, rng)
