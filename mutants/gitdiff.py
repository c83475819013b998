"""Lines changed since a git revision, for ``--since`` on any directory."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Iterable

from .engine import RevisionError


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


def changed_lines(rev: str, cwd: Path, paths: Iterable[str]) -> dict[str, set[int]]:
    """Lines (new numbering) of ``paths`` (relative to ``cwd``) changed since
    ``rev``, working tree included; untracked files count as wholly changed.
    RevisionError if ``cwd`` is no git checkout or ``rev`` no commit."""
    paths = list(paths)
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    if top.returncode != 0:
        raise RevisionError(f"--since {rev}: {cwd} is not inside a git checkout ({top.stderr.strip()})")
    ok = None if rev.startswith("-") else _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd)
    if ok is None or ok.returncode != 0:
        raise RevisionError(f"--since: {rev!r} is not a git revision of {top.stdout.strip()}")
    out = _git(["diff", "-U0", "--relative", rev, "--", *paths], cwd)
    if out.returncode != 0:
        raise RevisionError(f"--since: git diff {rev} failed: {out.stderr.strip()}")
    changed: dict[str, set[int]] = {}
    current = None
    for line in out.stdout.splitlines():
        if line.startswith("+++ "):
            current = line[6:] if line.startswith("+++ b/") else None
        elif line.startswith("@@") and current:
            m = re.match(r"@@ -\S+ \+(\d+)(?:,(\d+))? @@", line)
            if m:
                start, count = int(m.group(1)), int(m.group(2) or 1)
                changed.setdefault(current, set()).update(range(start, start + max(count, 1)))
    for rel in _git(["ls-files", "--others", "--exclude-standard", "--", *paths], cwd).stdout.split():
        p = cwd / rel
        changed[rel] = set(range(1, len(p.read_text(errors="replace").splitlines()) + 1)) if p.is_file() else set()
    return changed
