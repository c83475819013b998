"""``symverify conform``: the golden vectors against someone else's kernels.

Exit codes: 0 every vector the adapter can express is bit-exact (an error
vector may also be met by an exit(N) of the other side); 1 a vector differs,
crashes, exits on an OK vector or times out, or no vector was compared; 2
usage error; 3 the runner does not compile (adapter or sources).
"""
from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .options import output_file


@click.command("conform")
@click.argument("sources", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--adapter", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="sv_adapter.c: the sv_* functions of `symverify goldgen --emit` calling your kernels.")
@click.option("-I", "include_dirs", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Include directory of your sources (repeatable).")
@click.option("--cflags", default="", help="Extra compiler flags, e.g. '-DODT_SEED_GUARD -std=gnu11'.")
@click.option("--family", "families", multiple=True,
              type=click.Choice(["round", "convert", "requant", "accumulate"]),
              help="Only this family (repeatable; default: all primitive families).")
@click.option("--timeout", type=click.IntRange(1, 600), default=10, show_default=True,
              help="Seconds per vector (the child is killed after that).")
@click.option("--any-error-status", is_flag=True,
              help="An error vector passes with any nonzero status (your codes differ from symverify's).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), callback=output_file,
              help="Write every vector's outcome (with the inputs of each difference) as JSON.")
@click.option("--show", type=click.IntRange(0), default=20, show_default=True,
              help="Print at most this many differing vectors.")
def conform(sources: tuple[Path, ...], adapter: Path, include_dirs: tuple[Path, ...], cflags: str,
            families: tuple[str, ...], timeout: int, any_error_status: bool, json_path: Path | None,
            show: int) -> None:
    """Run every golden vector of the chosen families against your kernels
    (SOURCES, through --adapter), each vector in a forked child: bit-exact,
    differs (with the inputs), skipped, or exit / crash / timeout."""
    from symverify.goldgen.conform import ConformBuildError, run

    console = Console()
    try:
        flags = shlex.split(cflags)
    except ValueError as exc:
        raise click.BadParameter(f"{cflags!r}: {exc}", param_hint="'--cflags'") from None
    try:
        report = run(adapter, list(sources), list(families) or None, flags, list(include_dirs), timeout,
                     any_error_status)
    except ConformBuildError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        sys.exit(3)
    outcomes = ["bit-exact", "differs", "skipped", "error by exit", "exit", "crash", "timeout"]
    table = Table(title="conformance to the golden vectors")
    table.add_column("kernel", no_wrap=True)
    for o in outcomes:
        table.add_column(o, justify="right")
    for kernel, c in report.counts().items():
        table.add_row(kernel, *(str(c.get(o, 0)) for o in outcomes))
    console.print(table)
    failed = report.failed()
    for r in failed[:show]:
        console.print(f"[red]{r.outcome.upper()}[/] {escape(f'{r.kernel}[{r.index}] {r.name}: {r.detail}')}")
        if r.inputs:
            args = {k: v for k, v in r.inputs.items() if k.endswith("_dec") or not isinstance(v, str)
                    or not v.startswith("0x")}
            console.print(f"    inputs: {escape(json.dumps(args)[:400])}", soft_wrap=True)
    if len(failed) > show:
        console.print(f"... {len(failed) - show} more (see --json)")
    if json_path:
        Path(json_path).write_text(json.dumps(report.to_json(), indent=1))
        console.print(f"wrote {json_path}", markup=False)
    exact = sum(r.outcome == "bit-exact" for r in report.results)
    console.print(f"{exact} of {len(report.results)} vectors bit-exact, {len(failed)} failing, "
                  f"{sum(r.outcome == 'skipped' for r in report.results)} skipped, "
                  f"{sum(r.outcome == 'error by exit' for r in report.results)} errors reported by exit")
    if not exact:
        console.print("[red]error:[/] no vector was compared")
        sys.exit(1)
    sys.exit(1 if failed else 0)
