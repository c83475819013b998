"""SymTensor, Rng and argument validation shared by both backends."""
from __future__ import annotations

import numpy as np
import pytest

import symverify as sv
from symverify.errors import STATUS_CODES


def test_symtensor_copies_and_freezes_mantissas() -> None:
    source = np.array([1, -2, 3], dtype=np.int32)
    t = sv.SymTensor(source, np.float32(0.5), 12)
    source[0] = 99
    assert t.mantissas.tolist() == [1, -2, 3]
    with pytest.raises(ValueError):
        t.mantissas[0] = 5


@pytest.mark.parametrize("bits,value", [(12, 2048), (12, -2049), (2, 2), (16, 40000)])
def test_symtensor_rejects_mantissas_outside_the_declared_width(bits: int, value: int) -> None:
    with pytest.raises(sv.SymError) as info:
        sv.SymTensor(np.array([0, value], dtype=np.int32), np.float32(1.0), bits)
    assert info.value.code == "SYM_ERR_INT_OVERFLOW"
    assert "mantissas[1]" in str(info.value) and str(value) in str(info.value)


def test_symtensor_accepts_the_extremes_of_its_width() -> None:
    t = sv.SymTensor(np.array([-2048, 2047], dtype=np.int32), np.float32(1.0), 12)
    assert t.mantissas.tolist() == [-2048, 2047]
    raw = sv.SymTensor(np.array([-2**31, 2**31 - 1], dtype=np.int32), np.float32(1.0), 32)
    assert raw.q_max_bits == 32


@pytest.mark.parametrize("scale", [float("nan"), float("inf"), 0.0, -1.0, 1e-40, 1e39])
def test_symtensor_rejects_invalid_scales(scale: float) -> None:
    with pytest.raises(sv.SymError) as info:
        sv.SymTensor(np.array([1], dtype=np.int32), scale, 12)
    assert info.value.code == "SYM_ERR_BAD_SCALE"
    assert "scale" in str(info.value)


@pytest.mark.parametrize("bits", [0, 1, 33, -4, 12.0, True])
def test_symtensor_rejects_bad_widths(bits: object) -> None:
    with pytest.raises(sv.SymError) as info:
        sv.SymTensor(np.array([1], dtype=np.int32), np.float32(1.0), bits)  # type: ignore[arg-type]
    assert info.value.code == "SYM_ERR_BAD_WIDTH"


def test_symtensor_rejects_empty_and_float_mantissas() -> None:
    with pytest.raises(sv.SymError, match="SYM_ERR_EMPTY"):
        sv.SymTensor(np.array([], dtype=np.int32), np.float32(1.0), 12)
    with pytest.raises(sv.SymError, match="SYM_ERR_BAD_TYPE"):
        sv.SymTensor(np.array([1.5]), np.float32(1.0), 12)


def test_symerror_is_a_valueerror_naming_code_argument_value() -> None:
    err = sv.SymError("SYM_ERR_BAD_SCALE", "target_scale", -1.0, "must be positive")
    assert isinstance(err, ValueError)
    assert err.status == STATUS_CODES["SYM_ERR_BAD_SCALE"] == -4
    assert str(err) == "SYM_ERR_BAD_SCALE: argument 'target_scale' = -1.0: must be positive"


def test_rng_seed_zero_maps_to_all_ones_and_state_is_guarded() -> None:
    assert sv.Rng(0).state == 0xFFFFFFFF
    assert sv.Rng(7).state == 7
    rng = sv.Rng(1)
    with pytest.raises(sv.SymError, match="SYM_ERR_BAD_RNG"):
        rng.state = 0
    with pytest.raises(sv.SymError, match="SYM_ERR_BAD_RNG"):
        sv.Rng(2**32)


def test_same_bits_compares_scale_bit_patterns() -> None:
    a = sv.SymTensor(np.array([1], dtype=np.int32), np.float32(0.1), 12)
    b = sv.SymTensor(np.array([1], dtype=np.int32), np.nextafter(np.float32(0.1), np.float32(1)), 12)
    assert a.same_bits(a) and not a.same_bits(b)


# ------------------------------------------------- mantissa values checked as given

_ALL_INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]


