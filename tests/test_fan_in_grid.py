"""Largest safe fan-in of a MAC accumulator for every width pair 2..16 x 2..16,
with and without a bias seed: the number ``symverify bounds`` reports (and
proves with Z3) is exact on the C kernel ``sym_linear_forward_core``.

The worst-case inputs are found here by brute force over the operand corners,
independently of ``symverify.proofs.intbounds``: for a uniform input the
partial sums seed + k*x*w are monotone in k, and the sum of N products over
the operand box is extreme when every term is the same extreme corner product,
so the uniform corner inputs at step N are the worst inputs of all.
N_max must fit for the largest and the smallest of them (status OK, exact
accumulator), and one of them must overflow at N_max + 1 (INT_OVERFLOW).
Arrays of up to 2^29 elements come from tests/_uniform.py (no 2 GiB buffers).
"""
from __future__ import annotations

import numpy as np
import pytest

from symverify.errors import STATUS_NAMES
from symverify.kernels import ffi_lib
from symverify.model import max_safe_fan_in, term_bounds
from symverify.proofs.bounds import Accumulator, decide

from _uniform import UniformInt32

INT32_MIN, INT32_MAX = -(2 ** 31), 2 ** 31 - 1
GUARD_SEED = 1073774464  # largest |rescale_to_acc| result (the float32 guard, docs/proofs.md)
GRID = [(bx, bw) for bx in range(2, 17) for bw in range(2, 17)]


def _range(b: int) -> tuple[int, int]:
    return -(2 ** (b - 1)), 2 ** (b - 1) - 1


def corner_sums(bx: int, bw: int, seed: int, n: int) -> list[tuple[int, int, int, int]]:
    """(seed + n*x*w, x, w, seed) for every corner x, w and seed sign."""
    seeds = (-seed, seed) if seed else (0,)
    return [(s + n * x * w, x, w, s) for x in _range(bx) for w in _range(bw) for s in seeds]


#: value -> mapping, kept for the session: the grid asks for the same few
#: values (qMin, qMax of narrow widths) at up to 2^29 elements again and again.
_ARRAYS: dict[int, UniformInt32] = {}


def _uniform(value: int, n: int) -> UniformInt32:
    a = _ARRAYS.get(value)
    if a is None or a.n < n:
        if a is not None:
            a.close()
        a = _ARRAYS[value] = UniformInt32(value, n)
    return a


def c_linear_forward(x: int, w: int, seed: int, n: int, bx: int, bw: int) -> tuple[str, int | None]:
    """sym_linear_forward_core on x = [x]*n, w = [w]*n (batch 1, one output), the bias
    seeded to ``seed`` (0: no bias)."""
    ffi, lib = ffi_lib()
    acc, s_acc = ffi.new("int32_t[1]"), ffi.new("float[1]")
    px = ffi.cast("const int32_t *", _uniform(x, n).address)
    pw = ffi.cast("const int32_t *", _uniform(w, n).address)
    if seed:
        bias = ffi.new("int32_t[1]", [1 if seed > 0 else -1])  # rescale_to_acc(+-1, G, 1.0f * 1.0f) = +-G
        st = lib.sym_linear_forward_core(px, n, 1.0, bx, pw, n, 1.0, bw, bias, 1, float(abs(seed)), 1, n, 1,
                                    acc, 1, s_acc)
    else:
        st = lib.sym_linear_forward_core(px, n, 1.0, bx, pw, n, 1.0, bw, ffi.NULL, 0, 1.0, 1, n, 1, acc, 1, s_acc)
    return STATUS_NAMES[st], (int(acc[0]) if st == 0 else None)


def test_term_bounds_are_the_true_product_extremes():
    """Every pair: (min, max) of x*w over the whole operand box (all x; for a
    fixed x the product is linear in w, so w's two ends suffice)."""
    for bx, bw in GRID:
        xs = np.arange(_range(bx)[0], _range(bx)[1] + 1, dtype=np.int64)
        prods = xs[:, None] * np.array(_range(bw), dtype=np.int64)[None, :]
        assert term_bounds(bx, bw) == (int(prods.min()), int(prods.max())), (bx, bw)
    assert term_bounds(16, 8) == (32767 * -128, 32768 * 128) == (-4194176, 4194304)


@pytest.mark.slow
@pytest.mark.parametrize("bx,bw", GRID)
def test_reported_fan_in_limit_is_exact_on_the_c_kernel(bx, bw):
    for seeded in (False, True):
        seed = GUARD_SEED if seeded else 0
        # what `symverify bounds` reports for a layer far past the limit
        v = decide(Accumulator("fc", "linear", "forward", INT32_MAX, bx, bw, seeded), replay=False)
        n = v.max_safe_fan_in
        assert v.status == "UNSAFE", (bx, bw, seeded, v.status)
        assert v.proof == {f"safe_for_N<={n}": "PROVEN", f"overflow_at_N={n + 1}": "COUNTEREXAMPLE"}, v.proof
        assert max_safe_fan_in(bx, bw, seeded, seed_max=GUARD_SEED) == n  # the validator agrees
        assert decide(Accumulator("fc", "linear", "forward", n, bx, bw, seeded), replay=False).status == "SAFE"

        at_n = corner_sums(bx, bw, seed, n)
        assert all(INT32_MIN <= total <= INT32_MAX for total, *_ in at_n), (bx, bw, seeded)
        if n == 0:  # int16 x int16 + seed: the seed alone fits, one product does not (in_features >= 1)
            assert (bx, bw, seeded) == (16, 16, True)
        else:
            for total, x, w, s in (max(at_n), min(at_n)):
                assert c_linear_forward(x, w, s, n, bx, bw) == ("SYM_OK", total), (bx, bw, seeded, n, x, w, s)

        over = [c for c in corner_sums(bx, bw, seed, n + 1) if not INT32_MIN <= c[0] <= INT32_MAX]
        assert over, f"{bx}x{bw} seed={seeded}: no corner input overflows at N = {n + 1}"
        _, x, w, s = over[0]
        assert c_linear_forward(x, w, s, n + 1, bx, bw) == ("SYM_ERR_INT_OVERFLOW", None), (bx, bw, seeded, n + 1)
        assert v.counterexample["x_uniform"] * v.counterexample["w_uniform"] * (n + 1) + v.counterexample["seed"] \
            in [c[0] for c in over]  # the reported counterexample is one of them
