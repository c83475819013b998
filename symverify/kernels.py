"""The C reference kernels (``kernels/``) through cffi: the ``sv.kernels`` backend.

Same functions and signatures as ``sv.emulate`` (see API.md). Arguments are
validated here with the helpers of :mod:`symverify.types`, and the C kernels
validate everything again themselves; every non-zero C status becomes a
:class:`symverify.SymError` naming the argument and its value. Functions
return new :class:`SymTensor` objects and never modify their arguments (the
mantissas are copied into fresh buffers before a kernel sees them). The
library is compiled and loaded lazily on first use (``symverify.build``); the
variant comes from ``$SYMVERIFY_VARIANT`` (release | sanitize).
"""
from __future__ import annotations

import numbers
from typing import Any, Callable

import numpy as np

from . import registry
from .errors import SymError
from .errors import raise_for_status as _check
from .fpenv import FpSelftest, run_selftest
from .types import (CONVERSION_BITS, DECLARED_BITS, HALF_AWAY, OUTPUT_BITS, SR_HALF_AWAY, Rng,
                    SymTensor, as_integer_array, check_bits, check_order, check_rng, check_rounding,
                    check_real, check_scale, checked_int32, q_max, q_min)

#: Every registered kernel plus this backend's extras (symverify/registry.py).
__all__ = registry.backend_exports(__name__)

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1
_ROUNDING_C = {HALF_AWAY: 0, SR_HALF_AWAY: 1}
_ORDER_C = {"ratio": 0, "clamp_first": 1}

_LIBS: dict[str, tuple[Any, Any]] = {}


def ffi_lib(variant: str | None = None) -> tuple[Any, Any]:
    """``(ffi, lib)`` of the compiled kernel library (built and loaded once per
    variant; ``None`` = ``$SYMVERIFY_VARIANT`` or ``release``). For tests that
    call the raw C functions."""
    from symverify.build import default_variant, load_library

    key = variant or default_variant()
    if key not in _LIBS:
        _LIBS[key] = load_library(key)
    return _LIBS[key]


# ---------------------------------------------------------------- helpers

def _check_tensor(t: Any, argument: str) -> SymTensor:
    if not isinstance(t, SymTensor):
        raise SymError("SYM_ERR_BAD_TYPE", argument, type(t).__name__, f"{argument} must be an sv.SymTensor")
    return t


def _fresh_mantissas(t: SymTensor) -> np.ndarray:
    """A fresh, writable, contiguous, flat int32 copy of ``t``'s mantissas."""
    return np.array(t.mantissas, dtype=np.int32, copy=True, order="C").reshape(-1)


def _check_len(n: int, argument: str) -> int:
    if n > INT32_MAX:
        raise SymError("SYM_ERR_SHAPE", argument, n, "at most 2^31 - 1 elements fit an int32 length")
    return n


def _rng_buffer(ffi: Any, rounding: str, rng: Rng | None) -> Any:
    if rounding == SR_HALF_AWAY:
        assert rng is not None
        return ffi.new("uint32_t[1]", [rng.state])
    return ffi.NULL


def _rng_writeback(rounding: str, rng: Rng | None, buf: Any) -> None:
    if rounding == SR_HALF_AWAY and rng is not None:
        rng.state = int(buf[0])


def _rng_errors(rng: Rng | None) -> dict[str, Callable[[], tuple[str, Any, str]]]:
    return {
        "SYM_ERR_NULL": lambda: ("rng_state", rng, "SR_HALF_AWAY needs an sv.Rng(seed)"),
        "SYM_ERR_BAD_RNG": lambda: ("rng_state.state", None if rng is None else rng.state,
                                    "xorshift32 state must not be 0"),
    }


def _first_index(mask: np.ndarray) -> int:
    idx = np.flatnonzero(mask)
    return int(idx[0]) if idx.size else 0


