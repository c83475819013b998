"""Unit tests of the C reference kernels called directly through cffi.

Expected values are computed by hand (power-of-two scales so every float32 step
is exact, or explicit ties). Every error class is checked for its status code
and for "nothing written" (outputs pre-filled with sentinels).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from symverify import kernels
from symverify.errors import STATUS_CODES, STATUS_NAMES
from symverify.xorshift import xorshift32_inverse as xorshift_prev

OK = 0
NULL, EMPTY, BAD_WIDTH, BAD_SCALE = -1, -2, -3, -4
NONFINITE, UNDERFLOW, FLOAT_OVERFLOW, RANGE_GUARD = -5, -6, -7, -8
INT_OVERFLOW, ALIAS, BAD_ROUNDING, CAST_RANGE = -9, -10, -11, -12
SHAPE, BAD_RNG, BAD_ORDER = -13, -14, -15
HA, SR = 0, 1
RATIO, CLAMP_FIRST = 0, 1

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
FLT_MAX = float(np.finfo(np.float32).max)
MIN_NORMAL = 2.0**-126
SUBNORMAL = 2.0**-130
NAN, INF = math.nan, math.inf
BAD_SCALES = [NAN, INF, -INF, 0.0, -0.0, -1.0, -MIN_NORMAL, SUBNORMAL, 2.0**-149]
SENT = 0x5A5A5A5A
SENT_F = -12345.0


@pytest.fixture(scope="module")
def c():
    return kernels.ffi_lib()


def xorshift(s: int) -> int:
    """Hand reference of one xorshift32 step (shifts 13, 17, 5)."""
    s ^= (s << 13) & 0xFFFFFFFF
    s ^= s >> 17
    s ^= (s << 5) & 0xFFFFFFFF
    return s


def i32(ffi, values):
    return ffi.new("int32_t[]", list(values))


def sentinel_i32(ffi, n):
    return ffi.new("int32_t[]", [SENT] * n)


def f32p(ffi, value=SENT_F):
    return ffi.new("float[1]", [value])


def rng(ffi, state):
    return ffi.new("uint32_t[1]", [state])


def as_list(buf, n):
    return [int(buf[i]) for i in range(n)]


def f32(x) -> float:
    return float(np.float32(x))


# ------------------------------------------------------------------ status names

def test_status_table_matches_c(c):
    ffi, lib = c
    for code, name in STATUS_NAMES.items():
        assert ffi.string(lib.sym_status_name(code)).decode() == name
        assert getattr(lib, name) == code


def test_status_table_covers_header_enum(c):
    ffi, lib = c
    names = [n for n in dir(lib) if n.startswith("SYM_ERR_") or n == "SYM_OK"]
    assert sorted(names) == sorted(STATUS_CODES)


@pytest.mark.parametrize("code", [1, 7, -18, -100, INT32_MIN, INT32_MAX])
def test_status_name_unknown(c, code):
    ffi, lib = c
    assert ffi.string(lib.sym_status_name(code)).decode() == "SYM_ERR_UNKNOWN"


# ------------------------------------------------------------------ helpers

@pytest.mark.parametrize("bits,qmax,qmin", [(2, 1, -2), (4, 7, -8), (12, 2047, -2048), (16, 32767, -32768),
                                            (31, 2**30 - 1, -(2**30)), (32, INT32_MAX, INT32_MIN),
                                            (0, 0, 0), (1, 0, 0), (33, 0, 0), (-5, 0, 0)])
def test_q_max_q_min(c, bits, qmax, qmin):
    _, lib = c
    assert lib.sym_q_max(bits) == qmax
    assert lib.sym_q_min(bits) == qmin


@pytest.mark.parametrize("s,ok", [(1.0, 1), (MIN_NORMAL, 1), (FLT_MAX, 1), (0.1, 1)]
                         + [(s, 0) for s in BAD_SCALES])
def test_scale_is_valid(c, s, ok):
    assert c[1].sym_scale_is_valid(s) == ok


@pytest.mark.parametrize("v,lo,hi,want", [
    (2.5, -8, 7, 3), (-2.5, -8, 7, -3), (0.5, -8, 7, 1), (-0.5, -8, 7, -1), (0.49999997, -8, 7, 0),
    (6.5, -8, 7, 7), (6.49, -8, 7, 6), (7.4, -8, 7, 7), (7.5, -8, 7, 7), (1e30, -8, 7, 7),
    (-8.4, -8, 7, -8), (-8.5, -8, 7, -8), (-1e30, -8, 7, -8),
    (NAN, -8, 7, -8), (INF, -8, 7, 7), (-INF, -8, 7, -8),
    (2.0**31, INT32_MIN, INT32_MAX, INT32_MAX), (3e38, INT32_MIN, INT32_MAX, INT32_MAX),
    (-(2.0**31), INT32_MIN, INT32_MAX, INT32_MIN), (-3e38, INT32_MIN, INT32_MAX, INT32_MIN),
    (2147483520.0, INT32_MIN, INT32_MAX, 2147483520),
    # b = 26: (float)qMax rounds up to 2^25; the largest float below is 2^25 - 2.
    (2.0**25, -(2**25), 2**25 - 1, 2**25 - 1), (2.0**25 - 2, -(2**25), 2**25 - 1, 2**25 - 2),
])
def test_sat_round(c, v, lo, hi, want):
    assert c[1].sym_sat_round(v, lo, hi) == want


def test_round_sat_modes(c):
    ffi, lib = c
    st = rng(ffi, 1)
    assert lib.sym_round_sat(2.5, HA, ffi.NULL, -8, 7) == 3
    # SR with state 1: u = 1056 * 2^-24 (tiny), so w = 2.5 + u - 0.5 -> 2.
    assert lib.sym_round_sat(2.5, SR, st, -8, 7) == 2
    assert st[0] == xorshift(1)


def test_ranges_overlap(c):
    ffi, lib = c
    buf = ffi.new("int32_t[]", 8)
    assert lib.sym_ranges_overlap(buf, 16, buf + 4, 16) == 0
    assert lib.sym_ranges_overlap(buf, 16, buf + 3, 16) == 1
    assert lib.sym_ranges_overlap(buf + 3, 16, buf, 16) == 1
    assert lib.sym_ranges_overlap(buf, 16, buf, 16) == 1
    assert lib.sym_ranges_overlap(buf, 0, buf, 16) == 0


# ------------------------------------------------------------------ rounding family

@pytest.mark.parametrize("x,want", [
    (2.5, 3), (-2.5, -3), (0.5, 1), (-0.5, -1), (1.5, 2), (-1.5, -2), (0.0, 0), (-0.0, 0),
    (0.49999997, 0), (-0.49999997, 0), (1.4999999, 1), (2.4, 2), (-2.6, -3),
    (8388607.5, 8388608), (-8388607.5, -8388608),
    (2147483520.0, 2147483520), (-(2.0**31), INT32_MIN),
])
def test_round_half_away_values(c, x, want):
    ffi, lib = c
    out = sentinel_i32(ffi, 1)
    assert lib.sym_round_half_away(x, out) == OK
    assert out[0] == want


@pytest.mark.parametrize("x", [NAN, INF, -INF, 2.0**31, 3e38, -(2.0**31) - 256.0, -3e38])
def test_round_half_away_cast_range(c, x):
    ffi, lib = c
    out = sentinel_i32(ffi, 1)
    assert lib.sym_round_half_away(x, out) == CAST_RANGE
    assert out[0] == SENT


def test_round_half_away_null(c):
    ffi, lib = c
    assert lib.sym_round_half_away(1.0, ffi.NULL) == NULL


def test_rng_seed(c):
    _, lib = c
    assert lib.sym_rng_seed(0) == 0xFFFFFFFF
    assert lib.sym_rng_seed(1) == 1
    assert lib.sym_rng_seed(0xFFFFFFFF) == 0xFFFFFFFF
    assert lib.sym_rng_seed(12345) == 12345


def test_rng_uniform_hand_value(c):
    ffi, lib = c
    st, u = rng(ffi, 1), f32p(ffi)
    assert lib.sym_rng_uniform(st, u) == OK
    # 1 -> 0x2001 -> 0x2001 -> 0x2001 ^ 0x40020 = 0x42021; u = (0x42021 >> 8) / 2^24
    assert st[0] == 0x42021
    assert u[0] == 0x420 / 2.0**24
    st2 = rng(ffi, 0xFFFFFFFF)
    for _ in range(5):
        prev = st2[0]
        assert lib.sym_rng_uniform(st2, u) == OK
        assert st2[0] == xorshift(prev)
        assert u[0] == (st2[0] >> 8) / 2.0**24
        assert 0.0 <= u[0] < 1.0


def test_rng_uniform_errors(c):
    ffi, lib = c
    st, u = rng(ffi, 0), f32p(ffi)
    assert lib.sym_rng_uniform(st, u) == BAD_RNG
    assert st[0] == 0 and u[0] == SENT_F
    assert lib.sym_rng_uniform(ffi.NULL, u) == NULL
    assert lib.sym_rng_uniform(rng(ffi, 5), ffi.NULL) == NULL
    both = ffi.new("uint32_t[1]", [7])
    assert lib.sym_rng_uniform(both, ffi.cast("float *", both)) == ALIAS
    assert both[0] == 7


def test_rng_u_zero_and_max(c):
    ffi, lib = c
    u = f32p(ffi)
    st = rng(ffi, xorshift_prev(0xFF))       # next state 0xFF -> u = 0
    assert lib.sym_rng_uniform(st, u) == OK and st[0] == 0xFF and u[0] == 0.0
    st = rng(ffi, xorshift_prev(0xFFFFFFFF))  # u = (2^24 - 1) / 2^24 < 1
    assert lib.sym_rng_uniform(st, u) == OK and u[0] == (2**24 - 1) / 2.0**24


def test_round_stochastic(c):
    ffi, lib = c
    out = sentinel_i32(ffi, 1)
    # u = 0: 2.5 - 0.5 = 2.0 -> 2; 0 - 0.5 is a tie -> -1 (the SPEC corner).
    st = rng(ffi, xorshift_prev(0x7F))
    assert lib.sym_round_stochastic(2.5, st, out) == OK and out[0] == 2 and st[0] == 0x7F
    st = rng(ffi, xorshift_prev(0x7F))
    assert lib.sym_round_stochastic(0.0, st, out) == OK and out[0] == -1
    # u = 1 - 2^-24: 2.0 + u - 0.5 rounds to 3; 2.0 stays below 2.5 -> 2 with u = 0.5.
    st = rng(ffi, xorshift_prev(0xFFFFFFFF))
    assert lib.sym_round_stochastic(2.0, st, out) == OK and out[0] == 3
    st = rng(ffi, xorshift_prev(0x80000000))  # u = 0.5 exactly: w = 2.0 + 0.5 - 0.5 = 2.0
    assert lib.sym_round_stochastic(2.0, st, out) == OK and out[0] == 2
    st = rng(ffi, xorshift_prev(0x80000000))  # 2.5 + 0.5 - 0.5 = 2.5 -> 3 (ties away)
    assert lib.sym_round_stochastic(2.5, st, out) == OK and out[0] == 3


def test_round_stochastic_errors(c):
    ffi, lib = c
    out = sentinel_i32(ffi, 1)
    st = rng(ffi, 0)
    assert lib.sym_round_stochastic(1.0, st, out) == BAD_RNG and out[0] == SENT
    for x in (NAN, INF, -INF, 2.0**31, -3e38):
        st = rng(ffi, 99)
        assert lib.sym_round_stochastic(x, st, out) == CAST_RANGE
        assert st[0] == 99 and out[0] == SENT
    # Castable x stays castable: -2^31 + u - 0.5 rounds to -2^31 in float32.
    st = rng(ffi, xorshift_prev(0x100))
    assert lib.sym_round_stochastic(-(2.0**31), st, out) == OK
    assert st[0] == 0x100 and out[0] == INT32_MIN
    out[0] = SENT
    assert lib.sym_round_stochastic(1.0, ffi.NULL, out) == NULL
    assert lib.sym_round_stochastic(1.0, rng(ffi, 3), ffi.NULL) == NULL
    both = ffi.new("uint32_t[1]", [7])
    assert lib.sym_round_stochastic(1.0, both, ffi.cast("int32_t *", both)) == ALIAS


# ------------------------------------------------------------------ float_to_sym

def call_f2s(c, xs, bits, rounding=HA, state=None, n=None):
    ffi, lib = c
    x = ffi.new("float[]", list(xs))
    n = len(xs) if n is None else n
    m = sentinel_i32(ffi, max(len(xs), 1))
    s = f32p(ffi)
    st = ffi.NULL if state is None else rng(ffi, state)
    status = lib.sym_float_to_sym(x, n, bits, rounding, st, m, s)
    return status, as_list(m, len(xs)), s[0], (None if state is None else st[0])


@pytest.mark.parametrize("xs,bits,want_m,want_s", [
    ([2.0, 1.0, -1.0, -2.0], 2, [1, 1, -1, -1], 2.0),          # 0.5 -> 1, -0.5 -> -1
    ([3.0, 1.5, -1.5, -3.0, 0.0], 3, [3, 2, -2, -3, 0], 1.0),   # 1.5 -> 2
    ([7.0, 2.5, -2.5, 0.5, -0.5, 0.25], 4, [7, 3, -3, 1, -1, 0], 1.0),
    ([-7.0, 6.5, -6.5, 3.4999998], 4, [-7, 7, -7, 3], 1.0),
    ([14.0, 5.0, -3.0, 1.0], 4, [7, 3, -2, 1], 2.0),             # 2.5 -> 3, -1.5 -> -2, 0.5 -> 1
    ([0.0, -0.0, 0.0], 12, [0, 0, 0], 1.0),                      # all zero: scale 1
    ([1.0], 31, [2**30 - 1], 2.0**-30),                          # 2^30 >= (float)qMax: saturates
    ([-1.0], 31, [-(2**30)], 2.0**-30),                          # -2^30 is qMin itself at b = 31
])
def test_float_to_sym_values(c, xs, bits, want_m, want_s):
    status, m, s, _ = call_f2s(c, xs, bits)
    assert status == OK
    assert m == want_m
    assert s == f32(want_s)


def test_float_to_sym_scale_not_power_of_two(c):
    # b = 12: scale = 1 / 2047 in float32; the absmax element maps to +-qMax exactly.
    status, m, s, _ = call_f2s(c, [1.0, -1.0, 0.0], 12)
    assert status == OK
    assert m == [2047, -2047, 0]
    assert s == f32(np.float32(1.0) / np.float32(2047.0))


@pytest.mark.parametrize("bits", [0, 1, 32, 33, -1, -12])
def test_float_to_sym_bad_width(c, bits):
    status, m, s, _ = call_f2s(c, [1.0, 2.0], bits)
    assert status == BAD_WIDTH and m == [SENT, SENT] and s == SENT_F


@pytest.mark.parametrize("bad", [NAN, INF, -INF])
def test_float_to_sym_nonfinite(c, bad):
    status, m, s, st = call_f2s(c, [1.0, bad, 2.0], 12, SR, state=42)
    assert status == NONFINITE and m == [SENT] * 3 and s == SENT_F and st == 42


@pytest.mark.parametrize("xs,bits", [([SUBNORMAL, 0.0], 12), ([MIN_NORMAL], 12), ([MIN_NORMAL, -MIN_NORMAL], 2 + 1),
                                     ([2.0**-149], 2)])
def test_float_to_sym_scale_underflow(c, xs, bits):
    status, m, s, st = call_f2s(c, xs, bits, SR, state=42)
    assert status == UNDERFLOW and m == [SENT] * len(xs) and s == SENT_F and st == 42


def test_float_to_sym_min_normal_absmax_ok_at_b2(c):
    status, m, s, _ = call_f2s(c, [MIN_NORMAL, -MIN_NORMAL / 2], 2)
    assert status == OK and m == [1, -1] and s == f32(MIN_NORMAL)


def test_float_to_sym_empty_and_null(c):
    ffi, lib = c
    assert call_f2s(c, [1.0], 12, n=0)[0] == EMPTY
    assert call_f2s(c, [1.0], 12, n=-3)[0] == EMPTY
    x, m, s = ffi.new("float[]", [1.0]), sentinel_i32(ffi, 1), f32p(ffi)
    assert lib.sym_float_to_sym(ffi.NULL, 1, 12, HA, ffi.NULL, m, s) == NULL
    assert lib.sym_float_to_sym(x, 1, 12, HA, ffi.NULL, ffi.NULL, s) == NULL
    assert lib.sym_float_to_sym(x, 1, 12, HA, ffi.NULL, m, ffi.NULL) == NULL
    assert lib.sym_float_to_sym(x, 1, 12, SR, ffi.NULL, m, s) == NULL
    assert m[0] == SENT and s[0] == SENT_F


@pytest.mark.parametrize("rounding", [2, -1, 99])
def test_float_to_sym_bad_rounding(c, rounding):
    status, m, s, _ = call_f2s(c, [1.0], 12, rounding, state=5)
    assert status == BAD_ROUNDING and m == [SENT] and s == SENT_F


def test_float_to_sym_bad_rng(c):
    status, m, s, st = call_f2s(c, [1.0, 0.5], 12, SR, state=0)
    assert status == BAD_RNG and m == [SENT, SENT] and s == SENT_F and st == 0


def test_float_to_sym_alias(c):
    ffi, lib = c
    buf = ffi.new("int32_t[]", [SENT] * 8)
    x = ffi.cast("float *", buf)
    for i in range(4):
        x[i] = 1.0
    s = f32p(ffi)
    assert lib.sym_float_to_sym(x, 4, 12, HA, ffi.NULL, buf + 2, s) == ALIAS
    assert lib.sym_float_to_sym(x, 4, 12, HA, ffi.NULL, buf, s) == ALIAS       # x == m: types differ
    assert lib.sym_float_to_sym(x, 4, 12, HA, ffi.NULL, buf + 4, ffi.cast("float *", buf + 5)) == ALIAS
    assert lib.sym_float_to_sym(x, 4, 12, HA, ffi.NULL, buf + 4, ffi.cast("float *", buf + 3)) == ALIAS
    st = ffi.cast("uint32_t *", buf + 6)
    assert lib.sym_float_to_sym(x, 4, 12, SR, st, buf + 4, s) == ALIAS
    assert as_list(buf + 4, 4) == [SENT] * 4 and s[0] == SENT_F
    # HALF_AWAY ignores rng_state entirely
    assert lib.sym_float_to_sym(x, 2, 12, HA, st, buf + 4, s) == OK


def test_float_to_sym_sr_draws(c):
    # u for state 1 is tiny, so x/scale + u - 0.5 rounds down unless x/scale is
    # an integer >= 1 (then it rounds back to it); one draw per element.
    status, m, s, st = call_f2s(c, [7.0, 0.0, -7.0, 3.0], 4, SR, state=1)
    assert status == OK and s == 1.0
    assert m == [7, 0, -7, 3]
    want = 1
    for _ in range(4):
        want = xorshift(want)
    assert st == want


def test_float_to_sym_sr_all_zero_draws_and_tie(c):
    start = xorshift_prev(0x55)  # first draw u = 0: 0 - 0.5 ties away to -1
    status, m, s, st = call_f2s(c, [0.0, 0.0], 8, SR, state=start)
    assert status == OK and s == 1.0
    assert m[0] == -1
    assert st == xorshift(0x55)


# ------------------------------------------------------------------ sym_to_float

def test_sym_to_float_values(c):
    ffi, lib = c
    m = i32(ffi, [3, -2, 0, INT32_MAX])
    y = ffi.new("float[]", [SENT_F] * 4)
    assert lib.sym_sym_to_float(m, 4, 0.5, y) == OK
    assert list(y) == [1.5, -1.0, 0.0, f32(2.0**30)]


def test_sym_to_float_errors(c):
    ffi, lib = c
    m = i32(ffi, [1, 2])
    y = ffi.new("float[]", [SENT_F] * 2)
    assert lib.sym_sym_to_float(m, 2, FLT_MAX, y) == FLOAT_OVERFLOW
    for s in BAD_SCALES:
        assert lib.sym_sym_to_float(m, 2, s, y) == BAD_SCALE
    assert lib.sym_sym_to_float(m, 0, 1.0, y) == EMPTY
    assert lib.sym_sym_to_float(ffi.NULL, 2, 1.0, y) == NULL
    assert lib.sym_sym_to_float(m, 2, 1.0, ffi.NULL) == NULL
    assert lib.sym_sym_to_float(m, 2, 1.0, ffi.cast("float *", m)) == ALIAS
    assert list(y) == [SENT_F, SENT_F] and as_list(m, 2) == [1, 2]


# ------------------------------------------------------------------ int_to_sym

def test_int_to_sym(c):
    ffi, lib = c
    src = i32(ffi, [1, INT32_MIN, INT32_MAX])
    m, s = sentinel_i32(ffi, 3), f32p(ffi)
    assert lib.sym_int_to_sym(src, 3, m, s) == OK
    assert as_list(m, 3) == [1, INT32_MIN, INT32_MAX] and s[0] == 1.0
    s2 = f32p(ffi)
    assert lib.sym_int_to_sym(src, 3, src, s2) == OK     # in place
    assert as_list(src, 3) == [1, INT32_MIN, INT32_MAX] and s2[0] == 1.0


def test_int_to_sym_errors(c):
    ffi, lib = c
    buf = ffi.new("int32_t[]", [1, 2, 3, 4, SENT, SENT])
    s = f32p(ffi)
    assert lib.sym_int_to_sym(buf, 4, buf + 1, s) == ALIAS
    assert lib.sym_int_to_sym(buf + 1, 4, buf, s) == ALIAS
    assert lib.sym_int_to_sym(buf, 2, buf + 2, ffi.cast("float *", buf + 3)) == ALIAS
    assert lib.sym_int_to_sym(buf, 2, buf + 2, ffi.cast("float *", buf + 1)) == ALIAS
    assert lib.sym_int_to_sym(buf, 0, buf + 4, s) == EMPTY
    assert lib.sym_int_to_sym(ffi.NULL, 1, buf + 4, s) == NULL
    assert lib.sym_int_to_sym(buf, 1, ffi.NULL, s) == NULL
    assert lib.sym_int_to_sym(buf, 1, buf + 4, ffi.NULL) == NULL
    assert as_list(buf, 6) == [1, 2, 3, 4, SENT, SENT] and s[0] == SENT_F


# ------------------------------------------------------------------ requant_dynamic

def call_rqd(c, ms, s_in, bits, rounding=HA, order=RATIO, state=None, n=None):
    ffi, lib = c
    m_in = i32(ffi, ms)
    out = sentinel_i32(ffi, len(ms))
    s_out = f32p(ffi)
    st = ffi.NULL if state is None else rng(ffi, state)
    n = len(ms) if n is None else n
    status = lib.sym_requant_dynamic(m_in, n, s_in, bits, rounding, order, st, out, s_out)
    assert as_list(m_in, len(ms)) == list(ms)  # input never modified
    return status, as_list(out, len(ms)), s_out[0], (None if state is None else st[0])


@pytest.mark.parametrize("order", [RATIO, CLAMP_FIRST])
@pytest.mark.parametrize("ms,s_in,bits,want_m,want_s", [
    ([4, 2, -2, -4, 1], 1.0, 2, [1, 1, -1, -1, 0], 4.0),             # 0.5 -> 1, -0.5 -> -1, 0.25 -> 0
    ([8, 3, -3, -8, 1], 0.5, 2, [1, 1, -1, -1, 0], 4.0),             # 3/8 -> 0? no: 0.375 -> 0
    ([0, 0, 0], 3.0, 12, [0, 0, 0], 1.0),                            # A == 0: scale 1
    ([-2, 1], 1.0, 2, [-1, 1], 2.0),                                 # -qMax, never qMin
    ([INT32_MIN, INT32_MAX, 0], 1.0, 2, [-1, 1, 0], 2.0**31),        # raw accumulator range
])
def test_requant_dynamic_values(c, order, ms, s_in, bits, want_m, want_s):
    if ms == [8, 3, -3, -8, 1]:
        want_m = [1, 0, 0, -1, 0]  # 3*0.5/4 = 0.375 -> 0
    status, m, s, _ = call_rqd(c, ms, s_in, bits, order=order)
    assert status == OK
    assert m == want_m
    assert s == f32(want_s)


def test_requant_dynamic_b16(c):
    status, m, s, _ = call_rqd(c, [65536, -65536, 32768, 2], 2.0**-10, 16)
    assert status == OK
    assert m[0] == 32767 and m[1] == -32767
    assert s == f32(np.float32(64.0) / np.float32(32767.0))


def test_requant_orders_differ_by_at_most_one(c):
    rs = np.random.default_rng(7)
    for _ in range(50):
        ms = rs.integers(-(2**20), 2**20, size=16).tolist()
        s_in = float(np.float32(rs.uniform(1e-3, 10.0)))
        bits = int(rs.integers(2, 17))
        a = call_rqd(c, ms, s_in, bits, order=RATIO)
        b = call_rqd(c, ms, s_in, bits, order=CLAMP_FIRST)
        assert a[0] == b[0] == OK and a[2] == b[2]
        assert max(abs(x - y) for x, y in zip(a[1], b[1])) <= 1
        qmax = 2 ** (bits - 1) - 1
        assert all(-qmax - 1 <= v <= qmax for v in a[1] + b[1])


@pytest.mark.parametrize("rounding,state", [(HA, None), (SR, 12345)])
@pytest.mark.parametrize("order", [RATIO, CLAMP_FIRST])
def test_requant_dynamic_in_place_equals_out_of_place(c, rounding, order, state):
    ffi, lib = c
    rs = np.random.default_rng(3)
    ms = rs.integers(-(2**24), 2**24, size=33).tolist()
    status, want, want_s, want_st = call_rqd(c, ms, 0.0078125, 9, rounding, order, state)
    assert status == OK
    buf = i32(ffi, ms)
    s_out = f32p(ffi)
    st = ffi.NULL if state is None else rng(ffi, state)
    assert lib.sym_requant_dynamic(buf, len(ms), 0.0078125, 9, rounding, order, st, buf, s_out) == OK
    assert as_list(buf, len(ms)) == want and s_out[0] == want_s
    if state is not None:
        assert st[0] == want_st


def test_requant_dynamic_sr_draws(c):
    start = 777
    status, m, s, st = call_rqd(c, [4, 2, -2, -4, 0], 1.0, 2, SR, RATIO, start)
    assert status == OK and s == 4.0
    want = start
    for _ in range(5):
        want = xorshift(want)
    assert st == want
    # SR result is floor or ceil of v and stays in width
    for v, got in zip([1.0, 0.5, -0.5, -1.0, 0.0], m):
        assert math.floor(v) - 1 <= got <= math.ceil(v) and -2 <= got <= 1


def assert_rqd_rejected(c, expect, *args, **kw):
    status, m, s, st = call_rqd(c, *args, **kw)
    assert status == expect
    assert all(v == SENT for v in m) and s == SENT_F
    if kw.get("state") is not None:
        assert st == kw["state"]


@pytest.mark.parametrize("bits", [0, 1, 17, 31, 32, 33, -1])
def test_requant_dynamic_bad_width(c, bits):
    assert_rqd_rejected(c, BAD_WIDTH, [1, 2], 1.0, bits, SR, RATIO, state=9)


@pytest.mark.parametrize("s_in", BAD_SCALES)
def test_requant_dynamic_bad_scale(c, s_in):
    assert_rqd_rejected(c, BAD_SCALE, [1, 2], s_in, 8, SR, RATIO, state=9)


def test_requant_dynamic_bad_mode_order_rng(c):
    assert_rqd_rejected(c, BAD_ROUNDING, [1, 2], 1.0, 8, 2, RATIO)
    assert_rqd_rejected(c, BAD_ORDER, [1, 2], 1.0, 8, HA, 2)
    assert_rqd_rejected(c, BAD_ORDER, [1, 2], 1.0, 8, SR, -1, state=9)
    assert_rqd_rejected(c, BAD_RNG, [1, 2], 1.0, 8, SR, RATIO, state=0)
    assert_rqd_rejected(c, NULL, [1, 2], 1.0, 8, SR, RATIO)  # SR without state


def test_requant_dynamic_overflow_and_underflow(c):
    assert_rqd_rejected(c, FLOAT_OVERFLOW, [1, 2], FLT_MAX, 8, SR, CLAMP_FIRST, state=9)
    assert_rqd_rejected(c, FLOAT_OVERFLOW, [INT32_MAX], 2.0**100, 8)
    assert_rqd_rejected(c, UNDERFLOW, [1, -1, 0], MIN_NORMAL, 16, SR, RATIO, state=9)


def test_requant_dynamic_underflow_boundary(c):
    # A = 2 * 2^-126, qMax(b=2) = 1 -> s_out = 2^-125: normal, accepted.
    status, m, s, _ = call_rqd(c, [2, -1], MIN_NORMAL, 2)
    assert status == OK and s == f32(2.0**-125) and m == [1, -1]


def test_requant_dynamic_empty_null_alias(c):
    ffi, lib = c
    assert call_rqd(c, [1], 1.0, 8, n=0)[0] == EMPTY
    buf = ffi.new("int32_t[]", [1, 2, 3, 4, SENT, SENT, SENT, SENT])
    s = f32p(ffi)
    st = rng(ffi, 5)
    rq = lib.sym_requant_dynamic
    assert rq(ffi.NULL, 4, 1.0, 8, HA, RATIO, ffi.NULL, buf + 4, s) == NULL
    assert rq(buf, 4, 1.0, 8, HA, RATIO, ffi.NULL, ffi.NULL, s) == NULL
    assert rq(buf, 4, 1.0, 8, HA, RATIO, ffi.NULL, buf + 4, ffi.NULL) == NULL
    assert rq(buf, 4, 1.0, 8, HA, RATIO, ffi.NULL, buf + 2, s) == ALIAS
    assert rq(buf + 2, 4, 1.0, 8, HA, RATIO, ffi.NULL, buf, s) == ALIAS
    assert rq(buf, 2, 1.0, 8, HA, RATIO, ffi.NULL, buf + 4, ffi.cast("float *", buf + 5)) == ALIAS
    assert rq(buf, 2, 1.0, 8, HA, RATIO, ffi.NULL, buf + 4, ffi.cast("float *", buf + 1)) == ALIAS
    assert rq(buf, 2, 1.0, 8, SR, RATIO, ffi.cast("uint32_t *", buf + 5), buf + 4, s) == ALIAS
    assert rq(buf, 2, 1.0, 8, SR, RATIO, ffi.cast("uint32_t *", buf + 1), buf + 4, s) == ALIAS
    assert rq(buf, 2, 1.0, 8, SR, RATIO, ffi.cast("uint32_t *", s), buf + 4, s) == ALIAS
    assert as_list(buf, 8) == [1, 2, 3, 4, SENT, SENT, SENT, SENT] and s[0] == SENT_F and st[0] == 5


# ------------------------------------------------------------------ requant_fixed

def call_rqf(c, ms, s_in, target, bits, rounding=HA, state=None, n=None):
    ffi, lib = c
    m_in = i32(ffi, ms)
    out = sentinel_i32(ffi, len(ms))
    st = ffi.NULL if state is None else rng(ffi, state)
    n = len(ms) if n is None else n
    status = lib.sym_requant_fixed(m_in, n, s_in, target, bits, rounding, st, out)
    assert as_list(m_in, len(ms)) == list(ms)
    return status, as_list(out, len(ms)), (None if state is None else st[0])


def test_requant_fixed_values(c):
    status, m, _ = call_rqf(c, [10, -10, 3, 1000, -1000, 0, 14, -16], 0.5, 2.0, 4)
    # v = m/4: 2.5 -> 3, -2.5 -> -3, 0.75 -> 1, 250 -> 7, -250 -> -8, 0, 3.5 -> 4, -4
    assert status == OK and m == [3, -3, 1, 7, -8, 0, 4, -4]


def test_requant_fixed_infinite_quotient_saturates(c):
    status, m, _ = call_rqf(c, [INT32_MAX, INT32_MIN, 0], FLT_MAX, MIN_NORMAL, 12)
    assert status == OK and m == [2047, -2048, 0]


def test_requant_fixed_sr_final_saturate(c):
    # c = qMin after the float clamp; u = 0 gives qMin - 0.5 -> qMin - 1 -> saturated to qMin.
    start = xorshift_prev(0x42)
    status, m, st = call_rqf(c, [-100], 1.0, 1.0, 2, SR, state=start)
    assert status == OK and m == [-2] and st == 0x42
    # u close to 1 at qMax: qMax + 0.4999999 -> qMax
    start = xorshift_prev(0xFFFFFFFF)
    status, m, st = call_rqf(c, [100], 1.0, 1.0, 2, SR, state=start)
    assert status == OK and m == [1]


def test_requant_fixed_in_place(c):
    ffi, lib = c
    ms = [10, -10, 3, 1000, -1000]
    want = call_rqf(c, ms, 0.5, 2.0, 4)[1]
    buf = i32(ffi, ms)
    assert lib.sym_requant_fixed(buf, 5, 0.5, 2.0, 4, HA, ffi.NULL, buf) == OK
    assert as_list(buf, 5) == want


@pytest.mark.parametrize("which", ["s_in", "target"])
@pytest.mark.parametrize("bad", BAD_SCALES)
def test_requant_fixed_bad_scale(c, which, bad):
    s_in, target = (bad, 1.0) if which == "s_in" else (1.0, bad)
    status, m, st = call_rqf(c, [1, 2], s_in, target, 8, SR, state=3)
    assert status == BAD_SCALE and m == [SENT, SENT] and st == 3


@pytest.mark.parametrize("bits", [0, 1, 17, 32, 33])
def test_requant_fixed_bad_width(c, bits):
    status, m, _ = call_rqf(c, [1, 2], 1.0, 1.0, bits)
    assert status == BAD_WIDTH and m == [SENT, SENT]


def test_requant_fixed_other_errors(c):
    ffi, lib = c
    assert call_rqf(c, [1], 1.0, 1.0, 8, n=0)[0] == EMPTY
    assert call_rqf(c, [1], 1.0, 1.0, 8, rounding=7)[0] == BAD_ROUNDING
    st = call_rqf(c, [1], 1.0, 1.0, 8, SR, state=0)
    assert st[0] == BAD_RNG and st[1] == [SENT]
    buf = ffi.new("int32_t[]", [1, 2, 3, 4, SENT, SENT])
    assert lib.sym_requant_fixed(buf, 4, 1.0, 1.0, 8, HA, ffi.NULL, buf + 1) == ALIAS
    assert lib.sym_requant_fixed(buf, 4, 1.0, 1.0, 8, SR, ffi.NULL, buf) == NULL
    assert lib.sym_requant_fixed(ffi.NULL, 4, 1.0, 1.0, 8, HA, ffi.NULL, buf) == NULL
    assert lib.sym_requant_fixed(buf, 4, 1.0, 1.0, 8, HA, ffi.NULL, ffi.NULL) == NULL
    assert lib.sym_requant_fixed(buf, 2, 1.0, 1.0, 8, SR, ffi.cast("uint32_t *", buf + 4), buf + 4) == ALIAS
    assert as_list(buf, 6) == [1, 2, 3, 4, SENT, SENT]


# ------------------------------------------------------------------ rescale_to_acc

@pytest.mark.parametrize("q,s_p,s_acc,want", [
    (5, 0.5, 1.0, 3), (-5, 0.5, 1.0, -3), (1, 0.5, 1.0, 1), (-1, 0.5, 1.0, -1), (3, 0.5, 1.0, 2),
    (100, 0.5, 0.25, 200), (0, FLT_MAX, MIN_NORMAL, 0), (7, 1.0, 4.0, 2), (-7, 1.0, 4.0, -2),
    (1073774464, 1.0, 1.0, 1073774464), (-1073774464, 1.0, 1.0, -1073774464),  # guard boundary (float32)
    (2**30, 1.0, 1.0, 2**30),
])
def test_rescale_values(c, q, s_p, s_acc, want):
    ffi, lib = c
    out = sentinel_i32(ffi, 1)
    assert lib.sym_rescale_to_acc(q, s_p, s_acc, out) == OK
    assert out[0] == want


@pytest.mark.parametrize("q,s_p,s_acc", [
    (1073774592, 1.0, 1.0), (-1073774592, 1.0, 1.0), (INT32_MAX, 1.0, 1.0), (INT32_MIN, 1.0, 1.0),
    (1, 2.0**31, 1.0), (INT32_MAX, FLT_MAX, 1.0), (-1, FLT_MAX, MIN_NORMAL), (1, 1.0, MIN_NORMAL),
])
def test_rescale_guard(c, q, s_p, s_acc):
    ffi, lib = c
    out = sentinel_i32(ffi, 1)
    assert lib.sym_rescale_to_acc(q, s_p, s_acc, out) == RANGE_GUARD
    assert out[0] == SENT


def test_rescale_errors(c):
    ffi, lib = c
    out = sentinel_i32(ffi, 1)
    for bad in BAD_SCALES:
        assert lib.sym_rescale_to_acc(1, bad, 1.0, out) == BAD_SCALE
        assert lib.sym_rescale_to_acc(1, 1.0, bad, out) == BAD_SCALE
    assert out[0] == SENT
    assert lib.sym_rescale_to_acc(1, 1.0, 1.0, ffi.NULL) == NULL


# ------------------------------------------------------------------ accumulate_dynamic

def call_acd(c, ts, s_t, bits, incs, s_inc, rounding=HA, state=None, n_t=None, n_inc=None):
    ffi, lib = c
    t = i32(ffi, ts)
    st_buf = f32p(ffi, s_t)
    inc = i32(ffi, incs)
    st = ffi.NULL if state is None else rng(ffi, state)
    n_t = len(ts) if n_t is None else n_t
    n_inc = len(incs) if n_inc is None else n_inc
    status = lib.sym_accumulate_dynamic(t, n_t, st_buf, bits, inc, n_inc, s_inc, rounding, st)
    assert as_list(inc, len(incs)) == list(incs)
    return status, as_list(t, len(ts)), st_buf[0], (None if state is None else st[0])


def test_accumulate_dynamic_values(c):
    # v = [2, 1, -1, 0]; A = 2, b = 2 -> scale 2; v/2 = [1, 0.5, -0.5, 0] -> [1, 1, -1, 0]
    status, t, s, _ = call_acd(c, [1, 0, -1, 1], 1.0, 2, [1, 1, 0, -1], 1.0)
    assert status == OK and t == [1, 1, -1, 0] and s == 2.0
    # mixed scales: v = 3*0.5 + 2*0.25 = 2, -4*0.5 + 4*0.25 = -1, 0.5; b = 3: scale 2/3
    status, t, s, _ = call_acd(c, [3, -4, 1], 0.5, 3, [2, 4, 0], 0.25)
    assert status == OK and s == f32(np.float32(2.0) / np.float32(3.0))
    assert t == [3, -2, 1]  # 3, -1.5 -> -2, 0.75 -> 1


def test_accumulate_dynamic_all_zero(c):
    status, t, s, _ = call_acd(c, [1, -1], 0.5, 8, [-1, 1], 0.5)
    assert status == OK and t == [0, 0] and s == 1.0


def test_accumulate_dynamic_sr(c):
    status, t, s, st = call_acd(c, [1, 0, -1, 1], 1.0, 2, [1, 1, 0, -1], 1.0, SR, state=31337)
    assert status == OK and s == 2.0
    want = 31337
    for _ in range(4):
        want = xorshift(want)
    assert st == want
    assert all(-2 <= v <= 1 for v in t)


def assert_acd_rejected(c, expect, *args, **kw):
    status, t, s, st = call_acd(c, *args, **kw)
    assert status == expect
    assert t == list(args[0])
    assert s == args[1] or (math.isnan(s) and math.isnan(args[1]))
    if kw.get("state") is not None:
        assert st == kw["state"]


def test_accumulate_dynamic_errors(c):
    assert_acd_rejected(c, FLOAT_OVERFLOW, [1, 1], FLT_MAX, 8, [0, 1], FLT_MAX, SR, state=4)
    assert_acd_rejected(c, FLOAT_OVERFLOW, [2], FLT_MAX, 8, [-2], FLT_MAX)  # inf + -inf
    assert_acd_rejected(c, UNDERFLOW, [1, 0], MIN_NORMAL, 16, [0, 0], 1.0, SR, state=4)
    assert_acd_rejected(c, SHAPE, [1, 2], 1.0, 8, [1, 2, 3], 1.0)
    assert_acd_rejected(c, EMPTY, [1], 1.0, 8, [1], 1.0, n_t=0)
    assert_acd_rejected(c, EMPTY, [1], 1.0, 8, [1], 1.0, n_inc=0)
    for bits in (0, 1, 17, 32, 33):
        assert_acd_rejected(c, BAD_WIDTH, [1], 1.0, bits, [1], 1.0)
    for bad in BAD_SCALES:
        assert_acd_rejected(c, BAD_SCALE, [1], bad, 8, [1], 1.0)
        assert_acd_rejected(c, BAD_SCALE, [1], 1.0, 8, [1], bad)
    assert_acd_rejected(c, BAD_ROUNDING, [1], 1.0, 8, [1], 1.0, 5)
    assert_acd_rejected(c, BAD_RNG, [1], 1.0, 8, [1], 1.0, SR, state=0)
    assert_acd_rejected(c, NULL, [1], 1.0, 8, [1], 1.0, SR)


def test_accumulate_dynamic_null_alias(c):
    ffi, lib = c
    buf = ffi.new("int32_t[]", [1, 2, 3, 4, 5, 6])
    s = f32p(ffi, 1.0)
    acc = lib.sym_accumulate_dynamic
    assert acc(ffi.NULL, 2, s, 8, buf, 2, 1.0, HA, ffi.NULL) == NULL
    assert acc(buf, 2, ffi.NULL, 8, buf + 2, 2, 1.0, HA, ffi.NULL) == NULL
    assert acc(buf, 2, s, 8, ffi.NULL, 2, 1.0, HA, ffi.NULL) == NULL
    assert acc(buf, 2, s, 8, buf, 2, 1.0, HA, ffi.NULL) == ALIAS          # inc == t
    assert acc(buf, 2, s, 8, buf + 1, 2, 1.0, HA, ffi.NULL) == ALIAS
    s_in_t = ffi.cast("float *", buf + 1)
    assert acc(buf, 2, s_in_t, 8, buf + 2, 2, 1.0, HA, ffi.NULL) == ALIAS
    assert acc(buf, 2, s, 8, buf + 2, 2, 1.0, SR, ffi.cast("uint32_t *", buf + 3)) == ALIAS
    assert acc(buf, 2, s, 8, buf + 2, 2, 1.0, SR, ffi.cast("uint32_t *", s)) == ALIAS
    assert as_list(buf, 6) == [1, 2, 3, 4, 5, 6] and s[0] == 1.0


# ------------------------------------------------------------------ accumulate_fixed

def call_acf(c, ts, s_t, bits, incs, s_inc, n_t=None, n_inc=None):
    ffi, lib = c
    t = i32(ffi, ts)
    inc = i32(ffi, incs)
    n_t = len(ts) if n_t is None else n_t
    n_inc = len(incs) if n_inc is None else n_inc
    status = lib.sym_accumulate_fixed(t, n_t, s_t, bits, inc, n_inc, s_inc)
    assert as_list(inc, len(incs)) == list(incs)
    return status, as_list(t, len(ts))


def test_accumulate_fixed_values(c):
    assert call_acf(c, [10, -10, 0], 0.5, 12, [5, -5, 1], 0.5) == (OK, [15, -15, 1])
    # d = inc / 2 with ties away: 2.5 -> 3, -2.5 -> -3, 0.5 -> 1, -0.5 -> -1, 1.5 -> 2
    assert call_acf(c, [0, 0, 0, 0, 100], 0.5, 12, [5, -5, 1, -1, 3], 0.25) == (OK, [3, -3, 1, -1, 102])
    assert call_acf(c, [2046, -2047], 1.0, 12, [1, -1], 1.0) == (OK, [2047, -2048])
    assert call_acf(c, [INT32_MAX - 5, INT32_MIN + 5], 1.0, 32, [5, -5], 1.0) == (OK, [INT32_MAX, INT32_MIN])
    assert call_acf(c, [1, -2], 1.0, 2, [0, 1], 1.0) == (OK, [1, -1])


@pytest.mark.parametrize("ts,bits,incs", [
    ([2047], 12, [1]), ([-2048], 12, [-1]), ([0, 2047], 12, [0, 1]),
    ([INT32_MAX - 5], 32, [6]), ([INT32_MIN + 5], 32, [-6]), ([INT32_MIN], 32, [-1]),
    ([1], 2, [1]), ([-2], 2, [-1]), ([32767], 16, [1]),
    ([4096], 12, [0]),  # target already outside its width
])
def test_accumulate_fixed_int_overflow(c, ts, bits, incs):
    assert call_acf(c, ts, 1.0, bits, incs, 1.0) == (INT_OVERFLOW, ts)


def test_accumulate_fixed_range_guard_and_errors(c):
    assert call_acf(c, [0, 0], 1.0, 32, [1, 1], 2.0**31) == (RANGE_GUARD, [0, 0])
    assert call_acf(c, [0, 0], 1.0, 32, [0, 1073774592], 1.0) == (RANGE_GUARD, [0, 0])
    assert call_acf(c, [1, 2], 1.0, 12, [1, 2, 3], 1.0) == (SHAPE, [1, 2])
    assert call_acf(c, [1], 1.0, 12, [1], 1.0, n_t=0)[0] == EMPTY
    assert call_acf(c, [1], 1.0, 12, [1], 1.0, n_inc=-1)[0] == EMPTY
    for bits in (0, 1, 33, -1):
        assert call_acf(c, [1], 1.0, bits, [1], 1.0) == (BAD_WIDTH, [1])
    for bad in BAD_SCALES:
        assert call_acf(c, [1], bad, 12, [1], 1.0) == (BAD_SCALE, [1])
        assert call_acf(c, [1], 1.0, 12, [1], bad) == (BAD_SCALE, [1])
    ffi, lib = c
    buf = ffi.new("int32_t[]", [1, 2, 3, 4])
    assert lib.sym_accumulate_fixed(buf, 2, 1.0, 12, buf + 1, 2, 1.0) == ALIAS
    assert lib.sym_accumulate_fixed(buf, 2, 1.0, 12, buf, 2, 1.0) == ALIAS
    assert lib.sym_accumulate_fixed(ffi.NULL, 2, 1.0, 12, buf, 2, 1.0) == NULL
    assert lib.sym_accumulate_fixed(buf, 2, 1.0, 12, ffi.NULL, 2, 1.0) == NULL
    assert as_list(buf, 4) == [1, 2, 3, 4]
