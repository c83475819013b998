"""Z3 encoding of the integer-only fixed-scale requant core
(``sym_intreq_fixed_one`` in kernels/src/sym_intreq.c): one term per C
operation over 32-bit bit-vectors, built on the scale steps of
:mod:`symverify.proofs.intreq_scale` (``sym_intreq_mul_int``,
``sym_intreq_div_bits``). With concrete arguments :func:`run_core`
simplifies to the C's result (tests/test_intreq_fixed.py compares them).

The reference is the float32 loop of ``sym_requant_fixed`` (HALF_AWAY) in FP
theory: ``sat_round(clamp(fpDiv(RNE, fpMul(RNE, fpSignedToFP(RNE, m), s), t)))``
with the float clamp of ``sym_clamp_f`` and the saturating round of
``sym_sat_round`` (:func:`clamp_round_ref`).

The proof is composed (docs/proofs.md#intreq-fixed): the product and the
quotient are the proven ``intreq.mul_*`` / ``intreq.div_*`` steps, so the
new lemmas link the signs, the overflow branch and the final half-away
rounding of a float32 value given as bits.
"""
from __future__ import annotations

import z3

from . import intreq as iq
from . import intreq_div as iqd
from . import intreq_scale as sc

_u = iq._u


#: the exponent-field cut-offs of ``sym_iq_round_bits``: above SAT_FIELD the
#: value is >= 2^15 (saturated), below ZERO_FIELD it is < 1/2 (0)
SAT_FIELD = 141
ZERO_FIELD = 126


def round_bits(v_bits: z3.BitVecRef, q_sat: z3.BitVecRef, sat_field: int = SAT_FIELD,
               zero_field: int = ZERO_FIELD) -> z3.BitVecRef:
    """``sym_iq_round_bits``: half away of a non-negative float32 given as
    bits, q_sat from 2^15 up (+inf included). Other cut-offs model mutants
    (mutants/equivalence.py)."""
    ef = z3.LShR(v_bits, 23)
    d = 150 - ef
    sig = (v_bits & iq.FRAC) | iq.HIDDEN
    return z3.If(z3.UGT(ef, sat_field), q_sat,
                 z3.If(z3.ULT(ef, zero_field), _u(0), z3.LShR(sig + (_u(1) << (d - 1)), d)))


def after_quotient(negative, w_bits, q_hi) -> z3.BitVecRef:
    """The C after the quotient's bits w_bits (+inf's bits when the product
    overflowed): round, clamp at q_sat, sign (m != 0)."""
    q_sat = iq.q_sat_of(negative, q_hi)
    k = round_bits(w_bits, q_sat)
    k = z3.If(z3.UGT(k, q_sat), q_sat, k)
    return z3.If(negative, -k, k)


def core(m, s_bits, t_bits, b) -> z3.BitVecRef:
    """``sym_intreq_fixed_one``'s result for a valid width and valid scales."""
    negative = m < 0
    a = z3.If(negative, 0 - m, m)
    p = sc.mul_int(a, s_bits)
    w = z3.If(p == sc.INF, _u(sc.INF), iqd.div_fast(p, t_bits))  # = sc.div_bits: lemmas intreq.fdiv_*
    return z3.If(m == 0, _u(0), after_quotient(negative, w, iq.q_hi_of(b)))


def quotient(x: z3.FPRef, s_bits, t_bits) -> z3.FPRef:
    """fl(fl(x * s) / t) in FP theory."""
    p = z3.fpMul(z3.RNE(), x, z3.fpBVToFP(s_bits, iq.F32))
    return z3.fpDiv(z3.RNE(), p, z3.fpBVToFP(t_bits, iq.F32))


def clamp_round_ref(v: z3.FPRef, b) -> z3.BitVecRef:
    """``sym_round_sat(sym_clamp_f(v, qMin, qMax))`` (HALF_AWAY) of the float
    kernel for a symbolic width 2..16: ``if (c < lo_f) c = lo_f; if (c > hi_f)
    c = hi_f;`` then the saturating round."""
    q_hi = iq.q_hi_of(b)
    hi_f = z3.fpSignedToFP(z3.RNE(), q_hi, iq.F32)  # exact: |q| <= 2^15
    lo_f = z3.fpSignedToFP(z3.RNE(), -q_hi - 1, iq.F32)
    c = z3.If(z3.fpLT(v, lo_f), lo_f, v)
    c = z3.If(z3.fpGT(c, hi_f), hi_f, c)
    return iq.sat_round_ref(c, b)


def reference(m, s_bits, t_bits, b) -> z3.BitVecRef:
    """The float kernel's element: sat(roundf(clamp(fl(fl(fl(m) * s) / t))))."""
    return clamp_round_ref(quotient(z3.fpSignedToFP(z3.RNE(), m, iq.F32), s_bits, t_bits), b)


