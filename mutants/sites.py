"""Mutation sites: apply the catalog's operators to the kernel sources, and
generate the *mutant schemata* (one copy of the sources holding every mutant
behind a runtime id).

Each expression region (see :mod:`.csource`) with mutants is rewritten as

    (sym_mutant_active(17) ? (__typeof__((ORIG)))(MUTANT_17) :
     sym_mutant_active(18) ? (__typeof__((ORIG)))(MUTANT_18) :
     (ORIG))

(the cast keeps the expression's type exactly that of the original, so the
unmutated path computes bit-identical results), a deleted statement becomes
``if (!sym_mutant_active(ID)) { STMT }`` and a duplicated one is followed by
``if (sym_mutant_active(ID)) { STMT }``. ``sym_mutant_active`` also records
which ids were reached, which the runner uses for per-vector coverage.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .catalog import Catalog, Operator, mutated_files
from .csource import Region, SourceFile, Statement, Token, parse_file

RT_HEADER = "sym_mutant_rt.h"
RT_SOURCE = "sym_mutant_rt.c"


@dataclass
class Mutant:
    uid: str  # stable id: <file stem>:<function>:<operator>:<hash>
    op: str
    file: str  # path relative to the repository (kernels/src/x.c)
    function: str
    kind: str  # expr | delete | dup
    line: int
    col: int
    end_line: int
    end_col: int
    original: str  # the original text of the changed span
    replacement: str  # its replacement ('' for a deletion)
    region: int = -1  # index into SourceFile.regions (kind expr)
    stmt: int = -1  # index into SourceFile.statements (delete / dup)
    mutated: str = ""  # the whole mutated region text (kind expr)
    num: int = 0  # runtime id in the schemata build (1..N)

    def diff(self) -> str:
        if self.kind == "delete":
            return f"- {self.original}"
        if self.kind == "dup":
            return f"+ {self.original}   (executed twice)"
        return f"- {self.original}\n+ {self.replacement}"


@dataclass
class _Edit:
    start: int  # token index (inclusive) relative to the file
    end: int  # token index (exclusive)
    text: str


def _is_binary(toks: list[Token], i: int, region_start: int) -> bool:
    """True if the operator token at i is binary (has a left operand)."""
    if i <= region_start:
        return False
    prev = toks[i - 1]
    if prev.kind in ("number", "string", "char"):
        return True
    if prev.kind == "ident":
        return prev.text != "sizeof" and prev.text != "return"
    return prev.text in (")", "]")


def _is_cast(toks: list[Token], i: int) -> bool:
    """toks[i] is '(' of a cast '(T)' followed by an operand."""
    return (i + 3 < len(toks) and toks[i].text == "(" and toks[i + 2].text == ")"
            and toks[i + 1].kind == "ident" and (i == 0 or toks[i - 1].kind != "ident"
                                                 or toks[i - 1].text in ("return",)))


def _match_paren(toks: list[Token], i: int) -> int:
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].text == "(":
            depth += 1
        elif toks[j].text == ")":
            depth -= 1
            if depth == 0:
                return j
    raise ValueError("unbalanced parentheses")


def _split_args(toks: list[Token], open_i: int, close_i: int) -> list[tuple[int, int]]:
    args, depth, start = [], 0, open_i + 1
    for j in range(open_i + 1, close_i):
        t = toks[j].text
        if t in "([{":
            depth += 1
        elif t in ")]}":
            depth -= 1
        elif t == "," and depth == 0:
            args.append((start, j))
            start = j + 1
    if start < close_i:
        args.append((start, close_i))
    return args


def _is_float_literal(text: str) -> bool:
    return not text.lower().startswith("0x") and ("." in text or "e" in text.lower() or text[-1] in "fF")


def _int_literal_value(text: str) -> tuple[int, str] | None:
    m = re.fullmatch(r"(0[xX][0-9a-fA-F]+|\d+)([uUlL]*)", text)
    if not m:
        return None
    return int(m.group(1), 0), m.group(2)


def _region_edits(sf: SourceFile, reg: Region, op: Operator) -> list[list[_Edit]]:
    """Every single mutation of ``op`` inside region ``reg`` (a list of edit sets)."""
    toks = sf.tokens
    out: list[list[_Edit]] = []
    p = op.params
    rng = range(reg.start, reg.end)
    if op.kind == "token":
        for i in rng:
            t = toks[i]
            if t.text not in p["map"]:
                continue
            if t.kind == "punct" and t.text in "+-*/%&<>^|" and len(t.text) == 1 and not _is_binary(toks, i, reg.start):
                continue
            if t.kind == "ident" and (i + 1 >= reg.end or toks[i + 1].text != "(") and t.text.islower():
                continue  # a function name replacement only where it is called
            if "near" in p and not _next_to(toks, i, reg, p["near"]):
                continue
            for r in p["map"][t.text]:
                out.append([_Edit(i, i + 1, r)])
    elif op.kind == "literal":
        for i in rng:
            t = toks[i]
            if t.kind != "number":
                continue
            if _is_float_literal(t.text):
                repl = list(p.get("float_values", {}).get(t.text, []))
                if p.get("float_zero_one"):
                    val = float(t.text.rstrip("fFlL"))
                    repl += [r for r, v in (("0.0f", 0.0), ("1.0f", 1.0)) if v != val]
                if p.get("float_suffix_drop") and t.text[-1] in "fF":
                    repl.append(t.text[:-1])
                for r in repl:
                    out.append([_Edit(i, i + 1, r)])
            else:
                parsed = _int_literal_value(t.text)
                if parsed is None:
                    continue
                value, suffix = parsed
                for d in p.get("int_deltas", []):
                    nv = value + d
                    if nv < 0 and "u" in suffix.lower():
                        continue
                    if nv > 0xFFFFFFFF:
                        continue
                    if t.text.lower().startswith("0x"):
                        r = f"0x{nv:X}{suffix}"
                    else:
                        r = f"{nv}{suffix}" if nv >= 0 else f"({nv}{suffix})"
                    out.append([_Edit(i, i + 1, r)])
    elif op.kind == "unary":
        for i in rng:
            t = toks[i]
            if t.text in p["drop"] and t.kind == "punct" and not (t.text == "-" and _is_binary(toks, i, reg.start)):
                out.append([_Edit(i, i + 1, "")])
    elif op.kind == "cast":
        for i in rng:
            if i + 3 < reg.end + 1 and _is_cast(toks, i) and i + 2 < reg.end and toks[i + 1].text in p["map"]:
                for r in p["map"][toks[i + 1].text]:
                    out.append([_Edit(i, i + 3, r)])
    elif op.kind == "call":
        fn = p["function"]
        for i in rng:
            if toks[i].text == fn and i + 1 < reg.end and toks[i + 1].text == "(":
                close = _match_paren(toks, i + 1)
                args = [sf.text[toks[a].start:toks[b - 1].end] for a, b in _split_args(toks, i + 1, close)]
                call = sf.text[toks[i].start:toks[close].end]
                for tpl in p["replace"]:
                    try:
                        text = tpl.format(*args, call=call)
                    except (IndexError, KeyError):
                        continue
                    out.append([_Edit(i, close + 1, text)])
    elif op.kind == "expr":
        if sf.norm(reg.start, reg.end) == " ".join(p["match"].split()):
            for r in p["replace"]:
                out.append([_Edit(reg.start, reg.end, r)])
    elif op.kind == "logic_drop":
        out.extend(_logic_drop_edits(sf, reg))
    elif op.kind == "cond_const":
        if reg.kind == "cond" and reg.start >= 2 and toks[reg.start - 2].text in p.get("statements", ["if"]):
            for v in p["values"]:
                out.append([_Edit(reg.start, reg.end, v)])
    elif op.kind == "call_swap":
        out.extend(_call_swap_edits(sf, reg, p.get("callees")))
    elif op.kind == "reassoc":
        out.extend(_reassoc_edits(sf, reg))
    return out


def _next_to(toks: list[Token], i: int, reg: Region, pattern: str) -> bool:
    """An operand token right beside toks[i] (inside the region) matches ``pattern``."""
    return any(reg.start <= j < reg.end and re.fullmatch(pattern, toks[j].text) for j in (i - 1, i + 1))


def _groups(toks: list[Token], start: int, end: int) -> list[tuple[int, int]]:
    """Every operand list of tokens[start:end]: the span itself split at its
    top-level commas, then recursively the inside of every bracket pair."""
    out: list[tuple[int, int]] = []
    depth, piece = 0, start
    for j in range(start, end):
        t = toks[j].text
        if t in "([{":
            if depth == 0:
                close = _match_paren(toks, j) if t == "(" else None
                if close is not None and close < end:
                    out.extend(_groups(toks, j + 1, close))
            depth += 1
        elif t in ")]}":
            depth -= 1
        elif t == "," and depth == 0:
            out.append((piece, j))
            piece = j + 1
    out.append((piece, end))
    return out


def _top_split(toks: list[Token], start: int, end: int, ops: set[str]) -> list[int]:
    """Indices of the tokens in ``ops`` at bracket depth 0 of tokens[start:end]."""
    at, depth = [], 0
    for j in range(start, end):
        t = toks[j].text
        if t in "([{":
            depth += 1
        elif t in ")]}":
            depth -= 1
        elif depth == 0 and t in ops:
            at.append(j)
    return at


def _logic_drop_edits(sf: SourceFile, reg: Region) -> list[list[_Edit]]:
    """``a && b`` -> ``b`` / ``a`` (and ``||``): each operand of every logical
    chain dropped in turn (a guard replaced by its constant neutral value)."""
    toks, out = sf.tokens, []
    for g0, g1 in _groups(toks, reg.start, reg.end):
        if _top_split(toks, g0, g1, {"?", "=", ","}):
            continue
        for ops in ({"||"}, {"&&"}):
            cut = _top_split(toks, g0, g1, ops)
            if cut:
                break
        if not cut:
            continue
        bounds = [g0, *cut, g1]
        operands = [(bounds[k] + (k > 0), bounds[k + 1]) for k in range(len(bounds) - 1)]
        conn = toks[cut[0]].text
        for k in range(len(operands)):
            rest = [sf.span_text(a, b) for n, (a, b) in enumerate(operands) if n != k]
            out.append([_Edit(g0, g1, f" {conn} ".join(rest))])
    return out


def _param_types(sf: SourceFile, fn: "Function") -> list[str]:  # noqa: F821 (csource.Function)
    """The declared parameter types of a function definition (``const`` dropped)."""
    close = fn.body_start - 1
    depth = 0
    for j in range(close, -1, -1):
        depth += {")": 1, "(": -1}.get(sf.tokens[j].text, 0)
        if depth == 0:
            open_i = j
            break
    types = []
    for a, b in _split_args(sf.tokens, open_i, close):
        words = [t.text for t in sf.tokens[a:b] if t.text != "const"]
        types.append(" ".join(words[:-1]) if len(words) > 1 else " ".join(words))
    return types


#: function name -> parameter types, over every parsed kernel source (set by collect)
SIGNATURES: dict[str, list[str]] = {}


def _call_swap_edits(sf: SourceFile, reg: Region, callees: list[str] | None) -> list[list[_Edit]]:
    """Two same-typed arguments of a call to a kernel-internal function swapped."""
    toks, out = sf.tokens, []
    for i in range(reg.start, reg.end - 1):
        name = toks[i].text
        if toks[i].kind != "ident" or toks[i + 1].text != "(" or name not in SIGNATURES:
            continue
        if callees is not None and name not in callees:
            continue
        close = _match_paren(toks, i + 1)
        spans = _split_args(toks, i + 1, close)
        types = SIGNATURES[name]
        if len(spans) != len(types):
            continue
        args = [sf.text[toks[a].start:toks[b - 1].end] for a, b in spans]
        for x in range(len(args)):
            for y in range(x + 1, len(args)):
                if types[x] != types[y] or " ".join(args[x].split()) == " ".join(args[y].split()):
                    continue
                swapped = list(args)
                swapped[x], swapped[y] = args[y], args[x]
                out.append([_Edit(i, close + 1, f"{name}({', '.join(swapped)})")])
    return out


_FLIP = {"+": "-", "-": "+"}


def _reassoc_alternatives(x: str, op1: str, y: str, op2: str, z: str) -> list[str]:
    """(x op1 y) op2 z evaluated in the other two float orders."""
    inner = op2 if op1 == "+" else _FLIP[op2]
    return [f"{x} {op1} ({y} {inner} {z})", f"({x} {op2} {z}) {op1} {y}"]


def _reassoc_edits(sf: SourceFile, reg: Region) -> list[list[_Edit]]:
    """Float sums reassociated: a three-operand +/- chain inside the region, or
    the house-style pair ``w = x + y; w = w - z;`` (this region being the second
    right-hand side) rewritten as one expression in another order."""
    toks, out = sf.tokens, []
    for g0, g1 in _groups(toks, reg.start, reg.end):
        cut = [j for j in _top_split(toks, g0, g1, {"+", "-"}) if _is_binary(toks, j, g0)]
        if len(cut) == 2 and not _top_split(toks, g0, g1, {"?", "=", ",", "&&", "||", "<", ">", "<=", ">=",
                                                            "==", "!=", "<<", ">>", "&", "|", "^"}):
            x, y, z = (sf.span_text(g0, cut[0]), sf.span_text(cut[0] + 1, cut[1]), sf.span_text(cut[1] + 1, g1))
            for alt in _reassoc_alternatives(x, toks[cut[0]].text, y, toks[cut[1]].text, z):
                out.append([_Edit(g0, g1, alt)])
    if reg.kind != "rhs":
        return out
    si = next((k for k, st in enumerate(sf.statements) if st.kind == "assign" and st.end > reg.start >= st.start),
              None)
    if si is None or si == 0:
        return out
    s2, s1 = sf.statements[si], sf.statements[si - 1]
    lhs = s2.lhs
    rhs2 = sf.norm(reg.start, reg.end).split(" ")
    if s1.kind not in ("assign", "decl") or s1.end != s2.start or len(rhs2) != 3 or rhs2[0] != lhs \
            or rhs2[1] not in _FLIP:
        return out
    eq = next((j for j in range(s1.start, s1.end) if toks[j].text == "="), None)
    if eq is None or (s1.kind == "assign" and s1.lhs != lhs) \
            or (s1.kind == "decl" and toks[eq - 1].text != lhs):
        return out
    cut = [j for j in _top_split(toks, eq + 1, s1.end - 1, {"+", "-"}) if _is_binary(toks, j, eq + 1)]
    if len(cut) != 1 or any(toks[j].text == lhs for j in range(eq + 1, s1.end - 1)):
        return out
    x, y = sf.span_text(eq + 1, cut[0]), sf.span_text(cut[0] + 1, s1.end - 1)
    for alt in _reassoc_alternatives(x, toks[cut[0]].text, y, rhs2[1], rhs2[2]):
        out.append([_Edit(reg.start, reg.end, alt)])
    return out


def _apply(sf: SourceFile, start: int, end: int, edits: list[_Edit]) -> str:
    """Text of tokens[start:end] with ``edits`` applied."""
    toks = sf.tokens
    pos = toks[start].start
    parts = []
    for e in sorted(edits, key=lambda e: e.start):
        parts.append(sf.text[pos:toks[e.start].start])
        parts.append(e.text)
        pos = toks[e.end - 1].end
    parts.append(sf.text[pos:toks[end - 1].end])
    return "".join(parts)


def _uid(stem: str, function: str, op: str, key: str) -> str:
    return f"{stem}:{function}:{op}:{hashlib.sha1(key.encode()).hexdigest()[:8]}"


def _stmt_matches(sf: SourceFile, st: Statement, op: Operator) -> bool:
    p = op.params
    kinds = p.get("kinds", ["assign", "expr"] if op.kind == "stmt_delete" else ["assign", "expr"])
    if st.kind not in kinds:
        return False
    text = sf.norm(st.start, st.end)
    if "lhs" in p and not (st.kind == "assign" and re.search(p["lhs"], st.lhs)):
        return False
    if "text" in p and not re.search(p["text"], text):
        return False
    return True


def find_mutants(sf: SourceFile, rel: str, catalog: Catalog) -> list[Mutant]:
    """All mutants of one source file, in a deterministic order."""
    stem = Path(rel).stem
    mutants: list[Mutant] = []
    seen: set[tuple] = set()
    toks = sf.tokens
    # occurrence index of identical region text inside a function (stable ids)
    occ: dict[tuple[str, str], int] = {}
    region_key: list[str] = []
    for reg in sf.regions:
        k = (reg.function, sf.norm(reg.start, reg.end))
        occ[k] = occ.get(k, 0) + 1
        region_key.append(f"{k[1]}#{occ[k]}")
    stmt_occ: dict[tuple[str, str], int] = {}
    stmt_key: list[str] = []
    for st in sf.statements:
        k = (st.function, sf.norm(st.start, st.end))
        stmt_occ[k] = stmt_occ.get(k, 0) + 1
        stmt_key.append(f"{k[1]}#{stmt_occ[k]}")

    for op in catalog.operators:
        if op.kind in ("stmt_delete", "stmt_dup"):
            for si, st in enumerate(sf.statements):
                if not op.applies_to(Path(rel).name, st.function) or not _stmt_matches(sf, st, op):
                    continue
                if op.kind == "stmt_delete" and st.last_in_function:
                    continue
                if op.kind == "stmt_delete" and st.kind == "assign" and (st.function, st.lhs) in sf.uninit:
                    continue  # the only initialisation of a local: -Werror=maybe-uninitialized rejects it
                key = ("delete" if op.kind == "stmt_delete" else "dup", si)
                if key in seen:
                    continue
                seen.add(key)
                a, b = toks[st.start], toks[st.end - 1]
                mutants.append(Mutant(
                    _uid(stem, st.function, op.id, f"{key[0]}|{stmt_key[si]}"), op.id, rel, st.function,
                    key[0], a.line, a.col, b.line, b.col + len(b.text),
                    sf.span_text(st.start, st.end), "" if key[0] == "delete" else sf.span_text(st.start, st.end),
                    stmt=si))
            continue
        for ri, reg in enumerate(sf.regions):
            if not op.applies_to(Path(rel).name, reg.function):
                continue
            for edits in _region_edits(sf, reg, op):
                mutated = _apply(sf, reg.start, reg.end, edits)
                norm_mut = " ".join(mutated.split())
                if norm_mut == " ".join(sf.span_text(reg.start, reg.end).split()):
                    continue
                key = ("expr", ri, norm_mut)
                if key in seen:
                    continue
                seen.add(key)
                e0, e1 = min(e.start for e in edits), max(e.end for e in edits)
                a, b = toks[e0], toks[e1 - 1]
                rel_pos = ",".join(f"{e.start - reg.start}:{e.end - reg.start}={e.text}" for e in edits)
                mutants.append(Mutant(
                    _uid(stem, reg.function, op.id, f"{region_key[ri]}|{rel_pos}"), op.id, rel, reg.function,
                    "expr", a.line, a.col, b.line, b.col + len(b.text),
                    sf.span_text(e0, e1), " ".join(e.text for e in sorted(edits, key=lambda e: e.start)),
                    region=ri, mutated=mutated))
    return mutants


# --------------------------------------------------------------------------- schemata
def schemata_source(sf: SourceFile, mutants: list[Mutant]) -> str:
    """The schemata text of one file holding ``mutants`` (their ``num`` set)."""
    toks = sf.tokens
    by_region: dict[int, list[Mutant]] = {}
    deletes: dict[int, list[Mutant]] = {}
    dups: dict[int, list[Mutant]] = {}
    for m in mutants:
        if m.kind == "expr":
            by_region.setdefault(m.region, []).append(m)
        elif m.kind == "delete":
            deletes.setdefault(m.stmt, []).append(m)
        else:
            dups.setdefault(m.stmt, []).append(m)
    # (offset, end offset, order, text): order puts statement prefixes first
    edits: list[tuple[int, int, int, str]] = []
    for ri, ms in by_region.items():
        reg = sf.regions[ri]
        orig = sf.span_text(reg.start, reg.end)
        flat = " ".join(orig.split())
        alts = "".join(f"sym_mutant_active({m.num}) ? (__typeof__(({flat})))({' '.join(m.mutated.split())}) :\n"
                       for m in ms)
        edits.append((toks[reg.start].start, toks[reg.end - 1].end, 1, f"({alts}({orig}))"))
    for si in set(deletes) | set(dups):
        st = sf.statements[si]
        start, end = toks[st.start].start, toks[st.end - 1].end
        for m in deletes.get(si, []):
            edits.append((start, start, 0, f"if (!sym_mutant_active({m.num})) {{ "))
            edits.append((end, end, 2, " }"))
        for m in dups.get(si, []):
            edits.append((end, end, 3, f"\nif (sym_mutant_active({m.num})) {{ {sf.span_text(st.start, st.end)} }}"))
    edits.sort(key=lambda e: (e[0], e[2]))
    out, pos = [f'#include "{RT_HEADER}"\n'], 0
    for start, end, _, text in edits:
        if start < pos:
            raise ValueError(f"{sf.path}: overlapping schemata edits at offset {start}")
        out.append(sf.text[pos:start])
        out.append(text)
        pos = end
    out.append(sf.text[pos:])
    return "".join(out)


RT_HEADER_TEXT = """/* Generated by symverify.mutants: the runtime of a mutant schemata build. */
#ifndef SYM_MUTANT_RT_H
#define SYM_MUTANT_RT_H
#include <stdint.h>
/* Hidden: a direct call, not one through the PLT (a schemata kernel tests
 * its sites on every evaluation); not inline: the optimizer would then work
 * through every site and the build would take three times as long. */
