"""Benchmark: a fuzz campaign of at least 10^7 executions over every target.

Each kernel family runs a fixed number of libFuzzer executions (default
1,500,000: 1.2 * 10^7 for the eight families), each parser target a time
budget (atheris runs Python, about a hundred times slower per input). Every
kernel corpus and crash input is then replayed through sv.kernels and
sv.emulate. Prints a markdown table (executions, execs/s, libFuzzer cov / ft,
corpus, findings per target) for docs/fuzzing.md and writes the records as
JSON. Run it niced on a shared machine:

    nice -n 10 python benchmarks/fuzz_campaign.py [--runs 1500000] [--parser-seconds 60]
        [--work-dir DIR] [--json FILE]

Exit 1 if the campaign gate fails (a finding, a target with zero executions)
or the total stays below 10^7 executions.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from symverify.fuzzing import campaign

MIN_TOTAL = 10_000_000


def markdown(results: list[campaign.TargetResult]) -> str:
    rows = ["| target | executions | execs/s | cov | ft | corpus | crashes | replayed (agree) | rejected | findings |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        rep = "-" if r.replay is None else f"{r.replay.compared}"
        rej = "-" if r.replay is None else f"{r.replay.rejected}"
        rows.append(f"| {r.name} | {r.run.executions:,} | {r.run.execs_per_sec:,} | {r.run.cov} | {r.run.ft} | "
                    f"{r.run.corpus} | {len(r.run.artifacts)} | {rep} | {rej} | {r.findings} |")
    total = sum(r.run.executions for r in results)
    secs = sum(r.run.seconds for r in results)
    rows.append(f"| **total** | **{total:,}** | {int(total / secs) if secs else 0:,} | | | | "
                f"{sum(len(r.run.artifacts) for r in results)} | | | {sum(r.findings for r in results)} |")
    return "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1_500_000, help="libFuzzer executions per kernel family")
    ap.add_argument("--parser-seconds", type=float, default=60.0, help="seconds per atheris parser target")
    ap.add_argument("--work-dir", type=Path, default=None, help="corpora and artifacts (default: a temp dir)")
    ap.add_argument("--json", type=Path, default=None, help="write the per-target records here")
    args = ap.parse_args()
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="symverify-fuzz-campaign-"))
    start = time.monotonic()
    kernels = campaign.run_campaign(work, campaign.ALL_TARGETS[:len(campaign.FAMILIES)], runs=args.runs,
                                    log=lambda s: print(s, flush=True))
    parsers = campaign.run_campaign(work, campaign.ALL_TARGETS[len(campaign.FAMILIES):],
                                    seconds=args.parser_seconds, log=lambda s: print(s, flush=True))
    results = [*kernels, *parsers]
    wall = time.monotonic() - start
    total = sum(r.run.executions for r in results)
    print(markdown(results))
    print(f"\nwall time {wall:.0f} s, work dir {work}")
    if args.json:
        args.json.write_text(json.dumps({"wall_seconds": round(wall), "total_executions": total,
                                         "targets": [r.record() for r in results]}, indent=2) + "\n")
    problems = campaign.gate(results)
    if total < MIN_TOTAL:
        problems.append(f"only {total:,} executions (< {MIN_TOTAL:,})")
    for p in problems:
        print(f"FAIL {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
