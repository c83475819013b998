"""--json / --junit / --sarif: the SARIF validates against the official 2.1.0
schema, findings sit at file:line, JUnit parses (ElementTree and junitparser),
every JSON carries the run stamp."""
from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import junitparser
import pytest
from click.testing import CliRunner

from _sarif import validate_sarif
from symverify.cli import cli
from symverify.reporting import Case, Location, run_stamp
from symverify.reporting.adapters import mutate_cases
from symverify.reporting.emit import write_reports
from symverify.reporting.junit import merge_junit, to_junit
from symverify.reporting.locate import toml_layer_lines
from symverify.reporting.sarif import sarif_log, to_sarif_run
from symverify.reporting.stamp import git_revision

EX = Path(__file__).resolve().parents[1] / "examples"
STAMP_KEYS = {"tool", "version", "z3", "compiler", "git_revision", "tool_git_revision", "python", "created"}


def _bounds(*args):
    return CliRunner().invoke(cli, ["bounds", *map(str, args)])


def test_bounds_sarif_unsafe_layer_at_its_toml_line(tmp_path):
    sarif, junit, js = tmp_path / "b.sarif", tmp_path / "b.xml", tmp_path / "b.json"
    r = _bounds(EX / "mlp_int16_breaks.toml", "--sarif", sarif, "--junit", junit, "--json", js)
    assert r.exit_code == 1, r.output
    log = json.loads(sarif.read_text())
    validate_sarif(log)
    (run,) = log["runs"]
    (res,) = run["results"]  # fc1 overflows, fc2 is SAFE and not a finding
    assert res["ruleId"] == "accumulator-unsafe" and res["level"] == "error"
    lines = (EX / "mlp_int16_breaks.toml").read_text().splitlines()
    region = res["locations"][0]["physicalLocation"]["region"]
    assert lines[region["startLine"] - 1].strip() == "[[layer]]"
    assert lines[region["startLine"]].strip() == 'name = "fc1"'
    cex = res["properties"]["counterexample"]
    assert cex["c_replay"]["confirmed"] and cex["partial_sum_at_overflow"] > 2**31 - 1
    assert run["properties"] == {"cases": 2, "passed": 1, "failed": 1, "skipped": 0}
    assert run["invocations"][0]["executionSuccessful"] is False
    assert set(run["invocations"][0]["properties"]["stamp"]) == STAMP_KEYS

    root = ET.parse(junit).getroot()
    assert (root.get("tests"), root.get("failures")) == ("2", "1")
    failing = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failing] == ["fc1.forward"]
    assert failing[0].get("line") == str(region["startLine"])
    xml = junitparser.JUnitXml.fromfile(str(junit))
    suite = next(iter(xml))
    assert (suite.tests, suite.failures) == (2, 1)

    payload = json.loads(js.read_text())
    assert set(payload["stamp"]) == STAMP_KEYS and payload["records"][0]["status"] == "UNSAFE"


def test_bounds_safe_model_has_no_results_but_counts_cases(tmp_path):
    sarif = tmp_path / "s.sarif"
    r = _bounds(EX / "mlp_int12_safe.toml", "--sarif", sarif)
    assert r.exit_code == 0, r.output
    log = json.loads(sarif.read_text())
    validate_sarif(log)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["properties"]["cases"] > 0 and log["runs"][0]["properties"]["failed"] == 0


def test_the_validator_rejects_a_broken_log():
    log = sarif_log([to_sarif_run([Case("s", "n", "fail", "r", "m", location=Location("a.c", 3))], "x",
                                  run_stamp(), False)])
    validate_sarif(log)
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(log)
    del log["version"]
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(log)


def _fake_outcome():
    def mutant(uid, status, line, covered_by=()):
        m = SimpleNamespace(uid=uid, op="AOR", function="sym_mac", file="kernels/src/sym_linear.c", line=line,
                            col=5, end_line=line, end_col=9, diff=lambda: "- a + b\n+ a - b")
        r = SimpleNamespace(status=status, reason="why", covered=len(covered_by), covered_by=list(covered_by),
                            killer="requant/rt1" if status == "Killed" else None)
        return m, r
    pairs = [mutant("m1", "Killed", 10, ["v1"]), mutant("m2", "Survived", 42, ["v1", "v2"]),
             mutant("m3", "Ignored", 50)]
    return SimpleNamespace(selected=[m for m, _ in pairs], results={m.uid: r for m, r in pairs})


