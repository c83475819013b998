"""Run mutmut 3 on the numpy emulator (``symverify/emulator/primitives.py`` and ``layers.py``) in a scratch copy.

Why not ``mutmut run`` in the repository root: mutmut 3 writes its mutated
tree into ``./mutants/``, which IS this package's directory (the kernel
mutation engine). And the emulator is imported as ``symverify.emulator.*``
from the editable install, so tests run inside mutmut's copy would import the
ORIGINAL emulator, and the names mutmut's trampolines record
(``module.function``) would not match the path-derived ``emulator.*`` names.

This runner therefore builds a scratch project::

    <dir>/emulator/           copy of symverify/emulator/ (primitives.py and layers.py are mutated)
    <dir>/tests/              test_emulator_values.py, test_emulator_properties.py,
                              test_emulator_layers.py, conftest.py
    <dir>/mm_alias.py         pytest plugin: symverify.emulator[.X] -> emulator[.X] (mutmut's copy)
    <dir>/setup.cfg           [mutmut] config

and runs ``mutmut run`` there. The property tests' ``max_examples=300`` is cut
to ``--examples`` (default 25) in the copy: a small hypothesis profile, so that
one mutant costs well under a second.

Only the emulator's OWN tests are copied: hand-derived values and properties
(tests/test_emulator_*.py). Not copied: test_golden.py / test_layers_golden.py
(the golden vectors are the emulator's own past output: comparing against them
tests the emulator against itself) and test_differential.py /
test_layers_differential.py / test_chain.py (C kernels against the emulator:
an independent reference, but it needs the compiled C library and the C tree
is not part of the scratch project; they also cost minutes per mutant).
The score is reported per mutated file.

    python -m symverify.mutants.mutmut_emulator [--dir DIR] [--examples N] [--max-children N]

prints mutmut's result summary and the surviving mutant names (``mutmut show
NAME`` inside DIR gives the diff).
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from symverify import registry

REPO = Path(__file__).resolve().parents[1]
TESTS = ("test_emulator_values.py", "test_emulator_properties.py", "test_emulator_layers.py", "conftest.py")
#: The emulator modules named in symverify/registry.py, as repository paths.
SOURCES = tuple(name.replace(".", "/") + ".py" for name in registry.emulator_modules())
#: The package copied into the scratch project, and the same modules there
#: (mutmut names a mutant after its path: emulator.layers.x_f__mutmut_3).
PACKAGE = "symverify/emulator"
SCRATCH_SOURCES = tuple(src[len("symverify/"):] for src in SOURCES)

ALIAS_PLUGIN = '''"""pytest plugin (written by symverify.mutants.mutmut_emulator): import
symverify.emulator and its submodules from mutmut's copy, under the names
mutmut derives from the paths (emulator.layers)."""
import importlib
import importlib.abc
import importlib.util
import sys


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    PREFIX = "symverify.emulator"

    def find_spec(self, name, path=None, target=None):
        if name == self.PREFIX or name.startswith(self.PREFIX + "."):
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        return importlib.import_module("emulator" + spec.name[len(self.PREFIX):])

    def exec_module(self, module):
        pass


sys.meta_path.insert(0, _Alias())
for _name in [n for n in sys.modules if n == _Alias.PREFIX or n.startswith(_Alias.PREFIX + ".")]:
    del sys.modules[_name]
'''

SETUP_CFG = """[mutmut]
source_paths = """ + "\n    ".join(SCRATCH_SOURCES) + """
also_copy = mm_alias.py
    emulator/
pytest_add_cli_args = -p
    mm_alias
    -q
    -p
    no:cacheprovider
pytest_add_cli_args_test_selection = tests/
"""


def prepare(dest: Path, examples: int) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "tests").mkdir(parents=True)
    shutil.copytree(REPO / PACKAGE, dest / "emulator", ignore=shutil.ignore_patterns("__pycache__"))
    for name in TESTS:
        text = (REPO / "tests" / name).read_text()
        if name == "test_emulator_properties.py":
            text, n = re.subn(r"max_examples=\d+", f"max_examples={examples}", text)
            if not n:
                raise SystemExit("test_emulator_properties.py: no max_examples=N to shrink")
        (dest / "tests" / name).write_text(text)
    (dest / "mm_alias.py").write_text(ALIAS_PLUGIN)
    (dest / "setup.cfg").write_text(SETUP_CFG)


def _module_of(name: str) -> str:
    """emulator.layers.x_f__mutmut_3 -> symverify/emulator/layers.py"""
    return "symverify/" + name.split(".x", 1)[0].replace(".", "/") + ".py" if ".x" in name else name


def results(dest: Path) -> dict[str, Counter]:
    """{source file: Counter(status)} from ``mutmut results --all true``."""
    out = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], cwd=dest,
                         capture_output=True, text=True, check=False).stdout
    per_file: dict[str, Counter] = {src: Counter() for src in SOURCES}
    for line in out.splitlines():
        if ":" in line:
            name, status = line.rsplit(":", 1)
            per_file.setdefault(_module_of(name.strip()), Counter())[status.strip()] += 1
    return per_file


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, default=Path("/tmp/symverify-mutmut"))
    ap.add_argument("--examples", type=int, default=25)
    ap.add_argument("--max-children", type=int, default=2)
    a = ap.parse_args(argv)
    prepare(a.dir, a.examples)
    proc = subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", str(a.max_children)],
                          cwd=a.dir, check=False)
    for src, st in results(a.dir).items():
        killed = st.get("killed", 0) + st.get("timeout", 0)
        total = sum(st.values())
        print(f"mutmut on {src}: {dict(st)}; killed {killed}/{total} "
              f"({100.0 * killed / max(total, 1):.1f}%)")
    surv = subprocess.run([sys.executable, "-m", "mutmut", "results"], cwd=a.dir, capture_output=True,
                          text=True, check=False).stdout
    print(surv)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
