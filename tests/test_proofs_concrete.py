"""Every exact Z3 encoding (proofs/steps.py), evaluated on concrete inputs,
must agree bit for bit with the shipped C kernels (sv.kernels): status,
mantissas, scale bits and RNG state. An encoding that drifts from the C fails
here. The rounding-error model (proofs/realmodel.py) is checked to admit the
C's actual intermediates."""
from __future__ import annotations

import numpy as np
import pytest
import z3
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import symverify as sv
from symverify.errors import STATUS_CODES
from symverify.proofs import fp, lemmas, steps
from symverify.proofs.steps import F, I, S

N = 100  # examples per property (x ~10 properties x both modes -> thousands of inputs)
CFG = settings(max_examples=N, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)

bits = st.integers(2, 16)
modes = st.sampled_from([sv.HALF_AWAY, sv.SR_HALF_AWAY])
f32 = st.floats(width=32, allow_nan=False, allow_infinity=False)
wild_f32 = st.one_of(f32, st.sampled_from([2.0 ** -149, 1e-40, 3.4e38, -3.4e38, 0.0, -0.0, 1.0, 2047.0]),
                     st.floats(width=32, min_value=-10, max_value=10))
scales = st.one_of(st.floats(width=32, min_value=2.0 ** -126, max_value=3.3999999521443642e+38),
                   st.floats(width=32, min_value=9.999999974752427e-07, max_value=1e3),
                   st.sampled_from([2.0 ** -126, 1.0, 0.5, 1e30]))
seeds = st.integers(1, 2 ** 32 - 1)


def enc_mode(mode):
    return steps.SR if mode == sv.SR_HALF_AWAY else steps.HA


def c_call(fn):
    try:
        return 0, fn()
    except sv.SymError as exc:
        return STATUS_CODES[exc.code], None


def bits_of(x) -> int:
    return int(np.float32(x).view(np.uint32))


def check_tensor(enc, status, t, rng=None, rng_before=None):
    assert enc["status"] == status, (enc, status)
    if status == 0:
        assert enc["out"] == t.mantissas.ravel().tolist()
        assert fp.f32_bits(enc["scale"]) == bits_of(t.scale)
        if rng is not None:
            assert enc["state"] == rng.state
    elif rng is not None:
        assert rng.state == rng_before


@CFG
@given(st.lists(wild_f32, min_size=1, max_size=4), bits, modes, seeds)
def test_float_to_sym(xs, b, mode, seed):
    rng = sv.Rng(seed) if mode == sv.SR_HALF_AWAY else None
    before = rng.state if rng else None
    status, t = c_call(lambda: sv.kernels.float_to_sym(np.array(xs, dtype=np.float32), b, mode, rng))
    enc = steps.run(steps.float_to_sym([F(x) for x in xs], b, enc_mode(mode), S(before) if rng else None))
    check_tensor(enc, status, t, rng, before)


mant = st.one_of(st.integers(-2 ** 31, 2 ** 31 - 1), st.integers(-4096, 4096), st.sampled_from([0, -2 ** 31, 2 ** 31 - 1]))


@CFG
@given(st.lists(mant, min_size=1, max_size=4), scales, bits, modes, st.sampled_from(["ratio", "clamp_first"]), seeds)
def test_requant_dynamic(ms, s_in, b, mode, order, seed):
    t_in = sv.SymTensor(np.array(ms, dtype=np.int32), np.float32(s_in), 32)
    rng = sv.Rng(seed) if mode == sv.SR_HALF_AWAY else None
    before = rng.state if rng else None
    status, t = c_call(lambda: sv.kernels.requant_dynamic(t_in, b, mode, order, rng))
    enc = steps.run(steps.requant_dynamic([I(m) for m in ms], F(s_in), b, enc_mode(mode), order,
                                          S(before) if rng else None))
    check_tensor(enc, status, t, rng, before)


@CFG
@given(st.lists(mant, min_size=1, max_size=4), scales, scales, bits, modes, seeds)
def test_requant_fixed(ms, s_in, target, b, mode, seed):
    t_in = sv.SymTensor(np.array(ms, dtype=np.int32), np.float32(s_in), 32)
    rng = sv.Rng(seed) if mode == sv.SR_HALF_AWAY else None
    before = rng.state if rng else None
    status, t = c_call(lambda: sv.kernels.requant_fixed(t_in, np.float32(target), b, mode, rng))
    enc = steps.run(steps.requant_fixed([I(m) for m in ms], F(s_in), F(target), b, enc_mode(mode),
                                        S(before) if rng else None))
    check_tensor(enc, status, t, rng, before)


