"""Compare the classification of two `symverify mutate --json` reports.

Two runs classify the mutants identically when every mutant id has the same
status (Killed, Survived, Ignored, Timeout, CompileError, ...) in both. Which
case or pass killed a mutant may differ (the replay order and the heap decide
which failing case is met first), so the kill reasons are only counted.

    python benchmarks/compare_mutate_reports.py BEFORE.json AFTER.json

Exit 0: identical classification; 1: a difference (each one listed);
3: a file that is not a mutation-testing-elements report.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path


def statuses(path: Path) -> dict[str, str]:
    """Mutant id -> status of a mutation-testing-elements report.
    ValueError naming the file if it is not one."""
    try:
        doc = json.loads(path.read_text())
        return {m["id"]: m["status"] for f in doc["files"].values() for m in f["mutants"]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path}: not a mutation-testing-elements report ({type(exc).__name__}: {exc})") from exc


def diff(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """One line per mutant whose status differs or that only one report has."""
    out = []
    for uid in sorted(before.keys() | after.keys()):
        a, b = before.get(uid, "(absent)"), after.get(uid, "(absent)")
        if a != b:
            out.append(f"{uid}: {a} -> {b}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    args = ap.parse_args(argv)
    try:
        before, after = statuses(args.before), statuses(args.after)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    lines = diff(before, after)
    for name, st in (("before", before), ("after", after)):
        print(f"{name}: {len(st)} mutants, " + ", ".join(f"{k} {v}" for k, v in sorted(Counter(st.values()).items())))
    for line in lines:
        print(line)
    print("identical classification" if not lines else f"{len(lines)} mutant(s) classified differently")
    return 0 if not lines else 1


if __name__ == "__main__":
    sys.exit(main())
