"""No two GUI modules depend on each other, however indirectly.

The imports are read from the source (ast), not by importing, so every import counts: at the top of a
module, inside a function (a lazy import still ties the two modules), and under `if TYPE_CHECKING:` (a
type-only back-reference is a dependency too; a `typing.Protocol` of what the module needs breaks it, as
`sell/screen.py` does for the sell screen's helpers).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pos_app

PACKAGE = Path(pos_app.__file__).parent


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The pos_app modules `name` imports anywhere in its source (`from a import b` counts `a.b` if a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    named: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            named.add(base)
            named.update(f"{base}.{alias.name}" for alias in node.names)
    return {module for module in named if module in known and module != name}


def import_graph(prefix: str) -> dict[str, set[str]]:
    """Each module under `prefix` with the modules under `prefix` it imports."""
    modules = _modules()
    inside = {name for name in modules if name == prefix or name.startswith(prefix + ".")}
    return {name: _imports(name, modules[name], inside) for name in inside}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that reach each other (strongly connected components of two or more; Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> Iterator[None]:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                yield from visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))
        yield

    for node in sorted(graph):
        if node not in index:
            for _ in visit(node):
                pass
    return found


def test_no_gui_module_imports_one_that_imports_it_back() -> None:
    graph = import_graph("pos_app.gui")
    assert "pos_app.gui.sell.view" in graph and "pos_app.gui.sell.drawer_actions" in graph["pos_app.gui.sell.view"]
    assert cycles(graph) == []


def test_the_walk_finds_a_circle_of_three_and_leaves_out_a_module_outside_it() -> None:
    # The walk itself, on a made-up graph: a -> b -> c -> a is found, d alone is not.
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_imports_inside_functions_and_under_type_checking_count(tmp_path: Path) -> None:
    source = tmp_path / "view.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from pos_app.gui.sell.screen import CounterScreen\n"
        "def later():\n    from pos_app.gui import approval\n",
        encoding="utf-8")
    known = {"pos_app.gui.sell.screen", "pos_app.gui.approval", "pos_app.gui"}
    assert _imports("pos_app.gui.view", source, known) == known
