"""Option checks shared by the commands, run by click before any work starts
(a bad value is a usage error: exit 2, naming the option and the value)."""
from __future__ import annotations

import os
from pathlib import Path

import click


def output_file(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """click callback for a FILE an option writes: refuse now, not after the
    whole run, a path whose directory is missing or not writable, or that is a
    directory. ``-`` (stdout) and None pass through."""
    if value is None or str(value) == "-":
        return value
    path = Path(value)
    if path.is_dir():
        raise click.BadParameter(f"{str(path)!r} is a directory, expected a file path", ctx, param)
    parent = path.parent
    if not parent.is_dir():
        what = "is not a directory" if parent.exists() else "does not exist"
        raise click.BadParameter(f"cannot write {str(path)!r}: directory {str(parent)!r} {what}", ctx, param)
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise click.BadParameter(f"cannot write {str(path)!r}: permission denied", ctx, param)
    return path


def writable_dir(path: Path, option: str) -> None:
    """Refuse (exit 2) a directory the command would create or write into if
    its nearest existing ancestor is not a writable directory."""
    probe = Path(path).absolute()
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise click.BadParameter(f"cannot write into {str(path)!r}: {str(probe)!r} is not a directory",
                                 param_hint=f"'{option}'")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise click.BadParameter(f"cannot write into {str(path)!r}: permission denied on {str(probe)!r}",
                                 param_hint=f"'{option}'")
