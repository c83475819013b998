"""Reading golden vector files safely, and the manifest of a vector set.

Every reader of ``goldgen/vectors`` (``goldgen --check``, ``mutate``,
``xtarget``, the test helpers) goes through :func:`read_text` /
:func:`read_json`, so a truncated, binary or directory "vector file" is a
:class:`VectorFileError` naming the file (the commands exit 3), never a
traceback.

The set manifest ``SHA256SUMS`` (``sha256sum -c`` format, written last by
``goldgen``) lists the sha256 of every generated file. :func:`verify` finds
files that do not match it: a set mixed from two goldgen runs (an interrupted
write) or a hand edit.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any, Iterable, Mapping

#: name of the manifest inside a vector directory
MANIFEST = "SHA256SUMS"
#: prefix of goldgen's staging directory inside the vector directory
STAGING_PREFIX = ".goldgen-stage-"
_MANIFEST_LINE = re.compile(r"^([0-9a-f]{64})  ([^/\\\s][^/\\]*)$")


class VectorFileError(ValueError):
    """A vector file (or the vector set) cannot be used; the message names the file."""


def read_bytes(path: Path) -> bytes:
    """The bytes of a vector file; VectorFileError if it is missing, a directory or unreadable."""
    path = Path(path)
    if path.is_dir():
        raise VectorFileError(f"{path}: is a directory, not a vector file")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise VectorFileError(f"{path}: vector file not found (run `symverify goldgen`)") from None
    except OSError as exc:
        raise VectorFileError(f"{path}: cannot read: {exc.strerror or exc}") from None


def read_text(path: Path) -> str:
    """A vector file as UTF-8 text; VectorFileError if it is not text."""
    data = read_bytes(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise VectorFileError(f"{path}: not a text file (byte {exc.start} is not UTF-8; binary data?)") from None
    if "\0" in text:
        raise VectorFileError(f"{path}: not a text file (NUL byte at char {text.index(chr(0))})")
    return text


def read_json(path: Path) -> dict[str, Any]:
    """A golden JSON file as a dict; VectorFileError (file, line, column) if it
    is not valid JSON (e.g. truncated) or not a JSON object."""
    text = read_text(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise VectorFileError(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno} "
                              f"(truncated or edited file? `symverify goldgen` rewrites it)") from None
    if not isinstance(doc, dict):
        raise VectorFileError(f"{path}: not a golden vector file (top level is a {type(doc).__name__}, "
                              "expected an object)")
    return doc


# --------------------------------------------------------------------------- manifest
def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def render_manifest(files: Mapping[str, bytes]) -> str:
    """``SHA256SUMS`` text for {file name: content}, sorted by name."""
    return "".join(f"{sha256(files[name])}  {name}\n" for name in sorted(files))


def parse_manifest(path: Path) -> dict[str, str]:
    """{file name: sha256} of a manifest; VectorFileError on a malformed line."""
    entries: dict[str, str] = {}
    for no, line in enumerate(read_text(path).splitlines(), start=1):
        m = _MANIFEST_LINE.match(line)
        if not m:
            raise VectorFileError(f"{path}: line {no}: expected '<sha256>  <file name>', got {line[:80]!r}")
        entries[m.group(2)] = m.group(1)
    return entries


def verify(directory: Path, names: Iterable[str] | None = None) -> list[str]:
    """Files of ``directory`` that do not match its manifest (all listed files,
    or only ``names`` among them), as "name: reason" strings; [] if they match
    or the directory has no manifest."""
    directory = Path(directory)
    manifest = directory / MANIFEST
    if not manifest.exists():
        return []
    entries = parse_manifest(manifest)
    wanted = sorted(entries) if names is None else sorted(n for n in names if n in entries)
    problems = []
    for name in wanted:
        path = directory / name
        if not path.is_file():
            problems.append(f"{name}: listed in {MANIFEST} but missing")
        elif sha256(read_bytes(path)) != entries[name]:
            problems.append(f"{name}: content differs from {MANIFEST}")
    return problems


def check_set(files: Iterable[Path]) -> None:
    """Raise VectorFileError if any of ``files`` disagrees with the manifest of
    its directory (a mixed or hand-edited vector set)."""
    by_dir: dict[Path, list[str]] = {}
    for f in files:
        by_dir.setdefault(Path(f).parent, []).append(Path(f).name)
    for directory, names in sorted(by_dir.items()):
        problems = verify(directory, names)
        if problems:
            raise VectorFileError(f"{directory}: inconsistent vector set ({'; '.join(problems)}): an interrupted "
                                  "`symverify goldgen` run or a hand edit; run `symverify goldgen --check` to see "
                                  "the drift, `symverify goldgen` to rewrite the set")


# --------------------------------------------------------------------------- temporaries
def stale_temporaries(directory: Path, names: Iterable[str] = ()) -> list[Path]:
    """Leftovers of an interrupted goldgen run in ``directory``: staging
    directories, and ``.<name>.*.tmp`` files of earlier versions for ``names``."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = sorted(directory.glob(f"{STAGING_PREFIX}*"))
    for name in names:
        found += sorted(directory.glob(f".{name}.*.tmp"))
    return found


def remove_stale(directory: Path, names: Iterable[str] = ()) -> list[Path]:
    """Delete :func:`stale_temporaries`; returns what was removed."""
    gone = stale_temporaries(directory, names)
    for p in gone:
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
    return gone
