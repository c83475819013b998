"""The one xorshift32 (shifts 13, 17, 5) of the Python side, and its inverse.

The stochastic-rounding state step of SPEC / docs/semantics.md, in plain
Python, independent of the C kernels: the emulator, the C-ABI cases of the
mutation gold suite, the fixture catalog (seed design), the proof replays and
the Z3 encoding (:func:`symverify.proofs.fp.xorshift32`) all step through
:func:`xorshift32`.  It uses only ``&``, ``^``, ``<<`` and a logical right
shift, so the same definition serves a uint32 Python int and a Z3
``BitVec(32)``: for a bit-vector, pass ``lshr=z3.LShR`` (``>>`` on a
bit-vector is arithmetic); the masks are the identity at 32 bits.
"""
from __future__ import annotations

import operator
from typing import Any, Callable

#: the uint32 mask
M32 = 0xFFFFFFFF


def xorshift32(state: Any, lshr: Callable[[Any, int], Any] = operator.rshift) -> Any:
    """One xorshift32 step of ``state`` (a uint32 int, masked to 32 bits, or a
    32-bit Z3 bit-vector with ``lshr=z3.LShR``); returns the new state."""
    s = state & M32
    s ^= (s << 13) & M32
    s ^= lshr(s, 17)
    s ^= (s << 5) & M32
    return s


def _undo_left(y: int, k: int) -> int:
    x = y
    for _ in range(32 // k + 1):
        x = y ^ ((x << k) & M32)
    return x


def _undo_right(y: int, k: int) -> int:
    x = y
    for _ in range(32 // k + 1):
        x = y ^ (x >> k)
    return x


def xorshift32_inverse(state: int) -> int:
    """The uint32 state whose :func:`xorshift32` step gives ``state`` (the step
    is a bijection of uint32), e.g. a seed whose first draw hits a chosen u."""
    s = _undo_left(state & M32, 5)
    s = _undo_right(s, 17)
    return _undo_left(s, 13)