def c_bits(v: z3.FPRef) -> z3.BitVecRef:
    """A non-negative float32 in the convention of ``sym_intreq_div_bits``:
    its bits when normal or +inf, 0 when subnormal or zero."""
    return z3.If(z3.Or(z3.fpIsSubnormal(v), z3.fpIsZero(v)), _u(0), z3.fpToIEEEBV(v))


def run_core(m: int, s_bits: int, t_bits: int, b: int) -> int:
    return iq.evaluate(core(_u(m & 0xFFFFFFFF), _u(s_bits), _u(t_bits), _u(b)))


def run_reference(m: int, s_bits: int, t_bits: int, b: int) -> int:
    return iq.evaluate(reference(_u(m & 0xFFFFFFFF), _u(s_bits), _u(t_bits), _u(b)))


# ---- the rescale helper (sym_intreq_rescale_bits) on the same composition ----
#: the bits of SYM_RESCALE_GUARD_F = 1073774464.0f
RESCALE_GUARD = 0x4E8000FF
OK, RANGE_GUARD = 0, 1  # the two outcomes after the scale checks


def round_wide(v_bits: z3.BitVecRef, zero_field: int = ZERO_FIELD) -> z3.BitVecRef:
    """``sym_iq_round_wide``: half away of a non-negative float32 < 2^31
    (another cut-off models a mutant)."""
    ef = z3.LShR(v_bits, 23)
    sig = (v_bits & iq.FRAC) | iq.HIDDEN
    d = 150 - ef
    return z3.If(z3.ULT(ef, zero_field), _u(0),
                 z3.If(z3.UGE(ef, 150), sig << (ef - 150), z3.LShR(sig + (_u(1) << (d - 1)), d)))


def rescale_after_quotient(negative, w_bits, guard: int = RESCALE_GUARD) -> tuple[z3.BoolRef, z3.BitVecRef]:
    """The C after the quotient's bits: (guard fails, signed result)."""
    k = round_wide(w_bits)
    return z3.UGT(w_bits, guard), z3.If(negative, -k, k)


def rescale_core(q, s_bits, t_bits) -> tuple[z3.BoolRef, z3.BitVecRef]:
    """``sym_intreq_rescale_bits`` for valid scales: (RANGE_GUARD, *out)."""
    negative = q < 0
    p = sc.mul_int(z3.If(negative, 0 - q, q), s_bits)
    w = z3.If(p == sc.INF, _u(sc.INF), sc.div_bits(p, t_bits))
    fail, value = rescale_after_quotient(negative, w)
    return z3.And(q != 0, fail), z3.If(q == 0, _u(0), value)


def sat_round_int32(v: z3.FPRef) -> z3.BitVecRef:
    """``sym_sat_round(v, INT32_MIN, INT32_MAX)`` in FP theory."""
    hi_f = z3.fpSignedToFP(z3.RNE(), _u(0x7FFFFFFF), iq.F32)  # 2^31 after rounding
    lo_f = z3.fpSignedToFP(z3.RNE(), _u(0x80000000), iq.F32)
    k = z3.fpToSBV(z3.RTZ(), z3.fpRoundToIntegral(z3.RNA(), v), z3.BitVecSort(32))
    return z3.If(z3.fpGEQ(v, hi_f), _u(0x7FFFFFFF), z3.If(z3.Not(z3.fpGT(v, lo_f)), _u(0x80000000), k))


def rescale_reference_after(r: z3.FPRef) -> tuple[z3.BoolRef, z3.BitVecRef]:
    """``sym_rescale_to_acc`` after r: (!(|r| <= guard), sym_sat_round(r))."""
    guard = z3.fpBVToFP(_u(RESCALE_GUARD), iq.F32)
    return z3.Not(z3.fpLEQ(z3.fpAbs(r), guard)), sat_round_int32(r)


def rescale_reference(q, s_bits, t_bits) -> tuple[z3.BoolRef, z3.BitVecRef]:
    return rescale_reference_after(quotient(z3.fpSignedToFP(z3.RNE(), q, iq.F32), s_bits, t_bits))


def run_rescale(q: int, s_bits: int, t_bits: int, reference: bool = False) -> tuple[int, int | None]:
    """(RANGE_GUARD or OK, value or None) of the encoded C or reference."""
    fail, value = (rescale_reference if reference else rescale_core)(_u(q & 0xFFFFFFFF), _u(s_bits), _u(t_bits))
    if z3.is_true(z3.simplify(fail)):
        return RANGE_GUARD, None
    return OK, iq.evaluate(value)
