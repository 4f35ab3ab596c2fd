"""Inventory reports: what the stock is worth at a date, how long it has sat, and how fast it turns.

- `inventory`: inventory valuation at a date: pieces on hand, at cost and at retail, by style, metal or
  location. Read from the stock ledger (today's on hand less what moved since), so a past date gives the
  stock as it was; every piece at its cost and price as they are now.
- `aging`: pieces in stock at a date by how long since they were received, in buckets of whole months the
  manager sets (setting `reports.aging_months`, default under 6, 6 to 12, over 12), per style.
- `turn`: over the 12 months ending at a date, by style (or metal) and overall: cost of goods sold, average
  inventory at cost (13 month-end points), turn and GMROI (`domain/figures.py`).

In the trade: *turn* is how many times a year the money in the case comes back as sales at cost (fine
jewelry turns about once a year; bridal less); *GMROI* is the gross profit each dollar of stock at cost
earned. Cost columns are shown only to who may see cost (`catalog.run` strips them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pos_app.domain.commission import AGING_SETTING, DEFAULT_AGING_MONTHS, parse_aging_months
from pos_app.domain.errors import ValidationError
from pos_app.domain.figures import (
    Period,
    SalesTotals,
    average_inventory,
    gmroi,
    month_ends,
    total,
    turn,
)
from pos_app.services.ports.reports import Cell, Column, Drill, Kind, ReportRequest, StockValue, Table
from pos_app.services.reports.catalog import ReportContext, report
from pos_app.services.reports.sales import label_of

_HEADINGS = {"style": "Style", "metal": "Metal", "location": "Location"}
_CURRENT_VALUES = ("Each piece is valued at its cost and price as they are now: a cost or price changed since "
                   "is not historical.")


def _label(by: str, key: str, context: ReportContext) -> str:
    if by == "location":
        return key or "No location"
    return label_of(by, key, context)


def _costless(units: int) -> str:
    if not units:
        return ""
    pieces = "piece has" if units == 1 else "pieces have"
    return f" {units:,} {pieces} no cost recorded; counted at $0."


# ------------------------------------------------------------------ valuation

VALUE_COLUMNS = (
    Column("pieces", "Pieces", Kind.COUNT),
    Column("cost", "At cost", Kind.MONEY, cost=True),
    Column("retail", "At retail", Kind.MONEY),
)


@report("inventory", "Inventory valuation",
        "Pieces on hand at the end of a day, at cost and at retail (units x each piece's cost and price now), "
        "by style, metal or location; a past date is today's stock less what moved since.",
        bys=("style", "metal", "location"), at_a_date=True)
def inventory_report(request: ReportRequest, period: Period, context: ReportContext,
                     ) -> tuple[str, tuple[Table, ...]]:
    by = request.by or "style"
    at = period.last
    values = context.store.reports.stock_valuation(at, context.timezone, by)
    values = sorted(values, key=lambda v: (-v.retail_cents, v.key))
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        (_label(by, v.key, context), v.units, v.cost_cents, v.retail_cents) for v in values)
    drills = tuple(Drill("items", filters=((by, v.key),)) for v in values)
    totals = ("Total", sum(v.units for v in values), sum(v.cost_cents for v in values),
              sum(v.retail_cents for v in values))
    note = f"Stock at the end of {at.isoformat()} (store time). {_CURRENT_VALUES}"
    if by == "location":
        note += " Locations are where the pieces are now."
    note += _costless(sum(v.costless_units for v in values))
    title = f"Inventory valuation by {by}"
    heading = Column("group", _HEADINGS[by], Kind.TEXT)
    return title, (Table(title, (heading, *VALUE_COLUMNS), rows, totals, drills, note),)


# ------------------------------------------------------------------ aging


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` whole months earlier (the 31st falls back to the month's last day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    following = dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return dt.date(year, month + 1, min(day.day, (following - dt.timedelta(days=1)).day))


def aging_months(value: Any) -> tuple[int, ...] | None:
    """The cut-offs a setting holds (as the Settings page or `pos-app settings aging` saved them), if usable:
    `domain/commission.py` `parse_aging_months`'s rule; None for anything else."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return tuple(parse_aging_months(value))
    except (ValidationError, TypeError):
        return None


def bucket_labels(months: Sequence[int]) -> list[str]:
    """"Under 6 months", "6 to 12 months", "Over 12 months" for cut-offs (6, 12)."""
    return ([f"Under {months[0]} months"] + [f"{a} to {b} months" for a, b in zip(months, months[1:])]
            + [f"Over {months[-1]} months"])


def _bucket_keys(months: Sequence[int]) -> list[str]:
    return [f"under_{months[0]}m"] + [f"{a}_{b}m" for a, b in zip(months, months[1:])] + [f"over_{months[-1]}m"]


@report("aging", "Stock aging",
        "Pieces in stock at the end of a day by months since received, per style: pieces, at cost and at "
        "retail in each bucket; the cut-offs are the store's (setting reports.aging_months, default 6 and 12) "
        "or the manager's for this run (filter months=3,9,18).",
        bys=("style",), at_a_date=True, filter_keys=("months",))
