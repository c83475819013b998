"""Tests of the Python backend ``sv.kernels`` (the C kernels through cffi):
hand-computed values, shapes, copy semantics, RNG hand-off and SymError text."""
from __future__ import annotations

import math

import numpy as np
import pytest

import symverify as sv
from symverify import kernels as K

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
FLT_MAX = float(np.finfo(np.float32).max)
MIN_NORMAL = 2.0**-126


def T(m, scale=1.0, bits=12):
    return sv.SymTensor(np.asarray(m, dtype=np.int32), np.float32(scale), bits)


def xorshift(s: int) -> int:
    s ^= (s << 13) & 0xFFFFFFFF
    s ^= s >> 17
    s ^= (s << 5) & 0xFFFFFFFF
    return s


def advanced(seed: int, draws: int) -> int:
    s = seed or 0xFFFFFFFF
    for _ in range(draws):
        s = xorshift(s)
    return s


def raises(code, argument=None, value_text=None):
    """Context manager: SymError with ``code``; its text names argument and value."""
    class _Ctx:
        def __enter__(self):
            self.cm = pytest.raises(sv.SymError)
            self.info = self.cm.__enter__()
            return self.info

        def __exit__(self, *exc):
            handled = self.cm.__exit__(*exc)
            err = self.info.value
            assert isinstance(err, ValueError)
            assert err.code == code, str(err)
            assert code in str(err)
            if argument is not None:
                assert err.argument == argument, str(err)
                assert repr(argument) in str(err)
            if value_text is not None:
                assert value_text in str(err), str(err)
            return handled
    return _Ctx()


# ------------------------------------------------------------------ backend plumbing

def test_ffi_lib_cached_and_lazy():
    ffi, lib = K.ffi_lib()
    assert K.ffi_lib() is K.ffi_lib()
    assert ffi.string(lib.sym_status_name(-4)).decode() == "SYM_ERR_BAD_SCALE"


def test_api_surface():
    for name in ("round_half_away", "float_to_sym", "sym_to_float", "requant_dynamic", "requant_fixed",
                 "rescale_to_acc", "int_to_sym", "accumulate_dynamic", "accumulate_fixed"):
        assert callable(getattr(K, name))
        assert callable(getattr(sv.kernels, name))


# ------------------------------------------------------------------ round_half_away

@pytest.mark.parametrize("x,want", [(2.5, 3), (-2.5, -3), (0.5, 1), (-0.5, -1), (1.5, 2), (0.0, 0),
                                    (2.4999, 2), (7, 7), (np.float32(-3.5), -4), (2147483520.0, 2147483520),
                                    (0.49999999, 1)])  # 0.49999999 -> float32 0.5 -> 1
def test_round_half_away(x, want):
    got = K.round_half_away(x)
    assert got == want and type(got) is int


@pytest.mark.parametrize("x", [math.nan, math.inf, -math.inf, 2.0**31, 1e300, -1e300])
def test_round_half_away_cast_range(x):
    with raises("SYM_ERR_CAST_RANGE", "x", repr(x)):
        K.round_half_away(x)


@pytest.mark.parametrize("x", ["1.0", None, [1.0], True])
def test_round_half_away_bad_type(x):
    with raises("SYM_ERR_BAD_TYPE", "x"):
        K.round_half_away(x)


# ------------------------------------------------------------------ float_to_sym

def test_float_to_sym_values_and_shape():
    x = np.array([[7.0, 2.5, -2.5], [0.5, -0.5, 0.25]], dtype=np.float32)
    x_before = x.copy()
    t = K.float_to_sym(x, 4)
    assert isinstance(t, sv.SymTensor)
    assert t.mantissas.shape == (2, 3) and t.mantissas.dtype == np.int32
    assert t.mantissas.tolist() == [[7, 3, -3], [1, -1, 0]]
    assert t.scale == np.float32(1.0) and t.q_max_bits == 4
    assert np.array_equal(x, x_before)


def test_float_to_sym_default_width_and_list_input():
    t = K.float_to_sym([1.0, -1.0, 0.0])
    assert t.q_max_bits == 12
    assert t.mantissas.tolist() == [2047, -2047, 0]
    assert t.scale == np.float32(1.0) / np.float32(2047.0)


def test_float_to_sym_zero():
    t = K.float_to_sym(np.zeros((3, 1)), 8)
    assert t.mantissas.tolist() == [[0], [0], [0]] and t.scale == np.float32(1.0)


def test_float_to_sym_sr_rng_handoff():
    r = sv.Rng(1)
    t = K.float_to_sym([7.0, 0.0, -7.0, 3.0], 4, sv.SR_HALF_AWAY, r)
    assert t.mantissas.tolist() == [7, 0, -7, 3]
    assert r.state == advanced(1, 4)
    r0 = sv.Rng(0)
    K.float_to_sym(np.zeros(5), 4, sv.SR_HALF_AWAY, r0)  # one draw per element, also for zeros
    assert r0.state == advanced(0, 5)


