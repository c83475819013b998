"""Shared pytest configuration: hypothesis profiles.

Select with the environment variable HYPOTHESIS_PROFILE (default "dev"):

* ``dev``  : 500 examples per test (local runs);
* ``ci``   : 10,000 examples per test, no deadline (CI sets HYPOTHESIS_PROFILE=ci);
* ``deep`` : 100,000 examples per test (nightly / before a release).

Each differential test batches several elements per example, so one example
exercises a whole vector on both backends.
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = dict(deadline=None, derandomize=False, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

settings.register_profile("dev", max_examples=500, **_COMMON)
settings.register_profile("ci", max_examples=10_000, **_COMMON)
settings.register_profile("deep", max_examples=100_000, **_COMMON)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
if PROFILE not in ("dev", "ci", "deep"):
    raise RuntimeError(f"HYPOTHESIS_PROFILE={PROFILE!r}: expected one of dev, ci, deep")
settings.load_profile(PROFILE)


def pytest_report_header(config):
    return f"hypothesis profile: {PROFILE} (max_examples={settings.default.max_examples})"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Report the hypothesis examples the differential tests actually ran."""
    import sys

    mod = sys.modules.get("test_differential") or sys.modules.get("tests.test_differential")
    counts = getattr(mod, "EXAMPLES_RUN", None)
    if counts:
        total = sum(counts.values())
        terminalreporter.write_sep("-", f"hypothesis examples run (profile {PROFILE}): {total}")
        for name, n in sorted(counts.items()):
            terminalreporter.write_line(f"  {name:<32} {n}")
