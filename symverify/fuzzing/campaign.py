"""One fuzz run over every target: the kernel families (libFuzzer, then the
backend replay of their corpus and crash inputs) and the parsers (atheris),
with each target's figures and the gate ``symverify fuzz`` and CI apply.

Layout under the work directory: ``<target>/seeds`` (regenerated each run),
``<target>/corpus`` (kept between runs: coverage accumulates) and
``<target>/artifacts`` (crash / timeout / leak inputs).
"""
from __future__ import annotations

import hashlib
import importlib.util
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from . import FAMILIES
from .libfuzzer import MEMORY_FLAGS, FuzzToolError, RunStats, fuzz_family, run_libfuzzer
from .parsers import TARGETS as PARSER_TARGETS
from .parsers import seed_inputs
from .replay import ReplayStats, replay_inputs
from .seeds import write_seed_corpus

ALL_TARGETS: tuple[str, ...] = (*FAMILIES, *(f"parse_{t}" for t in PARSER_TARGETS))


@dataclass
class TargetResult:
    """Figures of one target: libFuzzer's run and, for kernel families, the replay."""

    name: str
    kind: str  # "libfuzzer" | "atheris"
    seeds: int
    run: RunStats
    replay: ReplayStats | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def findings(self) -> int:
        return self.run.findings + (len(self.replay.findings) if self.replay else 0)

    def record(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        rec: dict[str, Any] = {
            "target": self.name, "kind": self.kind, "seeds": self.seeds,
            "executions": self.run.executions, "execs_per_sec": self.run.execs_per_sec,
            "seconds": round(self.run.seconds, 1), "cov": self.run.cov, "ft": self.run.ft,
            "corpus": self.run.corpus, "new_units": self.run.new_units,
            "crashes": [p.name for p in self.run.artifacts], "returncode": self.run.returncode,
            "findings": self.findings,
        }
        if self.replay is not None:
            rec["replay"] = {"inputs": self.replay.inputs, "agree_ok": self.replay.agree_ok,
                             "agree_error": self.replay.agree_error, "coerced": self.replay.coerced,
                             "rejected": self.replay.rejected,
                             "mismatches": [f.describe() for f in self.replay.findings]}
        return rec


def gate(results: list[TargetResult]) -> list[str]:
    """Why the run fails (empty: it passes): a finding, a target that ran
    zero executions, a replay that compared nothing, or no target at all."""
    problems = []
    if not results:
        problems.append("no fuzz target ran")
    for r in results:
        if r.run.executions <= 0:
            problems.append(f"{r.name}: the fuzzer ran zero executions (exit {r.run.returncode})")
        if r.run.artifacts:
            why = [line.strip() for line in r.run.log_tail.splitlines()
                   if "ERROR" in line or "INVARIANT" in line or "runtime error" in line][:2]
            problems.append(f"{r.name}: {len(r.run.artifacts)} crash input(s): "
                            + ", ".join(str(p) for p in r.run.artifacts) + "".join(f"\n  {w}" for w in why))
        elif r.run.returncode != 0:
            problems.append(f"{r.name}: libFuzzer exited {r.run.returncode} without an artifact:\n"
                            f"{r.run.log_tail}")
        if r.replay is not None:
            if r.replay.compared == 0:
                problems.append(f"{r.name}: the replay compared no input on both backends")
            for f in r.replay.findings:
                problems.append(f"{r.name}: backends differ: {f.describe()}")
    return problems


def _fresh(d: Path) -> Path:
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    return d


def require_atheris() -> None:
    if importlib.util.find_spec("atheris") is None:
        raise FuzzToolError("atheris is not installed: python3 -m pip install -e '.[fuzz]'")


def run_kernel_target(family: str, work: Path, seconds: float | None, runs: int | None,
                      replay: bool = True) -> TargetResult:
    """libFuzzer on one kernel family, then the replay of its corpus and artifacts."""
    root = work / family
    seeds = _fresh(root / "seeds")
    n_seeds = write_seed_corpus(family, seeds)
    artifacts = root / "artifacts"
    run = fuzz_family(family, root / "corpus", seeds, artifacts, seconds=seconds, runs=runs)
    result = TargetResult(family, "libfuzzer", n_seeds, run)
    if replay:
        inputs = [*(root / "corpus").iterdir(), *seeds.iterdir(), *run.artifacts]
        result.replay = replay_inputs(family, [p for p in inputs if p.is_file()])
    return result


def run_parser_target(target: str, work: Path, seconds: float | None, runs: int | None) -> TargetResult:
    """atheris on one parser (its own Python process)."""
    require_atheris()
    root = work / f"parse_{target}"
    seeds = _fresh(root / "seeds")
    blobs = seed_inputs(target)
    for blob in blobs:
        (seeds / hashlib.sha1(blob).hexdigest()).write_bytes(blob)
    corpus = root / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    artifacts = root / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "symverify.fuzzing.parsers", target, f"-artifact_prefix={artifacts}/",
           "-print_final_stats=1", "-max_len=16384", "-timeout=20", *MEMORY_FLAGS]
    if runs is not None:
        cmd.append(f"-runs={int(runs)}")
    if seconds is not None:
        cmd.append(f"-max_total_time={max(1, int(round(seconds)))}")
    cmd += [str(corpus), str(seeds)]
    limit = (seconds or 0) + 180 if runs is None else max(3600.0, (seconds or 0) + 3600)
    run = run_libfuzzer(cmd, f"parse_{target}", artifacts, timeout=limit)
    return TargetResult(f"parse_{target}", "atheris", len(blobs), run)


def run_campaign(work: Path, targets: tuple[str, ...] = ALL_TARGETS, seconds: float | None = None,
                 runs: int | None = None, parser_runs: int | None = None, replay: bool = True,
                 log: Callable[[str], None] = lambda s: None) -> list[TargetResult]:
    """Run ``targets`` one after another (``seconds`` and/or ``runs`` each;
    ``parser_runs`` overrides ``runs`` for the slower atheris targets)."""
    unknown = [t for t in targets if t not in ALL_TARGETS]
    if unknown:
        raise ValueError(f"unknown fuzz target(s) {unknown}: expected some of {list(ALL_TARGETS)}")
    results = []
    for t in targets:
        log(f"fuzzing {t} ...")
        if t.startswith("parse_"):
            r = run_parser_target(t[len("parse_"):], work, seconds, parser_runs if parser_runs is not None else runs)
        else:
            r = run_kernel_target(t, work, seconds, runs, replay)
        log(f"  {t}: {r.run.executions} executions, {r.run.execs_per_sec}/s, cov {r.run.cov}, ft {r.run.ft}, "
            f"findings {r.findings}")
        results.append(r)
    return results
