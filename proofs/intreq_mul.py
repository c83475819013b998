"""Z3 encoding and lemmas of the float-by-float multiply
(``sym_intreq_mul_bits`` in kernels/src/sym_intreq.c;
docs/integer-only.md#the-float-by-float-multiply): one term per C operation
over 32-bit bit-vectors, executable on concrete arguments
(tests/test_intreq_mul.py runs it against the C).

The reference is ``fpToIEEEBV(fpMul(RNE, a, b))`` for positive normal
finite a, b: a normal, subnormal or zero float32, or +inf. The 48-bit
significand product is intreq.product's (the 12x12 limbs equal the exact
product); the lemmas ``intreq.mulf_round[exp_sum]`` run the C's remaining
steps on the exact product written as fpa2bv writes it inside fpMul
(:func:`symverify.proofs.intreq.product_exact`), split by the exponent sum
ea + eb: below the normal range (zero and subnormal results), the normal
range, and the overflow. Exceptional set: empty.
"""
from __future__ import annotations

import z3

from . import intreq as iq
from . import intreq_scale as sc
from .query import Goal, Lemma, Query

DOC = "intreq-mul"
#: the bit-blasted queries take under 2 s idle; room under load
SOLVER_TIMEOUT_MS = 60_000
#: bands of ea + eb (exponent fields, 2..508) by result: 0 or deep
#: subnormal; subnormal up to the first normal (in two: as one band the
#: query took 6.8 s, as two 0.2 s and 0.4 s); normal; normal up to a carry
#: to inf; overflow
EXP_SUM_BANDS = ((2, 100), (101, 119), (120, 127), (128, 253), (254, 380), (381, 508))

_u = iq._u


def mul_subnormal(hi, lo, k, ties_up: bool = False) -> z3.BitVecRef:
    """``sym_iq_mul_subnormal``: RNE(P / 2^k) for k >= 24 (``ties_up``
    plants a bug: ties round up instead of to even; tests)."""
    s = k - 24
    shifted_q = z3.LShR(hi, s)
    shifted_round = z3.LShR(hi, s - 1) & 1
    shifted_sticky = (hi & ((_u(1) << (s - 1)) - 1)) | lo
    zero_shift = s == 0
    q = z3.If(zero_shift, hi, shifted_q)
    rnd = z3.If(zero_shift, z3.LShR(lo, 23), shifted_round)
    sticky = z3.If(zero_shift, lo & iq.FRAC, shifted_sticky)
    up = z3.And(rnd != 0, z3.BoolVal(True) if ties_up else z3.Or(sticky != 0, (q & 1) != 0))
    q = z3.If(up, q + 1, q)
    return z3.If(s > 24, _u(0), q)


def mul_after_product(hi, lo, ea, eb, ties_up: bool = False) -> z3.BitVecRef:
    """``sym_intreq_mul_bits`` after P = hi 2^24 + lo; ea, eb the exponent
    fields as 32-bit values."""
    big = z3.UGT(hi, iq.FRAC)
    sig = z3.If(big, hi, (hi << 1) | z3.LShR(lo, 23))
    rem = z3.If(big, lo, lo & iq.FRAC)
    half = z3.If(big, _u(iq.HIDDEN), _u(iq.HIDDEN >> 1))
    e = ea + eb - z3.If(big, _u(126), _u(127))
    up = sc._rne_up(rem, half, sig)
    normal = ((e - 1) << 23) + z3.If(up, sig + 1, sig)
    return z3.If(e < 1, mul_subnormal(hi, lo, 151 - ea - eb, ties_up),
                 z3.If(e > 254, _u(sc.INF), normal))


def _fields(bits):
    return (bits & iq.FRAC) | iq.HIDDEN, z3.LShR(bits, 23)


def mul_bits(a_bits, b_bits, product: iq.Product = iq.product_limbs, ties_up: bool = False) -> z3.BitVecRef:
    """The whole of ``sym_intreq_mul_bits``."""
    (ma, ea), (mb, eb) = _fields(a_bits), _fields(b_bits)
    hi, lo = product(ma, mb)
    return mul_after_product(hi, lo, ea, eb, ties_up)


def mul_reference(a_bits, b_bits) -> z3.BitVecRef:
    """fl(a * b) as float32 bits (a, b positive normal: never NaN or negative)."""
    return z3.fpToIEEEBV(z3.fpMul(z3.RNE(), z3.fpBVToFP(a_bits, iq.F32), z3.fpBVToFP(b_bits, iq.F32)))


def run_mul_bits(a_bits: int, b_bits: int, ties_up: bool = False) -> int:
    return sc.run(mul_bits(_u(a_bits), _u(b_bits), ties_up=ties_up))


def q_mul_round(lo: int, hi: int, ties_up: bool = False) -> Query:
    """C steps of sym_intreq_mul_bits on the exact product against
    fpMul(RNE, a, b), for exponent fields with ea + eb in [lo, hi]."""
    ea, fa, eb, fb = z3.BitVec("ea", 8), z3.BitVec("fa", 23), z3.BitVec("eb", 8), z3.BitVec("fb", 23)
    a_bits = z3.Concat(z3.BitVecVal(0, 1), ea, fa)
    b_bits = z3.Concat(z3.BitVecVal(0, 1), eb, fb)
    c = mul_bits(a_bits, b_bits, iq.product_exact, ties_up)
    ref = mul_reference(a_bits, b_bits)
    total = z3.ZeroExt(1, ea) + z3.ZeroExt(1, eb)  # 9 bits: no wrap
    pre = [z3.Not(ea == 0), z3.Not(ea == 255), z3.Not(eb == 0), z3.Not(eb == 255),
           z3.UGE(total, lo), z3.ULE(total, hi)]
    return Query(pre=pre, goals=[Goal("C(a, b) = bits of fl(a * b) (subnormal, 0 or inf included)", c == ref)],
                 show={"a_bits": a_bits, "b_bits": b_bits, "C": c, "reference": ref},
                 solver=lambda t: sc.NormalSubstSolver([ea, eb], max(t, SOLVER_TIMEOUT_MS)))


def intreq_mul_lemmas() -> list[Lemma]:
    return [Lemma("intreq.mulf_round", None, None, "PROVEN",
                  f"a, b normal > 0, ea + eb in [{lo}, {hi}]  =>  sym_intreq_mul_bits = bits of fl(a * b) "
                  "(normal, subnormal, 0 or inf)", lambda lo=lo, hi=hi: q_mul_round(lo, hi), DOC, "exact",
                  params={"exp_sum": f"{lo}..{hi}"})
            for lo, hi in EXP_SUM_BANDS]