def test_float_to_sym_half_away_ignores_rng():
    r = sv.Rng(9)
    K.float_to_sym([1.0, 2.0], 8, sv.HALF_AWAY, r)
    assert r.state == 9


def test_float_to_sym_same_seed_same_bits():
    x = np.linspace(-3, 3, 101, dtype=np.float32)
    a = K.float_to_sym(x, 6, sv.SR_HALF_AWAY, sv.Rng(2024))
    b = K.float_to_sym(x, 6, sv.SR_HALF_AWAY, sv.Rng(2024))
    assert a.same_bits(b)


@pytest.mark.parametrize("bits", [0, 1, 32, 33, -1, 2.0, "12", True])
def test_float_to_sym_bad_width(bits):
    with raises("SYM_ERR_BAD_WIDTH", "q_max_bits", repr(bits)):
        K.float_to_sym([1.0], bits)


@pytest.mark.parametrize("bad,text", [(math.nan, "nan"), (math.inf, "inf"), (-math.inf, "-inf")])
def test_float_to_sym_nonfinite(bad, text):
    r = sv.Rng(5)
    with raises("SYM_ERR_NONFINITE_INPUT", "x[1]", text):
        K.float_to_sym([1.0, bad], 8, sv.SR_HALF_AWAY, r)
    assert r.state == 5


def test_float_to_sym_float64_overflow_is_nonfinite():
    with raises("SYM_ERR_NONFINITE_INPUT", "x[0]"):
        K.float_to_sym(np.array([1e300, 1.0]), 8)


def test_float_to_sym_scale_underflow_names_absmax():
    r = sv.Rng(5)
    with raises("SYM_ERR_SCALE_UNDERFLOW", "absmax", repr(float(np.float32(MIN_NORMAL)))):
        K.float_to_sym(np.array([MIN_NORMAL, 0.0], dtype=np.float32), 12, sv.SR_HALF_AWAY, r)
    assert r.state == 5


def test_float_to_sym_other_errors():
    with raises("SYM_ERR_EMPTY", "x"):
        K.float_to_sym(np.array([], dtype=np.float32))
    with raises("SYM_ERR_BAD_ROUNDING", "rounding", "'hte'"):
        K.float_to_sym([1.0], 8, "hte")
    with raises("SYM_ERR_NULL", "rng_state"):
        K.float_to_sym([1.0], 8, sv.SR_HALF_AWAY)
    with raises("SYM_ERR_NULL", "rng_state"):
        K.float_to_sym([1.0], 8, sv.SR_HALF_AWAY, 12345)
    with raises("SYM_ERR_BAD_RNG", "rng_state"):
        K.float_to_sym([1.0], 8, sv.HALF_AWAY, 12345)
    with raises("SYM_ERR_BAD_TYPE", "x"):
        K.float_to_sym(np.array(["a"]), 8)


# ------------------------------------------------------------------ sym_to_float / int_to_sym

def test_sym_to_float():
    t = T([[3, -2], [0, 1]], 0.5, 4)
    y = K.sym_to_float(t)
    assert y.dtype == np.float32 and y.shape == (2, 2)
    assert y.tolist() == [[1.5, -1.0], [0.0, 0.5]]


def test_sym_to_float_overflow():
    t = T([1, 2], FLT_MAX, 4)
    with raises("SYM_ERR_FLOAT_OVERFLOW", "t.mantissas[1]", "2"):
        K.sym_to_float(t)


def test_sym_to_float_bad_type():
    with raises("SYM_ERR_BAD_TYPE", "t"):
        K.sym_to_float(np.array([1, 2]))


def test_int_to_sym():
    m = np.array([[1, INT32_MIN], [INT32_MAX, 0]], dtype=np.int64)
    t = K.int_to_sym(m)
    assert t.q_max_bits == 32 and t.scale == np.float32(1.0)
    assert t.mantissas.tolist() == m.tolist() and t.mantissas.dtype == np.int32
    m[0, 0] = 99
    assert t.mantissas[0, 0] == 1


def test_int_to_sym_errors():
    with raises("SYM_ERR_INT_OVERFLOW", "m[1]", str(2**31)):
        K.int_to_sym(np.array([0, 2**31], dtype=np.int64))
    with raises("SYM_ERR_EMPTY", "m"):
        K.int_to_sym(np.array([], dtype=np.int32))
    with raises("SYM_ERR_BAD_TYPE", "m"):
        K.int_to_sym(np.array([1.5]))


# ------------------------------------------------------------------ requant