@CFG
@given(mant, scales, scales)
def test_rescale_to_acc(q, s_p, s_acc):
    status, r = c_call(lambda: sv.kernels.rescale_to_acc(q, np.float32(s_p), np.float32(s_acc)))
    enc = steps.run(steps.rescale_to_acc(I(q), F(s_p), F(s_acc)))
    assert enc["status"] == status
    if status == 0:
        assert enc["out"] == [r]


@CFG
@given(st.data(), bits, modes, seeds, scales, scales)
def test_accumulate_dynamic(data, b, mode, seed, s_t, s_inc):
    n = data.draw(st.integers(1, 3))
    ts = data.draw(st.lists(st.integers(steps.qmin(b), steps.qmax(b)), min_size=n, max_size=n))
    incs = data.draw(st.lists(mant, min_size=n, max_size=n))
    target = sv.SymTensor(np.array(ts, dtype=np.int32), np.float32(s_t), b)
    inc = sv.SymTensor(np.array(incs, dtype=np.int32), np.float32(s_inc), 32)
    rng = sv.Rng(seed) if mode == sv.SR_HALF_AWAY else None
    before = rng.state if rng else None
    status, t = c_call(lambda: sv.kernels.accumulate_dynamic(target, inc, mode, rng))
    enc = steps.run(steps.accumulate_dynamic([I(x) for x in ts], F(s_t), b, [I(x) for x in incs], F(s_inc),
                                             enc_mode(mode), S(before) if rng else None))
    check_tensor(enc, status, t, rng, before)


@CFG
@given(st.data(), st.sampled_from(list(range(2, 17)) + [32]), scales, scales)
def test_accumulate_fixed(data, b, s_t, s_inc):
    n = data.draw(st.integers(1, 3))
    lo, hi = (-2 ** 31, 2 ** 31 - 1) if b == 32 else (steps.qmin(b), steps.qmax(b))
    ts = data.draw(st.lists(st.one_of(st.integers(lo, hi), st.sampled_from([lo, hi])), min_size=n, max_size=n))
    incs = data.draw(st.lists(st.one_of(mant, st.integers(-3, 3)), min_size=n, max_size=n))
    target = sv.SymTensor(np.array(ts, dtype=np.int32), np.float32(s_t), b)
    inc = sv.SymTensor(np.array(incs, dtype=np.int32), np.float32(s_inc), 32)
    status, t = c_call(lambda: sv.kernels.accumulate_fixed(target, inc))
    enc = steps.run(steps.accumulate_fixed([I(x) for x in ts], F(s_t), b, [I(x) for x in incs], F(s_inc)))
    assert enc["status"] == status, (enc, status)
    if status == 0:
        assert enc["out"] == t.mantissas.tolist()


def _linear_forward():
    fn = getattr(sv.kernels, "linear_forward", None)
    if fn is None:
        from symverify import kernels_layers
        fn = kernels_layers.linear_forward
    return fn


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.data(), st.integers(2, 16), st.integers(2, 16), st.booleans())
def test_mac_matches_linear_forward(data, bx, bw, with_bias):
    n = data.draw(st.integers(1, 6))
    xs = data.draw(st.lists(st.integers(steps.qmin(bx), steps.qmax(bx)), min_size=n, max_size=n))
    ws = data.draw(st.lists(st.integers(steps.qmin(bw), steps.qmax(bw)), min_size=n, max_size=n))
    x = sv.SymTensor(np.array([xs], dtype=np.int32), np.float32(1.0), bx)
    w = sv.SymTensor(np.array([ws], dtype=np.int32), np.float32(1.0), bw)
    seed, b = 0, None
    if with_bias:
        q = data.draw(st.integers(-2 ** 31, 2 ** 31 - 1))
        s_b = data.draw(st.sampled_from([1.0, 0.5, 1073774464.0, 1e-3]))
        b = sv.SymTensor(np.array([q], dtype=np.int32), np.float32(s_b), 32)
        r = steps.run(steps.rescale_to_acc(I(q), F(s_b), F(1.0)))
        if r["status"] != 0:
            seed = None
        else:
            seed = r["out"][0]
    status, y = c_call(lambda: _linear_forward()(x, w, b))
    if seed is None:
        assert status == STATUS_CODES["SYM_ERR_RANGE_GUARD"]
        event("affine: RANGE_GUARD")
        return
    enc = steps.mac([I(v) for v in xs], [I(v) for v in ws], I(seed))
    accs = [fp.ev(a) for a in enc.trace["acc"]]
    overflow = any(not (fp.INT32_MIN <= a <= fp.INT32_MAX) for a in [seed] + accs)
    if overflow:
        assert status == STATUS_CODES["SYM_ERR_INT_OVERFLOW"]
    else:
        assert status == 0 and y.mantissas.ravel().tolist() == [fp.ev(enc.out[0])]


