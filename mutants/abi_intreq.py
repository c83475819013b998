"""C-ABI cases of the integer-only requant core (kernels/include/sym_intreq.h,
sym_intreq_tensor.h): the HALF_AWAY dynamic requant vectors once more
through ``sym_intreq_requant_dynamic`` (ratio order) and
``sym_intreq_requant_dynamic_clamp_first``, and the HALF_AWAY fixed-scale
vectors through ``sym_intreq_requant_fixed`` (out of place and in place),
the HALF_AWAY rescale vectors through ``sym_intreq_rescale_to_acc``, the
per-element cores and the rescale helper on edge inputs with the expected
value computed in numpy float32 (the float expression the core replaces,
never the C), and every error status with nothing written. Part of the gold suite
(:func:`symverify.mutants.gold.load_suite`).
"""
from __future__ import annotations

import functools
import math
from typing import Any, Callable

import numpy as np

from symverify.errors import STATUS_CODES

from .abi import AbiCase

__all__ = ["CASES", "edge_inputs", "expect_one", "fixed_edge_inputs", "expect_fixed", "rescale_edge_inputs",
           "expect_rescale"]

_SENT = 0x5A5AA5A5
CASES: list[AbiCase] = []


def _case(fn: Callable[[Any, Any], "str | None"]) -> Callable[[Any, Any], "str | None"]:
    CASES.append(AbiCase(fn.__name__, fn, family="abi_intreq"))
    return fn


def f32_bits(x: float) -> int:
    return int(np.float32(x).view(np.uint32))


def expect_one(m: int, r_bits: int, b: int) -> int:
    """clamp(round_half_away(fl(fl(m) * r))) in numpy float32 (docs/semantics.md)."""
    with np.errstate(over="ignore"):
        v = float(np.float32(m) * np.uint32(r_bits).view(np.float32))
    q_hi = (1 << (b - 1)) - 1
    if v >= q_hi:
        return q_hi
    if v <= -q_hi - 1:
        return -q_hi - 1
    return int(math.copysign(math.floor(abs(v) + 0.5), v))


@functools.lru_cache(maxsize=1)
def _edge_cases() -> tuple[tuple[int, int, int, int], ...]:
    """edge_inputs() with their expected values (computed once per process)."""
    return tuple((m, r, b, expect_one(m, r, b)) for m, r, b in edge_inputs())


def edge_inputs() -> list[tuple[int, int, int]]:
    """(m, r_bits, b): exact / rounded fl(m), ties, the carry of fl(m) to
    2^24, saturation and underflow boundaries, subnormal and infinite
    products, and ties of fl(m) placed next to k + 1/2."""
    ms = [0, 1, -1, 2, -2, 3, 5, 7, 2047, -2048, 32767, -32768, 1 << 23, (1 << 24) - 1, 1 << 24,
          (1 << 24) + 1, (1 << 24) + 2, (1 << 24) + 3, -((1 << 24) + 1), -((1 << 24) + 3),
          (1 << 25) - 1, (1 << 25) + 2, (1 << 25) + 6, (1 << 31) - 1, -(1 << 31), -((1 << 31) - 1),
          (1 << 30) + (1 << 6), (1 << 30) + (3 << 6), 0x7FFFFFC0, -0x7FFFFFC0, 123456789, -987654321]
    rs = [1.0, 0.5, 0.25, 1.5, 2.0, 0.75, 1.0 / 3.0, 2.0 ** -24, 2.0 ** -31, 2.0 ** -30, 1.0 + 2.0 ** -23,
          1.0 - 2.0 ** -24, 32767.0, 32767.5, 2047.0, 1.0009471, 2.0 ** 15, 2.0 ** -16]
    rbits = [f32_bits(r) for r in rs] + [0x00800000, 0x7F7FFFFF, 0x3F7FFFFF, 0x3F000001, 0x3EFFFFFF]
    out = [(m, r, b) for m in ms for r in rbits for b in (2, 8, 12, 16)]
    for k in (0, 1, 2, 3, 100, 2047, 32766):  # products exactly at k + 1/2
        for m, r in ((2 * k + 1, 0.5), (4 * k + 2, 0.25), (6 * k + 3, 1.0 / 6.0)):
            out += [(s * m, f32_bits(r), b) for s in (1, -1) for b in (2, 12, 16)]
    ties = ((1 << 24) + 1, (1 << 24) + 3, (1 << 25) + 2, (1 << 25) + 6, (1 << 26) + 4, (1 << 30) + (1 << 6))
    for m in ties:  # a tie of fl(m) decides the result
        x = float(np.float32(m))
        for k in (1, 2, 100, 2047, 32766):
            r0 = f32_bits((k + 0.5) / x)
            out += [(s * m, r0 + step, 16) for s in (1, -1) for step in range(-2, 3)]
    out += _boundary_inputs()
    for b in range(2, 17):  # the clamp at every width, both signs, both sides of it
        q = (1 << (b - 1)) - 1
        out += [(m, f32_bits(1.0), b) for m in (q - 1, q, q + 1, -q, -q - 1, -q - 2)]
        out += [(m, f32_bits(0.5), b) for m in (2 * q + 1, 2 * q + 2, -2 * q - 1, -2 * q - 2, -2 * q - 3)]
    return out


