"""Machine-readable reports of a command run for CI systems: the run stamp
(tool, z3, compiler, git revision), JUnit XML and SARIF 2.1.0 writers over one
list of :class:`~symverify.reporting.cases.Case`, and the non-TTY progress line."""
from .cases import Case, Location
from .stamp import run_stamp

__all__ = ["Case", "Location", "run_stamp"]
