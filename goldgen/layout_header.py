"""The C vector header of a layer family whose kernels take and return only
SYM tensors (``relu.h``), derived from the registry's argument and output
layout: no per-kernel table to keep in step.

Per kernel ``k`` one struct ``sym_golden_<k>_t`` and one array
``sym_golden_<family>_<k>[]`` of the vectors the C ABI can express
(records with ``"c_abi": false`` are left out and listed in the comment).
Per tensor argument ``a``: ``a_n``, ``a_m`` (the mantissas), ``a_scale``
(float32 bits), ``a_bits``; then ``status``; per tensor output ``o``:
``o_m`` (expected mantissas, NULL on error), ``o_scale`` (bits, 0 on error),
``o_bits``. Zero-length inputs point at a one-element dummy.
"""
from __future__ import annotations

from typing import Any, Mapping

from symverify import registry
from symverify.errors import STATUS_CODES

from .vecformat import EMULATOR_VERSION, FixtureError, strip_comments

__all__ = ["render_layout_header", "supports"]

_TENSOR_ROLES = ("tensor",)


def supports(family: str) -> bool:
    """True if every kernel of ``family`` has only tensor arguments and outputs."""
    return all(a.role in _TENSOR_ROLES for k in registry.kernels_of(family) for a in k.args) and all(
        o.kind == "tensor" for k in registry.kernels_of(family) for o in k.outputs)


def _i32(v: int) -> str:
    return "(-2147483647 - 1)" if v == -(1 << 31) else str(int(v))


def _u32(text: str) -> str:
    return f"0x{int(text, 16) & 0xFFFFFFFF:08X}u"


def _comment(text: str) -> str:
    return text.replace("*/", "* /").replace("/*", "/ *")


def _fields(k: registry.Kernel) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    for a in k.args:
        out += [(f"{a.name}_n", "int32_t", f"length of {a.name}"),
                (f"{a.name}_m", "const int32_t *", f"{a.name} mantissas"),
                (f"{a.name}_scale", "uint32_t", f"{a.name} scale bits"),
                (f"{a.name}_bits", "int32_t", f"{a.name} width")]
    out.append(("status", "int32_t", "expected status"))
    for o in k.outputs:
        out += [(f"{o.name}_m", "const int32_t *", f"expected {o.name} mantissas (NULL on error)"),
                (f"{o.name}_scale", "uint32_t", f"expected {o.name} scale bits (0 on error)"),
                (f"{o.name}_bits", "int32_t", f"expected {o.name} width (0 on error)")]
    return out


class _Arrays:
    def __init__(self, prefix: str) -> None:
        self.prefix, self.lines, self.max_n = prefix, [], 1

    def add(self, tag: str, values: list[int]) -> str:
        if not values:
            return f"{self.prefix}_dummy_i32"
        self.max_n = max(self.max_n, len(values))
        name = f"{self.prefix}_{tag}"
        items = [_i32(v) for v in values]
        rows = ["    " + ", ".join(items[i:i + 8]) + "," for i in range(0, len(items), 8)]
        self.lines.append(f"static const int32_t {name}[{len(items)}] = {{\n" + "\n".join(rows) + "\n};")
        return name


def _values(k: registry.Kernel, idx: int, rec: Mapping[str, Any], arrays: _Arrays) -> dict[str, str]:
    args, expect = strip_comments(dict(rec["args"])), rec["expect"]
    vals: dict[str, str] = {}
    for a in k.args:
        spec = args[a.name]
        vals[f"{a.name}_n"] = str(len(spec["mantissas"]))
        vals[f"{a.name}_m"] = arrays.add(f"v{idx:03d}_{a.name}", spec["mantissas"])
        vals[f"{a.name}_scale"] = _u32(spec["scale"])
        vals[f"{a.name}_bits"] = str(spec["q_max_bits"])
    vals["status"] = f"{STATUS_CODES[expect['status']]} /* {expect['status']} */"
    ok = expect["status"] == "SYM_OK"
    for o in k.outputs:
        got = (expect["out"] if len(k.outputs) == 1 else expect[o.name]) if ok else None
        vals[f"{o.name}_m"] = "NULL" if got is None else arrays.add(f"v{idx:03d}_{o.name}", got["mantissas"])
        vals[f"{o.name}_scale"] = "0x00000000u" if got is None else _u32(got["scale"])
        vals[f"{o.name}_bits"] = "0" if got is None else str(got["q_max_bits"])
    return vals


