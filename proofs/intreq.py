"""Z3 encoding of the integer-only requant core (kernels/src/sym_intreq.c).

The C function is encoded over 32-bit bit-vectors, one term per C operation
(unsigned ``>>`` is ``LShR``, comparisons of ``uint32_t`` are unsigned, of
``int32_t`` signed). :func:`core` is the whole of ``sym_intreq_one`` for a
valid width and scale; with concrete arguments :func:`evaluate` simplifies it
to the C's result, so the same terms are proved and executed
(tests/test_intreq.py runs them against the C through cffi).

The reference is the float32 expression of the float kernels in FP theory:
``sat(fpRoundToIntegral(RNA, fpMul(RNE, fpSignedToFP(RNE, m), r)))`` with the
saturating clamp of ``sym_sat_round``.

One query over every m, r and b does not finish (a SAT solver cannot show
that two different 24x24-bit multiplier circuits agree), so the proof is
composed of four lemmas (docs/proofs.md#intreq-core):

* ``intreq.zero``: m = 0 gives 0 on both sides;
* ``intreq.fl_int``: for every int32 m != 0 the C's (ma, ea) is the float32
  ``fl(m)``: the same sign, exponent ea + 150 and significand ma, ma in
  [2^23, 2^24);
* ``intreq.product``: the C's four 12x12-bit partial products compute the
  exact 48-bit product ma*mr = hi*2^24 + lo with no 32-bit wrap (linear and
  non-linear integer arithmetic; an unsigned op that cannot wrap is the
  integer op);
* ``intreq.round[exp_sum]``: for every normal float32 X of the exponents of
  fl(m) (127..158), every positive normal r and every width b in 2..16, the
  C's steps after the product (on the fields of X, with (hi, lo) the halves
  of the 48-bit product) give the reference's bits. The 48-bit product is the
  same term as the one inside Z3's fpMul, so the solver never compares two
  multipliers. Case split by ex + er (the exponent fields of X and r).

Together: C(m, r, b) = round(fields of fl(m), r, b) = reference(m, r, b).
"""
from __future__ import annotations

from typing import Callable

import z3

F32 = z3.Float32()
HIDDEN = 0x800000
FRAC = 0x7FFFFF
LOW24 = 0xFFFFFF
LOW12 = 0xFFF
#: ex + er bands of intreq.round: below, every product is < 1/4; from the
#: top, every product is >= 2^16 (saturated at every width <= 16).
EXP_SUM_LOW = 250
EXP_SUM_HIGH = 271
EXP_SUM_MIN = 127 + 1
EXP_SUM_MAX = 158 + 254


def _u(v: int) -> z3.BitVecRef:
    return z3.BitVecVal(v, 32)


def bit_length(x: z3.BitVecRef) -> z3.BitVecRef:
    """``sym_iq_bit_length``: the binary search, step by step."""
    n = _u(1)
    for width, step in ((16, 0x10000), (8, 0x100), (4, 0x10), (2, 0x4)):
        c = z3.UGE(x, step)
        x = z3.If(c, z3.LShR(x, width), x)
        n = z3.If(c, n + width, n)
    return z3.If(z3.UGE(x, 2), n + 1, n)


def _rne_up(rem, half, kept):
    """``rem > half || (rem == half && (kept & 1u) != 0u)`` (unsigned)."""
    return z3.Or(z3.UGT(rem, half), z3.And(rem == half, (kept & 1) != 0))


def _product_round_up(rem, half, kept):
    """``rem >= half``: the product's rounding, ties up (the tie rule cannot
    change the result; intreq.round proves it with this very term)."""
    return z3.UGE(rem, half)


