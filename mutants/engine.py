"""The compile-once mutation engine.

1. :func:`prepare` parses the kernels, applies the catalog and writes ONE
   schemata copy of the sources (in the cache dir, never in the repository),
   compiled once per variant with ``symverify.build.compile_shared`` and the
   kernels' own flags (``-Werror`` included). A mutant the compiler rejects is
   reported ``CompileError`` and left out of the build (found from the
   compiler's error lines, then the build is repeated).
2. :func:`run` loads the library and the golden vectors once, runs the
   unmutated library (id 0) over every vector while recording which mutant
   sites each vector reaches, then ``fork()``s one child per mutant (``jobs``
   at a time) that sets the runtime id and replays only the vectors that reach
   the mutant (sound: a vector that never reaches the site cannot tell the
   mutant from the original). Outcomes: status change / wrong output (golden),
   crash (signal), timeout (killed by the parent), and, in a second pass on the
   sanitize build for the release survivors, a UBSan/ASan report.
3. Results are cached by a hash of the kernel sources, the catalog, the
   golden vectors and this engine, so an unchanged mutant is never re-run.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from symverify import build

from . import gold, schemata_build
from .catalog import Catalog, CatalogError, check_catalog_names, load_catalog, load_equivalent
from .csource import parse_file
from .sites import RT_CDEF, RT_HEADER, RT_HEADER_TEXT, RT_SOURCE, Mutant, SourceSet, collect, rt_source, schemata_source

ENGINE_VERSION = "1"
PROVEN = "proven (Z3)"
JUSTIFIED = "justified (reviewed)"
SANITIZER_EXIT = {86: "ASan", 87: "UBSan"}


@dataclass
class Result:
    uid: str
    status: str  # Killed | Survived | Timeout | RuntimeError | CompileError | Ignored
    reason: str  # killed: golden (...) | killed: status (...) | killed: crash (SIGSEGV) | ...
    killer: str = ""  # the golden vector that killed it
    covered: int = 0  # number of golden vectors reaching the site
    covered_by: list[str] = field(default_factory=list)  # up to 5 labels
    phase: str = "release"
    seconds: float = 0.0
    equivalence: str = ""  # Ignored only: "proven (Z3)" or "justified (reviewed)"


# --------------------------------------------------------------------------- build
def _digest(paths: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


@dataclass
class Schemata:
    sources: SourceSet
    libs: dict[str, Path]
    compile_errors: dict[str, str]  # uid -> compiler message
    active: list[Mutant]  # mutants inside the build
    compile_seconds: dict[str, float]  # per variant: its compiler runs (0 if cached); "wall": the whole build


def _write_schemata(ss: SourceSet, active: list[Mutant], gen_dir: Path) -> list[Path]:
    gen_dir.mkdir(parents=True, exist_ok=True)
    by_file: dict[str, list[Mutant]] = {rel: [] for rel in ss.files}
    for m in active:
        by_file[m.file].append(m)
    paths = []
    for rel, sf in ss.files.items():
        out = gen_dir / Path(rel).name
        out.write_text(schemata_source(sf, by_file[rel]))
        paths.append(out)
    (gen_dir / RT_HEADER).write_text(RT_HEADER_TEXT)
    rt = gen_dir / RT_SOURCE
    rt.write_text(rt_source(max((m.num for m in ss.mutants), default=0)))
    paths.append(rt)
    return sorted(paths)


_ERR_LINE = re.compile(r"^(?P<file>[^:\s]+\.c):(?P<line>\d+):(?:\d+:)? (?:error|warning)")


def _blame(gen_dir: Path, stderr: str, active: list[Mutant]) -> dict[int, str]:
    """Mutant nums whose schemata lines the compiler complained about."""
    nums: dict[int, str] = {}
    texts: dict[str, list[str]] = {}
    for line in stderr.splitlines():
        m = _ERR_LINE.match(line)
        if not m:
            continue
        name = Path(m.group("file")).name
        if name not in texts:
            p = gen_dir / name
            texts[name] = p.read_text().splitlines() if p.exists() else []
        src = texts[name]
        ln = int(m.group("line"))
        if not 0 < ln <= len(src):
            continue
        found = [int(x) for x in re.findall(r"sym_mutant_active\((\d+)\)", src[ln - 1])]
        if "maybe-uninitialized" in line or "uninitialized" in line:
            found = []
            # a warning at a use site (e.g. maybe-uninitialized after a deleted
            # assignment): blame the statement deletions in the enclosing lines
            top = ln - 1
            while top > 0 and not src[top].startswith("{"):
                top -= 1
            window = "\n".join(src[top:ln])
            var = re.search(r"['\u2018](\w+)['\u2019]", line)
            for mm in re.finditer(r"if \(!sym_mutant_active\((\d+)\)\) \{ ([^;]*)", window):
                if var and re.match(rf"\s*\*?\s*{re.escape(var.group(1))}\b", mm.group(2)):
                    found.append(int(mm.group(1)))
        for num in found:
            nums.setdefault(num, line.strip())
    return nums


def collect_mutants(catalog: Catalog | None = None, kernel_root: Path | None = None) -> SourceSet:
    """Every mutant the catalog makes of the kernel sources, numbered as the
    schemata build numbers them, without compiling anything (``--operator``
    picks its mutants from this list). Raises CatalogError like :func:`prepare`
    for names the sources lack or an operator that matches nothing."""
    catalog = catalog or load_catalog()
    root = Path(kernel_root or build.kernel_dir())
    sources = build.kernel_sources(root)
    check_catalog_names(catalog, {p.name: [f.name for f in parse_file(p).functions] for p in sources})
    ss = collect(root, sources, catalog)
    _check_yield(catalog, ss.mutants, {})
    return ss


def prepare(catalog: Catalog | None = None, kernel_root: Path | None = None,
            variants: Iterable[str] = ("release",), log: Callable[[str], None] = lambda s: None,
            select: Callable[[Mutant], bool] | None = None, workers: int = 2) -> Schemata:
    """Collect the mutants and compile the schemata build(s), ``workers``
    compilers at a time.

    ``select``: build just the mutants it accepts (``--since``, ``only``):
    the others are not compiled in, so a small selection compiles like the
    plain kernels; compile errors are then known for the selection only.
    Raises CatalogError if the catalog names a file or function the kernel
    sources do not have, or has an operator that yields no mutant (or only
    mutants the compiler rejects); BuildError if the build fails."""
    catalog = catalog or load_catalog()
    root = Path(kernel_root or build.kernel_dir())
    sources = build.kernel_sources(root)
    ss = collect_mutants(catalog, root)
    key = _schemata_key(catalog, root)
    # a private source dir per process: parallel runs (pytest -n, CI jobs) never
    # compile a file another process is rewriting; the libraries themselves are
    # cached by content in compile_shared, so this costs nothing on a warm cache
    build.cache_dir().mkdir(parents=True, exist_ok=True)
    gen_dir = Path(tempfile.mkdtemp(prefix=f"mutate-src-{key}-", dir=build.cache_dir()))
    try:
        active = None if select is None else [m for m in ss.mutants if select(m)]
        sch = _build_schemata(ss, gen_dir, root, key, variants, log, active, workers)
    finally:
        shutil.rmtree(gen_dir, ignore_errors=True)
    _check_yield(catalog, ss.mutants, sch.compile_errors)
    return sch


def _schemata_key(catalog: Catalog, root: Path) -> str:
    return hashlib.sha256((ENGINE_VERSION + catalog.digest + _digest(build.kernel_sources(root))
                           + _digest(build.kernel_headers(root))).encode()).hexdigest()[:16]


def build_variant(sch: Schemata, catalog: Catalog, variant: str, active: list[Mutant],
                  log: Callable[[str], None] = lambda s: None, workers: int = 2) -> tuple[Path, dict[str, str], float]:
    """Compile one more variant of ``sch``'s schemata with just ``active``
    compiled in (the sanitize pass needs only the release survivors):
    ``(library, uid -> compiler message of the mutants it rejects, wall
    seconds)``. The mutants keep their numbers; the sources without an
    active mutant compile as the plain kernels (object cache)."""
    root = Path(sch.sources.root)
    key = _schemata_key(catalog, root)
    build.cache_dir().mkdir(parents=True, exist_ok=True)
    gen_dir = Path(tempfile.mkdtemp(prefix=f"mutate-src-{key}-", dir=build.cache_dir()))
    try:
        more = _build_schemata(sch.sources, gen_dir, root, key, [variant], log, active, workers)
    finally:
        shutil.rmtree(gen_dir, ignore_errors=True)
    return more.libs[variant], more.compile_errors, more.compile_seconds["wall"]


def _check_yield(catalog: Catalog, mutants: list[Mutant], compile_errors: dict[str, str]) -> None:
    """CatalogError naming every operator that yields no mutant at all, or only
    mutants the compiler rejects: such an operator would count as a success
    while testing nothing."""
    made: dict[str, int] = {}
    built: dict[str, int] = {}
    for m in mutants:
        made[m.op] = made.get(m.op, 0) + 1
        if m.uid not in compile_errors:
            built[m.op] = built.get(m.op, 0) + 1
    none = [op.id for op in catalog.operators if not made.get(op.id)]
    if none:
        raise CatalogError(f"{catalog.path.name}: operator(s) {', '.join(none)} match nothing in the mutated "
                           "sources (check kind, match / map / function, files and functions)")
    rejected = [op.id for op in catalog.operators if made.get(op.id) and not built.get(op.id)]
    if rejected:
        raise CatalogError(f"{catalog.path.name}: every mutant of operator(s) {', '.join(rejected)} is rejected "
                           "by the compiler (" + "; ".join(f"{op}: {made[op]} mutants" for op in rejected) + ")")


def _build_schemata(ss: SourceSet, gen_dir: Path, root: Path, key: str, variants: Iterable[str],
                    log: Callable[[str], None], active: list[Mutant] | None = None,
                    workers: int = 2) -> Schemata:
    """Write the schemata sources into ``gen_dir`` and compile every variant
    (one translation unit per source and variant, ``workers`` at a time,
    outcomes cached by content: :mod:`.schemata_build`), leaving out the
    mutants the compiler rejects. ``active``: the mutants to build (default all)."""
    active = list(ss.mutants if active is None else active)
    errors: dict[str, str] = {}
    variants = list(variants)
    t_wall = time.perf_counter()
    seconds = {v: 0.0 for v in variants}
    for _attempt in range(12):
        paths = _write_schemata(ss, active, gen_dir)
        units = schemata_build.compile_all(paths, variants, [gen_dir, root / "include"], workers)
        for u in units:
            seconds[u.variant] += u.seconds
        failed = [u for u in units if u.obj is None]
        if not failed:
            objs = {v: sorted((u.obj for u in units if u.variant == v and u.obj is not None), key=lambda o: o.name)
                    for v in variants}
            libs = {v: schemata_build.link(objs[v], v, f"symverify-mutants-{key}") for v in variants}
            seconds["wall"] = time.perf_counter() - t_wall
            return Schemata(ss, libs, errors, active, seconds)
        by_num = {m.num: m for m in active}
        blamed: dict[int, str] = {}
        for u in failed:
            for num, msg in _blame(gen_dir, u.stderr, active).items():
                blamed.setdefault(num, msg)
        if not blamed:
            raise build.BuildError(failed[0].stderr)
        log(f"{len(blamed)} mutant(s) rejected by the compiler "
            f"({', '.join(sorted({u.variant for u in failed}))}); rebuilding without them")
        for num, msg in blamed.items():
            if num in by_num:
                errors[by_num[num].uid] = msg
        active = [m for m in active if m.num not in blamed]
    raise build.BuildError("the schemata build still fails after excluding the blamed mutants")


def load_schemata(path: Path) -> tuple[Any, Any]:
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(build.cdef_from_headers(build.kernel_headers()) + RT_CDEF)
    return ffi, ffi.dlopen(str(path))


# --------------------------------------------------------------------------- run
@dataclass
class Baseline:
    cases: list[gold.Case]
    coverage: dict[int, list[int]]  # mutant num -> indices of cases reaching it
    seconds: float
    failures: list[str]
    costs: list[float] = field(default_factory=list)  # seconds of each case on id 0

    def plan(self, num: int, factor: float, floor: float) -> tuple[list[gold.Case], float]:
        """The cases to replay on mutant ``num``, cheapest first, and its
        timeout: ``factor`` times what they took on id 0, at least ``floor``.

        Cheapest first: a mutant stops at its first failing case and most die
        on the first case they meet, so an expensive case (a chain of training
        steps, a table of 100 calls) runs only when the cheap ones all passed.
        A deterministic mutant survives only if every reaching case passes, in
        whatever order; one whose result depends on memory it must not read
        (one element past a buffer) can pass or fail in the release build
        with any order, and the sanitize pass kills it in every order. Costs
        are rounded to powers of two (ties in suite order) so timing noise
        rarely reorders cases."""
        idx = self.coverage.get(num, [])
        order = sorted(idx, key=lambda i: (_cost_bucket(self.costs[i]), i)) if self.costs else list(idx)
        spent = sum(self.costs[i] for i in idx) if self.costs else self.seconds
        return [self.cases[i] for i in order], max(floor, factor * spent)


def _cost_bucket(seconds: float) -> int:
    """log2 of a case's cost in units of 16 us (0 for anything cheaper)."""
    return max(0, int(seconds / 16e-6).bit_length())


