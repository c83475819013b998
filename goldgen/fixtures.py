"""The golden fixture catalog: every named input the golden vectors are made of.

Declarative data only. A fixture names a kernel of the public API
(``symverify.kernels`` / ``symverify.emulate``, see ``shared/API.md``), its
arguments in a canonical, JSON-able encoding, and a one-line purpose. The
generator (:mod:`symverify.goldgen.generate`) evaluates each fixture with the
float32 emulator and writes the expected outputs; the tests replay them on the
C kernels.

Argument encoding (also used verbatim in ``goldgen/vectors/<family>.json``):

* float32 value: ``"0x40200000"`` (8 hex digits, the IEEE-754 bit pattern);
* float64 value (only ``round_half_away``'s ``x``, which the API takes as a
  Python float and converts to float32 first): ``"0x4004000000000000"``
  (16 hex digits);
* float32 array: a list of float32 strings; int32 array: a list of ints;
* SYM tensor: ``{"mantissas": [...], "scale": "0x...", "q_max_bits": b}`` or
  ``{"int_to_sym": [...]}`` = the tensor the backend's ``int_to_sym`` builds
  from these int32 values (accumulator range, scale 1.0, width 32);
* ``rounding`` / ``order``: the API strings (``"half_away"``, ``"ratio"``...);
* ``seed``: SR fixtures pass ``rng_state=Rng(seed)``; the golden vector records
  the initial and final ``Rng.state``.

Flags:

* ``tie=True``: non-vacuity check. The fixture must contain an exact .5 tie whose
  half-away result differs both from half-to-even and from truncation (computed
  by the generator in plain Python on the same float32 values); otherwise the
  generator refuses the catalog.
* ``differs_from=NAME``: the expected result must differ from fixture NAME's
  (used for the two requant orders); otherwise the generator refuses.
* ``in_place=True``: firmware harnesses call the kernel with in == out for this
  vector (the Python golden test replays every in-place-capable vector both ways).
"""
from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from symverify import registry
from symverify.xorshift import xorshift32_inverse

HA = "half_away"
SR = "sr_half_away"

#: kernel name -> family (the JSON / header file it lands in): the registered
#: primitives (symverify/registry.py; layer kernels: goldgen/layer_fixtures.py)
KERNEL_FAMILY: dict[str, str] = {k.name: k.family for k in registry.KERNELS if k.layer is None}
FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(KERNEL_FAMILY.values()))

#: argument keys per kernel, in API order (the generator checks fixtures
#: against it): the registry's argument layout, an Rng encoded as its seed
KERNEL_ARGS: dict[str, tuple[str, ...]] = {
    name: tuple(a.vector_key for a in registry.kernel(name).args) for name in KERNEL_FAMILY}


# --------------------------------------------------------------------------- encoding
def f32(value: float) -> str:
    """Bit pattern of ``np.float32(value)`` as ``"0xXXXXXXXX"``."""
    return f"0x{int(np.array(value, dtype=np.float32).view(np.uint32)):08X}"


def f32_bits(bits: int) -> str:
    """A float32 given directly by its bit pattern."""
    return f"0x{bits & 0xFFFFFFFF:08X}"


def f64(value: float) -> str:
    """Bit pattern of a Python float (binary64) as ``"0x" + 16 hex digits``."""
    return "0x" + struct.pack(">d", value).hex().upper()


def f32s(values) -> list[str]:
    return [f32(v) for v in values]


def tensor(mantissas, scale: float | str, bits: int) -> dict[str, Any]:
    """A SYM tensor argument; ``scale`` is a number or an f32 bit string."""
    s = scale if isinstance(scale, str) else f32(scale)
    return {"mantissas": [int(m) for m in mantissas], "scale": s, "q_max_bits": int(bits)}


def acc(values) -> dict[str, Any]:
    """Raw accumulator-range input: the backend's ``int_to_sym(values)``."""
    return {"int_to_sym": [int(v) for v in values]}


FLT_MAX = f32_bits(0x7F7FFFFF)
FLT_HALF_MAX = f32(np.float32(3.4028235e38) / np.float32(2))
MIN_NORMAL = f32_bits(0x00800000)          # 2^-126
MIN_SUBNORMAL = f32_bits(0x00000001)       # 2^-149
NAN = f32_bits(0x7FC00000)
INF = f32_bits(0x7F800000)
NEG_INF = f32_bits(0xFF800000)
NEG_ZERO = f32_bits(0x80000000)


def next_down(value: float) -> str:
    """The float32 just below ``value`` (towards -inf)."""
    return f32(np.nextafter(np.float32(value), np.float32(-np.inf)))


def next_up(value: float) -> str:
    return f32(np.nextafter(np.float32(value), np.float32(np.inf)))


# xorshift32 inverse, used only to DESIGN seeds whose first draw hits a chosen
# state (u = 0 and u = 1 - 2^-24 corners). Not part of any evaluation.
def seed_for_first_state(state: int) -> int:
    """The seed whose first xorshift32 draw (13, 17, 5) yields ``state``."""
    return xorshift32_inverse(state)


#: first draw has state 1 -> u = (1 >> 8) / 2^24 = 0 exactly
SEED_U_ZERO = seed_for_first_state(0x00000001)
#: first draw has state 0xFFFFFFFF -> u = 1 - 2^-24 (the largest draw)
SEED_U_MAX = seed_for_first_state(0xFFFFFFFF)
#: first draw has state 0x80000000 -> u = 2^23 / 2^24 = 0.5 exactly
SEED_U_HALF = seed_for_first_state(0x80000000)


