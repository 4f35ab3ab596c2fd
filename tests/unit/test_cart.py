"""The cart's pricing rule, returns, tenders and JSON form, as specs.

`price()` is checked against a reference written here with exact fractions:
gross, line discount, the line's share of an order discount and tax, each
rounded half up per line, as the module docstring of `domain/cart.py` states.
A receipt must add up line by line, and a return of every unit must refund
exactly what the line was charged; hypothesis searches for carts where
either fails.
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
    DiscountKind,
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
from tests.pricing_reference import Expected, largest_remainder, reference, round_half_up

MAX_UNIT_CENTS = 25_000_000  # $250,000.00
TAX_RATES = [Decimal("0"), Decimal("6.25"), Decimal("8.875"), Decimal("10.25")]


# ---------------------------------------------------------------- the reference computation (tests/pricing_reference.py)


def test_the_reference_rounds_halves_up_and_splits_by_largest_remainder() -> None:
    assert [round_half_up(Fraction(n, 2)) for n in (1, 3, 5, -1, -3)] == [1, 2, 3, -1, -2]
    assert round_half_up(Fraction(4999, 10000)) == 0
    assert largest_remainder(100, [1, 1, 1]) == [34, 33, 33]
    assert largest_remainder(10, [5, 3, 2]) == [5, 3, 2]


# ---------------------------------------------------------------- building carts


def sold_line(n: int, unit_cents: int, quantity: int = 1, discount: Discount | None = None,
              currency: str = "USD") -> CartLine:
    return CartLine(item_id=f"item-{n}", sku=f"SKU-{n:04d}", description=f"Piece {n}", quantity=quantity,
                    unit_price=Money(unit_cents, currency), list_price=Money(unit_cents, currency),
                    unique=quantity == 1, discount=discount)


def returned_line(n: int, unit_cents: int, quantity: int, net: int, tax: int, currency: str = "USD") -> CartLine:
    return CartLine(item_id=f"back-{n}", sku=f"RET-{n:04d}", description=f"Returned piece {n}", quantity=-quantity,
                    unit_price=Money(unit_cents, currency), list_price=Money(unit_cents, currency), unique=False,
                    returned=ReturnedAmounts(net=Money(net, currency), tax=Money(tax, currency),
                                             original_line_id=f"line-{n}", original_sale_number="C1-000042"))


def cart_of(*lines: CartLine, order_discount: Discount | None = None, exempt: bool = False) -> Cart:
    cart = Cart(order_discount=order_discount, tax_exempt_number="EX-7781" if exempt else "",
                tax_exempt_reason="resale certificate" if exempt else "")
    for line in lines:
        cart = cart.with_line(line)
    return cart


percents = st.integers(min_value=1, max_value=10_000).map(lambda n: Decimal(n).scaleb(-2))
# Small prices make rounding ties (x.5 cents) common; large ones reach the top of the range.
unit_prices = st.one_of(st.integers(min_value=1, max_value=2_000), st.integers(min_value=1, max_value=MAX_UNIT_CENTS))
tax_rates = st.sampled_from(TAX_RATES)


@st.composite
def line_discounts(draw: st.DrawFn, gross: int) -> Discount | None:
    kind = draw(st.sampled_from(["none", "percent", "amount"]))
    if kind == "percent":
        return Discount.of_percent(draw(percents), "anniversary")
    if kind == "amount":
        return Discount.of_amount(Money(draw(st.integers(min_value=1, max_value=gross))), "scratch on clasp")
    return None


@st.composite
def sale_lines(draw: st.DrawFn) -> list[CartLine]:
    lines = []
    for n in range(draw(st.integers(min_value=1, max_value=12))):
        unit = draw(unit_prices)
        quantity = draw(st.integers(min_value=1, max_value=5))
        lines.append(sold_line(n, unit, quantity, draw(line_discounts(unit * quantity))))
    return lines


@st.composite
def order_discounts(draw: st.DrawFn, lines: list[CartLine]) -> Discount | None:
    kind = draw(st.sampled_from(["none", "percent", "amount"]))
    if kind == "percent":
        return Discount.of_percent(draw(percents), "loyal customer")
    if kind == "amount":
        # up to a little past the whole sale, so asking for more than there is happens too
        ceiling = sum(line.unit_price.cents * line.quantity for line in lines) + 10_000
        return Discount.of_amount(Money(draw(st.integers(min_value=1, max_value=ceiling))), "round the total")
    return None


@st.composite
def carts(draw: st.DrawFn) -> Cart:
    lines = draw(sale_lines())
    return cart_of(*lines, order_discount=draw(order_discounts(lines)), exempt=draw(st.booleans()))


@st.composite
def return_lines(draw: st.DrawFn) -> list[CartLine]:
    lines = []
    for n in range(draw(st.integers(min_value=1, max_value=3))):
        unit = draw(unit_prices)
        quantity = draw(st.integers(min_value=1, max_value=5))
        net = draw(st.integers(min_value=0, max_value=unit * quantity))
        tax = draw(st.integers(min_value=0, max_value=net // 5))
        lines.append(returned_line(n, unit, quantity, net, tax))
    return lines


# ---------------------------------------------------------------- price(): property tests


@settings(max_examples=200, deadline=None)
@given(cart=carts(), rate=tax_rates)
def test_every_line_is_priced_as_the_rounding_rule_says(cart: Cart, rate: Decimal) -> None:
    priced = price(cart, rate)
    got = [Expected(p.gross.cents, p.line_discount.cents, p.order_discount.cents, p.tax.cents) for p in priced.lines]
    assert got == reference(cart, rate)
    assert [p.line for p in priced.lines] == list(cart.lines)
    assert priced.tax_rate == rate


@settings(max_examples=200, deadline=None)
@given(cart=carts(), rate=tax_rates)
def test_the_sale_figures_are_the_sums_of_its_lines(cart: Cart, rate: Decimal) -> None:
    priced = price(cart, rate)
    assert priced.subtotal == Money(sum(p.gross.cents for p in priced.lines))
    assert priced.discount == Money(sum(p.discount.cents for p in priced.lines))
    assert priced.tax == Money(sum(p.tax.cents for p in priced.lines))
    assert priced.total == Money(sum(p.total.cents for p in priced.lines))
    assert priced.total == priced.subtotal - priced.discount + priced.tax


@settings(max_examples=200, deadline=None)
@given(cart=carts(), rate=tax_rates)
def test_discounts_never_take_a_line_below_zero(cart: Cart, rate: Decimal) -> None:
    for p in price(cart, rate).lines:
        assert 0 <= p.line_discount.cents <= p.gross.cents
        assert 0 <= p.order_discount.cents <= p.gross.cents - p.line_discount.cents
        assert p.net.cents >= 0 and p.tax.cents >= 0


@settings(max_examples=200, deadline=None)
@given(lines=sale_lines(), data=st.data(), rate=tax_rates)
def test_an_order_discount_amount_is_shared_to_the_cent_and_never_beyond_a_line(
        lines: list[CartLine], data: st.DataObject, rate: Decimal) -> None:
    ceiling = sum(line.unit_price.cents * line.quantity for line in lines) + 10_000
    asked = data.draw(st.integers(min_value=1, max_value=ceiling), label="order discount cents")
    cart = cart_of(*lines, order_discount=Discount.of_amount(Money(asked)))
    priced = price(cart, rate)
    base = sum(p.gross.cents - p.line_discount.cents for p in priced.lines)
    shares = [p.order_discount.cents for p in priced.lines]
    assert sum(shares) == min(asked, base)
    for p, part in zip(priced.lines, shares):
        assert 0 <= part <= p.gross.cents - p.line_discount.cents


@settings(max_examples=100, deadline=None)
@given(lines=sale_lines(), data=st.data(), rate=tax_rates)
def test_a_tax_exempt_sale_charges_no_tax_but_keeps_its_discounts(
        lines: list[CartLine], data: st.DataObject, rate: Decimal) -> None:
    order = data.draw(order_discounts(lines), label="order discount")
    taxed = price(cart_of(*lines, order_discount=order), rate)
    exempt = price(cart_of(*lines, order_discount=order, exempt=True), rate)
    assert exempt.tax == Money(0)
    assert all(p.tax == Money(0) for p in exempt.lines)
    assert [p.discount for p in exempt.lines] == [p.discount for p in taxed.lines]
    assert exempt.total == taxed.total - taxed.tax


@settings(max_examples=100, deadline=None)
@given(lines=sale_lines(), returns=return_lines(), data=st.data(), rate=tax_rates, exempt=st.booleans())
def test_returned_lines_refund_what_was_charged_and_leave_the_sold_lines_alone(
        lines: list[CartLine], returns: list[CartLine], data: st.DataObject, rate: Decimal, exempt: bool) -> None:
    order = data.draw(order_discounts(lines), label="order discount")
    # returns anywhere among the sold lines, whose own order stays (it breaks ties in sharing a discount)
    mixed = list(lines)
    for back in returns:
        mixed.insert(data.draw(st.integers(min_value=0, max_value=len(mixed)), label="return at"), back)
    priced = price(cart_of(*mixed, order_discount=order, exempt=exempt), rate)
    alone = price(cart_of(*lines, order_discount=order, exempt=exempt), rate)
    for p in priced.lines:
        if p.line.returned is not None:
            assert p.net == -p.line.returned.net
            assert p.tax == -p.line.returned.tax
            assert p.order_discount == Money(0)
            assert p.gross == p.line.unit_price * p.line.quantity
    by_item = {p.line.item_id: p for p in priced.lines}
    assert [by_item[p.line.item_id] for p in alone.lines] == list(alone.lines)
    refunded = sum((line.returned.net + line.returned.tax for line in returns if line.returned), Money(0))
    assert priced.total == alone.total - refunded
    assert priced.total == priced.subtotal - priced.discount + priced.tax


# ---------------------------------------------------------------- price(): examples a clerk would recognise


def test_tax_rounds_half_a_cent_up_not_to_even() -> None:
    # 40 cents at 6.25% is 2.5 cents: half up gives 3 (banker's rounding would give 2)
    priced = price(cart_of(sold_line(1, 40)), Decimal("6.25"))
    assert priced.tax == Money(3)
    # 8 cents at 6.25% is exactly half a cent
    assert price(cart_of(sold_line(1, 8)), Decimal("6.25")).tax == Money(1)


def test_tax_is_rounded_per_line_then_summed() -> None:
    # each 40-cent line owes 2.5 cents -> 3; taxing the 80-cent sum would give 5
    priced = price(cart_of(sold_line(1, 40), sold_line(2, 40)), Decimal("6.25"))
    assert [p.tax for p in priced.lines] == [Money(3), Money(3)]
    assert priced.tax == Money(6)


def test_a_percent_order_discount_applies_after_each_lines_own_discount() -> None:
    ring = sold_line(1, 120_000, discount=Discount.of_percent(Decimal(10)))  # $1,200.00 less 10% = $1,080.00
    chain = sold_line(2, 33_333)
    priced = price(cart_of(ring, chain, order_discount=Discount.of_percent(Decimal("12.5"))), Decimal("8.875"))
    assert [p.line_discount for p in priced.lines] == [Money(12_000), Money(0)]
    # 12.5% of 108,000 = 13,500; of 33,333 = 4,166.625 -> 4,167
    assert [p.order_discount for p in priced.lines] == [Money(13_500), Money(4_167)]
    # 94,500 x 8.875% = 8,386.875 -> 8,387; 29,166 x 8.875% = 2,588.4825 -> 2,588
    assert [p.tax for p in priced.lines] == [Money(8_387), Money(2_588)]
    assert priced.total == Money(153_333 - 12_000 - 17_667 + 8_387 + 2_588)


def test_an_order_discount_amount_is_split_by_largest_remainder_ties_to_the_earlier_line() -> None:
    lines = [sold_line(n, 10_000) for n in range(3)]
    priced = price(cart_of(*lines, order_discount=Discount.of_amount(Money(100))), Decimal(0))
    assert [p.order_discount.cents for p in priced.lines] == [34, 33, 33]


def test_an_order_discount_amount_larger_than_the_sale_takes_it_to_zero_and_no_further() -> None:
    priced = price(cart_of(sold_line(1, 5_000), sold_line(2, 2_500, 2),
                           order_discount=Discount.of_amount(Money(1_000_000))), Decimal("10.25"))
    assert priced.discount == priced.subtotal == Money(10_000)
    assert priced.tax == Money(0) and priced.total == Money(0)


def test_a_line_discount_amount_above_the_line_takes_only_the_line() -> None:
    priced = price(cart_of(sold_line(1, 1_999, 2, discount=Discount.of_amount(Money(50_000)))), Decimal("6.25"))
    assert priced.lines[0].line_discount == Money(3_998)
    assert priced.total == Money(0)


def test_a_fully_discounted_line_takes_no_share_of_an_order_discount_amount() -> None:
    free = sold_line(1, 5_000, discount=Discount.of_percent(Decimal(100)))
    paid = sold_line(2, 5_000)
    priced = price(cart_of(free, paid, order_discount=Discount.of_amount(Money(1_234))), Decimal(0))
    assert [p.order_discount for p in priced.lines] == [Money(0), Money(1_234)]


def test_an_order_discount_on_a_cart_of_only_returns_discounts_nothing() -> None:
    back = returned_line(1, 50_000, 1, net=45_000, tax=3_994)
    priced = price(cart_of(back, order_discount=Discount.of_amount(Money(500))), Decimal("8.875"))
    assert priced.lines[0].order_discount == Money(0)
    assert priced.total == Money(-(45_000 + 3_994))


def test_an_exchange_charges_the_new_piece_and_refunds_the_old_at_what_it_cost_then() -> None:
    new = sold_line(1, 50_000)  # $500.00 less 10% = $450.00; 8.875% of it is 3,993.75 -> 3,994
    old = returned_line(2, 32_000, 1, net=30_000, tax=2_663)  # sold for $300.00 + $26.63 at an older price and rate
    priced = price(cart_of(new, old, order_discount=Discount.of_percent(Decimal(10))), Decimal("8.875"))
    new_p, old_p = priced.lines
    assert (new_p.order_discount, new_p.net, new_p.tax) == (Money(5_000), Money(45_000), Money(3_994))
    assert (old_p.order_discount, old_p.net, old_p.tax) == (Money(0), Money(-30_000), Money(-2_663))
    assert old_p.gross == Money(-32_000) and old_p.discount == Money(-2_000)
    assert priced.subtotal == Money(50_000 - 32_000)
    assert priced.total == Money(45_000 + 3_994 - 30_000 - 2_663)


def test_returning_a_line_in_parts_through_exchanges_refunds_what_the_sale_charged() -> None:
    original = price(cart_of(sold_line(1, 33_333, 3, discount=Discount.of_percent(Decimal("7.5")))), Decimal("8.875"))
    charged = original.lines[0]
    refunded = Money(0)
    done = 0
    for part in (2, 1):
        net, tax = returned_amounts(line_net=charged.net.cents, line_tax=charged.tax.cents, sold=3,
                                    already_returned=done, returning=part)
        done += part
        exchange = price(cart_of(sold_line(9, 1_000), returned_line(1, 33_333, part, net=net, tax=tax)),
                         Decimal("10.25"))
        refunded += -exchange.lines[1].total
    assert refunded == charged.total


# ---------------------------------------------------------------- share()


weights_lists = st.lists(st.integers(min_value=0, max_value=10**8), min_size=1, max_size=15).filter(lambda w: sum(w) > 0)


@settings(max_examples=200, deadline=None)
@given(weights=weights_lists, data=st.data())
def test_shares_add_up_to_the_amount_exactly_and_stay_within_a_cent_of_proportional(
        weights: list[int], data: st.DataObject) -> None:
    amount = data.draw(st.integers(min_value=0, max_value=sum(weights)), label="amount")
    parts = share(amount, weights)
    assert sum(parts) == amount
    total = sum(weights)
    for part, weight in zip(parts, weights):
        assert abs(part - Fraction(amount * weight, total)) < 1
        assert 0 <= part <= weight
    assert parts == largest_remainder(amount, weights)


@settings(max_examples=200, deadline=None)
@given(weights=weights_lists, data=st.data())
def test_equal_remainders_go_to_the_earlier_line(weights: list[int], data: st.DataObject) -> None:
    amount = data.draw(st.integers(min_value=0, max_value=sum(weights)), label="amount")
    total = sum(weights)
    parts = share(amount, weights)
    extra = [p - amount * w // total for p, w in zip(parts, weights)]
    remainders = [amount * w % total for w in weights]
    for i in range(len(weights)):
        for j in range(i + 1, len(weights)):
            if remainders[i] == remainders[j]:
                assert extra[i] >= extra[j]
    assert share(amount, weights) == parts


@pytest.mark.parametrize(("amount", "weights", "expected"), [
    (1, [1, 1, 1], [1, 0, 0]),
    (2, [1, 1, 1], [1, 1, 0]),
    (2, [5, 5, 5, 5], [1, 1, 0, 0]),
    (100, [1, 2, 3], [17, 33, 50]),
    (7, [0, 3, 0, 4], [0, 3, 0, 4]),
    (0, [10, 20], [0, 0]),
    (50, [0, 0], [0, 0]),
])
def test_share_examples(amount: int, weights: list[int], expected: list[int]) -> None:
    assert share(amount, weights) == expected


# ---------------------------------------------------------------- returned_amounts()


@st.composite
def splits(draw: st.DrawFn) -> list[int]:
    """A way of returning every unit of a line: e.g. 5 units as [2, 1, 2]."""
    sold = draw(st.integers(min_value=1, max_value=12))
    parts, left = [], sold
    while left:
        part = draw(st.integers(min_value=1, max_value=left))
        parts.append(part)
        left -= part
    return parts


@settings(max_examples=200, deadline=None)
@given(parts=splits(), net=st.integers(min_value=0, max_value=5 * MAX_UNIT_CENTS),
       tax=st.integers(min_value=0, max_value=MAX_UNIT_CENTS))
def test_returning_every_unit_in_any_split_refunds_exactly_the_line_and_never_more(
        parts: list[int], net: int, tax: int) -> None:
    sold = sum(parts)
    done = refunded_net = refunded_tax = 0
    for part in parts:
        got_net, got_tax = returned_amounts(line_net=net, line_tax=tax, sold=sold, already_returned=done,
                                            returning=part)
        assert got_net >= 0 and got_tax >= 0
        done += part
        refunded_net += got_net
        refunded_tax += got_tax
        assert refunded_net <= net and refunded_tax <= tax
        # at every step the refund so far is the returned fraction of the line, rounded half up
        assert refunded_net == round_half_up(Fraction(net * done, sold))
        assert refunded_tax == round_half_up(Fraction(tax * done, sold))
    assert (refunded_net, refunded_tax) == (net, tax)


def test_three_returns_of_one_unit_refund_a_line_that_does_not_divide_evenly() -> None:
    refunds = [returned_amounts(line_net=10_000, line_tax=888, sold=3, already_returned=k, returning=1)
               for k in range(3)]
    assert refunds == [(3_333, 296), (3_334, 296), (3_333, 296)]


@pytest.mark.parametrize(("already_returned", "returning", "message"), [
    (0, 6, "only 5 of 5 can still be returned"),
    (3, 3, "only 2 of 5 can still be returned"),
    (5, 1, "only 0 of 5 can still be returned"),
    (0, 0, "only 5 of 5 can still be returned"),
    (2, -1, "only 3 of 5 can still be returned"),
])
def test_returning_more_than_is_left_is_refused_naming_the_quantity(
        already_returned: int, returning: int, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        returned_amounts(line_net=50_000, line_tax=4_438, sold=5, already_returned=already_returned,
                         returning=returning)
    assert refused.value.field == "quantity"
    assert str(refused.value) == f"quantity: {message}"


# ---------------------------------------------------------------- discounts


@pytest.mark.parametrize(("percent", "problem"), [
    ("0", "a percentage must be more than 0 and at most 100"),
    ("-5", "a percentage must be more than 0 and at most 100"),
    ("100.01", "a percentage must be more than 0 and at most 100"),
    ("101", "a percentage must be more than 0 and at most 100"),
    ("NaN", "a percentage must be more than 0 and at most 100"),
    ("Infinity", "a percentage must be more than 0 and at most 100"),
    ("12.345", "a percentage has at most two decimals"),
    ("0.001", "a percentage has at most two decimals"),
])
def test_a_percentage_off_outside_0_to_100_or_with_three_decimals_is_refused(percent: str, problem: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Discount.of_percent(Decimal(percent))
    assert (refused.value.field, refused.value.problem) == ("discount", problem)


def test_a_refused_percentage_names_the_field_the_clerk_typed_it_in() -> None:
    with pytest.raises(ValidationError, match=r"^order_discount: a percentage must be more than 0"):
        Discount.of_percent(Decimal(0), field="order_discount")


@pytest.mark.parametrize("percent", ["0.01", "10", "12.5", "12.50", "99.99", "100", "1E+2"])
def test_a_percentage_from_a_hundredth_to_a_hundred_is_accepted(percent: str) -> None:
    discount = Discount.of_percent(Decimal(percent), "anniversary")
    assert discount.kind is DiscountKind.PERCENT
    assert discount.percent == Decimal(percent)
    assert discount.reason == "anniversary"
    assert discount.amount is None


@pytest.mark.parametrize("cents", [0, -1, -10_000])
def test_an_amount_off_of_zero_or_less_is_refused(cents: int) -> None:
    with pytest.raises(ValidationError) as refused:
        Discount.of_amount(Money(cents), field="line_discount")
    assert str(refused.value) == "line_discount: an amount off must be more than zero"


def test_discounts_describe_themselves_as_a_receipt_prints_them() -> None:
    assert Discount.of_percent(Decimal("12.50")).describe() == "12.5% off"
    assert Discount.of_percent(Decimal("100")).describe() == "100% off"
    assert Discount.of_amount(Money(2_500)).describe() == "25.00 off"


def test_an_amount_off_takes_at_most_what_it_is_taken_from() -> None:
    discount = Discount.of_amount(Money(5_000))
    assert discount.off(Money(20_000)) == Money(5_000)
    assert discount.off(Money(3_000)) == Money(3_000)
    assert discount.off(Money(-3_000)) == Money(0)


# ---------------------------------------------------------------- tenders


def test_cash_over_what_is_due_applies_what_is_due_and_gives_change() -> None:
    tender = cash_tender(Money(12_345), Money(20_000))
    assert tender.kind is TenderKind.CASH
    assert (tender.amount, tender.tendered, tender.change) == (Money(12_345), Money(20_000), Money(7_655))
    assert balance_due(Money(12_345), [tender]) == Money(0)


def test_cash_under_what_is_due_applies_all_of_it_and_leaves_a_balance() -> None:
    tender = cash_tender(Money(12_345), Money(10_000))
    assert (tender.amount, tender.change) == (Money(10_000), Money(0))
    assert balance_due(Money(12_345), [tender]) == Money(2_345)


def test_exact_cash_gives_no_change() -> None:
    tender = cash_tender(Money(9_999), Money(9_999))
    assert tender.change == Money(0)


@pytest.mark.parametrize(("due", "tendered", "problem"), [
    (0, 5_000, "nothing is left to pay"),
    (-2_500, 5_000, "nothing is left to pay"),
    (5_000, 0, "enter the amount the customer hands over"),
    (5_000, -100, "enter the amount the customer hands over"),
])
def test_cash_is_refused_when_nothing_is_due_or_nothing_is_handed_over(due: int, tendered: int, problem: str) -> None:
    with pytest.raises(ValidationError) as refused:
        cash_tender(Money(due), Money(tendered))
    assert (refused.value.field, refused.value.problem) == ("cash", problem)


def test_the_balance_is_the_total_less_every_tender_and_negative_when_owed_to_the_customer() -> None:
    card = Tender(TenderKind.CARD, Money(30_000), payment_intent_id="pi_1")
    credit = Tender(TenderKind.STORE_CREDIT, Money(5_000))
    assert balance_due(Money(50_000), []) == Money(50_000)
    assert balance_due(Money(50_000), [card, credit]) == Money(15_000)
    assert balance_due(Money(20_000), [card]) == Money(-10_000)
    refund = Tender(TenderKind.CARD, Money(-7_500), refund_id="re_1")
    assert balance_due(Money(-7_500), [refund]) == Money(0)
    assert balance_due(Money(-7_500), []) == Money(-7_500)


def test_a_card_or_store_credit_tender_has_no_change() -> None:
    assert Tender(TenderKind.CARD, Money(1_000)).change == Money(0)
    assert Tender(TenderKind.STORE_CREDIT, Money(1_000, "JPY")).change == Money(0, "JPY")
    assert [kind.label for kind in TenderKind] == ["Cash", "Card", "Store credit"]


# ---------------------------------------------------------------- JSON (parked carts, tenders in progress)


def through_json(data: dict[str, object]) -> dict[str, object]:
    loaded = json.loads(json.dumps(data))
    assert isinstance(loaded, dict)
    return loaded


text = st.text(max_size=30)
optional_text = st.none() | st.text(min_size=1, max_size=20)


@st.composite
def parked_carts(draw: st.DrawFn) -> Cart:
    currency = draw(st.sampled_from(["USD", "EUR", "JPY"]))

    def discount(gross: int) -> st.SearchStrategy[Discount | None]:
        return st.none() | st.builds(Discount.of_percent, percents, text) | st.builds(
            Discount.of_amount, st.integers(min_value=1, max_value=max(gross, 1)).map(lambda c: Money(c, currency)),
            text)

    lines = []
    for n in range(draw(st.integers(min_value=0, max_value=6))):
        unit = draw(unit_prices)
        quantity = draw(st.integers(min_value=1, max_value=5))
        is_return = draw(st.booleans())
        returned = None
        if is_return:
            net = draw(st.integers(min_value=0, max_value=unit * quantity))
            returned = ReturnedAmounts(net=Money(net, currency), tax=Money(draw(st.integers(0, net)), currency),
                                       original_line_id=draw(text), original_sale_number=draw(text))
        lines.append(CartLine(
            item_id=f"item-{n}", sku=draw(text), description=draw(text),
            quantity=-quantity if is_return else quantity,
            unit_price=Money(unit, currency), list_price=Money(draw(unit_prices), currency),
            unique=draw(st.booleans()), discount=None if is_return else draw(discount(unit * quantity)),
            override_reason=draw(text), approved_by=draw(optional_text), returned=returned))
    exempt_number = draw(text)
    return Cart(currency=currency, lines=tuple(lines), order_discount=draw(discount(10**9)),
                order_discount_approved_by=draw(optional_text), customer_id=draw(optional_text),
                customer_name=draw(text), tax_exempt_reason=draw(text) if exempt_number else "",
                tax_exempt_number=exempt_number)


@settings(max_examples=150, deadline=None)
@given(cart=parked_carts())
def test_a_parked_cart_comes_back_from_json_unchanged(cart: Cart) -> None:
    restored = cart_from_dict(through_json(cart_to_dict(cart)))
    assert restored == cart
    assert price(restored, Decimal("8.875")) == price(cart, Decimal("8.875"))


def test_a_parked_cart_with_a_return_and_both_kinds_of_discount_comes_back_unchanged() -> None:
    cart = cart_of(
        sold_line(1, 129_900, discount=Discount.of_percent(Decimal("12.50"), "anniversary")),
        sold_line(2, 4_500, 3, discount=Discount.of_amount(Money(1_000), "display piece")),
        returned_line(3, 80_000, 1, net=72_000, tax=6_390),
        order_discount=Discount.of_amount(Money(2_500), "rounded"), exempt=True)
    restored = cart_from_dict(through_json(cart_to_dict(cart)))
    assert restored == cart
    assert restored.lines[0].discount == Discount(DiscountKind.PERCENT, percent=Decimal("12.5"), reason="anniversary")
    assert restored.lines[2].returned == cart.lines[2].returned
    assert restored.tax_exempt


def test_an_empty_cart_comes_back_empty() -> None:
    restored = cart_from_dict(through_json(cart_to_dict(Cart())))
    assert restored == Cart() and restored.is_empty


tenders = st.builds(
    Tender,
    kind=st.sampled_from(list(TenderKind)),
    amount=st.integers(min_value=-10**9, max_value=10**9).map(Money),
    tendered=st.none() | st.integers(min_value=1, max_value=10**9).map(Money),
    payment_intent_id=optional_text, card_brand=optional_text, card_last4=st.none() | st.from_regex(r"\d{4}", fullmatch=True),
    refund_id=optional_text,
)


@settings(max_examples=150, deadline=None)
@given(tender=tenders)
def test_a_tender_comes_back_from_the_payment_journal_unchanged(tender: Tender) -> None:
    assert tender_from_dict(through_json(tender_to_dict(tender)), "USD") == tender


def test_a_cash_tender_and_a_card_refund_come_back_unchanged() -> None:
    cash = cash_tender(Money(12_345), Money(20_000))
    refund = Tender(TenderKind.CARD, Money(-7_500), payment_intent_id="pi_3Nx", card_brand="visa",
                    card_last4="4242", refund_id="re_9Qa")
    assert tender_from_dict(through_json(tender_to_dict(cash)), "USD") == cash
    assert tender_from_dict(through_json(tender_to_dict(refund)), "USD") == refund
    assert tender_from_dict(through_json(tender_to_dict(cash)), "USD").change == Money(7_655)
