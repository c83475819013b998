"""The mutation engine's fast paths: cheapest-first replay with a per-mutant
timeout, results kept across crashing and hanging children, the per-source
cached schemata build and the selection-only build of ``--since`` / ``only``."""
from __future__ import annotations

import os
import signal
import time

import cffi
import pytest

from symverify.mutants import engine, schemata_build
from symverify.mutants.catalog import load_catalog
from symverify.mutants.sites import Mutant

PARENT = os.getpid()


def _mutant(num: int) -> Mutant:
    return Mutant(uid=f"t:f:OP:{num}", op="OP", file="kernels/src/t.c", function="f", kind="expr", line=1, col=1,
                  end_line=1, end_col=1, original="a", replacement="b", num=num)


class _Lib:
    """Stands in for a schemata library: every case reaches mutant 1."""

    def sym_mutant_set(self, num: int) -> None:
        self.num = num

    def sym_mutant_coverage(self, buf, n: int) -> None:
        buf[1] = 1


class _Case:
    """A case whose behaviour in a forked child (a mutant run) is chosen by the test."""

    def __init__(self, name: str, in_child: str = "pass", cost: float = 0.0) -> None:
        self.family, self.name, self.in_child, self.cost = "t", name, in_child, cost

    @property
    def label(self) -> str:
        return f"t/{self.name}"

    def run(self, ffi, lib) -> str | None:
        time.sleep(self.cost)
        if os.getpid() == PARENT or self.in_child == "pass":
            return None
        if self.in_child == "loop":
            while True:
                pass
        if self.in_child == "segv":
            os.kill(os.getpid(), signal.SIGSEGV)
        return "mantissas[0] 1 != expected 2"


def test_plan_orders_cheapest_first_and_scales_the_timeout():
    cases = [_Case(n) for n in "abcd"]
    base = engine.Baseline(cases, {7: [0, 1, 2], 8: [3]}, 1.0, [], costs=[0.050, 0.0001, 0.004, 0.0002])
    order, limit = base.plan(7, 20.0, 0.5)
    assert [c.name for c in order] == ["b", "c", "a"]  # every reaching case, cheapest first
    assert limit == pytest.approx(20.0 * 0.0541)
    assert base.plan(8, 20.0, 0.5) == ([cases[3]], 0.5)  # the floor
    assert base.plan(9, 20.0, 0.5) == ([], 0.5)


def test_cost_noise_does_not_reorder_cases_of_one_bucket():
    cases = [_Case(n) for n in "ab"]
    for costs in ([0.00201, 0.00200], [0.00200, 0.00201]):
        order, _ = engine.Baseline(cases, {1: [0, 1]}, 1.0, [], costs=costs).plan(1, 20.0, 0.5)
        assert [c.name for c in order] == ["a", "b"]


def test_looping_mutant_is_timeout_within_its_adaptive_limit():
    ffi = cffi.FFI()
    cases = [_Case("cheap"), _Case("hangs", "loop")]
    base = engine.baseline(ffi, _Lib(), cases, 1)
    assert base.coverage == {1: [0, 1]} and len(base.costs) == 2
    plan_cases, limit = base.plan(1, 2.0, 0.5)
    assert limit == pytest.approx(max(0.5, 2.0 * sum(base.costs)))  # microseconds on an idle machine
    t0 = time.perf_counter()
    res = engine.fork_run(ffi, _Lib(), [(_mutant(1), plan_cases, limit)], 1, 600.0, "release")
    took = time.perf_counter() - t0
    r = res["t:f:OP:1"]
    assert r.status == "Timeout" and f"> {limit:.1f} s" in r.reason, r
    assert took < limit + 10.0, f"the 600 s default was used ({took:.1f} s)"


