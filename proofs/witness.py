"""Exhaustive float32 searches that guide counterexamples through divisions.

Z3's FP theory bit-blasts each float32 division (tens of thousands of
clauses); two chained divisions over a symbolic operand take 1-20 s to solve.
These witnesses are found by enumerating all 2^23 mantissas of A in [1, 2)
with numpy float32 (IEEE, round-to-nearest-even, the same arithmetic as the
kernels) and are then *checked by Z3* on the exact encoding (the lemma's
negated goal must be satisfiable with the witness fixed). By scale invariance
(A -> A*2^k shifts A/qMax exactly while both stay normal) [1, 2) covers every
normal A.
"""
from __future__ import annotations

import functools

import numpy as np


@functools.lru_cache(maxsize=None)
def _mantissas() -> np.ndarray:
    return (np.arange(1 << 23, dtype=np.uint32) | np.uint32(0x3F800000)).view(np.float32)


@functools.lru_cache(maxsize=None)
def quotient_witness(b: int) -> float | None:
    """Smallest A in [1, 2) with fl(A / fl(A/qMax)) > qMax, or None."""
    q = np.float32((1 << (b - 1)) - 1)
    A = _mantissas()
    with np.errstate(all="ignore"):
        v = A / (A / q)
    idx = np.flatnonzero(v > q)
    return float(A[idx[0]]) if idx.size else None


def quotient_exhaustive(b: int) -> tuple[str, dict | None]:
    """Decide fl(A / fl(A/qMax)) <= qMax for all A in [1, 2) by enumeration."""
    w = quotient_witness(b)
    if w is None:
        return "PROVEN", None
    return "COUNTEREXAMPLE", {"A": w}


M32 = 0xFFFFFFFF


def _undo_left(y: int, a: int) -> int:
    x = y
    for _ in range(32 // a + 1):
        x = y ^ ((x << a) & M32)
    return x


def _undo_right(y: int, a: int) -> int:
    x = y
    for _ in range(32 // a + 1):
        x = y ^ (x >> a)
    return x


def xorshift32(s: int) -> int:
    s ^= (s << 13) & M32
    s ^= s >> 17
    s ^= (s << 5) & M32
    return s


def state_before(new_state: int) -> int:
    """The xorshift32 state whose next draw has state ``new_state``."""
    s = _undo_left(new_state & M32, 5)
    s = _undo_right(s, 17)
    s = _undo_left(s, 13)
    assert xorshift32(s) == new_state & M32
    return s