@pytest.mark.parametrize("given", [
    np.array([0, 2**64 - 1], dtype=np.uint64),   # used to wrap to -1 and pass
    np.array([0, 2**63], dtype=np.uint64),        # used to be reported as -2^63
    np.array([0, 2**32 - 1], dtype=np.uint32),
    np.array([0, 2**31], dtype=np.uint32),
    np.array([0, 2**31], dtype=np.int64),
    np.array([0, -2**31 - 1], dtype=np.int64),
    np.array([0, -2**63], dtype=np.int64),
    [0, 2**63],                                   # Python ints (numpy makes uint64)
    [0, 2**64],                                   # Python ints beyond uint64 (object array)
    [0, -2**63 - 1],
    np.array([0, 2**70], dtype=object),
    np.array([0, np.uint64(2**64 - 1)], dtype=object),
], ids=lambda g: f"{getattr(g, 'dtype', 'list')}:{list(g)[1]}")
def test_symtensor_reports_out_of_int32_values_as_given(given) -> None:
    value = int(list(given)[1])
    with pytest.raises(sv.SymError) as info:
        sv.SymTensor(given, np.float32(1.0), 32)
    assert info.value.code == "SYM_ERR_INT_OVERFLOW"
    assert info.value.argument == "mantissas[1]" and info.value.value == value
    assert str(value) in str(info.value)


@pytest.mark.parametrize("dtype", _ALL_INT_DTYPES)
def test_symtensor_accepts_every_integer_dtype_in_range(dtype) -> None:
    hi = min(int(np.iinfo(dtype).max), 2**31 - 1)
    lo = max(int(np.iinfo(dtype).min), -2**31)
    t = sv.SymTensor(np.array([lo, 0, hi], dtype=dtype), np.float32(1.0), 32)
    assert t.mantissas.dtype == np.int32 and t.mantissas.tolist() == [lo, 0, hi]


@pytest.mark.parametrize("dtype", _ALL_INT_DTYPES)
def test_symtensor_width_check_for_every_integer_dtype(dtype) -> None:
    with pytest.raises(sv.SymError) as info:
        sv.SymTensor(np.array([1, 2, 100], dtype=dtype), np.float32(1.0), 4)
    assert info.value.code == "SYM_ERR_INT_OVERFLOW" and info.value.value == 100


@pytest.mark.parametrize("given, argument", [
    (np.array([True, False]), "mantissas"),
    ([1, True], "mantissas[1]"),
    (np.array([1, True], dtype=object), "mantissas[1]"),
    (np.array([1.5, 2.0]), "mantissas"),
    (np.array([1.0, 2.0]), "mantissas"),                # integral floats are not mantissas either
    ([1, 2.5], "mantissas[1]"),
    (np.array([1, 2.5], dtype=object), "mantissas[1]"),
    (np.array([1 + 2j]), "mantissas"),
    (np.array([1, "2"], dtype=object), "mantissas[1]"),
])
def test_symtensor_rejects_non_integer_mantissas(given, argument) -> None:
    with pytest.raises(sv.SymError) as info:
        sv.SymTensor(given, np.float32(1.0), 32)
    assert info.value.code == "SYM_ERR_BAD_TYPE" and info.value.argument == argument, info.value


def test_symtensor_accepts_python_ints_and_object_arrays() -> None:
    t = sv.SymTensor([[1, -2], [3, 2**31 - 1]], np.float32(1.0), 32)
    assert t.mantissas.shape == (2, 2) and t.mantissas.tolist() == [[1, -2], [3, 2**31 - 1]]
    o = sv.SymTensor(np.array([np.int64(-5), 7], dtype=object), np.float32(1.0), 12)
    assert o.mantissas.dtype == np.int32 and o.mantissas.tolist() == [-5, 7]


@pytest.mark.parametrize("backend", [sv.kernels, sv.emulate], ids=["kernels", "emulate"])
@pytest.mark.parametrize("given", [np.array([2**64 - 1], dtype=np.uint64), [2**63], [-2**63 - 1]],
                         ids=["u64max", "py2^63", "py-2^63-1"])
def test_int_to_sym_reports_out_of_int32_values_as_given(backend, given) -> None:
    with pytest.raises(sv.SymError) as info:
        backend.int_to_sym(given)
    assert info.value.code == "SYM_ERR_INT_OVERFLOW" and info.value.value == int(list(given)[0])
