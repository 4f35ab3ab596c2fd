"""Sales and margin reports, and the receipts behind a figure.

- `sales`: net sales by day, week or month, by style, metal, price band, clerk, payment type or counter.
- `margin`: gross profit and margin by item, style or period (cost columns: who may see cost).
- `receipts`: the completed sales of a period, narrowed by the same filters (a drill-through's target).

Every figure is `domain/figures.py`'s, from the store's `reports` reader.
"""

from __future__ import annotations

from collections.abc import Callable

from pos_app.domain.figures import Period, SalesTotals, total
from pos_app.domain.store import store_time
from pos_app.services.ports.reports import Cell, Column, Drill, Grouped, Kind, ReportRequest, Table
from pos_app.services.reports.catalog import ReportContext, report

SALES_BYS = ("day", "week", "month", "style", "metal", "band", "clerk", "payment", "counter")
FILTER_KEYS = ("style", "metal", "band", "clerk", "counter", "sku", "salesperson")

_GROUP_HEADINGS = {"day": "Day", "week": "Week of", "month": "Month", "style": "Style", "metal": "Metal",
                   "band": "Price band", "clerk": "Clerk", "counter": "Counter", "item": "Item",
                   "salesperson": "Salesperson", "payment": "Payment"}
_TIME = ("day", "week", "month")

SALES_COLUMNS = (
    Column("sales", "Sales", Kind.COUNT),
    Column("units_sold", "Pieces sold", Kind.COUNT),
    Column("sold_gross", "Sold before discounts", Kind.MONEY),
    Column("discounts", "Discounts", Kind.MONEY),
    Column("returned", "Returns", Kind.MONEY),
    Column("net_sales", "Net sales", Kind.MONEY),
    Column("tax", "Tax", Kind.MONEY),
    Column("average_ticket", "Average ticket", Kind.MONEY),
    Column("cogs", "Cost of goods sold", Kind.MONEY, cost=True),
    Column("gross_profit", "Gross profit", Kind.MONEY, cost=True),
    Column("margin", "Margin %", Kind.PERCENT, cost=True),
)


def sales_cells(t: SalesTotals) -> tuple[Cell, ...]:
    return (t.sales, t.units_sold, t.sold_gross, t.discounts, t.returned, t.net_sales, t.tax, t.average_ticket,
            t.cogs, t.gross_profit, t.margin)


def label_of(by: str | None, key: str, context: ReportContext) -> str:
    """What a person reads for a group's key: a clerk's name, a style's name, "Week of 2026-11-30"."""
    if by in ("clerk", "salesperson"):
        member = context.store.directory.staff_member(key)
        return member.name if member else key
    if by in ("style", "metal"):
        return key.replace("_", " ").capitalize()
    return key


def _costless_note(totals: SalesTotals) -> str:
    if not totals.costless_lines:
        return ""
    lines = "line" if totals.costless_lines == 1 else "lines"
    return f"{totals.costless_lines:,} {lines} had no cost recorded; their cost is counted as $0."


def grouped_table(title: str, by: str | None, groups: list[Grouped], period: Period, context: ReportContext,
                  filters: tuple[tuple[str, str], ...], columns: tuple[Column, ...] = SALES_COLUMNS,
                  cells: Callable[[SalesTotals], tuple[Cell, ...]] = sales_cells,
                  labels: dict[str, str] | None = None) -> Table:
    """One row per group (in time order, or largest net sales first), a total row, a drill per row."""
    everything = total(g.totals for g in groups)
    # The receipt counts of the total are not the sum of the groups' (a sale of two styles is in both):
    # where the table shows them, they come from the same query without a grouping (a second pass).
    counts = {"sales", "returns", "average_ticket", "items_per_sale"}
    if by not in _TIME and by is not None and counts & {c.key for c in columns}:
        whole = context.store.reports.sales_totals(period, context.timezone, filters=filters)
        if whole:
            everything = whole[0].totals
    if by not in _TIME:
        groups = sorted(groups, key=lambda g: (-g.totals.net_sales, g.key))
    rows: list[tuple[Cell, ...]] = []
    drills: list[Drill | None] = []
    for g in groups:
        label = labels.get(g.key, g.key) if labels is not None else label_of(by, g.key, context)
        rows.append((label, *cells(g.totals)))
        if by in _TIME:
            drills.append(Drill("sales", _time_period(by, g.key, period), filters))
        elif by in ("style", "metal", "band", "clerk", "counter", "salesperson"):
            drills.append(Drill("sales", period, (*filters, (by, g.key))))
        elif by == "item":
            drills.append(Drill("items", period, (("item", g.key),)))
        else:
            drills.append(None)
    heading = Column("group", _GROUP_HEADINGS.get(by or "", "Period"), Kind.DATE if by == "day" else Kind.TEXT)
    return Table(title, (heading, *columns), tuple(rows), ("Total", *cells(everything)), tuple(drills),
                 _costless_note(everything))


def _time_period(by: str, key: str, period: Period) -> Period:
    import datetime as dt

    first = dt.date.fromisoformat(key)
    if by == "day":
        return Period(first, first)
    if by == "week":
        last = first + dt.timedelta(days=6)
    else:
        following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        last = following - dt.timedelta(days=1)
    return Period(max(first, period.first), min(last, period.last))


PAYMENT_COLUMNS = (
    Column("receipts", "Receipts", Kind.COUNT),
    Column("taken", "Taken", Kind.MONEY),
    Column("refunded", "Refunded", Kind.MONEY),
    Column("net", "Net", Kind.MONEY),
)


