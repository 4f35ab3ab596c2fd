"""Settings: the permission matrix read-only, and the store's settings changed in place, page by page,
with the command line's checks; driven by keys.

Set FACET_DIALOG_PNG to a folder to keep a picture of each page as the tests leave it.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from pos_app.app import Facet
from pos_app.domain.permissions import Permission, Role
from pos_app.gui.main_window import MainWindow
from pos_app.gui.settings import ALLOWED, PAGE_ORDER, SettingsView, matrix_rows, setting_text
from tests.gui.conftest import focused, press, sign_in, snap


def _cell(view: SettingsView, table: str, row: int, column: int) -> str:
    model = getattr(view.form, table).model()
    return str(model.data(model.index(row, column)))


def _row_of(view: SettingsView, label: str) -> int:
    model = view.form.permissions_table.model()
    return next(r for r in range(model.rowCount()) if model.data(model.index(r, 1)) == label)


def _settings(qtbot: Any, window: MainWindow, name: str) -> SettingsView:
    sign_in(qtbot, window, name)
    view = window.workspace.show_screen("Settings")
    assert isinstance(view, SettingsView)
    qtbot.waitUntil(lambda: bool(view.loaded_texts), timeout=10_000)
    return view


def _page(qtbot: Any, view: SettingsView, page: str) -> None:
    press(qtbot, getattr(Qt.Key, f"Key_{PAGE_ORDER.index(page) + 1}"), Qt.KeyboardModifier.AltModifier)
    assert view.current_page() == page


def _type(qtbot: Any, text: str) -> None:
    """Replace the focused field's text by typing, as a person would (select all, then type)."""
    press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(focused(), text)


