"""Conv1d / ConvTranspose1d (docs/layers.md "Conv1d"): C kernels against the
independent emulator over random geometry (bit-exact), the adjoint identity,
a hand-built reference (Linear over unfolded patches), a float64 reference
within the stated bound, the geometry errors of both backends and of the C
entry points (sym_err fields, nothing written), in == out, SR draw order."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symverify as sv
from symverify import Rng, SymError, SymTensor
from symverify.conv_geometry import conv1d_geometry, conv_transpose1d_geometry
from symverify.emulator.primitives import sr_draws

F32 = np.float32
HA, SR = sv.HALF_AWAY, sv.SR_HALF_AWAY
BACKENDS = (sv.kernels, sv.emulate)
conv_settings = settings(max_examples=max(40, settings.default.max_examples // 5), deadline=None)


def _tensor(rng: np.random.Generator, shape: tuple[int, ...], bits: int, scale: float,
            declared: int | None = None) -> SymTensor:
    hi = 2 ** (bits - 1) - 1
    m = rng.integers(-hi - 1, hi + 1, size=shape).astype(np.int32)
    return SymTensor(m, F32(scale), declared or bits)


def _encode(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, SymTensor):
        return (value.mantissas.shape, value.mantissas.tolist(), int(F32(value.scale).view(np.uint32)),
                value.q_max_bits)
    if isinstance(value, tuple):
        return tuple(_encode(v) for v in value)
    raise AssertionError(type(value))


def _outcome(fn: Any, *args: Any, rng: Rng | None = None, **kw: Any) -> Any:
    work = rng.copy() if rng is not None else None
    before = None if work is None else work.state
    try:
        out = fn(*args, rng_state=work, **kw)
    except SymError as exc:
        assert work is None or work.state == before, "RNG state changed on error"
        return ("error", exc.code)
    return ("ok", _encode(out), None if work is None else work.state)


# --------------------------------------------------------------------------- geometry strategies
@st.composite
def conv_case(draw: Any, transpose: bool) -> dict[str, Any]:
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, 3))
    c_out = groups * draw(st.integers(1, 3))
    k = draw(st.integers(1, 4))
    stride = draw(st.integers(1, 3))
    dilation = draw(st.integers(1, 3))
    batch = draw(st.integers(1, 2))
    length = draw(st.integers(1, 9))
    geo: dict[str, Any] = {"stride": stride, "dilation": dilation, "groups": groups}
    if transpose:
        geo["padding"] = draw(st.integers(0, 2))
        geo["output_padding"] = draw(st.integers(0, max(stride, dilation) - 1))
        w_shape = (c_in, c_out // groups, k)
    else:
        choices = [st.integers(0, 3), st.tuples(st.integers(0, 3), st.integers(0, 3)), st.just("valid")]
        if stride == 1:
            choices.append(st.just("same"))
        geo["padding"] = draw(st.one_of(*choices))
        w_shape = (c_out, c_in // groups, k)
    bits_x = draw(st.sampled_from([4, 8, 12, 12, 16]))
    bits_w = draw(st.sampled_from([4, 8, 12, 16]))
    scales = [1.0, 0.5, 2.0 ** -10, 0.0123, 3.7, 2.0 ** -60, 2.0 ** 60]
    return {"geo": geo, "batch": batch, "c_in": c_in, "c_out": c_out, "length": length, "w_shape": w_shape,
            "bits_x": bits_x, "bits_w": bits_w, "s_x": draw(st.sampled_from(scales)),
            "s_w": draw(st.sampled_from(scales)), "bias": draw(st.booleans()),
            "out_bits": draw(st.sampled_from([None, 4, 8, 12, 16])),
            "rounding": draw(st.sampled_from([HA, SR])), "order": draw(st.sampled_from(["ratio", "clamp_first"])),
            "seed": draw(st.integers(0, 2 ** 32 - 1)), "data": draw(st.integers(0, 2 ** 32 - 1)),
            "dx_bits": draw(st.sampled_from([4, 8, 12, 16]))}


def _geometry(case: dict[str, Any], transpose: bool) -> Any:
    x_shape = (case["batch"], case["c_in"], case["length"])
    if transpose:
        return conv_transpose1d_geometry(x_shape, case["w_shape"], **case["geo"])
    return conv1d_geometry(x_shape, case["w_shape"], **case["geo"])


def _inputs(case: dict[str, Any], geom: Any) -> dict[str, SymTensor]:
    r = np.random.default_rng(case["data"])
    x = _tensor(r, (case["batch"], case["c_in"], case["length"]), case["bits_x"], case["s_x"])
    w = _tensor(r, case["w_shape"], case["bits_w"], case["s_w"])
    b = _tensor(r, (case["c_out"],), 12, 2.0 ** -8)
    dy = _tensor(r, (geom.batch, geom.out_channels, geom.out_length), 12, 2.0 ** -7)
    grad_w = _tensor(r, case["w_shape"], 12, 2.0 ** -9)
    grad_b = _tensor(r, (case["c_out"],), 8, 0.25, declared=16)
    return {"x": x, "w": w, "b": b, "dy": dy, "grad_w": grad_w, "grad_b": grad_b}


def _valid_geometry(case: dict[str, Any], transpose: bool) -> Any:
    try:
        return _geometry(case, transpose)
    except SymError:
        return None


@pytest.mark.parametrize("transpose", [False, True], ids=["conv1d", "conv_transpose1d"])
@conv_settings
@given(data=st.data())
def test_forward_c_matches_emulator(transpose: bool, data: Any) -> None:
    case = data.draw(conv_case(transpose))
    geom = _valid_geometry(case, transpose)
    name = "conv_transpose1d_forward" if transpose else "conv1d_forward"
    if geom is None:
        outs = {_outcome(getattr(k, name), _tensor(np.random.default_rng(0), (case["batch"], case["c_in"],
                                                                              case["length"]), 4, 1.0),
                         _tensor(np.random.default_rng(1), case["w_shape"], 4, 1.0), **case["geo"])
                for k in BACKENDS}
        assert len(outs) == 1 and next(iter(outs))[0] == "error"
        return
    t = _inputs(case, geom)
    rng = Rng(case["seed"]) if case["rounding"] == SR else None
    outs = [_outcome(getattr(k, name), t["x"], t["w"], t["b"] if case["bias"] else None, **case["geo"],
                     out_bits=case["out_bits"], rounding=case["rounding"], order=case["order"], rng=rng)
            for k in BACKENDS]
    assert outs[0] == outs[1]


@pytest.mark.parametrize("transpose", [False, True], ids=["conv1d", "conv_transpose1d"])
@conv_settings
@given(data=st.data())
def test_backward_c_matches_emulator(transpose: bool, data: Any) -> None:
    case = data.draw(conv_case(transpose))
    geom = _valid_geometry(case, transpose)
    if geom is None:
        return
    name = "conv_transpose1d_backward" if transpose else "conv1d_backward"
    t = _inputs(case, geom)
    rng = Rng(case["seed"]) if case["rounding"] == SR else None
    outs = [_outcome(getattr(k, name), t["x"], t["w"], t["dy"], t["grad_w"],
                     t["grad_b"] if case["bias"] else None, **case["geo"], dx_bits=case["dx_bits"],
                     rounding=case["rounding"], order=case["order"], rng=rng)
            for k in BACKENDS]
    assert outs[0] == outs[1]


# --------------------------------------------------------------------------- hand-built references
def _unfold(x: np.ndarray, geom: Any, g: int) -> np.ndarray:
    """[B*L_out, C_in/g*K] patches by explicit loops (PyTorch's definition)."""
    bsz, c_in, length = x.shape
    cg = c_in // geom.groups
    rows = []
    for bi in range(bsz):
        for t in range(geom.out_length):
            row = []
            for ci in range(cg):
                for kk in range(geom.kernel_size):
                    pos = t * geom.stride - geom.pad_left + kk * geom.dilation
                    row.append(int(x[bi, g * cg + ci, pos]) if 0 <= pos < length else 0)
            rows.append(row)
    return np.array(rows, dtype=np.int32)


@pytest.mark.parametrize("geo", [dict(stride=2, padding=(1, 2), dilation=2, groups=2),
                                 dict(padding="same", dilation=3, groups=1),
                                 dict(stride=3, padding="valid", groups=4)])
def test_conv_is_linear_over_unfolded_patches(geo: dict[str, Any]) -> None:
    r = np.random.default_rng(7)
    x = _tensor(r, (2, 4, 11), 12, 0.01)
    w = _tensor(r, (8, 4 // geo["groups"], 3), 12, 0.02)
    b = _tensor(r, (8,), 12, 0.001)
    geom = conv1d_geometry(x.mantissas.shape, w.mantissas.shape, **geo)
    og = 8 // geom.groups
    for k in BACKENDS:
        y = k.conv1d_forward(x, w, b, **geo)
        for g in range(geom.groups):
            patches = _unfold(x.mantissas, geom, g)
            lin = sv.kernels.linear_forward(SymTensor(patches, x.scale, 12),
                                            SymTensor(w.mantissas[g * og:(g + 1) * og].reshape(og, -1), w.scale, 12),
                                            SymTensor(b.mantissas[g * og:(g + 1) * og], b.scale, 12))
            want = lin.mantissas.reshape(2, geom.out_length, og).transpose(0, 2, 1)
            np.testing.assert_array_equal(y.mantissas[:, g * og:(g + 1) * og, :], want)
            assert F32(y.scale) == F32(lin.scale)


@settings(max_examples=60, deadline=None)
@given(case=conv_case(False))
def test_conv_transpose_is_the_adjoint_of_conv(case: dict[str, Any]) -> None:
    """<conv(x, w), u> == <x, convT(u, w)> on integers (raw outputs, no bias)."""
    geom = _valid_geometry(case, False)
    if geom is None:
        return
    r = np.random.default_rng(case["data"])
    x = _tensor(r, (geom.batch, geom.in_channels, geom.in_length), 6, 1.0)
    w = _tensor(r, case["w_shape"], 6, 1.0)
    u = _tensor(r, (geom.batch, geom.out_channels, geom.out_length), 6, 1.0)
    if geom.pad_left != geom.pad_right:
        return  # ConvTranspose1d pads both sides alike
    p = geom.pad_left
    op = (geom.in_length + 2 * p - geom.dilation * (geom.kernel_size - 1) - 1) % geom.stride
    if op >= max(geom.stride, geom.dilation) or geom.in_length <= 2 * p - (geom.out_length - 1) * geom.stride:
        return
    for k in BACKENDS:
        y = k.conv1d_forward(x, w, stride=geom.stride, padding=p, dilation=geom.dilation, groups=geom.groups)
        xt = k.conv_transpose1d_forward(u, w, stride=geom.stride, padding=p, output_padding=op,
                                        dilation=geom.dilation, groups=geom.groups)
        assert xt.mantissas.shape == x.mantissas.shape
        lhs = int(np.sum(y.mantissas.astype(np.int64) * u.mantissas))
        rhs = int(np.sum(x.mantissas.astype(np.int64) * xt.mantissas))
        assert lhs == rhs


def _float64_conv(x: np.ndarray, w: np.ndarray, geom: Any) -> np.ndarray:
    bsz = x.shape[0]
    og = geom.out_channels // geom.groups
    out = np.zeros((bsz, geom.out_channels, geom.out_length))
    for g in range(geom.groups):
        p = _unfold(x, geom, g).astype(np.float64)
        out[:, g * og:(g + 1) * og] = (p @ w[g * og:(g + 1) * og].reshape(og, -1).T).reshape(
            bsz, geom.out_length, og).transpose(0, 2, 1)
    return out


def test_float64_reference_within_the_stated_bound() -> None:
    """|y*s_y - ref| <= 2^-22*(|sum x w| s_x s_w + |b s_b|) + 0.51*s_acc
    (docs/layers.md "Conv1d": the integer sum is exact; only s_acc and the
    seed are rounded)."""
    r = np.random.default_rng(3)
    worst = 0.0
    for trial in range(20):
        geo = dict(stride=1 + trial % 3, padding=trial % 3, dilation=1 + trial % 2, groups=1 + trial % 2)
        x = _tensor(r, (2, 4, 13), 12, float(r.uniform(1e-4, 1.0)))
        w = _tensor(r, (6, 4 // geo["groups"], 3), 12, float(r.uniform(1e-4, 1.0)))
        b = _tensor(r, (6,), 16, float(r.uniform(1e-6, 1e-2)))
        geom = conv1d_geometry(x.mantissas.shape, w.mantissas.shape, **geo)
        y = sv.kernels.conv1d_forward(x, w, b, **geo)
        dot = _float64_conv(x.mantissas.astype(np.float64), w.mantissas.astype(np.float64), geom)
        sx_sw = float(x.scale) * float(w.scale)
        bias = b.mantissas.astype(np.float64)[None, :, None] * float(b.scale)
        ref = dot * sx_sw + bias
        got = y.mantissas.astype(np.float64) * float(y.scale)
        bound = 2.0 ** -22 * (np.abs(dot) * sx_sw + np.abs(bias)) + 0.51 * float(y.scale)
        assert np.all(np.abs(got - ref) <= bound)
        worst = max(worst, float(np.max(np.abs(got - ref) / bound)))
    assert worst > 0  # the comparison saw rounding at all


def _float64_conv_transpose(x: np.ndarray, w: np.ndarray, stride: int, padding: int, output_padding: int,
                            dilation: int, groups: int) -> np.ndarray:
    """ConvTranspose1d in float64 by its definition: every input tap scattered."""
    bsz, c_in, length = x.shape
    _, og, k = w.shape
    l_out = (length - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1
    out = np.zeros((bsz, og * groups, l_out))
    ig = c_in // groups
    for ci in range(c_in):
        g = ci // ig
        for t in range(length):
            for kk in range(k):
                j = t * stride - padding + kk * dilation
                if 0 <= j < l_out:
                    out[:, g * og:(g + 1) * og, j] += x[:, ci, t, None] * w[ci, :, kk]
    return out


def test_float64_reference_of_conv_transpose_within_the_stated_bound() -> None:
    """The same bound as Conv1d for ConvTranspose1d forward (its integer sum is
    exact too), against a float64 scatter written from the definition."""
    r = np.random.default_rng(5)
    worst = 0.0
    for trial in range(20):
        geo = dict(stride=1 + trial % 3, padding=trial % 2, dilation=1 + trial % 2, groups=1 + trial % 2)
        geo["output_padding"] = trial % max(geo["stride"], geo["dilation"])
        x = _tensor(r, (2, 4, 7), 12, float(r.uniform(1e-4, 1.0)))
        w = _tensor(r, (4, 6 // geo["groups"], 3), 12, float(r.uniform(1e-4, 1.0)))
        b = _tensor(r, (6,), 16, float(r.uniform(1e-6, 1e-2)))
        y = sv.kernels.conv_transpose1d_forward(x, w, b, **geo)
        dot = _float64_conv_transpose(x.mantissas.astype(np.float64), w.mantissas.astype(np.float64), **geo)
        sx_sw = float(x.scale) * float(w.scale)
        bias = b.mantissas.astype(np.float64)[None, :, None] * float(b.scale)
        got = y.mantissas.astype(np.float64) * float(y.scale)
        bound = 2.0 ** -22 * (np.abs(dot) * sx_sw + np.abs(bias)) + 0.51 * float(y.scale)
        assert got.shape == dot.shape
        assert np.all(np.abs(got - (dot * sx_sw + bias)) <= bound)
        worst = max(worst, float(np.max(np.abs(got - (dot * sx_sw + bias)) / bound)))
    assert worst > 0


# --------------------------------------------------------------------------- geometry errors
X = SymTensor(np.ones((1, 4, 6), dtype=np.int32), F32(1.0), 8)
W = SymTensor(np.ones((4, 2, 3), dtype=np.int32), F32(1.0), 8)
CONV_ERRORS = [
    (dict(padding=0, groups=2), SymTensor(np.ones((4, 2, 7), dtype=np.int32), F32(1.0), 8), "w"),   # K > L
    (dict(stride=0, groups=2), W, "stride"),
    (dict(dilation=-1, groups=2), W, "dilation"),
    (dict(groups=0), W, "groups"),
    (dict(groups=3), SymTensor(np.ones((3, 1, 3), dtype=np.int32), F32(1.0), 8), "groups"),   # 4 % 3
    (dict(groups=2, padding="same", stride=2), W, "padding"),
    (dict(groups=2, padding=(1,)), W, "padding"),
    (dict(groups=2, padding=-1), W, "padding"),
    (dict(groups=2, padding="full"), W, "padding"),
    (dict(groups=1), W, "w"),   # C_in/groups != w.shape[1]
]


@pytest.mark.parametrize("backend", BACKENDS, ids=["kernels", "emulate"])
@pytest.mark.parametrize("geo,w,argument", CONV_ERRORS)
def test_conv1d_geometry_errors_name_the_argument(backend: Any, geo: dict[str, Any], w: SymTensor,
                                                  argument: str) -> None:
    with pytest.raises(SymError) as exc:
        backend.conv1d_forward(X, w, **geo)
    assert exc.value.argument == argument
    assert exc.value.code in ("SYM_ERR_SHAPE", "SYM_ERR_EMPTY")
    value = tuple(w.mantissas.shape) if argument == "w" else geo[argument]
    assert f"argument {argument!r} = {value!r}:" in str(exc.value)  # the argument and its value


WT = SymTensor(np.ones((4, 1, 3), dtype=np.int32), F32(1.0), 8)
TRANSPOSE_ERRORS = [
    (dict(stride=2, output_padding=2), "output_padding"),
    (dict(stride=1, dilation=1, output_padding=1), "output_padding"),
    (dict(padding=9), "padding"),        # output length <= 0
    (dict(padding="same"), "padding"),
    (dict(groups=3), "groups"),
    (dict(stride=0), "stride"),
]


@pytest.mark.parametrize("backend", BACKENDS, ids=["kernels", "emulate"])
@pytest.mark.parametrize("geo,argument", TRANSPOSE_ERRORS)
def test_conv_transpose1d_geometry_errors(backend: Any, geo: dict[str, Any], argument: str) -> None:
    with pytest.raises(SymError) as exc:
        backend.conv_transpose1d_forward(X, WT, **geo)
    assert exc.value.argument == argument
    assert f"argument {argument!r} = {geo[argument]!r}:" in str(exc.value)  # the argument and its value


def test_lengths_whose_products_overflow() -> None:
    with pytest.raises(SymError) as exc:
        conv1d_geometry((1, 1, 2 ** 30), (1, 1, 3), padding=2 ** 30)
    assert exc.value.argument == "padding"
    with pytest.raises(SymError) as exc:
        conv1d_geometry((4096, 1024, 1024), (1, 1024, 1))
    assert exc.value.argument == "x"
    with pytest.raises(SymError) as exc:
        conv_transpose1d_geometry((1, 1, 2 ** 20), (1, 1, 3), stride=2 ** 12)
    assert exc.value.argument == "stride"
    with pytest.raises(SymError) as exc:
        conv1d_geometry((1, 1, 4), (1, 1, 2 ** 20), dilation=2 ** 12)
    assert exc.value.argument == "dilation"


def test_same_padding_puts_the_odd_extra_on_the_right() -> None:
    g = conv1d_geometry((1, 1, 8), (1, 1, 4), padding="same")
    assert (g.pad_left, g.pad_right, g.out_length) == (1, 2, 8)
    g = conv1d_geometry((1, 1, 8), (1, 1, 3), padding="same", dilation=3)
    assert (g.pad_left, g.pad_right, g.out_length) == (3, 3, 8)


# --------------------------------------------------------------------------- the C entry points
class _C:
    def __init__(self) -> None:
        self.ffi, self.lib = sv.kernels.ffi_lib()
        self.keep: list[Any] = []

    def cview(self, m: np.ndarray, scale: float, bits: int) -> Any:
        v = self.ffi.new("sym_cview *")
        v.m = self.ffi.cast("const int32_t *", self.ffi.from_buffer(m))
        v.n, v.scale, v.bits = int(m.size), scale, bits
        self.keep += [m, v]
        return v

    def view(self, m: np.ndarray, bits: int) -> Any:
        v = self.ffi.new("sym_view *")
        v.m = self.ffi.cast("int32_t *", self.ffi.from_buffer(m))
        v.n, v.scale, v.bits = int(m.size), -7.0, bits
        self.keep += [m, v]
        return v


def _geom_c(args: Any, **fields: int) -> None:
    base = dict(batch=1, in_channels=2, out_channels=2, in_length=5, out_length=3, kernel_size=3, stride=1,
                dilation=1, groups=1, pad_left=0, pad_right=0, output_padding=0)
    base.update(fields)
    for k, v in base.items():
        setattr(args.geom, k, v)


@pytest.mark.parametrize("field,value,arg", [("stride", 0, "geom.stride"), ("dilation", 0, "geom.dilation"),
                                             ("groups", 0, "geom.groups"), ("groups", 3, "geom.groups"),
                                             ("kernel_size", 9, "geom.kernel_size"),
                                             ("out_length", 4, "geom.out_length"),
                                             ("output_padding", 1, "geom.output_padding"),
                                             ("pad_left", -1, "geom.pad_left")])
def test_c_forward_geometry_error_fills_sym_err_and_writes_nothing(field: str, value: int, arg: str) -> None:
    c = _C()
    args = c.ffi.new("sym_conv1d_forward_args *")
    args.x = c.cview(np.ones(10, dtype=np.int32), 1.0, 8)[0]
    args.w = c.cview(np.ones(12, dtype=np.int32), 1.0, 8)[0]
    args.b = c.ffi.NULL
    _geom_c(args, **{field: value})
    y = np.full(6, 12345, dtype=np.int32)
    args.y = c.view(y, 32)
    err = c.ffi.new("sym_err *")
    status = c.lib.sym_conv1d_forward(args, err)
    assert status == c.lib.SYM_ERR_SHAPE and err.status == status
    assert c.ffi.string(err.arg).decode() == arg
    assert np.all(y == 12345) and args.y.scale == -7.0
    _geom_c(args)
    assert c.lib.sym_conv1d_forward(args, c.ffi.NULL) == 0  # the same call with good geometry works
    assert y.tolist() == [6] * 6


def _backward_args(c: _C, grad_w: np.ndarray, new_grad_w: np.ndarray, dy_bits: int = 12,
                   dy_value: int = 1, state: int = 99) -> tuple[Any, Any, np.ndarray]:
    args = c.ffi.new("sym_conv1d_backward_args *")
    args.x = c.cview(np.arange(10, dtype=np.int32) - 5, 0.5, 8)[0]
    args.w = c.cview(np.arange(12, dtype=np.int32) - 6, 0.25, 8)[0]
    args.dy = c.cview(np.full(6, dy_value, dtype=np.int32), 0.125, dy_bits)[0]
    args.grad_w = c.cview(grad_w, 0.01, 12)[0]
    args.grad_b = c.ffi.NULL
    args.dx_bits = 8
    _geom_c(args)
    rng = c.ffi.new("uint32_t[1]", [state])
    c.keep.append(rng)
    args.round.mode, args.round.order, args.round.rng_state = 1, 0, rng
    scratch = np.zeros(2 * 12 + 10, dtype=np.int32)
    c.keep.append(scratch)
    args.scratch = c.ffi.cast("int32_t *", c.ffi.from_buffer(scratch))
    args.n_scratch = scratch.size
    dx = np.full(10, 777, dtype=np.int32)
    args.dx = c.view(dx, 8)
    args.new_grad_w = c.view(new_grad_w, 12)
    args.new_grad_b = c.ffi.NULL
    return args, rng, dx


def test_c_backward_in_place_grad_w_equals_separate_output() -> None:
    c = _C()
    gw = (np.arange(12, dtype=np.int32) * 37) % 2000 - 1000
    out = np.zeros(12, dtype=np.int32)
    args, rng, dx = _backward_args(c, gw.copy(), out)
    assert c.lib.sym_conv1d_backward(args, c.ffi.NULL) == 0
    inplace = gw.copy()
    args2, rng2, dx2 = _backward_args(c, inplace, inplace)
    assert c.lib.sym_conv1d_backward(args2, c.ffi.NULL) == 0
    np.testing.assert_array_equal(inplace, out)
    np.testing.assert_array_equal(dx, dx2)
    assert rng[0] == rng2[0] != 99


def test_c_backward_late_failure_writes_nothing() -> None:
    """dx's sum overflows in step 3, after grad_w's accumulate succeeded in
    scratch: new_grad_w, dx and the RNG state stay untouched."""
    c = _C()
    gw = np.zeros(12, dtype=np.int32)
    out = np.full(12, 4242, dtype=np.int32)
    args, rng, dx = _backward_args(c, gw, out)
    big_w = np.full(12, 32767, dtype=np.int32)
    args.w = c.cview(big_w, 0.25, 16)[0]
    args.dy = c.cview(np.full(6, -32768, dtype=np.int32), 0.125, 16)[0]
    args.x = c.cview(np.zeros(10, dtype=np.int32), 0.5, 8)[0]
    err = c.ffi.new("sym_err *")
    assert c.lib.sym_conv1d_backward(args, err) == c.lib.SYM_ERR_INT_OVERFLOW
    assert c.ffi.string(err.arg).decode() == "dx" and err.index >= 0
    assert np.all(out == 4242) and np.all(dx == 777) and rng[0] == 99


# --------------------------------------------------------------------------- SR draw order
@pytest.mark.parametrize("backend", BACKENDS, ids=["kernels", "emulate"])
def test_backward_draws_grad_w_then_dx(backend: Any) -> None:
    r = np.random.default_rng(11)
    x = _tensor(r, (2, 2, 7), 8, 0.1)
    w = _tensor(r, (3, 2, 3), 8, 0.1)
    dy = _tensor(r, (2, 3, 5), 8, 0.1)
    gw = _tensor(r, (3, 2, 3), 12, 0.01)
    rng = Rng(2024)
    dx, new_gw, _ = backend.conv1d_backward(x, w, dy, gw, rounding=SR, rng_state=rng)
    _, after_w = sr_draws(Rng(2024).state, w.mantissas.size)
    _, after_all = sr_draws(after_w, x.mantissas.size)
    assert rng.state == after_all
    # grad_w is accumulated with the first n_w draws: the primitive on a hand-made dW
    geom = conv1d_geometry(x.mantissas.shape, w.mantissas.shape)
    patches = _unfold(x.mantissas, geom, 0).astype(np.int64)            # [(b, t), (ci, k)]
    dyt = dy.mantissas.transpose(1, 0, 2).reshape(3, -1).astype(np.int64)  # [co, (b, t)]
    dw = SymTensor((dyt @ patches).astype(np.int32).reshape(3, 2, 3), F32(F32(dy.scale) * F32(x.scale)), 32)
    first = Rng(2024)
    want = sv.kernels.accumulate_dynamic(gw, dw, SR, first)
    np.testing.assert_array_equal(want.mantissas, new_gw.mantissas)
    assert F32(want.scale) == F32(new_gw.scale) and first.state == after_w
