"""The intreq.acc_* lemmas: the per-element chain of the integer-only
dynamic accumulate (``sym_intreq_accumulate_dynamic``,
kernels/src/sym_intreq_accumulate.c) equals the float kernel's expression
``sym_round_sat(fl(fl(fl(t) s_t) + fl(fl(inc) s_inc)) / s_new)`` (HALF_AWAY)
of ``sym_accumulate_dynamic`` (docs/integer-only.md#the-integer-only-accumulate).

The chain is composed of proven steps: the products are
``sym_intreq_mul_int`` on the magnitudes (``intreq.fl_uint``,
``intreq.mul_round``) with the sign of ``intreq.fixed_sign`` /
``intreq.fixed_mul_sign`` put back as a bit (``intreq.acc_sign_bits``); the
sum is ``sym_intreq_add_bits`` (= fpAdd(RNE) on every non-NaN pair: the
adder's lemmas ``intreq.add*``, proofs/intreq_add.py); the float kernel's
non-finite test and the absmax are compares of bits
(``intreq.acc_nonfinite``, ``intreq.acc_absmax``); s_new and the quotient of
a normal v are ``sym_intreq_div_bits`` (``intreq.div_*``), a subnormal
absmax underflows (``intreq.acc_scale_subnormal``), a subnormal v rounds to
0 from s_new >= 2^-125 on (``intreq.acc_quot_small``) and is otherwise
divided as v 2^24 by s_new 2^24, both exact (``intreq.acc_scaled_exact``);
the rounding on the quotient's bits is ``sym_round_sat`` (``intreq.acc_round``).
Each lemma is stated on free FP variables, as intreq_fixed_lemmas.py does.
"""
from __future__ import annotations

import z3

from . import intreq as iq
from . import intreq_fixed as fx
from .query import Goal, Lemma, Query

DOC = "intreq-acc"
_u = iq._u
SIGN = 0x80000000
MAG = 0x7FFFFFFF


def _bits(x: float) -> z3.BitVecRef:
    return z3.fpToIEEEBV(z3.FPVal(x, iq.F32))


def _positive_normal(v: z3.FPRef) -> list:
    return [z3.fpIsNormal(v), z3.fpIsPositive(v)]


def q_sign_bits() -> Query:
    """``p | SIGN`` (sym_iqa_product for m < 0) is the bits of -P for every
    P >= +0, +inf included; and fl(0) * s = +0, the C's bits 0 for m = 0."""
    p, s = z3.FP("P", iq.F32), z3.FP("s", iq.F32)
    zero = z3.fpMul(z3.RNE(), z3.fpSignedToFP(z3.RNE(), _u(0), iq.F32), s)
    return Query(pre=[z3.Not(z3.fpIsNaN(p)), z3.Not(z3.fpIsNegative(p)), *_positive_normal(s)], goals=[
        Goal("bits(-P) = bits(P) | SIGN", z3.fpToIEEEBV(z3.fpNeg(p)) == (z3.fpToIEEEBV(p) | SIGN)),
        Goal("fl(0) * s = +0", z3.fpToIEEEBV(zero) == 0),
    ], show={"P": p, "s": s}, solver=iq.fpbv_solver)


def q_nonfinite() -> Query:
    """The C's overflow test ``((bits & MAG) >> 23) == 0xFF`` is the float
    kernel's ``!isfinite(v)`` for every float32 v (any NaN pattern included)."""
    x = z3.BitVec("v_bits", 32)
    v = z3.fpBVToFP(x, iq.F32)
    c = z3.LShR(x & MAG, 23) == 0xFF
    return Query(pre=[], goals=[Goal("C's test = !isfinite(v)", c == z3.Or(z3.fpIsInf(v), z3.fpIsNaN(v)))],
                 show={"v_bits": x}, solver=iq.fpbv_solver)


