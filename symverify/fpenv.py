"""The floating-point environment the kernels need, checked at run time.

``sym_selftest_fp()`` (kernels/include/sym_selftest.h) probes the build and
the FPU for the faults that break bit-exactness with the golden vectors:
fused multiply-add contraction, flush-to-zero of subnormal results,
denormals-are-zero on inputs, and a rounding mode other than
round-to-nearest-even. This module decodes its result and builds the
kernels under foreign flags (e.g. ``-ffp-contract=fast -march=haswell``) to
measure how far such a build drifts from the reference build.
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import cffi
import numpy as np

from .build import cdef_from_headers, compile_shared, kernel_dir, kernel_headers, kernel_sources
from .errors import status_name

#: Fault bits of ``enum sym_fp_fault`` and the names Python reports.
FP_FAULTS: dict[int, str] = {
    1: "contraction",
    2: "flush_to_zero",
    4: "denormal_input",
    8: "rounding",
}

#: The pragma line every kernel source carries (see docs/semantics.md).
PRAGMA_LINE = "#pragma STDC FP_CONTRACT OFF"


@dataclass(frozen=True)
class FpSelftest:
    """Result of ``sym_selftest_fp``: the C status name, the raw fault bits
    and their names (empty when the environment is sound)."""

    status: str
    bits: int
    faults: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.status == "SYM_OK" and self.bits == 0


def fault_names(bits: int) -> tuple[str, ...]:
    """Names of the fault bits set in ``bits`` (unknown bits as ``bit<N>``)."""
    names = [name for bit, name in FP_FAULTS.items() if bits & bit]
    known = sum(FP_FAULTS)
    names += [f"bit{i}" for i in range(32) if (bits & ~known) >> i & 1]
    return tuple(names)


def run_selftest(ffi: Any, lib: Any) -> FpSelftest:
    """Call ``lib.sym_selftest_fp`` of a loaded kernel library and decode it."""
    out = ffi.new("uint32_t[1]")
    status = int(lib.sym_selftest_fp(out))
    bits = int(out[0])
    return FpSelftest(status_name(status), bits, fault_names(bits))


def strip_pragma(dest: Path) -> list[Path]:
    """Copy the kernel sources into ``dest`` without their FP_CONTRACT pragma
    block (the ``#if``/``#pragma``/``#endif`` lines); returns the copies."""
    out = []
    for src in kernel_sources():
        lines = src.read_text().splitlines(keepends=True)
        idx = next((i for i, line in enumerate(lines) if line.startswith(PRAGMA_LINE)), None)
        if idx is None:
            raise ValueError(f"{src.name} has no {PRAGMA_LINE!r} line")
        del lines[idx - 1:idx + 2]
        target = dest / src.name
        target.write_text("".join(lines))
        out.append(target)
    return out


def load_variant(flags: Sequence[str], compiler: str | None = None, *, pragma: bool = True,
                 extra_sources: Sequence[Path] = (), cdef: str = "") -> tuple[Any, Any]:
    """Build the kernels with the base flags plus ``flags`` (later flags win,
    so ``-ffp-contract=fast`` overrides the base ``-ffp-contract=off``) and
    load them. ``pragma=False`` builds copies without the FP_CONTRACT pragma;
    ``extra_sources`` are compiled into the same library (their declarations
    in ``cdef``). Returns ``(ffi, lib)``."""
    tmp = Path(tempfile.mkdtemp(prefix="symverify-fpenv-"))
    try:
        sources = kernel_sources() if pragma else strip_pragma(tmp)
        tag = "fpenv-" + ("p" if pragma else "np")
        path = compile_shared([*sources, *extra_sources], "release", flags,
                              [kernel_dir() / "include"], name=tag, compiler=compiler)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ffi = cffi.FFI()
    ffi.cdef(cdef_from_headers(kernel_headers()) + "\n" + cdef)
    return ffi, ffi.dlopen(str(path))


@dataclass(frozen=True)
class AccumulateInputs:
    """``calls`` independent accumulate_dynamic calls of ``length`` elements:
    12-bit mantissas, scales 2^-12 .. 2^-2 with random float32 mantissas."""

    target: np.ndarray      # int32 [calls, length]
    inc: np.ndarray         # int32 [calls, length]
    s_target: np.ndarray    # float32 [calls]
    s_inc: np.ndarray       # float32 [calls]


def accumulate_inputs(calls: int, length: int = 8, seed: int = 2026) -> AccumulateInputs:
    """Reproducible random inputs for :func:`accumulate_outputs`."""
    if calls < 1 or length < 1:
        raise ValueError(f"calls and length must be >= 1, got calls={calls!r}, length={length!r}")
    gen = np.random.default_rng(seed)
    def scales() -> np.ndarray:
        return (gen.uniform(1.0, 2.0, calls) * 2.0 ** gen.integers(-12, -2, calls)).astype(np.float32)
    return AccumulateInputs(
        gen.integers(-2047, 2048, (calls, length), dtype=np.int32),
        gen.integers(-2047, 2048, (calls, length), dtype=np.int32),
        scales(), scales())


def accumulate_outputs(ffi: Any, lib: Any, inputs: AccumulateInputs, q_max_bits: int = 12) -> np.ndarray:
    """Run every call through ``lib.sym_accumulate_dynamic`` (HALF_AWAY);
    returns int64 ``[calls, length + 2]``: the result mantissas, the new
    scale's bit pattern and the status."""
    calls, length = inputs.target.shape
    out = np.zeros((calls, length + 2), dtype=np.int64)
    t = ffi.new(f"int32_t[{length}]")
    inc = ffi.new(f"int32_t[{length}]")
    s = ffi.new("float[1]")
    tbuf = np.frombuffer(ffi.buffer(t), dtype=np.int32)
    ibuf = np.frombuffer(ffi.buffer(inc), dtype=np.int32)
    sbuf = np.frombuffer(ffi.buffer(s), dtype=np.uint32)
    fn = lib.sym_accumulate_dynamic
    for k in range(calls):
        tbuf[:] = inputs.target[k]
        ibuf[:] = inputs.inc[k]
        s[0] = float(inputs.s_target[k])
        status = fn(t, length, s, q_max_bits, inc, length, float(inputs.s_inc[k]), 0, ffi.NULL)
        out[k, :length] = tbuf
        out[k, length] = int(sbuf[0])
        out[k, length + 1] = status
    return out


def differing_calls(a: np.ndarray, b: np.ndarray) -> int:
    """Number of calls (rows) whose outputs differ in any bit."""
    if a.shape != b.shape:
        raise ValueError(f"output shapes differ: {a.shape} vs {b.shape}")
    return int(np.count_nonzero(np.any(a != b, axis=1)))
