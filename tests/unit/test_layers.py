"""The import rules of the layers: imports point inward, and the outside world is reached through ports.

`domain/` knows no Qt, SQL or service; `services/` knows no persistence, adapter or screen (they receive
what they need through the ports in `services/ports/`); `gui/` talks to services only, never to
persistence or adapters directly. `persistence/` and `adapters/` implement the ports and meet in `app.py`.
Every import counts: at the top of a module, inside a function, under `TYPE_CHECKING`, or by name
through `importlib.import_module`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import pos_app

PACKAGE = Path(pos_app.__file__).parent

# (layer, the modules it must never import, why)
RULES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("domain", ("pos_app.services", "pos_app.persistence", "pos_app.adapters", "pos_app.gui", "pos_app.app",
                "pos_app.cli", "PySide6", "sqlalchemy"), "the domain is pure Python"),
    ("services", ("pos_app.persistence", "pos_app.adapters", "pos_app.gui", "pos_app.app", "pos_app.cli",
                  "PySide6", "sqlalchemy"), "services receive stores and devices through their ports"),
    ("gui", ("pos_app.persistence", "pos_app.adapters"), "screens talk to services and ports only"),
)


def _module_name(path: Path, package: Path) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, root: Path) -> Iterator[tuple[int, str]]:
    """(line, module) of every import in the file of the package at `root`, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = _module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield node.lineno, base
            for alias in node.names:  # `from pos_app import adapters` imports the package adapters
                yield node.lineno, f"{base}.{alias.name}"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name) \
                and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id) == "import_module" \
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            yield node.lineno, node.args[0].value


def _breaks(layer: str, forbidden: tuple[str, ...], root: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted((root / layer).rglob("*.py")):
        by_line: dict[int, str] = {}
        for line, module in _imports(path, root):
            if any(module == banned or module.startswith(banned + ".") for banned in forbidden):
                by_line[line] = min(by_line.get(line, module), module, key=len)  # one per import: its module
        found += [f"{path.relative_to(root.parent)}:{line} imports {module}" for line, module in sorted(by_line.items())]
    return found


@pytest.mark.parametrize(("layer", "forbidden", "why"), RULES, ids=[rule[0] for rule in RULES])
def test_a_layer_imports_nothing_from_the_layers_outside_it(layer: str, forbidden: tuple[str, ...], why: str) -> None:
    breaks = _breaks(layer, forbidden)
    assert not breaks, f"{layer}/ must not import these ({why}):\n" + "\n".join(breaks)


def test_the_rules_see_every_kind_of_import(tmp_path: Path) -> None:
    # A checker that missed an import inside a function, under TYPE_CHECKING, a relative one or one by name
    # would pass whatever the code did.
    screens = tmp_path / "pos_app" / "gui" / "appraisals"
    screens.mkdir(parents=True)
    (screens / "paper.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from pos_app.services import paperwork\n"
        "if TYPE_CHECKING:\n    from pos_app.persistence.store import SqliteStore\n"
        "def write():\n    from ...adapters import files\n"
        "    import importlib\n    return importlib.import_module('pos_app.adapters.files')\n"
        "import pos_app.persistence as store\n", encoding="utf-8")
    breaks = _breaks("gui", ("pos_app.persistence", "pos_app.adapters"), root=tmp_path / "pos_app")
    assert breaks == [
        "pos_app/gui/appraisals/paper.py:4 imports pos_app.persistence.store",
        "pos_app/gui/appraisals/paper.py:6 imports pos_app.adapters",
        "pos_app/gui/appraisals/paper.py:8 imports pos_app.adapters.files",
        "pos_app/gui/appraisals/paper.py:9 imports pos_app.persistence",
    ]
