"""Ringing up a sale at the counter with the keyboard only, against a real printer
listener and a local Stripe server reached through the real SDK."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pos_app.adapters.secrets import STRIPE_KEY_NAME
from pos_app.app import Facet
from pos_app.domain.money import Money
from pos_app.gui.main_window import MainWindow
from pos_app.gui.sell.payment import PaymentDialog
from pos_app.gui.sell.view import SellView
from pos_app.services import cash, settings
from tests.conftest import actor_for
from tests.gui.conftest import focused, sign_in
from tests.printer_listener import decode_escpos


def _available_barcodes(facet: Facet, n: int) -> list[tuple[str, str, int]]:
    conn = facet.connection()
    try:
        return [tuple(r) for r in conn.execute(
            "SELECT barcode, sku, price_cents FROM items WHERE status = 'available' AND tracking = 'unique' "
            "AND on_hand = 1 AND barcode IS NOT NULL ORDER BY price_cents LIMIT ?", (n,))]
    finally:
        conn.close()


def attach_customer_by_keys(qtbot: Any, sell: SellView, name: str, customer_id: str) -> None:
    """F2, the customer's name, Enter: the first hit (which must be `customer_id`) is attached to the sale,
    and the keyboard is back in the scan field."""
    qtbot.keyClick(focused(), Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: sell.dialog is not None and sell.dialog.isVisible())
    picker = sell.dialog
    qtbot.waitUntil(lambda: focused() is picker.form.search_edit)
    qtbot.keyClicks(focused(), name)
    qtbot.waitUntil(lambda: picker.form.results_list.count() > 0, timeout=3_000)
    assert picker.form.results_list.currentItem().data(Qt.ItemDataRole.UserRole).id == customer_id
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: sell.cart.customer_id == customer_id, timeout=3_000)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is sell.form.scan_edit, timeout=5_000)  # back to scanning


def _set_up_counter(facet: Facet, printer_url: str, stripe: Any | None) -> None:
    from pos_app.domain.permissions import Role

    owner = actor_for(facet, Role.OWNER)
    settings.change_setting("receipt.printer", printer_url, uow=facet.uow(), actor=owner)
    if stripe is not None:
        settings.change_setting("payments.reader_id", stripe.reader_id, uow=facet.uow(), actor=owner)
        settings.change_setting("payments.api_base", stripe.url, uow=facet.uow(), actor=owner)
        facet.keyring.set(STRIPE_KEY_NAME, stripe.secret_key)
    from pos_app.domain.permissions import Role

    cash.open_shift(Money(20000), uow=facet.uow(), actor=actor_for(facet, Role.CLERK))


def _sell_view(qtbot, window: MainWindow) -> SellView:  # type: ignore[no-untyped-def]
    sell = window.workspace.screens["Sell"]
    assert isinstance(sell, SellView)
    qtbot.waitUntil(lambda: focused() is sell.form.scan_edit, timeout=5_000)
    return sell


def test_a_sale_with_the_keyboard_only_two_necklaces_a_customer_cash_and_card(
        qtbot, window: MainWindow, demo_facet: Facet, stripe_server: Any, printer_listener: Any) -> None:
    _set_up_counter(demo_facet, printer_listener.url, stripe_server)
    (code1, sku1, price1), (code2, sku2, price2) = _available_barcodes(demo_facet, 2)
    sign_in(qtbot, window, "Lily Chen")
    sell = _sell_view(qtbot, window)
    qtbot.waitUntil(lambda: sell.form.test_mode_label.isVisible(), timeout=5_000)

    # The scanner types the first code and Enter into the scan field...
    qtbot.keyClicks(focused(), code1)
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    assert [line.sku for line in sell.cart.lines] == [sku1]
    # ...and the second while the cart table has the focus: the screen catches it.
    sell.form.cart_table.setFocus()
    qtbot.keyClicks(sell.form.cart_table, code2)
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    assert [line.sku for line in sell.cart.lines] == [sku1, sku2]

    # F2: find a customer by name, Enter attaches.
    customer = demo_facet.store.sales.find_customers("a")[0]
    attach_customer_by_keys(qtbot, sell, customer.name, customer.id)

    # F9: pay 100.00 cash, the rest by card on the (simulated) reader.
    qtbot.keyClick(focused(), Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: isinstance(sell.dialog, PaymentDialog) and sell.dialog.isVisible(), timeout=5_000)
    pay = sell.dialog
    total = pay.shown.priced.total.cents
    qtbot.waitUntil(lambda: pay.terminal is not None, timeout=5_000)
    assert focused() is pay.form.cash_edit
    focused().selectAll()
    qtbot.keyClicks(focused(), "100.00")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(pay.shown.tenders) == 1, timeout=5_000)
    assert pay.shown.due.cents == total - 10000

    qtbot.keyClick(focused(), Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    assert focused() is pay.form.card_edit and pay.form.card_edit.text() == Money(total - 10000).plain()
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: pay.shown.pending is not None and bool(pay.shown.pending.payment_intent_id), timeout=10_000)
    qtbot.keyClick(pay, Qt.Key.Key_F5)  # test mode: tap a good card
    qtbot.waitUntil(lambda: not pay.isVisible(), timeout=15_000)

    qtbot.waitUntil(lambda: "complete" in sell.form.message_label.text(), timeout=5_000)
    sale = demo_facet.store.sales.sales(limit=1)[0]
    assert sale.total_cents == total and sale.tenders == "card, cash"
    detail = demo_facet.store.sales.sale(sale.id)
    assert detail is not None and detail.customer_id == customer.id
    card = next(p for p in detail.payments if p.tender == "card")
    assert card.amount_cents == total - 10000 and card.card_last4 == "4242" and card.payment_intent_id
    assert sell.cart.is_empty

    printer_listener.wait_for(1, timeout=10)
    receipt = decode_escpos(b"".join(printer_listener.received))
    text = "\n".join(receipt.lines)
    assert sale.number in text and sku1 in text and sku2 in text and "4242" in text
    assert sale.number in [code for _, code in receipt.barcodes] and receipt.cut


def test_an_unknown_barcode_is_named_and_adds_nothing(qtbot, window: MainWindow, demo_facet: Facet,
                                                      printer_listener: Any) -> None:
    sign_in(qtbot, window, "Lily Chen")
    sell = _sell_view(qtbot, window)
    qtbot.keyClicks(focused(), "999999999999")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    # Not a barcode: the title search runs on the database worker, then says nothing matched.
    qtbot.waitUntil(lambda: "999999999999" in sell.form.message_label.text(), timeout=5_000)
    assert sell.cart.is_empty


def _cash_sale(qtbot, window: MainWindow, facet: Facet) -> SellView:  # type: ignore[no-untyped-def]
    """Lily Chen scans an available necklace, F9, and Enter takes exactly what is due in cash."""
    (code, _sku, _price), = _available_barcodes(facet, 1)
    sign_in(qtbot, window, "Lily Chen")
    sell = _sell_view(qtbot, window)
    qtbot.keyClicks(focused(), code)
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.keyClick(focused(), Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: isinstance(sell.dialog, PaymentDialog) and sell.dialog.isVisible(), timeout=5_000)
    qtbot.keyClick(focused(), Qt.Key.Key_Return)  # cash, exactly what is due
    return sell


def test_a_printer_that_is_off_never_stops_the_sale(qtbot, window: MainWindow, demo_facet: Facet) -> None:
    _set_up_counter(demo_facet, "tcp://127.0.0.1:9", None)  # nothing listens on port 9
    sell = _cash_sale(qtbot, window, demo_facet)
    qtbot.waitUntil(lambda: "did not print" in sell.form.message_label.text(), timeout=15_000)
    sale = demo_facet.store.sales.sales(limit=1)[0]
    assert sale.status == "completed"
    waiting = demo_facet.store.sales.print_queue(demo_facet.terminal)
    assert [job.sale_number for job in waiting] == [sale.number]
    assert "(1)" in sell.form.queue_button.text()

