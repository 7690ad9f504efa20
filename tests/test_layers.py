"""The package's layers: every import points down, never up, and no module imports itself back.

The layers, bottom to top, are those of :data:`LAYERS`; a module may import modules of its own
layer and of the layers below it, and the imports between modules (at any depth: top-level,
inside functions, under ``TYPE_CHECKING``) form no loop. Read from the source with :mod:`ast`,
so nothing is imported to check it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "scdmac_lib"
LAYERS = ("runtime", "method", "data", "api", "evaluation", "runs", "report", "book", "cli")
METHOD_CORE_MAX_LINES = 250


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``path`` imports (``from scdmac_lib.x import y`` names module
    ``scdmac_lib.x.y`` when that is a module, else ``scdmac_lib.x``)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module.startswith("scdmac_lib"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                out.add(full if full in known else node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("scdmac_lib"))
    return out - {"scdmac_lib"}


def layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imported(path, known) - {name} for name, path in mods.items()}


def test_every_module_belongs_to_a_layer():
    loose = [m for m in modules() if m != "scdmac_lib" and layer(m) is None]
    assert not loose, f"modules outside the layers {LAYERS}: {loose}"


def test_no_import_points_up():
    upward = [f"{a} imports {b}" for a, targets in graph().items() for b in targets
              if layer(a) is not None and layer(b) is not None and layer(b) > layer(a)]
    assert not upward, "imports that point up a layer:\n" + "\n".join(sorted(upward))


def test_the_import_graph_has_no_loop():
    g = graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(g.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(g):
        if node not in state and (cycle := visit(node)):
            pytest.fail("import loop: " + " -> ".join(cycle))


def test_the_library_imports_defining_modules_not_package_reexports():
    """Inside the package, ``from scdmac_lib.data import load`` (a re-export) hides which module a
    function comes from: import it from :mod:`scdmac_lib.data.convert.load` instead."""
    mods = modules()
    packages = {m for m, p in mods.items() if p.name == "__init__.py"}
    defined = {m: {n.name for n in ast.parse(mods[m].read_text()).body
                   if isinstance(n, (ast.FunctionDef, ast.ClassDef))} for m in packages}
    bad = []
    for name, path in mods.items():
        if path.name == "__init__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module in packages and node.module != "scdmac_lib":
                names = [a.name for a in node.names
                         if f"{node.module}.{a.name}" not in mods and a.name not in defined[node.module]]
                if names:
                    bad.append(f"{name}: from {node.module} import {', '.join(names)}")
    assert not bad, "\n".join(bad)


def test_the_method_core_is_small_files():
    core = sorted((PACKAGE / "method").glob("*.py"))
    sizes = {p.name: len(p.read_text().splitlines()) for p in core}
    big = {k: v for k, v in sizes.items() if v > METHOD_CORE_MAX_LINES}
    assert not big, f"method files over {METHOD_CORE_MAX_LINES} lines: {big}"
