"""No import circles in segkit (issue 11).

Two checks:

* **static**: the graph of segkit's imports, read with :mod:`ast` from every module under
  ``src/segkit``, is acyclic. It counts *every* import statement of a module — at module
  level, inside functions, and under ``if TYPE_CHECKING:`` — so a circle cannot be hidden by
  moving an import into a function. Edges are the modules an import statement names (for
  ``from a.b import c``: ``a.b``, and ``a.b.c`` when that is a module); the implicit import
  of a parent package's ``__init__`` is not an edge (a package's ``__init__`` that re-exports
  its sub-modules would otherwise close a circle with every sub-module).
* **dynamic**: every module imports in a fresh interpreter, in a random order (a few seeds),
  so no module depends on another having been imported first.
"""

from __future__ import annotations

import ast
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "segkit"


def module_names() -> dict[str, Path]:
    """Dotted module name → file, for every module of the package."""
    names: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def imported_modules(module: str, path: Path, known: set[str]) -> set[str]:
    """The segkit modules that any import statement of ``module`` names."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return (found & known) - {module}


def import_graph() -> dict[str, set[str]]:
    modules = module_names()
    known = set(modules)
    return {name: imported_modules(name, path, known) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of nodes (first = last), or None."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle_finds_a_three_module_circle() -> None:
    """The checker itself: the circle issue 11 named (clean → fastpath → profile → clean)."""
    graph = {"clean": {"fastpath"}, "fastpath": {"profile"}, "profile": {"clean"}, "x": set()}
    assert find_cycle(graph) == ["clean", "fastpath", "profile", "clean"]
    graph["profile"] = set()
    assert find_cycle(graph) is None


def test_import_graph_reads_function_level_and_type_checking_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from pkg.b import g\n")
    (pkg / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import a\n"
    )
    known = {"pkg", "pkg.a", "pkg.b"}
    assert imported_modules("pkg.a", pkg / "a.py", known) == {"pkg.b"}
    assert imported_modules("pkg.b", pkg / "b.py", known) == {"pkg", "pkg.a"}


def test_segkit_import_graph_is_acyclic() -> None:
    graph = import_graph()
    assert len(graph) > 40, sorted(graph)  # the walk really found the package
    assert "segkit.features" in graph["segkit.profile"]  # and reads its imports
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " → ".join(cycle or [])


IMPORT_ALL = """
import importlib, json, sys
names = json.loads(sys.argv[1])
for name in names:
    importlib.import_module(name)
print(len(names))
"""


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_module_imports_in_a_fresh_interpreter_in_random_order(seed: int) -> None:
    names = [n for n in module_names() if not n.endswith("__main__")]
    random.Random(seed).shuffle(names)
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL, json.dumps(names)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == str(len(names))


def test_the_report_and_the_workbook_do_not_import_each_other() -> None:
    """Issue 11: one output format never depends on another (the shared pieces, reading an
    artefact and picking a language, sit in segkit.workflow.artefacts and segkit.naming)."""
    graph = import_graph()
    assert "segkit.outputs.html" not in graph["segkit.outputs.excel"]
    assert "segkit.outputs.excel" not in graph["segkit.outputs.html"]