__attribute__((visibility("hidden"))) int sym_mutant_hit(int32_t id);
#define sym_mutant_active(id) sym_mutant_hit(id)
void sym_mutant_set(int32_t id);
int32_t sym_mutant_get(void);
int32_t sym_mutant_count(void);
void sym_mutant_coverage(unsigned char *out, int32_t n);
#endif
"""

RT_CDEF = """
void sym_mutant_set(int32_t id);
int32_t sym_mutant_get(void);
int32_t sym_mutant_count(void);
void sym_mutant_coverage(unsigned char *out, int32_t n);
"""


def rt_source(count: int) -> str:
    return f"""/* Generated by symverify.mutants: the mutant id of this schemata build
 * (the shipped kernels keep no globals; this file exists only here). */
#include <string.h>
#include "{RT_HEADER}"

#define SYM_MUTANT_N {count + 1}
static int32_t sym_mutant_current = 0;
static unsigned char sym_mutant_seen[SYM_MUTANT_N];

int sym_mutant_hit(int32_t id)
{{
    sym_mutant_seen[id] = 1u;
    return sym_mutant_current == id;
}}

void sym_mutant_set(int32_t id)
{{
    sym_mutant_current = id;
}}

int32_t sym_mutant_get(void)
{{
    return sym_mutant_current;
}}

