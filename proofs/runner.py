"""Solve lemmas, cache results by encoding hash, run in parallel."""
from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import z3

from . import fp, pool
from .lemmas import Lemma, Query, catalog

ENCODING_VERSION = "1"
#: the timeout a query's solver is built with (a lemma's solver factory may
#: raise it); the solve runs with the lemma's remaining wall budget instead
TIMEOUT_MS = 20_000
#: wall time one lemma may take (all its goals) before it is reported UNKNOWN
LEMMA_LIMIT_S = 60.0
#: how long past that the parent waits for a worker before killing it
KILL_GRACE_S = 15.0


@dataclass
class Result:
    id: str
    name: str
    bits: int | None
    mode: str | None
    expect: str
    status: str  # PROVEN | COUNTEREXAMPLE | UNKNOWN
    seconds: float
    goal: str | None = None  # the falsified goal
    counterexample: dict | None = None
    doc: str = ""
    statement: str = ""
    encoding: str = ""
    cached: bool = False
    hash: str = ""
    replay: str | None = None
    params: dict = field(default_factory=dict)
    cpu_seconds: float = 0.0  # the process's CPU time for this lemma (wall time varies with load)

    @property
    def ok(self) -> bool:
        return self.status == self.expect

    @property
    def finding(self) -> bool:
        return self.expect == "COUNTEREXAMPLE"

    def to_json(self) -> dict:
        d = asdict(self)
        d["ok"] = self.ok
        d["finding"] = self.finding
        return d


def cache_dir() -> Path:
    base = os.environ.get("SYMVERIFY_CACHE")
    root = Path(base) if base else Path.home() / ".cache" / "symverify"
    return root / "proofs"


def _render(v: Any) -> Any:
    if isinstance(v, float):
        if v != v:
            return "nan"
        return {"value": repr(v), "f32_bits": f"0x{fp.f32_bits(v):08X}"}
    if hasattr(v, "numerator") and not isinstance(v, int):
        return str(v)
    return v


def _solvers(q: Query):
    for g in q.goals:
        if q.solver is not None:
            s = q.solver(TIMEOUT_MS)
        else:
            s = z3.Solver()
            s.set("timeout", TIMEOUT_MS)
        s.add(*q.pre, *g.extra)
        s.add(z3.Not(g.goal))
        if q.witness:
            s.add(*[k == v for k, v in q.witness.items()])
        yield g, s


def encoding_hash(lemma: Lemma, q: Query | None = None) -> str:
    q = q or lemma.build()
    h = hashlib.sha256()
    h.update(f"{ENCODING_VERSION}|{z3.get_version_string()}|{lemma.id}|{lemma.expect}\0".encode())
    for g, s in _solvers(q):
        h.update(g.label.encode() + b"\0" + s.sexpr().encode() + b"\0")
    h.update(repr(sorted(str(k) for k in q.show)).encode())
    if q.check is not None:
        h.update(f"check:{q.check}".split(" at ")[0].encode())
    return h.hexdigest()


def _base(lemma: Lemma, digest: str) -> dict:
    return dict(id=lemma.id, name=lemma.name, bits=lemma.bits, mode=lemma.mode, expect=lemma.expect,
                doc=lemma.doc_link, statement=lemma.statement, encoding=lemma.encoding, hash=digest,
                replay=lemma.replay, params=dict(lemma.params))


def unfinished(lemma: Lemma, seconds: float, reason: str) -> Result:
    """The UNKNOWN result of a lemma that did not finish (killed, crashed)."""
    return Result(**_base(lemma, ""), status="UNKNOWN", seconds=seconds, goal=reason)


def _check_isolated(s, custom: bool, deadline: float) -> tuple[Any, Any, z3.Context]:
    """Check ``s`` (a lemma's own solver: copied into a fresh context) with
    the lemma's remaining wall budget as its timeout and a watchdog that
    interrupts the context at the deadline (tactic steps outside the solver
    have no timeout).

    Why a fresh context: a bit-blasted search order follows the AST ids, and
    in a reused context those depend on every term built before; in a fresh
    one a goal is the same encoding whatever ran before (the state of the
    process remains: proofs/pool.py). For the default solver's small queries
    the fresh context's setup cost more CPU (~10 % of the run) than it
    saved. ``Solver.translate`` drops solver parameters, hence the timeout
    here."""
    if custom and hasattr(s, "translate"):
        ctx = z3.Context()
        fresh = s.translate(ctx)
    else:  # the default solver's small queries: a fresh context costs more than it saves
        fresh, ctx = s, z3.main_ctx()
    left = deadline - time.perf_counter()
    fresh.set("timeout", max(1, int(left * 1000)))
    done = threading.Event()
    watchdog = threading.Thread(target=_interrupt_after, args=(ctx, left, done), daemon=True)
    watchdog.start()
    try:
        return fresh.check(), fresh, ctx
    except z3.Z3Exception as e:  # a tactic step interrupted raises "canceled"
        if "canceled" not in str(e):
            raise
        return z3.unknown, fresh, ctx
    finally:
        done.set()
        watchdog.join()