def _near_half(x: float, ks=(0, 1, 2, 100, 2047, 32766)) -> list[int]:
    """Bits of the r next to (k + 1/2) / x: there fl(x * r) sits at, or one
    rounding step from, a tie of the final rounding."""
    out = []
    for k in ks:
        r0 = f32_bits((k + 0.5) / x)
        out += [r0 + step for step in range(-2, 3)]
    return out


def _boundary_inputs() -> list[tuple[int, int, int]]:
    """Inputs where one of the C's steps decides the result: m at and next to
    every power of two (the bit length), |m| > 2^24 with the dropped bits just
    below, at and above half (fl(m) and its neighbours), and products that
    round up to exactly k + 1/2 (the double rounding of fl(m * r))."""
    from fractions import Fraction

    out = []
    for k in range(32):
        for m in {(1 << k) - 1, 1 << k, (1 << k) + 1}:
            if 0 < m < (1 << 31):
                out += [(s * m, r, 16) for s in (1, -1) for r in _near_half(float(np.float32(m)), (0, 1, 1000))]
    for ea in range(1, 8):  # |m| in [2^(23+ea), 2^(24+ea)): ea dropped bits
        half = 1 << (ea - 1)
        for kept in ((1 << 23) + 4, (1 << 23) + 5, (1 << 24) - 1, (1 << 24) - 2):
            for rem in {half - 1, half, half + 1, (1 << ea) - 1} - {-1}:
                m = (kept << ea) + rem
                if m < (1 << 31):
                    out += [(s * m, r, 16) for s in (1, -1) for r in _near_half(float(np.float32(m)), (0, 2, 777))]
    rng = np.random.default_rng(1919)  # products whose float32 rounding lands on k + 1/2
    found = 0
    while found < 300:
        m = int(rng.integers(3, 1 << 24)) | 1
        k = int(rng.choice([0, 1, 2, 5, 100, 2047, 32766]))
        for r in _near_half(float(m), (k,)):
            rf = float(np.uint32(r).view(np.float32))
            if float(np.float32(m) * np.float32(rf)) == k + 0.5 and Fraction(m) * Fraction(rf) != Fraction(2 * k + 1, 2):
                out += [(m, r, 16), (-m, r, 16)]
                found += 1
    return out


@_case
def intreq_one_edges(ffi, lib):
    out = ffi.new("int32_t *")
    for m, r, b, want in _edge_cases():
        st = lib.sym_intreq_one(m, r, b, out)
        if st != 0:
            return f"sym_intreq_one({m}, 0x{r:08X}, {b}): status {st}"
        if out[0] != want:
            return f"sym_intreq_one({m}, 0x{r:08X}, {b}) = {out[0]} != expected {want}"
    return None


@_case
def intreq_one_errors(ffi, lib):
    out = ffi.new("int32_t *", _SENT)
    cases = [(5, f32_bits(1.0), b, "SYM_ERR_BAD_WIDTH") for b in (-1, 0, 1, 17, 32)]
    cases += [(5, r, 8, "SYM_ERR_BAD_SCALE")
              for r in (0, 0x80000000, f32_bits(-1.0), 1, 0x007FFFFF, 0x7F800000, 0x7FC00000, 0xFF800000, 0xBF800000)]
    for m, r, b, name in cases:
        st = lib.sym_intreq_one(m, r, b, out)
        if st != STATUS_CODES[name] or out[0] != _SENT:
            return f"sym_intreq_one({m}, 0x{r:08X}, {b}): status {st}, out {out[0]} (expected {name}, untouched)"
    for b, r in ((2, 0x00800000), (16, 0x7F7FFFFF)):  # the edges of the domain are accepted
        if lib.sym_intreq_one(3, r, b, out) != 0:
            return f"sym_intreq_one(3, 0x{r:08X}, {b}) rejected"
    if lib.sym_intreq_one(5, f32_bits(1.0), 8, ffi.NULL) != STATUS_CODES["SYM_ERR_NULL"]:
        return "NULL out accepted"
    return None


def _vectors_all() -> list[dict]:
    """Every vector of requant.json."""
    import os
    from importlib import resources
    from pathlib import Path

    from symverify.goldgen.generate import load_family

    # gold.vectors_dir's rule, not imported: gold loads these cases
    env = os.environ.get("SYMVERIFY_VECTORS_DIR")
    vdir = Path(env) if env else Path(str(resources.files("symverify.goldgen"))) / "vectors"
    return load_family(vdir / "requant.json")["vectors"]


def _vectors(kernel: str = "requant_dynamic", order: str = "ratio") -> list[dict]:
    vs = [v for v in _vectors_all() if v["kernel"] == kernel]
    if kernel != "requant_dynamic":
        return vs
    return [v for v in vs if v["args"].get("order") == order and v["args"].get("rounding") == "half_away"]


def _tensor_of(v: dict) -> tuple[list[int], float]:
    t = v["args"]["t"]
    if "int_to_sym" in t:
        return list(t["int_to_sym"]), 1.0
    return list(t["mantissas"]), float(np.uint32(int(t["scale"], 16)).view(np.float32))


