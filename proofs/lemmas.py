"""The lemma catalog: one entry per (fact, width, rounding mode).

A lemma is a :class:`Query`: preconditions plus goals. It is PROVEN when for
every goal ``pre and extra and not goal`` is unsatisfiable, and a
COUNTEREXAMPLE (with concrete values) when one is satisfiable. ``expect`` says
which outcome the catalog predicts: expected counterexamples are the known
findings of docs/proofs.md (``doc`` is the anchor there).

Encodings (docs/proofs.md, "Encodings"):
  * ``exact``: float32 as Z3 FP terms with C semantics (proofs/fp.py) and
    int32 as Ints with explicit range goals -- used for casts, ties,
    clamps and every counterexample;
  * ``real``: the rounding-error model over Reals (proofs/realmodel.py) --
    used for the magnitude bounds, which plain FP theory cannot prove fast;
  * ``int``: linear integer arithmetic, with an induction over the
    step index where the fan-in is symbolic.
Some counterexample searches through two float32 divisions are guided: a
``witness`` (found by an exhaustive float32 search in numpy, proofs/witness.py)
is added as equalities, and Z3 checks that it falsifies the goal on the exact
encoding; the witness is reported as the counterexample.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable

import z3

from . import fp, steps, witness
from .intreq_lemmas import intreq_lemmas
from .intreq_add_lemmas import intreq_add_lemmas
from .intreq_sr import intreq_sr_lemmas
from .intbounds import binding_side, extreme_operands, max_safe_count, product_bounds, term_bounds
from .fp import fconst, fvar
from .realmodel import EPS, FLT_MAX, MIN_NORMAL, RM, absle, abslt
from .query import DOCS, Goal, Lemma, Query
from .steps import HA, SR, qmax, qmin

WIDTHS = tuple(range(2, 17))
INT32_MIN, INT32_MAX = fp.INT32_MIN, fp.INT32_MAX
LN_MAX_FEATURES = 65535  # SYM_LN_MAX_FEATURES: F < 2^16 (kernels/src/sym_layernorm.c)
LN_N_BOUND = 256  # every finite normalized value: |n| <= 256 (sqrt(65535) plus rounding; layernorm.n_bound)
MIN_SUBNORMAL = Fraction(1, 2 ** 149)
SEED_MAX = fp.RESCALE_GUARD  # largest |seed| rescale_to_acc can return (lemma rescale.guard_cast)


def _sym_state(name="state"):
    s = z3.BitVec(name, 32)
    return s, [s != 0]


# ----------------------------------------------------------------- rounding
def q_round_cast_branch(b):
    v = fvar("v")
    res, r, reached = fp.sat_round(v, qmin(b), qmax(b))
    return Query(pre=[], goals=[
        Goal("cast (int32_t)roundf(v) defined in the cast branch", z3.Implies(reached, fp.cast_defined(r))),
        Goal("result in [qMin, qMax]", z3.And(res >= qmin(b), res <= qmax(b))),
    ], show={"v": v})


def q_round_half_interval(b):
    v = fvar("v")
    return Query(pre=[z3.fpLT(fp.fabs(v), fconst(qmax(b) + 0.5))], goals=[
        Goal("|roundf(v)| <= qMax", z3.fpLEQ(fp.fabs(fp.roundf(v)), fconst(qmax(b)))),
    ], show={"v": v})


def _round_step_goals(m, pre, v, q, mode, expr, range_note=""):
    """Goals of one saturating-round step on the real-model value ``v``
    (printed as ``expr``): the cast argument stays inside int32, and the
    rounded value lands at most one step past the clamp bounds. SR adds its
    draw u to ``m`` and its range to ``pre``. ``range_note`` replaces the
    default explanation of the range goal."""
    if mode == HA:
        return [Goal(f"cast argument |{expr}| < 2^31", abslt(v, 2 ** 31)),
                Goal(f"|{expr}| < qMax + 1/2 ({range_note or 'clamp never changes the result'})",
                     abslt(v, q + z3.RealVal(1) / 2))]
    u = m.var("u")
    pre += [u >= 0, u <= 1 - EPS]
    a = m.rnd(v + u, "a", exact_sub=True)
    w = m.rnd(a - z3.RealVal(1) / 2, "w", exact_sub=True)
    return [Goal(f"cast argument |({expr} + u) - 1/2| < 2^31", abslt(w, 2 ** 31)),
            Goal(f"|({expr} + u) - 1/2| < qMax + 3/2" + (f" ({range_note})" if range_note else ""),
                 abslt(w, q + z3.RealVal(3) / 2))]


# --------------------------------------------------------------- conversion
def _convert_real(b, mode, x_is_A=False):
    q = qmax(b)
    m = RM()
    A, x = m.var("A"), m.var("x")
    pre = [A > 0, absle(x, A)]
    if x_is_A:
        pre.append(x == A)
    s = m.rnd(A / q, "s", normal=True)
    pre.append(s >= MIN_NORMAL)  # the kernel's SCALE_UNDERFLOW check
    v = m.rdiv(x, s, "v")
    goals = _round_step_goals(m, pre, v, q, mode, "x/s")
    if mode == HA and x_is_A:
        goals[1] = Goal("|x/s - qMax| < 1/2, so round(x/s) = qMax", abslt(v - q, z3.RealVal(1) / 2))
    return Query(pre=pre + m.cons, goals=goals, show=dict(m.names))


def q_sr_unclamped(b, step):
    """The SR argument can round one step outside [qMin, qMax] before the clamp."""
    state, pre = _sym_state()
    q, lo = qmax(b), qmin(b)
    if step == "convert":
        st = steps.float_to_sym([fconst(float(q))], b, SR, state)
        bound = Goal("round((x/s + u) - 1/2) <= qMax", z3.fpLEQ(fp.roundf(st.trace["w"][0]), fconst(q)))
        wit = {state: z3.BitVecVal(witness.state_before(((1 << 24) - 1) << 8 | 0xFF), 32)}  # u = 1 - 2^-24
        show = {"x": fconst(float(q)), "state_in": state, "u": st.trace["u"][0], "w": st.trace["w"][0],
                "round(w)": fp.roundf(st.trace["w"][0])}
    else:  # requant_fixed at the low end: m = qMin, s_in = t = 1
        st = steps.requant_fixed([z3.IntVal(lo)], fconst(1.0), fconst(1.0), b, SR, state)
        bound = Goal("round((c + u) - 1/2) >= qMin", z3.fpGEQ(fp.roundf(st.trace["w"][0]), fconst(lo)))
        wit = {state: z3.BitVecVal(witness.state_before(0x000000A5), 32)}  # u = 0
        show = {"m": z3.IntVal(lo), "s_in": fconst(1.0), "target": fconst(1.0), "state_in": state,
                "u": st.trace["u"][0], "w": st.trace["w"][0], "round(w)": fp.roundf(st.trace["w"][0])}
    return Query(pre=pre, goals=[bound], show=show, witness=wit)


def q_tiny_absmax(b):
    """Without the SCALE_UNDERFLOW check, x/scale reaches the cast out of range."""
    A = fvar("A")
    s = fp.fdiv(A, fconst(fp.f32_of(qmax(b))))
    v = fp.fdiv(A, s)
    return Query(pre=[z3.fpGT(A, fconst(0.0)), fp.is_finite(A), z3.Not(z3.fpIsNormal(s))],
                 goals=[Goal("(int32_t)roundf(A / (A/qMax)) defined", fp.cast_defined(fp.roundf(v)))],
                 show={"A": A, "scale": s, "x/scale": v},
                 witness={A: fconst(2.0 ** -149)})


def q_quotient(b):
    """fl(A / fl(A/qMax)) <= qMax (the largest quotient of convert / clamp_first)."""
    A = fvar("A")
    s = fp.fdiv(A, fconst(fp.f32_of(qmax(b))))
    v = fp.fdiv(A, s)
    # scale invariance: with A and s normal, multiplying A by 2^k shifts s and
    # leaves A/s unchanged, so A in [1, 2) covers every normal case.
    pre = [z3.fpGEQ(A, fconst(1.0)), z3.fpLT(A, fconst(2.0))]
    wit = witness.quotient_witness(b)
    if wit is None:  # no witness among all 2^23 mantissas: that enumeration is the proof
        return Query(pre=pre, goals=[], show={"A": A}, check=lambda: witness.quotient_exhaustive(b))
    return Query(pre=pre, goals=[Goal("A / (A/qMax) <= qMax in float32", z3.fpLEQ(v, fconst(qmax(b))))],
                 show={"A": A, "scale": s, "quotient": v},
                 witness=None if wit is None else {A: fconst(wit)})


# ------------------------------------------------------------------ requant
def _requant_real(b, mode, order):
    q = qmax(b)
    m = RM()
    mf, s_in, A = m.var("mf"), m.var("s_in"), m.var("A")
    pre = [s_in >= MIN_NORMAL, mf >= 0, mf <= 2 ** 31, A > 0]  # sign symmetric: |m|
    p = m.rnd(mf * s_in, "p", normal=True)  # |mf| >= 1 or 0: product normal or 0
    pre.append(p <= A)  # A = max |p_j|, finite (else FLOAT_OVERFLOW)
    s_out = m.rnd(A / q, "s_out", normal=True)
    pre.append(s_out >= MIN_NORMAL)  # SCALE_UNDERFLOW check
    if order == "ratio":
        r = m.rdiv(s_in, s_out, "r")
        v = m.rnd(mf * r, "v")
    else:
        v = m.rdiv(p, s_out, "v")
    goals = _round_step_goals(m, pre, v, q, mode, "v")
    return Query(pre=pre + m.cons, goals=goals, show=dict(m.names))


def _rround(x, k):
    """k = roundf(x) over Reals/Ints: |k - x| <= 1/2."""
    return z3.And(z3.ToReal(k) - x <= z3.RealVal(1) / 2, x - z3.ToReal(k) <= z3.RealVal(1) / 2)


def q_orders(b):
    """ratio and clamp_first differ by at most 1 in the mantissa (HALF_AWAY)."""
    q = qmax(b)
    m = RM()
    mf, s_in, A = m.var("mf"), m.var("s_in"), m.var("A")
    pre = [s_in >= MIN_NORMAL, mf >= 0, mf <= 2 ** 31, A > 0]
    p = m.rnd(mf * s_in, "p", normal=True)
    pre.append(p <= A)
    s_out = m.rnd(A / q, "s_out", normal=True)
    pre.append(s_out >= MIN_NORMAL)
    r = m.rdiv(s_in, s_out, "r")
    v1 = m.rnd(mf * r, "v_ratio")
    v2 = m.rdiv(p, s_out, "v_clamp_first")
    k1, k2 = z3.Int("k_ratio"), z3.Int("k_clamp_first")
    c2 = z3.If(v2 > q, z3.RealVal(q), v2)
    pre += [_rround(v1, k1), _rround(c2, k2)]
    o1 = z3.If(k1 > q, q, k1)
    return Query(pre=pre + m.cons, goals=[
        Goal("|m'_ratio - m'_clamp_first| <= 1", z3.And(o1 - k2 <= 1, k2 - o1 <= 1))],
        show={**m.names, "m_ratio": o1, "m_clamp_first": k2})


def q_clamp_round(b, mode):
    """c = clamp(v) in float32, then round (HA) or round((c+u)-1/2) (SR).

    HA is exact FP. SR splits: the clamp is exact FP (the HA lemma shows
    qMin <= c <= qMax for every non-NaN v); the addition of u and the 1/2 use
    the rounding-error model, so the goal is a real bound on the SR argument
    that lemma round.half_interval-style reasoning turns into the cast range."""
    if mode == HA:
        v = fvar("v")
        c = steps._fclamp(v, qmin(b), qmax(b))
        r = fp.roundf(c)
        return Query(pre=[z3.Not(z3.fpIsNaN(v))], goals=[  # lemma requant_fixed.nan_free
            Goal("cast defined", fp.cast_defined(r)),
            Goal("c and round(c) in [qMin, qMax]",
                 z3.And(z3.fpGEQ(c, fconst(qmin(b))), z3.fpLEQ(c, fconst(qmax(b))),
                        z3.fpGEQ(r, fconst(qmin(b))), z3.fpLEQ(r, fconst(qmax(b)))))],
            show={"v": v, "c": c})
    m = RM()
    c, u = m.var("c"), m.var("u")
    pre = [c >= qmin(b), c <= qmax(b), u >= 0, u <= 1 - EPS]
    a = m.rnd(c + u, "a", exact_sub=True)
    w = m.rnd(a - z3.RealVal(1) / 2, "w", exact_sub=True)
    return Query(pre=pre + m.cons, goals=[
        Goal("cast argument |w| < 2^31", abslt(w, 2 ** 31)),
        Goal("qMin - 3/2 < w < qMax + 3/2, so round(w) in [qMin-1, qMax+1] (the final saturate restores the width)",
             z3.And(w > qmin(b) - z3.RealVal(3) / 2, w < qmax(b) + z3.RealVal(3) / 2))],
        show=dict(m.names))


def q_fixed_nan_free():
    """IEEE special values: (float)m * s_in / t is never NaN for valid scales.

    Encoded over the IEEE 754 class table (7.2 invalid operation): a product
    is NaN iff an operand is NaN or it is 0*inf; a quotient iff an operand is
    NaN, 0/0 or inf/inf. Classes: 0 zero, 1 finite non-zero, 2 inf, 3 NaN."""
    mf, s, p, t, v = z3.Ints("cls_mf cls_s_in cls_p cls_t cls_v")
    dom = [z3.And(c >= 0, c <= 3) for c in (mf, s, p, t, v)]
    mul_nan = z3.Or(mf == 3, s == 3, z3.And(mf == 0, s == 2), z3.And(mf == 2, s == 0))
    div_nan = z3.Or(p == 3, t == 3, z3.And(p == 0, t == 0), z3.And(p == 2, t == 2))
    pre = dom + [z3.Or(mf == 0, mf == 1), s == 1, t == 1,  # int -> float finite; valid scales
                 (p == 3) == mul_nan, (v == 3) == div_nan]
    return Query(pre=pre, goals=[Goal("v = ((float)m*s_in)/t is not NaN", v != 3)],
                 show={"mf": mf, "s_in": s, "p": p, "t": t, "v": v})


# -------------------------------------------------------------- accumulate
def _accdyn_real(b, mode):
    q = qmax(b)
    m = RM()
    tf, st, inc, si, A = m.var("tf"), m.var("s_t"), m.var("incf"), m.var("s_inc"), m.var("A")
    pre = [st >= MIN_NORMAL, si >= MIN_NORMAL, absle(tf, 2 ** (b - 1)), absle(inc, 2 ** 31), A > 0]
    p1 = m.rnd(tf * st, "p_t", normal=True)
    p2 = m.rnd(inc * si, "p_inc", normal=True)
    v = m.rnd(p1 + p2, "v", exact_sub=True)
    pre.append(absle(v, A))  # A = max|v_j|, finite (else FLOAT_OVERFLOW)
    s = m.rnd(A / q, "s", normal=True)
    pre.append(s >= MIN_NORMAL)
    qv = m.rdiv(v, s, "q")
    goals = _round_step_goals(m, pre, qv, q, mode, "v/s")
    return Query(pre=pre + m.cons, goals=goals, show=dict(m.names))


def q_rescale_guard():
    r = fvar("r")
    ok = z3.fpLEQ(fp.fabs(r), fconst(float(fp.RESCALE_GUARD)))
    rr = fp.roundf(r)
    return Query(pre=[ok], goals=[
        Goal("cast defined", fp.cast_defined(rr)),
        Goal(f"|round(r)| <= {fp.RESCALE_GUARD} <= 2^31-1-32768*32767",
             z3.fpLEQ(fp.fabs(rr), fconst(float(fp.RESCALE_GUARD))))], show={"r": r})


def q_seed_int16():
    """seed at the guard + ONE worst-case int16 product stays in int32?"""
    seed, x, w = z3.Ints("seed x w")
    pre = [seed >= -SEED_MAX, seed <= SEED_MAX, x >= -32768, x <= 32767, w >= -32768, w <= 32767]
    acc = seed + x * w
    return Query(pre=pre, goals=[Goal("seed + x*w in int32", z3.And(acc >= INT32_MIN, acc <= INT32_MAX))],
                 show={"seed": seed, "x": x, "w": w, "seed + x*w": acc},
                 witness={seed: z3.IntVal(SEED_MAX), x: z3.IntVal(-32768), w: z3.IntVal(-32768)})


def q_accfixed_add(b):
    t, seed = z3.Ints("t seed")
    lo, hi = (INT32_MIN, INT32_MAX) if b == 32 else (qmin(b), qmax(b))
    pre = [t >= lo, t <= hi, seed >= -SEED_MAX, seed <= SEED_MAX]
    return Query(pre=pre, goals=[Goal("t + rescale(inc) in int32", z3.And(t + seed >= INT32_MIN, t + seed <= INT32_MAX))],
                 show={"t": t, "seed": seed, "t + seed": t + seed})


def q_accfixed_width(b):
    t, seed = z3.Ints("t seed")
    pre = [t >= qmin(b), t <= qmax(b), seed >= -SEED_MAX, seed <= SEED_MAX]
    return Query(pre=pre, goals=[Goal("t + rescale(inc) stays in [qMin, qMax]", z3.And(t + seed >= qmin(b), t + seed <= qmax(b)))],
                 show={"t": t, "seed": seed, "t + seed": t + seed},
                 witness={t: z3.IntVal(qmax(b)), seed: z3.IntVal(1)})


# -------------------------------------------------------- integer sums / MAC
def sum_bounds(b_x: int, b_w: int | None) -> tuple[int, int]:
    """(Pmin, Pmax) of one term: a product of widths b_x, b_w, or a value (intbounds.term_bounds)."""
    return term_bounds(b_x, b_w)


def q_sum_safe(b_x, b_w, seed_max, n):
    """Every partial sum of seed + sum_{i<N} t_i stays in int32 for all N <= n
    (induction over the step index k; N and k symbolic)."""
    pmin, pmax = sum_bounds(b_x, b_w)
    k, N, acc, p, seed = z3.Ints("k N acc p seed")
    inv = lambda j, a: z3.And(a >= -seed_max + j * pmin, a <= seed_max + j * pmax)
    goals = [
        Goal("base: the seed satisfies the invariant", inv(0, seed), [seed >= -seed_max, seed <= seed_max]),
        Goal("step: acc + t in int32", z3.And(acc + p >= INT32_MIN, acc + p <= INT32_MAX),
             [k >= 0, k < N, N <= n, inv(k, acc), p >= pmin, p <= pmax]),
        Goal("step: invariant preserved", inv(k + 1, acc + p),
             [k >= 0, k < N, N <= n, inv(k, acc), p >= pmin, p <= pmax]),
    ]
    if b_w is not None:
        x, w = z3.Ints("x w")
        goals.insert(0, Goal("product x*w in [Pmin, Pmax]", z3.And(x * w >= pmin, x * w <= pmax),
                             [x >= qmin(b_x), x <= qmax(b_x), w >= qmin(b_w), w <= qmax(b_w)]))
    return Query(pre=[], goals=goals, show={"k": k, "N": N, "acc": acc, "p": p})


def q_sum_overflow(b_x, b_w, seed_max, n):
    """N = n terms: is there an input whose sum leaves int32? (uniform terms;
    the witness is the corner operand pair and seed sign on the side of int32
    that the sum leaves first, intbounds.binding_side)"""
    x, seed = z3.Int("x"), z3.Int("seed")
    pre = [x >= qmin(b_x), x <= qmax(b_x), seed >= -seed_max, seed <= seed_max]
    show = {"seed": seed, "x": x, "N": z3.IntVal(n)}
    side = binding_side(*sum_bounds(b_x, b_w), seed_max)
    wx, ww = extreme_operands(b_x, b_w, side)
    wit = {x: z3.IntVal(wx), seed: z3.IntVal(seed_max if side == "max" else -seed_max)}
    if b_w is None:
        term = x
    else:
        w = z3.Int("w")
        pre += [w >= qmin(b_w), w <= qmax(b_w)]
        term = x * w
        show["w"] = w
        wit[w] = z3.IntVal(ww)
    acc = seed + n * term
    show["sum"] = acc
    return Query(pre=pre, goals=[Goal(f"seed + {n} terms in int32", z3.And(acc >= INT32_MIN, acc <= INT32_MAX))],
                 show=show, witness=wit)


# ---------------------------------------------------------------- LayerNorm
def ln_qn_range(norm_bits: int, mode: str) -> tuple[int, int]:
    """[lo, hi] of q_n: HA never reaches qMin (lemma layernorm.qn_range), SR can."""
    return (-qmax(norm_bits) if mode == HA else qmin(norm_bits)), qmax(norm_bits)


def ln_affine_bounds(norm_bits: int, gamma_bits: int, mode: str) -> tuple[int, int]:
    """(Pmin, Pmax) of q_n * gamma for q_n in ln_qn_range and gamma of width gamma_bits."""
    lo, hi = ln_qn_range(norm_bits, mode)
    return product_bounds(lo, hi, qmin(gamma_bits), qmax(gamma_bits))


def q_ln_qn_range(b, mode):
    """LayerNorm step 3: |n| <= A, K = fl(qMax/A) (s_norm = 1/K valid), v = fl(n*K)."""
    q = qmax(b)
    m = RM()
    A, n = m.var("A"), m.var("n")
    pre = [A > 0, absle(n, A)]
    K = m.rdiv(z3.RealVal(q), A, "K", normal=True)
    pre.append(K >= MIN_NORMAL)  # s_norm = 1/K is a valid scale (else SCALE_UNDERFLOW / FLOAT_OVERFLOW)
    v = m.rnd(n * K, "v")
    note = ("so q_n = round(clamp(n*K)) in [-qMax, qMax], never qMin" if mode == HA
            else "round in [qMin, qMax+1]; the saturate keeps qMin reachable")
    goals = _round_step_goals(m, pre, v, q, mode, "n*K", range_note=note)
    return Query(pre=pre + m.cons, goals=goals, show=dict(m.names))


def q_ln_n_bound():
    """LayerNorm steps 2-3: every finite n = fl(d * inv) has |n| <= LN_N_BOUND.

    One element of a row, d its finite deviation (the sign only flips n: d >= 0).
    The float32 sum of squares is monotone (terms >= 0, rounding monotone), so
    acc >= fl(d*d) for every j of the row: that is the link to the whole row.
    If fl(d*d), acc, var + eps overflow to inf then inv = 0 and n = +-0, which
    the bound holds trivially; the encoding covers the finite chain."""
    m = RM()
    d, fv, eps, acc, r = m.var("d"), m.var("F"), m.var("eps"), m.var("acc"), m.var("r")
    fi = z3.Int("F_int")
    pre = [d >= 0, d <= FLT_MAX, fi >= 1, fi <= LN_MAX_FEATURES, fv == z3.ToReal(fi),
           eps >= MIN_SUBNORMAL, eps <= FLT_MAX]  # eps: positive finite float32 (subnormal allowed)
    dd = m.rnd(d * d, "dd")
    pre += [dd >= 0, acc >= dd, acc <= FLT_MAX]  # rounding keeps signs; monotone sum
    var = m.rdiv(acc, fv, "var")
    pre.append(var >= 0)
    ve = m.rnd(var + eps, "ve", exact_sub=True)  # a sum: exact when subnormal
    pre += [r >= 0, r * r == ve]  # r = sqrt(ve) exactly; ve >= eps >= 2^-149, so sqrtf is normal
    sq = m.rnd(r, "sq", normal=True)
    inv = m.rdiv(z3.RealVal(1), sq, "inv", normal=True)  # 1/sq in [2^-64, 2^75]: normal
    n = m.rnd(d * inv, "n")
    return Query(pre=pre + m.cons, goals=[Goal(f"|n| <= {LN_N_BOUND}", n <= LN_N_BOUND)], show=dict(m.names))


def q_ln_k_normal(b):
    """K = fl(qMax/A) for 0 < A <= LN_N_BOUND, when finite, is >= 2^-126 (never
    subnormal: the model keeps the subnormal error eta). The +inf case is
    layernorm.k_inf_rejected."""
    m = RM()
    A = m.var("A")
    K = m.rdiv(z3.RealVal(qmax(b)), A, "K")
    return Query(pre=[A > 0, A <= LN_N_BOUND, K <= FLT_MAX] + m.cons,
                 goals=[Goal("finite K = fl(qMax/A) >= 2^-126 (normal)", K >= MIN_NORMAL)], show=dict(m.names))


def q_ln_k_inf_rejected():
    """K = +inf gives s_norm = fl(1/K) = 0 and s_y = fl(0 * s_gamma) = 0, which the
    kernel rejects (SCALE_UNDERFLOW): with layernorm.k_normal, K is normal whenever
    s_y passes (the precondition of layernorm.qn_range)."""
    K, s_gamma = fvar("K"), fvar("s_gamma")
    s_norm = fp.fdiv(fconst(1.0), K)
    s_y = fp.fmul(s_norm, s_gamma)
    return Query(pre=[z3.fpIsInf(K), z3.fpIsPositive(K), z3.fpIsNormal(s_gamma), z3.fpIsPositive(s_gamma)],
                 goals=[Goal("s_y = fl(fl(1/K) * s_gamma) = 0 (not a valid scale)", z3.fpIsZero(s_y))],
                 show={"K": K, "s_gamma": s_gamma, "s_norm": s_norm, "s_y": s_y})


def q_ln_affine(norm_bits, gamma_bits, mode, seed_max=SEED_MAX):
    """y = q_n*gamma + seed in int32 for q_n in ln_qn_range, gamma of its width, |seed| <= guard.

    Proven goals are split: the (bounded, non-linear) product range, then the
    linear sum. A counterexample is the corner q_n = qMin, gamma = qMin, seed = +guard."""
    qn, g, seed, p = z3.Ints("q_n gamma seed p")
    lo, hi = ln_qn_range(norm_bits, mode)
    pmin, pmax = ln_affine_bounds(norm_bits, gamma_bits, mode)
    dom = [qn >= lo, qn <= hi, g >= qmin(gamma_bits), g <= qmax(gamma_bits), seed >= -seed_max, seed <= seed_max]
    y = qn * g + seed
    in32 = lambda t: z3.And(t >= INT32_MIN, t <= INT32_MAX)  # noqa: E731
    show = {"q_n": qn, "gamma": g, "seed": seed, "y": y}
    if max(pmax + seed_max, seed_max - pmin) > INT32_MAX:
        wq = lo if pmax == lo * qmin(gamma_bits) else hi
        wg = qmin(gamma_bits) if pmax == wq * qmin(gamma_bits) else qmax(gamma_bits)
        return Query(pre=dom, goals=[Goal("q_n*gamma + seed in int32", in32(y))], show=show,
                     witness={qn: z3.IntVal(wq), g: z3.IntVal(wg), seed: z3.IntVal(seed_max)})
    return Query(pre=[], goals=[
        Goal("q_n*gamma in [Pmin, Pmax]", z3.And(qn * g >= pmin, qn * g <= pmax), dom),
        Goal("p + seed in int32", in32(p + seed), [p >= pmin, p <= pmax, seed >= -seed_max, seed <= seed_max]),
    ], show=show)


# ---------------------------------------------------------------- catalog
def catalog() -> list[Lemma]:
    L: list[Lemma] = []
    add = L.append
    add(Lemma("rescale.guard_cast", None, HA, "PROVEN",
              "|r| <= 1073774464.0f  =>  (int32_t)roundf(r) is defined and |round(r)| <= 1073774464",
              q_rescale_guard, "rescale-guard", "exact"))
    add(Lemma("rescale.seed_plus_int16_product", None, None, "COUNTEREXAMPLE",
              "|seed| <= guard, x, w int16  =>  seed + x*w in int32",
              q_seed_int16, "finding-seed-headroom", "int", replay="mac"))
    add(Lemma("requant_fixed.nan_free", None, None, "PROVEN",
              "m finite, s_in, t valid scales  =>  ((float)m*s_in)/t is not NaN",
              q_fixed_nan_free, "fixed-requant", "exact"))
    add(Lemma("accumulate_fixed.raw_target_add", 32, None, "COUNTEREXAMPLE",
              "t any int32, |seed| <= guard  =>  t + seed in int32 (naive add for a raw target)",
              lambda: q_accfixed_add(32), "finding-raw-target", "int", replay="accumulate_fixed"))
    add(Lemma("layernorm.n_bound", None, None, "PROVEN",
              f"finite d, acc >= fl(d*d), F <= {LN_MAX_FEATURES}, eps in [2^-149, FLT_MAX]  =>  "
              f"|fl(d * fl(1/sqrtf(fl(fl(acc/F) + eps))))| <= {LN_N_BOUND} (so A <= {LN_N_BOUND})",
              q_ln_n_bound, "layernorm-n-bound", "real"))
    add(Lemma("layernorm.k_inf_rejected", None, None, "PROVEN",
              "K = +inf, s_gamma a valid scale  =>  s_y = fl(fl(1/K) * s_gamma) = 0 (SCALE_UNDERFLOW)",
              q_ln_k_inf_rejected, "layernorm-k-normal", "exact"))
    for b in WIDTHS:
        q = qmax(b)
        add(Lemma("round.cast_branch", b, None, "PROVEN",
                  "qMin < v < qMax (float)  =>  (int32_t)roundf(v) defined and clamp(round(v)) in [qMin, qMax]",
                  lambda b=b: q_round_cast_branch(b), "saturating-round", "exact"))
        add(Lemma("round.half_interval", b, None, "PROVEN", "|v| < qMax + 1/2  =>  |roundf(v)| <= qMax",
                  lambda b=b: q_round_half_interval(b), "saturating-round", "exact"))
        for mode in (HA, SR):
            add(Lemma("convert.range", b, mode, "PROVEN",
                      "|x| <= A, s = fl(A/qMax) normal  =>  |fl(x/s)| < qMax + 1/2" if mode == HA else
                      "... and |fl(fl(x/s + u) - 1/2)| < qMax + 3/2 < 2^31",
                      lambda b=b, mode=mode: _convert_real(b, mode), "convert-range", "real"))
        add(Lemma("convert.extreme_exact", b, HA, "PROVEN", "x = +-A maps to +-qMax exactly",
                  lambda b=b: _convert_real(b, HA, x_is_A=True), "convert-extreme", "real"))
        add(Lemma("quotient.le_qmax", b, None, "PROVEN" if b <= 3 else "COUNTEREXAMPLE",
                  "fl(A / fl(A/qMax)) <= qMax (the float clamp is never needed)",
                  lambda b=b: q_quotient(b), "finding-quotient-ulp", "exact" if b > 3 else "exhaustive", replay="quotient"))
        if b >= 3:
            add(Lemma("convert.tiny_absmax", b, None, "COUNTEREXAMPLE",
                      "A > 0 and fl(A/qMax) not normal  =>  (int32_t)roundf(A / fl(A/qMax)) defined",
                      lambda b=b: q_tiny_absmax(b), "finding-tiny-absmax", "exact", replay="tiny_absmax"))
        add(Lemma("sr.unclamped_in_width", b, SR, "COUNTEREXAMPLE",
                  "round((qMax/s + u) - 1/2) <= qMax without the clamp (float_to_sym)",
                  lambda b=b: q_sr_unclamped(b, "convert"), "finding-sr-clamp", "exact",
                  replay="sr_convert", params={"step": "convert"}))
        add(Lemma("sr.unclamped_in_width", b, SR, "COUNTEREXAMPLE",
                  "round((qMin + u) - 1/2) >= qMin without the final saturate (requant_fixed)",
                  lambda b=b: q_sr_unclamped(b, "requant_fixed"), "finding-sr-clamp", "exact",
                  replay="sr_fixed", params={"step": "requant_fixed"}))
        for mode in (HA, SR):
            for order in ("ratio", "clamp_first"):
                add(Lemma("requant.range", b, mode, "PROVEN",
                          "|fl(m*s_in)| <= A, s_out = fl(A/qMax) normal  =>  requant argument < qMax + 1/2 (HA), "
                          "SR argument < qMax + 3/2",
                          lambda b=b, mode=mode, order=order: _requant_real(b, mode, order), "requant-range", "real",
                          params={"order": order}))
        add(Lemma("requant.orders_within_one", b, HA, "PROVEN", "|m'_ratio - m'_clamp_first| <= 1",
                  lambda b=b: q_orders(b), "requant-orders", "real"))
        for mode in (HA, SR):
            add(Lemma("clamp_round.range", b, mode, "PROVEN",
                      "v not NaN, c = clamp(v)  =>  cast defined; round(c) in width (HA), within 1 of it (SR)",
                      lambda b=b, mode=mode: q_clamp_round(b, mode), "fixed-requant", "exact"))
            add(Lemma("accumulate_dynamic.range", b, mode, "PROVEN",
                      "v = fl(fl(t*s_t) + fl(inc*s_inc)) finite, |v| <= A, s normal  =>  |fl(v/s)| < qMax + 1/2",
                      lambda b=b, mode=mode: _accdyn_real(b, mode), "accumulate-dynamic", "real"))
        add(Lemma("accumulate_fixed.add_in_int32", b, None, "PROVEN",
                  "t in [qMin, qMax], |seed| <= guard  =>  t + seed in int32 (the width check itself cannot overflow)",
                  lambda b=b: q_accfixed_add(b), "accumulate-fixed", "int"))
        add(Lemma("accumulate_fixed.width_kept", b, None, "COUNTEREXAMPLE",
                  "t in [qMin, qMax]  =>  t + rescale(inc) in [qMin, qMax] (no clamp upstream)",
                  lambda b=b: q_accfixed_width(b), "finding-bias-grad", "int", replay="accumulate_fixed_width"))
        # LayerNorm (docs/layers.md): row sum S (F < 2^16 checked by the kernel), q_n range, affine.
        add(Lemma("layernorm.row_sum", b, None, "PROVEN",
                  f"every partial sum of F <= {LN_MAX_FEATURES} values of width b (the row sum S) is in int32",
                  lambda b=b: q_sum_safe(b, None, 0, LN_MAX_FEATURES), "layernorm-row-sum", "int",
                  params={"F": LN_MAX_FEATURES}))
        add(Lemma("layernorm.k_normal", b, None, "PROVEN",
                  f"0 < A <= {LN_N_BOUND}, K = fl(qMax/A) finite  =>  K >= 2^-126 (normal)",
                  lambda b=b: q_ln_k_normal(b), "layernorm-k-normal", "real"))
        for mode in (HA, SR):
            add(Lemma("layernorm.qn_range", b, mode, "PROVEN",
                      "|n| <= A, K = fl(qMax/A) normal  =>  |fl(n*K)| < qMax + 1/2 (HA: q_n in [-qMax, qMax])" if mode == HA
                      else "... SR: |fl(fl(n*K + u) - 1/2)| < qMax + 3/2 (q_n in [qMin, qMax] after the saturate)",
                      lambda b=b, mode=mode: q_ln_qn_range(b, mode), "layernorm-qn-range", "real"))
            gws = (16, 15) if (mode == SR and b == 16) else (16,)
            for gw in gws:
                bad = mode == SR and b == 16 and gw == 16
                add(Lemma("layernorm.affine", b, mode, "COUNTEREXAMPLE" if bad else "PROVEN",
                          f"q_n of width b ({'[-qMax, qMax]' if mode == HA else '[qMin, qMax]'}), gamma of width "
                          f"<= {gw}, |seed| <= guard  =>  y = q_n*gamma + seed in int32",
                          lambda b=b, mode=mode, gw=gw: q_ln_affine(b, gw, mode),
                          "finding-layernorm-affine-sr" if bad else "layernorm-affine", "int",
                          replay="layernorm_affine" if bad else None, params={"gamma_bits": gw}))
        nv = max_safe_count(*sum_bounds(b, None), 0)
        add(Lemma("value_sum.safe", b, None, "PROVEN", f"every partial sum of N <= {nv} values of width b is in int32",
                  lambda b=b, nv=nv: q_sum_safe(b, None, 0, nv), "value-sums", "int", params={"N": nv}))
        add(Lemma("value_sum.safe", b, None, "COUNTEREXAMPLE", f"the sum of {nv + 1} values of width b is in int32",
                  lambda b=b, nv=nv: q_sum_overflow(b, None, 0, nv + 1), "value-sums", "int",
                  replay="value_sum", params={"N": nv + 1}))
        # The pool kernels' value-sum guard (kernels/include/sym_pool.h): N < 2^(32-b) is safe
        # (nv above is the tight count; the guard keeps SPEC's simpler bound).
        ng = (1 << (32 - b)) - 1
        add(Lemma("value_sum.pool_guard", b, None, "PROVEN",
                  f"the pool guard N < 2^(32-b): every partial sum of N <= {ng} values of width b is in int32",
                  lambda b=b, ng=ng: q_sum_safe(b, None, 0, ng), "value-sums", "int", params={"N": ng}))
        for seeded in (False, True):
            smax = SEED_MAX if seeded else 0
            n = max_safe_count(*sum_bounds(b, b), smax)
            tag = "guard" if seeded else "none"
            add(Lemma("mac.fan_in", b, None, "PROVEN",
                      f"acc = seed + sum_(i<N) x_i*w_i stays in int32 for every N <= {n} (int{b} operands, seed {tag})",
                      lambda b=b, smax=smax, n=n: q_sum_safe(b, b, smax, n), "mac-fan-in", "int",
                      params={"seed": tag, "N": n}))
            add(Lemma("mac.fan_in", b, None, "COUNTEREXAMPLE",
                      f"acc = seed + sum of {n + 1} products stays in int32 (int{b} operands, seed {tag})",
                      lambda b=b, smax=smax, n=n: q_sum_overflow(b, b, smax, n + 1), "mac-fan-in", "int",
                      replay="mac", params={"seed": tag, "N": n + 1}))
    L.extend(intreq_lemmas())
    L.extend(intreq_add_lemmas())
    L.extend(intreq_sr_lemmas())
    return L
