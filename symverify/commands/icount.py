"""``symverify icount``: instructions per kernel call and per training sample
on Cortex-M0+/M4/M7 (unicorn engine; docs/cortex-m.md "Instruction counts").

Per kernel: every family's harness image (golden vectors, or ``--vectors
DIR``) runs on unicorn, bit-exact as under QEMU, with every outermost call of
each registered kernel counted (successful calls; error calls apart). Per
training sample (``--model FILE``, repeatable): one SYM step of the model
file (the calls of ``symverify train``'s step at batch 1), summed over its
kernel calls, against the float32 C step (xtarget/f32) on the same core.
Exit 0 if every run matched bit for bit; 1 on a mismatch, a fault, or a
missing toolchain / unicorn; 2 usage; 3 a bad vector header or vector file
(unreadable, or not building) or model file.
"""
from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from .. import xtarget as xt
from ..goldgen.vectorset import VectorFileError
from ..reporting.console import make_console
from ..reporting.emit import write_json
from ..reporting.stamp import run_stamp
from .options import output_file
from .xtarget import _family_list


def _check_headers(families: list[str], vectors: Path | None) -> None:
    """VectorFileError for a family header or vector file (the source of the
    runner's case table) that is missing or unreadable."""
    from ..goldgen import vectorset

    for family in families:
        header = (vectors or xt.vectors_dir()) / f"{family}.h"
        if not header.is_file():
            raise VectorFileError(f"{header}: no vector header for family {family!r}")
        vectorset.read_text(header)
        doc = header.with_suffix(".json")
        if not doc.is_file():
            raise VectorFileError(f"{doc}: no vector file for family {family!r}")
        vectorset.read_json(doc)
    if vectors is None:
        xt.check_vector_headers(families)


@click.command()
@click.option("--cpu", "cpu", default=None, metavar="LIST",
              help="Comma-separated cores: m0plus, m4, m7 (aliases as in xtarget). Default: all three.")
@click.option("--family", "family", default=None, metavar="LIST",
              help=f"Kernel families of the per-kernel table. Default: {', '.join(xt.FAMILIES)}.")
@click.option("--vectors", "vectors", default=None,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Directory with <family>.json vector files and their <family>.h headers "
                   "(default: the golden vectors).")
@click.option("--model", "models", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Model file whose training step (one sample) to count, SYM vs float32. Repeatable.")
@click.option("--no-kernels", is_flag=True, help="Skip the per-kernel table (with --model: the step only).")
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=0, show_default=True,
              help="Model initialisation and sample seed of --model.")
@click.option("--exact", is_flag=True,
              help="Count with a per-instruction hook (slower; IT-block instructions whose condition "
                   "fails are then not counted).")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              callback=output_file, help="Write every count as JSON.")
def icount(cpu: str | None, family: str | None, vectors: Path | None, models: tuple[Path, ...],
           no_kernels: bool, seed: int, exact: bool, json_file: Path | None) -> None:
    """Count executed instructions per kernel call and per training sample on
    Cortex-M0+/M4/M7 (unicorn); every output checked bit-exactly on the target."""
    from ..icount import engine
    from ..model.modelfile import ModelFileError

    console = make_console()
    try:
        cores = xt.parse_cores(cpu)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--cpu") from None
    families = [] if no_kernels else _family_list(family)
    if no_kernels and not models:
        raise click.UsageError("--no-kernels without --model leaves nothing to count")
    try:
        _check_headers(families, vectors)
    except VectorFileError as exc:
        console.print(f"[red]icount: bad vector file:[/] {escape(str(exc))}", soft_wrap=True)
        raise SystemExit(3) from None
    try:
        engine.require_unicorn()
        tools = xt.find_tools()
    except (engine.IcountUnavailable, xt.XtargetUnavailable) as exc:
        console.print(f"[red]icount: {escape(str(exc))}[/]")
        raise SystemExit(1) from None

    start = time.perf_counter()
    ok = True
    record: dict = {"cores": [c.key for c in cores], "exact": exact, "kernels": [], "runs": [], "steps": []}
    if families:
        try:
            ok &= _kernel_tables(console, cores, families, vectors, tools, exact, record)
        except xt.XtargetError as exc:
            # a vector set of --vectors that does not build is bad input; the golden set not building is a failure
            what = "bad vector file" if vectors is not None else "build failed"
            console.print(f"[red]icount: {what}:[/] {escape(str(exc))}", soft_wrap=True)
            raise SystemExit(3 if vectors is not None else 1) from None
    for model in models:
        try:
            ok &= _step_table(console, model, cores, tools, seed, exact, record)
        except ModelFileError as exc:
            console.print(f"[red]icount: bad model file:[/] {escape(str(exc))}", soft_wrap=True)
            raise SystemExit(3) from None
    wall = time.perf_counter() - start
    console.print("counts: Thumb instructions executed by unicorn per call, from the function's first "
                  "instruction to its return, callees (soft-float, libm) included; not cycles "
                  "(docs/cortex-m.md)")
    verdict = ("[green]PASS[/]: every counted run bit-exact on unicorn" if ok else
               "[red]FAIL[/]: a counted run did not match (its counts are not to be trusted)")
    console.print(f"{verdict} ({wall:.1f} s)")
    if json_file is not None:
        record.update({"ok": ok, "seconds": wall})
        write_json(json_file, record, run_stamp())
    raise SystemExit(0 if ok else 1)


