"""Equivalent mutants (Z3 proofs vs reviewed justifications) and the ASan pass
on out-of-bounds mutants (issue 5, part 3 of the engine)."""
from __future__ import annotations

import pytest
import z3

from symverify.mutants import engine, equivalence, gold
from symverify.mutants.catalog import load_catalog, load_equivalent


def test_every_named_proof_exists_and_holds():
    eq = load_equivalent()
    names = sorted({e.proof for e in eq.values() if e.proof})
    assert len(names) >= 8
    assert set(names) <= set(equivalence.PROOFS)
    res = equivalence.check(names)  # cached on disk after the first run
    assert all(r.proven for r in res.values()), {n: r.detail for n, r in res.items() if not r.proven}


def test_a_wrong_equivalence_claim_is_refuted():
    """The checker is not vacuous: a false local fact gets a counterexample."""
    def bogus():
        x = z3.BitVec("x", 32)
        yield "(int16_t)x == x for every int32", z3.SignExt(16, z3.Extract(15, 0, x)) == x
    equivalence.PROOFS["_bogus"] = bogus
    try:
        r = equivalence.prove("_bogus")
    finally:
        del equivalence.PROOFS["_bogus"]
    assert not r.proven and "sat" in r.detail


def test_failed_proof_turns_the_mutant_back_into_a_survivor(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMVERIFY_CACHE", str(tmp_path / "cache"))
    eq = load_equivalent()
    proven = next(uid for uid, e in eq.items() if e.proof == "absmax_ge_vs_gt")
    justified = next(uid for uid, e in eq.items() if not e.proof and "CRP:a00b12a1" in uid)
    out = engine.run(jobs=2, sanitize=False, only=[proven, justified])
    assert out.results[proven].status == "Ignored" and out.results[proven].equivalence == engine.PROVEN
    assert out.results[justified].status == "Ignored" and out.results[justified].equivalence == engine.JUSTIFIED

    def broken(names, use_cache=True):
        return {n: equivalence.ProofResult(n, False, "goal 'x': sat", 0.0) for n in names}
    monkeypatch.setattr(equivalence, "check", broken)
    out = engine.run(jobs=2, sanitize=False, only=[proven])
    assert out.results[proven].status == "Survived" and "FAILED" in out.results[proven].reason


def test_replay_buffers_are_separate_malloc_blocks(schemata_release):
    ffi, _lib = schemata_release
    w = gold.malloc_ffi(ffi)
    a, b = w.new("int32_t[]", [1, 2, 3]), w.new("int32_t[]", 4)
    assert list(a) == [1, 2, 3] and list(b) == [0, 0, 0, 0]
    # the data is not inside a Python object: it is not at a fixed offset from the cdata header
    assert gold.malloc_ffi(w) is w


@pytest.fixture(scope="module")
def schemata_release():
    sch = engine.prepare(load_catalog())
    return engine.load_schemata(sch.libs["release"])


@pytest.mark.sanitize
def test_asan_pass_kills_loop_start_minus_one(tmp_path, monkeypatch):
    """for (i = -1; ...) reads (or writes) one element before a buffer: only the
    sanitize pass sees it; it must be reported killed by the sanitizer."""
    monkeypatch.setenv("SYMVERIFY_CACHE", str(tmp_path / "cache"))
    sch = engine.prepare(load_catalog(), variants=("release", "sanitize"))
    pick = [m.uid for m in sch.sources.mutants
            if m.op == "CRP" and m.replacement == "(-1)" and m.function in ("sym_int_to_sym_core", "sym_sym_to_float_core")
            and m.original == "0"]
    assert pick
    out = engine.run(jobs=2, sanitize=True, only=pick)
    for uid in pick:
        r = out.results[uid]
        assert r.status == "Killed", (uid, r.reason)
    assert all("sanitizer" in out.results[u].reason for u in pick), {u: out.results[u].reason for u in pick}
