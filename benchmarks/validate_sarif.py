"""Validate symverify's SARIF with Microsoft's SARIF validator (run on demand,
not in CI: the npm package brings a 100 MB .NET binary).

    python benchmarks/validate_sarif.py [--multitool PATH]

Writes the SARIF of `bounds` on every example model and of
`goldgen --check` into a temporary directory, runs
`sarif-multitool validate` on each (default: `npx -y @microsoft/sarif-multitool@5.7.0`)
and prints the errors and warnings per file. Exit 1 if any file has an error.
"""
from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--multitool", default="npx -y @microsoft/sarif-multitool@5.7.0",
                    help="command that runs the SARIF multitool")
    args = ap.parse_args()
    tool = shlex.split(args.multitool)
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        jobs = [(f"bounds-{m.stem}", ["bounds", str(m.relative_to(REPO))]) for m in sorted((REPO / "examples").glob("*.toml"))]
        jobs.append(("goldgen-check", ["goldgen", "--check", "--no-diff"]))
        for name, words in jobs:
            sarif = Path(tmp) / f"{name}.sarif"
            subprocess.run([sys.executable, "-m", "symverify", *words, "--sarif", str(sarif)], cwd=REPO,
                           capture_output=True, check=False)
            if not sarif.is_file():
                print(f"{name}: no SARIF written")
                failed = True
                continue
            out = Path(tmp) / f"{name}.validation.sarif"
            subprocess.run([*tool, "validate", str(sarif), "--output", str(out)], capture_output=True, check=False)
            results = json.loads(out.read_text())["runs"][0].get("results", [])
            levels = Counter(r.get("level", "warning") for r in results)
            rules = Counter(r["ruleId"] for r in results)
            findings = len(json.loads(sarif.read_text())["runs"][0]["results"])
            print(f"{name}: {findings} finding(s); validator: {levels.get('error', 0)} error(s), "
                  f"{levels.get('warning', 0)} warning(s) {dict(rules)}")
            failed |= levels.get("error", 0) > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
