"""A report's cells as text (documents/report_cells.py): what a person reads and what a spreadsheet reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pos_app.documents.report_cells import filters_text, made_text, plain, shown
from pos_app.services.ports.reports import Cell, Kind, Report


@pytest.mark.parametrize(("value", "kind", "currency", "want"), [
    (123_456, Kind.MONEY, "USD", "1234.56"),
    (-5, Kind.MONEY, "USD", "-0.05"),
    (0, Kind.MONEY, "USD", "0.00"),
    (1_200, Kind.MONEY, "JPY", "1200"),
    (1_234, Kind.MONEY, "BHD", "1.234"),
    (Decimal("42.25"), Kind.PERCENT, "USD", "42.3"),
    (Decimal("-0.04"), Kind.PERCENT, "USD", "0.0"),
    (Decimal("1.845"), Kind.RATIO, "USD", "1.85"),
    (Decimal(2), Kind.RATIO, "USD", "2.00"),
    (1_204, Kind.COUNT, "USD", "1204"),
    ("2026-11-30", Kind.DATE, "USD", "2026-11-30"),
    (None, Kind.MONEY, "USD", ""),
    ("Total", Kind.MONEY, "USD", "Total"),
    ("=HYPERLINK(\"x\")", Kind.TEXT, "USD", "'=HYPERLINK(\"x\")"),
    ("王小明 Łódź", Kind.TEXT, "USD", "王小明 Łódź"),
])
def test_a_csv_cell_is_a_plain_number_in_the_currencys_minor_units_or_the_text_as_typed(
        value: Cell, kind: Kind, currency: str, want: str) -> None:
    assert plain(value, kind, currency=currency) == want


@pytest.mark.parametrize(("value", "kind", "locale", "want"), [
    (123_456, Kind.MONEY, "en_US", "$1,234.56"),
    (-123_456, Kind.MONEY, "en_US", "-$1,234.56"),
    (123_456, Kind.MONEY, "de_DE", "1.234,56\xa0$"),
    (12_345, Kind.COUNT, "en_US", "12,345"),
    (12_345, Kind.COUNT, "de_DE", "12.345"),
    (Decimal("42.25"), Kind.PERCENT, "en_US", "42.3%"),
    (Decimal("-0.04"), Kind.PERCENT, "en_US", "0.0%"),
    (Decimal("-0.004"), Kind.RATIO, "en_US", "0.00"),
    (Decimal("1.845"), Kind.RATIO, "en_US", "1.85"),
    (None, Kind.PERCENT, "en_US", "—"),
    (None, Kind.TEXT, "en_US", ""),
    ("Total", Kind.MONEY, "en_US", "Total"),
])
def test_a_cell_a_person_reads_is_in_the_stores_locale(value: Cell, kind: Kind, locale: str, want: str) -> None:
    assert shown(value, kind, currency="USD", locale=locale) == want


def test_a_kind_read_back_from_json_as_text_formats_the_same() -> None:
    assert shown(123_456, "money", currency="USD", locale="en_US") == "$1,234.56"  # type: ignore[arg-type]
    assert plain(Decimal("42.25"), "percent", currency="USD") == "42.3"  # type: ignore[arg-type]


def test_the_time_a_report_was_made_is_the_stores_clock_and_its_filters_read_in_order() -> None:
    report = Report("sales", "Sales by day", "Jane Ellen", "USD", "en_US", "America/New_York",
                    (("From", "2026-11-01"), ("To", "2026-11-30"), ("By", "day")), (),
                    dt.datetime(2026, 12, 1, 4, 30, tzinfo=dt.UTC))
    assert made_text(report) == "2026-11-30 23:30 EST"  # still the 30th in New York
    assert filters_text(report) == "From 2026-11-01 · To 2026-11-30 · By day"
