"""Huge constant int32 arrays in little memory, for C kernels that must read
every element: one 2 MiB memfd block filled with the value, mapped read-only
again and again over a reserved address range (Linux). A 2 GiB array of -2
costs 2 MiB of memory plus page tables instead of 2 GiB, and the kernel reads
it from cache."""
from __future__ import annotations

import ctypes
import mmap
import os

import numpy as np

BLOCK = 1 << 21  # bytes per mapping; 1024 mappings cover 2 GiB (vm.max_map_count is 65530)
_PROT_NONE, _PROT_READ = 0, 1
_MAP_SHARED, _MAP_PRIVATE, _MAP_FIXED, _MAP_ANONYMOUS, _MAP_NORESERVE, _MAP_POPULATE = 1, 2, 0x10, 0x20, 0x4000, 0x8000
_MAP_FAILED = ctypes.c_void_p(-1).value

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
_libc.munmap.restype = ctypes.c_int
_libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]


class UniformInt32:
    """``n`` int32 elements, all ``value``, at address :attr:`address` (read-only).

    Use as a context manager (or call :meth:`close`) to unmap."""

    def __init__(self, value: int, n: int) -> None:
        if n < 1:
            raise ValueError(f"n = {n}: need at least one element")
        self.value, self.n = int(value), int(n)
        self.size = -(-self.n * 4 // BLOCK) * BLOCK
        fd = os.memfd_create("uniform-int32")
        try:
            os.ftruncate(fd, BLOCK)
            with mmap.mmap(fd, BLOCK) as block:
                np.frombuffer(block, dtype=np.int32)[:] = self.value
            base = _libc.mmap(None, self.size, _PROT_NONE, _MAP_PRIVATE | _MAP_ANONYMOUS | _MAP_NORESERVE, -1, 0)
            if base in (None, _MAP_FAILED):
                raise OSError(ctypes.get_errno(), f"cannot reserve {self.size} bytes of address space")
            self.address = base
            for off in range(0, self.size, BLOCK):
                got = _libc.mmap(base + off, BLOCK, _PROT_READ, _MAP_SHARED | _MAP_FIXED | _MAP_POPULATE, fd, 0)
                if got != base + off:
                    self.close()
                    raise OSError(ctypes.get_errno(), f"cannot map block {off // BLOCK}")
        finally:
            os.close(fd)

    def head(self, k: int = 4) -> np.ndarray:
        """A copy of the first k elements (a check that the mapping holds the value)."""
        return np.ctypeslib.as_array(ctypes.cast(self.address, ctypes.POINTER(ctypes.c_int32)), (k,)).copy()

    def close(self) -> None:
        if getattr(self, "address", None) is not None:
            _libc.munmap(self.address, self.size)
            self.address = None

    def __enter__(self) -> "UniformInt32":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
