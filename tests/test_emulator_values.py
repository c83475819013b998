"""Hand-computed values and error codes for the numpy emulator (symverify.emulate).

Every expected value here was derived by hand from docs/semantics.md (the
derivation is in the comment next to it), never by running the emulator and
copying its output.
"""
from __future__ import annotations

import numpy as np
import pytest

from symverify import emulate as em
from symverify.errors import SymError
from symverify.types import HALF_AWAY, SR_HALF_AWAY, Rng, SymTensor

F32 = np.float32


def f32bits(x) -> int:
    return int(np.float32(x).view(np.uint32))


def raises(code: str, argument_part: str | None, fn, *args, **kwargs) -> SymError:
    with pytest.raises(SymError) as info:
        fn(*args, **kwargs)
    err = info.value
    assert err.code == code, str(err)
    assert isinstance(err, ValueError)
    if argument_part is not None:
        assert argument_part in err.argument, str(err)
        assert argument_part in str(err)
    return err


# --------------------------------------------------------------------------
# xorshift32, computed here with Python ints from the formula
# --------------------------------------------------------------------------

def hand_xorshift(s: int) -> int:
    s ^= (s << 13) % 2**32
    s ^= s >> 17
    s ^= (s << 5) % 2**32
    return s


def hand_u(s: int) -> float:
    return (s >> 8) / 2**24


def test_xorshift_seed1_known_sequence():
    # by hand: 1 ^ (1<<13) = 8193; 8193 >> 17 = 0; 8193 ^ (8193<<5) = 8193 ^ 262176 = 270369
    assert em.xorshift32(1) == 270369
    s, seq = 1, []
    for _ in range(5):
        s = hand_xorshift(s)
        seq.append(s)
    assert seq[:3] == [270369, 67634689, 2647435461]  # Marsaglia xorshift32(13,17,5), seed 1
    s = 1
    for want in seq:
        s = em.xorshift32(s)
        assert s == want
    u, final = em.sr_draws(1, 5)
    assert final == seq[-1]
    assert u.dtype == np.float32
    assert [float(x) for x in u] == [hand_u(x) for x in seq]  # u uses the NEW state


def test_rng_seed0_maps_to_all_ones():
    assert Rng(0).state == 0xFFFFFFFF


# --------------------------------------------------------------------------
# round_half_away
# --------------------------------------------------------------------------

@pytest.mark.parametrize("x, want", [
    (2.5, 3), (-2.5, -3), (0.5, 1), (-0.5, -1), (1.5, 2), (-1.5, -2),
    (0.49999997, 0),            # float32 0.5 - 2^-25: below the tie (floor(x+0.5f) would give 1)
    (-0.49999997, 0),
    (8388609.0, 8388609),       # 2^23 + 1: already an integer
    (8388607.5, 8388608),       # largest float32 with a .5 fraction: tie goes away
    (-8388607.5, -8388608),
    (0.0, 0), (-0.0, 0), (1e-30, 0), (2.4999998, 2), (3.0, 3),
    (2147483520.0, 2147483520),  # largest float32 below 2^31
    (-2147483648.0, -2147483648),
    (0.1, 0), (0.7, 1), (-0.7, -1),
])
def test_round_half_away_values(x, want):
    got = em.round_half_away(x)
    assert type(got) is int
    assert got == want


def test_round_half_away_converts_to_float32_first():
    # 2.5000001 as float64 is above the tie, but float32(2.5000001) == 2.5 -> 3 either way;
    # 0.49999999 (float64) rounds to float32 0.5 (nearest-even), so the result is 1, not 0.
    assert em.round_half_away(0.49999999) == 1
    assert em.round_half_away(-0.49999999) == -1


@pytest.mark.parametrize("x", [float("nan"), float("inf"), float("-inf"), 2.0**31, -2.0**32, 1e39])
def test_round_half_away_cast_range(x):
    raises("SYM_ERR_CAST_RANGE", "x", em.round_half_away, x)


# --------------------------------------------------------------------------
# float_to_sym / sym_to_float / int_to_sym
# --------------------------------------------------------------------------

def test_float_to_sym_exact_scale_and_ties():
    # b=4: qMax = 7, A = 7 -> scale = 7/7 = 1.0 exactly, so m = round(x)
    t = em.float_to_sym([7.0, 2.5, -2.5, 3.5, -0.5, 0.49999997, -7.0], 4)
    assert t.q_max_bits == 4
    assert f32bits(t.scale) == f32bits(1.0)
    assert t.mantissas.tolist() == [7, 3, -3, 4, -1, 0, -7]
    assert t.mantissas.dtype == np.int32


def test_float_to_sym_third_scale():
    # b=3: qMax=3, scale = 1f/3f = 0x3EAAAAAB (0.33333334).
    # 1/scale = 2.99999991 -> float32 3.0 -> 3;  -0.5/scale = -1.49999996 -> float32 -1.5 -> -2 (tie away);
    # 0.25/scale = 0.74999998 -> float32 0.75 -> 1;  0 -> 0.
    t = em.float_to_sym([1.0, -0.5, 0.25, 0.0], 3)
    assert f32bits(t.scale) == 0x3EAAAAAB
    assert t.mantissas.tolist() == [3, -2, 1, 0]


def test_float_to_sym_absmax_maps_to_qmax():
    x = np.array([0.1, -0.73, 0.2, 0.0001], dtype=np.float32)
    for b in (2, 8, 12, 16, 17, 23):
        t = em.float_to_sym(x, b)
        qmax = 2 ** (b - 1) - 1
        assert t.mantissas[1] == -qmax
        assert np.all(np.abs(t.mantissas.astype(np.int64)) <= qmax)
        assert t.scale == np.float32(np.float32(0.73) / np.float32(qmax))
        assert em.float_to_sym(-x, b).mantissas[1] == qmax


def test_float_to_sym_wide_conversion_negative_absmax_reaches_qmin():
    # The SPEC's "absmax maps to +-qMax" needs float32 headroom: at b=24 it fails.
    # scale = f32(0.73f / 8388607) = 8.702279e-08 (0x33BAE149); exact -0.73f/scale = -8388607.315...,
    # whose float32 (ulp 0.5 in [2^22, 2^23)) is -8388607.5, a tie -> -8388608 = qMin (kept by the clamp).
    # For +0.73 the same quotient is clamped to qMax. (Checked with fractions.Fraction.)
    x = np.array([0.1, -0.73], dtype=np.float32)
    t = em.float_to_sym(x, 24)
    assert f32bits(t.scale) == 0x33BAE149
    assert t.mantissas.tolist()[1] == -8388608
    assert em.float_to_sym(-x, 24).mantissas.tolist()[1] == 8388607


def test_float_to_sym_all_zero():
    t = em.float_to_sym(np.zeros(4), 12)
    assert f32bits(t.scale) == f32bits(1.0)
    assert t.mantissas.tolist() == [0, 0, 0, 0]


def test_float_to_sym_keeps_shape_and_default_width():
    x = np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5
    t = em.float_to_sym(x)
    assert t.q_max_bits == 12
    assert t.mantissas.shape == (2, 3)
    assert t.mantissas[0, 0] == -2047  # |-2.5| is the absmax


