"""Mutation scoring of an outside C project (``symverify mutate --project DIR``).

The catalog's operators (SYM-specific and generic, with their file and
function filters dropped: those name symverify's own kernels) are applied to
the project's C files. Two ways to run the mutants, in copies of the project
under a temporary directory (the project itself is never written):

* schemata: one build of every mutant behind the runtime switch of
  :mod:`.project_rt`, then the test command once per mutant with
  ``SYMVERIFY_MUTANT=<id>``; mutants no test reaches are ``NoCoverage``
  without a run. A mutant the compiler rejects is blamed from the error lines
  and left out (``CompileError``). If the build still fails, ``auto`` mode
  falls back to:
* rebuild: per mutant, write its plain text, run the build command, then the
  test command.

Either way ``jobs`` workers run in parallel, each in its own copy, every
command in its own process group with a timeout (``Timeout``). A failing test
command is ``Killed``, a failing build ``CompileError``, exit 0 ``Survived``.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from .catalog import Catalog, load_catalog, load_equivalent
from .csource import parse_file
from .engine import Outcome, Result, Schemata
from .project_config import ProjectConfig
from .project_rt import COVERAGE_ENV, MUTANT_ENV, mutated_source, rt_header
from .shard import Shard, in_shard
from .sites import RT_HEADER, SIGNATURES, Mutant, SourceSet, _param_types, find_mutants, schemata_source

BUILD_TIMEOUT = 900.0
TIMEOUT_FACTOR = 10.0
TIMEOUT_MIN = 5.0


class ProjectRunError(RuntimeError):
    """The unmutated project does not build or its tests fail (no score possible)."""


@dataclass
class ProjectOutcome:
    """A project run: the engine's :class:`Outcome` (for the report code) plus
    what only a project run has."""

    outcome: Outcome
    config: ProjectConfig
    mode: str  # the mode that ran: schemata | rebuild
    shard: Shard
    total_mutants: int  # before sharding / --since / --operator
    fingerprint: str
    fallback: str = ""  # why auto mode fell back to rebuild
    seconds_per_mutant: float = 0.0
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- mutants
def generic_catalog(catalog: Catalog) -> Catalog:
    """The catalog with every operator's ``files`` / ``functions`` filter
    dropped (they name symverify's kernels, not the project's)."""
    ops = tuple(replace(op, files=(), functions=()) for op in catalog.operators)
    return replace(catalog, operators=ops, engine={k: v for k, v in catalog.engine.items() if k != "files"})


def collect_project(cfg: ProjectConfig, catalog: Catalog) -> SourceSet:
    """Parse the project's sources and number every mutant 1..N (ids are
    ``<file stem>:<function>:<operator>:<hash>``, stable across runs)."""
    ss = SourceSet(cfg.root, cfg.root)
    for rel in cfg.source_files:
        ss.files[rel] = parse_file(cfg.root / rel)
    SIGNATURES.clear()
    for sf in ss.files.values():
        for fn in sf.functions:
            SIGNATURES.setdefault(fn.name, _param_types(sf, fn))
    uids: dict[str, str] = {}
    for rel, sf in ss.files.items():
        for m in find_mutants(sf, rel, catalog):
            if m.uid in uids:
                raise ValueError(f"mutant id {m.uid} occurs in {uids[m.uid]} and {rel}: two files with the same "
                                 "stem define the same function; exclude one with 'exclude'")
            uids[m.uid] = rel
            ss.mutants.append(m)
    for i, m in enumerate(ss.mutants, start=1):
        m.num = i
    return ss


def fingerprint(cfg: ProjectConfig, catalog: Catalog, ss: SourceSet) -> str:
    """What the mutants and their outcomes depend on: sources, catalog,
    commands. Shard reports merge only with equal fingerprints."""
    h = hashlib.sha256()
    for part in (catalog.digest, cfg.build_cmd, cfg.test_cmd, ",".join(cfg.operators)):
        h.update(part.encode() + b"\0")
    for rel, sf in ss.files.items():
        h.update(rel.encode() + b"\0" + sf.text.encode() + b"\0")
    return h.hexdigest()[:24]


# --------------------------------------------------------------------------- commands
@dataclass
class CmdResult:
    code: int | None  # None: timed out
    output: str
    seconds: float


def run_cmd(cmd: str, cwd: Path, timeout: float, env: dict[str, str] | None = None) -> CmdResult:
    """``bash -c cmd`` in its own process group; the whole group is killed on timeout."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(["bash", "-c", cmd], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, _ = proc.communicate()
        code = None
    return CmdResult(code, out.decode(errors="replace"), time.perf_counter() - t0)


