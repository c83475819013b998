"""The C reference kernels (``kernels/``) through cffi: the ``sv.kernels`` backend.

Same functions and signatures as ``sv.emulate`` (see API.md). Arguments are
validated here with the helpers of :mod:`symverify.types`, and the C kernels
validate everything again themselves. Each kernel makes one call of its
error-detail entry point ``sym_<kernel>_ex`` (kernels/include), and a
non-zero status becomes a :class:`symverify.SymError` built from the
``sym_err`` the C filled: the argument it names, the element index it gives
(with that element's value) and its reason. Functions
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
from .errors import STATUS_CODES, SymError, status_name
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


def _round_ctx(rounding: str, rbuf: Any, order: str = "ratio") -> dict[str, Any]:
    """The ``sym_round_ctx`` fields of a call (``rbuf`` from :func:`_rng_buffer`)."""
    return {"mode": _ROUNDING_C[rounding], "order": _ORDER_C[order], "rng_state": rbuf}


def _out_view(ffi: Any, out: np.ndarray) -> Any:
    """A ``sym_view *`` over the fresh int32 buffer ``out`` (scale and width set by the C)."""
    return ffi.new("sym_view *", {"m": ffi.cast("int32_t *", ffi.from_buffer(out)), "n": int(out.size)})


def _cview(ffi: Any, m: np.ndarray, scale: Any, bits: int) -> dict[str, Any]:
    """The ``sym_cview`` fields over the fresh int32 buffer ``m``."""
    return {"m": ffi.cast("const int32_t *", ffi.from_buffer(m)), "n": int(m.size), "scale": float(scale),
            "bits": int(bits)}


def _raise_c(ffi: Any, status: int, entry: str, err: Any, fields: dict[str, tuple[str, Any]],
             elements: dict[str, tuple[str, np.ndarray]] | None = None,
             absmax: Callable[[int], Any] | None = None, context: str = "") -> None:
    """Return for status 0, else raise the SymError of a failed ``entry``
    call from the ``sym_err`` it filled. ``fields`` maps a C field name to
    the Python (argument, value); ``elements`` maps a C tensor name to its
    Python label and the buffer the C read, so an element fault names
    ``label[index]`` and that element's value; ``absmax(i)`` is the value
    of the absmax at the element SCALE_UNDERFLOW names; ``context`` is added
    (in parentheses) to the rule of an element fault."""
    if status == 0:
        return
    name = status_name(status)
    if name not in STATUS_CODES:
        raise SymError("SYM_ERR_BAD_TYPE", entry, int(status), f"{entry} returned an unknown status")
    arg = ffi.string(err.arg).decode() if err.arg != ffi.NULL else entry
    rule = f"{entry}: " + (ffi.string(err.reason).decode() if err.reason != ffi.NULL else name)
    i = int(err.index)
    element = (elements or {}).get(arg)
    if element is not None and 0 <= i < element[1].size:
        label, buf = element
        if name == "SYM_ERR_SCALE_UNDERFLOW" and absmax is not None:
            where = f"the absmax is at {label}[{i}]"
            raise SymError(name, "absmax", float(absmax(i)), f"{rule} ({where}; {context})" if context
                           else f"{rule} ({where})")
        raise SymError(name, f"{label}[{i}]", buf[i].item(), f"{rule} ({context})" if context else rule)
    argument, value = fields.get(arg, (arg, None))
    raise SymError(name, argument, value, rule)


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
    err = ffi.new("sym_err *")
    status = lib.sym_round_half_away_ex(ffi.new("sym_round_half_away_args *", {"x": float(f), "out": out}), err)
    _raise_c(ffi, status, "sym_round_half_away_ex", err, {"x": ("x", x)})
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
    rbuf = _rng_buffer(ffi, rounding, rng)
    out = _out_view(ffi, m)
    err = ffi.new("sym_err *")
    args = ffi.new("sym_float_to_sym_args *", {"x": ffi.cast("const float *", ffi.from_buffer(xs)), "n": n,
                                               "q_max_bits": bits, "round": _round_ctx(rounding, rbuf),
                                               "out": out})
    status = lib.sym_float_to_sym_ex(args, err)
    _raise_c(ffi, status, "sym_float_to_sym_ex", err, _round_fields(bits, rounding, rng),
             {"x": ("x", xs)}, lambda i: np.abs(xs[i]), f"qMax = {q_max(bits)}")
    _rng_writeback(rounding, rng, rbuf)
    return SymTensor(m.reshape(raw.shape), np.float32(out.scale), bits)


def _round_fields(bits: int, rounding: str, rng: Rng | None) -> dict[str, tuple[str, Any]]:
    """The Python argument of each C width / rounding field."""
    return {"q_max_bits": ("q_max_bits", bits), "round.mode": ("rounding", rounding),
            "round.rng_state": ("rng_state", rng), "target.bits": ("target.q_max_bits", bits)}


def sym_to_float(t: SymTensor) -> np.ndarray:
    """SYM -> float32: (float)m * scale, same shape as ``t.mantissas``."""
    t = _check_tensor(t, "t")
    m = _fresh_mantissas(t)
    _check_len(int(m.size), "t")
    ffi, lib = ffi_lib()
    y = np.empty(m.size, dtype=np.float32)
    err = ffi.new("sym_err *")
    args = ffi.new("sym_sym_to_float_args *", {"t": _cview(ffi, m, t.scale, t.q_max_bits),
                                               "y": ffi.cast("float *", ffi.from_buffer(y))})
    status = lib.sym_sym_to_float_ex(args, err)
    _raise_c(ffi, status, "sym_sym_to_float_ex", err, {"t.scale": ("t.scale", t.scale)},
             {"t": ("t.mantissas", m)}, context=f"scale = {float(t.scale)!r}")
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
    dst = np.empty(n, dtype=np.int32)
    out = _out_view(ffi, dst)
    err = ffi.new("sym_err *")
    args = ffi.new("sym_int_to_sym_args *", {"m": ffi.cast("const int32_t *", ffi.from_buffer(src)), "n": n,
                                             "out": out})
    _raise_c(ffi, lib.sym_int_to_sym_ex(args, err), "sym_int_to_sym_ex", err, {})
    return SymTensor(dst.reshape(raw.shape), np.float32(out.scale), 32)


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
    dst = np.empty(n, dtype=np.int32)
    rbuf = _rng_buffer(ffi, rounding, rng)
    out = _out_view(ffi, dst)
    err = ffi.new("sym_err *")
    args = ffi.new("sym_requant_dynamic_args *", {"t": _cview(ffi, m, t.scale, t.q_max_bits), "q_max_bits": bits,
                                                  "round": _round_ctx(rounding, rbuf, order), "out": out})
    status = lib.sym_requant_dynamic_ex(args, err)

    def absmax(i: int) -> np.float32:
        with np.errstate(over="ignore"):
            return np.abs(np.float32(m[i]) * np.float32(t.scale))

    _raise_c(ffi, status, "sym_requant_dynamic_ex", err,
             {**_round_fields(bits, rounding, rng), "t.scale": ("t.scale", t.scale), "round.order": ("order", order)},
             {"t": ("t.mantissas", m)}, absmax, f"s_in = {float(t.scale)!r}, qMax = {q_max(bits)}")
    _rng_writeback(rounding, rng, rbuf)
    return SymTensor(dst.reshape(t.mantissas.shape), np.float32(out.scale), bits)


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
    dst = np.empty(n, dtype=np.int32)
    rbuf = _rng_buffer(ffi, rounding, rng)
    out = _out_view(ffi, dst)
    err = ffi.new("sym_err *")
    args = ffi.new("sym_requant_fixed_args *", {"t": _cview(ffi, m, t.scale, t.q_max_bits),
                                                "target_scale": float(target), "q_max_bits": bits,
                                                "round": _round_ctx(rounding, rbuf), "out": out})
    status = lib.sym_requant_fixed_ex(args, err)
    _raise_c(ffi, status, "sym_requant_fixed_ex", err,
             {**_round_fields(bits, rounding, rng), "t.scale": ("t.scale", t.scale),
              "target_scale": ("target_scale", target_scale)})
    _rng_writeback(rounding, rng, rbuf)
    return SymTensor(dst.reshape(t.mantissas.shape), target, bits)


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
    err = ffi.new("sym_err *")
    args = ffi.new("sym_rescale_to_acc_args *", {"q": qi, "param_scale": float(s_p), "acc_scale": float(s_acc),
                                                 "out": out})
    status = lib.sym_rescale_to_acc_ex(args, err)
    _raise_c(ffi, status, "sym_rescale_to_acc_ex", err,
             {"q": ("q", qi), "param_scale": ("param_scale", param_scale), "acc_scale": ("acc_scale", acc_scale)})
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


def _pair_fields(target: SymTensor, inc: SymTensor, tm: np.ndarray, im: np.ndarray) -> dict[str, tuple[str, Any]]:
    return {"target.scale": ("target.scale", target.scale), "inc.scale": ("inc.scale", inc.scale),
            "inc.n": ("inc", (int(tm.size), int(im.size)))}


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
    _check_len(int(tm.size), "target")
    ffi, lib = ffi_lib()
    dst = np.empty(tm.size, dtype=np.int32)
    rbuf = _rng_buffer(ffi, rounding, rng)
    out = _out_view(ffi, dst)
    err = ffi.new("sym_err *")
    args = ffi.new("sym_accumulate_dynamic_args *", {"target": _cview(ffi, tm, target.scale, bits),
                                                     "inc": _cview(ffi, im, inc.scale, inc.q_max_bits),
                                                     "round": _round_ctx(rounding, rbuf), "out": out})
    status = lib.sym_accumulate_dynamic_ex(args, err)

    def absmax(i: int) -> np.float32:
        with np.errstate(over="ignore", invalid="ignore"):
            return np.abs(np.float32(tm[i]) * np.float32(target.scale) + np.float32(im[i]) * np.float32(inc.scale))

    _raise_c(ffi, status, "sym_accumulate_dynamic_ex", err,
             {**_round_fields(bits, rounding, rng), **_pair_fields(target, inc, tm, im)},
             {"inc": ("inc.mantissas", im), "target": ("target.mantissas", tm)}, absmax,
             f"s_t = {float(target.scale)!r}, s_inc = {float(inc.scale)!r}, qMax = {q_max(bits)}")
    _rng_writeback(rounding, rng, rbuf)
    return SymTensor(dst.reshape(target.mantissas.shape), np.float32(out.scale), bits)


def accumulate_fixed(target: SymTensor, inc: SymTensor, rounding: str = HALF_AWAY) -> SymTensor:
    """Fixed-scale accumulate: t_i + rescale_to_acc(inc_i, s_inc, s_t) as a
    checked int32 add inside target's declared width; target's scale kept."""
    target, inc = _check_pair(target, inc)
    bits = check_bits(target.q_max_bits, DECLARED_BITS, "target.q_max_bits")
    check_rounding(rounding, (HALF_AWAY,))
    tm = _fresh_mantissas(target)
    im = _fresh_mantissas(inc)
    _check_len(int(tm.size), "target")
    ffi, lib = ffi_lib()
    dst = np.empty(tm.size, dtype=np.int32)
    out = _out_view(ffi, dst)
    err = ffi.new("sym_err *")
    args = ffi.new("sym_accumulate_fixed_args *", {"target": _cview(ffi, tm, target.scale, bits),
                                                   "inc": _cview(ffi, im, inc.scale, inc.q_max_bits), "out": out})
    status = lib.sym_accumulate_fixed_ex(args, err)
    _raise_c(ffi, status, "sym_accumulate_fixed_ex", err,
             {"target.bits": ("target.q_max_bits", bits), **_pair_fields(target, inc, tm, im)},
             {"inc": ("inc.mantissas", im), "target": ("target.mantissas", tm)},
             context=f"s_t = {float(target.scale)!r}, s_inc = {float(inc.scale)!r}, {bits}-bit range "
                     f"[{q_min(bits)}, {q_max(bits)}]")
    return SymTensor(dst.reshape(target.mantissas.shape), target.scale, bits)


def selftest_fp() -> FpSelftest:
    """Run ``sym_selftest_fp`` of the loaded kernel library: detects FMA
    contraction in the build, flush-to-zero / denormals-are-zero and a
    rounding mode other than nearest-even in the calling thread. Never
    raises for a detected fault; check ``.ok`` / ``.faults``."""
    return run_selftest(*ffi_lib())
