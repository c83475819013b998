"""Shared pytest configuration: hypothesis profiles.

Select with the environment variable HYPOTHESIS_PROFILE (default "dev"):

* ``dev``  : 500 examples per test (local runs);
* ``ci``   : 10,000 examples per test, no deadline, derandomized (CI sets
  HYPOTHESIS_PROFILE=ci): the same examples on every run, so a red CI always
  means a code change, and a local ``HYPOTHESIS_PROFILE=ci`` run reproduces it;
* ``deep`` : 100,000 random examples per test (exploration: nightly / before a
  release; a failure it finds gets pinned as an explicit example).

Each differential test batches several elements per example, so one example
exercises a whole vector on both backends.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

_COMMON = dict(deadline=None, derandomize=False, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

settings.register_profile("dev", max_examples=500, **_COMMON)
settings.register_profile("ci", max_examples=10_000, **{**_COMMON, "derandomize": True})
settings.register_profile("deep", max_examples=100_000, **_COMMON)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
if PROFILE not in ("dev", "ci", "deep"):
    raise RuntimeError(f"HYPOTHESIS_PROFILE={PROFILE!r}: expected one of dev, ci, deep")
settings.load_profile(PROFILE)


def pytest_report_header(config):
    return f"hypothesis profile: {PROFILE} (max_examples={settings.default.max_examples})"



# ---- hypothesis example counts (works with and without pytest-xdist) --------
# A module that defines a dict EXAMPLES_RUN (test name -> examples executed)
# gets its per-test counts attached to the test report as user properties;
# the controlling process sums them and prints them at the end of the session.
_SEEN: dict[tuple[str, str], int] = {}
_TALLY: dict[str, int] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    counts = getattr(getattr(item, "module", None), "EXAMPLES_RUN", None)
    if call.when != "call" or not isinstance(counts, dict):
        return
    for name, total in counts.items():
        key = (item.module.__name__, name)
        delta = total - _SEEN.get(key, 0)
        if delta:
            _SEEN[key] = total
            report.user_properties.append(("hypothesis_examples", [name, delta]))


def pytest_runtest_logreport(report):
    for key, value in getattr(report, "user_properties", ()):
        if key == "hypothesis_examples":
            name, delta = value
            _TALLY[name] = _TALLY.get(name, 0) + int(delta)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Report the hypothesis examples the differential tests actually ran."""
    if _TALLY:
        total = sum(_TALLY.values())
        terminalreporter.write_sep("-", f"hypothesis examples run (profile {PROFILE}): {total}")
        for name, n in sorted(_TALLY.items()):
            terminalreporter.write_line(f"  {name:<32} {n}")


@pytest.fixture(scope="module")
def tools():
    """The Cortex-M toolchain (arm-none-eabi-gcc, QEMU): a skip locally, a
    failure when $SYMVERIFY_REQUIRE_XTARGET is set (CI)."""
    from symverify import xtarget as xt

    try:
        return xt.find_tools()
    except xt.XtargetUnavailable as exc:
        if os.environ.get(xt.REQUIRE_ENV, "").strip() not in ("", "0"):
            pytest.fail(f"{exc} ({xt.REQUIRE_ENV}=1 makes a missing toolchain a failure)")
        pytest.skip(f"{exc}; install them or set {xt.REQUIRE_ENV}=1 to fail instead of skipping")


@pytest.fixture(scope="module")
def icount():
    """symverify.icount with unicorn importable: a skip locally, a failure
    when $SYMVERIFY_REQUIRE_XTARGET is set (CI, where the test extra
    installs it)."""
    from symverify import xtarget as xt
    from symverify.icount import engine

    try:
        engine.require_unicorn()
    except engine.IcountUnavailable as exc:
        if os.environ.get(xt.REQUIRE_ENV, "").strip() not in ("", "0"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    import symverify.icount as ic

    return ic
