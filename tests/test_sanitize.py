"""The golden suite again, on the ``sanitize`` build (UBSan + ASan, every check fatal).

Each test runs a child Python with ``symverify.build.sanitizer_env()`` (libasan
preloaded, SYMVERIFY_VARIANT=sanitize). The child replays every golden vector
through the API and through the raw C ABI (in place too, see
tests/test_golden.py::replay_all) and reports what it loaded. Positive
controls prove the sanitizers are live: a heap overflow must be caught by ASan
and an out-of-range float->int cast by UBSan, in the same environment.
Nothing is skipped: a missing compiler or libasan is a failure.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from symverify import build

pytestmark = pytest.mark.sanitize

TESTS_DIR = Path(__file__).resolve().parent
SANITIZER_REPORT = re.compile(r"AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer|runtime error:")
TIMEOUT = 900


def _env() -> dict[str, str]:
    env = build.sanitizer_env()
    libasan = env.get("LD_PRELOAD", "")
    assert libasan and os.path.isabs(libasan) and os.path.exists(libasan), (
        f"libasan not found (LD_PRELOAD={libasan!r}): install the compiler's ASan runtime (e.g. apt-get install gcc)")
    return env


def _child(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          env=env, timeout=TIMEOUT, cwd=str(TESTS_DIR))


REPLAY = """
import importlib.util, json, os, sys
spec = importlib.util.spec_from_file_location("golden_replay", {path!r})
tg = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tg)
import symverify as sv
from symverify import build
ffi, lib = sv.kernels.ffi_lib()
count, failures = tg.replay_all(sv.kernels, ffi, lib)
maps = open("/proc/self/maps").read().splitlines()
def mapped(word):
    return sorted({{line.split()[-1] for line in maps if word in line and "/" in line}})
print("REPORT " + json.dumps({{
    "variant": build.default_variant(),
    "env_variant": os.environ.get("SYMVERIFY_VARIANT"),
    "kernel_libs": mapped("libsymverify"),
    "asan": mapped("libasan"),
    "vectors": len(tg.ALL),
    "replays": count,
    "failures": failures,
}}))
"""


@pytest.fixture(scope="module")
def sanitized_replay():
    res = _child(REPLAY.format(path=str(TESTS_DIR / "test_golden.py")), _env())
    lines = [line for line in res.stdout.splitlines() if line.startswith("REPORT ")]
    report = json.loads(lines[-1][len("REPORT "):]) if lines else None
    return res, report


def test_golden_replay_clean_under_ubsan_asan(sanitized_replay):
    res, report = sanitized_replay
    assert res.returncode == 0, f"sanitized golden replay exited {res.returncode}:\n{res.stdout[-4000:]}\n{res.stderr[-8000:]}"
    assert not SANITIZER_REPORT.search(res.stderr), f"sanitizer report:\n{res.stderr[-8000:]}"
    assert report is not None, f"child produced no report:\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}"
    assert not report["failures"], "\n".join(report["failures"])
    assert report["vectors"] >= 200 and report["replays"] > report["vectors"], report


def test_sanitizer_really_active(sanitized_replay):
    res, report = sanitized_replay
    assert report is not None, res.stderr[-2000:]
    assert report["env_variant"] == "sanitize" and report["variant"] == "sanitize", report
    assert report["kernel_libs"], "no kernel library mapped in the child"
    assert all("sanitize" in Path(p).name for p in report["kernel_libs"]), report["kernel_libs"]
    assert report["asan"], "libasan is not mapped in the child"


def test_asan_catches_a_heap_overflow():
    """Positive control: reading past a malloc'd buffer through a kernel must abort with an ASan report."""
    code = """
    import ctypes
    import symverify as sv
    ffi, lib = sv.kernels.ffi_lib()
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    x = libc.malloc(4 * 4)                        # room for 4 floats
    ctypes.memset(x, 0, 16)
    m = ffi.new("int32_t[64]")
    scale = ffi.new("float[1]")
    lib.sym_float_to_sym(ffi.cast("const float *", x), 64, 12, 0, ffi.NULL, m, scale)   # reads 64
    print("NOT CAUGHT")
    """
    res = _child(code, _env())
    assert "NOT CAUGHT" not in res.stdout, "ASan did not catch a heap-buffer-overflow: the sanitizer is not active"
    assert res.returncode == 86 and "heap-buffer-overflow" in res.stderr, (res.returncode, res.stderr[-3000:])


