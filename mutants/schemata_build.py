"""Compile the schemata sources one translation unit at a time, in parallel,
with every outcome cached by content.

The schemata build used to be one ``cc`` command per variant: a mutant the
compiler rejects made the whole command fail, the rejected mutants were
blamed and everything was compiled again, and failures were never cached, so
even a warm run paid two or three full compilations. Here each (source,
variant) is its own ``cc -c``; its outcome (object file, or the compiler's
messages) is stored under a key of the compiler version, the flags, the
source bytes and every header it can include, so a retry recompiles only the
sources whose text changed and a warm run compiles nothing. The objects of a
variant are linked into one shared library with the same flags, keyed by the
object keys.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from symverify import build

_LINK_ONLY = ("-shared",)


@dataclass
class Unit:
    """The outcome of compiling one source for one variant."""
    source: Path
    variant: str
    obj: Path | None  # None: the compiler rejected the source
    stderr: str
    seconds: float  # 0.0 when served from the cache


def _compile_flags(variant: str) -> list[str]:
    return [f for f in (*build.BASE_FLAGS, *build.VARIANT_FLAGS[build.check_variant(variant)]) if f not in _LINK_ONLY]


def _link_flags(variant: str) -> list[str]:
    return [*build.BASE_FLAGS, *build.VARIANT_FLAGS[build.check_variant(variant)]]


def _store() -> Path:
    d = build.cache_dir() / "mutate-objects"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def _unit_key(compiler: str, flags: list[str], source: Path, headers: bytes) -> str:
    h = hashlib.sha256()
    for part in (build.compiler_version(compiler), " ".join(flags)):
        h.update(part.encode() + b"\0")
    h.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0" + headers)
    return h.hexdigest()[:24]


def _headers_digest(include_dirs: Sequence[Path]) -> bytes:
    h = hashlib.sha256()
    for d in include_dirs:
        for p in sorted(Path(d).glob("*.h")):
            h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.digest()


def compile_unit(source: Path, variant: str, include_dirs: Sequence[Path], compiler: str | None = None) -> Unit:
    """``cc -c`` of one source with the kernels' flags of ``variant``
    (cached: an object, or the compiler's messages when it rejects the source)."""
    compiler = compiler or build.find_compiler()
    flags = _compile_flags(variant)
    key = _unit_key(compiler, flags, source, _headers_digest(include_dirs))
    obj, err = _store() / f"{key}.o", _store() / f"{key}.err"
    if obj.exists():
        return Unit(source, variant, obj, "", 0.0)
    if err.exists():
        return Unit(source, variant, None, err.read_text(), 0.0)
    t0 = time.perf_counter()
    fd, tmp = tempfile.mkstemp(dir=_store(), suffix=".o.tmp")
    os.close(fd)
    cmd = [compiler, *flags, *(f"-I{d}" for d in include_dirs), "-c", str(source), "-o", tmp]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    if res.returncode != 0:
        os.unlink(tmp)
        text = f"compiling {source.name} ({variant}) failed ({' '.join(cmd)}):\n{res.stderr}"
        _atomic_write(err, text.encode())
        return Unit(source, variant, None, text, seconds)
    os.replace(tmp, obj)
    return Unit(source, variant, obj, "", seconds)


def link(objects: Sequence[Path], variant: str, name: str, compiler: str | None = None) -> Path:
    """Link ``objects`` into a shared library (cached by the object keys);
    BuildError if the linker fails."""
    compiler = compiler or build.find_compiler()
    flags = _link_flags(variant)
    h = hashlib.sha256(" ".join([build.compiler_version(compiler), *flags]).encode())
    for o in objects:
        h.update(o.name.encode() + b"\0")
    out_dir = build.cache_dir()
    target = out_dir / f"lib{name}-{variant}-{h.hexdigest()[:16]}.so"
    if target.exists():
        return target
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix=".so")
    os.close(fd)
    cmd = [compiler, *flags, *map(str, objects), "-o", tmp, "-lm"]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        os.unlink(tmp)
        raise build.BuildError(f"linking the schemata ({variant}) failed ({' '.join(cmd)}):\n{res.stderr}")
    os.replace(tmp, target)
    return target


def compile_all(sources: Sequence[Path], variants: Iterable[str], include_dirs: Sequence[Path],
                workers: int) -> list[Unit]:
    """Every (source, variant) unit, ``workers`` compilers at a time. The
    first variant's unit of a source goes first; the later variants of that
    source are compiled only if the first one compiled (a source the
    compiler rejects is rewritten before any variant is linked)."""
    variants = list(variants)
    compiler = build.find_compiler()
    units: list[Unit] = []
    lock = threading.Lock()
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    futures: list[Future[None]] = []

    def run(src: Path, vi: int) -> None:
        u = compile_unit(src, variants[vi], include_dirs, compiler)
        with lock:
            units.append(u)
            if u.obj is not None and vi + 1 < len(variants):
                futures.append(pool.submit(run, src, vi + 1))

    try:
        # the largest sources first, so the pool never waits on one long compile at the end
        with lock:
            for src in sorted(sources, key=lambda p: -p.stat().st_size):
                futures.append(pool.submit(run, src, 0))
        done = 0
        while True:
            with lock:
                pending = futures[done:]
                done = len(futures)
            if not pending:
                break
            for f in pending:
                f.result()
    finally:
        pool.shutdown(wait=True)
    return units