@pytest.mark.parametrize("workers", [1, 2])
def test_crashing_and_hanging_children_do_not_lose_other_results(workers):
    ffi = cffi.FFI()
    jobs = [(_mutant(1), [_Case("segv", "segv")], 5.0), (_mutant(2), [_Case("ok")], 5.0),
            (_mutant(3), [_Case("hang", "loop")], 0.3), (_mutant(4), [_Case("ok"), _Case("bad", "fail")], 5.0),
            (_mutant(5), [_Case("ok2")], 5.0)]
    res = engine.fork_run(ffi, _Lib(), jobs, workers, 5.0, "release")
    got = {uid: (r.status, r.reason.split(" (")[0]) for uid, r in res.items()}
    assert got == {"t:f:OP:1": ("Killed", "killed: crash"), "t:f:OP:2": ("Survived", got["t:f:OP:2"][1]),
                   "t:f:OP:3": ("Timeout", "killed: timeout"), "t:f:OP:4": ("Killed", "killed: golden"),
                   "t:f:OP:5": ("Survived", got["t:f:OP:5"][1])}, got
    assert res["t:f:OP:1"].reason == "killed: crash (SIGSEGV)"
    assert res["t:f:OP:4"].killer == "t/bad"


def _pick(ss_mutants, n_per_file: int = 2) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for m in ss_mutants:
        if seen.get(m.file, 0) < n_per_file:
            seen[m.file] = seen.get(m.file, 0) + 1
            out.add(m.uid)
    return out


def test_selection_build_holds_only_the_selection_and_kills_like_the_full_one(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMVERIFY_CACHE", str(tmp_path / "cache"))
    cat = load_catalog()
    first = engine.prepare(cat, select=lambda m: False)  # the plain kernels (no mutant compiled in)
    assert first.active == [] and first.compile_errors == {}
    # COR mutants include ones the compiler rejects (-Wparentheses after || -> &&)
    cor = [m.uid for m in first.sources.mutants if m.op == "COR"][:40]
    pick = _pick(first.sources.mutants) | set(cor)
    sch = engine.prepare(cat, select=lambda m: m.uid in pick)
    assert {m.uid for m in sch.active} | set(sch.compile_errors) == pick
    assert sch.compile_errors, "expected some of the first COR mutants to be rejected"
    assert sch.compile_seconds["release"] > 0
    again = engine.prepare(cat, select=lambda m: m.uid in pick)  # every unit from the cache
    assert again.compile_seconds["release"] == 0.0 and again.libs == sch.libs
    assert set(again.compile_errors) == set(sch.compile_errors)
    assert list((tmp_path / "cache" / "mutate-objects").glob("*.err")), "rejections are cached"
    out = engine.run(jobs=2, sanitize=False, use_cache=False, only=pick)
    assert {m.uid for m in out.selected} == pick
    assert {u for u, r in out.results.items() if r.status == "CompileError"} == set(sch.compile_errors)


def test_a_unit_the_compiler_rejects_is_reported_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMVERIFY_CACHE", str(tmp_path / "cache"))
    src = tmp_path / "bad.c"
    src.write_text("int f(int a, int b) { return a || b && a; }\n")
    u = schemata_build.compile_unit(src, "release", [tmp_path])
    assert u.obj is None and "bad.c:1" in u.stderr and u.seconds > 0
    again = schemata_build.compile_unit(src, "release", [tmp_path])
    assert again.obj is None and again.stderr == u.stderr and again.seconds == 0.0
    src.write_text("int f(int a, int b) { return a || (b && a); }\n")
    ok = schemata_build.compile_unit(src, "release", [tmp_path])
    assert ok.obj is not None and ok.obj.exists()
    lib = schemata_build.link([ok.obj], "release", "t")
    assert lib.exists() and schemata_build.link([ok.obj], "release", "t") == lib


def test_an_exception_escaping_the_replay_under_a_mutant_kills_it():
    from types import SimpleNamespace

    m = SimpleNamespace(uid="f:OP:1")
    r = engine._classify(m, "error\t\tRuntimeError: cannot use string() on NULL", 0, "release")
    assert r.status == "Killed" and "replay raised" in r.reason and "string()" in r.reason
    # a replay that passes every case is still a survivor, a failing case a kill
    assert engine._classify(m, "survived", 0, "release").status == "Survived"
    assert engine._classify(m, "golden\tcase1\tm_out[0] 3 != 4", 0, "release").killer == "case1"
