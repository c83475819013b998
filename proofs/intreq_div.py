"""Z3 encoding and lemmas of the prepared-divisor division
(``sym_intreq_divisor_init`` / ``sym_intreq_div_by`` in
kernels/src/sym_intreq.c; docs/integer-only.md#the-faster-exact-divider).

The encoding (:func:`divisor_init`, :func:`div_by`) has one term per C
operation over 32-bit bit-vectors; with concrete arguments it simplifies to
the C's result (tests/test_intreq_div.py runs it against the C).

The lemmas show that ``sym_intreq_div_by`` computes the very (q, sticky, e)
that the 25-step loop of ``sym_intreq_div_bits`` computes (``intreq.div_step``
/ ``intreq.div_link``: X 2^25 = 2 Q md + R_old, 0 <= R_old < 2 md for the
normalised dividend X), and both then run the same rounding (``div_round``,
proven against fpDiv by ``intreq.div_round``), so the two functions return
the same bits for every positive normal n, d: exceptional set empty.
Integer arithmetic: an unsigned C operation proven not to wrap is the
integer operation; ``x << k`` is ``x * 2^k`` modulo 2^32.

- ``intreq.fdiv_recip_start`` / ``intreq.fdiv_recip_step``: the divisor's
  restoring loop keeps 2^(24+i) - 1 = R md + rem, 0 <= rem < md, so after 25
  steps R = floor((2^49 - 1) / md), and R is in [2^25, 2^26);
- ``intreq.fdiv_limbs``: the four 16x16 partial products give
  floor(X R / 2^25) exactly, no 32-bit wrap;
- ``intreq.fdiv_bound``: that estimate is Q or Q - 1;
- ``intreq.fdiv_correct``: the remainder from the low 32 bits of the
  products is exact, and one correction step gives Q and R != 0 iff
  R_old != 0.
"""
from __future__ import annotations

import z3

from . import intreq as iq
from . import intreq_scale as sc
from .query import Goal, Lemma, Query

DOC = "intreq-div"
#: steps of the divisor's restoring loop after the first quotient bit
RECIP_STEPS = 25
#: R = floor((2^49 - 1) / md); the estimate is floor(X R / 2^RECIP_SHIFT)
RECIP_NUM = 2 ** 49 - 1
RECIP_SHIFT = 25
LOW16 = 0xFFFF
W32 = 2 ** 32

_u = iq._u


# ------------------------------------------------------------ the encoding
def divisor_init(d_bits: z3.BitVecRef) -> tuple:
    """``sym_intreq_divisor_init``: (md, r_hi, r_lo, exp)."""
    md = (d_bits & iq.FRAC) | iq.HIDDEN
    rem, r = _u(iq.LOW24) - md, _u(1)
    for _ in range(RECIP_STEPS):
        rem = (rem << 1) | 1
        r = r << 1
        take = z3.UGE(rem, md)
        rem = z3.If(take, rem - md, rem)
        r = z3.If(take, r | 1, r)
    return md, z3.LShR(r, 16), r & LOW16, z3.LShR(d_bits, 23)


def estimate(x, r_hi, r_lo) -> z3.BitVecRef:
    """floor(X R / 2^25) from the 16x16 partial products, as the C."""
    xh, xl = z3.LShR(x, 16), x & LOW16
    return ((xh * r_hi) << 7) + z3.LShR(xh * r_lo + xl * r_hi + z3.LShR(xl * r_lo, 16), 9)


def div_by(n_bits: z3.BitVecRef, dv: tuple, off_by_one: bool = False) -> z3.BitVecRef:
    """``sym_intreq_div_by``; ``off_by_one`` plants a bug (the correction
    compares with > instead of >=; tests)."""
    md, r_hi, r_lo, exp = dv
    x = (n_bits & iq.FRAC) | iq.HIDDEN
    e = z3.LShR(n_bits, 23) - exp + 127
    shifted = z3.ULT(x, md)
    x, e = z3.If(shifted, x << 1, x), z3.If(shifted, e - 1, e)
    q = estimate(x, r_hi, r_lo)
    rem = (x << 24) - q * md
    fix = z3.UGT(rem, md) if off_by_one else z3.UGE(rem, md)
    rem, q = z3.If(fix, rem - md, rem), z3.If(fix, q + 1, q)
    return sc.div_round(q, rem, e)


