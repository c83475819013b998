"""`symverify mutate --operator OP` builds only that operator's mutants: the
CLI picks them from the collected list (no schemata build) and the engine
compiles just the selection."""
from __future__ import annotations

from click.testing import CliRunner

from symverify.cli import cli
from symverify.mutants import engine
from symverify.mutants.catalog import load_catalog


def test_collect_mutants_numbers_like_the_build_without_compiling(monkeypatch):
    def no_build(*a, **k):
        raise AssertionError("collect_mutants compiled something")

    monkeypatch.setattr(engine.schemata_build, "compile_all", no_build)
    ss = engine.collect_mutants(load_catalog())
    nums = [m.num for m in ss.mutants]
    assert nums == list(range(1, len(nums) + 1)) and len(nums) > 1000
    assert {m.op for m in ss.mutants} == {op.id for op in load_catalog().operators}


def test_operator_option_builds_only_that_operators_mutants(monkeypatch):
    seen: dict[str, object] = {}

    def full_build(*a, **k):
        if k.get("select") is None:
            raise AssertionError("--operator built the full mutant set")
        return real_prepare(*a, **k)

    def fake_run(**kw):
        seen.update(kw)
        raise RuntimeError("stop after the selection")

    real_prepare = engine.prepare
    monkeypatch.setattr(engine, "prepare", full_build)
    monkeypatch.setattr(engine, "run", fake_run)
    res = CliRunner().invoke(cli, ["mutate", "-q", "--operator", "GUARD", "--operator", "SCALE_FREEZE"])
    assert res.exit_code == 1 and "stop after the selection" in res.output, res.output
    by_uid = {m.uid: m for m in engine.collect_mutants(load_catalog()).mutants}
    only = list(seen["only"])
    assert only and {by_uid[u].op for u in only} == {"GUARD", "SCALE_FREEZE"}
    assert len(only) == sum(m.op in ("GUARD", "SCALE_FREEZE") for m in by_uid.values())
