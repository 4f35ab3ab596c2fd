"""Store settings a manager or owner may change, each with its own check.

Settings live in the store file (they travel with backups); the database key
and other secrets never do: they are in the keyring.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pos_app.domain import commission, credentials, retention
from pos_app.domain import store as store_rules
from pos_app.domain.appraisals import Purpose, standard_limiting_conditions
from pos_app.domain.errors import ValidationError
from pos_app.domain.permissions import (
    TWO_STEP_MINIMUM,
    TWO_STEP_SETTING,
    Actor,
    Permission,
    Role,
    parse_two_step_roles,
)
from pos_app.services.guard import requires
from pos_app.services.ports.settings import DirectoryReader
from pos_app.services.ports.uow import UnitOfWork


def _minutes(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,3}", text.strip()) or not 1 <= int(text) <= 240:
        raise ValidationError("security.idle_lock_minutes", "must be a whole number of minutes from 1 to 240")
    return int(text)


def _locations(text: str) -> list[str]:
    places = [p.strip() for p in text.split(",") if p.strip()]
    if not places:
        raise ValidationError("inventory.locations", "name at least one place, separated by commas")
    if any(len(p) > 40 for p in places):
        raise ValidationError("inventory.locations", "each place is at most 40 characters")
    if len({p.lower() for p in places}) != len(places):
        raise ValidationError("inventory.locations", "a place is named twice")
    return places


def _percent_limit(text: str) -> str:
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(text.strip().rstrip("%"))
    except InvalidOperation:
        raise ValidationError("sales.clerk_discount_limit_percent", "must be a percentage such as 10") from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise ValidationError("sales.clerk_discount_limit_percent", "must be from 0 to 100")
    return str(value)


_PRINTER_URI = re.compile(r"^(tcp://[^/:\s]+(:\d{1,5})?|usb://[0-9a-fA-F]{4}:[0-9a-fA-F]{4}|serial:///\S+|file:///\S+)$")


def _printer(text: str) -> str:
    value = text.strip()
    if value and not _PRINTER_URI.match(value):
        raise ValidationError("receipt.printer", "use tcp://HOST:PORT, usb://VENDOR:PRODUCT (hex), "
                                                 "serial:///dev/ttyUSB0 or file:///path; empty for no printer")
    return value


def _columns(text: str) -> int:
    if text.strip() not in ("42", "48"):
        raise ValidationError("receipt.columns", "is 42 (most 80 mm printers' small font) or 48")
    return int(text)


def _profile(text: str) -> str:
    """A printer model python-escpos knows whose font A line holds one of Facet's receipt widths."""
    from pos_app.documents.receipt_escpos import WIDTHS, profile_columns

    value = text.strip()
    if not value or len(value) > 40:
        raise ValidationError("receipt.profile", "is the printer's python-escpos profile, such as TM-T88V or "
                                                 "TM-T20II")
    try:
        fits = profile_columns(value)
    except ValueError as error:
        raise ValidationError("receipt.profile", str(error)) from None
    if fits < min(WIDTHS):
        raise ValidationError("receipt.profile", f"{value} prints {fits} characters a line; Facet's receipts need "
                                                 f"{min(WIDTHS)} or {max(WIDTHS)} (an 80 mm printer)")
    return value


def _receipt_width(changed: str, values: Callable[[str], Any]) -> None:
    """receipt.columns must fit the font A line of receipt.profile's printer, whichever of the two changes."""
    from pos_app.documents.receipt_escpos import profile_columns, width_problem

    columns, profile = int(values("receipt.columns")), str(values("receipt.profile"))
    try:
        problem = width_problem(columns, profile)
    except ValueError as error:  # a profile stored before profiles were checked
        raise ValidationError(changed, f"cannot be checked against receipt.profile: {error}; set "
                                       "receipt.profile first") from None
    if problem is None:
        return
    if changed == "receipt.columns":
        raise ValidationError("receipt.columns", problem)
    fits = profile_columns(profile)
    raise ValidationError("receipt.profile", f"{profile} prints {fits} characters a line (font A), but "
                                             f"receipt.columns is {columns}: set receipt.columns to 42 first")