# ---------------------------------------------------- the rounding-error model
def _admits(query_fn, fixed: dict) -> bool:
    q = query_fn()
    s = z3.Solver()
    s.add(*q.pre)
    for name, val in fixed.items():
        s.add(q.show[name] == z3.RealVal(val))
    return s.check() == z3.sat


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.lists(st.floats(width=32, min_value=-1.0000000150474662e+30, max_value=1.0000000150474662e+30, allow_subnormal=False), min_size=1, max_size=3),
       bits)
def test_real_model_admits_c_convert(xs, b):
    """The C's float_to_sym intermediates satisfy the Real model of convert.range."""
    from fractions import Fraction
    xs32 = np.array(xs, dtype=np.float32)
    status, t = c_call(lambda: sv.kernels.float_to_sym(xs32, b))
    A = float(np.max(np.abs(xs32)))
    if status != 0 or A == 0:
        return
    s = np.float32(A) / np.float32(steps.qmax(b))
    for x in xs32:
        v = x / s
        assert _admits(lambda: lemmas._convert_real(b, steps.HA),
                       {"A": Fraction(A), "x": Fraction(float(x)), "s": Fraction(float(s)), "v": Fraction(float(v))})
    assert np.float32(t.scale) == s


def test_real_model_rejects_wrong_values():
    """Sanity: the model is not vacuous (a wrong quotient is rejected)."""
    from fractions import Fraction
    assert not _admits(lambda: lemmas._convert_real(12, steps.HA),
                       {"A": Fraction(1), "x": Fraction(1), "s": Fraction(1, 2047), "v": Fraction(2048)})


# ------------------------------------------------------------ LayerNorm affine
def _ln_c(x, gamma, beta, nb, mode, seed):
    rng = sv.Rng(seed) if mode == sv.SR_HALF_AWAY else None
    return c_call(lambda: sv.kernels.layernorm_forward(x, gamma, beta, norm_bits=nb, rounding=mode, rng_state=rng))


