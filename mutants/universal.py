"""The independent-mutator gate: universalmutator's C rules over every kernel
source, each mutant compiled on its own and replayed against the gold suite.

The catalog engine (:mod:`.engine`) only finds the bugs its own operators
describe. universalmutator (Groce et al., regular-expression rules per
language; PyPI ``universalmutator``) knows nothing about this project, so a
mutant it makes that the gold suite lets through is a real gap, not a blind
spot shared by the operators and the fixtures.

1. :func:`generate` applies the rules ``universal.rules``, ``c_like.rules``
   and ``c.rules`` (what ``mutate FILE.c`` uses) line by line to each kernel
   source the catalog engine mutates. Each mutant has a stable id
   ``<file stem>:<sha1 of (line text, occurrence, mutated line)>``, so it
   survives edits elsewhere in the file (:func:`mutant_id`).
2. :func:`build` compiles the unmutated sources to objects once, then each
   mutated file alone (the kernels' own flags, ``-Werror`` included) and links
   it with the other objects into a shared library. A rejected mutant is
   ``CompileError`` (not counted). A mutant whose object file is byte-identical
   to the original's is ``Equivalent`` by trivial compiler equivalence (TCE,
   Papadakis et al. 2015); mutants with identical objects share one run.
3. :func:`run` replays the whole gold suite (golden vectors and C-ABI cases,
   outputs pre-filled with a sentinel) on each library in a forked child,
   ``jobs`` at a time, with a timeout; killed = a status or output differs, a
   crash, or a timeout.
4. Survivors listed in ``mutants/equivalent_universalmutator.toml`` (same
   format as ``equivalent.toml``, keyed by the stable id) count as
   equivalent with their written reason.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import random
import select
import shutil
import signal
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from symverify import build

from . import gold
from .catalog import EquivalentEntry, load_catalog, load_equivalent, mutated_files

HERE = Path(__file__).resolve().parent
EQUIVALENT_PATH = HERE / "equivalent_universalmutator.toml"
RULES = ("universal.rules", "c_like.rules", "c.rules")


@dataclass
class UMutant:
    uid: str
    file: str  # kernel source basename
    line: int  # 1-based, informational only (the id does not use it)
    original: str  # the original line (no newline)
    mutated: str  # its replacement (no newline)
    rule: str  # the universalmutator rule that produced it

    def diff(self) -> str:
        return f"- {self.original.strip()}\n+ {self.mutated.strip()}"


@dataclass
class UResult:
    uid: str
    status: str  # Killed | Survived | Timeout | CompileError | Equivalent | Ignored
    reason: str
    seconds: float = 0.0


@dataclass
class Outcome:
    mutants: list[UMutant]
    results: dict[str, UResult]
    cases: int
    seconds: dict[str, float] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results.values())

    @property
    def compiled(self) -> int:
        return sum(r.status != "CompileError" for r in self.results.values())

    def survivors(self) -> list[UMutant]:
        return [m for m in self.mutants if self.results[m.uid].status == "Survived"]


def mutant_id(stem: str, line_text: str, occurrence: int, mutated: str) -> str:
    """Stable id: file stem + a hash of the line's text, which occurrence of
    that text in the file it is, and the mutated line (never the line number)."""
    key = f"{line_text.strip()}\0{occurrence}\0{mutated.strip()}"
    return f"{stem}:{hashlib.sha1(key.encode()).hexdigest()[:12]}"


def _um_mutants(lines: list[str]) -> list[tuple[int, str, Any, Any]]:
    try:
        from universalmutator import mutator
    except ImportError as exc:  # an extra of the test install
        raise RuntimeError("universalmutator is not installed: pip install -e '.[test]'") from exc
    with contextlib.redirect_stdout(io.StringIO()):  # it prints its progress
        return mutator.mutants_regexp(lines, ruleFiles=list(RULES), ignorePatterns=[])


def generate(sources: list[Path]) -> list[UMutant]:
    """Every universalmutator mutant of ``sources`` (deterministic order)."""
    out: list[UMutant] = []
    for path in sources:
        lines = path.read_text().splitlines(keepends=True)
        occurrence: dict[str, int] = {}
        occ_of_line: list[int] = []
        for ln in lines:
            occurrence[ln.strip()] = occurrence.get(ln.strip(), 0) + 1
            occ_of_line.append(occurrence[ln.strip()])
        seen: set[str] = set()
        for lineno, mutated, rule, _ in _um_mutants(lines):
            orig = lines[lineno - 1].rstrip("\n")
            new = mutated.rstrip("\n")
            uid = mutant_id(path.stem, orig, occ_of_line[lineno - 1], new)
            if uid in seen:
                continue
            seen.add(uid)
            out.append(UMutant(uid, path.name, lineno, orig, new, str(rule[0])))
    return out


def sample(mutants: list[UMutant], n: int, seed: int) -> list[UMutant]:
    """``n`` mutants drawn with a fixed seed (all of them if n >= len)."""
    if n >= len(mutants):
        return list(mutants)
    picked = random.Random(seed).sample(range(len(mutants)), n)
    return [mutants[i] for i in sorted(picked)]


# --------------------------------------------------------------------------- build
def _flags() -> list[str]:
    return [f for f in build.BASE_FLAGS if f != "-shared"]


def _compile_obj(compiler: str, src: Path, obj: Path, include: Path) -> str | None:
    """Compile one source to an object; the compiler's message on failure."""
    r = subprocess.run([compiler, *_flags(), f"-I{include}", "-c", str(src), "-o", str(obj)],
                       capture_output=True, text=True, check=False)
    return None if r.returncode == 0 else (r.stderr.strip().splitlines() or ["compile error"])[0]