def _kernel_tables(console, cores, families, vectors, tools, exact, record) -> bool:
    from ..icount.vectors import count_family, kernel_stats

    ok = True
    for core in cores:
        counts = [count_family(core, f, tools, vectors=vectors, exact=exact) for f in families]
        table = Table(title=f"{core.key}: instructions per kernel call (unicorn "
                            f"{engine_model(core.key)})", title_justify="left")
        for col in ("kernel", "calls", "ok calls", "min", "median", "max", "mean"):
            table.add_column(col, justify="left" if col == "kernel" else "right")
        for s in kernel_stats(counts):
            table.add_row(s.kernel, str(s.calls), str(s.ok_calls), str(s.min), str(s.median), str(s.max),
                          f"{s.mean:.0f}")
            record["kernels"].append(asdict(s))
        console.print(table)
        for fc in counts:
            record["runs"].append({"core": fc.core, "family": fc.family, "ok": fc.ok, "problems": fc.problems(),
                                   "instructions": fc.instructions, "linker_script": fc.linker_script,
                                   "calls": [asdict(c) for c in fc.calls]})
            if not fc.ok:
                ok = False
                console.print(f"[red]{escape(f'{fc.core}/{fc.family}')}:[/] " + escape("; ".join(fc.problems())))
    return ok


def engine_model(core_key: str) -> str:
    from ..icount.engine import CPU_MODELS

    return CPU_MODELS[core_key.split("-", 1)[0]].removeprefix("UC_CPU_ARM_").lower().replace("_", "-")


def _step_table(console, model: Path, cores, tools, seed, exact, record) -> bool:
    from ..icount.step import StepError, count_step

    try:
        results = count_step(model, cores, tools, seed=seed, exact=exact)
    except StepError as exc:
        console.print(f"[red]icount: {escape(str(exc))}[/]", soft_wrap=True)
        raise SystemExit(3) from None
    except xt.XtargetError as exc:
        console.print(f"[red]icount: building the step images failed:[/] {escape(str(exc))}", soft_wrap=True)
        raise SystemExit(1) from None
    table = Table(title=f"{model}: instructions per training sample (batch 1: forward, loss, backward, SGD)",
                  title_justify="left")
    table.add_column("call")
    table.add_column("kernel")
    for r in results:
        table.add_column(r.core, justify="right")
    for i, (label, kernel, _) in enumerate(results[0].sym_calls):
        table.add_row(label, kernel, *(f"{r.sym_calls[i][2]:,}" if i < len(r.sym_calls) else "-" for r in results))
    table.add_row("[bold]SYM step[/]", "sum", *(f"[bold]{r.sym_instructions:,}[/]" for r in results))
    table.add_row("[bold]float32 step[/]", results[0].f32_function if results else "-",
                  *(f"[bold]{r.f32_instructions:,}[/]" if r.f32_missing is None else "-" for r in results))
    table.add_row("SYM / float32", "", *(f"{r.sym_instructions / r.f32_instructions:.1f}x"
                                         if r.f32_instructions else "-" for r in results))
    console.print(table)
    if results and results[0].f32_missing:
        console.print(f"  no float32 step: {escape(results[0].f32_missing)}")
    ok = True
    for r in results:
        record["steps"].append({**asdict(r), "sym_instructions": r.sym_instructions, "ok": r.ok, "seed": seed})
        if not r.ok:
            ok = False
            console.print(f"[red]{escape(f'{r.core}/{model}')}:[/] "
                          + escape("; ".join(r.sym_problems + r.f32_problems)))
    return ok