#: the integer entry of each order of the dynamic requant
_DYNAMIC = {"ratio": "sym_intreq_requant_dynamic", "clamp_first": "sym_intreq_requant_dynamic_clamp_first"}


def _replay(ffi, lib, in_place: bool, order: str = "ratio") -> "str | None":
    vs = _vectors(order=order)
    if not vs:
        return f"no HALF_AWAY {order} requant_dynamic vector in requant.json"
    entry = getattr(lib, _DYNAMIC[order])
    for v in vs:
        m, s_in = _tensor_of(v)
        n = len(m)
        src = ffi.new("int32_t[]", m)
        dst = src if in_place else ffi.new("int32_t[]", [_SENT] * n)
        s_out = ffi.new("float *", -1.0)
        st = entry(src, n, s_in, v["args"]["q_max_bits"], dst, s_out)
        want = v["expect"]
        if st != STATUS_CODES[want["status"]]:
            return f"{v['name']}: status {st} != {want['status']}"
        if st == 0:
            got = list(dst[0:n])
            if got != want["mantissas"]:
                return f"{v['name']}: mantissas {got} != {want['mantissas']}"
            if f"0x{f32_bits(s_out[0]):08X}" != want["scale"]:
                return f"{v['name']}: scale {s_out[0]!r} != {want['scale']}"
        elif list(dst[0:n]) != (m if in_place else [_SENT] * n) or s_out[0] != -1.0:
            return f"{v['name']}: written on error"
    return None


@_case
def intreq_requant_vectors(ffi, lib):
    return _replay(ffi, lib, in_place=False)


@_case
def intreq_requant_vectors_in_place(ffi, lib):
    return _replay(ffi, lib, in_place=True)


@_case
def intreq_requant_clamp_first_vectors(ffi, lib):
    return _replay(ffi, lib, in_place=False, order="clamp_first")


@_case
def intreq_requant_clamp_first_vectors_in_place(ffi, lib):
    return _replay(ffi, lib, in_place=True, order="clamp_first")


@_case
def intreq_requant_errors(ffi, lib):
    buf = ffi.new("int32_t[]", [1, 2, 3, 4])
    out = ffi.new("int32_t[]", [_SENT] * 4)
    s_out = ffi.new("float *", -1.0)
    calls = [
        ((ffi.NULL, 2, 1.0, 8, out, s_out), "SYM_ERR_NULL"),
        ((buf, 2, 1.0, 8, ffi.NULL, s_out), "SYM_ERR_NULL"),
        ((buf, 2, 1.0, 8, out, ffi.NULL), "SYM_ERR_NULL"),
        ((buf, 0, 1.0, 8, out, s_out), "SYM_ERR_EMPTY"),
        ((buf, -1, 1.0, 8, out, s_out), "SYM_ERR_EMPTY"),
        ((buf, 2, 1.0, 1, out, s_out), "SYM_ERR_BAD_WIDTH"),
        ((buf, 2, 1.0, 17, out, s_out), "SYM_ERR_BAD_WIDTH"),
        ((buf, 2, 0.0, 8, out, s_out), "SYM_ERR_BAD_SCALE"),
        ((buf, 2, float("inf"), 8, out, s_out), "SYM_ERR_BAD_SCALE"),
        ((buf, 3, 1.0, 8, buf + 1, s_out), "SYM_ERR_ALIAS"),
        ((buf, 3, 1.0, 8, out, ffi.cast("float *", buf + 2)), "SYM_ERR_ALIAS"),
        ((buf, 3, 1.0, 8, out, ffi.cast("float *", out + 1)), "SYM_ERR_ALIAS"),
    ]
    for entry in _DYNAMIC.values():
        for args, name in calls:
            st = getattr(lib, entry)(*args)
            if st != STATUS_CODES[name]:
                return f"{entry} {name}: status {st}"
            if list(out[0:4]) != [_SENT] * 4 or s_out[0] != -1.0 or list(buf[0:4]) != [1, 2, 3, 4]:
                return f"{entry} {name}: written on error"
    return None


@_case
def intreq_max_magnitude(ffi, lib):
    cases = [([], 0), ([0], 0), ([-1, 1], 1), ([5, -7, 6], 7), ([-(1 << 31), 5], 1 << 31),
             ([(1 << 31) - 1, -3], (1 << 31) - 1), ([3, 9, -9, 2], 9), ([-2, -8, 4], 8)]
    for ms, want in cases:
        buf = ffi.new("int32_t[]", ms or [77])
        got = lib.sym_intreq_max_magnitude(buf, len(ms))
        if got != want:
            return f"max magnitude of {ms}: {got} != {want}"
    return None


# ---- the integer scale steps (sym_intreq_mul_int, sym_intreq_div_bits) ----
_INF, _MIN_NORMAL, _F32_MAX = 0x7F800000, 0x00800000, 0x7F7FFFFF


def _f(bits: int) -> np.float32:
    return np.uint32(bits).view(np.float32)


def _normal(bits: int) -> bool:
    return 0 < (bits >> 23) < 255


