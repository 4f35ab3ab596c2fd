"""Two-step sign-in and the owner's Staff tab, by keyboard, on the real window over the demo store.

Set FACET_DIALOG_PNG to a folder to keep screenshots of the code page, the
enrolment page (QR code) and the Staff tab.
"""

from __future__ import annotations

import io
from typing import Any

import pyotp
import pytest
import zxingcpp
from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice, Qt
from PySide6.QtWidgets import QApplication

from pos_app.adapters.hashing import Argon2Hasher
from pos_app.app import Facet
from pos_app.domain.errors import SignInFailed
from pos_app.domain.permissions import Role
from pos_app.gui import dialogs
from pos_app.gui.main_window import MainWindow
from pos_app.gui.staff import StaffView
from pos_app.gui.two_step import EnrolDialog, qr_image
from pos_app.services import staff, two_step
from pos_app.services.ports.staff import StaffRecord
from tests.conftest import actor_for
from tests.gui.conftest import DEMO_SECRETS, focused, press, sign_in, snap, two_step_code


def _person(facet: Facet, name: str) -> StaffRecord:
    return next(s for s in facet.store.directory.staff_list() if s.name == name)


def _decode(widget_pixmap: Any) -> set[str]:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    widget_pixmap.save(buffer, "PNG")
    return {r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(bytes(buffer.data()))))}


def _type_name_and_secret(qtbot: Any, window: MainWindow, name: str) -> None:
    window.sign_in.form.staff_list.setFocus()
    qtbot.keyClicks(focused(), name.split()[0])
    press(qtbot, Qt.Key.Key_Return)
    qtbot.keyClicks(focused(), DEMO_SECRETS[name])
    press(qtbot, Qt.Key.Key_Return)



def _privacy_officer_at_setup(qtbot: Any, window: MainWindow) -> tuple[StaffRecord, Any]:
    """Dana Brooks, her two-step sign-in reset, signs in and lands on the setup page (QR code shown)."""
    facet = window.context.facet
    dana = _person(facet, "Dana Brooks")
    two_step.reset(dana.id, uow=facet.uow(), actor=actor_for(facet, Role.OWNER))
    window.sign_in.reload()
    _type_name_and_secret(qtbot, window, "Dana Brooks")
    panel = window.sign_in.enrol_panel
    qtbot.waitUntil(lambda: window.sign_in.pages.currentWidget() is panel and panel.offer is not None,
                    timeout=10_000)
    return dana, panel

def test_qr_code_drawn_for_the_app_reads_back_as_the_key_uri() -> None:
    uri = "otpauth://totp/Lily%20Chen%20%28Jane%20Ellen%29?secret=JBSWY3DPEHPK3PXP&issuer=Facet"
    assert _decode(qr_image(uri)) == {uri}


def test_the_owner_types_the_code_after_the_password_and_a_wrong_one_is_refused(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    _type_name_and_secret(qtbot, window, "Jane Ellen")
    qtbot.waitUntil(lambda: window.sign_in.awaiting_code, timeout=10_000)
    assert focused() is window.sign_in.code_form.code_edit
    assert window.context.actor is None, "the password alone does not sign in"
    qtbot.keyClicks(focused(), "000000")
    press(qtbot, Qt.Key.Key_Return)
    message = window.sign_in.code_form.message_label
    qtbot.waitUntil(lambda: "Wrong or already used code" in message.text(), timeout=10_000)
    snap(window, "two_step_code_page")
    assert _person(window.context.facet, "Jane Ellen").failed_attempts == 1

    qtbot.keyClicks(focused(), two_step_code(window.context.facet, "Jane Ellen"))
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.context.actor is not None, timeout=10_000)
    assert window.context.actor.role is Role.OWNER
    assert "Staff" in window.workspace.screens


def test_esc_on_the_code_page_goes_back_to_the_names(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    _type_name_and_secret(qtbot, window, "Dana Brooks")
    qtbot.waitUntil(lambda: window.sign_in.awaiting_code, timeout=10_000)
    press(qtbot, Qt.Key.Key_Escape)
    assert window.sign_in.pages.currentWidget() is window.sign_in.credentials_page
    assert not window.sign_in.awaiting_code
    assert focused() is window.sign_in.form.secret_edit and window.context.actor is None


def test_a_privacy_officer_without_two_step_sets_it_up_at_sign_in_by_keyboard(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    facet = window.context.facet
    _dana, panel = _privacy_officer_at_setup(qtbot, window)
    assert window.workspace is None, "no workspace before two-step sign-in is set up"
    offer = panel.offer
    assert _decode(panel.form.qr_label.pixmap()) == {offer.uri}
    assert panel.form.key_label.text().replace(" ", "") == offer.secret
    snap(window, "two_step_enrol_page")

    qtbot.keyClicks(focused(), "123")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "code: is the 6 digits" in panel.form.message_label.text(), timeout=10_000)
    qtbot.keyClicks(focused(), pyotp.TOTP(offer.secret).now())
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.showing_codes, timeout=10_000)
    codes = panel.form.codes_label.text()
    assert codes.count("-") == 10
    snap(window, "two_step_recovery_codes")
    assert _person(facet, "Dana Brooks").two_step_enrolled
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.workspace is not None and window.context.actor is not None, timeout=10_000)
    assert window.context.actor.role is Role.PRIVACY_OFFICER


