"""``symverify mutate --engine universalmutator``: the terminal side of the
independent-mutator gate (:mod:`.universal`)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from . import universal


def main(console: Any, jobs: int, sample_size: int | None, seed: int, json_path: Path | None,
         files: list[str] | None = None) -> int:
    """Run the gate and print its figures; the exit code: 0 every compiled
    non-equivalent mutant killed, 1 a survivor, a replayer error or NO compiled
    mutant at all (a gate over nothing proves nothing)."""
    out = universal.run(jobs=jobs, sample_size=sample_size, seed=seed, files=files,
                        log=lambda s: console.print(f"[dim]{s}[/]"))
    fig = universal.summary(out)
    for m in out.survivors():
        console.print(f"[red]SURVIVED[/] {m.uid}  kernels/src/{m.file}:{m.line}  (rule {m.rule!r})")
        console.print("    " + m.diff().replace("\n", "\n    "))
    for m in out.mutants:
        r = out.results[m.uid]
        if r.status == "RuntimeError":
            console.print(f"[red]ERROR[/] {m.uid}: {r.reason}")
    what = "all" if sample_size is None else f"a sample of {len(out.mutants)} (seed {seed})"
    console.print(f"universalmutator, {what}: {fig['mutants']} mutants, {fig['compiled']} compiled, "
                  f"{fig['killed']} killed, {fig['equivalent_tce']} equivalent (identical object code), "
                  f"{fig['equivalent_reviewed']} equivalent (reviewed), {fig['survived']} survived; "
                  f"score [bold]{fig['score']:.1f}%[/] over {fig['cases']} gold-suite cases")
    console.print("time: " + ", ".join(f"{k} {v:.1f}s" for k, v in fig["seconds"].items()))
    if json_path:
        rows = [{"id": m.uid, "file": m.file, "line": m.line, "original": m.original, "mutated": m.mutated,
                 "rule": m.rule, "status": out.results[m.uid].status, "reason": out.results[m.uid].reason}
                for m in out.mutants]
        from symverify.reporting.emit import write_json
        write_json(json_path, {"summary": fig, "mutants": rows})
        console.print(f"wrote {json_path}")
    if fig["compiled"] == 0:
        console.print("[red]error:[/] no mutant compiled: the gate ran over nothing")
        return 1
    return 1 if fig["survived"] or fig["runtime_errors"] else 0
