"""How ``symverify mutate --project DIR`` builds and tests an outside C project.

The settings come from the command line, else from the project itself:
``symverify.toml`` (table ``[mutate]``) or ``pyproject.toml`` (table
``[tool.symverify.mutate]``). An unknown key is an error, so a misspelt
setting cannot be silently ignored.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

MODES = ("auto", "schemata", "rebuild")
KEYS = {"sources": list, "exclude": list, "build_cmd": str, "test_cmd": str, "mode": str, "timeout": (int, float),
        "jobs": int, "operators": list, "equivalent": str}


class ProjectConfigError(ValueError):
    """A setting given on the command line is missing or wrong (the message
    names the option and the value)."""


class ProjectFileError(ProjectConfigError):
    """The project's settings file is malformed (the message names the file and key)."""


@dataclass(frozen=True)
class ProjectConfig:
    root: Path
    sources: tuple[str, ...]  # globs relative to root ('src/**/*.c')
    build_cmd: str  # run with bash in a copy of the project
    test_cmd: str  # exit 0: every test passed
    exclude: tuple[str, ...] = ()
    mode: str = "auto"  # auto | schemata | rebuild
    timeout: float | None = None  # seconds per mutant (None: from the baseline run)
    jobs: int | None = None
    operators: tuple[str, ...] = ()
    equivalent: Path | None = None  # reviewed equivalent mutants (mutants/equivalent.toml format)
    origin: str = "command line"  # where the settings came from
    source_files: tuple[str, ...] = field(default=(), compare=False)  # resolved, relative to root

    def files(self) -> list[Path]:
        return [self.root / rel for rel in self.source_files]


def _read_section(root: Path) -> tuple[dict[str, Any], str]:
    """The settings table of the project and its origin ('symverify.toml [mutate]')."""
    for name, keys in (("symverify.toml", ("mutate",)), ("pyproject.toml", ("tool", "symverify", "mutate"))):
        path = root / name
        if not path.is_file():
            continue
        try:
            data: Any = tomllib.loads(path.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ProjectFileError(f"{path}: not valid TOML: {exc}") from exc
        for k in keys:
            data = data.get(k) if isinstance(data, dict) else None
        if data is None:
            continue
        origin = f"{name} [{'.'.join(keys)}]"
        if not isinstance(data, dict):
            raise ProjectFileError(f"{root / name}: [{'.'.join(keys)}] must be a table")
        return data, origin
    return {}, "command line"


def _check_section(raw: dict[str, Any], origin: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in KEYS:
            raise ProjectFileError(f"{origin}: unknown key {key!r} (keys: {', '.join(sorted(KEYS))})")
        typ = KEYS[key]
        ok = isinstance(value, typ) and not isinstance(value, bool)
        if ok and typ is list:
            ok = all(isinstance(v, str) for v in value)
        if not ok:
            raise ProjectFileError(f"{origin}: key {key!r} has the wrong type ({value!r})")
        out[key] = tuple(value) if isinstance(value, list) else value
    return out


def resolve_sources(root: Path, patterns: tuple[str, ...], exclude: tuple[str, ...]) -> tuple[str, ...]:
    """The C files the globs select, relative to ``root``, sorted; every glob
    must match a file inside the project."""
    found: set[str] = set()
    for pat in patterns:
        if Path(pat).is_absolute() or ".." in Path(pat).parts:
            raise ProjectConfigError(f"--sources {pat!r}: must be a glob relative to the project directory")
        hits = [p for p in root.glob(pat) if p.is_file()]
        if not hits:
            raise ProjectConfigError(f"--sources {pat!r}: matches no file under {root}")
        found.update(p.relative_to(root).as_posix() for p in hits)
    for pat in exclude:
        found -= {p.relative_to(root).as_posix() for p in root.glob(pat)}
    files = tuple(sorted(f for f in found if f.endswith(".c")))
    if not files:
        raise ProjectConfigError(f"--sources {' '.join(patterns)!r}: selects no .c file")
    return files


def load(root: Path, **overrides: Any) -> ProjectConfig:
    """Settings of the project at ``root``: the project's own section, then
    the non-None ``overrides`` (command-line values) on top."""
    root = Path(root)
    if not root.is_dir():
        raise ProjectConfigError(f"--project {str(root)!r}: not a directory")
    root = root.resolve()
    raw, origin = _read_section(root)
    values = _check_section(raw, origin)
    given = {k: v for k, v in overrides.items() if v not in (None, ())}
    for key in given:
        if key not in KEYS:
            raise TypeError(f"load(): unknown setting {key!r}")
    values.update(given)
    if given:
        origin = "command line" if not raw else f"{origin} + command line"
    for key, option in (("sources", "--sources"), ("build_cmd", "--build-cmd"), ("test_cmd", "--test-cmd")):
        if not values.get(key):
            raise ProjectConfigError(f"{option} is required (or key {key!r} in symverify.toml [mutate] / "
                                     f"pyproject.toml [tool.symverify.mutate] of {root})")
    mode = values.get("mode", "auto")
    if mode not in MODES:
        cls = ProjectConfigError if "mode" in given else ProjectFileError
        where = "--mode" if "mode" in given else f"{origin}: key mode"
        raise cls(f"{where} {mode!r}: must be one of {', '.join(MODES)}")
    timeout = values.get("timeout")
    if timeout is not None and not timeout > 0:
        cls = ProjectConfigError if "timeout" in given else ProjectFileError
        raise cls(f"{'--timeout' if 'timeout' in given else origin + ': key timeout'} {timeout!r}: must be a "
                  "positive number of seconds")
    jobs = values.get("jobs")
    if jobs is not None and not 1 <= jobs <= 256:
        raise ProjectFileError(f"{origin}: key 'jobs' {jobs!r}: must be 1..256")
    equivalent = values.get("equivalent")
    eq_path = None
    if equivalent:
        eq_path = (root / equivalent).resolve()
        if not eq_path.is_file():
            raise ProjectFileError(f"equivalent {equivalent!r}: no such file in {root}")
    cfg = ProjectConfig(root, tuple(values["sources"]), values["build_cmd"], values["test_cmd"],
                        tuple(values.get("exclude", ())), mode, None if timeout is None else float(timeout),
                        jobs, tuple(values.get("operators", ())), eq_path, origin)
    return replace(cfg, source_files=resolve_sources(root, cfg.sources, cfg.exclude))
