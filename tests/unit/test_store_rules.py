"""The store profile's checks and the store's "today"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from pos_app.domain.errors import ValidationError
from pos_app.domain.store import (
    check_currency,
    check_email,
    check_locale,
    check_phone,
    check_tax_rate,
    check_timezone,
    required,
    store_today,
)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


# --- timezone ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "zone"),
    [("America/New_York", "America/New_York"), ("  Europe/Paris ", "Europe/Paris"), ("Asia/Tokyo", "Asia/Tokyo"), ("UTC", "UTC")],
)
def test_accepts_a_time_zone_name(typed: str, zone: str) -> None:
    assert check_timezone(typed) == zone


@pytest.mark.parametrize("typed", ["Mars/Olympus_Mons", "America", "Eastern", "../etc/passwd", "/etc/localtime", "+05:00"])
def test_refuses_what_is_not_a_time_zone_name(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_timezone(typed)
    assert caught.value.field == "timezone"
    assert "America/New_York" in caught.value.problem


def test_requires_a_time_zone() -> None:
    with pytest.raises(ValidationError, match="timezone: is required"):
        check_timezone("   ")


# --- what day it is at the store -------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "moment", "day"),
    [
        # New York in winter is UTC-5: 03:30 UTC on 1 March is still 28 February.
        ("America/New_York", utc(2026, 3, 1, 3, 30), dt.date(2026, 2, 28)),
        ("America/New_York", utc(2026, 3, 1, 4, 59, 59), dt.date(2026, 2, 28)),
        ("America/New_York", utc(2026, 3, 1, 5, 0), dt.date(2026, 3, 1)),
        # After the clocks go forward (8 March 2026) New York is UTC-4.
        ("America/New_York", utc(2026, 3, 9, 4, 30), dt.date(2026, 3, 9)),
        ("America/New_York", utc(2026, 3, 9, 3, 30), dt.date(2026, 3, 8)),
        # Tokyo is UTC+9: 15:00 UTC is already tomorrow there.
        ("Asia/Tokyo", utc(2026, 2, 28, 14, 59), dt.date(2026, 2, 28)),
        ("Asia/Tokyo", utc(2026, 2, 28, 15, 0), dt.date(2026, 3, 1)),
        ("UTC", utc(2026, 12, 31, 23, 59, 59), dt.date(2026, 12, 31)),
        # A New Year's Eve sale in Los Angeles is on last year's books.
        ("America/Los_Angeles", utc(2027, 1, 1, 7, 59), dt.date(2026, 12, 31)),
    ],
)
def test_today_is_the_date_on_the_stores_clock(zone: str, moment: dt.datetime, day: dt.date) -> None:
    assert store_today(zone, moment) == day


def test_today_reads_the_clock_when_no_moment_is_given() -> None:
    with time_machine.travel(utc(2026, 1, 1, 2, 0), tick=False):
        assert store_today("America/Chicago") == dt.date(2025, 12, 31)
        assert store_today("Europe/Berlin") == dt.date(2026, 1, 1)


# --- currency -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "code"), [("USD", "USD"), (" usd ", "USD"), ("eur", "EUR"), ("JPY", "JPY")])
def test_accepts_a_three_letter_currency_code_in_capitals(typed: str, code: str) -> None:
    assert check_currency(typed) == code


@pytest.mark.parametrize("typed", ["", "US", "USDX", "$", "US$", "12A", "dollars"])
def test_refuses_what_is_not_a_currency_code(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_currency(typed)
    assert caught.value.field == "currency"
    assert "three-letter currency code" in caught.value.problem


# --- tax rate ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "rate"),
    [
        ("8.875", "8.875"),
        ("8.875%", "8.875"),
        (" 6.25 % ", "6.25"),
        ("7.0", "7"),
        ("0", "0"),
        ("0.00", "0"),
        ("0.0001", "0.0001"),
        ("10", "10"),
        ("20", "20"),
        ("30", "30"),
        ("30.0000", "30"),
    ],
)
def test_keeps_the_tax_rate_as_plain_percent_text(typed: str, rate: str) -> None:
    assert check_tax_rate(typed) == rate


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("30.0001", "between 0 and 30 percent"),
        ("-1", "between 0 and 30 percent"),
        ("100%", "between 0 and 30 percent"),
        ("NaN", "between 0 and 30 percent"),
        ("Infinity", "between 0 and 30 percent"),
        ("8.87501", "more than 4 decimal places"),
        ("eight", "is not a percentage"),
        ("", "is not a percentage"),
        ("8,875", "is not a percentage"),
    ],
)
def test_refuses_a_tax_rate_that_cannot_be(typed: str, problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_tax_rate(typed)
    assert caught.value.field == "tax_rate"
    assert problem in caught.value.problem


@given(rate=st.decimals(min_value=0, max_value=30, places=4))
def test_any_rate_up_to_four_decimals_is_kept_exactly_as_plain_digits(rate: Decimal) -> None:
    kept = check_tax_rate(f"{rate}%")
    assert Decimal(kept) == rate
    assert set(kept) <= set("0123456789.")
    assert check_tax_rate(kept) == kept


# --- email --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "email"),
    [
        ("shop@test-jewelers.com", "shop@test-jewelers.com"),
        ("  Shop@Test-Jewelers.COM ", "Shop@test-jewelers.com"),
        ("o'neil+rings@example.com", "o'neil+rings@example.com"),
    ],
)
def test_accepts_an_email_address_normalizing_the_domain(typed: str, email: str) -> None:
    assert check_email(typed) == email


def test_does_not_check_that_the_mailbox_exists() -> None:
    # A counter may be offline; a made-up domain is a shape question only.
    assert check_email("bride@no-such-domain-facet-7q.com") == "bride@no-such-domain-facet-7q.com"


@pytest.mark.parametrize("typed", ["", "shop", "shop@", "@example.com", "shop@example", "two@@example.com", "sp ace@example.com"])
def test_refuses_what_is_not_an_email_address(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_email(typed, field="privacy_contact")
    assert caught.value.field == "privacy_contact"
    assert caught.value.problem


# --- phone ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "region", "e164"),
    [
        ("(212) 555-0123", "US", "+12125550123"),
        ("212.555.0123", "US", "+12125550123"),
        ("1-212-555-0123", "US", "+12125550123"),
        ("+1 217 555 0123", "US", "+12175550123"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
    ],
)
def test_keeps_a_phone_number_in_e164(typed: str, region: str, e164: str) -> None:
    assert check_phone(typed, region=region) == e164


@pytest.mark.parametrize("typed", ["", "call me", "123", "555-0123", "020 7946 0958", "+1 212 555 01234567"])
def test_refuses_a_number_no_one_could_dial_from_its_e164_form(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_phone(typed)
    assert caught.value.field == "phone"


# --- required text ------------------------------------------------------------------------------


def test_required_text_is_trimmed() -> None:
    assert required({"name": "  Test Jewelers "}, "name") == "Test Jewelers"


@pytest.mark.parametrize("raw", [{}, {"name": ""}, {"name": "   "}])
def test_refuses_missing_required_text(raw: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="name: is required"):
        required(raw, "name")


def test_refuses_required_text_over_its_limit() -> None:
    assert required({"name": "N" * 120}, "name") == "N" * 120
    with pytest.raises(ValidationError, match="longer than 120 characters"):
        required({"name": "N" * 121}, "name")
    with pytest.raises(ValidationError, match="longer than 10 characters"):
        required({"footer": "F" * 11}, "footer", limit=10)


@pytest.mark.parametrize(("typed", "kept"), [("en_US", "en_US"), ("en-US", "en_US"), ("fr_CA", "fr_CA"), ("en_US.UTF-8", "en_US")])
def test_accepts_a_locale_babel_knows(typed: str, kept: str) -> None:
    assert check_locale(typed) == kept


@pytest.mark.parametrize("typed", ["xx_YY", "english", "123"])
def test_refuses_a_locale_that_would_break_price_display_later(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_locale(typed)
    assert caught.value.field == "locale"
