"""A customer erased while their sale is rung up is left off it, and the clerk is told: keys only.

Two ways an erasure reaches a sale this screen cannot hear of in time:
- the privacy desk of another counter of the group, arriving through the sync worker's pull (real central
  PostgreSQL) while the payment dialog is open: the sale completes without them (migration 0017's trigger
  refuses the sale naming them; the checkout writes it again without them);
- the privacy desk of another window on the same store file (a second Facet: no in-process signal reaches
  this screen) after the customer was attached and before F9: the payment opens without them.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from pos_app import app
from pos_app.app import Facet
from pos_app.gui.main_window import MainWindow
from pos_app.gui.sell.payment import PaymentDialog
from pos_app.services import checkout, erasure, privacy
from tests.conftest import actor_for
from tests.gui.conftest import focused, main_window, press, sign_in, snap
from tests.gui.test_counter_flows import _dialog, _scan
from tests.gui.test_counter_rough_edges import _barcodes, _counter
from tests.gui.test_sell import _sell_view, _set_up_counter, attach_customer_by_keys
from tests.gui.test_sync_screen import _status, group  # noqa: F401 - `group` is the fixture used below
from tests.integration.sync_helpers import one, sync_now
from tests.integration.test_sale_to_erased_customer import erase_at_the_desk
from tests.printer_listener import PrinterListener, decode_escpos

LIVE_CUSTOMER = ("SELECT id FROM customers c WHERE erased_at IS NULL AND restricted = 0 "
                 "AND NOT EXISTS (SELECT 1 FROM parked_carts p WHERE p.customer_id = c.id) "
                 "AND NOT EXISTS (SELECT 1 FROM large_cash_reports r WHERE r.customer_id = c.id "
                 "AND r.status = 'to_file') ORDER BY last_name, id LIMIT 1")
NAMES_AN_ERASED_CUSTOMER = ("SELECT count(*) FROM sales s JOIN customers c ON c.id = s.customer_id "
                            "WHERE s.id = ? AND c.erased_at IS NOT NULL")


def _erase_at(facet: Facet, customer_id: str) -> None:
    """The privacy officer of `facet` (the other counter) answers a verified deletion request."""
    from pos_app.domain.permissions import Role

    officer = actor_for(facet, Role.PRIVACY_OFFICER)
    request = privacy.record_request(customer_id, "deletion", "email", uow=facet.uow(), actor=officer).id
    privacy.verify(request, "code_to_email_on_file", officer.staff_id or "", uow=facet.uow(), actor=officer)
    erasure.erase_customer(customer_id, request, uow=facet.uow(), actor=officer, log=facet.erasure_log(),
                           store=facet.db)


def test_a_customer_erased_at_the_other_counter_while_paying_here_is_left_off_the_sale_and_the_clerk_is_told(
        qtbot: Any, group: tuple[app.Facet, app.Facet]) -> None:  # noqa: F811 - the fixture
    first, second = group
    customer_id = one(first, LIVE_CUSTOMER)
    hit = first.store.sales.customer(customer_id)
    assert hit is not None
    (code,) = _barcodes(first, 1)
    with main_window(qtbot, first) as main:
        sell_view = _counter(qtbot, main, first)  # Lily Chen, a clerk, her drawer open
        qtbot.waitUntil(lambda: _status(main) == "Synced", timeout=10_000)
        _scan(qtbot, code)
        attach_customer_by_keys(qtbot, sell_view, hit.name, customer_id)
        press(qtbot, Qt.Key.Key_F9)
        pay = _dialog(qtbot, sell_view, PaymentDialog)
        assert focused() is pay.form.cash_edit

        # The other counter's privacy desk erases them; this counter's worker pulls it while the dialog is open.
        _erase_at(second, customer_id)
        sync_now(second)
        qtbot.waitUntil(lambda: one(first, "SELECT erased_at FROM customers WHERE id = ?", customer_id) is not None,
                        timeout=8_000)
        assert pay.isVisible() and sell_view.cart.customer_id == customer_id  # the screen could not hear of it

        press(qtbot, Qt.Key.Key_Return)  # exactly what is due, in cash: the key that completes the sale
        qtbot.waitUntil(lambda: not pay.isVisible(), timeout=10_000)
        qtbot.waitUntil(lambda: checkout.CUSTOMER_ERASED_NOTE in sell_view.form.message_label.text(),
                        timeout=5_000)
        sale = first.store.sales.sales(limit=1)[0]
        assert sale.number in sell_view.form.message_label.text() and "complete" in sell_view.form.message_label.text()
        detail = first.store.sales.sale(sale.id)
        assert detail is not None and detail.customer_id is None and detail.status == "completed"
        assert [p.tender for p in detail.payments] == ["cash"]
        assert one(first, NAMES_AN_ERASED_CUSTOMER, sale.id) == 0
        assert one(first, "SELECT count(*) FROM checkouts WHERE customer_id = ?", customer_id) == 0
        assert sell_view.cart.is_empty and sell_view.form.customer_label.text() == "No customer"
        # The receipt did not print (no printer here): the clerk still reads what happened to the customer.
        qtbot.waitUntil(lambda: "Printing the receipt" not in sell_view.form.message_label.text(), timeout=10_000)
        assert checkout.CUSTOMER_ERASED_NOTE in sell_view.form.message_label.text()
        snap(main, "sale-completed-without-erased-customer")
    # The sale reaches the other counter without them as well.
    sync_now(first)
    sync_now(second)
    assert one(second, "SELECT count(*) FROM sales WHERE number = ? AND customer_id IS NULL", sale.number) == 1


def test_a_customer_erased_by_another_window_before_f9_is_left_off_the_payment_and_the_clerk_is_told(
        qtbot: Any, window: MainWindow, demo_facet: Facet, printer_listener: PrinterListener) -> None:
    _set_up_counter(demo_facet, printer_listener.url, None)
    customer_id = one(demo_facet, LIVE_CUSTOMER)
    hit = demo_facet.store.sales.customer(customer_id)
    assert hit is not None
    (code,) = _barcodes(demo_facet, 1)
    sign_in(qtbot, window, "Lily Chen")
    sell_view = _sell_view(qtbot, window)
    _scan(qtbot, code)
    attach_customer_by_keys(qtbot, sell_view, hit.name, customer_id)

    erase_at_the_desk(demo_facet, customer_id)  # another window's Facet on this store: nothing tells this screen
    assert sell_view.form.customer_label.text() == hit.name

    press(qtbot, Qt.Key.Key_F9)
    pay = _dialog(qtbot, sell_view, PaymentDialog)
    assert pay.form.message_label.text() == checkout.CUSTOMER_ERASED_MEANWHILE
    assert sell_view.form.customer_label.text() == "No customer"
    assert one(demo_facet, "SELECT customer_id FROM checkouts WHERE id = ?", pay.checkout_id) is None
    snap(pay, "payment-opened-without-erased-customer")

    press(qtbot, Qt.Key.Key_Return)  # cash, exactly what is due
    qtbot.waitUntil(lambda: not pay.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: "complete" in sell_view.form.message_label.text(), timeout=5_000)
    sale = demo_facet.store.sales.sales(limit=1)[0]
    detail = demo_facet.store.sales.sale(sale.id)
    assert detail is not None and detail.customer_id is None
    printer_listener.wait_for(1, timeout=10)
    receipt = "\n".join(decode_escpos(b"".join(printer_listener.received)).lines)
    assert sale.number in receipt and hit.name not in receipt
