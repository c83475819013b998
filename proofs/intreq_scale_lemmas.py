"""The intreq.mul_* / intreq.div_* lemmas: the integer scale steps of the
dynamic requant (``sym_intreq_mul_int``, ``sym_intreq_div_bits``) equal the
float32 operations, bit for bit (composition in proofs/intreq_scale.py,
docs/proofs.md#intreq-scale)."""
from __future__ import annotations

import z3

from . import intreq as iq
from . import intreq_scale as sc
from .query import Goal, Lemma, Query

DOC = "intreq-scale"
#: the solver timeout the bit-blasted queries are built with (the runner
#: solves them under the lemma's wall budget, runner.LEMMA_LIMIT_S)
SOLVER_TIMEOUT_MS = 60_000
#: biased exponent bands of the quotient (en - ed + 127) for intreq.div_round:
#: everything below the normal range, the two halves of it, the overflow
DIV_BANDS = ((-126, 1), (2, 127), (128, 254), (255, 380))


def _normal(f: z3.BitVecRef) -> list:
    return [z3.Not(f == 0), z3.Not(f == 255)]


def _f32(e: z3.BitVecRef, f: z3.BitVecRef) -> z3.BitVecRef:
    return z3.Concat(z3.BitVecVal(0, 1), e, f)


def q_fl_uint() -> Query:
    """fl(a) for every uint32 a != 0: exponent field ea + 150, significand ma."""
    a = z3.BitVec("a", 32)
    ma, ea = iq.fl_int(a)
    biased = ea + 150
    fields = z3.fpFP(z3.BitVecVal(0, 1), z3.Extract(7, 0, biased), z3.Extract(22, 0, ma))
    fl_a = z3.fpUnsignedToFP(z3.RNE(), a, iq.F32)
    return Query(pre=[a != 0], goals=[
        Goal("ma in [2^23, 2^24), ea + 150 in [127, 159]",
             z3.And(z3.UGE(ma, iq.HIDDEN), z3.ULE(ma, iq.LOW24), biased >= 127, biased <= 159)),
        Goal("fl(a) = ma * 2^ea (the float32 fields)", fl_a == fields),
    ], show={"a": a, "ma": ma, "ea": ea}, solver=iq.fpbv_solver)


def q_mul_round() -> Query:
    """C steps of sym_intreq_mul_int after fl(a) against fpMul(RNE, fl(a), s)."""
    ex, fx = z3.BitVec("ex", 8), z3.BitVec("fx", 23)
    es, fs = z3.BitVec("es", 8), z3.BitVec("fs", 23)
    s_bits = _f32(es, fs)
    ma = z3.ZeroExt(8, z3.Concat(z3.BitVecVal(1, 1), fx))
    ea = z3.ZeroExt(24, ex) - 150
    c = sc.mul_round(ma, ea, s_bits, iq.product_exact)
    ref = sc.mul_reference(z3.fpFP(z3.BitVecVal(0, 1), ex, fx), s_bits)
    pre = [z3.UGE(ex, 127), z3.ULE(ex, 159), *_normal(ex), *_normal(es)]
    return Query(pre=pre, goals=[Goal("C(fields of fl(a), s) = bits of fl(fl(a) * s), inf on overflow", c == ref)],
                 show={"ex": ex, "fx": fx, "s_bits": s_bits, "C": c, "reference": ref},
                 solver=lambda t: sc.NormalSubstSolver([ex, es], max(t, SOLVER_TIMEOUT_MS)))


def q_div_norm() -> Query:
    """The C's normalisation: mn in [md, 2 md), mn = ma or 2 ma as ma < md."""
    fn, fd = z3.BitVec("fn", 23), z3.BitVec("fd", 23)
    n_bits, d_bits = _f32(z3.BitVecVal(127, 8), fn), _f32(z3.BitVecVal(127, 8), fd)
    mn, md, _ = sc.div_fields(n_bits, d_bits)
    ma = (n_bits & iq.FRAC) | iq.HIDDEN
    return Query(pre=[], goals=[Goal("md <= mn < 2 md < 2^25, mn = (ma < md ? 2 ma : ma)", z3.And(
        z3.ULE(md, mn), z3.ULT(mn, md << 1), z3.ULT(md << 1, 1 << 25),
        mn == z3.If(z3.ULT(ma, md), ma << 1, ma)))], show={"fn": fn, "fd": fd})


def q_div_step(strict: bool = False) -> Query:
    """One iteration of the restoring loop keeps X = 2 Q md + R, 0 <= R < 2 md
    (X doubles), with no 32-bit wrap (integer arithmetic: an unsigned op that
    cannot wrap is the integer op; q << 1 is even, so | 1 adds 1)."""
    md, q, r, x = z3.Ints("md Q R X")
    pre = [md >= iq.HIDDEN, md <= iq.LOW24, q >= 0, q < 2 ** 24, r >= 0, r < 2 * md, x == 2 * q * md + r]
    take = r > md if strict else r >= md  # strict: a planted bug (tests)
    q1 = 2 * q + z3.If(take, 1, 0)
    r1 = z3.If(take, r - md, r)
    r2 = 2 * r1
    return Query(pre=pre, goals=[
        Goal("no wrap: 2Q, R - md (taken), 2 R' < 2^32", z3.And(2 * q < 2 ** 32, r1 >= 0, r2 < 2 ** 32)),
        Goal("invariant: 2 Q' md + R' = 2 X, 0 <= R' < 2 md, Q' < 2^25",
             z3.And(2 * q1 * md + r2 == 2 * x, r2 >= 0, r2 < 2 * md, q1 < 2 ** 25)),
    ], show={"md": md, "Q": q, "R": r})