def test_a_clerk_enrols_from_the_workspace_header_and_then_needs_the_code(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Lily Chen")
    assert "Staff" not in window.workspace.screens, "only the owner manages staff"
    qtbot.keyClick(window.workspace, Qt.Key.Key_T,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = window.workspace.two_step_dialog
    assert isinstance(dialog, EnrolDialog)
    qtbot.waitUntil(dialog.isVisible)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.panel.form.code_edit)
    secret = dialog.panel.offer.secret
    qtbot.keyClicks(focused(), pyotp.TOTP(secret).now())
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.panel.showing_codes, timeout=10_000)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert _person(window.context.facet, "Lily Chen").two_step_enrolled

    window.lock("")  # Lily stays selected
    window.sign_in.form.secret_edit.setText(DEMO_SECRETS["Lily Chen"])
    window.sign_in.submit()
    qtbot.waitUntil(lambda: window.sign_in.awaiting_code, timeout=10_000)
    assert window.context.actor is None


def _staff_tab(qtbot: Any, window: MainWindow) -> StaffView:
    sign_in(qtbot, window, "Jane Ellen")
    view = window.workspace.show_screen("Staff")
    assert isinstance(view, StaffView)
    qtbot.waitUntil(lambda: len(view.rows) == 6 and not view.loading, timeout=10_000)
    return view


def _select(view: StaffView, name: str) -> None:
    view.form.staff_table.selectRow(next(n for n, r in enumerate(view.rows) if r.name == name))
    view.form.staff_table.setFocus()


def test_the_owner_unlocks_a_locked_clerk_on_the_staff_tab(
        qtbot, window: MainWindow, fast_hasher: Argon2Hasher) -> None:  # type: ignore[no-untyped-def]
    facet = window.context.facet
    lily = _person(facet, "Lily Chen")
    for _ in range(staff.FREE_ATTEMPTS):
        with pytest.raises(SignInFailed):
            staff.sign_in(lily.id, "0000", uow=facet.uow(), hasher=fast_hasher, terminal="C1")
    view = _staff_tab(qtbot, window)
    model = view.form.staff_table.model()
    row = next(n for n, r in enumerate(view.rows) if r.name == "Lily Chen")
    assert model.index(row, 4).data() == "5" and model.index(row, 5).data() != ""
    _select(view, "Lily Chen")
    snap(window, "staff_tab")
    press(qtbot, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Lily Chen can sign in again now" in view.form.message_label.text(), timeout=10_000)
    assert _person(facet, "Lily Chen").locked_until is None
    qtbot.waitUntil(lambda: not view.loading and view.form.staff_table.model().index(row, 5).data() == "")


def test_the_owner_resets_two_step_and_gives_new_recovery_codes(
        qtbot, window: MainWindow, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    view = _staff_tab(qtbot, window)
    _select(view, "Jane Ellen")
    press(qtbot, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: getattr(view, "codes_dialog", None) is not None, timeout=10_000)
    dialog = view.codes_dialog
    assert dialog.panel.showing_codes and dialog.panel.form.codes_label.text().count("-") == 10
    snap(dialog, "staff_new_recovery_codes")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.form.staff_table)

    asked: list[str] = []
    monkeypatch.setattr(dialogs, "ask_yes_no", lambda _parent, _title, text: asked.append(text) or True)
    _select(view, "Dana Brooks")
    press(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "two-step sign-in was reset" in view.form.message_label.text(), timeout=10_000)
    assert "Dana Brooks" in asked[0]
    assert not _person(window.context.facet, "Dana Brooks").two_step_enrolled
    qtbot.waitUntil(lambda: not view.loading and any(r.name == "Dana Brooks" and not r.two_step for r in view.rows))


def test_leaving_the_required_setup_signs_the_privacy_officer_out_again(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    facet = window.context.facet
    dana, panel = _privacy_officer_at_setup(qtbot, window)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.form.code_edit)
    press(qtbot, Qt.Key.Key_Escape)
    assert window.sign_in.pages.currentWidget() is window.sign_in.credentials_page
    assert "Two-step sign-in was not set up" in window.sign_in.form.note_label.text()
    window.context.runner.wait()
    conn = facet.connection()
    try:
        actions = [a for (a,) in conn.execute(
            "SELECT action FROM audit_events WHERE staff_id = ? ORDER BY seq DESC LIMIT 2", (dana.id,))]
    finally:
        conn.close()
    assert actions == ["staff.signed_out", "staff.signed_in"]
    assert window.workspace is None and not _person(facet, "Dana Brooks").two_step_enrolled


def test_the_setup_page_left_idle_signs_out_and_takes_the_key_off_the_screen(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    facet = window.context.facet
    dana, panel = _privacy_officer_at_setup(qtbot, window)
    window.idle.limit = 0.2  # nobody touches the keyboard
    qtbot.waitUntil(lambda: window.sign_in.pages.currentWidget() is window.sign_in.credentials_page,
                    timeout=5_000)
    assert "Locked after" in window.sign_in.form.note_label.text()
    assert not window.sign_in.enrolling and window.workspace is None
    window.context.runner.wait()
    conn = facet.connection()
    try:
        (action,) = conn.execute("SELECT action FROM audit_events WHERE staff_id = ? ORDER BY seq DESC LIMIT 1",
                                 (dana.id,)).fetchone()
    finally:
        conn.close()
    assert action == "staff.signed_out"
