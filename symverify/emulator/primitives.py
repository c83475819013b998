"""Independent numpy float32 emulator of the SYM arithmetic (``symverify.emulate``).

Contract: ``docs/semantics.md`` (which refines ``shared/SPEC.md``). This module
was written from those two documents only, without reading the C kernels
(``kernels/src``) or their binding (``symverify/kernels.py``); the agreement of
the two backends on the golden vectors and the differential tests is the
project's evidence that both implement the contract.

How it follows the contract:

* Every float step is a float32 numpy operation, in the order the contract
  writes it (``(float)m * s`` then ``/ s_out``; ``(x + u) - 0.5f`` left to
  right). Constants are wrapped in ``np.float32`` so nothing promotes to
  float64. numpy's float32 ``+ - * /`` are the correctly rounded IEEE
  operations (nearest-even), as C with ``-ffp-contract=off``.
* ``round`` is C ``roundf`` (ties away from zero). It is done exactly in
  float64, where ``floor(|v| + 0.5)`` is exact for every float32 ``v`` (the
  float32 sum would round 0.49999997 + 0.5 up to 1).
* The single float -> int conversion is the saturating round of the contract:
  ``v >= (float)hi -> hi``, ``v <= (float)lo`` or NaN ``-> lo``, otherwise
  ``round(v)`` then an integer clamp to ``[lo, hi]``.
* SR_HALF_AWAY: xorshift32 (13, 17, 5), one draw per output element in element
  order, ``u = (s >> 8) * 2^-24`` from the *new* state; ``w = (v + u) - 0.5f``.
* Validation runs completely before any result or RNG state is produced,
  in the precedence order of ``docs/semantics.md`` (Errors: types, empty,
  shapes, widths, rounding, order, RNG, scalar parameters, data); errors are ``symverify.SymError`` with the C status name, the argument and
  the value. Functions return new tensors and never modify their arguments;
  an ``Rng`` passed for SR is advanced (by n draws) only on success.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from symverify import registry
from symverify.errors import SymError
from symverify.xorshift import xorshift32
from symverify.types import (
    CONVERSION_BITS,
    DECLARED_BITS,
    FLOAT32_MIN_NORMAL,
    HALF_AWAY,
    OUTPUT_BITS,
    SR_HALF_AWAY,
    Rng,
    SymTensor,
    as_integer_array,
    checked_int32,
    check_bits,
    check_order,
    check_rng,
    check_real,
    check_rounding,
    check_scale,
    q_max,
    q_min,
)

# by its package name: mutmut imports a copy of this file as emulator.*
__all__ = registry.module_exports("symverify.emulator.primitives")  # symverify/registry.py

_F32 = np.float32
_HALF = np.float32(0.5)
_ONE = np.float32(1.0)
_TWO_POW_M24 = np.float32(2.0 ** -24)
#: 2^31 - 1 - 32768*32767 = 1073774591; the largest float32 not above it.
RESCALE_GUARD = 2**31 - 1 - 32768 * 32767
RESCALE_GUARD_F = np.float32(1073774464.0)
_INT32_MIN = -(2**31)
_INT32_MAX = 2**31 - 1
_TWO_POW_31_F = np.float32(2.0**31)


# --------------------------------------------------------------------------
# rounding primitives
# --------------------------------------------------------------------------

def _round_away_f64(v: np.ndarray) -> np.ndarray:
    """C roundf of float32 values, exact: computed in float64 (floor(|v|+0.5)
    is exact there for every float32 v). Returns float64 integral values."""
    v64 = np.asarray(v, dtype=np.float32).astype(np.float64)
    return np.copysign(np.floor(np.abs(v64) + 0.5), v64)


def _sat_round(v: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Saturating round of a float32 array to [lo, hi] (docs/semantics.md):
    v >= (float)hi -> hi; v <= (float)lo or NaN -> lo; else round then clamp."""
    v = np.asarray(v, dtype=np.float32)
    hi_f, lo_f = _F32(hi), _F32(lo)
    with np.errstate(invalid="ignore"):
        high = v >= hi_f
        low = (v <= lo_f) | np.isnan(v)
    mid = ~(high | low)
    out = np.empty(v.shape, dtype=np.int64)
    out[high] = hi
    out[low] = lo
    if mid.any():
        r = _round_away_f64(v[mid]).astype(np.int64)  # |v| < 2^31 here: no UB analogue
        out[mid] = np.clip(r, lo, hi)
    return out.astype(np.int32)


