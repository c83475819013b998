"""symverify/registry.py against the tree: every registered kernel has
fixtures, golden vectors and a Cortex-M run; every C entry point it names is
declared in kernels/include; every kernel source belongs to a family (or is a
named helper); and the import-time export check catches a backend out of step.
"""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest

import symverify as sv
from symverify import registry, xtarget, xtarget_render, xtarget_table
from symverify.emulator import layers as emulator_layers
from symverify.goldgen import conv_fixtures, fixtures, layer_fixtures

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
    return (prims | {f["kernel"] for fam in layer_fixtures.layer_families() for f in layer_fixtures.fixtures(fam)}
        | {f["kernel"] for f in conv_fixtures.fixtures()})


def _vector_kernels(vector_file: str) -> set[str]:
    data = json.loads((VECTORS / vector_file).read_text())
    return {v["kernel"] for v in data["vectors"]}


def test_registry_has_the_api_kernels() -> None:
    # API.md's first block, the M1 layer kernels, ReLU, conv, the pools and softmax; no duplicates.
    assert len(set(KERNEL_NAMES)) == len(KERNEL_NAMES) == 19 + 4 + 6 + 2
    assert {k.family for k in registry.KERNELS} == set(registry.families())
    assert registry.layer_families() == ("quant", "linear", "layernorm", "loss", "sgd", "relu", "conv", "pool",
                                         "softmax")
    assert registry.primitive_families() == ("round", "convert", "requant", "accumulate")
    assert registry.layer_vector_families() == ("layers", "relu", "conv", "pool", "softmax", "chain")
    for k in registry.KERNELS:
        assert (k.layer is None) == (k.family in registry.primitive_families()), k


def _vector_kernels_or_none(vector_file: str) -> set[str]:
    return _vector_kernels(vector_file) if (VECTORS / vector_file).is_file() else set()


@functools.lru_cache(maxsize=None)
def _table_text(family: str) -> str | None:
    try:
        return xtarget_render.family_table(family, VECTORS, INCLUDE)
    except xtarget_table.XtableError:
        return None


def _coverage(kernels: tuple[registry.Kernel, ...], fixture_kernels: set[str] | None = None) -> list[str]:
    return registry.coverage_problems(kernels, _fixture_kernels() if fixture_kernels is None else fixture_kernels,
                                      _vector_kernels_or_none, _table_text)


@pytest.mark.parametrize("name", KERNEL_NAMES)
def test_kernel_has_fixtures_vectors_and_a_cortex_m_run(name: str) -> None:
    k = registry.kernel(name)
    assert _coverage((k,)) == []
    assert (VECTORS / k.vector_file).with_suffix(".h").is_file(), f"{name}: no C header of {k.vector_file}"
    assert k.family in xtarget.FAMILIES, f"{name}: family {k.family} is not run by symverify xtarget"


def _fake(name: str = "relu9_forward", family: str = "layers") -> registry.Kernel:
    return registry.Kernel(name, family, ("sym_linear_forward",), "symverify.kernels_layers",
                           "symverify.emulator.layers", "linear", args=(registry.Arg("x", "tensor"),),
                           outputs=(registry.Out("y", "tensor"),))


def test_coverage_check_names_what_a_fake_kernel_lacks() -> None:
    problems = _coverage((_fake(),))
    assert problems == ["relu9_forward: no fixture (goldgen/fixtures.py or goldgen/layer_fixtures.py)",
                        "relu9_forward: no golden vector in goldgen/vectors/layers.json",
                        "relu9_forward: no Cortex-M case in the xtarget case table of layers"]


def test_coverage_check_catches_a_kernel_without_fixtures() -> None:
    k = registry.kernel("requant_fixed")
    assert _coverage((k,), fixture_kernels=_fixture_kernels() - {"requant_fixed"}) == [
        "requant_fixed: no fixture (goldgen/fixtures.py or goldgen/layer_fixtures.py)"]