def baseline(ffi: Any, lib: Any, cases: list[gold.Case], count: int) -> Baseline:
    """Replay every case on id 0, recording the mutant sites each one reaches
    and what each case costs."""
    lib.sym_mutant_set(0)
    buf = ffi.new("unsigned char[]", count + 1)
    lib.sym_mutant_coverage(buf, count + 1)  # clear
    coverage: dict[int, list[int]] = {}
    failures = []
    costs = []
    t0 = time.perf_counter()
    for ci, case in enumerate(cases):
        t_case = time.perf_counter()
        why = gold.run_case(case, ffi, lib)
        costs.append(time.perf_counter() - t_case)
        if why:
            failures.append(f"{case.label}: {why}")
        lib.sym_mutant_coverage(buf, count + 1)
        raw = bytes(ffi.buffer(buf))
        for num in (i for i, b in enumerate(raw) if b and i):
            coverage.setdefault(num, []).append(ci)
    return Baseline(cases, coverage, time.perf_counter() - t0, failures, costs)


def _child(ffi: Any, lib: Any, num: int, cases: list[gold.Case], fd: int) -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)  # a crashing mutant's libc / sanitizer chatter
        lib.sym_mutant_set(num)
        msg = "survived"
        failed = gold.first_failure(cases, ffi, lib)
        if failed:
            case, why = failed
            kind = ("status" if why.startswith("status") or why.startswith("setup")
                    else "exception" if why.startswith("exception") else "golden")
            msg = f"{kind}\t{case.label}\t{why}"
        os.write(fd, msg.encode()[:4000])
    except BaseException as exc:  # noqa: BLE001  (report, never propagate in the child)
        try:
            os.write(fd, f"error\t\t{type(exc).__name__}: {exc}".encode()[:4000])
        except OSError:
            pass
    finally:
        os._exit(0)


