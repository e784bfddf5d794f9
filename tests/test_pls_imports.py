"""No import cycle between the subpackages of acsi, counting imports inside functions
(lazy imports) as well as module-level ones; estimators never import plotting."""

from __future__ import annotations

import ast
from pathlib import Path

import acsi

ROOT = Path(acsi.__file__).parent


def _unit(module: str) -> str:
    """The subpackage (or top-level module) a module belongs to: acsi.plspm.api -> acsi.pls."""
    parts = module.split(".")
    return "acsi" if len(parts) == 1 else f"acsi.{parts[1]}"


def _graph() -> dict[str, dict[str, set[str]]]:
    edges: dict[str, dict[str, set[str]]] = {}
    for f in ROOT.rglob("*.py"):
        rel = f.relative_to(ROOT.parent).with_suffix("")
        module = ".".join(rel.parts).removesuffix(".__init__")
        src = _unit(module)
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                if name.startswith("acsi.") and _unit(name) != src:
                    edges.setdefault(src, {}).setdefault(_unit(name), set()).add(str(rel))
    return edges


def _cycles(edges: dict[str, dict[str, set[str]]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    nodes = set(edges) | {w for ws in edges.values() for w in ws}
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_between_subpackages():
    edges = _graph()
    cycles = _cycles(edges)
    detail = [
        f"{a} -> {b}: {sorted(edges[a][b])}" for comp in cycles for a in comp for b in comp if b in edges.get(a, {})
    ]
    assert not cycles, "\n".join(detail)


def test_estimators_do_not_import_plotting():
    edges = _graph()
    for family in ("acsi.plspm", "acsi.cbsem", "acsi.inference", "acsi._graph"):
        assert "acsi.plotting" not in edges.get(family, {}), edges[family].get("acsi.plotting")


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b": set()}, "b": {"a": set()}, "c": {"a": set()}}) == [["a", "b"]]
