"""``symverify mutate``: mutation score of the gold suite against the kernel
mutant catalog (compile-once mutant schemata, forked isolated runs).

Exit codes: 0 every non-equivalent mutant is killed (or, with --since, no
mutant on the changed lines: "nothing to score"); 1 a mutant survived, a
replayer error, or no mutant was scored; 2 usage error (a bad --since
revision, an output path that cannot be written); 3 the catalog / equivalence
file is malformed or does not fit the sources, a vector file is unusable, or
the build failed.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..reporting.adapters import mutate_cases
from ..reporting.console import make_console, make_progress
from ..reporting.emit import report_options, write_reports
from ..reporting.stamp import run_stamp
from .options import output_file


@click.group(invoke_without_command=True)
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=2, show_default=True,
              help="Parallel worker processes (forked children).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), callback=output_file,
              help="Write a mutation-testing-elements JSON report (Stryker / Mull schema).")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path), callback=output_file,
              help="Write a standalone HTML report.")
@click.option("--since", metavar="GITREV", help="Only mutants on kernel lines changed since GITREV (git diff -U0).")
@click.option("--no-cache", is_flag=True, help="Re-run every mutant (ignore the result cache).")
@click.option("--no-sanitize", is_flag=True,
              help="Skip the second pass on the UBSan/ASan schemata build (its kills then count as survivors).")
@click.option("--catalog", "catalog_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Use this catalog instead of the shipped mutants/catalog.toml.")
@click.option("--operator", "operators", multiple=True, metavar="ID", help="Only mutants of this operator (repeatable).")
@click.option("--include-layers", is_flag=True, hidden=True,
              help="No effect: the layer kernels are always mutated (kept for old scripts).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--engine", type=click.Choice(["catalog", "universalmutator"]), default="catalog", show_default=True,
              help="catalog: the mutant catalog (schemata); universalmutator: the independent mutator's C rules, "
                   "one build per mutant (docs/mutation.md).")
@click.option("--sample", "sample_size", type=click.IntRange(1), default=None,
              help="universalmutator only: a fixed-seed sample of this many mutants (default: all).")
@click.option("--seed", type=int, default=0, show_default=True, help="universalmutator only: the sample's seed.")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Score an outside C project instead of the shipped kernels (docs/project.md).")
@click.option("--sources", multiple=True, metavar="GLOB", help="--project: C files to mutate, e.g. 'src/**/*.c' "
              "(repeatable; default: the project's symverify.toml / pyproject.toml).")
@click.option("--build-cmd", default=None, help="--project: the build command (bash, run in a copy of the project).")
@click.option("--test-cmd", default=None, help="--project: the test command (exit 0 = every test passed).")
@click.option("--mode", type=click.Choice(["auto", "schemata", "rebuild"]), default=None,
              help="--project: one schemata build with a runtime switch, one build per mutant, or auto "
                   "(schemata, falling back to rebuild).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="--project: seconds per mutant (default: 10x the unmutated test time, at least 5 s).")
@click.option("--shard", default=None, metavar="K/N", help="--project: only shard K of N (a stable split by "
              "mutant id); join the reports with `symverify mutate merge`.")
@click.option("--min-score", type=click.FloatRange(0, 100), default=None,
              help="--project: exit 0 if the score is at least this percentage (default: every mutant detected).")
@click.pass_context
@report_options
def mutate(ctx: click.Context, jobs: int, json_path: Path | None, html_path: Path | None, since: str | None,
           no_cache: bool, no_sanitize: bool, catalog_path: Path | None, operators: tuple[str, ...],
           include_layers: bool, quiet: bool, engine: str = "catalog", sample_size: int | None = None,
           seed: int = 0, project: Path | None = None, sources: tuple[str, ...] = (), build_cmd: str | None = None,
           test_cmd: str | None = None, mode: str | None = None, timeout: float | None = None,
           shard: str | None = None, min_score: float | None = None, junit_file: Path | None = None,
           sarif_file: Path | None = None) -> None:
    """Run the golden vectors against every kernel mutant; exit non-zero if a
    non-equivalent mutant survives. With --project DIR: the mutation score of
    an outside C project's own tests."""
    if ctx.invoked_subcommand is not None:
        return
    project_opts = {"--sources": sources, "--build-cmd": build_cmd, "--test-cmd": test_cmd, "--mode": mode,
                    "--timeout": timeout, "--shard": shard, "--min-score": min_score}
    if project is None:
        given = [k for k, v in project_opts.items() if v not in (None, ())]
        if given:
            raise click.UsageError(f"{', '.join(given)} appl{'y' if len(given) > 1 else 'ies'} to --project only")
    else:
        own = {"--no-cache": no_cache, "--no-sanitize": no_sanitize, "--engine": engine != "catalog",
               "--sample": sample_size is not None, "--include-layers": include_layers,
               "--junit": junit_file is not None, "--sarif": sarif_file is not None}
        given = [k for k, v in own.items() if v]
        if given:
            raise click.UsageError(f"{', '.join(given)} applies to the shipped kernels only, not --project")
        from .mutate_project import run_project

        src = ctx.get_parameter_source("jobs")
        explicit_jobs = jobs if src is not None and src.name == "COMMANDLINE" else None
        sys.exit(run_project(Console(), project=project, sources=sources, build_cmd=build_cmd, test_cmd=test_cmd,
                             mode=mode, timeout=timeout, shard=shard, jobs=explicit_jobs, since=since,
                             operators=operators, catalog_path=catalog_path, json_path=json_path,
                             html_path=html_path, min_score=min_score))
    if engine == "universalmutator":
        if junit_file or sarif_file:
            raise click.UsageError("--junit / --sarif apply to --engine catalog only")
        _universalmutator(jobs, sample_size, seed, json_path, html_path, since, operators, catalog_path)
    if sample_size is not None:
        raise click.UsageError("--sample applies to --engine universalmutator only")
    from symverify.build import BuildError
    from symverify.goldgen.vectorset import VectorFileError
    from symverify.mutants import engine, report
    from symverify.mutants.catalog import CatalogError, load_catalog, load_equivalent
    from symverify.mutants.csource import CSourceError

    console = make_console()
    from symverify.mutants.mte_bundle import BundleError, bundle

    bad_input = (CatalogError, CSourceError, BuildError, VectorFileError, BundleError)
    try:
        if html_path:
            bundle()  # the vendored viewer is checked before the run, not after it
        if since:
            engine.changed_lines(since, engine.default_repo())  # a bad revision is a usage error, before any work
        catalog = load_catalog(catalog_path)
        load_equivalent()
        only = None
        if operators:
            unknown = [o for o in operators if o not in {op.id for op in catalog.operators}]
            if unknown:
                raise click.BadParameter(f"unknown operator id(s) {', '.join(unknown)} (not in "
                                         f"{catalog.path.name})", param_hint="'--operator'")
            # the selection only: engine.run compiles just these mutants into the schemata
            only = [m.uid for m in engine.collect_mutants(catalog).mutants if m.op in operators]
    except engine.RevisionError as exc:
        raise click.BadParameter(str(exc).removeprefix("--since: "), param_hint="'--since'") from None
    except bad_input as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        sys.exit(3)

    progress = make_progress(console, "mutants", TextColumn("[bold]mutants"), BarColumn(), MofNCompleteColumn(),
                             TextColumn("{task.description}"), TimeElapsedColumn(), disable=quiet)
    task = None
    counts = {"Killed": 0, "Survived": 0, "Timeout": 0}

    def tick(m, r) -> None:
        if r.phase == "release" or r.status != "Survived":
            counts[r.status] = counts.get(r.status, 0) + 1
        if task is not None:
            progress.update(task, advance=1 if r.phase == "release" else 0,
                            description=f"killed {counts['Killed']} survived {counts['Survived']}")

    try:
        with progress:
            task = progress.add_task("", total=None)
            outcome = engine.run(jobs=jobs, since=since, use_cache=not no_cache, sanitize=not no_sanitize,
                                 catalog=catalog, only=only, log=lambda s: console.print(f"[dim]{escape(s)}[/]"),
                                 progress=tick)
    except engine.RevisionError as exc:
        raise click.BadParameter(str(exc).removeprefix("--since: "), param_hint="'--since'") from None
    except bad_input as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        sys.exit(3)
    except (RuntimeError, ValueError) as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}")
        sys.exit(1)

    statuses = ["Killed", "Timeout", "Survived", "Ignored", "CompileError", "RuntimeError"]
    tables = (("per operator", report.per_operator(outcome)), ("per kernel", report.per_kernel(outcome)))
    for title, rows in tables if outcome.selected else ():
        table = Table(title=f"mutants {escape(title)}")
        table.add_column(title.split()[-1])
        for s in statuses:
            table.add_column(s, justify="right")
        table.add_column("total", justify="right")
        for name, c in rows:
            table.add_row(escape(name), *(str(c.get(s, 0)) for s in statuses), str(sum(c.values())))
        console.print(table)

    surv = report.survivors(outcome)
    for m in surv:
        r = outcome.results[m.uid]
        console.print(f"[red]SURVIVED[/] {escape(f'{m.uid}  {m.file}:{m.line}  ({r.reason})')}")
        console.print(f"    {m.diff().replace(chr(10), chr(10) + '    ')}", markup=False)
        if r.covered_by:
            console.print(f"    reached by {r.covered} golden vector(s), e.g. {escape(', '.join(r.covered_by[:3]))}: "
                          "one of them (or a new fixture next to them) should have killed it")
        else:
            console.print("    no golden vector reaches this line: a fixture for it is missing")

    det, valid, pct = report.score(outcome)
    ignored = sum(outcome.results[m.uid].status == "Ignored" for m in outcome.selected)
    comp = sum(outcome.results[m.uid].status == "CompileError" for m in outcome.selected)
    secs = outcome.seconds
    eq = report.equivalents(outcome)
    if valid:
        console.print(f"mutation score [bold]{pct:.1f}%[/]: {det}/{valid} killed; {ignored} equivalent "
                      f"({eq.get('proven (Z3)', 0)} proven (Z3), {eq.get('justified (reviewed)', 0)} justified "
                      f"(reviewed)), {comp} rejected by the compiler; {len(outcome.selected)} mutants, "
                      f"{outcome.cases} golden vectors; {outcome.cached} from cache")
    console.print("passes: " + " + ".join(outcome.passes)
                  + ("" if "sanitize" in outcome.passes else
                     " (--no-sanitize: mutants only UBSan/ASan would kill count as survivors)"))
    console.print("time: " + ", ".join(f"{k} {v:.1f}s" for k, v in secs.items()))
    stamp = run_stamp()
    bad = [m for m in outcome.selected if outcome.results[m.uid].status in ("Survived", "RuntimeError")]
    if json_path:
        report.write_json(outcome, catalog, json_path, stamp)
        console.print(f"wrote {json_path}", markup=False)
    if html_path:
        report.write_html(outcome, catalog, html_path, stamp)
        console.print(f"wrote {html_path}", markup=False)
    write_reports(mutate_cases(outcome), "mutate", not bad and valid > 0, junit_file, sarif_file, stamp)
    if bad:
        sys.exit(1)
    if valid == 0:  # 0/0 is no evidence: never a passing score
        sys.exit(_nothing_scored(console, outcome, comp, ignored))
    sys.exit(0)