def div_fast(n_bits: z3.BitVecRef, d_bits: z3.BitVecRef) -> z3.BitVecRef:
    """``sym_intreq_div_by(n, init(d))``: the divider of the fixed-scale loop."""
    return div_by(n_bits, divisor_init(d_bits))


def run_div_fast(n_bits: int, d_bits: int, off_by_one: bool = False) -> int:
    return sc.run(div_by(_u(n_bits), divisor_init(_u(d_bits)), off_by_one))


# -------------------------------------------------------------- the lemmas
def _md(md) -> list:
    return [md >= iq.HIDDEN, md <= iq.LOW24]


def q_recip_start() -> Query:
    """Before the loop: 2^24 - 1 = 1 * md + rem, 0 <= rem < md; after it
    (2^49 - 1 = R md + rem, 0 <= rem < md): R in [2^25, 2^26)."""
    md, r, rem = z3.Ints("md R rem")
    rem0 = iq.LOW24 - md
    return Query(pre=_md(md), goals=[
        Goal("start: 2^24 - 1 = md + rem0, 0 <= rem0 < md", z3.And(rem0 >= 0, rem0 < md)),
        Goal("end: R in [2^25, 2^26)", z3.And(r >= 2 ** 25, r < 2 ** 26),
             extra=[r * md + rem == RECIP_NUM, rem >= 0, rem < md]),
    ], show={"md": md, "R": r})


def q_recip_step(strict: bool = False) -> Query:
    """One step of the divisor's loop keeps N = R md + rem, 0 <= rem < md,
    with N -> 2 N + 1, and no wrap ((rem << 1) | 1 = 2 rem + 1, r << 1 | 1 =
    2 R + 1: both shifted values are even). ``strict``: a planted bug."""
    md, r, rem = z3.Ints("md R rem")
    pre = [*_md(md), r >= 1, r < 2 ** 25, rem >= 0, rem < md]
    rem1 = 2 * rem + 1
    take = rem1 > md if strict else rem1 >= md
    r1 = z3.If(take, 2 * r + 1, 2 * r)
    rem2 = z3.If(take, rem1 - md, rem1)
    return Query(pre=pre, goals=[
        Goal("no wrap: 2 rem + 1, 2 R + 1 < 2^32, rem' >= 0", z3.And(rem1 < W32, 2 * r + 1 < W32, rem2 >= 0)),
        Goal("invariant: R' md + rem' = 2 (R md + rem) + 1, 0 <= rem' < md, R' < 2^26",
             z3.And(r1 * md + rem2 == 2 * (r * md + rem) + 1, rem2 < md, r1 < 2 ** 26)),
    ], show={"md": md, "R": r, "rem": rem})


def q_limbs() -> Query:
    """The C's estimate for X in [2^23, 2^25), R in [2^25, 2^26) split into
    16-bit limbs X = xh 2^16 + xl, R = rh 2^16 + rl: every partial product
    and sum stays below 2^32, and the result is floor(X R / 2^25)."""
    xh, xl, rh, rl = z3.Ints("xh xl rh rl")
    x, r = xh * 2 ** 16 + xl, rh * 2 ** 16 + rl
    pre = [xl >= 0, xl <= LOW16, rl >= 0, rl <= LOW16, xh >= 0, rh >= 0,
           x >= iq.HIDDEN, x < 2 ** 25, r >= 2 ** 25, r < 2 ** 26]
    low = xl * rl
    mid = xh * rl + xl * rh + low / 2 ** 16
    top = xh * rh * 2 ** 7
    q = top + mid / 2 ** 9
    return Query(pre=pre, goals=[
        Goal("no wrap: the products, their sum and the result < 2^32",
             z3.And(low < W32, xh * rl < W32, xl * rh < W32, mid < W32, xh * rh < W32, top < W32, q < W32)),
        Goal("q = floor(X R / 2^25)", q == (x * r) / 2 ** RECIP_SHIFT),
    ], show={"xh": xh, "xl": xl, "rh": rh, "rl": rl})


