"""``symverify prove``: every step lemma for every width, PROVEN or COUNTEREXAMPLE."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..reporting.adapters import prove_cases
from ..reporting.console import make_console, make_progress
from ..reporting.emit import report_options, write_json, write_reports
from ..reporting.stamp import run_stamp
from .options import output_file

STYLE = {"PROVEN": "green", "COUNTEREXAMPLE": "yellow", "UNKNOWN": "red"}


def _cex_text(cex: dict | None) -> str:
    if not cex:
        return ""
    parts = []
    for k, v in cex.items():
        if isinstance(v, dict) and "value" in v:
            v = f"{v['value']} ({v['f32_bits']})"
        parts.append(f"{k}={v}")
    return ", ".join(parts)


@click.command("prove")
@click.option("--bits", "-b", multiple=True, type=click.IntRange(2, 16),
              help="Only lemmas of this width (repeatable). Width-independent lemmas are skipped then.")
@click.option("--lemma", "-l", "pattern", default=None, metavar="PATTERN",
              help="Only lemmas whose id or name matches (glob, e.g. 'mac.*' or substring 'requant').")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), callback=output_file,
              default=None,
              help="Write every result (with counterexamples) as JSON to FILE ('-' for stdout).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, show_default="number of cores",
              help="Parallel solver processes (at least 1).")
@click.option("--no-cache", is_flag=True, help="Re-prove everything (ignore the encoding-hash cache).")
@click.option("--time-limit", "limit_s", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True,
              metavar="SECONDS", help="Wall time per lemma; a lemma that takes longer is UNKNOWN (a failure).")
@click.option("--list", "list_only", is_flag=True, help="List the selected lemmas and exit.")
@click.option("--all-rows", is_flag=True, help="Print one table row per lemma (default: one row per family/mode).")
@report_options
def prove(bits: tuple[int, ...], pattern: str | None, json_file: Path | None, jobs: int | None, no_cache: bool,
          limit_s: float, list_only: bool, all_rows: bool, junit_file: Path | None = None, sarif_file: Path | None = None) -> None:
    """Prove the SYM step lemmas with Z3 for each width 2..16 and both rounding
    modes: every float->int32 cast in range, outputs inside [qMin, qMax],
    accumulators inside int32, exact largest safe fan-in.

    Lemmas expected to fail (docs/proofs.md, "Findings") must come out as
    COUNTEREXAMPLE with concrete values. Exit 0 only if every lemma has its
    expected outcome. Results are cached by encoding hash under
    $SYMVERIFY_CACHE (default ~/.cache/symverify)."""
    from symverify.proofs import runner

    console = make_console(stderr=json_file is not None and str(json_file) == "-")
    sel = runner.select(bits or None, pattern)
    if not sel:
        raise click.UsageError(f"no lemma matches bits={list(bits)} lemma={pattern!r}")
    if list_only:
        for lem in sel:
            console.print(f"{escape(lem.id)}  [dim]{lem.expect} ({lem.encoding})[/dim]  {escape(lem.statement)}")
        return
    t0 = time.perf_counter()
    with make_progress(console, "proving", TextColumn("[bold]proving"), BarColumn(), MofNCompleteColumn(),
                       TimeElapsedColumn(), TextColumn("{task.description}")) as prog:
        task = prog.add_task("", total=len(sel))

        def tick(res):
            prog.update(task, advance=1, description=res.id)

        results = runner.run_all((bits or None, pattern), use_cache=not no_cache, jobs=jobs or 0,
                                   progress=tick, limit_s=limit_s)
    wall = time.perf_counter() - t0

    table = Table(title="symverify prove", show_lines=False)
    for col in ("lemma", "widths", "mode", "encoding", "status", "expected", "time (max)"):
        table.add_column(col, justify="right" if col.startswith("time") else "left")
    if all_rows:
        groups = [[r] for r in results]
    else:
        keyed: dict = {}
        for r in results:
            key = (r.name, r.mode, tuple(sorted((k, v) for k, v in r.params.items() if k != "N")), r.expect, r.status)
            keyed.setdefault(key, []).append(r)
        groups = list(keyed.values())
    for g in groups:
        r = g[0]
        widths = sorted({x.bits for x in g if x.bits is not None})
        wtxt = (f"{widths[0]}..{widths[-1]}" if len(widths) > 1 and widths == list(range(widths[0], widths[-1] + 1))
                else ",".join(map(str, widths)) or "-")
        name = r.name + ("".join(f" {k}={v}" for k, v in r.params.items() if k != "N") if r.params else "")
        if len(g) == 1:
            name = r.id
        mode = {"half_away": "HA", "sr_half_away": "SR"}.get(r.mode or "", "-")
        ok = all(x.ok for x in g)
        status = f"[{STYLE.get(r.status, 'red')}]{r.status}[/]"
        exp = "[green]yes[/]" if ok else f"[red]NO (expected {r.expect})[/]"
        cached = " (cached)" if all(x.cached for x in g) else ""
        table.add_row(escape(name), wtxt, mode, r.encoding, status, exp, f"{max(x.seconds for x in g):.3f}s{cached}")
    console.print(table)

    findings = [r for r in results if r.finding and r.status == "COUNTEREXAMPLE"]
    if findings:
        ft = Table(title="known findings (expected counterexamples; one example per family, --all-rows for all)")
        for col in ("lemma", "falsified goal", "counterexample", "docs"):
            ft.add_column(col, overflow="fold")
        shown: dict = {}
        for r in findings:
            key = (r.name, tuple((k, v) for k, v in r.params.items() if k != "N"))
            if all_rows or key not in shown or r.bits in (12, 16):
                shown[key if not all_rows else r.id] = r
        for r in shown.values():
            ft.add_row(escape(r.id), escape(r.goal or ""), escape(_cex_text(r.counterexample)), escape(r.doc))
        console.print(ft)
    bad = [r for r in results if not r.ok]
    n_proven = sum(r.status == "PROVEN" for r in results)
    solve = sum(r.seconds for r in results)
    slowest = max(results, key=lambda r: r.seconds)
    console.print(f"{len(results)} lemmas: {n_proven} proven, {len(findings)} expected counterexamples, "
                  f"{len(bad)} unexpected; wall {wall:.2f}s, solver total {solve:.2f}s, "
                  f"slowest {escape(slowest.id)} {slowest.seconds:.3f}s")
    for r in bad:
        console.print("[red]UNEXPECTED[/] " + escape(f"{r.id}: {r.status} (expected {r.expect}) "
                                                     f"{r.goal or ''} {_cex_text(r.counterexample)}"))
    stamp = run_stamp()
    if json_file is not None:
        payload = {"lemmas": [r.to_json() for r in results],
                   "summary": {"total": len(results), "proven": n_proven, "findings": len(findings),
                               "unexpected": len(bad), "wall_seconds": wall, "solver_seconds": solve,
                               "ok": not bad}}
        write_json(json_file, payload, stamp)
    write_reports(prove_cases(results), "prove", not bad, junit_file, sarif_file, stamp)
    sys.exit(0 if not bad else 1)