@CFG
@given(st.data(), st.integers(2, 16), st.integers(2, 16), st.integers(2, 16), modes, seeds)
def test_layernorm_affine_matches_c(data, xb, nb, gb, mode, seed):
    """The affine encoding y = q_n*gamma + seed (lemmas.q_ln_affine), evaluated on the C's own
    q_n (probe: gamma = 1, beta = 0; same RNG draws) and seeds, equals sym_layernorm forward;
    INT_OVERFLOW exactly when the encoding leaves int32; q_n inside lemmas.ln_qn_range."""
    bsz, f = data.draw(st.integers(1, 3)), data.draw(st.integers(2, 6))
    xq = data.draw(st.lists(st.integers(steps.qmin(xb), steps.qmax(xb)), min_size=bsz * f, max_size=bsz * f))
    if data.draw(st.integers(0, 7)) == 0:
        xq = [xq[0]] * len(xq)  # identical input: q_n = 0, s_norm = 1, the affine step still runs
        event("affine: identical input")
    x = sv.SymTensor(np.array(xq, dtype=np.int32).reshape(bsz, f), np.float32(data.draw(scales)), xb)
    gq = data.draw(st.lists(st.one_of(st.integers(steps.qmin(gb), steps.qmax(gb)),
                                      st.sampled_from([steps.qmin(gb), steps.qmax(gb)])), min_size=f, max_size=f))
    gamma = sv.SymTensor(np.array(gq, dtype=np.int32), np.float32(data.draw(scales)), gb)
    ones = sv.SymTensor(np.ones(f, dtype=np.int32), np.float32(1.0), 2)
    zero = sv.SymTensor(np.zeros(f, dtype=np.int32), np.float32(1.0), 32)
    st0, probe = _ln_c(x, ones, zero, nb, mode, seed)
    if st0 != 0:
        return  # a statistics / scale status: not the affine step
    qn = probe.mantissas.ravel().tolist()
    lo, hi = lemmas.ln_qn_range(nb, enc_mode(mode))
    assert all(lo <= q <= hi for q in qn), (qn, lo, hi)  # layernorm.qn_range on the C
    st_s, s_y_t = _ln_c(x, gamma, zero, nb, mode, seed)
    if st_s != 0:
        return  # s_y = s_norm * s_gamma not a valid scale
    s_y = np.float32(s_y_t.scale)
    bq = data.draw(st.lists(st.integers(-2 ** 31, 2 ** 31 - 1) | st.sampled_from([0, 1, -1]), min_size=f, max_size=f))
    with np.errstate(over="ignore", under="ignore"):
        s_b = np.float32(data.draw(st.sampled_from([1.0, 2.0 ** 30, 2.0 ** 20, 0.5]))) * s_y
    if not np.isfinite(s_b) or s_b < np.float32(2.0 ** -126):
        return
    seeds_c = [c_call(lambda q=q: sv.kernels.rescale_to_acc(q, s_b, s_y)) for q in bq]
    beta = sv.SymTensor(np.array(bq, dtype=np.int32), s_b, 32)
    status, y = _ln_c(x, gamma, beta, nb, mode, seed)
    if any(sc != 0 for sc, _ in seeds_c):
        assert status == STATUS_CODES["SYM_ERR_RANGE_GUARD"]
        event("affine: RANGE_GUARD")
        return
    q_sym, g_sym, seed_sym = z3.Ints("q_n gamma seed")
    yexpr = lemmas.q_ln_affine(nb, gb, enc_mode(mode)).show["y"]
    ys = [z3.simplify(z3.substitute(yexpr, (q_sym, z3.IntVal(qn[i])), (g_sym, z3.IntVal(gq[i % f])),
                                    (seed_sym, z3.IntVal(seeds_c[i % f][1])))).as_long() for i in range(len(qn))]
    if all(fp.INT32_MIN <= v <= fp.INT32_MAX for v in ys):
        event("affine: in int32, values equal")
        assert status == 0 and y.mantissas.ravel().tolist() == ys
    else:
        event("affine: INT_OVERFLOW")
        assert status == STATUS_CODES["SYM_ERR_INT_OVERFLOW"]


# ------------------------------------------------------------ LayerNorm n bound / K normal
def _ln_absmax_from_c(x: sv.SymTensor, eps: float):
    """(status, A) of sym_layernorm forward: with gamma = 1 at scale 1, y = q_n and
    s_y = fl(1/fl(qMax/A)), so qMax * s_y is A within a few ulps (norm_bits 16). A > 0
    puts some q_n at +-qMax; all q_n = 0 is the A == 0 branch (s_y = 1): A = 0."""
    f = x.mantissas.shape[1]
    ones = sv.SymTensor(np.ones(f, dtype=np.int32), np.float32(1.0), 2)
    zero = sv.SymTensor(np.zeros(f, dtype=np.int32), np.float32(1.0), 32)
    status, y = c_call(lambda: sv.kernels.layernorm_forward(x, ones, zero, norm_bits=16, eps=eps))
    if status:
        return status, None
    if not np.any(y.mantissas):
        return status, 0.0
    assert int(np.max(np.abs(y.mantissas))) == steps.qmax(16)
    return status, float(steps.qmax(16)) * float(y.scale)


def test_layernorm_n_bound_is_tight_on_c():
    """One non-zero element in F = 65535 gives |n| = sqrt(65534) = 255.996: the C's A
    comes within 0.01 of lemmas.LN_N_BOUND and stays below it."""
    m = np.zeros((1, lemmas.LN_MAX_FEATURES), dtype=np.int32)
    m[0, 7] = -32768
    status, a = _ln_absmax_from_c(sv.SymTensor(m, np.float32(1.0), 16), 2.0 ** -149)
    assert status == 0
    assert 255.99 < a <= lemmas.LN_N_BOUND * (1 + 2.0 ** -20)


ln_eps = st.sampled_from([2.0 ** -149, 1e-30, 1e-5, 1.0, 1e30, 3.4e38])


