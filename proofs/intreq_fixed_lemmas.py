"""The intreq.fixed_* lemmas: the integer-only fixed-scale requant core
(``sym_intreq_fixed_one``) equals the float32 loop of ``sym_requant_fixed``,
bit for bit, and intreq.rescale_round: the rescale helper
(``sym_intreq_rescale_bits``) on the same composition equals
``sym_rescale_to_acc`` (proofs/intreq_fixed.py, docs/proofs.md#intreq-fixed)."""
from __future__ import annotations

import z3

from . import intreq as iq
from . import intreq_fixed as fx
from .query import Goal, Lemma, Query

DOC = "intreq-fixed"


def _normal(e: z3.BitVecRef) -> list:
    return [z3.Not(e == 0), z3.Not(e == 255)]


def _scale(name: str) -> tuple[z3.BitVecRef, list]:
    e, f = z3.BitVec(f"e{name}", 8), z3.BitVec(f"f{name}", 23)
    return z3.Concat(z3.BitVecVal(0, 1), e, f), _normal(e)


def q_zero() -> Query:
    """m = 0: the C returns 0 before any field work; fl(0 * s) / t = 0 rounds to 0."""
    (s_bits, ps), (t_bits, pt) = _scale("s"), _scale("t")
    b = z3.BitVec("b", 32)
    m = z3.BitVecVal(0, 32)
    c, ref = fx.core(m, s_bits, t_bits, b), fx.reference(m, s_bits, t_bits, b)
    return Query(pre=[*ps, *pt, z3.UGE(b, 2), z3.ULE(b, 16)],
                 goals=[Goal("C(0, s, t, b) = reference = 0", z3.And(c == 0, ref == 0))],
                 show={"s_bits": s_bits, "t_bits": t_bits, "b": b}, solver=iq.fpbv_solver)


def q_sign() -> Query:
    """fl(m) = +-fl(|m|) for m != 0 (|m| as uint32, as the C negates it)."""
    m = z3.BitVec("m", 32)
    a = z3.If(m < 0, 0 - m, m)
    fl_a = z3.fpUnsignedToFP(z3.RNE(), a, iq.F32)
    fl_m = z3.fpSignedToFP(z3.RNE(), m, iq.F32)
    return Query(pre=[m != 0], goals=[Goal("fl(m) = (m < 0 ? -fl(|m|) : fl(|m|))",
                                           fl_m == z3.If(m < 0, z3.fpNeg(fl_a), fl_a))],
                 show={"m": m, "fl(m)": fl_m}, solver=iq.fpbv_solver)


def _positive_normal(v: z3.FPRef) -> list:
    return [z3.fpIsNormal(v), z3.fpIsPositive(v)]


def q_mul_sign() -> Query:
    """For X, s > 0 normal (X = fl(|m|), intreq.fl_uint): fl(-X * s) = -fl(X * s)
    and fl(X * s) > 0, not NaN."""
    x, s = z3.FP("X", iq.F32), z3.FP("s", iq.F32)
    p = z3.fpMul(z3.RNE(), x, s)
    return Query(pre=[*_positive_normal(x), *_positive_normal(s)], goals=[
        Goal("fl(-X * s) = -fl(X * s)", z3.fpMul(z3.RNE(), z3.fpNeg(x), s) == z3.fpNeg(p)),
        Goal("fl(X * s) > 0, not NaN", z3.And(z3.Not(z3.fpIsNaN(p)), z3.fpIsPositive(p))),
    ], show={"X": x, "s": s}, solver=iq.fpbv_solver)


def q_div_sign() -> Query:
    """For P > 0 (normal or +inf: the product) and t > 0 normal:
    fl(-P / t) = -fl(P / t), V = fl(P / t) >= +0, not NaN (so the C may
    work on magnitudes), and V = +inf when P is (the C's overflow branch)."""
    p, t = z3.FP("P", iq.F32), z3.FP("t", iq.F32)
    v = z3.fpDiv(z3.RNE(), p, t)
    return Query(pre=[z3.Not(z3.fpIsNaN(p)), z3.fpIsPositive(p), *_positive_normal(t)], goals=[
        Goal("fl(-P / t) = -fl(P / t)", z3.fpDiv(z3.RNE(), z3.fpNeg(p), t) == z3.fpNeg(v)),
        Goal("V >= +0, not NaN", z3.And(z3.Not(z3.fpIsNaN(v)), z3.Not(z3.fpIsNegative(v)))),
        Goal("P = +inf  =>  V = +inf", z3.Implies(z3.fpIsInf(p), z3.fpIsInf(v))),
    ], show={"P": p, "t": t}, solver=iq.fpbv_solver)


