"""Settings, Reports (Alt+8): the owner sets the commission rules and the aging cut-offs by keyboard; a bad
rule is refused naming it, nothing saved; a manager reads them only."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from pos_app.app import Facet
from pos_app.domain.commission import AGING_SETTING, RULES_SETTING
from pos_app.gui.main_window import MainWindow
from pos_app.gui.settings.view import SettingsView
from tests.conftest import audit_summaries
from tests.gui.conftest import focused, press, sign_in, snap

CTRL, ALT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.AltModifier


def _reports_page(qtbot: Any, window: MainWindow, name: str) -> SettingsView:
    sign_in(qtbot, window, name)
    view = window.workspace.show_screen("Settings")
    assert isinstance(view, SettingsView)
    qtbot.waitUntil(lambda: bool(view.loaded_texts), timeout=10_000)
    press(qtbot, Qt.Key.Key_8, ALT)
    assert view.current_page() == "reports"
    return view


def test_the_owner_sets_a_commission_rule_by_keyboard(qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    view = _reports_page(qtbot, window, "Jane Ellen")
    f = view.form
    assert focused() is f.reports_commission_edit and f.reports_aging_edit.text() == "6, 12"

    qtbot.keyClicks(focused(), "tennis: 12.5% of margin")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.keyClicks(focused(), "bracelets: 5% of sales")
    press(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: "Nothing was saved." in f.reports_message.text(), timeout=10_000)
    assert "Commission rules (rule 2)" in f.reports_message.text() and "not a style" in f.reports_message.text()
    assert focused() is f.reports_commission_edit
    assert demo_facet.store.directory.setting(RULES_SETTING, []) == []

    # Fix the second line: all styles at 2.5% of net sales; Tab to the cut-offs, which go to 3, 6, 12.
    press(qtbot, Qt.Key.Key_End, CTRL)
    press(qtbot, Qt.Key.Key_Home)
    press(qtbot, Qt.Key.Key_End, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(focused(), "all: 2.5% of sales")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is f.reports_aging_edit
    press(qtbot, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(focused(), "3, 6, 12")
    press(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: "Saved: Commission rules, Aging cut-offs (months)." in f.reports_message.text(),
                    timeout=10_000)
    directory = demo_facet.store.directory
    assert directory.setting(RULES_SETTING, []) == [{"style": "tennis", "basis": "margin", "percent": "12.50"},
                                                    {"style": None, "basis": "sales", "percent": "2.50"}]
    assert directory.setting(AGING_SETTING, None) == [3, 6, 12]
    assert f.reports_commission_edit.toPlainText() == "tennis: 12.5% of margin\nall: 2.5% of sales"
    changed = {s["key"] for s in audit_summaries(demo_facet, "setting.changed")}
    assert {RULES_SETTING, AGING_SETTING} <= changed
    snap(view, "settings-reports")


def test_a_manager_reads_the_report_settings_but_cannot_change_them(qtbot: Any, window: MainWindow) -> None:
    view = _reports_page(qtbot, window, "Marcus Reed")
    f = view.form
    assert f.reports_commission_edit.isReadOnly() and f.reports_aging_edit.isReadOnly()
    assert not f.reports_save_button.isVisible() and "Only the owner changes these." in f.reports_intro.text()
