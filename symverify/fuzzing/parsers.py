"""atheris targets for the project's file parsers.

Contract under test: any bytes given as a model file (to ``symverify bounds``'
parser and to the model factory of the training chain), a mutation catalog,
an equivalent-mutant list or a golden vector file give a parsed result or the
parser's named error (the one its CLI command turns into exit 3; the
factory's ModelFileError, or SymError from a width it hands to the kernels),
never any other exception. Run one target in its own process:

    python -m symverify.fuzzing.parsers TARGET [libFuzzer flags] [CORPUS ...]

(atheris is the ``fuzz`` extra). The input is written to a file and the
parser reads it from there, as the CLI does.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

#: target -> (parse function of a path, allowed exception types), built lazily
TARGETS = ("model", "model_factory", "catalog", "equivalent", "vectors")


def _model() -> tuple[Callable[[Path], Any], tuple[type, ...]]:
    from symverify.proofs import bounds

    return bounds.load_model, (bounds.ModelError,)


def _model_factory() -> tuple[Callable[[Path], Any], tuple[type, ...]]:
    import symverify.emulate as emulate
    from symverify.errors import SymError
    from symverify.model.factory import ModelFileError, build_model

    return (lambda path: build_model(path, emulate)), (ModelFileError, SymError)


def _catalog() -> tuple[Callable[[Path], Any], tuple[type, ...]]:
    from symverify.mutants.catalog import CatalogError, load_catalog

    return load_catalog, (CatalogError,)


def _equivalent() -> tuple[Callable[[Path], Any], tuple[type, ...]]:
    from symverify.mutants.catalog import CatalogError, load_equivalent

    return load_equivalent, (CatalogError,)


def _vectors() -> tuple[Callable[[Path], Any], tuple[type, ...]]:
    from symverify.goldgen.vectorset import VectorFileError
    from symverify.mutants.gold import load_cases

    return (lambda path: load_cases([path])), (VectorFileError,)


_FACTORIES = {"model": _model, "model_factory": _model_factory, "catalog": _catalog,
              "equivalent": _equivalent, "vectors": _vectors}
_SUFFIX = {"model": ".toml", "model_factory": ".toml", "catalog": ".toml", "equivalent": ".toml",
           "vectors": ".json"}


def _toml_tables(text: str, header: str, keep: int) -> str:
    """``text`` cut to everything before the first ``header`` table plus the
    first ``keep`` such tables (a small, still valid seed)."""
    parts = text.split(f"\n{header}")
    return parts[0] + "".join(f"\n{header}{p}" for p in parts[1:1 + keep])


def seed_inputs(target: str) -> list[bytes]:
    """Small valid inputs of ``target`` from the shipped files (model files in
    examples/, the catalog and equivalent list cut to a few tables, each
    vector file cut to two vectors or one chain step)."""
    import json

    from symverify.build import kernel_dir
    from symverify.mutants.catalog import CATALOG_PATH, EQUIVALENT_PATH
    from symverify.mutants.gold import vector_files

    if target in ("model", "model_factory"):
        examples = kernel_dir().parent / "examples"
        return [p.read_bytes() for p in sorted(examples.glob("*.toml"))]
    if target == "catalog":
        return [_toml_tables(Path(CATALOG_PATH).read_text(), "[[operator]]", k).encode() for k in (1, 3)]
    if target == "equivalent":
        return [_toml_tables(Path(EQUIVALENT_PATH).read_text(), "[[equivalent]]", k).encode() for k in (1, 3)]
    if target == "vectors":
        out = []
        for path in vector_files():
            doc = json.loads(path.read_text())
            if "vectors" in doc:
                doc["vectors"] = doc["vectors"][:2]
            for cfg in list(doc.get("configs", {}).values())[:1]:
                cfg["steps"] = cfg["steps"][:1]
            if "configs" in doc:
                doc["configs"] = dict(list(doc["configs"].items())[:1])
            out.append(json.dumps(doc, indent=1).encode())
        return out
    raise ValueError(f"unknown parser target {target!r}: expected one of {TARGETS}")


class UnexpectedError(Exception):
    """A parser raised something other than its named error."""


def check_one(target: str, data: bytes, parse: Callable[[Path], Any], allowed: tuple[type, ...],
              scratch: Path) -> None:
    """Write ``data`` to the scratch file, parse it; raise UnexpectedError
    (chained to the original) for any exception outside ``allowed``."""
    scratch.write_bytes(data)
    try:
        parse(scratch)
    except allowed:
        return
    except Exception as exc:  # noqa: BLE001 - exactly what this target looks for
        raise UnexpectedError(f"{target}: {type(exc).__name__}: {exc}") from exc


def parser_for(target: str) -> tuple[Callable[[Path], Any], tuple[type, ...]]:
    """(parse, allowed errors) of ``target``; ValueError for an unknown name."""
    if target not in _FACTORIES:
        raise ValueError(f"unknown parser target {target!r}: expected one of {TARGETS}")
    return _FACTORIES[target]()


def main(argv: list[str] | None = None) -> None:
    """Entry point of one atheris process: ``TARGET`` then libFuzzer arguments."""
    import atheris

    argv = list(sys.argv if argv is None else argv)
    if len(argv) < 2 or argv[1] not in TARGETS:
        sys.stderr.write(f"usage: python -m symverify.fuzzing.parsers {{{','.join(TARGETS)}}} [libFuzzer flags]\n")
        sys.exit(2)
    target = argv.pop(1)
    with atheris.instrument_imports(include=["symverify", "tomllib", "json"]):
        parse, allowed = parser_for(target)
    fd, name = tempfile.mkstemp(suffix=_SUFFIX[target], prefix=f"symverify-fuzz-{target}-")
    os.close(fd)
    scratch = Path(name)

    def one_input(data: bytes) -> None:
        check_one(target, data, parse, allowed, scratch)

    try:
        atheris.Setup(argv, one_input)
        atheris.Fuzz()
    finally:
        scratch.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
