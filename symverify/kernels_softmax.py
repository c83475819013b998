"""Softmax and cross entropy of the ``sv.kernels`` backend (docs/layers.md
"Softmax and cross entropy"), through cffi.

Each function validates and normalises its Python arguments, fills the one
args struct of its C entry point (kernels/include/sym_softmax.h) and makes
that one call; a non-zero status becomes a :class:`symverify.SymError`
from the C ``sym_err`` detail. The RNG state advances only on success.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import kernels as _kernels, registry
from .errors import SymError, status_name
from .types import CONVERSION_BITS, HALF_AWAY, Rng, SymTensor, check_bits, check_rng, check_rounding

__all__ = registry.module_exports(__name__)

REDUCTIONS = {"mean": 0, "sum": 1}
_ROUNDING_C = {"half_away": 0, "sr_half_away": 1}


def _rows(t: Any, argument: str) -> tuple[int, int]:
    if not isinstance(t, SymTensor):
        raise SymError("SYM_ERR_BAD_TYPE", argument, type(t).__name__, f"{argument} must be an sv.SymTensor")
    shape = tuple(t.mantissas.shape)
    if len(shape) != 2:
        raise SymError("SYM_ERR_SHAPE", argument, shape, f"{argument} must be 2-D [B, C], got shape {shape}")
    return int(shape[0]), int(shape[1])


def _raise_err(ffi: Any, status: int, err: Any, name: str) -> None:
    if status == 0:
        return
    arg = ffi.string(err.arg).decode() if err.arg != ffi.NULL else name
    reason = ffi.string(err.reason).decode() if err.reason != ffi.NULL else "rejected"
    where = f" at element {int(err.index)}" if int(err.index) >= 0 else ""
    raise SymError(status_name(status), arg, int(err.index), f"{name}: {reason}{where}")


def _cview(ffi: Any, t: SymTensor, keep: list[Any]) -> dict[str, Any]:
    m = np.array(t.mantissas, dtype=np.int32, copy=True, order="C").reshape(-1)
    keep.append(m)
    return {"m": ffi.cast("const int32_t *", ffi.from_buffer(m)), "n": int(m.size),
            "scale": float(t.scale), "bits": int(t.q_max_bits)}


def _out(ffi: Any, n: int, bits: int, keep: list[Any]) -> tuple[Any, np.ndarray, Any]:
    m = np.empty(n, dtype=np.int32)
    f = np.empty(n, dtype=np.float32)
    keep += [m, f]
    v = ffi.new("sym_view *")
    v.m = ffi.cast("int32_t *", ffi.from_buffer(m))
    v.n, v.scale, v.bits = n, 0.0, bits
    return v, m, ffi.cast("float *", ffi.from_buffer(f))


def _round_ctx(ffi: Any, rounding: str, rng: Rng | None, keep: list[Any]) -> tuple[dict[str, Any], Any]:
    state = ffi.new("uint32_t[1]", [rng.state if rng is not None else 0])
    keep.append(state)
    return {"mode": _ROUNDING_C[rounding], "order": 0, "rng_state": state if rng is not None else ffi.NULL}, state


def softmax_forward(x: SymTensor, out_bits: int = 12, rounding: str = HALF_AWAY,
                    rng_state: Rng | None = None) -> SymTensor:
    """Row softmax of [B, C] logits (row max subtracted, portable sym_expf),
    requantized dynamically to ``out_bits``."""
    b, c = _rows(x, "x")
    bits = check_bits(out_bits, CONVERSION_BITS, "out_bits")
    rounding = check_rounding(rounding)
    rng = check_rng(rounding, rng_state)
    ffi, lib = _kernels.ffi_lib()
    keep: list[Any] = []
    y, ym, fs = _out(ffi, b * c, bits, keep)
    rctx, state = _round_ctx(ffi, rounding, rng, keep)
    args = ffi.new("sym_softmax_forward_args *", {
        "x": _cview(ffi, x, keep), "batch": b, "classes": c, "out_bits": bits, "round": rctx, "y": y,
        "fscratch": fs, "n_fscratch": b * c})
    err = ffi.new("sym_err *")
    _raise_err(ffi, lib.sym_softmax_forward(args, err), err, "sym_softmax_forward")
    if rng is not None:
        rng.state = int(state[0])
    return SymTensor(ym.reshape(b, c), np.float32(y.scale), bits)


def cross_entropy_loss(p: SymTensor, target: Any, grad_bits: int = 12, reduction: str = "mean",
                       rounding: str = HALF_AWAY, rng_state: Rng | None = None) -> tuple[np.float32, SymTensor]:
    """Cross entropy of softmax output ``p`` [B, C] against class indices [B]
    (integers) or probabilities [B, C] (floats); returns ``(loss, grad)``,
    grad = (p - y) (/ B for "mean") requantized to ``grad_bits``."""
    # the type group first (docs/semantics.md precedence), then p's shape
    if not isinstance(p, SymTensor):
        raise SymError("SYM_ERR_BAD_TYPE", "p", type(p).__name__, "p must be an sv.SymTensor")
    if np.asarray(target).dtype.kind not in "iuf":
        raise SymError("SYM_ERR_BAD_TYPE", "target", np.asarray(target).dtype,
                       "target must be int class indices [B] or float probabilities [B, C]")
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise SymError("SYM_ERR_BAD_TYPE", "reduction", reduction, f"reduction must be one of {tuple(REDUCTIONS)}")
    b, c = _rows(p, "p")
    raw = np.asarray(target)
    if raw.dtype.kind in "iu":
        if tuple(raw.shape) != (b,):
            raise SymError("SYM_ERR_SHAPE", "target", tuple(raw.shape), f"class-index target must be [B] = ({b},)")
        if raw.size and (int(raw.min()) < -(1 << 31) or int(raw.max()) >= 1 << 31):
            raise SymError("SYM_ERR_SHAPE", "target", int(raw.max()), "class indices must fit int32")
        t_idx, t_prob = np.array(raw, dtype=np.int32, copy=True).reshape(-1), None
    elif raw.dtype.kind == "f":
        if tuple(raw.shape) != (b, c):
            raise SymError("SYM_ERR_SHAPE", "target", tuple(raw.shape),
                           f"probability target must be [B, C] = {(b, c)}")
        with np.errstate(over="ignore", invalid="ignore"):
            t_idx, t_prob = None, np.array(raw, dtype=np.float32, copy=True).reshape(-1)
    else:
        raise SymError("SYM_ERR_BAD_TYPE", "target", raw.dtype,
                       "target must be int class indices [B] or float probabilities [B, C]")
    if reduction not in REDUCTIONS:
        raise SymError("SYM_ERR_BAD_TYPE", "reduction", reduction, f"reduction must be one of {tuple(REDUCTIONS)}")
    bits = check_bits(grad_bits, CONVERSION_BITS, "grad_bits")
    rounding = check_rounding(rounding)
    rng = check_rng(rounding, rng_state)
    ffi, lib = _kernels.ffi_lib()
    keep: list[Any] = [t_idx, t_prob]
    g, gm, fs = _out(ffi, b * c, bits, keep)
    rctx, state = _round_ctx(ffi, rounding, rng, keep)
    loss = ffi.new("float[1]")
    args = ffi.new("sym_cross_entropy_loss_args *", {
        "p": _cview(ffi, p, keep), "batch": b, "classes": c,
        "target_index": ffi.cast("const int32_t *", ffi.from_buffer(t_idx)) if t_idx is not None else ffi.NULL,
        "target_prob": ffi.cast("const float *", ffi.from_buffer(t_prob)) if t_prob is not None else ffi.NULL,
        "n_target": int((t_idx if t_idx is not None else t_prob).size), "grad_bits": bits,
        "reduction": REDUCTIONS[reduction], "round": rctx, "loss": loss, "grad": g, "fscratch": fs,
        "n_fscratch": b * c})
    err = ffi.new("sym_err *")
    _raise_err(ffi, lib.sym_cross_entropy_loss(args, err), err, "sym_cross_entropy_loss")
    if rng is not None:
        rng.state = int(state[0])
    return np.float32(loss[0]), SymTensor(gm.reshape(b, c), np.float32(g.scale), bits)
