"""symverify/registry.py against the tree: every registered kernel has
fixtures, golden vectors and a Cortex-M run; every C entry point it names is
declared in kernels/include; every kernel source belongs to a family (or is a
named helper); and the import-time export check catches a backend out of step.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import symverify as sv
from symverify import registry, xtarget
from symverify.goldgen import emulator_layers, fixtures, layer_fixtures

ROOT = Path(__file__).resolve().parents[1]
INCLUDE = ROOT / "kernels" / "include"
SRC = ROOT / "kernels" / "src"
VECTORS = ROOT / "goldgen" / "vectors"
XTARGET = ROOT / "xtarget"

KERNEL_NAMES = registry.names()


def _declared_c_functions() -> set[str]:
    text = "\n".join(h.read_text() for h in sorted(INCLUDE.glob("*.h")))
    return set(re.findall(r"^\s*int\s+(sym_\w+)\s*\(", text, re.MULTILINE))


def _fixture_kernels() -> set[str]:
    prims = {f.kernel for fams in fixtures.catalog().values() for f in fams}
    from symverify.goldgen import pool_fixtures, softmax_fixtures

    return (prims | {f["kernel"] for f in layer_fixtures.fixtures()} | {f["kernel"] for f in pool_fixtures.fixtures()}
            | {f["kernel"] for f in softmax_fixtures.fixtures()})


def _vector_kernels(vector_file: str) -> set[str]:
    data = json.loads((VECTORS / vector_file).read_text())
    return {v["kernel"] for v in data["vectors"]}


def test_registry_has_the_api_kernels() -> None:
    # API.md's first block plus the M1 layer kernels and the pools; no duplicates.
    assert len(set(KERNEL_NAMES)) == len(KERNEL_NAMES) == 17 + 6 + 2
    assert {k.family for k in registry.KERNELS} == set(registry.families())
    assert registry.layer_families() == ("quant", "linear", "layernorm", "loss", "sgd")
    for k in registry.KERNELS:
        assert (k.layer is None) == (k.family != "layers"), k


@pytest.mark.parametrize("name", KERNEL_NAMES)
def test_kernel_has_fixtures(name: str) -> None:
    assert name in _fixture_kernels(), f"{name}: no fixture in goldgen/fixtures.py or goldgen/layer_fixtures.py"


def test_fixtures_and_vectors_name_only_registered_kernels() -> None:
    assert _fixture_kernels() <= set(KERNEL_NAMES), "a fixture names an unregistered kernel"
    in_vectors = set().union(*(_vector_kernels(f.vector_file) for f in registry.FAMILIES))
    assert in_vectors <= set(KERNEL_NAMES), f"vectors of unregistered kernels: {in_vectors - set(KERNEL_NAMES)}"


@pytest.mark.parametrize("name", KERNEL_NAMES)
def test_kernel_has_golden_vectors(name: str) -> None:
    k = registry.kernel(name)
    assert k.vector_kernel in _vector_kernels(k.vector_file), (
        f"{name}: no vector with kernel {k.vector_kernel!r} in goldgen/vectors/{k.vector_file}")
    assert (VECTORS / k.vector_file).with_suffix(".h").is_file(), f"{name}: no C header of {k.vector_file}"


@pytest.mark.parametrize("name", KERNEL_NAMES)
def test_kernel_has_a_cortex_m_run(name: str) -> None:
    k = registry.kernel(name)
    assert k.family in xtarget.FAMILIES, f"{name}: family {k.family} is not run by symverify xtarget"
    runner = (XTARGET / registry.family(k.family).runner).read_text()
    assert f'xt_vector_begin("{k.vector_kernel}"' in runner, f"{name}: xtarget/run_{k.family}.c has no run of it"
    uncalled = [ep for ep in k.c_entry_points if not re.search(rf"\b{ep}\s*\(", runner)]
    assert not uncalled, f"{name}: xtarget/run_{k.family}.c never calls {uncalled}"


@pytest.mark.parametrize("name", KERNEL_NAMES)
def test_c_entry_points_are_declared(name: str) -> None:
    k = registry.kernel(name)
    missing = {*k.c_entry_points, *k.c_diagnostics} - _declared_c_functions()
    assert not missing, f"{name}: {sorted(missing)} not declared in kernels/include"


def test_c_entry_points_are_called_by_the_binding() -> None:
    # the registry's entry points are the ones the cffi wrappers call, not a guess
    text = "".join((ROOT / "symverify" / f).read_text() for f in ("kernels.py", "kernels_layers.py", "kernels_pool.py",
                                                                   "kernels_softmax.py"))
    called = set(re.findall(r"lib\.(sym_\w+)\(", text))
    assert called == set(registry.c_entry_points(diagnostics=True))


def test_every_kernel_source_belongs_to_a_family() -> None:
    stems = {p.stem for p in SRC.glob("*.c")}
    owned = set(registry.c_sources())
    assert len(owned) == len(registry.c_sources()), "a source is owned by two families"
    assert stems - owned - set(registry.HELPER_SOURCES) == set(), "kernel source with no registered family"
    for stem in (*owned, *registry.HELPER_SOURCES):
        assert (SRC / f"{stem}.c").is_file() and (INCLUDE / f"{stem}.h").is_file(), stem


def test_xtarget_tables_come_from_the_registry() -> None:
    assert xtarget.FAMILIES == registry.families()
    for f in registry.FAMILIES:
        assert xtarget.family_sources(f.name) == f.sources
        assert (XTARGET / f.runner).is_file()


def test_import_check_catches_an_unregistered_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    def conv1d_forward(x: object) -> object:
        return x

    conv1d_forward.__module__ = emulator_layers.__name__
    monkeypatch.setattr(emulator_layers, "conv1d_forward", conv1d_forward, raising=False)
    with pytest.raises(ImportError, match="unregistered public conv1d_forward"):
        registry.check_exports()


def test_import_check_catches_a_missing_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(sv.kernels, "mse_loss")
    with pytest.raises(ImportError, match="symverify.kernels lacks registered mse_loss"):
        registry.check_exports()


def test_import_check_catches_a_hand_written_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sv.emulate, "__all__", [n for n in sv.emulate.__all__ if n != "sgd_update"])
    with pytest.raises(ImportError, match=r"symverify.emulate.__all__ is not derived"):
        registry.check_exports()


def test_import_check_passes_on_the_tree() -> None:
    registry.check_exports()


def test_lookups_name_the_unknown() -> None:
    with pytest.raises(KeyError, match="'conv9d'"):
        registry.kernel("conv9d")
    with pytest.raises(KeyError, match="'pools'"):
        registry.kernels_of("pools")


def test_import_check_ignores_mutmut_variants(monkeypatch: pytest.MonkeyPatch) -> None:
    # mutants/mutmut_emulator.py runs the emulator tests on a mutmut copy
    def x_mse_loss__mutmut_1(y: object) -> object:
        return y

    x_mse_loss__mutmut_1.__module__ = emulator_layers.__name__
    monkeypatch.setattr(emulator_layers, "x_mse_loss__mutmut_1", x_mse_loss__mutmut_1, raising=False)
    registry.check_exports()


def test_mutmut_sources_are_the_emulator_modules() -> None:
    from symverify.mutants import mutmut_emulator

    assert mutmut_emulator.SOURCES == ("goldgen/emulator.py", "goldgen/emulator_layers.py", "goldgen/emulator_pool.py",
                                      "goldgen/emulator_softmax.py")
    assert all((ROOT / src).is_file() for src in mutmut_emulator.SOURCES)
    for src in mutmut_emulator.SOURCES:
        assert src in mutmut_emulator.SETUP_CFG
    # the repository's setup.cfg keeps a copy for a manual mutmut run
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    assert tuple(cfg["mutmut"]["source_paths"].split()) == mutmut_emulator.SOURCES


def test_mutation_catalog_mutates_every_family_source() -> None:
    # mutants/catalog.toml keeps its own [engine] files list: every family's
    # sources plus the shared helpers, but not the status table or the self-test
    from symverify.mutants import catalog

    files = catalog.load_catalog().engine["files"]
    expected = {f"{stem}.c" for stem in (*registry.c_sources(), *registry.HELPER_SOURCES)}
    assert set(files) == expected - {"sym_status.c", "sym_selftest.c"}


def test_c_abi_replay_covers_every_primitive() -> None:
    # mutants/gold.py keeps its own runner table (the argument layout of each
    # C prototype is not in the registry yet); layer kernels replay through
    # goldgen/layer_fixtures.call (test_kernel_has_golden_vectors: it renders them)
    from symverify.mutants import gold

    assert set(gold._RUNNERS) == {k.name for k in registry.KERNELS if k.family not in ("layers", "pool", "softmax")}
