"""The mutation engine's replay order and pass selection: the case that
killed a site's previous mutant is replayed first (only the order changes,
never the verdict), and listed equivalents go straight to the sanitize pass,
where a stale entry (a mutant the suite does kill) is still reported killed."""
from __future__ import annotations

import os

import cffi
import pytest

from symverify.mutants import engine
from symverify.mutants.catalog import EquivalentEntry, load_catalog, load_equivalent
from symverify.mutants.sites import Mutant

PARENT = os.getpid()


def _mutant(num: int, region: int = 0, function: str = "f") -> Mutant:
    return Mutant(uid=f"t:{function}:OP:{num}", op="OP", file="kernels/src/t.c", function=function, kind="expr",
                  line=1, col=1, end_line=1, end_col=1, original="a", replacement="b", region=region, num=num)


class _Lib:
    def sym_mutant_set(self, num: int) -> None:
        self.num = num


class _Case:
    """Passes in the parent; in a forked child (a mutant run) passes or fails as told."""

    def __init__(self, name: str, fails: bool = False) -> None:
        self.family, self.name, self.fails = "t", name, fails

    @property
    def label(self) -> str:
        return f"t/{self.name}"

    def run(self, ffi, lib) -> str | None:
        if os.getpid() == PARENT or not self.fails:
            return None
        return "mantissas[0] 1 != expected 2"


def test_order_puts_the_sites_last_killer_first_and_keeps_every_case():
    k = engine.SiteKillers()
    a, b, c = _Case("a"), _Case("b"), _Case("c")
    m1, m2, other = _mutant(1), _mutant(2), _mutant(3, region=5, function="g")
    assert k.order(m2, [a, b, c]) == [a, b, c]  # nothing learnt yet
    k.record(m1, engine.Result(m1.uid, "Killed", "killed: golden", killer="t/c"))
    assert k.order(m2, [a, b, c]) == [c, a, b]
    assert k.order(m2, [a, b]) == [a, b]  # the killer does not reach this mutant: order unchanged
    assert k.order(other, [a, b, c]) == [a, b, c]  # another function, another site
    k.record(other, engine.Result(other.uid, "Survived", "survived"))  # no killer: nothing learnt
    assert k.order(_mutant(4, region=9), [a, b, c]) == [c, a, b]  # same function, other site: its last killer


@pytest.mark.parametrize("learn", [False, True])
def test_a_mutant_killed_only_by_its_last_case_is_killed_in_any_order(learn):
    ffi = cffi.FFI()
    jobs = [(_mutant(1), [_Case("a"), _Case("b"), _Case("c", fails=True)], 5.0),  # only the last case kills
            (_mutant(2), [_Case("a", fails=True), _Case("c", fails=True)], 5.0),  # both kill
            (_mutant(3), [_Case("a"), _Case("b")], 5.0)]  # a survivor of the same site
    res = engine.fork_run(ffi, _Lib(), jobs, 1, 5.0, "release", killers=engine.SiteKillers() if learn else None)
    assert res["t:f:OP:1"].status == "Killed" and res["t:f:OP:1"].killer == "t/c"
    assert res["t:f:OP:2"].status == "Killed"
    # the order decides which failing case is named: c, learnt from mutant 1, comes first
    assert res["t:f:OP:2"].killer == ("t/c" if learn else "t/a")
    assert res["t:f:OP:3"].status == "Survived"


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
