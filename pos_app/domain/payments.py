"""Card payment rules that need no Stripe: a usable secret key, Stripe's amount limits, a chip receipt's fields.

Vocabulary
----------
*EMV* is the chip standard (Europay, Mastercard, Visa); a chip or contactless
read leaves fields the card networks require on a custom receipt. Stripe
returns them on the charge as `payment_method_details.card_present.receipt`
and its Terminal receipt rules name which to print: the *application name*
(`application_preferred_name`, EMV tag 9F12) and the *AID* (application
identifier, `dedicated_file_name`, tag 84) always, the *account type* outside
the US, and, where given, the *ARC* (authorization response code, tag 8A),
the application cryptogram, the *TVR* (terminal verification results, tag 95)
and the *TSI* (transaction status information, tag 9B). None of them can
rebuild a card number; Facet keeps them with the payment so a reprint prints
them too, and keeps nothing else about the card but its brand and last four.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

from pos_app.domain.errors import ValidationError
from pos_app.domain.money import Money, format_money

_KEY = re.compile(r"(sk|rk)_(test|live)_[A-Za-z0-9]{10,250}")

# Stripe's smallest charge per currency (minor units; "Minimum and maximum charge amounts" in its currency
# docs). A currency not listed is left to Stripe, whose refusal is shown as it comes.
STRIPE_MINIMUM_CHARGE = {"USD": 50, "CAD": 50, "AUD": 50, "NZD": 50, "EUR": 50, "CHF": 50, "SGD": 50, "GBP": 30}
# The amount field takes at most eight digits: $999,999.99.
STRIPE_MAXIMUM_CHARGE = 99_999_999


def check_stripe_key(text: str) -> str:
    """A Stripe secret (sk_) or restricted (rk_) key; publishable keys (pk_) cannot charge."""
    key = text.strip()
    if key.startswith("pk_"):
        raise ValidationError("Stripe key", "that is a publishable key (pk_...); Facet needs the secret key (sk_...)")
    if not _KEY.fullmatch(key):
        raise ValidationError("Stripe key", "is not a Stripe secret key (sk_test_... or sk_live_...)")
    return key


def is_test_key(key: str) -> bool:
    return key.startswith(("sk_test_", "rk_test_"))


def check_card_amount(amount: Money) -> None:
    """Refuse a card amount Stripe would refuse (too small or too large), before anything is saved or sent."""
    least = STRIPE_MINIMUM_CHARGE.get(amount.currency)
    limits = (f"Stripe takes card payments from {format_money(Money(least, amount.currency))} to "
              f"{format_money(Money(STRIPE_MAXIMUM_CHARGE, amount.currency))}") if least else ""
    if least is not None and amount.cents < least:
        raise ValidationError("card amount", f"{format_money(amount)} is too small for a card: {limits}. "
                                             "Take it in cash or another way.")
    if amount.cents > STRIPE_MAXIMUM_CHARGE:
        most = format_money(Money(STRIPE_MAXIMUM_CHARGE, amount.currency))
        raise ValidationError("card amount", f"{format_money(amount)} is more than Stripe takes in one card payment "
                                             f"({most}): split it over two cards or another way to pay.")


# Stripe's name (`card_present.receipt.<name>`) for each EmvReceipt field.
_STRIPE_NAMES = {"application_name": "application_preferred_name", "aid": "dedicated_file_name",
                 "account_type": "account_type", "arc": "authorization_response_code",
                 "authorization_code": "authorization_code", "application_cryptogram": "application_cryptogram",
                 "tvr": "terminal_verification_results", "tsi": "transaction_status_information",
                 "verification": "cardholder_verification_method"}


@dataclass(frozen=True)
class EmvReceipt:
    """The chip receipt fields of one card payment, as Stripe reported them (None: not given)."""

    application_name: str | None = None  # application_preferred_name, "Visa Credit"
    aid: str | None = None  # dedicated_file_name, "A0000000031010"
    account_type: str | None = None  # credit | checking | prepaid | savings | unknown
    arc: str | None = None  # authorization_response_code
    authorization_code: str | None = None
    application_cryptogram: str | None = None
    tvr: str | None = None  # terminal_verification_results
    tsi: str | None = None  # transaction_status_information
    verification: str | None = None  # cardholder_verification_method: none | offline_pin | online_pin | signature

    @classmethod
    def from_stripe(cls, receipt: Mapping[str, object] | None) -> EmvReceipt | None:
        """From `card_present.receipt`; None when Stripe gave none (a swipe, an older reader)."""
        if not receipt:
            return None
        values = {ours: _field(receipt.get(theirs)) for ours, theirs in _STRIPE_NAMES.items()}
        return cls(**values) if any(values.values()) else None

    def to_dict(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: Mapping[str, object] | None) -> EmvReceipt | None:
        if not data:
            return None
        names = {f.name for f in fields(cls)}
        return cls(**{k: _field(v) for k, v in data.items() if k in names})

    def lines(self) -> list[tuple[str, str]]:
        """What a receipt prints, in the order card networks' sample receipts use."""
        verified = {"none": "No CVM", "offline_pin": "PIN verified", "online_pin": "PIN verified",
                    "offline_pin_and_signature": "PIN and signature", "signature": "Signature",
                    "approval": "Approved", "failure": "Not verified"}
        rows = [("Application", self.application_name), ("AID", self.aid),
                ("Account", self.account_type.capitalize() if self.account_type else None),
                ("ARC", self.arc), ("Auth code", self.authorization_code),
                ("Cryptogram", self.application_cryptogram), ("TVR", self.tvr), ("TSI", self.tsi),
                ("Verified by", verified.get(self.verification or "", self.verification))]
        return [(label, value) for label, value in rows if value]


def _field(value: object) -> str | None:
    """A short printable field, or None; anything long or odd is not a receipt field."""
    if value is None:
        return None
    text = str(value).strip()
    return text[:40] if text and text.isprintable() else None