@dataclass
class Built:
    libs: dict[str, Path]  # uid -> shared library (mutants sharing an object share it)
    errors: dict[str, str]  # uid -> compiler message
    tce: dict[str, str]  # uid -> why it is trivially equivalent
    work: Path


def build_mutants(mutants: list[UMutant], kernel_root: Path, work: Path, jobs: int) -> Built:
    """Compile the pristine objects once and each mutant's file on its own."""
    compiler = build.find_compiler()
    include = kernel_root / "include"
    sources = build.kernel_sources(kernel_root)
    base = work / "base"
    base.mkdir(parents=True, exist_ok=True)
    objs: dict[str, Path] = {}
    for src in sources:
        obj = base / (src.stem + ".o")
        err = _compile_obj(compiler, src, obj, include)
        if err:
            raise build.BuildError(f"the unmutated kernel {src.name} does not compile: {err}")
        objs[src.name] = obj
    base_hash = {name: hashlib.sha256(o.read_bytes()).hexdigest() for name, o in objs.items()}
    texts = {src.name: src.read_text().splitlines(keepends=True) for src in sources}
    errors: dict[str, str] = {}
    tce: dict[str, str] = {}
    by_object: dict[tuple[str, str], Path] = {}
    libs: dict[str, Path] = {}

    def one(k: int, m: UMutant) -> tuple[UMutant, str | None, Path | None]:
        d = work / f"m{k}"
        d.mkdir()
        lines = list(texts[m.file])
        lines[m.line - 1] = m.mutated + "\n"
        src = d / m.file
        src.write_text("".join(lines))
        obj = d / (Path(m.file).stem + ".o")
        err = _compile_obj(compiler, src, obj, include)
        return m, err, None if err else obj

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        done = list(pool.map(lambda km: one(*km), enumerate(mutants)))
    link_jobs: list[tuple[UMutant, Path, Path]] = []
    for m, err, obj in done:
        if err:
            errors[m.uid] = err
            continue
        h = hashlib.sha256(obj.read_bytes()).hexdigest()
        if h == base_hash[m.file]:
            tce[m.uid] = "object code identical to the unmutated kernel's (trivial compiler equivalence)"
            continue
        key = (m.file, h)
        if key in by_object:
            libs[m.uid] = by_object[key]
            continue
        so = obj.with_suffix(".so")
        by_object[key] = so
        libs[m.uid] = so
        link_jobs.append((m, obj, so))

    def link(job: tuple[UMutant, Path, Path]) -> tuple[UMutant, str | None]:
        m, obj, so = job
        others = [str(o) for name, o in objs.items() if name != m.file]
        # --no-undefined: a mutant that renames a function must fail to link
        # (as any program using the kernels would), not fail to load later
        r = subprocess.run([compiler, "-shared", "-Wl,--no-undefined", str(obj), *others, "-o", str(so), "-lm"],
                           capture_output=True, text=True, check=False)
        return m, None if r.returncode == 0 else r.stderr.strip()[:300]

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for m, err in pool.map(link, link_jobs):
            if err:
                errors[m.uid] = f"link error: {err}"
    for uid in list(libs):
        if uid in errors or not libs[uid].exists():
            errors.setdefault(uid, "link error")
            del libs[uid]
    return Built(libs, errors, tce, work)