def test_ubsan_catches_float_cast_overflow(tmp_path):
    """Positive control: the sanitize flags make an out-of-range float->int cast fatal."""
    probe = tmp_path / "probe.c"
    probe.write_text("int probe_cast(float x);\nint probe_cast(float x) { return (int)x; }\n")
    so = build.compile_shared([probe], "sanitize", include_dirs=[tmp_path], name="symverify-probe")
    code = f"""
    import cffi
    ffi = cffi.FFI()
    ffi.cdef("int probe_cast(float x);")
    lib = ffi.dlopen({str(so)!r})
    print("in range", lib.probe_cast(3.0))
    lib.probe_cast(1e10)
    print("NOT CAUGHT")
    """
    res = _child(code, _env())
    assert "in range 3" in res.stdout, res.stderr[-3000:]
    assert "NOT CAUGHT" not in res.stdout, "UBSan did not catch a float-cast-overflow"
    assert res.returncode == 87 and "runtime error" in res.stderr, (res.returncode, res.stderr[-3000:])


# ---------------------------------------------------------------- README invocation

USER_SNIPPET = """
print("user code before import")
import numpy as np, symverify as sv
from symverify import build
t = sv.kernels.float_to_sym(np.array([0.5, -1.25, 3.0], np.float32), q_max_bits=12)
print("RESULT", t.mantissas.tolist(), build.default_variant(), "libasan" in open("/proc/self/maps").read())
if {overflow}:
    import ctypes
    ffi, lib = sv.kernels.ffi_lib()
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    x = libc.malloc(2 * 4)                        # room for 2 floats (malloc: ASan sees it)
    ctypes.memset(x, 0, 8)
    m = ffi.new("int32_t[64]")
    scale = ffi.new("float[1]")
    lib.sym_float_to_sym(ffi.cast("const float *", x), 64, 12, 0, ffi.NULL, m, scale)   # reads 64
    print("NOT CAUGHT")
"""


def _user_env() -> dict[str, str]:
    """The shell a user has: SYMVERIFY_VARIANT=sanitize and nothing else set up."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS", "SYMVERIFY_SANITIZE_REEXEC")}
    env[build.VARIANT_ENV] = "sanitize"
    return env


def test_readme_invocation_runs_the_sanitize_build(tmp_path):
    """`SYMVERIFY_VARIANT=sanitize python3 prog.py`, as the README says: the
    program re-executes itself with libasan preloaded and runs on the
    sanitize build (before the fix: ASan aborted with its LD_PRELOAD error)."""
    prog = tmp_path / "prog.py"
    prog.write_text(textwrap.dedent(USER_SNIPPET.format(overflow=False)))
    res = subprocess.run([sys.executable, str(prog)], capture_output=True, text=True, env=_user_env(),
                         timeout=TIMEOUT, cwd=str(tmp_path))
    assert res.returncode == 0, (res.returncode, res.stderr[-3000:])
    assert "ASan runtime does not come first" not in res.stderr
    assert "RESULT [341, -853, 2047] sanitize True" in res.stdout, res.stdout
    assert res.stdout.count("RESULT") == 1
    # documented: code before `import symverify` runs again in the re-executed process
    assert res.stdout.count("user code before import") == 2


def test_readme_invocation_sanitizer_is_live(tmp_path):
    """Same invocation with a heap overflow through the C ABI: ASan stops it."""
    prog = tmp_path / "prog.py"
    prog.write_text(textwrap.dedent(USER_SNIPPET.format(overflow=True)))
    res = subprocess.run([sys.executable, str(prog)], capture_output=True, text=True, env=_user_env(),
                         timeout=TIMEOUT, cwd=str(tmp_path))
    assert "NOT CAUGHT" not in res.stdout
    assert res.returncode == 86 and "heap-buffer-overflow" in res.stderr, (res.returncode, res.stderr[-3000:])


def test_sanitize_without_runtime_is_a_clear_error(tmp_path):
    """Asking for the sanitize build in a process without libasan (and no
    program to re-execute) raises BuildError with the command that works,
    instead of ASan killing the process."""
    code = textwrap.dedent("""
    import symverify as sv
    from symverify import build
    try:
        sv.kernels.ffi_lib("sanitize")
    except build.BuildError as exc:
        print("ERROR", exc)
    """)
    env = {k: v for k, v in _user_env().items() if k != build.VARIANT_ENV}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=TIMEOUT, cwd=str(tmp_path))
    assert res.returncode == 0, res.stderr[-3000:]
    assert "ERROR the sanitize build needs libasan" in res.stdout and "LD_PRELOAD=" in res.stdout, res.stdout
