"""Benchmark of ``symverify prove`` (not a timed test).

Prints, in one run: the whole-suite wall and CPU time (cold cache, N
processes; CPU = user + sys of this process and its workers, the figure to
compare on a loaded machine), the sum of lemma times, the slowest lemma and
how many lemmas took over 2 s (wall, and CPU where the runner records it),
each lemma's time, and the same facts encoded naively as 64-bit bit-vectors
(bit-blasted: int32 values sign-extended to 64 bits, float32 steps as FP
terms without the case split / rounding-error model) with a timeout, as
ratios naive / ours.

    python benchmarks/bench_prove.py [--jobs 2] [--timeout 10] [--naive-bits 2,12,16] [--top 15]
                                     [--repeat 3] [--summary-only]
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time

import z3

from symverify.proofs import fp, lemmas, runner
from symverify.proofs.steps import qmax, qmin


def naive_mac(b: int, seeded: bool, n: int):
    """seed + N*x*w over BitVec(64) (the overflow fact, bit-blasted)."""
    bv = lambda v: z3.BitVecVal(v, 64)
    x, w, seed, k = z3.BitVecs("x w seed k", 64)
    smax = lemmas.SEED_MAX if seeded else 0
    acc = seed + k * (x * w)
    pre = [x >= bv(qmin(b)), x <= bv(qmax(b)), w >= bv(qmin(b)), w <= bv(qmax(b)),
           seed >= bv(-smax), seed <= bv(smax), k >= bv(0), k <= bv(n)]
    return pre, z3.And(acc >= bv(fp.INT32_MIN), acc <= bv(fp.INT32_MAX))


def naive_convert(b: int):
    """|fl(x / fl(A/qMax))| < qMax + 1/2 directly in FP theory (no error model)."""
    x, A = fp.fvar("x"), fp.fvar("A")
    s = fp.fdiv(A, fp.fconst(float(qmax(b))))
    v = fp.fdiv(x, s)
    pre = [z3.fpGT(A, fp.fconst(0.0)), fp.is_finite(A), z3.fpLEQ(fp.fabs(x), A), z3.fpIsNormal(s)]
    return pre, z3.fpLT(fp.fabs(v), fp.fconst(qmax(b) + 0.5))


def naive_value_sum(b: int, n: int):
    x, k = z3.BitVecs("x k", 64)
    bv = lambda v: z3.BitVecVal(v, 64)
    acc = k * x
    pre = [x >= bv(qmin(b)), x <= bv(qmax(b)), k >= bv(0), k <= bv(n)]
    return pre, z3.And(acc >= bv(fp.INT32_MIN), acc <= bv(fp.INT32_MAX))


def solve(pre, goal, timeout_s):
    s = z3.Solver()
    s.set("timeout", int(timeout_s * 1000))
    s.add(*pre, z3.Not(goal))
    t = time.perf_counter()
    r = s.check()
    return str(r), time.perf_counter() - t


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def cold_prove(jobs: int) -> tuple[list, float, float]:
    """Every lemma with an empty cache: (results, wall s, CPU s)."""
    with tempfile.TemporaryDirectory() as cache:
        os.environ["SYMVERIFY_CACHE"] = cache  # cold: nothing cached
        t0, c0 = time.perf_counter(), _cpu()
        res = runner.run_all((None, None), use_cache=False, jobs=jobs)
        return res, time.perf_counter() - t0, _cpu() - c0


def summarize(res: list, wall: float, cpu: float, jobs: int, rep: int) -> None:
    slow = max(res, key=lambda r: r.seconds)
    cpus = [getattr(r, "cpu_seconds", None) for r in res]
    cpu_txt = ""
    if all(c is not None for c in cpus):
        top = max(res, key=lambda r: r.cpu_seconds)
        cpu_txt = (f", lemma CPU sum {sum(cpus):.2f} s, slowest CPU {top.id} {top.cpu_seconds:.3f} s, "
                   f"over 2 s CPU {sum(c > 2 for c in cpus)}")
    print(f"run {rep + 1}: symverify prove: {len(res)} lemmas, wall {wall:.2f} s on {jobs} processes, "
          f"CPU {cpu:.2f} s, sum of lemma times {sum(r.seconds for r in res):.2f} s, "
          f"slowest {slow.id} {slow.seconds:.3f} s, over 2 s {sum(r.seconds > 2 for r in res)}{cpu_txt}, "
          f"unexpected outcomes {sum(not r.ok for r in res)}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=10.0, help="per naive query (s)")
    ap.add_argument("--naive-bits", default="2,12,16")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--repeat", type=int, default=1, help="cold full runs")
    ap.add_argument("--summary-only", action="store_true", help="only the per-run summary lines")
    args = ap.parse_args()

    for rep in range(args.repeat):
        res, wall, cpu = cold_prove(args.jobs)
        summarize(res, wall, cpu, args.jobs, rep)
    if args.summary_only:
        return 0
    by_id = {r.id: r for r in res}
    slow = sorted(res, key=lambda r: -r.seconds)
    print(f"\nslowest {args.top} lemmas:")
    for r in slow[:args.top]:
        print(f"  {r.seconds:8.3f} s  {r.status:15s} {r.id}")
    print("\nall lemma times (s):")
    for r in res:
        print(f"  {r.seconds:.4f} {r.id}")

    print(f"\nnaive 64-bit bit-blasted encodings of the same facts (timeout {args.timeout:.0f} s):")
    print(f"  {'fact':45s} {'ours (s)':>9s} {'naive (s)':>10s} {'ratio':>8s}  naive result")
    for b in (int(x) for x in args.naive_bits.split(",")):
        rows = []
        for seeded in (False, True):
            tag = "guard" if seeded else "none"
            n = lemmas.max_safe_count(*lemmas.sum_bounds(b, b), lemmas.SEED_MAX if seeded else 0)
            ours = by_id[f"mac.fan_in[b={b},seed={tag},N={n}]"]
            rows.append((f"mac.fan_in b={b} seed={tag} N<={n}", ours, naive_mac(b, seeded, n)))
        nv = lemmas.max_safe_count(*lemmas.sum_bounds(b, None), 0)
        rows.append((f"value_sum b={b} N<={nv}", by_id[f"value_sum.safe[b={b},N={nv}]"], naive_value_sum(b, nv)))
        rows.append((f"convert.range b={b} (FP theory, no error model)", by_id[f"convert.range[b={b},HA]"],
                     naive_convert(b)))
        for name, ours, (pre, goal) in rows:
            r, t = solve(pre, goal, args.timeout)
            shown = f">{args.timeout:.0f}" if r == "unknown" else f"{t:.3f}"
            ratio = (t if r != "unknown" else args.timeout) / max(ours.seconds, 1e-6)
            print(f"  {name:45s} {ours.seconds:9.4f} {shown:>10s} {('>' if r == 'unknown' else '') + f'{ratio:.0f}x':>8s}  {r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