def _nothing_scored(console: Console, outcome, compile_errors: int, equivalent: int) -> int:
    """Exit code and message of a run in which no mutant was scored: with
    --since "nothing to score" (exit 0, the changed lines hold no scoreable
    mutant), otherwise a failure (exit 1: the selection tests nothing)."""
    why = (f"{len(outcome.selected)} mutants selected, {equivalent} equivalent, {compile_errors} rejected by "
           "the compiler")
    if outcome.since is not None:
        lines = outcome.changed_lines or 0
        where = (f"no kernel line changed since {outcome.since}" if not lines else
                 f"{lines} kernel line(s) changed since {outcome.since}, {why}")
        console.print(f"[bold]nothing to score[/]: {escape(where)} (not a mutation score)")
        return 0
    console.print(f"[red]error:[/] no mutant was scored ({escape(why)}): an empty selection proves nothing")
    return 1


def _universalmutator(jobs: int, sample_size: int | None, seed: int, json_path: Path | None,
                      html_path: Path | None, since: str | None, operators: tuple[str, ...],
                      catalog_path: Path | None) -> None:
    """The independent-mutator gate (symverify.mutants.universal); exits."""
    from symverify.build import BuildError
    from symverify.mutants import universal_cli

    for flag, value in (("--html", html_path), ("--since", since), ("--operator", operators),
                        ("--catalog", catalog_path)):
        if value:
            raise click.UsageError(f"{flag} applies to --engine catalog only")
    console = Console(stderr=False)
    try:
        code = universal_cli.main(console, jobs, sample_size, seed, json_path)
    except BuildError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}")
        sys.exit(3)
    except RuntimeError as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}")
        sys.exit(1)
    sys.exit(code)


def _add_merge() -> None:
    from .mutate_project import merge

    mutate.add_command(merge)


_add_merge()
