"""A report's cells as text: for a person (the command line, the PDF) and for a spreadsheet or a script (CSV).

Role and contract
-----------------
A `Report` (`services/ports/reports.py`) holds typed cells: money in integer
minor units, counts as ints, percentages as `Decimal` already x 100, ratios
as `Decimal`, days as ISO text. These two functions are the only places a
cell becomes text, so the command line, the CSV and the PDF read a figure
the same way:

- `shown`: what a person reads, in the store's locale through Babel
  (`domain.money.format_money`, `figures.shown_percent` / `shown_ratio`):
  "$1,234.50", "42.3%", "1.84", "1,204"; a missing figure is "—".
- `plain`: what a spreadsheet reads as a number: money as a plain decimal in
  the currency's minor units ("1234.50", "-12.00", "1200" for yen), a
  percentage rounded to one decimal ("42.3"), a ratio to two ("1.84"), a
  count as digits; an empty cell for a missing figure. Text is guarded
  against spreadsheet formulas (`text.csv_cell`).

A text in a number column (the total row's "Total" label) is text either way.
`filters_text` and `made_text` say how a report was run and when, for its heading.
Pure functions; any thread.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import TYPE_CHECKING

from pos_app.documents.text import csv_cell
from pos_app.domain.figures import shown_percent, shown_ratio
from pos_app.domain.money import Money, format_money
from pos_app.domain.store import store_time
from pos_app.services.ports.reports import Cell, Kind, Report

if TYPE_CHECKING:
    from babel import Locale

NUMERIC = frozenset({Kind.MONEY, Kind.COUNT, Kind.PERCENT, Kind.RATIO})
"""The kinds a layout right-aligns."""

MISSING = "—"
PERCENT_PLACES, RATIO_PLACES = 1, 2
"""The decimals a percentage and a ratio are shown and exported with (`figures.shown_percent`, `shown_ratio`)."""


def _rounded(value: Decimal, places: int) -> Decimal:
    """`value` rounded half up to `places`, without the sign of a negative that rounds to zero ("-0.0")."""
    done = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return done.copy_abs() if done == 0 else done


def _unsigned_zero(value: Decimal, places: int) -> Decimal:
    """`value`, or its absolute value when it rounds to zero at `places` (so it never reads "-0.0%")."""
    return value.copy_abs() if _rounded(value, places) == 0 else value


def shown(value: Cell, kind: Kind, *, currency: str, locale: str) -> str:
    """`value` as a person reads it in the store's locale."""
    kind = Kind(kind)
    if value is None:
        return MISSING if kind in NUMERIC else ""
    if isinstance(value, str):
        return value
    if kind is Kind.MONEY and isinstance(value, int):
        return format_money(Money(value, currency), locale)
    if kind is Kind.PERCENT:
        return shown_percent(_unsigned_zero(Decimal(value), PERCENT_PLACES))
    if kind is Kind.RATIO:
        return shown_ratio(_unsigned_zero(Decimal(value), RATIO_PLACES))
    if isinstance(value, int):
        return _count(value, locale)
    return str(value)


def plain(value: Cell, kind: Kind, *, currency: str) -> str:
    """`value` as a CSV cell a spreadsheet reads as a number (see the module's doc)."""
    kind = Kind(kind)
    if value is None:
        return ""
    if isinstance(value, str):
        return csv_cell(value)
    if kind is Kind.MONEY and isinstance(value, int):
        return Money(value, currency).plain()
    if kind is Kind.PERCENT:
        return str(_rounded(Decimal(value), PERCENT_PLACES))
    if kind is Kind.RATIO:
        return str(_rounded(Decimal(value), RATIO_PLACES))
    return str(value)


def made_text(report: Report) -> str:
    """When the report was made, as the store's clock read it: "2026-12-08 14:03 EST"."""
    local = store_time(report.made_at, report.timezone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or report.timezone}"


def filters_text(report: Report) -> str:
    """The filters the report was run with, as a person reads them: "From 2026-11-01 · To 2026-11-30"."""
    return " · ".join(f"{label} {value}" for label, value in report.filters)


def _count(n: int, locale: str) -> str:
    from babel.numbers import format_decimal

    return str(format_decimal(n, locale=_locale(locale)))


@cache
def _locale(name: str) -> Locale:
    from babel import Locale

    return Locale.parse(name)
