"""Differential tests: the C kernels (``sv.kernels``) against the independent
float32 emulator (``sv.emulate``), for every kernel of the API.

Outcomes must match exactly: mantissas, scale bit pattern, width, final RNG
state, or the same ``SymError`` code.

Speed: hypothesis draws only the *structure* of an example (kernel arguments
such as width, rounding, order, SR seed, the input family, a batch seed); the
elements of the batch (8..32 values) come from a numpy generator seeded by
that batch seed, through adversarial element distributions: exact .5 ties
(power-of-two scales make ``x / scale`` and ``m * r`` exact halves), their
float32 neighbours, random bit patterns, huge and tiny magnitudes,
subnormals, accumulator-range mantissas, declared-width edges. One example
therefore exercises a whole batch on both backends for about one hypothesis
draw per argument, and a failure is reproducible from the printed arguments
(every input is also printed with ``note``).

Examples per test come from the hypothesis profile (tests/conftest.py):
HYPOTHESIS_PROFILE=ci gives 10,000 per test. ``EXAMPLES_RUN`` counts them and
conftest prints the counts at the end of the session.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

import symverify as sv
from _precedence import precedence_outcome
from symverify import Rng, SymError, SymTensor
from symverify.types import q_max, q_min

F32 = np.float32
FLT_MAX = float(np.finfo(np.float32).max)
MIN_NORMAL = 2.0 ** -126
HA, SR = sv.HALF_AWAY, sv.SR_HALF_AWAY
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
GUARD = 1073774464  # largest float32 <= 2^31 - 1 - 32768 * 32767 (the rescale guard)

EXAMPLES_RUN: dict[str, int] = {}


def _count(name: str) -> None:
    EXAMPLES_RUN[name] = EXAMPLES_RUN.get(name, 0) + 1


# --------------------------------------------------------------------------- outcome comparison
def _encode(value: Any) -> Any:
    if isinstance(value, SymTensor):
        return ("tensor", value.mantissas.tolist(), int(value.scale.view(np.uint32)), value.q_max_bits)
    if isinstance(value, np.ndarray):
        assert value.dtype == np.float32, value.dtype
        return ("f32", value.view(np.uint32).tolist())
    assert isinstance(value, (int, np.integer)) and not isinstance(value, bool), type(value)
    return ("int", int(value))


def outcome(backend: Any, name: str, args: tuple, kwargs: dict, seed: int | None) -> tuple:
    kw = dict(kwargs)
    rng = None
    if seed is not None:
        rng = Rng(seed)
        kw["rng_state"] = rng
    try:
        res = ("ok", _encode(getattr(backend, name)(*args, **kw)))
    except SymError as exc:
        res = ("err", exc.code)
    return res + ((f"rng=0x{rng.state:08X}",) if rng is not None else ())


def same(name: str, *args: Any, seed: int | None = None, **kwargs: Any) -> tuple:
    c = outcome(sv.kernels, name, args, kwargs, seed)
    e = outcome(sv.emulate, name, args, kwargs, seed)
    if c != e:
        note(f"{name} args={args!r} kwargs={kwargs!r} rng seed={seed!r}")
        note(f"C        : {c!r}")
        note(f"emulator : {e!r}")
    assert c == e, f"C and emulator disagree on {name}{args!r} {kwargs!r} seed={seed!r}: C {c!r} vs emulator {e!r}"
    return c


# --------------------------------------------------------------------------- numpy element generators
def _f32_from_bits(bits: np.ndarray) -> np.ndarray:
    return np.asarray(bits, dtype=np.uint32).view(np.float32)


SPECIAL_F32 = np.array([0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 8388606.5, -8388606.5, FLT_MAX, -FLT_MAX,
                        MIN_NORMAL, -MIN_NORMAL, 2147483520.0, -2147483520.0, 2147483648.0, -2147483648.0,
                        float(np.nextafter(F32(0.5), F32(0))), float(np.nextafter(F32(-0.5), F32(0)))],
                       dtype=np.float32)


def ties(g: np.random.Generator, n: int, max_bits: int = 23, exp: tuple[int, int] = (-20, 20)) -> np.ndarray:
    """Exact float32 ties (k + 0.5) * 2^e with log-uniform |k|."""
    mag = np.left_shift(np.int64(1), g.integers(0, max_bits + 1, n))
    k = g.integers(-mag, mag)
    e = g.integers(exp[0], exp[1] + 1, n)
    return np.ldexp(k + 0.5, e).astype(np.float32)


def nudge(g: np.random.Generator, x: np.ndarray, p: float = 0.3) -> np.ndarray:
    """Move a fraction p of the elements one float32 ulp up or down."""
    x = np.array(x, dtype=np.float32)
    pick = g.random(x.size) < p
    direction = np.where(g.random(x.size) < 0.5, F32(np.inf), F32(-np.inf)).astype(np.float32)
    x[pick] = np.nextafter(x[pick], direction[pick])
    return x


def adversarial_f32(g: np.random.Generator, n: int) -> np.ndarray:
    """n finite float32 values mixed from adversarial categories."""
    cat = g.integers(0, 8, n)
    out = np.empty(n, dtype=np.float32)
    bits = g.integers(0, 1 << 32, n, dtype=np.uint64).astype(np.uint32)
    finite_bits = _f32_from_bits(bits & np.uint32(0xFF7FFFFF))              # exponent never all-ones
    cand = [
        finite_bits,                                                         # any finite pattern
        ties(g, n),                                                          # exact ties
        nudge(g, ties(g, n), 1.0),                                           # neighbours of ties
        g.integers(-(1 << 24), 1 << 24, n).astype(np.float32),               # integers
        _f32_from_bits((bits & np.uint32(0x80FFFFFF)) | np.uint32(0x7E000000)),   # huge (>= 2^125)
        _f32_from_bits(bits & np.uint32(0x807FFFFF)),                        # subnormals and zeros
        SPECIAL_F32[g.integers(0, SPECIAL_F32.size, n)],                     # specials
        g.uniform(-10, 10, n).astype(np.float32),                            # ordinary
    ]
    for i, c in enumerate(cand):
        out[cat == i] = c[cat == i]
    return out


def log_int(g: np.random.Generator, n: int, lo: int, hi: int, edge_p: float = 0.15) -> np.ndarray:
    """n ints in [lo, hi], log-uniform magnitudes, with lo/hi/0/+-1 edges mixed in."""
    mag = np.left_shift(np.int64(1), g.integers(0, 33, n))
    v = np.clip(g.integers(-mag, mag), lo, hi)
    edges = np.array([lo, hi, 0, max(lo, -1), min(hi, 1), lo + 1, hi - 1], dtype=np.int64)
    pick = g.random(n) < edge_p
    v[pick] = edges[g.integers(0, edges.size, n)][pick]
    return v.astype(np.int32)


def pow2(e: int) -> F32:
    return F32(np.ldexp(F32(1), int(e)))


def random_scale(g: np.random.Generator) -> F32:
    """A valid scale: power of two, any normal pattern, huge, tiny or ordinary."""
    kind = g.integers(0, 5)
    if kind == 0:
        return pow2(g.integers(-126, 128))
    if kind == 1:
        return _f32_from_bits(np.array([g.integers(0x00800000, 0x7F800000)]))[0]
    if kind == 2:
        return F32([FLT_MAX, FLT_MAX / 2, MIN_NORMAL, 1.0][g.integers(0, 4)])
    if kind == 3:
        return F32(g.uniform(1e-4, 1e4))
    return F32(g.uniform(0.5, 2.0))


def tensor(g: np.random.Generator, bits: int, n: int, scale: F32 | None = None) -> SymTensor:
    return SymTensor(log_int(g, n, q_min(bits), q_max(bits)), random_scale(g) if scale is None else scale, bits)


# --------------------------------------------------------------------------- hypothesis structure
batch_seed = st.integers(0, 2 ** 63 - 1)
sr_seeds = st.one_of(st.integers(0, 0xFFFFFFFF), st.sampled_from([0, 1, 0xF2B58529, 0x5E6CFCE7, 0xFFFFFFFF]))
rounding = st.sampled_from([HA, SR])
out_width = st.one_of(st.integers(2, 16), st.integers(2, 16), st.sampled_from([-1, 0, 1, 17, 31, 32, 33]))
conv_width = st.one_of(st.integers(2, 31), st.integers(2, 31), st.sampled_from([-1, 0, 1, 32, 33]))
sizes = st.integers(1, 32)


# --------------------------------------------------------------------------- round_half_away
@given(seed=batch_seed, n=st.integers(1, 24))
def test_round_half_away(seed, n):
    _count("round_half_away")
    g = np.random.default_rng(seed)
    xs = [float(v) for v in adversarial_f32(g, n)]
    # doubles that are not float32 (converted first), out-of-range and non-finite values
    xs += [float(g.uniform(-3e9, 3e9)), float(ties(g, 1)[0]) + float(g.choice([-1e-9, 1e-9])),
           float(g.choice([np.nan, np.inf, -np.inf, 2.0 ** 31, -(2.0 ** 31) - 256, 2147483647.0]))]
    for x in xs:
        same("round_half_away", x)


# --------------------------------------------------------------------------- float_to_sym
@given(bits=conv_width, n=sizes, shape=st.sampled_from(["free", "tie", "tie", "scaled"]),
       mode=rounding, rng_seed=sr_seeds, seed=batch_seed, fault=st.integers(0, 40))
def test_float_to_sym(bits, n, shape, mode, rng_seed, seed, fault):
    _count("float_to_sym")
    g = np.random.default_rng(seed)
    if shape == "tie" and 2 <= bits <= 24:
        # absmax = qMax * 2^e -> scale = 2^e exactly -> x / scale = k + 0.5 exactly
        qm = q_max(bits)
        e = int(g.integers(-100, 100))
        k = g.integers(-qm, qm, n)
        frac = g.choice([0.0, 0.5, 0.5, 0.25], n)
        v = (k + frac).astype(np.float64)
        v[0] = qm * g.choice([1, -1])
        x = nudge(g, np.ldexp(v, e).astype(np.float32), 0.15)
    elif shape == "scaled":
        with np.errstate(over="ignore", invalid="ignore"):
            x = (adversarial_f32(g, n) * F32(g.choice([1e-30, 1e-20, 1.0, 1e20]))).astype(np.float32)
        x[~np.isfinite(x)] = 1.0
    else:
        x = adversarial_f32(g, n)
    if fault == 0:
        x[g.integers(0, n)] = g.choice([np.nan, np.inf, -np.inf])     # NONFINITE_INPUT
    elif fault == 1:
        x = x[:0]                                                     # EMPTY (wins over a bad width)
    note(f"x bits: {[f'0x{b:08X}' for b in x.view(np.uint32)]}")
    same("float_to_sym", x, bits, rounding=mode, seed=rng_seed if mode == SR else None)


# --------------------------------------------------------------------------- sym_to_float / int_to_sym
@given(bits=st.integers(2, 32), n=sizes, seed=batch_seed, huge=st.booleans())
def test_sym_to_float(bits, n, seed, huge):
    _count("sym_to_float")
    g = np.random.default_rng(seed)
    scale = F32(FLT_MAX / float(g.choice([1, 2, 1000, 32767, 2 ** 31]))) if huge else None
    same("sym_to_float", tensor(g, bits, n, scale))


@given(n=sizes, seed=batch_seed)
def test_int_to_sym(n, seed):
    _count("int_to_sym")
    g = np.random.default_rng(seed)
    same("int_to_sym", log_int(g, n, INT32_MIN, INT32_MAX))


# --------------------------------------------------------------------------- requant_dynamic
def requant_input(g: np.random.Generator, shape: str, bits_out: int, n: int) -> SymTensor:
    if shape == "tie" and 2 <= bits_out <= 16:
        # one element +-qMax_out * 2^j, power-of-two scale: s_out = 2^(j+e), r = 2^-j exactly
        qm = q_max(bits_out)
        j = int(g.integers(1, 15))
        big = qm << j
        m = g.integers(-big, big + 1, n)
        m[0] = big * g.choice([1, -1])
        return SymTensor(m.astype(np.int32), pow2(g.integers(-60, 60)), 32)
    if shape == "acc":
        return SymTensor(log_int(g, n, INT32_MIN, INT32_MAX), F32(1.0), 32)    # as int_to_sym gives
    if shape == "tiny":
        return tensor(g, int(g.integers(2, 33)), n, pow2(g.integers(-126, -100)))
    return tensor(g, int(g.integers(2, 33)), n)


requant_shape = st.sampled_from(["tie", "tie", "acc", "free", "tiny"])


@given(bits=out_width, n=sizes, shape=requant_shape, mode=rounding, rng_seed=sr_seeds, seed=batch_seed)
def test_requant_dynamic_ratio(bits, n, shape, mode, rng_seed, seed):
    _count("requant_dynamic[ratio]")
    t = requant_input(np.random.default_rng(seed), shape, bits, n)
    same("requant_dynamic", t, bits, rounding=mode, order="ratio", seed=rng_seed if mode == SR else None)


@given(bits=out_width, n=sizes, shape=requant_shape, mode=rounding, rng_seed=sr_seeds, seed=batch_seed)
def test_requant_dynamic_clamp_first(bits, n, shape, mode, rng_seed, seed):
    _count("requant_dynamic[clamp_first]")
    t = requant_input(np.random.default_rng(seed), shape, bits, n)
    same("requant_dynamic", t, bits, rounding=mode, order="clamp_first", seed=rng_seed if mode == SR else None)


# --------------------------------------------------------------------------- requant_fixed
BAD_SCALES = [0.0, -0.0, -1.0, float("nan"), float("inf"), float("-inf"), 1e-45, 1e-40]


@given(bits=out_width, n=sizes, shape=st.sampled_from(["pow2", "pow2", "free", "badtarget"]), mode=rounding,
       rng_seed=sr_seeds, seed=batch_seed, bad_mode=st.integers(0, 20))
def test_requant_fixed(bits, n, shape, mode, rng_seed, seed, bad_mode):
    _count("requant_fixed")
    g = np.random.default_rng(seed)
    if shape == "pow2":
        # power-of-two ratio s_in / target: exact ties, saturation at both ends
        e = int(g.integers(-60, 60))
        t = SymTensor(log_int(g, n, INT32_MIN, INT32_MAX), pow2(e), 32)
        target = float(pow2(e + int(g.integers(-3, 21))))
    else:
        t = tensor(g, int(g.integers(2, 33)), n)
        target = float(random_scale(g))
        if shape == "badtarget" and 2 <= bits <= 16:
            target = float(g.choice(BAD_SCALES))                       # BAD_SCALE as the only fault
    if bad_mode == 0 and 2 <= bits <= 16 and shape != "badtarget":
        mode = "bogus"                                                 # BAD_ROUNDING as the only fault
    same("requant_fixed", t, target, bits, rounding=mode, seed=rng_seed if mode == SR else None)


# --------------------------------------------------------------------------- rescale_to_acc
@given(seed=batch_seed, n=st.integers(1, 24))
def test_rescale_to_acc(seed, n):
    _count("rescale_to_acc")
    g = np.random.default_rng(seed)
    for _ in range(n):
        kind = g.integers(0, 4)
        if kind == 0:      # near the guard, power-of-two scales
            e = int(g.integers(0, 11))
            q = int(g.choice([1, -1]) * ((GUARD >> e) + int(g.integers(-300, 301))))
            sp, sa = pow2(e + int(g.integers(-5, 6))), pow2(g.integers(-5, 6))
        elif kind == 1:    # exact ties: s_p / s_acc = 2^-j
            j = int(g.integers(1, 9))
            e = int(g.integers(-40, 41))
            q = int(log_int(g, 1, -(1 << 23), 1 << 23)[0])
            sp, sa = pow2(e), pow2(e + j)
        elif kind == 2:    # any int32, any valid scales
            q = int(log_int(g, 1, INT32_MIN, INT32_MAX)[0])
            sp, sa = random_scale(g), random_scale(g)
        else:              # invalid scales
            q = int(log_int(g, 1, -40000, 40000)[0])
            sp, sa = random_scale(g), F32(g.choice(BAD_SCALES))
            if g.random() < 0.5:
                sp, sa = sa, sp
        same("rescale_to_acc", q, float(sp), float(sa))


# --------------------------------------------------------------------------- accumulate_dynamic
@given(bits=st.one_of(st.integers(2, 16), st.integers(2, 16), st.sampled_from([17, 24, 32])), n=sizes,
       shape=st.sampled_from(["pow2", "pow2", "free", "huge", "tiny"]), inc_bits=st.integers(2, 32),
       mode=st.sampled_from([HA, SR, SR]), rng_seed=sr_seeds, seed=batch_seed, fault=st.integers(0, 20))
def test_accumulate_dynamic(bits, n, shape, inc_bits, mode, rng_seed, seed, fault):
    _count("accumulate_dynamic")
    g = np.random.default_rng(seed)
    # a length mismatch (wins over a bad target width: test_error_precedence)
    n_inc = n if fault else int(g.integers(1, 33))
    if shape == "pow2":   # exact products and sums, many exact ties after the division
        e = int(g.integers(-40, 41))
        target = tensor(g, bits, n, pow2(e))
        inc = tensor(g, inc_bits, n_inc, pow2(e + int(g.integers(-6, 7))))
    elif shape == "huge":
        target = tensor(g, bits, n, F32(FLT_MAX / float(g.choice([1, 2, 3, 32767]))))
        inc = tensor(g, inc_bits, n_inc, F32(FLT_MAX / float(g.choice([1, 2, 3, 32767]))))
    elif shape == "tiny":
        target = tensor(g, bits, n, pow2(g.integers(-126, -110)))
        inc = tensor(g, inc_bits, n_inc, pow2(g.integers(-126, -110)))
    else:
        target, inc = tensor(g, bits, n), tensor(g, inc_bits, n_inc)
    same("accumulate_dynamic", target, inc, rounding=mode, seed=rng_seed if mode == SR else None)


# --------------------------------------------------------------------------- accumulate_fixed
@given(bits=st.integers(2, 32), n=sizes, shape=st.sampled_from(["edge", "edge", "pow2", "free"]),
       inc_bits=st.integers(2, 32), seed=batch_seed, fault=st.integers(0, 20))
def test_accumulate_fixed(bits, n, shape, inc_bits, seed, fault):
    _count("accumulate_fixed")
    g = np.random.default_rng(seed)
    n_inc = n if fault else int(g.integers(1, 33))
    lo, hi = q_min(bits), q_max(bits)
    if shape == "edge":   # sums that just fit or just overflow the declared width
        t = g.choice(np.array([hi, lo, hi - 1, lo + 1, 0], dtype=np.int64), n).astype(np.int32)
        s = pow2(g.integers(-20, 21))
        target = SymTensor(t, s, bits)
        inc = SymTensor(g.integers(-3, 4, n_inc).astype(np.int32), F32(s * F32(g.choice([1, 1, 2, 4, 0.5]))), 32)
    elif shape == "pow2":  # exact ratios: rescale ties, guard boundary
        e = int(g.integers(-30, 31))
        target = tensor(g, bits, n, pow2(e))
        inc = tensor(g, inc_bits, n_inc, pow2(e + int(g.integers(-8, 3))))
    else:
        target, inc = tensor(g, bits, n), tensor(g, inc_bits, n_inc)
    same("accumulate_fixed", target, inc)


# --------------------------------------------------------------------------- argument validation
@given(bits=out_width, order=st.sampled_from(["ratio", "clamp_first", "bogus"]),
       mode=st.sampled_from([HA, SR, "bogus"]), rng_seed=sr_seeds, seed=batch_seed)
def test_requant_dynamic_arguments(bits, order, mode, rng_seed, seed):
    """Bad orders, modes and widths (alone and combined) give the same code."""
    _count("requant_dynamic[arguments]")
    t = tensor(np.random.default_rng(seed), 12, 4)
    same("requant_dynamic", t, bits, rounding=mode, order=order, seed=rng_seed if mode == SR else None)


# --------------------------------------------------------------------------- error precedence
# docs/semantics.md, Errors: the Python API of both backends reports the first
# failing group of this list (1 types, 2 empty, 3 shapes, 4 widths, 5 rounding,
# 6 order, 7 rng, 8 scalar parameters, 9 data). A multi-fault call injects at
# most one fault per group; the expected code is the one of the lowest group.
TYPE, EMPTY, SHAPE, WIDTH, ROUND, ORDER, RNG, SCALE, DATA = range(1, 10)

def _faulty_call(draw, kind: str) -> tuple[tuple, dict, Any, dict[int, str]]:
    """(args, kwargs, rng_spec, {group: code}) with a random non-empty set of faults."""
    groups = {
        "float_to_sym": [TYPE, EMPTY, WIDTH, ROUND, RNG, DATA],
        "int_to_sym": [TYPE, EMPTY, DATA],
        "requant_dynamic": [TYPE, WIDTH, ROUND, ORDER, RNG, DATA],
        "requant_fixed": [TYPE, WIDTH, ROUND, RNG, SCALE],
        "rescale_to_acc": [TYPE, ROUND, SCALE, DATA],
        "accumulate_dynamic": [TYPE, SHAPE, WIDTH, ROUND, RNG, DATA],
        "accumulate_fixed": [TYPE, SHAPE, ROUND, DATA],
    }[kind]
    faults = set(draw(st.lists(st.sampled_from(groups), min_size=1, max_size=len(groups), unique=True)))
    codes: dict[int, str] = {}
    mode = draw(rounding)
    if ROUND in faults:
        mode = draw(st.sampled_from(["bogus", None, 3] + ([SR] if kind in ("rescale_to_acc", "accumulate_fixed")
                                                           else [])))
        codes[ROUND] = "SYM_ERR_BAD_ROUNDING"
    if kind in ("rescale_to_acc", "accumulate_fixed") and ROUND not in faults:
        mode = HA
    rng_spec: Any = draw(sr_seeds) if mode == SR else None
    if RNG in faults:
        rng_spec = draw(st.sampled_from(["junk", None])) if mode == SR else "junk"
        codes[RNG] = "SYM_ERR_NULL" if mode == SR else "SYM_ERR_BAD_RNG"   # SR needs an Rng
    kw: dict[str, Any] = {"rounding": mode}
    bad_width = draw(st.sampled_from([-1, 0, 1, 17, 32, 33]))
    if WIDTH in faults:
        codes[WIDTH] = "SYM_ERR_BAD_WIDTH"
    if kind == "float_to_sym":
        x = np.array([0.5, -1.25, 3.0], dtype=np.float32)
        if DATA in faults:
            x[draw(st.integers(0, 2))] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
            codes[DATA] = "SYM_ERR_NONFINITE_INPUT"
        if TYPE in faults:
            x = x.astype(str)
            codes[TYPE] = "SYM_ERR_BAD_TYPE"
        if EMPTY in faults:
            x = x[:0]
            codes[EMPTY] = "SYM_ERR_EMPTY"
        bits = (bad_width if bad_width != 17 else 32) if WIDTH in faults else draw(st.integers(2, 31))
        return (x, bits), kw, rng_spec, codes
    if kind == "int_to_sym":
        m = np.array([1, -2, 3], dtype=np.int64)
        if DATA in faults:
            m[draw(st.integers(0, 2))] = draw(st.sampled_from([1 << 31, -(1 << 31) - 1, 1 << 40]))
            codes[DATA] = "SYM_ERR_INT_OVERFLOW"
        if TYPE in faults:
            m = m.astype(np.float32)
            codes[TYPE] = "SYM_ERR_BAD_TYPE"
        if EMPTY in faults:
            m = m[:0]
            codes[EMPTY] = "SYM_ERR_EMPTY"
        return (m,), {}, None, codes
    if kind in ("requant_dynamic", "requant_fixed"):
        t: Any = SymTensor(np.array([5, -7, 1], dtype=np.int32), F32(0.5), 12)
        if DATA in faults:   # requant_dynamic only: |m * s_in| overflows float32
            t = SymTensor(np.array([INT32_MAX, 1, -3], dtype=np.int32), F32(FLT_MAX), 32)
            codes[DATA] = "SYM_ERR_FLOAT_OVERFLOW"
        if TYPE in faults:
            t = draw(st.sampled_from([1, None, np.zeros(3, dtype=np.int32)]))
            codes[TYPE] = "SYM_ERR_BAD_TYPE"
        bits = bad_width if WIDTH in faults else draw(st.integers(2, 16))
        if kind == "requant_dynamic":
            kw["order"] = draw(st.sampled_from(["ratio", "clamp_first"]))
            if ORDER in faults:
                kw["order"] = draw(st.sampled_from(["bogus", None]))
                codes[ORDER] = "SYM_ERR_BAD_ORDER"
            return (t, bits), kw, rng_spec, codes
        target = draw(st.sampled_from(BAD_SCALES)) if SCALE in faults else 0.25
        if SCALE in faults:
            codes[SCALE] = "SYM_ERR_BAD_SCALE"
        return (t, target, bits), kw, rng_spec, codes
    if kind == "rescale_to_acc":
        q: Any = 3
        sp, sa = 0.5, 0.25
        if DATA in faults:   # guard: 2^31 / 1 > 1073774591
            q, sp, sa = draw(st.sampled_from([INT32_MAX, INT32_MIN])), 1.0, 0.5
            codes[DATA] = "SYM_ERR_RANGE_GUARD"
        if TYPE in faults:
            q = draw(st.sampled_from([1.5, "3", None, 1 << 31, -(1 << 40)]))
            codes[TYPE] = "SYM_ERR_BAD_TYPE" if not isinstance(q, int) else "SYM_ERR_INT_OVERFLOW"
        if SCALE in faults:
            bad = draw(st.sampled_from(BAD_SCALES))
            sp, sa = (bad, sa) if draw(st.booleans()) else (sp, bad)
            codes[SCALE] = "SYM_ERR_BAD_SCALE"
        return (q, sp, sa), kw, None, codes
    # accumulate_dynamic / accumulate_fixed
    tbits = 12
    if WIDTH in faults:  # accumulate_dynamic only: the target's width must be 2..16
        tbits = draw(st.sampled_from([17, 24, 32]))
    n = 3
    target = SymTensor(np.array([100, -50, 7], dtype=np.int32), F32(0.5), tbits)
    inc: Any = SymTensor(np.array([3, 1, -1], dtype=np.int32), F32(0.25), 12)
    if DATA in faults:
        if kind == "accumulate_dynamic":   # v = t*s_t + inc*s_inc overflows float32
            target = SymTensor(np.array([2, 1, 0], dtype=np.int32), F32(FLT_MAX), tbits)
            inc = SymTensor(np.array([2, 0, 0], dtype=np.int32), F32(FLT_MAX), 12)
            codes[DATA] = "SYM_ERR_FLOAT_OVERFLOW"
        else:                              # t + rescale(inc) leaves the 12-bit width
            target = SymTensor(np.array([2047, 0, 0], dtype=np.int32), F32(0.5), tbits)
            inc = SymTensor(np.array([4, 0, 0], dtype=np.int32), F32(0.5), 12)
            codes[DATA] = "SYM_ERR_INT_OVERFLOW"
    if SHAPE in faults:
        m_inc = np.concatenate([inc.mantissas, np.zeros(draw(st.integers(1, 3)), dtype=np.int32)])
        if draw(st.booleans()):
            m_inc = inc.mantissas[:draw(st.integers(1, n - 1))]
        inc = SymTensor(m_inc, inc.scale, inc.q_max_bits)
        codes[SHAPE] = "SYM_ERR_SHAPE"
    if TYPE in faults:
        if draw(st.booleans()):
            inc = draw(st.sampled_from([1, None, np.zeros(3, dtype=np.int32)]))
        else:
            target = draw(st.sampled_from([1, None, np.zeros(3, dtype=np.int32)]))
        codes[TYPE] = "SYM_ERR_BAD_TYPE"
    if kind == "accumulate_fixed":   # no rng_state parameter
        return (target, inc), kw, None, codes
    return (target, inc), kw, rng_spec, codes


@given(data=st.data(), kind=st.sampled_from(["float_to_sym", "int_to_sym", "requant_dynamic", "requant_fixed",
                                             "rescale_to_acc", "accumulate_dynamic", "accumulate_fixed"]))
def test_error_precedence(data, kind):
    """Multi-fault inputs: both backends report the same code, the one of the
    first failing group of the documented precedence."""
    _count("error_precedence")
    args, kw, rng_spec, codes = _faulty_call(data.draw, kind)
    expected = ("err", codes[min(codes)])
    note(f"{kind} args={args!r} kwargs={kw!r} rng={rng_spec!r} faults={codes}")
    c = precedence_outcome(sv.kernels, kind, args, kw, rng_spec)
    e = precedence_outcome(sv.emulate, kind, args, kw, rng_spec)
    note(f"C {c!r}, emulator {e!r}, expected {expected!r}")
    assert c == e == expected, f"{kind}: C {c!r}, emulator {e!r}, documented precedence {expected!r}"


def test_error_precedence_known_cases():
    """The three cases that disagreed before the precedence was documented."""
    cases = [
        ("float_to_sym", (np.array([], dtype=np.float32),), {"q_max_bits": 0}, "SYM_ERR_EMPTY"),
        ("accumulate_dynamic", (SymTensor(np.zeros(1, dtype=np.int32), F32(1.0), 17),
                                SymTensor(np.zeros(2, dtype=np.int32), F32(1.0), 8)), {}, "SYM_ERR_SHAPE"),
        ("mse_loss", (SymTensor(np.zeros((1, 1), dtype=np.int32), F32(1.0), 32),
                      np.array([[np.nan]], dtype=np.float32), 0), {}, "SYM_ERR_BAD_WIDTH"),
    ]
    for name, args, kw, code in cases:
        for backend in (sv.kernels, sv.emulate):
            with pytest.raises(SymError) as info:
                getattr(backend, name)(*args, **kw)
            assert info.value.code == code, (backend.__name__, name, info.value.code)