# --------------------------------------------------------------------------- catalog
@dataclass(frozen=True)
class Fixture:
    name: str
    kernel: str
    args: dict[str, Any]
    purpose: str
    tie: bool = False
    differs_from: str | None = None
    in_place: bool = False
    family: str = field(init=False)

    def __post_init__(self) -> None:
        if self.kernel not in KERNEL_FAMILY:
            raise ValueError(f"fixture {self.name!r}: unknown kernel {self.kernel!r}")
        unknown = set(self.args) - set(KERNEL_ARGS[self.kernel])
        if unknown:
            raise ValueError(f"fixture {self.name!r}: unknown arguments {sorted(unknown)} for {self.kernel}")
        object.__setattr__(self, "family", KERNEL_FAMILY[self.kernel])

    def canonical(self) -> dict[str, Any]:
        """The fixture as plain JSON data (what the fixture hash covers)."""
        out: dict[str, Any] = {"name": self.name, "kernel": self.kernel, "purpose": self.purpose,
                               "args": self.args}
        if self.tie:
            out["tie"] = True
        if self.differs_from:
            out["differs_from"] = self.differs_from
        if self.in_place:
            out["in_place"] = True
        return out


def _round_family() -> Iterator[Fixture]:
    K = "round_half_away"

    def fx(name, x, purpose, **kw):
        return Fixture(name, K, {"x": x}, purpose, **kw)

    yield fx("tie_pos_2_5", f32(2.5), "2.5 -> 3 (half-even 2, truncation 2)", tie=True)
    yield fx("tie_neg_2_5", f32(-2.5), "-2.5 -> -3 (half-even -2, truncation -2)", tie=True)
    yield fx("tie_pos_0_5", f32(0.5), "0.5 -> 1: the smallest positive tie", tie=True)
    yield fx("tie_neg_0_5", f32(-0.5), "-0.5 -> -1: the smallest negative tie", tie=True)
    yield fx("tie_pos_large", f32(8388606.5), "8388606.5 -> 8388607: largest float32 tie that separates half-even", tie=True)
    yield fx("tie_neg_large", f32(-8388606.5), "-8388606.5 -> -8388607: largest negative separating tie", tie=True)
    yield fx("tie_pos_2pow22", f32(4194304.5), "2^22 + 0.5 -> 2^22 + 1 (ulp 0.5 here)", tie=True)
    yield fx("tie_1_5_even_agrees", f32(1.5), "1.5 -> 2: half-even agrees, truncation (1) does not")
    yield fx("tie_odd_largest", f32(8388607.5), "2^23 - 0.5 -> 2^23: the largest float32 tie (half-even agrees)")
    yield fx("below_half", next_down(0.5), "0.49999997 -> 0: the classic floor(x + 0.5) bug gives 1")
    yield fx("below_neg_half", next_up(-0.5), "-0.49999997 -> 0 (no negative zero in int32)")
    yield fx("below_tie_2_5", next_down(2.5), "nextafter(2.5, 0) -> 2")
    yield fx("above_tie_2_5", next_up(2.5), "nextafter(2.5, inf) -> 3")
    yield fx("below_neg_tie_2_5", next_up(-2.5), "nextafter(-2.5, 0) -> -2")
    yield fx("zero", f32(0.0), "0 -> 0")
    yield fx("neg_zero", NEG_ZERO, "-0.0 -> 0")
    yield fx("subnormal_pos", MIN_SUBNORMAL, "smallest subnormal -> 0")
    yield fx("subnormal_neg", f32_bits(0x80000001), "negative smallest subnormal -> 0")
    yield fx("integer_2pow23_plus_1", f32(8388609.0), "2^23 + 1 (ulp 1): already an integer")
    yield fx("largest_below_2pow31", f32(2147483520.0), "largest float32 below 2^31 -> 2147483520")
    yield fx("int32_min", f32(-2147483648.0), "-2^31 is in range -> INT32_MIN")
    yield fx("reject_2pow31", f32(2147483648.0), "2^31 is outside int32: CAST_RANGE, never a UB cast")
    yield fx("reject_below_int32_min", next_down(-2147483648.0), "next float32 below -2^31: CAST_RANGE")
    yield fx("reject_flt_max", FLT_MAX, "FLT_MAX: CAST_RANGE")
    yield fx("reject_nan", NAN, "NaN: CAST_RANGE")
    yield fx("reject_inf", INF, "+inf: CAST_RANGE")
    yield fx("reject_neg_inf", NEG_INF, "-inf: CAST_RANGE")
    yield fx("f64_rounds_to_f32_tie", f64(2.4999999999), "a double below 2.5 becomes the float32 tie 2.5 first -> 3")
    yield fx("f64_rounds_to_f32_half", f64(0.49999999999), "a double below 0.5 becomes float32 0.5 first -> 1")
    yield fx("f64_exact_int32_max", f64(2147483647.0), "INT32_MAX as a double becomes float32 2^31: CAST_RANGE")


