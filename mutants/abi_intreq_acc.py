"""C-ABI cases of the integer-only accumulate entries
(kernels/include/sym_intreq_accumulate.h): every HALF_AWAY
``accumulate_fixed`` / ``accumulate_dynamic`` golden vector once more
through ``sym_intreq_accumulate_fixed`` / ``sym_intreq_accumulate_dynamic``
(in place, as their prototypes are), edge tensors with the expected result
computed in numpy float32 (the float expression the entries replace, never
the C), and every error status with nothing written. Part of the gold suite
(:func:`symverify.mutants.gold.load_suite`).
"""
from __future__ import annotations

import functools
import math
from typing import Any, Callable

import numpy as np

from symverify.errors import STATUS_CODES

from .abi import AbiCase

__all__ = ["CASES", "expect_dynamic", "expect_fixed", "dynamic_edge_inputs", "dynamic_random_inputs",
           "fixed_edge_inputs"]

_SENT = 0x5A5AA5A5
_MIN_NORMAL, _F32_MAX, _ONE = 0x00800000, 0x7F7FFFFF, 0x3F800000
CASES: list[AbiCase] = []

#: (t, s_t bits, inc, s_inc bits, width): one call of either entry
Input = tuple[tuple[int, ...], int, tuple[int, ...], int, int]


def _case(fn: Callable[[Any, Any], "str | None"]) -> Callable[[Any, Any], "str | None"]:
    CASES.append(AbiCase(fn.__name__, fn, family="abi_intreq_acc"))
    return fn


def _f(bits: int) -> np.float32:
    return np.uint32(bits).view(np.float32)


def _bits(x: Any) -> int:
    return int(np.float32(x).view(np.uint32))


def _half_away_sat(v: float, lo: int, hi: int) -> int:
    """sym_sat_round: the bounds first, then round half away from zero."""
    if v >= hi:
        return hi
    if not v > lo:
        return lo
    return int(math.copysign(math.floor(abs(v) + 0.5), v))


def expect_dynamic(t: tuple[int, ...], s_t: int, inc: tuple[int, ...], s_inc: int,
                   b: int) -> tuple[str, "list[int] | None", "int | None"]:
    """(status, mantissas, scale bits) of the HALF_AWAY dynamic accumulate in
    numpy float32: v = fl(fl(t) s_t) + fl(fl(inc) s_inc), A = max |v|,
    s = A / qMax (1 if A = 0, SCALE_UNDERFLOW if not normal), t = sat(round(v / s))."""
    q_hi = (1 << (b - 1)) - 1
    with np.errstate(all="ignore"):
        v = (np.array(t, dtype=np.int32).astype(np.float32) * _f(s_t)
             + np.array(inc, dtype=np.int32).astype(np.float32) * _f(s_inc))
        if not np.all(np.isfinite(v)):
            return "SYM_ERR_FLOAT_OVERFLOW", None, None
        a = np.float32(np.max(np.abs(v)))
        s = np.float32(1.0) if a == 0 else np.float32(a / np.float32(q_hi))
        if not (s >= np.float32(2.0 ** -126)):
            return "SYM_ERR_SCALE_UNDERFLOW", None, None
        q = v / s
    return "SYM_OK", [_half_away_sat(float(x), -q_hi - 1, q_hi) for x in q], _bits(s)


def expect_fixed(t: tuple[int, ...], s_t: int, inc: tuple[int, ...], s_inc: int,
                 b: int) -> tuple[str, "list[int] | None"]:
    """(status, mantissas) of the fixed-scale accumulate in numpy float32 and
    Python integers: d = round(fl(fl(inc) s_inc) / s_t) under the guard
    |r| <= 1073774464, then t + d inside the width (element by element, the
    first failure wins)."""
    q_hi = (1 << (b - 1)) - 1
    out = []
    for ti, ii in zip(t, inc):
        with np.errstate(all="ignore"):
            r = (np.float32(ii) * _f(s_inc)) / _f(s_t)
        if not abs(r) <= np.float32(1073774464.0):
            return "SYM_ERR_RANGE_GUARD", None
        d = _half_away_sat(float(r), -(1 << 31), (1 << 31) - 1)
        if not -q_hi - 1 <= ti <= q_hi or not -q_hi - 1 <= ti + d <= q_hi:
            return "SYM_ERR_INT_OVERFLOW", None
        out.append(ti + d)
    return "SYM_OK", out


