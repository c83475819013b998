"""The equivalence proofs run in a thread while the sanitize pass replays
(mutants/engine.py): the caller gets the same results, errors included."""
from __future__ import annotations

import threading

import pytest

from symverify.mutants import engine, equivalence


def test_proofs_run_in_another_thread_and_return_their_results(monkeypatch):
    seen = {}

    def fake_check(names, use_cache=True):
        seen["thread"] = threading.current_thread().name
        seen["args"] = (list(names), use_cache)
        return {n: f"result of {n}" for n in names}

    monkeypatch.setattr(equivalence, "check", fake_check)
    wait = engine._start_proofs(["b_proof", "a_proof"], use_cache=False)
    proofs, seconds = wait()
    assert proofs == {"b_proof": "result of b_proof", "a_proof": "result of a_proof"}
    assert seen["args"] == (["b_proof", "a_proof"], False)
    assert seen["thread"] != threading.current_thread().name and seconds >= 0.0


def test_a_failing_proof_run_raises_in_the_caller(monkeypatch):
    def broken(names, use_cache=True):
        raise RuntimeError("z3 went away")

    monkeypatch.setattr(equivalence, "check", broken)
    wait = engine._start_proofs(["x"], use_cache=True)
    with pytest.raises(RuntimeError, match="z3 went away"):
        wait()


def test_no_proofs_no_thread(monkeypatch):
    monkeypatch.setattr(equivalence, "check", lambda *a, **k: pytest.fail("nothing to prove"))
    assert engine._start_proofs([], use_cache=True)() == ({}, 0.0)


def test_real_proof_through_the_thread():
    proofs, _ = engine._start_proofs(["q_max_width_one"], use_cache=False)()
    assert proofs["q_max_width_one"].proven
