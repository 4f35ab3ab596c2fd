"""The Staff tab by keys: the owner hires a clerk who then signs in, changes a role, resets a PIN,
lets a leaver go and takes them back; the last owner stays; a manager resets clerks' PINs only.

Set FACET_DIALOG_PNG to a folder to keep pictures of the Staff tab and its dialog.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from pos_app.app import Facet
from pos_app.domain.permissions import Role
from pos_app.gui.main_window import MainWindow
from pos_app.gui.staff import StaffView
from pos_app.gui.staff_dialog import StaffDialog
from tests.gui.conftest import focused, press, sign_in, snap

CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


def _record(facet: Facet, name: str) -> Any:
    conn = facet.connection()
    try:
        found = conn.execute("SELECT id FROM staff WHERE name = ?", (name,)).fetchone()
    finally:
        conn.close()
    if found is None:
        return None
    with facet.uow() as uow:
        return uow.staff.get(found[0])


def _staff_tab(qtbot: Any, window: MainWindow, who: str = "Jane Ellen", rows: int = 6) -> StaffView:
    sign_in(qtbot, window, who)
    view = window.workspace.show_screen("Staff")
    assert isinstance(view, StaffView)
    qtbot.waitUntil(lambda: len(view.rows) == rows and not view.loading, timeout=10_000)
    view.form.staff_table.setFocus()
    return view


def _type_any_script(widget: Any, text: str) -> None:
    """Key events carrying any character, as a keyboard layout or input method sends them (QTest's
    keyClicks only knows ASCII)."""
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, ch))


def _select(qtbot: Any, view: StaffView, name: str) -> None:
    """Arrow keys down the list from the top to `name`."""
    table = view.form.staff_table
    table.setFocus()
    press(qtbot, Qt.Key.Key_Home)
    for _ in range(len(view.rows)):
        if view.selected() is not None and view.selected().name == name:
            return
        press(qtbot, Qt.Key.Key_Down)
    assert view.selected() is not None and view.selected().name == name


def _dialog(qtbot: Any, view: StaffView) -> StaffDialog:
    qtbot.waitUntil(lambda: view.dialog is not None and view.dialog.isVisible(), timeout=5_000)
    assert view.dialog is not None
    dialog = view.dialog
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None and QApplication.focusWidget().window() is dialog,
                    timeout=5_000)
    return dialog


def _save(qtbot: Any, dialog: StaffDialog) -> None:
    press(qtbot, Qt.Key.Key_Return, CTRL)


def _back_on_the_list(qtbot: Any, view: StaffView, dialog: StaffDialog) -> None:
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.form.staff_table, timeout=5_000)


def _saved(qtbot: Any, view: StaffView, dialog: StaffDialog) -> None:
    _save(qtbot, dialog)
    _back_on_the_list(qtbot, view, dialog)
    qtbot.waitUntil(lambda: not view.loading, timeout=10_000)


def test_the_owner_adds_a_clerk_by_keys_who_signs_in_and_chooses_a_pin(qtbot: Any, window: MainWindow) -> None:
    view = _staff_tab(qtbot, window)
    snap(window, "staff_tab")
    press(qtbot, Qt.Key.Key_Insert)
    dialog = _dialog(qtbot, view)
    f = dialog.form
    assert focused() is f.name_edit and f.role_combo.currentData() == Role.CLERK
    assert not f.pin_edit.isVisible() and not f.credentials_edit.isVisible()
    temporary = f.secret_edit.text()
    assert temporary.isdigit() and len(temporary) == 6, "a temporary PIN is suggested, to read out"
    _type_any_script(focused(), "Zoë Ngô")
    assert f.name_edit.text() == "Zoë Ngô"
    snap(dialog, "staff_add_dialog")
    _saved(qtbot, view, dialog)
    assert "Zoë Ngô is on the sign-in list" in view.form.message_label.text()
    assert "Zoë Ngô" in [r.name for r in view.rows]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.form.staff_table, timeout=5_000)

    press(qtbot, Qt.Key.Key_L, CTRL)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.sign_in, timeout=5_000)
    qtbot.keyClicks(focused(), "Zo")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.keyClicks(focused(), temporary)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.sign_in.choosing_secret, timeout=10_000)
    for _ in range(2):
        qtbot.keyClicks(focused(), "2468")
        press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.context.actor is not None, timeout=10_000)
    assert window.context.actor.name == "Zoë Ngô" and window.context.actor.role is Role.CLERK


def test_a_hire_with_a_missing_or_taken_name_is_refused_in_the_dialog(qtbot: Any, window: MainWindow) -> None:
    view = _staff_tab(qtbot, window)
    press(qtbot, Qt.Key.Key_N, CTRL | SHIFT)
    dialog = _dialog(qtbot, view)
    f = dialog.form
    _save(qtbot, dialog)
    qtbot.waitUntil(lambda: f.message_label.text() == "Name is required.", timeout=5_000)
    assert focused() is f.name_edit and dialog.isVisible()
    qtbot.keyClicks(focused(), "LILY CHEN")
    _save(qtbot, dialog)
    qtbot.waitUntil(lambda: "Name 'LILY CHEN' is already on the staff list." == f.message_label.text(),
                    timeout=5_000)
    f.name_edit.clear()
    qtbot.keyClicks(f.name_edit, "Ann Lee")
    f.secret_edit.setFocus()
    f.secret_edit.selectAll()
    qtbot.keyClicks(focused(), "12")
    _save(qtbot, dialog)
    qtbot.waitUntil(lambda: f.message_label.text() == "Temporary PIN must be 4 to 8 digits.", timeout=5_000)
    press(qtbot, Qt.Key.Key_Escape)
    _back_on_the_list(qtbot, view, dialog)
    assert _record(window.context.facet, "Ann Lee") is None, "nothing was added"


def test_the_owner_makes_a_clerk_manager_with_a_temporary_password(qtbot: Any, window: MainWindow) -> None:
    view = _staff_tab(qtbot, window)
    _select(qtbot, view, "Sam Ortiz")
    press(qtbot, Qt.Key.Key_F2)
    dialog = _dialog(qtbot, view)
    f = dialog.form
    assert focused() is f.role_combo and not f.secret_edit.isVisible()
    qtbot.keyClicks(focused(), "Ma")
    assert f.role_combo.currentData() == Role.MANAGER
    assert f.secret_edit.isVisible() and len(f.secret_edit.text()) >= 8, "a temporary password is suggested"
    assert "choose their own at their next sign-in" in f.note_label.text()
    snap(dialog, "staff_role_dialog")
    _saved(qtbot, view, dialog)
    assert view.form.message_label.text() == "Sam Ortiz is now a manager."
    sam = _record(window.context.facet, "Sam Ortiz")
    assert sam.role is Role.MANAGER and sam.must_change_secret
    row = next(n for n, r in enumerate(view.rows) if r.name == "Sam Ortiz")
    assert view.form.staff_table.model().index(row, 6).data() == "chooses a new password at next sign-in"


def test_a_leaver_is_deactivated_after_a_confirmation_and_taken_back(qtbot: Any, window: MainWindow) -> None:
    view = _staff_tab(qtbot, window)
    _select(qtbot, view, "Sam Ortiz")
    assert view.form.active_button.text() == "Deactivate  (Ctrl+D)"
    press(qtbot, Qt.Key.Key_D, CTRL)
    dialog = _dialog(qtbot, view)
    assert dialog.form.intro_label.text().startswith("Deactivate Sam Ortiz?")
    snap(dialog, "staff_deactivate_dialog")
    _saved(qtbot, view, dialog)
    qtbot.waitUntil(lambda: "Sam Ortiz" not in [r.name for r in view.rows], timeout=5_000)
    assert not _record(window.context.facet, "Sam Ortiz").active
    press(qtbot, Qt.Key.Key_H, CTRL)
    qtbot.waitUntil(lambda: "Sam Ortiz" in [r.name for r in view.rows] and not view.loading, timeout=5_000)
    _select(qtbot, view, "Sam Ortiz")
    assert view.form.active_button.text() == "Reactivate  (Ctrl+D)"
    press(qtbot, Qt.Key.Key_D, CTRL)
    dialog = _dialog(qtbot, view)
    assert dialog.form.intro_label.text().startswith("Reactivate Sam Ortiz as clerk?")
    _saved(qtbot, view, dialog)
    assert _record(window.context.facet, "Sam Ortiz").active


def test_the_last_owner_cannot_leave_or_be_demoted_from_the_tab(qtbot: Any, window: MainWindow) -> None:
    view = _staff_tab(qtbot, window)
    _select(qtbot, view, "Jane Ellen")
    press(qtbot, Qt.Key.Key_D, CTRL)
    dialog = _dialog(qtbot, view)
    _save(qtbot, dialog)
    qtbot.waitUntil(lambda: "You cannot deactivate yourself" in dialog.form.message_label.text(), timeout=5_000)
    press(qtbot, Qt.Key.Key_Escape)
    _back_on_the_list(qtbot, view, dialog)
    press(qtbot, Qt.Key.Key_F2)
    dialog = _dialog(qtbot, view)
    qtbot.keyClicks(focused(), "Ma")
    _save(qtbot, dialog)
    qtbot.waitUntil(lambda: "must keep an active owner" in dialog.form.message_label.text(), timeout=5_000)
    jane = _record(window.context.facet, "Jane Ellen")
    assert jane.role is Role.OWNER and jane.active and not jane.must_change_secret


def test_a_manager_resets_a_clerks_pin_and_sees_only_clerks_and_appraisers(qtbot: Any, window: MainWindow) -> None:
    view = _staff_tab(qtbot, window, "Marcus Reed", rows=3)
    assert [r.name for r in view.rows] == ["Lily Chen", "Priya Nair", "Sam Ortiz"]
    f = view.form
    assert not f.add_button.isVisible() and not f.active_button.isVisible() and f.reset_secret_button.isVisible()
    press(qtbot, Qt.Key.Key_Insert)
    assert view.dialog is None, "a manager does not hire"
    snap(window, "staff_tab_manager")
    _select(qtbot, view, "Lily Chen")
    press(qtbot, Qt.Key.Key_P, CTRL)
    dialog = _dialog(qtbot, view)
    temporary = dialog.form.secret_edit.text()
    assert focused() is dialog.form.secret_edit and temporary.isdigit()
    snap(dialog, "staff_reset_dialog")
    _saved(qtbot, view, dialog)
    assert "Lily Chen's PIN was reset" in f.message_label.text()
    assert _record(window.context.facet, "Lily Chen").must_change_secret


def test_the_add_dialog_asks_what_the_role_needs(qtbot: Any, window: MainWindow) -> None:
    view = _staff_tab(qtbot, window)
    press(qtbot, Qt.Key.Key_Insert)
    dialog = _dialog(qtbot, view)
    f = dialog.form
    qtbot.keyClicks(focused(), "Ann Lee")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is f.role_combo
    qtbot.keyClicks(focused(), "Ma")
    assert f.secret_label.text() == "Temporary &password" and len(f.secret_edit.text()) >= 8
    assert f.new_secret_button.text() == "Another password  (Ctrl+G)"  # says what Ctrl+G makes
    assert f.pin_edit.isVisible() and not f.credentials_edit.isVisible()
    snap(dialog, "staff_add_manager_dialog")
    press(qtbot, Qt.Key.Key_Down)  # owner, manager, clerk, appraiser, privacy officer
    press(qtbot, Qt.Key.Key_Down)
    assert f.role_combo.currentData() == Role.APPRAISER
    assert f.secret_edit.text().isdigit() and f.credentials_edit.isVisible() and not f.pin_edit.isVisible()
    assert f.new_secret_button.text() == "Another PIN  (Ctrl+G)"
    first = f.secret_edit.text()
    press(qtbot, Qt.Key.Key_G, CTRL)
    assert f.secret_edit.text().isdigit() and len(f.secret_edit.text()) == 6, "another temporary PIN"
    if f.secret_edit.text() == first:  # one chance in a million of the same six digits
        press(qtbot, Qt.Key.Key_G, CTRL)
    assert f.secret_edit.text() != first
    f.credentials_edit.setFocus()
    qtbot.keyClicks(focused(), "GIA Graduate Gemologist")
    snap(dialog, "staff_add_appraiser_dialog")
    _saved(qtbot, view, dialog)
    ann = _record(window.context.facet, "Ann Lee")
    assert ann.role is Role.APPRAISER and ann.credentials == "GIA Graduate Gemologist" and ann.must_change_secret
