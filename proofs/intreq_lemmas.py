"""The intreq.* lemmas: the integer-only requant core equals the float32
expression, bit for bit (composition in proofs/intreq.py, docs/proofs.md#intreq-core)."""
from __future__ import annotations

import z3

from . import intreq as iq
from .intreq_div import intreq_div_lemmas
from .intreq_acc import intreq_acc_lemmas
from .intreq_fixed_lemmas import intreq_fixed_lemmas
from .intreq_mul import intreq_mul_lemmas
from .intreq_scale_lemmas import intreq_scale_lemmas
from .query import Goal, Lemma, Query

DOC = "intreq-core"
#: the solver timeout the bands are built with (the runner solves them under
#: the lemma's wall budget, runner.LEMMA_LIMIT_S)
ROUND_TIMEOUT_MS = 60_000


def _round_solver(timeout_ms: int) -> z3.Solver:
    return iq.fpbv_solver(max(timeout_ms, ROUND_TIMEOUT_MS))


def _width(b: z3.BitVecRef) -> list:
    return [z3.UGE(b, 2), z3.ULE(b, 16)]


def _scale(er: z3.BitVecRef) -> list:
    """A normal float32: the exponent field is neither 0 nor 255 (the very
    atoms fpa2bv's is-normal test uses, so they propagate into it)."""
    return [z3.Not(er == 0), z3.Not(er == 255)]


def q_zero() -> Query:
    """m = 0: the C returns 0 before any field work; fl(0 * r) = 0 rounds to 0."""
    er, fr, b = z3.BitVec("er", 8), z3.BitVec("fr", 23), z3.BitVec("b", 32)
    r_bits = z3.Concat(z3.BitVecVal(0, 1), er, fr)
    m = z3.BitVecVal(0, 32)
    c, ref = iq.core(m, r_bits, b), iq.reference(m, r_bits, b)
    return Query(pre=_width(b) + _scale(er), goals=[Goal("C(0, r, b) = reference(0, r, b) = 0",
                                                          z3.And(c == 0, ref == 0))],
                 show={"r_bits": r_bits, "b": b, "C": c, "reference": ref}, solver=iq.fpbv_solver)


def q_fl_int() -> Query:
    """fl(m) on the integer side: sign, exponent field ea + 150 and significand ma."""
    m = z3.BitVec("m", 32)
    a = z3.If(m < 0, 0 - m, m)  # (uint32_t)m or 0u - (uint32_t)m
    ma, ea = iq.fl_int(a)
    biased = ea + 150
    sign = z3.If(m < 0, z3.BitVecVal(1, 1), z3.BitVecVal(0, 1))
    fields = z3.fpFP(sign, z3.Extract(7, 0, biased), z3.Extract(22, 0, ma))
    fl_m = z3.fpSignedToFP(z3.RNE(), m, iq.F32)
    return Query(pre=[m != 0], goals=[
        Goal("ma in [2^23, 2^24), ea + 150 in [127, 158]",
             z3.And(z3.UGE(ma, iq.HIDDEN), z3.ULE(ma, iq.LOW24), biased >= 127, biased <= 158)),
        Goal("fl(m) = (-1)^sign * ma * 2^ea (the float32 fields)", fl_m == fields),
    ], show={"m": m, "ma": ma, "ea": ea, "fl(m)": fl_m}, solver=iq.fpbv_solver)


def q_product(limb_bits: int = 12) -> Query:
    """The four 12x12 partial products: no 32-bit wrap, and hi*2^24 + lo = ma*mr.

    Integer encoding of product_limbs: for uint32 values that cannot wrap,
    ``x >> k`` is x div 2^k, ``x & (2^k - 1)`` is x mod 2^k, ``x << k`` is
    x * 2^k, + and * are the integer ones; the no-wrap goal proves the premise."""
    ma, mr = z3.Ints("ma mr")
    pre = [ma >= iq.HIDDEN, ma <= iq.LOW24, mr >= iq.HIDDEN, mr <= iq.LOW24]
    k = 2 ** limb_bits  # the C's split: 12 (a test plants another)
    ah, al, bh, bl = ma / k, ma % k, mr / k, mr % k
    p_hl, p_lh, p_ll, p_hh = ah * bl, al * bh, al * bl, ah * bh
    mid = p_hl + p_lh
    mid_lo = (mid % 4096) * 4096
    lo_sum = p_ll + mid_lo
    hi = p_hh + mid / 4096 + lo_sum / 2 ** 24
    lo = lo_sum % 2 ** 24
    steps = (p_hl, p_lh, p_ll, p_hh, mid, mid_lo, lo_sum, hi)
    return Query(pre=pre, goals=[
        Goal("every intermediate < 2^32 (no unsigned wrap)", z3.And(*[t < 2 ** 32 for t in steps])),
        Goal("hi < 2^24 and hi*2^24 + lo = ma*mr", z3.And(hi < 2 ** 24, hi * 2 ** 24 + lo == ma * mr)),
    ], show={"ma": ma, "mr": mr, "hi": hi, "lo": lo})


