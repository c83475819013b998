"""``symverify check``: the main job on the shipped kernels in one go.

Runs each part (proofs, golden check, mutation score) as its own
``python -m symverify`` child so that one part's crash cannot hide another's
result, then prints a summary table. Exit 0 only if every part that exists
passed; a part whose command is not built yet is listed as missing and fails
the check unless ``--allow-missing`` is given.
"""
from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .. import cli as cli_module

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


def run_part(name: str, words: list[str]) -> PartResult:
    """Run ``symverify <words>`` in a child process, streaming its output."""
    command = "symverify " + " ".join(words)
    if words[0] not in cli_module.cli.commands:
        return PartResult(name, command, "MISSING", 0.0, None)
    start = time.perf_counter()
    code = subprocess.run([sys.executable, "-m", "symverify", *words], check=False).returncode
    return PartResult(name, command, "PASS" if code == 0 else "FAIL", time.perf_counter() - start, code)


@click.command()
@click.option("--allow-missing", is_flag=True, help="Do not fail on parts whose command is not built yet.")
def check(allow_missing: bool) -> None:
    """Run proofs, the golden-vector check and the mutation score on the
    shipped kernels; print a summary. Exit 0 only if all hold."""
    console = Console()
    results = []
    for name, words in PARTS:
        console.rule(f"[bold]{name}[/]: symverify {' '.join(words)}")
        results.append(run_part(name, words))
    table = Table(title="symverify check")
    for column in ("part", "command", "status", "time [s]", "exit"):
        table.add_column(column)
    colour = {"PASS": "green", "FAIL": "red", "MISSING": "yellow"}
    for r in results:
        table.add_row(escape(r.name), escape(r.command), f"[{colour[r.status]}]{r.status}[/]", f"{r.seconds:.1f}",
                      "-" if r.exit_code is None else str(r.exit_code))
    console.print(table)
    failed = [r for r in results if r.status == "FAIL" or (r.status == "MISSING" and not allow_missing)]
    if failed:
        console.print(f"[red]check failed:[/] {escape(', '.join(r.name for r in failed))}")
        sys.exit(1)
    if not any(r.status == "PASS" for r in results):  # --allow-missing with nothing built checks nothing
        console.print("[red]check failed:[/] no part ran")
        sys.exit(1)
    console.print("[green]all parts hold[/]")
