"""C-ABI cases of the prepared-divisor division (``sym_intreq_divisor_init``,
``sym_intreq_div_by``; kernels/include/sym_intreq.h) on edge inputs, with
the expected bits computed in numpy float32 (fl(n / d), 0 when not normal),
never by the C. Part of the gold suite
(:func:`symverify.mutants.gold.load_suite`).
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from .abi import AbiCase
from .abi_intreq import _div_cases, expect_div, f32_bits

__all__ = ["CASES", "div_edge_pairs", "expect_div", "mul_edge_pairs", "expect_mul"]

CASES: list[AbiCase] = []
_LOW24 = (1 << 24) - 1


def _case(fn: Callable[[Any, Any], "str | None"]) -> Callable[[Any, Any], "str | None"]:
    CASES.append(AbiCase(fn.__name__, fn, family="abi_intreq"))
    return fn


def _normal(bits: int) -> bool:
    return 0 < (bits >> 23) < 255


def _fields(e: int, sig: int) -> int:
    """The float32 bits of sig * 2^(e - 150) for sig in [2^23, 2^24)."""
    return (e << 23) | (sig & 0x7FFFFF)


def _near_midpoint(md: int) -> list[int]:
    """Dividend significands mn whose 25-bit quotient X 2^24 / md (X = mn or
    2 mn) is Q + delta / md for |delta| <= 3: the remainder is tiny, just
    above or just below Q (an odd Q is a rounding midpoint). Q solves
    Q md = -delta (mod 2^24), so X = (Q md + delta) / 2^24 is an integer."""
    if md % 2 == 0:
        return []
    inv = pow(md, -1, 1 << 24)
    out = []
    for delta in (1, 2, 3, -1, -2, -3):
        q = ((-delta * inv) % (1 << 24)) + (1 << 24)
        x = (q * md + delta) >> 24
        if x < (1 << 24):
            out.append(x)
        elif x % 2 == 0:
            out.append(x // 2)
    return out


@functools.lru_cache(maxsize=1)
def div_edge_pairs() -> tuple[tuple[int, int], ...]:
    """(n_bits, d_bits): the scale-step edges of ``sym_intreq_div_bits`` plus
    the divider's own: quotients one step from every rounding midpoint (the
    round bit set, a tiny remainder of either sign), exact quotients (where
    the estimate is always Q - 1), m_n = m_d, m_d = 2^24 - 1 and 2^23 (the
    ends of R), both normalisations of the dividend."""
    rng = np.random.default_rng(4019)
    out = list(_div_cases())
    md_s = [1 << 23, (1 << 23) + 1, _LOW24, _LOW24 - 1, 0xC00000, 0xAAAAAB, 0x800003, 0xFFFFFD]
    md_s += [int(x) | 1 for x in rng.integers(1 << 23, 1 << 24, 60)]
    for md in md_s:
        for ed in (1, 100, 127, 200, 254):
            d = _fields(ed, md)
            # m_n = m_d and its neighbours (quotient 1, just below, just above)
            out += [(_fields(en, md + k), d) for en in (1, 127, 128, 254) for k in (-1, 0, 1)
                    if (1 << 23) <= md + k <= _LOW24]
            out += [(_fields(en, mn), d) for en in (127, 130) for mn in _near_midpoint(md)]
    for _ in range(300):  # exact quotients: n = a b, d = a (both at most 24 bits)
        a = int(rng.integers(1, 1 << 12)) | 1
        b = int(rng.integers(1, 1 << 12))
        n, d = f32_bits(float(a * b)), f32_bits(float(a))
        out += [(n, d), (n + (1 << 23) * int(rng.integers(0, 60)), d + (1 << 23) * int(rng.integers(0, 60)))]
    return tuple((n, d) for n, d in out if _normal(n) and _normal(d))


@_case
def intreq_div_by_edges(ffi, lib):
    dv = ffi.new("sym_intreq_divisor *")
    for n, d in div_edge_pairs():
        lib.sym_intreq_divisor_init(d, dv)
        want, got = expect_div(n, d), lib.sym_intreq_div_by(n, dv)
        if got != want:
            return f"sym_intreq_div_by(0x{n:08X}, init(0x{d:08X})) = 0x{got:08X} != 0x{want:08X}"
    return None


# ---- the float-by-float multiply (sym_intreq_mul_bits) ----
_MIN_NORMAL, _F32_MAX = 0x00800000, 0x7F7FFFFF


def expect_mul(a_bits: int, b_bits: int) -> int:
    """fl(a * b) in numpy float32 as bits (subnormal, 0 and inf included)."""
    with np.errstate(over="ignore", under="ignore"):
        return int((np.uint32(a_bits).view(np.float32) * np.uint32(b_bits).view(np.float32)).view(np.uint32))


@functools.lru_cache(maxsize=1)
def mul_edge_pairs() -> tuple[tuple[int, int], ...]:
    """(a_bits, b_bits): subnormal results at every shift with exact ties
    (an odd significand times a power of two, both tie directions) and next
    to them, products next to 2^-126 (rounded up to it or not) and to the
    overflow (the last finite product, the first inf, a carry to inf), the
    carry of the normal rounding, zero results, random mid-range pairs."""
    rng = np.random.default_rng(1954)
    out: list[tuple[int, int]] = []
    for j in range(1, 26):  # P / 2^k drops j bits of a's significand: exact ties when they are 10..0
        for base in (0, 0x2AAAAA, 0x7FFFFF >> j << j, int(rng.integers(0, 1 << 23))):
            fa = (base >> j << j) | (1 << (j - 1)) if j <= 23 else base
            for da in (-1, 0, 1):
                fa2 = (fa + da) & 0x7FFFFF
                # ea + eb = 151 - k with k = 23 + j (b a power of two)
                for ea in (1, 60, 126):
                    eb = 151 - 23 - j - ea
                    if 1 <= eb <= 254:
                        out += [((ea << 23) | fa2, eb << 23), (eb << 23, (ea << 23) | fa2)]
    for fa in (0x7FFFFF, 0x7FFFFE, 0x7FFFFD, 0x400000, 0x000001):  # next to 2^-126
        for ea, eb in ((127, 1), (100, 28), (1, 127), (128, 1)):
            out += [((ea << 23) | fa, (eb << 23) | fb) for fb in (0, 1, 0x7FFFFF)]
    for a in (_F32_MAX, _F32_MAX - 1, f32_bits(2.0 ** 127), f32_bits(3.0), f32_bits(1.5), 0x3FFFFFFF):
        with np.errstate(over="ignore"):
            b0 = f32_bits(np.float32(3.4028235e38) / np.uint32(a).view(np.float32))
        out += [(a, b0 + k) for k in range(-3, 4)]
    out += [(f32_bits(2.0 ** -75), f32_bits(2.0 ** -75)), (_MIN_NORMAL, _MIN_NORMAL), (_MIN_NORMAL, _F32_MAX),
            (f32_bits(1.0), f32_bits(1.0)), (0x3FFFFFFF, 0x3FFFFFFF), (0x3F800001, 0x3F7FFFFF),
            (f32_bits(2.0 ** -100), f32_bits(2.0 ** -49)), (f32_bits(2.0 ** -100), f32_bits(2.0 ** -50))]
    for m in (3, 5, 0xFFFFFF, 0x800001, 0xABCDEF, 0xFFFFFD):  # the normal rounding at half (ties, carries)
        out += [(f32_bits(float(m)), (127 << 23) | f) for f in (1, 2, 3, 0x400000, 0x400001, 0x7FFFFF)]
    for _ in range(400):
        out.append(((int(rng.integers(1, 255)) << 23) | int(rng.integers(0, 1 << 23)),
                    (int(rng.integers(1, 255)) << 23) | int(rng.integers(0, 1 << 23))))
    for total in (127, 127, 126, 120, 104, 103):  # subnormal results from random significands (every dropped bit)
        for _ in range(60):
            ea = int(rng.integers(1, total))
            out.append(((ea << 23) | int(rng.integers(0, 1 << 23)),
                        ((total - ea) << 23) | int(rng.integers(0, 1 << 23))))
    return tuple((a, b) for a, b in out if _normal(a) and _normal(b))


@_case
def intreq_mul_bits_edges(ffi, lib):
    for a, b in mul_edge_pairs():
        want, got = expect_mul(a, b), lib.sym_intreq_mul_bits(a, b)
        if got != want:
            return f"sym_intreq_mul_bits(0x{a:08X}, 0x{b:08X}) = 0x{got:08X} != 0x{want:08X}"
    return None
