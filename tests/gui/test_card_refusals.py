"""A card Stripe refuses, on the real payment screen with the keys a clerk presses, against the local Stripe
server through the real SDK: the screen says why, nothing waits on the reader, and the cart is paid another
way or voided."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from pos_app.app import Facet
from pos_app.gui import dialogs
from pos_app.gui.main_window import MainWindow
from pos_app.gui.sell.payment import PaymentDialog
from pos_app.gui.sell.view import SellView
from tests.gui.conftest import focused, press, sign_in, snap
from tests.gui.test_sell import _available_barcodes, _sell_view, _set_up_counter


def _open_payment(qtbot, window: MainWindow, facet: Facet) -> tuple[SellView, PaymentDialog]:  # type: ignore[no-untyped-def]
    (code, _sku, _price), = _available_barcodes(facet, 1)
    sign_in(qtbot, window, "Lily Chen")
    sell = _sell_view(qtbot, window)
    qtbot.keyClicks(focused(), code)
    press(qtbot, Qt.Key.Key_Return)
    press(qtbot, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: isinstance(sell.dialog, PaymentDialog) and sell.dialog.isVisible(), timeout=5_000)
    pay = sell.dialog
    assert isinstance(pay, PaymentDialog)
    qtbot.waitUntil(lambda: pay.terminal is not None, timeout=5_000)
    return sell, pay


def test_a_quarter_left_for_the_card_is_refused_on_screen_and_cash_finishes_the_sale(
        qtbot, window: MainWindow, demo_facet: Facet, stripe_server: Any, printer_listener: Any) -> None:
    _set_up_counter(demo_facet, printer_listener.url, stripe_server)
    sell, pay = _open_payment(qtbot, window, demo_facet)
    total = pay.shown.priced.total.cents
    focused().selectAll()
    qtbot.keyClicks(focused(), f"{(total - 25) / 100:.2f}")  # cash for all but $0.25
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: pay.shown.due.cents == 25, timeout=5_000)

    press(qtbot, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)  # the card takes the rest...
    assert focused() is pay.form.card_edit and pay.form.card_edit.text() == "0.25"
    press(qtbot, Qt.Key.Key_Return)
    message = pay.form.message_label
    qtbot.waitUntil(lambda: "too small for a card" in message.text(), timeout=5_000)
    assert "$0.50 to $999,999.99" in message.text() and "Take it in cash" in message.text()
    assert "Sending" not in message.text() and pay.shown.pending is None and stripe_server.requests == []
    assert pay.form.cash_button.isEnabled() and pay.form.card_button.isEnabled()
    snap(pay, "payment_card_too_small")

    pay.form.cash_edit.setFocus()  # ...so the clerk takes the quarter in cash: Enter, and the sale completes
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not pay.isVisible(), timeout=10_000)
    sale = demo_facet.store.sales.sales(limit=1)[0]
    assert sale.total_cents == total and sale.tenders == "cash"


def test_a_card_stripe_refuses_is_said_on_screen_and_ctrl_del_voids_the_cart(
        qtbot, monkeypatch, window: MainWindow, demo_facet: Facet, stripe_server: Any,
        printer_listener: Any) -> None:
    _set_up_counter(demo_facet, printer_listener.url, stripe_server)
    stripe_server.refuse("POST", "/v1/payment_intents", "payment_method_unactivated",
                         "The payment method type card_present is not activated for your account.", times=9)
    sell, pay = _open_payment(qtbot, window, demo_facet)
    focused().selectAll()
    qtbot.keyClicks(focused(), "20.00")
    press(qtbot, Qt.Key.Key_Return)  # $20 cash taken first
    qtbot.waitUntil(lambda: len(pay.shown.tenders) == 1, timeout=5_000)

    press(qtbot, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    press(qtbot, Qt.Key.Key_Return)
    message = pay.form.message_label
    qtbot.waitUntil(lambda: "Stripe refused" in message.text(), timeout=10_000)
    assert "not activated for your account" in message.text() and "Nothing was charged" in message.text()
    assert pay.shown.pending is None and not pay.form.cancel_card_button.isVisible()
    assert "Reader ready" in pay.form.reader_label.text()
    snap(pay, "payment_stripe_refused")

    asked: list[str] = []
    monkeypatch.setattr(dialogs, "ask_yes_no", lambda _parent, _title, text: asked.append(text) or True)
    voided: list[bool] = []
    pay.voided.connect(lambda: voided.append(True))
    press(qtbot, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: voided == [True], timeout=10_000)
    assert "hand back the cash taken" in asked[0]
    assert demo_facet.store.sales.open_checkout_ids(demo_facet.terminal) == []
    assert stripe_server.intents == {}


def test_esc_ends_a_card_attempt_that_stripe_refuses_after_a_lost_answer(
        qtbot, window: MainWindow, demo_facet: Facet, stripe_server: Any, printer_listener: Any) -> None:
    """The create's answer is lost (the attempt stays journaled with no PaymentIntent), then Stripe refuses
    every retry: the screen polls, says why and is back to "Reader ready", never stuck on the reader."""
    _set_up_counter(demo_facet, printer_listener.url, stripe_server)
    sell, pay = _open_payment(qtbot, window, demo_facet)
    stripe_server.drop("POST", "/v1/payment_intents", times=3, after=False)  # Stripe out of reach...
    press(qtbot, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    press(qtbot, Qt.Key.Key_Return)
    message = pay.form.message_label
    qtbot.waitUntil(lambda: "Cannot reach Stripe" in message.text(), timeout=15_000)
    assert pay.shown.pending is not None  # outcome unknown: kept, asked again
    stripe_server.refuse("POST", "/v1/payment_intents", "payment_method_unactivated", "Not activated.", times=99)
    qtbot.waitUntil(lambda: pay.shown.pending is None, timeout=10_000)  # ...then refusing: the poll drops it
    assert "Not activated" in message.text()
    press(qtbot, Qt.Key.Key_Escape)  # nothing was paid: Esc goes back to the cart
    qtbot.waitUntil(lambda: not pay.isVisible(), timeout=5_000)
    assert not sell.cart.is_empty and demo_facet.store.sales.open_checkout_ids(demo_facet.terminal) == []


def test_a_card_refund_that_failed_at_stripe_is_put_before_the_clerk_at_the_counter(
        qtbot, window: MainWindow, demo_facet: Facet, stripe_server: Any, printer_listener: Any) -> None:
    from pos_app.adapters.card_terminal import StripeTerminal
    from pos_app.domain.cart import Cart
    from pos_app.domain.permissions import Role
    from pos_app.services import checkout, returns
    from tests.conftest import actor_for

    _set_up_counter(demo_facet, printer_listener.url, stripe_server)
    terminal = StripeTerminal(stripe_server.secret_key, stripe_server.reader_id, api_base=stripe_server.url)
    clerk, manager = actor_for(demo_facet, Role.CLERK), actor_for(demo_facet, Role.MANAGER)
    settings = checkout.counter_settings(demo_facet.store.directory, demo_facet.terminal)
    (_code, sku, _price), = _available_barcodes(demo_facet, 1)
    row = checkout.find_item(sku, reader=demo_facet.store.inventory)
    co = checkout.start_checkout(checkout.add_item(Cart(), row, actor=clerk), settings=settings,
                                 uow=demo_facet.uow(), actor=clerk)
    co = checkout.start_card(co, co.due, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    terminal.simulate_tap("4242424242424242")
    co, _ = checkout.check_card(co, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    sold = checkout.complete_sale(co, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
    stripe_server.refunds_pending = True
    returns.void_sale(sold.sale_id, "wrong piece", uow=demo_facet.uow(), actor=manager,
                      sales=demo_facet.store.sales, timezone=settings.timezone, terminal=terminal)
    (refund_id,) = stripe_server.refunds
    stripe_server.settle_refund(refund_id, "failed", "expired_or_canceled_card")  # days later, at Stripe

    sign_in(qtbot, window, "Lily Chen")
    sell = _sell_view(qtbot, window)
    message = sell.form.message_label
    qtbot.waitUntil(lambda: "failed at Stripe" in message.text(), timeout=10_000)
    assert f"sale {sold.number}" in message.text() and "refund it in cash from the drawer with a manager's approval" in message.text()
    assert [p for m, p in stripe_server.requests if p == f"/v1/refunds/{refund_id}"]  # asked at the start
    qtbot.wait(100)  # the layout gives the message its lines
    assert sell.form.message_label.height() >= sell.form.message_label.heightForWidth(sell.form.message_label.width())
    snap(sell, "sell_refund_failed")