def render_layout_header(doc: Mapping[str, Any]) -> str:
    """The C99 header of a computed layer-family document (``compute_layers``)."""
    family = doc["family"]
    if not supports(family):
        raise FixtureError(f"family {family}: a kernel has a non-tensor argument or output; "
                           "goldgen/layout_header.py renders tensor-only families")
    prefix, up = f"sym_golden_{family}", family.upper()
    arrays = _Arrays(prefix)
    tables, layout, skipped = [], [], []
    for k in registry.kernels_of(family):
        fields = _fields(k)
        tname = f"sym_golden_{k.name}_t"
        layout.append(f" *   {tname}: array {prefix}_{k.name}[SYM_GOLDEN_{up}_{k.name.upper()}_COUNT]")
        layout += [f" *     {ctype:<17} {name:<12} {why}" for name, ctype, why in fields]
        entries = []
        for idx, rec in enumerate(doc["vectors"]):
            if rec["kernel"] != k.name:
                continue
            if rec.get("c_abi") is False:
                skipped.append(rec["name"])
                continue
            vals = _values(k, idx, rec, arrays)
            body = ", ".join(f".{name} = {vals[name]}" for name, _, _ in fields)
            entries.append(f"    /* [{len(entries)}] {_comment(rec['purpose'])} */\n"
                           f"    {{ \"{rec['name']}\", {body} }},")
        struct = ("typedef struct {\n    const char *name;\n"
                  + "".join(f"    {ctype}{'' if ctype.endswith('*') else ' '}{name}; /* {why} */\n"
                            for name, ctype, why in fields) + f"}} {tname};")
        tables.append(f"{struct}\n\n#define SYM_GOLDEN_{up}_{k.name.upper()}_COUNT {len(entries)}\n"
                      f"static const {tname} {prefix}_{k.name}[{len(entries)}] = {{\n" + "\n".join(entries) + "\n};")
    skipped_doc = (" * Vectors only the Python API can express (not here): " + ", ".join(skipped) + ".\n"
                   if skipped else "")
    guard = f"SYMVERIFY_GOLDEN_{up}_H"
    return (f"/* Golden vectors, family \"{family}\": generated by `symverify goldgen` from\n"
            f" * goldgen/layer_fixtures.py with the float32 emulator; layout derived from\n"
            f" * symverify/registry.py (goldgen/layout_header.py). DO NOT EDIT.\n *\n"
            f" * emulator version {EMULATOR_VERSION}, fixture hash {doc['fixture_hash']}\n *\n"
            f" * float32 values are IEEE-754 bit patterns; status is the enum sym_status value;\n"
            f" * on error the expected mantissas are NULL and scale / bits 0 (outputs untouched).\n"
            f" * Struct layout (each struct starts with `const char *name`):\n"
            + "\n".join(layout) + "\n" + skipped_doc + " */\n"
            f"#ifndef {guard}\n#define {guard}\n\n#include <stddef.h>\n#include <stdint.h>\n\n"
            f"#define {prefix.upper()}_MAX_N {arrays.max_n}\n\n"
            f"static const int32_t {prefix}_dummy_i32[1] = {{ 0 }};\n\n"
            "/* ---- vector data ---- */\n" + "\n".join(arrays.lines) + "\n\n/* ---- vector tables ---- */\n"
            + "\n\n".join(tables) + f"\n\n#endif /* {guard} */\n")
