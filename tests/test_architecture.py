"""The shape of the code (docs/architecture.md): no import cycles, not even through an
import inside a function; no private name imported from another module; modules small
enough to read. `make lint` checks the layers themselves (import-linter)."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("coordination", "accounts", "config")
# A reviewer reads access.py end to end: it stays one file (docs/architecture.md).
LONG_ALLOWED = {"coordination/access.py"}
MAX_LINES = 600
MAX_SERVICE_LINES = 400


def _sources() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    modules = sorted(m for m in graph.modules if ".migrations" not in m)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if ".migrations" in imported:
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles_counting_imports_inside_functions() -> None:
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False)
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(module)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.a")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    assert _cycles(graph) == [["pkg.a", "pkg.b"]]


def _private_imports(path: Path) -> list[str]:
    """`from x import _name` where x is another module (a package's own `_common` module
    may be imported by name, its contents are public)."""
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    found.append(f"{where} {node.module}.{alias.name}")
    return found


def test_no_private_name_is_imported_from_another_module() -> None:
    offenders = [hit for path in _sources() for hit in _private_imports(path)]
    assert offenders == []


def test_the_private_import_check_sees_one() -> None:
    module = ROOT / "coordination" / "__probe_private_import.py"
    module.write_text("from coordination.views.base import _hidden\n")
    try:
        assert _private_imports(module) == [
            "coordination/__probe_private_import.py:1 coordination.views.base._hidden"
        ]
    finally:
        module.unlink()


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_stay_readable(path: Path) -> None:
    relative = str(path.relative_to(ROOT))
    if relative in LONG_ALLOWED:
        return
    limit = MAX_SERVICE_LINES if relative.startswith("coordination/services/") else MAX_LINES
    assert len(path.read_text().splitlines()) <= limit, relative