def _subnormal_inputs() -> list[Input]:
    """A subnormal v_0 = f * 2^-149 (s_t = 2^-126 + f 2^-149, s_inc = 2^-126,
    t_0 = 1, inc_0 = -1) next to v_1 = k 2^-126 (inc_1 = k), so that
    s_new = A / qMax is 2^-126 or another value in [2^-126, 2^-125) (there
    v_0 / s_new reaches 1/2: ties at f = 2^22) or 2^-125 (below 1/2), both signs."""
    out: list[Input] = []
    for f in (1, 3, (1 << 21) + 5, (1 << 22) - 1, 1 << 22, (1 << 22) + 1, 0x5FFFFF, 0x600000, (1 << 23) - 1):
        for b, k in ((2, 1), (3, 3), (3, 4), (3, 5), (2, 2), (4, 7), (4, 13)):
            out += [((sg, 0), _MIN_NORMAL + f, (-sg, sg * k), _MIN_NORMAL, b) for sg in (1, -1)]
    for f in (0, 1, 0x3FFFFF, 0x400000, 0x7FFFFF):  # v_0 normal at 2^-126 (1 + f 2^-23), s_new = 2^-125 or more
        out += [((sg, 0), _MIN_NORMAL + f, (0, sg * k), _MIN_NORMAL, 2) for sg in (1, -1) for k in (2, 3)]
    for f in (1, 0x400000, 0x7FFFFF):  # every v subnormal (A too: SCALE_UNDERFLOW), the largest one at b = 2
        out += [((1, 1), _MIN_NORMAL + f, (-1, -1), _MIN_NORMAL, b) for b in (2, 3)]
    out += [((1, 0), _MIN_NORMAL + 5, (-1, 1), _MIN_NORMAL + 5, 2)]  # v_0 = 0 next to s_new = 2^-126 (1 + 5 2^-23)
    return out


@functools.lru_cache(maxsize=1)
def dynamic_edge_inputs() -> tuple[Input, ...]:
    """Cancellation to 0 (A = 0: scale 1) and to a subnormal v, products and
    sums overflowing to inf and inf + -inf, the absmax at the
    SCALE_UNDERFLOW boundary at every width, exact ties of v / s_new, the
    clamp, INT32_MIN and |t| > 2^24 (fl(t) rounded)."""
    one, half = _ONE, _bits(0.5)
    out: list[Input] = [
        ((5, -3), one, (-5, 3), one, 12), ((5,), half, (-10,), _bits(0.25), 8),
        ((7, 2047), _bits(0.01), (-7, 0), _bits(0.01), 12),
        ((1, 1), _F32_MAX, (1, 0), _F32_MAX, 12), ((3, 1), _F32_MAX, (0, 0), one, 12),
        ((2,), _F32_MAX, (-2,), _F32_MAX, 12), ((0, -2), one, (0, 2), _F32_MAX, 12),
        ((1, 1), _bits(2.0 ** 127), (1, 0), _bits(2.0 ** 127), 16),
        ((-(1 << 31), (1 << 31) - 1), one, ((1 << 31) - 1, -(1 << 31)), one, 16),
        (((1 << 24) + 1, -((1 << 24) + 3)), one, (1, 1), _bits(0.5), 16),
        ((123456789, -987654321), _bits(1e-30), (-123456789, 5), _bits(1e-30), 12),
    ]
    for k in (0, 1, 2, 100, 1000, 2046):  # v / s_new = k + 1/2 exactly (s_new = 1), both signs
        out += [((2047, sg * k), one, (0, sg), half, 12) for sg in (1, -1)]
        out += [((2047, sg * (2 * k + 1)), _bits(2.0), (0, 0), one, 12) for sg in (1, -1)]
    for b in range(2, 17):  # the clamp at every width, both signs
        q = (1 << (b - 1)) - 1
        out += [((q, q - 1, -q), _bits(1.0 + 2.0 ** -23), (0, 1, -1), _bits(2.0 ** -23), b)]
    for b, a in ((8, 0x338599DA), (12, 0x3334DC4D), (16, 0x3D84BC0B)):  # fl(A / fl(A / qMax)) > qMax
        out += [((1, -1), a, (0, 0), one, b)]
    for b in (2, 3, 8, 12, 16):  # A / qMax next to 2^-126, from the t side and from the inc side
        q = (1 << (b - 1)) - 1
        for top in (1, q, 3 * q + 1):
            s0 = _bits(np.float32(np.float64(q) * 2.0 ** -126 / np.float64(np.float32(top))))
            for s in (s0 + k for k in range(-3, 4)):
                if 0 < (s >> 23) < 255:
                    out += [((top, -1, 0), s, (0, 0, 1), s, b), ((0, 0), one, (-top, 1), s, b)]
    return tuple(out + _subnormal_inputs())


