"""Checkout on the fakes, through its public service functions only: limits, approvals and the journal.

Kept few on purpose (the checkout is being split into `domain/checkout.py` and
service modules): each test states one rule a clerk relies on.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import cast

import pytest

from pos_app.domain.cart import Cart, Discount, price
from pos_app.domain.errors import Conflict, ItemAlreadySold, ValidationError
from pos_app.domain.money import Money
from pos_app.domain.permissions import Role
from pos_app.services import checkout
from pos_app.services.guard import ApprovalNeeded
from pos_app.services.ports.sales import SalesReader
from tests.fakes.builders import actor, add_customer, add_item, item_row, staff_id
from tests.fakes.sales import FakeSalesReader
from tests.fakes.uow import FakeUnitOfWork, Unfaked

CLERK, MANAGER = actor(Role.CLERK), actor(Role.MANAGER)
SETTINGS = checkout.CounterSettings(currency="USD", locale="en_US", timezone="America/Chicago",
                                   tax_rate=Decimal("6.25"), clerk_discount_limit=Decimal(10), terminal="C1")
AT = dt.datetime(2026, 12, 7, 22, 0, tzinfo=dt.UTC)
NO_SALES = cast(SalesReader, Unfaked("sales reader"))  # a cash sale with no customer never asks it


def cart_of(uow: FakeUnitOfWork, *prices: int) -> Cart:
    cart = Cart(currency="USD")
    for n, cents in enumerate(prices):
        cart = checkout.add_item(cart, item_row(uow, add_item(uow, sku=f"NK-{n}", price_cents=cents)), actor=CLERK)
    return cart


def paid(uow: FakeUnitOfWork, cart: Cart) -> checkout.Checkout:
    uow.counter.open_shift(terminal="C1", staff_id=CLERK.staff_id, float_cents=0, currency="USD")
    co = checkout.start_checkout(cart, settings=SETTINGS, uow=uow, actor=CLERK)
    return checkout.pay_cash(co, co.due, uow=uow, actor=CLERK, sales=NO_SALES)


def test_a_discount_within_the_clerks_limit_needs_no_one(uow: FakeUnitOfWork) -> None:
    cart = checkout.discount_line(cart_of(uow, 100_000), 0, Discount.of_percent(Decimal(10)), settings=SETTINGS,
                                  actor=CLERK, uow=uow)
    assert price(cart, SETTINGS.tax_rate).discount == Money(10_000)
    assert (cart.lines[0].approved_by, uow.events) == (None, [])


def test_a_deep_discount_needs_a_reason_then_the_clerks_confirmation_then_a_manager(uow: FakeUnitOfWork) -> None:
    cart, deep = cart_of(uow, 100_000), Discount.of_percent(Decimal(25))
    with pytest.raises(ValidationError) as no_reason:
        checkout.discount_line(cart, 0, deep, settings=SETTINGS, actor=CLERK, uow=uow)
    assert no_reason.value.field == "reason"
    with pytest.raises(checkout.DiscountToConfirm, match="sold for"):
        checkout.discount_line(cart, 0, deep, settings=SETTINGS, actor=CLERK, uow=uow, reason="scratched clasp")
    with pytest.raises(ApprovalNeeded):
        checkout.discount_line(cart, 0, deep, settings=SETTINGS, actor=CLERK, uow=uow, reason="scratched clasp",
                               confirmed=True)
    assert uow.events == []
    done = checkout.discount_line(cart, 0, deep, settings=SETTINGS, actor=CLERK, uow=uow, reason="scratched clasp",
                                  confirmed=True, approver=MANAGER)
    assert done.lines[0].approved_by == staff_id(Role.MANAGER)
    event = uow.events[-1]
    assert (event.action, event.approved_by) == ("sale.discount_approved", staff_id(Role.MANAGER))
    assert event.summary == {"sku": "NK-0", "discount": deep.describe(), "with_reason": True}


def test_a_managers_own_deep_discount_is_on_the_trail_without_an_approver(uow: FakeUnitOfWork) -> None:
    checkout.discount_order(cart_of(uow, 100_000), Discount.of_percent(Decimal(30)), settings=SETTINGS,
                            actor=MANAGER, uow=uow, reason="display piece", confirmed=True)
    assert [(e.action, e.approved_by) for e in uow.events] == [("sale.deep_discount_given", None)]


def test_a_clerks_price_override_needs_a_reason_and_a_manager(uow: FakeUnitOfWork) -> None:
    cart = cart_of(uow, 100_000)
    with pytest.raises(ValidationError) as no_reason:
        checkout.override_price(cart, 0, Money(90_000), " ", actor=CLERK, uow=uow)
    assert no_reason.value.field == "reason"
    with pytest.raises(ApprovalNeeded):
        checkout.override_price(cart, 0, Money(90_000), "price match", actor=CLERK, uow=uow)
    cart = checkout.override_price(cart, 0, Money(90_000), "price match", actor=CLERK, uow=uow, approver=MANAGER)
    assert cart.lines[0].unit_price == Money(90_000)
    assert uow.events[-1].summary == {"sku": "NK-0", "from_cents": 100_000, "to_cents": 90_000}


def test_a_unique_piece_goes_into_the_cart_once(uow: FakeUnitOfWork) -> None:
    item = add_item(uow, sku="NK-1")
    cart = checkout.add_item(Cart(currency="USD"), item_row(uow, item), actor=CLERK)
    with pytest.raises(Conflict, match="already in the cart"):
        checkout.add_item(cart, item_row(uow, item), actor=CLERK)


def test_starting_to_pay_opens_a_journal_that_keeps_the_tax_rate(uow: FakeUnitOfWork) -> None:
    co = checkout.start_checkout(cart_of(uow, 100_000), settings=SETTINGS, uow=uow, actor=CLERK)
    entry = uow.checkouts.get(co.id)
    assert entry is not None and entry.checkout.is_open
    assert entry.checkout.tax_rate == Decimal("6.25") and entry.checkout.total == Money(106_250)
    assert co.due == Money(106_250)


def test_a_piece_sold_elsewhere_since_it_was_scanned_stops_the_payment_before_any_journal(
        uow: FakeUnitOfWork) -> None:
    cart = cart_of(uow, 100_000)
    with uow:
        uow.items.set_status(cart.lines[0].item_id, "sold")
        uow.commit()
    with pytest.raises(Conflict, match="no longer available"):
        checkout.start_checkout(cart, settings=SETTINGS, uow=uow, actor=CLERK)
    assert uow.state.checkouts == {}


def test_cash_is_taken_only_with_a_drawer_shift_open(uow: FakeUnitOfWork) -> None:
    co = checkout.start_checkout(cart_of(uow, 100_000), settings=SETTINGS, uow=uow, actor=CLERK)
    with pytest.raises(Conflict, match="No cash drawer shift is open"):
        checkout.pay_cash(co, Money(106_250), uow=uow, actor=CLERK, sales=NO_SALES)
    assert uow.checkouts.get(co.id).checkout.tenders == ()  # type: ignore[union-attr]


def test_a_paid_cart_cannot_go_back_to_editing(uow: FakeUnitOfWork) -> None:
    co = paid(uow, cart_of(uow, 100_000))
    with pytest.raises(Conflict, match="Money has been taken"):
        checkout.reopen(co, uow=uow, actor=CLERK)
    assert uow.checkouts.get(co.id).checkout.is_open  # type: ignore[union-attr]


def test_completing_a_sale_sells_the_piece_queues_the_receipt_and_closes_the_journal(uow: FakeUnitOfWork) -> None:
    cart = cart_of(uow, 100_000)
    done = checkout.complete_sale(paid(uow, cart), uow=uow, actor=CLERK)
    assert done.number == "C1-000001" and done.total == Money(106_250)
    assert uow.state.items[cart.lines[0].item_id].spec.status.value == "sold"
    assert uow.state.on_hand(cart.lines[0].item_id) == 0
    assert uow.counter.print_job(done.receipt_job_id)["sale_id"] == done.sale_id  # type: ignore[index]
    assert [e.checkout.status.value for e in map(uow.checkouts.get, list(uow.state.checkouts)) if e] == ["completed"]
    assert uow.committed[-1] == ("sale.completed",)


def test_a_piece_sold_at_another_counter_meanwhile_is_not_sold_twice(uow: FakeUnitOfWork) -> None:
    cart = cart_of(uow, 100_000)
    co = paid(uow, cart)
    with uow:  # another counter on the same store sells it first
        uow.counter.set_statuses([(cart.lines[0].item_id, "sold")])
        uow.commit()
    with pytest.raises(ItemAlreadySold):
        checkout.complete_sale(co, uow=uow, actor=CLERK)
    assert uow.state.sales == {}
    assert uow.checkouts.get(co.id).checkout.is_open  # type: ignore[union-attr]
    conflict = uow.of("checkout.stock_conflict")
    assert len(conflict) == 1 and conflict[0].summary["cash_cents"] == 106_250


def test_a_customer_erased_while_the_sale_was_paid_for_is_left_off_it_and_the_clerk_is_told(
        uow: FakeUnitOfWork) -> None:
    sales = FakeSalesReader(uow.state)
    customer_id = add_customer(uow)
    cart = checkout.attach_customer(cart_of(uow, 100_000), customer_id, sales=sales, actor=CLERK)
    uow.counter.open_shift(terminal="C1", staff_id=CLERK.staff_id, float_cents=0, currency="USD")
    co = checkout.start_checkout(cart, settings=SETTINGS, uow=uow, actor=CLERK)
    co = checkout.pay_cash(co, co.due, uow=uow, actor=CLERK, sales=sales)
    uow.state.customers[customer_id]["erased_at"] = AT  # at another counter, arriving through a sync pull
    done = checkout.complete_sale(co, uow=uow, actor=CLERK, sales=sales)
    assert "without a customer" in done.note and done.number == "C1-000001"  # the refused try used no number
    assert [s["customer_id"] for s in uow.state.sales.values()] == [None]
    journal = uow.checkouts.get(co.id).checkout  # type: ignore[union-attr]
    assert (journal.status.value, journal.cart.customer_id, journal.cart.customer_name) == ("completed", None, "")
    assert uow.of("sale.completed")[0].summary["customer_erased"] is True


def test_a_customer_erased_since_they_were_attached_never_enters_the_payment_journal(uow: FakeUnitOfWork) -> None:
    customer_id = add_customer(uow)
    cart = checkout.attach_customer(cart_of(uow, 100_000), customer_id, sales=FakeSalesReader(uow.state),
                                    actor=CLERK)
    uow.state.customers[customer_id]["erased_at"] = AT  # by another window on the store
    co = checkout.start_checkout(cart, settings=SETTINGS, uow=uow, actor=CLERK)
    assert (co.cart.customer_id, co.cart.customer_name) == (None, "")
    assert uow.checkouts.get(co.id).checkout.cart.customer_name == ""  # type: ignore[union-attr]
    assert co.priced.total == Money(106_250)


def test_recovery_completes_a_paid_checkout_at_the_rate_it_was_charged(uow: FakeUnitOfWork) -> None:
    co = paid(uow, cart_of(uow, 100_000))
    [back] = checkout.recover_checkouts(uow=uow, actor=CLERK, sales=NO_SALES, terminal=None)
    assert co.priced.total == Money(106_250)
    assert back.completed is not None and back.completed.total == Money(106_250)
    assert uow.of("sale.completed_on_recovery")[0].entity_id == back.completed.sale_id


def test_recovery_hands_back_an_unpaid_cart_and_closes_its_journal(uow: FakeUnitOfWork) -> None:
    cart = cart_of(uow, 100_000)
    checkout.start_checkout(cart, settings=SETTINGS, uow=uow, actor=CLERK)
    [back] = checkout.recover_checkouts(uow=uow, actor=CLERK, sales=NO_SALES, terminal=None)
    assert (back.completed, back.checkout.cart) == (None, cart)
    assert [e.checkout.status.value for e in map(uow.checkouts.get, list(uow.state.checkouts)) if e] == ["abandoned"]


def test_a_parked_cart_is_recalled_once(uow: FakeUnitOfWork) -> None:
    cart = cart_of(uow, 100_000)
    park = checkout.park_cart(cart, "", uow=uow, actor=CLERK)
    assert checkout.recall_cart(park, uow=uow, actor=CLERK) == cart
    with pytest.raises(Exception, match="already recalled"):
        checkout.recall_cart(park, uow=uow, actor=CLERK)
    assert uow.actions() == ["cart.parked", "cart.recalled"]


def test_the_scanner_finds_a_piece_by_barcode_or_sku_and_says_when_none_has_the_code(uow: FakeUnitOfWork) -> None:
    from pos_app.domain.errors import NotFound
    from tests.fakes.inventory import FakeInventoryReader

    add_item(uow, sku="NK-1", barcode="0001")
    reader = FakeInventoryReader(uow.state)
    cart = checkout.scan(Cart(currency="USD"), "0001", reader=reader, actor=CLERK)
    assert [line.sku for line in cart.lines] == ["NK-1"]
    with pytest.raises(NotFound, match="'NK-404'"):
        checkout.scan(cart, "NK-404", reader=reader, actor=CLERK)
    with pytest.raises(ValidationError) as empty:
        checkout.scan(cart, "  ", reader=reader, actor=CLERK)
    assert empty.value.field == "code"
