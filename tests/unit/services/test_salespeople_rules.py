"""Whom a sale credits (`services/checkout/salespeople.py` `credits_for_sale`): the salespeople named, else for a
return those of the sale it returns, and never a row for the clerk alone."""

from __future__ import annotations

import datetime as dt

import pytest

from pos_app.domain.cart import Cart
from pos_app.domain.commission import Credit
from pos_app.domain.errors import ValidationError
from pos_app.services.checkout import credits_for_sale
from pos_app.services.ports.sales import SaleDetail

SHARED = (Credit("ann", 0, 6000, "Ann"), Credit("ben", 6000, 10000, "Ben"))


def _sale(staff_id: str, credits: tuple[Credit, ...] = ()) -> SaleDetail:
    return SaleDetail(id="s1", number="C1-000001", terminal="C1", kind="sale", status="completed",
                      completed_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC), staff_id=staff_id, clerk=staff_id.title(),
                      customer_id=None, customer="", currency="USD", subtotal_cents=0, discount_cents=0, tax_cents=0,
                      total_cents=0, tax_exempt_number=None, original_number=None, shift_id=None, lines=(),
                      payments=(), credits=credits)


def test_the_salespeople_named_are_credited() -> None:
    assert credits_for_sale(Cart().with_salespeople(SHARED), seller="ann", original=None) == SHARED


def test_the_clerk_alone_gets_no_rows() -> None:
    assert credits_for_sale(Cart(), seller="ann", original=None) == ()
    alone = Cart().with_salespeople((Credit("ann", 0, 10000),))
    assert credits_for_sale(alone, seller="ann", original=None) == ()
    # Someone else made the whole sale: their row, though the clerk rang it up.
    other = Cart().with_salespeople((Credit("ben", 0, 10000),))
    assert credits_for_sale(other, seller="ann", original=None) == (Credit("ben", 0, 10000),)


def test_a_return_copies_the_shares_of_the_sale_it_returns() -> None:
    assert credits_for_sale(Cart(), seller="cat", original=_sale("ann", SHARED)) == SHARED


def test_a_return_of_a_sale_nobody_shared_has_nothing_to_copy() -> None:
    assert credits_for_sale(Cart(), seller="cat", original=_sale("ann")) == ()


def test_salespeople_named_for_a_return_win_over_the_original_shares() -> None:
    named = Cart().with_salespeople((Credit("cat", 0, 10000),))
    assert credits_for_sale(named, seller="ann", original=_sale("ann", SHARED)) == (Credit("cat", 0, 10000),)


def test_slices_that_do_not_add_up_are_refused() -> None:
    import dataclasses

    bad = dataclasses.replace(Cart(), salespeople=(Credit("ann", 0, 5000), Credit("ben", 5000, 9000)))
    with pytest.raises(ValidationError, match="salespeople"):
        credits_for_sale(bad, seller="ann", original=None)
