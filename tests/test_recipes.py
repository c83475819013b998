"""The CI recipes are real: every symverify command in .pre-commit-hooks.yaml
and in the workflow of docs/ci.md parses with the real CLI, and the wheel
ships py.typed and the vendored report viewer."""
from __future__ import annotations

import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import click
import pytest
import yaml

from symverify.cli import cli

REPO = Path(__file__).resolve().parents[1]


def _parses(line: str) -> None:
    """Parse ``symverify CMD ...`` with the real click command (options,
    types and callbacks such as the output-file checks), without running it."""
    words = shlex.split(line)
    assert words[0] == "symverify", line
    cmd = cli.commands[words[1]]
    with cmd.make_context(words[1], words[2:]) as ctx:
        assert ctx.params is not None


def test_pre_commit_hooks(tmp_path, monkeypatch):
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    ids = [h["id"] for h in hooks]
    assert ids == ["symverify-goldgen-check", "symverify-prove", "symverify-mutate-since"]
    for h in hooks:
        assert set(h) >= {"id", "name", "entry", "language", "files"} and h["language"] == "python"
        assert h["pass_filenames"] is False
        re.compile(h["files"])
        _parses(h["entry"])
    assert "--since" in hooks[2]["entry"] and "--check" in hooks[0]["entry"]


def test_a_bad_option_would_fail_the_parse():
    with pytest.raises(click.UsageError):
        _parses("symverify mutate --sincе HEAD")  # a Cyrillic e: not the option


def test_ci_workflow_commands(tmp_path, monkeypatch):
    text = (REPO / "docs" / "ci.md").read_text()
    workflows = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, flags=re.S)]
    wf = next(w for w in workflows if isinstance(w, dict) and "jobs" in w)
    steps = wf["jobs"]["verify"]["steps"]
    runs = [s["run"] for s in steps if "run" in s and s["run"].startswith("symverify ")]
    assert len(runs) >= 4
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reports").mkdir()  # the workflow's `mkdir -p reports`
    for line in runs:
        _parses(line)
    uploads = [s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif")]
    assert uploads and uploads[0]["with"]["sarif_file"] == "reports"
    hooks_cfg = next(w for w in workflows if isinstance(w, dict) and "repos" in w)
    assert [h["id"] for h in hooks_cfg["repos"][0]["hooks"]] == [
        h["id"] for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())]


@pytest.mark.slow
def test_wheel_ships_py_typed_and_the_viewer(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                           "-w", str(tmp_path), str(REPO)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (wheel,) = tmp_path.glob("symverify-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "symverify/py.typed" in names
    assert "symverify/mutants/vendor/mutation-testing-elements/mutation-test-elements.js" in names
    assert "symverify/mutants/vendor/mutation-testing-elements/LICENSE" in names
    assert "symverify/reporting/sarif.py" in names
