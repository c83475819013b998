"""Sweep every float32 of the used ranges through the portable exp / log
(symverify/emulator/mathf32.py, bit-identical to kernels/src/sym_mathf.c) and report the
largest error in float32 ulps against a float64 reference.

    python benchmarks/mathf_ulp.py [--step N]

exp: every float32 x in [-87, 0] (softmax calls it with x - max <= 0);
log: every float32 x in [1e-7, 1] (cross entropy clamps p >= 1e-7; p <= 1).
--step N takes every N-th bit pattern (a quicker sample)."""
from __future__ import annotations

import argparse
import time

import numpy as np

from symverify.emulator.mathf32 import expf32, logf32, ulp_error


def sweep(lo: float, hi: float, fn, ref, step: int, chunk: int = 1 << 22) -> tuple[float, float, int]:
    """(max ulp, x at the max, count) over the float32 bit patterns of [lo, hi]."""
    a, b = np.float32(lo), np.float32(hi)
    if a < 0 <= b:  # negative side: patterns of |x| from 0 to |lo|, negated
        ua, ub = np.uint32(0), np.abs(a).view(np.uint32)
        sign = np.float32(-1)
    else:
        ua, ub = a.view(np.uint32), b.view(np.uint32)
        sign = np.float32(1)
    worst, at, count = 0.0, 0.0, 0
    start = int(ua)
    while start <= int(ub):
        stop = min(start + chunk * step, int(ub) + 1)
        x = (np.arange(start, stop, step, dtype=np.uint32).view(np.float32) * sign).astype(np.float32)
        err = ulp_error(fn(x), x, ref)
        i = int(np.argmax(err))
        if err[i] > worst:
            worst, at = float(err[i]), float(x[i])
        count += x.size
        start = stop
    return worst, at, count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--step", type=int, default=1)
    args = ap.parse_args()
    for name, lo, hi, fn, ref in (("expf", -87.0, 0.0, expf32, np.exp), ("logf", 1e-7, 1.0, logf32, np.log)):
        t0 = time.perf_counter()
        worst, at, count = sweep(lo, hi, fn, ref, args.step)
        print(f"{name} on [{lo:g}, {hi:g}]: {count} inputs, max error {worst:.4f} ulp at x = {at!r} "
              f"({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
