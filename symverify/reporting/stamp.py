"""The run stamp every JSON output carries: which tool, solver, compiler and
source revision produced it, so a stored report can be traced and compared."""
from __future__ import annotations

import platform
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

UNKNOWN = "unknown"


def git_revision(where: Path | None = None) -> str:
    """``git rev-parse HEAD`` of the checkout holding ``where`` (default: the
    working directory), with ``-dirty`` if tracked files differ; "unknown"
    outside a checkout."""
    root = Path(where) if where is not None else Path.cwd()
    try:
        rev = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10, check=False)
        if rev.returncode != 0:
            return UNKNOWN
        dirty = subprocess.run(["git", "-C", str(root), "diff", "--quiet", "HEAD", "--"], capture_output=True,
                               timeout=10, check=False).returncode == 1
    except (OSError, subprocess.TimeoutExpired):
        return UNKNOWN
    return rev.stdout.strip() + ("-dirty" if dirty else "")


def z3_version() -> str:
    """The z3-solver version string, or "unknown" if z3 cannot be imported."""
    try:
        import z3
    except ImportError:
        return UNKNOWN
    return z3.get_version_string()


def compiler_version() -> str:
    """First line of ``cc --version`` of the compiler the kernels are built with."""
    from symverify import build

    try:
        return build.compiler_version(build.find_compiler()) or UNKNOWN
    except (OSError, RuntimeError):
        return UNKNOWN


def run_stamp() -> dict[str, Any]:
    """``{"tool", "version", "z3", "compiler", "git_revision", "tool_git_revision", "python", "created"}``:
    ``git_revision`` is the checkout the command ran in (the user's project),
    ``tool_git_revision`` the one symverify itself is installed from (editable
    installs; "unknown" for a wheel)."""
    from symverify import __version__

    return {"tool": "symverify", "version": __version__, "z3": z3_version(), "compiler": compiler_version(),
            "git_revision": git_revision(),
            "tool_git_revision": git_revision(Path(__file__).resolve().parent), "python": platform.python_version(),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds")}
