"""A piece sold at another counter while this one took the money: the clerk is told what was paid
and gives it back with the keyboard (Ctrl+Del, then a manager's PIN for the cash)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from pos_app.app import Facet
from pos_app.domain.cart import Cart
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, Role
from pos_app.gui.approval import ApprovalDialog
from pos_app.gui.main_window import MainWindow
from pos_app.gui.sell.payment import PaymentDialog
from pos_app.gui.sell.view import SellView
from pos_app.services import cash, checkout
from tests.conftest import actor_for
from tests.gui.conftest import focused, press, sign_in, snap


def _piece(facet: Facet) -> tuple[str, str, str]:
    conn = facet.connection()
    try:
        row = conn.execute("SELECT id, barcode, sku FROM items WHERE status = 'available' AND tracking = 'unique' "
                           "AND on_hand = 1 AND barcode IS NOT NULL AND price_cents < 300000 ORDER BY sku "
                           "LIMIT 1").fetchone()
        return str(row[0]), str(row[1]), str(row[2])
    finally:
        conn.close()


def _sell_at_c2(facet: Facet, item_id: str) -> str:
    """Another counter of the same store sells the piece (its own drawer, its own sale)."""
    clerk = actor_for(facet, Role.CLERK)
    other = Actor(staff_id=clerk.staff_id, name=clerk.name, role=clerk.role, terminal="C2")
    cash.open_shift(Money(20000), uow=facet.uow(), actor=other)
    settings = checkout.counter_settings(facet.store.directory, "C2")
    row = facet.store.inventory.rows_by_ids([item_id])[0]
    co = checkout.start_checkout(checkout.add_item(Cart(), row, actor=other), settings=settings, uow=facet.uow(),
                                 actor=other)
    co = checkout.pay_cash(co, co.due, uow=facet.uow(), actor=other, sales=facet.store.sales)
    return checkout.complete_sale(co, uow=facet.uow(), actor=other, sales=facet.store.sales).number


def _payment(qtbot: Any, sell: SellView) -> PaymentDialog:
    qtbot.waitUntil(lambda: isinstance(sell.dialog, PaymentDialog) and sell.dialog.isVisible(), timeout=10_000)
    assert isinstance(sell.dialog, PaymentDialog)
    return sell.dialog


def _give_back_with_the_managers_pin(qtbot: Any, pay: PaymentDialog) -> None:
    qtbot.waitUntil(lambda: focused() is pay.form.void_button, timeout=5_000)
    press(qtbot, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: pay.findChild(ApprovalDialog) is not None
                    and pay.findChild(ApprovalDialog).isVisible(), timeout=5_000)
    approval = pay.findChild(ApprovalDialog)
    assert "in cash needs a manager's approval" in approval.form.reason_label.text()
    qtbot.waitUntil(lambda: focused() is approval.form.staff_list)
    assert approval.form.staff_list.currentItem().text() == "Marcus Reed (Manager)"
    press(qtbot, Qt.Key.Key_Return)
    assert focused() is approval.form.pin_edit
    qtbot.keyClicks(focused(), "2222")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not pay.isVisible(), timeout=10_000)


def _checkout_status(facet: Facet, checkout_id: str) -> str:
    conn = facet.connection()
    try:
        return str(conn.execute("SELECT status FROM checkouts WHERE id = ?", (checkout_id,)).fetchone()[0])
    finally:
        conn.close()


def test_a_piece_sold_elsewhere_while_paying_is_not_sold_and_the_cash_goes_back_by_keyboard(
        qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    cash.open_shift(Money(20000), uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.CLERK))
    item_id, code, sku = _piece(demo_facet)
    sign_in(qtbot, window, "Lily Chen")
    sell = window.workspace.screens["Sell"]
    qtbot.waitUntil(lambda: focused() is sell.form.scan_edit, timeout=5_000)
    qtbot.keyClicks(focused(), code)
    press(qtbot, Qt.Key.Key_Return)
    press(qtbot, Qt.Key.Key_F9)
    pay = _payment(qtbot, sell)
    sales_before = len(demo_facet.store.sales.sales(limit=1000))
    _sell_at_c2(demo_facet, item_id)  # while the customer counts out the cash

    qtbot.waitUntil(lambda: focused() is pay.form.cash_edit)
    press(qtbot, Qt.Key.Key_Return)  # cash, exactly what is due: the sale tries to complete
    qtbot.waitUntil(lambda: bool(pay.shown.conflict), timeout=10_000)
    text = pay.form.message_label.text()
    assert f"Not sold: {sku} has just been sold at another counter" in text
    assert f"This customer paid {checkout.paid_summary(pay.shown)}: give it back" in text and "Ctrl+Del" in text
    assert not pay.form.take_box.isVisible() and pay.form.void_button.text().startswith("Give the money back")
    snap(pay, "payment-sold-elsewhere")
    press(qtbot, Qt.Key.Key_Escape)  # the screen stays: the money is owed back
    assert pay.isVisible()

    _give_back_with_the_managers_pin(qtbot, pay)
    qtbot.waitUntil(lambda: "was given back" in sell.form.message_label.text(), timeout=5_000)
    assert "Nothing was sold" in sell.form.message_label.text() and sell.cart.is_empty
    assert _checkout_status(demo_facet, pay.shown.id) == "abandoned"
    assert len(demo_facet.store.sales.sales(limit=1000)) == sales_before + 1  # only the other counter's
    qtbot.waitUntil(lambda: focused() is sell.form.scan_edit, timeout=5_000)


def test_sign_in_recovery_says_what_was_paid_for_a_piece_sold_meanwhile(
        qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    clerk = actor_for(demo_facet, Role.CLERK)
    cash.open_shift(Money(20000), uow=demo_facet.uow(), actor=clerk)
    item_id, _code, sku = _piece(demo_facet)
    settings = checkout.counter_settings(demo_facet.store.directory, demo_facet.terminal)
    row = demo_facet.store.inventory.rows_by_ids([item_id])[0]
    co = checkout.start_checkout(checkout.add_item(Cart(), row, actor=clerk), settings=settings,
                                 uow=demo_facet.uow(), actor=clerk)
    co = checkout.pay_cash(co, Money(co.due.cents + 5000), uow=demo_facet.uow(), actor=clerk,
                           sales=demo_facet.store.sales)  # paid, change given, then the counter went down
    _sell_at_c2(demo_facet, item_id)

    sign_in(qtbot, window, "Lily Chen")
    sell = window.workspace.screens["Sell"]
    pay = _payment(qtbot, sell)  # recovery at sign-in brings the payment back
    qtbot.waitUntil(lambda: bool(pay.shown.conflict), timeout=10_000)
    paid = checkout.paid_summary(co)
    for shown in (sell.form.message_label.text(), pay.form.message_label.text()):
        assert f"Not sold: {sku} has just been sold at another counter" in shown
        assert f"This customer paid {paid}: give it back" in shown and "manager" in shown
    snap(pay, "payment-recovered-sold-elsewhere")

    _give_back_with_the_managers_pin(qtbot, pay)
    qtbot.waitUntil(lambda: "was given back" in sell.form.message_label.text(), timeout=5_000)
    assert _checkout_status(demo_facet, co.id) == "abandoned"
    assert demo_facet.store.sales.open_checkout_ids(clerk.terminal) == []
