"""Benchmark: compile-once mutant schemata vs one compilation per mutant.

Runs the full catalog through the schemata engine (cold: empty build and
result caches, so the per-source schemata compile is timed too), then rebuilds a
SAMPLE of the same mutants one compilation each (the mutant applied to a copy
of the kernel sources, compiled with the same flags, loaded in a fresh child
process that replays the gold suite) and EXTRAPOLATES the per-mutant cost to
the whole catalog. Prints both figures and the ratio.

    python benchmarks/bench_mutate.py [--jobs 2] [--sample 30] [--full-seconds S]

``--full-seconds S``: skip the full run and use S, the wall time of a cold
``symverify mutate`` measured the same session (the sample is then drawn from
a schemata build in ``$SYMVERIFY_CACHE``). The one-by-one figures are also
given as CPU time of the process tree (compiler and replay children), which
a shared machine disturbs less than the wall time.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from symverify import build
from symverify.mutants import engine
from symverify.mutants.catalog import load_catalog
from symverify.mutants.sites import Mutant, _apply  # noqa: PLC2701 (benchmark reuses the engine's edit logic)

REPLAY = """
import sys, cffi
from pathlib import Path
from symverify import build
from symverify.mutants import gold
root = Path(sys.argv[2])
ffi = cffi.FFI(); ffi.cdef(build.cdef_from_headers(build.kernel_headers(root)))
lib = ffi.dlopen(sys.argv[1])
cases, _ = gold.load_suite()
for c in cases:
    if gold.run_case(c, ffi, lib):
        sys.exit(1)
"""


def mutated_file(sch: engine.Schemata, m: Mutant) -> str:
    sf = sch.sources.files[m.file]
    toks = sf.tokens
    if m.kind == "expr":
        reg = sf.regions[m.region]
        return sf.text[:toks[reg.start].start] + m.mutated + sf.text[toks[reg.end - 1].end:]
    st = sf.statements[m.stmt]
    a, b = toks[st.start].start, toks[st.end - 1].end
    if m.kind == "delete":
        return sf.text[:a] + ";" + sf.text[b:]
    return sf.text[:b] + " " + sf.text[a:b] + sf.text[b:]


def _tree_cpu() -> float:
    """User + system CPU seconds of this process and its waited-for children."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def one_by_one(sch: engine.Schemata, sample: list[Mutant]) -> float:
    t0 = time.perf_counter()
    for m in sample:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "kernels"
            shutil.copytree(build.kernel_dir() / "include", root / "include")
            shutil.copytree(build.kernel_dir() / "src", root / "src")
            (root / "src" / Path(m.file).name).write_text(mutated_file(sch, m))
            env = dict(os.environ, SYMVERIFY_CACHE=str(Path(tmp) / "cache"))
            os.environ["SYMVERIFY_CACHE"] = env["SYMVERIFY_CACHE"]
            try:
                lib = build.compile_shared(build.kernel_sources(root), "release", include_dirs=[root / "include"],
                                           name="bench")
            except build.BuildError:
                continue
            finally:
                os.environ.pop("SYMVERIFY_CACHE")
            subprocess.run([sys.executable, "-c", REPLAY, str(lib), str(root)], env=env, capture_output=True,
                           timeout=60, check=False)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--sample", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--full-seconds", type=float, default=None)
    args = ap.parse_args()
    if args.full_seconds is None:
        saved = os.environ.get("SYMVERIFY_CACHE")
        os.environ["SYMVERIFY_CACHE"] = tempfile.mkdtemp(prefix="bench-mutate-")  # cold: schemata compiled too
        t0 = time.perf_counter()
        out = engine.run(jobs=args.jobs, use_cache=False)
        full = time.perf_counter() - t0
        if saved is None:
            os.environ.pop("SYMVERIFY_CACHE")
        else:
            os.environ["SYMVERIFY_CACHE"] = saved
        sch, n = out.schemata, len(out.selected)
        print(f"schemata: {n} mutants, full run (compile once + release pass + sanitize pass) {full:.1f} s "
              f"with --jobs {args.jobs}  [{', '.join(f'{k} {v:.1f}s' for k, v in out.seconds.items())}]")
    else:
        full = args.full_seconds
        sch = engine.prepare(workers=args.jobs)
        n = len(sch.sources.mutants)
        print(f"schemata: {n} mutants, full run measured separately: {full:.1f} s with --jobs {args.jobs}")
    sample = random.Random(args.seed).sample(sch.active, min(args.sample, len(sch.active)))
    cpu0 = _tree_cpu()
    t_sample = one_by_one(sch, sample)
    cpu = (_tree_cpu() - cpu0) / len(sample)
    per = t_sample / len(sample)
    extrapolated = per * n / max(1, args.jobs)
    print(f"one compilation per mutant: measured {len(sample)} mutants in {t_sample:.1f} s ({per:.2f} s each, "
          f"{cpu:.2f} s CPU each, release build + replay only, serial); EXTRAPOLATED to {n} mutants on "
          f"{args.jobs} cores: {extrapolated:.0f} s")
    print(f"ratio (one-by-one extrapolated / schemata measured): {extrapolated / full:.1f}x")
    print("load average (1, 5, 15 min) at the end: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
          + " (other jobs on the machine slow both figures)")


if __name__ == "__main__":
    main()
