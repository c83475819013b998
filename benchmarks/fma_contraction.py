"""Benchmark: how many accumulate_dynamic calls an FMA-contracting build changes.

Builds the kernels several ways, runs the same N random accumulate_dynamic
calls (8 elements each, 12-bit mantissas, HALF_AWAY; symverify.fpenv) through
each, and counts the calls whose outputs (mantissas, scale bits, status)
differ from the reference build (gcc, the project's flags, which is
bit-exact with the emulator and the golden vectors). Also prints what
sym_selftest_fp reports for each build.

    python benchmarks/fma_contraction.py [--calls 400000] [--length 8] [--seed 2026]

Needs an x86-64 CPU with FMA (-march=haswell) and clang for the pragma rows.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time

from symverify import fpenv

#: (label, extra flags, compiler or None for the default, sources keep the pragma)
BUILDS: tuple[tuple[str, tuple[str, ...], str | None, bool], ...] = (
    ("gcc -ffp-contract=fast -march=haswell", ("-ffp-contract=fast", "-march=haswell"), None, True),
    ("clang -march=haswell (default -ffp-contract=on), no pragma", ("-ffp-contract=on", "-march=haswell"),
     "clang", False),
    ("clang -march=haswell (default -ffp-contract=on), pragma", ("-ffp-contract=on", "-march=haswell"),
     "clang", True),
    ("clang -ffp-contract=fast -march=haswell, no pragma", ("-ffp-contract=fast", "-march=haswell"),
     "clang", False),
    ("clang -ffp-contract=fast -march=haswell, pragma", ("-ffp-contract=fast", "-march=haswell"),
     "clang", True),
    ("clang -ffp-contract=off -march=haswell, pragma", ("-ffp-contract=off", "-march=haswell"), "clang", True),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400_000)
    parser.add_argument("--length", type=int, default=8)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    if args.calls < 1 or args.length < 1:
        parser.error(f"--calls and --length must be >= 1 (got {args.calls}, {args.length})")
    inputs = fpenv.accumulate_inputs(args.calls, args.length, args.seed)
    start = time.perf_counter()
    ref = fpenv.accumulate_outputs(*fpenv.load_variant(()), inputs)
    print(f"reference: gcc, project flags; {args.calls} calls x {args.length} elements "
          f"in {time.perf_counter() - start:.1f} s")
    print(f"{'build':62} {'differing calls':>16} {'share':>7}  self-test")
    for label, flags, compiler, pragma in BUILDS:
        if compiler is not None and shutil.which(compiler) is None:
            print(f"{label:62} {'(no ' + compiler + ')':>16}")
            continue
        ffi, lib = fpenv.load_variant(flags, compiler, pragma=pragma)
        drift = fpenv.differing_calls(ref, fpenv.accumulate_outputs(ffi, lib, inputs))
        res = fpenv.run_selftest(ffi, lib)
        verdict = "ok" if res.ok else ", ".join(res.faults)
        print(f"{label:62} {drift:>16,} {drift / args.calls:>6.2%}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
