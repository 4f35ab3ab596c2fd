"""The sign-in screen by keys: after Ctrl+L the next person types their name, the fifth wrong PIN
says the account is locked and for how long, a newly hired clerk is on the list at once and
chooses their own PIN at the first sign-in.

Set FACET_DIALOG_PNG to a folder to keep a picture of the new-PIN page.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from pos_app.app import Facet
from pos_app.domain.permissions import Role
from pos_app.gui.main_window import MainWindow
from pos_app.services import staff
from tests.conftest import actor_for
from tests.gui.conftest import focused, press, sign_in, snap, two_step_code


def _record(facet: Facet, name: str) -> Any:
    conn = facet.connection()
    try:
        staff_id = conn.execute("SELECT id FROM staff WHERE name = ?", (name,)).fetchone()[0]
    finally:
        conn.close()
    with facet.uow() as uow:
        return uow.staff.get(staff_id)


def _type(qtbot: Any, text: str) -> None:
    qtbot.keyClicks(focused(), text)
    press(qtbot, Qt.Key.Key_Return)


def _lock(qtbot: Any, window: MainWindow) -> None:
    press(qtbot, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.sign_in, timeout=5_000)


def _signed_in_as(qtbot: Any, window: MainWindow, name: str) -> None:
    qtbot.waitUntil(lambda: window.context.actor is not None and window.workspace is not None, timeout=10_000)
    assert window.context.actor.name == name


def test_after_ctrl_l_the_next_persons_name_goes_to_the_list_not_to_the_last_pin(
        qtbot: Any, window: MainWindow) -> None:
    facet = window.context.facet
    sign_in(qtbot, window, "Lily Chen")
    qtbot.waitUntil(lambda: focused() is window.workspace.screens["Sell"].form.scan_edit, timeout=5_000)
    _lock(qtbot, window)
    form = window.sign_in.form
    qtbot.waitUntil(lambda: focused() is form.staff_list, timeout=5_000)
    assert form.staff_list.currentItem().text().startswith("Lily Chen"), "the last person stays selected"
    qtbot.keyClicks(focused(), "Sam")
    assert form.staff_list.currentItem().text().startswith("Sam Ortiz")
    assert _record(facet, "Lily Chen").failed_attempts == 0
    press(qtbot, Qt.Key.Key_Return)
    assert focused() is form.secret_edit
    _type(qtbot, "3344")
    _signed_in_as(qtbot, window, "Sam Ortiz")

    # Enter on the preselected name still lets the same person straight back in.
    _lock(qtbot, window)
    qtbot.waitUntil(lambda: focused() is form.staff_list, timeout=5_000)
    press(qtbot, Qt.Key.Key_Return)
    _type(qtbot, "3344")
    _signed_in_as(qtbot, window, "Sam Ortiz")
    # (the sign-in is written a moment after the workspace shows, which sets the count back to 0)
    qtbot.waitUntil(lambda: _record(facet, "Sam Ortiz").failed_attempts == 0, timeout=5_000)
    assert _record(facet, "Lily Chen").failed_attempts == 0


def test_the_fifth_wrong_pin_says_the_account_is_now_locked_and_for_how_long(
        qtbot: Any, window: MainWindow) -> None:
    form = window.sign_in.form
    form.staff_list.setFocus()
    qtbot.keyClicks(focused(), "Sam")
    press(qtbot, Qt.Key.Key_Return)
    for attempt in range(1, staff.FREE_ATTEMPTS + 1):
        form.message_label.clear()
        _type(qtbot, "0000")
        qtbot.waitUntil(lambda: "Wrong PIN" in form.message_label.text(), timeout=10_000)
        if attempt < staff.FREE_ATTEMPTS:
            assert "locked" not in form.message_label.text()
    assert form.message_label.text() == (
        "Wrong PIN for Sam Ortiz. That was 5 wrong tries in a row: the account is locked for 30 seconds, or until "
        "the owner unlocks it.")
    snap(window, "sign_in_fifth_wrong_pin")
    assert window.context.actor is None


def test_a_clerk_hired_while_the_app_runs_is_on_the_list_and_chooses_a_pin_twice(
        qtbot: Any, window: MainWindow) -> None:
    facet = window.context.facet
    sign_in(qtbot, window, "Marcus Reed")
    staff.add_staff("Zoë Ngô", Role.CLERK, pin="482913", uow=facet.uow(), actor=actor_for(facet, Role.OWNER),
                    hasher=facet.hasher())
    _lock(qtbot, window)
    form = window.sign_in.form
    names = [form.staff_list.item(row).text() for row in range(form.staff_list.count())]
    assert "Zoë Ngô  —  Clerk" in names
    qtbot.keyClicks(focused(), "Zo")
    assert form.staff_list.currentItem().text().startswith("Zoë Ngô")
    press(qtbot, Qt.Key.Key_Return)
    _type(qtbot, "482913")
    page = window.sign_in
    qtbot.waitUntil(lambda: page.choosing_secret, timeout=10_000)
    n = page.new_form
    assert focused() is n.new_edit and "that PIN was temporary" in n.who_label.text()
    assert window.context.actor is None, "not in before choosing"
    _type(qtbot, "2468")
    assert focused() is n.again_edit
    _type(qtbot, "2469")
    assert n.message_label.text() == "New PIN again does not match the new PIN (type the same PIN twice)."
    assert focused() is n.again_edit
    _type(qtbot, "2468")
    # The again field takes the retyped PIN; the first entry stayed.
    _signed_in_as(qtbot, window, "Zoë Ngô")
    assert not _record(facet, "Zoë Ngô").must_change_secret
    _lock(qtbot, window)
    press(qtbot, Qt.Key.Key_Return)
    _type(qtbot, "2468")
    _signed_in_as(qtbot, window, "Zoë Ngô")


def test_the_new_pin_page_refuses_the_temporary_pin_and_esc_goes_back(qtbot: Any, window: MainWindow) -> None:
    facet = window.context.facet
    lily = _record(facet, "Lily Chen")
    staff.reset_secret(lily.id, "975310", uow=facet.uow(), actor=actor_for(facet, Role.MANAGER),
                       hasher=facet.hasher())
    form = window.sign_in.form
    form.staff_list.setFocus()
    qtbot.keyClicks(focused(), "Lily")
    press(qtbot, Qt.Key.Key_Return)
    _type(qtbot, "975310")
    page = window.sign_in
    qtbot.waitUntil(lambda: page.choosing_secret, timeout=10_000)
    n = page.new_form
    _type(qtbot, "975310")
    _type(qtbot, "975310")
    assert n.message_label.text() == "New PIN must differ from the temporary PIN you were given."
    assert focused() is n.new_edit and n.new_edit.text() == ""
    _type(qtbot, "12")
    _type(qtbot, "12")
    assert n.message_label.text() == "New PIN must be 4 to 8 digits."
    qtbot.keyClicks(focused(), "8642")
    assert n.message_label.text() == ""  # the refusal goes as a new PIN is typed
    snap(window, "sign_in_new_pin")
    press(qtbot, Qt.Key.Key_Escape)
    assert page.pages.currentWidget() is page.credentials_page and focused() is form.secret_edit
    assert _record(facet, "Lily Chen").must_change_secret, "nothing changed"


def test_a_reset_password_is_replaced_before_the_two_step_code(qtbot: Any, window: MainWindow) -> None:
    facet = window.context.facet
    dana = _record(facet, "Dana Brooks")
    staff.reset_secret(dana.id, "dana-temp-1", uow=facet.uow(), actor=actor_for(facet, Role.OWNER),
                       hasher=facet.hasher())
    form = window.sign_in.form
    form.staff_list.setFocus()
    qtbot.keyClicks(focused(), "Dana")
    press(qtbot, Qt.Key.Key_Return)
    _type(qtbot, "dana-temp-1")
    page = window.sign_in
    qtbot.waitUntil(lambda: page.choosing_secret, timeout=10_000)
    assert page.new_form.title_label.text() == "Choose your own password"
    _type(qtbot, "danas-own-pass")
    _type(qtbot, "danas-own-pass")
    qtbot.waitUntil(lambda: page.awaiting_code, timeout=10_000)
    assert window.context.actor is None and _record(facet, "Dana Brooks").must_change_secret, "not before the code"
    _type(qtbot, two_step_code(facet, "Dana Brooks"))
    _signed_in_as(qtbot, window, "Dana Brooks")
    assert not _record(facet, "Dana Brooks").must_change_secret