def _mul_cases() -> list[tuple[int, int]]:
    """fl(a) exact, rounded (ties both ways) and carried; products at the
    overflow edge (the last finite one and the first inf) and ties of the
    product's rounding."""
    a_s = [1, 2, 3, 7, 2047, 32767, (1 << 24) - 1, 1 << 24, (1 << 24) + 1, (1 << 24) + 3, (1 << 25) + 2,
           (1 << 25) + 6, (1 << 31) - 1, 1 << 31, (1 << 32) - 1, 0xFFFFFF80, 0x7FFFFFC0, 123456789]
    ss = [_MIN_NORMAL, _MIN_NORMAL + 1, _F32_MAX, f32_bits(1.0), f32_bits(1.5), f32_bits(1.0 / 3.0),
          f32_bits(2.0 ** -31), f32_bits(1.0 + 2.0 ** -23), 0x3FFFFFFF]
    out = [(a, s) for a in a_s for s in ss]
    for a in a_s:
        s0 = f32_bits(np.float32(3.4028235e38) / np.float32(a))
        out += [(a, s0 + k) for k in range(-3, 4) if _normal(s0 + k)]
    for m in (3, 5, 0xFFFFFF, 0x800001, 0xABCDEF, 0xFFFFFD):  # the product's dropped bits at half
        out += [(m, (127 << 23) | f) for f in (1, 2, 3, 0x400000, 0x400001, 0x7FFFFF)]
    out += [((1 << 24) - 1, (127 << 23) | 1), ((1 << 24) - 1, (128 << 23) | 1), (0, f32_bits(1.0))]
    return out


def _div_cases() -> list[tuple[int, int]]:
    """Quotients next to 2^-126 (rounded up to it or not), deep underflow,
    overflow, exact, periodic, both normalisations of the dividend."""
    out = []
    for d in (f32_bits(1.0), f32_bits(3.0), f32_bits(2047.0), f32_bits(32767.0), f32_bits(1.5), 0x3FFFFFFF,
              0x3F800001, (127 << 23) | 0x400000, (127 << 23) | 0x555555):
        n0 = f32_bits(np.float32(np.float64(_f(d)) * 2.0 ** -126))
        out += [(n0 + k, d) for k in range(-5, 5)]
        out += [(_MIN_NORMAL + k, d) for k in range(3)]
        out += [(_F32_MAX, d), (_F32_MAX - 1, d)]
    out += [(_F32_MAX, _MIN_NORMAL), (_MIN_NORMAL, _F32_MAX), (f32_bits(1.0), f32_bits(1.0)),
            (f32_bits(6.0), f32_bits(3.0)), (f32_bits(1.0), f32_bits(3.0)), (f32_bits(2.0), f32_bits(3.0)),
            (0x3FFFFFFF, 0x3F800001), (0x3F800001, 0x3FFFFFFF), (f32_bits(2.0 ** 127), f32_bits(0.5)),
            (f32_bits(1.9999999), f32_bits(2.0 ** -127 * 1.5)), (f32_bits(1.0), (253 << 23)),
            (_F32_MAX, f32_bits(0.5)), (_F32_MAX - 7, f32_bits(0.75))]  # exponent 255, mn > md
    # the only quotients that round up to 2^-126 from below: d a power of two,
    # n's significand all ones (q = 2^25 - 2, a tie); and their neighbours
    for ed in (128, 129, 130, 200):
        for fn in (0x7FFFFF, 0x7FFFFE, 0x7FFFFD):
            out += [((1 << 23) | fn, ed << 23), ((2 << 23) | fn, ed << 23), ((1 << 23) | fn, (ed << 23) | 1)]
    rng = np.random.default_rng(1909)
    for _ in range(400):
        n = (int(rng.integers(100, 160)) << 23) | int(rng.integers(0, 1 << 23))
        d = (int(rng.integers(100, 160)) << 23) | int(rng.integers(0, 1 << 23))
        out.append((n, d))
    return [(n, d) for n, d in out if _normal(n) and _normal(d)]


def expect_div(n_bits: int, d_bits: int) -> int:
    """fl(n / d) in numpy float32, 0 when not normal (the C's convention)."""
    with np.errstate(over="ignore", under="ignore"):
        q = f32_bits(_f(n_bits) / _f(d_bits))
    return 0 if (q >> 23) == 0 else q


@_case
def intreq_mul_int_edges(ffi, lib):
    for a, s in _mul_cases():
        with np.errstate(over="ignore"):
            want = f32_bits(np.float32(a) * _f(s))
        got = lib.sym_intreq_mul_int(a, s)
        if got != want:
            return f"sym_intreq_mul_int({a}, 0x{s:08X}) = 0x{got:08X} != 0x{want:08X}"
    return None


@_case
def intreq_div_bits_edges(ffi, lib):
    for n, d in _div_cases():
        want, got = expect_div(n, d), lib.sym_intreq_div_bits(n, d)
        if got != want:
            return f"sym_intreq_div_bits(0x{n:08X}, 0x{d:08X}) = 0x{got:08X} != 0x{want:08X}"
    return None