def _text(key: str, limit: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip()
        if len(value) > limit:
            raise ValidationError(key, f"is longer than {limit} characters")
        return value

    return parse


def _reader_id(text: str) -> str:
    value = text.strip()
    if value and not re.fullmatch(r"tmr_[A-Za-z0-9]{4,60}", value):
        raise ValidationError("payments.reader_id", "is a Stripe Terminal reader id such as tmr_FDOt2wlRZEdpd7")
    return value


def _api_base(text: str) -> str:
    value = text.strip()
    if value and not re.fullmatch(r"https?://[A-Za-z0-9.\-]+(:\d{1,5})?", value):
        raise ValidationError("payments.api_base", "is a URL such as http://127.0.0.1:12111, or empty for Stripe")
    return value


def _logo(text: str) -> str:
    """A PNG file's path, stored as base64 text (the logo travels with the store and its backups)."""
    import base64
    from pathlib import Path

    value = text.strip()
    if not value:
        return ""
    path = Path(value).expanduser()
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ValidationError("receipt.logo", f"cannot read {value}: {error.strerror or error}") from None
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValidationError("receipt.logo", f"{value} is not a PNG image")
    if len(data) > 200_000:
        raise ValidationError("receipt.logo", "is larger than 200 KB; a receipt logo is a small black-and-white PNG")
    return base64.b64encode(data).decode("ascii")


def _yes_no(key: str) -> Callable[[str], bool]:
    def parse(text: str) -> bool:
        value = text.strip().lower()
        if value in ("yes", "true", "1", "on"):
            return True
        if value in ("no", "false", "0", "off", ""):
            return False
        raise ValidationError(key, "is yes or no")

    return parse


def _commission_rules(text: str) -> list[dict[str, Any]]:
    return [rule.to_dict() for rule in commission.parse_rules(text)]


def _aging_months(text: str) -> list[int]:
    return commission.parse_aging_months(text)


def _period(key: str) -> Callable[[str], int]:
    return lambda text: retention.check_period(key, text)


DEFAULT_RETURN_POLICY = "Returns and exchanges within 30 days with this receipt."
# What an appraisal made from a sale (for insurance) says it is; other purposes start from their own wording.
DEFAULT_LIMITING_CONDITIONS = standard_limiting_conditions(Purpose.INSURANCE)


# The receipt printer's settings: a manager fixes a printer that moved or was replaced (MANAGE_PRINTER);
# every other setting is the owner's (MANAGE_SETTINGS).
PRINTER_KEYS = frozenset({"receipt.printer", "receipt.columns", "receipt.profile"})
KEYRING_ACKNOWLEDGED = "security.keyring_warning_acknowledged"


@dataclass(frozen=True)
class SettingSpec:
    key: str
    meaning: str
    parse: Callable[[str], Any]
    default: Any


# Checks across settings: each runs when one of its keys changes, on the values as they would be saved
# (`values(key)`), and raises ValidationError naming the key that changed.
CROSS_CHECKS: tuple[tuple[frozenset[str], Callable[[str, Callable[[str], Any]], None]], ...] = (
    (frozenset({"receipt.columns", "receipt.profile"}), _receipt_width),
)


SETTINGS: dict[str, SettingSpec] = {
    spec.key: spec
    for spec in (
        SettingSpec("security.idle_lock_minutes", "minutes without use before the screen locks",
                    _minutes, store_rules.DEFAULT_IDLE_LOCK_MINUTES),
        SettingSpec(credentials.SETTING, "argon2id costs for PINs and passwords: time_cost=2 memory_cost=19456 "
                    "(KiB) parallelism=1; at least OWASP's minimum; each secret is rehashed at its next sign-in",
                    credentials.parse_argon2, dict(credentials.ARGON2_DEFAULTS)),
        SettingSpec(TWO_STEP_SETTING, "roles that must use two-step sign-in, comma-separated: always owner and "
                    "privacy_officer; add manager, clerk or appraiser (each sets it up at their next sign-in)",
                    parse_two_step_roles, [r.value for r in Role if r in TWO_STEP_MINIMUM]),
        SettingSpec("inventory.locations", "places stock is kept, comma-separated (cases, safe, back office)",
                    _locations, list(store_rules.DEFAULT_LOCATIONS)),
        SettingSpec("sales.clerk_discount_limit_percent", "deepest discount a clerk gives without a manager",
                    _percent_limit, "10"),
        SettingSpec("receipt.printer", "receipt printer: tcp://HOST:PORT, usb://VENDOR:PRODUCT, serial:///dev/..., "
                    "file:///path, or empty", _printer, ""),
        SettingSpec("receipt.columns", "characters per receipt line: 42 or 48", _columns, 42),
        SettingSpec("receipt.profile", "the printer's python-escpos profile (TM-T88V, TM-T20II, ...)",
                    _profile, "TM-T88V"),
        SettingSpec("receipt.return_policy", "the return policy printed on receipts",
                    _text("receipt.return_policy", 300), DEFAULT_RETURN_POLICY),
        SettingSpec("receipt.logo", "a small PNG printed at the top of receipts (give its path; empty for none)",
                    _logo, ""),
        SettingSpec("receipt.privacy_notice", "the privacy-notice line printed on receipts",
                    _text("receipt.privacy_notice", 300), ""),
        SettingSpec("appraisals.limiting_conditions", "the limiting conditions printed on appraisals made from a sale",
                    _text("appraisals.limiting_conditions", 4000), DEFAULT_LIMITING_CONDITIONS),
        SettingSpec("payments.reader_id", "the Stripe Terminal reader that takes cards at this counter",
                    _reader_id, ""),
        SettingSpec("payments.api_base", "Stripe API address; empty for Stripe itself (a local test server "
                    "otherwise)", _api_base, ""),
        SettingSpec(KEYRING_ACKNOWLEDGED, "the owner has read that this computer keeps secrets in a plaintext "
                    "keyring file: the app's banner no longer says so (Settings and pos-app doctor still do)",
                    _yes_no(KEYRING_ACKNOWLEDGED), False),
        SettingSpec(commission.RULES_SETTING, "commission rules, one per line or separated by ';': STYLE: PERCENT% "
                    "of sales|margin, STYLE a style or all (a style's own rule beats all): "
                    "\"all: 5% of sales; tennis: 12.5% of margin\"; empty for none", _commission_rules, []),
        SettingSpec(commission.AGING_SETTING, "aging report cut-offs in whole months, ascending: 6, 12 makes under 6, "
                    "6 to 12 and over 12", _aging_months, list(commission.DEFAULT_AGING_MONTHS)),
        *(SettingSpec(key, meaning, _period(key), retention.DEFAULTS[key]) for key, meaning in (
            ("retention.transactions_years", "years a sale stays linked to its customer (tax law: at least 7)"),
            ("retention.form_8300_years", "years a filed Form 8300 keeps the person's details (law: at least 5)"),
            ("retention.request_months", "months an erased customer's answered requests are kept (at least 24)"),
            ("retention.backup_days", "days a backup is kept before the retention job deletes it"),
            ("retention.export_days", "days a privacy export is kept in the store's exports folder"))),
    )
}


def _spec(key: str) -> SettingSpec:
    spec = SETTINGS.get(key)
    if spec is None:
        raise ValidationError("key", f"{key!r} is not a setting; the settings are: {', '.join(SETTINGS)}")
    return spec


AUDITED_VALUE_CHARS = 200


def _as_audited(value: Any) -> Any:
    """A setting's value as the trail keeps it: itself, or for a long one (a receipt logo is a whole PNG)
    its size and SHA-256, which still tell one value from another."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(text) <= AUDITED_VALUE_CHARS:
        return value
    return {"chars": len(text), "sha256": hashlib.sha256(text.encode()).hexdigest()}


@requires(Permission.VIEW_SETTINGS)
def current_settings(*, reader: DirectoryReader, actor: Actor, uow: UnitOfWork) -> dict[str, Any]:
    return {key: reader.setting(key, spec.default) for key, spec in SETTINGS.items()}


@requires(Permission.MANAGE_SETTINGS)
def change_setting(key: str, text: str, *, uow: UnitOfWork, actor: Actor) -> Any:
    """Check and save one setting from the text a person typed; returns the saved value."""
    return change_settings({key: text}, uow=uow, actor=actor)[key]


@requires(Permission.MANAGE_SETTINGS)
def change_settings(texts: dict[str, str], *, uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    """Check and save several settings as one change (a settings form): every value is checked, alone and
    against the others (receipt.columns against receipt.profile), before any is saved; all or none."""
    return _save(texts, uow=uow, actor=actor)


@requires(Permission.MANAGE_PRINTER)
def change_printer_settings(texts: dict[str, str], *, uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    """`change_settings` for the receipt printer's settings alone (PRINTER_KEYS), which a manager may change."""
    other = sorted(set(texts) - PRINTER_KEYS)
    if other:
        raise ValidationError(other[0], "is changed by the owner (Settings, or pos-app settings set); a manager "
                                        f"changes the printer's settings: {', '.join(sorted(PRINTER_KEYS))}")
    return _save(texts, uow=uow, actor=actor)


def _save(texts: dict[str, str], *, uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    values = {key: _spec(key).parse(text) for key, text in texts.items()}
    with uow:
        def value(key: str) -> Any:
            return values[key] if key in values else uow.settings.get(key, _spec(key).default)

        for keys, check in CROSS_CHECKS:
            for changed in sorted(keys & values.keys()):
                check(changed, value)
        for key, new in values.items():
            before = uow.settings.get(key, _spec(key).default)
            uow.settings.set(key, new)
            uow.audit.record(actor, "setting.changed", entity_type="setting", entity_id=key,
                             summary={"key": key, "before": _as_audited(before), "after": _as_audited(new)})
        uow.commit()
    return values
