"""The proof runner's guards: a per-lemma wall-time limit (UNKNOWN, never
PROVEN), a worker that hangs or crashes is replaced and its lemma reported by
id, and counterexamples read back from a goal's fresh z3 context."""
from __future__ import annotations

import json
import os
import time

import z3
from click.testing import CliRunner

from symverify.cli import cli

from symverify.proofs import pool, runner
from symverify.proofs.query import Goal, Lemma, Query


def _lemma(name: str, build) -> Lemma:
    return Lemma(name, None, None, "PROVEN", name, build, "x", "int")


def _true_query() -> Query:
    x = z3.Int("x")
    return Query(pre=[x > 0], goals=[Goal("x > -1", x > -1)], show={"x": x})


def _sleeping_query() -> Query:
    time.sleep(60)
    return _true_query()


def _crashing_query() -> Query:
    os._exit(3)


def test_lemma_over_its_wall_limit_is_unknown():
    (lem,) = runner.select(None, "intreq.div_round[exp=2..127]")
    res = runner.prove(lem, use_cache=False, limit_s=0.05)
    assert res.status == "UNKNOWN" and not res.ok
    assert "wall-time limit" in res.goal and res.seconds < 5


def test_pool_kills_a_hung_worker_and_reports_the_lemma(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMVERIFY_CACHE", str(tmp_path))
    lems = [_lemma("t.ok1", _true_query), _lemma("t.hang", _sleeping_query), _lemma("t.ok2", _true_query)]
    t0 = time.perf_counter()
    res = pool.run(lems, 2, False, limit_s=0.5, kill_after=1.5, prove=runner.prove, unfinished=runner.unfinished)
    assert time.perf_counter() - t0 < 30
    assert [r.id for r in res] == ["t.ok1", "t.hang", "t.ok2"]
    assert [r.status for r in res] == ["PROVEN", "UNKNOWN", "PROVEN"]
    assert "killed after 1.5 s" in res[1].goal


def test_pool_reports_a_crashed_worker_and_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMVERIFY_CACHE", str(tmp_path))
    lems = [_lemma("t.crash", _crashing_query)] + [_lemma(f"t.ok{i}", _true_query) for i in range(3)]
    res = pool.run(lems, 2, False, limit_s=10, kill_after=20, prove=runner.prove, unfinished=runner.unfinished)
    assert res[0].status == "UNKNOWN" and "exit code 3" in res[0].goal
    assert [r.status for r in res[1:]] == ["PROVEN"] * 3


def test_counterexample_values_come_back_from_the_fresh_context():
    (lem,) = runner.select(None, "sr.unclamped_in_width[b=2,step=convert,SR]")
    res = runner.prove(lem, use_cache=False)
    assert res.status == "COUNTEREXAMPLE"
    assert res.counterexample["round(w)"]["value"] == "2.0"  # > qMax(2) = 1


def test_bit_blasted_lemmas_prove_in_the_pool(tmp_path, monkeypatch):
    """Banded lemmas with their own solver run alone in fresh workers."""
    monkeypatch.setenv("SYMVERIFY_CACHE", str(tmp_path))
    lems = (runner.select(None, "intreq.fixed_*sign") + runner.select(None, "mac.fan_in[b=12*")[:3]
            + runner.select(None, "intreq.zero"))
    res = pool.run(lems, 2, False, limit_s=60, kill_after=75, prove=runner.prove, unfinished=runner.unfinished)
    assert [r.id for r in res] == [lem.id for lem in lems]
    assert [(r.id, r.status, r.goal) for r in res if not r.ok] == []


def test_cli_time_limit_fails_the_run_and_names_the_lemma(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMVERIFY_CACHE", str(tmp_path))
    out = tmp_path / "prove.json"
    r = CliRunner().invoke(cli, ["prove", "--lemma", "intreq.div_round[exp=2..127]", "--no-cache",
                                 "--time-limit", "0.05", "--json", str(out)])
    assert r.exit_code == 1, r.output
    (lem,) = json.loads(out.read_text())["lemmas"]
    assert lem["id"] == "intreq.div_round[exp=2..127]" and lem["status"] == "UNKNOWN"
    assert "wall-time limit 0.05 s" in lem["goal"]
    bad = CliRunner().invoke(cli, ["prove", "--lemma", "intreq.zero", "--time-limit", "0"])
    assert bad.exit_code == 2 and "--time-limit" in bad.output
