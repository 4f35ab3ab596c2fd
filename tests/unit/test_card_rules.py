"""Stripe's card amount limits and a chip receipt's fields, as plain rules (no Stripe)."""

from __future__ import annotations

import pytest

from pos_app.domain.errors import ValidationError
from pos_app.domain.money import Money
from pos_app.domain.payments import STRIPE_MAXIMUM_CHARGE, STRIPE_MINIMUM_CHARGE, EmvReceipt, check_card_amount


@pytest.mark.parametrize("cents", [50, 125_000, 99_999_999])
def test_card_amounts_within_stripes_limits_pass(cents: int) -> None:
    assert STRIPE_MINIMUM_CHARGE["USD"] <= cents <= STRIPE_MAXIMUM_CHARGE
    check_card_amount(Money(cents, "USD"))  # raises ValidationError when refused


@pytest.mark.parametrize(("cents", "words"), [
    (25, "$0.25 is too small for a card: Stripe takes card payments from $0.50 to $999,999.99"),
    (49, "$0.49 is too small"),
    (100_000_000, "$1,000,000.00 is more than Stripe takes in one card payment ($999,999.99)"),
])
def test_card_amounts_outside_stripes_limits_name_the_field_and_the_limits(cents: int, words: str) -> None:
    with pytest.raises(ValidationError) as refused:
        check_card_amount(Money(cents, "USD"))
    assert refused.value.field == "card amount" and words in str(refused.value)


def test_a_currency_without_a_known_minimum_is_left_to_stripe() -> None:
    assert "JPY" not in STRIPE_MINIMUM_CHARGE
    check_card_amount(Money(1, "JPY"))  # no minimum of ours: passes
    with pytest.raises(ValidationError, match="more than Stripe takes"):  # the maximum still holds
        check_card_amount(Money(STRIPE_MAXIMUM_CHARGE + 1, "JPY"))


def test_the_chip_receipt_fields_come_from_stripes_names_and_print_in_order() -> None:
    emv = EmvReceipt.from_stripe({
        "application_preferred_name": "Visa Credit", "dedicated_file_name": "A0000000031010",
        "account_type": "credit", "authorization_response_code": "3030", "authorization_code": "123456",
        "application_cryptogram": "0E2B5F1F0C1A2B3C", "terminal_verification_results": "0000000000",
        "transaction_status_information": "0000", "cardholder_verification_method": "offline_pin",
        "not_a_receipt_field": "ignored"})
    assert emv is not None
    assert emv.lines() == [("Application", "Visa Credit"), ("AID", "A0000000031010"), ("Account", "Credit"),
                           ("ARC", "3030"), ("Auth code", "123456"), ("Cryptogram", "0E2B5F1F0C1A2B3C"),
                           ("TVR", "0000000000"), ("TSI", "0000"), ("Verified by", "PIN verified")]
    assert EmvReceipt.from_dict(emv.to_dict()) == emv


def test_a_charge_without_chip_data_has_no_receipt_fields() -> None:
    assert EmvReceipt.from_stripe(None) is None
    assert EmvReceipt.from_stripe({"application_preferred_name": None, "dedicated_file_name": ""}) is None
    # A control character is no receipt field: it is dropped, never sent to the printer.
    assert EmvReceipt.from_stripe({"dedicated_file_name": "A000\x1b@", "application_preferred_name": "Visa"}) \
        == EmvReceipt(application_name="Visa")
