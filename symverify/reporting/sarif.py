"""SARIF 2.1.0 (OASIS) for code-scanning UIs: one result per failed or
not-claimed case, at its file:line, with the case's properties (counterexample,
seed, replay) in ``result.properties`` so the UI shows what to reproduce."""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .cases import Case
from .locate import shown_path

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
VERSION = "2.1.0"

#: SARIF rule id -> (short description, help text)
RULES: dict[str, tuple[str, str]] = {
    "mutant-survived": ("A kernel mutant survived the gold suite",
                        "No golden vector tells the mutated kernel from the shipped one: add a fixture that "
                        "kills it, or record it in mutants/equivalent.toml with a proof (docs/mutation.md)."),
    "mutant-error": ("A mutant run crashed the replayer", "See docs/mutation.md."),
    "accumulator-unsafe": ("A layer accumulator can overflow int32",
                           "The fan-in exceeds the largest safe fan-in for the operand widths; the "
                           "counterexample overflows the C kernel (docs/proofs.md#mac-fan-in)."),
    "accumulator-no-encoding": ("A layer kind has no accumulator encoding",
                                "Nothing is claimed for this layer (docs/proofs.md)."),
    "unsupported-op": ("A model operator has no SYM layer kind", "See docs/ci.md#bounds-from-onnx-and-pytorch."),
    "lemma-unexpected": ("A step lemma did not have its expected outcome", "See docs/proofs.md."),
    "golden-drift": ("Golden vectors drifted from the emulator",
                     "Review the diff; if intended, run `symverify goldgen` and commit the vectors."),
    "xtarget-mismatch": ("A golden vector is not bit-exact on a Cortex-M core", "See docs/cortex-m.md."),
    "check-part-failed": ("A part of `symverify check` failed", "Its own report names the failure."),
}


def _rule(rule_id: str) -> dict[str, Any]:
    short, help_text = RULES.get(rule_id, (rule_id, rule_id))
    return {"id": rule_id, "name": rule_id.replace("-", " ").title().replace(" ", ""),
            "shortDescription": {"text": short}, "help": {"text": help_text}}


def artifact_location(path: str) -> dict[str, str]:
    """A relative path stays relative to SRCROOT (the directory symverify ran
    in); an absolute one becomes relative to it if inside, else a file: URI."""
    shown = Path(shown_path(path))
    if shown.is_absolute():
        return {"uri": shown.resolve().as_uri()}
    return {"uri": shown.as_posix(), "uriBaseId": "SRCROOT"}


def _location(c: Case) -> dict[str, Any]:
    loc = c.location
    assert loc is not None
    phys: dict[str, Any] = {"artifactLocation": artifact_location(loc.path)}
    if loc.line is not None:
        region: dict[str, Any] = {"startLine": loc.line}
        if loc.column is not None:
            region["startColumn"] = max(1, loc.column)
        if loc.end_line is not None:
            region["endLine"] = loc.end_line
            if loc.end_column is not None:
                region["endColumn"] = max(1, loc.end_column)
        phys["region"] = region
    elif Path(loc.path).is_file():  # a binary file (an ONNX model): the whole artifact
        phys["region"] = {"byteOffset": 0, "byteLength": Path(loc.path).stat().st_size}
    return {"physicalLocation": phys}


def _result(c: Case, rule_index: int) -> dict[str, Any]:
    res: dict[str, Any] = {"ruleId": c.rule, "ruleIndex": rule_index, "level": c.level,
                           "message": {"text": c.message or c.name},
                           "properties": {"case": f"{c.suite}/{c.name}", **c.properties}}
    if c.location is not None:
        res["locations"] = [_location(c)]
    return res


def to_sarif_run(cases: Iterable[Case], command: str, stamp: dict[str, Any], ok: bool) -> dict[str, Any]:
    """One SARIF ``run`` of ``command``: a result per failed case and per
    skipped case of level "warning" (nothing claimed where a claim was asked,
    e.g. a layer without an encoding); passing cases and "note" skips (an
    equivalent mutant) are counted in the run properties, not listed."""
    cases = list(cases)
    findings = [c for c in cases if c.outcome == "fail" or (c.outcome == "skip" and c.level == "warning")]
    rule_ids: list[str] = []
    for c in findings:
        if c.rule not in rule_ids:
            rule_ids.append(c.rule)
    return {
        "tool": {"driver": {"name": "symverify", "version": stamp.get("version", "unknown"),
                            "rules": [_rule(r) for r in rule_ids]}},
        "automationDetails": {"id": f"symverify/{re.sub(r'[^A-Za-z0-9_.-]+', '-', command)}/"},
        "originalUriBaseIds": {"SRCROOT": {"description": {"text": "the repository root (or the directory "
                                                                   "symverify ran in)"}}},
        "invocations": [{"executionSuccessful": ok, "commandLine": f"symverify {command}",
                         "properties": {"stamp": stamp}}],
        "results": [_result(c, rule_ids.index(c.rule)) for c in findings],
        "properties": {"cases": len(cases), "passed": sum(c.outcome == "pass" for c in cases),
                       "failed": sum(c.outcome == "fail" for c in cases),
                       "skipped": sum(c.outcome == "skip" for c in cases)},
    }


def sarif_log(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The top-level SARIF 2.1.0 log over ``runs``."""
    return {"$schema": SCHEMA_URI, "version": VERSION, "runs": runs}
