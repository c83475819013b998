"""The mutation engine's pass selection: listed equivalents go straight to
the sanitize pass, where a stale entry (a mutant the suite does kill) is
still reported killed."""
from __future__ import annotations

import pytest

from symverify.mutants import engine
from symverify.mutants.catalog import EquivalentEntry, load_catalog, load_equivalent


@pytest.mark.sanitize
def test_listed_equivalents_skip_the_release_pass_and_a_stale_one_is_still_killed(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMVERIFY_CACHE", str(tmp_path / "cache"))
    eq = load_equivalent()
    real = next(uid for uid, e in eq.items() if e.proof == "absmax_ge_vs_gt")
    sch = engine.prepare(load_catalog(), select=lambda m: False)
    # a mutant the suite kills (the round-half-away constant), listed as equivalent by mistake
    stale = next(m.uid for m in sch.sources.mutants if m.op == "RND_HALF" and m.file.endswith("sym_round.c"))
    assert stale not in eq
    listed = {**eq, stale: EquivalentEntry(stale, "wrongly listed (test)")}
    monkeypatch.setattr(engine, "load_equivalent", lambda: listed)
    out = engine.run(jobs=2, sanitize=True, only=[real, stale])
    assert out.results[stale].status == "Killed" and out.results[stale].phase == "sanitize", out.results[stale]
    assert out.results[real].status == "Ignored" and out.results[real].phase == "sanitize"
    # without the sanitize pass the release pass is the only one, and the full
    # run left no release-only result for these two: they are run, not served
    # from the cache, and the stale entry is killed in the release pass
    out = engine.run(jobs=2, sanitize=False, only=[real, stale])
    assert out.cached == 0
    assert out.results[stale].status == "Killed" and out.results[stale].phase == "release"
    assert out.results[real].status == "Ignored" and out.results[real].phase == "release"
