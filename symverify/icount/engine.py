"""Instruction counting on the unicorn engine (Cortex-M0/M4/M7 models).

A :class:`Machine` loads one cross-compiled ELF image (the objects
``symverify xtarget`` builds), maps the memory of the image's linker script,
and either runs the image from its reset vector to its semihosting exit
(:meth:`Machine.run`) or calls one function with integer arguments and a
prepared stack (:meth:`Machine.call`).

Counting: a block hook adds the number of Thumb instructions of each
translated block as it starts (a 16-bit or 32-bit encoding is told apart by
the first halfword), so every executed instruction is counted once, IT-block
instructions whose condition fails included (they take an issue slot on the
core too). ``exact=True`` counts with a per-instruction code hook instead
(slower; the tests check that both agree). The calls of the watched
functions are tracked at block starts: entering a watched address opens a
frame (return address = LR, stack pointer = SP), reaching that return
address with that SP closes it. A call's count runs from its first
instruction to its return instruction, both included; everything it calls
(soft-float helpers on the M0+, libm, other kernels) is part of it.

Semihosting (``bkpt 0xab``): SYS_WRITE0 goes to the console text,
SYS_EXIT / SYS_EXIT_EXTENDED end the run with the exit code. Any other
exception, an unmapped access or the instruction budget ends the run with
an error naming it.

The System Control Space page (0xE000E000) is mapped as plain RAM so that
the startup's CPACR write (FPU enable) lands somewhere; unicorn's M-class
models give the FPU full access from reset, so hard-float code runs with or
without it.
"""
from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from .elf import Elf

try:
    import unicorn
    from unicorn import arm_const as _arm
except ModuleNotFoundError:  # pragma: no cover - exercised by the CLI's error path
    unicorn = None
    _arm = None


class IcountUnavailable(RuntimeError):
    """The ``unicorn`` package is not installed (``pip install 'symverify[icount]'``)."""


#: unicorn CPU model per core key (``symverify.xtarget.CORES``); unicorn has
#: no Cortex-M0+: its Cortex-M0 model executes the same ARMv6-M set.
CPU_MODELS: dict[str, str] = {"m0plus": "UC_CPU_ARM_CORTEX_M0", "m4": "UC_CPU_ARM_CORTEX_M4",
                              "m7": "UC_CPU_ARM_CORTEX_M7"}

#: Instructions a run may execute before it is stopped as a runaway.
DEFAULT_BUDGET = 2_000_000_000

SCS_BASE, SCS_SIZE = 0xE000E000, 0x1000
#: A page outside every board map: LR of a :meth:`Machine.call` points here,
#: and reaching it ends the call.
RETURN_TRAP = 0x0F000000

_EXCP_BKPT = 7
_SEMIHOST_BKPT = 0xBEAB
_SYS_WRITE0, _SYS_EXIT, _SYS_EXIT_EXTENDED = 0x04, 0x18, 0x20
_PAGE = 0x1000


def require_unicorn() -> None:
    """Raise :class:`IcountUnavailable` naming the extra if unicorn is missing."""
    if unicorn is None:
        raise IcountUnavailable("instruction counting needs the unicorn engine: "
                                "pip install 'symverify[icount]' (unicorn>=2.1)")


@dataclass(frozen=True)
class Region:
    """One memory region of a linker script (``MEMORY`` block)."""

    name: str
    origin: int
    length: int


_MEM_LINE = re.compile(r"(\w+)\s*\([^)]*\)\s*:\s*ORIGIN\s*=\s*(0x[0-9a-fA-F]+|\d+)\s*,\s*"
                       r"LENGTH\s*=\s*(0x[0-9a-fA-F]+|\d+)\s*([KM]?)")


