"""The SYM tensor type, rounding modes, widths and the explicit xorshift32 RNG.

Everything here is shared by both backends (``symverify.kernels`` and
``symverify.emulate``); no arithmetic lives here beyond validation.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import SymError

HALF_AWAY = "half_away"
SR_HALF_AWAY = "sr_half_away"
ROUNDING_MODES = (HALF_AWAY, SR_HALF_AWAY)
REQUANT_ORDERS = ("ratio", "clamp_first")

#: Declared widths a tensor may carry (32 = raw int32 accumulator range).
DECLARED_BITS = range(2, 33)
#: Output widths of the requant primitives and dynamic accumulate (SPEC 4).
OUTPUT_BITS = range(2, 17)
#: Output widths of float -> SYM conversion (SPEC 1: 17..31 conversions only).
CONVERSION_BITS = range(2, 32)

FLOAT32_MIN_NORMAL = np.float32(np.finfo(np.float32).tiny)  # 2^-126


def q_max(bits: int) -> int:
    """Largest mantissa of a ``bits``-wide SYM tensor: 2^(bits-1) - 1."""
    return (1 << (bits - 1)) - 1


def q_min(bits: int) -> int:
    """Smallest mantissa of a ``bits``-wide SYM tensor: -2^(bits-1)."""
    return -(1 << (bits - 1))


def check_bits(bits: Any, allowed: range, argument: str = "q_max_bits") -> int:
    """Return ``bits`` as int if it lies in ``allowed``, else raise BAD_WIDTH."""
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)) or int(bits) not in allowed:
        raise SymError("SYM_ERR_BAD_WIDTH", argument, bits,
                       f"width must be an integer in {allowed.start}..{allowed.stop - 1}")
    return int(bits)


def check_real(x: Any, argument: str) -> Any:
    """Group 1 (types) of the error precedence for a scalar parameter
    (target_scale, param_scale, acc_scale, eps, lr): ``x`` must be a real
    number (int, float, numpy integer or floating scalar; not bool, str,
    None, a sequence or an array), else BAD_TYPE. Returns ``x``; its value is
    checked later (group 8, BAD_SCALE)."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (numbers.Real, np.integer, np.floating)):
        raise SymError("SYM_ERR_BAD_TYPE", argument, x, f"{argument} must be a real number")
    return x


def check_scale(scale: Any, argument: str = "scale") -> np.float32:
    """Return ``scale`` as float32 if it is a valid scale (positive, finite,
    normal float32 after conversion to float32), else raise BAD_SCALE."""
    try:
        with np.errstate(over="ignore"):  # 1e39 becomes inf and is rejected below
            as_f32 = np.float32(scale)
    except (TypeError, ValueError) as exc:
        raise SymError("SYM_ERR_BAD_SCALE", argument, scale, "a scale must be a float32 number") from exc
    if not np.isfinite(as_f32) or as_f32 < FLOAT32_MIN_NORMAL:
        raise SymError("SYM_ERR_BAD_SCALE", argument, scale,
                       "a scale must be a positive, finite, normal float32 (>= 2^-126)")
    return as_f32


def check_rounding(rounding: Any, allowed: tuple[str, ...] = ROUNDING_MODES) -> str:
    """Return ``rounding`` if it names an allowed mode, else raise BAD_ROUNDING."""
    if rounding not in allowed:
        raise SymError("SYM_ERR_BAD_ROUNDING", "rounding", rounding, f"rounding must be one of {allowed}")
    return rounding


def check_order(order: Any) -> str:
    """Return ``order`` if it names a requant expression order, else raise BAD_ORDER."""
    if order not in REQUANT_ORDERS:
        raise SymError("SYM_ERR_BAD_ORDER", "order", order, f"order must be one of {REQUANT_ORDERS}")
    return order