def _save_and_wait(qtbot: Any, view: SettingsView, page: str, expected: str) -> None:
    press(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    message = getattr(view.form, f"{page}_message")
    qtbot.waitUntil(lambda: expected in message.text(), timeout=10_000)


def _events(facet: Facet, action: str) -> list[dict[str, Any]]:
    conn = facet.connection()
    try:
        rows = conn.execute("SELECT summary FROM audit_events WHERE action = ? ORDER BY seq", (action,)).fetchall()
    finally:
        conn.close()
    return [json.loads(r[0]) if isinstance(r[0], str) else r[0] for r in rows]


def test_a_manager_reads_the_matrix_and_every_page_but_changes_only_the_printer(
        qtbot: Any, window: MainWindow, qtmodeltester: Any) -> None:
    view = _settings(qtbot, window, "Marcus Reed")
    table = view.form.permissions_table
    qtmodeltester.check(table.model())
    headers = [table.model().headerData(c, Qt.Orientation.Horizontal) for c in range(table.model().columnCount())]
    assert headers == ["Area", "Permission", "Owner", "Manager", "Clerk", "Appraiser", "Privacy officer"]
    assert table.model().rowCount() == len(Permission)
    void = _row_of(view, "Void sale")
    assert [_cell(view, "permissions_table", void, c) for c in range(2, 7)] == [ALLOWED, ALLOWED, "", "", ""]
    printer = _row_of(view, "Manage printer")
    assert [_cell(view, "permissions_table", printer, c) for c in range(2, 7)] == [ALLOWED, ALLOWED, "", "", ""]
    assert table.editTriggers() == table.EditTrigger.NoEditTriggers
    assert focused() is table

    f = view.form
    _page(qtbot, view, "store")
    assert f.store_name_edit.isReadOnly() and not f.store_save_button.isVisible()
    assert "Only the owner changes these." in f.store_intro.text()
    _page(qtbot, view, "receipt")
    assert focused() is f.receipt_printer_edit and not f.receipt_printer_edit.isReadOnly()
    assert f.receipt_return_policy_edit.isReadOnly() and f.receipt_save_button.isVisible()
    _page(qtbot, view, "security")
    assert f.security_idle_edit.isReadOnly() and not f.security_save_button.isVisible()
    press(qtbot, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert view.current_page() == "permissions" and focused() is table


def test_the_owner_changes_the_tax_rate_by_keyboard_and_the_trail_has_old_and_new(
        qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    view = _settings(qtbot, window, "Jane Ellen")
    f = view.form
    before = demo_facet.directory().store()
    assert before is not None
    _page(qtbot, view, "store")
    assert focused() is f.store_name_edit
    press(qtbot, Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)  # Sales ta&x
    assert focused() is f.store_tax_rate_edit
    _type(qtbot, "6.25")
    _save_and_wait(qtbot, view, "store", "Saved: Sales tax (%).")
    snap(window, "settings-store")
    assert demo_facet.directory().store().tax_rate == "6.25"  # type: ignore[union-attr]
    assert window.context.profile.tax_rate == "6.25"
    (event,) = _events(demo_facet, "store.profile_changed")
    assert event["changed"] == {"tax_rate": {"before": before.tax_rate, "after": "6.25"}}


def test_a_bad_time_zone_names_the_field_takes_the_keyboard_and_changes_nothing(
        qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    view = _settings(qtbot, window, "Jane Ellen")
    f = view.form
    before = demo_facet.directory().store()
    _page(qtbot, view, "store")
    press(qtbot, Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)
    _type(qtbot, "7")  # a good change with the bad one: all or nothing
    press(qtbot, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    assert focused() is f.store_timezone_edit
    _type(qtbot, "Mars/Olympus")
    press(qtbot, Qt.Key.Key_Tab)
    _save_and_wait(qtbot, view, "store", "Nothing was saved.")
    assert f.store_message.text() == ("Time zone: 'Mars/Olympus' is not a time zone name such as America/New_York. "
                                      "Nothing was saved.")
    assert focused() is f.store_timezone_edit
    assert demo_facet.directory().store() == before
    assert _events(demo_facet, "store.profile_changed") == []


def test_the_owner_sets_the_idle_lock_and_a_bad_argon2_cost_is_refused(
        qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    view = _settings(qtbot, window, "Jane Ellen")
    f = view.form
    _page(qtbot, view, "security")
    assert focused() is f.security_idle_edit
    _type(qtbot, "12")
    _save_and_wait(qtbot, view, "security", "Saved: Idle lock (minutes).")
    assert demo_facet.directory().setting("security.idle_lock_minutes") == 12
    events = _events(demo_facet, "setting.changed")
    assert events[-1] == {"key": "security.idle_lock_minutes", "before": 5, "after": 12}

    press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    assert focused() is f.security_argon2_edit
    _type(qtbot, "time_cost=1 memory_cost=1024")
    _save_and_wait(qtbot, view, "security", "Nothing was saved.")
    assert f.security_message.text().startswith("Argon2 costs: ")
    assert focused() is f.security_argon2_edit
    assert len(_events(demo_facet, "setting.changed")) == len(events)
    snap(window, "settings-security")


def test_retention_below_the_legal_minimum_is_refused(qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    view = _settings(qtbot, window, "Jane Ellen")
    f = view.form
    _page(qtbot, view, "retention")
    assert focused() is f.retention_transactions_edit
    _type(qtbot, "3")
    _save_and_wait(qtbot, view, "retention", "Nothing was saved.")
    assert f.retention_message.text() == ("Sales linked to a customer (years): must be from 7 to 30 (the law's "
                                          "minimum). Nothing was saved.")
    assert demo_facet.directory().setting("retention.transactions_years", 7) == 7
    snap(window, "settings-retention")


def test_the_owner_renames_the_places_stock_is_kept(qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    view = _settings(qtbot, window, "Jane Ellen")
    _page(qtbot, view, "locations")
    assert focused() is view.form.locations_edit
    _type(qtbot, "Window, Case 1, Safe")
    _save_and_wait(qtbot, view, "locations", "Saved: Places.")
    assert demo_facet.directory().setting("inventory.locations") == ["Window", "Case 1", "Safe"]
    _type(qtbot, "Safe, safe")
    _save_and_wait(qtbot, view, "locations", "Nothing was saved.")
    assert "a place is named twice" in view.form.locations_message.text()
    snap(window, "settings-locations")


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
    assert isinstance(QLineEdit, type)