def sr_draws(state: int, n: int) -> tuple[np.ndarray, int]:
    """n uniform draws u in [0, 1) (float32, exact) and the final state.
    Each draw advances the state first and uses the new state: u = (s>>8)*2^-24."""
    top = np.empty(n, dtype=np.uint32)
    s = state
    for i in range(n):
        s = xorshift32(s)
        top[i] = s >> 8
    return top.astype(np.float32) * _TWO_POW_M24, s


def _round_to_int(v: np.ndarray, lo: int, hi: int, rounding: str, rng: "Rng | None") -> tuple[np.ndarray, "int | None"]:
    """Round a flat float32 array (HALF_AWAY or SR) with saturation to [lo, hi].
    Returns (int32 mantissas, new rng state or None). Does not touch ``rng``."""
    v = np.asarray(v, dtype=np.float32)
    if rounding == SR_HALF_AWAY:
        u, new_state = sr_draws(rng.state, v.size)
        with np.errstate(over="ignore", invalid="ignore"):
            w = (v + u) - _HALF
        return _sat_round(w, lo, hi), new_state
    return _sat_round(v, lo, hi), None


def _commit(rng: "Rng | None", new_state: "int | None") -> None:
    if rng is not None and new_state is not None:
        rng.state = new_state


# --------------------------------------------------------------------------
# argument helpers
# --------------------------------------------------------------------------

def _check_tensor(t: Any, argument: str) -> SymTensor:
    if not isinstance(t, SymTensor):
        raise SymError("SYM_ERR_BAD_TYPE", argument, type(t).__name__, "expected a symverify.SymTensor")
    return t


def _as_float32_array(x: Any, argument: str) -> np.ndarray:
    try:
        raw = np.asarray(x)
    except Exception as exc:  # pragma: no cover - exotic inputs
        raise SymError("SYM_ERR_BAD_TYPE", argument, x, "expected an array of real numbers") from exc
    if raw.dtype.kind not in "iuf":  # booleans are not numbers here
        raise SymError("SYM_ERR_BAD_TYPE", argument, raw.dtype, "expected an array of real numbers (float32)")
    with np.errstate(over="ignore", invalid="ignore"):
        arr = raw.astype(np.float32)
    if arr.size == 0:
        raise SymError("SYM_ERR_EMPTY", argument, arr.shape, "at least one element is required")
    return arr


def _check_nonfinite(x: np.ndarray, argument: str) -> None:
    bad = np.flatnonzero(~np.isfinite(x.ravel()))
    if bad.size:
        i = int(bad[0])
        raise SymError("SYM_ERR_NONFINITE_INPUT", f"{argument}[{i}]", float(x.ravel()[i]),
                       "input values must be finite (no NaN, no inf)")


def _dynamic_scale(absmax: np.float32, bits: int, argument: str = "absmax") -> np.float32:
    """scale = A / (float)qMax, 1.0 if A == 0; not normal -> SCALE_UNDERFLOW."""
    if absmax == 0:
        return _ONE
    scale = _F32(absmax / _F32(q_max(bits)))
    if not (scale >= FLOAT32_MIN_NORMAL):
        raise SymError("SYM_ERR_SCALE_UNDERFLOW", argument, float(absmax),
                       f"absmax / qMax = {float(scale)!r} is not a normal float32")
    return scale


def _dequant(t: SymTensor) -> np.ndarray:
    """(float)m_i * s, float32, flat; may contain inf."""
    with np.errstate(over="ignore"):
        return t.mantissas.ravel().astype(np.float32) * t.scale