def q_absmax() -> Query:
    """For finite v, w: ``mag(v) > mag(w)`` on the bits is ``|v| > |w|``, so
    the C's running maximum of bits is the bits of the float kernel's absmax
    (first maximum kept; +-0 are both 0)."""
    x, y = z3.BitVec("v_bits", 32), z3.BitVec("w_bits", 32)
    v, w = z3.fpBVToFP(x, iq.F32), z3.fpBVToFP(y, iq.F32)
    fin = [z3.Not(z3.fpIsInf(v)), z3.Not(z3.fpIsNaN(v)), z3.Not(z3.fpIsInf(w)), z3.Not(z3.fpIsNaN(w))]
    return Query(pre=fin, goals=[
        Goal("UGT(mag v, mag w) = |v| > |w|", z3.UGT(x & MAG, y & MAG) == z3.fpGT(z3.fpAbs(v), z3.fpAbs(w))),
        Goal("bits(|v|) = mag v", z3.fpToIEEEBV(z3.fpAbs(v)) == (x & MAG)),
    ], show={"v_bits": x, "w_bits": y}, solver=iq.fpbv_solver)


def q_scale_subnormal() -> Query:
    """A subnormal absmax A: fl(A / q) is not normal for every float32
    q >= 1 (fl(qMax) at every width 2..16 is one), so the float kernel
    reports SCALE_UNDERFLOW, as the C does without dividing (a subnormal is
    not a valid dividend of the divider)."""
    f = z3.BitVec("f", 23)
    a = z3.fpBVToFP(z3.Concat(z3.BitVecVal(0, 9), f), iq.F32)
    q = z3.FP("qmax", iq.F32)
    d = z3.fpDiv(z3.RNE(), a, q)
    return Query(pre=[f != 0, z3.fpGEQ(q, z3.FPVal(1.0, iq.F32)), z3.Not(z3.fpIsInf(q))],
                 goals=[Goal("A subnormal, q >= 1  =>  A / q not normal", z3.Not(z3.fpIsNormal(d)))],
                 show={"f": f, "qmax": q}, solver=iq.fpbv_solver)


def q_quot_small(cut: int = 2) -> Query:
    """A subnormal |v| and s normal with exponent field >= 2 (s >= 2^-125):
    fl(|v| / s) < 1/2, so it rounds to 0 like the C's 0 (the C skips the
    division there). ``cut`` models a mutant of the C's cut-off."""
    f, e, g = z3.BitVec("f", 23), z3.BitVec("e", 8), z3.BitVec("g", 23)
    v = z3.fpBVToFP(z3.Concat(z3.BitVecVal(0, 9), f), iq.F32)
    s = z3.fpBVToFP(z3.Concat(z3.BitVecVal(0, 1), e, g), iq.F32)
    q = z3.fpDiv(z3.RNE(), v, s)
    return Query(pre=[f != 0, z3.UGE(e, cut), z3.Not(e == 255)],
                 goals=[Goal("fl(|v| / s) < 1/2", z3.fpLT(q, z3.FPVal(0.5, iq.F32)))],
                 show={"f": f, "e": e, "g": g}, solver=iq.fpbv_solver)


