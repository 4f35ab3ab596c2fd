"""Money: integer minor units, what people type, one rounding rule, Babel display."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.domain.money import Money, format_money, minor_digits, parse_money, percent_of

CURRENCIES = st.sampled_from(["USD", "EUR", "GBP", "JPY", "KRW", "BHD", "KWD"])


# --- parsing what people type ------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("1234.5", 123450),
        ("1234.50", 123450),
        ("1,234.50", 123450),
        ("$1,234.50", 123450),
        ("$99", 9900),
        ("  $ 99.00  ", 9900),
        ("€10.5", 1050),
        ("£0.05", 5),
        ("0", 0),
        ("12,500", 1250000),
    ],
)
def test_reads_amounts_the_way_people_type_them(typed: str, cents: int) -> None:
    assert parse_money(typed) == Money(cents, "USD")


def test_trailing_zeros_are_not_extra_decimal_places() -> None:
    assert parse_money("10.500") == Money(1050, "USD")


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("$", "is empty"),
        ("abc", "is not an amount"),
        ("12.5x", "is not an amount"),
        ("1.2.3", "is not an amount"),
        ("ten dollars", "is not an amount"),
        ("-5", "cannot be negative"),
        ("$-5.00", "cannot be negative"),
        ("10.005", "has more than 2 decimal places"),
        ("1,234.567", "has more than 2 decimal places"),
    ],
)
def test_refuses_what_is_not_a_usable_amount(typed: str, problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_money(typed)
    assert problem in caught.value.problem


def test_names_the_field_in_the_refusal_so_a_form_can_highlight_it() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_money("twelve", field="price")
    assert caught.value.field == "price"
    assert str(caught.value).startswith("price: ")
    assert "'twelve'" in str(caught.value)
    assert isinstance(caught.value, UserFacingError)


def test_refuses_price_with_more_decimals_than_the_currency_has() -> None:
    with pytest.raises(ValidationError, match="more than 0 decimal places"):
        parse_money("1500.5", "JPY")
    with pytest.raises(ValidationError, match="more than 3 decimal places"):
        parse_money("1.2345", "BHD")


def test_refuses_a_long_typo_instead_of_rounding_it_away() -> None:
    # Thirty significant digits: more than Decimal's default precision holds.
    with pytest.raises(ValidationError, match="more than 2 decimal places"):
        parse_money("10.0000000000000000000000000001")


def test_keeps_every_digit_of_the_largest_amount_it_accepts() -> None:
    assert parse_money("999999999.99") == Money(99_999_999_999, "USD")


def test_refuses_an_amount_over_a_billion_as_a_likely_typo() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_money("1000000000.01", field="price")
    assert caught.value.field == "price"


@pytest.mark.parametrize("typed", ["12,50", "1,2,3", "1234,5", "12,5000.00"])
def test_refuses_a_comma_that_is_not_a_thousands_separator(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_money(typed, field="price")
    assert "point for decimals" in caught.value.problem


@pytest.mark.parametrize(
    ("typed", "currency", "money"),
    [
        ("1500", "JPY", Money(1500, "JPY")),
        ("1,500", "KRW", Money(1500, "KRW")),
        ("1.234", "BHD", Money(1234, "BHD")),
        ("12.34", "EUR", Money(1234, "EUR")),
    ],
)
def test_reads_amounts_in_the_currencys_own_minor_units(typed: str, currency: str, money: Money) -> None:
    assert parse_money(typed, currency) == money


def test_knows_the_minor_digits_of_the_stores_currencies() -> None:
    assert [minor_digits(c) for c in ("USD", "EUR", "JPY", "krw", "BHD", "KWD")] == [2, 2, 0, 0, 3, 3]


# --- arithmetic ----------------------------------------------------------------


def test_adds_subtracts_and_multiplies_by_quantity_in_cents() -> None:
    necklace = Money(125000, "USD")
    chain = Money(9950, "USD")
    assert necklace + chain == Money(134950, "USD")
    assert necklace - chain == Money(115050, "USD")
    assert chain * 3 == Money(29850, "USD")
    assert -chain == Money(-9950, "USD")
    assert Money.zero() == Money(0, "USD")
    assert Money.zero("EUR") == Money(0, "EUR")


@pytest.mark.parametrize("operation", [lambda a, b: a + b, lambda a, b: a - b])
def test_refuses_to_mix_two_currencies(operation) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="cannot mix USD and EUR"):
        operation(Money(100, "USD"), Money(100, "EUR"))


@pytest.mark.parametrize("cents", [1.5, 100.0, Decimal("100"), "100", True])
def test_holds_only_whole_minor_units_never_a_float(cents: object) -> None:
    with pytest.raises(TypeError):
        Money(cents)  # type: ignore[arg-type]


def test_refuses_a_fractional_quantity() -> None:
    with pytest.raises(TypeError):
        Money(1000, "USD") * 1.5  # type: ignore[operator]


def test_amount_is_the_exact_decimal_in_major_units() -> None:
    assert Money(123450, "USD").amount == Decimal("1234.50")
    assert Money(1500, "JPY").amount == Decimal("1500")
    assert Money(1234, "BHD").amount == Decimal("1.234")


# --- plain text for files ------------------------------------------------------------


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(123450, "USD"), "1234.50"),
        (Money(123456789, "USD"), "1234567.89"),
        (Money(5, "USD"), "0.05"),
        (Money(0, "USD"), "0.00"),
        (Money(-250, "USD"), "-2.50"),
        (Money(1500, "JPY"), "1500"),
        (Money(1234, "BHD"), "1.234"),
    ],
)
def test_plain_text_has_no_symbol_no_grouping_and_the_currencys_decimals(money: Money, text: str) -> None:
    assert money.plain() == text


@given(cents=st.integers(min_value=0, max_value=10**9), currency=CURRENCIES)
def test_an_exported_amount_reads_back_as_the_same_money(cents: int, currency: str) -> None:
    money = Money(cents, currency)
    assert parse_money(money.plain(), currency) == money


# --- the one rounding rule ---------------------------------------------------------


@pytest.mark.parametrize(
    ("cents", "percent", "expected"),
    [
        (1000, "8.875", 89),  # 88.75 rounds up
        (250, "1", 3),  # 2.5: half up, not half even
        (50, "1", 1),  # 0.5: half up, not half even
        (1044, "10", 104),  # 104.4 rounds down
        (1049, "10", 105),  # 104.9 rounds up
        (100000, "6.25", 6250),  # exact
        (100000, "0", 0),
    ],
)
def test_percent_of_rounds_half_up_to_the_cent(cents: int, percent: str, expected: int) -> None:
    assert percent_of(Money(cents, "USD"), Decimal(percent)) == Money(expected, "USD")


def test_percent_of_keeps_the_currency() -> None:
    assert percent_of(Money(1000, "JPY"), Decimal("10")) == Money(100, "JPY")


@given(
    cents=st.integers(min_value=0, max_value=100_000_000_000),
    percent=st.decimals(min_value=0, max_value=100, places=4),
)
def test_a_refunds_percentage_mirrors_the_sales_to_the_cent(cents: int, percent: Decimal) -> None:
    sale = Money(cents, "USD")
    assert percent_of(-sale, percent) == -percent_of(sale, percent)


# --- display through Babel -----------------------------------------------------------


def test_formats_dollars_for_a_us_store() -> None:
    assert format_money(Money(123450, "USD")) == "$1,234.50"
    assert format_money(Money(5, "USD"), "en_US") == "$0.05"


def test_formats_with_the_locales_separators_and_symbol() -> None:
    text = format_money(Money(123450, "EUR"), "de_DE")
    assert "1.234,50" in text
    assert "€" in text


def test_formats_yen_without_decimals() -> None:
    text = format_money(Money(123400, "JPY"), "ja_JP")
    assert "123,400" in text
    assert "." not in text


@given(cents=st.integers(min_value=0, max_value=100_000_000_000))
def test_an_amount_copied_from_a_us_screen_reads_back_the_same(cents: int) -> None:
    money = Money(cents, "USD")
    assert parse_money(format_money(money, "en_US")) == money
