"""C-ABI cases of the integer-only requant core (kernels/include/sym_intreq.h,
sym_intreq_tensor.h): the ratio-order HALF_AWAY requant vectors once more
through ``sym_intreq_requant_dynamic`` (out of place and in place), the
per-element core on edge inputs with the expected value computed in numpy
float32 (the float expression the core replaces, never the C), and every
error status with nothing written. Part of the gold suite
(:func:`symverify.mutants.gold.load_suite`).
"""
from __future__ import annotations

import functools
import math
from typing import Any, Callable

import numpy as np

from symverify.errors import STATUS_CODES

from .abi import AbiCase

__all__ = ["CASES", "edge_inputs", "expect_one"]

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


def _vectors() -> list[dict]:
    import os
    from importlib import resources
    from pathlib import Path

    from symverify.goldgen.generate import load_family

    # gold.vectors_dir's rule, not imported: gold loads these cases
    env = os.environ.get("SYMVERIFY_VECTORS_DIR")
    vdir = Path(env) if env else Path(str(resources.files("symverify.goldgen"))) / "vectors"
    vs = load_family(vdir / "requant.json")["vectors"]
    return [v for v in vs if v["kernel"] == "requant_dynamic" and v["args"].get("order") == "ratio"
            and v["args"].get("rounding") == "half_away"]


def _tensor_of(v: dict) -> tuple[list[int], float]:
    t = v["args"]["t"]
    if "int_to_sym" in t:
        return list(t["int_to_sym"]), 1.0
    return list(t["mantissas"]), float(np.uint32(int(t["scale"], 16)).view(np.float32))


def _replay(ffi, lib, in_place: bool) -> "str | None":
    for v in _vectors():
        m, s_in = _tensor_of(v)
        n = len(m)
        src = ffi.new("int32_t[]", m)
        dst = src if in_place else ffi.new("int32_t[]", [_SENT] * n)
        s_out = ffi.new("float *", -1.0)
        st = lib.sym_intreq_requant_dynamic(src, n, s_in, v["args"]["q_max_bits"], dst, s_out)
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
    for args, name in calls:
        st = lib.sym_intreq_requant_dynamic(*args)
        if st != STATUS_CODES[name]:
            return f"{name}: status {st}"
        if list(out[0:4]) != [_SENT] * 4 or s_out[0] != -1.0 or list(buf[0:4]) != [1, 2, 3, 4]:
            return f"{name}: written on error"
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