def test_coverage_check_catches_missing_vectors_and_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    k = registry.kernel("sgd_update")
    gone = registry.coverage_problems((k,), _fixture_kernels(), lambda f: set(), lambda r: None)
    assert gone == ["sgd_update: no golden vector in goldgen/vectors/layers.json",
                    "sgd_update: no Cortex-M case in the xtarget case table of layers"]
    # a table with a case of the kernel whose call functions never call its entry point
    table = _table_text("layers")
    assert table is not None and "sym_sgd_update(&a" in table
    stub = table.replace("sym_sgd_update(&a", "sym_sgd_update_not(&a")
    assert registry.coverage_problems((k,), _fixture_kernels(), _vector_kernels_or_none, lambda f: stub) == [
        "sgd_update: the xtarget case table of layers never calls sym_sgd_update"]
    # the integer-only requant core is registered as an alternate and must be called too
    rq = registry.kernel("requant_dynamic")
    table = _table_text("requant")
    assert table is not None and "sym_intreq_requant_dynamic(" in table
    stub = table.replace("sym_intreq_requant_dynamic(", "sym_intreq_requant_other(")
    assert registry.coverage_problems((rq,), _fixture_kernels(), _vector_kernels_or_none, lambda f: stub) == [
        "requant_dynamic: the xtarget case table of requant never calls sym_intreq_requant_dynamic"]


@pytest.mark.parametrize("name", KERNEL_NAMES)
def test_c_entry_points_are_declared(name: str) -> None:
    k = registry.kernel(name)
    missing = {*k.c_entry_points, *k.c_diagnostics} - _declared_c_functions()
    assert not missing, f"{name}: {sorted(missing)} not declared in kernels/include"


def test_c_entry_points_are_called_by_the_binding() -> None:
    # the registry's entry points are the ones the cffi wrappers call, not a guess
    text = "".join((ROOT / "symverify" / f).read_text() for f in ("kernels.py", "kernels_layers.py", "layers_abi.py",
                                                                   "kernels_conv.py", "kernels_pool.py",
                                                                   "kernels_softmax.py"))
    called = set(re.findall(r"lib\.(sym_\w+)\(", text))
    # the tensor-only steps are bound from their layout (symverify/layout_binding.py):
    # test_layout_binding_calls_its_entry_point watches their calls
    bound = {ep for k in registry.KERNELS if registry.layer_abi_kernel(k) for ep in k.c_entry_points}
    assert called | bound == set(registry.c_entry_points(diagnostics=True))
    assert not called & bound


class _Recording:
    """A cffi library that records the entry points called through it."""

    def __init__(self, lib: object) -> None:
        self.lib, self.calls = lib, []

    def __getattr__(self, name: str) -> object:
        fn = getattr(self.lib, name)

        def call(*args: object) -> object:
            self.calls.append(name)
            return fn(*args)
        return call


@pytest.mark.parametrize("name", [k.name for k in registry.KERNELS if registry.layer_abi_kernel(k)])
def test_layout_binding_calls_its_entry_point(name: str) -> None:
    import inspect

    import numpy as np

    from symverify import layout_binding

    k = registry.kernel(name)
    ffi, lib = sv.kernels.ffi_lib()
    rec = _Recording(lib)
    fn = layout_binding.bind(k, "m", lambda: (ffi, rec))
    assert inspect.isfunction(fn) and fn.__name__ == name and k.c_entry_points[0] in fn.__doc__
    assert registry.signature_mismatches(k, fn) == []
    args = [sv.SymTensor(np.array([[3, -2, 0]]), 0.5, 8) for _ in k.args]
    got, want = fn(*args), getattr(sv.emulate, name)(*args)
    assert rec.calls == list(k.c_entry_points)
    got, want = (got, want) if isinstance(got, tuple) else ((got,), (want,))
    assert len(got) == len(k.outputs) and all(g.same_bits(w) for g, w in zip(got, want))


