"""Load and validate the mutant catalog (``mutants/catalog.toml``) and the
reviewed list of equivalent mutants (``mutants/equivalent.toml``).

A malformed file raises :class:`CatalogError` whose message names the file and
the offending key (``catalog.toml: operator[3] (id 'ROR'): key 'map' ...``).

The kernel sources the catalog is applied to are not listed in it: they are
the registered families' sources plus the helpers
(:func:`symverify.registry.mutated_sources`, see :func:`mutated_files`).
"""
from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from symverify import registry

HERE = Path(__file__).resolve().parent
CATALOG_PATH = HERE / "catalog.toml"
EQUIVALENT_PATH = HERE / "equivalent.toml"

KINDS = {"token", "literal", "unary", "cast", "call", "expr", "stmt_delete", "stmt_dup",
         "logic_drop", "cond_const", "call_swap", "reassoc"}
REQUIRED = ("id", "name", "kind", "description", "bug_class", "source")
#: keys each kind needs (beyond REQUIRED) and keys it may have
KIND_KEYS: dict[str, tuple[set[str], set[str]]] = {
    "token": ({"map"}, {"near"}),
    "literal": (set(), {"int_deltas", "float_values", "float_zero_one", "float_suffix_drop"}),
    "unary": ({"drop"}, set()),
    "cast": ({"map"}, set()),
    "call": ({"function", "replace"}, set()),
    "expr": ({"match", "replace"}, set()),
    "stmt_delete": (set(), {"lhs", "text", "kinds"}),
    "stmt_dup": ({"text"}, set()),
    "logic_drop": (set(), set()),
    "cond_const": ({"values"}, {"statements"}),
    "call_swap": (set(), {"callees"}),
    "reassoc": (set(), set()),
}
COMMON_OPTIONAL = {"files", "functions"}
#: catalog formats this engine reads (``[engine] schema``; absent means 1)
SUPPORTED_SCHEMAS = (1,)


class CatalogError(ValueError):
    """A catalog or equivalence file is malformed (file and key in the message)."""


@dataclass(frozen=True)
class Operator:
    id: str
    name: str
    kind: str
    description: str
    bug_class: str
    source: str
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    files: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()

    def applies_to(self, file: str, function: str) -> bool:
        return (not self.files or file in self.files) and (not self.functions or function in self.functions)


@dataclass(frozen=True)
class Catalog:
    path: Path
    operators: tuple[Operator, ...]
    engine: dict[str, Any]
    digest: str

    def operator(self, op_id: str) -> Operator:
        for op in self.operators:
            if op.id == op_id:
                return op
        raise KeyError(op_id)


