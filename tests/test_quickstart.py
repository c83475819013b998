"""docs/quickstart.md, followed literally: every ```sh block after the
install block runs line by line from the repository root (in a scratch copy
of the paths it writes), and each command's exit code is the one the page
states (``# exit N``, else 0). The files it says to open must exist."""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from _sarif import validate_sarif

REPO = Path(__file__).resolve().parents[1]
PAGE = REPO / "docs" / "quickstart.md"


def steps() -> list[tuple[str, int]]:
    """(command line, expected exit code) of every sh block, in page order."""
    blocks = re.findall(r"```sh\n(.*?)```", PAGE.read_text(), flags=re.S)
    out = []
    for block in blocks:
        for line in block.splitlines():
            if not line.strip():
                continue
            cmd, _, comment = line.partition("  #")
            m = re.search(r"exit (\d+)", comment)
            out.append((cmd.strip(), int(m.group(1)) if m else 0))
    return out


def test_the_page_has_the_steps_it_promises():
    cmds = [c for c, _ in steps()]
    assert cmds[0].startswith("python3 -m pip install")
    words = [shlex.split(c)[:2] for c in cmds[1:]]
    assert ["symverify", "prove"] in words and ["symverify", "mutate"] in words
    assert ["symverify", "bounds"] in words and ["symverify", "goldgen"] in words


def _xtarget_ready() -> bool:
    return all(shutil.which(t) for t in ("arm-none-eabi-gcc", "qemu-system-arm"))


def test_follow_the_quickstart(tmp_path):
    if not _xtarget_ready() and not os.environ.get("SYMVERIFY_REQUIRE_XTARGET"):
        pytest.skip("the quickstart's Cortex-M step needs gcc-arm-none-eabi and qemu-system-arm")
    # the page's working directory: the checkout root, seen through a scratch directory so that
    # what the page writes (reports/) does not land in the repository
    work = tmp_path / "checkout"
    work.mkdir()
    for entry in REPO.iterdir():
        if entry.name not in ("reports", ".git"):
            (work / entry.name).symlink_to(entry)
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
    for cmd, expected in steps()[1:]:
        argv = shlex.split(cmd)
        if argv[0] == "symverify":
            argv = [sys.executable, "-m", "symverify", *argv[1:]]
        proc = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=900)
        assert proc.returncode == expected, f"{cmd}: exit {proc.returncode}\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
    emitted = {p.name for p in (work / "reports" / "unity").iterdir()}
    assert {"test_sv_round.c", "sv_adapter.c"} <= emitted
    # step 4 opens these
    page = (work / "reports" / "mutants.html").read_text()
    assert "<mutation-test-report-app" in page and "mutation-testing-elements@" in page
    validate_sarif(json.loads((work / "reports" / "mutants.sarif").read_text()))
    bounds = json.loads((work / "reports" / "bounds.sarif").read_text())
    validate_sarif(bounds)
    assert [r["ruleId"] for r in bounds["runs"][0]["results"]] == ["accumulator-unsafe"]
