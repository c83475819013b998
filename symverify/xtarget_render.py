"""The C text of a Cortex-M case table (``xt_cases.h``, read by
``xtarget/run_table.c``): one call function per C entry point, generated from
its declaration, then the cases of :func:`symverify.xtarget_table.build_cases`
as plain data (arrays shared by content)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

from . import registry
from .xtarget_cdecl import XtableError, args_struct, category, declaring_header, entry_items
from .xtarget_table import Case, build_cases

__all__ = ["family_table", "render_table"]

#: Input slots of one call (xtarget/xt_table.h XTMAX_IN).
MAX_IN = 8


def _i32(v: int) -> str:
    v = int(v)
    if v >= 1 << 31:
        v -= 1 << 32
    return "(-2147483647 - 1)" if v == -(1 << 31) else str(v)


def _u32(v: int) -> str:
    return f"0x{int(v) & 0xFFFFFFFF:08X}u"


def _c_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _expr(cat: str, slot: dict[str, int]) -> str:
    """The C expression that fills one field / parameter from the case."""
    if cat == "cview":
        s = slot["in"]; slot["in"] += 1
        return f"xt_cview(&k->in[{s}])"
    if cat == "opt_cview":
        s = slot["in"]; slot["in"] += 1
        return f"xt_opt_cview(&k->in[{s}], &w->cv[{s}])"
    if cat == "i32_in":
        s = slot["in"]; slot["in"] += 1
        return f"xt_i32_in(k, w, {s})"
    if cat == "f32_in":
        s = slot["in"]; slot["in"] += 1
        f = slot["fin"]; slot["fin"] += 1
        return f"xt_f32_in(k, w, {s}, {f})"
    if cat == "view":
        o = slot["out"]; slot["out"] += 1
        return f"xt_view(k, w, {o})"
    if cat == "i32_out":
        o = slot["out"]; slot["out"] += 1
        return f"xt_out_i32(k, w, {o})"
    if cat == "f32_out":
        o = slot["out"]; slot["out"] += 1
        return f"xt_out_f32(k, w, {o})"
    if cat == "geom":
        i = slot["iv"]; slot["iv"] += 12
        return f"xt_geom(k->iv + {i})"
    if cat == "round":
        i = slot["iv"]; slot["iv"] += 2
        return f"xt_round(k, w, {i})"
    if cat == "int":
        i = slot["iv"]; slot["iv"] += 1
        return f"k->iv[{i}]"
    if cat == "float":
        i = slot["iv"]; slot["iv"] += 1
        return f"xt_f32((uint32_t)k->iv[{i}])"
    if cat == "scratch":
        return "w->scratch.i"
    if cat == "fscratch":
        return "w->scratch.f"
    if cat == "rng":
        return "k->use_rng ? &w->rng : 0"
    raise XtableError(f"no C expression for category {cat}")


def _call_function(entry: str, include: Path) -> str:
    is_struct, items = entry_items(entry, include)
    slot = {"in": 0, "out": 0, "iv": 0, "fin": 0}
    lines = [f"static int xt_call_{entry}(const xt_call *k, xt_work *w)", "{"]
    if is_struct:
        lines.append(f"    {args_struct(entry, include)} a;")
        for it in items:
            lines.append(f"    a.{it.name} = {_expr(category(it), slot)};")
        lines.append(f"    return {entry}(&a, &w->err);")
    else:
        args = [_expr(category(it), slot) for it in items]
        lines.append("    (void)w;" if not args else "")
        lines.append(f"    return {entry}(" + ",\n        ".join(args) + ");")
    lines.append("}")
    return "\n".join(line for line in lines if line != "") + "\n"


class _Arrays:
    def __init__(self) -> None:
        self.text: list[str] = []
        self.seen: dict[tuple[int, ...], str] = {}
        self.count = 0

    def add(self, values: Sequence[int] | None, own: bool = False) -> str:
        """The name of a const array holding ``values``; equal arrays share
        one unless ``own``."""
        if values is None:
            return "0"
        key = tuple(int(v) for v in values)
        if not key:
            return "xt_empty"
        if own or key not in self.seen:
            name = f"xt_a{self.count}"
            self.count += 1
            items = [_i32(v) for v in key]
            body = "\n".join("    " + ", ".join(items[s:s + 10]) + "," for s in range(0, len(items), 10))
            self.text.append(f"static const int32_t {name}[{len(items)}] = {{\n{body}\n}};\n")
            if own:
                return name
            self.seen[key] = name
        return self.seen[key]


def render_table(family: str, cases: Sequence[Case], cap: int, include: Path) -> str:
    """The C text of ``xt_cases.h`` for ``family`` (included by run_table.c)."""
    entries = list(dict.fromkeys(cl.entry for c in cases for cl in c.calls))
    headers = sorted({declaring_header(ep, include) for ep in entries})
    arr = _Arrays()
    calls_text: list[str] = []
    for ci, c in enumerate(cases):
        for li, cl in enumerate(c.calls):
            ins = ", ".join(f"{{ {arr.add(i.m, i.own)}, {len(i.m)}, {_u32(i.scale)}, {_i32(i.bits)}, "
                            f"{int(i.present)}, {i.alias} }}" for i in cl.ins) or "{ 0, 0, 0u, 0, 0, -1 }"
            outs = []
            for fname, o in cl.outs:
                f = cl.prefix + fname
                outs.append(f"{{ {_c_str(f)}, {_c_str(f + '_guard')}, {_c_str(f + '_untouched')}, "
                            f"{_c_str(f + '.scale')}, {_c_str(f + '.q_max_bits')}, {int(o.present)}, "
                            f"{int(o.view)}, {int(o.is_float)}, {o.n}, {_i32(o.view_bits)}, "
                            f"{arr.add(o.init)}, {len(o.init or [])}, {arr.add(o.exp)}, {len(o.exp or [])}, "
                            f"{_u32(o.scale)}, {_i32(o.bits)}, {int(o.scalar)} }}")
            iv = ", ".join(_i32(v) for v in cl.iv) or "0"
            calls_text.append(
                f"static const xt_in xt_in_{ci}_{li}[] = {{ {ins} }};\n"
                f"static const int32_t xt_iv_{ci}_{li}[] = {{ {iv} }};\n"
                f"static const xt_out xt_out_{ci}_{li}[] = {{\n    " + ",\n    ".join(outs) + "\n};\n")
    case_rows = []
    call_rows = []
    for ci, c in enumerate(cases):
        first = len(call_rows)
        for li, cl in enumerate(c.calls):
            call_rows.append(
                f"    {{ xt_call_{cl.entry}, {_c_str(cl.prefix + 'status')}, xt_in_{ci}_{li}, xt_iv_{ci}_{li}, "
                f"xt_out_{ci}_{li}, {len(cl.outs)}, {cl.status} /* {cl.status_name} */, "
                f"{_u32(cl.rng_in)}, {_u32(cl.rng_out)}, {int(cl.use_rng)}, {int(cl.is_struct)}, "
                f"{int(cl.check_rng)} }},")
        case_rows.append(f"    {{ {_c_str(c.kernel)}, {c.index}u, {_c_str(c.name)}, xt_calls + {first}, "
                         f"{len(c.calls)} }},")
    items = [it for ep in entries for it in entry_items(ep, include)[1]]
    max_out = max(len(cl.outs) for c in cases for cl in c.calls)
    max_fin = max(sum(category(it) == "f32_in" for it in entry_items(ep, include)[1]) for ep in entries)
    scratch = any(category(it) in ("scratch", "fscratch") for it in items)
    if max(len(cl.ins) for c in cases for cl in c.calls) > MAX_IN:
        raise XtableError(f"family {family!r}: a call has more than {MAX_IN} inputs (xtarget/xt_table.h XTMAX_IN)")
    out = [f"/* Generated by symverify/xtarget_table.py from goldgen/vectors/{family}.json and\n"
           " * kernels/include: do not edit. */\n",
           "#ifndef XT_CASES_H\n#define XT_CASES_H\n\n",
           f"#define XT_FAMILY {_c_str(family)}\n#define XT_MAX_N {cap}\n#define XT_CASE_COUNT {len(cases)}u\n"
           f"#define XT_MAX_OUT {max(1, max_out)}\n#define XT_MAX_FIN {max(1, max_fin)}\n"
           f"#define XT_SCRATCH_N {'XT_BUF_N' if scratch else 1}\n\n",
           "#include \"xt_table.h\"\n"]
    out += [f"#include \"{h}\"\n" for h in headers]
    out.append("\nstatic const int32_t xt_empty[1] = { 0 };\n\n")
    out += [_call_function(ep, include) + "\n" for ep in entries]
    out += arr.text
    out += calls_text
    out.append("\nstatic const xt_call xt_calls[] = {\n" + "\n".join(call_rows) + "\n};\n\n")
    out.append("static const xt_case xt_cases[] = {\n" + "\n".join(case_rows) + "\n};\n\n#endif /* XT_CASES_H */\n")
    return "".join(out)


def family_table(family: str, vectors: Path, include: Path) -> str:
    """``xt_cases.h`` of ``family`` from ``<vectors>/<family>.json``; XtableError
    naming the family when it has no case."""
    from .goldgen import vectorset   # goldgen is loaded only when a table is built

    path = vectors / registry.family(family).vector_file
    try:
        doc = vectorset.read_json(path)
    except vectorset.VectorFileError as exc:
        raise XtableError(str(exc)) from None
    header = vectors / f"{family}.h"
    found = re.search(r"#define\s+SYM_GOLDEN_\w+_MAX_N\s+(\d+)", header.read_text()) if header.exists() else None
    # at least the capacity goldgen's header gives the kernels' work buffers
    try:
        cases, cap = build_cases(family, doc, include, int(found.group(1)) if found else 1)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        if isinstance(exc, XtableError):
            raise
        raise XtableError(f"{path}: a vector the case table cannot read ({type(exc).__name__}: {exc})") from None
    if not cases:
        raise XtableError(f"family {family!r}: no C-expressible vector in {registry.family(family).vector_file}")
    return render_table(family, cases, cap, include)