def _interrupt_after(ctx: z3.Context, seconds: float, done: threading.Event) -> None:
    """Interrupt ``ctx`` after ``seconds``, and again every 0.1 s: z3 drops an
    interrupt that arrives between two of its steps."""
    if done.wait(max(0.0, seconds)):
        return
    while not done.is_set():
        ctx.interrupt()
        done.wait(0.1)


def _shown(m: z3.ModelRef, ctx: z3.Context, show: dict) -> dict:
    """The show terms' values in model ``m`` (of context ``ctx``), rendered in
    the main context (fp.ev builds terms there)."""
    out = {}
    main = z3.main_ctx()
    for k, term in show.items():
        value = m.eval(term if ctx is main else term.translate(ctx), model_completion=True)
        value = value if ctx is main else value.translate(main)
        try:
            out[k] = _render(fp.ev(value))
        except Exception:  # noqa: BLE001 - a show term may be unconstrained/abstract
            out[k] = str(value)
    return out


def prove(lemma: Lemma, use_cache: bool = True, limit_s: float = LEMMA_LIMIT_S) -> Result:
    """Decide ``lemma``: PROVEN, COUNTEREXAMPLE (with the show terms' values)
    or UNKNOWN (solver gave up, or ``limit_s`` seconds of wall time passed).
    A lemma's own solver runs in a fresh z3 context (:func:`_check_isolated`)."""
    t0, c0 = time.perf_counter(), time.process_time()
    deadline = t0 + limit_s
    q = lemma.build()
    digest = encoding_hash(lemma, q)
    base = _base(lemma, digest)
    path = cache_dir() / f"{digest}.json"
    if use_cache and path.exists():
        try:
            data = json.loads(path.read_text())
            return Result(**{**base, "status": data["status"], "seconds": data["seconds"], "goal": data.get("goal"),
                             "counterexample": data.get("counterexample"), "cached": True})
        except (OSError, ValueError, KeyError):
            pass
    status, goal, cex = "PROVEN", None, None
    if q.check is not None:
        status, cex = q.check()
        if cex:
            cex = {k: _render(v) for k, v in cex.items()}
            goal = "enumeration"
    for g, s in _solvers(q):
        r, fresh, ctx = _check_isolated(s, q.solver is not None, deadline)
        if r == z3.unsat:
            continue
        goal = g.label
        if r == z3.sat:
            status = "COUNTEREXAMPLE"
            cex = _shown(fresh.model(), ctx, q.show)
        else:
            status = "UNKNOWN"
            if time.perf_counter() >= deadline:
                goal = f"{g.label} (wall-time limit {limit_s:g} s)"
        break
    res = Result(**base, status=status, seconds=time.perf_counter() - t0, goal=goal, counterexample=cex,
                 cpu_seconds=time.process_time() - c0)
    if status != "UNKNOWN":
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"status": status, "seconds": res.seconds, "goal": goal,
                                       "counterexample": cex}))
            os.replace(tmp, path)
        except OSError:
            pass
    return res


def select(bits: Iterable[int] | None = None, pattern: str | None = None) -> list[Lemma]:
    import fnmatch
    out = []
    bits = set(bits) if bits else None
    for lem in catalog():
        if bits is not None and lem.bits is not None and lem.bits not in bits:
            continue
        if bits is not None and lem.bits is None:
            continue
        if pattern and not (fnmatch.fnmatch(lem.id, pattern) or fnmatch.fnmatch(lem.name, pattern) or pattern in lem.id):
            continue
        out.append(lem)
    return out


def run_all(lemmas_sel: tuple, use_cache: bool = True, jobs: int = 0,
            progress: Callable[[Result], None] | None = None, limit_s: float = LEMMA_LIMIT_S) -> list[Result]:
    """Prove the selection ``(bits, pattern)``; ``jobs`` processes (0 = cores).

    Every lemma gets ``limit_s`` seconds of wall time (then UNKNOWN); with
    more than one process, a worker that overruns it by KILL_GRACE_S or
    crashes is replaced and its lemma reported UNKNOWN (proofs/pool.py)."""
    bits, pattern = lemmas_sel
    lems = select(bits, pattern)
    jobs = jobs or os.cpu_count() or 1
    if jobs > 1 and len(lems) > 1:
        return pool.run(lems, jobs, use_cache, limit_s, limit_s + KILL_GRACE_S, prove, unfinished, progress)
    results = []
    for lem in lems:
        results.append(prove(lem, use_cache, limit_s))
        if progress:
            progress(results[-1])
    return results
