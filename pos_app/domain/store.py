"""Store-wide values: the profile's checks, locations, timezones and "today".

The store's timezone decides what "today" is for received dates, aging and
receipts; times are stored in UTC everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pos_app.domain.errors import ValidationError

DEFAULT_LOCATIONS = ("Case 1", "Case 2", "Case 3", "Safe", "Back office")
DEFAULT_IDLE_LOCK_MINUTES = 5
# Settings every counter of one store shares (synced through central between them; a store that never joins a
# group has one counter and sees no difference). Every other setting belongs to the counter it is made on: its
# printer, its card reader, its counter code, its own bookkeeping (a retention run, the erasure log's salt).
# A key not named here stays on its counter, so a new setting is never shared by accident.
STORE_WIDE_SETTINGS = frozenset({
    "inventory.locations", "security.idle_lock_minutes", "security.argon2", "security.two_step_roles",
    "sales.clerk_discount_limit_percent", "receipt.return_policy", "receipt.logo", "receipt.privacy_notice",
    "appraisals.limiting_conditions", "privacy.third_parties", "privacy.retention_years.transactions",
    "privacy.retention_years.appraisals", "retention.transactions_years", "retention.form_8300_years",
    "retention.request_months", "retention.backup_days", "retention.export_days",
    "reports.commission_rules", "reports.aging_months",
})


def setting_is_store_wide(key: str) -> bool:
    """True for a setting every counter of the store shares; false for one that belongs to this counter."""
    return key in STORE_WIDE_SETTINGS


# The days a person may type (a search's bounds, a request's date): anything else is a slip of the keyboard,
# and the far ends of Python's calendar overflow as soon as a time zone or a day is added.
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2999, 12, 31)

# The store profile's fields a person changes, with what each means
# (the CLI's help and the Settings page say the same).
PROFILE_FIELDS: dict[str, str] = {
    "name": "the store's name, printed on receipts and papers",
    "address": "the store's address (lines separated by a line break; on the CLI by \\n)",
    "phone": "the store's phone number",
    "email": "the store's email address",
    "timezone": "IANA time zone deciding the store's day, such as America/New_York",
    "currency": "three-letter currency code (fixed once a sale is recorded)",
    "locale": "how amounts and dates are written, such as en_US",
    "tax_rate": "sales tax in percent, such as 8.875, charged on every sale after discounts; 0 for a store "
                "in a state without sales tax",
    "receipt_footer": "text printed at the foot of receipts",
    "privacy_contact": "how customers reach the privacy officer",
}


def store_today(timezone: str, now: dt.datetime | None = None) -> dt.date:
    moment = now or dt.datetime.now(dt.UTC)
    return moment.astimezone(ZoneInfo(timezone)).date()


def store_time(moment: dt.datetime, timezone: str) -> dt.datetime:
    """A stored time as the store's clock reads it: what every date and time a person reads is shown in (a
    request completed at 02:30 UTC on Dec 7 was completed on Dec 6 in New York). A naive time is UTC, as
    stored."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(ZoneInfo(timezone))


def _in_calendar(day: dt.date, text: str, field: str) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(field, f"{text.strip()} is out of range: give a day from {FIRST_DAY.isoformat()} to "
                                     f"{LAST_DAY.isoformat()}")


def typed_day(text: str, *, field: str) -> dt.date:
    """A day a person typed, YYYY-MM-DD, from 1900 to 2999."""
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(field, f"{text!r} is not a date: use YYYY-MM-DD, such as 2026-03-18") from None
    _in_calendar(day, text, field)
    return day