def _signame(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"


def fork_run(ffi: Any, lib: Any, jobs: list[Any], workers: int, timeout: float, phase: str,
             progress: Callable[[Mutant, Result], None] = lambda m, r: None) -> dict[str, Result]:
    """Run each ``(mutant, cases)`` or ``(mutant, cases, timeout)`` in its own
    forked child, ``workers`` at a time; a child still running after its
    timeout (``timeout`` when the job names none) is killed: ``Timeout``."""
    results: dict[str, Result] = {}
    pending = list(reversed(jobs))
    running: dict[int, tuple[int, Mutant, float, bytearray, float]] = {}  # fd -> (pid, m, start, buf, limit)
    sys.stdout.flush()
    sys.stderr.flush()
    while pending or running:
        while pending and len(running) < max(1, workers):
            job = pending.pop()
            m, cases = job[0], job[1]
            limit = float(job[2]) if len(job) > 2 else timeout
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:  # child
                os.close(r)
                _child(ffi, lib, m.num, cases, w)
            os.close(w)
            running[r] = (pid, m, time.perf_counter(), bytearray(), limit)
        now = time.perf_counter()
        wait = max(0.0, min(start + limit - now for _, _, start, _, limit in running.values()))
        ready, _, _ = select.select(list(running), [], [], min(wait, 0.5))
        for fd in ready:
            chunk = os.read(fd, 4096)
            if chunk:
                running[fd][3].extend(chunk)
                continue
            pid, m, start, buf, _limit = running.pop(fd)
            os.close(fd)
            _, wstatus = os.waitpid(pid, 0)
            res = _classify(m, buf.decode(errors="replace"), wstatus, phase)
            res.seconds = time.perf_counter() - start
            results[m.uid] = res
            progress(m, res)
        now = time.perf_counter()
        for fd, (pid, m, start, buf, limit) in list(running.items()):
            if now - start > limit:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                os.close(fd)
                del running[fd]
                res = Result(m.uid, "Timeout", f"killed: timeout (> {limit:.1f} s)", phase=phase,
                             seconds=now - start)
                results[m.uid] = res
                progress(m, res)
    return results


def _classify(m: Mutant, msg: str, wstatus: int, phase: str) -> Result:
    if os.WIFSIGNALED(wstatus):
        return Result(m.uid, "Killed", f"killed: crash ({_signame(os.WTERMSIG(wstatus))})", phase=phase)
    code = os.WEXITSTATUS(wstatus)
    if code in SANITIZER_EXIT:
        return Result(m.uid, "Killed", f"killed: sanitizer ({SANITIZER_EXIT[code]} report)", phase=phase)
    if code != 0 or not msg:
        return Result(m.uid, "Killed", f"killed: crash (exit {code})", phase=phase)
    if msg == "survived":
        return Result(m.uid, "Survived", "survived: every reaching golden vector passed", phase=phase)
    kind, label, why = (msg.split("\t", 2) + ["", ""])[:3]
    if kind == "error":
        # The unmutated library replays every case without an exception (the
        # baseline refuses to start otherwise), so an exception that escapes the
        # replay under this mutant is the mutant's doing, e.g. a garbage length
        # or a NULL detail pointer read back from its outputs: a kill, as in
        # mutmut or Mull, where any abnormal test outcome kills.
        return Result(m.uid, "Killed", f"killed: the replay raised under this mutant ({why})", phase=phase)
    return Result(m.uid, "Killed", f"killed: {kind} ({label}: {why})", killer=label, phase=phase)


# --------------------------------------------------------------------------- cache
def cache_key(schemata: Schemata, vector_files: list[Path], catalog: Catalog,
              passes: Iterable[str] = ("release", "sanitize"), abi: bool = True) -> str:
    """Key of the result cache: everything that can change a mutant's result.

    The kernel sources and headers, the catalog, the golden vectors, the
    replayer and engine code (every module of this package), the passes run
    (a run without the sanitize pass has other survivors), whether the C-ABI
    cases are replayed, and per pass its schemata library's bytes, or the
    compiler, its version and the variant's flags while that library is not
    built yet (:func:`_pass_identity`)."""
    root = schemata.sources.root
    passes = list(passes)
    parts = [ENGINE_VERSION, catalog.digest, _digest(build.kernel_sources(root)),
             _digest(build.kernel_headers(root)), gold.vectors_digest(vector_files),
             _digest(sorted(Path(__file__).parent.glob("*.py"))), "passes=" + "+".join(passes), f"abi={abi}",
             *(f"{p}={_pass_identity(schemata, p)}" for p in passes)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]


def _pass_identity(schemata: Schemata, variant: str) -> str:
    """The bytes of the pass's schemata library; for a pass whose library is
    built after the key is needed (the sanitize pass: only the release
    survivors are compiled in), the compiler, its version and the variant's
    flags, which with the sources and headers (also in the key) fix it."""
    if variant in schemata.libs:
        return _digest([schemata.libs[variant]])
    compiler = build.find_compiler()
    flags = [*build.BASE_FLAGS, *build.VARIANT_FLAGS[build.check_variant(variant)]]
    return hashlib.sha256("\0".join([compiler, build.compiler_version(compiler), *flags]).encode()).hexdigest()


def _release_view(r: Result) -> Result:
    """What the release pass alone gave for a result (a sanitize-phase result
    was a release survivor)."""
    if r.phase != "sanitize":
        return r
    return Result(r.uid, "Survived", "survived: every reaching golden vector passed", covered=r.covered,
                  covered_by=list(r.covered_by), phase="release")


def _cache_path(key: str) -> Path:
    return build.cache_dir() / f"mutate-results-{key}.json"


def load_cache(key: str) -> dict[str, Result]:
    p = _cache_path(key)
    if not p.exists():
        return {}
    try:
        return {uid: Result(**r) for uid, r in json.loads(p.read_text()).items()}
    except (ValueError, TypeError):
        return {}


def save_cache(key: str, results: dict[str, Result]) -> None:
    p = _cache_path(key)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, suffix=".json")
    with os.fdopen(fd, "w") as fh:
        json.dump({uid: asdict(r) for uid, r in results.items()}, fh)
    os.replace(tmp, p)


