"""Exact float32 / int32 building blocks over Z3, with C semantics.

Every helper builds Z3 terms; with concrete arguments :func:`ev` simplifies a
term to a Python value, so the same encoding is both proved and executed
against the C kernels (tests/test_proofs_concrete.py).

C semantics encoded here (docs/semantics.md):
  * float32 arithmetic rounds to nearest-even (``RNE``), no FMA;
  * ``roundf`` is ``fpRoundToIntegral(RNA, .)``, ties away from zero;
  * ``(int32_t)f`` is ``fpToSBV(RTZ, f)`` and is only *defined* for
    -2^31 <= f < 2^31 -- every cast site carries that range obligation;
  * ``(float)i`` for an int32 ``i`` is ``fpSignedToFP(RNE, i)``.
"""
from __future__ import annotations

import struct
from fractions import Fraction
from typing import Any

import z3

from symverify.xorshift import xorshift32 as shared_xorshift32

F32 = z3.Float32()
BV32 = z3.BitVecSort(32)
RNE = z3.RNE()
RNA = z3.RNA()
RTZ = z3.RTZ()
INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1
#: float32 guard of the rescale helper (largest float32 <= 2^31-1-32768*32767).
RESCALE_GUARD = 1073774464
RESCALE_GUARD_NOMINAL = (1 << 31) - 1 - 32768 * 32767  # 1073774591


def f32_bits(x: float) -> int:
    """IEEE bits of ``x`` rounded to float32."""
    return struct.unpack("<I", struct.pack("<f", x))[0]


def bits_f32(bits: int) -> float:
    return struct.unpack("<f", struct.pack("<I", bits & 0xFFFFFFFF))[0]


def fconst(x: float) -> z3.FPRef:
    """A float32 constant with exactly the bits of float32(x) (NaN kept as NaN)."""
    return z3.fpBVToFP(z3.BitVecVal(f32_bits(float(x)), 32), F32)


def fvar(name: str) -> z3.FPRef:
    return z3.FP(name, F32)


def i2f(m: z3.ArithRef) -> z3.FPRef:
    """C ``(float)m`` for an int32 ``m`` given as a Z3 Int."""
    return z3.fpSignedToFP(RNE, z3.Int2BV(m, 32), F32)


def fmul(a, b):
    return z3.fpMul(RNE, a, b)


def fdiv(a, b):
    return z3.fpDiv(RNE, a, b)


def fadd(a, b):
    return z3.fpAdd(RNE, a, b)


def fsub(a, b):
    return z3.fpSub(RNE, a, b)


def fabs(a):
    return z3.fpAbs(a)


def fmax_c(acc, v):
    """``acc = (v > acc) ? v : acc`` (the kernels' absmax loop step)."""
    return z3.If(z3.fpGT(v, acc), v, acc)


def roundf(v):
    """C ``roundf``: integral value, ties away from zero (still a float)."""
    return z3.fpRoundToIntegral(RNA, v)


def cast_i32(v) -> z3.ArithRef:
    """``(int32_t)v`` as an Int. Defined only when ``cast_defined(v)``."""
    return z3.BV2Int(z3.fpToSBV(RTZ, v, BV32), is_signed=True)


def cast_defined(v) -> z3.BoolRef:
    """The C99 6.3.1.4 obligation of ``(int32_t)v``: the truncated value fits."""
    t = z3.fpRoundToIntegral(RTZ, v)
    return z3.And(z3.Not(z3.fpIsNaN(v)), z3.Not(z3.fpIsInf(v)),
                  z3.fpGEQ(t, fconst(-2.0 ** 31)), z3.fpLT(t, fconst(2.0 ** 31)))


def sat_round(v, lo: int, hi: int):
    """The kernels' single float -> int32 conversion: exact ``clamp(round(v))``.

    Returns ``(result Int, cast_argument, cast_reached Bool)`` so that lemmas can
    state the obligation ``cast_reached -> cast_defined(cast_argument)``.
    """
    hi_f, lo_f = fconst(float(f32_of(hi))), fconst(float(f32_of(lo)))
    r = roundf(v)
    reached = z3.And(z3.Not(z3.fpGEQ(v, hi_f)), z3.Not(z3.Or(z3.fpLEQ(v, lo_f), z3.fpIsNaN(v))))
    k = cast_i32(r)
    inner = z3.If(k > hi, hi, z3.If(k < lo, lo, k))
    res = z3.If(z3.fpGEQ(v, hi_f), z3.IntVal(hi),
                z3.If(z3.Or(z3.fpLEQ(v, lo_f), z3.fpIsNaN(v)), z3.IntVal(lo), inner))
    return res, r, reached


def f32_of(i: int) -> float:
    """float32(i) as a Python float (RNE), e.g. for (float)qMax."""
    return bits_f32(f32_bits(float(i)))


def xorshift32(s):
    """One xorshift32 step (13, 17, 5) on a BitVec(32): the shared definition
    with Z3's logical right shift."""
    return shared_xorshift32(s, lshr=z3.LShR)


def uniform(s):
    """u = (float)(s >> 8) * 2^-24 (exact), from the *new* state s."""
    return fmul(z3.fpUnsignedToFP(RNE, z3.LShR(s, 8), F32), fconst(2.0 ** -24))


def sr_arg(v, u):
    """The SR rounding argument ``(v + u) - 0.5f`` in float32, left to right."""
    return fsub(fadd(v, u), fconst(0.5))


def is_finite(v) -> z3.BoolRef:
    return z3.Not(z3.Or(z3.fpIsNaN(v), z3.fpIsInf(v)))


def is_normal_pos(s) -> z3.BoolRef:
    return z3.And(z3.fpIsNormal(s), z3.fpIsPositive(s))


# ---------------------------------------------------------------- evaluation
def ev(term: Any) -> Any:
    """Simplify a closed term to a Python value: int, float (float32 value, NaN
    as float('nan')), bool or BitVec int."""
    t = z3.simplify(term)
    if z3.is_fp(t):
        bits = z3.simplify(z3.fpToIEEEBV(t))
        if z3.is_bv_value(bits):
            return bits_f32(bits.as_long())
        if z3.is_true(z3.simplify(z3.fpIsNaN(t))):
            return float("nan")
        raise ValueError(f"not a float32 value: {t}")
    if z3.is_int_value(t):
        return t.as_long()
    if z3.is_bv_value(t):
        return t.as_long()
    if z3.is_true(t):
        return True
    if z3.is_false(t):
        return False
    if z3.is_rational_value(t):
        return Fraction(t.numerator_as_long(), t.denominator_as_long())
    raise ValueError(f"term did not simplify to a value: {t}")


def model_value(model: z3.ModelRef, term: Any) -> Any:
    """Value of ``term`` in a Z3 model, as :func:`ev` returns it."""
    return ev(model.eval(term, model_completion=True))
