"""X and Z reports: net sales without tax, tax apart, returns apart, printed in the store's time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pos_app import app
from pos_app.adapters.receipt_printer import EscposPrinter, parse_printer_uri
from pos_app.domain.cart import Cart, Discount
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor
from pos_app.services import cash, checkout, receipts, returns
from tests.printer_listener import decode_escpos


def _two_pieces(facet: app.Facet) -> list[Any]:
    conn = facet.connection()
    try:
        ids = [r[0] for r in conn.execute(
            "SELECT id FROM items WHERE status = 'available' AND tracking = 'unique' AND on_hand = 1 "
            "AND price_cents BETWEEN 10000 AND 300000 ORDER BY sku LIMIT 2")]
    finally:
        conn.close()
    return facet.store.inventory.rows_by_ids(ids)


def _sell_two_then_return_one(facet: app.Facet, clerk: Actor, manager: Actor,
                              settings: checkout.CounterSettings) -> tuple[checkout.CompletedSale, Any]:
    first, second = _two_pieces(facet)
    cart = checkout.add_item(checkout.add_item(Cart(), first, actor=clerk), second, actor=clerk)
    cart = checkout.discount_line(cart, 0, Discount.of_percent(Decimal(10)), settings=settings, actor=clerk,
                                  uow=facet.uow())
    co = checkout.start_checkout(cart, settings=settings, uow=facet.uow(), actor=clerk)
    co = checkout.pay_cash(co, co.due, uow=facet.uow(), actor=clerk, sales=facet.store.sales)
    sold = checkout.complete_sale(co, uow=facet.uow(), actor=clerk, sales=facet.store.sales)

    sale = facet.store.sales.sale(sold.sale_id)
    assert sale is not None
    back = returns.add_return(Cart(), sale, sale.lines[1].id, 1, actor=clerk)
    co = checkout.start_checkout(back, settings=settings, uow=facet.uow(), actor=clerk)
    co = checkout.refund_cash(co, -co.due, uow=facet.uow(), actor=clerk, approver=manager)
    checkout.complete_sale(co, uow=facet.uow(), actor=clerk, sales=facet.store.sales)
    return sold, sale.lines[1]


def test_the_x_report_says_net_sales_without_tax_and_lists_a_return_apart_not_as_a_sale(
        demo_facet: app.Facet, clerk: Actor, manager: Actor, shift: str,
        settings: checkout.CounterSettings) -> None:
    sold, returned_line = _sell_two_then_return_one(demo_facet, clerk, manager, settings)
    x = cash.x_report(sales=demo_facet.store.sales, actor=clerk, uow=demo_facet.uow())
    f = x.figures
    assert f.sales == 1 and f.returns == 1 and f.returned_pieces == 1  # the refund is no sale
    assert f.returned + f.returned_tax == returned_line.total_cents  # all the line's pieces came back
    assert f.returned_tax == returned_line.tax_cents
    net_sold = sold.total.cents - sold_tax(demo_facet, sold.sale_id)
    assert f.net_sales == net_sold - f.returned  # without tax
    assert f.gross_sales == f.net_sales + f.tax  # gross is net plus tax
    assert f.tax == sold_tax(demo_facet, sold.sale_id) - f.returned_tax

    rows = dict(x.rows())
    assert rows["Sales completed"] == "1" and rows["Return receipts"] == "1" and rows["Pieces returned"] == "1"
    assert rows["Net sales (without tax)"].replace(",", "") == f"${Money(f.net_sales).plain()}"
    assert rows["Less returns"].replace(",", "") == f"-${Money(f.returned).plain()}"
    labels = [label for label, _ in x.rows()]
    assert labels.index("Tax") > labels.index("Net sales (without tax)")
    assert "Gross sales (with tax)" in labels and "Completed" not in labels


def sold_tax(facet: app.Facet, sale_id: str) -> int:
    sale = facet.store.sales.sale(sale_id)
    assert sale is not None
    return sale.tax_cents


def test_the_printed_z_report_has_tax_and_returns_apart_and_the_stores_date_not_utc(
        demo_facet: app.Facet, clerk: Actor, manager: Actor, shift: str, settings: checkout.CounterSettings,
        printer_listener: Any) -> None:
    _sell_two_then_return_one(demo_facet, clerk, manager, settings)
    x = cash.x_report(sales=demo_facet.store.sales, actor=clerk, uow=demo_facet.uow())
    expected = x.expected.cents
    z = cash.close_shift({10000: expected // 10000, 1: expected % 10000}, uow=demo_facet.uow(), sales=demo_facet.store.sales, actor=clerk)
    assert z.shift.status == "closed" and z.shift.closed_at is not None  # the report says when it closed
    # 03:30 UTC on Dec 7 is still the evening of Dec 6 in New York, where the demo store is.
    closed_at = dt.datetime(2026, 12, 7, 3, 30, tzinfo=dt.UTC)
    printer = EscposPrinter(parse_printer_uri(printer_listener.url))
    outcome = receipts.print_report("Z report", z.rows(), printer=printer, directory=demo_facet.store.directory,
                                    at=closed_at)
    assert outcome.printed, outcome.message
    printer_listener.wait_for(1, timeout=10)
    paper = decode_escpos(b"".join(printer_listener.received))
    text = paper.text
    assert "2026-12-06 22:30" in text and "2026-12-07" not in text
    for label in ("Sales completed", "Net sales (without tax)", "Tax", "Gross sales (with tax)", "RETURNS",
                  "Return receipts", "Returned (without tax)", "Tax refunded"):
        assert label in text, label
    net = next(line for line in paper.lines if line.startswith("Net sales (without tax)"))
    assert net.rstrip().endswith(dict(z.rows())["Net sales (without tax)"])
    assert "Completed " not in text
