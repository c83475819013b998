"""The standard rounding-error model of float32 over Z3 Reals.

For a float32 operation with an exact real result z and a finite result,
IEEE 754 round-to-nearest guarantees

    fl(z) = z * (1 + d) + eta,   |d| <= 2^-24,  |eta| <= 2^-150,

with eta = 0 whenever fl(z) is normal (and d = 0, eta exact, when z is in the
subnormal range). Additions and subtractions are exact in the subnormal range,
so they never need eta. The kernels reject subnormal scales and scale
underflow (docs/semantics.md, "Valid scale"), which is what lets a scale be
modelled with eta = 0: that is a stated precondition of every range lemma.
Overflow to inf is excluded by precondition where a kernel checks for it
(FLOAT_OVERFLOW) and is otherwise impossible because of the bounds proved.
"""
from __future__ import annotations

from fractions import Fraction

import z3

EPS = Fraction(1, 2 ** 24)
ETA = Fraction(1, 2 ** 150)
MIN_NORMAL = Fraction(1, 2 ** 126)
FLT_MAX = Fraction((2 ** 24 - 1) * 2 ** 104)


class RM:
    """Collects the fresh error variables and constraints of one lemma."""

    def __init__(self, prefix: str = "") -> None:
        self.cons: list[z3.BoolRef] = []
        self.names: dict[str, z3.ArithRef] = {}
        self.prefix = prefix

    def var(self, name: str) -> z3.ArithRef:
        v = z3.Real(self.prefix + name)
        self.names[name] = v
        return v

    def rnd(self, z, name: str, normal: bool = False, exact_sub: bool = False) -> z3.ArithRef:
        """A named float32 result of exact value ``z``: fresh ``d`` (and ``eta``)."""
        v = self.var(name)
        d = z3.Real(f"{self.prefix}d_{name}")
        self.cons += [d >= -EPS, d <= EPS]
        if normal or exact_sub:
            self.cons.append(v == z * (1 + d))
        else:
            eta = z3.Real(f"{self.prefix}eta_{name}")
            self.cons += [eta >= -ETA, eta <= ETA, v == z * (1 + d) + eta]
        self.cons += [v <= FLT_MAX, v >= -FLT_MAX]
        return v

    def rdiv(self, a, b, name: str, normal: bool = False) -> z3.ArithRef:
        """fl(a / b) for b != 0, written without division: v*b = a*(1+d) (+eta*b)."""
        v = self.var(name)
        d = z3.Real(f"{self.prefix}d_{name}")
        self.cons += [d >= -EPS, d <= EPS]
        if normal:
            self.cons.append(v * b == a * (1 + d))
        else:
            eta = z3.Real(f"{self.prefix}eta_{name}")
            self.cons += [eta >= -ETA, eta <= ETA, (v - eta) * b == a * (1 + d)]
        return v


def absle(x, bound):
    return z3.And(x <= bound, x >= -bound)


def abslt(x, bound):
    return z3.And(x < bound, x > -bound)
