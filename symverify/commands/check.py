"""``symverify check``: the main job on the shipped kernels in one go.

Runs each part (proofs, golden check, mutation score) as its own
``python -m symverify`` child so that one part's crash cannot hide another's
result, then prints a summary table. Exit 0 only if every part that exists
passed; a part whose command is not built yet is listed as missing and fails
the check unless ``--allow-missing`` is given.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from .. import cli as cli_module
from ..reporting.console import make_console
from ..reporting.cases import Case
from ..reporting.emit import report_options, write_json, write_text
from ..reporting.junit import junit_text, merge_junit, to_junit
from ..reporting.sarif import sarif_log, to_sarif_run
from ..reporting.stamp import run_stamp
from .options import output_file

#: (part name, command words) in the order they run.
PARTS: list[tuple[str, list[str]]] = [
    ("proofs", ["prove"]),
    ("golden vectors", ["goldgen", "--check"]),
    ("mutation score", ["mutate"]),
]


@dataclass
class PartResult:
    """Outcome of one part of the check."""

    name: str
    command: str
    status: str  # PASS | FAIL | MISSING
    seconds: float
    exit_code: int | None
    reports: dict[str, Path] = field(default_factory=dict)  # "json" | "junit" | "sarif" -> file the part wrote

    def case(self) -> Case:
        """The part itself as one case (a part that wrote no report of its own still shows)."""
        outcome = {"PASS": "pass", "FAIL": "fail", "MISSING": "skip"}[self.status]
        return Case("check", self.name, outcome, "check-part-failed",
                    "" if outcome == "pass" else f"{self.command}: {self.status} (exit {self.exit_code})",
                    self.seconds, properties={"command": self.command, "exit_code": self.exit_code})


def run_part(name: str, words: list[str], report_dir: Path | None = None) -> PartResult:
    """Run ``symverify <words>`` in a child process, streaming its output;
    with ``report_dir`` the child also writes its --json/--junit/--sarif there."""
    command = "symverify " + " ".join(words)
    if words[0] not in cli_module.cli.commands:
        return PartResult(name, command, "MISSING", 0.0, None)
    reports: dict[str, Path] = {}
    extra: list[str] = []
    if report_dir is not None:
        stem = words[0]
        reports = {kind: report_dir / f"{stem}.{kind}" for kind in ("json", "junit", "sarif")}
        for kind, path in reports.items():
            extra += [f"--{kind}", str(path)]
    start = time.perf_counter()
    code = subprocess.run([sys.executable, "-m", "symverify", *words, *extra], check=False).returncode
    return PartResult(name, command, "PASS" if code == 0 else "FAIL", time.perf_counter() - start, code,
                      {k: p for k, p in reports.items() if p.is_file()})


def _read_json(path: Path | None) -> Any:
    try:
        return json.loads(path.read_text()) if path else None
    except (OSError, ValueError):
        return None


def write_check_reports(results: list[PartResult], ok: bool, json_file: Path | None, junit_file: Path | None,
                        sarif_file: Path | None) -> None:
    """Join the parts' own reports: JSON with each part's report inside, JUnit
    with each part's test suites (plus one "check" suite of the parts), SARIF
    with one run per part."""
    stamp = run_stamp()
    if json_file is not None:
        write_json(json_file, {"ok": ok, "parts": [
            {"name": r.name, "command": r.command, "status": r.status, "seconds": r.seconds,
             "exit_code": r.exit_code, "report": _read_json(r.reports.get("json"))} for r in results]}, stamp)
    if junit_file is not None:
        docs = [to_junit([r.case() for r in results], "check")]
        for r in results:
            if "junit" in r.reports:
                try:
                    docs.append(ET.parse(r.reports["junit"]).getroot())
                except ET.ParseError:
                    pass  # the part's own case above already fails
        root = merge_junit(docs, "symverify check")
        root.set("timestamp", stamp["created"])
        write_text(junit_file, junit_text(root))
    if sarif_file is not None:
        runs = [to_sarif_run([r.case() for r in results], "check", stamp, ok)]
        for r in results:
            log = _read_json(r.reports.get("sarif"))
            if isinstance(log, dict):
                runs.extend(log.get("runs", []))
        write_text(sarif_file, json.dumps(sarif_log(runs), indent=2, default=str) + "\n")


@click.command()
@click.option("--allow-missing", is_flag=True, help="Do not fail on parts whose command is not built yet.")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              callback=output_file, help="Write the summary with every part's own JSON report to FILE.")
@report_options
def check(allow_missing: bool, json_file: Path | None = None, junit_file: Path | None = None,
          sarif_file: Path | None = None) -> None:
    """Run proofs, the golden-vector check and the mutation score on the
    shipped kernels; print a summary. Exit 0 only if all hold."""
    console = make_console()
    results = []
    want_reports = any(f is not None for f in (json_file, junit_file, sarif_file))
    with tempfile.TemporaryDirectory(prefix="symverify-check-") as tmp:
        for name, words in PARTS:
            console.rule(f"[bold]{name}[/]: symverify {' '.join(words)}")
            results.append(run_part(name, words, Path(tmp) if want_reports else None))
        failed = [r for r in results if r.status == "FAIL" or (r.status == "MISSING" and not allow_missing)]
        ok = not failed and any(r.status == "PASS" for r in results)
        if want_reports:
            write_check_reports(results, ok, json_file, junit_file, sarif_file)
    table = Table(title="symverify check")
    for column in ("part", "command", "status", "time [s]", "exit"):
        table.add_column(column)
    colour = {"PASS": "green", "FAIL": "red", "MISSING": "yellow"}
    for r in results:
        table.add_row(escape(r.name), escape(r.command), f"[{colour[r.status]}]{r.status}[/]", f"{r.seconds:.1f}",
                      "-" if r.exit_code is None else str(r.exit_code))
    console.print(table)
    if failed:
        console.print(f"[red]check failed:[/] {escape(', '.join(r.name for r in failed))}")
        sys.exit(1)
    if not any(r.status == "PASS" for r in results):  # --allow-missing with nothing built checks nothing
        console.print("[red]check failed:[/] no part ran")
        sys.exit(1)
    console.print("[green]all parts hold[/]")
