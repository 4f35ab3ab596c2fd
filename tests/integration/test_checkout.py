"""Selling at the counter through the services, on a real encrypted demo store."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pos_app import app
from pos_app.domain.cart import Cart, Discount
from pos_app.domain.errors import Conflict, NotFound, PermissionDenied, SignInFailed, ValidationError
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, Permission, Role
from pos_app.services import cash, checkout, staff
from pos_app.services.guard import ApprovalNeeded
from pos_app.services.ports.devices import DeviceUnavailable
from pos_app.services.ports.inventory import ItemRow
from tests.conftest import FAST_HASHER, actor_for


def _available(facet: app.Facet, tracking: str, n: int) -> list[ItemRow]:
    conn = facet.connection()
    try:
        ids = [r[0] for r in conn.execute(
            "SELECT id FROM items WHERE status = 'available' AND tracking = ? AND on_hand > 1 - (tracking = 'unique') "
            "ORDER BY sku LIMIT ?", (tracking, n))]
    finally:
        conn.close()
    return facet.store.inventory.rows_by_ids(ids)


def _count(facet: app.Facet, sql: str, *args: Any) -> Any:
    return facet.connection().execute(sql, args).fetchone()[0]


def test_a_cash_sale_writes_every_row_in_one_transaction(demo_facet: app.Facet, clerk: Actor, shift: str,
                                                         settings: checkout.CounterSettings) -> None:
    reader = demo_facet.store.inventory
    unique, counted = _available(demo_facet, "unique", 1)[0], _available(demo_facet, "counted", 1)[0]
    cart = checkout.scan(Cart(), unique.barcode or unique.sku, reader=reader, actor=clerk)
    cart = checkout.scan(cart, counted.sku, reader=reader, actor=clerk)
    cart = checkout.scan(cart, counted.sku, reader=reader, actor=clerk)
    assert [(line.sku, line.quantity) for line in cart.lines] == [(unique.sku, 1), (counted.sku, 2)]
    outbox_before = _count(demo_facet, "SELECT count(*) FROM outbox")
    audit_before = _count(demo_facet, "SELECT max(seq) FROM audit_events")

    co = checkout.start_checkout(cart, settings=settings, uow=demo_facet.uow(), actor=clerk)
    subtotal = unique.price_cents + 2 * counted.price_cents
    tax = (Decimal(unique.price_cents) * Decimal("8.875") / 100).quantize(Decimal(1), "ROUND_HALF_UP") + \
        (Decimal(2 * counted.price_cents) * Decimal("8.875") / 100).quantize(Decimal(1), "ROUND_HALF_UP")
    assert co.priced.total.cents == subtotal + int(tax)
    co = checkout.pay_cash(co, Money(co.priced.total.cents + 5000), uow=demo_facet.uow(), actor=clerk,
                           sales=demo_facet.store.sales)
    assert co.settled and co.change == Money(5000)
    done = checkout.complete_sale(co, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)

    assert done.number.startswith(f"{demo_facet.terminal}-") and done.change == Money(5000)
    sale = demo_facet.store.sales.sale(done.sale_id)
    assert sale is not None and sale.total_cents == co.priced.total.cents and sale.shift_id == shift
    assert [(line.sku, line.quantity) for line in sale.lines] == [(unique.sku, 1), (counted.sku, 2)]
    assert [(p.tender, p.amount_cents, p.tendered_cents) for p in sale.payments] == [
        ("cash", co.priced.total.cents, co.priced.total.cents + 5000)]
    after = {r.id: r for r in reader.rows_by_ids([unique.id, counted.id])}
    assert after[unique.id].status == "sold" and after[unique.id].on_hand == 0
    assert after[counted.id].on_hand == counted.on_hand - 2
    # sale + 2 lines + 1 payment + 2 movements + 1 item status = 7 outbox rows
    assert _count(demo_facet, "SELECT count(*) FROM outbox") - outbox_before == 7
    event = demo_facet.connection().execute(
        "SELECT action, entity_id, summary FROM audit_events WHERE seq > ? AND action = 'sale.completed'",
        (audit_before,)).fetchone()
    assert event[0] == "sale.completed" and event[1] == done.sale_id
    assert _count(demo_facet, "SELECT status FROM checkouts WHERE id = ?", co.id) == "completed"


def test_sale_numbers_count_up_per_counter_after_the_demo_sales(demo_facet: app.Facet, clerk: Actor, shift: str,
                                                                settings: checkout.CounterSettings) -> None:
    highest = _count(demo_facet, "SELECT max(number) FROM sales")
    numbers = []
    for row in _available(demo_facet, "unique", 2):
        co = checkout.start_checkout(checkout.add_item(Cart(), row, actor=clerk), settings=settings,
                                     uow=demo_facet.uow(), actor=clerk)
        co = checkout.pay_cash(co, co.due, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
        numbers.append(checkout.complete_sale(co, uow=demo_facet.uow(), actor=clerk).number)
    last = int(highest.split("-")[1])
    assert numbers == [f"C1-{last + 1:06d}", f"C1-{last + 2:06d}"]


def test_a_unique_piece_cannot_be_added_twice_nor_sold_when_not_available(demo_facet: app.Facet,
                                                                           clerk: Actor) -> None:
    reader = demo_facet.store.inventory
    row = _available(demo_facet, "unique", 1)[0]
    cart = checkout.scan(Cart(), row.sku, reader=reader, actor=clerk)
    with pytest.raises(Conflict, match="already in the cart"):
        checkout.scan(cart, row.sku, reader=reader, actor=clerk)
    sold = demo_facet.connection().execute("SELECT sku FROM items WHERE status = 'sold' LIMIT 1").fetchone()[0]
    with pytest.raises(Conflict, match="sold"):
        checkout.scan(cart, sold, reader=reader, actor=clerk)
    with pytest.raises(NotFound, match="NOPE-123"):
        checkout.scan(cart, "NOPE-123", reader=reader, actor=clerk)
    with pytest.raises(ValidationError, match="code"):
        checkout.scan(cart, "   ", reader=reader, actor=clerk)


def test_a_counted_item_sells_no_more_than_is_on_hand(demo_facet: app.Facet, clerk: Actor) -> None:
    reader = demo_facet.store.inventory
    row = _available(demo_facet, "counted", 1)[0]
    cart = checkout.add_item(Cart(), row, actor=clerk, quantity=row.on_hand)
    with pytest.raises(Conflict, match=f"Only {row.on_hand}"):
        checkout.scan(cart, row.sku, reader=reader, actor=clerk)
    with pytest.raises(Conflict, match=f"Only {row.on_hand}"):
        checkout.set_quantity(cart, 0, row.on_hand + 1, reader=reader, actor=clerk)


def test_the_scan_finds_a_piece_by_its_certificate_number(demo_facet: app.Facet, clerk: Actor) -> None:
    cert = demo_facet.connection().execute(
        "SELECT cert_number, sku FROM items WHERE cert_number IS NOT NULL AND status = 'available' LIMIT 1").fetchone()
    cart = checkout.scan(Cart(), cert[0], reader=demo_facet.store.inventory, actor=clerk)
    assert cart.lines[0].sku == cert[1]


def test_a_discount_above_the_clerks_limit_needs_a_managers_pin(demo_facet: app.Facet, clerk: Actor,
                                                               settings: checkout.CounterSettings) -> None:
    row = _available(demo_facet, "unique", 1)[0]
    cart = checkout.add_item(Cart(), row, actor=clerk)
    small = checkout.discount_line(cart, 0, Discount.of_percent(Decimal(10)), settings=settings, actor=clerk,
                                   uow=demo_facet.uow())
    assert small.lines[0].approved_by is None
    audit_before = _count(demo_facet, "SELECT max(seq) FROM audit_events")
    with pytest.raises(ValidationError, match="reason"):  # past the limit: why, first
        checkout.discount_line(cart, 0, Discount.of_percent(Decimal(25)), settings=settings, actor=clerk,
                               uow=demo_facet.uow())
    with pytest.raises(checkout.DiscountToConfirm, match="25% off"):  # then the clerk confirms
        checkout.discount_line(cart, 0, Discount.of_percent(Decimal(25)), settings=settings, actor=clerk,
                               uow=demo_facet.uow(), reason="long-standing customer")
    with pytest.raises(ApprovalNeeded) as needed:
        checkout.discount_line(cart, 0, Discount.of_percent(Decimal(25)), settings=settings, actor=clerk,
                               uow=demo_facet.uow(), reason="long-standing customer", confirmed=True)
    assert needed.value.permission is Permission.DISCOUNT_ABOVE_LIMIT
    assert _count(demo_facet, "SELECT max(seq) FROM audit_events") == audit_before

    directory, hasher = demo_facet.store.directory, FAST_HASHER
    manager = next(s for s in directory.staff_list() if s.role is Role.MANAGER)
    other_clerk = next(s for s in directory.staff_list() if s.role is Role.CLERK and s.id != clerk.staff_id)
    with pytest.raises(SignInFailed):
        staff.approve(manager.id, "0000", Permission.DISCOUNT_ABOVE_LIMIT, reader=directory, uow=demo_facet.uow(),
                      hasher=hasher, terminal=clerk.terminal)
    with pytest.raises(PermissionDenied, match="cannot approve"):
        staff.approve(other_clerk.id, "3344", Permission.DISCOUNT_ABOVE_LIMIT, reader=directory,
                      uow=demo_facet.uow(), hasher=hasher, terminal=clerk.terminal)
    approver = staff.approve(manager.id, "2222", Permission.DISCOUNT_ABOVE_LIMIT, reader=directory,
                             uow=demo_facet.uow(), hasher=hasher, terminal=clerk.terminal)
    deep = checkout.discount_line(cart, 0, Discount.of_percent(Decimal(25)), settings=settings, actor=clerk,
                                  uow=demo_facet.uow(), approver=approver, reason="long-standing customer",
                                  confirmed=True)
    assert deep.lines[0].approved_by == manager.id
    event = demo_facet.connection().execute(
        "SELECT staff_id, approved_by FROM audit_events WHERE action = 'sale.discount_approved' "
        "ORDER BY seq DESC LIMIT 1").fetchone()
    assert event == (clerk.staff_id, manager.id)


def test_a_price_override_needs_a_reason_and_a_manager(demo_facet: app.Facet, clerk: Actor, manager: Actor) -> None:
    row = _available(demo_facet, "unique", 1)[0]
    cart = checkout.add_item(Cart(), row, actor=clerk)
    with pytest.raises(ValidationError, match="reason"):
        checkout.override_price(cart, 0, Money(1000), " ", actor=manager, uow=demo_facet.uow())
    with pytest.raises(ValidationError, match="price: must be more than zero"):
        checkout.override_price(cart, 0, Money(0), "match", actor=manager, uow=demo_facet.uow())
    with pytest.raises(ApprovalNeeded):
        checkout.override_price(cart, 0, Money(1000), "price match", actor=clerk, uow=demo_facet.uow())
    changed = checkout.override_price(cart, 0, Money(1000), "price match", actor=manager, uow=demo_facet.uow())
    assert changed.lines[0].unit_price == Money(1000) and changed.lines[0].list_price.cents == row.price_cents


def test_a_tender_below_the_total_completes_nothing(demo_facet: app.Facet, clerk: Actor, shift: str,
                                                   settings: checkout.CounterSettings) -> None:
    row = _available(demo_facet, "unique", 1)[0]
    co = checkout.start_checkout(checkout.add_item(Cart(), row, actor=clerk), settings=settings,
                                 uow=demo_facet.uow(), actor=clerk)
    co = checkout.pay_cash(co, Money(100), uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
    sales_before = _count(demo_facet, "SELECT count(*) FROM sales")
    with pytest.raises(ValidationError, match="payment: .* is still to be paid"):
        checkout.complete_sale(co, uow=demo_facet.uow(), actor=clerk)
    assert _count(demo_facet, "SELECT count(*) FROM sales") == sales_before
    assert demo_facet.store.inventory.rows_by_ids([row.id])[0].status == "available"


def test_cash_needs_an_open_shift(demo_facet: app.Facet, clerk: Actor, settings: checkout.CounterSettings) -> None:
    row = _available(demo_facet, "unique", 1)[0]
    co = checkout.start_checkout(checkout.add_item(Cart(), row, actor=clerk), settings=settings,
                                 uow=demo_facet.uow(), actor=clerk)
    with pytest.raises(Conflict, match="No cash drawer shift"):
        checkout.pay_cash(co, co.due, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)


def test_a_tax_exempt_sale_needs_a_reason_and_number_and_charges_no_tax(
        demo_facet: app.Facet, clerk: Actor, settings: checkout.CounterSettings) -> None:
    row = _available(demo_facet, "unique", 1)[0]
    cart = checkout.add_item(Cart(), row, actor=clerk)
    with pytest.raises(ValidationError, match="exemption number"):
        checkout.exempt_from_tax(cart, "resale", "")
    with pytest.raises(ValidationError, match="exemption reason"):
        checkout.exempt_from_tax(cart, "", "ST-120-4471")
    exempt = checkout.exempt_from_tax(cart, "resale", "ST-120-4471")
    co = checkout.start_checkout(exempt, settings=settings, uow=demo_facet.uow(), actor=clerk)
    assert co.priced.tax.cents == 0 and co.priced.total.cents == row.price_cents


def test_park_and_recall_a_cart(demo_facet: app.Facet, clerk: Actor) -> None:
    row = _available(demo_facet, "unique", 1)[0]
    cart = checkout.add_item(Cart(), row, actor=clerk)
    cart = checkout.discount_order(cart, Discount.of_amount(Money(500)), settings=checkout.counter_settings(
        demo_facet.store.directory, "C1"), actor=clerk, uow=demo_facet.uow())
    park_id = checkout.park_cart(cart, "Mrs. Lee, coming back at 4", uow=demo_facet.uow(), actor=clerk)
    parked = demo_facet.store.sales.parked_carts(clerk.terminal)
    assert [(p.id, p.label, p.lines) for p in parked] == [(park_id, "Mrs. Lee, coming back at 4", 1)]
    assert checkout.recall_cart(park_id, uow=demo_facet.uow(), actor=clerk) == cart
    assert demo_facet.store.sales.parked_carts(clerk.terminal) == []
    with pytest.raises(NotFound):
        checkout.recall_cart(park_id, uow=demo_facet.uow(), actor=clerk)


def test_large_cash_asks_for_form_8300_details_and_keeps_them_for_managers(
        demo_facet: app.Facet, clerk: Actor, shift: str, settings: checkout.CounterSettings) -> None:
    rows = sorted(_available(demo_facet, "unique", 200), key=lambda r: -r.price_cents)
    cart = Cart()
    for row in rows:
        if sum(line.unit_price.cents for line in cart.lines) > 1_000_000:
            break
        cart = checkout.add_item(cart, row, actor=clerk)
    customer = demo_facet.store.sales.find_customers("a")[0]
    cart = checkout.attach_customer(cart, customer.id, sales=demo_facet.store.sales, actor=clerk)
    co = checkout.start_checkout(cart, settings=settings, uow=demo_facet.uow(), actor=clerk)
    with pytest.raises(checkout.LargeCashDetailsNeeded, match="Form 8300"):
        checkout.pay_cash(co, co.due, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
    bad = checkout.LargeCashDetails("Ann Payer", "12 Oak St, Springfield IL", dt.date(1980, 5, 1), "12-34",
                                    "Illinois driver licence D123-4567")
    with pytest.raises(ValidationError, match="taxpayer ID"):
        checkout.pay_cash(co, co.due, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales,
                          large_cash=bad)
    good = checkout.LargeCashDetails("Ann Payer", "12 Oak St, Springfield IL", dt.date(1980, 5, 1), "123-45-6789",
                                     "Illinois driver licence D123-4567")
    co = checkout.pay_cash(co, co.due, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales,
                           large_cash=good)
    done = checkout.complete_sale(co, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
    reports = demo_facet.store.sales.large_cash_reports()
    assert [(r.sale_number, r.full_name, r.cash_cents) for r in reports] == [
        (done.number, "Ann Payer", co.priced.total.cents)]
    # the payment journal keeps no copy of the details once the sale is written
    journal = demo_facet.connection().execute("SELECT cart FROM checkouts WHERE id = ?", (co.id,)).fetchone()[0]
    assert "123456789" not in journal and "Ann Payer" not in journal


def test_the_shift_counts_cash_in_and_out_and_closes_with_a_variance(
        demo_facet: app.Facet, clerk: Actor, manager: Actor, settings: checkout.CounterSettings) -> None:
    cash.open_shift(Money(15000), uow=demo_facet.uow(), actor=clerk)
    with pytest.raises(Conflict, match="already open"):
        cash.open_shift(Money(15000), uow=demo_facet.uow(), actor=clerk)
    row = _available(demo_facet, "unique", 1)[0]
    co = checkout.start_checkout(checkout.add_item(Cart(), row, actor=clerk), settings=settings,
                                 uow=demo_facet.uow(), actor=clerk)
    co = checkout.pay_cash(co, Money(co.due.cents + 1000), uow=demo_facet.uow(), actor=clerk,
                           sales=demo_facet.store.sales)
    checkout.complete_sale(co, uow=demo_facet.uow(), actor=clerk)
    with pytest.raises(ApprovalNeeded):
        cash.move_cash("paid_out", Money(2500), "courier", uow=demo_facet.uow(), actor=clerk)
    cash.move_cash("paid_out", Money(2500), "courier", uow=demo_facet.uow(), actor=clerk, approver=manager)
    cash.move_cash("paid_in", Money(5000), "change from the bank", uow=demo_facet.uow(), actor=manager)
    x = cash.x_report(sales=demo_facet.store.sales, actor=clerk, uow=demo_facet.uow())
    expected = 15000 + co.priced.total.cents - 2500 + 5000
    assert x.expected.cents == expected and x.figures.sales == 1

    count = {10000: expected // 10000, 1: expected % 10000 - 300}  # $3.00 short
    with pytest.raises(ValidationError, match="not a bill or coin"):
        cash.close_shift({3: 1}, uow=demo_facet.uow(), sales=demo_facet.store.sales, actor=clerk)
    z = cash.close_shift(count, uow=demo_facet.uow(), sales=demo_facet.store.sales, actor=clerk)
    assert z.variance == Money(-300)
    kept = demo_facet.store.sales.shift(z.shift.id)
    assert kept is not None and kept.status == "closed" and kept.variance_cents == -300
    assert kept.z_report is not None and ("Over (+) / short (-)", "-$3.00") in kept.z_report


# ---------------------------------------------------------------- returns, exchanges, voids

from pos_app.services import returns  # noqa: E402


def _cash_sale(facet: app.Facet, clerk: Actor, settings: checkout.CounterSettings, cart: Cart) -> checkout.CompletedSale:
    co = checkout.start_checkout(cart, settings=settings, uow=facet.uow(), actor=clerk)
    co = checkout.pay_cash(co, co.due, uow=facet.uow(), actor=clerk, sales=facet.store.sales)
    return checkout.complete_sale(co, uow=facet.uow(), actor=clerk, sales=facet.store.sales)


def test_a_return_refunds_what_was_charged_and_puts_the_piece_back(
        demo_facet: app.Facet, clerk: Actor, manager: Actor, shift: str, settings: checkout.CounterSettings) -> None:
    unique, counted = _available(demo_facet, "unique", 1)[0], _available(demo_facet, "counted", 1)[0]
    cart = checkout.add_item(Cart(), unique, actor=clerk)
    cart = checkout.add_item(cart, counted, actor=clerk, quantity=3)
    cart = checkout.discount_order(cart, Discount.of_percent(Decimal(5)), settings=settings, actor=clerk,
                                   uow=demo_facet.uow())
    sold = _cash_sale(demo_facet, clerk, settings, cart)
    sales = demo_facet.store.sales

    sale = returns.find_sale(sold.number.lower(), sales=sales, actor=clerk, uow=demo_facet.uow())
    counted_line = next(line for line in sale.lines if line.item_id == counted.id)
    with pytest.raises(ValidationError, match="quantity: .*3 sold, only 3 can still be returned"):
        returns.add_return(Cart(), sale, counted_line.id, 4, actor=clerk)
    back = returns.add_return(Cart(), sale, counted_line.id, 2, actor=clerk)
    back = returns.add_return(back, sale, next(x.id for x in sale.lines if x.item_id == unique.id), 1, actor=clerk)
    with pytest.raises(ValidationError, match="only 1 can still be returned"):
        returns.add_return(back, sale, counted_line.id, 2, actor=clerk)

    co = checkout.start_checkout(back, settings=settings, uow=demo_facet.uow(), actor=clerk)
    unique_line = next(x for x in sale.lines if x.item_id == unique.id)
    two_of_three_net = round(counted_line.net_cents * 2 / 3)
    two_of_three_tax = round(counted_line.tax_cents * 2 / 3)
    assert co.due.cents == -(unique_line.total_cents + two_of_three_net + two_of_three_tax)
    with pytest.raises(ApprovalNeeded):
        checkout.refund_cash(co, -co.due, uow=demo_facet.uow(), actor=clerk)
    co = checkout.refund_cash(co, -co.due, uow=demo_facet.uow(), actor=clerk, approver=manager)
    done = checkout.complete_sale(co, uow=demo_facet.uow(), actor=clerk, sales=sales)
    assert done.kind == "return"

    after = {r.id: r for r in demo_facet.store.inventory.rows_by_ids([unique.id, counted.id])}
    assert after[unique.id].status == "available" and after[unique.id].on_hand == 1
    assert after[counted.id].on_hand == counted.on_hand - 1
    again = returns.find_sale(sold.number, sales=sales, actor=clerk, uow=demo_facet.uow())
    assert returns.returnable(again) == {unique_line.id: 0, counted_line.id: 1}
    stored = sales.sale(done.sale_id)
    assert stored is not None and stored.original_number == sold.number and stored.total_cents == co.priced.total.cents

    # the last unit: together the two returns refund exactly what the line was charged
    last = returns.add_return(Cart(), again, counted_line.id, 1, actor=clerk)
    co2 = checkout.start_checkout(last, settings=settings, uow=demo_facet.uow(), actor=clerk)
    refunded_net = -sum(p.net.cents for p in co.priced.lines if p.line.item_id == counted.id) - \
        sum(p.net.cents for p in co2.priced.lines)
    assert refunded_net == counted_line.net_cents


def test_an_exchange_settles_the_difference(demo_facet: app.Facet, clerk: Actor, shift: str,
                                            settings: checkout.CounterSettings) -> None:
    cheap, dear = sorted(_available(demo_facet, "unique", 2), key=lambda r: r.price_cents)
    sold = _cash_sale(demo_facet, clerk, settings, checkout.add_item(Cart(), cheap, actor=clerk))
    sale = returns.find_sale(sold.number, sales=demo_facet.store.sales, actor=clerk, uow=demo_facet.uow())
    cart = returns.return_whole_sale(Cart(), sale, actor=clerk)
    cart = checkout.add_item(cart, dear, actor=clerk)
    co = checkout.start_checkout(cart, settings=settings, uow=demo_facet.uow(), actor=clerk)
    assert co.due.cents == co.priced.lines[1].total.cents - sale.total_cents
    co = checkout.pay_cash(co, co.due, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
    done = checkout.complete_sale(co, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
    assert done.kind == "exchange"
    rows = {r.id: r for r in demo_facet.store.inventory.rows_by_ids([cheap.id, dear.id])}
    assert rows[cheap.id].status == "available" and rows[dear.id].status == "sold"


def test_a_void_needs_a_manager_and_undoes_the_sale(demo_facet: app.Facet, clerk: Actor, manager: Actor,
                                                    shift: str, settings: checkout.CounterSettings) -> None:
    row = _available(demo_facet, "unique", 1)[0]
    sold = _cash_sale(demo_facet, clerk, settings, checkout.add_item(Cart(), row, actor=clerk))
    sales = demo_facet.store.sales
    with pytest.raises(ValidationError, match="reason"):
        returns.void_sale(sold.sale_id, "", uow=demo_facet.uow(), actor=clerk, sales=sales,
                          timezone=settings.timezone, terminal=None, approver=manager)
    with pytest.raises(ApprovalNeeded):
        returns.void_sale(sold.sale_id, "rang up the wrong piece", uow=demo_facet.uow(), actor=clerk, sales=sales,
                          timezone=settings.timezone, terminal=None)
    returns.void_sale(sold.sale_id, "rang up the wrong piece", uow=demo_facet.uow(), actor=clerk, sales=sales,
                      timezone=settings.timezone, terminal=None, approver=manager)
    voided = sales.sale(sold.sale_id)
    assert voided is not None and voided.status == "voided"
    assert sorted(p.amount_cents for p in voided.payments) == [-sold.total.cents, sold.total.cents]
    back = demo_facet.store.inventory.rows_by_ids([row.id])[0]
    assert back.status == "available" and back.on_hand == 1
    with pytest.raises(Conflict, match="already voided"):
        returns.void_sale(sold.sale_id, "again", uow=demo_facet.uow(), actor=manager, sales=sales,
                          timezone=settings.timezone, terminal=None)
    with pytest.raises(Conflict, match="voided"):
        returns.add_return(Cart(), voided, voided.lines[0].id, 1, actor=clerk)
    x = cash.x_report(sales=sales, actor=clerk, uow=demo_facet.uow())
    assert x.expected.cents == 20000 and x.figures.voided == 1


def test_a_sale_from_another_shift_is_returned_not_voided(demo_facet: app.Facet, manager: Actor, shift: str,
                                                          settings: checkout.CounterSettings) -> None:
    old = demo_facet.store.sales.sales(limit=1)[0]
    with pytest.raises(Conflict, match="current shift"):
        returns.void_sale(old.id, "mistake", uow=demo_facet.uow(), actor=manager, sales=demo_facet.store.sales,
                          timezone=settings.timezone, terminal=None)


# ---------------------------------------------------------------- card payments through Stripe

from pos_app.adapters.card_terminal import StripeTerminal  # noqa: E402
from tests.stripe_server import FakeStripe  # noqa: E402


def _terminal(server: FakeStripe) -> StripeTerminal:
    return StripeTerminal(server.secret_key, server.reader_id, api_base=server.url)


def _checkout_one(facet: app.Facet, clerk: Actor, settings: checkout.CounterSettings) -> checkout.Checkout:
    row = _available(facet, "unique", 1)[0]
    return checkout.start_checkout(checkout.add_item(Cart(), row, actor=clerk), settings=settings,
                                   uow=facet.uow(), actor=clerk)


def test_split_cash_and_card_completes_with_brand_and_last_four_only(
        demo_facet: app.Facet, clerk: Actor, shift: str, settings: checkout.CounterSettings,
        stripe_server: FakeStripe) -> None:
    terminal = _terminal(stripe_server)
    co = _checkout_one(demo_facet, clerk, settings)
    co = checkout.pay_cash(co, Money(10000), uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
    with pytest.raises(ValidationError, match="card amount"):
        checkout.start_card(co, Money(co.due.cents + 1), uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    co = checkout.start_card(co, co.due, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    assert co.pending is not None and co.pending.payment_intent_id
    co, outcome = checkout.check_card(co, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    assert outcome.state == "pending" and not co.settled
    terminal.simulate_tap("4242424242424242")
    co, outcome = checkout.check_card(co, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    assert outcome.state == "succeeded" and co.settled
    done = checkout.complete_sale(co, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
    sale = demo_facet.store.sales.sale(done.sale_id)
    assert sale is not None
    card = next(p for p in sale.payments if p.tender == "card")
    assert (card.card_brand, card.card_last4, card.payment_intent_id) == ("visa", "4242", outcome.payment_intent_id)
    # nothing that could rebuild a card number is kept anywhere in the store
    conn = demo_facet.connection()
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                         "AND name NOT LIKE 'items_fts%'")]
    dump = "\n".join(str(row) for table in tables for row in conn.execute(f'SELECT * FROM "{table}"'))
    assert "4242424242424242" not in dump and "exp_month" not in dump


def test_a_declined_card_takes_nothing_and_another_card_can_follow(
        demo_facet: app.Facet, clerk: Actor, settings: checkout.CounterSettings, stripe_server: FakeStripe) -> None:
    terminal = _terminal(stripe_server)
    co = _checkout_one(demo_facet, clerk, settings)
    co = checkout.start_card(co, co.due, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    terminal.simulate_tap("4000000000009995")
    co, outcome = checkout.check_card(co, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    assert outcome.state == "failed" and "insufficient funds" in (outcome.message or "")
    assert co.pending is None and co.tenders == () and co.due == co.priced.total
    co = checkout.start_card(co, co.due, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    terminal.simulate_tap("4242424242424242")
    co, outcome = checkout.check_card(co, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    assert outcome.state == "succeeded" and co.settled and len(stripe_server.intents) == 2


def test_the_clerk_cancels_the_reader(demo_facet: app.Facet, clerk: Actor, settings: checkout.CounterSettings,
                                      stripe_server: FakeStripe) -> None:
    terminal = _terminal(stripe_server)
    co = _checkout_one(demo_facet, clerk, settings)
    co = checkout.start_card(co, co.due, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    co, outcome = checkout.cancel_card(co, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    assert outcome.state == "canceled" and co.pending is None and co.tenders == ()
    assert checkout.reopen(co, uow=demo_facet.uow(), actor=clerk) == co.cart


def test_a_network_error_mid_payment_never_charges_twice(
        demo_facet: app.Facet, clerk: Actor, settings: checkout.CounterSettings, stripe_server: FakeStripe) -> None:
    terminal = _terminal(stripe_server)
    co = _checkout_one(demo_facet, clerk, settings)
    # Stripe makes the PaymentIntent but every answer is lost (the SDK's own retries too).
    stripe_server.drop("POST", "/v1/payment_intents", times=3, after=True)
    with pytest.raises(DeviceUnavailable, match="Cannot reach Stripe"):
        checkout.start_card(co, co.due, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    assert len(stripe_server.intents) == 1
    journal = checkout.open_checkout(co.id, uow=demo_facet.uow())
    assert journal.pending is not None and journal.pending.payment_intent_id is None
    # Asking again with the journaled key finds the same PaymentIntent and hands it to the reader.
    co, outcome = checkout.check_card(journal, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    assert outcome.payment_intent_id in stripe_server.intents and len(stripe_server.intents) == 1
    terminal.simulate_tap("4242424242424242")
    co, outcome = checkout.check_card(co, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    assert outcome.state == "succeeded" and co.settled


def test_a_crash_after_the_card_was_charged_completes_the_sale_at_the_next_start(
        demo_dir: Path, stripe_server: FakeStripe) -> None:
    facet = app.open_facet(demo_dir)
    clerk = actor_for(facet, Role.CLERK)
    settings = checkout.counter_settings(facet.store.directory, facet.terminal)
    terminal = _terminal(stripe_server)
    co = _checkout_one(facet, clerk, settings)
    co = checkout.start_card(co, co.due, uow=facet.uow(), actor=clerk, terminal=terminal)
    terminal.simulate_tap("4242424242424242")  # charged at the reader, then the power goes out
    sales_before = facet.store.sales.sales(limit=1)[0].number
    facet.close()

    facet = app.open_facet(demo_dir)
    try:
        manager = actor_for(facet, Role.MANAGER)
        found = checkout.recover_checkouts(uow=facet.uow(), actor=manager,
                                           sales=facet.store.sales, terminal=terminal)
        assert len(found) == 1 and found[0].completed is not None
        assert "went through" in found[0].message
        sale = facet.store.sales.sale(found[0].completed.sale_id)
        assert sale is not None and sale.number != sales_before and sale.staff_id == clerk.staff_id
        assert [p.card_last4 for p in sale.payments] == ["4242"]
        assert stripe_server.intent(sale.payments[0].payment_intent_id or "")["status"] == "succeeded"
        assert checkout.recover_checkouts(uow=facet.uow(), actor=manager,
                                          sales=facet.store.sales, terminal=terminal) == []
    finally:
        facet.close()


def test_a_crash_while_the_reader_waited_reopens_the_cart_and_cancels_the_payment(
        demo_dir: Path, stripe_server: FakeStripe) -> None:
    facet = app.open_facet(demo_dir)
    clerk = actor_for(facet, Role.CLERK)
    settings = checkout.counter_settings(facet.store.directory, facet.terminal)
    terminal = _terminal(stripe_server)
    co = _checkout_one(facet, clerk, settings)
    co = checkout.start_card(co, co.due, uow=facet.uow(), actor=clerk, terminal=terminal)
    facet.close()
    facet = app.open_facet(demo_dir)
    try:
        found = checkout.recover_checkouts(uow=facet.uow(), actor=clerk,
                                           sales=facet.store.sales, terminal=terminal)
        assert len(found) == 1 and found[0].completed is None and "reopened" in found[0].message
        assert found[0].checkout.cart == co.cart and found[0].checkout.pending is None
        assert stripe_server.intent(co.pending.payment_intent_id or "")["status"] == "canceled"  # type: ignore[union-attr]
    finally:
        facet.close()


def test_a_return_refunds_to_the_original_card(demo_facet: app.Facet, clerk: Actor, shift: str,
                                               settings: checkout.CounterSettings,
                                               stripe_server: FakeStripe) -> None:
    terminal = _terminal(stripe_server)
    co = _checkout_one(demo_facet, clerk, settings)
    co = checkout.start_card(co, co.due, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    terminal.simulate_tap("4242424242424242")
    co, _ = checkout.check_card(co, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    sold = checkout.complete_sale(co, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
    sales = demo_facet.store.sales
    back = returns.return_whole_sale(Cart(), returns.find_sale(sold.number, sales=sales, actor=clerk, uow=demo_facet.uow()), actor=clerk)
    ret = checkout.start_checkout(back, settings=settings, uow=demo_facet.uow(), actor=clerk)
    [(pi, label, left)] = checkout.card_refundable(ret, sales)
    assert label == "VISA ****4242" and left == sold.total.cents
    with pytest.raises(ValidationError, match="refund"):
        checkout.refund_card(ret, pi, Money(left + 1), uow=demo_facet.uow(), actor=clerk, terminal=terminal,
                             sales=sales)
    ret = checkout.refund_card(ret, pi, Money(left), uow=demo_facet.uow(), actor=clerk, terminal=terminal, sales=sales)
    done = checkout.complete_sale(ret, uow=demo_facet.uow(), actor=clerk, sales=sales)
    refund = next(p for p in (sales.sale(done.sale_id) or sold).payments)  # type: ignore[union-attr]
    assert refund.amount_cents == -sold.total.cents and refund.refund_id in stripe_server.refunds
    assert checkout.card_refundable(ret, sales) == []


def test_voiding_a_card_sale_refunds_it_once(demo_facet: app.Facet, clerk: Actor, manager: Actor, shift: str,
                                             settings: checkout.CounterSettings, stripe_server: FakeStripe) -> None:
    terminal = _terminal(stripe_server)
    co = _checkout_one(demo_facet, clerk, settings)
    co = checkout.start_card(co, co.due, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    terminal.simulate_tap("4242424242424242")
    co, _ = checkout.check_card(co, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    sold = checkout.complete_sale(co, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
    returns.void_sale(sold.sale_id, "wrong piece", uow=demo_facet.uow(), actor=manager,
                      sales=demo_facet.store.sales, timezone=settings.timezone, terminal=terminal)
    assert [r["amount"] for r in stripe_server.refunds.values()] == [sold.total.cents]


def test_a_negative_or_garbled_price_is_refused_by_name(demo_facet: app.Facet, manager: Actor) -> None:
    from pos_app.domain.money import parse_money

    for text, problem in (("-10.00", "cannot be negative"), ("12,50", "thousands"), ("ten", "not an amount")):
        with pytest.raises(ValidationError, match=f"price: .*{problem}"):
            parse_money(text, "USD", field="price")


def test_a_crash_before_anything_was_paid_gives_the_cart_back(demo_dir: Path) -> None:
    facet = app.open_facet(demo_dir)
    clerk = actor_for(facet, Role.CLERK)
    settings = checkout.counter_settings(facet.store.directory, facet.terminal)
    co = _checkout_one(facet, clerk, settings)
    facet.close()
    facet = app.open_facet(demo_dir)
    try:
        found = checkout.recover_checkouts(uow=facet.uow(), actor=clerk,
                                           sales=facet.store.sales, terminal=None)
        assert [(r.checkout.cart, r.completed) for r in found] == [(co.cart, None)]
        assert "nothing was paid" in found[0].message
        assert facet.store.sales.open_checkout_ids(clerk.terminal) == []
    finally:
        facet.close()


def test_a_crash_recovered_after_the_tax_rate_changed_keeps_the_rate_the_checkout_started_with(
        demo_dir: Path, stripe_server: FakeStripe) -> None:
    from pos_app.services import store_profile

    facet = app.open_facet(demo_dir)
    clerk = actor_for(facet, Role.CLERK)
    settings = checkout.counter_settings(facet.store.directory, facet.terminal)
    terminal = _terminal(stripe_server)
    co = _checkout_one(facet, clerk, settings)
    charged = co.due
    co = checkout.start_card(co, co.due, uow=facet.uow(), actor=clerk, terminal=terminal)
    terminal.simulate_tap("4242424242424242")  # charged at the reader, then the power goes out
    facet.close()

    facet = app.open_facet(demo_dir)
    try:
        owner = actor_for(facet, Role.OWNER)
        new_rate = "9.5" if settings.tax_rate != Decimal("9.5") else "4"
        store_profile.change_store_profile({"tax_rate": new_rate}, uow=facet.uow(), actor=owner)
        now = checkout.counter_settings(facet.store.directory, facet.terminal)
        assert now.tax_rate == Decimal(new_rate)
        found = checkout.recover_checkouts(uow=facet.uow(), actor=owner,
                                           sales=facet.store.sales, terminal=terminal)
        assert len(found) == 1 and found[0].completed is not None
        sale = facet.store.sales.sale(found[0].completed.sale_id)
        assert sale is not None
        assert sale.total_cents == charged.cents == co.priced.total.cents
        assert sale.tax_cents == co.priced.tax.cents
    finally:
        facet.close()


def test_a_card_charged_before_a_crash_completes_at_the_charge_when_the_rate_changed_and_the_screen_held_only_its_id(
        demo_dir: Path, stripe_server: FakeStripe) -> None:
    """The sell screen holds the checkout's id: the card is sent and followed by id, then the power goes out
    while the reader waits; the owner changes the rate before the restart. Recovery asks Stripe (the real
    SDK against the local server), finds the charge captured, and the sale is the amount charged."""
    from pos_app.services import store_profile

    facet = app.open_facet(demo_dir)
    clerk = actor_for(facet, Role.CLERK)
    settings = checkout.counter_settings(facet.store.directory, facet.terminal)
    terminal = _terminal(stripe_server)
    checkout_id = _checkout_one(facet, clerk, settings).id
    due = checkout.open_checkout(checkout_id, uow=facet.uow()).due
    waiting = checkout.start_card(checkout_id, due, uow=facet.uow(), actor=clerk, terminal=terminal)
    assert waiting.pending is not None and waiting.pending.payment_intent_id is not None
    terminal.simulate_tap("4242424242424242")
    stored_cart, stored_journal = facet.connection().execute(
        "SELECT cart, tenders FROM checkouts WHERE id = ?", (checkout_id,)).fetchone()
    facet.close()
    assert "_checkout" not in json.loads(stored_cart), "the journal is no longer hidden in the cart"
    kept = json.loads(stored_journal)
    assert (kept["tax_rate"], kept["totals"]["total"]) == (str(settings.tax_rate), due.cents)

    facet = app.open_facet(demo_dir)
    try:
        owner = actor_for(facet, Role.OWNER)
        store_profile.change_store_profile({"tax_rate": "0"}, uow=facet.uow(), actor=owner)
        found = checkout.recover_checkouts(uow=facet.uow(), actor=owner, sales=facet.store.sales,
                                           terminal=terminal)
        assert len(found) == 1 and found[0].completed is not None
        assert found[0].message == f"The card payment under way went through. Sale {found[0].completed.number} " \
                                   "was completed."
        sale = facet.store.sales.sale(found[0].completed.sale_id)
        assert sale is not None and sale.total_cents == due.cents == stripe_server.intents[
            waiting.pending.payment_intent_id]["amount"]
        assert sale.tax_cents == waiting.priced.tax.cents > 0
    finally:
        facet.close()


def test_a_journal_left_in_the_older_layout_is_recovered_at_the_rate_it_kept(demo_dir: Path) -> None:
    """A checkout left open by the version that hid the journal in the cart (`"_checkout"`) is read back
    as it was written, and completes at its own rate after the store's rate changed."""
    from pos_app.domain.cart import cart_to_dict, tender_to_dict
    from pos_app.services import store_profile

    facet = app.open_facet(demo_dir)
    clerk = actor_for(facet, Role.CLERK)
    cash.open_shift(Money(20000), uow=facet.uow(), actor=clerk)
    settings = checkout.counter_settings(facet.store.directory, facet.terminal)
    co = _checkout_one(facet, clerk, settings)
    paid = checkout.pay_cash(co.id, co.due, uow=facet.uow(), actor=clerk, sales=facet.store.sales)
    tenders = [tender_to_dict(t) for t in paid.tenders]
    older = cart_to_dict(co.cart) | {"_checkout": {"tenders": tenders, "pending": None, "attempts": 0,
                                                   "large_cash": None, "conflict": "",
                                                   "tax_rate": str(settings.tax_rate)}}
    conn = facet.connection()
    with conn:
        conn.execute("UPDATE checkouts SET cart = ?, tenders = ? WHERE id = ?",
                     (json.dumps(older), json.dumps(tenders), co.id))
    conn.close()
    facet.close()

    facet = app.open_facet(demo_dir)
    try:
        store_profile.change_store_profile({"tax_rate": "0"}, uow=facet.uow(), actor=actor_for(facet, Role.OWNER))
        found = checkout.recover_checkouts(uow=facet.uow(), actor=clerk, sales=facet.store.sales, terminal=None)
        assert len(found) == 1 and found[0].completed is not None
        assert found[0].completed.total == co.total and co.priced.tax.cents > 0
    finally:
        facet.close()


