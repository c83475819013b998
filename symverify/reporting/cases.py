"""One checked item of a run (a lemma, a layer accumulator, a mutant, a vector
family, a core/family run): the common input of the JUnit and SARIF writers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Case outcomes: "pass" held, "fail" a check failed, "skip" nothing was
#: claimed (e.g. an equivalent mutant, a layer kind without an encoding).
OUTCOMES = ("pass", "fail", "skip")


@dataclass(frozen=True)
class Location:
    """A place in a file: ``path`` relative to the repository (or as the user
    gave it), ``line`` 1-based or None when the file has no lines (a binary model)."""

    path: str
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None


@dataclass
class Case:
    """One result. ``suite`` groups cases (JUnit testsuite, SARIF rule prefix),
    ``rule`` is the SARIF rule id of a failure (e.g. "mutant-survived"),
    ``message`` says what failed in one line, ``properties`` carries the
    details a reader needs to reproduce it (counterexamples, seeds)."""

    suite: str
    name: str
    outcome: str
    rule: str
    message: str = ""
    seconds: float = 0.0
    location: Location | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    level: str = "error"  # SARIF level of a failure: error | warning | note

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"Case.outcome = {self.outcome!r}: must be one of {', '.join(OUTCOMES)}")
        if self.level not in ("error", "warning", "note"):
            raise ValueError(f"Case.level = {self.level!r}: must be error, warning or note")