# --------------------------------------------------------------------------
# public API (API.md)
# --------------------------------------------------------------------------

def round_half_away(x: float) -> int:
    """C ``roundf`` of float32(x) (ties away from zero) as a Python int.
    NaN, inf or float32(x) outside [-2^31, 2^31) -> SYM_ERR_CAST_RANGE."""
    if isinstance(x, (str, bytes)) or not np.isscalar(x) and not (isinstance(x, np.ndarray) and x.ndim == 0):
        raise SymError("SYM_ERR_BAD_TYPE", "x", x, "expected a real number")
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            f = np.float32(x)
    except (TypeError, ValueError) as exc:
        raise SymError("SYM_ERR_BAD_TYPE", "x", x, "expected a real number") from exc
    if not np.isfinite(f) or not (-_TWO_POW_31_F <= f < _TWO_POW_31_F):
        raise SymError("SYM_ERR_CAST_RANGE", "x", x, "float32(x) must be finite and in [-2^31, 2^31)")
    return int(_round_away_f64(np.array([f], dtype=np.float32))[0])


def float_to_sym(x: Any, q_max_bits: int = 12, rounding: str = HALF_AWAY, rng_state: "Rng | None" = None) -> SymTensor:
    """float32 -> SYM with dynamic scale: A = max|x|, scale = A / qMax (1.0 if
    A == 0), m = clamp(round(x / scale)) (SR: round((x/scale + u) - 0.5))."""
    arr = _as_float32_array(x, "x")
    bits = check_bits(q_max_bits, CONVERSION_BITS)
    rounding = check_rounding(rounding)
    rng = check_rng(rounding, rng_state)
    flat = arr.ravel()
    _check_nonfinite(arr, "x")
    absmax = _F32(np.max(np.abs(flat)))
    scale = _dynamic_scale(absmax, bits)
    q = flat / scale
    m, new_state = _round_to_int(q, q_min(bits), q_max(bits), rounding, rng)
    out = SymTensor(m.reshape(arr.shape), scale, bits)
    _commit(rng, new_state)
    return out


def sym_to_float(t: SymTensor) -> np.ndarray:
    """(float)m * scale as a float32 array of t's shape; inf -> SYM_ERR_FLOAT_OVERFLOW."""
    t = _check_tensor(t, "t")
    v = _dequant(t)
    bad = np.flatnonzero(~np.isfinite(v))
    if bad.size:
        i = int(bad[0])
        raise SymError("SYM_ERR_FLOAT_OVERFLOW", "t", float(t.scale),
                       f"(float)m[{i}] * scale = (float){int(t.mantissas.ravel()[i])} * {float(t.scale)!r} overflows float32")
    return v.reshape(t.mantissas.shape)


def requant_dynamic(t: SymTensor, q_max_bits: int, rounding: str = HALF_AWAY, order: str = "ratio",
                    rng_state: "Rng | None" = None) -> SymTensor:
    """Dynamic requant to width q_max_bits (2..16), expression order ``ratio``
    or ``clamp_first`` (docs/semantics.md, Requant)."""
    t = _check_tensor(t, "t")
    bits = check_bits(q_max_bits, OUTPUT_BITS)
    rounding = check_rounding(rounding)
    order = check_order(order)
    rng = check_rng(rounding, rng_state)
    s_in = t.scale
    mf = t.mantissas.ravel().astype(np.float32)
    with np.errstate(over="ignore"):
        prod = mf * s_in
    absmax = _F32(np.max(np.abs(prod)))
    if not np.isfinite(absmax):
        raise SymError("SYM_ERR_FLOAT_OVERFLOW", "t.scale", float(s_in),
                       "max |(float)m * scale| overflows float32")
    s_out = _dynamic_scale(absmax, bits)
    lo, hi = q_min(bits), q_max(bits)
    if order == "ratio":
        r = _F32(s_in / s_out)
        v = mf * r
    else:
        v = (mf * s_in) / s_out
        v = np.minimum(np.maximum(v, _F32(lo)), _F32(hi))
    m, new_state = _round_to_int(v, lo, hi, rounding, rng)
    out = SymTensor(m.reshape(t.mantissas.shape), s_out, bits)
    _commit(rng, new_state)
    return out