def test_surviving_mutant_is_a_sarif_error_at_file_line(tmp_path):
    cases = mutate_cases(_fake_outcome())
    assert [c.outcome for c in cases] == ["pass", "fail", "skip"]
    write_reports(cases, "mutate", False, tmp_path / "m.xml", tmp_path / "m.sarif")
    log = json.loads((tmp_path / "m.sarif").read_text())
    validate_sarif(log)
    errors = [r for r in log["runs"][0]["results"] if r["level"] == "error"]
    (err,) = errors
    loc = err["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "kernels/src/sym_linear.c", "uriBaseId": "SRCROOT"}
    assert loc["region"]["startLine"] == 42 and err["ruleId"] == "mutant-survived"
    assert [r["level"] for r in log["runs"][0]["results"]] == ["error"]  # the equivalent one is counted only
    assert log["runs"][0]["properties"]["skipped"] == 1
    root = ET.parse(tmp_path / "m.xml").getroot()
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("3", "1", "1")


def test_junit_merge_adds_the_counts():
    a = to_junit([Case("p", "x", "pass", "r"), Case("p", "y", "fail", "r", "bad")], "a")
    b = to_junit([Case("q", "z", "skip", "r", "eq")], "b")
    root = merge_junit([a, b], "check")
    assert [s.get("name") for s in root.findall("testsuite")] == ["p", "q"]
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("3", "1", "1")


def test_stamp_git_revision_in_and_outside_a_checkout(tmp_path):
    assert git_revision(tmp_path) == "unknown"
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "f").write_text("x")
    env = ["-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", *env, "-C", str(tmp_path), "add", "f"], check=True)
    subprocess.run(["git", *env, "-C", str(tmp_path), "commit", "-qm", "x"], check=True)
    head = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    assert git_revision(tmp_path) == head
    (tmp_path / "f").write_text("y")
    assert git_revision(tmp_path) == head + "-dirty"


def test_stamp_names_real_versions():
    import z3
    s = run_stamp()
    assert s["z3"] == z3.get_version_string() and s["version"] == __import__("symverify").__version__
    assert s["compiler"] != "unknown"


def test_report_file_in_missing_directory_is_a_usage_error(tmp_path):
    r = _bounds(EX / "mlp_int12_safe.toml", "--sarif", tmp_path / "no" / "x.sarif")
    assert r.exit_code == 2 and "--sarif" in r.output and "does not exist" in r.output


def test_toml_layer_lines(tmp_path):
    f = tmp_path / "m.toml"
    f.write_text('# c\n[[layer]]\nname = "a"\n\n  [[ layer ]]\nname = "b"\n[layer.meta]\n')
    assert toml_layer_lines(f) == [2, 5]
    assert toml_layer_lines(tmp_path / "absent.toml") == []


def test_no_encoding_layer_is_a_sarif_warning(tmp_path, monkeypatch):
    """A kind with an accumulator but no encoding (simulated: softmax
    declared one; the real kinds without one are float cores)."""
    from symverify.proofs import bounds as B

    monkeypatch.setattr(B, "KINDS_FLOAT_CORE", ())
    monkeypatch.setattr(B, "KINDS_WITHOUT_ENCODING", ("softmax",))
    model = tmp_path / "m.toml"
    model.write_text('[[layer]]\nname = "fc"\nkind = "linear"\nin_features = 4\nout_features = 3\n'
                     'x_bits = 12\nw_bits = 12\n\n[[layer]]\nname = "sm"\nkind = "softmax"\nx_bits = 12\n')
    sarif = tmp_path / "s.sarif"
    r = _bounds(model, "--sarif", sarif, "--no-replay")
    assert r.exit_code == 4, r.output
    log = json.loads(sarif.read_text())
    validate_sarif(log)
    (res,) = log["runs"][0]["results"]
    assert res["level"] == "warning" and res["ruleId"] == "accumulator-no-encoding"
    assert res["locations"][0]["physicalLocation"]["region"]["startLine"] == 9
    assert "softmax" in res["message"]["text"]


