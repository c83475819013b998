"""benchmarks/compare_mutate_reports.py: two reports compare equal only when
every mutant id has the same status in both."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

_SPEC = importlib.util.spec_from_file_location(
    "compare_mutate_reports", Path(__file__).resolve().parents[1] / "benchmarks" / "compare_mutate_reports.py")
assert _SPEC and _SPEC.loader
cmp = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(cmp)


def _report(path: Path, statuses: dict[str, str]) -> Path:
    mutants = [{"id": uid, "status": st, "statusReason": "r"} for uid, st in statuses.items()]
    path.write_text(json.dumps({"files": {"kernels/src/a.c": {"mutants": mutants}}}))
    return path


def test_same_statuses_compare_equal(tmp_path: Path) -> None:
    a = _report(tmp_path / "a.json", {"m1": "Killed", "m2": "Ignored"})
    b = _report(tmp_path / "b.json", {"m2": "Ignored", "m1": "Killed"})
    assert cmp.main([str(a), str(b)]) == 0


def test_a_changed_or_missing_mutant_is_listed(tmp_path: Path, capsys) -> None:
    a = _report(tmp_path / "a.json", {"m1": "Killed", "m2": "Timeout", "m3": "Killed"})
    b = _report(tmp_path / "b.json", {"m1": "Killed", "m2": "Killed"})
    assert cmp.main([str(a), str(b)]) == 1
    out = capsys.readouterr().out
    assert "m2: Timeout -> Killed" in out and "m3: Killed -> (absent)" in out and "m1:" not in out


def test_a_file_that_is_no_report_is_exit_3(tmp_path: Path, capsys) -> None:
    a = _report(tmp_path / "a.json", {"m1": "Killed"})
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    assert cmp.main([str(a), str(bad)]) == 3
    assert "bad.json" in capsys.readouterr().err
