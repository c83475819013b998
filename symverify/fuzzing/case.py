"""The fuzz-case byte layout of ``fuzz/fz_case.h``: a Python encoder and the
C decoder (compiled once, loaded through cffi).

Decoding always goes through the C decoder the libFuzzer targets link, so an
input names the same kernel arguments in the C target and in the Python
replay; :func:`encode` is its inverse for every case it can express (lengths
<= FZ_MAX, elements of the chosen mode), which the tests check on every
seed.
"""
from __future__ import annotations

import functools
import re
import struct
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import cffi
import numpy as np

FZ_MAX = 255
FZ_NP = 12
FZ_NF = 6
FZ_NA = 5


def fuzz_dir() -> Path:
    """Directory of the fuzz C sources (``fuzz/`` of the repository)."""
    return Path(str(resources.files("symverify.fuzz_c")))


@dataclass
class FuzzCase:
    """One decoded input: the fields of ``fz_case`` (see fuzz/fz_case.h).

    ``p`` holds FZ_NP small ints (-128..127), ``f`` FZ_NF float32 values, ``a``
    FZ_NA int32 arrays of at most FZ_MAX elements, ``x`` one float32 array.
    """

    op: int = 0
    p: list[int] = field(default_factory=lambda: [0] * FZ_NP)
    seed: int = 0
    f: list[Any] = field(default_factory=lambda: [np.float32(0.0)] * FZ_NF)
    a: list[list[int]] = field(default_factory=lambda: [[] for _ in range(FZ_NA)])
    x: list[Any] = field(default_factory=list)

    def f32(self, k: int) -> np.float32:
        """``f[k]`` as float32 (the C side's exact value)."""
        return np.float32(self.f[k])

    def key(self) -> tuple[Any, ...]:
        """A comparable form, floats as bit patterns (NaN payloads included)."""
        fb = tuple(int(v) for v in np.array(self.f, dtype=np.float32).view(np.uint32))
        xb = tuple(int(v) for v in np.array(self.x, dtype=np.float32).reshape(-1).view(np.uint32))
        return (self.op, tuple(self.p), self.seed, fb, tuple(tuple(a) for a in self.a), xb)


def _mode_of(values: Sequence[int]) -> int:
    if all(-128 <= v <= 127 for v in values):
        return 0
    if all(-32768 <= v <= 32767 for v in values):
        return 1
    return 2


def _f32_bits(v: Any) -> bytes:
    return np.array(v, dtype=np.float32).reshape(1).view(np.uint32).astype("<u4").tobytes()


def encode(case: FuzzCase) -> bytes:
    """Bytes that :func:`decode` reads back as ``case``. Raises ValueError
    naming the field for a case the layout cannot express."""
    if not 0 <= case.op <= 255:
        raise ValueError(f"op = {case.op!r}: must be 0..255")
    if len(case.p) != FZ_NP or any(not -128 <= v <= 127 for v in case.p):
        raise ValueError(f"p = {case.p!r}: needs {FZ_NP} values in -128..127")
    if not 0 <= case.seed <= 0xFFFFFFFF:
        raise ValueError(f"seed = {case.seed!r}: must be a uint32")
    if len(case.f) != FZ_NF or len(case.a) != FZ_NA:
        raise ValueError(f"f / a: need {FZ_NF} floats and {FZ_NA} arrays")
    out = bytearray([case.op])
    out += bytes(v & 0xFF for v in case.p)
    out += struct.pack("<I", case.seed)
    for v in case.f:
        out += _f32_bits(v)
    for k, arr in enumerate(case.a):
        values = [int(v) for v in arr]
        if len(values) > FZ_MAX or any(not -(1 << 31) <= v < (1 << 31) for v in values):
            raise ValueError(f"a[{k}]: at most {FZ_MAX} int32 values, got {len(values)}")
        mode = _mode_of(values)
        out += bytes([len(values), mode])
        fmt = {0: "<b", 1: "<h", 2: "<i"}[mode]
        for v in values:
            out += struct.pack(fmt, v)
    if len(case.x) > FZ_MAX:
        raise ValueError(f"x: at most {FZ_MAX} values, got {len(case.x)}")
    out += bytes([len(case.x)])
    for v in case.x:
        out += _f32_bits(v)
    return bytes(out)


def _cdef() -> str:
    text = (fuzz_dir() / "fz_case.h").read_text()
    consts = dict(re.findall(r"#define\s+(FZ_\w+)\s+(\d+)", text))
    body = "\n".join(line for line in text.splitlines() if not re.match(r"\s*#", line))
    for name, value in consts.items():
        body = re.sub(rf"\b{name}\b", value, body)
    return body


@functools.lru_cache(maxsize=None)
def decoder() -> tuple[Any, Any]:
    """``(ffi, lib)`` of the compiled C decoder (cached like the kernels)."""
    from symverify.build import compile_shared

    path = compile_shared([fuzz_dir() / "fz_case.c"], include_dirs=[fuzz_dir()], name="symverify-fzcase")
    ffi = cffi.FFI()
    ffi.cdef(_cdef())
    return ffi, ffi.dlopen(str(path))


def decode(data: bytes) -> FuzzCase:
    """The case the C targets see for ``data`` (through the C decoder)."""
    ffi, lib = decoder()
    c = ffi.new("fz_case *")
    buf = ffi.from_buffer(data) if data else ffi.NULL
    lib.fz_decode(buf, len(data), c)
    return FuzzCase(
        op=int(c.op),
        p=[int(v) for v in c.p],
        seed=int(c.seed),
        f=list(np.frombuffer(ffi.buffer(c.f), dtype=np.float32).copy()),
        a=[[int(c.a[k][i]) for i in range(int(c.n[k]))] for k in range(FZ_NA)],
        x=list(np.frombuffer(ffi.buffer(c.x), dtype=np.float32)[: int(c.nx)].copy()),
    )
