"""Consoles and progress for both audiences: a rich bar and a terminal-wide
table on a TTY; on a CI log (not a TTY) plain progress lines at least every
``PLAIN_INTERVAL`` seconds and tables at their natural width, never cut to 80."""
from __future__ import annotations

import contextvars
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import IO, Any

from rich.console import Console
from rich.progress import Progress

#: seconds between two plain progress lines at most (CI logs show the run is alive)
PLAIN_INTERVAL = 10.0
#: width of a non-TTY console when $COLUMNS is not set: wide enough that no table is cut
LOG_WIDTH = 240


#: True while a report is written to stdout ('-'): every console then prints to stderr
STDOUT_IS_REPORT: contextvars.ContextVar[bool] = contextvars.ContextVar("STDOUT_IS_REPORT", default=False)


def make_console(stderr: bool = False) -> Console:
    """A rich Console; when its stream is not a terminal and $COLUMNS is not
    set, it is LOG_WIDTH wide instead of rich's 80-column default. While a
    report goes to stdout (``--sarif -``) the console prints to stderr."""
    stderr = stderr or STDOUT_IS_REPORT.get()
    probe = Console(stderr=stderr)
    if probe.is_terminal or os.environ.get("COLUMNS"):
        return probe
    return Console(stderr=stderr, width=LOG_WIDTH)


class PlainProgress:
    """The subset of rich.progress.Progress the commands use (context manager,
    ``add_task``, ``update``), printing one plain line
    ``LABEL: done/total (pct) description, elapsed Ns`` to ``stream`` whenever
    ``interval`` seconds have passed since the last line. A daemon thread polls
    every ``tick`` seconds so a long step with no update still gets its line;
    ``clock`` and ``start_thread=False`` let a test drive it without sleeping."""

    def __init__(self, label: str, stream: IO[str] | None = None, interval: float = PLAIN_INTERVAL,
                 clock: Callable[[], float] = time.monotonic, tick: float = 1.0, start_thread: bool = True,
                 disable: bool = False) -> None:
        self.label, self.stream, self.interval, self.clock, self.tick = label, stream, interval, clock, tick
        self.start_thread, self.disable = start_thread, disable
        self.tasks: dict[int, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0 = self._last = 0.0

    def __enter__(self) -> PlainProgress:
        self._t0 = self._last = self.clock()
        if self.start_thread and not self.disable:
            self._thread = threading.Thread(target=self._run, name="symverify-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2 * self.tick)
        if not self.disable and any(t["completed"] for t in self.tasks.values()):
            self._emit()

    def add_task(self, description: str, total: float | None = None, **_: Any) -> int:
        """Register a task; returns its id."""
        with self._lock:
            tid = len(self.tasks)
            self.tasks[tid] = {"description": description, "total": total, "completed": 0.0}
            return tid

    def update(self, task: int, advance: float = 0, description: str | None = None, **_: Any) -> None:
        """Advance ``task``; prints a line if one is due."""
        with self._lock:
            t = self.tasks[task]
            t["completed"] += advance
            if description is not None:
                t["description"] = description
        self.poll()

    def poll(self) -> bool:
        """Print a line if ``interval`` has passed since the last one; True if printed."""
        if self.disable or self.clock() - self._last < self.interval:
            return False
        self._emit()
        return True

    def line(self) -> str:
        """The current progress line (no newline)."""
        with self._lock:
            parts = []
            for t in self.tasks.values():
                done, total = int(t["completed"]), t["total"]
                count = f"{done}/{int(total)} ({100.0 * done / total:.0f}%)" if total else f"{done} done"
                parts.append(count + (f" {t['description']}" if t["description"] else ""))
        return f"{self.label}: {'; '.join(parts) or 'starting'}, elapsed {self.clock() - self._t0:.0f}s"

    def _emit(self) -> None:
        self._last = self.clock()
        stream = self.stream if self.stream is not None else sys.stderr
        stream.write(self.line() + "\n")
        stream.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.tick):
            self.poll()


def make_progress(console: Console, label: str, *columns: Any, disable: bool = False,
                  transient: bool = True) -> Progress | PlainProgress:
    """A rich Progress with ``columns`` on a terminal, else a PlainProgress on stderr."""
    if console.is_terminal:
        return Progress(*columns, console=console, disable=disable, transient=transient)
    return PlainProgress(label, disable=disable)
