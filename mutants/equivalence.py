"""Z3 proofs that kernel mutants are equivalent to the original code.

``mutants/equivalent.toml`` names a proof of this module in an entry's
``proof`` key. Each proof states a small LOCAL fact about the mutated
expression, built from the same float32 / int32 encodings as the step lemmas
(:mod:`symverify.proofs.fp`): Z3 is asked for a counterexample (an input where
the original and the mutated expression differ, under the preconditions that
hold at that point of the kernel) and the proof holds only if the answer is
``unsat``. Preconditions are stated in each proof's docstring (e.g. "reached
only after ``sym_scale_is_valid``", "target mantissas within the declared
width"); anything that is not a local arithmetic fact (dead stores, call paths)
stays a reviewed justification.

The engine calls :func:`check` for every equivalent entry with a ``proof``;
results are cached on disk (keyed by this file and the Z3 version), so a warm
``symverify mutate`` does not re-prove. A proof that fails (``sat`` or
``unknown``) turns the mutant back into a survivor: a broken proof never
hides a mutant.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator

import z3

from symverify.proofs import fp
from symverify.proofs.fp import F32, RNE, fconst, fvar

F64 = z3.Float64()
#: (description, formula that must be VALID) per sub-goal
Goal = tuple[str, z3.BoolRef]


@dataclass
class ProofResult:
    name: str
    proven: bool
    detail: str  # "unsat (N goals)" or the failing goal and its model / reason
    seconds: float


PROOFS: dict[str, Callable[[], Iterator[Goal]]] = {}


def proof(fn: Callable[[], Iterator[Goal]]) -> Callable[[], Iterator[Goal]]:
    PROOFS[fn.__name__] = fn
    return fn


def same(a: z3.ExprRef, b: z3.ExprRef) -> z3.BoolRef:
    """Structural (bit-level) equality: for float32 terms NaN == NaN and -0 != +0."""
    return a == b


def qmax_bv(b: z3.BitVecRef) -> z3.BitVecRef:
    """``sym_q_max(b)`` for 2 <= b <= 32 on a BitVec(32): ``(1u << (b - 1)) - 1``."""
    return (z3.BitVecVal(1, 32) << (b - 1)) - 1


def i2f_bv(x: z3.BitVecRef, sort=F32) -> z3.FPRef:
    return z3.fpSignedToFP(RNE, x, sort)


def to_f32(x: z3.FPRef) -> z3.FPRef:
    return z3.fpFPToFP(RNE, x, F32)


def _u_from_state(s: z3.BitVecRef) -> z3.FPRef:
    """u of one draw from the current state ``s`` (xorshift32 first, then the top 24 bits)."""
    return fp.uniform(fp.xorshift32(s))


def _castable(x: z3.FPRef) -> z3.BoolRef:
    """``sym_castable(x)``: ``x >= -2^31 && x < 2^31`` (false for NaN)."""
    return z3.And(z3.fpGEQ(x, fconst(-2.0 ** 31)), z3.fpLT(x, fconst(2.0 ** 31)))


def _clamp(v, lo_f, hi_f, lo_on=True, hi_on=True, lt=z3.fpLT, gt=z3.fpGT):
    """``sym_clamp_f``: ``if (c < lo_f) c = lo_f; if (c > hi_f) c = hi_f;``"""
    c = v
    if lo_on:
        c = z3.If(lt(c, lo_f), lo_f, c)
    if hi_on:
        c = z3.If(gt(c, hi_f), hi_f, c)
    return c


# --------------------------------------------------------------------------- casts
@proof
def f64_store_int32() -> Iterator[Goal]:
    """``float y = (double)x;`` equals ``float y = (float)x;`` for every int32 x:
    an int32 is exact in binary64, so the only rounding is the final one to float."""
    x = z3.BitVec("x", 32)
    yield "(float)(double)x == (float)x, x int32", same(to_f32(i2f_bv(x, F64)), i2f_bv(x))


@proof
def f64_store_u24() -> Iterator[Goal]:
    """``f = (double)(s >> 8);`` equals ``f = (float)(s >> 8);`` (a 24-bit value:
    exact in both formats)."""
    s = z3.BitVec("s", 32)
    t = z3.LShR(s, 8)
    yield ("(float)(double)(s >> 8) == (float)(s >> 8)",
           same(to_f32(z3.fpUnsignedToFP(RNE, t, F64)), z3.fpUnsignedToFP(RNE, t, F32)))


@proof
def int16_narrow_qbounds() -> Iterator[Goal]:
    """``(int16_t)q_hi`` / ``(int16_t)q_lo`` keep the value for every width the
    kernel admits (2..16, validated before)."""
    b = z3.BitVec("b", 32)
    hi = qmax_bv(b)
    lo = -hi - 1
    pre = z3.And(z3.UGE(b, 2), z3.ULE(b, 16))
    for name, v in (("q_hi", hi), ("q_lo", lo)):
        yield (f"(int16_t){name} == {name} for b in 2..16",
               z3.Implies(pre, z3.SignExt(16, z3.Extract(15, 0, v)) == v))


@proof
def int16_narrow_target() -> Iterator[Goal]:
    """``(float)(int16_t)t[i]`` equals ``(float)t[i]`` for target mantissas in
    the declared width (<= 16 for accumulate_dynamic, range [-2^15, 2^15 - 1]).
    Precondition: the SymTensor invariant (the Python API checks it; the C kernel
    does not re-check the target's range: a C caller passing an out-of-width
    target is outside the documented contract)."""
    t = z3.BitVec("t", 32)
    pre = z3.And(t >= -(1 << 15), t <= (1 << 15) - 1)
    yield "(int16_t)t == t for t in [-2^15, 2^15)", z3.Implies(pre, z3.SignExt(16, z3.Extract(15, 0, t)) == t)


@proof
def f64_product_int16() -> Iterator[Goal]:
    """``float p = (double)t * s;`` equals ``float p = (float)t * s;`` for
    |t| <= 2^15 (target mantissas, SymTensor invariant as in
    ``int16_narrow_target``) and any float32 s: t * s has at most 16 + 24 bits,
    exact in binary64, so both sides are the single rounding of the exact product."""
    t = z3.BitVec("t", 32)
    s = fvar("s")
    pre = z3.And(t >= -(1 << 15), t <= (1 << 15) - 1, z3.Not(z3.fpIsNaN(s)))
    lhs = to_f32(z3.fpMul(RNE, i2f_bv(t, F64), z3.fpFPToFP(RNE, s, F64)))
    rhs = fp.fmul(i2f_bv(t), s)
    yield "(float)((double)t * s) == (float)t * s, |t| <= 2^15", z3.Implies(pre, same(lhs, rhs))


# --------------------------------------------------------------------------- comparisons
@proof
def absmax_ge_vs_gt() -> Iterator[Goal]:
    """``if (a >= absmax) absmax = a;`` gives the same maximum as ``a > absmax``:
    a = fabsf(p) with p not NaN (checked finite before, or a product of a finite
    int and a valid scale), absmax starts at +0 and only takes such values, so
    equal floats here are the same bits."""
    a, m = fvar("a"), fvar("m")
    pre = z3.And(z3.Not(z3.fpIsNaN(a)), z3.Not(z3.fpIsNegative(a)),
                 z3.Not(z3.fpIsNaN(m)), z3.Not(z3.fpIsNegative(m)))
    yield ("If(a >= m, a, m) == If(a > m, a, m)",
           z3.Implies(pre, same(z3.If(z3.fpGEQ(a, m), a, m), z3.If(z3.fpGT(a, m), a, m))))


@proof
def clamp_f_equal_case() -> Iterator[Goal]:
    """``sym_clamp_f`` with ``<=`` / ``>=``: the equality case assigns the bound,
    which is the same float (the bounds (float)q_lo, (float)q_hi are non-zero, so
    no -0/+0 issue), for every requant width 2..16 and every v (NaN included)."""
    v = fvar("v")
    for b in range(2, 17):
        lo_f, hi_f = fconst(fp.f32_of(-(1 << (b - 1)))), fconst(fp.f32_of((1 << (b - 1)) - 1))
        ref = _clamp(v, lo_f, hi_f)
        yield f"b={b}: c <= lo_f", same(_clamp(v, lo_f, hi_f, lt=z3.fpLEQ), ref)
        yield f"b={b}: c >= hi_f", same(_clamp(v, lo_f, hi_f, gt=z3.fpGEQ), ref)


def _sat_round_pairs() -> Iterator[tuple[int, int]]:
    for b in range(2, 33):
        yield -(1 << (b - 1)), (1 << (b - 1)) - 1
    yield fp.INT32_MIN, fp.INT32_MAX


def _sat_round_model(v, lo: int, hi: int, lo_ge=False, q_ge=False, q_le=False):
    """``sym_sat_round`` with optional mutated comparisons (lines 25, 31, 34)."""
    lo_f, hi_f = fconst(fp.f32_of(lo)), fconst(fp.f32_of(hi))
    q = fp.cast_i32(fp.roundf(v))
    q1 = z3.If(q >= hi if q_ge else q > hi, hi, q)
    q2 = z3.If(q1 <= lo if q_le else q1 < lo, lo, q1)
    low = z3.Not(z3.fpGEQ(v, lo_f)) if lo_ge else z3.Not(z3.fpGT(v, lo_f))
    return z3.If(z3.fpGEQ(v, hi_f), z3.IntVal(hi), z3.If(low, z3.IntVal(lo), q2))


@proof
def sat_round_equal_case() -> Iterator[Goal]:
    """``sym_sat_round``: ``!(v >= lo_f)`` for ``!(v > lo_f)``, ``q >= hi`` for
    ``q > hi`` and ``q <= lo`` for ``q < lo`` give the same int32 for every v, for
    every (lo, hi) the kernels pass (q_min/q_max of widths 2..32, INT32_MIN/MAX):
    at v == lo_f the rounding path returns roundf(lo_f) = lo (lo = -2^k is exact),
    and assigning the bound when q equals it changes nothing."""
    v = fvar("v")
    for lo, hi in _sat_round_pairs():
        ref = _sat_round_model(v, lo, hi)
        lo_f, hi_f = fconst(fp.f32_of(lo)), fconst(fp.f32_of(hi))
        inner = z3.And(z3.Not(z3.fpGEQ(v, hi_f)), z3.Not(z3.fpLT(v, lo_f)), z3.Not(z3.fpIsNaN(v)))
        # the mutated path reaches the cast also at v == lo_f: that cast is defined
        yield f"[{lo}, {hi}]: cast defined at v == lo_f", z3.Implies(inner, fp.cast_defined(fp.roundf(v)))
        for kw in ("lo_ge", "q_ge", "q_le"):
            yield f"[{lo}, {hi}]: {kw}", same(_sat_round_model(v, lo, hi, **{kw: True}), ref)


@proof
def scale_valid_ge_zero() -> Iterator[Goal]:
    """``sym_scale_is_valid``: after ``isnormal(s)`` holds, ``s >= 0`` is ``s > 0``."""
    s = fvar("s")
    yield "isnormal(s) -> (s >= 0 <-> s > 0)", z3.Implies(z3.fpIsNormal(s),
                                                          z3.fpGEQ(s, fconst(0.0)) == z3.fpGT(s, fconst(0.0)))


@proof
def q_max_width_one() -> Iterator[Goal]:
    """``sym_q_max`` with the guard ``bits < 1``: bits = 1 now computes
    ``(1u << 0) - 1 = 0``, the value the guard returned."""
    b = z3.BitVec("b", 32)
    yield "b == 1 -> (1 << (b - 1)) - 1 == 0", z3.Implies(b == 1, qmax_bv(b) == 0)


@proof
def fixed_acc_sign_guard() -> Iterator[Goal]:
    """``accumulate_fixed`` overflow checks ``d > 0 && ti > q_hi - d`` and
    ``d < 0 && ti < q_lo - d``: the mutants ``d >= 0`` / ``d > -1`` and ``d <= 0``
    / ``d < 1`` add only the case d == 0, where the test becomes ``ti > q_hi`` /
    ``ti < q_lo``, already rejected by the preceding range check. Preconditions at
    that point: 2 <= b <= 32, q_lo <= ti <= q_hi (checked just before) and
    |d| <= 1073774591 (the rescale guard passed); int32 arithmetic as in C."""
    b, ti, d = z3.BitVec("b", 32), z3.BitVec("ti", 32), z3.BitVec("d", 32)
    hi = qmax_bv(b)
    lo = -hi - 1
    pre = z3.And(z3.UGE(b, 2), z3.ULE(b, 32), ti >= lo, ti <= hi,
                 d >= -fp.RESCALE_GUARD_NOMINAL, d <= fp.RESCALE_GUARD_NOMINAL)
    up = z3.And(d > 0, ti > hi - d)
    down = z3.And(d < 0, ti < lo - d)
    yield "d >= 0 (ROR)", z3.Implies(pre, up == z3.And(d >= 0, ti > hi - d))
    yield "d > -1 (CRP)", z3.Implies(pre, up == z3.And(d > -1, ti > hi - d))
    yield "d <= 0 (ROR)", z3.Implies(pre, down == z3.And(d <= 0, ti < lo - d))
    yield "d < 1 (CRP)", z3.Implies(pre, down == z3.And(d < 1, ti < lo - d))
    # where a subtraction is evaluated (short-circuit: d >= 0 for q_hi - d, d <= 0
    # for q_lo - d, the mutants' d == 0 included) it cannot overflow int32
    yield "q_hi - d exact for d >= 0", z3.Implies(z3.And(pre, d >= 0), z3.And(
        z3.BVSubNoOverflow(hi, d), z3.BVSubNoUnderflow(hi, d, True)))
    yield "q_lo - d exact for d <= 0", z3.Implies(z3.And(pre, d <= 0), z3.And(
        z3.BVSubNoOverflow(lo, d), z3.BVSubNoUnderflow(lo, d, True)))


# --------------------------------------------------------------------------- clamp and rounding
@proof
def clamp_subsumed_by_saturation() -> Iterator[Goal]:
    """The float clamp of ``clamp_first`` / fixed requant is subsumed by the
    integer saturation of ``sym_sat_round``: with the clamp dropped, moved to
    q_hi_f + 1, only at one side (statement deletions), or round/clamp swapped,
    the int32 result is the same, for every v (inf and NaN included), every
    requant width 2..16 and both rounding modes (SR: every u = k * 2^-24). The
    RNG draws once per element in every variant."""
    v, u_k = fvar("v"), z3.BitVec("k", 32)
    u = fp.fmul(z3.fpUnsignedToFP(RNE, z3.LShR(u_k, 8), F32), fconst(2.0 ** -24))
    for b in range(2, 17):
        lo, hi = -(1 << (b - 1)), (1 << (b - 1)) - 1
        lo_f, hi_f = fconst(fp.f32_of(lo)), fconst(fp.f32_of(hi))
        variants = {
            "clamp dropped / round-clamp swap": v,
            "q_hi_f + 1.0f": _clamp(v, lo_f, fp.fadd(hi_f, fconst(1.0))),
            "c = lo_f deleted": _clamp(v, lo_f, hi_f, lo_on=False),
            "c = hi_f deleted": _clamp(v, lo_f, hi_f, hi_on=False),
        }
        ref = _clamp(v, lo_f, hi_f)
        for mode in ("HALF_AWAY", "SR"):
            arg = (lambda c: c) if mode == "HALF_AWAY" else (lambda c: fp.sr_arg(c, u))
            want = fp.sat_round(arg(ref), lo, hi)[0]
            for name, c in variants.items():
                yield f"b={b} {mode}: {name}", fp.sat_round(arg(c), lo, hi)[0] == want


@proof
def ratio_reuse() -> Iterator[Goal]:
    """``(float)m * (s_in / s_new)`` for ``(float)m * ratio`` where
    ``ratio = s_in / s_new`` was computed once from the same operands: IEEE
    division is deterministic (no contraction, -ffp-contract=off)."""
    m, s_in, s_new = z3.BitVec("m", 32), fvar("s_in"), fvar("s_new")
    ratio = fp.fdiv(s_in, s_new)
    yield "m * ratio == m * (s_in / s_new)", same(fp.fmul(i2f_bv(m), ratio), fp.fmul(i2f_bv(m), fp.fdiv(s_in, s_new)))


@proof
def sr_castable_pre_implied() -> Iterator[Goal]:
    """``sym_round_stochastic`` without the ``sym_castable(x)`` check: a
    non-castable x (NaN, inf, >= 2^31, < -2^31) still gives a non-castable
    w = (x + u) - 0.5 for every draw, so the later check returns the same
    CAST_RANGE and nothing is written (the state is only stored at the end)."""
    x, s = fvar("x"), z3.BitVec("s", 32)
    w = fp.sr_arg(x, _u_from_state(s))
    yield "!castable(x) -> !castable((x + u) - 0.5)", z3.Implies(z3.Not(_castable(x)), z3.Not(_castable(w)))


@proof
def sr_castable_post_unreachable() -> Iterator[Goal]:
    """``sym_round_stochastic`` without the ``sym_castable(w)`` check: it is
    unreachable, since a castable x gives a castable w = (x + u) - 0.5 for every
    draw (at -2^31 the -0.5 is absorbed, below 2^31 - 128 + 1 the sum rounds down)."""
    x, s = fvar("x"), z3.BitVec("s", 32)
    w = fp.sr_arg(x, _u_from_state(s))
    yield "castable(x) -> castable((x + u) - 0.5)", z3.Implies(_castable(x), _castable(w))


# --------------------------------------------------------------------------- linear (layer kernels)
@proof
def add_overflows_sign_guard() -> Iterator[Goal]:
    """``sym_add_overflows`` of sym_support.c (linear and LayerNorm) returns
    ``(b > 0 && a > INT32_MAX - b) || (b < 0 && a < INT32_MIN - b)``. The
    mutants ``b >= 0`` / ``b > -1`` and ``b <= 0`` / ``b < 1`` add only the case
    b == 0, where the added test is ``a > INT32_MAX`` / ``a < INT32_MIN``: false
    for every int32 a, so the result is unchanged. No precondition (every int32
    a, b); int32 arithmetic as in C: where a subtraction is evaluated
    (short-circuit: b >= 0 for INT32_MAX - b, b <= 0 for INT32_MIN - b, the
    mutants' b == 0 included) it cannot overflow."""
    a, b = z3.BitVec("a", 32), z3.BitVec("b", 32)
    imax, imin = z3.BitVecVal(fp.INT32_MAX, 32), z3.BitVecVal(fp.INT32_MIN, 32)
    up, down = z3.And(b > 0, a > imax - b), z3.And(b < 0, a < imin - b)
    ref = z3.Or(up, down)
    yield "b >= 0 (ROR)", ref == z3.Or(z3.And(b >= 0, a > imax - b), down)
    yield "b > -1 (CRP)", ref == z3.Or(z3.And(b > -1, a > imax - b), down)
    yield "b <= 0 (ROR)", ref == z3.Or(up, z3.And(b <= 0, a < imin - b))
    yield "b < 1 (CRP)", ref == z3.Or(up, z3.And(b < 1, a < imin - b))
    yield "INT32_MAX - b exact for b >= 0", z3.Implies(b >= 0, z3.And(
        z3.BVSubNoOverflow(imax, b), z3.BVSubNoUnderflow(imax, b, True)))
    yield "INT32_MIN - b exact for b <= 0", z3.Implies(b <= 0, z3.And(
        z3.BVSubNoOverflow(imin, b), z3.BVSubNoUnderflow(imin, b, True)))
    # and the original is what its comment says: a + b (exact, 64 bits) leaves int32
    s64 = z3.SignExt(32, a) + z3.SignExt(32, b)
    yield "result == (a + b leaves int32)", ref == z3.Or(s64 > fp.INT32_MAX, s64 < fp.INT32_MIN)


@proof
def overlap_symmetric_equal_sizes() -> Iterator[Goal]:
    """``sym_ranges_overlap(a, na, b, nb)`` (sym_round.c) is ``na != 0 && nb
    != 0 && a0 < b0 + nb && b0 < a0 + na`` on uintptr_t (64-bit, wrapping).
    ARG_SWAP exchanges the two pointers, or the two sizes, of a call whose
    sizes are equal (the same expression, or ``n * sizeof(float)`` and ``n *
    sizeof(int32_t)``, or ``sizeof`` two 4-byte objects): with na == nb either
    exchange gives the original value, for every address (wrap-around
    included). No other precondition."""
    a0, b0, na, nb = (z3.BitVec(n, 64) for n in ("a0", "b0", "na", "nb"))

    def overlap(x, nx, y, ny):
        return z3.And(nx != 0, ny != 0, z3.ULT(x, y + ny), z3.ULT(y, x + nx))

    ref = overlap(a0, na, b0, nb)
    yield "pointers exchanged (na == nb)", z3.Implies(na == nb, ref == overlap(b0, na, a0, nb))
    yield "sizes exchanged (na == nb)", z3.Implies(na == nb, ref == overlap(a0, nb, b0, na))


@proof
def add_overflows_symmetric() -> Iterator[Goal]:
    """``sym_add_overflows(a, b)`` = ``(b > 0 && a > INT32_MAX - b) || (b < 0 &&
    a < INT32_MIN - b)`` is symmetric: ``sym_add_overflows(b, a)`` gives the
    same value for every int32 a, b (both say "a + b leaves int32"). Covers the
    ARG_SWAP mutants of its calls (linear sums, LayerNorm's affine add)."""
    a, b = z3.BitVec("a", 32), z3.BitVec("b", 32)
    imax, imin = z3.BitVecVal(fp.INT32_MAX, 32), z3.BitVecVal(fp.INT32_MIN, 32)

    def f(x, y):
        return z3.Or(z3.And(y > 0, x > imax - y), z3.And(y < 0, x < imin - y))

    yield "add_overflows(a, b) == add_overflows(b, a)", f(a, b) == f(b, a)


@proof
def product_scales_symmetric() -> Iterator[Goal]:
    """The product cores ``sym_linear_forward_core``, ``sym_linear_grad_w`` and
    ``sym_linear_grad_x`` read their two operand scales s_a, s_b only in
    ``sym_pair_check``'s ``!valid(s_a) || !valid(s_b)`` (BAD_SCALE) and in
    ``s_new = s_a * s_b`` (its status, then the result scale); the layer steps
    name a failing scale from their own args, not from the core. ARG_SWAP of the
    two scale arguments: the test is symmetric for every float32 pair, and once
    both are valid the float32 product is the same bits either way round."""
    a, b = fvar("a"), fvar("b")
    valid = fp.is_normal_pos
    yield "!valid(a) || !valid(b) is symmetric", \
        z3.Or(z3.Not(valid(a)), z3.Not(valid(b))) == z3.Or(z3.Not(valid(b)), z3.Not(valid(a)))
    yield "a * b == b * a bit for bit (valid a, b)", \
        z3.Implies(z3.And(valid(a), valid(b)), same(fp.fmul(a, b), fp.fmul(b, a)))


_OK, _EMPTY, _SHAPE = 0, 1, 2


@proof
def intreq_round_bits_cutoffs() -> Iterator[Goal]:
    """``sym_iq_round_bits`` (sym_intreq.c) followed by the clamp ``if (k >
    q_sat) k = q_sat`` of sym_iq_fixed, with q_sat = q_hi or q_hi + 1 (b in
    2..16, so 1 <= q_sat <= 2^15), for every non-negative float32 bit pattern
    up to +inf: saturating from exponent field 143 (2^16) in place of 142
    (2^15), or returning 0 below field 125 (1/4) in place of 126 (1/2),
    gives the same clamped magnitude. The same slack for ``sym_iq_round_wide``
    (the rescale helper, values up to its guard, no clamp)."""
    from symverify.proofs import intreq_fixed as fx

    v, q_sat = z3.BitVec("v_bits", 32), z3.BitVec("q_sat", 32)
    pre = z3.And(z3.ULE(v, 0x7F800000), z3.UGE(q_sat, 1), z3.ULE(q_sat, 1 << 15))

    def clamped(**cut):
        k = fx.round_bits(v, q_sat, **cut)
        return z3.If(z3.UGT(k, q_sat), q_sat, k)

    ref = clamped()
    yield "saturate above field 142", z3.Implies(pre, ref == clamped(sat_field=fx.SAT_FIELD + 1))
    yield "0 below field 125", z3.Implies(pre, ref == clamped(zero_field=fx.ZERO_FIELD - 1))
    wide = z3.ULT(v, fx.RESCALE_GUARD + 1)  # sym_iq_round_wide: after the rescale guard
    yield ("sym_iq_round_wide: 0 below field 125",
           z3.Implies(wide, fx.round_wide(v) == fx.round_wide(v, zero_field=fx.ZERO_FIELD - 1)))


def _ln_shape_status(batch, features, n_x, n_gamma, third, n_out):
    """The shape checks of the LayerNorm cores on int32 BitVecs, in their order:
    ``sym_ln_shape`` (EMPTY for B or F < 1, SHAPE for F > 65535, B*F beyond
    int32, n_x != B*F or n_gamma != F), then ``n_beta != F || n_y != n``
    (forward: third = n_beta, expected F) or ``n_dy != n || n_dx != n``
    (backward: third = n_dy, expected n); third is given with its expected value."""
    third_n, expect = third
    n = batch * features  # no wrap: B <= INT32_MAX / F is checked first
    imax = z3.BitVecVal(fp.INT32_MAX, 32)
    return z3.If(z3.Or(batch < 1, features < 1), _EMPTY,
                 z3.If(features > 65535, _SHAPE,
                       z3.If(batch > imax / features, _SHAPE,
                             z3.If(z3.Or(n_x != n, n_gamma != features), _SHAPE,
                                   z3.If(z3.Or(third_n != expect(n, features), n_out != n), _SHAPE, _OK)))))


@proof
def ln_shape_equal_lengths() -> Iterator[Goal]:
    """ARG_SWAP of two lengths in the layer steps' calls of the LayerNorm cores
    that the checks require to be equal: the cores read x.n, gamma.n, beta.n /
    dy.n and the output length only in their shape checks (everything after
    uses n = B*F and F), so only the status can change; it is the same for
    every int32 value of every length and dimension. Forward: x.n <-> out.n,
    gamma.n <-> beta.n. Backward (the step has already returned unless x.n ==
    out.n == n): x.n <-> dy.n, x.n <-> n, dy.n <-> n (the output length)."""
    b, f, nx, ng, nt, no = (z3.BitVec(k, 32) for k in ("batch", "features", "n_x", "n_gamma", "n_third", "n_out"))
    fwd = lambda n, feat: feat  # noqa: E731  n_beta must be F
    bwd = lambda n, feat: n  # noqa: E731  n_dy must be n
    ref = _ln_shape_status(b, f, nx, ng, (nt, fwd), no)
    yield "forward: x.n <-> out.n", ref == _ln_shape_status(b, f, no, ng, (nt, fwd), nx)
    yield "forward: gamma.n <-> beta.n", ref == _ln_shape_status(b, f, nx, nt, (ng, fwd), no)
    ref = _ln_shape_status(b, f, nx, ng, (nt, bwd), no)
    pre = nx == no
    yield "backward: x.n <-> dy.n", z3.Implies(pre, ref == _ln_shape_status(b, f, nt, ng, (nx, bwd), no))
    yield "backward: x.n <-> n", z3.Implies(pre, ref == _ln_shape_status(b, f, no, ng, (nt, bwd), nx))
    yield "backward: dy.n <-> n", ref == _ln_shape_status(b, f, nx, ng, (no, bwd), nt)


def _three_length_status(n_a, n_b, n_c):
    """The length checks of ``sym_mse_loss_at`` (n_y, n_t, n_grad) and
    ``sym_sgd_update_at`` (n_p, n_g, n_w) on int32 BitVecs, in their order:
    EMPTY if any length is < 1, then SHAPE unless the other two equal the
    first, else OK."""
    return z3.If(z3.Or(n_a < 1, n_b < 1, n_c < 1), _EMPTY,
                 z3.If(z3.Or(n_b != n_a, n_c != n_a), _SHAPE, _OK))


@proof
def three_lengths_must_match() -> Iterator[Goal]:
    """ARG_SWAP of two of the three lengths in the call of the MSE / SGD core
    by its public wrapper (``sym_mse_loss_core``, ``sym_sgd_update_core``):
    the core reads the lengths in its EMPTY and SHAPE checks, and afterwards
    only the first one, once all three are equal. The status is the same for
    every permutation, and OK implies that the three are one value, so the
    length read after the checks is the same too."""
    a, b, c = (z3.BitVec(k, 32) for k in ("n_a", "n_b", "n_c"))
    ref = _three_length_status(a, b, c)
    yield "first <-> second", ref == _three_length_status(b, a, c)
    yield "first <-> third", ref == _three_length_status(c, b, a)
    yield "second <-> third", ref == _three_length_status(a, c, b)
    yield "OK implies one length", z3.Implies(ref == _OK, z3.And(a == b, a == c))


# --------------------------------------------------------------------------- checking
def prove(name: str, timeout_ms: int = 120_000) -> ProofResult:
    """Run proof ``name``: every goal must be valid (its negation unsat)."""
    t0 = time.perf_counter()
    if name not in PROOFS:
        return ProofResult(name, False, f"unknown proof {name!r} (mutants/equivalence.py)", 0.0)
    n = 0
    for what, goal in PROOFS[name]():
        n += 1
        s = z3.Solver()
        s.set("timeout", timeout_ms)
        s.add(z3.Not(goal))
        r = s.check()
        if r != z3.unsat:
            detail = f"goal '{what}': {r}"
            if r == z3.sat:
                detail += f" (counterexample {s.model()})"
            return ProofResult(name, False, detail, time.perf_counter() - t0)
    return ProofResult(name, True, f"unsat ({n} goal{'s' if n != 1 else ''})", time.perf_counter() - t0)


def _cache_file() -> Path:
    from symverify import build

    key = hashlib.sha256(Path(__file__).read_bytes() + z3.get_version_string().encode()
                         + Path(fp.__file__).read_bytes()).hexdigest()[:16]
    return build.cache_dir() / f"mutate-equivalence-{key}.json"


def check(names: list[str], use_cache: bool = True) -> dict[str, ProofResult]:
    """Results of the named proofs (cached on disk by this file, proofs/fp.py and the Z3 version)."""
    path = _cache_file()
    cached: dict[str, ProofResult] = {}
    if use_cache and path.exists():
        try:
            cached = {k: ProofResult(**v) for k, v in json.loads(path.read_text()).items()}
        except (ValueError, TypeError):
            cached = {}
    out = {}
    for name in sorted(set(names)):
        out[name] = cached.get(name) or prove(name)
    merged = {**cached, **out}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".json")
    with os.fdopen(fd, "w") as fh:
        json.dump({k: asdict(v) for k, v in merged.items()}, fh)
    os.replace(tmp, path)
    return out


if __name__ == "__main__":
    import sys

    for n in sys.argv[1:] or sorted(PROOFS):
        r = prove(n)
        print(f"{'PROVEN' if r.proven else 'FAILED'} {n}: {r.detail} ({r.seconds:.2f} s)")