# --------------------------------------------------------------------------- --since
class RevisionError(ValueError):
    """``--since``: the revision is not a commit of the repository (a usage error)."""


def default_repo() -> Path:
    """The checkout holding the kernels (``kernels/src`` paths are relative to it)."""
    return build.kernel_dir().resolve().parent


def changed_lines(rev: str, repo: Path) -> dict[str, set[int]]:
    """Lines (new numbering) of kernels/src changed since ``rev`` (working tree
    included). RevisionError if ``repo`` is no git checkout or ``rev`` no commit."""
    top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=repo, capture_output=True, text=True,
                         check=False)
    if top.returncode != 0:
        raise RevisionError(f"--since {rev}: {repo} is not inside a git checkout ({top.stderr.strip()})")
    ok = None if rev.startswith("-") else subprocess.run(  # an option is never a revision
        ["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=repo, capture_output=True,
        text=True, check=False)
    if ok is None or ok.returncode != 0:
        raise RevisionError(f"--since: {rev!r} is not a git revision of {top.stdout.strip()}")
    out = subprocess.run(["git", "diff", "-U0", rev, "--", "kernels/src"], cwd=repo, capture_output=True,
                         text=True, check=False)
    if out.returncode != 0:
        raise RevisionError(f"--since: git diff {rev} failed: {out.stderr.strip()}")
    changed: dict[str, set[int]] = {}
    current = None
    for line in out.stdout.splitlines():
        if line.startswith("+++ "):
            current = line[6:] if line.startswith("+++ b/") else None
        elif line.startswith("@@") and current:
            m = re.match(r"@@ -\S+ \+(\d+)(?:,(\d+))? @@", line)
            if m:
                start, count = int(m.group(1)), int(m.group(2) or 1)
                changed.setdefault(current, set()).update(range(start, start + max(count, 1)))
    # untracked new sources count as fully changed
    untracked = subprocess.run(["git", "ls-files", "--others", "--exclude-standard", "kernels/src"], cwd=repo,
                               capture_output=True, text=True, check=False).stdout.split()
    for rel in untracked:
        lines = len((Path(repo) / rel).read_text(errors="replace").splitlines()) if (Path(repo) / rel).is_file() else 0
        changed[rel] = set(range(1, lines + 1))
    return changed


def select_since(mutants: list[Mutant], changed: dict[str, set[int]]) -> list[Mutant]:
    return [m for m in mutants if any(ln in changed.get(m.file, ()) for ln in range(m.line, m.end_line + 1))]


# --------------------------------------------------------------------------- sanitize pass
def _sanitize_worker(spec_path: str) -> None:
    """Entry point of the sanitize pass (a child Python with libasan preloaded)."""
    spec = json.loads(Path(spec_path).read_text())
    ffi, lib = load_schemata(Path(spec["lib"]))
    cases, _ = gold.load_suite([Path(p) for p in spec["vectors"]], spec.get("abi", True))
    cases = [c for c in cases if c.label not in set(spec["skip"])]
    base = baseline(ffi, lib, cases, spec["count"])
    if base.failures:
        Path(spec["out"]).write_text(json.dumps({"error": "unmutated sanitize build fails: "
                                                 + "; ".join(base.failures[:5])}))
        return
    mutants = [Mutant(**m) for m in spec["mutants"]]
    # the costs are this build's own (ASan's slowdown included)
    jobs = [(m, *base.plan(m.num, spec["timeout_factor"], spec["timeout_floor"])) for m in mutants]
    res = fork_run(ffi, lib, jobs, spec["workers"], spec["timeout_floor"], "sanitize")
    Path(spec["out"]).write_text(json.dumps({uid: asdict(r) for uid, r in res.items()}))


def sanitize_worker_env() -> dict[str, str]:
    """The environment of the sanitize pass's Python: :func:`build.sanitizer_env`
    (libasan preloaded, every report fatal with exit code 86 / 87) with

    - ``PYTHONMALLOC=pymalloc``: Python's own objects stay in pymalloc's
      arenas. Every buffer a kernel is given is its own ``malloc`` block
      anyway (:func:`gold.malloc_ffi`, numpy's data), so ASan's redzones
      surround exactly those; with ``PYTHONMALLOC=malloc`` every Python object
      was an ASan allocation too, which made the children's replay slower and
      the process each child is forked from larger (docs/mutation.md);
    - a 16 MB quarantine instead of 256 MB: the kernels neither allocate nor
      free, so no use after free can come from them, and the worker every
      child is forked from shrinks from about 450 MB to 125 MB resident;
    - no stack traces or symbolization in reports: a child's stderr is
      discarded, only its exit code is read, and symbolizing each report
      (an ``llvm-symbolizer`` run) made a sanitizer kill about 8 times as
      expensive."""
    env = build.sanitizer_env()
    env["PYTHONMALLOC"] = "pymalloc"
    env["ASAN_OPTIONS"] += ":quarantine_size_mb=16:symbolize=0"
    env["UBSAN_OPTIONS"] = env["UBSAN_OPTIONS"].replace("print_stacktrace=1", "print_stacktrace=0") + ":symbolize=0"
    return env


def sanitize_pass(lib_path: Path, mutants: list[Mutant], vector_files: list[Path], skip: list[str], count: int,
                  workers: int, timeout_factor: float, timeout_floor: float, abi: bool = True) -> dict[str, Result]:
    """Replay ``mutants`` on the UBSan/ASan schemata build in a child Python
    with libasan preloaded; each mutant's timeout is ``timeout_factor`` times
    its reaching cases' time on that build's id 0, at least ``timeout_floor``."""
    with tempfile.TemporaryDirectory() as tmp:
        spec = {"lib": str(lib_path), "vectors": [str(p) for p in vector_files], "skip": skip, "count": count,
                "mutants": [asdict(m) for m in mutants], "abi": abi, "workers": workers,
                "timeout_factor": timeout_factor, "timeout_floor": timeout_floor,
                "out": str(Path(tmp) / "out.json")}
        sp = Path(tmp) / "spec.json"
        sp.write_text(json.dumps(spec))
        env = sanitize_worker_env()
        proc = subprocess.run([sys.executable, "-m", "symverify.mutants.engine", "--sanitize-worker", str(sp)],
                              env=env, capture_output=True, text=True, check=False)
        out = Path(spec["out"])
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError(f"sanitize pass failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        data = json.loads(out.read_text())
        if "error" in data:
            raise RuntimeError(data["error"])
        return {uid: Result(**r) for uid, r in data.items()}


# --------------------------------------------------------------------------- driver
@dataclass
class Outcome:
    schemata: Schemata
    selected: list[Mutant]
    results: dict[str, Result]
    skipped_vectors: list[str]
    python_only: list[str]
    cases: int
    seconds: dict[str, float]
    cached: int
    passes: list[str] = field(default_factory=lambda: ["release", "sanitize"])  # the passes that ran
    since: str | None = None
    changed_lines: int | None = None  # with ``since``: kernel lines changed since it


def run(*, jobs: int = 2, since: str | None = None, use_cache: bool = True, sanitize: bool = True,
        catalog: Catalog | None = None, vector_files: list[Path] | None = None,
        kernel_root: Path | None = None, repo: Path | None = None, only: Iterable[str] | None = None,
        abi: bool = True, log: Callable[[str], None] = lambda s: None,
        progress: Callable[[Mutant, Result], None] = lambda m, r: None) -> Outcome:
    """The whole mutation run. ``only``: restrict to these mutant uids.

    The inputs are checked before any build: RevisionError for a bad
    ``since``, VectorFileError for an unusable vector file, CatalogError for a
    catalog that does not fit the sources (see :func:`prepare`)."""
    t_start = time.perf_counter()
    catalog = catalog or load_catalog()
    changed = changed_lines(since, repo or default_repo()) if since else None
    vfiles = vector_files if vector_files is not None else gold.vector_files()
    cases, skipped = gold.load_suite(vfiles, abi)
    passes = ["release", "sanitize"] if sanitize else ["release"]
    wanted = None if only is None else set(only)

    def chosen(m: Mutant) -> bool:
        return ((changed is None or bool(select_since([m], changed)))
                and (wanted is None or m.uid in wanted))

    partial = changed is not None or wanted is not None
    # the sanitize build comes after the release pass, with its survivors only
    sch = prepare(catalog, kernel_root, ["release"], log, select=chosen if partial else None, workers=jobs)
    secs = {"compile": sch.compile_seconds["wall"]}
    selected = [m for m in sch.sources.mutants if chosen(m)]
    equivalent = load_equivalent()
    results: dict[str, Result] = {}
    for m in selected:
        if m.uid in sch.compile_errors:
            results[m.uid] = Result(m.uid, "CompileError", f"compile error: {sch.compile_errors[m.uid]}")
    key = cache_key(sch, vfiles, catalog, passes, abi)
    release_key = cache_key(sch, vfiles, catalog, ["release"], abi)
    cache: dict[str, Result] = {}
    if use_cache:
        # a release-only run's results serve the release pass of a full run
        cache = load_cache(release_key) if sanitize else {}
        cache.update(load_cache(key))
    todo = [m for m in selected if m.uid not in results]
    cached = 0
    for m in list(todo):
        if m.uid in cache and (cache[m.uid].phase == "sanitize" or not sanitize
                               or cache[m.uid].status != "Survived"):
            results[m.uid] = cache[m.uid]
            cached += 1
    todo = [m for m in todo if m.uid not in results]

    ffi, lib = load_schemata(sch.libs["release"])
    count = max((m.num for m in sch.sources.mutants), default=0)
    base = baseline(ffi, lib, cases, count)
    python_only = []
    if base.failures:
        # vectors whose expected status comes from Python-layer validation only
        bad = {f.split(":", 1)[0] for f in base.failures}
        python_only = sorted(bad)
        real = [f for f in base.failures if not _python_layer_explains(f, cases)]
        if real:
            raise RuntimeError("the unmutated schemata library fails golden vectors (fix this first):\n  "
                               + "\n  ".join(real[:20]))
        cases = [c for c in cases if c.label not in bad]
        base = baseline(ffi, lib, cases, count)
    secs["baseline"] = base.seconds
    # per mutant: factor x the id-0 time of the cases it replays, at least the floor
    factor = float(catalog.engine.get("timeout_factor", 20.0))
    floor = float(catalog.engine.get("timeout_min_seconds", 2.0))
    jobs_list = []
    sanitize_only = []  # listed equivalents: their verdict comes from the sanitize pass
    for m in todo:
        if not base.coverage.get(m.num):
            results[m.uid] = Result(m.uid, "Survived", "survived: no golden vector reaches this site (no coverage)")
            progress(m, results[m.uid])
            continue
        if sanitize and m.uid in equivalent:
            # The sanitize pass replays every reaching case with the same
            # comparisons as the release pass, on the same -O2 code plus the
            # checks, so a listed equivalent that is in fact killed (a stale
            # entry) is killed there; a release run first would only repeat
            # the whole reaching suite of a mutant expected to survive it.
            sanitize_only.append(m)
            continue
        jobs_list.append((m, *base.plan(m.num, factor, floor)))
    t0 = time.perf_counter()
    rel = fork_run(ffi, lib, jobs_list, jobs, floor, "release", progress)
    secs["release"] = time.perf_counter() - t0
    for m, idx_cases, _limit in jobs_list:
        r = rel[m.uid]
        r.covered = len(idx_cases)
        r.covered_by = [cases[i].label for i in base.coverage[m.num][:5]]  # in suite order
        results[m.uid] = r
    for m in sanitize_only:
        results[m.uid] = Result(m.uid, "Survived", "survived: not run in the release pass (a listed equivalent)",
                                covered=len(base.coverage[m.num]),
                                covered_by=[cases[i].label for i in base.coverage[m.num][:5]])
    skipped_release = {m.uid for m in sanitize_only}
    # The Z3 proofs of every equivalent still alive run in a thread while the
    # sanitize pass (a child process) replays: the parent only waits there,
    # and the pass can only turn survivors into kills, so this is a superset
    # of the proofs needed at the end. Started after the release pass: while
    # the thread runs, this process forks only to exec (compilers, the worker).
    proof_run = _start_proofs(sorted({equivalent[m.uid].proof for m in selected
                                      if results.get(m.uid) and results[m.uid].status == "Survived"
                                      and m.uid in equivalent and equivalent[m.uid].proof}), use_cache)
    if sanitize:
        survivors = [m for m, _, _ in jobs_list if results[m.uid].status == "Survived"] + sanitize_only
        # cached release survivors also get their sanitize pass
        survivors += [m for m in selected if m.uid in results and results[m.uid].status == "Survived"
                      and results[m.uid].phase == "release" and m not in survivors
                      and base.coverage.get(m.num)]
        if survivors:
            # Only these mutants reach the sanitize pass, so only they are
            # compiled into its build (a few hundred sites instead of every
            # mutant: the slowest compile of the run before). A mutant the
            # sanitize compile alone rejects is a CompileError, as it was
            # when both variants were built together.
            lib, rejected, secs_build = build_variant(sch, catalog, "sanitize", survivors, log, jobs)
            sch.libs["sanitize"] = lib
            secs["compile"] += secs_build
            for uid, msg in rejected.items():
                sch.compile_errors[uid] = msg
                results[uid] = Result(uid, "CompileError", f"compile error: {msg}")
            survivors = [m for m in survivors if m.uid not in rejected]
        t0 = time.perf_counter()
        if survivors:
            # the sanitizer's fork and exit cost more: five times the floor
            san = sanitize_pass(sch.libs["sanitize"], survivors, vfiles, python_only + skipped, count, jobs,
                                factor, 5 * floor, abi)
            for m in survivors:
                r = san.get(m.uid)
                prev = results[m.uid]
                if r is None:
                    continue
                r.covered, r.covered_by = prev.covered, prev.covered_by
                if r.status == "Survived":
                    builds = "the sanitize build" if m.uid in skipped_release else "release and sanitize builds"
                    r.reason = f"survived: every reaching golden vector passed ({builds})"
                results[m.uid] = r
        secs["sanitize"] = time.perf_counter() - t0
    proofs, secs["proofs"] = proof_run()
    for m in selected:
        r = results[m.uid]
        if r.status == "Survived" and m.uid in equivalent:
            e = equivalent[m.uid]
            if e.proof:
                pr = proofs[e.proof]
                if not pr.proven:  # a broken proof never hides a mutant
                    r.reason = f"survived; its equivalence proof {e.proof} FAILED: {pr.detail}"
                    continue
                kind, how = PROVEN, f"proven equivalent by Z3 ({e.proof}: {pr.detail})"
            else:
                kind, how = JUSTIFIED, "equivalent (reviewed justification)"
            results[m.uid] = Result(m.uid, "Ignored", f"{how}: {e.justification}", covered=r.covered,
                                    covered_by=r.covered_by, phase=r.phase, equivalence=kind)
    if use_cache:
        raw = {uid: r for uid, r in results.items() if r.status != "CompileError"}
        for uid, r in raw.items():
            if r.status == "Ignored":  # cache the raw outcome, not the verdict
                raw[uid] = Result(uid, "Survived", "survived", covered=r.covered, covered_by=r.covered_by,
                                  phase=r.phase)
        merged = load_cache(key)
        merged.update(raw)
        save_cache(key, merged)
        if sanitize:
            # a mutant the release pass did not run has no release-only result
            rel = load_cache(release_key)
            rel.update({uid: _release_view(r) for uid, r in raw.items() if uid not in skipped_release})
            save_cache(release_key, rel)
    secs["total"] = time.perf_counter() - t_start
    return Outcome(sch, selected, results, skipped, python_only, len(cases), secs, cached, passes, since,
                   None if changed is None else sum(len(v) for v in changed.values()))


def _start_proofs(names: list[str], use_cache: bool) -> Callable[[], tuple[dict[str, Any], float]]:
    """Run the named equivalence proofs in a background thread; the returned
    function waits for them and gives ``(results by name, seconds the proofs
    took)``. An exception of a proof is raised by that function."""
    if not names:
        return lambda: ({}, 0.0)
    import threading

    from . import equivalence

    box: dict[str, Any] = {}

    def work() -> None:
        t0 = time.perf_counter()
        try:
            box["proofs"] = equivalence.check(names, use_cache=use_cache)
        except BaseException as exc:  # noqa: BLE001  (re-raised in the caller's thread)
            box["error"] = exc
        box["seconds"] = time.perf_counter() - t0

    thread = threading.Thread(target=work, name="equivalence-proofs", daemon=True)
    thread.start()

    def wait() -> tuple[dict[str, Any], float]:
        thread.join()
        if "error" in box:
            raise box["error"]
        return box["proofs"], box["seconds"]
    return wait


def _python_layer_explains(failure: str, cases: list[gold.Case]) -> bool:
    """A baseline failure is acceptable only if the Python layer rejects that
    vector before any C call (a SymTensor argument violating its declared width)."""
    import numpy as np

    from symverify.errors import SymError
    from symverify.types import SymTensor

    label = failure.split(":", 1)[0]
    case = next((c for c in cases if c.label == label), None)
    if not isinstance(case, gold.Case):
        return False
    for key in ("t", "target", "inc"):
        spec = case.args.get(key)
        if isinstance(spec, dict) and "mantissas" in spec:
            try:
                SymTensor(np.array(spec["mantissas"], dtype=np.int64), gold._f32(spec["scale"]), spec["q_max_bits"])
            except SymError as exc:
                return exc.code == case.expect.get("status")
    return False


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--sanitize-worker":
        _sanitize_worker(sys.argv[2])
    else:
        sys.exit("usage: python -m symverify.mutants.engine --sanitize-worker SPEC.json")
