"""How long the store keeps what, as the privacy policy says, and the days the retention job counts from.

The periods are settings (`retention.*`), these are their defaults:

- sales and returns: 7 years after the purchase (tax and accounting law),
  then they stay as anonymous figures, no longer linked to a customer;
- a Form 8300 cash report: 5 years after it was filed (26 CFR 1.6050I-1(e)(3)),
  then its personal details are blanked;
- a closed privacy request of an erased customer: 24 months after it was
  answered (11 CCR 7101), then deleted;
- backups: 30 days, so a backup taken before an erasure does not keep the
  person for longer than that (restoring one re-applies erasures anyway);
- export files left in the store's exports folder: 30 days.

Appraisal and certificate records carry their own date (`retain_until`,
10 years after the appraisal or report date), set when they are recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pos_app.domain.erasure import add_months, add_years
from pos_app.domain.errors import ValidationError

DEFAULTS: dict[str, int] = {
    "retention.transactions_years": 7,
    "retention.form_8300_years": 5,
    "retention.request_months": 24,
    "retention.backup_days": 30,
    "retention.export_days": 30,
}
# The least each period may be set to: what the law requires the store to keep, or a sane floor.
MINIMUMS: dict[str, int] = {
    "retention.transactions_years": 7,
    "retention.form_8300_years": 5,
    "retention.request_months": 24,
    "retention.backup_days": 1,
    "retention.export_days": 1,
}
MAXIMUMS: dict[str, int] = {
    "retention.transactions_years": 30,
    "retention.form_8300_years": 30,
    "retention.request_months": 120,
    "retention.backup_days": 3650,
    "retention.export_days": 365,
}


def check_period(key: str, text: str) -> int:
    value = text.strip()
    if not value.isdigit():
        raise ValidationError(key, "must be a whole number")
    number = int(value)
    if not MINIMUMS[key] <= number <= MAXIMUMS[key]:
        raise ValidationError(key, f"must be from {MINIMUMS[key]} to {MAXIMUMS[key]}"
                                   + (" (the law's minimum)" if MINIMUMS[key] > 1 else ""))
    return number


@dataclass(frozen=True)
class Periods:
    transactions_years: int = DEFAULTS["retention.transactions_years"]
    form_8300_years: int = DEFAULTS["retention.form_8300_years"]
    request_months: int = DEFAULTS["retention.request_months"]
    backup_days: int = DEFAULTS["retention.backup_days"]
    export_days: int = DEFAULTS["retention.export_days"]


@dataclass(frozen=True)
class Cutoffs:
    """What is older than these goes (each a first day that is kept)."""

    sales_before: dt.date
    cash_reports_filed_before: dt.date
    requests_answered_before: dt.date
    records_before: dt.date  # appraisals and certificates: their retain_until
    backups_before: dt.datetime
    exports_before: dt.datetime


def cutoffs(today: dt.date, now: dt.datetime, periods: Periods) -> Cutoffs:
    return Cutoffs(
        sales_before=add_years(today, -periods.transactions_years),
        cash_reports_filed_before=add_years(today, -periods.form_8300_years),
        requests_answered_before=add_months(today, -periods.request_months),
        records_before=today,
        backups_before=now - dt.timedelta(days=periods.backup_days),
        exports_before=now - dt.timedelta(days=periods.export_days),
    )
