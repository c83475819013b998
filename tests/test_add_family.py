"""A ReLU-like family needs only its six hand-written places; the tool derives the rest.

A fake tensor-only family ``sign`` (``sign_forward``: y.m = sign(x.m), scale and
width kept) is added through exactly those places, none of them in the tree:
1. the registry entry (``Family`` + ``Kernel``, monkeypatched into symverify.registry);
2. the C header and 3. the C source (written into a temporary copy of kernels/);
4. the emulator function (:func:`_emulated_sign_forward`, in a stand-in backend);
5. the fixtures (records as goldgen/layer_fixtures.py's, monkeypatched in);
6. the docs (no code).
Then each derived part is built from them and checked: the mutated source list,
the cffi binding, the vector document, its C header, the raw-C gold replay and the
Cortex-M case table. Each derivation is checked on its own (the Cortex-M table is
rendered, not cross-compiled and run: tests/test_xtarget.py runs the real families).
"""
from __future__ import annotations

import json
import shutil
import types
from pathlib import Path

import numpy as np
import pytest

import symverify as sv
from symverify import build, kernels_layers, layout_binding, registry, xtarget_render
from symverify.goldgen import layer_fixtures, layout_header
from symverify.goldgen.fixture_encoding import T
from symverify.mutants import catalog, gold, layers_gold, sites

ROOT = Path(__file__).resolve().parents[1]

SIGN_H = """/* Sign family (a test-only fake: tests/test_add_family.py). */
#ifndef SYM_SIGN_H
#define SYM_SIGN_H

#include <stdint.h>
#include "sym_status.h"
#include "sym_types.h"

/* sign_forward: y.m[i] = -1, 0 or 1 as x.m[i] < 0, == 0, > 0; y.scale = x.scale.
 * The caller sets y->n = x.n and y->bits = x.bits. */
typedef struct {
    sym_cview x;
    sym_view *y;
} sym_sign_forward_args;

int sym_sign_forward(const sym_sign_forward_args *args, sym_err *err);

#endif /* SYM_SIGN_H */
"""

SIGN_C = """/* Sign family (test-only fake). Validation first, then one pass. */
#include <stddef.h>
#include <stdint.h>

#include "sym_sign.h"
#include "sym_support.h"

int sym_sign_forward(const sym_sign_forward_args *args, sym_err *err)
{
    int32_t i;
    int32_t bad;
    if (args == NULL || args->x.m == NULL || args->y == NULL || args->y->m == NULL) {
        return sym_fail(err, SYM_ERR_NULL, "args", -1, "a pointer is NULL");
    }
    if (args->x.n <= 0) {
        return sym_fail(err, SYM_ERR_EMPTY, "x.n", -1, "at least one element is required");
    }
    if (args->x.bits < 2 || args->x.bits > 32) {
        return sym_fail(err, SYM_ERR_BAD_WIDTH, "x.bits", -1, "width must be 2..32");
    }
    if (args->y->n != args->x.n) {
        return sym_fail(err, SYM_ERR_SHAPE, "y.n", -1, "output length must equal x.n");
    }
    if (args->y->bits != args->x.bits) {
        return sym_fail(err, SYM_ERR_BAD_WIDTH, "y.bits", -1, "y.bits must be x.bits");
    }
    bad = sym_width_index(args->x.m, args->x.n, args->x.bits);
    if (bad >= 0) {
        return sym_fail(err, SYM_ERR_INT_OVERFLOW, "x.m", bad, "mantissa outside the declared width");
    }
    for (i = 0; i < args->x.n; ++i) {
        args->y->m[i] = (args->x.m[i] > 0) - (args->x.m[i] < 0);
    }
    args->y->scale = args->x.scale;
    return SYM_OK;
}
"""

FAMILY = registry.Family("sign", ("sym_sign",))
KERNEL = registry.Kernel("sign_forward", "sign", ("sym_sign_forward",), kernels_layers.__name__,
                         "symverify.emulator.layers", "sign", fuzzed=False,
                         args=(registry.Arg("x", "tensor"),), outputs=(registry.Out("y", "tensor", like="x"),))


def _emulated_sign_forward(x: sv.SymTensor) -> sv.SymTensor:
    if not isinstance(x, sv.SymTensor):
        raise sv.SymError("SYM_ERR_BAD_TYPE", "x", type(x).__name__, "x must be an sv.SymTensor")
    if x.mantissas.size == 0:
        raise sv.SymError("SYM_ERR_EMPTY", "x", 0, "at least one element is required")
    return sv.SymTensor(np.sign(x.mantissas), x.scale, x.q_max_bits)


EMULATOR = types.SimpleNamespace(sign_forward=_emulated_sign_forward)