def test_sym_to_float_and_int_to_sym():
    t = SymTensor(np.array([3, -2, 0], dtype=np.int32), F32(0.5), 12)
    y = em.sym_to_float(t)
    assert y.dtype == np.float32
    assert y.tolist() == [1.5, -1.0, 0.0]
    m = np.array([[2**31 - 1, -2**31], [5, 0]], dtype=np.int32)
    s = em.int_to_sym(m)
    assert s.q_max_bits == 32 and f32bits(s.scale) == f32bits(1.0)
    assert s.mantissas.tolist() == m.tolist()
    m[0, 0] = 7  # a copy, not a view
    assert s.mantissas[0, 0] == 2**31 - 1


# --------------------------------------------------------------------------
# requant
# --------------------------------------------------------------------------

def test_requant_dynamic_exact_case_both_orders():
    # A = 254, b=8: s_out = 254/127 = 2.0 exactly; r = 1/2 = 0.5;
    # v = [127, -63.5, 31.5, 0.5, -0.5] -> [127, -64, 32, 1, -1]
    t = SymTensor(np.array([254, -127, 63, 1, -1], dtype=np.int32), F32(1.0), 32)
    for order in ("ratio", "clamp_first"):
        out = em.requant_dynamic(t, 8, order=order)
        assert f32bits(out.scale) == f32bits(2.0)
        assert out.q_max_bits == 8
        assert out.mantissas.tolist() == [127, -64, 32, 1, -1]
    assert t.mantissas.tolist() == [254, -127, 63, 1, -1]  # input untouched
    assert f32bits(t.scale) == f32bits(1.0)


def test_requant_dynamic_all_zero_scale_one():
    t = SymTensor(np.zeros(3, dtype=np.int32), F32(0.125), 12)
    out = em.requant_dynamic(t, 6)
    assert f32bits(out.scale) == f32bits(1.0) and out.mantissas.tolist() == [0, 0, 0]


def test_requant_ratio_vs_clamp_first_differ_by_one():
    # Found by a random search over 2-element int12 tensors, then verified step by step
    # in float32 (hex bit patterns) and with exact rationals:
    #   s_in = 0x3F084A8D (0.53238755), m = [906, 1812], b_out = 6 (qMax 31)
    #   A = f32(1812 * s_in) = 964.6863; s_out = f32(A / 31) = 31.118912 (0x41F8F388)
    #   ratio:       r = f32(s_in / s_out) = 0.017108167; f32(906 * r) = 15.499999 -> 15
    #   clamp_first: f32(906 * s_in) / s_out = 15.499999758... -> f32 15.5 -> 16 (tie away)
    # (mathematically 906/1812 * 31 = 15.5 exactly, so each order lands on its own side).
    s_in = np.array([0x3F084A8D], dtype=np.uint32).view(np.float32)[0]
    t = SymTensor(np.array([906, 1812], dtype=np.int32), s_in, 12)
    a = em.requant_dynamic(t, 6, order="ratio")
    c = em.requant_dynamic(t, 6, order="clamp_first")
    assert f32bits(a.scale) == f32bits(c.scale) == 0x41F8F388
    assert a.mantissas.tolist() == [15, 31]
    assert c.mantissas.tolist() == [16, 31]


def test_requant_fixed_values_and_saturation():
    # target 2.0: v = m/2 = [2.5, -2.5, 1.5, 3.5, 0.5, -10, 10]
    t = SymTensor(np.array([5, -5, 3, 7, 1, -20, 20], dtype=np.int32), F32(1.0), 32)
    out = em.requant_fixed(t, 2.0, 4)  # qMin -8, qMax 7
    assert out.mantissas.tolist() == [3, -3, 2, 4, 1, -8, 7]
    assert f32bits(out.scale) == f32bits(2.0) and out.q_max_bits == 4
    out = em.requant_fixed(t, 2.0, 3)  # qMin -4, qMax 3: 3.5 -> 3, -10 -> -4
    assert out.mantissas.tolist() == [3, -3, 2, 3, 1, -4, 3]


def test_requant_fixed_saturates_inf():
    # (float)m * s_in overflows to +-inf: the fixed requant saturates by design
    t = SymTensor(np.array([2**31 - 1, -2**31, 0], dtype=np.int32), F32(3e38), 32)
    out = em.requant_fixed(t, 1.0, 16)
    assert out.mantissas.tolist() == [32767, -32768, 0]


def test_requant_in_place_semantics_same_result_twice():
    t = SymTensor(np.array([1000, -3, 77], dtype=np.int32), F32(0.01), 12)
    a = em.requant_dynamic(t, 8)
    b = em.requant_dynamic(t, 8)
    assert a.same_bits(b)


# --------------------------------------------------------------------------
# rescale / accumulate
# --------------------------------------------------------------------------

def test_rescale_to_acc_values():
    # r = (q * 0.25) / 0.5 = q / 2
    assert em.rescale_to_acc(3, 0.25, 0.5) == 2
    assert em.rescale_to_acc(-3, 0.25, 0.5) == -2
    assert em.rescale_to_acc(1, 0.25, 0.5) == 1
    assert em.rescale_to_acc(0, 0.25, 0.5) == 0
    assert em.rescale_to_acc(7, 1.0, 4.0) == 2  # 1.75


def test_rescale_guard_boundary():
    # 1073774464 = 2^30 + 257*128 is a float32 and the largest one <= 2^31-1-32768*32767
    assert em.rescale_to_acc(1073774464, 1.0, 1.0) == 1073774464
    assert em.rescale_to_acc(-1073774464, 1.0, 1.0) == -1073774464
    raises("SYM_ERR_RANGE_GUARD", None, em.rescale_to_acc, 1073774464 + 128, 1.0, 1.0)
    raises("SYM_ERR_RANGE_GUARD", None, em.rescale_to_acc, 2**30, 2.0, 1.0)
    raises("SYM_ERR_RANGE_GUARD", None, em.rescale_to_acc, 2**31 - 1, 3e38, 1e-30)  # inf


def test_accumulate_fixed_values():
    # r = inc * 0.25 / 0.5 = [1.5, -1.5, 0.5] -> [2, -2, 1]
    target = SymTensor(np.array([100, -100, 0], dtype=np.int32), F32(0.5), 12)
    inc = SymTensor(np.array([3, -3, 1], dtype=np.int32), F32(0.25), 32)
    out = em.accumulate_fixed(target, inc)
    assert out.mantissas.tolist() == [102, -102, 1]
    assert f32bits(out.scale) == f32bits(0.5) and out.q_max_bits == 12
    assert target.mantissas.tolist() == [100, -100, 0]


def test_accumulate_fixed_overflow_checked():
    inc = SymTensor(np.array([0, 2], dtype=np.int32), F32(0.5), 12)
    target = SymTensor(np.array([0, 2046], dtype=np.int32), F32(0.5), 12)
    raises("SYM_ERR_INT_OVERFLOW", "target[1]", em.accumulate_fixed, target, inc)  # 2048 > 2047
    t32 = SymTensor(np.array([2**31 - 1], dtype=np.int32), F32(1.0), 32)
    raises("SYM_ERR_INT_OVERFLOW", "target[0]", em.accumulate_fixed, t32,
           SymTensor(np.array([1], dtype=np.int32), F32(1.0), 32))
    raises("SYM_ERR_RANGE_GUARD", "inc[0]", em.accumulate_fixed, t32,
           SymTensor(np.array([2**31 - 1], dtype=np.int32), F32(1.0), 32))


