"""The README's promise: ``sv.kernels`` and ``sv.emulate`` have the same
functions with the same signatures (names, kinds, defaults, annotations).

The kernels are the ones declared in symverify/registry.py; the only names
allowed on one side are the backend extras declared there (``ffi_lib`` and
``selftest_fp`` of the C binding, ``sr_draws`` and ``xorshift32`` of the
emulator).
"""
from __future__ import annotations

import importlib
import inspect
import re

import pytest

import symverify as sv
from symverify import registry


def _backend_only(module: object) -> set[str]:
    return {x for impl in registry.BACKEND_MODULES[module.__name__] for x in registry.MODULE_EXTRAS[impl]}


def _kernel_names(module: object) -> set[str]:
    return set(module.__all__) - _backend_only(module)


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
    only_c = _kernel_names(sv.kernels) - _kernel_names(sv.emulate)
    only_emu = _kernel_names(sv.emulate) - _kernel_names(sv.kernels)
    assert not only_c and not only_emu, (
        f"only in sv.kernels: {sorted(only_c)}; only in sv.emulate: {sorted(only_emu)}")
    assert _kernel_names(sv.kernels) == set(registry.names())


def test_backend_only_names_are_not_on_the_other_side() -> None:
    assert not _backend_only(sv.kernels) & set(dir(sv.emulate))
    assert not _backend_only(sv.emulate) & set(dir(sv.kernels))


def test_all_names_exist() -> None:
    for module in (sv.kernels, sv.emulate):
        missing = [n for n in module.__all__ if not hasattr(module, n)]
        assert not missing, f"{module.__name__}.__all__ names missing attributes: {missing}"


@pytest.mark.parametrize("name", registry.names())
def test_same_signature(name: str) -> None:
    k = registry.kernel(name)
    c_impl = importlib.import_module(k.c_module)
    emu_impl = importlib.import_module(k.emulator_module)
    assert getattr(sv.kernels, name) is getattr(c_impl, name), f"sv.kernels.{name} is not {k.c_module}.{name}"
    assert getattr(sv.emulate, name) is getattr(emu_impl, name), f"sv.emulate.{name} is not {k.emulator_module}.{name}"
    assert _shape(getattr(sv.kernels, name)) == _shape(getattr(sv.emulate, name)), (
        f"{name}: sv.kernels{inspect.signature(getattr(sv.kernels, name))} != "
        f"sv.emulate{inspect.signature(getattr(sv.emulate, name))}")


def test_signature_comparison_sees_a_difference() -> None:
    # the comparison above can fail: a changed default, a dropped parameter
    def quant_forward(x: "SymTensor", q_max_bits: int, rounding: str = "sr_half_away",
                      order: str = "ratio", rng_state: "Rng | None" = None) -> "SymTensor":
        return x

    def quant_backward() -> "SymTensor":
        return None

    assert _shape(quant_forward) != _shape(sv.emulate.quant_forward)
    assert _shape(quant_backward) != _shape(sv.emulate.quant_backward)
    assert registry.signature_mismatches(registry.kernel("quant_forward"), quant_forward) == [
        "quant_forward(rounding): default 'sr_half_away' != registered 'half_away'"]


@pytest.mark.parametrize("name", registry.names())
def test_registered_layout_is_the_signature(name: str) -> None:
    k = registry.kernel(name)
    for module in (sv.kernels, sv.emulate):
        assert registry.signature_mismatches(k, getattr(module, name)) == []
    assert k.outputs, f"{name}: no outputs registered"