@CFG
@given(st.data(), st.integers(2, 16), ln_eps)
def test_layernorm_c_absmax_within_n_bound(data, xb, eps):
    """Random rows, extreme scales and eps: every A the C reaches is <= LN_N_BOUND, and a
    tiny A makes K = inf, which the C reports as SCALE_UNDERFLOW (layernorm.k_normal)."""
    bsz, f = data.draw(st.integers(1, 3)), data.draw(st.integers(2, 40))
    xq = data.draw(st.lists(st.integers(steps.qmin(xb), steps.qmax(xb)), min_size=bsz * f, max_size=bsz * f))
    if len(set(xq)) == 1:
        xq[0] = xq[0] + 1 if xq[0] < steps.qmax(xb) else xq[0] - 1  # not identical: statistics run
    x = sv.SymTensor(np.array(xq, dtype=np.int32).reshape(bsz, f), np.float32(data.draw(scales)), xb)
    status, a = _ln_absmax_from_c(x, eps)
    if status == 0:
        event("A measured")
        assert a <= lemmas.LN_N_BOUND * (1 + 2.0 ** -20)
    else:
        event(f"status {status}")
        assert status in (STATUS_CODES["SYM_ERR_SCALE_UNDERFLOW"], STATUS_CODES["SYM_ERR_FLOAT_OVERFLOW"])


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.lists(st.integers(-32768, 32767), min_size=2, max_size=6), scales, ln_eps)
def test_real_model_admits_ln_statistics(q, s_x, eps):
    """The float32 statistics of a row (as docs/layers.md step 2 computes them) satisfy the
    real model of layernorm.n_bound for every element, so the encoding is not vacuous."""
    from fractions import Fraction
    f32 = np.float32
    qa = np.array(q, dtype=np.int64)
    with np.errstate(all="ignore"):
        mu = f32(s_x) * (f32(int(qa.sum())) / f32(len(q)))
        d = qa.astype(np.float32) * f32(s_x) - mu
        acc = f32(0.0)
        for v in d:
            acc = f32(acc + v * v)
        var = acc / f32(len(q))
        ve = var + f32(eps)
        sq = np.sqrt(ve)
        inv = f32(1.0) / sq
        n = d * inv
    if not (np.all(np.isfinite(d)) and np.isfinite(acc) and np.isfinite(ve) and np.all(np.isfinite(n))):
        return  # the overflow cases (inv = 0, or FLOAT_OVERFLOW) are outside the finite chain
    for dj, nj in zip(d, n):
        fixed = {"d": abs(float(dj)), "F": len(q), "eps": float(f32(eps)), "acc": float(acc),
                 "dd": float(f32(dj * dj)), "var": float(var), "ve": float(ve), "sq": float(sq),
                 "inv": float(inv), "n": abs(float(nj))}
        assert _admits(lemmas.q_ln_n_bound, {k: Fraction(v) for k, v in fixed.items()}), fixed
        if fixed["n"] > 2.0 ** -100:  # a 1 % wrong n is rejected (the model is not vacuous)
            wrong = dict(fixed, n=fixed["n"] * 1.01)
            assert not _admits(lemmas.q_ln_n_bound, {k: Fraction(v) for k, v in wrong.items()}), wrong


def test_layernorm_k_inf_gives_zero_s_y_on_c():
    """layernorm.k_inf_rejected, evaluated: K = +inf -> s_y = 0; on the C the same
    input (A = 2^-126, K = 2047 * 2^126 overflows) is SCALE_UNDERFLOW. layernorm.k_normal's
    real model admits the finite K of a real A and rejects a subnormal one."""
    from fractions import Fraction
    q = lemmas.q_ln_k_inf_rejected()
    k, s_g = q.show["K"], q.show["s_gamma"]
    s_y = z3.substitute(q.show["s_y"], (k, fp.fconst(float("inf"))), (s_g, fp.fconst(0.75)))
    assert fp.ev(s_y) == 0.0
    assert z3.is_true(z3.simplify(z3.substitute(q.goals[0].goal, (k, fp.fconst(float("inf"))),
                                                (s_g, fp.fconst(0.75)))))
    a = np.float32(1.3416354)
    assert _admits(lambda: lemmas.q_ln_k_normal(12),
                   {"A": Fraction(float(a)), "K": Fraction(float(np.float32(2047.0) / a))})
    assert not _admits(lambda: lemmas.q_ln_k_normal(12), {"A": Fraction(float(a)), "K": Fraction(1, 2 ** 140)})
    x = sv.SymTensor(np.array([[0, 1, 2]], dtype=np.int32), np.float32(2.0 ** -126), 8)
    status, _ = _ln_absmax_from_c(x, 1.0)
    assert status == STATUS_CODES["SYM_ERR_SCALE_UNDERFLOW"]