def q_div_link(shifted: bool) -> Query:
    """After 25 steps from (0, mn): mn 2^25 = 2 Q md + R, 0 <= R < 2 md. Then Q
    and R != 0 are the q and sticky != 0 that :func:`quotient_fpa2bv` takes
    from fpa2bv's quotient quot = floor(ma 2^50 / md) = Qf 2^k + t, 0 <= t < 2^k
    (k = 25 if ma < md, else 26; integer arithmetic)."""
    ma, md, q, r, qf, t, r50 = z3.Ints("ma md Q R Qf t r50")
    mn, k = (2 * ma, 2 ** 25) if shifted else (ma, 2 ** 26)
    pre = [ma >= iq.HIDDEN, ma <= iq.LOW24, md >= iq.HIDDEN, md <= iq.LOW24,
           (ma < md) if shifted else (ma >= md),
           r >= 0, r < 2 * md, mn * 2 ** 25 == 2 * q * md + r,
           ma * 2 ** 50 == (qf * k + t) * md + r50, r50 >= 0, r50 < md, t >= 0, t < k]
    return Query(pre=pre, goals=[
        Goal("Q = quot div 2^k", q == qf),
        Goal("R = 0 iff quot mod 2^k = 0", (r == 0) == (t == 0), extra=[q == qf]),
    ], show={"ma": ma, "md": md, "Q": q})


def q_div_round(lo: int, hi: int) -> Query:
    """C steps of sym_intreq_div_bits on (q, sticky) against fpDiv(RNE, n, d),
    for en - ed + 127 in [lo, hi]."""
    en, fn, ed, fd = z3.BitVec("en", 8), z3.BitVec("fn", 23), z3.BitVec("ed", 8), z3.BitVec("fd", 23)
    n_bits, d_bits = _f32(en, fn), _f32(ed, fd)
    _, md, e = sc.div_fields(n_bits, d_bits)
    q, sticky, _ = sc.quotient_fpa2bv((n_bits & iq.FRAC) | iq.HIDDEN, md)
    c = sc.div_round(q, sticky, e)
    ref = sc.div_reference(n_bits, d_bits)
    biased = z3.SignExt(8, z3.ZeroExt(1, en)) - z3.SignExt(8, z3.ZeroExt(1, ed)) + 127
    pre = [*_normal(en), *_normal(ed), biased >= lo, biased <= hi]
    return Query(pre=pre, goals=[Goal("C(q, sticky, e) = bits of fl(n / d) (0 below 2^-126, inf above)", c == ref)],
                 show={"n_bits": n_bits, "d_bits": d_bits, "C": c, "reference": ref},
                 solver=lambda t: sc.NormalSubstSolver([en, ed], max(t, SOLVER_TIMEOUT_MS)))


def intreq_scale_lemmas() -> list[Lemma]:
    out = [
        Lemma("intreq.fl_uint", None, None, "PROVEN",
              "uint32 a != 0  =>  the C's (ma, ea) are the fields of fl(a) (exact RNE of (float)a)",
              q_fl_uint, DOC, "exact"),
        Lemma("intreq.mul_round", None, None, "PROVEN",
              "fl(a) in [1, 2^32], s normal > 0  =>  sym_intreq_mul_int = bits of fl(fl(a) * s) (inf on overflow)",
              q_mul_round, DOC, "exact"),
        Lemma("intreq.div_norm", None, None, "PROVEN",
              "the dividend significand is normalised into [md, 2 md)", q_div_norm, DOC, "exact"),
        Lemma("intreq.div_step", None, None, "PROVEN",
              "one restoring-division step keeps X = 2 Q md + R, 0 <= R < 2 md, no wrap", q_div_step, DOC, "int"),
    ]
    for shifted in (False, True):
        out.append(Lemma("intreq.div_link", None, None, "PROVEN",
                         f"ma {'<' if shifted else '>='} md, after 25 steps  =>  (Q, R != 0) are the quotient "
                         "bits and sticky of fpa2bv's bvudiv", lambda s=shifted: q_div_link(s), DOC, "int",
                         params={"shifted": str(shifted).lower()}))
    for lo, hi in DIV_BANDS:
        out.append(Lemma("intreq.div_round", None, None, "PROVEN",
                         f"n, d normal > 0, en - ed + 127 in [{lo}, {hi}]  =>  "
                         "sym_intreq_div_bits = bits of fl(n / d) (0 if not normal, inf on overflow)",
                         lambda lo=lo, hi=hi: q_div_round(lo, hi), DOC, "exact", params={"exp": f"{lo}..{hi}"}))
    return out