def _convert_family() -> Iterator[Fixture]:
    F, S, I = "float_to_sym", "sym_to_float", "int_to_sym"

    def fts(name, x, bits, purpose, rounding=HA, seed=None, **kw):
        args: dict[str, Any] = {"x": x, "q_max_bits": bits, "rounding": rounding}
        if seed is not None:
            args["seed"] = seed
        return Fixture(name, F, args, purpose, **kw)

    # --- float -> SYM, HALF_AWAY
    yield fts("basic_b12", f32s([0.5, -1.0, 0.25, 1e-3, -0.7]), 12, "ordinary values, default width 12")
    yield fts("absmax_to_qmax_b8", f32s([3.7, -3.7, 1.1]), 8, "|x| = absmax maps to +-qMax exactly")
    yield fts("tie_b4_unit_scale", f32s([7.0, 2.5, -2.5, 0.5, -0.5, 1.5]), 4,
              "absmax 7 at b=4 gives scale 1: x/scale are exact ties", tie=True)
    yield fts("tie_b2", f32s([1.0, 0.5, -0.5, 0.25]), 2, "b=2 (qMax 1): ties +-0.5 -> +-1", tie=True)
    s16 = 2.0 ** -4
    yield fts("tie_b16_large", f32s([32767 * s16, 32766.5 * s16, -32766.5 * s16, -30000.5 * s16]), 16,
              "large ties at b=16: 32766.5 -> 32767, -30000.5 -> -30001", tie=True)
    yield fts("tie_b12_pow2_scale", f32s([2047 * 0.125, 100.5 * 0.125, -100.5 * 0.125, 1000.5 * 0.125]), 12,
              "power-of-two scale 1/8 at b=12: ties 100.5, -100.5, 1000.5", tie=True)
    for bits in (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16):
        yield fts(f"width_{bits}", f32s([1.0, -0.3, 0.77, -1.0, 0.0049]), bits, f"conversion at width {bits}")
    for bits in (17, 20, 24, 25, 26, 31):
        yield fts(f"width_{bits}", f32s([1.0, -1.0, 0.3, -0.77, 1e-6]), bits,
                  f"conversion-only width {bits}" + ("; (float)qMax rounds up: -absmax hits qMin, +absmax clamps to qMax" if bits >= 26 else ""))
    yield fts("saturate_b31_qmin_qmax", f32s([1.0, -1.0, 0.5]), 31,
              "b=31: scale 2^-30, +1 clamps to qMax = 2^30-1, -1 reaches qMin = -2^30")
    yield fts("all_zero", f32s([0.0, 0.0, 0.0]), 12, "all-zero input: scale 1.0, mantissas 0")
    yield fts("all_zero_neg_zero", [NEG_ZERO, f32(0.0)], 12, "-0.0 counts as zero: scale 1.0")
    yield fts("single_element_b2", f32s([-3.0]), 2, "one element at b=2: scale 3, mantissa -1")
    yield fts("huge_flt_max", [FLT_MAX, f32_bits(0xFF7FFFFF), f32(1.0)], 16, "absmax FLT_MAX: finite scale, 1.0 -> 0")
    yield fts("huge_flt_max_b2", [FLT_MAX, f32(1e38)], 2, "absmax FLT_MAX at b=2: scale FLT_MAX")
    yield fts("underflow_min_subnormal", [MIN_SUBNORMAL], 12, "absmax 2^-149: scale flushes to 0: SCALE_UNDERFLOW")
    yield fts("underflow_min_normal", [MIN_NORMAL, f32(0.0)], 12, "absmax 2^-126: scale subnormal: SCALE_UNDERFLOW")
    yield fts("underflow_boundary_pass", f32s([2047 * 2.0 ** -126, -(2.0 ** -127)]), 12,
              "absmax 2047 * 2^-126: scale exactly 2^-126 (normal): passes")
    yield fts("underflow_boundary_fail", [next_down(2047 * 2.0 ** -126)], 12,
              "one ulp below the boundary: scale subnormal: SCALE_UNDERFLOW")
    yield fts("reject_nan", [f32(1.0), NAN, f32(2.0)], 12, "NaN element: NONFINITE_INPUT")
    yield fts("reject_inf", [INF, f32(1.0)], 12, "+inf element: NONFINITE_INPUT")
    yield fts("reject_neg_inf", [f32(1.0), NEG_INF], 12, "-inf element: NONFINITE_INPUT")
    yield fts("reject_empty", [], 12, "empty input: EMPTY")
    for bits in (0, 1, 32, 33, -1):
        yield fts(f"reject_width_{bits}".replace("-", "neg"), f32s([1.0, -0.5]), bits, f"width {bits} rejected: BAD_WIDTH")
    yield fts("reject_rounding", f32s([1.0]), 12, "unknown rounding mode: BAD_ROUNDING", rounding="bogus")
    # --- float -> SYM, SR
    sr_x = f32s([0.3, -0.3, 1.7, 2.5, -2.5, 0.0, 7.0, -7.0, 3.14159, -6.5])
    yield fts("sr_b4_seed_12345", sr_x, 4, "SR at b=4, fixed seed; final rng state recorded", rounding=SR, seed=12345)
    yield fts("sr_b4_seed_0", sr_x, 4, "SR with seed 0 (state 0xFFFFFFFF)", rounding=SR, seed=0)
    yield fts("sr_b12_seed_deadbeef", f32s(np.linspace(-1.0, 1.0, 17, dtype=np.float32)), 12,
              "SR at b=12, 17 elements, seed 0xDEADBEEF", rounding=SR, seed=0xDEADBEEF)
    yield fts("sr_b16_seed_1", f32s([1e-3, -2e-3, 0.5, 1.0, -0.999]), 16, "SR at b=16, seed 1", rounding=SR, seed=1)
    yield fts("sr_all_zero", f32s([0.0, 0.0, 0.0, 0.0]), 8, "SR on all-zero input still draws once per element",
              rounding=SR, seed=7)
    yield fts("sr_u_zero_int_steps_down", f32s([0.0]), 8,
              "SR, first u = 0 exactly: round(0 + 0 - 0.5) = -1 (SPEC formula corner)", rounding=SR, seed=SEED_U_ZERO)
    yield fts("sr_u_max_saturates_qmax", f32s([7.0, 1.0]), 4,
              "SR, first u = 1-2^-24: 7 + u rounds to 8.0f, round(7.5) = 8, clamped to qMax 7",
              rounding=SR, seed=SEED_U_MAX)
    yield fts("sr_u_half_lands_on_tie", f32s([0.5, 7.0]), 4,
              "SR, first u = 0.5 exactly: (0.5 + 0.5) - 0.5 = 0.5 is a tie -> 1 (a constant 0.50000006f gives 0)",
              rounding=SR, seed=SEED_U_HALF)
    # SR at every width the conversion accepts (2..31): (v + u) - 0.5f in float32
    # left to right differs from v + (u - 0.5f) once v needs 24+ bits (x / scale
    # for 8388609 at width 31 is 8388608.99..., so the order decides the tie)
    for bits in range(2, 32):
        yield fts(f"sr_width_{bits}", f32s([2.0 ** 30, 8388609.0, -3.0e8, 12345.678, -0.5, 0.0]), bits,
                  f"SR at width {bits}: every width the conversion accepts, wide and small values",
                  rounding=SR, seed=0x07D4BEDD)
    yield fts("sr_reject_nan_keeps_rng", [f32(1.0), NAN], 12, "SR error: NONFINITE_INPUT, rng state not advanced",
              rounding=SR, seed=99)
    yield fts("sr_reject_width_keeps_rng", f32s([1.0]), 32, "SR error: BAD_WIDTH, rng state not advanced",
              rounding=SR, seed=99)

    # --- SYM -> float
    yield Fixture("to_float_basic", S, {"t": tensor([1, -2, 2047, -2048, 0], 0.1, 12)}, "m * scale in float32")
    yield Fixture("to_float_acc_range", S, {"t": tensor([2147483647, -2147483648, 16777217], 1.0, 32)},
                  "int32 extremes: (float)m rounds (2^31-1 -> 2^31, 2^24+1 -> 2^24)")
    yield Fixture("to_float_subnormal_result", S, {"t": tensor([1, -1, 0], 2.0 ** -126, 2)},
                  "smallest valid scale 2^-126; 0 * scale = +0")
    yield Fixture("to_float_flt_max_ok", S, {"t": tensor([1, -1], FLT_MAX, 2)}, "+-FLT_MAX is finite: OK")
    yield Fixture("to_float_overflow", S, {"t": tensor([1, 2], FLT_MAX, 3)}, "2 * FLT_MAX = inf: FLOAT_OVERFLOW")
    yield Fixture("to_float_overflow_b16", S, {"t": tensor([5, -32768], FLT_HALF_MAX, 16)},
                  "-32768 * FLT_MAX/2 = -inf: FLOAT_OVERFLOW")
    yield Fixture("to_float_overflow_first_only", S, {"t": tensor([2, 1], FLT_MAX, 3)},
                  "only element 0 overflows (2 * FLT_MAX): FLOAT_OVERFLOW; the check must start at i = 0")
    yield Fixture("to_float_overflow_raw_wide", S, {"t": tensor([65537, 1], 2.0 ** 120, 32)},
                  "65537 * 2^120 = inf: FLOAT_OVERFLOW (a mantissa narrowed to int16 would give 1 * 2^120)")
    yield Fixture("to_float_raw_inexact_mantissa", S, {"t": tensor([16777217], f32_bits(0x3F7299AB), 32)},
                  "(float)(2^24 + 1) = 2^24 first, then * scale: not the single rounding of a double product")
    yield Fixture("to_float_raw_edge_of_overflow", S, {"t": tensor([-1189652029], f32_bits(0x70670EB2), 32)},
                  "(float)m rounds down in magnitude: the float32 product is -FLT_MAX (OK); a double product overflows")
    yield Fixture("to_float_reject_subnormal_scale", S, {"t": tensor([1], MIN_SUBNORMAL, 12)},
                  "subnormal scale: BAD_SCALE")
    yield Fixture("to_float_reject_nan_scale", S, {"t": tensor([1], NAN, 12)}, "NaN scale: BAD_SCALE")
    yield Fixture("to_float_reject_neg_scale", S, {"t": tensor([1], -1.0, 12)}, "negative scale: BAD_SCALE")
    yield Fixture("to_float_reject_zero_scale", S, {"t": tensor([1], 0.0, 12)}, "zero scale: BAD_SCALE")

    # --- int32 -> SYM
    yield Fixture("int_to_sym_extremes", I, {"m": [0, 1, -1, 2147483647, -2147483648]},
                  "copy, scale 1.0, declared width 32", in_place=True)
    yield Fixture("int_to_sym_acc", I, {"m": [2000000000, -2000000000, 123456789]}, "accumulator-range copy")
    yield Fixture("int_to_sym_reject_empty", I, {"m": []}, "empty input: EMPTY")


