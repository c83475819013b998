"""Solve lemmas, cache results by encoding hash, run in parallel."""
from __future__ import annotations

import hashlib
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import z3

from . import fp
from .lemmas import Lemma, Query, catalog

ENCODING_VERSION = "1"
TIMEOUT_MS = 20_000


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


def prove(lemma: Lemma, use_cache: bool = True) -> Result:
    t0 = time.perf_counter()
    q = lemma.build()
    digest = encoding_hash(lemma, q)
    base = dict(id=lemma.id, name=lemma.name, bits=lemma.bits, mode=lemma.mode, expect=lemma.expect,
                doc=lemma.doc_link, statement=lemma.statement, encoding=lemma.encoding, hash=digest,
                replay=lemma.replay, params=dict(lemma.params))
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
        r = s.check()
        if r == z3.unsat:
            continue
        goal = g.label
        if r == z3.sat:
            m = s.model()
            status = "COUNTEREXAMPLE"
            cex = {}
            for k, term in q.show.items():
                try:
                    cex[k] = _render(fp.model_value(m, term))
                except Exception:  # noqa: BLE001 - a show term may be unconstrained/abstract
                    cex[k] = str(m.eval(term, model_completion=True))
        else:
            status = "UNKNOWN"
        break
    res = Result(**base, status=status, seconds=time.perf_counter() - t0, goal=goal, counterexample=cex)
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


def _prove_index(args):
    idx, use_cache, bits, pattern = args
    lem = select(bits, pattern)[idx]
    return idx, prove(lem, use_cache)


def run_all(lemmas_sel: tuple, use_cache: bool = True, jobs: int = 0,
            progress: Callable[[Result], None] | None = None) -> list[Result]:
    """Prove the selection ``(bits, pattern)``; ``jobs`` processes (0 = cores)."""
    bits, pattern = lemmas_sel
    lems = select(bits, pattern)
    jobs = jobs or os.cpu_count() or 1
    results: list[Result | None] = [None] * len(lems)
    if jobs <= 1 or len(lems) <= 1:
        for i, lem in enumerate(lems):
            results[i] = prove(lem, use_cache)
            if progress:
                progress(results[i])
    else:
        # longest-first ordering is unknown; interleave cheap and costly families
        with ProcessPoolExecutor(max_workers=jobs) as ex:
            for i, res in ex.map(_prove_index, [(i, use_cache, tuple(bits) if bits else None, pattern)
                                                for i in range(len(lems))], chunksize=4):
                results[i] = res
                if progress:
                    progress(res)
    return [r for r in results if r is not None]
