"""Every test checks something: tools/tests_without_assertions.py finds none that cannot fail."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tests_without_assertions",
                                                  ROOT / "tools" / "tests_without_assertions.py")
    assert spec is not None and spec.loader is not None
    checker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checker)
    return checker


def test_every_test_function_asserts_something() -> None:
    assert _checker().find(ROOT / "tests") == []


def test_the_checker_finds_a_test_that_asserts_nothing(tmp_path: Path) -> None:
    (tmp_path / "test_sample.py").write_text(
        "import pytest\n"
        "def helper(x):\n    assert x\n"
        "def test_checks_through_a_helper():\n    helper(1)\n"
        "def test_raises():\n    with pytest.raises(ValueError):\n        int('x')\n"
        "def test_waits(qtbot):\n    qtbot.waitUntil(lambda: True)\n"
        "def test_nothing():\n    int('1')\n")
    assert _checker().find(tmp_path) == [f"{tmp_path / 'test_sample.py'}::test_nothing"]
