"""Z3 encoding of the integer scale steps (kernels/src/sym_intreq.c):
``sym_intreq_mul_int`` (fl(fl(a) * s)) and ``sym_intreq_div_bits``
(fl(n / d) by restoring division), one term per C operation over 32-bit
bit-vectors, as :mod:`symverify.proofs.intreq` encodes the per-element core.
With concrete arguments the terms simplify to the C's result
(tests/test_intreq_scale.py runs them against the C through cffi).

The references are FP-theory terms: ``fpMul(RNE, fpUnsignedToFP(RNE, a), s)``
and ``fpDiv(RNE, n, d)``, mapped to the C's bit conventions (a subnormal or
zero quotient is 0, an overflow is the bits of +inf).

A SAT solver cannot show that two different 24-bit multiplier or divider
circuits agree, so each proof is composed (docs/proofs.md#intreq-scale):
the C's arithmetic core (the 12x12 partial products, the 25 steps of the
restoring division) is proven to compute an exact integer quantity; the
rounding lemmas then run the C's remaining steps on that quantity written
as the very term Z3's fpa2bv uses inside fpMul / fpDiv (:func:`product_exact`,
:func:`quotient_exact`), so the solver compares rounding logic only.
"""
from __future__ import annotations

from typing import Callable

import z3

from . import intreq as iq

INF = 0x7F800000
#: fpa2bv's division: the dividend significand is followed by sbits +
#: extra_bits = 24 + 26 zero bits, the divisor zero-extended to the same width
DIV_EXTRA = 26
DIV_WIDTH = 24 + 24 + DIV_EXTRA
#: steps of the C's restoring division (24 quotient bits and a round bit)
DIV_STEPS = 25

_u = iq._u

Quotient = Callable[[z3.BitVecRef, z3.BitVecRef], tuple[z3.BitVecRef, z3.BitVecRef]]


def _rne_up(rem, half, kept):
    """``rem > half || (rem == half && (kept & 1u) != 0u)`` (unsigned)."""
    return z3.Or(z3.UGT(rem, half), z3.And(rem == half, (kept & 1) != 0))


def mul_round(ma, ea, s_bits, product: iq.Product = iq.product_limbs) -> z3.BitVecRef:
    """``sym_intreq_mul_int`` after fl(a) = ma * 2^ea (a != 0)."""
    hi, lo = product(ma, (s_bits & iq.FRAC) | iq.HIDDEN)
    e = ea + z3.LShR(s_bits, 23)
    big = z3.UGT(hi, iq.FRAC)
    sig = z3.If(big, hi, (hi << 1) | z3.LShR(lo, 23))
    rem = z3.If(big, lo, lo & iq.FRAC)
    half = z3.If(big, _u(iq.HIDDEN), _u(iq.HIDDEN >> 1))
    e = e + z3.If(big, _u(24), _u(23))
    sig = z3.If(_rne_up(rem, half, sig), sig + 1, sig)
    return z3.If(e > 254, _u(INF), ((e - 1) << 23) + sig)


def mul_int(a: z3.BitVecRef, s_bits: z3.BitVecRef, product: iq.Product = iq.product_limbs) -> z3.BitVecRef:
    """The whole of ``sym_intreq_mul_int``."""
    ma, ea = iq.fl_int(a)
    return z3.If(a == 0, _u(0), mul_round(ma, ea, s_bits, product))


def mul_reference(x: z3.FPRef, s_bits: z3.BitVecRef) -> z3.BitVecRef:
    """fl(x * s) as float32 bits (x > 0 and s normal: never NaN or negative)."""
    return z3.fpToIEEEBV(z3.fpMul(z3.RNE(), x, z3.fpBVToFP(s_bits, iq.F32)))


def restoring_step(q, rem, md) -> tuple[z3.BitVecRef, z3.BitVecRef]:
    """One iteration of the C's division loop."""
    q = q << 1
    take = z3.UGE(rem, md)
    rem = z3.If(take, rem - md, rem)
    q = z3.If(take, q | 1, q)
    return q, rem << 1


def quotient_loop(mn, md) -> tuple[z3.BitVecRef, z3.BitVecRef]:
    """(q, rem) after the C's 25 steps, from the normalised dividend mn."""
    q, rem = _u(0), mn
    for _ in range(DIV_STEPS):
        q, rem = restoring_step(q, rem, md)
    return q, rem


def quotient_fpa2bv(ma, md) -> tuple[z3.BitVecRef, z3.BitVecRef, z3.BitVecRef]:
    """(q, sticky, shifted) from fpa2bv's quotient of the significands ma, md
    (24-bit values in 32-bit vectors): shifted = ma < md; q = the C's
    floor(mn * 2^24 / md), sticky = the low bits below it (0 iff exact)."""
    num = z3.Concat(z3.Extract(23, 0, ma), z3.BitVecVal(0, DIV_WIDTH - 24))
    den = z3.ZeroExt(DIV_WIDTH - 24, z3.Extract(23, 0, md))
    quot = z3.UDiv(num, den)
    shifted = z3.ULT(ma, md)
    q = z3.If(shifted, z3.Extract(56, 25, z3.ZeroExt(8, quot)), z3.Extract(57, 26, z3.ZeroExt(8, quot)))
    low = z3.If(shifted, z3.ZeroExt(7, z3.Extract(24, 0, quot)), z3.ZeroExt(6, z3.Extract(25, 0, quot)))
    return q, low, shifted


