"""``symverify goldgen``: regenerate (or check) the golden vectors."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table

from ..reporting.console import make_console
from ..reporting.adapters import goldgen_cases
from ..reporting.emit import report_options, write_json, write_reports
from ..reporting.stamp import run_stamp
from .options import output_file, writable_dir

#: exit codes (see symverify/cli.py): 0 ok, 1 drift or a refused fixture catalog,
#: 3 a vector file that cannot be read or replaced
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_FILE = 3

_FAILED = ("drift", "missing", "mixed", "stale")
_STYLE = {"ok": "green", "unchanged": "green", "written": "cyan", **{s: "bold red" for s in _FAILED}}


@click.command("goldgen")
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; compare the vector files with a fresh emulator run and fail (exit 1) "
                   "with a unified diff on any drift.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory of the vector files (default: goldgen/vectors in the package).")
@click.option("--diff/--no-diff", "show_diff", default=True, show_default=True,
              help="With --check: print the unified diff of drifting files.")
@click.option("--emit", "emit", type=(click.Choice(["unity", "plain"]), click.Path(path_type=Path)), default=None,
              metavar="unity|plain DIR",
              help="Write ready-to-compile C tests of the shipped vectors for your own kernels into DIR (Unity tests "
                   "or a plain harness, through an adapter you fill in; docs/project.md). Writes no vector file.")
@click.option("--family", "families", multiple=True, metavar="NAME",
              help="With --emit: only this family (round, convert, requant, accumulate; repeatable).")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              callback=output_file, help="Write the per-family status (and diffs) as JSON to FILE.")
@report_options
def goldgen(check_only: bool, out_dir: Path | None, show_diff: bool,
            emit: tuple[str, Path] | None = None, families: tuple[str, ...] = (), json_file: Path | None = None,
            junit_file: Path | None = None, sarif_file: Path | None = None) -> None:
    """Regenerate the golden vectors from the float32 emulator.

    Evaluates every fixture of goldgen/fixtures.py with symverify.emulate (the
    golden source), runs the non-vacuity self-checks (each tie fixture must
    separate half-away from half-even and truncation), and writes per family
    (round, convert, requant, accumulate) a JSON file and a C99 header, plus
    the layer-kernel vectors (layers.json, goldgen/layer_fixtures.py: each
    fixture's declared status is checked) and the training-chain vectors
    (chain.json), all stamped with the emulator version and a fixture hash,
    and the manifest SHA256SUMS (sha256 of every file). Nothing is written
    before every family has been computed; the changed files are then staged
    in a temporary directory inside the output directory and renamed into
    place, the manifest last, so a killed run leaves either the old set or a
    set that disagrees with its manifest (--check and every reader name it;
    the next run completes it and removes the temporaries). --check covers
    every one of these files.

    \b
    Exit codes:
      0  vectors written / up to date
      1  --check found drift, missing files, a mixed set or temporaries of an
         interrupted run, or the fixture catalog was refused
      3  a vector file is unreadable, not text or not valid JSON (--check), or
         a directory stands where a vector file belongs
    """
    if emit is not None or families:
        _emit(emit, families, check_only, out_dir)
    from symverify.goldgen import generate
    from symverify.goldgen.vectorset import VectorFileError

    console = make_console()
    err = make_console(stderr=True)
    target = out_dir if out_dir is not None else generate.vectors_dir()
    if not check_only:
        writable_dir(target, "--out")  # before the emulator run, not after it
    try:
        results = generate.compute()
    except generate.FixtureError as exc:
        err.print(f"[bold red]goldgen refused the fixture catalog:[/] {escape(str(exc))}")
        sys.exit(EXIT_FAILED)
    try:
        report = generate.check(target, results) if check_only else generate.write(target, results)
    except (VectorFileError, OSError) as exc:
        err.print(f"[bold red]goldgen: bad vector file:[/] {escape(str(exc))}", soft_wrap=True)
        sys.exit(EXIT_BAD_FILE)

    table = Table(title=f"golden vectors ({'check' if check_only else 'generate'}) in {escape(str(target))}")
    table.add_column("family")
    table.add_column("vectors", justify="right")
    table.add_column("status")
    for item in report:
        table.add_row(item.family, str(item.vectors), f"[{_STYLE.get(item.status, 'white')}]{item.status}[/]")
    table.add_row("[bold]total[/]", f"[bold]{sum(i.vectors for i in report)}[/]", "")
    console.print(table)
    console.print(f"emulator version {generate.EMULATOR_VERSION}, fixture hash "
                  f"{generate.fx.fixture_hash()[:16]}...")

    drift = [i for i in report if i.status in _FAILED]
    stamp = run_stamp()
    if json_file is not None:
        write_json(json_file, {"mode": "check" if check_only else "generate", "directory": str(target),
                               "emulator_version": generate.EMULATOR_VERSION, "fixture_hash": generate.fx.fixture_hash(),
                               "ok": not drift,
                               "families": [{"family": i.family, "vectors": i.vectors, "status": i.status,
                                             "diff": i.diff} for i in report]}, stamp)
    write_reports(goldgen_cases(report, target), "goldgen --check" if check_only else "goldgen", not drift,
                  junit_file, sarif_file, stamp)
    if drift:
        if show_diff:
            for item in drift:
                # plain text on stdout so the diff stays readable in CI logs and when piped
                click.echo(item.diff, nl=False)
        err.print(f"[bold red]golden vectors drifted[/] in {escape(', '.join(i.family for i in drift))}: "
                  "review the diff; if the change is intended run `symverify goldgen` and commit the vectors.")
        sys.exit(EXIT_FAILED)
    sys.exit(EXIT_OK)


def _emit(emit: tuple[str, Path] | None, families: tuple[str, ...], check_only: bool, out_dir: Path | None) -> None:
    """``--emit unity|plain DIR``: write the C tests and exit."""
    from symverify.goldgen.emit_unity import EmitError, emit as emit_tests

    if emit is None:
        raise click.UsageError("--family applies to --emit only")
    if check_only or out_dir is not None:
        raise click.UsageError("--emit cannot be combined with --check or --out")
    framework, target = emit
    writable_dir(target, "--emit")
    try:
        done = emit_tests(framework, target, list(families))
    except EmitError as exc:
        raise click.UsageError(str(exc)) from None
    console = make_console()
    for item in done:
        console.print(f"{item.status:8s} {escape(str(item.path))}")
    kept = [i for i in done if i.status == "kept"]
    console.print(f"{len(done) - len(kept)} file(s) written into {escape(str(target))}"
                  + (f"; your adapter kept ({', '.join(i.path.name for i in kept)})" if kept else
                     "; now fill in sv_adapter.c (it stops the build with #error until you do)"))
    sys.exit(EXIT_OK)
