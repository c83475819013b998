"""Compile the C reference kernels into a cached shared library and load it.

The library is built with the system C compiler on first use and cached under
``$SYMVERIFY_CACHE`` (default ``~/.cache/symverify``) by a hash of the sources,
the flags and the compiler's version, so an unchanged tree never recompiles.
Variants: ``release`` and ``sanitize`` (UBSan + ASan, every check fatal,
float-cast-overflow included). Loading a sanitize build into Python needs
libasan preloaded; :func:`sanitizer_env` gives the environment for a child
process that does so, and :func:`ensure_sanitizer_runtime` (called by
``import symverify``) re-executes a program started with
``SYMVERIFY_VARIANT=sanitize`` under that environment.
"""
from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Sequence

import cffi

BASE_FLAGS: tuple[str, ...] = (
    "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror",
    "-ffp-contract=off", "-fno-fast-math", "-fPIC", "-shared",
)
VARIANT_FLAGS: dict[str, tuple[str, ...]] = {
    "release": (),
    "sanitize": (
        "-g", "-fno-omit-frame-pointer",
        "-fsanitize=address,undefined", "-fsanitize=float-cast-overflow",
        "-fno-sanitize-recover=all",
    ),
}
VARIANT_ENV = "SYMVERIFY_VARIANT"


class BuildError(RuntimeError):
    """The kernels could not be compiled (no compiler, or a compile error)."""


def kernel_dir() -> Path:
    """Directory holding ``include/`` and ``src/`` of the C kernels."""
    return Path(str(resources.files("symverify.csrc")))


def kernel_sources(root: Path | None = None) -> list[Path]:
    """All kernel C sources, sorted (the build order is part of the hash)."""
    return sorted((root or kernel_dir()).joinpath("src").glob("*.c"))


def kernel_headers(root: Path | None = None) -> list[Path]:
    """All kernel headers, sorted; ``sym_status.h`` then ``sym_types.h`` first
    since others use its enums and the parameter structs."""
    headers = sorted((root or kernel_dir()).joinpath("include").glob("*.h"))
    first = {"sym_status.h": 0, "sym_types.h": 1}
    return sorted(headers, key=lambda p: first.get(p.name, 2))


def cache_dir() -> Path:
    """Where built libraries live (never inside the repository)."""
    return Path(os.environ.get("SYMVERIFY_CACHE", Path.home() / ".cache" / "symverify"))


def find_compiler() -> str:
    """The C compiler: ``$CC`` or the first of cc/gcc/clang on PATH."""
    for name in filter(None, (os.environ.get("CC"), "cc", "gcc", "clang")):
        path = shutil.which(name)
        if path:
            return path
    raise BuildError("no C compiler found: install gcc (apt-get install gcc) or set CC")


@functools.lru_cache(maxsize=None)
def compiler_version(compiler: str) -> str:
    """First line of ``compiler --version`` (part of the cache key)."""
    out = subprocess.run([compiler, "--version"], capture_output=True, text=True, check=False)
    return out.stdout.splitlines()[0] if out.stdout else compiler


def check_variant(variant: str) -> str:
    """Return ``variant`` if it is a known build variant, else raise ValueError."""
    if variant not in VARIANT_FLAGS:
        raise ValueError(f"unknown build variant {variant!r}: expected one of {sorted(VARIANT_FLAGS)}")
    return variant