def test_a_half_paid_checkout_reopened_after_a_rate_change_still_owes_the_first_total(
        demo_dir: Path) -> None:
    from pos_app.services import store_profile

    facet = app.open_facet(demo_dir)
    clerk = actor_for(facet, Role.CLERK)
    cash.open_shift(Money(20000), uow=facet.uow(), actor=clerk)
    settings = checkout.counter_settings(facet.store.directory, facet.terminal)
    co = _checkout_one(facet, clerk, settings)
    co = checkout.pay_cash(co, Money(10000), uow=facet.uow(), actor=clerk, sales=facet.store.sales)
    owed = co.due
    facet.close()

    facet = app.open_facet(demo_dir)
    try:
        store_profile.change_store_profile({"tax_rate": "0"}, uow=facet.uow(), actor=actor_for(facet, Role.OWNER))
        assert checkout.counter_settings(facet.store.directory, facet.terminal).tax_rate == 0
        found = checkout.recover_checkouts(uow=facet.uow(), actor=clerk,
                                           sales=facet.store.sales, terminal=None)
        assert len(found) == 1 and found[0].completed is None
        assert found[0].checkout.due == owed and found[0].checkout.priced.tax == co.priced.tax
        assert co.priced.tax.cents > 0
    finally:
        facet.close()