@pytest.mark.parametrize("order", ["ratio", "clamp_first"])
def test_requant_dynamic_values(order):
    t = T([[4, 2], [-2, -4], [1, 0]], 1.0, 12)
    out = K.requant_dynamic(t, 2, order=order)
    assert out.mantissas.tolist() == [[1, 1], [-1, -1], [0, 0]]
    assert out.scale == np.float32(4.0) and out.q_max_bits == 2
    assert t.mantissas.tolist() == [[4, 2], [-2, -4], [1, 0]] and t.scale == np.float32(1.0)


def test_requant_dynamic_raw_input_and_zero():
    t = K.int_to_sym(np.array([INT32_MIN, INT32_MAX, 0]))
    out = K.requant_dynamic(t, 2)
    assert out.mantissas.tolist() == [-1, 1, 0] and out.scale == np.float32(2.0**31)
    z = K.requant_dynamic(T([0, 0], 3.0), 16)
    assert z.mantissas.tolist() == [0, 0] and z.scale == np.float32(1.0)


def test_requant_dynamic_sr_rng():
    r = sv.Rng(777)
    out = K.requant_dynamic(T([4, 2, -2, -4, 0]), 2, sv.SR_HALF_AWAY, "clamp_first", r)
    assert r.state == advanced(777, 5)
    assert all(-2 <= v <= 1 for v in out.mantissas.tolist())


@pytest.mark.parametrize("bits", [0, 1, 17, 31, 32, 33])
def test_requant_dynamic_bad_width(bits):
    with raises("SYM_ERR_BAD_WIDTH", "q_max_bits", repr(bits)):
        K.requant_dynamic(T([1]), bits)


def test_requant_dynamic_errors():
    with raises("SYM_ERR_BAD_ORDER", "order", "'fast'"):
        K.requant_dynamic(T([1]), 8, order="fast")
    with raises("SYM_ERR_BAD_ROUNDING", "rounding"):
        K.requant_dynamic(T([1]), 8, rounding=0)
    r = sv.Rng(3)
    with raises("SYM_ERR_FLOAT_OVERFLOW", "t.mantissas[1]", "2"):
        K.requant_dynamic(T([1, 2], FLT_MAX), 8, sv.SR_HALF_AWAY, rng_state=r)
    assert r.state == 3
    with raises("SYM_ERR_SCALE_UNDERFLOW", "absmax", repr(float(np.float32(MIN_NORMAL)))):
        K.requant_dynamic(T([1, -1, 0], MIN_NORMAL), 16, sv.SR_HALF_AWAY, rng_state=r)
    assert r.state == 3
    with raises("SYM_ERR_BAD_TYPE", "t"):
        K.requant_dynamic([1, 2], 8)


def test_requant_fixed_values():
    t = T([[10, -10, 3, 1000], [-1000, 0, 14, -16]], 0.5, 12)
    out = K.requant_fixed(t, 2.0, 4)
    assert out.mantissas.tolist() == [[3, -3, 1, 7], [-8, 0, 4, -4]]
    assert out.scale == np.float32(2.0) and out.q_max_bits == 4


def test_requant_fixed_sr():
    r = sv.Rng(11)
    out = K.requant_fixed(T([100, -100, 0]), 1.0, 2, sv.SR_HALF_AWAY, r)
    assert out.mantissas.tolist()[:2] == [1, -2]
    assert r.state == advanced(11, 3)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 0.0, -1.0, 2.0**-130])
def test_requant_fixed_bad_target(bad):
    with raises("SYM_ERR_BAD_SCALE", "target_scale", repr(bad)):
        K.requant_fixed(T([1]), bad, 8)


@pytest.mark.parametrize("bad", ["x", None, [0.5], True])
def test_requant_fixed_non_number_target(bad):
    """docs/semantics.md, Errors, group 1: a non-number scalar is a type fault."""
    with raises("SYM_ERR_BAD_TYPE", "target_scale", repr(bad)):
        K.requant_fixed(T([1]), bad, 8)


def test_requant_fixed_bad_width():
    with raises("SYM_ERR_BAD_WIDTH", "q_max_bits", "17"):
        K.requant_fixed(T([1]), 1.0, 17)


# ------------------------------------------------------------------ rescale_to_acc

@pytest.mark.parametrize("q,sp,sa,want", [(5, 0.5, 1.0, 3), (-5, 0.5, 1.0, -3), (1, 0.5, 1.0, 1),
                                          (100, 0.5, 0.25, 200), (1073774464, 1.0, 1.0, 1073774464),
                                          (np.int32(-7), np.float32(1.0), 4.0, -2)])
def test_rescale_to_acc(q, sp, sa, want):
    got = K.rescale_to_acc(q, sp, sa)
    assert got == want and type(got) is int