def q_scaled_exact() -> Query:
    """The operands of the C's division of a subnormal v = f 2^-149 by s in
    [2^-126, 2^-125): ``sym_intreq_mul_int(f, 2^-125)`` (= fl(fl(f) 2^-125),
    intreq.mul_round) is v 2^24 exactly, normal; ``s_bits + (24 << 23)`` is
    s 2^24 exactly, normal. (The quotient of the scaled pair is the same
    real number, so its correctly rounded fpDiv is the same float32: IEEE
    754's definition of division, not a Z3 query.)"""
    f, g = z3.BitVec("f", 23), z3.BitVec("g", 23)
    v = z3.fpBVToFP(z3.Concat(z3.BitVecVal(0, 9), f), iq.F32)
    s_bits = z3.Concat(z3.BitVecVal(0, 1), z3.BitVecVal(1, 8), g)
    s = z3.fpBVToFP(s_bits, iq.F32)
    two24 = z3.FPVal(2.0 ** 24, iq.F32)
    n = z3.fpMul(z3.RNE(), z3.fpUnsignedToFP(z3.RNE(), z3.ZeroExt(9, f), iq.F32), z3.FPVal(2.0 ** -125, iq.F32))
    d = z3.fpBVToFP(s_bits + (24 << 23), iq.F32)
    half24 = z3.FPVal(2.0 ** -24, iq.F32)
    return Query(pre=[f != 0], goals=[
        Goal("fl(fl(f) 2^-125) = fl(v 2^24), normal, and fl(. 2^-24) gives v back (exact)",
             z3.And(n == z3.fpMul(z3.RNE(), v, two24), z3.fpIsNormal(n), z3.fpMul(z3.RNE(), n, half24) == v)),
        Goal("bits s + (24 << 23) = fl(s 2^24), normal, and fl(. 2^-24) gives s back (exact)",
             z3.And(d == z3.fpMul(z3.RNE(), s, two24), z3.fpIsNormal(d), z3.fpMul(z3.RNE(), d, half24) == s)),
    ], show={"f": f, "g": g}, solver=iq.fpbv_solver)


def q_round(negative: bool) -> Query:
    """For every V >= +0 (not NaN) given in the divider's convention (0 if
    subnormal or zero), the C's half away, clamp and sign (sym_iqa_requant
    after the quotient) = the float kernel's sym_round_sat(+-V, qMin, qMax),
    one query per sign."""
    v = z3.FP("V", iq.F32)
    b = z3.BitVec("b", 32)
    neg = z3.BoolVal(negative)
    c = fx.after_quotient(neg, fx.c_bits(v), iq.q_hi_of(b))
    ref = iq.sat_round_ref(z3.fpNeg(v) if negative else v, b)
    return Query(pre=[z3.Not(z3.fpIsNaN(v)), z3.Not(z3.fpIsNegative(v)), z3.UGE(b, 2), z3.ULE(b, 16)],
                 goals=[Goal("C(sign, bits of V, b) = sym_round_sat(+-V)", c == ref)],
                 show={"V": v, "b": b, "C": c, "reference": ref}, solver=iq.fpbv_solver)


def intreq_acc_lemmas() -> list[Lemma]:
    return [
        Lemma("intreq.acc_sign_bits", None, None, "PROVEN",
              "P >= +0 (or +inf)  =>  bits(-P) = bits(P) | 2^31; fl(0) * s = +0", q_sign_bits, DOC, "exact"),
        Lemma("intreq.acc_nonfinite", None, None, "PROVEN",
              "every float32 v: exponent field of |v| = 255  <=>  !isfinite(v)", q_nonfinite, DOC, "exact"),
        Lemma("intreq.acc_absmax", None, None, "PROVEN",
              "finite v, w: mag(v) > mag(w) on bits  <=>  |v| > |w|", q_absmax, DOC, "exact"),
        Lemma("intreq.acc_scale_subnormal", None, None, "PROVEN",
              "A subnormal, q >= 1 (fl(qMax))  =>  fl(A / q) is not normal (SCALE_UNDERFLOW)",
              q_scale_subnormal, DOC, "exact"),
        Lemma("intreq.acc_quot_small", None, None, "PROVEN",
              "v subnormal, s normal >= 2^-125  =>  fl(|v| / s) < 1/2", q_quot_small, DOC, "exact"),
        Lemma("intreq.acc_scaled_exact", None, None, "PROVEN",
              "v = f 2^-149 subnormal, s in [2^-126, 2^-125)  =>  the C's scaled operands are v 2^24, s 2^24",
              q_scaled_exact, DOC, "exact"),
    ] + [Lemma("intreq.acc_round", None, "half_away", "PROVEN",
               f"V >= +0 float32, b in 2..16  =>  C's half away + clamp on the bits of V = sym_round_sat({sg}V)",
               lambda neg=neg: q_round(neg), DOC, "exact", params={"sign": sg})
         for sg, neg in (("+", False), ("-", True))]