@functools.lru_cache(maxsize=1)
def dynamic_random_inputs(n_cases: int = 400, seed: int = 2026) -> tuple[Input, ...]:
    """Seeded random tensors of 1..6 elements: mantissas inside the width or
    any int32; inc independent or -t + small (the sum cancels to a few ulps,
    0 or a subnormal); s_inc equal to s_t up to a few ulps, a few binades
    away or anywhere (the adder's alignment from 0 to > 26 bits, carries,
    cancellation), s_t now and then next to 2^-126 or 2^127."""
    rng = np.random.default_rng(seed)
    out: list[Input] = []
    for _ in range(n_cases):
        n, b = int(rng.integers(1, 7)), int(rng.integers(2, 17))
        lim = 1 << (b - 1)
        t = rng.integers(-lim, lim, n) if rng.random() < 0.5 else rng.integers(-2 ** 31, 2 ** 31, n)
        u = rng.random()
        inc = (rng.integers(-(1 << 15), 1 << 15, n) if u < 0.35 else rng.integers(-2 ** 31, 2 ** 31, n) if u < 0.55
               else np.clip(-t + rng.integers(-3, 4, n), -2 ** 31, 2 ** 31 - 1))
        w = rng.random()
        e_t = 1 if w < 0.15 else 254 if w < 0.22 else int(rng.integers(1, 255))
        s_t = (e_t << 23) | int(rng.integers(0, 1 << 23))
        v = rng.random()
        s_i = (s_t + int(rng.integers(-3, 4)) if v < 0.4 else s_t + (int(rng.integers(-30, 31)) << 23) if v < 0.75
               else (int(rng.integers(1, 255)) << 23) | int(rng.integers(0, 1 << 23)))
        s_i = min(max(s_i, _MIN_NORMAL), _F32_MAX)
        out.append((tuple(int(x) for x in t), s_t, tuple(int(x) for x in inc), s_i, b))
    return tuple(out)


@functools.lru_cache(maxsize=1)
def _dynamic_random_cases() -> tuple:
    return tuple((x, expect_dynamic(*x)) for x in dynamic_random_inputs())


