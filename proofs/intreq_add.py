"""Z3 encoding of the integer-only float32 adder ``sym_intreq_add_bits``
(kernels/src/sym_intreq_add.c): one term per C operation over 32-bit
bit-vectors (uint32_t wraps as a bit-vector does; the int32_t exponents
and shift counts stay in small ranges, which :func:`obligations` states
so that no C operation can overflow or shift by 32 or more). With concrete
arguments the terms simplify to the C's result (tests/test_intreq_add.py
runs them against the C through cffi).

The reference is the FP theory: ``fpAdd(RNE, a, b)`` as IEEE bits, with the
C's quiet NaN 0x7FC00000 for inf + -inf.
"""
from __future__ import annotations

from dataclasses import dataclass

import z3

from . import intreq as iq

SIGN = 0x80000000
MAG = 0x7FFFFFFF
INF = 0x7F800000
QNAN = 0x7FC00000
TOP = 0x4000000    # the hidden bit above the 3 guard/round/sticky bits
CARRY = 0x8000000  # an effective addition carried out
#: the C's threshold: from d > 25 on, the sum rounds to x
X_ONLY = 25

_u = iq._u


@dataclass
class Trace:
    """The C's values, for the lemmas and the range obligations."""
    x: z3.BitVecRef
    y: z3.BitVecRef
    ex: z3.BitVecRef   # after the subnormal fix-up (>= 1)
    ey: z3.BitVecRef
    d: z3.BitVecRef
    mx: z3.BitVecRef
    my: z3.BitVecRef   # aligned
    m: z3.BitVecRef    # the sum or difference before normalisation
    s: z3.BitVecRef    # the left shift of the normalisation (no carry)
    result: z3.BitVecRef


def _fields(v):
    return z3.LShR(v, 23) & 0xFF


def ordered(a_bits: z3.BitVecRef, b_bits: z3.BitVecRef) -> tuple[z3.BitVecRef, z3.BitVecRef]:
    """The C's first step: (x, y) = (a, b) or (b, a), |x| >= |y| as bits."""
    swap = z3.ULT(a_bits & MAG, b_bits & MAG)
    return z3.If(swap, b_bits, a_bits), z3.If(swap, a_bits, b_bits)


def trace(x: z3.BitVecRef, y: z3.BitVecRef, sticky: bool = True, tie_even: bool = True) -> Trace:
    """``sym_intreq_add_bits`` after the swap, step by step, for x and y with
    |x| >= |y| (sticky / tie_even False: planted bugs for the tests)."""
    ex0, ey0 = _fields(x), _fields(y)
    x_inf = ex0 == 0xFF
    special = z3.If(z3.And((y & MAG) == INF, ((x ^ y) & SIGN) != 0), _u(QNAN), x)
    sign = x & SIGN
    mx = (x & iq.FRAC) << 3
    my = (y & iq.FRAC) << 3
    mx = z3.If(ex0 != 0, mx | TOP, mx)
    ex = z3.If(ex0 != 0, ex0, _u(1))
    my = z3.If(ey0 != 0, my | TOP, my)
    ey = z3.If(ey0 != 0, ey0, _u(1))
    d = ex - ey
    kept = z3.LShR(my, d)
    if sticky:
        kept = z3.If((kept << d) != my, kept | 1, kept)
    my = kept
    subtract = ((x ^ y) & SIGN) != 0
    m = z3.If(subtract, mx - my, mx + my)
    carry = z3.UGE(m, CARRY)
    s = 27 - iq.bit_length(m)
    s = z3.If(s >= ex, ex - 1, s)
    m_n = z3.If(carry, z3.LShR(m, 1) | (m & 1), m << s)
    ex_n = z3.If(carry, ex + 1, ex - s)
    grs = m_n & 7
    m_r = z3.LShR(m_n, 3)
    up = z3.Or(z3.UGT(grs, 4), z3.And(grs == 4, (m_r & 1) != 0)) if tie_even else z3.UGE(grs, 4)
    m_r = z3.If(up, m_r + 1, m_r)
    r = ((ex_n - 1) << 23) + m_r
    finite = z3.If(z3.UGE(z3.LShR(r, 23), 0xFF), sign | INF, sign | r)
    result = z3.If(x_inf, special, z3.If(d > X_ONLY, x, z3.If(z3.And(subtract, m == 0), _u(0), finite)))
    return Trace(x, y, ex, ey, d, mx, my, m, s, result)


def add_bits(a_bits: z3.BitVecRef, b_bits: z3.BitVecRef, **planted) -> z3.BitVecRef:
    """The whole of ``sym_intreq_add_bits``."""
    return trace(*ordered(a_bits, b_bits), **planted).result


def obligations(t: Trace) -> z3.BoolRef:
    """The C's int32_t values and shift counts where the C uses them (a
    finite x, d <= 25): exponents in 1..254, 0 <= d (the shifts by d, below
    32), the left shift 0 <= s <= 26 without a lost bit, the significands
    below 2^27 and mx >= my."""
    no_carry = z3.ULT(t.m, CARRY)
    return z3.And(
        t.ex >= 1, t.ex <= 254, t.ey >= 1, t.ey <= 254, t.d >= 0,
        z3.Implies(no_carry, z3.And(t.s >= 0, t.s <= 26, z3.LShR(t.m << t.s, t.s) == t.m)),
        z3.ULT(t.mx, CARRY), z3.ULT(t.my, CARRY), z3.UGE(t.mx, t.my),
    )


def reference(a_bits: z3.BitVecRef, b_bits: z3.BitVecRef) -> z3.BitVecRef:
    """fl(a + b) as float32 bits, the C's quiet NaN for inf + -inf."""
    s = z3.fpAdd(z3.RNE(), z3.fpBVToFP(a_bits, iq.F32), z3.fpBVToFP(b_bits, iq.F32))
    return z3.If(z3.fpIsNaN(s), _u(QNAN), z3.fpToIEEEBV(s))


def run_add(a_bits: int, b_bits: int, **planted) -> int:
    """The encoding on concrete arguments, as an unsigned int."""
    t = z3.simplify(add_bits(_u(a_bits), _u(b_bits), **planted))
    if not z3.is_bv_value(t):
        raise ValueError(f"term did not simplify to a value: {t}")
    return t.as_long()


def run_reference(a_bits: int, b_bits: int) -> int:
    t = z3.simplify(reference(_u(a_bits), _u(b_bits)))
    return t.as_long()