# input shared by the width sweeps: accumulator range, about +-2e9
ACC_SWEEP = [2000000000, -1999999999, 123456789, -1, 0, 987654321, -1073741824]


def _requant_family() -> Iterator[Fixture]:
    D, X, R = "requant_dynamic", "requant_fixed", "rescale_to_acc"

    def dyn(name, t, bits, purpose, order="ratio", rounding=HA, seed=None, **kw):
        args: dict[str, Any] = {"t": t, "q_max_bits": bits, "rounding": rounding, "order": order}
        if seed is not None:
            args["seed"] = seed
        return Fixture(name, D, args, purpose, **kw)

    def fix(name, t, target, bits, purpose, rounding=HA, seed=None, **kw):
        args: dict[str, Any] = {"t": t, "target_scale": target if isinstance(target, str) else f32(target),
                                "q_max_bits": bits, "rounding": rounding}
        if seed is not None:
            args["seed"] = seed
        return Fixture(name, X, args, purpose, **kw)

    orders = ("ratio", "clamp_first")
    # --- dynamic: widths 2..16 from accumulator range, both orders
    for bits in range(2, 17):
        for order in orders:
            yield dyn(f"acc_to_b{bits}_{order}", acc(ACC_SWEEP), bits,
                      f"int_to_sym(+-2e9) then requant to width {bits} ({order})", order=order)
    yield dyn("acc_extremes_b16_ratio", acc([2147483647, -2147483648, 1]), 16,
              "INT32_MAX / INT32_MIN both become (float) 2^31: +-32767", in_place=True)
    yield dyn("acc_extremes_b16_clamp_first", acc([2147483647, -2147483648, 1]), 16,
              "INT32 extremes, clamp_first order", order="clamp_first", in_place=True)
    yield dyn("basic_b12_to_b8_ratio", tensor([2047, -1000, 3, 0, -2048], 0.05, 12), 8, "ordinary b12 -> b8")
    yield dyn("basic_b12_to_b8_clamp_first", tensor([2047, -1000, 3, 0, -2048], 0.05, 12), 8,
              "ordinary b12 -> b8 (clamp_first)", order="clamp_first")
    tie_t = tensor([14, 1, -1, 3, -3, 5, -5], 1.0, 8)
    for order in orders:
        yield dyn(f"tie_half_ratio_{order}", tie_t, 4, f"r = 1/2: +-0.5, +-1.5, +-2.5 ties ({order})",
                  order=order, tie=True, in_place=True)
    big_tie = tensor([65534, 65533, -65533, 60001, -60001], 1.0, 32)
    for order in orders:
        yield dyn(f"tie_large_b16_{order}", big_tie, 16, f"large ties at b=16: 32766.5, 30000.5 ({order})",
                  order=order, tie=True)
    # the two orders differ near a .5 boundary (SPEC 4): found by search, checked by differs_from
    diff_t = tensor([12282, -4749], 3.53, 16)
    yield dyn("orders_differ_ratio", diff_t, 12, "ratio: -4749 * r = -791.49994 -> -791")
    yield dyn("orders_differ_clamp_first", diff_t, 12, "clamp_first: (-4749 * s_in) / s_out = -791.5 -> -792",
              order="clamp_first", differs_from="orders_differ_ratio")
    diff2 = tensor([11564, 9132], 6.41, 16)
    yield dyn("orders_differ_up_ratio", diff2, 12,
              "ratio: absmax quotient 2047.0001 > qMax (clamped); 9132 * r = 1616.5 -> 1617")
    yield dyn("orders_differ_up_clamp_first", diff2, 12, "clamp_first: 1616.4999 -> 1616",
              order="clamp_first", differs_from="orders_differ_up_ratio")
    yield dyn("all_zero", tensor([0, 0, 0], 0.5, 12), 8, "all-zero input: s_out = 1.0, mantissas 0")
    yield dyn("all_zero_clamp_first", tensor([0, 0, 0], 0.5, 12), 8, "all-zero input (clamp_first)",
              order="clamp_first")
    yield dyn("scale_boundary_pass", tensor([32767, -5], MIN_NORMAL, 16), 16,
              "A = 32767 * 2^-126: s_out exactly 2^-126: passes")
    yield dyn("scale_underflow", tensor([32766, 1], MIN_NORMAL, 16), 16,
              "A = 32766 * 2^-126: s_out subnormal: SCALE_UNDERFLOW")
    yield dyn("scale_underflow_tiny", tensor([1], MIN_NORMAL, 2), 16, "A = 2^-126: SCALE_UNDERFLOW")
    yield dyn("float_overflow", tensor([32767, 1], FLT_HALF_MAX, 16), 8, "m * s_in = inf: FLOAT_OVERFLOW")
    yield dyn("flt_max_ok", tensor([1, -1, 0], FLT_MAX, 2), 8, "A = FLT_MAX is finite: OK")
    yield dyn("reject_scale_nan", tensor([1], NAN, 12), 8, "NaN s_in: BAD_SCALE")
    yield dyn("reject_scale_subnormal", tensor([1], MIN_SUBNORMAL, 12), 8, "subnormal s_in: BAD_SCALE")
    for bits in (0, 1, 17, 32, 33):
        yield dyn(f"reject_width_{bits}", tensor([100, -100], 1.0, 12), bits, f"output width {bits}: BAD_WIDTH")
    yield dyn("reject_order", tensor([100], 1.0, 12), 8, "unknown order: BAD_ORDER", order="bogus")
    yield dyn("reject_rounding", tensor([100], 1.0, 12), 8, "unknown rounding: BAD_ROUNDING", rounding="bogus")
    # --- dynamic SR
    sr_t = tensor([2047, -2048, 1, -1, 1023, -1025, 0, 77, -500, 1999], 0.013, 12)
    for order in orders:
        yield dyn(f"sr_b8_seed_42_{order}", sr_t, 8, f"SR b12 -> b8, seed 42 ({order})", order=order,
                  rounding=SR, seed=42, in_place=True)
        yield dyn(f"sr_b3_seed_0_{order}", sr_t, 3, f"SR to b=3, seed 0 ({order})", order=order,
                  rounding=SR, seed=0)
        yield dyn(f"sr_acc_b16_seed_deadbeef_{order}", acc(ACC_SWEEP), 16,
                  f"SR from accumulator range to b=16 ({order})", order=order, rounding=SR, seed=0xDEADBEEF)
    sat_t = tensor([958664, -3], 8.97, 32)
    yield dyn("sr_ratio_saturates_qmax", sat_t, 16,
              "ratio quotient 32767.004 > qMax; SR with u = 1-2^-24 rounds to 32768: clamped to 32767",
              rounding=SR, seed=SEED_U_MAX)
    yield dyn("sr_clamp_first_saturates_qmax", sat_t, 16,
              "clamp_first clamps to 32767 first; SR with u = 1-2^-24: 32767 + u = 32768.0f, round(32767.5): saturate",
              order="clamp_first", rounding=SR, seed=SEED_U_MAX)
    sr_qmin_t = tensor([-2047, 2047], 1.0, 12)
    for order in orders:
        yield dyn(f"sr_u_zero_neg_qmax_{order}", sr_qmin_t, 12,
                  f"SR, first u = 0 at -qMax: (-2047 + 0) - 0.5 is a tie -> qMin -2048, not -qMax ({order})",
                  order=order, rounding=SR, seed=SEED_U_ZERO)
    yield dyn("sr_clamp_first_overshoot_qmin", tensor([-160678, 1], f32_bits(0x42A6926A), 32), 12,
              "clamp_first: quotient -2047.0001 overshoots -qMax by an ulp, small first u: -2048 "
              "(a float clamp at -2047 would give -2047)", order="clamp_first", rounding=SR, seed=2780162975)
    yield dyn("raw_inexact_absmax_ratio", tensor([16777217, 5], f32_bits(0x40091A3B), 32), 16,
              "absmax from (float)(2^24 + 1) = 2^24, then * s_in: a double product gives another scale")
    yield dyn("raw_inexact_ratio", tensor([16777217, 33554435, 33554435], f32_bits(0x40BD387F), 32), 16,
              "ratio: (float)m * r with m not exact in float32: 16383 (a double product gives 16384)")
    yield dyn("raw_inexact_clamp_first", tensor([33554435, 16777217], f32_bits(0x40BA5EC6), 32), 16,
              "clamp_first: ((float)m * s_in) / s_out with m not exact: 16383 (a double product gives 16384)",
              order="clamp_first")
    yield dyn("sr_reject_keeps_rng", tensor([1], 1.0, 12), 17, "SR error: BAD_WIDTH, rng state unchanged",
              rounding=SR, seed=5)

    # --- fixed-scale requant
    yield fix("fixed_basic", tensor([100, -100, 50, 0], 0.01, 12), 0.02, 8, "m * s_in / t: 50, -50, 25, 0")
    yield fix("fixed_saturate_both", tensor([1000, -1000, 10, 127, -128], 1.0, 12), 1.0, 8,
              "saturates at qMax 127 and qMin -128 by design", in_place=True)
    yield fix("fixed_tie", tensor([5, -5, 1, -1, 3, 200], 1.0, 12), 2.0, 8,
              "t = 2 s_in: ties +-2.5, +-0.5; 200/2 = 100", tie=True, in_place=True)
    yield fix("fixed_tie_at_qmax", tensor([255, -257, 5], 1.0, 12), 2.0, 8,
              "127.5 clamps to 127 before rounding; -128.5 clamps to -128; 2.5 -> 3", tie=True)
    yield fix("fixed_huge_saturates", tensor([2, -2, 0], FLT_MAX, 12), MIN_NORMAL, 8,
              "m * s_in / t = +-inf saturates to qMax / qMin; 0 stays 0")
    yield fix("fixed_acc_input", acc(ACC_SWEEP), 65536.0, 16, "accumulator range into a fixed scale 2^16 at b=16")
    for bits in range(2, 17):
        yield fix(f"fixed_width_{bits}", acc(ACC_SWEEP), 2.0 ** 20, bits, f"fixed-scale requant at width {bits}")
    yield fix("fixed_raw_inexact", tensor([33554435], f32_bits(0x4053085B), 32), f32_bits(0x458C7C4B), 16,
              "(float)(2^25 + 3) rounds first, then * s_in / t: 24612 (a double product gives 24611)")
    yield fix("fixed_reject_s_in_nan", tensor([1, 2], NAN, 12), 1.0, 8, "NaN input scale: BAD_SCALE")
    for label, target in (("zero", f32(0.0)), ("neg", f32(-1.0)), ("nan", NAN), ("inf", INF),
                          ("subnormal", MIN_SUBNORMAL), ("neg_zero", NEG_ZERO)):
        yield fix(f"fixed_reject_target_{label}", tensor([1, 2], 1.0, 12), target, 8,
                  f"target scale {label}: BAD_SCALE")
    for bits in (0, 1, 17, 32, 33):
        yield fix(f"fixed_reject_width_{bits}", tensor([1, 2], 1.0, 12), 1.0, bits, f"width {bits}: BAD_WIDTH")
    yield fix("fixed_sr_seed_2024", tensor([5, -5, 1, -1, 3, 200, -77, 31], 1.0, 12), 2.0, 8,
              "SR fixed-scale, seed 2024", rounding=SR, seed=2024, in_place=True)
    yield fix("fixed_sr_u_zero_qmin", tensor([-1000], 1.0, 12), 1.0, 8,
              "SR, u = 0: clamp to -128 then round(-128.5) = -129: final saturate -> -128",
              rounding=SR, seed=SEED_U_ZERO)
    yield fix("fixed_sr_u_max_qmax", tensor([1000], 1.0, 12), 1.0, 8,
              "SR, u = 1-2^-24: 127 + u = 128.0f, round(127.5) = 128: final saturate -> 127",
              rounding=SR, seed=SEED_U_MAX)
    yield fix("fixed_sr_reject_keeps_rng", tensor([1], 1.0, 12), 0.0, 8, "SR error: BAD_SCALE, rng unchanged",
              rounding=SR, seed=3)

    # --- rescale into the accumulator scale
    def rs(name, q, sp, sa, purpose, rounding=HA, **kw):
        return Fixture(name, R, {"q": q, "param_scale": sp if isinstance(sp, str) else f32(sp),
                                 "acc_scale": sa if isinstance(sa, str) else f32(sa), "rounding": rounding},
                       purpose, **kw)

    yield rs("rescale_basic", 100, 0.5, 0.25, "100 * 0.5 / 0.25 = 200")
    yield rs("rescale_zero", 0, 0.5, 0.25, "0 -> 0")
    yield rs("rescale_tie_pos", 5, 1.0, 2.0, "2.5 -> 3", tie=True)
    yield rs("rescale_tie_neg", -5, 1.0, 2.0, "-2.5 -> -3", tie=True)
    yield rs("rescale_tie_large", 16777213, 0.5, 1.0, "8388606.5 -> 8388607", tie=True)
    yield rs("rescale_tiny", 1, MIN_NORMAL, 1.0, "r = 2^-126 -> 0")
    yield rs("rescale_guard_pass", 1073774464, 1.0, 1.0, "r = 1073774464 = largest float32 under the guard: passes")
    yield rs("rescale_guard_pass_neg", -1073774464, 1.0, 1.0, "r = -1073774464: passes")
    yield rs("rescale_guard_fail", 1073774592, 1.0, 1.0, "next float32 above the guard: RANGE_GUARD")
    yield rs("rescale_guard_fail_neg", -1073774592, 1.0, 1.0, "-1073774592: RANGE_GUARD")
    yield rs("rescale_guard_int_bound_fails", 1073774591, 1.0, 1.0,
             "q = exact integer bound, but (float)q rounds up to 1073774592: RANGE_GUARD")
    yield rs("rescale_guard_scaled_pass", 536887232, 2.0, 1.0, "2 * 536887232 = 1073774464: passes")
    yield rs("rescale_guard_scaled_fail", 536887296, 2.0, 1.0, "2 * 536887296 = 1073774592: RANGE_GUARD")
    yield rs("rescale_inf", 2147483647, FLT_MAX, 1.0, "q * s_p = inf: RANGE_GUARD, no cast")
    yield rs("rescale_raw_inexact", 123456789, f32_bits(0x3EAE6851), 1.0,
             "(float)q rounds first (123456792), then * s_p: 42054276 (a double product gives 42054272)")
    yield rs("rescale_int32_min", -2147483648, 1.0, 4.0, "INT32_MIN / 4 = -536870912")
    for label, sp, sa in (("param_zero", f32(0.0), f32(1.0)), ("param_neg", f32(-0.5), f32(1.0)),
                          ("acc_nan", f32(1.0), NAN), ("acc_subnormal", f32(1.0), MIN_SUBNORMAL),
                          ("acc_inf", f32(1.0), INF)):
        yield rs(f"rescale_reject_{label}", 3, sp, sa, f"{label.replace('_', ' ')} scale: BAD_SCALE")
    yield rs("rescale_reject_sr", 3, 1.0, 1.0, "the helper has no RNG: SR is rejected", rounding=SR)


