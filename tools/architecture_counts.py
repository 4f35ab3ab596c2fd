"""The architecture's numbers, measured from the source, for the README's "For developers" section.

    python tools/architecture_counts.py          # a short text table
    python tools/architecture_counts.py --json   # the same as JSON, to compare two checkouts
    .venv/bin/python tools/architecture_counts.py --collect   # also the cases pytest collects (seconds)

What it counts, and the target each number has (issue 15):
- connection-opening code in `pos_app/gui`: calls of `.connection()`, reader builders (`..._reader(`,
  `.audit_trail(`, `facet.directory(`) and imports of `sqlite3`/`sqlcipher3`. Target 0: a screen reads
  through the store handle its job receives (`runner.run(lambda store: ...)`) or `context.store`.
- `Any` in `pos_app/gui`: uses of `typing.Any` inside annotations (parameters, returns, annotated
  names), per file. Target: only where Qt requires it (a model's `data()`/`headerData()`).
- the largest modules of `pos_app` by lines (target: under 600).
- the tests of `tests/unit` (test functions, not their parametrized cases) and how many of them need no
  store: a test needs one when it asks for a store fixture (`demo_template`, `demo_dir`, `demo_facet`,
  `empty_facet` or any fixture that depends on one, directly or through others) or builds a store itself
  (`create_facet`, `create_demo_facet`, `open_facet`).

Only the standard library: it reads the files with `ast` and imports nothing of Facet's.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STORE_FIXTURES = frozenset({"demo_template", "demo_dir", "demo_facet", "empty_facet"})
STORE_BUILDERS = frozenset({"create_facet", "create_demo_facet", "open_facet"})
CONNECTION_CALL = re.compile(r"\.connection\(\)")
READER_BUILDER = re.compile(r"\.\w+_reader\(|\.audit_trail\(|\bfacet\.directory\(")
DATABASE_MODULES = ("sqlite3", "sqlcipher3", "pysqlcipher3")


def python_files(folder: Path) -> Iterator[Path]:
    yield from sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _code_lines(source: str) -> Iterator[str]:
    """The lines of `source` without comments and docstrings' text, so prose naming `.connection()` is not counted."""
    tree = ast.parse(source)
    prose: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            prose.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    for number, line in enumerate(source.splitlines(), start=1):
        if number not in prose:
            yield line.split("#", 1)[0]


def connection_code(gui: Path) -> dict[str, dict[str, int]]:
    """Per file of `gui`: how many connection openings, reader builders and database imports it holds."""
    found: dict[str, dict[str, int]] = {}
    for path in python_files(gui):
        source = path.read_text(encoding="utf-8")
        lines = list(_code_lines(source))
        counts = {
            "connection()": sum(len(CONNECTION_CALL.findall(line)) for line in lines),
            "reader builders": sum(len(READER_BUILDER.findall(line)) for line in lines),
            "sqlite imports": _database_imports(ast.parse(source)),
        }
        if any(counts.values()):
            found[relative(path)] = counts
    return found


def _database_imports(tree: ast.AST) -> int:
    count = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            count += sum(1 for alias in node.names if alias.name.split(".")[0] in DATABASE_MODULES)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in DATABASE_MODULES:
            count += 1
    return count


def _annotations(tree: ast.AST) -> Iterator[ast.expr]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = node.args
            for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                        arguments.vararg, arguments.kwarg):
                if arg is not None and arg.annotation is not None:
                    yield arg.annotation
            if node.returns is not None:
                yield node.returns
        elif isinstance(node, ast.AnnAssign):
            yield node.annotation


def _names_any(annotation: ast.expr, any_names: set[str], typing_names: set[str]) -> int:
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):  # a quoted annotation
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return 0
    count = 0
    for node in ast.walk(annotation):
        if isinstance(node, ast.Name) and node.id in any_names:
            count += 1
        elif (isinstance(node, ast.Attribute) and node.attr == "Any" and isinstance(node.value, ast.Name)
              and node.value.id in typing_names):
            count += 1
    return count


def any_annotations(gui: Path) -> dict[str, int]:
    """Per file of `gui`: how many times `typing.Any` appears inside its annotations."""
    found: dict[str, int] = {}
    for path in python_files(gui):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        any_names: set[str] = set()
        typing_names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "typing":
                any_names.update(a.asname or a.name for a in node.names if a.name == "Any")
            elif isinstance(node, ast.Import):
                typing_names.update(a.asname or a.name for a in node.names if a.name == "typing")
        if not any_names and not typing_names:
            continue
        count = sum(_names_any(a, any_names, typing_names) for a in _annotations(tree))
        if count:
            found[relative(path)] = count
    return found


def largest_modules(package: Path, top: int = 5) -> list[tuple[str, int]]:
    sizes = [(relative(p), len(p.read_text(encoding="utf-8").splitlines())) for p in python_files(package)]
    return sorted(sizes, key=lambda item: (-item[1], item[0]))[:top]


def _fixtures(tree: ast.Module) -> dict[str, set[str]]:
    """The fixtures a module defines, each with the parameters (fixtures) it asks for."""
    found: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and any(_is_fixture(d) for d in node.decorator_list):
            found[node.name] = {a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)}
    return found