def aging_report(request: ReportRequest, period: Period, context: ReportContext) -> tuple[str, tuple[Table, ...]]:
    at = period.last
    asked = dict(request.filters).get("months", "").strip()
    stored = context.setting(AGING_SETTING, None)
    note = ""
    if asked:  # the manager's cut-offs for this run: refused, naming the field, when they are not usable
        months: tuple[int, ...] | None = tuple(parse_aging_months(asked, field="months"))
    else:
        months = DEFAULT_AGING_MONTHS if stored is None else aging_months(stored)  # None: never set, or cleared
    if months is None:
        months = DEFAULT_AGING_MONTHS
        note = (f"The aging cut-offs set ({stored!r}) are not one to five whole months in ascending order; "
                f"the default {months[0]} and {months[1]} months are used. ")
    cutoffs = [months_before(at, m) for m in months]
    found = context.store.reports.stock_aging(at, context.timezone, cutoffs)
    buckets = len(months) + 1
    per: dict[str, list[StockValue]] = {}
    for n, value in found:
        per.setdefault(value.key, [StockValue(value.key, 0, 0, 0) for _ in range(buckets)])[n] = value
    labels, keys = bucket_labels(months), _bucket_keys(months)
    columns = [Column("style", "Style", Kind.TEXT)]
    for label, key in zip([*labels, "Total"], [*keys, "total"]):
        columns += [Column(f"{key}_pieces", f"{label}: pieces", Kind.COUNT),
                    Column(f"{key}_cost", f"{label}: at cost", Kind.MONEY, cost=True),
                    Column(f"{key}_retail", f"{label}: at retail", Kind.MONEY)]

    def cells(parts: Sequence[StockValue]) -> list[Cell]:
        whole: list[Cell] = [sum(p.units for p in parts), sum(p.cost_cents for p in parts),
                             sum(p.retail_cents for p in parts)]
        return [c for p in parts for c in (p.units, p.cost_cents, p.retail_cents)] + whole

    styles = sorted(per, key=lambda k: (-sum(v.retail_cents for v in per[k]), k))
    rows = tuple((_label("style", k, context), *cells(per[k])) for k in styles)
    sums = [StockValue("", sum(per[k][n].units for k in styles), sum(per[k][n].cost_cents for k in styles),
                       sum(per[k][n].retail_cents for k in styles)) for n in range(buckets)]
    note += (f"Stock at the end of {at.isoformat()} (store time), by whole months since each piece was received "
             f"(exactly {months[0]} months old is in \"{labels[1]}\"); a piece without a received date is counted "
             f"as {labels[-1].lower()}. {_CURRENT_VALUES}")
    note += _costless(sum(v.costless_units for _, v in found))
    drills = tuple(Drill("items", filters=(("style", k),)) for k in styles)
    title = "Stock aging by style"
    return title, (Table(title, tuple(columns), rows, ("Total", *cells(sums)), drills, note),)


# ------------------------------------------------------------------ turn and GMROI

TURN_COLUMNS = (
    Column("net_sales", "Net sales", Kind.MONEY),
    Column("cogs", "Cost of goods sold", Kind.MONEY, cost=True),
    Column("gross_profit", "Gross profit", Kind.MONEY, cost=True),
    Column("inventory_cost", "Inventory at cost at the end", Kind.MONEY, cost=True),
    Column("average_inventory", "Average inventory at cost", Kind.MONEY, cost=True),
    Column("turn", "Turn", Kind.RATIO, cost=True),
    Column("gmroi", "GMROI", Kind.RATIO, cost=True),
)


def turn_cells(sales: SalesTotals, points: Sequence[int]) -> tuple[Cell, ...]:
    average = average_inventory(points)
    return (sales.net_sales, sales.cogs, sales.gross_profit, points[-1] if points else 0, average,
            turn(sales.cogs, average), gmroi(sales.gross_profit, average))


@report("turn", "Stock turn and GMROI",
        "Over the 12 months ending at a date: turn = cost of goods sold / average inventory at cost; GMROI = "
        "gross profit / average inventory at cost; average inventory = mean of the inventory at cost at the 13 "
        "month ends; by style or metal, and overall.",
        bys=("style", "metal"), at_a_date=True)
def turn_report(request: ReportRequest, period: Period, context: ReportContext) -> tuple[str, tuple[Table, ...]]:
    by = request.by or "style"
    points = month_ends(period.last)
    year = Period(points[0] + dt.timedelta(days=1), points[-1])
    groups = {g.key: g.totals for g in context.store.reports.sales_totals(year, context.timezone, by=by)}
    stock = dict(context.store.reports.stock_cost_at(points, context.timezone, by))
    nothing = (0,) * len(points)
    keys = sorted(set(groups) | set(stock), key=lambda k: (-groups.get(k, SalesTotals()).net_sales, k))
    rows = tuple((_label(by, k, context), *turn_cells(groups.get(k, SalesTotals()), stock.get(k, nothing)))
                 for k in keys)
    drills = tuple(Drill("sales", year, ((by, k),)) for k in keys)
    everything = total(groups.values())
    whole = [sum(values[n] for values in stock.values()) for n in range(len(points))]
    note = (f"12 months: {year.first.isoformat()} to {year.last.isoformat()}. Average inventory is the mean of "
            f"the inventory at cost on {points[0].isoformat()} and at the end of each month to "
            f"{year.last.isoformat()} ({len(points)} values), each piece at its cost now (cost changes are not "
            "historical); cost of goods sold is at the cost each piece sold at.")
    if everything.costless_lines:
        lines = "line" if everything.costless_lines == 1 else "lines"
        note += f" {everything.costless_lines:,} sold {lines} had no cost recorded; counted at $0."
    title = f"Stock turn and GMROI by {by}"
    heading = Column("group", _HEADINGS[by], Kind.TEXT)
    return title, (Table(title, (heading, *TURN_COLUMNS), rows, ("Total", *turn_cells(everything, whole)), drills,
                         note),)