def tender_table(title: str, heading: Column, rows: list[tuple[str, int, int, int]], note: str) -> Table:
    """(tender, receipts, taken, refunded) rows as a table with its net column and a total row."""
    cells = [(tender.replace("_", " ").capitalize(), n, taken, back, taken - back) for tender, n, taken, back in rows]
    taken = sum(r[2] for r in rows)
    back = sum(r[3] for r in rows)
    return Table(title, (heading, *PAYMENT_COLUMNS), tuple(cells),
                 ("Total", sum(r[1] for r in rows), taken, back, taken - back), note=note)


def _payments_table(period: Period, context: ReportContext) -> Table:
    return tender_table("Payments by type (with tax)", Column("payment", "Payment", Kind.TEXT),
                        context.store.reports.payments_by_tender(period, context.timezone),
                        "What each kind of payment took in and gave back; sales paid two ways are counted under "
                        "each.")


@report("sales", "Sales",
        "Net sales = sold before discounts - discounts - returns, without tax; average ticket = (sold before "
        "discounts - discounts) / sales; by day, week, month, style, metal, price band, clerk, payment or counter.",
        bys=SALES_BYS, filter_keys=FILTER_KEYS)
def sales_report(request: ReportRequest, period: Period, context: ReportContext) -> tuple[str, tuple[Table, ...]]:
    by = request.by
    title = f"Sales by {_GROUP_HEADINGS[by or 'day'].lower().removesuffix(' of')}"
    if by == "payment":
        return title, (_payments_table(period, context),)
    groups = context.store.reports.sales_totals(period, context.timezone, by=by, filters=request.filters)
    return title, (grouped_table(title, by, groups, period, context, request.filters),)


MARGIN_COLUMNS = (
    Column("units_sold", "Pieces sold", Kind.COUNT),
    Column("units_returned", "Pieces returned", Kind.COUNT),
    Column("net_sales", "Net sales", Kind.MONEY),
    Column("cogs", "Cost of goods sold", Kind.MONEY, cost=True),
    Column("gross_profit", "Gross profit", Kind.MONEY, cost=True),
    Column("margin", "Margin %", Kind.PERCENT, cost=True),
)


def margin_cells(t: SalesTotals) -> tuple[Cell, ...]:
    return (t.units_sold, t.units_returned, t.net_sales, t.cogs, t.gross_profit, t.margin)


@report("margin", "Gross margin",
        "Gross profit = net sales - cost of goods sold (each line at the cost it sold at; a return at the cost it "
        "left at); margin % = gross profit / net sales x 100; by item, style, day, week or month.",
        bys=("style", "item", "day", "week", "month"), filter_keys=FILTER_KEYS)
def margin_report(request: ReportRequest, period: Period, context: ReportContext) -> tuple[str, tuple[Table, ...]]:
    by = request.by
    groups = context.store.reports.sales_totals(period, context.timezone, by=by, filters=request.filters)
    labels = None
    if by == "item":
        labels = {row.id: f"{row.sku}  {row.title}"
                  for row in context.store.inventory.rows_by_ids([g.key for g in groups])}
    title = f"Gross margin by {_GROUP_HEADINGS[by or 'style'].lower().removesuffix(' of')}"
    table = grouped_table(title, by, groups, period, context, request.filters, MARGIN_COLUMNS, margin_cells, labels)
    return title, (table,)



RECEIPT_COLUMNS = (
    Column("number", "Receipt", Kind.TEXT),
    Column("time", "Time", Kind.TEXT),
    Column("kind", "Kind", Kind.TEXT),
    Column("clerk", "Clerk", Kind.TEXT),
    Column("counter", "Counter", Kind.TEXT),
    Column("net_sales", "Net (without tax)", Kind.MONEY),
    Column("tax", "Tax", Kind.MONEY),
    Column("total", "Total", Kind.MONEY),
)
RECEIPTS_SHOWN = 10_000


@report("receipts", "Receipts",
        "The completed sales, returns and exchanges of a period (with a filter: those with a line it keeps), "
        "in the store's time: what a figure is made of.", filter_keys=FILTER_KEYS)
def receipts_report(request: ReportRequest, period: Period, context: ReportContext) -> tuple[str, tuple[Table, ...]]:
    found = context.store.reports.receipts(period, context.timezone, filters=request.filters,
                                           limit=RECEIPTS_SHOWN + 1)
    names: dict[str, str] = {}
    for staff_id in {r.staff_id for r in found}:
        member = context.store.directory.staff_member(staff_id)
        names[staff_id] = member.name if member else ""
    shown = found[:RECEIPTS_SHOWN]
    rows = tuple((r.number, store_time(r.completed_at, context.timezone).strftime("%Y-%m-%d %H:%M"),
                  r.kind.capitalize(), names[r.staff_id], r.terminal, r.net_cents, r.tax_cents, r.total_cents)
                 for r in shown)
    note = (f"The first {RECEIPTS_SHOWN:,} receipts are shown; narrow the period or the filters to see the rest."
            if len(found) > RECEIPTS_SHOWN else "")
    totals = ("Total", "", "", "", "", sum(r.net_cents for r in shown), sum(r.tax_cents for r in shown),
              sum(r.total_cents for r in shown))
    return "Receipts", (Table("Receipts", RECEIPT_COLUMNS, rows, totals, note=note),)