def typed_moment(text: str, *, field: str) -> dt.datetime:
    """A time a person typed: YYYY-MM-DD (its midnight) or an ISO time such as 2026-11-25T14:30, from 1900 to
    2999; naive unless it names its own offset (the caller decides which zone a naive time is in)."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(field, f"{text!r} is not a time: use YYYY-MM-DD or 2026-11-25T14:30") from None
    _in_calendar(moment.date(), text, field)
    return moment


def check_timezone(text: str, *, field: str = "timezone") -> str:
    value = text.strip()
    if not value:
        raise ValidationError(field, "is required, e.g. America/New_York")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: with the tzdata package installed, a folder name ("America") is opened as a file.
        raise ValidationError(field, f"{value!r} is not a time zone name such as America/New_York") from None
    return value


def check_currency(text: str, *, field: str = "currency") -> str:
    value = text.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", value):
        raise ValidationError(field, f"{text.strip()!r} is not a three-letter currency code such as USD")
    return value


def check_tax_rate(text: str, *, field: str = "tax_rate") -> str:
    """A sales tax rate in percent, "8.875": 0 to 30, at most 4 decimals."""
    value = text.strip().removesuffix("%").strip()
    try:
        rate = Decimal(value)
    except InvalidOperation:
        raise ValidationError(field, f"{text.strip()!r} is not a percentage such as 8.875") from None
    if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(30):
        raise ValidationError(field, "must be between 0 and 30 percent")
    if rate.as_tuple().exponent < -4:  # type: ignore[operator]
        raise ValidationError(field, "has more than 4 decimal places")
    return f"{rate.normalize():f}" if rate != 0 else "0"


def check_locale(text: str, *, field: str = "locale") -> str:
    """A display locale Babel knows, as "en_US" (accepts "en-US")."""
    from babel import Locale, UnknownLocaleError

    value = text.strip().replace("-", "_") or "en_US"
    try:
        return str(Locale.parse(value))
    except (ValueError, UnknownLocaleError):
        raise ValidationError(field, f"{text.strip()!r} is not a locale such as en_US or fr_CA") from None


def check_email(text: str, *, field: str = "email") -> str:
    """An email address, normalized; checked for shape, not deliverability."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return str(validate_email(text.strip(), check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise ValidationError(field, str(exc)) from None


def check_phone(text: str, *, region: str = "US", field: str = "phone") -> str:
    """A phone number in E.164 form ("+12125550123")."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text.strip(), region)
    except phonenumbers.NumberParseException:
        raise ValidationError(field, f"{text.strip()!r} is not a phone number") from None
    # A number without its area code is "possible" locally but not in E.164.
    if phonenumbers.is_possible_number_with_reason(number) != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise ValidationError(field, f"{text.strip()!r} is not a possible phone number for {region}")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


# C0 controls, DEL and C1 controls: invisible, and never meant (a NUL from a binary file, an escape from a
# terminal, a form feed from a copy and paste). A tab and line breaks are text where a field has lines.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def check_plain_text(text: str, *, field: str, lines: bool = False) -> str:
    """`text` unless it holds a control character (NUL and the other C0 controls, DEL, C1); `lines` lets a
    tab and line breaks through, for a field of several lines (a description, an address)."""
    found = (_CONTROL_IN_LINES if lines else _CONTROL).search(text)
    if found is None:
        return text
    char = found.group()
    what = "a NUL character (U+0000)" if char == "\x00" else f"a control character (U+{ord(char):04X})"
    raise ValidationError(field, f"holds {what} at character {found.start() + 1}; remove it (it is invisible, "
                                 "and often comes from a copy and paste or a file that is not text)")


def required(raw: Mapping[str, str], name: str, *, limit: int = 120) -> str:
    value = check_plain_text((raw.get(name) or "").strip(), field=name)
    if not value:
        raise ValidationError(name, "is required")
    if len(value) > limit:
        raise ValidationError(name, f"is longer than {limit} characters")
    return value


def display_phone(e164: str) -> str:
    """"+18005551234" as people write it: "(800) 555-1234" in North America, "+44 20 7946 0958" abroad."""
    if not e164:
        return ""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    style = phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 1 else \
        phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return str(phonenumbers.format_number(number, style))