def requant_fixed(t: SymTensor, target_scale: Any, q_max_bits: int, rounding: str = HALF_AWAY,
                  rng_state: "Rng | None" = None) -> SymTensor:
    """Fixed-scale requant: v = ((float)m * s_in) / t, clamped to
    [(float)qMin, (float)qMax] in float32, rounded, saturated. Keeps t."""
    t = _check_tensor(t, "t")
    check_real(target_scale, "target_scale")
    bits = check_bits(q_max_bits, OUTPUT_BITS)
    rounding = check_rounding(rounding)
    rng = check_rng(rounding, rng_state)
    target = check_scale(target_scale, "target_scale")
    lo, hi = q_min(bits), q_max(bits)
    mf = t.mantissas.ravel().astype(np.float32)
    with np.errstate(over="ignore"):
        v = (mf * t.scale) / target  # may be +-inf: saturates by design
    c = np.minimum(np.maximum(v, _F32(lo)), _F32(hi))
    m, new_state = _round_to_int(c, lo, hi, rounding, rng)
    out = SymTensor(m.reshape(t.mantissas.shape), target, bits)
    _commit(rng, new_state)
    return out


def _check_int32_scalar(q: Any, argument: str) -> int:
    if isinstance(q, bool) or not isinstance(q, (int, np.integer)):
        raise SymError("SYM_ERR_BAD_TYPE", argument, q, "expected an int32 integer")
    if not _INT32_MIN <= int(q) <= _INT32_MAX:
        raise SymError("SYM_ERR_INT_OVERFLOW", argument, int(q), "value must fit in int32")
    return int(q)