_FAIL_LINE = re.compile(r"^(?P<file>[^:\s]+):(?P<line>\d+):(?P<test>\w+):FAIL\b.*$", re.M)


def _killed(res: CmdResult, uid: str) -> Result:
    """Result of a test command that ran (exit code set)."""
    assert res.code is not None
    if res.code == 0:
        return Result(uid, "Survived", "survived: the test command passed")
    if res.code < 0:
        return Result(uid, "Killed", f"killed: crash ({signal.Signals(-res.code).name})")
    first = _FAIL_LINE.search(res.output)
    if first:
        return Result(uid, "Killed", f"killed: tests failed (exit {res.code}): {first.group(0).strip()[:300]}",
                      killer=first.group("test"))
    tail = " | ".join(res.output.strip().splitlines()[-2:])[:300]
    return Result(uid, "Killed", f"killed: test command failed (exit {res.code})" + (f": {tail}" if tail else ""))


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (MUTANT_ENV, COVERAGE_ENV)}
    env.update(extra)
    return env


def _copy_project(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    return dst


# --------------------------------------------------------------------------- schemata
_ERR = re.compile(r"^(?P<file>[^:\s]+\.[ch]):(?P<line>\d+):(?:\d+:)? (?:fatal )?error\b", re.M)


def _blame(work: Path, output: str) -> dict[int, str]:
    """Mutant ids on the source lines the compiler reported errors on."""
    nums: dict[int, str] = {}
    for m in _ERR.finditer(output):
        path = Path(m.group("file"))
        path = path if path.is_absolute() else work / path
        if not path.is_file():
            hits = list(work.rglob(Path(m.group("file")).name))
            if len(hits) != 1:
                continue
            path = hits[0]
        lines = path.read_text(errors="replace").splitlines()
        ln = int(m.group("line"))
        if 0 < ln <= len(lines):
            for num in re.findall(r"sym_mutant_active\((\d+)\)", lines[ln - 1]):
                line_end = output.find("\n", m.start())
                nums.setdefault(int(num), output[m.start():line_end if line_end > 0 else None].strip())
    return nums


def _write_schemata(work: Path, ss: SourceSet, active: list[Mutant]) -> None:
    by_file: dict[str, list[Mutant]] = {}
    for m in active:
        by_file.setdefault(m.file, []).append(m)
    header = rt_header(max((m.num for m in ss.mutants), default=0))
    for rel, sf in ss.files.items():
        target = work / rel
        if by_file.get(rel):
            target.write_text(schemata_source(sf, by_file[rel]))
            (target.parent / RT_HEADER).write_text(header)
        else:
            target.write_text(sf.text)


def build_schemata(cfg: ProjectConfig, ss: SourceSet, work: Path,
                   log: Callable[[str], None]) -> tuple[list[Mutant], dict[str, str], float] | str:
    """Build the schemata copy in ``work``; (active mutants, compile errors,
    build seconds), or the reason it cannot be built (a string)."""
    active = list(ss.mutants)
    errors: dict[str, str] = {}
    for _attempt in range(12):
        _write_schemata(work, ss, active)
        res = run_cmd(cfg.build_cmd, work, BUILD_TIMEOUT, _env())
        if res.code == 0:
            return active, errors, res.seconds
        if res.code is None:
            return f"the schemata build timed out (> {BUILD_TIMEOUT:.0f} s)"
        blamed = _blame(work, res.output)
        by_num = {m.num: m for m in active}
        blamed = {n: msg for n, msg in blamed.items() if n in by_num}
        if not blamed:
            tail = "\n".join(res.output.strip().splitlines()[-6:])
            return f"the schemata build fails and no mutant is to blame (exit {res.code}):\n{tail}"
        log(f"{len(blamed)} mutant(s) rejected by the compiler; rebuilding without them")
        for num, msg in blamed.items():
            errors[by_num[num].uid] = msg
        active = [m for m in active if m.num not in blamed]
    return "the schemata build still fails after 12 rounds of excluding blamed mutants"


# --------------------------------------------------------------------------- workers
class _Pool:
    """``n`` worker copies of a prepared tree; a worker is borrowed per job."""

    def __init__(self, first: Path, n: int, tmp: Path) -> None:
        self.dirs = [first] + [_copy_project(first, tmp / f"w{i}") for i in range(1, n)]
        self._free = list(self.dirs)
        self._lock = threading.Lock()

    def take(self) -> Path:
        with self._lock:
            return self._free.pop()

    def give(self, d: Path) -> None:
        with self._lock:
            self._free.append(d)


def _run_all(mutants: list[Mutant], pool: _Pool, jobs: int, one: Callable[[Mutant, Path], Result],
             progress: Callable[[Mutant, Result], None]) -> dict[str, Result]:
    results: dict[str, Result] = {}

    def task(m: Mutant) -> None:
        d = pool.take()
        try:
            r = one(m, d)
        finally:
            pool.give(d)
        results[m.uid] = r
        progress(m, r)

    with ThreadPoolExecutor(max_workers=jobs) as ex:
        for f in [ex.submit(task, m) for m in mutants]:
            f.result()
    return results


def _timeout_of(cfg: ProjectConfig, baseline: float) -> float:
    return cfg.timeout if cfg.timeout is not None else max(TIMEOUT_MIN, TIMEOUT_FACTOR * baseline)


def _run_schemata(cfg: ProjectConfig, ss: SourceSet, selected: list[Mutant], jobs: int, tmp: Path,
                  log: Callable[[str], None], progress: Callable[[Mutant, Result], None],
                  secs: dict[str, float]) -> dict[str, Result] | str:
    work = _copy_project(cfg.root, tmp / "w0")
    built = build_schemata(cfg, ss, work, log)
    if isinstance(built, str):
        shutil.rmtree(work, ignore_errors=True)
        return built
    active, errors, build_s = built
    secs["build"] = build_s
    if selected and all(m.uid in errors for m in selected):
        shutil.rmtree(work, ignore_errors=True)
        return "the compiler rejects every selected mutant of the schemata build"
    cov_file = tmp / "coverage.txt"
    base = run_cmd(cfg.test_cmd, work, BUILD_TIMEOUT, _env(**{MUTANT_ENV: "0", COVERAGE_ENV: str(cov_file)}))
    _check_baseline(cfg, base, "schemata build, mutant 0")
    secs["baseline"] = base.seconds
    reached = {int(x) for x in cov_file.read_text().split()} if cov_file.exists() else set()
    timeout = _timeout_of(cfg, base.seconds)
    results: dict[str, Result] = {}
    todo = []
    for m in selected:
        if m.uid in errors:
            results[m.uid] = Result(m.uid, "CompileError", f"compile error: {errors[m.uid]}")
        elif m.num not in reached:
            results[m.uid] = Result(m.uid, "NoCoverage", "no coverage: no test reaches this mutant")
            progress(m, results[m.uid])
        else:
            todo.append(m)

    def one(m: Mutant, d: Path) -> Result:
        res = run_cmd(cfg.test_cmd, d, timeout, _env(**{MUTANT_ENV: str(m.num)}))
        r = (Result(m.uid, "Timeout", f"killed: timeout (> {timeout:.1f} s)") if res.code is None
             else _killed(res, m.uid))
        r.seconds = res.seconds
        return r

    t0 = time.perf_counter()
    pool = _Pool(work, min(jobs, max(1, len(todo))), tmp)
    results.update(_run_all(todo, pool, jobs, one, progress))
    secs["mutants"] = time.perf_counter() - t0
    return results


def _check_baseline(cfg: ProjectConfig, res: CmdResult, what: str) -> None:
    if res.code != 0:
        tail = "\n".join(res.output.strip().splitlines()[-8:])
        why = "timed out" if res.code is None else f"exit {res.code}"
        raise ProjectRunError(f"the test command fails on the unmutated project ({what}; {why}): "
                              f"{cfg.test_cmd!r}\n{tail}")


def _run_rebuild(cfg: ProjectConfig, ss: SourceSet, selected: list[Mutant], jobs: int, tmp: Path,
                 progress: Callable[[Mutant, Result], None], secs: dict[str, float]) -> dict[str, Result]:
    work = _copy_project(cfg.root, tmp / "r0")
    b = run_cmd(cfg.build_cmd, work, BUILD_TIMEOUT, _env())
    if b.code != 0:
        tail = "\n".join(b.output.strip().splitlines()[-8:])
        raise ProjectRunError(f"the build command fails on the unmutated project: {cfg.build_cmd!r}\n{tail}")
    base = run_cmd(cfg.test_cmd, work, BUILD_TIMEOUT, _env())
    _check_baseline(cfg, base, "original sources")
    secs["build"], secs["baseline"] = b.seconds, base.seconds
    timeout = _timeout_of(cfg, base.seconds)
    build_timeout = max(60.0, TIMEOUT_FACTOR * b.seconds)

    def one(m: Mutant, d: Path) -> Result:
        sf = ss.files[m.file]
        target = d / m.file
        t0 = time.perf_counter()
        try:
            target.write_text(mutated_source(sf, m))
            br = run_cmd(cfg.build_cmd, d, build_timeout, _env())
            if br.code != 0:
                first = _ERR.search(br.output)
                msg = first.group(0) if first else ("build timed out" if br.code is None else f"exit {br.code}")
                r = Result(m.uid, "CompileError", f"compile error: {msg}")
            else:
                res = run_cmd(cfg.test_cmd, d, timeout, _env())
                r = (Result(m.uid, "Timeout", f"killed: timeout (> {timeout:.1f} s)") if res.code is None
                     else _killed(res, m.uid))
        finally:
            target.write_text(sf.text)
        r.seconds = time.perf_counter() - t0
        return r

    t0 = time.perf_counter()
    pool = _Pool(work, min(jobs, max(1, len(selected))), tmp)
    results = _run_all(selected, pool, jobs, one, progress)
    secs["mutants"] = time.perf_counter() - t0
    return results


# --------------------------------------------------------------------------- driver
def run(cfg: ProjectConfig, *, jobs: int = 2, shard: Shard = Shard(1, 1), since: str | None = None,
        catalog: Catalog | None = None, log: Callable[[str], None] = lambda s: None,
        progress: Callable[[Mutant, Result], None] = lambda m, r: None) -> ProjectOutcome:
    """Score the project's tests against the catalog's mutants of its sources.

    Raises ProjectRunError if the unmutated project fails to build or test,
    RevisionError (from :mod:`.gitdiff`) for a bad ``since``, CatalogError for an
    unknown operator, CSourceError for C the scanner cannot read."""
    from . import gitdiff
    from .catalog import CatalogError

    t_start = time.perf_counter()
    changed = gitdiff.changed_lines(since, cfg.root, cfg.source_files) if since else None
    catalog = generic_catalog(catalog or load_catalog())
    known = {op.id for op in catalog.operators}
    unknown = [o for o in cfg.operators if o not in known]
    if unknown:
        raise CatalogError(f"--operator: unknown operator id(s) {', '.join(unknown)} (not in {catalog.path.name})")
    if cfg.operators:
        catalog = replace(catalog, operators=tuple(op for op in catalog.operators if op.id in cfg.operators))
    ss = collect_project(cfg, catalog)
    selected = [m for m in ss.mutants if in_shard(m.uid, shard)]
    if changed is not None:
        selected = [m for m in selected
                    if any(ln in changed.get(m.file, ()) for ln in range(m.line, m.end_line + 1))]
    secs: dict[str, float] = {}
    fallback = ""
    mode = "rebuild" if cfg.mode == "rebuild" else "schemata"
    with tempfile.TemporaryDirectory(prefix="symverify-project-") as tmp_s:
        tmp = Path(tmp_s)
        results: dict[str, Result] | str = {}
        if selected and mode == "schemata":
            results = _run_schemata(cfg, ss, selected, jobs, tmp / "s", log, progress, secs)
            if isinstance(results, str):
                if cfg.mode == "schemata":
                    raise ProjectRunError(f"--mode schemata: {results}")
                fallback = results
                log(f"schemata not possible ({results.splitlines()[0]}); one build per mutant")
                mode = "rebuild"
        if selected and mode == "rebuild":
            results = _run_rebuild(cfg, ss, selected, jobs, tmp / "r", progress, secs)
    assert not isinstance(results, str)
    _apply_equivalent(cfg, results)
    ran = [r for r in results.values() if r.seconds > 0]
    per = sum(r.seconds for r in ran) / len(ran) if ran else 0.0
    secs["total"] = time.perf_counter() - t_start
    sch = Schemata(ss, {}, {u: r.reason for u, r in results.items() if r.status == "CompileError"}, [], {})
    outcome = Outcome(sch, selected, results, [], [], 0, secs, 0, [mode], since,
                      None if changed is None else sum(len(v) for v in changed.values()))
    return ProjectOutcome(outcome, cfg, mode, shard, len(ss.mutants), fingerprint(cfg, catalog, ss), fallback, per)


def _apply_equivalent(cfg: ProjectConfig, results: dict[str, Result]) -> None:
    if cfg.equivalent is None:
        return
    for uid, e in load_equivalent(cfg.equivalent).items():
        r = results.get(uid)
        if r is not None and r.status in ("Survived", "NoCoverage"):
            results[uid] = Result(uid, "Ignored", f"equivalent (reviewed justification): {e.justification}",
                                  equivalence="justified (reviewed)")


