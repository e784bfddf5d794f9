"""The package's layering, checked from the source (no import needed).

* No import cycle between subpackages of acsi, counting module-level imports and imports
  inside functions (lazy imports) alike: a cycle means two layers know each other.
* Consumers of fitted models (plots, reliability, the index, IPMA, the report) never probe
  a result with ``hasattr``: they use :class:`acsi.results.structural.StructuralResult`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "acsi"


def _unit(module: str) -> str:
    """The layer a module belongs to: its subpackage (``acsi.pls``) or, for a top-level
    module, the module itself (``acsi.data``)."""
    parts = module.split(".")
    return ".".join(parts[:2])


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = _module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)
    return {m for m in out if m == "acsi" or m.startswith("acsi.")}


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p) for p in ROOT.rglob("*.py")}
    g: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        src = _unit(_module_name(path))
        for target in _imports(path):
            # resolve "acsi.x.y.name" to the longest existing module
            parts = target.split(".")
            while parts and ".".join(parts) not in modules:
                parts.pop()
            if len(parts) < 2:
                continue  # `import acsi` / `from acsi import X`: the lazy facade
            dst = _unit(".".join(parts))
            if dst != src:
                g.setdefault(src, set()).add(dst)
    return g


def _cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one unit (Tarjan)."""
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
        for w in g.get(v, ()):
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
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_between_subpackages() -> None:
    cycles = _cycles(_graph())
    assert not cycles, f"import cycles between acsi's layers: {cycles}"


CONSUMERS = ["plotting", "report", "reliability/_composite.py", "plspm/index.py", "plspm/ipma.py", "stats"]


@pytest.mark.parametrize("where", CONSUMERS)
def test_consumers_do_not_probe_results(where: str) -> None:
    target = ROOT / where
    files = [target] if target.is_file() else sorted(target.rglob("*.py"))
    assert files, f"nothing found at {target}"
    probes = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "hasattr":
                probes.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not probes, f"hasattr probing in consumers (use StructuralResult): {probes}"


def test_estimators_do_not_import_plotting() -> None:
    g = _graph()
    for layer in ("acsi.plspm", "acsi.cbsem", "acsi.inference", "acsi._graph", "acsi.stats"):
        assert "acsi.plotting" not in g.get(layer, set()), f"{layer} imports acsi.plotting"


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