def _accumulate_family() -> Iterator[Fixture]:
    D, X = "accumulate_dynamic", "accumulate_fixed"

    def dyn(name, target, inc, purpose, rounding=HA, seed=None, **kw):
        args: dict[str, Any] = {"target": target, "inc": inc, "rounding": rounding}
        if seed is not None:
            args["seed"] = seed
        return Fixture(name, D, args, purpose, **kw)

    def fix(name, target, inc, purpose, rounding=HA, **kw):
        return Fixture(name, X, {"target": target, "inc": inc, "rounding": rounding}, purpose, **kw)

    yield dyn("dyn_basic", tensor([100, -50, 0, 2047], 0.01, 12), tensor([10, -10, 5, 0], 0.02, 12),
              "v = t*s_t + inc*s_inc, rescaled to width 12")
    yield dyn("dyn_tie", tensor([7, 1, -1, 3, 5, -5], 1.0, 4), tensor([7, 0, 0, 0, 0, 0], 1.0, 4),
              "v = [14, 1, -1, 3, 5, -5], scale 2: ties", tie=True)
    yield dyn("dyn_tie_b16", tensor([32767, 30001, -30001], 1.0, 16), tensor([32767, 0, 0], 1.0, 16),
              "v absmax 65534 at b=16: scale 2, 15000.5 ties", tie=True)
    yield dyn("dyn_all_zero", tensor([0, 0], 0.5, 8), tensor([0, 0], 0.25, 8), "all zero: scale 1.0")
    yield dyn("dyn_cancel_to_zero", tensor([5, -3], 1.0, 8), tensor([-5, 3], 1.0, 8), "v cancels to 0: scale 1.0")
    yield dyn("dyn_acc_inc", tensor([100, -100, 7], 1000.0, 12), acc([2000000000, -2000000000, 0]),
              "raw accumulator-range increment (int_to_sym)")
    for bits in (2, 3, 8, 12, 15, 16):
        yield dyn(f"dyn_width_{bits}", tensor([1, -1, 0, 1], 0.3, bits), tensor([3, 2, -7, 1000], 0.001, 12),
                  f"dynamic accumulate, target width {bits}")
    yield dyn("dyn_negative_dominated", tensor([-3, 1], 1.0, 12), tensor([-2, 0], 1.0, 12),
              "v = [-5, 1]: absmax is |-5| (without abs the scale comes from 1)")
    yield dyn("dyn_raw_inc_inexact_absmax", tensor([0, 1], 1.0, 16), tensor([16777217, 1], f32_bits(0x40C76377), 32),
              "raw inc (float)(2^24 + 1) = 2^24, then * s_inc sets absmax (a double product gives another scale)")
    yield dyn("dyn_raw_inc_inexact", tensor([0, 0], 1.0, 16),
              tensor([-877701226, -654211091], f32_bits(0x410BC0CA), 32),
              "raw inc not exact in float32: -24423 (a double product gives -24424)")
    yield dyn("dyn_sr_u_max_qmax", tensor([7, 1], 1.0, 4), tensor([0, 0], 1.0, 4),
              "SR, first u = 1-2^-24 at qMax 7: (7 + u) - 0.5 rounds to 8: saturated to 7", rounding=SR,
              seed=SEED_U_MAX)
    yield dyn("dyn_sr_u_zero_qmin", tensor([-7, 1], 1.0, 4), tensor([0, 0], 1.0, 4),
              "SR, first u = 0 at -qMax: (-7 + 0) - 0.5 is a tie -> qMin -8, not -qMax", rounding=SR,
              seed=SEED_U_ZERO)
    yield dyn("dyn_float_overflow_product", tensor([32767], FLT_HALF_MAX, 16), tensor([1], 1.0, 12),
              "t * s_t = inf: FLOAT_OVERFLOW")
    yield dyn("dyn_float_overflow_sum", tensor([1], FLT_MAX, 8), tensor([1], FLT_MAX, 8),
              "FLT_MAX + FLT_MAX = inf: FLOAT_OVERFLOW")
    yield dyn("dyn_scale_underflow", tensor([1], MIN_NORMAL, 16), tensor([0], 1.0, 12),
              "A = 2^-126 at b=16: SCALE_UNDERFLOW")
    yield dyn("dyn_reject_shape", tensor([1, 2], 1.0, 8), tensor([1, 2, 3], 1.0, 8), "length mismatch: SHAPE")
    yield dyn("dyn_reject_empty_target", tensor([], 1.0, 12), tensor([1], 1.0, 12),
              "empty target, non-empty inc: EMPTY (before SHAPE)")
    yield dyn("dyn_reject_width_1", tensor([0], 1.0, 1), tensor([1], 1.0, 12), "target width 1: BAD_WIDTH")
    yield dyn("dyn_reject_width_17", tensor([1], 1.0, 17), tensor([1], 1.0, 8), "target width 17: BAD_WIDTH")
    yield dyn("dyn_reject_width_32", tensor([1], 1.0, 32), tensor([1], 1.0, 8), "target width 32: BAD_WIDTH")
    yield dyn("dyn_reject_rounding", tensor([1], 1.0, 8), tensor([1], 1.0, 8), "unknown rounding: BAD_ROUNDING",
              rounding="bogus")
    yield dyn("dyn_sr_seed_31337", tensor([100, -50, 0, 2047, -2048, 3], 0.01, 12),
              tensor([10, -10, 5, 0, 1, -1], 0.02, 12), "SR accumulate, seed 31337", rounding=SR, seed=31337)
    yield dyn("dyn_sr_seed_0_b4", tensor([7, 1, -1, 3, 5, -5], 1.0, 4), tensor([7, 0, 0, 0, 0, 0], 1.0, 4),
              "SR on ties, seed 0", rounding=SR, seed=0)
    yield dyn("dyn_sr_reject_keeps_rng", tensor([1, 2], 1.0, 8), tensor([1], 1.0, 8),
              "SR error: SHAPE, rng unchanged", rounding=SR, seed=11)

    yield fix("fixed_basic", tensor([100, -100], 0.5, 16), tensor([10, 20], 0.25, 12),
              "inc rescaled: 10*0.25/0.5 = 5, 20*0.25/0.5 = 10")
    yield fix("fixed_tie", tensor([0, 0, 10, -10], 2.0, 16), tensor([1, -1, 5, -5], 1.0, 12),
              "rescaled increments +-0.5, +-2.5 are ties", tie=True)
    yield fix("fixed_boundary_pass", tensor([32766, -32767], 1.0, 16), tensor([1, -1], 1.0, 12),
              "sums reach exactly qMax and qMin of width 16")
    yield fix("fixed_overflow_qmax", tensor([32767, 0], 1.0, 16), tensor([1, 0], 1.0, 12),
              "32767 + 1 leaves width 16: INT_OVERFLOW, nothing written")
    yield fix("fixed_overflow_qmin", tensor([0, -32768], 1.0, 16), tensor([0, -1], 1.0, 12),
              "-32768 - 1 leaves width 16: INT_OVERFLOW")
    yield fix("fixed_acc_boundary_pass", tensor([2147482647, -2147482648], 1.0, 32), tensor([1000, -1000], 1.0, 16),
              "raw int32 target: sums reach INT32_MAX and INT32_MIN exactly")
    yield fix("fixed_acc_overflow", tensor([2147483000], 1.0, 32), tensor([1000], 1.0, 16),
              "raw int32 target: 2147483000 + 1000 overflows int32: INT_OVERFLOW (no UB)")
    yield fix("fixed_acc_overflow_neg", tensor([-2147483000], 1.0, 32), tensor([-1000], 1.0, 16),
              "negative int32 overflow: INT_OVERFLOW")
    yield fix("fixed_range_guard", tensor([0], 1.0, 32), acc([1073774592]), "rescaled inc above the guard: RANGE_GUARD")
    yield fix("fixed_width_2", tensor([1, -2, 0], 0.5, 2), tensor([-1, 1, 1], 0.25, 2),
              "width 2: -0.5 -> -1, 0.5 -> 1 (ties)", tie=True)
    yield fix("fixed_scale_kept", tensor([3, 4], 0.1, 12), tensor([7, -7], 0.3, 12), "target scale is kept")
    yield fix("fixed_reject_shape", tensor([1, 2], 1.0, 8), tensor([1], 1.0, 8), "length mismatch: SHAPE")
    yield fix("fixed_reject_rounding", tensor([1], 1.0, 8), tensor([1], 1.0, 8),
              "the fixed-scale path has no RNG: SR rejected", rounding=SR)


