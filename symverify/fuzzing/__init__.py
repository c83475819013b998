"""Fuzzing of the SYM kernels and of the project's file parsers.

- :mod:`.case`: the fuzz-case byte layout (``fuzz/fz_case.h``): encoder, and the
  C decoder loaded through cffi so that Python reads an input exactly as the
  libFuzzer targets do.
- :mod:`.seeds`: seed corpora from the golden vectors.
- :mod:`.replay`: every corpus / crash input through ``sv.kernels`` and
  ``sv.emulate``; same bits or the same SymError code, else a finding.
- :mod:`.libfuzzer`: build the coverage-guided C targets with clang and run them.
- :mod:`.parsers`: atheris targets for the model-file, catalog and vector parsers.
- :mod:`.campaign`: one run over every target with its figures (``symverify fuzz``).
"""
from __future__ import annotations

from symverify import registry

#: Kernel families with a libFuzzer target (fuzz/targets/fuzz_<family>.c):
#: derived from the registry (``Kernel.fuzzed``, ``Kernel.fuzz_family``).
FAMILIES: tuple[str, ...] = registry.fuzz_families()

__all__ = ["FAMILIES"]