def _fixtures() -> list[dict]:
    raw_width_1 = {"shape": [1], "mantissas": [0], "scale": "0x3F800000", "q_max_bits": 1}
    return [
        {"name": "sign_mixed", "kernel": "sign_forward", "purpose": "-, 0, +", "status": "SYM_OK",
         "args": {"x": T([[-3, 0, 5], [7, -8, 1]], 0.5, 4)}},
        {"name": "sign_extremes", "kernel": "sign_forward", "purpose": "raw int32 extremes", "status": "SYM_OK",
         "args": {"x": T([-(1 << 31), (1 << 31) - 1], 0.25, 32)}},
        {"name": "sign_width_1", "kernel": "sign_forward", "purpose": "width 1: BAD_WIDTH",
         "status": "SYM_ERR_BAD_WIDTH", "args": {"x": raw_width_1}},
    ]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """kernels/ plus the family's header and source (places 2 and 3)."""
    root = tmp_path_factory.mktemp("kernels")
    shutil.copytree(ROOT / "kernels" / "include", root / "include")
    shutil.copytree(ROOT / "kernels" / "src", root / "src")
    (root / "include" / "sym_sign.h").write_text(SIGN_H)
    (root / "src" / "sym_sign.c").write_text(SIGN_C)
    return root


@pytest.fixture(scope="module")
def c_lib(tree: Path) -> tuple[object, object]:
    import cffi

    path = build.compile_shared(build.kernel_sources(tree), include_dirs=[tree / "include"], name="symverify-sign")
    ffi = cffi.FFI()
    ffi.cdef(build.cdef_from_headers(build.kernel_headers(tree)))
    return ffi, ffi.dlopen(str(path))


@pytest.fixture()
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Place 1 (the registry entry) and place 5 (the fixtures)."""
    monkeypatch.setattr(registry, "FAMILIES", (*registry.FAMILIES, FAMILY))
    monkeypatch.setattr(registry, "KERNELS", (*registry.KERNELS, KERNEL))
    every = layer_fixtures._all_fixtures
    monkeypatch.setattr(layer_fixtures, "_all_fixtures", lambda: [*every(), *_fixtures()])


@pytest.fixture()
def doc(registered: None) -> dict:
    return layer_fixtures.compute_layers(EMULATOR, "sign")


def test_the_family_source_is_mutated(registered: None, tree: Path) -> None:
    cat = catalog.load_catalog()
    assert "sym_sign.c" in catalog.mutated_files(cat)
    sources = build.kernel_sources(tree)
    catalog.check_catalog_names(cat, {p.name: [f.name for f in sites.parse_file(p).functions] for p in sources})
    mutants = sites.collect(tree, sources, cat).mutants
    assert any(m.file == "kernels/src/sym_sign.c" for m in mutants)


def test_the_binding_is_derived(registered: None, tree: Path, c_lib: tuple[object, object]) -> None:
    # kernels_layers binds every kernel of its module that passes this test
    assert KERNEL.c_module == kernels_layers.__name__ and registry.layer_abi_kernel(KERNEL)
    fn = layout_binding.bind(KERNEL, kernels_layers.__name__, lambda: c_lib, include=tree / "include")
    assert registry.signature_mismatches(KERNEL, fn) == [] and "sign_forward: y.m[i] = -1, 0 or 1" in fn.__doc__
    x = sv.SymTensor(np.array([[-3, 0, 5], [7, -8, 1]]), 0.5, 4)
    assert fn(x).same_bits(_emulated_sign_forward(x))
    with pytest.raises(sv.SymError) as exc:
        fn([1, 2])
    assert (exc.value.code, exc.value.argument, exc.value.value) == ("SYM_ERR_BAD_TYPE", "x", "list")


def test_the_vectors_and_header_are_derived(doc: dict) -> None:
    assert [(v["name"], v["expect"]["status"]) for v in doc["vectors"]] == [
        ("sign_mixed", "SYM_OK"), ("sign_extremes", "SYM_OK"), ("sign_width_1", "SYM_ERR_BAD_WIDTH")]
    assert doc["vectors"][0]["expect"]["out"]["mantissas"] == [-1, 0, 1, 1, -1, 1]
    assert layout_header.supports("sign")
    header = layout_header.render_layout_header(doc)
    assert "sym_golden_sign_forward_t" in header and "#define SYM_GOLDEN_SIGN_SIGN_FORWARD_COUNT 3" in header


def test_the_gold_replay_is_derived(doc: dict, c_lib: tuple[object, object]) -> None:
    assert "sign" in gold.layout_families() and "sign" not in layers_gold.LAYER_FAMILIES
    ffi, lib = c_lib
    cases = [gold.LayoutCase("sign", v["name"], v["kernel"], v["args"], v["expect"]) for v in doc["vectors"]]
    assert [c.run(ffi, lib) for c in cases] == [None, None, None]
    wrong = json.loads(json.dumps(doc["vectors"][0]))
    wrong["expect"]["out"]["mantissas"][1] = 7   # the replay can fail
    assert gold.LayoutCase("sign", "w", "sign_forward", wrong["args"], wrong["expect"]).run(ffi, lib) \
        == "y[1] 0 != expected 7"


def test_the_cortex_m_table_is_derived(doc: dict, tree: Path, tmp_path: Path) -> None:
    (tmp_path / "sign.json").write_text(layer_fixtures.render(doc))
    (tmp_path / "sign.h").write_text(layout_header.render_layout_header(doc))
    table = xtarget_render.family_table("sign", tmp_path, tree / "include")
    assert registry.coverage_problems((KERNEL,), {"sign_forward"}, lambda f: {"sign_forward"},
                                      lambda f: table) == []
    assert table.count("sym_sign_forward(") >= 1