def q_round(half_down: bool = False) -> Query:
    """For every V >= +0 (not NaN) and sign, the C after the quotient (on the
    bits of V in sym_intreq_div_bits' convention) gives sat(roundf(clamp(+-V)))."""
    v = z3.FP("V", iq.F32)
    neg = z3.Bool("negative")
    b = z3.BitVec("b", 32)
    q_hi = iq.q_hi_of(b)
    w = fx.c_bits(v)
    c = fx.after_quotient(neg, w - 1 if half_down else w, q_hi)
    ref = fx.clamp_round_ref(z3.If(neg, z3.fpNeg(v), v), b)
    return Query(pre=[z3.Not(z3.fpIsNaN(v)), z3.Not(z3.fpIsNegative(v)), z3.UGE(b, 2), z3.ULE(b, 16)],
                 goals=[Goal("C(sign, bits of V, b) = sat(roundf(clamp(+-V)))", c == ref)],
                 show={"V": v, "negative": neg, "b": b, "C": c, "reference": ref}, solver=iq.fpbv_solver)


def q_rescale_round(negative: bool, guard: int = fx.RESCALE_GUARD) -> Query:
    """For every V >= +0 (not NaN), the rescale helper's C after the quotient
    (guard compare on V's bits, half away without saturation) gives the float
    kernel's guard outcome and, when it passes, its value, for +V or -V (one
    query per sign: each stays under 2 s)."""
    v = z3.FP("V", iq.F32)
    neg = z3.BoolVal(negative)
    c_fail, c_val = fx.rescale_after_quotient(neg, fx.c_bits(v), guard)
    r_fail, r_val = fx.rescale_reference_after(z3.If(neg, z3.fpNeg(v), v))
    return Query(pre=[z3.Not(z3.fpIsNaN(v)), z3.Not(z3.fpIsNegative(v))], goals=[
        Goal("the same guard outcome (RANGE_GUARD)", c_fail == r_fail),
        Goal("guard passed: C = sym_sat_round(+-V)", z3.Implies(z3.Not(r_fail), c_val == r_val)),
    ], show={"V": v, "C": c_val, "reference": r_val}, solver=iq.fpbv_solver)


def intreq_fixed_lemmas() -> list[Lemma]:
    return [
        Lemma("intreq.fixed_zero", None, "half_away", "PROVEN",
              "m = 0  =>  C_fixed(m, s, t, b) = reference = 0 (every valid s, t, b)", q_zero, DOC, "exact"),
        Lemma("intreq.fixed_sign", None, None, "PROVEN",
              "int32 m != 0  =>  fl(m) = +-fl(|m|) (the C's uint32 magnitude)", q_sign, DOC, "exact"),
        Lemma("intreq.fixed_mul_sign", None, None, "PROVEN",
              "X, s normal > 0  =>  fl(-X * s) = -fl(X * s), fl(X * s) > 0", q_mul_sign, DOC, "exact"),
        Lemma("intreq.fixed_div_sign", None, None, "PROVEN",
              "P > 0 (or +inf), t normal > 0  =>  fl(-P / t) = -fl(P / t) >= +0, +inf if P is",
              q_div_sign, DOC, "exact"),
        Lemma("intreq.fixed_round", None, "half_away", "PROVEN",
              "V >= +0 float32, b in 2..16  =>  C's half away + clamp on the bits of V = sat(roundf(clamp(+-V)))",
              q_round, DOC, "exact"),
    ] + [Lemma("intreq.rescale_round", None, "half_away", "PROVEN",
               f"V >= +0 float32  =>  C's guard on the bits of V and half away = the guard and roundf of {sg}V",
               lambda neg=neg: q_rescale_round(neg), DOC, "exact", params={"sign": sg})
         for sg, neg in (("+", False), ("-", True))]