int32_t sym_mutant_count(void)
{{
    return SYM_MUTANT_N - 1;
}}

/* Copy the reached-ids bitmap into out[0..n) and clear it. */
void sym_mutant_coverage(unsigned char *out, int32_t n)
{{
    int32_t i;
    for (i = 0; i < n && i < SYM_MUTANT_N; ++i) {{
        out[i] = sym_mutant_seen[i];
    }}
    memset(sym_mutant_seen, 0, sizeof sym_mutant_seen);
}}
"""


@dataclass
class SourceSet:
    """The parsed kernel sources and every mutant over them."""

    root: Path  # the kernel dir (include/, src/)
    repo: Path | None
    files: dict[str, SourceFile] = field(default_factory=dict)  # rel path -> parsed
    mutants: list[Mutant] = field(default_factory=list)

    def by_file(self) -> dict[str, list[Mutant]]:
        out: dict[str, list[Mutant]] = {rel: [] for rel in self.files}
        for m in self.mutants:
            out[m.file].append(m)
        return out


def collect(kernel_root: Path, sources: Iterable[Path], catalog: Catalog) -> SourceSet:
    """Parse ``sources`` and apply every operator; number the mutants 1..N."""
    included = set(mutated_files(catalog))
    ss = SourceSet(kernel_root, None)
    for path in sources:
        ss.files[f"kernels/src/{path.name}"] = parse_file(path)
    SIGNATURES.clear()
    for sf in ss.files.values():
        for fn in sf.functions:
            SIGNATURES.setdefault(fn.name, _param_types(sf, fn))
    for rel, sf in ss.files.items():
        if Path(rel).name not in included:
            continue
        ss.mutants.extend(find_mutants(sf, rel, catalog))
    uids: set[str] = set()
    for i, m in enumerate(ss.mutants, start=1):
        if m.uid in uids:
            raise ValueError(f"duplicate mutant id {m.uid}")
        uids.add(m.uid)
        m.num = i
    return ss