@functools.lru_cache(maxsize=1)
def fixed_edge_inputs() -> tuple[Input, ...]:
    """t + d exactly at qMax / qMin and one past (both signs of d), t already
    outside its width, the rescale guard passed and failed at element 0 and
    at a later element, width 32 with INT32_MIN / INT32_MAX, d = 0."""
    one = _ONE
    out: list[Input] = []
    for b in (2, 8, 12, 16, 31, 32):
        q = (1 << (b - 1)) - 1
        out += [((q - 3, -q + 2), one, (3, -3), one, b), ((q - 3, -q + 2), one, (4, -3), one, b),
                ((q - 3, -q + 2), one, (3, -4), one, b), ((q, -q - 1), one, (0, 0), one, b),
                ((q - 1, 0), _bits(0.5), (1, 1), _bits(0.25), b), ((q - 1, 0), _bits(0.5), (3, 1), _bits(0.25), b),
                ((0, -q), _bits(2.0), (-3, -2), one, b), ((0, -q), _bits(2.0), (-3, -3), one, b)]
        if b < 32:
            out += [((q + 1, 0), one, (0, 0), one, b), ((0, -q - 2), one, (0, 0), one, b)]
    big = 1073774464  # the guard: passes, one float32 step above fails (at element 0 and 2)
    out += [((0,), one, (big,), one, 32), ((0,), one, (big + 128,), one, 32),
            ((1, 2, 0), one, (1, 1, big + 128), one, 32), ((1, 2, 0), one, (1, 1, -big - 128), one, 32),
            ((5, 6, 7), _F32_MAX, (1, 0, 1), _MIN_NORMAL, 32), ((5, 6, 7), _MIN_NORMAL, (0, 0, 3), _F32_MAX, 16),
            ((-(1 << 31), (1 << 31) - 1), one, (0, 0), one, 32), ((-(1 << 31),), one, (-1,), one, 32),
            (((1 << 31) - 1,), one, (1,), one, 32), ((3, -3), _bits(0.1), (7, -7), _bits(0.3), 12)]
    return tuple(out)


def _call(ffi, lib, dynamic: bool, x: Input) -> tuple[int, list[int], int]:
    t, s_t, inc, s_inc, b = x
    n = len(t)
    tb = ffi.new("int32_t[]", list(t))
    ib = ffi.new("int32_t[]", list(inc))
    if dynamic:
        s = ffi.new("float *", float(_f(s_t)))
        rc = lib.sym_intreq_accumulate_dynamic(tb, n, s, b, ib, n, float(_f(s_inc)))
        return rc, list(tb[0:n]), _bits(s[0])
    rc = lib.sym_intreq_accumulate_fixed(tb, n, float(_f(s_t)), b, ib, n, float(_f(s_inc)))
    return rc, list(tb[0:n]), s_t


def _check(ffi, lib, dynamic: bool, x: Input) -> "str | None":
    t, s_t, _, _, _ = x
    if dynamic:
        name, m, s = expect_dynamic(*x)
    else:
        (name, m), s = expect_fixed(*x), s_t
    want = (STATUS_CODES[name], list(t) if m is None else m, s_t if m is None else s)
    got = _call(ffi, lib, dynamic, x)
    if got != want:
        entry = "sym_intreq_accumulate_" + ("dynamic" if dynamic else "fixed")
        return f"{entry}{x}: (status, t, s_t) {got} != expected {want}"
    return None


@_case
def intreq_acc_dynamic_edges(ffi, lib):
    for x in dynamic_edge_inputs():
        why = _check(ffi, lib, True, x)
        if why:
            return why
    return None


@_case
def intreq_acc_dynamic_random(ffi, lib):
    for x, (name, m, sc) in _dynamic_random_cases():
        want = (STATUS_CODES[name], list(x[0]) if m is None else m, x[1] if m is None else sc)
        got = _call(ffi, lib, True, x)
        if got != want:
            return f"sym_intreq_accumulate_dynamic{x}: (status, t, s_t) {got} != expected {want}"
    return None


@_case
def intreq_acc_fixed_edges(ffi, lib):
    for x in fixed_edge_inputs():
        why = _check(ffi, lib, False, x)
        if why:
            return why
    return None


def _vectors(kernel: str) -> list[dict]:
    import os
    from importlib import resources
    from pathlib import Path

    from symverify.goldgen.generate import load_family

    # gold.vectors_dir's rule, not imported: gold loads these cases
    env = os.environ.get("SYMVERIFY_VECTORS_DIR")
    vdir = Path(env) if env else Path(str(resources.files("symverify.goldgen"))) / "vectors"
    return [v for v in load_family(vdir / "accumulate.json")["vectors"]
            if v["kernel"] == kernel and v["args"].get("rounding", "half_away") == "half_away"
            and v.get("c_abi", True)]