class Rng:
    """Explicit xorshift32 state (shifts 13, 17, 5). ``state`` is a uint32 that
    never is 0: seed 0 maps to 0xFFFFFFFF. Kernels advance it by one draw per
    rounded element; it is never a hidden global."""

    __slots__ = ("_state",)

    def __init__(self, seed: int) -> None:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) <= 0xFFFFFFFF:
            raise SymError("SYM_ERR_BAD_RNG", "seed", seed, "seed must be an integer in 0..2^32-1")
        self._state = int(seed) or 0xFFFFFFFF

    @property
    def state(self) -> int:
        return self._state

    @state.setter
    def state(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 < int(value) <= 0xFFFFFFFF:
            raise SymError("SYM_ERR_BAD_RNG", "rng_state.state", value, "state must be in 1..2^32-1")
        self._state = int(value)

    def copy(self) -> "Rng":
        twin = Rng(1)
        twin._state = self._state
        return twin

    def __repr__(self) -> str:
        return f"Rng(state=0x{self._state:08X})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rng) and other._state == self._state


def check_rng(rounding: str, rng_state: Any) -> "Rng | None":
    """SR needs an ``Rng``; HALF_AWAY ignores ``rng_state`` (may be None)."""
    if rounding == SR_HALF_AWAY and not isinstance(rng_state, Rng):
        raise SymError("SYM_ERR_NULL", "rng_state", rng_state, "SR_HALF_AWAY needs an sv.Rng(seed)")
    if rng_state is not None and not isinstance(rng_state, Rng):
        raise SymError("SYM_ERR_BAD_RNG", "rng_state", rng_state, "rng_state must be an sv.Rng or None")
    return rng_state


def _first_bad(values: np.ndarray, lo: int, hi: int) -> int | None:
    """Flat index of the first value outside [lo, hi], compared without any
    lossy cast (unsigned kinds as uint64, signed as int64), or None."""
    flat = values.ravel()
    if flat.dtype.kind == "u":
        bad = np.flatnonzero(flat.astype(np.uint64) > np.uint64(hi))
    else:
        wide = flat.astype(np.int64)
        bad = np.flatnonzero((wide < lo) | (wide > hi))
    return int(bad[0]) if bad.size else None


def as_integer_array(given: Any) -> np.ndarray:
    """``given`` as an array without losing what the caller wrote: an ndarray
    as is, anything else as an object array (``np.asarray`` would turn
    ``[True, 2]`` into ``[1, 2]`` and ``[2**64]`` into an object array anyway)."""
    return given if isinstance(given, np.ndarray) else np.asarray(given, dtype=object)


def checked_int32(raw: np.ndarray, lo: int, hi: int, argument: str = "mantissas",
                  rule: str | None = None) -> np.ndarray:
    """``raw`` as a fresh int32 array of the same shape if every value is an
    integer in [lo, hi] (a sub-range of int32); else SymError naming the first
    offending element ``argument[i]`` (flat index) with its value as given:
    the range is checked before any cast, so 2^64 - 1 is reported as itself,
    not as a wrapped -1. Integer dtypes of any width and signedness and object
    arrays of Python / numpy ints are accepted (INT_OVERFLOW when out of
    range); bool, float (fractional or not), complex, str and other elements
    are BAD_TYPE."""
    rule = rule or f"values must lie in [{lo}, {hi}]"
    if raw.dtype.kind == "O":
        flat = raw.ravel()
        for i, v in enumerate(flat):
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
                raise SymError("SYM_ERR_BAD_TYPE", f"{argument}[{i}]", v,
                               f"{argument} must be integers, got {type(v).__name__}")
        for i, v in enumerate(flat):
            if not lo <= int(v) <= hi:
                raise SymError("SYM_ERR_INT_OVERFLOW", f"{argument}[{i}]", int(v), rule)
        return np.array([int(v) for v in flat], dtype=np.int32).reshape(raw.shape)
    if raw.dtype.kind not in "iu":
        first = raw.ravel()[0] if raw.size else None
        raise SymError("SYM_ERR_BAD_TYPE", argument, raw.dtype,
                       f"{argument} must be an integer array (int32), got dtype {raw.dtype} "
                       f"(first value {first!r})")
    i = _first_bad(raw, lo, hi)
    if i is not None:
        raise SymError("SYM_ERR_INT_OVERFLOW", f"{argument}[{i}]", int(raw.ravel()[i]), rule)
    return raw.astype(np.int32, copy=True)


@dataclass(frozen=True, eq=False)
class SymTensor:
    """int32 mantissas + one float32 scale + a declared width.

    Contract: ``mantissas`` is a non-empty integer array whose values all lie in
    [qMin, qMax] of ``q_max_bits`` (2..32; 32 = any int32); it is stored as a
    read-only int32 copy. ``scale`` is a valid scale (positive, finite, normal
    float32). Violations raise ``SymError``. Real value = mantissa * scale.
    """

    mantissas: np.ndarray
    scale: np.float32
    q_max_bits: int

    def __post_init__(self) -> None:
        bits = check_bits(self.q_max_bits, DECLARED_BITS)
        raw = as_integer_array(self.mantissas)
        if raw.size == 0:
            raise SymError("SYM_ERR_EMPTY", "mantissas", raw.shape, "a SYM tensor needs at least one element")
        frozen = checked_int32(raw, q_min(bits), q_max(bits), "mantissas",
                               f"mantissas of a {bits}-bit tensor must lie in [{q_min(bits)}, {q_max(bits)}]")
        frozen.setflags(write=False)
        object.__setattr__(self, "mantissas", frozen)
        object.__setattr__(self, "scale", check_scale(self.scale))
        object.__setattr__(self, "q_max_bits", bits)

    def __len__(self) -> int:
        return int(self.mantissas.size)

    def same_bits(self, other: "SymTensor") -> bool:
        """True if mantissas, scale bit pattern and width are identical."""
        return (self.q_max_bits == other.q_max_bits
                and self.mantissas.shape == other.mantissas.shape
                and bool(np.array_equal(self.mantissas, other.mantissas))
                and self.scale.view(np.uint32) == other.scale.view(np.uint32))

    def __repr__(self) -> str:
        bits = int(self.scale.view(np.uint32))
        return (f"SymTensor(mantissas={self.mantissas.tolist()!r}, scale=np.float32({float(self.scale)!r})"
                f" [0x{bits:08X}], q_max_bits={self.q_max_bits})")
