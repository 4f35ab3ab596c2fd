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
Pure functions; any thread.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import TYPE_CHECKING

from pos_app.documents.text import csv_cell
from pos_app.domain.figures import shown_percent, shown_ratio
from pos_app.domain.money import Money, format_money
from pos_app.services.ports.reports import Cell, Kind

if TYPE_CHECKING:
    from babel import Locale

NUMERIC = frozenset({Kind.MONEY, Kind.COUNT, Kind.PERCENT, Kind.RATIO})
"""The kinds a layout right-aligns."""

MISSING = "—"


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
        return shown_percent(Decimal(value))
    if kind is Kind.RATIO:
        return shown_ratio(Decimal(value))
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
        return str(Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    if kind is Kind.RATIO:
        return str(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return str(value)


def _count(n: int, locale: str) -> str:
    from babel.numbers import format_decimal

    return str(format_decimal(n, locale=_locale(locale)))


@cache
def _locale(name: str) -> Locale:
    from babel import Locale

    return Locale.parse(name)
