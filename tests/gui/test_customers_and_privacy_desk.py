"""The customers screen and the privacy desk, through the real main window over the demo store, by keyboard.

The privacy officer finds a customer, reads their record (an audit event),
corrects it, withdraws a consent in one click, records a request, and walks
requests through verify, act and close: an export with its progress, an
erasure with the letter, an opt-out. A clerk sees customers but not their
requests, and cannot edit a restricted record.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from pos_app.app import Facet
from pos_app.domain.permissions import Role
from pos_app.domain.store import store_today
from pos_app.gui import dialogs, messages
from pos_app.gui.customers.edit_dialog import CustomerEditDialog
from pos_app.gui.customers.view import CustomersView
from pos_app.gui.main_window import MainWindow
from pos_app.gui.privacy.desk import LetterDialog, PrivacyDesk
from pos_app.gui.privacy.request_dialog import NewRequestDialog
from pos_app.gui.sell.prompts import ChoiceDialog, PromptDialog
from pos_app.services import customers, privacy
from tests.conftest import actor_for
from tests.gui.conftest import focused, sign_in, snap

Ctrl, NoMod = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.NoModifier


def _q(facet: Facet, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    conn = facet.connection()
    try:
        return [tuple(r) for r in conn.execute(sql, args).fetchall()]
    finally:
        conn.close()


def _idle(qtbot: Any, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: not window.context.runner.busy, timeout=15_000)


def _customers(qtbot: Any, window: MainWindow, search: str) -> CustomersView:
    screen = window.workspace.show_screen("Customers")  # type: ignore[union-attr]
    assert isinstance(screen, CustomersView)
    qtbot.keyClicks(screen.form.search_edit, search)
    qtbot.keyClick(screen.form.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.detail is not None and search.split()[-1] in screen.detail.profile.name,
                    timeout=10_000)
    _idle(qtbot, window)
    return screen


def test_the_officer_finds_a_customer_reads_the_record_and_the_view_is_audited(qtbot: Any, window: MainWindow) -> None:
    sign_in(qtbot, window, "Dana Brooks")
    facet = window.context.facet
    view = _customers(qtbot, window, "Abernathy")
    f = view.form
    assert "Mia Abernathy" in f.name_label.text() and "mia.abernathy@example.com" in f.contact_label.text()
    assert "973 Maple Avenue" in f.profile_label.text()
    assert f.detail_tabs.isTabVisible(f.detail_tabs.indexOf(f.requests_tab))
    assert f.detail_tabs.isTabVisible(f.detail_tabs.indexOf(f.access_tab))
    customer_id = view.detail.profile.id  # type: ignore[union-attr]
    assert _q(facet, "SELECT count(*) FROM audit_events WHERE action = 'customer.viewed' AND entity_id = ?",
              customer_id)[0][0] >= 1
    assert "Marketing texts: <b>no since" in f.sms_consent_label.text()
    assert f.consents_table.model().rowCount() == len(view.detail.consents)  # type: ignore[union-attr]
    assert f.access_table.model().rowCount() >= 1


def test_a_correction_names_the_bad_field_saves_nothing_then_saves_and_audits_the_fields(
        qtbot: Any, window: MainWindow) -> None:
    sign_in(qtbot, window, "Dana Brooks")
    facet = window.context.facet
    view = _customers(qtbot, window, "Abernathy")
    customer_id = view.detail.profile.id  # type: ignore[union-attr]
    before = _q(facet, "SELECT * FROM customers WHERE id = ?", customer_id)
    qtbot.keyClick(view, Qt.Key.Key_E, Ctrl)
    dialog = view.dialog
    assert isinstance(dialog, CustomerEditDialog)
    qtbot.waitUntil(lambda: focused() is dialog.form.first_name_edit)
    dialog.form.phone_edit.selectAll()
    qtbot.keyClicks(dialog.form.phone_edit, "12")
    qtbot.keyClick(dialog, Qt.Key.Key_S, Ctrl)
    qtbot.waitUntil(lambda: "phone" in dialog.form.message_label.text())
    assert focused() is dialog.form.phone_edit
    assert _q(facet, "SELECT * FROM customers WHERE id = ?", customer_id) == before
    dialog.form.phone_edit.setText("(201) 555-0199")
    dialog.form.wishlist_edit.setText("a halo pendant")
    qtbot.keyClick(dialog, Qt.Key.Key_S, Ctrl)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert _q(facet, "SELECT phone, wishlist FROM customers WHERE id = ?", customer_id) == [
        ("+12015550199", "a halo pendant")]
    [(summary,)] = _q(facet, "SELECT summary FROM audit_events WHERE action = 'customer.changed' AND entity_id = ?",
                      customer_id)
    assert json.loads(summary) == {"fields": ["phone", "wishlist"]}


def test_withdrawing_a_consent_is_one_click_and_a_new_event(qtbot: Any, window: MainWindow) -> None:
    sign_in(qtbot, window, "Dana Brooks")
    facet = window.context.facet
    view = _customers(qtbot, window, "Abernathy")
    customer_id = view.detail.profile.id  # type: ignore[union-attr]
    customers.change_consent(customer_id, "email", True, channel="counter", uow=facet.uow(),
                             actor=actor_for(facet, Role.PRIVACY_OFFICER),
                             today=store_today(window.context.profile.timezone))
    view.load_detail()
    qtbot.waitUntil(lambda: view.form.email_consent_button.text() == "Withdraw", timeout=10_000)
    events = _q(facet, "SELECT count(*) FROM consent_events WHERE customer_id = ?", customer_id)[0][0]
    view.form.email_consent_button.click()
    qtbot.waitUntil(lambda: view.form.email_consent_button.text() == "Record a yes…", timeout=10_000)
    assert _q(facet, "SELECT count(*) FROM consent_events WHERE customer_id = ?", customer_id)[0][0] == events + 1
    assert _q(facet, "SELECT granted FROM consent_events WHERE customer_id = ? AND purpose = 'marketing_email' "
                     "ORDER BY created_at DESC, rowid DESC LIMIT 1", customer_id) == [(0,)]


def test_a_clerk_sees_customers_but_not_requests_and_cannot_edit_a_restricted_record(
        qtbot: Any, window: MainWindow) -> None:
    facet = window.context.facet
    customer_id = facet.store.sales.find_customers("Abernathy")[0].id
    customers.set_privacy_flags(customer_id, uow=facet.uow(), actor=actor_for(facet, Role.PRIVACY_OFFICER),
                                restricted=True)
    sign_in(qtbot, window, "Lily Chen")
    assert "Privacy desk" not in window.workspace.screens  # type: ignore[union-attr]
    view = _customers(qtbot, window, "Abernathy")
    f = view.form
    assert not f.detail_tabs.isTabVisible(f.detail_tabs.indexOf(f.requests_tab))
    assert not f.detail_tabs.isTabVisible(f.detail_tabs.indexOf(f.access_tab))
    assert not f.edit_button.isEnabled() and not f.restricted_check.isEnabled()
    qtbot.keyClick(view, Qt.Key.Key_E, Ctrl)
    assert "only the privacy officer" in f.message_label.text() and view.dialog is None


def _desk(qtbot: Any, window: MainWindow, request_id: str) -> PrivacyDesk:
    desk = window.workspace.show_screen("Privacy desk")  # type: ignore[union-attr]
    assert isinstance(desk, PrivacyDesk)
    desk.refresh(select=request_id)
    assert desk.current_id() == request_id
    window.activateWindow()
    qtbot.waitUntil(lambda: focused() is desk.form.table)
    return desk


def _choose(qtbot: Any, desk: PrivacyDesk, row: int = 0) -> None:
    dialog = desk.dialog
    assert isinstance(dialog, ChoiceDialog)
    dialog.form.choices_list.setCurrentRow(row)
    qtbot.keyClick(dialog.form.choices_list, Qt.Key.Key_Return)


def test_a_deletion_request_recorded_verified_and_erased_from_the_keyboard(
        qtbot: Any, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in(qtbot, window, "Dana Brooks")
    facet = window.context.facet
    view = _customers(qtbot, window, "Ainsley")
    customer_id = view.detail.profile.id  # type: ignore[union-attr]
    qtbot.keyClick(view, Qt.Key.Key_R, Ctrl)
    dialog = view.dialog
    assert isinstance(dialog, NewRequestDialog)
    qtbot.waitUntil(lambda: focused() is dialog.form.type_combo)
    dialog.form.type_combo.setCurrentIndex(dialog.form.type_combo.findData("deletion"))
    qtbot.keyClick(dialog, Qt.Key.Key_S, Ctrl)
    qtbot.waitUntil(lambda: not dialog.isVisible() or bool(dialog.form.message_label.text()), timeout=10_000)
    assert dialog.form.message_label.text() == ""
    [(request_id,)] = _q(facet, "SELECT id FROM privacy_requests WHERE customer_id = ?", customer_id)

    desk = _desk(qtbot, window, request_id)
    assert not desk.form.act_button.isEnabled()  # verify first
    qtbot.keyClick(desk, Qt.Key.Key_F2)
    _choose(qtbot, desk, 1)
    _idle(qtbot, window)
    qtbot.waitUntil(lambda: desk.current() is not None and desk.current().status == "verified")  # type: ignore[union-attr]
    assert "✓ 1. Verify" in desk.form.steps_label.text()

    # Erasure cannot be undone: a stray Enter (a scanner's) answers no, and nothing is erased.
    asked: list[str] = []

    def answer(key: Any, modifier: Any = Qt.KeyboardModifier.NoModifier) -> None:
        def look() -> None:
            box = QApplication.activeModalWidget()
            if isinstance(box, messages.MessageBox) and box.isVisible():
                asked.append(box.text())
                qtbot.keyClick(box, key, modifier)
            else:
                QTimer.singleShot(20, look)

        QTimer.singleShot(0, look)

    answer(Qt.Key.Key_Return)
    qtbot.keyClick(desk, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: len(asked) == 1)
    assert _q(facet, "SELECT status FROM privacy_requests WHERE id = ?", request_id) == [("verified",)]
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)  # the box has gone
    answer(Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(desk, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: isinstance(desk.dialog, LetterDialog) or desk.form.message_label.property("problem") is True,
                    timeout=15_000)
    assert desk.form.message_label.property("problem") is not True, desk.form.message_label.text()
    assert "Joseph Ainsley" in asked[0]
    letter_dialog = desk.dialog
    qtbot.waitUntil(lambda: focused() is letter_dialog.form.letter_edit)
    letter = letter_dialog.form.letter_edit.toPlainText()
    assert "has deleted your personal data" in letter and "Ainsley" not in letter
    qtbot.keyClick(letter_dialog, Qt.Key.Key_C, Ctrl | Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.clipboard().text() == letter
    assert _q(facet, "SELECT status FROM privacy_requests WHERE id = ?", request_id) == [("completed",)]
    assert facet.store.sales.find_customers("Ainsley") == []


def test_an_access_request_exports_with_progress_then_closes_with_its_outcome(
        qtbot: Any, window: MainWindow, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    facet = window.context.facet
    officer = actor_for(facet, Role.PRIVACY_OFFICER)
    customer_id = _q(facet, "SELECT customer_id FROM sales WHERE customer_id IS NOT NULL GROUP BY customer_id "
                            "ORDER BY count(*) DESC LIMIT 1")[0][0]
    request_id = privacy.record_request(customer_id, "access", "web", uow=facet.uow(), actor=officer).id
    privacy.verify(request_id, "matched_order_detail", officer.staff_id or "", uow=facet.uow(), actor=officer)
    sign_in(qtbot, window, "Dana Brooks")
    desk = _desk(qtbot, window, request_id)
    out = tmp_path / "answer.zip"
    offered: list[Path] = []

    def ask(_parent: Any, _title: str, suggested: str, _filter: str, folder: Path | None = None) -> Path:
        offered.append((folder or Path()) / suggested)
        return out
    monkeypatch.setattr(dialogs, "ask_save_path", ask)
    qtbot.keyClick(desk, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: out.exists() and "Wrote answer.zip" in desk.form.message_label.text(), timeout=20_000)
    assert offered[0].parent == facet.data_dir / "exports"  # where the retention job clears old exports
    assert not desk.form.progress_bar.isVisible() and not desk.form.cancel_button.isVisible()
    with zipfile.ZipFile(out) as zf:
        assert json.loads(zf.read("data.json"))["profile"]["id"] == customer_id
    qtbot.keyClick(desk, Qt.Key.Key_F8)
    _choose(qtbot, desk, 0)
    prompt = desk.dialog
    assert isinstance(prompt, PromptDialog)
    assert "its file is deleted now" in prompt.form.prompt_label.text()
    qtbot.keyClicks(prompt.form.value_edit, "Sent the export by secure link")
    snap(prompt, "privacy-close-delivered")
    qtbot.keyClick(prompt.form.value_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not prompt.isVisible(), timeout=10_000)
    assert _q(facet, "SELECT status, outcome, export_sha256 IS NOT NULL, export_file FROM privacy_requests "
                     "WHERE id = ?", request_id) == [("completed", "Sent the export by secure link", 1, None)]
    assert not out.exists(), "delivered: the export's file is deleted"
    assert "the export file was deleted" in desk.form.message_label.text()


def test_an_opt_out_is_acted_on_and_closed_in_one_step(qtbot: Any, window: MainWindow) -> None:
    facet = window.context.facet
    officer = actor_for(facet, Role.PRIVACY_OFFICER)
    customer_id = facet.store.sales.find_customers("Albrecht")[0].id
    request_id = privacy.record_request(customer_id, "opt_out_sale", "phone", uow=facet.uow(), actor=officer).id
    privacy.verify(request_id, "code_to_phone_on_file", officer.staff_id or "", uow=facet.uow(), actor=officer)
    sign_in(qtbot, window, "Dana Brooks")
    desk = _desk(qtbot, window, request_id)
    qtbot.keyClick(desk, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: "Done and closed" in desk.form.message_label.text(), timeout=10_000)
    assert _q(facet, "SELECT do_not_sell FROM customers WHERE id = ?", customer_id) == [(1,)]
    assert _q(facet, "SELECT status FROM privacy_requests WHERE id = ?", request_id) == [("completed",)]
    assert desk.model.row_of(request_id) is None  # closed requests leave the open list


def test_esc_or_the_button_cancels_a_running_export(qtbot: Any, window: MainWindow) -> None:
    from pos_app.gui.ops import CancelToken

    sign_in(qtbot, window, "Dana Brooks")
    desk = window.workspace.show_screen("Privacy desk")  # type: ignore[union-attr]
    assert isinstance(desk, PrivacyDesk)
    for press in (lambda: qtbot.keyClick(desk, Qt.Key.Key_Escape), desk.form.cancel_button.click):
        token = CancelToken()
        desk.export_token = token
        desk._exporting(True)
        assert desk.form.progress_bar.isVisible() and desk.form.cancel_button.isVisible()
        window.activateWindow()
        desk.form.table.setFocus()
        qtbot.waitUntil(lambda: focused() is desk.form.table)
        press()
        assert token.cancelled()  # the export checks it between batches, removes its partial file and stops
        desk._exporting(False)
