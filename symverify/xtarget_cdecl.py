"""The C declarations the Cortex-M case tables are generated from.

Reads the ``typedef struct { ... } sym_<kernel>_args;`` bodies and the
``int sym_*(...)`` prototypes of ``kernels/include`` (comments stripped, one
declarator per field or parameter) and says how the table runner fills each
field or parameter (:func:`category`). Used by :mod:`symverify.xtarget_table`.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["XtableError", "CItem", "entry_items", "args_struct", "category", "declaring_header"]


class XtableError(ValueError):
    """A vector or declaration the table cannot express (names what and why)."""


@dataclass(frozen=True)
class CItem:
    """One struct field or prototype parameter: ``const``, base type, pointer, name."""

    const: bool
    ctype: str
    pointer: bool
    name: str


_DECL = re.compile(r"^\s*(const\s+)?(\w+)\s*(\*?)\s*(\w+)\s*$")


def _parse_decl(text: str, where: str) -> CItem:
    m = _DECL.match(text)
    if m is None:
        raise XtableError(f"{where}: cannot read the declaration {text.strip()!r}")
    return CItem(bool(m.group(1)), m.group(2), bool(m.group(3)), m.group(4))


@functools.lru_cache(maxsize=None)
def _declarations(include: str) -> tuple[dict[str, str], dict[str, str]]:
    """(struct name -> body, function name -> parameter text) of the headers."""
    text = "\n".join(p.read_text() for p in sorted(Path(include).glob("*.h")))
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.DOTALL)
    structs = {name: body for body, name in re.findall(r"typedef\s+struct\s*\{([^{}]*)\}\s*(\w+)\s*;", text)}
    protos = dict(re.findall(r"\bint\s+(sym_\w+)\s*\(([^()]*)\)\s*;", text))
    for target, alias in re.findall(r"typedef\s+(\w+)\s+(\w+)\s*;", text):
        if target in structs:
            structs[alias] = structs[target]
    return structs, protos


@functools.lru_cache(maxsize=None)
def _entry_items(entry: str, include: str) -> tuple[bool, tuple[CItem, ...]]:
    structs, protos = _declarations(include)
    if entry not in protos:
        raise XtableError(f"C entry point {entry} is not declared in {include}")
    params = [_parse_decl(p, entry) for p in protos[entry].split(",")]
    if len(params) == 2 and params[0].ctype.endswith("_args") and params[1].ctype == "sym_err":
        if params[0].ctype not in structs:
            raise XtableError(f"{entry}: struct {params[0].ctype} is not declared in {include}")
        body = structs[params[0].ctype]
        return True, tuple(_parse_decl(d, params[0].ctype) for d in body.split(";") if d.strip())
    return False, tuple(params)


def entry_items(entry: str, include: Path) -> tuple[bool, tuple[CItem, ...]]:
    """``(is_struct, items)`` of C entry point ``entry``: the fields of its
    args struct for a layer step, its parameters for a primitive."""
    return _entry_items(entry, str(include))


def args_struct(entry: str, include: Path) -> str:
    """The args struct type of a struct entry point ``entry`` (``sym_<kernel>_args``
    of a layer step, ``sym_<kernel>_args`` of a primitive's ``sym_<kernel>_ex``)."""
    _, protos = _declarations(str(include))
    if entry not in protos:
        raise XtableError(f"C entry point {entry} is not declared in {include}")
    return _parse_decl(protos[entry].split(",")[0], entry).ctype


def category(item: CItem) -> str:
    """How the runner fills one field / parameter (see xtarget/xt_table.h)."""
    t, p, n = item.ctype, item.pointer, item.name
    if t == "sym_cview":
        return "opt_cview" if p else "cview"
    if t == "sym_view" and p:
        return "view"
    if t == "sym_geom1d" and not p:
        return "geom"
    if t == "sym_round_ctx" and not p:
        return "round"
    if t in ("int32_t", "uint32_t") and not p:
        return "int"
    if t == "float" and not p:
        return "float"
    if t == "uint32_t" and p:
        return "rng"
    if t == "int32_t" and p:
        return "scratch" if n == "scratch" else ("i32_in" if item.const else "i32_out")
    if t == "float" and p:
        return "fscratch" if n == "fscratch" else ("f32_in" if item.const else "f32_out")
    raise XtableError(f"field {t}{' *' if p else ''} {n}: no fill rule in symverify/xtarget_table.py")


def declaring_header(entry: str, include: Path) -> str:
    """The file name of the header in ``include`` that declares ``entry``."""
    for h in sorted(include.glob("*.h")):
        if re.search(rf"\bint\s+{entry}\s*\(", re.sub(r"/\*.*?\*/", " ", h.read_text(), flags=re.DOTALL)):
            return h.name
    raise XtableError(f"C entry point {entry} is not declared in {include}")