def test_rescale_to_acc_errors():
    with raises("SYM_ERR_RANGE_GUARD", "q", "1073774592"):
        K.rescale_to_acc(1073774592, 1.0, 1.0)
    with raises("SYM_ERR_RANGE_GUARD", "q"):
        K.rescale_to_acc(1, FLT_MAX, MIN_NORMAL)
    with raises("SYM_ERR_BAD_ROUNDING", "rounding"):
        K.rescale_to_acc(1, 1.0, 1.0, sv.SR_HALF_AWAY)
    with raises("SYM_ERR_BAD_SCALE", "param_scale", "nan"):
        K.rescale_to_acc(1, math.nan, 1.0)
    with raises("SYM_ERR_BAD_SCALE", "acc_scale", "0.0"):
        K.rescale_to_acc(1, 1.0, 0.0)
    with raises("SYM_ERR_BAD_TYPE", "q"):
        K.rescale_to_acc(1.5, 1.0, 1.0)
    with raises("SYM_ERR_INT_OVERFLOW", "q"):
        K.rescale_to_acc(2**31, 1.0, 1.0)


# ------------------------------------------------------------------ accumulate

def test_accumulate_dynamic_values():
    target = T([[1, 0], [-1, 1]], 1.0, 2)
    inc = T([[1, 1], [0, -1]], 1.0, 12)
    out = K.accumulate_dynamic(target, inc)
    assert out.mantissas.tolist() == [[1, 1], [-1, 0]]
    assert out.scale == np.float32(2.0) and out.q_max_bits == 2
    assert target.mantissas.tolist() == [[1, 0], [-1, 1]] and target.scale == np.float32(1.0)


def test_accumulate_dynamic_sr():
    r = sv.Rng(31337)
    out = K.accumulate_dynamic(T([1, 0, -1, 1], 1.0, 2), T([1, 1, 0, -1]), sv.SR_HALF_AWAY, r)
    assert r.state == advanced(31337, 4) and out.scale == np.float32(2.0)


def test_accumulate_dynamic_errors():
    with raises("SYM_ERR_SHAPE", "inc", "(3,)"):
        K.accumulate_dynamic(T([1, 2]), T([1, 2, 3]))
    with raises("SYM_ERR_SHAPE", "inc"):
        K.accumulate_dynamic(T([[1, 2]]), T([1, 2]))
    with raises("SYM_ERR_BAD_WIDTH", "target.q_max_bits", "32"):
        K.accumulate_dynamic(T([1], 1.0, 32), T([1]))
    with raises("SYM_ERR_BAD_WIDTH", "target.q_max_bits", "17"):
        K.accumulate_dynamic(T([1], 1.0, 17), T([1]))
    r = sv.Rng(4)
    with raises("SYM_ERR_FLOAT_OVERFLOW", "inc.mantissas[0]"):
        K.accumulate_dynamic(T([2], FLT_MAX), T([-2], FLT_MAX), sv.SR_HALF_AWAY, r)
    assert r.state == 4
    with raises("SYM_ERR_SCALE_UNDERFLOW", "absmax"):
        K.accumulate_dynamic(T([1, 0], MIN_NORMAL, 16), T([0, 0]))
    with raises("SYM_ERR_BAD_TYPE", "inc"):
        K.accumulate_dynamic(T([1]), 1)


def test_accumulate_fixed_values():
    target = T([[0, 0], [0, 100]], 0.5, 12)
    inc = T([[5, -5], [1, 3]], 0.25, 12)
    out = K.accumulate_fixed(target, inc)
    assert out.mantissas.tolist() == [[3, -3], [1, 102]]
    assert out.scale == np.float32(0.5) and out.q_max_bits == 12
    assert target.mantissas.tolist() == [[0, 0], [0, 100]]
    raw = K.accumulate_fixed(K.int_to_sym(np.array([INT32_MAX - 5])), T([5]))
    assert raw.mantissas.tolist() == [INT32_MAX] and raw.q_max_bits == 32


def test_accumulate_fixed_errors():
    with raises("SYM_ERR_INT_OVERFLOW", "target.mantissas[1]", "2048"):
        K.accumulate_fixed(T([0, 2047]), T([0, 1]))
    with raises("SYM_ERR_INT_OVERFLOW", "target.mantissas[0]"):
        K.accumulate_fixed(K.int_to_sym(np.array([INT32_MIN])), T([-1]))
    with raises("SYM_ERR_RANGE_GUARD", "inc.mantissas[1]"):
        K.accumulate_fixed(T([0, 0], 1.0, 32), T([1, 2], 2.0**30))
    with raises("SYM_ERR_BAD_ROUNDING", "rounding"):
        K.accumulate_fixed(T([0]), T([1]), sv.SR_HALF_AWAY)
    with raises("SYM_ERR_SHAPE", "inc", "(2,)"):
        K.accumulate_fixed(T([0]), T([1, 2]))