def memory_regions(linker_script: str | Path) -> list[Region]:
    """The regions of the ``MEMORY { ... }`` block of a board linker script."""
    text = Path(linker_script).read_text()
    block = re.search(r"MEMORY\s*\{(.*?)\}", text, re.DOTALL)
    if block is None:
        raise ValueError(f"{linker_script}: no MEMORY block")
    regions = []
    for name, origin, length, unit in _MEM_LINE.findall(block.group(1)):
        size = int(length, 0) * {"": 1, "K": 1024, "M": 1 << 20}[unit]
        regions.append(Region(name, int(origin, 0), size))
    if not regions:
        raise ValueError(f"{linker_script}: MEMORY block names no region")
    return regions


def thumb_instructions(code: bytes) -> int:
    """Number of Thumb instructions in ``code`` (a whole translated block):
    a halfword with top five bits 0b11101, 0b11110 or 0b11111 opens a
    32-bit encoding, any other one is a 16-bit instruction."""
    n = i = 0
    while i + 1 < len(code):
        top = code[i + 1] >> 3
        i += 4 if top >= 0x1D else 2
        n += 1
    return n


@dataclass
class Call:
    """One completed call of a watched function."""

    function: str
    instructions: int
    status: int          # r0 at return, as a signed int32 (a kernel's status code)
    depth: int           # 0 = not inside another watched call


@dataclass
class RunOutcome:
    """What a :meth:`Machine.run` or :meth:`Machine.call` observed."""

    instructions: int
    calls: list[Call] = field(default_factory=list)
    console: str = ""
    exit_code: int | None = None
    error: str | None = None


@dataclass
class _Frame:
    function: str
    ret: int
    sp: int
    start: int


def _signed(v: int) -> int:
    return v - (1 << 32) if v & 0x80000000 else v