def fl_int(a: z3.BitVecRef) -> tuple[z3.BitVecRef, z3.BitVecRef]:
    """fl(a) = ma * 2^ea for a > 0: the first block of ``sym_iq_magnitude``."""
    length = bit_length(a)
    # len <= 24: exact
    ma_exact = a << (24 - length)
    # len > 24: ea = len - 24, then RNE of the dropped bits
    ea = length - 24
    kept = z3.LShR(a, ea)
    rem = a & ((_u(1) << ea) - 1)
    half = _u(1) << (ea - 1)
    rounded = z3.If(_rne_up(rem, half, kept), kept + 1, kept)
    carried = z3.UGT(rounded, LOW24)
    ma_round = z3.If(carried, z3.LShR(rounded, 1), rounded)
    ea_round = z3.If(carried, ea + 1, ea)
    small = length <= 24  # int32_t comparison
    return z3.If(small, ma_exact, ma_round), z3.If(small, length - 24, ea_round)


def product_limbs(ma: z3.BitVecRef, mr: z3.BitVecRef) -> tuple[z3.BitVecRef, z3.BitVecRef]:
    """The C's product from 12-bit halves: (hi, lo) with P = hi*2^24 + lo."""
    ah, al = z3.LShR(ma, 12), ma & LOW12
    bh, bl = z3.LShR(mr, 12), mr & LOW12
    mid = ah * bl + al * bh
    lo = al * bl + ((mid & LOW12) << 12)
    hi = ah * bh + z3.LShR(mid, 12) + z3.LShR(lo, 24)
    return hi, lo & LOW24


def product_exact(ma: z3.BitVecRef, mr: z3.BitVecRef) -> tuple[z3.BitVecRef, z3.BitVecRef]:
    """The halves of the exact 48-bit product of the 24-bit significands,
    written as Z3's fpMul writes its significand product (what intreq.product
    shows the limbs compute)."""
    p = z3.ZeroExt(24, z3.Extract(23, 0, ma)) * z3.ZeroExt(24, z3.Extract(23, 0, mr))
    return z3.ZeroExt(8, z3.Extract(47, 24, p)), z3.ZeroExt(8, z3.Extract(23, 0, p))


Product = Callable[[z3.BitVecRef, z3.BitVecRef], tuple[z3.BitVecRef, z3.BitVecRef]]


def _half_away(top, d):
    """``(top + (1u << (d - 1))) >> d``: half away from zero on the magnitude."""
    return z3.LShR(top + (_u(1) << (d - 1)), d)


def round_magnitude(ma, ea, mr, er, q_sat, product: Product = product_limbs) -> z3.BitVecRef:
    """The rest of ``sym_iq_magnitude`` from fl(a) = ma * 2^ea: the product,
    its RNE to 24 bits, the saturation / zero cut-offs and half away."""
    hi, lo = product(ma, mr)
    big = z3.UGT(hi, FRAC)
    top = z3.If(big, hi, (hi << 1) | z3.LShR(lo, 23))
    rem = z3.If(big, lo, lo & FRAC)
    half = z3.If(big, _u(HIDDEN), _u(HIDDEN >> 1))
    e0 = z3.If(big, _u(24), _u(23))
    top = z3.If(_product_round_up(rem, half, top), top + 1, top)
    e = e0 + ea + er - 150
    d = -e
    return z3.If(e > -8, q_sat, z3.If(e < -25, _u(0), _half_away(top, d)))


def signed_result(negative, k, q_hi) -> z3.BitVecRef:
    """``sym_iq_requant`` after the magnitude k: clamp and sign (m != 0)."""
    pos = z3.If(z3.UGT(k, q_hi), q_hi, k)
    neg = z3.If(z3.UGT(k, q_hi + 1), q_hi + 1, k)
    return z3.If(negative, -neg, pos)


def q_sat_of(negative, q_hi) -> z3.BitVecRef:
    """The q_sat argument of the C's two calls of sym_iq_magnitude (one per
    sign branch; the function is pure, so one call on the selected argument
    is the same value)."""
    return z3.If(negative, q_hi + 1, q_hi)


