"""``symverify xtarget``: golden vectors bit-exact on emulated Cortex-M cores.

Cross-compiles the kernels with arm-none-eabi-gcc for each core, runs every
family's golden vectors on qemu-system-arm (semihosting) and prints one table
per core: vectors run / matched, code size per kernel family, run time. Exit 0
only if every vector of every family matched on every core; 1 on any mismatch,
fault, timeout or missing toolchain; 3 a golden header that is unreadable, not
text, or disagrees with the vector set's SHA256SUMS (a mixed set).
"""
from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

import click
from rich.markup import escape
from rich.progress import TextColumn, TimeElapsedColumn
from rich.table import Table

from .. import xtarget as xt
from ..goldgen.vectorset import VectorFileError
from ..reporting.console import make_console, make_progress
from ..reporting.adapters import xtarget_cases
from ..reporting.emit import report_options, write_json, write_reports
from ..reporting.stamp import run_stamp
from .options import output_file


def _family_list(value: str | None) -> list[str]:
    if not value:
        return list(xt.FAMILIES)
    names = [v.strip() for v in value.split(",") if v.strip()]
    bad = [n for n in names if n not in xt.FAMILIES]
    if bad:
        raise click.BadParameter(f"unknown family {', '.join(bad)}: expected {', '.join(xt.FAMILIES)}")
    return names


def _result_record(r: xt.RunResult) -> dict:
    rec = {k: v for k, v in asdict(r).items() if k not in ("output", "size")}
    rec["ok"] = r.ok
    rec["problems"] = r.problems()
    rec["machine"] = xt.CORES[r.core].machine
    rec["code_size"] = asdict(r.size) if r.size else None
    if r.size:
        rec["code_size"]["own"] = r.size.own
    return rec


@click.command()
@click.option("--cpu", "cpu", default=None, metavar="LIST",
              help="Comma-separated cores: m0plus, m4, m7 (also cortex-m0plus, cortex-m4, "
                   "cortex-m7). Default: all three.")
@click.option("--family", "family", default=None, metavar="LIST",
              help=f"Comma-separated kernel families. Default: {', '.join(xt.FAMILIES)}.")
@click.option("--jobs", "-j", type=click.IntRange(1), default=None,
              help="Parallel builds/QEMU runs (default: number of CPUs).")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              callback=output_file,
              help="Write per-(core, family) results as JSON.")
@click.option("--timeout", type=click.FloatRange(1), default=120.0, show_default=True,
              help="Seconds per QEMU run.")
@click.option("--show-output", is_flag=True, help="Print the raw harness output of every run.")
@report_options
def xtarget(cpu: str | None, family: str | None, jobs: int | None, json_file: Path | None,
            timeout: float, show_output: bool, junit_file: Path | None = None,
            sarif_file: Path | None = None) -> None:
    """Cross-compile the kernels for Cortex-M0+/M4/M7 and run the golden
    vectors bit-exactly on qemu-system-arm; print vectors matched and code
    size per kernel family; exit non-zero on any mismatch."""
    console = make_console()
    try:
        cores = xt.parse_cores(cpu)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--cpu") from None
    families = _family_list(family)
    try:
        xt.check_vector_headers(families)
    except VectorFileError as exc:
        console.print(f"[red]xtarget: bad vector file:[/] {escape(str(exc))}", soft_wrap=True)
        raise SystemExit(3) from None
    start = time.perf_counter()
    try:
        with make_progress(console, "xtarget", TextColumn("[bold]cross-compiling and running on QEMU"),
                           TimeElapsedColumn()) as progress:  # off a TTY: a line every 10 s
            task = progress.add_task(f"{len(cores)} core(s) x {len(families)} families", total=None)
            results = xt.run_all(cores, families, jobs=jobs, timeout=timeout)
            progress.update(task, advance=len(results))
    except xt.XtargetUnavailable as exc:
        console.print(f"[red]xtarget: {escape(str(exc))}[/]")
        raise SystemExit(1) from None
    wall = time.perf_counter() - start

    for core in cores:
        rows = [r for r in results if r.core == core.key]
        table = Table(title=f"{core.key}: qemu-system-arm -M {core.machine} ({core.board})",
                      title_justify="left")
        for col in ("family", "vectors", "matched", "own B", "+helpers B", "+runtime B",
                    "total B", "qemu s", "status"):
            table.add_column(col, justify="left" if col in ("family", "status") else "right")
        for r in rows:
            size = r.size
            own = size.own if size else 0
            table.add_row(
                r.family, str(r.run), str(r.passed),
                str(own) if size else "-", str(size.kernels - own) if size else "-",
                str(size.runtime) if size else "-", str(size.total) if size else "-",
                f"{r.seconds:.2f}", "[green]PASS[/]" if r.ok else "[red]FAIL[/]",
            )
        console.print(table)
        if core.note:
            console.print(f"  note: {escape(core.note)}")
        for r in rows:
            if show_output:
                console.print(f"[bold]{escape(f'{r.core}/{r.family}')} output[/]\n{escape(r.output)}")
            if not r.ok:
                console.print(f"[red]{escape(f'{r.core}/{r.family}')}:[/] " + escape("; ".join(r.problems())))
                for line in r.failures[:20]:
                    console.print(f"    {line}", markup=False)
                if len(r.failures) > 20:
                    console.print(f"    ... {len(r.failures) - 20} more mismatching fields")
    console.print("code size: flash bytes after --gc-sections of a probe image that references every "
                  "public function of the family (own = its source files, +helpers = other kernel "
                  "sources it calls, +runtime = libgcc/libm members it pulls in)")
    total = sum(r.run for r in results)
    matched = sum(r.passed for r in results)
    ok = all(r.ok for r in results)
    console.print(f"{'[green]PASS[/]' if ok else '[red]FAIL[/]'}: {matched}/{total} vectors bit-exact "
                  f"over {len(cores)} core(s) x {len(families)} famil{'y' if len(families) == 1 else 'ies'} "
                  f"in {wall:.1f} s")
    stamp = run_stamp()
    if json_file is not None:
        write_json(json_file, {"ok": ok, "seconds": wall, "results": [_result_record(r) for r in results]}, stamp)
    write_reports(xtarget_cases(results), "xtarget", ok, junit_file, sarif_file, stamp)
    raise SystemExit(0 if ok else 1)
