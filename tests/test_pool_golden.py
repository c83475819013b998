"""pool.json and softmax.json replayed on the C kernels (sv.kernels):
bit-exact, statuses, loss bits and RNG states included."""
from __future__ import annotations

import pytest

import symverify as sv
from symverify.goldgen import pool_fixtures as pf
from symverify.goldgen import softmax_fixtures as sf
from symverify.goldgen.vecformat import strip_comments
from symverify.goldgen.vectorset import read_json
from symverify.mutants.gold import vectors_dir
from symverify.mutants.layers_gold import first_difference

DOC = read_json(vectors_dir() / "pool.json")
SOFT = read_json(vectors_dir() / "softmax.json")


@pytest.mark.parametrize("vec", DOC["vectors"], ids=[v["name"] for v in DOC["vectors"]])
def test_c_kernels_match_pool_vectors(vec):
    got = pf.evaluate(vec["kernel"], vec["args"], sv.kernels)
    assert first_difference(strip_comments(vec["expect"]), got) is None


@pytest.mark.parametrize("vec", SOFT["vectors"], ids=[v["name"] for v in SOFT["vectors"]])
def test_c_kernels_match_softmax_vectors(vec):
    got = sf.evaluate(vec["kernel"], vec["args"], sv.kernels)
    assert first_difference(strip_comments(vec["expect"]), got) is None


@pytest.mark.parametrize("family,doc", [("pool", DOC), ("softmax", SOFT)])
def test_every_kernel_has_ok_and_error_vectors(family, doc):
    for k in sv.registry.kernels_of(family):
        statuses = {v["expect"]["status"] for v in doc["vectors"] if v["kernel"] == k.name}
        assert "SYM_OK" in statuses and len(statuses) > 1, k.name


def test_pool_replayer_sees_a_broken_library():
    """The gold replay reports a wrong C result (a library whose maxpool writes nothing)."""
    from symverify.mutants import pool_gold

    ffi, lib = sv.kernels.ffi_lib()

    class Broken:
        def __getattr__(self, name):
            return getattr(lib, name)

        @staticmethod
        def sym_maxpool1d_forward(args, err):
            return 0

    cases = pool_gold.load(vectors_dir() / "pool.json", DOC)
    case = next(c for c in cases if c.name == "mp_ties_first_wins")
    assert case.run(ffi, lib) is None
    assert case.run(ffi, Broken()) is not None