def _old_loop(x, md, q, r_old) -> list:
    """The 25-step loop's result on X (intreq.div_step / div_link): X 2^25 =
    2 Q md + R_old, 0 <= R_old < 2 md, so Q = floor(X 2^24 / md)."""
    return [x >= md, x < 2 * md, r_old >= 0, r_old < 2 * md, x * 2 ** 25 == 2 * q * md + r_old]


def q_bound(shift: int = RECIP_SHIFT) -> Query:
    """R = floor((2^49 - 1) / md), qe = floor(X R / 2^25)  =>  qe in
    {Q - 1, Q}. X R / 2^25 < X 2^24 / md, and the gap is X (2^49 - R md)
    / (md 2^25) <= X / 2^25 < 1. ``shift`` != 25 plants a bug (tests)."""
    md, x, r, q, r_old, qe, s_r, s_q = z3.Ints("md X R Q R_old qe s_r s_q")
    num = 2 ** (shift + 24) - 1
    pre = [*_md(md), *_old_loop(x, md, q, r_old),
           r * md + s_r == num, s_r >= 0, s_r < md,
           x * r == qe * 2 ** RECIP_SHIFT + s_q, s_q >= 0, s_q < 2 ** RECIP_SHIFT]
    return Query(pre=pre, goals=[
        Goal("qe <= Q", qe <= q),
        Goal("qe >= Q - 1", qe >= q - 1),
    ], show={"md": md, "X": x, "Q": q, "qe": qe})


def q_correct(low: bool, off_by_one: bool = False) -> Query:
    """qe = Q - 1 (``low``) or Q: the C's uint32 remainder (X << 24) - qe md
    modulo 2^32 is the true X 2^24 - qe md, and the one correction step gives
    q = Q and a remainder that is 0 iff R_old is (the sticky of div_round)."""
    md, x, q, r_old = z3.Ints("md X Q R_old")
    qe = q - 1 if low else q
    pre = [*_md(md), *_old_loop(x, md, q, r_old), q >= 2 ** 24, q < 2 ** 25]
    rem = ((x * 2 ** 24) % W32 - (qe * md) % W32) % W32
    true_rem = x * 2 ** 24 - qe * md
    fix = rem > md if off_by_one else rem >= md
    rem1 = z3.If(fix, rem - md, rem)
    q1 = z3.If(fix, qe + 1, qe)
    exact = rem == true_rem
    return Query(pre=pre, goals=[
        Goal("the uint32 remainder is exact: X 2^24 - qe md in [0, 2 md)",
             z3.And(true_rem >= 0, true_rem < 2 * md, exact)),
        Goal("after the correction: q = Q, rem != 0 iff R_old != 0",
             z3.And(q1 == q, (rem1 != 0) == (r_old != 0)), extra=[exact, true_rem >= 0, true_rem < 2 * md]),
    ], show={"md": md, "X": x, "Q": q})


def intreq_div_lemmas() -> list[Lemma]:
    return [
        Lemma("intreq.fdiv_recip_start", None, None, "PROVEN",
              "the divisor loop starts with 2^24 - 1 = md + rem, 0 <= rem < md; R = floor((2^49-1)/md) "
              "is in [2^25, 2^26)", q_recip_start, DOC, "int"),
        Lemma("intreq.fdiv_recip_step", None, None, "PROVEN",
              "one step of the divisor loop keeps N = R md + rem, 0 <= rem < md (N -> 2N + 1), no wrap",
              q_recip_step, DOC, "int"),
        Lemma("intreq.fdiv_limbs", None, None, "PROVEN",
              "X < 2^25, R < 2^26  =>  the 16x16 partial products give floor(X R / 2^25), no wrap",
              q_limbs, DOC, "int"),
        Lemma("intreq.fdiv_bound", None, None, "PROVEN",
              "R = floor((2^49-1)/md), md <= X < 2 md  =>  floor(X R / 2^25) is Q or Q - 1, "
              "Q = floor(X 2^24 / md)", q_bound, DOC, "int"),
    ] + [Lemma("intreq.fdiv_correct", None, None, "PROVEN",
               f"estimate {'Q - 1' if low else 'Q'}  =>  the low 32 bits give the exact remainder; one correction "
               "gives the 25-step loop's (Q, R != 0), so sym_intreq_div_by = sym_intreq_div_bits",
               lambda low=low: q_correct(low), DOC, "int", params={"estimate": "Q-1" if low else "Q"})
         for low in (True, False)]
