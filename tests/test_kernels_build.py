"""The kernels build warning-free with the project flags, and the whole kernel
test suite passes again against the ASan + UBSan build (every check fatal,
float-cast-overflow included), in a child process with libasan preloaded."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from symverify import build, registry

ROOT = Path(__file__).resolve().parents[1]
#: The primitive families this test file covers, with the status table and the
#: shared helpers (layer kernels have their own tests).
FAMILY_SOURCES = [ROOT / "kernels" / "src" / f"{stem}.c"
                  for stem in ("sym_status", "sym_support",
                               *(s for f in registry.FAMILIES if f.name != "layers" for s in f.sources))]
STRICT = ["-pedantic", "-Wconversion", "-Wdouble-promotion", "-Wshadow", "-Wcast-qual", "-Wstrict-prototypes"]


def test_release_build_is_warning_free_even_with_extra_warnings():
    cc = build.find_compiler()
    cmd = [cc, *build.BASE_FLAGS, *STRICT, "-fsyntax-only", f"-I{ROOT / 'kernels' / 'include'}",
           *map(str, FAMILY_SOURCES)]
    cmd = [f for f in cmd if f != "-shared"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None and not os.environ.get("SYMVERIFY_REQUIRE_XTARGET"),
                    reason="arm-none-eabi-gcc not installed (CI sets SYMVERIFY_REQUIRE_XTARGET=1: then this fails)")
@pytest.mark.parametrize("cpu", [["-mcpu=cortex-m0plus", "-mthumb"],
                                 ["-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"]])
def test_kernels_compile_for_cortex_m(cpu, tmp_path):
    for src in FAMILY_SOURCES:
        obj = tmp_path / (src.stem + ".o")
        res = subprocess.run(["arm-none-eabi-gcc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror",
                              "-ffp-contract=off", "-fno-fast-math", *cpu, f"-I{ROOT / 'kernels' / 'include'}",
                              "-c", str(src), "-o", str(obj)], capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
        if cpu[0] == "-mcpu=cortex-m0plus":
            nm = subprocess.run(["arm-none-eabi-nm", "-u", str(obj)], capture_output=True, text=True).stdout
            assert "__aeabi_lmul" not in nm, f"{src.name} uses a 64-bit multiply"


@pytest.mark.sanitize
@pytest.mark.skipif(os.environ.get(build.VARIANT_ENV) == "sanitize", reason="already running the sanitize build")
def test_kernel_suite_under_asan_ubsan():
    # No skip: a machine without the sanitizer runtime fails this test.
    env = build.sanitizer_env()
    assert os.path.exists(env["LD_PRELOAD"]), f"libasan not found: {env['LD_PRELOAD']!r}"
    tests = [str(ROOT / "tests" / "test_kernels_c.py"), str(ROOT / "tests" / "test_kernels_api.py")]
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
                         env=env, capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-4000:]
    assert " passed" in res.stdout
