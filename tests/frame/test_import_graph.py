"""Arrows run one way: no import circle in the package, and no capability imports the plugin.

Every ``import`` counts, at module level or inside a function (a deferred import is still
an arrow), except those under ``if TYPE_CHECKING:``. A name imported from a package that
loads it lazily counts as an import of the module that defines it (the package's
``_EXPORTS`` table), and the plugin's capability list counts as imports of each
``_plugins`` module.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

import pytest_autoglm
from pytest_autoglm._features import FEATURES

ROOT = Path(pytest_autoglm.__file__).parent
PACKAGE = "pytest_autoglm"
#: the frame and the wiring: a capability package imports none of these
WIRING = (
    "pytest_autoglm.plugin",
    "pytest_autoglm._frame",
    "pytest_autoglm._plugins",
    "pytest_autoglm._features",
)


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (n for child in node.orelse for n in _import_nodes(child))
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _import_nodes(node)


def _lazy_home(package: str, name: str) -> str | None:
    """The module a lazily exported ``package.name`` comes from, if the package is lazy."""
    exports = getattr(importlib.import_module(package), "_EXPORTS", {})
    home = exports.get(name)
    if home is None:
        return None
    return home if home.startswith(PACKAGE) else f"{package}.{home}"


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = node.module or ""
    if node.level:
        anchor = module.split(".")
        if MODULES[module].name != "__init__.py":
            anchor = anchor[:-1]
        anchor = anchor[: len(anchor) - node.level + 1]
        base = ".".join([*anchor, base] if base else anchor)
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        if submodule in MODULES:
            yield submodule
        elif base in MODULES and (home := _lazy_home(base, alias.name)) is not None:
            yield home
        else:
            yield base


def _edges(module: str) -> set[str]:
    """The package's modules that importing or running ``module`` may import."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    own_ancestors = {module.rsplit(".", n)[0] for n in range(module.count(".") + 1)}
    edges = set()
    for node in _import_nodes(tree):
        for target in _targets(module, node):
            if not target.startswith(PACKAGE) or target not in MODULES:
                continue
            # importing a.b.c runs a/__init__ and a/b/__init__ first (unless already running)
            parts = target.split(".")
            for depth in range(2, len(parts) + 1):
                step = ".".join(parts[:depth])
                if step not in own_ancestors and step != module:
                    edges.add(step)
    if module == "pytest_autoglm._features":
        edges |= {f"pytest_autoglm._plugins.{name}" for name in FEATURES}
    return edges


GRAPH = {module: _edges(module) for module in MODULES}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_has_no_circle() -> None:
    circles = _circles(GRAPH)
    assert not circles, "import circles:\n" + "\n".join(" <-> ".join(c) for c in circles)


def test_the_circle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize(
    "package",
    sorted({m.split(".")[1] for m in MODULES if m.count(".") >= 1} - {"_plugins"}),
)
def test_nothing_below_the_plugin_imports_the_wiring(package: str) -> None:
    """The frame and every capability package import neither ``plugin.py``, ``_features``
    nor ``_plugins/``: declarations and logic live below the wiring."""
    prefix = f"{PACKAGE}.{package}"
    if prefix in WIRING:
        return
    offenders = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if module == prefix or module.startswith(prefix + ".")
        for target in targets
        if target.startswith(WIRING)
    )
    assert not offenders, "\n".join(offenders)


def test_the_graph_sees_deferred_and_lazy_imports() -> None:
    """The checker itself: a function-level import and a lazily exported name are edges."""
    assert "pytest_autoglm.gpu._session" in GRAPH["pytest_autoglm.gpu._xdist"]
    assert "pytest_autoglm._plugins.gpu" in GRAPH["pytest_autoglm._features"]
