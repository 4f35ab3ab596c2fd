"""The counter's shared dialogs, driven with the keyboard over the demo store.

Each dialog is opened the way the sell screen opens it (`open()`, not
blocking) over a real signed-in context. Set FACET_DIALOG_PNG to a folder to
keep a picture of each dialog as the test leaves it (for looking at layout).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QApplication, QWidget

from pos_app.app import Facet
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, Permission, Role
from pos_app.gui.approval import ApprovalDialog, ask_approval
from pos_app.gui.context import AppContext
from pos_app.gui.counter.customer_dialog import RESTRICTED_NOTE, CustomerPickerDialog
from pos_app.gui.counter.drawer import CashMoveDialog, CloseShiftDialog, OpenShiftDialog, ShiftReportDialog
from pos_app.gui.launch import make_application
from pos_app.services import cash
from pos_app.services.guard import ApprovalNeeded
from tests.conftest import actor_for
from tests.gui.conftest import focused, press, snap


@pytest.fixture
def counter(qtbot: Any, demo_facet: Facet) -> Iterator[tuple[AppContext, QWidget]]:
    """A signed-in clerk's context and a window for dialogs to open over."""
    make_application()
    context = AppContext(demo_facet)
    context.set_actor(actor_for(demo_facet, Role.CLERK))
    host = QWidget()
    host.resize(900, 700)
    qtbot.addWidget(host)
    host.show()
    qtbot.waitExposed(host)
    yield context, host
    context.runner.wait()
    host.close()
    host.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    context.close()



def _shown(qtbot: Any, dialog: QWidget, field: QWidget | None = None) -> None:
    qtbot.waitUntil(dialog.isVisible)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None and dialog.isAncestorOf(focused()))
    if field is not None:
        qtbot.waitUntil(lambda: focused() is field)


def _type(qtbot: Any, text: str) -> None:
    qtbot.keyClicks(focused(), text)



def _count(facet: Facet, sql: str, *args: object) -> Any:
    conn = facet.connection()
    try:
        return conn.execute(sql, args).fetchone()[0]
    finally:
        conn.close()


# -- a manager's approval -------------------------------------------------------------------


def test_a_manager_picked_by_typing_approves_with_the_pin_and_a_wrong_pin_is_said_inline(
        qtbot: Any, counter: tuple[AppContext, QWidget], demo_facet: Facet) -> None:
    context, host = counter
    approved: list[Actor] = []
    dialog = ask_approval(context, ApprovalNeeded(Permission.OPEN_DRAWER, "A paid-out needs a manager's approval."),
                          host, approved.append)
    _shown(qtbot, dialog, dialog.form.staff_list)
    assert dialog.form.reason_label.text() == "A paid-out needs a manager's approval."
    names = [dialog.form.staff_list.item(row).text() for row in range(dialog.form.staff_list.count())]
    assert names[0] == "Marcus Reed (Manager)" and all("Clerk" not in name for name in names)

    _type(qtbot, "J")  # typing picks the name
    assert dialog.form.staff_list.currentItem().text().startswith("Jane Ellen")
    qtbot.wait(QApplication.keyboardInputInterval() + 100)
    _type(qtbot, "Mar")
    assert dialog.form.staff_list.currentItem().text() == "Marcus Reed (Manager)"
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is dialog.form.pin_edit
    assert dialog.form.pin_edit.echoMode() == dialog.form.pin_edit.EchoMode.Password

    failures = "SELECT count(*) FROM audit_events WHERE action = 'staff.sign_in_failed'"
    before = _count(demo_facet, failures)
    press(qtbot, Qt.Key.Key_Return)  # an empty Enter is a slip, not a wrong PIN
    assert dialog.form.message_label.text().startswith("PIN:") and dialog.isVisible()
    _type(qtbot, "0000")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Wrong PIN for Marcus Reed" in dialog.form.message_label.text(), timeout=5_000)
    assert dialog.isVisible() and dialog.form.pin_edit.text() == "" and focused() is dialog.form.pin_edit
    assert _count(demo_facet, failures) == before + 1
    snap(dialog, "approval-wrong-pin")

    _type(qtbot, "2222")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(approved), timeout=5_000)
    assert not dialog.isVisible()
    assert approved[0].name == "Marcus Reed" and approved[0].can(Permission.OPEN_DRAWER)
    assert dialog.approver == approved[0]


