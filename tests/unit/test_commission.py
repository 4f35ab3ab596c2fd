"""Salespeople's shares of a sale and the commission rules (`domain/commission.py`), by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos_app.domain.cart import Cart, cart_from_dict, cart_to_dict
from pos_app.domain.commission import (
    Basis,
    CommissionRule,
    Credit,
    check_slices,
    commission,
    credits_of,
    equal_shares,
    parse_aging_months,
    parse_rules,
    parse_share,
    rule_for,
    rules_text,
    sold_by,
)
from pos_app.domain.errors import ValidationError
from pos_app.domain.figures import split


def test_shares_become_consecutive_slices_of_ten_thousand_basis_points() -> None:
    credits = credits_of([("ann", 6000), ("ben", 4000)], names={"ann": "Ann", "ben": "Ben"})
    assert credits == (Credit("ann", 0, 6000, "Ann"), Credit("ben", 6000, 10000, "Ben"))
    assert sold_by(credits) == "Ann 60%, Ben 40%"


def test_equal_shares_give_the_remainder_to_the_first() -> None:
    assert equal_shares(1) == [10000]
    assert equal_shares(2) == [5000, 5000]
    assert equal_shares(3) == [3400, 3300, 3300]
    assert equal_shares(4) == [2500] * 4


@pytest.mark.parametrize(("picks", "problem"), [
    ([], "at least one"),
    ([("a", 2000), ("b", 2000), ("c", 2000), ("d", 2000), ("e", 2000)], "at most 4"),
    ([("a", 5000), ("b", 4000)], "add up to 90%, not 100%"),
    ([("a", 5000), ("a", 5000)], "named twice"),
    ([("a", 10000), ("b", 0)], "more than 0%"),
])
def test_refuses_bad_salespeople_naming_the_field(picks: list[tuple[str, int]], problem: str) -> None:
    with pytest.raises(ValidationError) as refused:
        credits_of(picks)
    assert refused.value.field == "salespeople" and problem in refused.value.problem


@pytest.mark.parametrize(("text", "bp"), [("60", 6000), ("33.34%", 3334), (" 100 ", 10000), ("0.01", 1)])
def test_a_share_is_typed_in_percent_with_up_to_two_decimals(text: str, bp: int) -> None:
    assert parse_share(text) == bp


@pytest.mark.parametrize("text", ["", "abc", "0", "101", "33.333", "-5", "nan"])
def test_a_bad_share_is_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_share(text, field="share of Ann")


def test_stored_slices_must_be_consecutive() -> None:
    check_slices((Credit("a", 0, 5000), Credit("b", 5000, 10000)))
    with pytest.raises(ValidationError, match="consecutive"):
        check_slices((Credit("a", 0, 4000), Credit("b", 5000, 10000), Credit("c", 4000, 5000)))


@given(st.integers(-10**9, 10**9), st.lists(st.integers(1, 100), min_size=1, max_size=4))
def test_the_slices_divide_any_amount_exactly(cents: int, weights: list[int]) -> None:
    total = sum(weights)
    shares = [w * 10000 // total for w in weights]
    shares[0] += 10000 - sum(shares)
    if any(s <= 0 for s in shares):
        return
    credits = credits_of([(f"p{i}", s) for i, s in enumerate(shares)])
    assert sum(split(cents, c.share_from_bp, c.share_to_bp) for c in credits) == cents


def test_the_cart_and_its_journal_keep_the_salespeople() -> None:
    credits = credits_of([("ann", 6000), ("ben", 4000)], names={"ann": "Ann", "ben": "Ben"})
    cart = Cart().with_salespeople(credits)
    assert cart_from_dict(cart_to_dict(cart)).salespeople == credits
    assert "salespeople" not in cart_to_dict(Cart())  # a cart nobody shared stores as before


def test_commission_rules_read_from_text_and_json() -> None:
    rules = parse_rules("all: 5% of sales; tennis: 12.5% of margin\nhalo: 0% of sales")
    assert rules == (CommissionRule(None, Basis.SALES, Decimal("5.00")),
                     CommissionRule("tennis", Basis.MARGIN, Decimal("12.50")),
                     CommissionRule("halo", Basis.SALES, Decimal("0.00")))
    assert parse_rules([r.to_dict() for r in rules]) == rules
    assert parse_rules(rules_text(rules)) == rules
    assert rules_text(rules).splitlines()[1] == "tennis: 12.5% of margin"
    assert parse_rules("") == ()


@pytest.mark.parametrize(("text", "problem"), [
    ("all 5% of sales", "reads STYLE"),
    ("all: 5%", "what it is a percent of"),
    ("bracelet: 5% of sales", "not a style"),
    ("all: 5% of revenue", "not a basis"),
    ("all: 101% of sales", "from 0% to 100%"),
    ("all: 2.125% of sales", "two decimals"),
    ("tennis: 5% of sales; tennis: 6% of margin", "has a rule already"),
])
def test_bad_commission_rules_are_refused_naming_the_rule(text: str, problem: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_rules(text)
    assert refused.value.field.startswith("reports.commission_rules (rule ") and problem in refused.value.problem


def test_a_style_rule_beats_the_rule_for_all_styles() -> None:
    rules = parse_rules("all: 5% of sales; tennis: 10% of margin")
    assert rule_for("tennis", rules) == rules[1]
    assert rule_for("halo", rules) == rules[0]
    assert rule_for("halo", parse_rules("tennis: 10% of margin")) is None


def test_commission_is_rounded_half_up_per_style_then_summed() -> None:
    rules = parse_rules("all: 2.5% of sales; tennis: 12.5% of margin")
    by_style = {
        "halo": (100_010, 40_000),  # 2.5% of $1,000.10 = 2,500.25 -> 2,500
        "bezel": (100_020, 40_000),  # 2.5% of $1,000.20 = 2,500.50 -> 2,501 (half up)
        "tennis": (500_000, 200_004),  # 12.5% of $2,000.04 margin = 25,000.50 -> 25,001
        "solitaire": (-10_020, -4_000),  # returns outweighed: 2.5% of -$100.20 = -250.5 -> -251 (away from zero)
    }
    assert commission(by_style, rules) == 2_500 + 2_501 + 25_001 - 251
    assert commission(by_style, ()) == 0


def test_aging_cut_offs_are_ascending_whole_months() -> None:
    assert parse_aging_months("6, 12") == [6, 12]
    assert parse_aging_months([3, 6, 12]) == [3, 6, 12]
    assert parse_aging_months("[6, 18]") == [6, 18]
    for bad in ("12, 6", "6, 6", "0", "six", "", "1,2,3,4,5,6", "6.5", "121"):
        with pytest.raises(ValidationError) as refused:
            parse_aging_months(bad)
        assert refused.value.field == "reports.aging_months"