class Machine:
    """One Cortex-M core in unicorn with an image loaded.

    ``core`` is a key of :data:`CPU_MODELS` (a suffixed key such as
    ``m4-gccdefault`` maps by its prefix); ``regions`` the memory map
    (:func:`memory_regions` of the image's linker script). Segments are
    loaded at their load address and, where it differs, at their run
    address too, so :meth:`call` finds ``.data`` initialised without the
    startup code.
    """

    def __init__(self, core: str, elf: Elf, regions: Sequence[Region], *, exact: bool = False,
                 budget: int = DEFAULT_BUDGET) -> None:
        require_unicorn()
        model = CPU_MODELS.get(core.split("-", 1)[0])
        if model is None:
            raise ValueError(f"core {core!r}: expected one of {', '.join(CPU_MODELS)}")
        self.core, self.elf, self.regions, self.exact, self.budget = core, elf, list(regions), exact, budget
        self.uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_THUMB | unicorn.UC_MODE_MCLASS)
        self.uc.ctl_set_cpu_model(getattr(_arm, model))
        for r in self.regions:
            self.uc.mem_map(r.origin, -(-r.length // _PAGE) * _PAGE)
        self.uc.mem_map(SCS_BASE, SCS_SIZE)
        self.uc.mem_map(RETURN_TRAP, _PAGE)
        for seg in elf.segments:
            self.uc.mem_write(seg.address, seg.data)
            if seg.vaddr != seg.address:
                self.uc.mem_write(seg.vaddr, seg.data)
        self.ram = max(self.regions, key=lambda r: r.origin)
        self._heap = (elf.symbols.get("__bss_end", self.ram.origin) + 7) & ~7
        self._block_sizes: dict[tuple[int, int], int] = {}
        self._reset_run_state({})
        self.uc.hook_add(unicorn.UC_HOOK_BLOCK, self._on_block)
        if exact:
            self.uc.hook_add(unicorn.UC_HOOK_CODE, self._on_code)
        self.uc.hook_add(unicorn.UC_HOOK_INTR, self._on_intr)
        self.uc.hook_add(unicorn.UC_HOOK_MEM_INVALID, self._on_bad_access)

    # ------------------------------------------------------------ memory
    def alloc(self, nbytes: int, align: int = 8) -> int:
        """A fresh RAM address for ``nbytes`` (between ``.bss`` and the stack)."""
        addr = (self._heap + align - 1) & ~(align - 1)
        if addr + nbytes > self.ram.origin + self.ram.length - 64 * 1024:
            raise MemoryError(f"{nbytes} bytes do not fit below the stack of {self.ram.name}")
        self._heap = addr + nbytes
        return addr

    def write(self, address: int, data: bytes) -> None:
        self.uc.mem_write(address, bytes(data))

    def read(self, address: int, nbytes: int) -> bytes:
        return bytes(self.uc.mem_read(address, nbytes))

    def put(self, data: bytes) -> int:
        """Copy ``data`` into fresh RAM; returns its address."""
        addr = self.alloc(max(len(data), 1))
        self.write(addr, data)
        return addr

    # ------------------------------------------------------------- hooks
    def _reset_run_state(self, watch: Mapping[int, str]) -> None:
        self.count = 0
        self.watch = dict(watch)
        self.frames: list[_Frame] = []
        self.calls: list[Call] = []
        self.console: list[str] = []
        self.exit_code: int | None = None
        self.error: str | None = None

    def _on_block(self, uc, address: int, size: int, _user) -> None:
        frames = self.frames
        if frames and address == frames[-1].ret:
            sp = uc.reg_read(_arm.UC_ARM_REG_SP)
            status = _signed(uc.reg_read(_arm.UC_ARM_REG_R0))
            while frames and address == frames[-1].ret and sp == frames[-1].sp:
                f = frames.pop()
                self.calls.append(Call(f.function, self.count - f.start, status, len(frames)))
        name = self.watch.get(address)
        if name is not None:
            sp = uc.reg_read(_arm.UC_ARM_REG_SP)
            ret = uc.reg_read(_arm.UC_ARM_REG_LR) & ~1
            top = frames[-1] if frames else None
            if not (top and top.function == name and top.ret == ret and top.sp == sp):  # not a loop back
                frames.append(_Frame(name, ret, sp, self.count))
        if not self.exact:
            key = (address, size)
            n = self._block_sizes.get(key)
            if n is None:
                n = self._block_sizes[key] = thumb_instructions(bytes(uc.mem_read(address, size)))
            self.count += n
        if self.count > self.budget:
            self.error = f"instruction budget of {self.budget} exceeded"
            uc.emu_stop()

    def _on_code(self, uc, address: int, size: int, _user) -> None:
        self.count += 1

    def _on_intr(self, uc, intno: int, _user) -> None:
        pc = uc.reg_read(_arm.UC_ARM_REG_PC)
        insn = struct.unpack("<H", bytes(uc.mem_read(pc & ~1, 2)))[0] if intno == _EXCP_BKPT else None
        if insn != _SEMIHOST_BKPT:
            self.error = f"CPU exception {intno} at pc=0x{pc:08X}"
            uc.emu_stop()
            return
        op, arg = uc.reg_read(_arm.UC_ARM_REG_R0), uc.reg_read(_arm.UC_ARM_REG_R1)
        if op == _SYS_WRITE0:
            self.console.append(self._c_string(arg))
        elif op == _SYS_EXIT_EXTENDED:
            self.exit_code = struct.unpack("<II", bytes(uc.mem_read(arg, 8)))[1]
            uc.emu_stop()
            return
        elif op == _SYS_EXIT:
            self.exit_code = 0 if arg == 0x20026 else 1
            uc.emu_stop()
            return
        else:
            self.error = f"unsupported semihosting call 0x{op:X} at pc=0x{pc:08X}"
            uc.emu_stop()
            return
        uc.reg_write(_arm.UC_ARM_REG_PC, (pc + 2) | 1)

    def _on_bad_access(self, uc, access: int, address: int, size: int, value: int, _user) -> bool:
        pc = uc.reg_read(_arm.UC_ARM_REG_PC)
        self.error = f"invalid memory access ({access}) of {size} bytes at 0x{address:08X}, pc=0x{pc:08X}"
        return False

    def _c_string(self, address: int) -> str:
        out = bytearray()
        while len(out) < 1 << 16:
            chunk = bytes(self.uc.mem_read(address + len(out), 64))
            nul = chunk.find(b"\0")
            if nul >= 0:
                return (out + chunk[:nul]).decode(errors="replace")
            out += chunk
        return out.decode(errors="replace")

    def _watch_map(self, functions: Iterable[str]) -> dict[int, str]:
        return {self.elf.function(name): name for name in functions}

    def _emulate(self, begin: int, until: int, timeout_s: float) -> None:
        try:
            self.uc.emu_start(begin | 1, until, timeout=int(timeout_s * 1e6))
        except unicorn.UcError as exc:
            if self.error is None:
                pc = self.uc.reg_read(_arm.UC_ARM_REG_PC)
                self.error = f"{exc} at pc=0x{pc:08X}"

    def _outcome(self) -> RunOutcome:
        return RunOutcome(self.count, list(self.calls), "".join(self.console), self.exit_code, self.error)

    # -------------------------------------------------------------- runs
    def run(self, watch: Iterable[str] = (), timeout_s: float = 600.0) -> RunOutcome:
        """Run the image from its reset vector until its semihosting exit,
        counting instructions and the calls of the ``watch`` functions."""
        self._reset_run_state(self._watch_map(watch))
        flash = min(self.regions, key=lambda r: r.origin)
        sp, reset = struct.unpack("<II", self.read(flash.origin, 8))
        self.uc.reg_write(_arm.UC_ARM_REG_SP, sp)
        self._emulate(reset, 0xFFFFFFFF, timeout_s)
        if self.error is None and self.exit_code is None:
            self.error = "the image stopped without a semihosting exit"
        return self._outcome()

    def call(self, function: str, args: Sequence[int] = (), watch: Iterable[str] = (),
             timeout_s: float = 600.0) -> RunOutcome:
        """Call ``function`` with 32-bit integer/pointer ``args`` (AAPCS: the
        first four in r0-r3, the rest on the stack), SP at the top of RAM and
        LR at :data:`RETURN_TRAP`; returns the outcome with the call itself
        as ``calls[-1]`` (depth 0) and ``instructions`` = its count."""
        address = self.elf.function(function)
        watched = self._watch_map(watch)
        watched[address] = function
        self._reset_run_state(watched)
        sp = (self.ram.origin + self.ram.length - 64) & ~7
        extra = [a & 0xFFFFFFFF for a in args[4:]]
        if extra:
            sp -= 4 * len(extra)
            sp &= ~7
            self.write(sp, struct.pack(f"<{len(extra)}I", *extra))
        for reg, value in zip((_arm.UC_ARM_REG_R0, _arm.UC_ARM_REG_R1, _arm.UC_ARM_REG_R2,
                               _arm.UC_ARM_REG_R3), args[:4]):
            self.uc.reg_write(reg, value & 0xFFFFFFFF)
        self.uc.reg_write(_arm.UC_ARM_REG_SP, sp)
        self.uc.reg_write(_arm.UC_ARM_REG_LR, RETURN_TRAP | 1)
        self._emulate(address, RETURN_TRAP, timeout_s)
        # the trap address is never executed, so close the outer frame here
        if self.error is None:
            status = _signed(self.uc.reg_read(_arm.UC_ARM_REG_R0))
            while self.frames:
                f = self.frames.pop()
                self.calls.append(Call(f.function, self.count - f.start, status, len(self.frames)))
            if self.uc.reg_read(_arm.UC_ARM_REG_PC) & ~1 != RETURN_TRAP:
                self.error = f"{function} did not return"
        return self._outcome()

    def r0(self) -> int:
        """r0 after a call (the return value)."""
        return self.uc.reg_read(_arm.UC_ARM_REG_R0)
