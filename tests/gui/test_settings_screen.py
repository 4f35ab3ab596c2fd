"""Settings: the permission matrix read-only for the owner and managers, and the store's settings as they are."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from pos_app.domain.permissions import Permission, Role
from pos_app.gui.main_window import MainWindow
from pos_app.gui.settings import ALLOWED, SettingsView, matrix_rows, setting_text
from tests.gui.conftest import focused, sign_in, snap


def _cell(view: SettingsView, table: str, row: int, column: int) -> str:
    model = getattr(view.form, table).model()
    return str(model.data(model.index(row, column)))


def _row_of(view: SettingsView, label: str) -> int:
    model = view.form.permissions_table.model()
    return next(r for r in range(model.rowCount()) if model.data(model.index(r, 1)) == label)


def test_a_manager_reads_the_matrix_and_the_store_settings_by_keyboard(
        qtbot: Any, window: MainWindow, qtmodeltester: Any) -> None:
    sign_in(qtbot, window, "Marcus Reed")
    view = window.workspace.show_screen("Settings")
    assert isinstance(view, SettingsView)
    assert window.workspace.keys_of("Settings") == "Ctrl+8"  # after Staff (a manager resets clerks' PINs)
    table = view.form.permissions_table
    qtmodeltester.check(table.model())
    headers = [table.model().headerData(c, Qt.Orientation.Horizontal) for c in range(table.model().columnCount())]
    assert headers == ["Area", "Permission", "Owner", "Manager", "Clerk", "Appraiser", "Privacy officer"]
    assert table.model().rowCount() == len(Permission)
    void = _row_of(view, "Void sale")
    assert [_cell(view, "permissions_table", void, c) for c in range(2, 7)] == [ALLOWED, ALLOWED, "", "", ""]
    restricted = _row_of(view, "Edit restricted customer")
    assert [_cell(view, "permissions_table", restricted, c) for c in range(2, 7)] == ["", "", "", "", ALLOWED]
    assert _cell(view, "permissions_table", 0, 0) == "Counter" and _cell(view, "permissions_table", 1, 0) == ""
    assert table.editTriggers() == table.EditTrigger.NoEditTriggers
    snap(window, "settings-permissions")

    qtbot.keyClick(focused(), Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert view.form.tabs.currentIndex() == 1
    qtbot.waitUntil(lambda: view.form.settings_table.model() is not None
                    and view.form.settings_table.model().rowCount() > 0, timeout=5_000)
    assert focused() is view.form.settings_table
    keys = [_cell(view, "settings_table", r, 0) for r in range(view.form.settings_table.model().rowCount())]
    limit = keys.index("sales.clerk_discount_limit_percent")
    assert _cell(view, "settings_table", limit, 1) == "10"
    assert "pos-app settings set" in view.form.settings_note.text()
    snap(window, "settings-store")
    qtbot.keyClick(focused(), Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert view.form.tabs.currentIndex() == 0 and focused() is table


def test_clerks_appraisers_and_the_privacy_officer_have_no_settings_tab(qtbot: Any, window: MainWindow) -> None:
    for name in ("Lily Chen", "Priya Nair", "Dana Brooks"):
        sign_in(qtbot, window, name)
        assert "Settings" not in window.workspace.screens
        window.lock("")
        window.sign_in.form.staff_list.setCurrentRow(0)


def test_the_matrix_rows_follow_the_roles_order_and_a_long_setting_is_cut() -> None:
    assert len(matrix_rows()[0]) == 2 + len(Role)
    assert setting_text("inventory.locations", ["Case 1", "Safe"]) == "Case 1, Safe"
    assert setting_text("receipt.logo", "iVBORw0KGgo") == "a PNG logo"
    assert setting_text("receipt.privacy_notice", "") == "(empty)"
    assert setting_text("appraisals.limiting_conditions", "word " * 40).endswith("…")