def _tensor(spec: dict) -> tuple[list[int], int, int]:
    if "int_to_sym" in spec:
        return list(spec["int_to_sym"]), _ONE, 32
    return list(spec["mantissas"]), int(spec["scale"], 16), int(spec["q_max_bits"])


def _replay(ffi, lib, kernel: str) -> "str | None":
    vs = _vectors(kernel)
    if not vs:
        return f"no HALF_AWAY {kernel} vector in accumulate.json"
    for v in vs:
        (t, s_t, b), (inc, s_inc, _) = _tensor(v["args"]["target"]), _tensor(v["args"]["inc"])
        want = v["expect"]
        st = STATUS_CODES[want["status"]]
        exp = (st, want["mantissas"] if st == 0 else t, int(want["scale"], 16) if st == 0 else s_t)
        tb, ib = ffi.new("int32_t[]", t), ffi.new("int32_t[]", inc)
        if kernel == "accumulate_dynamic":
            s = ffi.new("float *", float(_f(s_t)))
            rc = lib.sym_intreq_accumulate_dynamic(tb, len(t), s, b, ib, len(inc), float(_f(s_inc)))
            got = (rc, list(tb[0:len(t)]), _bits(s[0]))
        else:
            rc = lib.sym_intreq_accumulate_fixed(tb, len(t), float(_f(s_t)), b, ib, len(inc), float(_f(s_inc)))
            got = (rc, list(tb[0:len(t)]), s_t)
        if got != exp:
            return f"{v['name']}: (status, t, s_t) {got} != expected {exp}"
    return None


@_case
def intreq_acc_dynamic_vectors(ffi, lib):
    return _replay(ffi, lib, "accumulate_dynamic")


@_case
def intreq_acc_fixed_vectors(ffi, lib):
    return _replay(ffi, lib, "accumulate_fixed")


