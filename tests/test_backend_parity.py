"""The README's promise: ``sv.kernels`` and ``sv.emulate`` have the same
functions with the same signatures (names, kinds, defaults, annotations).

Backend-specific helpers are the only names allowed on one side: ``ffi_lib``
and ``selftest_fp`` (the host's float environment) of the C binding,
``sr_draws`` and ``xorshift32`` of the emulator.
"""
from __future__ import annotations

import inspect
import re

import pytest

import symverify as sv

BACKEND_ONLY = {
    "kernels": {"ffi_lib", "selftest_fp"},
    "emulate": {"sr_draws", "xorshift32"},
}


def _kernel_names(module: object, backend: str) -> set[str]:
    return set(module.__all__) - BACKEND_ONLY[backend]


def _normalise(annotation: object) -> str:
    # One side writes string annotations inside quotes: compare the text only.
    return re.sub(r"[\"']", "", str(annotation))


def _shape(fn: object) -> list[tuple[str, object, object, str]]:
    sig = inspect.signature(fn)
    return [
        (p.name, p.kind, p.default, _normalise(p.annotation))
        for p in sig.parameters.values()
    ] + [("->", None, None, _normalise(sig.return_annotation))]


def test_same_public_names() -> None:
    only_c = _kernel_names(sv.kernels, "kernels") - _kernel_names(sv.emulate, "emulate")
    only_emu = _kernel_names(sv.emulate, "emulate") - _kernel_names(sv.kernels, "kernels")
    assert not only_c and not only_emu, (
        f"only in sv.kernels: {sorted(only_c)}; only in sv.emulate: {sorted(only_emu)}")


def test_all_names_exist() -> None:
    for module in (sv.kernels, sv.emulate):
        missing = [n for n in module.__all__ if not hasattr(module, n)]
        assert not missing, f"{module.__name__}.__all__ names missing attributes: {missing}"


@pytest.mark.parametrize("name", sorted(_kernel_names(sv.kernels, "kernels")))
def test_same_signature(name: str) -> None:
    assert _shape(getattr(sv.kernels, name)) == _shape(getattr(sv.emulate, name)), (
        f"{name}: sv.kernels{inspect.signature(getattr(sv.kernels, name))} != "
        f"sv.emulate{inspect.signature(getattr(sv.emulate, name))}")
