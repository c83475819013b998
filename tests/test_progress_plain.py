"""Non-TTY output: a plain progress line at least every 10 s (fake clock, no
sleeping) and tables at their natural width instead of rich's 80 columns."""
from __future__ import annotations

import io
import re

from click.testing import CliRunner
from rich.progress import Progress
from rich.table import Table

from symverify.cli import cli
from symverify.reporting.console import LOG_WIDTH, PLAIN_INTERVAL, PlainProgress, make_console, make_progress


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _slow_job(progress: PlainProgress, clock: FakeClock, steps: int, seconds_per_step: float) -> list[float]:
    """A job whose steps each take ``seconds_per_step`` fake seconds; the
    polling thread is simulated by a poll every fake second. Returns the fake
    times at which a line was printed."""
    printed = []
    task = progress.add_task("", total=steps)
    for i in range(steps):
        for _ in range(int(seconds_per_step)):
            clock.now += 1.0
            if progress.poll():
                printed.append(clock.now)
        progress.update(task, advance=1, description=f"step {i}")
    return printed


def test_a_line_at_least_every_interval_during_a_slow_job():
    clock, out = FakeClock(), io.StringIO()
    with PlainProgress("mutants", stream=out, clock=clock, start_thread=False) as p:
        printed = _slow_job(p, clock, steps=7, seconds_per_step=7)  # 49 s, the silent run of the issue
    assert len(printed) >= 4
    gaps = [b - a for a, b in zip([1000.0] + printed, printed + [clock.now])]
    assert max(gaps) <= PLAIN_INTERVAL
    lines = out.getvalue().splitlines()
    assert lines[0] == "mutants: 1/7 (14%) step 0, elapsed 10s"
    assert lines[-1] == "mutants: 7/7 (100%) step 6, elapsed 49s"  # the closing line on exit
    assert all(re.fullmatch(r"mutants: \d/7 \(\d+%\) step \d, elapsed \d+s", ln) for ln in lines)


def test_a_step_longer_than_the_interval_still_gets_lines():
    clock, out = FakeClock(), io.StringIO()
    with PlainProgress("proving", stream=out, clock=clock, start_thread=False) as p:
        printed = _slow_job(p, clock, steps=1, seconds_per_step=35)
    assert printed == [1010.0, 1020.0, 1030.0]
    assert out.getvalue().splitlines()[0] == "proving: 0/1 (0%), elapsed 10s"


def test_quick_job_prints_only_the_closing_line():
    clock, out = FakeClock(), io.StringIO()
    with PlainProgress("x", stream=out, clock=clock, start_thread=False) as p:
        _slow_job(p, clock, steps=3, seconds_per_step=1)
    assert out.getvalue() == "x: 3/3 (100%) step 2, elapsed 3s\n"


def test_disabled_prints_nothing():
    clock, out = FakeClock(), io.StringIO()
    with PlainProgress("x", stream=out, clock=clock, start_thread=False, disable=True) as p:
        _slow_job(p, clock, steps=3, seconds_per_step=20)
    assert out.getvalue() == ""


def test_unknown_total():
    clock, out = FakeClock(), io.StringIO()
    with PlainProgress("mutants", stream=out, clock=clock, start_thread=False) as p:
        t = p.add_task("", total=None)
        p.update(t, advance=5, description="killed 5 survived 0")
        clock.now += 11
        assert p.poll()
    assert out.getvalue().splitlines()[0] == "mutants: 5 done killed 5 survived 0, elapsed 11s"


def test_console_kind_follows_the_terminal(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    c = make_console()  # pytest captures stdout: not a terminal
    assert not c.is_terminal and c.width == LOG_WIDTH
    assert isinstance(make_progress(c, "x"), PlainProgress)
    monkeypatch.setenv("COLUMNS", "80")
    assert make_console().width == 80  # an explicit width is kept
    term = make_console()
    term._force_terminal = True
    assert isinstance(make_progress(term, "x"), Progress)


def test_wide_table_is_not_cut_when_not_a_tty(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    buf = io.StringIO()
    c = make_console()
    c.file = buf
    t = Table()
    for i in range(12):
        t.add_column(f"column_{i:02d}")
    t.add_row(*[f"value_{i:02d}" for i in range(12)])
    c.print(t)
    text = buf.getvalue()
    assert "column_11" in text and "value_11" in text and "…" not in text
    assert max(len(line) for line in text.splitlines()) > 80


def test_cli_table_at_natural_width(tmp_path):
    from pathlib import Path
    ex = Path(__file__).resolve().parents[1] / "examples" / "mlp_int12_safe.toml"
    r = CliRunner().invoke(cli, ["bounds", str(ex), "--no-replay"], env={"COLUMNS": None})
    assert r.exit_code == 0
    legend = [ln for ln in r.output.splitlines() if ln.startswith("bits: operand widths")]
    assert legend and "confirmed on the C kernels" in legend[0]  # the legend line is not wrapped at 80