def test_layout_binding_error_names_field_index_and_value() -> None:
    import numpy as np

    from symverify import layout_binding
    from symverify.errors import STATUS_CODES

    ffi, lib = sv.kernels.ffi_lib()
    keep = []

    class Failing:
        def sym_relu_forward(self, args, err):  # what a C error looks like through sym_err
            keep.extend([ffi.new("char[]", b"x.m"), ffi.new("char[]", b"mantissa outside its width")])
            err.status, err.arg, err.index, err.reason = STATUS_CODES["SYM_ERR_INT_OVERFLOW"], keep[-2], 1, keep[-1]
            return STATUS_CODES["SYM_ERR_INT_OVERFLOW"]

    fn = layout_binding.bind(registry.kernel("relu_forward"), "m", lambda: (ffi, Failing()))
    with pytest.raises(sv.SymError) as exc:
        fn(sv.SymTensor(np.array([4, -7, 1]), 1.0, 8))
    assert (exc.value.code, exc.value.argument, exc.value.value) == ("SYM_ERR_INT_OVERFLOW", "x.m[1]", -7)
    assert "sym_relu_forward: mantissa outside its width" in str(exc.value)
    with pytest.raises(sv.SymError) as exc:
        fn(x=np.array([1]))
    assert (exc.value.code, exc.value.argument) == ("SYM_ERR_BAD_TYPE", "x")


def test_layout_binding_refuses_what_it_cannot_fill(tmp_path: Path) -> None:
    from symverify import layout_binding

    with pytest.raises(layout_binding.LayoutBindingError, match="linear_forward: not a tensor-only layer step"):
        layout_binding.bind(registry.kernel("linear_forward"), "m", sv.kernels.ffi_lib)
    # a struct field the layout does not describe (here a scalar) is refused, not left unset
    (tmp_path / "sym_relu.h").write_text((INCLUDE / "sym_relu.h").read_text().replace(
        "    sym_cview dy;\n", "    sym_cview dy;\n    int32_t slope;\n", 1))
    with pytest.raises(layout_binding.LayoutBindingError, match=r"relu_backward: field int32_t slope"):
        layout_binding.bind(registry.kernel("relu_backward"), "m", sv.kernels.ffi_lib, include=tmp_path)


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
    def unlisted1d_forward(x: object) -> object:
        return x

    unlisted1d_forward.__module__ = emulator_layers.__name__
    monkeypatch.setattr(emulator_layers, "unlisted1d_forward", unlisted1d_forward, raising=False)
    with pytest.raises(ImportError, match="unregistered public unlisted1d_forward"):
        registry.check_exports()


def test_import_check_catches_a_missing_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(sv.kernels, "mse_loss")
    with pytest.raises(ImportError, match="symverify.kernels lacks registered mse_loss"):
        registry.check_exports()


def test_import_check_catches_a_hand_written_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sv.emulate, "__all__", [n for n in sv.emulate.__all__ if n != "sgd_update"])
    with pytest.raises(ImportError, match=r"symverify.emulate.__all__ is not derived"):
        registry.check_exports()


def test_import_check_catches_a_changed_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from symverify.emulator import layers

    def sgd_update(param, grad, lr, rounding="half_away", rng_state=None):  # SR is the public default
        return param

    monkeypatch.setattr(layers, "sgd_update", sgd_update)
    with pytest.raises(ImportError, match=r"symverify.emulator.layers.sgd_update\(rounding\): default 'half_away' "
                                          r"!= registered 'sr_half_away'"):
        registry.check_exports()


def test_import_check_catches_a_renamed_parameter(monkeypatch: pytest.MonkeyPatch) -> None:
    def mse_loss(y, tgt, grad_bits=12, rounding="half_away", rng_state=None):
        return y

    monkeypatch.setattr(sv.kernels, "mse_loss", mse_loss)
    with pytest.raises(ImportError, match=r"symverify.kernels.mse_loss: parameters \['y', 'tgt'"):
        registry.check_exports()