@_case
def intreq_scale_ok_edges(ffi, lib):
    for b, want in ((0, 0), (1, 0), (_MIN_NORMAL - 1, 0), (_MIN_NORMAL, 1), (_F32_MAX, 1), (_INF, 0),
                    (0x7FC00000, 0), (0x80000000, 0), (0xBF800000, 0), (0x80800000, 0), (f32_bits(1.0), 1)):
        if lib.sym_intreq_scale_ok(b) != want:
            return f"sym_intreq_scale_ok(0x{b:08X}) != {want}"
    return None


@_case
def intreq_requant_scale_edges(ffi, lib):
    """The float-free tensor entry where A / qMax lands next to 2^-126 and
    where fl(max|m| * s_in) overflows or just does not, against the numpy
    emulator (symverify.emulate)."""
    from symverify import emulate
    from symverify.errors import SymError
    from symverify.types import SymTensor

    for (order, entry), bits in ((oe, b) for oe in _DYNAMIC.items() for b in (2, 3, 8, 12, 16)):
        q = (1 << (bits - 1)) - 1
        for top in sorted({1, 2, max(q - 1, 1), q, q + 1, 3 * q, (1 << 31) - 1}):
            m = [top, -1, 0]
            s0 = f32_bits(np.float32(np.float64(q) * 2.0 ** -126 / np.float64(np.float32(top))))
            s1 = f32_bits(np.float32(3.4028235e38) / np.float32(top))
            for s_bits in [s0 + k for k in range(-3, 4)] + [s1 + k for k in range(-2, 3)]:
                if not _normal(s_bits):
                    continue
                try:
                    ref = emulate.requant_dynamic(SymTensor(np.array(m, dtype=np.int32), _f(s_bits), 32), bits,
                                                  order=order)
                    want = (0, [int(x) for x in ref.mantissas], f32_bits(ref.scale))
                except SymError as exc:
                    want = (STATUS_CODES[exc.code], None, None)
                src = ffi.new("int32_t[]", m)
                dst = ffi.new("int32_t[]", [_SENT] * 3)
                s_out = ffi.new("float *", -1.0)
                st = getattr(lib, entry)(src, 3, float(_f(s_bits)), bits, dst, s_out)
                got = (st, list(dst[0:3]), f32_bits(s_out[0])) if st == 0 else (st, None, None)
                if got != want:
                    return f"{entry}: m={m} s_in=0x{s_bits:08X} b={bits}: {got} != {want}"
                if st != 0 and (list(dst[0:3]) != [_SENT] * 3 or s_out[0] != -1.0):
                    return f"{entry}: m={m} s_in=0x{s_bits:08X} b={bits}: written on error"
    return None


# ---- the fixed-scale order (sym_intreq_fixed_one, sym_intreq_requant_fixed) ----
def expect_fixed(m: int, s_bits: int, t_bits: int, b: int) -> int:
    """round_half_away(clamp(fl(fl(fl(m) * s) / t))) in numpy float32."""
    with np.errstate(over="ignore", under="ignore"):
        v = float((np.float32(m) * _f(s_bits)) / _f(t_bits))
    q_hi = (1 << (b - 1)) - 1
    if v >= q_hi:
        return q_hi
    if v <= -q_hi - 1:
        return -q_hi - 1
    return int(math.copysign(math.floor(abs(v) + 0.5), v))


def _around(bits: int, steps: int = 2) -> list[int]:
    return [bits + k for k in range(-steps, steps + 1) if _normal(bits + k)]


def fixed_edge_inputs() -> list[tuple[int, int, int, int]]:
    """(m, s_bits, t_bits, b): quotients exactly at and next to k + 1/2, at
    1/4, 1/2 and 2^16, the clamp at every width, fl(m) * s overflowing to
    inf, a finite product whose quotient overflows, subnormal and zero
    quotients, t tiny and huge, fl(m) rounded (|m| > 2^24)."""
    one = f32_bits(1.0)
    ms = [1, -1, 2, 3, -3, 5, 2047, -2048, 32767, -32768, 65535, -65535, (1 << 24) + 1, -((1 << 24) + 3),
          (1 << 25) + 6, (1 << 31) - 1, -(1 << 31), 123456789, -987654321]
    scales = [one, f32_bits(0.5), f32_bits(3.0), f32_bits(1.0 / 3.0), f32_bits(2.0 ** -20), f32_bits(2.0 ** 20),
              _MIN_NORMAL, _MIN_NORMAL + 1, _F32_MAX, f32_bits(2.0 ** 100), f32_bits(2.0 ** -100), 0x3FFFFFFF]
    out = [(m, s, t, b) for m in ms for s in scales for t in scales for b in (2, 12, 16)]
    for k in (0, 1, 2, 3, 100, 2047, 32766, 32767):  # exact ties p / t = k + 1/2, both signs
        for m, s, t in ((2 * k + 1, one, f32_bits(2.0)), (2 * k + 1, f32_bits(0.5), one),
                        (6 * k + 3, one, f32_bits(6.0)), (6 * k + 3, f32_bits(3.0), f32_bits(18.0))):
            out += [(sg * m, s, t, b) for sg in (1, -1) for b in (2, 12, 16)]
    for m in (1, 3, 7, 1001, 65535, (1 << 24) + 1, (1 << 25) + 6, 0x7FFFFFC0):
        x = float(np.float32(m))
        for k in (0, 1, 2, 100, 2047, 32766):  # the quotient one rounding step from k + 1/2
            t0 = f32_bits(np.float32(x / (k + 0.5)))
            out += [(sg * m, one, t, 16) for sg in (1, -1) for t in _around(t0)]
            s0 = f32_bits(np.float32((k + 0.5) / x * 3.0))
            out += [(sg * m, s, f32_bits(3.0), 16) for sg in (1, -1) for s in _around(s0)]
        for v in (0.25, 0.5, 65536.0, 32767.5, 2.0 ** -126, 2.0 ** -127):  # the cut-offs of the rounding
            with np.errstate(over="ignore"):
                t0 = f32_bits(np.float32(x / v))
            out += [(sg * m, one, t, 16) for sg in (1, -1) for t in _around(t0)]
    for s in (f32_bits(2.0 ** 127), _F32_MAX, f32_bits(1.7e38)):  # fl(m) * s at the float32 overflow edge
        for m in (1, 2, 3, -2):
            out += [(m, s, t, 16) for t in (one, f32_bits(0.5), f32_bits(4.0), _F32_MAX)]
    for b in range(2, 17):  # the clamp at every width, both sides
        q = (1 << (b - 1)) - 1
        out += [(m, one, one, b) for m in (q - 1, q, q + 1, -q, -q - 1, -q - 2)]
        out += [(m, one, f32_bits(2.0), b) for m in (2 * q, 2 * q + 1, 2 * q + 2, -2 * q - 1, -2 * q - 2, -2 * q - 3)]
    return out


