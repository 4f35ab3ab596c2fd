"""Cart pricing against an independent reference computation (exact fractions), with hypothesis.

The reference is the one in tests/pricing_reference.py. The rule (domain/cart.py): each line is priced on its own (line discount,
its share of an order discount, tax rounded half up), and the sale's figures
are the sums of the lines'.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos_app.domain.cart import (
    Cart,
    CartLine,
    Discount,
    ReturnedAmounts,
    Tender,
    TenderKind,
    balance_due,
    cart_from_dict,
    cart_to_dict,
    cash_tender,
    price,
    returned_amounts,
    share,
    tender_from_dict,
    tender_to_dict,
)
from pos_app.domain.errors import ValidationError
from pos_app.domain.money import Money
from tests import pricing_reference


def reference(cart: Cart, rate: Decimal) -> list[tuple[int, int, int]]:
    """(gross, discount, tax) per sold line, from the shared reference (tests/pricing_reference.py)."""
    return [(e.gross, e.line_discount + e.order_discount, e.tax) for e in pricing_reference.reference(cart, rate)]


money = st.integers(min_value=1, max_value=25_000_000)
percents = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2)
rates = st.sampled_from([Decimal("0"), Decimal("6.25"), Decimal("8.875"), Decimal("10.25"), Decimal("7")])


@st.composite
def carts(draw: st.DrawFn) -> Cart:
    lines = []
    for n in range(draw(st.integers(min_value=1, max_value=12))):
        price_ = draw(money)
        quantity = draw(st.integers(min_value=1, max_value=5))
        kind = draw(st.sampled_from(["none", "percent", "amount"]))
        discount = None
        if kind == "percent":
            discount = Discount.of_percent(draw(percents))
        elif kind == "amount":
            discount = Discount.of_amount(Money(draw(st.integers(min_value=1, max_value=price_ * quantity))))
        lines.append(CartLine(item_id=f"i{n}", sku=f"SKU-{n}", description="", quantity=quantity,
                              unit_price=Money(price_), list_price=Money(price_), unique=False, discount=discount))
    order_kind = draw(st.sampled_from(["none", "percent", "amount"]))
    order = None
    if order_kind == "percent":
        order = Discount.of_percent(draw(percents))
    elif order_kind == "amount":
        order = Discount.of_amount(Money(draw(st.integers(min_value=1, max_value=50_000_000))))
    exempt = draw(st.booleans())
    return Cart(lines=tuple(lines), order_discount=order, tax_exempt_number="EX-123" if exempt else "",
                tax_exempt_reason="resale" if exempt else "")


@settings(max_examples=250, deadline=None)
@given(cart=carts(), rate=rates)
def test_each_line_matches_the_reference_and_the_sale_is_the_sum_of_its_lines(cart: Cart, rate: Decimal) -> None:
    priced = price(cart, rate)
    expected = reference(cart, rate)
    assert [(p.gross.cents, p.discount.cents, p.tax.cents) for p in priced.lines] == expected
    assert priced.subtotal.cents == sum(g for g, _, _ in expected)
    assert priced.discount.cents == sum(d for _, d, _ in expected)
    assert priced.tax.cents == sum(t for _, _, t in expected)
    assert priced.total == priced.subtotal - priced.discount + priced.tax
    assert all(0 <= p.discount.cents <= p.gross.cents for p in priced.lines)
    if cart.tax_exempt:
        assert priced.tax.cents == 0


@settings(max_examples=250, deadline=None)
@given(amount=st.integers(min_value=0, max_value=10**9),
       weights=st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=15))
def test_shares_add_up_exactly_and_follow_the_weights(amount: int, weights: list[int]) -> None:
    parts = share(amount, weights)
    if sum(weights) == 0:
        assert parts == [0] * len(weights)
        return
    assert sum(parts) == amount
    for part, weight in zip(parts, weights):
        assert abs(Fraction(part) - Fraction(amount * weight, sum(weights))) < 1
    assert share(amount, weights) == parts  # deterministic


@settings(max_examples=200, deadline=None)
@given(net=st.integers(min_value=0, max_value=10**8), tax=st.integers(min_value=0, max_value=10**7),
       splits=st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=6))
def test_returns_in_any_split_refund_exactly_what_the_line_was_charged(net: int, tax: int, splits: list[int]) -> None:
    sold = sum(splits)
    done, refunded_net, refunded_tax = 0, 0, 0
    for part in splits:
        n, t = returned_amounts(line_net=net, line_tax=tax, sold=sold, already_returned=done, returning=part)
        done, refunded_net, refunded_tax = done + part, refunded_net + n, refunded_tax + t
        assert refunded_net <= net and refunded_tax <= tax
    assert (refunded_net, refunded_tax) == (net, tax)
    with pytest.raises(ValidationError, match="quantity"):
        returned_amounts(line_net=net, line_tax=tax, sold=sold, already_returned=sold, returning=1)


def test_a_returned_line_refunds_its_charged_amounts_untouched_by_discounts_or_exemption() -> None:
    sold = CartLine("n1", "NEW-1", "New piece", 1, Money(50000), Money(50000), unique=True)
    back = CartLine("o1", "OLD-1", "Old piece", -1, Money(30000), Money(30000), unique=True,
                    returned=ReturnedAmounts(net=Money(27000), tax=Money(2396), original_line_id="l1",
                                             original_sale_number="C1-000001"))
    cart = Cart(lines=(sold, back), order_discount=Discount.of_percent(Decimal(10)))
    priced = price(cart, Decimal("8.875"))
    returned = priced.lines[1]
    assert (returned.net.cents, returned.tax.cents) == (-27000, -2396)
    new = priced.lines[0]
    assert (new.discount.cents, new.tax.cents) == (5000, 3994)
    assert priced.total.cents == (45000 + 3994) - (27000 + 2396)
    exempt = price(Cart(lines=(sold, back), tax_exempt_number="EX-1", tax_exempt_reason="resale"), Decimal(9))
    assert exempt.lines[1].tax.cents == -2396 and exempt.lines[0].tax.cents == 0


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Discount.of_percent(Decimal(0)), "more than 0"),
    (lambda: Discount.of_percent(Decimal(101)), "at most 100"),
    (lambda: Discount.of_percent(Decimal("10.005")), "two decimals"),
    (lambda: Discount.of_amount(Money(0)), "more than zero"),
    (lambda: cash_tender(Money(0), Money(100)), "nothing is left to pay"),
    (lambda: cash_tender(Money(100), Money(0)), "amount the customer hands over"),
])
def test_bad_discounts_and_tenders_are_named(make: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make()  # type: ignore[operator]


def test_cash_over_what_is_due_gives_change() -> None:
    tender = cash_tender(Money(12345), Money(20000))
    assert tender.amount == Money(12345) and tender.change == Money(7655)
    assert balance_due(Money(12345), [tender]) == Money(0)
    assert balance_due(Money(-500), []) == Money(-500)


@settings(max_examples=100, deadline=None)
@given(cart=carts())
def test_a_cart_survives_being_parked_as_json(cart: Cart) -> None:
    assert cart_from_dict(json.loads(json.dumps(cart_to_dict(cart)))) == cart


def test_tenders_survive_the_payment_journal() -> None:
    for tender in (Tender(TenderKind.CASH, Money(1000), tendered=Money(2000)),
                   Tender(TenderKind.CARD, Money(-500), payment_intent_id="pi_1", card_brand="visa",
                          card_last4="4242", refund_id="re_1")):
        assert tender_from_dict(json.loads(json.dumps(tender_to_dict(tender))), "USD") == tender
