"""Every screen of the workspace is one key chord away, however many screens a role has."""

from __future__ import annotations

from PySide6.QtCore import Qt

from pos_app.gui.main_window import MainWindow
from pos_app.gui.workspace import tab_keys
from tests.gui.conftest import focused, sign_in

CTRL = Qt.KeyboardModifier.ControlModifier


def test_tab_shortcuts_run_ctrl_1_to_9_then_0_and_stop() -> None:
    assert [tab_keys(n) for n in range(11)] == [*(f"Ctrl+{n}" for n in range(1, 10)), "Ctrl+0", None]


def test_the_owner_reaches_every_screen_by_keyboard(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Jane Ellen")
    tabs = window.workspace.form.tabs
    count = tabs.count()
    assert count == len(window.workspace.screens) >= 8
    for n in range(min(count, 10)):
        assert tabs.tabText(n).endswith(f"({tab_keys(n)})")
        digit = Qt.Key(Qt.Key.Key_0 + (n + 1) % 10)
        qtbot.keyClick(focused(), digit, CTRL)
        qtbot.waitUntil(lambda n=n: tabs.currentIndex() == n, timeout=3_000)
    # Ctrl+PgDown steps through all of them, past the tenth too, and wraps around.
    qtbot.keyClick(focused(), Qt.Key.Key_1, CTRL)
    seen = []
    for _ in range(count):
        qtbot.keyClick(focused(), Qt.Key.Key_PageDown, CTRL)
        seen.append(tabs.currentIndex())
    assert seen == [*range(1, count), 0]
    qtbot.keyClick(focused(), Qt.Key.Key_PageUp, CTRL)
    assert tabs.currentIndex() == count - 1