@functools.lru_cache(maxsize=1)
def _fixed_edge_cases() -> tuple[tuple[int, int, int, int, int], ...]:
    return tuple((m, s, t, b, expect_fixed(m, s, t, b)) for m, s, t, b in fixed_edge_inputs())


@_case
def intreq_fixed_one_edges(ffi, lib):
    out = ffi.new("int32_t *")
    for m, s, t, b, want in _fixed_edge_cases():
        st = lib.sym_intreq_fixed_one(m, s, t, b, out)
        if st != 0:
            return f"sym_intreq_fixed_one({m}, 0x{s:08X}, 0x{t:08X}, {b}): status {st}"
        if out[0] != want:
            return f"sym_intreq_fixed_one({m}, 0x{s:08X}, 0x{t:08X}, {b}) = {out[0]} != expected {want}"
    return None


@_case
def intreq_fixed_one_errors(ffi, lib):
    out = ffi.new("int32_t *", _SENT)
    one = f32_bits(1.0)
    bad_scales = (0, 0x80000000, f32_bits(-1.0), 1, 0x007FFFFF, 0x7F800000, 0x7FC00000, 0xFF800000)
    cases = [(5, one, one, b, "SYM_ERR_BAD_WIDTH") for b in (-1, 0, 1, 17, 32)]
    cases += [(5, r, one, 8, "SYM_ERR_BAD_SCALE") for r in bad_scales]
    cases += [(5, one, r, 8, "SYM_ERR_BAD_SCALE") for r in bad_scales]
    cases += [(5, 0x7F800000, one, 40, "SYM_ERR_BAD_WIDTH")]  # the width is checked first
    for m, s, t, b, name in cases:
        st = lib.sym_intreq_fixed_one(m, s, t, b, out)
        if st != STATUS_CODES[name] or out[0] != _SENT:
            return (f"sym_intreq_fixed_one({m}, 0x{s:08X}, 0x{t:08X}, {b}): status {st}, out {out[0]} "
                    f"(expected {name}, untouched)")
    for b, s, t in ((2, _MIN_NORMAL, _F32_MAX), (16, _F32_MAX, _MIN_NORMAL)):  # the edges of the domain
        if lib.sym_intreq_fixed_one(3, s, t, b, out) != 0:
            return f"sym_intreq_fixed_one(3, 0x{s:08X}, 0x{t:08X}, {b}) rejected"
    if lib.sym_intreq_fixed_one(5, one, one, 8, ffi.NULL) != STATUS_CODES["SYM_ERR_NULL"]:
        return "NULL out accepted"
    return None


def _fixed_vectors() -> list[dict]:
    return [v for v in _vectors("requant_fixed") if v["args"].get("rounding") == "half_away"]


def _replay_fixed(ffi, lib, in_place: bool) -> "str | None":
    vs = _fixed_vectors()
    if not vs:
        return "no HALF_AWAY requant_fixed vector in requant.json"
    for v in vs:
        m, s_in = _tensor_of(v)
        n = len(m)
        src = ffi.new("int32_t[]", m)
        dst = src if in_place else ffi.new("int32_t[]", [_SENT] * n)
        target = float(np.uint32(int(v["args"]["target_scale"], 16)).view(np.float32))
        st = lib.sym_intreq_requant_fixed(src, n, s_in, target, v["args"]["q_max_bits"], dst)
        want = v["expect"]
        if st != STATUS_CODES[want["status"]]:
            return f"{v['name']}: status {st} != {want['status']}"
        if st == 0 and list(dst[0:n]) != want["mantissas"]:
            return f"{v['name']}: mantissas {list(dst[0:n])} != {want['mantissas']}"
        if st != 0 and list(dst[0:n]) != (m if in_place else [_SENT] * n):
            return f"{v['name']}: written on error"
    return None


