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

from .catalog import Catalog, Operator
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
int sym_mutant_hit(int32_t id);
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
    included = set(catalog.engine.get("files", [])) or None
    ss = SourceSet(kernel_root, None)
    for path in sources:
        rel = f"kernels/src/{path.name}"
        sf = parse_file(path)
        ss.files[rel] = sf
        if included is not None and path.name not in included:
            continue
        ss.mutants.extend(find_mutants(sf, rel, catalog))
    uids: set[str] = set()
    for i, m in enumerate(ss.mutants, start=1):
        if m.uid in uids:
            raise ValueError(f"duplicate mutant id {m.uid}")
        uids.add(m.uid)
        m.num = i
    return ss