def q_round(lo: int, hi: int) -> Query:
    """C steps after fl(m) against the reference, for ex + er in [lo, hi]."""
    sx, ex, fx = z3.BitVec("sign", 1), z3.BitVec("ex", 8), z3.BitVec("fx", 23)
    er, fr, b = z3.BitVec("er", 8), z3.BitVec("fr", 23), z3.BitVec("b", 32)
    r_bits = z3.Concat(z3.BitVecVal(0, 1), er, fr)
    mr, er32 = iq.scale_fields(r_bits)
    ma = z3.ZeroExt(8, z3.Concat(z3.BitVecVal(1, 1), fx))
    ea = z3.ZeroExt(24, ex) - 150
    q_hi = iq.q_hi_of(b)
    negative = sx == 1
    k = iq.round_magnitude(ma, ea, mr, er32, iq.q_sat_of(negative, q_hi), iq.product_exact)
    c = iq.signed_result(negative, k, q_hi)
    x = z3.fpFP(sx, ex, fx)
    ref = iq.sat_round_ref(z3.fpMul(z3.RNE(), x, z3.fpBVToFP(r_bits, iq.F32)), b)
    esum = z3.ZeroExt(8, ex) + z3.ZeroExt(8, er)
    pre = [z3.UGE(ex, 127), z3.ULE(ex, 158), *_scale(ex), *_scale(er), *_width(b),
           z3.UGE(esum, lo), z3.ULE(esum, hi)]
    return Query(pre=pre, goals=[Goal("C(fields of fl(m), r, b) = sat(roundf(fl(fl(m) * r)))", c == ref)],
                 show={"fl(m)": x, "r_bits": r_bits, "b": b, "C": c, "reference": ref},
                 solver=_round_solver)


def exp_sum_bands() -> list[tuple[int, int]]:
    """The case split of intreq.round: one band below, one per ex + er value
    where the result is neither 0 nor saturated for every input, one above."""
    bands = [(iq.EXP_SUM_MIN, iq.EXP_SUM_LOW)]
    bands += [(s, s) for s in range(iq.EXP_SUM_LOW + 1, iq.EXP_SUM_HIGH)]
    return bands + [(iq.EXP_SUM_HIGH, iq.EXP_SUM_MAX)]


def intreq_lemmas() -> list[Lemma]:
    out = [
        Lemma("intreq.zero", None, None, "PROVEN", "m = 0  =>  C(m, r, b) = reference = 0 (every valid r, b)",
              q_zero, DOC, "exact"),
        Lemma("intreq.fl_int", None, None, "PROVEN",
              "int32 m != 0  =>  the C's (ma, ea) are the fields of fl(m) (exact RNE of (float)m)",
              q_fl_int, DOC, "exact"),
        Lemma("intreq.product", None, None, "PROVEN",
              "ma, mr in [2^23, 2^24)  =>  the 12x12 partial products give hi*2^24 + lo = ma*mr, no wrap",
              q_product, DOC, "int"),
    ]
    for lo, hi in exp_sum_bands():
        tag = str(lo) if lo == hi else f"{lo}..{hi}"
        out.append(Lemma("intreq.round", None, "half_away", "PROVEN",
                         f"ex + er in [{lo}, {hi}], r normal > 0, b in 2..16  =>  "
                         "C(fl(m) fields, r, b) = clamp(roundf(fl(fl(m) * r)))",
                         lambda lo=lo, hi=hi: q_round(lo, hi), DOC, "exact", params={"exp_sum": tag}))
    return (out + intreq_scale_lemmas() + intreq_fixed_lemmas() + intreq_div_lemmas() + intreq_mul_lemmas()
            + intreq_acc_lemmas())