def _error_calls(ffi, dynamic: bool) -> tuple[Any, Any, Any, list[tuple[tuple, str]]]:
    """(t, inc, s, [(args, status)]): every argument error, in check order
    where two errors meet, on fresh buffers."""
    t = ffi.new("int32_t[]", [1, 2, 3, 4, 5, 6, 7, 8])
    inc = ffi.new("int32_t[]", [1] * 8)
    s = ffi.new("float *", 1.0)
    sc: Any = s if dynamic else 1.0
    bad = (0.0, -1.0, float("inf"), float("nan"), 1e-45)
    calls = [((ffi.NULL, 2, sc, 8, inc, 2, 1.0), "SYM_ERR_NULL"), ((t, 2, sc, 8, ffi.NULL, 2, 1.0), "SYM_ERR_NULL"),
             ((t, 0, sc, 8, inc, 2, 1.0), "SYM_ERR_EMPTY"), ((t, 2, sc, 8, inc, 0, 1.0), "SYM_ERR_EMPTY"),
             ((t, -1, sc, 1, inc, 2, 0.0), "SYM_ERR_EMPTY"), ((t, 2, sc, 8, inc, 3, 1.0), "SYM_ERR_SHAPE"),
             ((t, 2, sc, 1, inc, 3, 0.0), "SYM_ERR_SHAPE"),
             ((t, 3, sc, 8, t + 2, 3, 1.0), "SYM_ERR_ALIAS"), ((t + 1, 2, sc, 8, t, 2, 1.0), "SYM_ERR_ALIAS"),
             ((t, 2, sc, 8, t, 2, 1.0), "SYM_ERR_ALIAS"), ((t, 3, sc, 1, t + 1, 3, 0.0), "SYM_ERR_ALIAS"),
             ((t + 2, 3, sc, 8, t, 3, 1.0), "SYM_ERR_ALIAS"), ((t, 3, sc, 8, t + 2, 3, 1.0), "SYM_ERR_ALIAS"),
             ((t + 3, 3, sc, 8, t, 3, 1.0), "SYM_OK"),
             ((t, 2, sc, 1, inc, 2, 0.0), "SYM_ERR_BAD_WIDTH"), ((t, 2, sc, 33, inc, 2, 1.0), "SYM_ERR_BAD_WIDTH")]
    calls += [((t, 2, sc, 8, inc, 2, x), "SYM_ERR_BAD_SCALE") for x in bad]
    if dynamic:
        calls += [((t, 2, ffi.NULL, 8, inc, 2, 1.0), "SYM_ERR_NULL"),
                  ((t, 2, sc, 17, inc, 2, 1.0), "SYM_ERR_BAD_WIDTH"),
                  ((t, 2, ffi.cast("float *", t + 1), 8, inc, 2, 1.0), "SYM_ERR_ALIAS"),
                  ((t, 3, ffi.cast("float *", t + 2), 8, inc, 3, 1.0), "SYM_ERR_ALIAS"),
                  ((t, 3, ffi.cast("float *", inc + 2), 8, inc, 3, 1.0), "SYM_ERR_ALIAS"),
                  ((t, 2, ffi.cast("float *", inc + 1), 17, inc, 2, 1.0), "SYM_ERR_BAD_WIDTH"),
                  ((t, 2, ffi.cast("float *", inc + 1), 8, inc, 2, 0.0), "SYM_ERR_ALIAS"),
                  ((t, 2, ffi.cast("float *", inc + 2), 8, inc, 2, 1.0), "SYM_ERR_BAD_SCALE")]  # past inc: its bits 1 are subnormal
        calls += [((t, 2, ffi.new("float *", x), 8, inc, 2, 1.0), "SYM_ERR_BAD_SCALE") for x in bad]
    else:
        calls += [((t, 2, x, 8, inc, 2, 1.0), "SYM_ERR_BAD_SCALE") for x in bad]
        calls += [((t, 2, 1.0, 32, inc, 2, 1.0), "SYM_OK"), ((t, 2, 1.0, 2, inc, 2, 1.0), "SYM_ERR_INT_OVERFLOW")]
    return t, inc, s, calls


@_case
def intreq_acc_errors(ffi, lib):
    for dynamic in (False, True):
        entry = "sym_intreq_accumulate_" + ("dynamic" if dynamic else "fixed")
        fn = getattr(lib, entry)
        for j in range(len(_error_calls(ffi, dynamic)[3])):
            t, inc, s, calls = _error_calls(ffi, dynamic)
            args, name = calls[j]
            before = [list(t[0:8]), list(inc[0:8]), s[0]]
            st = fn(*args)
            if st != STATUS_CODES[name]:
                return f"{entry} {name}: status {st} for {args[1:4]}"
            if name != "SYM_OK" and [list(t[0:8]), list(inc[0:8]), s[0]] != before:
                return f"{entry} {name}: written on error"
    # the argument checks come before any element's check: nothing written
    t = ffi.new("int32_t[]", [1 << 30, 5])
    inc = ffi.new("int32_t[]", [1 << 30, 5])
    s = ffi.new("float *", 1.0)
    if lib.sym_intreq_accumulate_fixed(t, 2, 1.0, 32, inc, 2, -1.0) != STATUS_CODES["SYM_ERR_BAD_SCALE"]:
        return "sym_intreq_accumulate_fixed: BAD_SCALE is not checked before the elements"
    if lib.sym_intreq_accumulate_dynamic(t, 2, s, 8, inc, 2, -1.0) != STATUS_CODES["SYM_ERR_BAD_SCALE"]:
        return "sym_intreq_accumulate_dynamic: BAD_SCALE is not checked before the elements"
    if list(t[0:2]) != [1 << 30, 5] or s[0] != 1.0:
        return "written on a scale error"
    return None
