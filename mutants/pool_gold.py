"""The pool and softmax part of the gold suite: ``goldgen/vectors/pool.json``
and ``softmax.json`` replayed on a mutant schemata library through :mod:`symverify.kernels_pool` / ``kernels_softmax``
(the same decoder, :func:`symverify.goldgen.pool_fixtures.evaluate`, that
tests/test_pool_golden.py replays with).

Inside a case, ``symverify.kernels.ffi_lib()`` returns the mutant library and
the binding's ``np.empty`` output buffers start as the gold suite's sentinel
(:mod:`.layers_gold`), so an element a mutant never writes differs from the
golden value. A case returns ``None`` when bit-exact, else the first difference.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .layers_gold import _SentinelNumpy, first_difference, using_library

FAMILIES = ("pool", "softmax")
#: family -> the goldgen module whose ``evaluate`` decodes and runs its vectors
DECODERS = {"pool": "pool_fixtures", "softmax": "softmax_fixtures"}


@contextlib.contextmanager
def _using(ffi: Any, lib: Any) -> Iterator[None]:
    import symverify.kernels_pool as KP
    import symverify.kernels_softmax as KS

    saved = {mod: mod.__dict__["np"] for mod in (KP, KS)}
    for mod, np in saved.items():
        mod.np = _SentinelNumpy(np)
    try:
        with using_library(ffi, lib):
            yield
    finally:
        for mod, np in saved.items():
            mod.np = np


@dataclass
class PoolCase:
    """One vector of pool.json or softmax.json through the Python binding."""
    family: str
    name: str
    kernel: str
    args: dict[str, Any]
    expect: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.family}/{self.name}"

    def run(self, ffi: Any, lib: Any) -> str | None:
        import symverify.kernels as K
        import importlib

        from symverify.goldgen.vecformat import strip_comments

        decoder = importlib.import_module(f"symverify.goldgen.{DECODERS[self.family]}")
        try:
            with _using(ffi, lib):
                got = decoder.evaluate(self.kernel, self.args, K)
        except Exception as exc:  # noqa: BLE001  (a wrong C result breaking the binding)
            return f"exception {type(exc).__name__}: {exc}"
        return first_difference(strip_comments(self.expect), got)


def load(path: Path, data: dict[str, Any]) -> list[PoolCase]:
    """The cases of pool.json or softmax.json (``data``: its parsed content)."""
    family = data.get("family", path.stem)
    return [PoolCase(family, v["name"], v["kernel"], v["args"], v["expect"]) for v in data["vectors"]]
