"""``symverify fuzz``: coverage-guided fuzzing of the kernels and parsers."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .options import output_file, writable_dir

EXIT_OK = 0
EXIT_FAILED = 1


@click.command("fuzz")
@click.option("--target", "targets", multiple=True, metavar="NAME",
              help="Fuzz only this target (repeatable): a kernel family (round, convert, requant, accumulate, "
                   "linear, layernorm, loss, sgd) or parse_model / parse_catalog / parse_equivalent / "
                   "parse_vectors. Default: all.")
@click.option("--seconds", type=click.FloatRange(min=1), default=None,
              help="Time budget per target (libFuzzer -max_total_time).")
@click.option("--total-seconds", type=click.FloatRange(min=1), default=None,
              help="Time budget for all selected targets together, split evenly.")
@click.option("--runs", type=click.IntRange(min=1), default=None,
              help="Executions per kernel target (libFuzzer -runs).")
@click.option("--parser-runs", type=click.IntRange(min=1), default=None,
              help="Executions per parser target (default: --runs).")
@click.option("--work-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Seeds, corpora and crash inputs (default: $SYMVERIFY_CACHE/fuzz-work; corpora are kept).")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              callback=output_file, help="Write one record per target as JSON to FILE.")
@click.option("--no-replay", is_flag=True, help="Skip the sv.kernels / sv.emulate replay of the kernel corpora.")
def fuzz(targets: tuple[str, ...], seconds: float | None, total_seconds: float | None, runs: int | None,
         parser_runs: int | None, work_dir: Path | None, json_file: Path | None, no_replay: bool) -> None:
    """Fuzz the C kernels (libFuzzer + ASan/UBSan, seeded from the golden
    vectors, every corpus and crash input replayed through both backends) and
    the file parsers (atheris); a table of executions, execs/s, coverage and
    findings per target. Exit 0 when every target ran, found nothing and the
    replay compared inputs; 1 otherwise (a finding, zero executions, a missing
    toolchain); 2 usage error."""
    from symverify.build import cache_dir
    from symverify.fuzzing import campaign
    from symverify.fuzzing.libfuzzer import FuzzToolError

    console = Console(width=max(Console().width, 110))
    selected = tuple(targets) or campaign.ALL_TARGETS
    unknown = [t for t in selected if t not in campaign.ALL_TARGETS]
    if unknown:
        raise click.BadParameter(f"unknown target(s) {unknown}; expected some of {list(campaign.ALL_TARGETS)}",
                                 param_hint="--target")
    if total_seconds is not None:
        if seconds is not None:
            raise click.UsageError("give --seconds or --total-seconds, not both")
        seconds = max(1.0, total_seconds / len(selected))
    if seconds is None and runs is None:
        seconds = 10.0
    work = work_dir or cache_dir() / "fuzz-work"
    writable_dir(work, "--work-dir")
    try:
        results = campaign.run_campaign(work, selected, seconds=seconds, runs=runs, parser_runs=parser_runs,
                                        replay=not no_replay, log=lambda s: console.print(f"[dim]{escape(s)}[/]"))
    except FuzzToolError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}")
        sys.exit(EXIT_FAILED)
    table = Table(title="symverify fuzz")
    for column in ("target", "executions", "execs/s", "cov", "ft", "corpus", "crashes", "replayed", "rejected",
                   "findings"):
        table.add_column(column, justify="left" if column == "target" else "right")
    for r in results:
        replayed = "-" if r.replay is None else str(r.replay.compared)
        rejected = "-" if r.replay is None else str(r.replay.rejected)
        table.add_row(r.name, f"{r.run.executions:,}", f"{r.run.execs_per_sec:,}", str(r.run.cov), str(r.run.ft),
                      str(r.run.corpus), str(len(r.run.artifacts)), replayed, rejected, str(r.findings))
    console.print(table)
    if json_file is not None:
        from ..reporting.emit import write_json
        write_json(json_file, {"results": [r.record() for r in results]})
    problems = campaign.gate(results)
    for p in problems:
        console.print(f"[red]FAIL[/] {escape(p)}", soft_wrap=True)
    if problems:
        sys.exit(EXIT_FAILED)
    console.print(f"[green]ok[/]: {sum(r.run.executions for r in results):,} executions, no finding")
    sys.exit(EXIT_OK)
