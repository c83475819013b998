"""The --json / --junit / --sarif options and their writers, shared by the
commands. Files are written whole (a temporary file in the same directory,
then renamed), so a killed run never leaves half a report."""
from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..commands.options import output_file
from .cases import Case
from .console import STDOUT_IS_REPORT
from .junit import junit_text, to_junit
from .sarif import sarif_log, to_sarif_run
from .stamp import run_stamp

F = TypeVar("F", bound=Callable[..., Any])


def report_options(func: F) -> F:
    """Add ``--junit FILE`` and ``--sarif FILE`` (checked before any work, like
    --json). At most one of --json/--junit/--sarif may be '-' (stdout); when
    one is, the command's terminal output goes to stderr."""
    inner = func

    @functools.wraps(inner)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        dashes = [k for k, v in kwargs.items() if k.endswith(("_file", "_path")) and v is not None and str(v) == "-"]
        if len(dashes) > 1:
            raise click.UsageError(f"only one report can go to stdout ('-'), got {len(dashes)}: "
                                   + ", ".join("--" + d.rsplit("_", 1)[0] for d in dashes))
        token = STDOUT_IS_REPORT.set(bool(dashes))
        try:
            return inner(*args, **kwargs)
        finally:
            STDOUT_IS_REPORT.reset(token)

    func = wrapper  # type: ignore[assignment]
    func = click.option("--sarif", "sarif_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        callback=output_file,
                        help="Write a SARIF 2.1.0 log of the findings (file:line) to FILE ('-' for stdout).")(func)
    func = click.option("--junit", "junit_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        callback=output_file, help="Write a JUnit XML report to FILE ('-' for stdout).")(func)
    return func


def write_text(path: Path | str, text: str) -> None:
    """Write ``text`` to ``path`` atomically ('-': stdout)."""
    if str(path) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 is for the temporary only
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path | str, payload: dict[str, Any], stamp: dict[str, Any] | None = None) -> None:
    """Write ``payload`` with its ``stamp`` key (the run stamp unless given) as JSON."""
    body = {"stamp": stamp if stamp is not None else run_stamp(), **{k: v for k, v in payload.items() if k != "stamp"}}
    write_text(path, json.dumps(body, indent=2, default=str) + "\n")


def write_reports(cases: Iterable[Case], command: str, ok: bool, junit_file: Path | None,
                  sarif_file: Path | None, stamp: dict[str, Any] | None = None) -> None:
    """Write the JUnit and SARIF files that were asked for (None: not asked)."""
    if junit_file is None and sarif_file is None:
        return
    cases = list(cases)
    stamp = stamp if stamp is not None else run_stamp()
    if junit_file is not None:
        root = to_junit(cases, f"symverify {command}")
        root.set("timestamp", stamp["created"])
        write_text(junit_file, junit_text(root))
    if sarif_file is not None:
        log = sarif_log([to_sarif_run(cases, command, stamp, ok)])
        write_text(sarif_file, json.dumps(log, indent=2, default=str) + "\n")


def read_junit(path: Path) -> ET.Element:
    """Parse a JUnit file a child command wrote."""
    return ET.parse(path).getroot()
