"""The one status table (symverify/errors.py) against kernels/include/sym_status.h
and kernels/src/sym_status.c, read as text (no compiler needed), and the one
status -> SymError mapping."""

from __future__ import annotations

import ast
import re

import pytest

from symverify.errors import STATUS_CODES, STATUS_NAMES, SymError, raise_for_status, status_name
from test_import_graph import REPO, module_files

_ENUM = re.compile(r"enum\s+sym_status\s*\{(?P<body>.*?)\}\s*;", re.S)
_ENTRY = re.compile(r"^\s*(SYM_[A-Z0-9_]+)\s*=\s*(-?\d+)\s*,?\s*$")
_NAMES = re.compile(r"sym_status_names\[\]\s*=\s*\{(?P<body>.*?)\}\s*;", re.S)


def _strip_c_comments(text: str) -> str:
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def header_status_enum() -> dict[int, str]:
    """code -> name of every entry of ``enum sym_status``; fails on an entry
    that is not ``NAME = <int>``, so no status can hide from the parse."""
    text = (REPO / "kernels" / "include" / "sym_status.h").read_text(encoding="utf-8")
    match = _ENUM.search(_strip_c_comments(text))
    assert match, "enum sym_status not found in sym_status.h"
    out: dict[int, str] = {}
    for line in match["body"].splitlines():
        if not line.strip():
            continue
        entry = _ENTRY.match(line)
        assert entry, f"sym_status.h: enum entry without an explicit value: {line.strip()!r}"
        code = int(entry[2])
        assert code not in out, f"sym_status.h: code {code} used twice"
        out[code] = entry[1]
    return out


def c_name_array() -> list[str]:
    text = (REPO / "kernels" / "src" / "sym_status.c").read_text(encoding="utf-8")
    match = _NAMES.search(_strip_c_comments(text))
    assert match, "sym_status_names[] not found in sym_status.c"
    return re.findall(r'"([^"]*)"', match["body"])


def test_python_table_is_the_header_enum() -> None:
    enum = header_status_enum()
    assert len(enum) >= 18
    missing = {c: n for c, n in enum.items() if STATUS_NAMES.get(c) != n}
    extra = {c: n for c, n in STATUS_NAMES.items() if enum.get(c) != n}
    assert not missing and not extra, f"not in errors.STATUS_NAMES: {missing}; not in sym_status.h: {extra}"
    assert STATUS_CODES == {n: c for c, n in enum.items()}


def test_c_name_array_is_the_header_enum() -> None:
    """sym_status_name indexes its array by -status: it must list 0, -1, ... in order."""
    enum = header_status_enum()
    assert sorted(enum) == list(range(-(len(enum) - 1), 1)), "codes must be 0, -1, ..., -N without gaps"
    assert c_name_array() == [enum[-i] for i in range(len(enum))]


def test_header_parse_sees_a_new_status(tmp_path, monkeypatch) -> None:
    """The parse is not vacuous: a status added to the header shows up."""
    import test_status_table as me

    fake = tmp_path / "kernels" / "include"
    fake.mkdir(parents=True)
    text = (REPO / "kernels" / "include" / "sym_status.h").read_text(encoding="utf-8")
    fake.joinpath("sym_status.h").write_text(
        text.replace("SYM_ERR_FP_ENV = -17", "SYM_ERR_FP_ENV = -17,\n    SYM_ERR_NEW = -18"), encoding="utf-8")
    monkeypatch.setattr(me, "REPO", tmp_path)
    assert me.header_status_enum()[-18] == "SYM_ERR_NEW"
    with pytest.raises(AssertionError, match="SYM_ERR_NEW"):
        me.test_python_table_is_the_header_enum()


def test_status_name_and_unknown_codes() -> None:
    assert status_name(-4) == "SYM_ERR_BAD_SCALE"
    assert status_name(7) == "SYM_ERR_UNKNOWN(7)"


def test_raise_for_status() -> None:
    raise_for_status(0, "sym_f")  # no error
    with pytest.raises(SymError) as exc:
        raise_for_status(-4, "sym_f", {"SYM_ERR_BAD_SCALE": lambda: ("scale", 0.0, "must be > 0")})
    assert (exc.value.code, exc.value.status, exc.value.argument, exc.value.value) == ("SYM_ERR_BAD_SCALE", -4, "scale", 0.0)
    with pytest.raises(SymError) as exc:
        raise_for_status(-13, "sym_f")
    assert (exc.value.code, exc.value.argument, exc.value.value) == ("SYM_ERR_SHAPE", "sym_f", -13)
    with pytest.raises(SymError) as exc:
        raise_for_status(-99, "sym_f")
    assert (exc.value.code, exc.value.argument, exc.value.value) == ("SYM_ERR_BAD_TYPE", "sym_f", -99)
    assert "unknown status" in str(exc.value)


def test_no_second_status_mapping_in_the_import_root() -> None:
    """Only errors.py looks codes up in STATUS_NAMES with a fallback, or
    writes a status table: a copy could drift (e.g. a different unknown name)."""
    found = []
    for mod, (path, _) in module_files(REPO).items():
        if mod == "symverify.errors":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "STATUS_NAMES"):
                found.append(f"{mod}:{node.lineno} STATUS_NAMES.get")
            if isinstance(node, ast.Dict) and sum(isinstance(k, ast.Constant) and isinstance(k.value, int)
                                                  and isinstance(v, ast.Constant) and str(v.value).startswith("SYM_ERR_")
                                                  for k, v in zip(node.keys, node.values)) >= 2:
                found.append(f"{mod}:{node.lineno} status table")
    assert not found, f"status mapping outside symverify/errors.py: {found}"