def test_accumulate_dynamic_values():
    # v = t*0.5 + inc*0.5 = [6+1, -1.5+1] = [7, -0.5]
    target = SymTensor(np.array([12, -3], dtype=np.int32), F32(0.5), 5)
    inc = SymTensor(np.array([2, 2], dtype=np.int32), F32(0.5), 32)
    # width 5: qMax = 15, scale = 7/15 -> v/scale = [15, -1.0714...] -> [15, -1]
    out = em.accumulate_dynamic(target, inc)
    assert out.q_max_bits == 5
    assert out.scale == np.float32(np.float32(7.0) / np.float32(15.0))
    assert out.mantissas.tolist() == [15, -1]
    t4 = SymTensor(np.array([6, -2], dtype=np.int32), F32(1.0), 4)
    inc = SymTensor(np.array([2, 3], dtype=np.int32), F32(0.5), 32)
    # v = [6 + 1, -2 + 1.5] = [7, -0.5]; qMax 7 -> scale 1.0 -> [7, -1] (tie away)
    out = em.accumulate_dynamic(t4, inc)
    assert f32bits(out.scale) == f32bits(1.0)
    assert out.mantissas.tolist() == [7, -1]


def test_accumulate_dynamic_zero_sum():
    target = SymTensor(np.array([4, -4], dtype=np.int32), F32(0.5), 8)
    inc = SymTensor(np.array([-2, 2], dtype=np.int32), F32(1.0), 8)
    out = em.accumulate_dynamic(target, inc)
    assert f32bits(out.scale) == f32bits(1.0) and out.mantissas.tolist() == [0, 0]


# --------------------------------------------------------------------------
# stochastic rounding
# --------------------------------------------------------------------------

def test_sr_exact_values_seed1():
    # requant_fixed with s_in = 1, target 4: v = 6/4 = 1.5 per element.
    # w = (1.5 + u) - 0.5 -> 2 iff u >= 0.5 (float32 rounding of 1.5 + u cannot cross 2.0 for u < 0.5).
    # Draws from seed 1 (new state each time): u = 1056/2^24, 264198/2^24, 10341544/2^24 (0.616),
    # 1201561/2^24, 9369879/2^24 (0.558)  ->  [1, 1, 2, 1, 2]
    t = SymTensor(np.full(5, 6, dtype=np.int32), F32(1.0), 32)
    rng = Rng(1)
    out = em.requant_fixed(t, 4.0, 12, rounding=SR_HALF_AWAY, rng_state=rng)
    assert out.mantissas.tolist() == [1, 1, 2, 1, 2]
    s = 1
    for _ in range(5):
        s = hand_xorshift(s)
    assert rng.state == s


