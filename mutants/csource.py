"""A small, careful C99 tokenizer and statement scanner for the kernel sources.

Not a full C parser: it relies on the kernels' house style (one operation per
line, braces on every block, declarations at the top of a block) and finds
exactly what the mutation engine needs:

* every function definition (name, body token range);
* every statement inside a body with its kind (``expr``, ``assign``, ``decl``,
  ``return``, ``if``, ``for``, ``while``, ``break``...);
* every *region*: a full expression that can be wrapped as a whole in a
  schemata ternary (an ``if``/``while``/``for`` condition, the right-hand side
  of an assignment or initializer, a ``return`` value, an expression
  statement).

Anything it does not understand raises :class:`CSourceError` naming the file,
line and column, rather than guessing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path


class CSourceError(ValueError):
    """The scanner met C it does not handle (file:line:col in the message)."""


@dataclass(frozen=True)
class Token:
    kind: str  # ident | number | string | char | punct
    text: str
    start: int  # byte offsets into the source text
    end: int
    line: int  # 1-based
    col: int  # 1-based


_PUNCTS = sorted("""
<<= >>= ... -> ++ -- << >> <= >= == != && || += -= *= /= %= &= ^= |= ## 
[ ] ( ) { } . & * + - ~ ! / % < > ^ | ? : ; = , #
""".split(), key=len, reverse=True)
_NUMBER = re.compile(r"0[xX][0-9a-fA-F]+[uUlL]*|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?[fFlLuU]*")
_IDENT = re.compile(r"[A-Za-z_]\w*")

TYPE_WORDS = {
    "const", "static", "volatile", "unsigned", "signed", "int", "char", "short", "long",
    "float", "double", "void", "size_t", "int32_t", "uint32_t", "int16_t", "uint16_t",
    "int8_t", "uint8_t", "int64_t", "uint64_t", "uintptr_t", "struct", "enum", "inline",
}
ASSIGN_OPS = {"=", "+=", "-=", "*=", "/=", "%=", "&=", "^=", "|=", "<<=", ">>="}


def tokenize(text: str, filename: str = "<source>") -> list[Token]:
    """Tokens of ``text``; comments and preprocessor lines are skipped."""
    tokens: list[Token] = []
    i, line, line_start = 0, 1, 0
    n = len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if c == "\n":
            i += 1
            line += 1
            line_start = i
            at_line_start = True
            continue
        if c in " \t\r\f\v":
            i += 1
            continue
        if c == "#" and at_line_start:  # preprocessor line (with continuations)
            while i < n and text[i] != "\n":
                if text[i] == "\\" and i + 1 < n and text[i + 1] == "\n":
                    i += 2
                    line += 1
                    line_start = i
                    continue
                if text.startswith("/*", i):
                    j = text.find("*/", i + 2)
                    if j < 0:
                        raise CSourceError(f"{filename}:{line}: unterminated comment")
                    line += text.count("\n", i, j)
                    i = j + 2
                    continue
                i += 1
            continue
        at_line_start = False
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise CSourceError(f"{filename}:{line}:{i - line_start + 1}: unterminated comment")
            nl = text.count("\n", i, j)
            if nl:
                line += nl
                line_start = text.rfind("\n", i, j) + 1
            i = j + 2
            continue
        col = i - line_start + 1
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                if text[j] == "\\":
                    j += 1
                if text[j] == "\n":
                    raise CSourceError(f"{filename}:{line}:{col}: unterminated literal")
                j += 1
            tokens.append(Token("string" if c == '"' else "char", text[i:j + 1], i, j + 1, line, col))
            i = j + 1
            continue
        m = _NUMBER.match(text, i)
        if m and (c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit())):
            tokens.append(Token("number", m.group(), i, m.end(), line, col))
            i = m.end()
            continue
        m = _IDENT.match(text, i)
        if m:
            tokens.append(Token("ident", m.group(), i, m.end(), line, col))
            i = m.end()
            continue
        for p in _PUNCTS:
            if text.startswith(p, i):
                tokens.append(Token("punct", p, i, i + len(p), line, col))
                i += len(p)
                break
        else:
            raise CSourceError(f"{filename}:{line}:{col}: unexpected character {c!r}")
    return tokens


@dataclass
class Region:
    """A full expression: tokens[start:end] (end exclusive)."""

    kind: str  # cond | rhs | init | return | expr | for_init
    start: int
    end: int
    function: str


@dataclass
class Statement:
    kind: str  # expr | assign | decl | return | if | for | while | break | continue | block
    start: int  # first token index
    end: int  # one past the last token (the ';' or the closing '}')
    function: str
    last_in_function: bool = False
    lhs: str = ""  # for assign: the left-hand side text


@dataclass
class Function:
    name: str
    body_start: int  # index of '{'
    body_end: int  # index of the matching '}'


@dataclass
class SourceFile:
    path: Path
    text: str
    tokens: list[Token]
    functions: list[Function] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)
    #: (function, name) of locals declared without an initializer
    uninit: set[tuple[str, str]] = field(default_factory=set)

    def span_text(self, start: int, end: int) -> str:
        """Original source text of tokens[start:end] (comments included)."""
        return self.text[self.tokens[start].start:self.tokens[end - 1].end]

    def norm(self, start: int, end: int) -> str:
        """Token texts of tokens[start:end] joined by single spaces."""
        return " ".join(t.text for t in self.tokens[start:end])


class _Scanner:
    def __init__(self, sf: SourceFile) -> None:
        self.sf = sf
        self.toks = sf.tokens
        self.fn = ""

    def err(self, i: int, msg: str) -> CSourceError:
        t = self.toks[min(i, len(self.toks) - 1)]
        return CSourceError(f"{self.sf.path}:{t.line}:{t.col}: {msg} (near {t.text!r})")

    def text(self, i: int) -> str:
        return self.toks[i].text if i < len(self.toks) else ""

    def match_close(self, i: int) -> int:
        """Index of the bracket closing the one at ``i``."""
        pairs = {"(": ")", "[": "]", "{": "}"}
        open_, close = self.text(i), pairs[self.text(i)]
        depth = 0
        for j in range(i, len(self.toks)):
            t = self.toks[j].text
            if t == open_:
                depth += 1
            elif t == close:
                depth -= 1
                if depth == 0:
                    return j
        raise self.err(i, f"unbalanced {open_!r}")

    def find_top(self, i: int, stop: set[str]) -> int:
        """First index >= i of a token in ``stop`` at bracket depth 0."""
        depth = 0
        for j in range(i, len(self.toks)):
            t = self.toks[j].text
            if depth == 0 and t in stop:
                return j
            if t in "([{":
                depth += 1
            elif t in ")]}":
                depth -= 1
                if depth < 0:
                    raise self.err(j, "unexpected closing bracket")
        raise self.err(i, f"expected one of {sorted(stop)}")

    def scan(self) -> None:
        i = 0
        toks = self.toks
        while i < len(toks):
            t = toks[i]
            if t.text == "(" and i > 0 and toks[i - 1].kind == "ident":
                close = self.match_close(i)
                if self.text(close + 1) == "{":
                    name = toks[i - 1].text
                    body_end = self.match_close(close + 1)
                    self.sf.functions.append(Function(name, close + 1, body_end))
                    self.fn = name
                    top = self.block(close + 1)
                    if top:
                        top[-1].last_in_function = True
                    i = body_end + 1
                    continue
                i = close + 1
                continue
            if t.text == "{":  # file-scope initializer
                i = self.match_close(i) + 1
                continue
            i += 1

    def block(self, i: int) -> list[Statement]:
        """Scan the block whose '{' is at i; return its direct statements."""
        end = self.match_close(i)
        direct = []
        j = i + 1
        while j < end:
            before = len(self.sf.statements)
            j = self.statement(j)
            if len(self.sf.statements) > before:
                direct.append(self.sf.statements[before])
        return direct

    def add_region(self, kind: str, start: int, end: int) -> None:
        if end > start:
            self.sf.regions.append(Region(kind, start, end, self.fn))

    def statement(self, i: int) -> int:
        t = self.text(i)
        st = Statement("?", i, i, self.fn)
        if t == "{":
            self.block(i)
            st.kind, st.end = "block", self.match_close(i) + 1
        elif t in ("if", "while"):
            if self.text(i + 1) != "(":
                raise self.err(i + 1, f"expected '(' after {t}")
            close = self.match_close(i + 1)
            self.add_region("cond", i + 2, close)
            st.kind = t
            self.sf.statements.append(st)
            nxt = self.statement(close + 1)
            if t == "if" and self.text(nxt) == "else":
                nxt = self.statement(nxt + 1)
            st.end = nxt
            return nxt
        elif t == "for":
            close = self.match_close(i + 1)
            semi1 = self.find_top(i + 2, {";"})
            semi2 = self.find_top(semi1 + 1, {";"})
            eq = self.find_top(i + 2, {"=", ";"})
            if eq < semi1:
                self.add_region("for_init", eq + 1, semi1)
            self.add_region("cond", semi1 + 1, semi2)
            st.kind = "for"
            self.sf.statements.append(st)
            nxt = self.statement(close + 1)
            st.end = nxt
            return nxt
        elif t == "return":
            semi = self.find_top(i + 1, {";"})
            self.add_region("return", i + 1, semi)
            st.kind, st.end = "return", semi + 1
        elif t in ("break", "continue"):
            st.kind, st.end = t, i + 2
        elif t in TYPE_WORDS:
            semi = self.find_top(i, {";"})
            j = i
            while j < semi:
                comma_or_semi = self.find_top(j, {",", ";"})
                eq = self.find_top(j, {"=", ",", ";"})
                names = [k for k in range(j, eq) if self.toks[k].kind == "ident"
                         and self.toks[k].text not in TYPE_WORDS]
                if names and self.text(eq) != "=":
                    self.sf.uninit.add((self.fn, self.toks[names[-1]].text))
                if self.text(eq) == "=":
                    comma_or_semi = self.find_top(eq + 1, {",", ";"})
                    self.add_region("init", eq + 1, comma_or_semi)
                j = comma_or_semi + 1
            st.kind, st.end = "decl", semi + 1
        elif t in ("do", "switch", "goto", "case", "default"):
            raise self.err(i, f"'{t}' is not supported by the mutation scanner")
        else:
            semi = self.find_top(i, {";"})
            op = self.find_top(i, ASSIGN_OPS | {";"})
            if self.text(op) in ASSIGN_OPS:
                self.add_region("rhs", op + 1, semi)
                st.kind, st.lhs = "assign", self.sf.norm(i, op)
            else:
                self.add_region("expr", i, semi)
                st.kind = "expr"
            st.end = semi + 1
        self.sf.statements.append(st)
        return st.end


def parse_file(path: Path, text: str | None = None) -> SourceFile:
    """Tokenize and scan one C source file."""
    text = path.read_text() if text is None else text
    sf = SourceFile(Path(path), text, tokenize(text, str(path)))
    _Scanner(sf).scan()
    return sf
