"""IRS Form 8300 at the drawer: cash over $10,000 from one customer within 12 months needs the payer's details.

The rule lives with taking cash (`checkout.pay_cash`); what it counts comes from the sales reader
(`customer_cash_since`: cash of completed sales, net of cash refunds), faked here. Only the public
functions are used, as in test_checkout_rules.py (the checkout is being split into a package).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from pos_app.domain.cart import Cart
from pos_app.domain.errors import ValidationError
from pos_app.domain.money import Money
from pos_app.domain.permissions import Role
from pos_app.services import checkout
from tests.fakes.builders import actor, add_customer, add_item, add_sale, item_row, staff_id
from tests.fakes.sales import FakeSalesReader
from tests.fakes.uow import FakeUnitOfWork

CLERK = actor(Role.CLERK)
SETTINGS = checkout.CounterSettings(currency="USD", locale="en_US", timezone="America/Chicago",
                                    tax_rate=Decimal("0"), clerk_discount_limit=Decimal(10), terminal="C1")
NOW = dt.datetime(2026, 12, 7, 3, 30, tzinfo=dt.UTC)  # 21:30 on Dec 6 in Chicago
PAYER = checkout.LargeCashDetails(full_name="Ruby Stone", address="2 Elm Street, Springfield IL",
                                  date_of_birth=dt.date(1980, 5, 1), taxpayer_id="123-45-6789",
                                  id_document="IL driver's licence S123-4567-8901")


def cash_checkout(uow: FakeUnitOfWork, customer_id: str, cents: int) -> checkout.Checkout:
    uow.counter.open_shift(terminal="C1", staff_id=staff_id(Role.CLERK), float_cents=0, currency="USD")
    cart = checkout.add_item(Cart(), item_row(uow, add_item(uow, sku="BIG", price_cents=cents)), actor=CLERK)
    cart = dataclasses.replace(cart, customer_id=customer_id, customer_name="Ruby Stone")
    return checkout.start_checkout(cart, settings=SETTINGS, uow=uow, actor=CLERK)


def earlier_cash(uow: FakeUnitOfWork, customer_id: str, cents: int, at: dt.datetime) -> str:
    return add_sale(uow, [(add_item(uow, sku=f"E-{at:%Y%m%d%H}"), 1, cents, 0, 0)], customer_id=customer_id,
                    completed_at=at, number=f"C9-{len(uow.state.sales) + 1:06d}", terminal="C9")


def test_cash_that_takes_a_customer_over_ten_thousand_in_twelve_months_needs_the_payers_details(
        uow: FakeUnitOfWork) -> None:
    ruby = add_customer(uow)
    earlier_cash(uow, ruby, 600_000, NOW - dt.timedelta(days=200))
    co = cash_checkout(uow, ruby, 500_000)
    with pytest.raises(checkout.LargeCashDetailsNeeded, match="Cash of \\$11,000.00") as asked:
        checkout.pay_cash(co, Money(500_000), uow=uow, actor=CLERK, sales=FakeSalesReader(uow.state), now=NOW)
    assert (asked.value.cash_cents, asked.value.twelve_month_cents) == (500_000, 1_100_000)
    paid = checkout.pay_cash(co, Money(500_000), uow=uow, actor=CLERK, sales=FakeSalesReader(uow.state), now=NOW,
                             large_cash=PAYER)
    assert paid.large_cash is not None and paid.large_cash.taxpayer_id == "123456789"


def test_the_twelve_months_start_at_the_stores_midnight_a_year_before(uow: FakeUnitOfWork) -> None:
    ruby = add_customer(uow)
    # 23:00 on Dec 5, 2025 in Chicago (Dec 6 in UTC) is outside; Dec 6's morning is inside.
    earlier_cash(uow, ruby, 600_000, dt.datetime(2025, 12, 6, 5, 0, tzinfo=dt.UTC))
    co = cash_checkout(uow, ruby, 500_000)
    paid = checkout.pay_cash(co, Money(500_000), uow=uow, actor=CLERK, sales=FakeSalesReader(uow.state), now=NOW)
    assert paid.large_cash is None
    assert checkout.large_cash_since(NOW, "America/Chicago") == dt.datetime(
        2025, 12, 6, 6, 0, tzinfo=dt.UTC)


def test_cash_of_a_voided_sale_does_not_count_toward_the_line(uow: FakeUnitOfWork) -> None:
    ruby = add_customer(uow)
    voided = earlier_cash(uow, ruby, 600_000, NOW - dt.timedelta(days=3))
    uow.counter.void_sale(voided, by=staff_id(Role.MANAGER), reason="rang twice", at=NOW - dt.timedelta(days=3))
    co = cash_checkout(uow, ruby, 500_000)
    paid = checkout.pay_cash(co, Money(500_000), uow=uow, actor=CLERK, sales=FakeSalesReader(uow.state), now=NOW)
    assert paid.large_cash is None


@pytest.mark.parametrize(("change", "field"), [
    ({"full_name": " R "}, "full name"), ({"address": "Elm St"}, "address"),
    ({"date_of_birth": dt.date(2008, 12, 7)}, "date of birth"), ({"taxpayer_id": "123-45-678"}, "taxpayer ID"),
    ({"id_document": "DL"}, "ID document")])
def test_the_payers_form_8300_details_are_checked_field_by_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        checkout.check_large_cash(dataclasses.replace(PAYER, **change),  # type: ignore[arg-type]
                                  today=dt.date(2026, 12, 6))
    assert refused.value.field == field