def q_hi_of(b: z3.BitVecRef) -> z3.BitVecRef:
    return (_u(1) << (b - 1)) - 1


def scale_fields(r_bits: z3.BitVecRef) -> tuple[z3.BitVecRef, z3.BitVecRef]:
    """(mr, er) of a positive normal float32 given as bits."""
    return (r_bits & FRAC) | HIDDEN, z3.LShR(r_bits, 23) & 0xFF


def core(m: z3.BitVecRef, r_bits: z3.BitVecRef, b: z3.BitVecRef, product: Product = product_limbs) -> z3.BitVecRef:
    """``sym_intreq_one``'s result for a valid width b and a valid scale r_bits."""
    mr, er = scale_fields(r_bits)
    q_hi = q_hi_of(b)
    negative = m < 0
    a = z3.If(negative, 0 - m, m)  # (uint32_t)m or 0u - (uint32_t)m
    ma, ea = fl_int(a)
    k = round_magnitude(ma, ea, mr, er, q_sat_of(negative, q_hi), product)
    return z3.If(m == 0, _u(0), signed_result(negative, k, q_hi))


def sat_round_ref(v: z3.FPRef, b: z3.BitVecRef) -> z3.BitVecRef:
    """``sym_sat_round(v, qMin, qMax)`` in FP theory for a symbolic width 2..16."""
    q_hi = q_hi_of(b)
    q_lo = -q_hi - 1
    hi_f = z3.fpSignedToFP(z3.RNE(), q_hi, F32)  # exact: |q| <= 2^15
    lo_f = z3.fpSignedToFP(z3.RNE(), q_lo, F32)
    k = z3.fpToSBV(z3.RTZ(), z3.fpRoundToIntegral(z3.RNA(), v), z3.BitVecSort(32))
    inner = z3.If(k > q_hi, q_hi, z3.If(k < q_lo, q_lo, k))
    return z3.If(z3.fpGEQ(v, hi_f), q_hi, z3.If(z3.Not(z3.fpGT(v, lo_f)), q_lo, inner))


def reference(m: z3.BitVecRef, r_bits: z3.BitVecRef, b: z3.BitVecRef) -> z3.BitVecRef:
    """The float kernels' element: sat(roundf(fl(fl(m) * r)))."""
    x = z3.fpSignedToFP(z3.RNE(), m, F32)
    r = z3.fpBVToFP(r_bits, F32)
    return sat_round_ref(z3.fpMul(z3.RNE(), x, r), b)


def evaluate(term: z3.BitVecRef) -> int:
    """A closed 32-bit term as a signed Python int."""
    t = z3.simplify(term)
    if not z3.is_bv_value(t):
        raise ValueError(f"term did not simplify to a value: {t}")
    return t.as_signed_long()


def run_core(m: int, r_bits: int, b: int, product: Product = product_limbs) -> int:
    """The encoded C on concrete arguments."""
    return evaluate(core(_u(m & 0xFFFFFFFF), _u(r_bits), _u(b), product))


def run_reference(m: int, r_bits: int, b: int) -> int:
    """The FP-theory reference on concrete arguments."""
    return evaluate(reference(_u(m & 0xFFFFFFFF), _u(r_bits), _u(b)))


def fpbv_solver(timeout_ms: int) -> z3.Solver:
    """Bit-blasting solver: the asserted ``er != 0`` / ``er != 255`` atoms are
    propagated into fpa2bv's is-normal tests, so the significand product of
    the reference becomes the very term of :func:`product_exact`."""
    # the SAT tactic decides unsat fast; where it only finds an
    # over-approximated goal satisfiable, the SMT core builds the model
    finish = z3.OrElse(z3.Then("sat", "fail-if-undecided"), "smt")
    s = z3.Then("simplify", "propagate-values", "fpa2bv", "propagate-values", "simplify",
                "solve-eqs", "bit-blast", finish).solver()
    s.set("timeout", timeout_ms)
    return s
