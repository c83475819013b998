"""The lemma record types of the catalog (proofs/lemmas.py, proofs/intreq_lemmas.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

DOCS = "docs/proofs.md"
HA = "half_away"  # steps.HA (steps imports z3 terms; this module stays plain)


@dataclass
class Goal:
    label: str
    goal: Any
    extra: list = field(default_factory=list)


@dataclass
class Query:
    pre: list
    goals: list
    show: dict = field(default_factory=dict)
    witness: dict | None = None  # term -> value (guided counterexample)
    #: custom decision procedure (exhaustive enumeration): () -> (status, counterexample)
    check: Callable[[], tuple] | None = None
    #: solver factory (timeout in ms -> solver) where the default solver is too slow
    solver: Callable[[int], Any] | None = None


@dataclass
class Lemma:
    name: str
    bits: int | None
    mode: str | None
    expect: str  # "PROVEN" | "COUNTEREXAMPLE"
    statement: str
    build: Callable[[], Query]
    doc: str
    encoding: str  # exact | real | int
    replay: str | None = None  # how a counterexample is replayed on C
    params: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        parts = [f"b={self.bits}"] if self.bits is not None else []
        parts += [f"{k}={v}" for k, v in self.params.items()]
        if self.mode:
            parts.append("HA" if self.mode == HA else "SR")
        return f"{self.name}[{','.join(parts)}]" if parts else self.name

    @property
    def doc_link(self) -> str:
        return f"{DOCS}#{self.doc}"
