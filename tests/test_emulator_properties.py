"""Hypothesis tests of mathematical properties of the emulator (symverify.emulate).

The reference quantities are computed with exact rationals (fractions.Fraction),
an algorithm independent from the emulator's float32 code path; the bounds are
the float32 error bounds of the formulas in docs/semantics.md (unit roundoff
2^-24 per operation).
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from symverify import emulate as em
from symverify.errors import SymError
from symverify.types import HALF_AWAY, SR_HALF_AWAY, Rng, SymTensor

SETTINGS = settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])

F32 = np.float32
TINY = float(np.finfo(np.float32).tiny)

f32_values = st.floats(min_value=-(2.0**100), max_value=2.0**100, width=32, allow_nan=False, allow_infinity=False)
scales = st.floats(min_value=2.0**-40, max_value=2.0**40, width=32, allow_nan=False, allow_infinity=False)
out_bits = st.integers(2, 16)


def exact_round(q: Fraction) -> int:
    """Ties away from zero, exactly."""
    a = abs(q)
    n = int(a + Fraction(1, 2))  # floor for non-negative
    return n if q >= 0 else -n


def qmax(b: int) -> int:
    return 2 ** (b - 1) - 1


@st.composite
def sym_tensors(draw, bits=st.integers(2, 32), scale=scales, max_size=12):
    b = draw(bits)
    lo, hi = -(2 ** (b - 1)), 2 ** (b - 1) - 1
    m = draw(st.lists(st.integers(lo, hi), min_size=1, max_size=max_size))
    return SymTensor(np.array(m, dtype=np.int32), F32(draw(scale)), b)


@SETTINGS
@given(st.floats(min_value=-2.0**31, max_value=2.0**31, width=32, allow_nan=False, exclude_max=True))
def test_round_half_away_matches_exact_rounding(x):
    assert em.round_half_away(x) == exact_round(Fraction(float(x)))


@SETTINGS
@given(st.integers(-(2**24), 2**24), st.sampled_from([Fraction(1, 2), Fraction(1, 4), Fraction(3, 4)]))
def test_round_half_away_ties_and_quarters(k, frac):
    x = float(k) + float(frac) if k >= 0 else float(k) - float(frac)
    assume(float(F32(x)) == x)
    assert em.round_half_away(x) == exact_round(Fraction(x))


@SETTINGS
@given(st.lists(f32_values, min_size=1, max_size=16), out_bits)
def test_float_to_sym_half_away_bound(xs, b):
    x = np.array(xs, dtype=np.float32)
    a = float(np.max(np.abs(x)))
    qm = qmax(b)
    try:
        t = em.float_to_sym(x, b)
    except SymError as err:
        assert err.code == "SYM_ERR_SCALE_UNDERFLOW"
        assert a != 0 and float(F32(F32(a) / F32(qm))) < TINY
        return
    m = t.mantissas.astype(np.int64)
    assert np.all(m >= -qm - 1) and np.all(m <= qm)
    if a == 0:
        assert t.scale == F32(1.0) and np.all(m == 0)
        return
    assert t.scale == F32(F32(a) / F32(qm))
    s = Fraction(float(t.scale))
    eps = Fraction(qm + 1, 2**23)  # float32 error of x/scale, |x/scale| <= qMax (1+2^-23)
    for xi, mi in zip(x.tolist(), m.tolist()):
        assert abs(mi * s - Fraction(xi)) <= s * (Fraction(1, 2) + eps)
    i = int(np.argmax(np.abs(x)))
    assert abs(int(m[i])) == qm  # the absmax element maps to +-qMax (b <= 16)


@SETTINGS
@given(st.lists(st.floats(-1e3, 1e3, width=32), min_size=1, max_size=16), out_bits,
       st.integers(0, 2**32 - 1))
def test_float_to_sym_sr_is_floor_or_ceil(xs, b, seed):
    x = np.array(xs, dtype=np.float32)
    assume(float(np.max(np.abs(x))) > 1e-30)
    rng = Rng(seed)
    before = rng.state
    t = em.float_to_sym(x, b, SR_HALF_AWAY, rng)
    s = Fraction(float(t.scale))
    qm = qmax(b)
    eps = Fraction(qm + 1, 2**22)
    for xi, mi in zip(x.tolist(), t.mantissas.tolist()):
        assert -qm - 1 <= mi <= qm
        assert abs(Fraction(xi) / s - mi) < 1 + eps
    # one draw per element
    st_ = before
    for _ in range(x.size):
        st_ = em.xorshift32(st_)
    assert rng.state == st_


@SETTINGS
@given(sym_tensors(), out_bits)
def test_requant_dynamic_orders(t, b):
    try:
        ra = em.requant_dynamic(t, b, order="ratio")
    except SymError as err:
        assert err.code in ("SYM_ERR_SCALE_UNDERFLOW", "SYM_ERR_FLOAT_OVERFLOW")
        return
    cf = em.requant_dynamic(t, b, order="clamp_first")
    assert ra.scale == cf.scale and ra.q_max_bits == cf.q_max_bits == b
    qm = qmax(b)
    mi = t.mantissas.astype(np.int64)
    a = np.max(np.abs(mi.astype(np.float32) * t.scale))
    if a == 0:
        assert ra.scale == F32(1.0)
    else:
        assert ra.scale == F32(F32(a) / F32(qm))
    ideal_s = Fraction(float(t.scale)) / Fraction(float(ra.scale))
    eps = Fraction(4 * (qm + 1), 2**24)
    for out in (ra, cf):
        mo = out.mantissas.astype(np.int64)
        assert np.all(mo >= -qm - 1) and np.all(mo <= qm)
        for m_in, m_out in zip(mi.tolist(), mo.tolist()):
            ideal = m_in * ideal_s
            assert abs(m_out - ideal) <= Fraction(1, 2) + eps
    assert np.all(np.abs(ra.mantissas.astype(np.int64) - cf.mantissas.astype(np.int64)) <= 1)
    if a != 0:
        i = int(np.argmax(np.abs(mi)))
        assert abs(int(ra.mantissas[i])) == qm and abs(int(cf.mantissas[i])) == qm


@SETTINGS
@given(sym_tensors(), scales, out_bits)
def test_requant_fixed_range_bound_monotone(t, target, b):
    out = em.requant_fixed(t, target, b)
    qm = qmax(b)
    assert out.scale == F32(target) and out.q_max_bits == b
    mo = out.mantissas.astype(np.int64)
    mi = t.mantissas.astype(np.int64)
    assert np.all(mo >= -qm - 1) and np.all(mo <= qm)
    ideal_s = Fraction(float(t.scale)) / Fraction(float(F32(target)))
    for m_in, m_out in zip(mi.tolist(), mo.tolist()):
        ideal = m_in * ideal_s
        if -qm - 1 + 1 <= ideal <= qm - 1:
            assert abs(m_out - ideal) <= Fraction(1, 2) + abs(ideal) * Fraction(4, 2**24)
        elif ideal > qm:
            assert m_out == qm
        elif ideal < -qm - 1:
            assert m_out == -qm - 1
    order = np.argsort(mi, kind="stable")
    assert np.all(np.diff(mo[order]) >= 0)  # monotone in the input mantissa


@SETTINGS
@given(st.integers(-(2**31), 2**31 - 1), scales, scales)
def test_rescale_matches_exact_rounding_of_float32_formula(q, sp, sacc):
    r = (F32(q) * F32(sp)) / F32(sacc)
    if not (np.isfinite(r) and abs(r) <= F32(1073774464.0)):
        try:
            em.rescale_to_acc(q, sp, sacc)
        except SymError as err:
            assert err.code == "SYM_ERR_RANGE_GUARD"
            return
        raise AssertionError("guard not enforced")
    got = em.rescale_to_acc(q, sp, sacc)
    assert got == exact_round(Fraction(float(r)))
    assert abs(got) <= 2**31 - 1 - 32768 * 32767


@SETTINGS
@given(st.data(), st.integers(2, 32))
def test_accumulate_fixed_is_checked_integer_add(data, b):
    target = data.draw(sym_tensors(bits=st.just(b), max_size=8))
    n = len(target)
    inc_bits = data.draw(st.integers(2, 16))
    lo_i, hi_i = -(2 ** (inc_bits - 1)), 2 ** (inc_bits - 1) - 1
    inc = SymTensor(np.array(data.draw(st.lists(st.integers(lo_i, hi_i), min_size=n, max_size=n)),
                             dtype=np.int32), F32(data.draw(scales)), inc_bits)
    sums = [int(t) + em.rescale_to_acc(int(i), inc.scale, target.scale)
            if abs((F32(i) * inc.scale) / target.scale) <= F32(1073774464.0) else None
            for t, i in zip(target.mantissas.tolist(), inc.mantissas.tolist())]
    lo, hi = -(2 ** (b - 1)), 2 ** (b - 1) - 1
    if all(s is not None and lo <= s <= hi for s in sums):
        out = em.accumulate_fixed(target, inc)
        assert out.mantissas.tolist() == sums and out.scale == target.scale and out.q_max_bits == b
    else:
        try:
            em.accumulate_fixed(target, inc)
        except SymError as err:
            assert err.code in ("SYM_ERR_INT_OVERFLOW", "SYM_ERR_RANGE_GUARD")
        else:
            raise AssertionError("overflow not reported")


@SETTINGS
@given(st.data(), out_bits)
def test_accumulate_dynamic_range_and_bound(data, b):
    target = data.draw(sym_tensors(bits=st.just(b), max_size=8))
    n = len(target)
    inc = SymTensor(np.array(data.draw(st.lists(st.integers(-2048, 2047), min_size=n, max_size=n)),
                             dtype=np.int32), F32(data.draw(scales)), 12)
    try:
        out = em.accumulate_dynamic(target, inc)
    except SymError as err:
        assert err.code in ("SYM_ERR_SCALE_UNDERFLOW", "SYM_ERR_FLOAT_OVERFLOW")
        return
    qm = qmax(b)
    mo = out.mantissas.astype(np.int64)
    assert np.all(mo >= -qm - 1) and np.all(mo <= qm) and out.q_max_bits == b
    v = (target.mantissas.astype(np.float32) * target.scale) + (inc.mantissas.astype(np.float32) * inc.scale)
    s = Fraction(float(out.scale))
    for vi, m in zip(v.tolist(), mo.tolist()):
        assert abs(Fraction(vi) / s - m) <= Fraction(1, 2) + Fraction(qm + 1, 2**23)
    if np.max(np.abs(v)) != 0:
        assert abs(int(mo[int(np.argmax(np.abs(v)))])) == qm


@SETTINGS
@given(sym_tensors(bits=st.integers(2, 16)), st.integers(0, 2**32 - 1), out_bits,
       st.sampled_from(["ratio", "clamp_first"]))
def test_requant_sr_floor_or_ceil_and_draws(t, seed, b, order):
    rng = Rng(seed)
    ref = em.requant_dynamic(t, b, HALF_AWAY, order)
    out = em.requant_dynamic(t, b, SR_HALF_AWAY, order, rng)
    assert np.all(np.abs(out.mantissas.astype(np.int64) - ref.mantissas.astype(np.int64)) <= 1)
    st_ = seed or 0xFFFFFFFF
    for _ in range(len(t)):
        st_ = em.xorshift32(st_)
    assert rng.state == st_