def div_round(q, sticky, e) -> z3.BitVecRef:
    """``sym_intreq_div_bits`` after the loop: q, a term that is 0 iff the
    remainder is 0, and the biased exponent e (int32)."""
    sig = z3.LShR(q, 1)
    up = z3.And((q & 1) != 0, z3.Or(sticky != 0, (sig & 1) != 0))
    sig = z3.If(up, sig + 1, sig)
    tiny = z3.If(z3.And(e == 0, z3.LShR(q, 1) == iq.LOW24), _u(iq.HIDDEN), _u(0))
    return z3.If(e > 254, _u(INF), z3.If(e < 1, tiny, ((e - 1) << 23) + sig))


def div_fields(n_bits, d_bits):
    """(mn, md, e) after the C's normalisation of the dividend."""
    md = (d_bits & iq.FRAC) | iq.HIDDEN
    mn = (n_bits & iq.FRAC) | iq.HIDDEN
    e = z3.LShR(n_bits, 23) - z3.LShR(d_bits, 23) + 127
    shifted = z3.ULT(mn, md)
    return z3.If(shifted, mn << 1, mn), md, z3.If(shifted, e - 1, e)


def div_bits(n_bits: z3.BitVecRef, d_bits: z3.BitVecRef) -> z3.BitVecRef:
    """The whole of ``sym_intreq_div_bits``, the loop unrolled."""
    mn, md, e = div_fields(n_bits, d_bits)
    q, rem = quotient_loop(mn, md)
    return div_round(q, rem, e)


def div_reference(n_bits: z3.BitVecRef, d_bits: z3.BitVecRef) -> z3.BitVecRef:
    """fl(n / d) in the C's convention: the float32 bits when normal, 0 when
    subnormal or zero, +inf's bits on overflow (n, d positive normal)."""
    q = z3.fpDiv(z3.RNE(), z3.fpBVToFP(n_bits, iq.F32), z3.fpBVToFP(d_bits, iq.F32))
    bits = z3.fpToIEEEBV(q)
    return z3.If(z3.Or(z3.fpIsSubnormal(q), z3.fpIsZero(q)), _u(0), bits)


def run(term: z3.BitVecRef) -> int:
    """A closed 32-bit term as an unsigned Python int."""
    t = z3.simplify(term)
    if not z3.is_bv_value(t):
        raise ValueError(f"term did not simplify to a value: {t}")
    return t.as_long()


def run_mul(a: int, s_bits: int) -> int:
    return run(mul_int(_u(a), _u(s_bits)))


def run_div(n_bits: int, d_bits: int) -> int:
    return run(div_bits(_u(n_bits), _u(d_bits)))


def run_div_reference(n_bits: int, d_bits: int) -> int:
    return run(div_reference(_u(n_bits), _u(d_bits)))


class NormalSubstSolver:
    """The fpbv pipeline with one extra step: after fpa2bv, each atom
    ``exp == 0`` / ``exp == 255`` of the given exponent fields is replaced by
    False. The lemmas assert the negation of every such atom (the operands
    are normal), so the goal is equivalent; without the step fpa2bv keeps the
    subnormal branch of its dividend significand, and its quotient is not the
    term of :func:`quotient_fpa2bv`."""

    def __init__(self, fields: list, timeout_ms: int):
        self.atoms = [a for f in fields for a in (f == 0, f == 255)]
        self.timeout_ms = timeout_ms
        self.assertions: list = []
        self._solver: z3.Solver | None = None

    def set(self, key: str, value) -> None:
        if key == "timeout":
            self.timeout_ms = value

    def add(self, *fs) -> None:
        self.assertions.extend(fs)

    def sexpr(self) -> str:
        g = z3.Goal()
        g.add(*self.assertions)
        return g.sexpr()

    def translate(self, ctx: z3.Context) -> "NormalSubstSolver":
        """A copy in ``ctx`` (the runner solves each goal in a fresh context)."""
        other = NormalSubstSolver([], self.timeout_ms)
        other.atoms = [a.translate(ctx) for a in self.atoms]
        other.assertions = [f.translate(ctx) for f in self.assertions]
        return other

    def check(self) -> z3.CheckSatResult:
        ctx = self.assertions[0].ctx if self.assertions else z3.main_ctx()
        g = z3.Goal(ctx=ctx)
        g.add(*self.assertions)
        lowered = z3.Then("simplify", "propagate-values", "fpa2bv", "simplify", ctx=ctx)(g)
        false = z3.BoolVal(False, ctx)
        fs = [z3.substitute(f, *[(a, false) for a in self.atoms]) for f in lowered[0]]
        finish = z3.OrElse(z3.Then("sat", "fail-if-undecided", ctx=ctx), "smt", ctx=ctx)
        s = z3.Then("simplify", "propagate-values", "solve-eqs", "bit-blast", finish, ctx=ctx).solver()
        s.set("timeout", self.timeout_ms)
        s.add(*fs, *[z3.Not(a) for a in self.atoms])  # the substitution also hit these
        self._solver = s
        return s.check()

    def model(self) -> z3.ModelRef:
        assert self._solver is not None
        return self._solver.model()