def test_layout_roles_and_kinds_are_checked() -> None:
    with pytest.raises(ValueError, match="role 'tensr'"):
        registry.Arg("x", "tensr")
    with pytest.raises(ValueError, match="kind 'blob'"):
        registry.Out("y", "blob")


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

    assert mutmut_emulator.SOURCES == ("symverify/emulator/primitives.py", "symverify/emulator/layers.py",
                                      "symverify/emulator/conv.py", "symverify/emulator/pool.py",
                                      "symverify/emulator/softmax.py")
    assert all((ROOT / src).is_file() for src in mutmut_emulator.SOURCES)
    assert mutmut_emulator.SCRATCH_SOURCES == ("emulator/primitives.py", "emulator/layers.py", "emulator/conv.py",
                                              "emulator/pool.py", "emulator/softmax.py")
    for src in mutmut_emulator.SCRATCH_SOURCES:
        assert src in mutmut_emulator.SETUP_CFG
    # the repository's setup.cfg keeps a copy (scratch-project paths) for a manual mutmut run
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    assert tuple(cfg["mutmut"]["source_paths"].split()) == mutmut_emulator.SCRATCH_SOURCES


def test_mutmut_scratch_copy_holds_the_emulator(tmp_path: Path) -> None:
    from symverify.mutants import mutmut_emulator

    mutmut_emulator.prepare(tmp_path / "mm", examples=3)
    for src in mutmut_emulator.SCRATCH_SOURCES:
        assert (tmp_path / "mm" / src).read_text() == (ROOT / "symverify" / src).read_text()
    assert mutmut_emulator._module_of("emulator.layers.x_relu__mutmut_3") == "symverify/emulator/layers.py"


def test_mutation_catalog_mutates_every_family_source() -> None:
    # the mutated sources come from the registry: every family's sources plus
    # the shared helpers, but not the status table or the self-test
    from symverify.mutants import catalog

    files = catalog.mutated_files(catalog.load_catalog())
    assert "files" not in catalog.load_catalog().engine, "the shipped catalog lists no sources"
    expected = {f"{stem}.c" for stem in (*registry.c_sources(), *registry.HELPER_SOURCES)}
    assert len(files) == len(set(files)) and set(files) == expected - {"sym_status.c", "sym_selftest.c"}
    # every shipped source is mutated or a documented exclusion
    assert {p.name for p in SRC.glob("*.c")} - set(files) == {f"{s}.c" for s in registry.UNMUTATED_SOURCES}


def test_mutated_sources_follow_a_new_family(monkeypatch: pytest.MonkeyPatch) -> None:
    # a family registered without its C source: the engine names the missing
    # file instead of mutating less
    from symverify.mutants import catalog, engine

    monkeypatch.setattr(registry, "FAMILIES", (*registry.FAMILIES, registry.Family("negate", ("sym_negate",))))
    cat = catalog.load_catalog()
    assert "sym_negate.c" in catalog.mutated_files(cat)
    with pytest.raises(catalog.CatalogError, match=r"key 'files': 'sym_negate.c' is not a kernel source"):
        engine.prepare(cat)


def test_catalog_file_list_may_only_add_sources(tmp_path: Path) -> None:
    from symverify.mutants import catalog

    text = catalog.CATALOG_PATH.read_text()
    derived = list(registry.mutated_sources())
    short = tmp_path / "short.toml"
    short.write_text(text.replace("schema = 1\n", f"schema = 1\nfiles = {derived[1:]!r}\n".replace("'", '"'), 1))
    with pytest.raises(catalog.CatalogError, match=rf"key 'files' must list every registered kernel source, "
                                                   rf"it lacks {derived[0]}"):
        catalog.mutated_files(catalog.load_catalog(short))
    more = tmp_path / "more.toml"
    more.write_text(text.replace("schema = 1\n", f"schema = 1\nfiles = {[*derived, 'sym_status.c']!r}\n"
                                 .replace("'", '"'), 1))
    assert catalog.mutated_files(catalog.load_catalog(more)) == [*derived, "sym_status.c"]


def test_c_abi_replay_covers_every_primitive() -> None:
    # mutants/gold.py keeps its own runner table for the primitives' C
    # prototypes; their sym_<kernel>_ex entry points replay through
    # mutants/decl_gold.py, derived from the declarations; the layers.json
    # kernels replay through mutants/layers_gold.py
    from symverify.mutants import decl_gold, gold

    primitives = {k.name for k in registry.KERNELS if k.layer is None}
    assert set(gold._RUNNERS) == primitives
    assert {k.name for f in decl_gold.primitive_families() for k in registry.kernels_of(f)} == primitives