def _fail(path: Path, where: str, msg: str) -> CatalogError:
    return CatalogError(f"{path.name}: {where}: {msg}")


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _check_operator(path: Path, index: int, raw: Any, seen: set[str]) -> Operator:
    where = f"operator[{index}]"
    if not isinstance(raw, dict):
        raise _fail(path, where, "must be a table")
    if isinstance(raw.get("id"), str):
        where += f" (id {raw['id']!r})"
    for key in REQUIRED:
        if key not in raw:
            raise _fail(path, where, f"missing key {key!r}")
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise _fail(path, where, f"key {key!r} must be a non-empty string")
    if not re.fullmatch(r"[A-Z][A-Z0-9_]*", raw["id"]):
        raise _fail(path, where, "key 'id' must be UPPER_CASE letters, digits and '_'")
    if raw["id"] in seen:
        raise _fail(path, where, f"key 'id': duplicate operator id {raw['id']!r}")
    seen.add(raw["id"])
    kind = raw["kind"]
    if kind not in KINDS:
        raise _fail(path, where, f"key 'kind': {kind!r} is not one of {sorted(KINDS)}")
    needed, optional = KIND_KEYS[kind]
    for key in needed:
        if key not in raw:
            raise _fail(path, where, f"missing key {key!r} (required for kind {kind!r})")
    allowed = set(REQUIRED) | needed | optional | COMMON_OPTIONAL
    for key in raw:
        if key not in allowed:
            raise _fail(path, where, f"unknown key {key!r} for kind {kind!r}")
    for key in ("files", "functions", "drop", "kinds", "values", "statements", "callees"):
        if key in raw and not _str_list(raw[key]):
            raise _fail(path, where, f"key {key!r} must be a list of strings")
    if kind in ("token", "cast"):
        m = raw["map"]
        if not isinstance(m, dict) or not m or not all(isinstance(k, str) and _str_list(v) and v for k, v in m.items()):
            raise _fail(path, where, "key 'map' must be a table of token -> non-empty list of strings")
    if kind == "call":
        if not isinstance(raw["function"], str) or not _str_list(raw["replace"]) or not raw["replace"]:
            raise _fail(path, where, "key 'replace' must be a non-empty list of strings ('function' a string)")
    if kind == "expr":
        if not isinstance(raw["match"], str) or not _str_list(raw["replace"]) or not raw["replace"]:
            raise _fail(path, where, "key 'replace' must be a non-empty list of strings ('match' a string)")
    if kind == "literal":
        if "int_deltas" in raw and not (isinstance(raw["int_deltas"], list)
                                        and all(isinstance(v, int) and v for v in raw["int_deltas"])):
            raise _fail(path, where, "key 'int_deltas' must be a list of non-zero integers")
        fv = raw.get("float_values", {})
        if not isinstance(fv, dict) or not all(_str_list(v) for v in fv.values()):
            raise _fail(path, where, "key 'float_values' must be a table of literal -> list of strings")
        for key in ("float_zero_one", "float_suffix_drop"):
            if key in raw and not isinstance(raw[key], bool):
                raise _fail(path, where, f"key {key!r} must be true or false")
    for key in ("lhs", "text", "near"):
        if key in raw:
            if not isinstance(raw[key], str):
                raise _fail(path, where, f"key {key!r} must be a regular expression string")
            try:
                re.compile(raw[key])
            except re.error as exc:
                raise _fail(path, where, f"key {key!r}: bad regular expression: {exc}") from exc
    params = {k: v for k, v in raw.items() if k not in REQUIRED and k not in COMMON_OPTIONAL}
    return Operator(raw["id"], raw["name"], kind, raw["description"], raw["bug_class"], raw["source"],
                    params, tuple(raw.get("files", ())), tuple(raw.get("functions", ())))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"{path.name}: cannot read: {exc}") from exc
    try:
        return tomllib.loads(data.decode())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path.name}: not valid TOML: {exc}") from exc


def load_catalog(path: Path | None = None) -> Catalog:
    """Parse and validate the catalog; raise CatalogError on any problem."""
    path = Path(path or CATALOG_PATH)
    raw = _read_toml(path)
    for key in raw:
        if key not in ("engine", "operator"):
            raise _fail(path, "top level", f"unknown key {key!r} (expected 'engine' and 'operator')")
    engine = raw.get("engine", {})
    if not isinstance(engine, dict):
        raise _fail(path, "engine", "must be a table")
    for key, typ in (("timeout_factor", (int, float)), ("timeout_min_seconds", (int, float))):
        if key in engine and (not isinstance(engine[key], typ) or engine[key] <= 0):
            raise _fail(path, "engine", f"key {key!r} must be a positive number")
    for key in engine:
        if key not in ("schema", "files", "timeout_factor", "timeout_min_seconds"):
            raise _fail(path, "engine", f"unknown key {key!r}")
    schema = engine.get("schema", 1)
    if isinstance(schema, bool) or schema not in SUPPORTED_SCHEMAS:
        raise _fail(path, "engine", f"key 'schema': {schema!r} is not supported (this symverify reads schema "
                    f"{', '.join(map(str, SUPPORTED_SCHEMAS))})")
    if "files" in engine and (not _str_list(engine["files"]) or not engine["files"]):
        raise _fail(path, "engine", "key 'files' must be a non-empty list of kernel source basenames")
    ops = raw.get("operator")
    if not isinstance(ops, list) or not ops:
        raise _fail(path, "operator", "missing key 'operator' (at least one [[operator]] table)")
    seen: set[str] = set()
    operators = tuple(_check_operator(path, i, op, seen) for i, op in enumerate(ops))
    return Catalog(path, operators, engine, hashlib.sha256(path.read_bytes()).hexdigest())



