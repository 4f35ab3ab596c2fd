"""The sales tax report: what the store files, by month or day and by tax rate, and the exempt sales.

- Taxable sales = sold lines after discounts - returned lines, without tax, of sales that were taxed.
- Exempt sales: the same for sales made under a tax exemption certificate (`tax_exempt_number`).
- Net tax = tax charged on sold lines - tax refunded on returned lines (`SalesTotals.tax`).

A returned line counts at the rate and the exemption of the sale it came back from, on the store day of
the return. Taxable + exempt = the sales report's net sales; the total net tax = its tax.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from pos_app.domain.figures import Period, month_of
from pos_app.domain.store import store_time
from pos_app.services.ports.reports import Cell, Column, Drill, Kind, ReportRequest, Table, TaxRow
from pos_app.services.reports.catalog import ReportContext, report

EXEMPT = "Exempt"

TAX_COLUMNS = (
    Column("rate", "Tax rate", Kind.TEXT),
    Column("taxable_sales", "Taxable sales", Kind.MONEY),
    Column("exempt_sales", "Exempt sales", Kind.MONEY),
    Column("tax_charged", "Tax charged", Kind.MONEY),
    Column("tax_refunded", "Tax refunded", Kind.MONEY),
    Column("net_tax", "Net tax", Kind.MONEY),
)

EXEMPT_COLUMNS = (
    Column("time", "Date", Kind.TEXT),
    Column("number", "Receipt", Kind.TEXT),
    Column("kind", "Kind", Kind.TEXT),
    Column("reason", "Exemption reason", Kind.TEXT),
    Column("exemption_number", "Exemption number", Kind.TEXT),
    Column("net", "Net (without tax)", Kind.MONEY),
)


def shown_rate(rate: str) -> str:
    """"8.875%" for the rate a sale recorded ("8.875"); trailing zeros dropped ("8.000" -> "8%")."""
    try:
        value = Decimal(rate)
    except InvalidOperation:
        return rate
    text = format(value.normalize(), "f") if value else "0"
    return f"{text}%"


def _rate_key(rate: str) -> Decimal:
    try:
        return Decimal(rate.removesuffix("%"))
    except InvalidOperation:
        return Decimal(0)


def _period_of(by: str, day: str, period: Period) -> Period:
    first = dt.date.fromisoformat(day)
    if by == "day":
        return Period(first, first)
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return Period(max(first, period.first), min(following - dt.timedelta(days=1), period.last))


def rate_rows(rows: list[TaxRow], by: str, period: Period) -> Table:
    """One row per period and rate, then the period's exempt sales on a row of their own; a total row."""
    sums: dict[tuple[str, str, bool], list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        key = r.day if by == "day" else month_of(dt.date.fromisoformat(r.day)).isoformat()
        # One row per rate however it was typed ("8.875" and "8.8750" are one rate).
        s = sums[(key, "" if r.exempt else shown_rate(r.rate), r.exempt)]
        s[0] += r.net
        s[1] += r.tax_charged
        s[2] += r.tax_refunded
    cells: list[tuple[Cell, ...]] = []
    drills: list[Drill | None] = []
    totals = [0, 0, 0, 0, 0]
    for (key, rate, exempt) in sorted(sums, key=lambda k: (k[0], k[2], _rate_key(k[1]))):
        net, charged, refunded = sums[(key, rate, exempt)]
        taxable, exempted = (0, net) if exempt else (net, 0)
        line = (taxable, exempted, charged, refunded, charged - refunded)
        cells.append((key, EXEMPT if exempt else rate, *line))
        drills.append(Drill("sales", _period_of(by, key, period)))
        totals = [a + b for a, b in zip(totals, line, strict=True)]
    heading = Column("period", "Day" if by == "day" else "Month", Kind.DATE if by == "day" else Kind.TEXT)
    return Table("Sales tax by rate", (heading, *TAX_COLUMNS), tuple(cells), ("Total", "", *totals), tuple(drills),
                 note="Taxable and exempt sales are net of returns and discounts, without tax; a return counts at "
                      "the rate of the sale it came back from, on the day of the return.")


@report("sales-tax", "Sales tax",
        "What the store files: taxable sales (sold - discounts - returns, without tax) and tax charged, refunded "
        "and net (charged - refunded) by tax rate, exempt sales apart and listed with their exemption numbers; "
        "by month or day.",
        bys=("month", "day"))
def sales_tax_report(request: ReportRequest, period: Period,
                     context: ReportContext) -> tuple[str, tuple[Table, ...]]:
    by = request.by or "month"
    reader = context.store.reports
    rates = rate_rows(reader.tax_by_rate(period, context.timezone), by, period)
    exempt = reader.exempt_receipts(period, context.timezone)
    listed = tuple((store_time(r.completed_at, context.timezone).strftime("%Y-%m-%d %H:%M"), r.number,
                    r.kind.capitalize(), r.reason, r.exemption_number, r.net) for r in exempt)
    exempt_table = Table("Exempt sales", EXEMPT_COLUMNS, listed,
                         ("Total", "", "", "", "", sum(r.net for r in exempt)),
                         tuple(Drill("sales", _period_of("day", store_time(r.completed_at, context.timezone)
                                                         .date().isoformat(), period)) for r in exempt),
                         note="" if exempt else "No tax-exempt sale in the period.")
    return f"Sales tax by {by}", (rates, exempt_table)