def _is_fixture(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (isinstance(target, ast.Attribute) and target.attr == "fixture") or (
        isinstance(target, ast.Name) and target.id == "fixture")


def _needing_store(fixtures: dict[str, set[str]]) -> set[str]:
    """The fixtures that reach a store fixture, directly or through other fixtures."""
    needing = set(STORE_FIXTURES)
    grew = True
    while grew:
        grew = False
        for name, wants in fixtures.items():
            if name not in needing and wants & needing:
                needing.add(name)
                grew = True
    return needing


def _used_fixtures(decorators: Iterable[ast.expr]) -> set[str]:
    """Fixtures named by `@pytest.mark.usefixtures(...)`."""
    names: set[str] = set()
    for decorator in decorators:
        if (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
                and decorator.func.attr == "usefixtures"):
            names.update(a.value for a in decorator.args if isinstance(a, ast.Constant) and isinstance(a.value, str))
    return names


def _builds_store(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in STORE_BUILDERS:
                return True
    return False


def _tests(tree: ast.Module) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef, set[str]]]:
    """Each test function with the fixtures its class or module marks it with."""
    module_marks = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets):
            values = node.value.elts if isinstance(node.value, ast.List | ast.Tuple) else [node.value]
            module_marks |= _used_fixtures(values)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            yield node, module_marks | _used_fixtures(node.decorator_list)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            marks = module_marks | _used_fixtures(node.decorator_list)
            for member in node.body:
                if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef) and member.name.startswith("test"):
                    yield member, marks | _used_fixtures(member.decorator_list)


def unit_tests(tests: Path, *, collect: bool = False) -> dict[str, int]:
    """How many tests `tests/unit` holds, and how many of them need no store; `collect`: also the test cases
    pytest collects (each parametrized case counted), which takes pytest's collection (seconds)."""
    needs = _store_needs(tests)
    counts = {"tests": len(needs), "need no store": sum(1 for needed in needs.values() if not needed)}
    if collect:
        cases = _collected(tests / "unit")
        counts["cases"] = len(cases)
        counts["cases that need no store"] = sum(1 for case in cases if not needs.get(case, True))
    return counts


def _collected(folder: Path) -> list[tuple[str, str]]:
    """(file, test function) of each case pytest collects in `folder`."""
    import subprocess

    found = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                            str(folder)], cwd=ROOT, capture_output=True, text=True, check=False)
    if "::" not in found.stdout:
        raise SystemExit(f"pytest collected nothing (run this with the project's Python):\n{found.stderr[-2000:]}")
    cases = []
    for line in found.stdout.splitlines():
        if "::" in line:
            parts = line.split("[", 1)[0].split("::")
            cases.append((Path(parts[0]).as_posix(), parts[-1]))
    return cases


def _store_needs(tests: Path) -> dict[tuple[str, str], bool]:
    """Each test function of `tests/unit`, (file, name), and whether it needs a store."""
    shared: dict[str, set[str]] = {}
    for conftest in (tests / "conftest.py", tests / "unit" / "conftest.py"):
        if conftest.exists():
            shared.update(_fixtures(ast.parse(conftest.read_text(encoding="utf-8"))))
    needs: dict[tuple[str, str], bool] = {}
    for path in python_files(tests / "unit"):
        if not path.name.startswith("test_"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        fixtures = {**shared, **_fixtures(tree)}
        autouse = {name for name in _fixtures(tree) if _autouse(tree, name)}
        needing = _needing_store(fixtures)
        for function, marks in _tests(tree):
            wants = {a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)}
            needs[(relative(path), function.name)] = bool((wants | marks | autouse) & needing) or _builds_store(
                function)
    return needs


def _autouse(tree: ast.Module, name: str) -> bool:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and any(
                        k.arg == "autouse" and isinstance(k.value, ast.Constant) and k.value.value is True
                        for k in decorator.keywords):
                    return True
    return False


def measure(root: Path = ROOT, *, collect: bool = False) -> dict[str, object]:
    gui = root / "pos_app" / "gui"
    connections = connection_code(gui)
    anys = any_annotations(gui)
    return {
        "gui connection-opening code": {
            "total": sum(sum(c.values()) for c in connections.values()),
            "by file": connections,
        },
        "gui Any in annotations": {"total": sum(anys.values()), "by file": dict(sorted(anys.items()))},
        "largest modules": [{"module": name, "lines": lines} for name, lines in largest_modules(root / "pos_app")],
        "unit tests": unit_tests(root / "tests", collect=collect),
    }


def as_text(counts: dict[str, object]) -> str:
    connections = counts["gui connection-opening code"]
    anys = counts["gui Any in annotations"]
    assert isinstance(connections, dict) and isinstance(anys, dict)
    lines = [f"connection-opening code in pos_app/gui: {connections['total']} (target 0)"]
    for name, found in connections["by file"].items():
        lines.append(f"  {name}: " + ", ".join(f"{kind} {n}" for kind, n in found.items() if n))
    lines.append(f"typing.Any in pos_app/gui annotations: {anys['total']}")
    for name, n in anys["by file"].items():
        lines.append(f"  {name}: {n}")
    lines.append("largest modules in pos_app (lines; target under 600):")
    for entry in counts["largest modules"]:  # type: ignore[attr-defined]
        lines.append(f"  {entry['module']}: {entry['lines']}")
    tests = counts["unit tests"]
    assert isinstance(tests, dict)
    lines.append(f"tests in tests/unit: {tests['tests']}, of which need no store: {tests['need no store']}")
    if "cases" in tests:
        lines.append(f"  collected cases (parametrized): {tests['cases']}, of which need no store: "
                     f"{tests['cases that need no store']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--collect", action="store_true",
                        help="also count the cases pytest collects in tests/unit (run with the project's Python)")
    options = parser.parse_args(argv)
    counts = measure(collect=options.collect)
    print(json.dumps(counts, indent=2) if options.json else as_text(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
