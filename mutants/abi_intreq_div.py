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

__all__ = ["CASES", "div_edge_pairs", "expect_div"]

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
