"""``sym_selftest_fp()``: the run-time check of the floating-point environment.

Each fault is really injected, and the self-test must name it:
- contraction: the kernels + self-test built with ``gcc -ffp-contract=fast
  -march=haswell`` (x86 FMA; skipped, visibly, only if the CPU lacks FMA),
  and with clang without the ``STDC FP_CONTRACT OFF`` pragma; the same FMA
  build also makes accumulate_dynamic drift from the reference build;
- flush-to-zero / denormals-are-zero: MXCSR FTZ / DAZ set at run time by a
  small C helper compiled into the same library (x86-64 only);
- rounding: ``fesetround`` to each directed mode;
- on Cortex-M: GCC's default flags (-std=gnu99, so -ffp-contract=fast) on the
  M4/M7 FPU, run under QEMU: the harness reports the fault and runs nothing.
"""
from __future__ import annotations

import platform
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import symverify as sv
from symverify import build, fpenv
from symverify import xtarget as xt
from symverify.types import SymTensor

FMA_FLAGS = ("-ffp-contract=fast", "-march=haswell")
CALLS = 3000  # the benchmark (benchmarks/fma_contraction.py) runs 400,000


def _cpu_has_fma() -> bool:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return re.search(r"^flags\s*:.*\bfma\b", text, re.MULTILINE) is not None


needs_fma = pytest.mark.skipif(not _cpu_has_fma(), reason="CPU lacks FMA (no 'fma' flag in /proc/cpuinfo): "
                               "the -march=haswell build cannot run here")
x86_64 = pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"),
                            reason=f"MXCSR fault injection needs x86-64, this is {platform.machine()}")

# Fault injection: runs sym_selftest_fp under a changed FPU mode and restores it.
INJECT_C = r"""
#include <fenv.h>
#include <stdint.h>
#include "sym_selftest.h"
#if defined(__x86_64__)
#include <xmmintrin.h>
int inject_mxcsr(uint32_t set_bits, uint32_t *faults)
{
    const unsigned int saved = _mm_getcsr();
    int status;
    _mm_setcsr(saved | set_bits);
    status = sym_selftest_fp(faults);
    _mm_setcsr(saved);
    return status;
}
#endif
int inject_rounding(int mode, uint32_t *faults)
{
    const int saved = fegetround();
    int status;
    if (fesetround(mode) != 0) {
        return 1;
    }
    status = sym_selftest_fp(faults);
    fesetround(saved);
    return status;
}
int fe_mode(int which)
{
    switch (which) {
    case 0: return FE_TONEAREST;
    case 1: return FE_UPWARD;
    case 2: return FE_DOWNWARD;
    default: return FE_TOWARDZERO;
    }
}
"""
INJECT_CDEF = """
int inject_mxcsr(uint32_t set_bits, uint32_t *faults);
int inject_rounding(int mode, uint32_t *faults);
int fe_mode(int which);
"""
MXCSR_DAZ, MXCSR_FTZ = 0x0040, 0x8000


@pytest.fixture(scope="module")
def injector(tmp_path_factory):
    src = tmp_path_factory.mktemp("inject") / "inject_fp.c"
    src.write_text(INJECT_C)
    return fpenv.load_variant((), extra_sources=[src], cdef=INJECT_CDEF)


def _inject(ffi, fn, *args) -> fpenv.FpSelftest:
    out = ffi.new("uint32_t[1]", [0xDEAD])
    status = fn(*args, out)
    assert status != 1, "fesetround refused the mode"
    bits = int(out[0])
    return fpenv.FpSelftest(sv.errors.STATUS_NAMES[status], bits, fpenv.fault_names(bits))


# ---------------------------------------------------------------- the sound build

def test_release_build_passes():
    res = sv.kernels.selftest_fp()
    assert res.ok and res.status == "SYM_OK" and res.faults == (), res


def test_null_faults_pointer():
    ffi, lib = sv.kernels.ffi_lib()
    assert lib.sym_selftest_fp(ffi.NULL) == lib.SYM_ERR_NULL


def test_fault_names_decode_every_bit():
    assert fpenv.fault_names(0) == ()
    assert fpenv.fault_names(0xF) == ("contraction", "flush_to_zero", "denormal_input", "rounding")
    assert fpenv.fault_names(0x20) == ("bit5",)


# ---------------------------------------------------------------- contraction

