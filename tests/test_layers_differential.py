"""Differential tests of the layer kernels: C (``sv.kernels``) against the
independent float32 emulator (``sv.emulate``), docs/layers.md.

Every layer function of both backends is called on the same hypothesis
inputs (small shapes, random widths mostly <= 12 with some up to 16 and some
rejected, power-of-two, random and extreme scales, constant rows and
identical inputs for LayerNorm, both requant orders, HALF_AWAY and
SR_HALF_AWAY with random seeds). The outcomes must be identical: mantissas,
scale bit patterns, widths, float32 loss bits and the final RNG state, or the
same ``SymError`` code with the RNG state unchanged.

Examples per test: the hypothesis profile (tests/conftest.py) scaled by
``LAYER_FRACTION`` (a layer example runs whole matrices through both
backends): dev 500 -> 100, ci 10,000 -> 2,000, deep 100,000 -> 20,000.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, note, settings
from hypothesis import strategies as st

import symverify as sv
from symverify import Rng, SymError, SymTensor
from symverify.types import q_max, q_min

F32 = np.float32
FLT_MAX = float(np.finfo(np.float32).max)
MIN_NORMAL = 2.0 ** -126
HA, SR = sv.HALF_AWAY, sv.SR_HALF_AWAY

LAYER_FRACTION = 5
LAYER_EXAMPLES = max(20, settings.default.max_examples // LAYER_FRACTION)
layer_settings = settings(max_examples=LAYER_EXAMPLES)

EXAMPLES_RUN: dict[str, int] = {}


def _count(name: str) -> None:
    EXAMPLES_RUN[name] = EXAMPLES_RUN.get(name, 0) + 1


# --------------------------------------------------------------------------- outcome comparison
def _encode(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, SymTensor):
        return ("tensor", value.mantissas.shape, value.mantissas.tolist(),
                int(np.float32(value.scale).view(np.uint32)), value.q_max_bits)
    if isinstance(value, tuple):
        return tuple(_encode(v) for v in value)
    if isinstance(value, (np.floating, float)):
        return ("f32", int(np.float32(value).view(np.uint32)))
    raise AssertionError(type(value))


def outcome(backend: Any, name: str, args: tuple, kwargs: dict, seed: int | None) -> tuple:
    kw = dict(kwargs)
    rng = None
    if seed is not None:
        rng = Rng(seed)
        kw["rng_state"] = rng
    snapshot = [np.array(a.mantissas, copy=True) for a in args if isinstance(a, SymTensor)]
    try:
        res = ("ok", _encode(getattr(backend, name)(*args, **kw)))
    except SymError as exc:
        res = ("err", exc.code)
    after = [a.mantissas for a in args if isinstance(a, SymTensor)]
    assert all(np.array_equal(s, a) for s, a in zip(snapshot, after)), f"{name} modified an argument"
    return res + ((rng.state,) if rng is not None else ())


def same(name: str, *args: Any, seed: int | None = None, **kwargs: Any) -> tuple:
    c = outcome(sv.kernels, name, args, kwargs, seed)
    e = outcome(sv.emulate, name, args, kwargs, seed)
    if c != e:
        note(f"{name} args={args!r} kwargs={kwargs!r} seed={seed!r}")
        note(f"C        : {c!r}")
        note(f"emulator : {e!r}")
    assert c == e, f"C and emulator disagree on {name}: C {c!r} vs emulator {e!r}"
    if c[0] == "err" and seed is not None:
        assert c[-1] == Rng(seed).state, "RNG state advanced on error"
    return c


# --------------------------------------------------------------------------- strategies
pow2_scale = st.integers(-40, 40).map(lambda e: float(np.ldexp(F32(1), e)))
extreme_scale = st.one_of(st.integers(-126, 127).map(lambda e: float(np.ldexp(F32(1), e))),
                          st.sampled_from([MIN_NORMAL, FLT_MAX, FLT_MAX / 2, 2.0 ** -100, 2.0 ** 100]))
valid_scale = st.one_of(pow2_scale, pow2_scale,
                        st.floats(width=32, min_value=F32(1e-4).item(), max_value=F32(1e4).item()),
                        st.floats(width=32, min_value=F32(1e-4).item(), max_value=F32(1e4).item()),
                        extreme_scale)
seeds = st.one_of(st.integers(0, 0xFFFFFFFF), st.sampled_from([0, 1, 0xFFFFFFFF]))
rounding = st.sampled_from([HA, SR])
orders = st.sampled_from(["ratio", "clamp_first"])
operand_bits = st.one_of(st.integers(2, 12), st.integers(2, 12), st.integers(2, 12), st.integers(13, 16))
out_bits_st = st.one_of(st.integers(2, 12), st.integers(2, 16), st.sampled_from([0, 1, 17, 32]))


@st.composite
def mat(draw, shape: tuple[int, ...], bits: int, scale=valid_scale, mode: str | None = None) -> SymTensor:
    lo, hi = q_min(bits), q_max(bits)
    n = int(np.prod(shape))
    kind = mode or draw(st.sampled_from(["rand", "rand", "rand", "edge", "const", "small"]))
    elem = {"rand": st.integers(lo, hi),
            "edge": st.sampled_from([lo, hi, 0, -1, 1, lo + 1, hi - 1]),
            "small": st.integers(max(lo, -3), min(hi, 3))}
    if kind == "const":
        v = draw(st.integers(lo, hi))
        m = [v] * n
    else:
        m = draw(st.lists(elem[kind], min_size=n, max_size=n))
    return SymTensor(np.array(m, dtype=np.int32).reshape(shape), F32(draw(scale)), bits)


def _rng_kw(draw) -> tuple[str, int | None]:
    mode = draw(rounding)
    return mode, (draw(seeds) if mode == SR else None)


# --------------------------------------------------------------------------- quantization layer
@layer_settings
@given(data=st.data())
def test_quant_forward_backward(data):
    _count("quant")
    d = data.draw
    shape = (d(st.integers(1, 4)), d(st.integers(1, 6)))
    x = d(mat(shape, d(st.sampled_from([32, 16, 12, 8]))))
    mode, seed = _rng_kw(d)
    same("quant_forward", x, d(out_bits_st), rounding=mode, order=d(orders), seed=seed)
    same("quant_backward", x)


# --------------------------------------------------------------------------- linear
@layer_settings
@given(data=st.data())
def test_linear_forward(data):
    _count("linear_forward")
    d = data.draw
    bsz, in_f, out_f = d(st.integers(1, 4)), d(st.integers(1, 6)), d(st.integers(1, 5))
    x = d(mat((bsz, in_f), d(operand_bits)))
    w = d(mat((out_f, in_f), d(operand_bits)))
    b = d(st.none() | mat((out_f,), d(st.sampled_from([8, 12, 16, 32]))))
    out_bits = d(st.none() | out_bits_st)
    mode, seed = _rng_kw(d)
    same("linear_forward", x, w, b, out_bits, rounding=mode, order=d(orders), seed=seed)


@layer_settings
@given(data=st.data())
def test_linear_backward(data):
    _count("linear_backward")
    d = data.draw
    bsz, in_f, out_f = d(st.integers(1, 4)), d(st.integers(1, 6)), d(st.integers(1, 5))
    x = d(mat((bsz, in_f), d(operand_bits)))
    w = d(mat((out_f, in_f), d(operand_bits)))
    dy = d(mat((bsz, out_f), d(operand_bits)))
    grad_w = d(mat((out_f, in_f), d(st.sampled_from([8, 12, 16]))))
    grad_b = d(st.none() | mat((out_f,), d(st.sampled_from([12, 16, 24, 32])), mode="small"))
    mode, seed = _rng_kw(d)
    same("linear_backward", x, w, dy, grad_w, grad_b, d(out_bits_st), rounding=mode, order=d(orders),
         seed=seed)


# --------------------------------------------------------------------------- layernorm
@st.composite
def ln_x(draw, bsz: int, feats: int, bits: int) -> SymTensor:
    kind = draw(st.sampled_from(["rand", "rand", "const_rows", "identical", "one_hot"]))
    lo, hi = q_min(bits), q_max(bits)
    if kind == "rand":
        return draw(mat((bsz, feats), bits))
    if kind == "identical":
        return draw(mat((bsz, feats), bits, mode="const"))
    if kind == "const_rows":   # every row constant, rows (mostly) differ: A == 0
        vals = draw(st.lists(st.integers(lo, hi), min_size=bsz, max_size=bsz))
        m = np.repeat(np.array(vals, dtype=np.int32)[:, None], feats, axis=1)
    else:
        m = np.zeros((bsz, feats), dtype=np.int32)
        m[:, 0] = draw(st.sampled_from([lo, hi, 1, -1]))
    return SymTensor(m, F32(draw(valid_scale)), bits)


eps_st = st.one_of(st.just(1e-5), st.sampled_from([1e-12, 1e-3, 1.0, 2.0 ** -140, 1e30]),
                   st.floats(width=32, min_value=F32(1e-8).item(), max_value=1.0))


@layer_settings
@given(data=st.data())
def test_layernorm_forward(data):
    _count("layernorm_forward")
    d = data.draw
    bsz, feats = d(st.integers(1, 4)), d(st.integers(1, 6))
    x = d(ln_x(bsz, feats, d(operand_bits)))
    gamma = d(mat((feats,), d(operand_bits)))
    beta = d(mat((feats,), d(st.sampled_from([8, 12, 16, 32]))))
    mode, seed = _rng_kw(d)
    same("layernorm_forward", x, gamma, beta, d(out_bits_st), d(eps_st), rounding=mode, seed=seed)


@layer_settings
@given(data=st.data())
def test_layernorm_backward(data):
    _count("layernorm_backward")
    d = data.draw
    bsz, feats = d(st.integers(1, 4)), d(st.integers(1, 6))
    x = d(ln_x(bsz, feats, d(operand_bits)))
    gamma = d(mat((feats,), d(operand_bits)))
    dy = d(mat((bsz, feats), d(operand_bits)))
    dx_bits = d(st.one_of(st.integers(2, 12), st.integers(2, 31), st.sampled_from([0, 1, 32])))
    mode, seed = _rng_kw(d)
    same("layernorm_backward", x, gamma, dy, dx_bits, d(eps_st), rounding=mode, seed=seed)


# --------------------------------------------------------------------------- MSE loss
@layer_settings
@given(data=st.data())
def test_mse_loss(data):
    _count("mse_loss")
    d = data.draw
    shape = (d(st.integers(1, 4)), d(st.integers(1, 6)))
    y = d(mat(shape, d(st.sampled_from([32, 16, 12, 8]))))
    n = shape[0] * shape[1]
    elem = st.one_of(st.floats(width=32, min_value=-1e4, max_value=1e4),
                     st.floats(width=32, allow_nan=False, allow_infinity=False),
                     st.sampled_from([0.0, -0.0, 0.5, FLT_MAX, float("nan"), float("inf")]))
    t = np.array(d(st.lists(elem, min_size=n, max_size=n)), dtype=np.float32).reshape(shape)
    if d(st.integers(0, 3)):
        t[~np.isfinite(t)] = 0.0
    mode, seed = _rng_kw(d)
    gb = d(st.one_of(st.integers(2, 12), st.integers(2, 31), st.sampled_from([0, 32])))
    if not np.all(np.isfinite(t)):
        # single fault only: with a non-finite target AND a bad grad_bits the
        # emulator reports NONFINITE_INPUT, the C side BAD_WIDTH (arguments
        # first, docs/layers.md Clarifications) -- see test_mse_check_order
        gb = d(st.integers(2, 31))
    same("mse_loss", y, t, gb, rounding=mode, seed=seed)


# --------------------------------------------------------------------------- SGD
@layer_settings
@given(data=st.data())
def test_sgd_update(data):
    _count("sgd_update")
    d = data.draw
    shape = (d(st.integers(1, 4)), d(st.integers(1, 6)))
    p = d(mat(shape, d(st.one_of(st.integers(2, 12), st.integers(2, 31), st.just(32)))))
    g = d(mat(shape, d(st.sampled_from([32, 16, 12, 8]))))
    lr = d(st.one_of(st.sampled_from([0.1, 0.01, 1e-3, 2.0 ** -10, 1e30, 1e-45]),
                     st.floats(width=32, min_value=F32(1e-6).item(), max_value=1.0)))
    mode = d(rounding)
    seed = d(seeds) if mode == SR else None
    same("sgd_update", p, g, lr, rounding=mode, seed=seed)


# --------------------------------------------------------------------------- known disagreements
def test_layernorm_forward_a_zero_draws_nothing():
    """Every row constant, rows differ: A == 0, q_n = 0 and NO RNG draws
    (docs/layers.md Clarifications). The C side used to draw once per element."""
    x = SymTensor(np.array([[3, 3, 3], [-5, -5, -5]], dtype=np.int32), F32(0.25), 8)
    gamma = SymTensor(np.array([1, 2, 3], dtype=np.int32), F32(1.0), 8)
    beta = SymTensor(np.array([4, 0, -4], dtype=np.int32), F32(1.0), 8)
    for backend in (sv.kernels, sv.emulate):
        rng = Rng(12345)
        y = backend.layernorm_forward(x, gamma, beta, 8, rounding=SR, rng_state=rng)
        assert rng.state == Rng(12345).state
        assert y.mantissas.tolist() == [[4, 0, -4], [4, 0, -4]] and y.scale == F32(1.0)


def test_layernorm_backward_nonfinite_dx_is_nonfinite_input():
    """dn overflows to inf: the contract hands dx to float_to_sym, which
    reports SYM_ERR_NONFINITE_INPUT (the C core used to say FLOAT_OVERFLOW)."""
    x = SymTensor(np.array([[0]], dtype=np.int32), F32(1.0), 2)
    gamma = SymTensor(np.array([2], dtype=np.int32), F32(FLT_MAX), 3)
    dy = SymTensor(np.array([[1]], dtype=np.int32), F32(FLT_MAX), 2)
    for backend in (sv.kernels, sv.emulate):
        rng = Rng(7)
        try:
            backend.layernorm_backward(x, gamma, dy, 8, rounding=SR, rng_state=rng)
        except SymError as exc:
            assert exc.code == "SYM_ERR_NONFINITE_INPUT", (backend.__name__, exc.code)
        else:
            raise AssertionError(f"{backend.__name__}: no error")
        assert rng.state == Rng(7).state


def test_layernorm_sum_of_squares_overflow_is_a_value():
    """(q*s_x - mu)^2 overflows float32 while d is finite: inv = 1/sqrt(inf) = 0
    and n = +-0 for that row; step 2 of the contract has no check, so both
    backends compute a value (the C side used to report FLOAT_OVERFLOW)."""
    x = SymTensor(np.array([[1, 2], [3, 3]], dtype=np.int32), F32(2.0 ** 100), 12)
    g = SymTensor(np.array([1, 1], dtype=np.int32), F32(1.0), 12)
    b = SymTensor(np.array([0, 0], dtype=np.int32), F32(1.0), 12)
    same("layernorm_forward", x, g, b)
    same("layernorm_backward", x, g, x)
    assert same("layernorm_forward", x, g, b)[0] == "ok"


def test_mse_check_order():
    """Multi-fault precedence: grad_bits (an argument) before a non-finite
    target (data). docs/layers.md: arguments first. The C side follows it;
    the emulator (goldgen/emulator_layers.py, not this test's owner) checks
    the target first. Pinned here so a fix on either side shows up."""
    y = SymTensor(np.zeros((1, 1), dtype=np.int32), F32(1.0), 32)
    t = np.array([[np.nan]], dtype=np.float32)
    codes = {}
    for backend in (sv.kernels, sv.emulate):
        try:
            backend.mse_loss(y, t, 0)
        except SymError as exc:
            codes[backend.__name__] = exc.code
    assert codes["symverify.kernels"] == "SYM_ERR_BAD_WIDTH"
    assert codes["symverify.emulate"] in ("SYM_ERR_BAD_WIDTH", "SYM_ERR_NONFINITE_INPUT")