def _seed_before(state: int) -> int:
    """Inverse xorshift32 (undo <<5, >>17, <<13), by the textbook inversion."""
    def inv_left(y, k):
        x = y
        for _ in range(32 // k + 1):
            x = y ^ ((x << k) % 2**32)
        return x

    def inv_right(y, k):
        x = y
        for _ in range(32 // k + 1):
            x = y ^ (x >> k)
        return x
    return inv_left(inv_right(inv_left(state, 5), 17), 13)


def test_sr_u_zero_tie_and_clamp_first_saturation():
    seed = _seed_before(1)
    assert hand_xorshift(seed) == 1  # first draw: state 1 -> u = (1 >> 8) / 2^24 = 0
    # u = 0: an exact integer k <= 0 rounds to k - 1 (w = k - 0.5 is a tie, away from zero)
    t = SymTensor(np.array([0], dtype=np.int32), F32(1.0), 32)
    assert em.requant_fixed(t, 1.0, 8, SR_HALF_AWAY, Rng(seed)).mantissas.tolist() == [-1]
    t = SymTensor(np.array([3], dtype=np.int32), F32(1.0), 32)
    assert em.requant_fixed(t, 1.0, 8, SR_HALF_AWAY, Rng(seed)).mantissas.tolist() == [3]  # 2.5 -> 3
    # clamp at qMin then SR with u = 0: w = -2 - 0.5 = -2.5 -> -3, saturated back to qMin = -2 (b=2)
    t = SymTensor(np.array([-100], dtype=np.int32), F32(1.0), 32)
    out = em.requant_fixed(t, 1.0, 2, SR_HALF_AWAY, Rng(seed))
    assert out.mantissas.tolist() == [-2]
    t = SymTensor(np.array([-100, 50], dtype=np.int32), F32(1.0), 32)
    out = em.requant_dynamic(t, 2, SR_HALF_AWAY, "clamp_first", Rng(seed))
    # s_out = 100/1 = 100; v = [-1, 0.5]: first element -1 - 0.5 -> -2 (qMin, fine)
    assert out.mantissas[0] == -2


def test_sr_one_draw_per_element_even_all_zero():
    rng = Rng(7)
    em.float_to_sym(np.zeros((2, 3)), 12, SR_HALF_AWAY, rng)
    s = 7
    for _ in range(6):
        s = hand_xorshift(s)
    assert rng.state == s


def test_sr_same_seed_same_bits():
    x = np.linspace(-1, 1, 33, dtype=np.float32)
    a = em.float_to_sym(x, 8, SR_HALF_AWAY, Rng(123))
    b = em.float_to_sym(x, 8, SR_HALF_AWAY, Rng(123))
    assert a.same_bits(b)


def test_half_away_ignores_rng():
    rng = Rng(5)
    em.float_to_sym([0.3, 0.1], 8, HALF_AWAY, rng)
    assert rng.state == 5


@pytest.mark.parametrize("sign", [1, -1])
def test_sr_mean_is_unbiased(sign):
    # v = 3/10 = 0.3 per element: SR gives 1 with probability ~0.3
    n = 20000
    t = SymTensor(np.full(n, 3 * sign, dtype=np.int32), F32(1.0), 32)
    out = em.requant_fixed(t, 10.0, 12, SR_HALF_AWAY, Rng(2024))
    vals = set(out.mantissas.tolist())
    assert vals <= ({0, 1} if sign > 0 else {0, -1})
    mean = out.mantissas.mean()
    assert abs(mean - 0.3 * sign) < 4 * np.sqrt(0.21 / n)
    # half-away would freeze it at 0
    assert set(em.requant_fixed(t, 10.0, 12).mantissas.tolist()) == {0}


# --------------------------------------------------------------------------
# errors: every class, right code, named argument, nothing advanced
# --------------------------------------------------------------------------

T12 = SymTensor(np.array([5, -7, 100], dtype=np.int32), F32(0.5), 12)


@pytest.mark.parametrize("bits", [0, 1, 32, 33, -3, 2.0, True])
def test_float_to_sym_bad_width(bits):
    raises("SYM_ERR_BAD_WIDTH", "q_max_bits", em.float_to_sym, [1.0], bits)


@pytest.mark.parametrize("bits", [1, 17, 31, 32])
def test_requant_bad_width(bits):
    raises("SYM_ERR_BAD_WIDTH", "q_max_bits", em.requant_dynamic, T12, bits)
    raises("SYM_ERR_BAD_WIDTH", "q_max_bits", em.requant_fixed, T12, 1.0, bits)


def test_accumulate_width_rules():
    wide = SymTensor(np.array([1, 2, 3], dtype=np.int32), F32(1.0), 17)
    raises("SYM_ERR_BAD_WIDTH", "target", em.accumulate_dynamic, wide, T12)
    raw = em.int_to_sym(np.array([1, 2, 3]))
    raises("SYM_ERR_BAD_WIDTH", "target", em.accumulate_dynamic, raw, T12)
    assert em.accumulate_fixed(raw, T12).mantissas.tolist() == [4, -2, 53]  # 1+round(2.5), 2+round(-3.5), 3+50


def test_float_to_sym_errors():
    raises("SYM_ERR_EMPTY", "x", em.float_to_sym, [])
    raises("SYM_ERR_NONFINITE_INPUT", "x[1]", em.float_to_sym, [1.0, float("nan")])
    raises("SYM_ERR_NONFINITE_INPUT", "x[0]", em.float_to_sym, [float("-inf")])
    raises("SYM_ERR_NONFINITE_INPUT", "x[0]", em.float_to_sym, [1e39])  # inf after float32 conversion
    raises("SYM_ERR_SCALE_UNDERFLOW", "absmax", em.float_to_sym, [1e-36, 0.0], 12)  # 1e-36/2047 subnormal
    raises("SYM_ERR_SCALE_UNDERFLOW", "absmax", em.float_to_sym, [1e-44])
    raises("SYM_ERR_BAD_ROUNDING", "rounding", em.float_to_sym, [1.0], 12, "half_even")
    raises("SYM_ERR_NULL", "rng_state", em.float_to_sym, [1.0], 12, SR_HALF_AWAY, None)
    raises("SYM_ERR_NULL", "rng_state", em.float_to_sym, [1.0], 12, SR_HALF_AWAY, 42)
    raises("SYM_ERR_BAD_RNG", "rng_state", em.float_to_sym, [1.0], 12, HALF_AWAY, 42)
    raises("SYM_ERR_BAD_TYPE", "x", em.float_to_sym, ["a"])


def test_requant_errors():
    raises("SYM_ERR_BAD_ORDER", "order", em.requant_dynamic, T12, 8, HALF_AWAY, "newest")
    raises("SYM_ERR_BAD_TYPE", "t", em.requant_dynamic, [1, 2], 8)
    huge = SymTensor(np.array([2**31 - 1, 1], dtype=np.int32), F32(3e38), 32)
    raises("SYM_ERR_FLOAT_OVERFLOW", "t", em.requant_dynamic, huge, 8)
    tiny = SymTensor(np.array([1, 0], dtype=np.int32), np.finfo(np.float32).tiny, 12)
    raises("SYM_ERR_SCALE_UNDERFLOW", "absmax", em.requant_dynamic, tiny, 8)
    for bad in (float("nan"), 0.0, -1.0, float("inf"), 1e-40):
        raises("SYM_ERR_BAD_SCALE", "target_scale", em.requant_fixed, T12, bad, 8)
    for bad in ("x", None, [0.5], True):   # group 1 of docs/semantics.md: a type fault
        raises("SYM_ERR_BAD_TYPE", "target_scale", em.requant_fixed, T12, bad, 8)


def test_rescale_errors():
    raises("SYM_ERR_BAD_ROUNDING", "rounding", em.rescale_to_acc, 1, 1.0, 1.0, SR_HALF_AWAY)
    raises("SYM_ERR_BAD_SCALE", "param_scale", em.rescale_to_acc, 1, float("nan"), 1.0)
    raises("SYM_ERR_BAD_SCALE", "acc_scale", em.rescale_to_acc, 1, 1.0, 0.0)
    raises("SYM_ERR_BAD_TYPE", "q", em.rescale_to_acc, 1.5, 1.0, 1.0)


def test_accumulate_errors():
    short = SymTensor(np.array([1, 2], dtype=np.int32), F32(1.0), 12)
    raises("SYM_ERR_SHAPE", "inc", em.accumulate_dynamic, T12, short)
    raises("SYM_ERR_SHAPE", "inc", em.accumulate_fixed, T12, short)
    raises("SYM_ERR_BAD_ROUNDING", "rounding", em.accumulate_fixed, T12, T12, SR_HALF_AWAY)
    big = SymTensor(np.array([2047, 1, 1], dtype=np.int32), F32(3e38), 12)
    raises("SYM_ERR_FLOAT_OVERFLOW", "v[0]", em.accumulate_dynamic, big, big)
    tiny = SymTensor(np.array([1, 0, 0], dtype=np.int32), np.finfo(np.float32).tiny, 12)
    raises("SYM_ERR_SCALE_UNDERFLOW", "absmax", em.accumulate_dynamic, tiny, tiny)


def test_sym_to_float_and_int_to_sym_errors():
    huge = SymTensor(np.array([1, 2**31 - 1], dtype=np.int32), F32(3e38), 32)
    raises("SYM_ERR_FLOAT_OVERFLOW", "t", em.sym_to_float, huge)
    raises("SYM_ERR_EMPTY", "m", em.int_to_sym, np.array([], dtype=np.int32))
    raises("SYM_ERR_BAD_TYPE", "m", em.int_to_sym, np.array([1.0]))
    raises("SYM_ERR_INT_OVERFLOW", "m[1]", em.int_to_sym, np.array([0, 2**31]))


def test_rng_not_advanced_on_error():
    rng = Rng(99)
    with pytest.raises(SymError):
        em.float_to_sym([1e-44, 0.0], 12, SR_HALF_AWAY, rng)
    with pytest.raises(SymError):
        em.requant_dynamic(SymTensor(np.array([2**31 - 1], dtype=np.int32), F32(3e38), 32),
                           8, SR_HALF_AWAY, "ratio", rng)
    with pytest.raises(SymError):
        em.requant_fixed(T12, float("nan"), 8, SR_HALF_AWAY, rng)
    with pytest.raises(SymError):
        em.accumulate_dynamic(T12, SymTensor(np.array([1], dtype=np.int32), F32(1.0), 12), SR_HALF_AWAY, rng)
    assert rng.state == 99


def test_emulate_module_exports_api():
    import symverify.emulate as mod
    for name in ("round_half_away", "float_to_sym", "sym_to_float", "requant_dynamic", "requant_fixed",
                 "rescale_to_acc", "int_to_sym", "accumulate_dynamic", "accumulate_fixed"):
        assert callable(getattr(mod, name))


def test_sr_sum_order_left_to_right():
    # w = (x + u) - 0.5 must be evaluated left to right in float32; x + (u - 0.5) differs here.
    # b=24, x = [4194304.5, 8388607]: absmax = qMax, so scale = 1.0 and q = x exactly.
    # Seed chosen so that the first draw's new state is 2^30: u = (2^30 >> 8) / 2^24 = 0.25.
    #   (4194304.5 + 0.25) = 4194304.75 -> float32 (ulp 0.5) tie -> even 4194305.0; - 0.5 = 4194304.5 -> 4194305
    #   (the wrong order: 4194304.5 + (-0.25) = 4194304.25 -> tie -> even 4194304.0 -> 4194304)
    # second element: 8388607 + u - 0.5 lies in [8388606.5, 8388607.5] -> 8388607 for any u.
    seed = _seed_before(2**30)
    assert hand_xorshift(seed) == 2**30
    t = em.float_to_sym(np.array([4194304.5, 8388607.0], dtype=np.float32), 24, SR_HALF_AWAY, Rng(seed))
    assert f32bits(t.scale) == f32bits(1.0)
    assert t.mantissas.tolist() == [4194305, 8388607]


# --------------------------------------------------------------------------
# mutmut gaps: exact error reports (code, argument, value, rule), per
# validation path of each emulator function, and hand-derived values for
# the numeric paths the tests above did not pin (SR accumulate_dynamic,
# float32 products of mantissas not exact in float32, 2-D shapes, boundaries).
# --------------------------------------------------------------------------

def report(fn, *args, **kwargs) -> SymError:
    with pytest.raises(SymError) as info:
        fn(*args, **kwargs)
    return info.value


def check_report(err: SymError, code: str, argument: str, rule_start: str, value=None) -> None:
    assert (err.code, err.argument) == (code, argument), str(err)
    assert err.rule.startswith(rule_start), err.rule
    assert str(err).startswith(f"{code}: argument {argument!r}"), str(err)
    if value is not None:
        assert err.value == value, str(err)


S1 = SymTensor(np.array([1, 2, 3], dtype=np.int32), F32(1.0), 8)


@pytest.mark.parametrize("x", ["1.5", b"1.5", [2.5], (2.5,), np.array([2.5]), None, {}])
def test_round_half_away_bad_type_report(x):
    check_report(report(em.round_half_away, x), "SYM_ERR_BAD_TYPE", "x", "expected a real number")


def test_round_half_away_scalar_forms_and_conversion_failure():
    assert em.round_half_away(np.array(2.5)) == 3          # a 0-d array is a number
    assert em.round_half_away(np.float32(-2.5)) == -3
    assert em.round_half_away(np.int64(7)) == 7
    # complex passes np.isscalar, but float32(1j) fails: BAD_TYPE from the conversion
    check_report(report(em.round_half_away, 1j), "SYM_ERR_BAD_TYPE", "x", "expected a real number")
    check_report(report(em.round_half_away, float("nan")), "SYM_ERR_CAST_RANGE", "x",
                 "float32(x) must be finite and in [-2^31, 2^31)")
    # the bounds: -2^31 is castable, 2^31 is not; 2^31 - 128 is the float32 just below 2^31 (spacing 128)
    assert em.round_half_away(-2.0**31) == -2**31
    assert em.round_half_away(2.0**31 - 128) == 2**31 - 128
    check_report(report(em.round_half_away, 2.0**31), "SYM_ERR_CAST_RANGE", "x", "float32(x)", 2.0**31)
    check_report(report(em.round_half_away, -2.0**31 - 256), "SYM_ERR_CAST_RANGE", "x", "float32(x)")


def test_float_to_sym_reports():
    check_report(report(em.float_to_sym, [True, False]), "SYM_ERR_BAD_TYPE", "x", "expected an array of real numbers")
    check_report(report(em.float_to_sym, ["a"]), "SYM_ERR_BAD_TYPE", "x", "expected an array of real numbers")
    check_report(report(em.float_to_sym, np.zeros((0, 3))), "SYM_ERR_EMPTY", "x", "at least one element is required",
                 (0, 3))
    e = report(em.float_to_sym, [1.0, 2.0, float("inf")])
    check_report(e, "SYM_ERR_NONFINITE_INPUT", "x[2]", "input values must be finite")
    assert e.value == float("inf")
    e = report(em.float_to_sym, np.array([[1.0, 2.0], [float("nan"), 3.0]]))
    check_report(e, "SYM_ERR_NONFINITE_INPUT", "x[2]", "input values must be finite")  # flat index
    e = report(em.float_to_sym, [1e-36, 0.0], 12)
    check_report(e, "SYM_ERR_SCALE_UNDERFLOW", "absmax", "absmax / qMax", float(F32(1e-36)))
    check_report(report(em.float_to_sym, [1.0], 32), "SYM_ERR_BAD_WIDTH", "q_max_bits", "width must be")
    check_report(report(em.float_to_sym, [1.0], 12, "even"), "SYM_ERR_BAD_ROUNDING", "rounding", "rounding must")
    check_report(report(em.float_to_sym, [1.0], 12, SR_HALF_AWAY, None), "SYM_ERR_NULL", "rng_state", "SR_HALF_AWAY")
    check_report(report(em.float_to_sym, [1.0], 12, HALF_AWAY, 3), "SYM_ERR_BAD_RNG", "rng_state", "rng_state must")


def test_sym_to_float_reports():
    check_report(report(em.sym_to_float, np.array([1])), "SYM_ERR_BAD_TYPE", "t", "expected a symverify.SymTensor",
                 "ndarray")
    huge = SymTensor(np.array([1, 2**31 - 1], dtype=np.int32), F32(3e38), 32)
    e = report(em.sym_to_float, huge)
    check_report(e, "SYM_ERR_FLOAT_OVERFLOW", "t", "(float)m[1] * scale", float(F32(3e38)))


def test_requant_dynamic_reports():
    check_report(report(em.requant_dynamic, [1], 8), "SYM_ERR_BAD_TYPE", "t", "expected a symverify.SymTensor", "list")
    check_report(report(em.requant_dynamic, S1, 17), "SYM_ERR_BAD_WIDTH", "q_max_bits", "width must be", 17)
    check_report(report(em.requant_dynamic, S1, 8, "x"), "SYM_ERR_BAD_ROUNDING", "rounding", "rounding must")
    check_report(report(em.requant_dynamic, S1, 8, HALF_AWAY, "x"), "SYM_ERR_BAD_ORDER", "order", "order must")
    check_report(report(em.requant_dynamic, S1, 8, SR_HALF_AWAY), "SYM_ERR_NULL", "rng_state", "SR_HALF_AWAY")
    huge = SymTensor(np.array([2**31 - 1, 1], dtype=np.int32), F32(3e38), 32)
    check_report(report(em.requant_dynamic, huge, 8), "SYM_ERR_FLOAT_OVERFLOW", "t.scale",
                 "max |(float)m * scale| overflows float32", float(F32(3e38)))
    tiny = SymTensor(np.array([1, 0], dtype=np.int32), np.finfo(np.float32).tiny, 12)
    check_report(report(em.requant_dynamic, tiny, 8), "SYM_ERR_SCALE_UNDERFLOW", "absmax", "absmax / qMax",
                 2.0**-126)


def test_requant_fixed_reports():
    check_report(report(em.requant_fixed, None, 1.0, 8), "SYM_ERR_BAD_TYPE", "t", "expected a symverify.SymTensor",
                 "NoneType")
    check_report(report(em.requant_fixed, S1, 1.0, 1), "SYM_ERR_BAD_WIDTH", "q_max_bits", "width must be", 1)
    check_report(report(em.requant_fixed, S1, 1.0, 8, "x"), "SYM_ERR_BAD_ROUNDING", "rounding", "rounding must")
    check_report(report(em.requant_fixed, S1, 1.0, 8, SR_HALF_AWAY), "SYM_ERR_NULL", "rng_state", "SR_HALF_AWAY")
    check_report(report(em.requant_fixed, S1, 0.0, 8), "SYM_ERR_BAD_SCALE", "target_scale", "a scale must")


def test_rescale_to_acc_reports_and_int32_bounds():
    check_report(report(em.rescale_to_acc, 1.0, 1.0, 1.0), "SYM_ERR_BAD_TYPE", "q", "expected an int32 integer", 1.0)
    check_report(report(em.rescale_to_acc, True, 1.0, 1.0), "SYM_ERR_BAD_TYPE", "q", "expected an int32 integer")
    check_report(report(em.rescale_to_acc, 2**31, 1.0, 1.0), "SYM_ERR_INT_OVERFLOW", "q", "value must fit in int32",
                 2**31)
    check_report(report(em.rescale_to_acc, -2**31 - 1, 1.0, 1.0), "SYM_ERR_INT_OVERFLOW", "q",
                 "value must fit in int32", -2**31 - 1)
    # both int32 bounds are legal q: (float)q * 2^-10 / 1 = -+2^21 (float32(2^31 - 1) = 2^31), well inside the guard
    assert em.rescale_to_acc(-2**31, 2.0**-10, 1.0) == -2**21
    assert em.rescale_to_acc(np.int32(-2**31), 2.0**-10, 1.0) == -2**21
    assert em.rescale_to_acc(2**31 - 1, 2.0**-10, 1.0) == 2**21
    check_report(report(em.rescale_to_acc, 1, 1.0, 1.0, SR_HALF_AWAY), "SYM_ERR_BAD_ROUNDING", "rounding",
                 "rounding must")
    check_report(report(em.rescale_to_acc, 1, -1.0, 1.0), "SYM_ERR_BAD_SCALE", "param_scale", "a scale must")
    check_report(report(em.rescale_to_acc, 1, 1.0, float("inf")), "SYM_ERR_BAD_SCALE", "acc_scale", "a scale must")
    # guard: 2^30 * 1 / 1 = 1073741824 passes; 2^30 * 2 = 2147483648 fails, reported on q with q's value
    assert em.rescale_to_acc(2**30, 1.0, 1.0) == 2**30
    check_report(report(em.rescale_to_acc, 2**30, 2.0, 1.0), "SYM_ERR_RANGE_GUARD", "q",
                 "(float)q * param_scale / acc_scale = 2147483648.0", 2**30)


def test_int_to_sym_reports_size_one_and_copy():
    check_report(report(em.int_to_sym, S1), "SYM_ERR_BAD_TYPE", "m", "expected an int32 array", "SymTensor")
    check_report(report(em.int_to_sym, np.array([1.0])), "SYM_ERR_BAD_TYPE", "m", "mantissas must be an integer array")
    check_report(report(em.int_to_sym, np.array([True])), "SYM_ERR_BAD_TYPE", "m", "mantissas must be an integer array")
    check_report(report(em.int_to_sym, np.zeros((2, 0), dtype=np.int32)), "SYM_ERR_EMPTY", "m",
                 "at least one element is required", (2, 0))
    check_report(report(em.int_to_sym, np.array([0, 1, -2**31 - 1])), "SYM_ERR_INT_OVERFLOW", "m[2]",
                 "value must fit in int32", -2**31 - 1)
    one = em.int_to_sym(np.array([-2**31]))  # a single element, the int32 minimum
    assert one.mantissas.tolist() == [-2**31] and one.q_max_bits == 32 and f32bits(one.scale) == f32bits(1.0)
    src = np.array([[1, 2], [3, 4]], dtype=np.int32)
    out = em.int_to_sym(src)
    src[0, 0] = 99  # the result is a copy
    assert out.mantissas.tolist() == [[1, 2], [3, 4]] and out.mantissas.dtype == np.int32


def test_accumulate_dynamic_reports():
    check_report(report(em.accumulate_dynamic, [1], S1), "SYM_ERR_BAD_TYPE", "target", "expected a symverify")
    check_report(report(em.accumulate_dynamic, S1, 3), "SYM_ERR_BAD_TYPE", "inc", "expected a symverify", "int")
    two = SymTensor(np.array([[1, 2, 3]], dtype=np.int32), F32(1.0), 8)  # same size, other shape
    e = report(em.accumulate_dynamic, S1, two)
    check_report(e, "SYM_ERR_SHAPE", "inc", "inc has shape (1, 3)", (1, 3))
    wide = SymTensor(np.array([1, 2, 3], dtype=np.int32), F32(1.0), 17)
    check_report(report(em.accumulate_dynamic, wide, S1), "SYM_ERR_BAD_WIDTH", "target.q_max_bits", "width must be", 17)
    check_report(report(em.accumulate_dynamic, S1, S1, "x"), "SYM_ERR_BAD_ROUNDING", "rounding", "rounding must")
    check_report(report(em.accumulate_dynamic, S1, S1, SR_HALF_AWAY), "SYM_ERR_NULL", "rng_state", "SR_HALF_AWAY")
    big = SymTensor(np.array([0, 127, 0], dtype=np.int32), F32(3e38), 8)  # v[0] = 0, v[1] = 127 * 3e38 + ...: inf
    e = report(em.accumulate_dynamic, big, big)
    check_report(e, "SYM_ERR_FLOAT_OVERFLOW", "v[1]", "(float)t*s_t + (float)inc*s_inc overflows float32",
                 float("inf"))
    tiny = SymTensor(np.array([0, 1, 0], dtype=np.int32), np.finfo(np.float32).tiny, 8)
    check_report(report(em.accumulate_dynamic, tiny, tiny), "SYM_ERR_SCALE_UNDERFLOW", "absmax", "absmax / qMax",
                 2.0**-125)


def test_accumulate_fixed_reports():
    check_report(report(em.accumulate_fixed, "t", S1), "SYM_ERR_BAD_TYPE", "target", "expected a symverify", "str")
    check_report(report(em.accumulate_fixed, S1, 1.5), "SYM_ERR_BAD_TYPE", "inc", "expected a symverify", "float")
    short = SymTensor(np.array([1, 2], dtype=np.int32), F32(1.0), 8)
    check_report(report(em.accumulate_fixed, S1, short), "SYM_ERR_SHAPE", "inc", "inc has shape (2,)", (2,))
    check_report(report(em.accumulate_fixed, S1, S1, SR_HALF_AWAY), "SYM_ERR_BAD_ROUNDING", "rounding",
                 "rounding must")
    # guard fails on element 1: 2^30 * 2 / 1 = 2^31 > 1073774591
    inc = SymTensor(np.array([1, 2**30, 1], dtype=np.int32), F32(2.0), 32)
    raw = em.int_to_sym(np.array([0, 0, 0]))
    check_report(report(em.accumulate_fixed, raw, inc), "SYM_ERR_RANGE_GUARD", "inc[1]",
                 "(float)inc * s_inc / s_t = 2147483648.0", 2**30)
    # width 8: 100 + 2*14 = 128 > 127 on element 2 (element 0: 1 + 2 = 3 fine)
    t8 = SymTensor(np.array([1, 0, 100], dtype=np.int32), F32(1.0), 8)
    inc8 = SymTensor(np.array([1, 0, 14], dtype=np.int32), F32(2.0), 8)
    check_report(report(em.accumulate_fixed, t8, inc8), "SYM_ERR_INT_OVERFLOW", "target[2]",
                 "t + rescale(inc) must stay in [-128, 127]", 128)
    # the sums exactly at the bounds are legal: 99 + 28 = 127, -100 - 28 = -128
    t8 = SymTensor(np.array([99, -100], dtype=np.int32), F32(1.0), 8)
    inc8 = SymTensor(np.array([14, -14], dtype=np.int32), F32(2.0), 8)
    assert em.accumulate_fixed(t8, inc8).mantissas.tolist() == [127, -128]


def test_accumulate_dynamic_sr_values_and_state():
    # target b=8, v = [-127, 1] (inc 0): absmax 127, scale = 127/127 = 1.0, q = [-127, 1] exactly.
    # Seed chosen so that the first draw's new state is 1: u0 = (1 >> 8) * 2^-24 = 0,
    #   w0 = (-127 + 0) - 0.5 = -127.5, a tie -> away -> -128 = qMin (HALF_AWAY would give -127).
    # Second draw: state xorshift(1) = 270369, u1 = (270369 >> 8) * 2^-24 = 1056 * 2^-24,
    #   w1 = (1 + u1) - 0.5 = 0.5 + 1056 * 2^-24 (exact in float32) -> 1.
    seed = _seed_before(1)
    target = SymTensor(np.array([-127, 1], dtype=np.int32), F32(1.0), 8)
    inc = SymTensor(np.array([0, 0], dtype=np.int32), F32(1.0), 8)
    rng = Rng(seed)
    out = em.accumulate_dynamic(target, inc, SR_HALF_AWAY, rng)
    assert out.mantissas.tolist() == [-128, 1]
    assert f32bits(out.scale) == f32bits(1.0) and out.q_max_bits == 8
    assert rng.state == 270369
    assert em.accumulate_dynamic(target, inc).mantissas.tolist() == [-127, 1]


def test_float32_products_of_mantissas_not_exact_in_float32():
    # m = 16777219 = 2^24 + 3 is not a float32: (float)m = 16777220 (tie between 2^24+2 and 2^24+4 -> even).
    # requant_fixed, s_in = 1, t = 33554440 (= 2^25 + 8, a float32): v = 16777220 / 33554440 = 0.5 exactly
    #   -> round -> 1. (In float64, 16777219 / 33554440 = 0.5 - 0.99999976 * 2^-25 rounds to the float32
    #   0.5 - 2^-25 and then to 0: the contract's float32 product is what gives 1.)
    t = SymTensor(np.array([16777219], dtype=np.int32), F32(1.0), 32)
    assert em.requant_fixed(t, 33554440.0, 8).mantissas.tolist() == [1]
    # requant_dynamic, b = 2 (qMax 1), m = [33554440, 16777219], s_in = 1: absmax = 33554440, s_out = 33554440.
    #   clamp_first: v = (float)m / s_out = [1, 0.5] -> [1, 1].
    #   ratio: r = float32(1 / 33554440) = 2^-25 * (1 - 2^-22) (1/(1+2^-22) = 1 - 2^-22 + 2^-44..., the float32
    #   spacing there is 2^-49); v1 = float32(2^24 (1 + 2^-22) * 2^-25 (1 - 2^-22)) = float32(0.5 (1 - 2^-44))
    #   = 0.5 -> 1; v0 = float32(1 - 2^-44) = 1 -> 1.
    t = SymTensor(np.array([33554440, 16777219], dtype=np.int32), F32(1.0), 32)
    for order in ("ratio", "clamp_first"):
        out = em.requant_dynamic(t, 2, HALF_AWAY, order)
        assert out.mantissas.tolist() == [1, 1], order
        assert f32bits(out.scale) == f32bits(33554440.0)
    # accumulate_dynamic: target b=2 zeros, inc = the same raw mantissas: v = [33554440, 16777220] (float32),
    #   scale = 33554440, q = [1, 0.5] -> [1, 1].
    target = SymTensor(np.array([0, 0], dtype=np.int32), F32(1.0), 2)
    inc = em.int_to_sym(np.array([33554440, 16777219]))
    out = em.accumulate_dynamic(target, inc)
    assert out.mantissas.tolist() == [1, 1] and f32bits(out.scale) == f32bits(33554440.0)


def test_two_dimensional_shapes_kept():
    m = np.array([[1, -2, 3], [4, 5, -6]], dtype=np.int32)
    t = SymTensor(m, F32(0.5), 8)
    assert em.sym_to_float(t).tolist() == [[0.5, -1.0, 1.5], [2.0, 2.5, -3.0]]
    # requant_dynamic b=4 (qMax 7): absmax = 3.0, s_out = 3/7; ratio r = float32(0.5 / float32(3/7)) ~ 7/6
    #   m * 7/6 = [[1.17, -2.33, 3.5], [4.67, 5.83, -7]] -> [[1, -2, 4?], ...]: 3.5 is inexact here, so
    #   use b=3 (qMax 3): s_out = 1.0 exactly, r = 0.5: v = m/2 = [[.5,-1,1.5],[2,2.5,-3]] -> [[1,-1,2],[2,3,-3]]
    out = em.requant_dynamic(t, 3)
    assert out.mantissas.shape == (2, 3)
    assert out.mantissas.tolist() == [[1, -1, 2], [2, 3, -3]] and f32bits(out.scale) == f32bits(1.0)
    out = em.requant_dynamic(t, 3, HALF_AWAY, "clamp_first")
    assert out.mantissas.tolist() == [[1, -1, 2], [2, 3, -3]]
    out = em.requant_fixed(t, 0.25, 8)  # v = m * 0.5 / 0.25 = 2m
    assert out.mantissas.tolist() == [[2, -4, 6], [8, 10, -12]]
    inc = SymTensor(np.array([[1, 1, 1], [1, 1, 1]], dtype=np.int32), F32(1.0), 8)
    out = em.accumulate_fixed(t, inc)  # t + round(1 / 0.5) = m + 2
    assert out.mantissas.tolist() == [[3, 0, 5], [6, 7, -4]] and f32bits(out.scale) == f32bits(0.5)
    # accumulate_dynamic b=8: v = 0.5 m + 1 = [[1.5, 0, 2.5], [3, 3.5, -2]]: absmax 3.5, scale = 3.5/127;
    #   element 1,1 maps to 127, element 1,2 to -2/3.5*127 = -72.57 -> -73 (float32 error far from the tie)
    out = em.accumulate_dynamic(t, inc)
    assert out.mantissas.shape == (2, 3)
    assert out.mantissas[1].tolist()[1:] == [127, -73] and out.mantissas[0, 1] == 0
    z = em.float_to_sym(np.array([[2.0, -1.0], [0.5, 0.0]]), 3)  # scale 2/3: [[3, -1.5->-2], [0.75->1, 0]]
    assert z.mantissas.tolist() == [[3, -2], [1, 0]]


def test_dynamic_scale_min_normal_boundary():
    # b = 2 (qMax 1): scale = absmax / 1. absmax = 2^-126 gives the smallest normal scale: accepted.
    t = em.float_to_sym([2.0**-126, -2.0**-127], 2)
    assert f32bits(t.scale) == f32bits(2.0**-126) and t.mantissas.tolist() == [1, -1]  # -0.5 -> -1 (away)
    # one float32 ulp below (subnormal): SCALE_UNDERFLOW
    below = float(np.nextafter(F32(2.0**-126), F32(0)))
    check_report(report(em.float_to_sym, [below], 2), "SYM_ERR_SCALE_UNDERFLOW", "absmax", "absmax / qMax", below)
    # same boundary through requant_dynamic (s_in = 2^-126, m = [1]) and accumulate_dynamic
    t1 = SymTensor(np.array([1], dtype=np.int32), np.finfo(np.float32).tiny, 8)
    out = em.requant_dynamic(t1, 2)
    assert f32bits(out.scale) == f32bits(2.0**-126) and out.mantissas.tolist() == [1]
    z = SymTensor(np.array([0], dtype=np.int32), F32(1.0), 2)
    out = em.accumulate_dynamic(z, t1)
    assert f32bits(out.scale) == f32bits(2.0**-126) and out.mantissas.tolist() == [1]


def test_error_values_and_exact_rules():
    ragged = [[1.0], [1.0, 2.0]]  # numpy cannot make an array of it: BAD_TYPE from the conversion
    e = report(em.float_to_sym, ragged)
    check_report(e, "SYM_ERR_BAD_TYPE", "x", "expected an array of real numbers")
    assert e.value is ragged and e.rule == "expected an array of real numbers"
    e = report(em.float_to_sym, np.array([True]))
    assert e.value == np.dtype(bool) and e.rule == "expected an array of real numbers (float32)"
    e = report(em.float_to_sym, [float("nan")])
    assert e.rule == "input values must be finite (no NaN, no inf)"
    for x in ("2.5", 1j):
        e = report(em.round_half_away, x)
        assert e.value is x and e.rule == "expected a real number"
    e = report(em.int_to_sym, np.array([1.5]))
    assert e.value == np.dtype(np.float64)
    # the reported value is the exact integer (2^62 + 1 is not a float64)
    check_report(report(em.int_to_sym, np.array([0, 2**62 + 1])), "SYM_ERR_INT_OVERFLOW", "m[1]",
                 "value must fit in int32", 2**62 + 1)


def test_round_half_away_is_exact_below_half_and_above_2_pow_23():
    # float32 0.5 - 2^-25 = 0.49999997 rounds to 0 (in float32, 0.49999997 + 0.5 would round up to 1.0)
    below_half = float(np.nextafter(F32(0.5), F32(0)))
    assert em.round_half_away(below_half) == 0 and em.round_half_away(-below_half) == 0
    # 8388609 = 2^23 + 1 is an integer: 8388609 + 0.5 is not a float32 (it would round to 8388610)
    assert em.round_half_away(8388609.0) == 8388609 and em.round_half_away(-8388609.0) == -8388609


def test_rescale_float32_product_of_inexact_q():
    # (float)16777219 = 16777220 (see above); r = 16777220 * 1 / 33554440 = 0.5 exactly -> 1.
    assert em.rescale_to_acc(16777219, 1.0, 33554440.0) == 1
    target = SymTensor(np.array([0, 5], dtype=np.int32), F32(33554440.0), 32)
    inc = em.int_to_sym(np.array([16777219, 0]))
    assert em.accumulate_fixed(target, inc).mantissas.tolist() == [1, 5]


def test_accumulate_dynamic_target_product_is_float32():
    # target b=3: m = [3, 0], s_t = 1 + 2^-23; inc raw: m = [-3 * 2^22, 2], s_inc = 2^-22.
    # a = float32(3 (1 + 2^-23)) = 3 + 2^-21 (3 * 2^-23 = 1.5 spacings of 2^-22 -> rounds to 2 spacings);
    # b = [-3, 2^-21] exact; v = [2^-21 (Sterbenz, exact), 2^-21]; absmax = 2^-21, scale = float32(2^-21 / 3);
    # q = 2^-21 / scale = 1 / float32(1/3) = 2.99999991.. -> float32 3.0 -> [3, 3].
    # (a float64 product keeps 3 + 3 * 2^-23, v0 = 0.75 * 2^-21, q0 = 2.25 -> 2.)
    target = SymTensor(np.array([3, 0], dtype=np.int32), F32(1 + 2.0**-23), 3)
    inc = SymTensor(np.array([-3 * 2**22, 2], dtype=np.int32), F32(2.0**-22), 32)
    out = em.accumulate_dynamic(target, inc)
    assert out.mantissas.tolist() == [3, 3]
    assert f32bits(out.scale) == f32bits(F32(2.0**-21) / F32(3.0))


def test_no_floating_point_warnings_on_overflowing_inputs():
    # the emulator reports overflow as a SymError or saturates by contract; it must not emit numpy
    # RuntimeWarnings on the way (a caller running with -W error would get a different exception).
    import warnings
    huge = SymTensor(np.array([2**31 - 1, 1], dtype=np.int32), F32(3e38), 32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        raises("SYM_ERR_NONFINITE_INPUT", "x[0]", em.float_to_sym, [1e39])
        raises("SYM_ERR_CAST_RANGE", "x", em.round_half_away, 1e39)
        raises("SYM_ERR_FLOAT_OVERFLOW", "t", em.sym_to_float, huge)
        raises("SYM_ERR_FLOAT_OVERFLOW", "t.scale", em.requant_dynamic, huge, 8)
        assert em.requant_fixed(huge, 1e-30, 8).mantissas.tolist() == [127, 127]  # v = inf, saturates
        raises("SYM_ERR_RANGE_GUARD", "q", em.rescale_to_acc, 2**31 - 1, 3e38, 1e-30)
        raises("SYM_ERR_RANGE_GUARD", "inc[0]", em.accumulate_fixed, em.int_to_sym(np.array([0, 0])), huge)
        big = SymTensor(np.array([127, 1], dtype=np.int32), F32(3e38), 8)
        neg = SymTensor(np.array([-127, 1], dtype=np.int32), F32(3e38), 8)
        raises("SYM_ERR_FLOAT_OVERFLOW", "v[0]", em.accumulate_dynamic, big, big)
        raises("SYM_ERR_FLOAT_OVERFLOW", "v[0]", em.accumulate_dynamic, big, neg)  # inf + -inf = NaN