# --------------------------------------------------------------------------- run
def _child(ffi: Any, lib_path: Path, cases: list[Any], fd: int) -> None:
    try:
        import faulthandler

        faulthandler.disable()  # a crashing mutant is a result, not a traceback (pytest enables it)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        lib = ffi.dlopen(str(lib_path))
        msg = "survived"
        failed = gold.first_failure(cases, ffi, lib)
        if failed:
            msg = f"killed\t{failed[0].label}: {failed[1]}"
        os.write(fd, msg.encode()[:2000])
    except BaseException as exc:  # noqa: BLE001  (report, never propagate in the child)
        try:
            os.write(fd, f"error\t{type(exc).__name__}: {exc}".encode()[:2000])
        except OSError:
            pass
    finally:
        os._exit(0)


def replay(libs: list[Path], cases: list[Any], jobs: int, timeout: float,
           progress: Callable[[Path, UResult], None] = lambda p, r: None) -> dict[Path, UResult]:
    """Each library in a forked child, ``jobs`` at a time; a result per library."""
    import cffi

    ffi = cffi.FFI()  # parsed once; every child inherits it
    ffi.cdef(build.cdef_from_headers(build.kernel_headers()))
    out: dict[Path, UResult] = {}
    pending = list(reversed(libs))
    running: dict[int, tuple[int, Path, float, bytearray]] = {}
    while pending or running:
        while pending and len(running) < max(1, jobs):
            so = pending.pop()
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(r)
                _child(ffi, so, cases, w)
            os.close(w)
            running[r] = (pid, so, time.perf_counter(), bytearray())
        ready, _, _ = select.select(list(running), [], [], 0.2)
        for fd in ready:
            chunk = os.read(fd, 4096)
            if chunk:
                running[fd][3].extend(chunk)
                continue
            pid, so, start, buf = running.pop(fd)
            os.close(fd)
            _, wstatus = os.waitpid(pid, 0)
            out[so] = _classify(buf.decode(errors="replace"), wstatus, time.perf_counter() - start)
            progress(so, out[so])
        now = time.perf_counter()
        for fd, (pid, so, start, _) in list(running.items()):
            if now - start > timeout:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                os.close(fd)
                del running[fd]
                out[so] = UResult("", "Killed", f"killed: timeout (> {timeout:.1f} s)", now - start)
                progress(so, out[so])
    return out


def _classify(msg: str, wstatus: int, seconds: float) -> UResult:
    if os.WIFSIGNALED(wstatus):
        return UResult("", "Killed", f"killed: crash ({signal.Signals(os.WTERMSIG(wstatus)).name})", seconds)
    if msg == "survived":
        return UResult("", "Survived", "survived: every golden vector and C-ABI case passed", seconds)
    if msg.startswith("killed\t"):
        return UResult("", "Killed", f"killed: {msg.split(chr(9), 1)[1]}", seconds)
    if not msg:
        return UResult("", "Killed", f"killed: crash (exit {os.WEXITSTATUS(wstatus)})", seconds)
    return UResult("", "RuntimeError", f"runtime error in the replayer: {msg.split(chr(9), 1)[-1]}", seconds)


SANITIZER_EXIT = {86: "ASan", 87: "UBSan"}