@_case
def intreq_requant_fixed_vectors(ffi, lib):
    return _replay_fixed(ffi, lib, in_place=False)


@_case
def intreq_requant_fixed_vectors_in_place(ffi, lib):
    return _replay_fixed(ffi, lib, in_place=True)


@_case
def intreq_requant_fixed_errors(ffi, lib):
    buf = ffi.new("int32_t[]", [1, 2, 3, 4])
    out = ffi.new("int32_t[]", [_SENT] * 4)
    inf, nan = float("inf"), float("nan")
    calls = [
        ((ffi.NULL, 2, 1.0, 1.0, 8, out), "SYM_ERR_NULL"),
        ((buf, 2, 1.0, 1.0, 8, ffi.NULL), "SYM_ERR_NULL"),
        ((ffi.NULL, 0, 0.0, 0.0, 1, out), "SYM_ERR_NULL"),
        ((buf, 0, 1.0, 1.0, 8, out), "SYM_ERR_EMPTY"),
        ((buf, -1, 0.0, 1.0, 1, out), "SYM_ERR_EMPTY"),
        ((buf, 2, 1.0, 1.0, 1, out), "SYM_ERR_BAD_WIDTH"),
        ((buf, 2, 0.0, 0.0, 17, out), "SYM_ERR_BAD_WIDTH"),
        ((buf, 3, 0.0, 1.0, 8, buf + 1), "SYM_ERR_ALIAS"),
        ((buf, 2, 0.0, 1.0, 8, out), "SYM_ERR_BAD_SCALE"),
        ((buf, 2, -1.0, 1.0, 8, out), "SYM_ERR_BAD_SCALE"),
        ((buf, 2, inf, 1.0, 8, out), "SYM_ERR_BAD_SCALE"),
        ((buf, 2, 1.0, 0.0, 8, out), "SYM_ERR_BAD_SCALE"),
        ((buf, 2, 1.0, -2.0, 8, out), "SYM_ERR_BAD_SCALE"),
        ((buf, 2, 1.0, nan, 8, out), "SYM_ERR_BAD_SCALE"),
        ((buf, 2, 1.0, inf, 8, out), "SYM_ERR_BAD_SCALE"),
        ((buf, 2, 1.0, 1e-45, 8, out), "SYM_ERR_BAD_SCALE"),
    ]
    for args, name in calls:
        st = lib.sym_intreq_requant_fixed(*args)
        if st != STATUS_CODES[name]:
            return f"{name}: status {st} for {args[1:5]}"
        if list(out[0:4]) != [_SENT] * 4 or list(buf[0:4]) != [1, 2, 3, 4]:
            return f"{name}: written on error"
    wide = ffi.new("int32_t[]", list(range(8)))  # an overlap of 2 of 4 elements (8 of 16 bytes)
    if lib.sym_intreq_requant_fixed(wide, 4, 1.0, 1.0, 8, wide + 2) != STATUS_CODES["SYM_ERR_ALIAS"] \
            or list(wide[0:8]) != list(range(8)):
        return "a partial overlap of 2 elements is not ALIAS (or was written)"
    return None


# ---- the rescale helper (sym_intreq_rescale_bits, sym_intreq_rescale_to_acc) ----
_GUARD = np.float32(1073774464.0)
_RANGE = "SYM_ERR_RANGE_GUARD"


def expect_rescale(q: int, s_bits: int, t_bits: int) -> tuple[str, "int | None"]:
    """(status, value) of r = fl(fl(fl(q) * s) / t), guard |r| <= 1073774464,
    round half away, in numpy float32."""
    with np.errstate(over="ignore", under="ignore"):
        r = (np.float32(q) * _f(s_bits)) / _f(t_bits)
    if not abs(r) <= _GUARD:
        return _RANGE, None
    v = float(r)
    return "SYM_OK", int(math.copysign(math.floor(abs(v) + 0.5), v))


def rescale_edge_inputs() -> list[tuple[int, int, int]]:
    """(q, s_bits, t_bits): r at the guard and one float32 step above it,
    both signs; r at and next to k + 1/2 below and above 2^23 (where the
    rounding turns into a left shift); products and quotients overflowing;
    subnormal quotients; INT32_MIN and INT32_MAX."""
    one = f32_bits(1.0)
    g = f32_bits(_GUARD)
    out = []
    for q in (1, -1, 2, 3, -3, 1 << 30, -(1 << 30), 1073774464, -1073774464, 1073774592, (1 << 31) - 1, -(1 << 31)):
        x = float(np.float32(q))
        for t in (one, f32_bits(2.0), f32_bits(0.5), f32_bits(3.0), _MIN_NORMAL, _F32_MAX):
            out += [(q, s, t) for s in (one, f32_bits(0.5), f32_bits(1.5), _MIN_NORMAL, _F32_MAX)]
        for r in (g - 1, g, g + 1):  # fl(q) * s at and around the guard (t = 1)
            s0 = f32_bits(np.float32(np.float64(_f(r)) / x))
            out += [(q, s, one) for s in _around(s0)]
    for q in (1, 7, 1001, 65535, (1 << 24) + 1, 0x7FFFFFC0):
        x = float(np.float32(q))
        for v in (0.5, 1.5, 2.5, 1000.5, 2.0 ** 22 + 0.5, 2.0 ** 23, 2.0 ** 23 + 1, 2.0 ** 24, 2.0 ** 29 + 3, 2.0 ** -127):
            with np.errstate(over="ignore"):
                t0 = f32_bits(np.float32(x / v))
            out += [(sg * q, one, t) for sg in (1, -1) for t in _around(t0)]
    for k in (0, 1, 2, 100, 2047, 4194303):  # exact ties (2k + 1) / 2
        out += [(sg * (2 * k + 1), one, f32_bits(2.0)) for sg in (1, -1)]
    out += [(0, s, t) for s in (one, _F32_MAX) for t in (_MIN_NORMAL, _MIN_NORMAL + 1, one)]  # 0 divides nothing
    return [(q, s, t) for q, s, t in out if _normal(s) and _normal(t)]