def test_cancelling_an_approval_calls_nothing_back(qtbot: Any, counter: tuple[AppContext, QWidget]) -> None:
    context, host = counter
    approved: list[Actor] = []
    dialog = ask_approval(context, ApprovalNeeded(Permission.VOID_SALE, "Voiding a sale needs a manager's approval."),
                          host, approved.append)
    _shown(qtbot, dialog)
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert approved == [] and dialog.approver is None


# -- finding and adding a customer ----------------------------------------------------------


def test_a_customer_found_as_you_type_is_attached_with_enter(qtbot: Any, counter: tuple[AppContext, QWidget],
                                                           demo_facet: Facet) -> None:
    context, host = counter
    wanted = demo_facet.store.sales.find_customers("a")[0]
    picker = CustomerPickerDialog(context, host)
    picker.open()
    _shown(qtbot, picker, picker.form.search_edit)
    _type(qtbot, wanted.name.split()[-1])
    qtbot.waitUntil(lambda: picker.form.results_list.count() > 0, timeout=3_000)
    texts = [picker.form.results_list.item(row).text() for row in range(picker.form.results_list.count())]
    assert any(wanted.name in text and (wanted.email or "") in text for text in texts)
    snap(picker, "customer-search")
    press(qtbot, Qt.Key.Key_Down)
    assert focused() is picker.form.results_list
    row = next(r for r, text in enumerate(texts) if text.startswith(wanted.name))
    for _ in range(row):
        press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not picker.isVisible())
    assert picker.chosen is not None and picker.chosen.id == wanted.id


def test_a_restricted_customer_is_marked_as_attachable_not_editable(qtbot: Any, counter: tuple[AppContext, QWidget],
                                                                   demo_facet: Facet) -> None:
    context, host = counter
    last = _count(demo_facet, "SELECT last_name FROM customers WHERE restricted = 1 ORDER BY last_name LIMIT 1")
    picker = CustomerPickerDialog(context, host)
    picker.open()
    _shown(qtbot, picker, picker.form.search_edit)
    _type(qtbot, last)
    press(qtbot, Qt.Key.Key_Return)  # at once: Enter does not wait for the search's pause
    qtbot.waitUntil(lambda: not picker.isVisible())
    assert picker.chosen is not None and picker.chosen.restricted
    item = picker.form.results_list.currentItem()
    assert RESTRICTED_NOTE in item.text()


def test_a_new_customer_is_added_with_the_keyboard_marketing_unticked_and_the_policy_version(
        qtbot: Any, counter: tuple[AppContext, QWidget], demo_facet: Facet) -> None:
    context, host = counter
    picker = CustomerPickerDialog(context, host)
    picker.open()
    _shown(qtbot, picker, picker.form.search_edit)
    _type(qtbot, "Ada Quill")
    press(qtbot, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    f = picker.form
    qtbot.waitUntil(lambda: focused() is f.first_name_edit)
    assert (f.first_name_edit.text(), f.last_name_edit.text()) == ("Ada", "Quill")
    assert not f.email_optin_check.isChecked() and not f.sms_optin_check.isChecked()
    assert not f.adult_check.isChecked()
    assert "Privacy policy version 1" in f.policy_label.text()

    press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is f.email_edit
    _type(qtbot, "ada.quill@")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: f.message_label.text().startswith("Email:"), timeout=5_000)
    assert focused() is f.email_edit and f.email_edit.property("invalid") is True
    snap(picker, "customer-new-bad-email")

    _type(qtbot, "example.com")
    assert f.email_edit.property("invalid") is False and not f.message_label.property("problem")
    press(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, "(212) 555-0142")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: f.message_label.text().startswith("Age: the customer must confirm"), timeout=5_000)
    assert focused() is f.adult_check and f.email_edit.property("invalid") is False
    snap(picker, "customer-new-not-adult")
    press(qtbot, Qt.Key.Key_Space)
    assert f.adult_check.isChecked() and not f.message_label.property("problem")  # the problem is fixed
    press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is f.sms_optin_check
    press(qtbot, Qt.Key.Key_Space)  # the customer says yes to texts only
    snap(picker, "customer-new-filled")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not picker.isVisible(), timeout=5_000)

    assert picker.chosen is not None and picker.chosen.name == "Ada Quill"
    conn = demo_facet.connection()
    try:
        consents = conn.execute("SELECT e.purpose, e.granted, e.channel, p.version FROM consent_events e "
                                "JOIN policy_versions p ON p.id = e.policy_version_id WHERE e.customer_id = ? "
                                "ORDER BY e.purpose", (picker.chosen.id,)).fetchall()
    finally:
        conn.close()
    assert [tuple(c) for c in consents] == [("marketing_email", 0, "counter", 1), ("marketing_sms", 1, "counter", 1)]


