"""Money as integer minor units with a currency code; never a float.

`Money(12345, "USD")` is $123.45. Arithmetic keeps the currency and refuses to
mix two. Parsing takes what a person types ("1,234.50", "$99") and refuses
anything with more decimals than the currency has. Display goes through
Babel in the GUI and documents (`format_money`), so the store's locale decides
the symbol and separators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from functools import cache
from typing import Any

from pos_app.domain.errors import ValidationError

# Minor-unit digits of the currencies a jewelry store here is likely to use.
# ISO 4217; anything not listed has two.
_MINOR_DIGITS = {"JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3}

# Moving the decimal point must be exact: Decimal's default context keeps 28
# significant digits and would silently round a longer amount.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


def minor_digits(currency: str) -> int:
    return _MINOR_DIGITS.get(currency.upper(), 2)


@dataclass(frozen=True, order=True)
class Money:
    cents: int
    currency: str = "USD"

    def __post_init__(self) -> None:
        if not isinstance(self.cents, int) or isinstance(self.cents, bool):
            raise TypeError("Money holds an int of minor units")

    def _check(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.cents + other.cents, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.cents - other.cents, self.currency)

    def __mul__(self, quantity: int) -> Money:
        return Money(self.cents * quantity, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.cents, self.currency)

    @property
    def amount(self) -> Decimal:
        """The value as a Decimal in major units (for display and export)."""
        return Decimal(self.cents).scaleb(-minor_digits(self.currency), _EXACT)

    def plain(self) -> str:
        """"1234.50": what a CSV file or a script reads; no symbol, no grouping."""
        digits = minor_digits(self.currency)
        return f"{self.amount:.{digits}f}"

    @classmethod
    def zero(cls, currency: str = "USD") -> Money:
        return cls(0, currency)


_AMOUNT = re.compile(r"^-?\d+(\.\d+)?$")
_GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
MAX_AMOUNT = Decimal(1_000_000_000)  # no single price, cost or payment in a jewelry store comes near


def parse_money(text: str, currency: str = "USD", *, field: str = "amount") -> Money:
    """Read an amount a person typed: "1234.5", "1,234.50", "$1,234.50".

    Refuses an empty value, letters, a negative amount, more decimals than
    the currency has (a price of 10.005 is a typo, not something to round),
    commas anywhere but between groups of three digits ("12,50" is a European
    decimal comma, not twelve hundred fifty), and anything over a billion.
    """
    cleaned = text.strip().replace(" ", "").lstrip("$€£¥")
    if not cleaned:
        raise ValidationError(field, "is empty; enter an amount such as 1250.00")
    if "," in cleaned:
        if not _GROUPED.match(cleaned):
            raise ValidationError(field, f"{text.strip()!r}: use a point for decimals and commas only between "
                                         "thousands, such as 1,250.00")
        cleaned = cleaned.replace(",", "")
    if not _AMOUNT.match(cleaned):
        raise ValidationError(field, f"{text.strip()!r} is not an amount; use digits such as 1250.00")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
        raise ValidationError(field, f"{text.strip()!r} is not an amount") from None
    if value < 0:
        raise ValidationError(field, "cannot be negative")
    if value > MAX_AMOUNT:
        raise ValidationError(field, f"{text.strip()!r} is more than {MAX_AMOUNT:,}; check the amount")
    currency = currency.upper()
    digits = minor_digits(currency)
    scaled = value.scaleb(digits, _EXACT)
    if scaled != scaled.to_integral_value():
        raise ValidationError(field, f"has more than {digits} decimal places")
    return Money(int(scaled), currency)


def percent_of(amount: Money, percent: Decimal) -> Money:
    """`percent` % of `amount`, rounded half up to the minor unit.

    The one rounding rule Facet uses for money: tax and percentage discounts
    are computed per line with it, then summed.
    """
    exact = Decimal(amount.cents) * percent / Decimal(100)
    return Money(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)), amount.currency)


def format_money(amount: Money, locale: str = "en_US") -> str:
    """"$1,234.50" in the store's locale, as Babel's format_currency writes it."""
    pattern, parsed = _currency_pattern(locale)
    return str(pattern.apply(amount.amount, parsed, currency=amount.currency))


@cache
def _currency_pattern(locale: str) -> tuple[Any, Any]:
    # Parsed once per locale: format_currency re-reads the locale's pattern on
    # every call, ~9x slower, which a table of prices notices.
    from babel import Locale

    parsed = Locale.parse(locale)
    return parsed.currency_formats["standard"], parsed