def mutated_files(catalog: Catalog) -> list[str]:
    """The kernel source basenames the catalog is applied to.

    They come from the registry (:func:`symverify.registry.mutated_sources`),
    so a new family's source is mutated without a catalog edit. An
    ``[engine] files`` list is an optional override that may only add
    sources: it must name every derived one (a family's code cannot drop out
    of the gate by an edit here); CatalogError names the missing ones."""
    derived = list(registry.mutated_sources())
    override = list(catalog.engine.get("files", ()))
    missing = [f for f in derived if f not in override]
    if override and missing:
        raise _fail(catalog.path, "engine", f"key 'files' must list every registered kernel source, it lacks "
                    f"{', '.join(missing)} (the list may only add sources; leave it out to mutate "
                    f"the registered ones: symverify/registry.py)")
    return derived + [f for f in override if f not in derived]


def check_catalog_names(catalog: Catalog, functions: dict[str, list[str]]) -> None:
    """Every file the catalog mutates (:func:`mutated_files`) and every file
    and function an operator names must exist in the kernel sources
    (``functions``: source basename -> its function names); an unknown name
    raises CatalogError (a misspelt filter would silently mutate nothing, a
    registered source that is missing would silently leave the gate)."""
    path = catalog.path
    known = sorted(functions)
    mutated = mutated_files(catalog)
    for name in mutated:
        if name not in functions:
            raise _fail(path, "engine", f"key 'files': {name!r} is not a kernel source (sources: {', '.join(known)})")
    for i, op in enumerate(catalog.operators):
        where = f"operator[{i}] (id {op.id!r})"
        for name in op.files:
            if name not in mutated:
                raise _fail(path, where, f"key 'files': {name!r} is not one of the mutated sources "
                            f"(mutated: {', '.join(mutated)})")
        scope = [f for f in mutated if not op.files or f in op.files]
        defined = {fn for f in scope for fn in functions[f]}
        for fn in op.functions:
            if fn not in defined:
                raise _fail(path, where, f"key 'functions': {fn!r} is not a function of {', '.join(scope)}")


@dataclass(frozen=True)
class EquivalentEntry:
    id: str
    justification: str
    proof: str = ""  # name of a Z3 proof in symverify.mutants.equivalence (optional)


def load_equivalent(path: Path | None = None) -> dict[str, EquivalentEntry]:
    """The reviewed equivalent-mutant list: mutant id -> entry."""
    path = Path(path or EQUIVALENT_PATH)
    if not path.exists():
        return {}
    raw = _read_toml(path)
    for key in raw:
        if key != "equivalent":
            raise _fail(path, "top level", f"unknown key {key!r} (expected 'equivalent')")
    entries: dict[str, EquivalentEntry] = {}
    for i, item in enumerate(raw.get("equivalent", [])):
        where = f"equivalent[{i}]"
        if not isinstance(item, dict):
            raise _fail(path, where, "must be a table")
        if isinstance(item.get("id"), str):
            where += f" (id {item['id']!r})"
        for key in item:
            if key not in ("id", "justification", "proof"):
                raise _fail(path, where, f"unknown key {key!r}")
        for key in ("id", "justification"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise _fail(path, where, f"missing key {key!r} (a non-empty string)")
        if "proof" in item and not isinstance(item["proof"], str):
            raise _fail(path, where, "key 'proof' must be a string")
        if len(item["justification"].strip()) < 20:
            raise _fail(path, where, "key 'justification' must explain why (20+ characters)")
        if item["id"] in entries:
            raise _fail(path, where, f"key 'id': duplicate mutant id {item['id']!r}")
        entries[item["id"]] = EquivalentEntry(item["id"], item["justification"].strip(), item.get("proof", ""))
    return entries
