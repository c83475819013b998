"""The float-by-float multiply sym_intreq_mul_bits (the kernels' scale
products; docs/integer-only.md):

* the C against numpy float32 on 10^6 random pairs (every exponent sum,
  and sums next to the subnormal and overflow edges) and on edge pairs
  (subnormal ties at every shift, 2^-126, overflow, carries);
* the Z3 encoding (proofs/intreq_mul.py) against the C, the lemmas proven,
  their premises satisfiable, planted bugs caught by a lemma and, in a copy
  of the C, by the gold case.
"""
from __future__ import annotations

import shutil

import numpy as np
import pytest
import z3

from symverify import build
from symverify.mutants import abi_intreq_div as adiv
from symverify.proofs import intreq_mul as iqm
from symverify.proofs import runner

INF, MIN_NORMAL = 0x7F800000, 0x00800000


@pytest.fixture(scope="module")
def c():
    return build.load_library()


def _random_pairs(rng, n: int) -> tuple[np.ndarray, np.ndarray]:
    """a over every exponent; b over every exponent for a third, and with
    ea + eb next to 127 (subnormal results) or to 381 (overflow) otherwise."""
    ea = rng.integers(1, 255, n)
    eb = rng.integers(1, 255, n)
    pick = rng.integers(0, 3, n)
    eb = np.where(pick == 1, 127 + rng.integers(-26, 3, n) - ea, eb)
    eb = np.where(pick == 2, 381 + rng.integers(-2, 3, n) - ea, eb)
    eb = np.where((eb >= 1) & (eb <= 254), eb, rng.integers(1, 255, n))
    a = (ea.astype(np.uint32) << 23) | rng.integers(0, 1 << 23, n).astype(np.uint32)
    b = (eb.astype(np.uint32) << 23) | rng.integers(0, 1 << 23, n).astype(np.uint32)
    return a, b


def test_mul_bits_equals_numpy_on_a_million_random_pairs(c):
    ffi, lib = c
    a, b = _random_pairs(np.random.default_rng(1951), 1_000_000)
    with np.errstate(over="ignore", under="ignore"):
        want = (a.view(np.float32) * b.view(np.float32)).view(np.uint32)
    got = np.array([lib.sym_intreq_mul_bits(x, y) for x, y in zip(a.tolist(), b.tolist())], dtype=np.uint32)
    bad = np.nonzero(got != want)[0]
    assert [(hex(a[i]), hex(b[i])) for i in bad[:10]] == []
    kinds = {"zero": np.sum(want == 0), "subnormal": np.sum((want > 0) & (want < MIN_NORMAL)),
             "inf": np.sum(want == INF), "normal": np.sum((want >= MIN_NORMAL) & (want < INF))}
    assert min(kinds.values()) > 10_000, kinds  # all four kinds of result reached


def test_mul_bits_equals_numpy_on_edge_pairs(c):
    ffi, lib = c
    assert adiv.intreq_mul_bits_edges(ffi, lib) is None
    pairs = adiv.mul_edge_pairs()
    got = {lib.sym_intreq_mul_bits(a, b) for a, b in pairs}
    assert {0, INF, MIN_NORMAL} <= got

    def tie(a: int, b: int) -> bool:  # a subnormal result exactly between two grid points
        p = ((a & 0x7FFFFF) | 1 << 23) * ((b & 0x7FFFFF) | 1 << 23)
        k = 151 - (a >> 23) - (b >> 23)
        return 24 <= k <= 48 and p % (1 << k) == 1 << (k - 1)

    ties = [(a, b) for a, b in pairs if tie(a, b)]
    assert len(ties) > 200
    # every shift (k = 48 has none: P = 2^47 is not a product of two significands)
    assert {151 - (a >> 23) - (b >> 23) for a, b in ties} >= set(range(24, 48))
    rounded = [lib.sym_intreq_mul_bits(a, b) for a, b in ties]
    assert all(r % 2 == 0 for r in rounded)  # ties to even on the subnormal grid


def test_encoding_equals_c(c):
    ffi, lib = c
    pairs = list(adiv.mul_edge_pairs()[::8])
    a, b = _random_pairs(np.random.default_rng(8), 150)
    pairs += list(zip(a.tolist(), b.tolist()))
    for x, y in pairs:
        assert iqm.run_mul_bits(x, y) == lib.sym_intreq_mul_bits(x, y), (hex(x), hex(y))


def test_mul_lemmas_are_registered_and_prove():
    lems = runner.select(None, "intreq.mulf_*")
    assert len(lems) == len(iqm.EXP_SUM_BANDS) == 6
    for lem in lems:
        res = runner.prove(lem, use_cache=False)
        assert res.status == "PROVEN", res


@pytest.mark.parametrize("band", iqm.EXP_SUM_BANDS)
def test_mul_lemma_premises_have_a_model(band):
    q = iqm.q_mul_round(*band)
    s = z3.Solver()
    s.add(*q.pre)
    assert s.check() == z3.sat


def test_planted_subnormal_ties_up_is_caught_by_the_proof():
    q = iqm.q_mul_round(101, 127, ties_up=True)
    s = q.solver(60_000)
    s.add(*q.pre, z3.Not(q.goals[0].goal))
    assert s.check() == z3.sat


@pytest.mark.parametrize("old,new", [
    ("sticky = (hi & ((1u << (s - 1)) - 1u)) | lo;", "sticky = hi & ((1u << (s - 1)) - 1u);"),  # lo dropped
    ("if (e < 1) { /* below 2^-126", "if (e < 0) { /* below 2^-126"),  # the first subnormal exponent as normal
])
def test_planted_bug_in_a_c_copy_is_caught_by_the_gold_case(tmp_path, old, new):
    import cffi

    root = tmp_path / "csrc"
    shutil.copytree(build.kernel_dir(), root)
    src = root / "src" / "sym_intreq.c"
    text = src.read_text()
    assert text.count(old) == 1
    src.write_text(text.replace(old, new))
    lib_path = build.compile_shared(build.kernel_sources(root), "release", include_dirs=[root / "include"],
                                    name="intreq_mul_planted")
    ffi = cffi.FFI()
    ffi.cdef(build.cdef_from_headers(build.kernel_headers(root)))
    lib = ffi.dlopen(str(lib_path))
    assert adiv.intreq_mul_bits_edges(ffi, lib)