@needs_fma
def test_fma_build_is_flagged_and_drifts():
    """gcc -ffp-contract=fast -march=haswell: the self-test reports contraction,
    and accumulate_dynamic differs from the reference build (which matches the
    emulator) on some calls."""
    ffi, lib = fpenv.load_variant(FMA_FLAGS)
    res = fpenv.run_selftest(ffi, lib)
    assert res.status == "SYM_ERR_FP_ENV" and res.faults == ("contraction",), res
    inputs = fpenv.accumulate_inputs(CALLS)
    ref = fpenv.accumulate_outputs(*fpenv.load_variant(()), inputs)
    fma = fpenv.accumulate_outputs(ffi, lib, inputs)
    drift = fpenv.differing_calls(ref, fma)
    assert drift > CALLS // 100, f"only {drift} of {CALLS} calls differ under FMA"
    # the reference build is the model: check it against the emulator on a sample
    for k in range(0, CALLS, 97):
        t = SymTensor(inputs.target[k], inputs.s_target[k], 12)
        inc = SymTensor(inputs.inc[k], inputs.s_inc[k], 12)
        model = sv.emulate.accumulate_dynamic(t, inc)
        assert np.array_equal(ref[k, :-2], model.mantissas), k
        assert ref[k, -2] == int(model.scale.view(np.uint32)), k


def test_every_kernel_source_carries_the_pragma():
    for src in build.kernel_sources():
        head = src.read_text().split("#include", 1)[0]
        assert fpenv.PRAGMA_LINE in head, f"{src.name}: no {fpenv.PRAGMA_LINE!r} before the first #include"
        assert "#if !defined(__GNUC__) || defined(__clang__)" in head, src.name


@pytest.fixture(scope="module")
def clang() -> str:
    path = shutil.which("clang")
    if path is None:
        pytest.fail("clang not found (apt-get install clang; .ci/run installs it)")
    return path


@needs_fma
def test_clang_honours_the_pragma(clang):
    """clang's default -ffp-contract=on fuses a*b + c inside one expression:
    without the pragma the self-test reports it, with the pragma it is off."""
    flags = ("-ffp-contract=on", "-march=haswell")
    without = fpenv.run_selftest(*fpenv.load_variant(flags, clang, pragma=False))
    with_pragma = fpenv.run_selftest(*fpenv.load_variant(flags, clang, pragma=True))
    assert without.faults == ("contraction",), without
    assert with_pragma.ok, with_pragma


@needs_fma
def test_clang_fast_ignores_the_pragma(clang):
    """Documented limit: clang's -ffp-contract=fast overrides the pragma (so
    the build flag stays necessary); the self-test still catches it."""
    ffi, lib = fpenv.load_variant(("-ffp-contract=fast", "-march=haswell"), clang, pragma=True)
    assert fpenv.run_selftest(ffi, lib).faults == ("contraction",)
    inputs = fpenv.accumulate_inputs(CALLS)
    ref = fpenv.accumulate_outputs(*fpenv.load_variant(()), inputs)
    assert fpenv.differing_calls(ref, fpenv.accumulate_outputs(ffi, lib, inputs)) > 0


# ---------------------------------------------------------------- FTZ / DAZ / rounding

@x86_64
@pytest.mark.parametrize("bits, expected", [
    (MXCSR_FTZ, ("flush_to_zero",)),
    (MXCSR_DAZ, ("denormal_input",)),
    (MXCSR_FTZ | MXCSR_DAZ, ("flush_to_zero", "denormal_input")),
])
def test_flush_to_zero_is_flagged(injector, bits, expected):
    ffi, lib = injector
    res = _inject(ffi, lib.inject_mxcsr, bits)
    assert res.status == "SYM_ERR_FP_ENV" and res.faults == expected, res
    assert fpenv.run_selftest(ffi, lib).ok  # MXCSR restored


@pytest.mark.parametrize("which, name", [(1, "FE_UPWARD"), (2, "FE_DOWNWARD"), (3, "FE_TOWARDZERO")])
def test_directed_rounding_is_flagged(injector, which, name):
    ffi, lib = injector
    res = _inject(ffi, lib.inject_rounding, lib.fe_mode(which))
    assert res.status == "SYM_ERR_FP_ENV" and res.faults == ("rounding",), (name, res)
    assert _inject(ffi, lib.inject_rounding, lib.fe_mode(0)).ok


# ---------------------------------------------------------------- Cortex-M



@pytest.mark.parametrize("core", ["m4", "m7"])
def test_gcc_defaults_on_fpu_core_fail_the_run(tools, core):
    """arm-none-eabi-gcc -std=gnu99 -O2 (no -ffp-contract=off) on an FPU core
    emits VFMA; the harness' self-test reports it and the run fails before any
    vector (exit 4)."""
    result = xt.build_and_run(xt.gcc_default_core(xt.CORES[core]), "accumulate", tools)
    assert result.selftest_status == -17 and result.selftest_faults == 1, result.output[-2000:]
    assert result.exit_code == xt.EXIT_FPENV and result.run == 0 and not result.ok
    assert any("contraction" in p for p in result.problems()), result.problems()


def test_project_flags_pass_the_selftest_on_target(tools):
    result = xt.build_and_run(xt.CORES["m4"], "round", tools)
    assert result.selftest_status == 0 and result.selftest_faults == 0 and result.ok, result.problems()