def _products(m: np.ndarray, scale: np.float32) -> np.ndarray:
    """(float)m * scale in float32, elementwise (for error messages only)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return m.astype(np.float32) * np.float32(scale)


def _as_float32_scalar(x: Any, argument: str) -> np.float32:
    if isinstance(x, bool) or not isinstance(x, (numbers.Real, np.floating, np.integer)):
        raise SymError("SYM_ERR_BAD_TYPE", argument, x, f"{argument} must be a real number")
    with np.errstate(over="ignore", invalid="ignore"):
        return np.float32(x)


# ---------------------------------------------------------------- rounding

def round_half_away(x: float) -> int:
    """C ``roundf`` of ``x`` converted to float32: ties away from zero.
    NaN, inf or a value outside [-2^31, 2^31) -> SYM_ERR_CAST_RANGE."""
    f = _as_float32_scalar(x, "x")
    ffi, lib = ffi_lib()
    out = ffi.new("int32_t[1]")
    status = lib.sym_round_half_away(float(f), out)
    _check(status, "sym_round_half_away", {
        "SYM_ERR_CAST_RANGE": lambda: ("x", x, "round(x) must be finite and inside [-2^31, 2^31) as float32"),
    })
    return int(out[0])


# ---------------------------------------------------------------- conversions

def float_to_sym(x: Any, q_max_bits: int = 12, rounding: str = HALF_AWAY,
                 rng_state: Rng | None = None) -> SymTensor:
    """float32 -> SYM with a dynamic scale (absmax / qMax); same shape as ``x``."""
    # precedence (docs/semantics.md, Errors): type, empty, width, rounding, rng, data
    raw = np.asarray(x)
    if raw.dtype.kind not in "fiu":
        raise SymError("SYM_ERR_BAD_TYPE", "x", raw.dtype, "x must be a real (float32) array")
    if raw.size == 0:
        raise SymError("SYM_ERR_EMPTY", "x", raw.shape, "the absmax of an empty tensor is undefined")
    n = _check_len(int(raw.size), "x")
    bits = check_bits(q_max_bits, CONVERSION_BITS)
    rounding = check_rounding(rounding)
    rng = check_rng(rounding, rng_state)
    with np.errstate(over="ignore", invalid="ignore"):
        xs = np.array(raw, dtype=np.float32, copy=True, order="C").reshape(-1)
    ffi, lib = ffi_lib()
    m = np.empty(n, dtype=np.int32)
    scale = ffi.new("float[1]")
    rbuf = _rng_buffer(ffi, rounding, rng)
    status = lib.sym_float_to_sym(ffi.cast("const float *", ffi.from_buffer(xs)), n, bits,
                                  _ROUNDING_C[rounding], rbuf,
                                  ffi.cast("int32_t *", ffi.from_buffer(m)), scale)

    def nonfinite() -> tuple[str, Any, str]:
        i = _first_index(~np.isfinite(xs))
        return f"x[{i}]", float(xs[i]), "every input value must be finite (no NaN, no inf) as float32"

    def underflow() -> tuple[str, Any, str]:
        a = np.float32(np.max(np.abs(xs)))
        return ("absmax", float(a),
                f"absmax / qMax ({q_max(bits)}) must be a normal float32 (>= 2^-126); absmax is too small")

    _check(status, "sym_float_to_sym", {
        "SYM_ERR_NONFINITE_INPUT": nonfinite,
        "SYM_ERR_SCALE_UNDERFLOW": underflow,
        **_rng_errors(rng),
    })
    _rng_writeback(rounding, rng, rbuf)
    return SymTensor(m.reshape(raw.shape), np.float32(scale[0]), bits)


def sym_to_float(t: SymTensor) -> np.ndarray:
    """SYM -> float32: (float)m * scale, same shape as ``t.mantissas``."""
    t = _check_tensor(t, "t")
    m = _fresh_mantissas(t)
    n = _check_len(int(m.size), "t")
    ffi, lib = ffi_lib()
    y = np.empty(n, dtype=np.float32)
    status = lib.sym_sym_to_float(ffi.cast("const int32_t *", ffi.from_buffer(m)), n, float(t.scale),
                                  ffi.cast("float *", ffi.from_buffer(y)))

    def overflow() -> tuple[str, Any, str]:
        i = _first_index(~np.isfinite(_products(m, t.scale)))
        return (f"t.mantissas[{i}]", int(m[i]),
                f"m * scale overflows float32 (scale = {float(t.scale)!r})")

    _check(status, "sym_sym_to_float", {
        "SYM_ERR_FLOAT_OVERFLOW": overflow,
        "SYM_ERR_BAD_SCALE": lambda: ("t.scale", t.scale, "a scale must be a positive, finite, normal float32"),
    })
    return y.reshape(t.mantissas.shape)


def int_to_sym(m: Any) -> SymTensor:
    """int32 -> SYM: copy, scale 1.0, declared width 32 (raw accumulator range)."""
    raw = as_integer_array(m)
    if raw.dtype.kind not in "iuO":
        raise SymError("SYM_ERR_BAD_TYPE", "m", raw.dtype, "m must be an integer (int32) array")
    if raw.size == 0:
        raise SymError("SYM_ERR_EMPTY", "m", raw.shape, "a SYM tensor needs at least one element")
    raw = checked_int32(raw, INT32_MIN, INT32_MAX, "m", "values must fit int32")
    src = np.array(raw, dtype=np.int32, copy=True, order="C").reshape(-1)
    n = _check_len(int(src.size), "m")
    ffi, lib = ffi_lib()
    out = np.empty(n, dtype=np.int32)
    scale = ffi.new("float[1]")
    status = lib.sym_int_to_sym(ffi.cast("const int32_t *", ffi.from_buffer(src)), n,
                                ffi.cast("int32_t *", ffi.from_buffer(out)), scale)
    _check(status, "sym_int_to_sym", {})
    return SymTensor(out.reshape(raw.shape), np.float32(scale[0]), 32)


# ---------------------------------------------------------------- requant

def requant_dynamic(t: SymTensor, q_max_bits: int, rounding: str = HALF_AWAY, order: str = "ratio",
                    rng_state: Rng | None = None) -> SymTensor:
    """Dynamic requant to width ``q_max_bits`` (2..16): new scale absmax / qMax;
    ``order`` is "ratio" or "clamp_first"."""
    t = _check_tensor(t, "t")
    bits = check_bits(q_max_bits, OUTPUT_BITS)
    rounding = check_rounding(rounding)
    order = check_order(order)
    rng = check_rng(rounding, rng_state)
    m = _fresh_mantissas(t)
    n = _check_len(int(m.size), "t")
    ffi, lib = ffi_lib()
    out = np.empty(n, dtype=np.int32)
    s_out = ffi.new("float[1]")
    rbuf = _rng_buffer(ffi, rounding, rng)
    status = lib.sym_requant_dynamic(ffi.cast("const int32_t *", ffi.from_buffer(m)), n, float(t.scale),
                                     bits, _ROUNDING_C[rounding], _ORDER_C[order], rbuf,
                                     ffi.cast("int32_t *", ffi.from_buffer(out)), s_out)

    def overflow() -> tuple[str, Any, str]:
        i = _first_index(~np.isfinite(_products(m, t.scale)))
        return (f"t.mantissas[{i}]", int(m[i]),
                f"|m * s_in| overflows float32 (s_in = {float(t.scale)!r}): absmax is inf")

    def underflow() -> tuple[str, Any, str]:
        a = np.float32(np.max(np.abs(_products(m, t.scale))))
        return ("absmax", float(a),
                f"absmax / qMax ({q_max(bits)}) must be a normal float32 (>= 2^-126); absmax is too small")

    _check(status, "sym_requant_dynamic", {
        "SYM_ERR_FLOAT_OVERFLOW": overflow,
        "SYM_ERR_SCALE_UNDERFLOW": underflow,
        **_rng_errors(rng),
    })
    _rng_writeback(rounding, rng, rbuf)
    return SymTensor(out.reshape(t.mantissas.shape), np.float32(s_out[0]), bits)


def requant_fixed(t: SymTensor, target_scale: Any, q_max_bits: int, rounding: str = HALF_AWAY,
                  rng_state: Rng | None = None) -> SymTensor:
    """Fixed-scale requant into ``target_scale`` at width ``q_max_bits`` (2..16);
    saturates by design, the target scale is kept."""
    t = _check_tensor(t, "t")
    check_real(target_scale, "target_scale")
    bits = check_bits(q_max_bits, OUTPUT_BITS)
    rounding = check_rounding(rounding)
    rng = check_rng(rounding, rng_state)
    target = check_scale(target_scale, "target_scale")
    m = _fresh_mantissas(t)
    n = _check_len(int(m.size), "t")
    ffi, lib = ffi_lib()
    out = np.empty(n, dtype=np.int32)
    rbuf = _rng_buffer(ffi, rounding, rng)
    status = lib.sym_requant_fixed(ffi.cast("const int32_t *", ffi.from_buffer(m)), n, float(t.scale),
                                   float(target), bits, _ROUNDING_C[rounding], rbuf,
                                   ffi.cast("int32_t *", ffi.from_buffer(out)))
    _check(status, "sym_requant_fixed", {
        "SYM_ERR_BAD_SCALE": lambda: ("target_scale", target_scale,
                                      "a scale must be a positive, finite, normal float32"),
        **_rng_errors(rng),
    })
    _rng_writeback(rounding, rng, rbuf)
    return SymTensor(out.reshape(t.mantissas.shape), target, bits)


def _check_q(q: Any) -> int:
    if isinstance(q, bool) or not isinstance(q, (numbers.Integral, np.integer)):
        raise SymError("SYM_ERR_BAD_TYPE", "q", q, "q must be an int32 mantissa")
    if not INT32_MIN <= int(q) <= INT32_MAX:
        raise SymError("SYM_ERR_INT_OVERFLOW", "q", q, "q must fit int32")
    return int(q)


def rescale_to_acc(q: int, param_scale: Any, acc_scale: Any, rounding: str = HALF_AWAY) -> int:
    """round(((float)q * param_scale) / acc_scale) with the accumulator headroom
    guard |r| <= 2^31 - 1 - 32768*32767; HALF_AWAY only."""
    qi = _check_q(q)
    check_real(param_scale, "param_scale")
    check_real(acc_scale, "acc_scale")
    check_rounding(rounding, (HALF_AWAY,))
    s_p = check_scale(param_scale, "param_scale")
    s_acc = check_scale(acc_scale, "acc_scale")
    ffi, lib = ffi_lib()
    out = ffi.new("int32_t[1]")
    status = lib.sym_rescale_to_acc(qi, float(s_p), float(s_acc), out)

    def guard() -> tuple[str, Any, str]:
        with np.errstate(over="ignore", invalid="ignore"):
            r = (np.float32(qi) * s_p) / s_acc
        return ("q", qi, f"r = q * param_scale / acc_scale = {float(r)!r} exceeds the guard "
                         f"|r| <= 1073774591 (2^31 - 1 - 32768*32767)")

    _check(status, "sym_rescale_to_acc", {"SYM_ERR_RANGE_GUARD": guard})
    return int(out[0])


# ---------------------------------------------------------------- accumulate

def _check_pair(target: Any, inc: Any) -> tuple[SymTensor, SymTensor]:
    target = _check_tensor(target, "target")
    inc = _check_tensor(inc, "inc")
    if target.mantissas.shape != inc.mantissas.shape:
        raise SymError("SYM_ERR_SHAPE", "inc", inc.mantissas.shape,
                       f"inc must have the shape of target {target.mantissas.shape}, got {inc.mantissas.shape} "
                       f"(lengths {target.mantissas.size} and {inc.mantissas.size})")
    return target, inc


def accumulate_dynamic(target: SymTensor, inc: SymTensor, rounding: str = HALF_AWAY,
                       rng_state: Rng | None = None) -> SymTensor:
    """Dynamic accumulate: v = t*s_t + inc*s_inc (float32); new scale
    max|v| / qMax_t; result at target's width (2..16)."""
    target, inc = _check_pair(target, inc)
    bits = check_bits(target.q_max_bits, OUTPUT_BITS, "target.q_max_bits")
    rounding = check_rounding(rounding)
    rng = check_rng(rounding, rng_state)
    tm = _fresh_mantissas(target)
    im = _fresh_mantissas(inc)
    n = _check_len(int(tm.size), "target")
    ffi, lib = ffi_lib()
    s_t = ffi.new("float[1]", [float(target.scale)])
    rbuf = _rng_buffer(ffi, rounding, rng)
    status = lib.sym_accumulate_dynamic(ffi.cast("int32_t *", ffi.from_buffer(tm)), n, s_t, bits,
                                        ffi.cast("const int32_t *", ffi.from_buffer(im)), int(im.size),
                                        float(inc.scale), _ROUNDING_C[rounding], rbuf)

    def values() -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            return _products(tm, target.scale) + _products(im, inc.scale)

    def overflow() -> tuple[str, Any, str]:
        i = _first_index(~np.isfinite(values()))
        return (f"inc.mantissas[{i}]", int(im[i]),
                f"v = t*s_t + inc*s_inc overflows float32 at element {i} "
                f"(target mantissa {int(tm[i])}, s_t = {float(target.scale)!r}, s_inc = {float(inc.scale)!r})")

    def underflow() -> tuple[str, Any, str]:
        a = np.float32(np.max(np.abs(values())))
        return ("absmax", float(a),
                f"absmax / qMax ({q_max(bits)}) must be a normal float32 (>= 2^-126); absmax is too small")

    _check(status, "sym_accumulate_dynamic", {
        "SYM_ERR_FLOAT_OVERFLOW": overflow,
        "SYM_ERR_SCALE_UNDERFLOW": underflow,
        "SYM_ERR_SHAPE": lambda: ("inc", (int(tm.size), int(im.size)), "lengths of target and inc differ"),
        **_rng_errors(rng),
    })
    _rng_writeback(rounding, rng, rbuf)
    return SymTensor(tm.reshape(target.mantissas.shape), np.float32(s_t[0]), bits)


