"""The sales tax table's rows: one per period and rate however the rate was typed, rates in numeric order,
the exempt sales last in each period, and a total that is the sum of the rows."""

from __future__ import annotations

import datetime as dt

from pos_app.domain.figures import Period
from pos_app.services.ports.reports import TaxRow
from pos_app.services.reports.tax import rate_rows, shown_rate


def test_a_rate_reads_as_a_percentage_without_trailing_zeros() -> None:
    assert [shown_rate(r) for r in ("8.875", "8.8750", "8", "8.000", "10", "0", "0.00")] == [
        "8.875%", "8.875%", "8%", "8%", "10%", "0%", "0%"]


def test_rows_merge_one_rate_typed_two_ways_sort_rates_by_value_and_put_exempt_sales_last() -> None:
    period = Period(dt.date(2027, 1, 1), dt.date(2027, 2, 28))
    found = [
        TaxRow("2027-01-03", "10", False, 1_000, 100, 0),
        TaxRow("2027-01-03", "8.875", False, 10_000, 888, 0),
        TaxRow("2027-01-09", "8.8750", False, -2_000, 0, 178),
        TaxRow("2027-01-09", "8.875", True, 5_000, 0, 0),
        TaxRow("2027-02-01", "8.875", False, 3_000, 266, 0),
    ]
    table = rate_rows(found, "month", period)
    assert [row[:2] for row in table.rows] == [("2027-01-01", "8.875%"), ("2027-01-01", "10%"),
                                               ("2027-01-01", "Exempt"), ("2027-02-01", "8.875%")]
    assert table.rows[0][2:] == (8_000, 0, 888, 178, 710)
    assert table.rows[2][2:] == (0, 5_000, 0, 0, 0)
    assert table.total == ("Total", "", 12_000, 5_000, 1_254, 178, 1_076)
    assert [d.period for d in table.drills if d is not None] == [
        Period(dt.date(2027, 1, 1), dt.date(2027, 1, 31))] * 3 + [Period(dt.date(2027, 2, 1), dt.date(2027, 2, 28))]
