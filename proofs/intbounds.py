"""Integer extremes of accumulator terms: the one place that computes them.

Pure integer arithmetic (no Z3), shared by the prover (``lemmas``,
``bounds``) and the opt-in model validator (``symverify.model.validator``),
so the fan-in limit a proof claims and the limit the validator enforces are
computed by the same code. docs/proofs.md#mac-fan-in.
"""
from __future__ import annotations

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1


def qmax(b: int) -> int:
    """Largest mantissa of width b: 2^(b-1) - 1."""
    return (1 << (b - 1)) - 1


def qmin(b: int) -> int:
    """Smallest mantissa of width b: -2^(b-1)."""
    return -(1 << (b - 1))


def product_bounds(a_lo: int, a_hi: int, b_lo: int, b_hi: int) -> tuple[int, int]:
    """(min, max) of a*b over a in [a_lo, a_hi], b in [b_lo, b_hi].

    The extremes of a bilinear form over a box lie at its corners; all four
    are compared because which one is smallest depends on the widths (at
    16 x 8 bits the minimum is qMax(16)*qMin(8), not qMin(16)*qMax(8))."""
    corners = (a_lo * b_lo, a_lo * b_hi, a_hi * b_lo, a_hi * b_hi)
    return min(corners), max(corners)


def extreme_operands(b_x: int, b_w: int | None, side: str) -> tuple[int, int | None]:
    """Operands (x, w) of widths b_x, b_w whose term x*w (or x alone when
    ``b_w`` is None) equals the ``side`` ("min" or "max") of :func:`term_bounds`."""
    if side not in ("min", "max"):
        raise ValueError(f"side = {side!r}: expected 'min' or 'max'")
    if b_w is None:
        return (qmin(b_x) if side == "min" else qmax(b_x)), None
    lo, hi = term_bounds(b_x, b_w)
    want = lo if side == "min" else hi
    for x in (qmin(b_x), qmax(b_x)):
        for w in (qmin(b_w), qmax(b_w)):
            if x * w == want:
                return x, w
    raise AssertionError("unreachable: a corner attains the extreme")


def term_bounds(b_x: int, b_w: int | None) -> tuple[int, int]:
    """(Pmin, Pmax) of one accumulator term: a product of a width-``b_x`` and
    a width-``b_w`` mantissa, or (``b_w`` None) a single width-``b_x`` value."""
    if b_w is None:
        return qmin(b_x), qmax(b_x)
    return product_bounds(qmin(b_x), qmax(b_x), qmin(b_w), qmax(b_w))


def max_safe_count(pmin: int, pmax: int, seed: int) -> int:
    """Largest N such that every partial sum of a seed in [-seed, seed] plus
    N terms in [pmin, pmax] stays inside int32 (both signs, exact integers)."""
    up = (INT32_MAX - seed) // pmax if pmax > 0 else 1 << 62
    down = (INT32_MIN + seed) // pmin if pmin < 0 else 1 << 62  # -seed + N*pmin >= INT32_MIN
    return max(0, min(up, down))


def binding_side(pmin: int, pmax: int, seed: int) -> str:
    """Which side of int32 the sum leaves first as N grows: "max" (seed + N*pmax
    > INT32_MAX) or "min" (-seed + N*pmin < INT32_MIN); ties go to "max"."""
    up = (INT32_MAX - seed) // pmax if pmax > 0 else 1 << 62
    down = (INT32_MIN + seed) // pmin if pmin < 0 else 1 << 62
    return "max" if up <= down else "min"