# -- the drawer -----------------------------------------------------------------------------


def test_a_shift_opens_with_the_float_typed(qtbot: Any, counter: tuple[AppContext, QWidget],
                                           demo_facet: Facet) -> None:
    context, host = counter
    dialog = OpenShiftDialog(context, host)
    dialog.open()
    _shown(qtbot, dialog, dialog.form.amount_edit)
    _type(qtbot, "two hundred")  # replaces the suggested float, all selected
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.form.message_label.text().startswith("Float: 'two hundred' is not an amount"),
                    timeout=5_000)  # named as the field's label says, with a capital
    snap(dialog, "open-shift-bad-float")
    assert demo_facet.store.sales.open_shift(demo_facet.terminal) is None
    _type(qtbot, "250.00")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    shift = demo_facet.store.sales.open_shift(demo_facet.terminal)
    assert shift is not None and shift.float_cents == 25000 and dialog.shift_id == shift.id


def test_a_paid_out_asks_a_manager_then_is_recorded_with_the_approver(qtbot: Any, counter: tuple[AppContext, QWidget],
                                                                     demo_facet: Facet) -> None:
    context, host = counter
    cash.open_shift(Money(20000), uow=demo_facet.uow(), actor=context.require_actor())
    dialog = CashMoveDialog(context, "paid_out", host)
    dialog.open()
    _shown(qtbot, dialog, dialog.form.amount_edit)
    _type(qtbot, "12.50")
    press(qtbot, Qt.Key.Key_Return)  # no reason yet: Enter goes to it
    assert focused() is dialog.form.reason_edit
    _type(qtbot, "Courier for a clasp repair")
    snap(dialog, "paid-out")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.findChild(ApprovalDialog) is not None, timeout=5_000)
    approval = dialog.findChild(ApprovalDialog)
    _shown(qtbot, approval, approval.form.staff_list)
    assert "paid-out needs a manager" in approval.form.reason_label.text()
    snap(approval, "paid-out-approval")
    press(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, "2222")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)

    assert dialog.approver is not None and dialog.approver.name == "Marcus Reed"
    assert dialog.amount == Money(1250)
    report = cash.x_report(sales=demo_facet.store.sales, actor=context.require_actor(), uow=demo_facet.uow())
    assert report.figures.paid_out == 1250 and report.expected == Money(18750)
    assert _count(demo_facet, "SELECT approved_by FROM audit_events WHERE action = 'shift.paid_out'") == \
        dialog.approver.staff_id


def test_a_paid_out_the_manager_does_not_approve_records_nothing_and_enter_asks_again(
        qtbot: Any, counter: tuple[AppContext, QWidget], demo_facet: Facet) -> None:
    context, host = counter
    cash.open_shift(Money(20000), uow=demo_facet.uow(), actor=context.require_actor())
    dialog = CashMoveDialog(context, "paid_out", host)
    dialog.open()
    _shown(qtbot, dialog, dialog.form.amount_edit)
    _type(qtbot, "40.00")
    press(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, "Coffee for the window dresser")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.findChild(ApprovalDialog) is not None, timeout=5_000)
    first = dialog.findChild(ApprovalDialog)
    _shown(qtbot, first, first.form.staff_list)
    assert "paid-out needs a manager" in dialog.form.message_label.text()  # the form says why it waits
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not first.isVisible())
    qtbot.waitUntil(lambda: focused() is not None and dialog.isAncestorOf(focused()))
    assert dialog.isVisible() and dialog.movement_id is None
    paid_out = "SELECT count(*) FROM cash_movements WHERE kind = 'paid_out'"
    assert _count(demo_facet, paid_out) == 0

    dialog.form.reason_edit.setFocus()
    press(qtbot, Qt.Key.Key_Return)  # cancelled, the form is not stuck: Enter asks a manager again
    qtbot.waitUntil(lambda: any(a is not first and a.isVisible() for a in dialog.findChildren(ApprovalDialog)),
                    timeout=5_000)
    second = next(a for a in dialog.findChildren(ApprovalDialog) if a is not first and a.isVisible())
    _shown(qtbot, second, second.form.staff_list)
    press(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, "2222")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    assert _count(demo_facet, paid_out) == 1 and dialog.approver is not None


