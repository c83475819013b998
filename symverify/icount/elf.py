"""The two things the counter needs from a 32-bit little-endian ARM ELF
executable: its loadable segments and its function symbols.

A minimal reader (no dependency): program headers for what to load where
(at the physical address, so ``.data`` sits at its flash load address and
the startup copies it, as on the device), and ``.symtab`` for the address
of each function. Anything else is a :class:`ElfError` naming the file.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

_PT_LOAD = 1
_SHT_SYMTAB = 2
_STT_FUNC = 2


class ElfError(ValueError):
    """Not a readable 32-bit little-endian ARM executable (names the file)."""


@dataclass(frozen=True)
class Segment:
    """One PT_LOAD segment: ``data`` (file bytes) at ``address``, ``memsz`` bytes in all."""

    address: int                      # load (physical) address
    data: bytes
    memsz: int
    vaddr: int                        # run address (differs for .data)


@dataclass(frozen=True)
class Elf:
    """Loadable segments and function addresses (Thumb bit cleared) of one image."""

    path: Path
    entry: int
    segments: tuple[Segment, ...]
    functions: dict[str, int]         # function symbols, Thumb bit cleared
    symbols: dict[str, int]           # every named symbol (functions, objects, linker symbols)

    def function(self, name: str) -> int:
        """Address of function ``name``; KeyError naming the function and the file."""
        try:
            return self.functions[name]
        except KeyError:
            raise KeyError(f"function {name!r} not in {self.path}") from None


def read_elf(path: str | Path) -> Elf:
    """Parse ``path``; :class:`ElfError` if it is not an ELF32 LE ARM executable."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ElfError(f"{path}: cannot read ({exc.strerror})") from None
    if len(data) < 52 or data[:4] != b"\x7fELF" or data[4] != 1 or data[5] != 1:
        raise ElfError(f"{path}: not a 32-bit little-endian ELF file")
    e_machine, = struct.unpack_from("<H", data, 18)
    if e_machine != 40:
        raise ElfError(f"{path}: ELF machine {e_machine}, expected 40 (ARM)")
    entry, phoff, shoff = struct.unpack_from("<III", data, 24)
    phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", data, 42)
    try:
        segments = []
        for i in range(phnum):
            p_type, off, vaddr, paddr, filesz, memsz = struct.unpack_from("<6I", data, phoff + i * phentsize)
            if p_type == _PT_LOAD and memsz:
                segments.append(Segment(paddr, data[off:off + filesz], memsz, vaddr))
        sections = [struct.unpack_from("<10I", data, shoff + i * shentsize) for i in range(shnum)]
        functions: dict[str, int] = {}
        symbols: dict[str, int] = {}
        for sec in sections:
            if sec[1] != _SHT_SYMTAB:
                continue
            strtab_off = sections[sec[6]][4]
            for j in range(sec[5] // 16):
                name_off, value, _size, info = struct.unpack_from("<IIIB", data, sec[4] + j * 16)
                if not name_off:
                    continue
                end = data.index(b"\0", strtab_off + name_off)
                name = data[strtab_off + name_off:end].decode()
                symbols[name] = value
                if info & 0xF == _STT_FUNC:
                    functions[name] = value & ~1
    except (struct.error, IndexError, ValueError) as exc:
        raise ElfError(f"{path}: truncated or malformed ELF ({exc})") from None
    if not segments:
        raise ElfError(f"{path}: no loadable segment")
    return Elf(path, entry & ~1, tuple(segments), functions, symbols)