def accumulate_fixed(target: SymTensor, inc: SymTensor, rounding: str = HALF_AWAY) -> SymTensor:
    """Fixed-scale accumulate: t_i + rescale_to_acc(inc_i, s_inc, s_t) as a
    checked int32 add inside target's declared width; target's scale kept."""
    target, inc = _check_pair(target, inc)
    bits = check_bits(target.q_max_bits, DECLARED_BITS, "target.q_max_bits")
    check_rounding(rounding, (HALF_AWAY,))
    tm = _fresh_mantissas(target)
    im = _fresh_mantissas(inc)
    n = _check_len(int(tm.size), "target")
    ffi, lib = ffi_lib()
    status = lib.sym_accumulate_fixed(ffi.cast("int32_t *", ffi.from_buffer(tm)), n, float(target.scale), bits,
                                      ffi.cast("const int32_t *", ffi.from_buffer(im)), int(im.size),
                                      float(inc.scale))

    def find(kind: str) -> tuple[str, Any, str]:
        out = ffi.new("int32_t[1]")
        orig = target.mantissas.reshape(-1)
        for i in range(n):
            st = lib.sym_rescale_to_acc(int(im[i]), float(inc.scale), float(target.scale), out)
            if st != 0:
                if kind == "guard":
                    return (f"inc.mantissas[{i}]", int(im[i]),
                            "inc * s_inc / s_t exceeds the rescale guard |r| <= 1073774591")
                continue
            total = int(orig[i]) + int(out[0])
            if kind == "overflow" and not q_min(bits) <= total <= q_max(bits):
                return (f"target.mantissas[{i}]", int(orig[i]),
                        f"t + rescale(inc) = {int(orig[i])} + {int(out[0])} = {total} leaves the "
                        f"{bits}-bit range [{q_min(bits)}, {q_max(bits)}]")
        return ("target", None, f"rejected ({kind})")

    _check(status, "sym_accumulate_fixed", {
        "SYM_ERR_RANGE_GUARD": lambda: find("guard"),
        "SYM_ERR_INT_OVERFLOW": lambda: find("overflow"),
        "SYM_ERR_SHAPE": lambda: ("inc", (int(tm.size), int(im.size)), "lengths of target and inc differ"),
    })
    return SymTensor(tm.reshape(target.mantissas.shape), target.scale, bits)


def selftest_fp() -> FpSelftest:
    """Run ``sym_selftest_fp`` of the loaded kernel library: detects FMA
    contraction in the build, flush-to-zero / denormals-are-zero and a
    rounding mode other than nearest-even in the calling thread. Never
    raises for a detected fault; check ``.ok`` / ``.faults``."""
    return run_selftest(*ffi_lib())
