"""Instructions per call of every registered kernel on a vector set.

Each family's harness image (the golden vectors, or the vector directory
given) runs on unicorn from reset to exit; the harness compares every output
bit-exactly on the target as under QEMU, so a run whose report is not a
clean pass (:meth:`symverify.xtarget.RunResult.ok`) is reported as failed
and its counts are not to be trusted. Watched functions: the C entry points
of the family's kernels (``symverify/registry.py``); a call counts from the
entry point's first instruction to its return, callees included. Only
outermost calls count (a layer step's internal call of
``sym_requant_dynamic`` is part of the step, not a requant call).
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from .. import registry
from .. import xtarget as xt
from .elf import read_elf
from .engine import Call, Machine, memory_regions
from .images import family_image, linker_script_path


def entry_points(family: str) -> dict[str, str]:
    """C entry point -> kernel name, for the kernels of ``family``."""
    out: dict[str, str] = {}
    for k in registry.kernels_of(family):
        for entry in k.c_entry_points:
            out.setdefault(entry, k.name)
    return out


@dataclass
class FamilyCount:
    """One family's harness image counted on one core."""

    core: str
    family: str
    elf: Path
    linker_script: str
    result: xt.RunResult                 # the harness report, parsed as xtarget does
    instructions: int                    # the whole image, startup and harness included
    calls: list[Call] = field(default_factory=list)   # outermost calls of the watched entry points
    kernel_of: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.result.ok

    def problems(self) -> list[str]:
        return self.result.problems()


def count_family(core: xt.Core, family: str, tools: xt.Tools, *, vectors: Path | None = None,
                 linker_script: str | None = None, exact: bool = False,
                 timeout_s: float = 600.0) -> FamilyCount:
    """Build ``family``'s harness image for ``core`` and run it on unicorn,
    counting every outermost call of the family's kernel entry points."""
    elf_path, script, expected = family_image(core, family, tools, vectors=vectors, linker_script=linker_script)
    elf = read_elf(elf_path)
    watch = entry_points(family)
    machine = Machine(core.key, elf, memory_regions(linker_script_path(script)), exact=exact)
    outcome = machine.run(watch, timeout_s=timeout_s)
    result = xt.RunResult(core.key, family, outcome.exit_code, expected)
    xt.parse_report(result, outcome.console)
    if outcome.error:
        result.error = (result.error + "; " if result.error else "") + f"unicorn: {outcome.error}"
    calls = [c for c in outcome.calls if c.depth == 0]
    return FamilyCount(core.key, family, elf_path, script, result, outcome.instructions, calls, watch)


@dataclass
class KernelStats:
    """Instructions per call of one kernel on one core (successful calls only;
    calls that return an error status are counted apart)."""

    core: str
    kernel: str
    calls: int
    ok_calls: int
    min: int
    median: int
    max: int
    mean: float
    total: int


def kernel_stats(counts: Sequence[FamilyCount]) -> list[KernelStats]:
    """Per (core, kernel) statistics over the outermost calls with status 0."""
    rows = []
    for fc in counts:
        by_kernel: dict[str, list[Call]] = {}
        for c in fc.calls:
            by_kernel.setdefault(fc.kernel_of[c.function], []).append(c)
        for kernel in [k.name for k in registry.kernels_of(fc.family)]:
            calls = by_kernel.get(kernel, [])
            ok = [c.instructions for c in calls if c.status == 0]
            if not calls:
                continue
            rows.append(KernelStats(fc.core, kernel, len(calls), len(ok), min(ok, default=0),
                                    int(statistics.median(ok)) if ok else 0, max(ok, default=0),
                                    statistics.fmean(ok) if ok else 0.0, sum(ok)))
    return rows