def _builders() -> dict[str, Any]:
    """Family -> its fixture builder, found by name: ``_<family>_family``."""
    missing = [f for f in FAMILIES if not callable(globals().get(f"_{f}_family"))]
    if missing:
        raise ValueError(f"goldgen/fixtures.py has no fixture builder for family {', '.join(missing)} "
                         f"(define _{missing[0]}_family())")
    return {f: globals()[f"_{f}_family"] for f in FAMILIES}


def catalog() -> dict[str, list[Fixture]]:
    """All fixtures by family (in catalog order). Names are unique per family."""
    out: dict[str, list[Fixture]] = {}
    for family in FAMILIES:
        fixtures = list(_builders()[family]())
        seen: set[str] = set()
        for fx in fixtures:
            if fx.family != family:
                raise ValueError(f"fixture {fx.name!r} ({fx.kernel}) is in family {family}, expected {fx.family}")
            if fx.name in seen:
                raise ValueError(f"duplicate fixture name {fx.name!r} in family {family}")
            seen.add(fx.name)
        out[family] = fixtures
    return out


def canonical_json(cat: dict[str, list[Fixture]] | None = None) -> str:
    """The catalog as canonical JSON (sorted keys, no whitespace)."""
    cat = catalog() if cat is None else cat
    data = {family: [fx.canonical() for fx in fxs] for family, fxs in cat.items()}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)


def fixture_hash(cat: dict[str, list[Fixture]] | None = None) -> str:
    """sha256 of :func:`canonical_json`: stamped into every golden file."""
    return hashlib.sha256(canonical_json(cat).encode()).hexdigest()