def _rescale_f32(q: np.ndarray, s_p: np.float32, s_acc: np.float32) -> np.ndarray:
    """r = ((float)q * s_p) / s_acc in float32 (may be inf)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return (np.asarray(q).astype(np.int32).astype(np.float32) * s_p) / s_acc


def _guard_ok(r: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.abs(r) <= RESCALE_GUARD_F  # NaN and inf fail


def rescale_to_acc(q: int, param_scale: Any, acc_scale: Any, rounding: str = HALF_AWAY) -> int:
    """r = ((float)q * s_p) / s_acc; guard |r| <= 1073774464.0f (else
    SYM_ERR_RANGE_GUARD); result round(r). HALF_AWAY only."""
    qi = _check_int32_scalar(q, "q")
    check_real(param_scale, "param_scale")
    check_real(acc_scale, "acc_scale")
    rounding = check_rounding(rounding, (HALF_AWAY,))
    s_p = check_scale(param_scale, "param_scale")
    s_acc = check_scale(acc_scale, "acc_scale")
    r = _rescale_f32(np.array([qi]), s_p, s_acc)
    if not _guard_ok(r)[0]:
        raise SymError("SYM_ERR_RANGE_GUARD", "q", qi,
                       f"(float)q * param_scale / acc_scale = {float(r[0])!r} exceeds the accumulator guard "
                       f"|r| <= {RESCALE_GUARD}")
    return int(_round_away_f64(r)[0])


def int_to_sym(m: Any) -> SymTensor:
    """int32 -> SYM: copy of the mantissas, scale 1.0, declared width 32."""
    if isinstance(m, SymTensor):
        raise SymError("SYM_ERR_BAD_TYPE", "m", "SymTensor", "expected an int32 array")
    raw = as_integer_array(m)
    if raw.dtype.kind not in "iuO":
        raise SymError("SYM_ERR_BAD_TYPE", "m", raw.dtype, "mantissas must be an integer array (int32)")
    if raw.size == 0:
        raise SymError("SYM_ERR_EMPTY", "m", raw.shape, "at least one element is required")
    raw = checked_int32(raw, _INT32_MIN, _INT32_MAX, "m", "value must fit in int32")
    return SymTensor(raw.astype(np.int32, copy=True), _ONE, 32)


def _check_same_length(target: SymTensor, inc: SymTensor) -> None:
    if target.mantissas.shape != inc.mantissas.shape:
        raise SymError("SYM_ERR_SHAPE", "inc", inc.mantissas.shape,
                       f"inc has shape {inc.mantissas.shape} ({inc.mantissas.size} elements), "
                       f"target has shape {target.mantissas.shape} ({target.mantissas.size} elements)")


def accumulate_dynamic(target: SymTensor, inc: SymTensor, rounding: str = HALF_AWAY,
                       rng_state: "Rng | None" = None) -> SymTensor:
    """v = (float)t*s_t + (float)inc*s_inc (float32); scale = max|v|/qMax
    (1.0 if 0); t = clamp(round(v / scale)). Target width 2..16."""
    target = _check_tensor(target, "target")
    inc = _check_tensor(inc, "inc")
    _check_same_length(target, inc)
    bits = check_bits(target.q_max_bits, OUTPUT_BITS, "target.q_max_bits")
    rounding = check_rounding(rounding)
    rng = check_rng(rounding, rng_state)
    with np.errstate(over="ignore", invalid="ignore"):
        a = target.mantissas.ravel().astype(np.float32) * target.scale
        b = inc.mantissas.ravel().astype(np.float32) * inc.scale
        v = a + b
    bad = np.flatnonzero(~np.isfinite(v))
    if bad.size:
        i = int(bad[0])
        raise SymError("SYM_ERR_FLOAT_OVERFLOW", f"v[{i}]", float(v[i]),
                       "(float)t*s_t + (float)inc*s_inc overflows float32")
    absmax = _F32(np.max(np.abs(v)))
    scale = _dynamic_scale(absmax, bits)
    q = v / scale
    m, new_state = _round_to_int(q, q_min(bits), q_max(bits), rounding, rng)
    out = SymTensor(m.reshape(target.mantissas.shape), scale, bits)
    _commit(rng, new_state)
    return out


def accumulate_fixed(target: SymTensor, inc: SymTensor, rounding: str = HALF_AWAY) -> SymTensor:
    """t_i + rescale_to_acc(inc_i, s_inc, s_t), checked against the target's
    declared width (SYM_ERR_INT_OVERFLOW instead of UB). Scale kept. HALF_AWAY only."""
    target = _check_tensor(target, "target")
    inc = _check_tensor(inc, "inc")
    _check_same_length(target, inc)
    bits = check_bits(target.q_max_bits, DECLARED_BITS, "target.q_max_bits")
    rounding = check_rounding(rounding, (HALF_AWAY,))
    r = _rescale_f32(inc.mantissas.ravel(), inc.scale, target.scale)
    ok = _guard_ok(r)
    add = np.zeros(r.shape, dtype=np.int64)
    add[ok] = _round_away_f64(r[ok]).astype(np.int64)
    total = target.mantissas.ravel().astype(np.int64) + add
    lo, hi = q_min(bits), q_max(bits)
    bad_sum = (total < lo) | (total > hi)
    first_bad = np.flatnonzero(~ok | bad_sum)
    if first_bad.size:
        i = int(first_bad[0])
        if not ok[i]:
            raise SymError("SYM_ERR_RANGE_GUARD", f"inc[{i}]", int(inc.mantissas.ravel()[i]),
                           f"(float)inc * s_inc / s_t = {float(r[i])!r} exceeds the accumulator guard "
                           f"|r| <= {RESCALE_GUARD}")
        raise SymError("SYM_ERR_INT_OVERFLOW", f"target[{i}]", int(total[i]),
                       f"t + rescale(inc) must stay in [{lo}, {hi}] (the target's {bits}-bit width)")
    return SymTensor(total.astype(np.int32).reshape(target.mantissas.shape), target.scale, bits)
