"""Build and run the coverage-guided C targets (``fuzz/targets/*.c``) with
clang's libFuzzer, ASan and UBSan (float-cast-overflow included, every report
fatal), and read libFuzzer's figures from its output.

Binaries are cached under ``$SYMVERIFY_CACHE/fuzz`` by a hash of every source,
the flags and the compiler version, like the kernel library.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from symverify.build import cache_dir, compiler_version, kernel_dir, kernel_sources

from .case import fuzz_dir

FUZZ_FLAGS: tuple[str, ...] = (
    "-std=c99", "-O1", "-g", "-Wall", "-Wextra", "-Werror",
    "-ffp-contract=off", "-fno-fast-math", "-fno-omit-frame-pointer",
    "-fsanitize=fuzzer,address,undefined", "-fsanitize=float-cast-overflow",
    "-fno-sanitize-recover=all",
)
#: libFuzzer's RSS limit reads getrusage's peak RSS, which Linux keeps across
#: execve: a child of a big Python process (a pytest worker) would report
#: "out-of-memory" before its first input. So the RSS limit is off and a single
#: allocation above 2 GiB is the memory finding instead.
MEMORY_FLAGS: tuple[str, ...] = ("-rss_limit_mb=0", "-malloc_limit_mb=2048")
#: File-name prefixes libFuzzer gives the inputs it reports.
ARTIFACT_PREFIXES = ("crash-", "leak-", "timeout-", "oom-", "slow-unit-")


class FuzzToolError(RuntimeError):
    """The fuzz toolchain is missing or a target does not build."""


def find_clang() -> str:
    """``$SYMVERIFY_FUZZ_CC``, else clang or clang-14 on PATH (libFuzzer needs clang)."""
    for name in filter(None, (os.environ.get("SYMVERIFY_FUZZ_CC"), "clang", "clang-14")):
        path = shutil.which(name)
        if path:
            return path
    raise FuzzToolError("no clang found: install clang and libclang-rt-14-dev "
                        "(apt-get install clang libclang-rt-14-dev) or set SYMVERIFY_FUZZ_CC")


def target_source(family: str) -> Path:
    path = fuzz_dir() / "targets" / f"fuzz_{family}.c"
    if not path.exists():
        raise FuzzToolError(f"no fuzz target for family {family!r} ({path.name} missing)")
    return path


def build_target(family: str, kernel_root: Path | None = None) -> Path:
    """Compile the libFuzzer binary of ``family`` (cached) and return its path.
    ``kernel_root``: another kernel tree (``include/``, ``src/``) to link, e.g.
    a mutated copy in a test; default the shipped kernels."""
    clang = find_clang()
    root = kernel_root or kernel_dir()
    sources = [*kernel_sources(root), fuzz_dir() / "fz_case.c", fuzz_dir() / "fz_check.c", target_source(family)]
    includes = [fuzz_dir(), root / "include"]
    digest = hashlib.sha256()
    digest.update((compiler_version(clang) + "\0" + " ".join(FUZZ_FLAGS)).encode())
    for path in [*sources, *(h for d in includes for h in sorted(d.glob("*.h")))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    out_dir = cache_dir() / "fuzz"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"fuzz_{family}-{digest.hexdigest()[:16]}"
    if target.exists():
        return target
    fd, tmp = tempfile.mkstemp(prefix=f"fuzz_{family}-", dir=out_dir)
    os.close(fd)
    cmd = [clang, *FUZZ_FLAGS, *(f"-I{d}" for d in includes), *map(str, sources), "-o", tmp, "-lm"]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        os.unlink(tmp)
        raise FuzzToolError(f"building the {family} fuzz target failed ({' '.join(cmd)}):\n{result.stderr}")
    os.chmod(tmp, 0o755)
    os.replace(tmp, target)
    return target


@dataclass
class RunStats:
    """libFuzzer's figures of one run."""

    target: str
    executions: int = 0
    execs_per_sec: int = 0
    seconds: float = 0.0
    cov: int = 0
    ft: int = 0
    corpus: int = 0
    new_units: int = 0
    returncode: int = 0
    artifacts: list[Path] = field(default_factory=list)
    log_tail: str = ""

    @property
    def findings(self) -> int:
        """Reported inputs; a failed run without one counts as one finding."""
        return len(self.artifacts) or (1 if self.returncode != 0 else 0)


_STATUS_LINE = re.compile(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+)(?: corp: (\d+)/)?", re.M)
_STAT = re.compile(r"^stat::(\w+):\s+(\d+)", re.M)


def parse_output(target: str, text: str, returncode: int, seconds: float,
                 artifacts: list[Path]) -> RunStats:
    """RunStats from libFuzzer's stderr (status lines and -print_final_stats)."""
    stats = RunStats(target, returncode=returncode, seconds=seconds, artifacts=artifacts,
                     log_tail="\n".join(text.splitlines()[-30:]))
    lines = _STATUS_LINE.findall(text)
    if lines:
        last = lines[-1]
        stats.cov, stats.ft = int(last[1]), int(last[2])
        stats.corpus = int(last[3]) if last[3] else stats.corpus
    finals = dict(_STAT.findall(text))
    stats.executions = int(finals.get("number_of_executed_units", lines[-1][0] if lines else 0))
    stats.execs_per_sec = int(finals.get("average_exec_per_sec", 0))
    stats.new_units = int(finals.get("new_units_added", 0))
    return stats


def run_libfuzzer(cmd: list[str], target: str, artifact_dir: Path, timeout: float,
                  env: dict[str, str] | None = None) -> RunStats:
    """Run one libFuzzer process (its artifacts go to ``artifact_dir``)."""
    import time

    artifact_dir.mkdir(parents=True, exist_ok=True)
    before = set(artifact_dir.iterdir())
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace", check=False,
                              timeout=timeout, env=env)
        out, code = proc.stderr + proc.stdout, proc.returncode
    except subprocess.TimeoutExpired as exc:
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        out, code = err + "\n(killed: wall-clock timeout)", -9
    seconds = time.monotonic() - start
    found = sorted(p for p in set(artifact_dir.iterdir()) - before if p.name.startswith(ARTIFACT_PREFIXES))
    return parse_output(target, out, code, seconds, found)


def fuzz_family(family: str, corpus: Path, seeds: Path, artifact_dir: Path,
                seconds: float | None = None, runs: int | None = None,
                kernel_root: Path | None = None) -> RunStats:
    """Fuzz one kernel family: new units go to ``corpus`` (seeded from
    ``seeds``), findings to ``artifact_dir``; stops after ``seconds`` or ``runs``."""
    binary = build_target(family, kernel_root)
    corpus.mkdir(parents=True, exist_ok=True)
    cmd = [str(binary), f"-artifact_prefix={artifact_dir}/", "-print_final_stats=1", "-max_len=8192",
           "-timeout=10", *MEMORY_FLAGS, "-use_value_profile=1"]
    if runs is not None:
        cmd.append(f"-runs={int(runs)}")
    if seconds is not None:
        cmd.append(f"-max_total_time={max(1, int(round(seconds)))}")
    cmd += [str(corpus), str(seeds)]
    # wall-clock guard only: a run of N executions on a loaded machine may be slow
    limit = (seconds or 0) + 120 if runs is None else max(3600.0, (seconds or 0) + 3600)
    return run_libfuzzer(cmd, family, artifact_dir, timeout=limit)
