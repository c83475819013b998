"""Instruction counts of the kernels on Cortex-M0+/M4/M7 (unicorn engine).

:mod:`.engine` runs or calls code in an ELF image and counts executed
instructions; :mod:`.vectors` counts every registered kernel on a vector
set; :mod:`.step` counts one training step of a model file, SYM against a
float32 reference. docs/cortex-m.md "Instruction counts" says what the
numbers mean and what they do not.
"""
from .engine import Call, IcountUnavailable, Machine, RunOutcome, memory_regions, thumb_instructions
from .elf import Elf, ElfError, read_elf

__all__ = ["Call", "IcountUnavailable", "Machine", "RunOutcome", "memory_regions",
           "thumb_instructions", "Elf", "ElfError", "read_elf"]