def compile_shared(sources: Sequence[Path], variant: str = "release",
                   extra_flags: Iterable[str] = (), include_dirs: Iterable[Path] = (),
                   name: str = "symverify", compiler: str | None = None) -> Path:
    """Compile ``sources`` into a shared library and return its cached path.

    ``extra_flags`` come after the base flags (so ``-ffp-contract=fast``
    there overrides the base ``-ffp-contract=off``); ``compiler`` defaults to
    :func:`find_compiler`. The cache key hashes every source's bytes, every
    header under ``include_dirs``, the flags and the compiler version. The
    library is written to a temporary name and renamed, so a concurrent build
    never sees a half-written file.
    """
    compiler = compiler or find_compiler()
    include_dirs = [Path(d) for d in include_dirs] or [kernel_dir() / "include"]
    flags = [*BASE_FLAGS, *VARIANT_FLAGS[check_variant(variant)], *extra_flags]
    digest = hashlib.sha256()
    for part in (compiler_version(compiler), " ".join(flags)):
        digest.update(part.encode() + b"\0")
    for path in [*sources, *(h for d in include_dirs for h in sorted(d.glob("*.h")))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    out_dir = cache_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"lib{name}-{variant}-{digest.hexdigest()[:16]}.so"
    if target.exists():
        return target
    fd, tmp_name = tempfile.mkstemp(suffix=".so", dir=out_dir)
    os.close(fd)
    cmd = [compiler, *flags, *(f"-I{d}" for d in include_dirs), *map(str, sources), "-o", tmp_name, "-lm"]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        os.unlink(tmp_name)
        raise BuildError(f"compiling the kernels failed ({' '.join(cmd)}):\n{result.stderr}")
    os.replace(tmp_name, target)
    return target


def cdef_from_headers(headers: Sequence[Path]) -> str:
    """Declarations for cffi: the headers without preprocessor lines."""
    text = "\n".join(h.read_text() for h in headers)
    return "\n".join(line for line in text.splitlines() if not re.match(r"\s*#", line))


def default_variant() -> str:
    """The variant named by ``$SYMVERIFY_VARIANT``, else ``release``."""
    return check_variant(os.environ.get(VARIANT_ENV, "release"))


@functools.lru_cache(maxsize=None)
def load_library(variant: str | None = None) -> tuple[cffi.FFI, Any]:
    """Build (or reuse) the kernel library of ``variant`` and dlopen it.

    Returns ``(ffi, lib)``; ``lib`` exposes every function and enum declared in
    ``kernels/include``. Loading the ``sanitize`` variant in-process requires
    libasan to be preloaded (see :func:`sanitizer_env`).
    """
    variant = check_variant(variant or default_variant())
    if variant == "sanitize" and not asan_loaded():
        raise BuildError("the sanitize build needs libasan loaded first (otherwise ASan aborts the "
                         f"process); run: {sanitize_command()}")
    path = compile_shared(kernel_sources(), variant)
    ffi = cffi.FFI()
    ffi.cdef(cdef_from_headers(kernel_headers()))
    return ffi, ffi.dlopen(str(path))


def sanitizer_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a child Python that loads the sanitize variant:
    libasan preloaded, leak checks off (CPython itself leaks by design), every
    UBSan report fatal with a stack trace."""
    env = dict(os.environ if base is None else base)
    libasan = subprocess.run([find_compiler(), "-print-file-name=libasan.so"],
                             capture_output=True, text=True, check=True).stdout.strip()
    env["LD_PRELOAD"] = libasan
    env["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=0:exitcode=86"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:exitcode=87"
    env[VARIANT_ENV] = "sanitize"
    return env


#: Set in the environment of a re-executed process (never re-execute twice).
REEXEC_ENV = "SYMVERIFY_SANITIZE_REEXEC"


def asan_loaded() -> bool:
    """True if the ASan runtime is mapped into this process."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return False
    return "libasan" in maps


def sanitize_command() -> str:
    """The shell command that runs a Python program with the sanitize build."""
    return ("LD_PRELOAD=$(gcc -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0 "
            "SYMVERIFY_VARIANT=sanitize python3 your_program.py")


def ensure_sanitizer_runtime() -> None:
    """If ``$SYMVERIFY_VARIANT`` is ``sanitize`` and libasan is not loaded,
    re-execute this program (``sys.orig_argv``) with :func:`sanitizer_env`,
    so that ``SYMVERIFY_VARIANT=sanitize python3 prog.py`` works as the README
    says. Code that ran before ``import symverify`` runs again in the new
    process. An interactive session (no program to re-run) or a second
    attempt leaves the process alone; :func:`load_library` then raises
    :class:`BuildError` with the command to use."""
    if os.environ.get(VARIANT_ENV) != "sanitize" or asan_loaded() or os.environ.get(REEXEC_ENV):
        return
    argv = list(getattr(sys, "orig_argv", []) or [])
    if sys.flags.interactive or len(argv) < 2 or not sys.argv or sys.argv[0] in ("", "-"):
        return
    env = sanitizer_env()
    env[REEXEC_ENV] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, *argv[1:]], env)
