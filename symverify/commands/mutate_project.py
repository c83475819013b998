"""``symverify mutate --project DIR`` (an outside C project's mutation score)
and ``symverify mutate merge REPORTS...`` (shard reports into one score).

Exit codes: 0 the score holds (no surviving or uncovered mutant, or the score
is at least ``--min-score``); 1 it does not, no mutant was scored, or the
unmutated project fails its own build or tests; 2 usage error; 3 a malformed
settings file, catalog or shard report, or C the scanner cannot read.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .options import output_file

STATUSES = ["Killed", "Timeout", "Survived", "NoCoverage", "Ignored", "CompileError"]


def run_project(console: Console, *, project: Path, sources: tuple[str, ...], build_cmd: str | None,
                test_cmd: str | None, mode: str | None, timeout: float | None, shard: str | None,
                jobs: int | None, since: str | None, operators: tuple[str, ...], catalog_path: Path | None,
                json_path: Path | None, html_path: Path | None, min_score: float | None) -> int:
    """The whole ``--project`` run; returns the exit code."""
    from symverify.mutants import engine, merge, project as proj, report
    from symverify.mutants.catalog import CatalogError, load_catalog
    from symverify.mutants.csource import CSourceError
    from symverify.mutants.project_config import ProjectConfigError, ProjectFileError, load
    from symverify.mutants.shard import Shard, parse_shard

    try:
        the_shard = parse_shard(shard) if shard else Shard(1, 1)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--shard'") from None
    try:
        cfg = load(project, sources=sources, build_cmd=build_cmd, test_cmd=test_cmd, mode=mode, timeout=timeout,
                   operators=operators)
        catalog = load_catalog(catalog_path)
        unknown = [o for o in cfg.operators if o not in {op.id for op in catalog.operators}]
        if unknown:
            raise click.BadParameter(f"unknown operator id(s) {', '.join(unknown)} (not in {catalog.path.name})",
                                     param_hint="'--operator'")
    except ProjectFileError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return 3
    except ProjectConfigError as exc:
        raise click.UsageError(str(exc)) from None
    except CatalogError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return 3
    workers = jobs or cfg.jobs or 2
    console.print(f"[dim]project {escape(str(cfg.root))}: {len(cfg.source_files)} source file(s), settings from "
                  f"{escape(cfg.origin)}, shard {the_shard}[/]")
    try:
        po = proj.run(cfg, jobs=workers, shard=the_shard, since=since, catalog=catalog,
                      log=lambda s: console.print(f"[dim]{escape(s)}[/]"))
    except engine.RevisionError as exc:
        raise click.BadParameter(str(exc).removeprefix("--since: "), param_hint="'--since'") from None
    except CSourceError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return 3
    except (proj.ProjectRunError, ValueError) as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return 1
    out = po.outcome
    _tables(console, out)
    for m in out.selected:
        r = out.results[m.uid]
        if r.status in ("Survived", "NoCoverage"):
            console.print(f"[red]{r.status.upper()}[/] {escape(f'{m.uid}  {m.file}:{m.line}  ({r.reason})')}")
            console.print(f"    {m.diff().replace(chr(10), chr(10) + '    ')}", markup=False)
    det, valid, pct = report.score(out)
    secs = out.seconds
    console.print(f"mode {po.mode}" + (f" (schemata not possible: {escape(po.fallback.splitlines()[0])})"
                                       if po.fallback else "")
                  + f"; {len(out.selected)} of {po.total_mutants} mutants selected; "
                  f"{po.seconds_per_mutant * 1000:.1f} ms per mutant run")
    console.print("time: " + ", ".join(f"{k} {v:.2f}s" for k, v in secs.items()))
    if json_path or html_path:
        if json_path:
            Path(json_path).write_text(json.dumps(merge.project_report(po, catalog), indent=1))
            console.print(f"wrote {json_path}", markup=False)
        if html_path:
            report.write_html(out, catalog, html_path)
            console.print(f"wrote {html_path}", markup=False)
    if not valid:
        if since is not None:
            console.print(f"[bold]nothing to score[/]: no scoreable mutant on the lines changed since "
                          f"{escape(since)} (not a mutation score)")
            return 0
        console.print("[red]error:[/] no mutant was scored: an empty selection proves nothing")
        return 1
    console.print(f"mutation score [bold]{pct:.1f}%[/]: {det}/{valid} detected")
    if min_score is not None:
        return 0 if pct >= min_score else 1
    return 1 if det < valid else 0


def _tables(console: Console, out: Any) -> None:
    from symverify.mutants import report

    for title, rows in (("per operator", report.per_operator(out)), ("per function", report.per_kernel(out))):
        if not rows:
            continue
        table = Table(title=f"mutants {title}")
        table.add_column(title.split()[-1])
        for s in STATUSES:
            table.add_column(s, justify="right")
        table.add_column("total", justify="right")
        for name, c in rows:
            table.add_row(escape(name), *(str(c.get(s, 0)) for s in STATUSES), str(sum(c.values())))
        console.print(table)


@click.command("merge")
@click.argument("reports", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), callback=output_file,
              help="Write the merged mutation-testing-elements JSON report.")
@click.option("--min-score", type=click.FloatRange(0, 100), default=None,
              help="Exit 0 if the merged score is at least this percentage (default: every mutant detected).")
def merge(reports: tuple[Path, ...], json_path: Path | None, min_score: float | None) -> None:
    """Join the shard reports of `symverify mutate --project ... --shard K/N --json`
    into one score (every shard 1..N exactly once, same inputs)."""
    from symverify.mutants.merge import MergeError, merge as merge_reports

    console = Console()
    try:
        merged = merge_reports(list(reports))
    except MergeError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        sys.exit(3)
    cfg = merged["config"]
    counts: dict[str, int] = {}
    for f in merged["files"].values():
        for m in f["mutants"]:
            counts[m["status"]] = counts.get(m["status"], 0) + 1
    console.print(f"merged {len(reports)} shard report(s): " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if json_path:
        Path(json_path).write_text(json.dumps(merged, indent=1))
        console.print(f"wrote {json_path}", markup=False)
    if not cfg["valid"]:
        console.print("[red]error:[/] no mutant was scored")
        sys.exit(1)
    console.print(f"mutation score [bold]{cfg['mutationScore']:.1f}%[/]: {cfg['detected']}/{cfg['valid']} detected")
    ok = cfg["mutationScore"] >= min_score if min_score is not None else cfg["detected"] == cfg["valid"]
    sys.exit(0 if ok else 1)
