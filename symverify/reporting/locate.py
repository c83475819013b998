"""Line numbers a report points at in a user's model file."""
from __future__ import annotations

import re
from pathlib import Path

_LAYER_HEAD = re.compile(r"\s*\[\[\s*layer\s*\]\]")


def toml_layer_lines(path: Path | str) -> list[int]:
    """1-based line of each ``[[layer]]`` table head, in file order (the i-th
    entry is the line of the i-th layer); [] if the file is not readable text."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return [i + 1 for i, line in enumerate(text.splitlines()) if _LAYER_HEAD.match(line)]


def shown_path(path: str) -> str:
    """``path`` relative to the working directory when it lies inside it
    (reports then name the same file on every machine), else unchanged."""
    p = Path(path)
    if not p.is_absolute():
        return p.as_posix()
    try:
        return p.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(p)
