"""The per-element SR step of the integer-only dynamic requant
(``sym_iq_sr`` / ``sym_iq_uniform_bits`` in kernels/src/sym_intreq.c):
encoding over 32-bit bit-vectors (executable: :func:`run_sr`) and the
lemmas ``intreq.sr_*`` that close the chain

    v = fl(fl(m) * r)          intreq.fl_uint, intreq.mul_round (the magnitude),
                               intreq.fixed_sign, intreq.fixed_mul_sign (the sign)
    u = (state >> 8) * 2^-24   intreq.sr_uniform
    w = fl(fl(v + u) - 0.5f)   intreq.add* (twice: v, u and v + u are never NaN)
    sym_sat_round(w)           intreq.sr_round

against ``sym_round_sat(SR_HALF_AWAY)`` of the float kernel
(docs/integer-only.md#the-sr-variant, docs/proofs.md#intreq-add).
"""
from __future__ import annotations

import z3

from . import fp
from . import intreq as iq
from . import intreq_add as ia
from . import intreq_fixed as fx
from . import intreq_scale as sc
from .query import Goal, Lemma, Query

DOC = "intreq-add"
MINUS_HALF = 0xBF000000
TWO_POW_M24 = 0x33800000

_u = iq._u


def uniform_bits(s: z3.BitVecRef) -> z3.BitVecRef:
    """``sym_iq_uniform_bits`` after the xorshift step: u's bits from s."""
    k = z3.LShR(s, 8)
    length = iq.bit_length(k)
    return z3.If(k == 0, _u(0), ((101 + length) << 23) + (k << (24 - length)))


def uniform_reference(s: z3.BitVecRef) -> z3.BitVecRef:
    """``sym_rng_uniform``: f = (float)(s >> 8); f * 2^-24."""
    f = z3.fpUnsignedToFP(z3.RNE(), z3.LShR(s, 8), iq.F32)
    return z3.fpToIEEEBV(z3.fpMul(z3.RNE(), f, z3.fpBVToFP(_u(TWO_POW_M24), iq.F32)))


def round_signed(w: z3.BitVecRef, b: z3.BitVecRef) -> z3.BitVecRef:
    """The end of ``sym_iq_sr``: saturating half away on w's bits."""
    negative = (w & ia.SIGN) != 0
    return fx.after_quotient(negative, w & ia.MAG, iq.q_hi_of(b))


def sr_element(m: z3.BitVecRef, r_bits: z3.BitVecRef, b: z3.BitVecRef, s: z3.BitVecRef) -> tuple:
    """(result, next state) of ``sym_iq_sr`` for the state s before the draw."""
    negative = m < 0
    v = sc.mul_int(z3.If(negative, 0 - m, m), r_bits)
    v = z3.If(negative, v | ia.SIGN, v)
    s1 = fp.xorshift32(s)
    w = ia.add_bits(ia.add_bits(v, uniform_bits(s1)), _u(MINUS_HALF))
    return round_signed(w, b), s1


def run_sr(m: list[int], r_bits: int, b: int, state: int) -> tuple[list[int], int]:
    """``sym_intreq_sr_loop`` on concrete inputs, through the encoding."""
    out, s = [], _u(state)
    for mi in m:
        q, s = sr_element(_u(mi & 0xFFFFFFFF), _u(r_bits), _u(b), s)
        out.append(iq.evaluate(q))
        s = z3.simplify(s)
    return out, s.as_long()


def q_uniform() -> Query:
    """For every state after the xorshift step, the C's u bits are the bits
    of sym_rng_uniform's (float)(s >> 8) * 2^-24."""
    s = z3.BitVec("s", 32)
    c, ref = uniform_bits(s), uniform_reference(s)
    return Query(pre=[], goals=[Goal("C's u bits = bits of fl(fl(s >> 8) * 2^-24)", c == ref)],
                 show={"s": s, "C": c, "reference": ref}, solver=iq.fpbv_solver)


def q_round(planted_half_down: bool = False) -> Query:
    """For every non-NaN float32 w (bits) and width 2..16, the C's signed
    saturating half away equals sym_sat_round(w, qMin, qMax)."""
    w, b = z3.BitVec("w", 32), z3.BitVec("b", 32)
    c = round_signed(w - 1 if planted_half_down else w, b)
    ref = iq.sat_round_ref(z3.fpBVToFP(w, iq.F32), b)
    return Query(pre=[z3.Not(z3.fpIsNaN(z3.fpBVToFP(w, iq.F32))), z3.UGE(b, 2), z3.ULE(b, 16)],
                 goals=[Goal("C(bits of w, b) = sym_sat_round(w, qMin, qMax)", c == ref)],
                 show={"w": w, "b": b, "C": c, "reference": ref}, solver=iq.fpbv_solver)


def intreq_sr_lemmas() -> list[Lemma]:
    return [
        Lemma("intreq.sr_uniform", None, None, "PROVEN",
              "every uint32 state  =>  the C's u bits = bits of fl(fl(state >> 8) * 2^-24) (sym_rng_uniform)",
              q_uniform, DOC, "exact"),
        Lemma("intreq.sr_round", None, None, "PROVEN",
              "every non-NaN float32 w, b in 2..16  =>  the C's signed half away on w's bits = sym_sat_round(w)",
              q_round, DOC, "exact"),
    ]
