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

from symverify.xorshift import xorshift32, xorshift32_inverse  # noqa: F401  (xorshift32: re-exported for the replays)


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


def state_before(new_state: int) -> int:
    """The xorshift32 state whose next draw has state ``new_state``."""
    return xorshift32_inverse(new_state)
