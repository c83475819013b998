"""The independent-mutator gate over EVERY universalmutator mutant of the
kernel sources (the CI test runs a fixed-seed sample of 48).

    python benchmarks/bench_universalmutator.py [--jobs 2] [--files sym_sgd.c ...] [--json out.json]

Runs one kernel source at a time (so a long run reports as it goes) and
prints, per file and in total: mutants generated, compiled, killed, equivalent
(identical object code / reviewed), survived, time; then every survivor with
its stable id and diff. Exit 1 if a compiled non-equivalent mutant survived.
Measure with a cold cache on an idle machine: ``taskset -c 0,1``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from symverify.mutants import universal
from symverify.mutants.catalog import load_catalog, mutated_files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--files", nargs="*", help="kernel source basenames (default: the sources the catalog engine mutates)")
    ap.add_argument("--json", type=Path, help="write the per-file figures and the survivors (and replayer errors)")
    ap.add_argument("--no-sanitize", action="store_true", help="skip the UBSan/ASan re-run of release survivors")
    args = ap.parse_args(argv)
    files = args.files or mutated_files(load_catalog())
    rows, survivors = [], []
    t0 = time.perf_counter()
    for name in files:
        out = universal.run(jobs=args.jobs, files=[name], sanitize=not args.no_sanitize)
        fig = universal.summary(out)
        fig["file"] = name
        rows.append(fig)
        for m in out.mutants:
            if out.results[m.uid].status == "RuntimeError":
                survivors.append({"id": m.uid, "file": m.file, "line": m.line, "original": m.original.strip(),
                                  "mutated": m.mutated.strip(), "rule": m.rule,
                                  "runtime_error": out.results[m.uid].reason})
        for m in out.survivors():
            survivors.append({"id": m.uid, "file": m.file, "line": m.line, "original": m.original.strip(),
                              "mutated": m.mutated.strip(), "rule": m.rule})
        print(f"{name:18s} {fig['mutants']:6d} generated {fig['compiled']:6d} compiled {fig['killed']:6d} killed "
              f"{fig['equivalent_tce']:5d} TCE {fig['equivalent_reviewed']:3d} reviewed {fig['survived']:3d} survived "
              f"{fig['seconds']['total']:7.1f} s", flush=True)
        if args.json:
            args.json.write_text(json.dumps({"files": rows, "survivors": survivors}, indent=1))
    total = {k: sum(r[k] for r in rows) for k in ("mutants", "compiled", "compile_errors", "killed",
                                                  "equivalent_tce", "equivalent_reviewed", "survived")}
    valid = total["killed"] + total["survived"]
    print(f"{'total':18s} {total['mutants']:6d} generated {total['compiled']:6d} compiled {total['killed']:6d} killed "
          f"{total['equivalent_tce']:5d} TCE {total['equivalent_reviewed']:3d} reviewed {total['survived']:3d} survived "
          f"{time.perf_counter() - t0:7.1f} s; score {100.0 * total['killed'] / valid if valid else 0.0:.2f} %")
    for s in survivors:
        print(f"{'ERROR' if 'runtime_error' in s else 'SURVIVED'} {s['id']} {s['file']}:{s['line']}\n  - {s['original']}\n  + {s['mutated']}")
    if total["compiled"] == 0:
        print("error: no mutant compiled")
        return 1
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