def test_a_second_enter_while_a_paid_in_is_saved_records_it_once(
        qtbot: Any, counter: tuple[AppContext, QWidget], demo_facet: Facet) -> None:
    context, host = counter
    context.set_actor(actor_for(demo_facet, Role.MANAGER))  # who needs no one's approval
    cash.open_shift(Money(20000), uow=demo_facet.uow(), actor=context.require_actor())
    dialog = CashMoveDialog(context, "paid_in", host)
    dialog.open()
    _shown(qtbot, dialog, dialog.form.amount_edit)
    _type(qtbot, "50.00")
    press(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, "Change from the bank")
    press(qtbot, Qt.Key.Key_Return)
    press(qtbot, Qt.Key.Key_Return)  # an impatient second Enter, before the first save is back
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    context.runner.wait()
    assert _count(demo_facet, "SELECT count(*) FROM cash_movements WHERE kind = 'paid_in'") == 1


def test_closing_the_shift_counts_with_the_keyboard_shows_the_variance_then_the_z_report(
        qtbot: Any, counter: tuple[AppContext, QWidget], demo_facet: Facet) -> None:
    context, host = counter
    clerk = context.require_actor()
    cash.open_shift(Money(20000), uow=demo_facet.uow(), actor=clerk)
    manager = actor_for(demo_facet, Role.MANAGER)
    cash.move_cash("paid_out", Money(1250), "courier", uow=demo_facet.uow(), actor=clerk, approver=manager)
    printed: list[cash.ShiftReport] = []
    so_far = cash.x_report(sales=demo_facet.store.sales, actor=clerk, uow=demo_facet.uow())
    dialog = CloseShiftDialog(context, so_far, parent=host, print_report=printed.append)
    dialog.open()
    _shown(qtbot, dialog, dialog.spins[0])
    f = dialog.form
    assert f.expected_label.text() == "$187.50" and f.variance_label.text() == "-$187.50"

    # $100, $50, $20, $10, $5 one each, no $2 bill, three $1, no half dollar, two quarters: $188.50.
    for pieces in ("1", "1", "1", "1", "1", "", "3", "", "2"):
        _type(qtbot, pieces)
        press(qtbot, Qt.Key.Key_Return)
    assert focused() is dialog.spins[9]  # the dimes
    assert f.counted_label.text() == "$188.50" and f.variance_label.text() == "+$1.00"
    assert dialog.counts() == {10000: 1, 5000: 1, 2000: 1, 1000: 1, 500: 1, 100: 3, 25: 2}
    snap(dialog, "close-shift-counted")

    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.isVisible(), timeout=5_000)
    assert demo_facet.store.sales.open_shift(demo_facet.terminal) is None
    report = dialog.report_dialog
    _shown(qtbot, report, report.form.close_button)
    assert report.windowTitle() == "Z report" and report.form.print_button.isVisible()
    rows = report.form.report_table.model().rows
    assert ["Expected in drawer", "$187.50"] in rows and ["Counted", "$188.50"] in rows
    assert ["Over (+) / short (-)", "$1.00"] in rows
    snap(report, "z-report")
    press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert printed == [dialog.report]
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not report.isVisible())


def test_an_x_report_without_a_printer_has_no_print_button(qtbot: Any, counter: tuple[AppContext, QWidget],
                                                           demo_facet: Facet) -> None:
    context, host = counter
    cash.open_shift(Money(20000), uow=demo_facet.uow(), actor=context.require_actor())
    report = cash.x_report(sales=context.sales, actor=context.require_actor(), uow=demo_facet.uow())
    dialog = ShiftReportDialog(context, report, None, host)
    dialog.open()
    _shown(qtbot, dialog)
    assert dialog.windowTitle() == "X report" and not dialog.form.print_button.isVisible()
    assert dialog.form.report_table.model().rows[-1] == ["Expected in drawer", "$200.00"]
    snap(dialog, "x-report")