def test_check_joins_the_reports_of_its_parts(tmp_path):
    from symverify.commands.check import PartResult, write_check_reports
    part_dir = tmp_path / "parts"
    part_dir.mkdir()
    reports = {k: part_dir / f"bounds.{k}" for k in ("json", "junit", "sarif")}
    r = _bounds(EX / "mlp_int16_breaks.toml", *[a for k, p in reports.items() for a in (f"--{k}", p)])
    assert r.exit_code == 1
    parts = [PartResult("bounds", "symverify bounds", "FAIL", 1.5, 1, reports),
             PartResult("later", "symverify later", "MISSING", 0.0, None)]
    out = {k: tmp_path / f"check.{k}" for k in ("json", "junit", "sarif")}
    write_check_reports(parts, False, out["json"], out["junit"], out["sarif"])
    log = json.loads(out["sarif"].read_text())
    validate_sarif(log)
    assert [run["automationDetails"]["id"] for run in log["runs"]] == ["symverify/check/", "symverify/bounds/"]
    assert [res["ruleId"] for res in log["runs"][0]["results"]] == ["check-part-failed"]
    assert [res["ruleId"] for res in log["runs"][1]["results"]] == ["accumulator-unsafe"]
    root = ET.parse(out["junit"]).getroot()
    assert [s.get("name") for s in root.findall("testsuite")] == ["check", "bounds"]
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("4", "2", "1")
    payload = json.loads(out["json"].read_text())
    assert set(payload["stamp"]) == STAMP_KEYS and payload["ok"] is False
    assert payload["parts"][0]["report"]["records"][0]["status"] == "UNSAFE"
    assert payload["parts"][1]["report"] is None


def test_prove_junit_one_case_per_lemma_with_counterexamples(tmp_path):
    junit, sarif, js = tmp_path / "p.xml", tmp_path / "p.sarif", tmp_path / "p.json"
    r = CliRunner().invoke(cli, ["prove", "--bits", "12", "--lemma", "mac.*", "-j", "1", "--junit", str(junit),
                                 "--sarif", str(sarif), "--json", str(js)])
    assert r.exit_code == 0, r.output
    payload = json.loads(js.read_text())
    root = ET.parse(junit).getroot()
    cases = list(root.iter("testcase"))
    assert len(cases) == payload["summary"]["total"] > 0 and root.get("failures") == "0"
    assert {c.get("name") for c in cases} == {lem["id"] for lem in payload["lemmas"]}
    assert all(c.get("file", "").endswith("lemmas.py") and int(c.get("line")) > 1 for c in cases)
    assert set(payload["stamp"]) == STAMP_KEYS
    log = json.loads(sarif.read_text())
    validate_sarif(log)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["properties"]["passed"] == len(cases)


def test_goldgen_drift_is_a_sarif_error_at_the_vector_file(tmp_path):
    from symverify.goldgen import generate
    vec = tmp_path / "vectors"
    import shutil
    shutil.copytree(generate.vectors_dir(), vec)
    doc = json.loads((vec / "round.json").read_text())
    (vec / "round.json").write_text(json.dumps(doc, indent=1) + "\n")  # same data, other bytes: drift
    sarif, js = tmp_path / "g.sarif", tmp_path / "g.json"
    r = CliRunner().invoke(cli, ["goldgen", "--check", "--out", str(vec), "--no-diff", "--sarif", str(sarif),
                                 "--json", str(js)])
    assert r.exit_code == 1
    log = json.loads(sarif.read_text())
    validate_sarif(log)
    errors = {res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 1)[-1]
              for res in log["runs"][0]["results"]}
    assert "round.json" in errors and all(res["ruleId"] == "golden-drift" for res in log["runs"][0]["results"])
    payload = json.loads(js.read_text())
    assert payload["ok"] is False and {f["family"]: f["status"] for f in payload["families"]}["round"] == "drift"


def test_xtarget_junit_one_suite_per_core(tmp_path):
    import shutil
    if not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")):
        pytest.skip("needs gcc-arm-none-eabi and qemu-system-arm")
    junit, js = tmp_path / "x.xml", tmp_path / "x.json"
    r = CliRunner().invoke(cli, ["xtarget", "--cpu", "m0plus,m4", "--family", "round", "--junit", str(junit),
                                 "--json", str(js)])
    assert r.exit_code == 0, r.output
    root = ET.parse(junit).getroot()
    assert [s.get("name") for s in root.findall("testsuite")] == ["xtarget.m0plus", "xtarget.m4"]
    assert root.get("tests") == "2" and root.get("failures") == "0"
    assert set(json.loads(js.read_text())["stamp"]) == STAMP_KEYS


def test_a_report_on_stdout_moves_the_table_to_stderr():
    r = CliRunner().invoke(cli, ["bounds", str(EX / "mlp_int16_breaks.toml"), "--no-replay",
                                 "--sarif", "-"])
    assert r.exit_code == 1
    log = json.loads(r.stdout)  # nothing but the SARIF on stdout
    validate_sarif(log)
    assert "UNSAFE" in r.stderr
    r = _bounds(EX / "mlp_int16_breaks.toml", "--sarif", "-", "--junit", "-")
    assert r.exit_code == 2 and "only one report can go to stdout" in r.output