def test_layer_abi_families_replay_through_their_entry_points() -> None:
    # a registry-described layer-ABI family (relu) needs no hand-written runner:
    # mutants/gold.py replays every C-expressible vector through sym_<kernel>
    from symverify import kernels
    from symverify.mutants import gold

    assert gold.layout_families() == ("relu",)
    cases, skipped = gold.load_cases()
    layout = [c for c in cases if isinstance(c, gold.LayoutCase)]
    assert {c.kernel for c in layout} == {"relu_forward", "relu_backward"}
    assert skipped.count("relu/relu_bwd_shape_2d") == 1
    ffi, lib = kernels.ffi_lib()
    assert [c.label for c in layout if gold.run_case(c, ffi, lib)] == []


def test_layout_replay_sees_a_wrong_result_and_a_write_on_error() -> None:
    from symverify import kernels
    from symverify.mutants import gold

    ffi, lib = kernels.ffi_lib()
    cases = {c.name: c for c in gold.load_cases()[0] if isinstance(c, gold.LayoutCase)}
    ok = cases["relu_fwd_mixed"]
    bad = gold.LayoutCase(ok.family, ok.name, ok.kernel, ok.args,
                          {**ok.expect, "out": {**ok.expect["out"], "mantissas": [0, 0, 5, 7, 0, 2]}})
    assert gold.run_case(bad, ffi, lib) == "y[5] 1 != expected 2"
    got = {"status": "SYM_ERR_EMPTY", "wrote_on_error": True}
    assert "written" in gold.compare_layout("relu_forward", {"status": "SYM_ERR_EMPTY"}, got)


def test_vector_decoding_names_a_missing_required_argument() -> None:
    from symverify.goldgen import kernelcall
    from symverify.goldgen.vecformat import FixtureError

    with pytest.raises(FixtureError, match="requant_fixed: vector args lack the required argument 'target_scale'"):
        kernelcall.call("requant_fixed", {"t": {"mantissas": [1], "scale": "0x3F800000", "q_max_bits": 8},
                                          "q_max_bits": 8}, sv.emulate, None)


def test_fixture_argument_keys_come_from_the_registry() -> None:
    assert fixtures.KERNEL_ARGS["float_to_sym"] == ("x", "q_max_bits", "rounding", "seed")
    assert set(fixtures.KERNEL_ARGS) == {k.name for k in registry.KERNELS if k.layer is None}


def test_fuzz_families_come_from_the_registry() -> None:
    from symverify import fuzzing

    assert fuzzing.FAMILIES == registry.fuzz_families()
    for fam in fuzzing.FAMILIES:
        assert (ROOT / "fuzz" / "targets" / f"fuzz_{fam}.c").is_file(), fam


def test_relu_abi_cases_are_in_the_gold_suite_and_pass() -> None:
    from symverify import kernels
    from symverify.mutants import abi_relu, gold

    cases, _ = gold.load_suite()
    labels = {c.label for c in cases}
    assert {c.label for c in abi_relu.CASES} <= labels and len(abi_relu.CASES) >= 30
    ffi, lib = kernels.ffi_lib()
    assert [c.label for c in abi_relu.CASES if gold.run_case(c, ffi, lib)] == []


def test_layout_replay_checks_the_error_detail() -> None:
    from symverify.mutants import gold

    k = registry.kernel("relu_forward")
    spec = {"x": {"mantissas": [1, 9], "scale": "0x3F800000", "q_max_bits": 4}}

    class Err:
        status, index = -9, 0
        arg = reason = "x.m"

    class FFI:
        NULL = None

        @staticmethod
        def string(p: str) -> bytes:
            return p.encode()

    assert gold._err_problem(FFI, k, spec, -9, Err) == (
        "sym_err.index 0 != first mantissa outside the width 1")
    Err.index, Err.arg = 1, "w.m"
    assert "names no argument" in gold._err_problem(FFI, k, spec, -9, Err)
    Err.arg = "x.m"
    assert gold._err_problem(FFI, k, spec, -9, Err) is None
