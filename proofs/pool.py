"""Worker processes for ``symverify prove`` with a per-lemma wall-time guard.

Each worker proves one lemma at a time (picked by index from the list it
inherited at fork). A lemma with its own solver (the bit-blasted ones) runs
as the only lemma of a fresh worker: its SAT search order follows the
process's heap state (a fresh z3 context is not enough), and one band took
0.9 s of CPU first in a process and 7.4 s after other lemmas. A worker
that was handed such a lemma after others hands it back and exits; after
proving one it exits too. The parent hands out the next index as soon as a
worker is free and watches the clock: a worker still busy ``kill_after`` seconds
after it got its lemma is killed, the lemma is reported UNKNOWN with its id,
and a new worker takes its place. A worker that dies (a crash inside z3) is
reported the same way. So one bad lemma can neither hang CI nor take the
others down.
"""
from __future__ import annotations

import multiprocessing as mp
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Callable

from .query import Lemma


@dataclass
class _Worker:
    process: mp.process.BaseProcess
    conn: Connection
    task: int | None = None
    started: float = 0.0


def _serve(conn: Connection, lems: list[Lemma], prove: Callable, use_cache: bool, limit_s: float) -> None:
    """Prove the lemmas the parent sends with ``prove(lemma, use_cache,
    limit_s)``; messages back: ("done", idx, result, retiring) or ("fresh",
    idx) (needs a fresh worker; exits)."""
    served = 0
    while True:
        idx = conn.recv()
        if idx is None:
            return
        alone = lems[idx].build().solver is not None
        if alone and served:
            conn.send(("fresh", idx))
            return
        res = prove(lems[idx], use_cache, limit_s)
        served += 1
        conn.send(("done", idx, res, alone))
        if alone:
            return


def run(lems: list[Lemma], jobs: int, use_cache: bool, limit_s: float, kill_after: float,
        prove: Callable, unfinished: Callable, progress: Callable | None = None) -> list:
    """Prove ``lems`` on ``jobs`` processes with ``prove(lemma, use_cache,
    limit_s)``; results in the order of ``lems``.

    ``limit_s`` is each lemma's own budget (it reports UNKNOWN itself);
    ``kill_after`` (> limit_s) is when the parent stops waiting for it, and
    ``unfinished(lemma, seconds, reason)`` makes the result of a lemma whose
    worker was killed or died (the runner passes both: no import back)."""
    ctx = mp.get_context("fork")  # the workers inherit ``lems`` (their builders are closures)
    results: list = [None] * len(lems)
    todo = deque(range(len(lems)))

    def spawn() -> _Worker:
        parent, child = ctx.Pipe()
        p = ctx.Process(target=_serve, args=(child, lems, prove, use_cache, limit_s), daemon=True)
        p.start()
        child.close()
        return _Worker(p, parent)

    def finish(w: _Worker, res) -> None:
        results[w.task] = res
        w.task = None
        if progress:
            progress(res)

    def replace(w: _Worker, reason: str) -> _Worker:
        if w.process.is_alive():
            w.process.kill()
        w.process.join()
        w.conn.close()
        finish(w, unfinished(lems[w.task], time.perf_counter() - w.started, reason))
        return spawn() if todo else w

    def retire(w: _Worker) -> _Worker:
        w.process.join()
        w.conn.close()
        return spawn() if todo else w

    workers = [spawn() for _ in range(min(jobs, len(lems)))]
    try:
        while True:
            for w in workers:
                if w.task is None and todo and w.process.is_alive():
                    w.task, w.started = todo.popleft(), time.perf_counter()
                    w.conn.send(w.task)
            busy = [w for w in workers if w.task is not None]
            if not busy:
                break
            now = time.perf_counter()
            ready = wait([w.conn for w in busy], timeout=max(0.0, min(w.started + kill_after for w in busy) - now))
            for i, w in enumerate(workers):
                if w.task is None:
                    continue
                if w.conn in ready:
                    try:
                        msg = w.conn.recv()
                    except (EOFError, OSError):
                        w.process.join(timeout=5)
                        workers[i] = replace(w, f"worker died (exit code {w.process.exitcode})")
                        continue
                    if msg[0] == "fresh":
                        todo.appendleft(w.task)
                        w.task = None
                        workers[i] = retire(w)
                        continue
                    _, _, res, retiring = msg
                    finish(w, res)
                    if retiring:
                        workers[i] = retire(w)
                elif time.perf_counter() - w.started >= kill_after:
                    workers[i] = replace(w, f"wall-time limit: killed after {kill_after:g} s")
    finally:
        for w in workers:
            if w.process.is_alive():
                try:
                    w.conn.send(None)
                except OSError:
                    pass
        for w in workers:
            w.process.join(timeout=5)
            if w.process.is_alive():
                w.process.kill()
    return results