def sanitize_check(m: UMutant, root: Path, work: Path) -> UResult | None:
    """Replay a release survivor on a UBSan/ASan build of its sources (a child
    Python with libasan preloaded, every buffer its own malloc block); a
    sanitizer report kills it (e.g. a shift by 32 that x86 happens to wrap)."""
    d = work / f"san-{m.uid.replace(':', '-')}"
    d.mkdir(parents=True, exist_ok=True)
    srcs = []
    for src in build.kernel_sources(root):
        if src.name == m.file:
            lines = src.read_text().splitlines(keepends=True)
            lines[m.line - 1] = m.mutated + "\n"
            (d / src.name).write_text("".join(lines))
            srcs.append(d / src.name)
        else:
            srcs.append(src)
    so = d / "libmutant-sanitize.so"
    flags = [*build.BASE_FLAGS, *build.VARIANT_FLAGS["sanitize"]]
    r = subprocess.run([build.find_compiler(), *flags, f"-I{root / 'include'}", *map(str, srcs), "-o", str(so),
                        "-lm"], capture_output=True, text=True, check=False)
    if r.returncode != 0:
        return None
    env = build.sanitizer_env()
    env["PYTHONMALLOC"] = "malloc"
    import sys

    try:
        p = subprocess.run([sys.executable, "-m", "symverify.mutants.universal", "--replay", str(so)], env=env,
                           capture_output=True, text=True, check=False, timeout=300)
    except subprocess.TimeoutExpired:
        return UResult(m.uid, "Killed", "killed: timeout (sanitize build)")
    if p.returncode in SANITIZER_EXIT:
        return UResult(m.uid, "Killed", f"killed: sanitizer ({SANITIZER_EXIT[p.returncode]} report)")
    if p.returncode == 1:
        return UResult(m.uid, "Killed", f"killed (sanitize build): {p.stdout.strip()[:300]}")
    if p.returncode != 0:
        return UResult(m.uid, "Killed", f"killed: crash (sanitize build, exit {p.returncode})")
    return None


def _replay_main(lib_path: str) -> int:
    """Entry point of the sanitize replay: 0 every case passes, 1 one fails."""
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(build.cdef_from_headers(build.kernel_headers()))
    lib = ffi.dlopen(lib_path)
    cases, _ = gold.load_suite()
    failed = gold.first_failure(cases, ffi, lib)
    if failed:
        print(f"{failed[0].label}: {failed[1]}")
        return 1
    return 0


def run(*, jobs: int = 2, sample_size: int | None = None, seed: int = 0, kernel_root: Path | None = None,
        files: list[str] | None = None, equivalent_path: Path | None = None, sanitize: bool = True,
        log: Callable[[str], None] = lambda s: None) -> Outcome:
    """Generate, build and replay (a fixed-seed sample of ``sample_size``, or
    all) over ``files`` (kernel source basenames; default: the sources
    the catalog engine mutates, :func:`.catalog.mutated_files`)."""
    t0 = time.perf_counter()
    root = Path(kernel_root or build.kernel_dir())
    wanted = set(files or mutated_files(load_catalog()))
    known = {p.name for p in build.kernel_sources(root)}
    unknown = sorted(wanted - known)
    if unknown:
        raise ValueError(f"files: {unknown} are not kernel sources (expected some of {sorted(known)})")
    sources = [p for p in build.kernel_sources(root) if not wanted or p.name in wanted]
    every = generate(sources)
    chosen = sample(every, sample_size, seed) if sample_size is not None else every
    log(f"universalmutator: {len(every)} mutants over {len(sources)} kernel sources; running {len(chosen)}")
    out = evaluate(chosen, jobs=jobs, kernel_root=root, equivalent_path=equivalent_path, sanitize=sanitize)
    out.seconds = {"generate": out.seconds["start"] - t0, **{k: v for k, v in out.seconds.items() if k != "start"}}
    out.seconds["total"] = time.perf_counter() - t0
    return out