@functools.lru_cache(maxsize=1)
def _rescale_edge_cases() -> tuple:
    return tuple((q, s, t, *expect_rescale(q, s, t)) for q, s, t in rescale_edge_inputs())


@_case
def intreq_rescale_edges(ffi, lib):
    out = ffi.new("int32_t *")
    acc = ffi.new("sym_intreq_divisor *")
    for q, s, t, name, want in _rescale_edge_cases():
        out[0] = _SENT
        st = lib.sym_intreq_rescale_bits(q, s, t, out)
        if st != STATUS_CODES[name]:
            return f"sym_intreq_rescale_bits({q}, 0x{s:08X}, 0x{t:08X}): status {st} != {name}"
        if out[0] != (_SENT if want is None else want):
            return f"sym_intreq_rescale_bits({q}, 0x{s:08X}, 0x{t:08X}) = {out[0]} != expected {want}"
        if name == "SYM_ERR_BAD_SCALE":  # outside sym_intreq_rescale_by's precondition
            continue
        lib.sym_intreq_divisor_init(t, acc)
        out[0] = _SENT
        st = lib.sym_intreq_rescale_by(q, s, acc, out)
        if st != STATUS_CODES[name] or out[0] != (_SENT if want is None else want):
            return (f"sym_intreq_rescale_by({q}, 0x{s:08X}, prepared 0x{t:08X}) = status {st}, {out[0]};"
                    f" expected {name}, {want}")
    return None


@_case
def intreq_rescale_vectors(ffi, lib):
    vs = [v for v in _vectors("rescale_to_acc") if v["args"].get("rounding") == "half_away"]
    if not vs:
        return "no HALF_AWAY rescale_to_acc vector in requant.json"
    out = ffi.new("int32_t *")
    for v in vs:
        a, want = v["args"], v["expect"]
        out[0] = _SENT
        st = lib.sym_intreq_rescale_to_acc(a["q"], float(_f(int(a["param_scale"], 16))),
                                           float(_f(int(a["acc_scale"], 16))), out)
        if st != STATUS_CODES[want["status"]]:
            return f"{v['name']}: status {st} != {want['status']}"
        if out[0] != (want["value"] if st == 0 else _SENT):
            return f"{v['name']}: value {out[0]} (expected {want.get('value', 'untouched')})"
    return None


@_case
def intreq_rescale_errors(ffi, lib):
    out = ffi.new("int32_t *", _SENT)
    one = f32_bits(1.0)
    bad_scales = (0, 0x80000000, f32_bits(-1.0), 1, 0x007FFFFF, 0x7F800000, 0x7FC00000, 0xFF800000)
    cases = [(3, s, one, "SYM_ERR_BAD_SCALE") for s in bad_scales]
    cases += [(3, one, t, "SYM_ERR_BAD_SCALE") for t in bad_scales]
    cases += [(0, 0, one, "SYM_ERR_BAD_SCALE"), (2, _F32_MAX, one, _RANGE), (-2, _F32_MAX, one, _RANGE),
              (3, one, _MIN_NORMAL, _RANGE), (-3, f32_bits(2.0 ** 100), f32_bits(2.0 ** -100), _RANGE)]
    for q, s, t, name in cases:
        st = lib.sym_intreq_rescale_bits(q, s, t, out)
        if st != STATUS_CODES[name] or out[0] != _SENT:
            return f"sym_intreq_rescale_bits({q}, 0x{s:08X}, 0x{t:08X}): status {st}, out {out[0]} (expected {name})"
    if lib.sym_intreq_rescale_bits(3, 0x7FC00000, one, ffi.NULL) != STATUS_CODES["SYM_ERR_NULL"]:
        return "NULL out is not the first check"
    if lib.sym_intreq_rescale_to_acc(3, 1.0, 1.0, ffi.NULL) != STATUS_CODES["SYM_ERR_NULL"]:
        return "sym_intreq_rescale_to_acc: NULL out accepted"
    if lib.sym_intreq_rescale_to_acc(0, 1.0, 1.0, out) != 0 or out[0] != 0:
        return "sym_intreq_rescale_to_acc(0, 1, 1) is not 0"
    return None
