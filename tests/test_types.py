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
