"""ReLU (docs/layers.md "ReLU"): the golden vectors on both backends, the C
backend against the emulator on random tensors, and the layer-level C ABI
of kernels/include/sym_relu.h (error detail, nothing written on error,
in place)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symverify as sv
from symverify.errors import status_name
from symverify.goldgen import layer_fixtures as lf
from symverify.goldgen.vecformat import strip_comments
from symverify.types import q_max, q_min

VECTORS = json.loads((Path(__file__).resolve().parents[1] / "goldgen" / "vectors" / "relu.json").read_text())


@pytest.mark.parametrize("backend", [sv.kernels, sv.emulate], ids=["c", "emulator"])
@pytest.mark.parametrize("vec", VECTORS["vectors"], ids=lambda v: v["name"])
def test_golden_vector(backend: object, vec: dict) -> None:
    got = lf.evaluate(vec["kernel"], vec["args"], backend)
    assert strip_comments(got) == strip_comments(vec["expect"])


def test_vectors_cover_the_brief() -> None:
    names = {v["name"] for v in VECTORS["vectors"]}
    statuses = {v["expect"]["status"] for v in VECTORS["vectors"]}
    assert {"relu_fwd_zeros", "relu_fwd_negatives", "relu_fwd_width_2", "relu_fwd_width_16", "relu_fwd_raw_32",
            "relu_bwd_width_2", "relu_bwd_width_16", "relu_bwd_raw_32", "relu_bwd_shape_length"} <= names
    assert {"SYM_OK", "SYM_ERR_SHAPE", "SYM_ERR_EMPTY", "SYM_ERR_BAD_WIDTH", "SYM_ERR_BAD_SCALE",
            "SYM_ERR_INT_OVERFLOW"} <= statuses


def _tensor(draw: st.DrawFn, bits: int, shape: tuple[int, ...]) -> sv.SymTensor:
    lo, hi = q_min(bits), q_max(bits)
    m = draw(st.lists(st.integers(lo, hi), min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
    scale = draw(st.sampled_from([1.0, 0.5, 0.001, 3.0e-5, 1.0e20]))
    return sv.SymTensor(np.array(m, dtype=np.int64).reshape(shape), scale, bits)


@st.composite
def _pair(draw: st.DrawFn) -> tuple[sv.SymTensor, sv.SymTensor]:
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    widths = st.sampled_from([2, 3, 8, 12, 16, 32])
    return _tensor(draw, draw(widths), shape), _tensor(draw, draw(widths), shape)


@settings(max_examples=200, deadline=None)
@given(_pair())
def test_c_equals_emulator(pair: tuple[sv.SymTensor, sv.SymTensor]) -> None:
    x, dy = pair
    for fn in ("relu_forward",):
        assert getattr(sv.kernels, fn)(x).same_bits(getattr(sv.emulate, fn)(x))
    assert sv.kernels.relu_backward(x, dy).same_bits(sv.emulate.relu_backward(x, dy))
    y = sv.kernels.relu_forward(x)
    assert np.array_equal(y.mantissas, np.maximum(x.mantissas, 0)) and y.scale == x.scale


def test_python_errors() -> None:
    x = sv.SymTensor(np.array([[1, -1]]), 1.0, 8)
    for backend in (sv.kernels, sv.emulate):
        with pytest.raises(sv.SymError) as exc:
            backend.relu_forward(np.array([1, 2]))
        assert exc.value.code == "SYM_ERR_BAD_TYPE" and exc.value.argument == "x"
        with pytest.raises(sv.SymError) as exc:
            backend.relu_backward(x, sv.SymTensor(np.array([1, -1]), 1.0, 8))
        assert exc.value.code == "SYM_ERR_SHAPE" and exc.value.argument == "dy"


# ------------------------------------------------------------------ raw C ABI
@pytest.fixture(scope="module")
def c() -> tuple[object, object]:
    return sv.kernels.ffi_lib()


def _call_fwd(c, x_vals, x_bits=8, y_n=None, y_bits=None, scale=0.5, y_buf=None):
    ffi, lib = c
    xm = ffi.new("int32_t[]", x_vals or [0])
    n = len(x_vals)
    ym = y_buf if y_buf is not None else ffi.new("int32_t[]", [77] * max(n, 1))
    y = ffi.new("sym_view *", {"m": ym, "n": n if y_n is None else y_n, "scale": -1.0,
                               "bits": x_bits if y_bits is None else y_bits})
    args = ffi.new("sym_relu_forward_args *", {"x": {"m": xm, "n": n, "scale": scale, "bits": x_bits}, "y": y})
    err = ffi.new("sym_err *")
    st_ = lib.sym_relu_forward(args, err)
    return st_, err, y, ym, xm


def _s(ffi, p) -> str | None:
    return None if p == ffi.NULL else ffi.string(p).decode()


@pytest.mark.parametrize("kw, status, arg", [
    ({"x_vals": [1], "y_bits": 12}, "SYM_ERR_BAD_WIDTH", "y.bits"),
    ({"x_vals": [1, 2], "y_n": 1}, "SYM_ERR_SHAPE", "y.n"),
    ({"x_vals": []}, "SYM_ERR_EMPTY", "x.n"),
    ({"x_vals": [1], "x_bits": 33}, "SYM_ERR_BAD_WIDTH", "x.bits"),
    ({"x_vals": [1], "scale": 0.0}, "SYM_ERR_BAD_SCALE", "x.scale"),
    ({"x_vals": [1, 200], "x_bits": 8}, "SYM_ERR_INT_OVERFLOW", "x.m"),
])
def test_c_error_detail_and_nothing_written(c, kw, status, arg) -> None:
    ffi, _ = c
    st_, err, y, ym, _ = _call_fwd(c, **kw)
    assert status_name(st_) == status
    assert err.status == st_ and _s(ffi, err.arg) == arg and _s(ffi, err.reason)
    assert err.index == (1 if status == "SYM_ERR_INT_OVERFLOW" else -1)
    assert y.scale == -1.0 and all(ym[i] == 77 for i in range(max(len(kw["x_vals"]), 1)))


def test_c_null_and_alias(c) -> None:
    ffi, lib = c
    assert status_name(lib.sym_relu_forward(ffi.NULL, ffi.NULL)) == "SYM_ERR_NULL"
    err = ffi.new("sym_err *")
    args = ffi.new("sym_relu_forward_args *", {"x": {"m": ffi.new("int32_t[]", [1]), "n": 1, "scale": 1.0,
                                                     "bits": 8}, "y": ffi.NULL})
    assert status_name(lib.sym_relu_forward(args, err)) == "SYM_ERR_NULL" and _s(ffi, err.arg) == "y"
    # partial overlap is refused, exact in place is allowed
    buf = ffi.new("int32_t[]", [-1, 2, -3, 4])
    y = ffi.new("sym_view *", {"m": buf + 1, "n": 3, "scale": -1.0, "bits": 8})
    args = ffi.new("sym_relu_forward_args *", {"x": {"m": buf, "n": 3, "scale": 1.0, "bits": 8}, "y": y})
    assert status_name(lib.sym_relu_forward(args, err)) == "SYM_ERR_ALIAS" and _s(ffi, err.arg) == "y.m"
    assert list(buf[0:4]) == [-1, 2, -3, 4]
    y.m = buf
    assert lib.sym_relu_forward(args, ffi.NULL) == 0 and list(buf[0:3]) == [0, 2, 0] and y.scale == 1.0


def test_c_backward_detail(c) -> None:
    ffi, lib = c
    x = ffi.new("int32_t[]", [1, -1])
    dy = ffi.new("int32_t[]", [5, 6])
    dx = ffi.new("sym_view *", {"m": ffi.new("int32_t[]", 2), "n": 2, "scale": -1.0, "bits": 8})
    args = ffi.new("sym_relu_backward_args *", {"x": {"m": x, "n": 2, "scale": 1.0, "bits": 8},
                                                "dy": {"m": dy, "n": 1, "scale": 0.5, "bits": 12}, "dx": dx})
    err = ffi.new("sym_err *")
    assert status_name(lib.sym_relu_backward(args, err)) == "SYM_ERR_SHAPE" and _s(ffi, err.arg) == "dy.n"
    args.dy.n = 2
    assert status_name(lib.sym_relu_backward(args, err)) == "SYM_ERR_BAD_WIDTH"
    assert _s(ffi, err.arg) == "dx.bits"
    dx.bits = 12
    assert lib.sym_relu_backward(args, err) == 0 and list(dx.m[0:2]) == [5, 0] and dx.scale == 0.5
    args.dx.m = dy      # in place on dy
    assert lib.sym_relu_backward(args, err) == 0 and list(dy[0:2]) == [5, 0]
    args.dx.m = x + 1   # partial overlap with x
    assert status_name(lib.sym_relu_backward(args, err)) == "SYM_ERR_ALIAS" and _s(ffi, err.arg) == "dx.m"
