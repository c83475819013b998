"""Pools, softmax and cross entropy: C vs emulator differentially (bit-exact,
statuses included), properties against independent references, the
portable exp / log against float64, errors and nothing-written-on-error at
the C entry points."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symverify as sv
from symverify.emulator import mathf32

EXAMPLES = max(50, settings.default.max_examples // 10)
layer_settings = settings(max_examples=EXAMPLES)


def _outcome(fn):
    try:
        return ("ok", fn())
    except sv.SymError as exc:
        return ("err", exc.code)


def _same(a, b) -> bool:
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, sv.SymTensor):
        return a.same_bits(b)
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, np.floating):
        return np.float32(a).view(np.uint32) == np.float32(b).view(np.uint32)
    return a == b


def _both(call):
    c, e = _outcome(lambda: call(sv.kernels)), _outcome(lambda: call(sv.emulate))
    assert c[0] == e[0] and _same(c[1], e[1]), (c, e)
    return c


@st.composite
def pool_input(draw, max_bits=16):
    bits = draw(st.integers(2, max_bits))
    b, c, length = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 9))
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    m = draw(st.lists(st.integers(lo, hi), min_size=b * c * length, max_size=b * c * length))
    scale = draw(st.sampled_from([1.0, 0.5, 0.3, 2.0 ** -120, 7.25]))
    return sv.SymTensor(np.array(m).reshape(b, c, length), scale, bits)


@st.composite
def window(draw):
    k = draw(st.integers(1, 4))
    stride = draw(st.one_of(st.none(), st.integers(1, 3)))
    dilation = draw(st.integers(1, 2))
    padding = draw(st.one_of(st.integers(0, 2), st.just("same")))
    return k, stride, padding, dilation


# ---------------------------------------------------------------- differential

@layer_settings
@given(x=pool_input(max_bits=32), w=window())
def test_maxpool_c_equals_emulator(x, w):
    k, s, p, d = w
    res = _both(lambda b: b.maxpool1d_forward(x, k, s, p, d))
    if res[0] == "ok":
        y, idx = res[1]
        _both(lambda b: b.maxpool1d_backward(y, idx, x.mantissas.shape[2]))


@layer_settings
@given(x=pool_input(), w=window(), inc=st.booleans())
def test_avgpool_c_equals_emulator(x, w, inc):
    k, s, p, d = w
    res = _both(lambda b: b.avgpool1d_forward(x, k, s, p, d, inc))
    if res[0] == "ok":
        _both(lambda b: b.avgpool1d_backward(res[1], x.mantissas.shape[2], k, s, p, d, inc))


@layer_settings
@given(x=pool_input(), out=st.integers(1, 12))
def test_adaptive_avgpool_c_equals_emulator(x, out):
    res = _both(lambda b: b.adaptive_avgpool1d_forward(x, out))
    if res[0] == "ok":
        _both(lambda b: b.adaptive_avgpool1d_backward(res[1], x.mantissas.shape[2]))


@st.composite
def logits(draw):
    bits = draw(st.integers(2, 16))
    b, c = draw(st.integers(1, 3)), draw(st.integers(1, 6))
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    m = draw(st.lists(st.integers(lo, hi), min_size=b * c, max_size=b * c))
    scale = draw(st.sampled_from([1.0, 0.01, 0.37, 2.0 ** -20, 3.0, 1e30]))
    return sv.SymTensor(np.array(m).reshape(b, c), scale, bits)


@layer_settings
@given(x=logits(), bits=st.integers(2, 16), sr=st.booleans(), seed=st.integers(0, 2**32 - 1),
       soft=st.booleans(), reduction=st.sampled_from(["mean", "sum"]))
def test_softmax_and_ce_c_equal_emulator(x, bits, sr, seed, soft, reduction):
    mode = sv.SR_HALF_AWAY if sr else sv.HALF_AWAY
    rngs = {}

    def sm(b):
        rngs[b] = sv.Rng(seed) if sr else None
        return b.softmax_forward(x, bits, mode, rngs[b])

    res = _both(sm)
    if sr:
        assert rngs[sv.kernels].state == rngs[sv.emulate].state
    if res[0] != "ok":
        return
    p = res[1]
    bsz, c = p.mantissas.shape
    rs = np.random.default_rng(seed)
    target = (rs.dirichlet(np.ones(c), size=bsz).astype(np.float32) if soft
              else rs.integers(0, c, size=bsz))
    _both(lambda b: b.cross_entropy_loss(p, target, bits, reduction, mode, sv.Rng(seed) if sr else None))


# ---------------------------------------------------------------- properties

@layer_settings
@given(x=pool_input(max_bits=32), w=window())
def test_maxpool_is_the_window_max_and_first_wins(x, w):
    k, s, p, d = w
    try:
        y, idx = sv.kernels.maxpool1d_forward(x, k, s, p, d)
    except sv.SymError:
        return
    m = x.mantissas.astype(np.int64)
    length = m.shape[2]
    s = k if s is None else s
    left = d * (k - 1) // 2 if p == "same" else p
    for o in range(y.mantissas.shape[2]):
        taps = [o * s - left + j * d for j in range(k)]
        real = [t for t in taps if 0 <= t < length]
        want = m[:, :, real].max(axis=2)
        assert np.array_equal(y.mantissas[:, :, o], want)
        first = np.array([[real[list(m[bi, ci, real]).index(want[bi, ci])] for ci in range(m.shape[1])]
                          for bi in range(m.shape[0])])
        assert np.array_equal(idx[:, :, o], first)
    assert y.scale == x.scale


@layer_settings
@given(x=pool_input(max_bits=12), dy=st.data(), w=window())
def test_avgpool_backward_is_the_adjoint_of_forward(x, dy, w):
    """<avg(x), dy> == <x, avg^T(dy)> in integers (count_include_pad: exact)."""
    k, s, p, d = w
    try:
        y = sv.kernels.avgpool1d_forward(x, k, s, p, d, True)
    except sv.SymError:
        return
    g = np.array(dy.draw(st.lists(st.integers(-100, 100), min_size=y.mantissas.size,
                                  max_size=y.mantissas.size))).reshape(y.mantissas.shape)
    dx = sv.kernels.avgpool1d_backward(sv.SymTensor(g, 1.0, 12), x.mantissas.shape[2], k, s, p, d, True)
    assert int((y.mantissas.astype(np.int64) * g).sum()) == int((x.mantissas.astype(np.int64)
                                                                  * dx.mantissas).sum())
    assert dx.scale == np.float32(np.float32(1.0) / np.float32(k))


@layer_settings
@given(x=pool_input(), out=st.integers(1, 12))
def test_adaptive_mean_matches_a_fraction_reference(x, out):
    from fractions import Fraction

    y = sv.kernels.adaptive_avgpool1d_forward(x, out)
    length = x.mantissas.shape[2]
    for o in range(out):
        lo, hi = (o * length) // out, -((-(o + 1) * length) // out)
        for bi in range(x.mantissas.shape[0]):
            for ci in range(x.mantissas.shape[1]):
                mean = Fraction(int(x.mantissas[bi, ci, lo:hi].sum()), hi - lo)
                want = math.floor(abs(mean) + Fraction(1, 2)) * (1 if mean >= 0 else -1)
                assert int(y.mantissas[bi, ci, o]) == want


@layer_settings
@given(x=logits())
def test_softmax_rows_sum_to_one_and_match_float64(x):
    try:
        p = sv.kernels.softmax_forward(x, 16)
    except sv.SymError:
        return
    q = p.mantissas.astype(np.float64) * float(p.scale)
    v = x.mantissas.astype(np.float64) * float(np.float32(x.scale))
    ref = np.exp(v - v.max(axis=1, keepdims=True))
    ref /= ref.sum(axis=1, keepdims=True)
    # 16-bit requant: half a step of the tensor scale, plus float32 core error
    bound = float(p.scale) * 0.5 + 1e-5
    assert np.max(np.abs(q - ref)) <= bound
    assert np.all(np.abs(q.sum(axis=1) - 1.0) <= x.mantissas.shape[1] * bound)


def test_softmax_rows_are_independent():
    """The upstream whole-tensor normalisation is caught: both rows give the same p."""
    x = sv.SymTensor(np.array([[1, 2, 3], [101, 102, 103]]), 1.0, 12)
    p = sv.kernels.softmax_forward(x)
    assert np.array_equal(p.mantissas[0], p.mantissas[1])


def test_cross_entropy_matches_float64():
    p = sv.SymTensor(np.array([[1200, 600, 247], [100, 1900, 47]]), 1.0 / 2047, 12)
    q = p.mantissas.astype(np.float64) / 2047.0
    loss, grad = sv.kernels.cross_entropy_loss(p, np.array([0, 1]), 16, "mean")
    ref = -(math.log(q[0, 0]) + math.log(q[1, 1])) / 2
    assert abs(float(loss) - ref) <= 4 * np.spacing(np.float32(ref))
    y = np.eye(3)[[0, 1]]
    assert np.max(np.abs(grad.mantissas * float(grad.scale) - (q - y) / 2)) <= float(grad.scale)


# ---------------------------------------------------------------- exp / log

def test_portable_exp_log_bit_exact_c_vs_numpy_and_ulp_bound():
    ffi, lib = sv.kernels.ffi_lib()
    rs = np.random.default_rng(7)
    x = np.concatenate([-rs.random(4000, dtype=np.float32) * 87, -rs.random(500, dtype=np.float32) * 1e-4,
                        np.float32([0.0, -0.0, -87.0, -86.99, -87.01, -1e-30, -np.inf, 5.0, 88.0])])
    c = np.array([lib.sym_expf(float(v)) for v in x], dtype=np.float32)
    e = mathf32.expf32(x)
    assert np.array_equal(c.view(np.uint32), e.view(np.uint32))
    used = x[(x >= -87) & (x <= 0)]
    assert mathf32.ulp_error(mathf32.expf32(used), used, np.exp).max() < 1.0
    assert c[x < -87].max() == 0.0
    y = np.exp(rs.uniform(math.log(1e-7), 0, 4000)).astype(np.float32)
    y = np.concatenate([y, np.float32([1e-7, 1.0, 0.5, 0.70710677, 0.7071068, 3e38, 1.17549435e-38])])
    c = np.array([lib.sym_logf(float(v)) for v in y], dtype=np.float32)
    assert np.array_equal(c.view(np.uint32), mathf32.logf32(y).view(np.uint32))
    assert mathf32.ulp_error(c, y, np.log).max() < 1.0


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("call,code,arg", [
    (lambda k: k.maxpool1d_forward(sv.SymTensor(np.ones((1, 1, 3), dtype=np.int32), 1.0, 12), 0), "SYM_ERR_SHAPE", "kernel_size"),
    (lambda k: k.maxpool1d_forward(sv.SymTensor(np.ones((1, 1, 3), dtype=np.int32), 1.0, 12), 2, padding="full"), "SYM_ERR_SHAPE",
     "padding"),
    (lambda k: k.maxpool1d_forward(sv.SymTensor(np.ones((1, 1, 3), dtype=np.int32), 1.0, 12), True), "SYM_ERR_BAD_TYPE",
     "kernel_size"),
    (lambda k: k.avgpool1d_forward(sv.SymTensor(np.ones((1, 1, 3), dtype=np.int32), 1.0, 12), 2, count_include_pad=1),
     "SYM_ERR_BAD_TYPE", "count_include_pad"),
    (lambda k: k.avgpool1d_forward(sv.SymTensor(np.ones((1, 1, 1), dtype=np.int32), 1.0, 16), 65536, 1, 32768),
     "SYM_ERR_RANGE_GUARD", "geom.kernel_size"),
    (lambda k: k.maxpool1d_backward(sv.SymTensor(np.ones((1, 1, 2), dtype=np.int32), 1.0, 12), np.array([[[0, 5]]]), 3),
     "SYM_ERR_SHAPE", "indices"),
    (lambda k: k.cross_entropy_loss(sv.SymTensor(np.ones((1, 2), dtype=np.int32), 0.5, 12), np.array([0]), reduction="none"),
     "SYM_ERR_BAD_TYPE", "reduction"),
    (lambda k: k.cross_entropy_loss(sv.SymTensor(np.ones((1, 2), dtype=np.int32), 0.5, 12), np.array([2])), "SYM_ERR_SHAPE",
     "target"),
    (lambda k: k.cross_entropy_loss(sv.SymTensor(np.ones((1, 2), dtype=np.int32), 0.5, 12), np.array(["a"])), "SYM_ERR_BAD_TYPE",
     "target"),
])
def test_named_errors_on_both_backends(call, code, arg):
    for k in (sv.kernels, sv.emulate):
        with pytest.raises(sv.SymError) as info:
            call(k)
        assert info.value.code == code
        assert info.value.argument == arg, (k.__name__, info.value)


def test_c_error_names_argument_and_element():
    with pytest.raises(sv.SymError) as info:
        sv.kernels.maxpool1d_backward(sv.SymTensor(np.array([[[2**30, 2**30]]]), 1.0, 32), np.array([[[1, 1]]]), 2)
    assert info.value.code == "SYM_ERR_INT_OVERFLOW" and info.value.argument == "dx" and info.value.value == 1
    assert "scatter-add" in str(info.value)


# ---------------------------------------------------------------- nothing written on error (C ABI)

SENT = 0x5A5A5A5A


def _sentinel(ffi, ctype, n):
    buf = ffi.new(f"{ctype}[{n}]")
    ffi.buffer(buf)[:] = bytes([0x5A]) * ffi.sizeof(buf)
    return buf


def _geom(ffi, **kw):
    g = {"batch": 1, "in_channels": 1, "out_channels": 1, "in_length": 2, "out_length": 1, "kernel_size": 2,
         "stride": 2, "dilation": 1, "groups": 1, "pad_left": 0, "pad_right": 0, "output_padding": 0}
    g.update(kw)
    return g


def test_pool_c_entry_points_write_nothing_on_error():
    ffi, lib = sv.kernels.ffi_lib()
    x = ffi.new("int32_t[2]", [1073741824, 1073741824])
    out = _sentinel(ffi, "int32_t", 4)
    scratch = _sentinel(ffi, "int32_t", 4)
    view = ffi.new("sym_view *", {"m": out, "n": 2, "scale": 7.0, "bits": 32})
    idx = ffi.new("int32_t[2]", [1, 1])
    err = ffi.new("sym_err *")
    args = ffi.new("sym_maxpool1d_backward_args *", {
        "dy": {"m": x, "n": 2, "scale": 1.0, "bits": 32}, "indices": idx, "n_indices": 2,
        "geom": _geom(ffi, in_length=2, out_length=2), "dx": view, "scratch": scratch, "n_scratch": 2})
    assert lib.sym_maxpool1d_backward(args, err) == lib.SYM_ERR_INT_OVERFLOW
    assert list(out) == [SENT] * 4 and view.scale == 7.0
    assert err.status == lib.SYM_ERR_INT_OVERFLOW and ffi.string(err.arg) == b"dx" and err.index == 1
    # avg forward: a window covering only padding, and the value-sum guard
    xs = ffi.new("int32_t[1]", [3])
    y = ffi.new("sym_view *", {"m": out, "n": 2, "scale": 7.0, "bits": 32})
    a = ffi.new("sym_avgpool1d_forward_args *", {
        "x": {"m": xs, "n": 1, "scale": 1.0, "bits": 16},
        "geom": _geom(ffi, in_length=1, out_length=2, kernel_size=65536, stride=1, pad_left=32768,
                      pad_right=32768), "count_include_pad": 1, "y": y})
    assert lib.sym_avgpool1d_forward(a, err) == lib.SYM_ERR_RANGE_GUARD
    assert ffi.string(err.arg) == b"geom.kernel_size" and b"value-sum" in ffi.string(err.reason)
    assert list(out) == [SENT] * 4 and y.scale == 7.0
    # adaptive: in_length * out_length must fit int32 (checked before any buffer is touched)
    b = ffi.new("sym_adaptive_avgpool1d_forward_args *", {
        "x": {"m": xs, "n": 1, "scale": 1.0, "bits": 12}, "geom": _geom(ffi, in_length=1 << 16, out_length=1 << 16),
        "y": y})
    assert lib.sym_adaptive_avgpool1d_forward(b, err) == lib.SYM_ERR_SHAPE
    assert ffi.string(err.arg) == b"geom.out_length"
    assert lib.sym_maxpool1d_forward(ffi.NULL, ffi.NULL) == lib.SYM_ERR_NULL


def test_softmax_c_entry_points_write_nothing_on_error():
    ffi, lib = sv.kernels.ffi_lib()
    p = ffi.new("int32_t[2]", [0, 2047])
    out = _sentinel(ffi, "int32_t", 2)
    fs = ffi.new("float[2]")
    g = ffi.new("sym_view *", {"m": out, "n": 2, "scale": 7.0, "bits": 12})
    loss = ffi.new("float[1]", [9.0])
    tp = ffi.new("float[2]", [3e38, 0.0])
    state = ffi.new("uint32_t[1]", [12345])
    err = ffi.new("sym_err *")
    args = ffi.new("sym_cross_entropy_loss_args *", {
        "p": {"m": p, "n": 2, "scale": 1.0 / 2047, "bits": 12}, "batch": 1, "classes": 2,
        "target_index": ffi.NULL, "target_prob": tp, "n_target": 2, "grad_bits": 8, "reduction": 0,
        "round": {"mode": 1, "order": 0, "rng_state": state}, "loss": loss, "grad": g, "fscratch": fs,
        "n_fscratch": 2})
    assert lib.sym_cross_entropy_loss(args, err) == lib.SYM_ERR_FLOAT_OVERFLOW
    assert ffi.string(err.arg) == b"loss"
    assert list(out) == [SENT] * 2 and g.scale == 7.0 and loss[0] == 9.0 and state[0] == 12345
    tp[0] = 1.0
    assert lib.sym_cross_entropy_loss(args, err) == 0
    assert state[0] != 12345 and loss[0] != 9.0
