"""Each command's results as :class:`Case` lists (one job: the mapping; the
writers in junit.py / sarif.py know nothing of lemmas, layers or mutants)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .cases import Case, Location
from .locate import toml_layer_lines


def _lemma_lines() -> tuple[str, dict[str, int]]:
    """proofs/lemmas.py and the line where each lemma name is first declared."""
    from symverify.proofs import lemmas

    path = Path(lemmas.__file__)
    lines: dict[str, int] = {}
    for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for m in re.finditer(r'Lemma\(\s*f?"([^"{]+)', text):
            lines.setdefault(m.group(1), i)
    return str(path), lines


def prove_cases(results: list[Any]) -> list[Case]:
    """One case per lemma result (symverify.proofs.runner.Result): pass when it
    has its expected outcome, at the line of proofs/lemmas.py that declares
    it; the counterexample goes into the properties."""
    path, lines = _lemma_lines()
    out = []
    for r in results:
        props: dict[str, Any] = {"status": r.status, "expected": r.expect, "bits": r.bits, "mode": r.mode,
                                 "encoding": r.encoding}
        if r.counterexample:
            props["counterexample"] = r.counterexample
        if r.goal:
            props["goal"] = r.goal
        msg = "" if r.ok else f"lemma {r.id}: {r.status}, expected {r.expect}" + (f" ({r.goal})" if r.goal else "")
        out.append(Case("prove", r.id, "pass" if r.ok else "fail", "lemma-unexpected", msg, r.seconds,
                        location=Location(path, lines.get(r.name)), properties=props))
    return out


def bounds_cases(records: list[dict], model: Path | str, layer_lines: list[int] | None = None) -> list[Case]:
    """One case per bounds record: SAFE pass, UNSAFE fail at the model file's
    ``[[layer]]`` line (its counterexample in the properties), FLOAT_CORE pass
    (no integer accumulator to overflow), NO_ENCODING skip.
    ``layer_lines`` maps a layer's index to its line (default: read from a TOML model)."""
    lines = toml_layer_lines(model) if layer_lines is None else layer_lines
    index: dict[str, int] = {}
    for rec in records:
        index.setdefault(rec["layer"], len(index))
    out = []
    for rec in records:
        i = index[rec["layer"]]
        loc = Location(str(model), lines[i] if i < len(lines) else None)
        name = f"{rec['layer']}.{rec['accumulator'] or rec['kind']}"
        props = {k: rec.get(k) for k in ("kind", "status", "fan_in", "operand_bits", "worst_case", "margin",
                                         "max_safe_fan_in") if rec.get(k) is not None}
        if rec.get("source"):
            props["source"] = rec["source"]
        st = rec["status"]
        if st in ("SAFE", "FLOAT_CORE"):
            out.append(Case("bounds", name, "pass", "accumulator-unsafe", location=loc, properties=props))
        elif st == "UNSAFE":
            props["counterexample"] = rec.get("counterexample")
            msg = (f"layer {rec['layer']!r} accumulator {rec['accumulator']}: fan-in {rec.get('fan_in')} > "
                   f"largest safe fan-in {rec['max_safe_fan_in']} for operand bits "
                   f"{rec.get('operand_bits')}: int32 overflow")
            out.append(Case("bounds", name, "fail", "accumulator-unsafe", msg, location=loc, properties=props))
        else:
            out.append(Case("bounds", name, "skip", "accumulator-no-encoding",
                            f"layer {rec['layer']!r} kind {rec['kind']!r}: {rec.get('note', '')}", location=loc,
                            properties=props, level="warning"))
    return out


def mutate_cases(outcome: Any) -> list[Case]:
    """One case per selected mutant: Killed/Timeout pass, Survived /
    RuntimeError fail at file:line, equivalent / not compilable skip."""
    out = []
    for m in outcome.selected:
        r = outcome.results[m.uid]
        loc = Location(m.file, m.line, m.col, m.end_line, m.end_col)
        props: dict[str, Any] = {"operator": m.op, "function": m.function, "status": r.status,
                                 "diff": m.diff(), "covered_by": list(r.covered_by or [])[:10]}
        if r.status in ("Killed", "Timeout"):
            props["killed_by"] = r.killer
            out.append(Case("mutate", m.uid, "pass", "mutant-survived", location=loc, properties=props))
        elif r.status in ("Survived", "NoCoverage"):
            reach = (f"reached by {r.covered} golden vector(s)" if r.covered_by else "no golden vector reaches it")
            out.append(Case("mutate", m.uid, "fail", "mutant-survived",
                            f"mutant {m.uid} ({m.op}) survived in {m.function}: {m.diff()}; {reach}",
                            location=loc, properties=props))
        elif r.status == "RuntimeError":
            out.append(Case("mutate", m.uid, "fail", "mutant-error", f"mutant {m.uid}: {r.reason}",
                            location=loc, properties=props))
        else:
            out.append(Case("mutate", m.uid, "skip", "mutant-survived", f"{r.status}: {r.reason}",
                            location=loc, properties=props, level="note"))
    return out


def goldgen_cases(report: list[Any], target: Path) -> list[Case]:
    """One case per vector family row of ``goldgen --check``."""
    failed = ("drift", "missing", "mixed", "stale")
    out = []
    for item in report:
        f = target / f"{item.family}.json"
        loc = Location(str(f if f.exists() else target / item.family))
        bad = item.status in failed
        out.append(Case("goldgen", item.family, "fail" if bad else "pass", "golden-drift",
                        f"golden vectors {item.family}: {item.status}" if bad else "", location=loc,
                        properties={"status": item.status, "vectors": item.vectors,
                                    **({"diff": item.diff[:4000]} if bad and item.diff else {})}))
    return out


def xtarget_cases(results: list[Any]) -> list[Case]:
    """One case per (core, family) QEMU run, at the family's golden C header."""
    from symverify.goldgen.generate import vectors_dir

    out = []
    for r in results:
        problems = r.problems()
        header = vectors_dir() / f"{r.family}.h"
        out.append(Case(f"xtarget.{r.core}", r.family, "pass" if r.ok else "fail", "xtarget-mismatch",
                        f"{r.core}/{r.family}: " + "; ".join(problems) if problems else "", r.seconds,
                        location=Location(str(header)) if header.is_file() else None,
                        properties={"run": r.run, "matched": r.passed, "failures": r.failures[:20]}))
    return out