def evaluate(chosen: list[UMutant], *, jobs: int = 2, kernel_root: Path | None = None,
             equivalent_path: Path | None = None, sanitize: bool = True) -> Outcome:
    """Build and replay the given mutants (the gate's core, also for planted ones)."""
    t0 = time.perf_counter()
    root = Path(kernel_root or build.kernel_dir())
    secs = {"start": t0}
    cases, _ = gold.load_suite()
    equivalent: dict[str, EquivalentEntry] = load_equivalent(equivalent_path or EQUIVALENT_PATH)
    results: dict[str, UResult] = {}
    build.cache_dir().mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="um-", dir=build.cache_dir()))
    try:
        t1 = time.perf_counter()
        built = build_mutants(chosen, root, work, jobs)
        secs["compile"] = time.perf_counter() - t1
        for uid, err in built.errors.items():
            results[uid] = UResult(uid, "CompileError", f"compile error: {err}")
        for uid, why in built.tce.items():
            results[uid] = UResult(uid, "Equivalent", f"equivalent: {why}")
        t2 = time.perf_counter()
        base = _baseline_seconds(root, work, cases)
        timeout = max(5.0, 20.0 * base)
        per_lib = replay(sorted(set(built.libs.values())), cases, jobs, timeout)
        secs["replay"] = time.perf_counter() - t2
        for uid, so in built.libs.items():
            r = per_lib[so]
            results[uid] = UResult(uid, r.status, r.reason, r.seconds)
        t3 = time.perf_counter()
        for m in chosen:
            if results[m.uid].status == "Survived" and sanitize:
                killed = sanitize_check(m, root, work)
                if killed is not None:
                    results[m.uid] = killed
        secs["sanitize"] = time.perf_counter() - t3
    finally:
        shutil.rmtree(work, ignore_errors=True)
    proofs = sorted({equivalent[u].proof for u, r in results.items()
                     if r.status == "Survived" and u in equivalent and equivalent[u].proof})
    proven = {}
    if proofs:
        from . import equivalence

        proven = equivalence.check(proofs)
    for uid, r in results.items():
        if r.status == "Survived" and uid in equivalent:
            e = equivalent[uid]
            if e.proof and not proven[e.proof].proven:  # a broken proof never hides a mutant
                results[uid] = UResult(uid, "Survived", f"survived; its proof {e.proof} FAILED: "
                                                        f"{proven[e.proof].detail}")
                continue
            how = f"proven equivalent by Z3 ({e.proof})" if e.proof else "equivalent (reviewed)"
            results[uid] = UResult(uid, "Ignored", f"{how}: {e.justification}")
    return Outcome(chosen, results, len(cases), secs)


def _baseline_seconds(root: Path, work: Path, cases: list[Any]) -> float:
    """Replay the suite on the unmutated objects (must pass everything); its time."""
    import cffi

    compiler = build.find_compiler()
    so = work / "base" / "libbase.so"
    objs = sorted(str(p) for p in (work / "base").glob("*.o"))
    subprocess.run([compiler, "-shared", *objs, "-o", str(so), "-lm"], check=True, capture_output=True)
    ffi = cffi.FFI()
    ffi.cdef(build.cdef_from_headers(build.kernel_headers(root)))
    lib = ffi.dlopen(str(so))
    t = time.perf_counter()
    bad = [f"{c.label}: {why}" for c in cases if (why := gold.run_case(c, ffi, lib))]
    if bad:
        raise RuntimeError("the unmutated kernels fail the gold suite:\n  " + "\n  ".join(bad[:10]))
    return time.perf_counter() - t


def summary(out: Outcome) -> dict[str, Any]:
    """Figures of a run (what the CLI, the test and the benchmark report)."""
    killed = out.count("Killed")
    survived = out.count("Survived")
    valid = killed + survived
    return {"mutants": len(out.mutants), "compiled": out.compiled, "compile_errors": out.count("CompileError"),
            "killed": killed, "equivalent_tce": out.count("Equivalent"), "equivalent_reviewed": out.count("Ignored"),
            "survived": survived, "runtime_errors": out.count("RuntimeError"),
            "score": 100.0 * killed / valid if valid else 0.0, "cases": out.cases,
            "seconds": {k: round(v, 1) for k, v in out.seconds.items()}}


if __name__ == "__main__":
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "--replay":
        sys.exit(_replay_main(sys.argv[2]))
    sys.exit("usage: python -m symverify.mutants.universal --replay LIB.so")
