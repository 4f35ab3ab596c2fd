"""List the tests that cannot fail: test functions that check nothing.

A test checks something when its body (or a helper it calls, followed by name
through every function defined under tests/) holds an `assert`, a
`pytest.raises`/`pytest.warns`/`pytest.fail`, a `qtbot.wait*` or
`qtbot.assertNotEmitted` (they fail on a timeout or an emission), a mock's
`assert_*`, or `qtmodeltester.check`. A test with none of them passes whatever
the code does unless something raises; it gets an assertion or goes.

    python tools/tests_without_assertions.py [tests/]    # exit 1 and a list when any is found

`tests/test_every_test_asserts.py` runs it as part of the suite.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

CHECKING_ATTRIBUTES = {"raises", "warns", "fail", "check", "assertNotEmitted", "deprecated_call"}
CHECKING_PREFIXES = ("wait", "assert_")  # qtbot.waitUntil / waitSignal ...; unittest.mock's assert_called...


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _checks_directly(fn: ast.AST) -> bool:
    for node in ast.walk(fn):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr = node.func.attr
            if attr in CHECKING_ATTRIBUTES or attr.startswith(CHECKING_PREFIXES):
                return True
    return False


def _calls(fn: ast.AST) -> set[str]:
    return {name for node in ast.walk(fn) if isinstance(node, ast.Call) and (name := _called_name(node))}


def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def find(root: Path) -> list[str]:
    """`path::name` of every test function under `root` that checks nothing."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8"), str(path)) for path in sorted(root.rglob("*.py"))}
    helpers: dict[str, list[ast.AST]] = {}
    for tree in trees.values():
        for fn in _functions(tree):
            helpers.setdefault(fn.name, []).append(fn)
    # Fixpoint: a helper checks when it asserts, or calls (by name) a helper that does.
    checking = {name for name, defs in helpers.items() if any(_checks_directly(d) for d in defs)}
    changed = True
    while changed:
        changed = False
        for name, defs in helpers.items():
            if name not in checking and any(_calls(d) & checking for d in defs):
                checking.add(name)
                changed = True
    found = []
    for path, tree in trees.items():
        if not path.name.startswith("test_"):
            continue
        for fn in _functions(tree):
            if fn.name.startswith("test_") and not (_checks_directly(fn) or _calls(fn) & checking):
                found.append(f"{path}::{fn.name}")
    return found


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else "tests")
    found = find(root)
    for line in found:
        print(line)
    print(f"{len(found)} test(s) without an assertion", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
