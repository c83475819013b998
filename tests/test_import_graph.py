"""The symverify import root has no import circles.

The graph is built from source with ``ast`` (no module is imported): every
``import`` / ``from ... import`` anywhere in a module counts, at module level
and inside functions, classes or ``if TYPE_CHECKING`` blocks alike; relative
imports are resolved against the importing module, and the package-dir mapping
of pyproject.toml (``symverify.goldgen`` = ``goldgen/`` ...) names the modules.
``from pkg import name`` is an edge to ``pkg.name`` when that is a module, else
to ``pkg``.  A circle is a strongly connected component of two or more
modules, or a module importing itself.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def package_dirs(repo: Path) -> dict[str, Path]:
    """Map each package name of pyproject.toml's package-dir to its directory."""
    cfg = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))
    mapping = cfg["tool"]["setuptools"]["package-dir"]
    return {name: repo / rel for name, rel in mapping.items()}


def module_files(repo: Path) -> dict[str, tuple[Path, bool]]:
    """Every module of the import root: dotted name -> (file, is_package)."""
    mods: dict[str, tuple[Path, bool]] = {}
    roots = package_dirs(repo)
    for pkg, root in roots.items():
        for path in sorted(root.rglob("*.py")):
            rel = path.relative_to(root).with_suffix("")
            parts = list(rel.parts)
            # a subdirectory mapped as its own package is named by that mapping
            if any(p != root and p.is_relative_to(root) and path.is_relative_to(p)
                   for p in roots.values()):
                continue
            is_pkg = parts[-1] == "__init__"
            if is_pkg:
                parts = parts[:-1]
            name = ".".join([pkg, *parts])
            mods[name] = (path, is_pkg)
    return mods


def _resolve(module: str, is_pkg: bool, level: int, target: str | None) -> str:
    """Absolute name of ``from <level dots><target> import ...`` in ``module``."""
    if level == 0:
        return target or ""
    base = module.split(".")
    if not is_pkg:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _nearest_module(name: str, mods: dict) -> str | None:
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


def _dynamic_import_target(call: ast.Call) -> str | None:
    """The module of ``importlib.import_module("a.b")`` / ``__import__("a.b")``
    with a literal name (a computed name cannot be resolved from source)."""
    func = call.func
    named = (isinstance(func, ast.Attribute) and func.attr == "import_module") or \
            (isinstance(func, ast.Name) and func.id in ("import_module", "__import__"))
    if named and call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def import_graph(repo: Path) -> dict[str, set[str]]:
    """module -> set of modules of the import root it imports (any level)."""
    mods = module_files(repo)
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, (path, is_pkg) in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(mod, is_pkg, node.level, node.module)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in mods else base)
            elif isinstance(node, ast.Call) and _dynamic_import_target(node) is not None:
                targets = [_dynamic_import_target(node)]
            for t in targets:
                hit = _nearest_module(t, mods)
                if hit is not None and hit != mod:
                    graph[mod].add(hit)
                elif hit == mod and isinstance(node, ast.ImportFrom) and not is_pkg:
                    graph[mod].add(hit)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with a cycle (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph[v]:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def _cycle_path(graph: dict[str, set[str]], comp: list[str]) -> list[str]:
    """One concrete circle inside a component, for the failure message."""
    members = set(comp)
    start = comp[0]
    prev: dict[str, str] = {}
    frontier = [start]
    seen = {start}
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & members):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(prev[path[-1]])
                    return [start, *reversed(path[:-1]), start] if v != start else [start, start]
                if w not in seen:
                    seen.add(w)
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    return comp


def test_graph_sees_the_whole_import_root() -> None:
    graph = import_graph(REPO)
    # every mapped package contributes modules, so a broken mapping cannot pass
    for pkg in package_dirs(REPO):
        assert any(m == pkg or m.startswith(pkg + ".") for m in graph), pkg
    assert sum(len(v) for v in graph.values()) > 50


def test_function_level_and_relative_imports_are_edges(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.setuptools]\npackage-dir = { "p" = "src", "p.sub" = "other" }\n')
    (tmp_path / "src").mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / "src" / "__init__.py").write_text("")
    (tmp_path / "src" / "a.py").write_text("def f():\n    from . import b\n")
    (tmp_path / "src" / "b.py").write_text("from .sub.c import x\n")
    (tmp_path / "other" / "__init__.py").write_text("")
    (tmp_path / "other" / "c.py").write_text("import p.a\nx = 1\n")
    (tmp_path / "src" / "d.py").write_text("import importlib\ndef f():\n    return importlib.import_module('p.a')\n")
    graph = import_graph(tmp_path)
    assert graph["p.a"] == {"p.b"}
    assert graph["p.b"] == {"p.sub.c"}
    assert graph["p.d"] == {"p.a"}
    assert circles(graph) == [["p.a", "p.b", "p.sub.c"]]


def test_no_import_circles() -> None:
    graph = import_graph(REPO)
    found = circles(graph)
    msg = "; ".join(" -> ".join(_cycle_path(graph, c)) + f"  (component: {', '.join(c)})"
                    for c in found)
    assert not found, f"import circles: {msg}"
