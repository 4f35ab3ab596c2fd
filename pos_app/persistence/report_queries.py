"""Aggregates for manager reports (`services/ports/reports.py` `ReportsReader`), raw SQL on the operation's connection.

Each report area keeps its SQL in its own module and the reader is their
sum: sales here; stock (valuation, aging, turn) in `report_stock_queries.py`;
sales tax and end of day in `report_day_queries.py`.

A store's reports count its own sales (`report_scope.OWN_SALE`): in a sync
group the other stores' are the head office's.

A sale belongs to the store's day it was made on. Grouped by day, the query
walks a list of the period's days with each day's UTC start and end (local
midnights, through daylight saving changes, `Period.day_bounds`) and reads
each day's sales through the `completed_at` index: exact in any timezone, and
a year is 365 index ranges. A week or a month is the sum of its days.

Every query names that index (`INDEXED BY ix_sales_completed_at`): with the statistics `PRAGMA optimize`
keeps (every close), SQLite otherwise may build a temporary index on `status` for each query instead
(measured at 1,000,000 sale lines: a year by month 14 s instead of 3 s on a loaded 2-core machine).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from pos_app.domain.figures import BASIS_POINTS, PRICE_BANDS, TOP_BAND, Period, SalesTotals, month_of, week_of
from pos_app.persistence.journal import stored_time
from pos_app.persistence.models.base import parse_utc
from pos_app.persistence.report_day_queries import DayReportQueries
from pos_app.persistence.report_scope import OWN_SALE
from pos_app.persistence.report_stock_queries import StockReportQueries
from pos_app.services.ports.reports import Grouped, ReceiptRow

_BAND = "CASE " + " ".join(f"WHEN l.unit_price_cents < {bound} THEN '{label}'" for bound, label in PRICE_BANDS) + (
    f" ELSE '{TOP_BAND}' END")

# What each grouping groups by, and whether it needs the item's row.
_KEYS: dict[str, tuple[str, bool]] = {
    "style": ("i.style", True),
    "metal": ("i.metal", True),
    "band": (_BAND, False),
    "clerk": ("s.staff_id", False),
    "counter": ("s.terminal", False),
    "item": ("l.item_id", False),
    # An item with its style and metal ("id\x1fstyle\x1fmetal"): the dashboard's one pass over the year. Grouped by
    # the item alone; its style and metal are the item's (SQLite's bare columns: one value for the whole group).
    "item_style_metal": ("l.item_id || char(31) || i.style || char(31) || i.metal", True),
    "salesperson": ("coalesce(c.staff_id, s.staff_id)", False),
    "salesperson_style": ("coalesce(c.staff_id, s.staff_id) || '|' || i.style", True),
}
# What each filter narrows, and whether it needs the item's row.
_FILTERS: dict[str, tuple[str, bool]] = {
    "style": ("i.style = ?", True),
    "metal": ("i.metal = ?", True),
    "band": (f"({_BAND}) = ?", False),
    "clerk": ("s.staff_id = ?", False),
    "counter": ("s.terminal = ?", False),
    "sku": ("l.sku = ?", False),
    "item": ("l.item_id = ?", False),
    "salesperson": ("coalesce(c.staff_id, s.staff_id) = ?", False),
}

_SOLD = "l.returns_line_id IS NULL"
_BACK = "l.returns_line_id IS NOT NULL"
_MONEY = (  # (field, expression of one line, summed over sold (True) or returned (False) lines)
    ("sold_gross", "(l.total_cents - l.tax_cents + l.discount_cents)", True),
    ("discounts", "l.discount_cents", True),
    ("returned", "-(l.total_cents - l.tax_cents)", False),
    ("tax", "l.tax_cents", None),
    ("cost_sold", "(l.quantity * coalesce(l.cost_cents, 0))", True),
    ("cost_returned", "-(l.quantity * coalesce(l.cost_cents, 0))", False),
)


def _money_columns(credited: bool) -> list[str]:
    """Each money field's SUM; for a salesperson, their slice of each line (`domain.figures.split`)."""
    out = []
    for _name, expr, sold in _MONEY:
        value = (f"(({expr}) * coalesce(c.share_to_bp, {BASIS_POINTS}) / {BASIS_POINTS} - "
                 f"({expr}) * coalesce(c.share_from_bp, 0) / {BASIS_POINTS})") if credited else expr
        where = "" if sold is None else f" FILTER (WHERE {_SOLD if sold else _BACK})"
        out.append(f"coalesce(sum({value}){where}, 0)")
    return out


_COUNTS = (
    "count(*) FILTER (WHERE l.cost_cents IS NULL)",
    f"count(DISTINCT l.sale_id) FILTER (WHERE {_SOLD})",
    f"count(DISTINCT l.sale_id) FILTER (WHERE {_BACK})",
    f"coalesce(sum(l.quantity) FILTER (WHERE {_SOLD}), 0)",
    f"coalesce(-sum(l.quantity) FILTER (WHERE {_BACK}), 0)",
)


def _totals(row: Any, at: int) -> SalesTotals:
    v = [int(x or 0) for x in row[at:at + 11]]
    return SalesTotals(sold_gross=v[0], discounts=v[1], returned=v[2], tax=v[3], cost_sold=v[4],
                       cost_returned=v[5], costless_lines=v[6], sales=v[7], returns=v[8], units_sold=v[9],
                       units_returned=v[10])


class SalesReportQueries:
    _c: Any

    def sales_totals(self, period: Period, timezone: str, *, by: str | None = None,
                     filters: tuple[tuple[str, str], ...] = ()) -> list[Grouped]:
        time_grouped = by in ("day", "week", "month")
        key_sql, needs_item = ("''", False) if by is None or time_grouped else _KEYS[by]
        where, params = ["s.status = 'completed'", OWN_SALE], []
        for name, value in filters:
            clause, item = _FILTERS[name]
            where.append(clause)
            params.append(value)
            needs_item = needs_item or item
        credited = by in ("salesperson", "salesperson_style") or any(name == "salesperson" for name, _ in filters)
        joins = "JOIN sale_lines l ON l.sale_id = s.id"
        if needs_item:
            joins += " JOIN items i ON i.id = l.item_id"
        if credited:
            joins += " LEFT JOIN sale_credits c ON c.sale_id = s.id"
        columns = ", ".join(_money_columns(credited) + list(_COUNTS))
        if time_grouped:
            days = period.day_bounds(timezone)
            values = ", ".join("(?, ?, ?)" for _ in days)
            bounds = [v for day, start, end in days for v in (day.isoformat(), stored_time(start), stored_time(end))]
            # CROSS JOIN keeps the days outside: each day is one range of the completed_at index.
            sql = (f"WITH days(day, start, finish) AS (VALUES {values}) "
                   f"SELECT d.day, {columns} FROM days d CROSS JOIN sales s INDEXED BY ix_sales_completed_at {joins} "
                   f"WHERE s.completed_at >= d.start AND s.completed_at < d.finish AND {' AND '.join(where)} "
                   "GROUP BY d.day")
            rows = self._c.execute(sql, [*bounds, *params]).fetchall()
            return _by_time([(r[0], _totals(r, 1)) for r in rows], by or "day")
        start, end = period.utc_bounds(timezone)
        sql = (f"SELECT {key_sql}, {columns} FROM sales s INDEXED BY ix_sales_completed_at {joins} "
               f"WHERE s.completed_at >= ? AND s.completed_at < ? AND {' AND '.join(where)} "
               f"GROUP BY {'l.item_id' if by == 'item_style_metal' else '1'}")
        rows = self._c.execute(sql, [stored_time(start), stored_time(end), *params]).fetchall()
        return [Grouped(str(r[0] if r[0] is not None else ""), _totals(r, 1)) for r in rows]

    def payments_by_tender(self, period: Period, timezone: str, *,
                           voided: bool = False) -> list[tuple[str, int, int, int]]:
        start, end = period.utc_bounds(timezone)
        completed = "" if voided else "s.status = 'completed' AND "
        rows = self._c.execute(
            "SELECT p.tender, count(DISTINCT p.sale_id), coalesce(sum(p.amount_cents) FILTER "
            "(WHERE p.amount_cents > 0), 0), coalesce(-sum(p.amount_cents) FILTER (WHERE p.amount_cents < 0), 0) "
            "FROM sales s INDEXED BY ix_sales_completed_at JOIN payments p ON p.sale_id = s.id "
            f"WHERE s.completed_at >= ? AND s.completed_at < ? AND {completed}{OWN_SALE} "
            "GROUP BY p.tender ORDER BY p.tender", (stored_time(start), stored_time(end))).fetchall()
        return [(str(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in rows]

    def receipts(self, period: Period, timezone: str, *, filters: tuple[tuple[str, str], ...] = (),
                 limit: int = 10_000) -> list[ReceiptRow]:
        start, end = period.utc_bounds(timezone)
        where, params = [], []
        needs_item = credited = False
        for name, value in filters:
            clause, item = _FILTERS[name]
            where.append(clause)
            params.append(value)
            needs_item = needs_item or item
            credited = credited or name == "salesperson"
        narrowed = ""
        if where:
            joins = (" JOIN items i ON i.id = l.item_id" if needs_item else "") + (
                " LEFT JOIN sale_credits c ON c.sale_id = s.id" if credited else "")
            narrowed = (f" AND EXISTS (SELECT 1 FROM sale_lines l{joins} WHERE l.sale_id = s.id AND "
                        f"{' AND '.join(where)})")
        rows = self._c.execute(
            "SELECT s.id, s.number, s.completed_at, s.kind, s.staff_id, s.terminal, s.total_cents - s.tax_cents, "
            "s.tax_cents, s.total_cents FROM sales s INDEXED BY ix_sales_completed_at "
            f"WHERE s.completed_at >= ? AND s.completed_at < ? AND s.status = 'completed' AND {OWN_SALE}{narrowed} "
            "ORDER BY s.completed_at LIMIT ?", [stored_time(start), stored_time(end), *params, limit]).fetchall()
        return [ReceiptRow(r[0], r[1], parse_utc(r[2]), r[3], r[4], r[5], int(r[6]), int(r[7]), int(r[8]))
                for r in rows]

    def slow_movers(self, limit: int) -> list[tuple[str, str, str, int, int, int | None, dt.date | None]]:
        # Through the received_on index: the oldest pieces first, without reading the rest.
        rows = self._c.execute(
            "SELECT sku, title, style, on_hand, price_cents, cost_cents, received_on FROM items "
            "INDEXED BY ix_items_received_on_sku_seq WHERE received_on IS NOT NULL AND on_hand > 0 "
            "ORDER BY received_on, sku LIMIT ?", (limit,)).fetchall()
        return [(r[0], r[1], r[2], int(r[3]), int(r[4]), r[5], dt.date.fromisoformat(r[6])) for r in rows]

    def interrupt(self) -> None:
        self._c.interrupt()


def _by_time(days: list[tuple[str, SalesTotals]], by: str) -> list[Grouped]:
    """Days summed into weeks (starting Monday) or months: a sale is in one day, so every field adds up."""
    if by == "day":
        return [Grouped(day, totals) for day, totals in days]
    bucket = week_of if by == "week" else month_of
    sums: dict[str, SalesTotals] = defaultdict(SalesTotals)
    for day, totals in days:
        key = bucket(dt.date.fromisoformat(day)).isoformat()
        sums[key] = sums[key] + totals
    return [Grouped(key, sums[key]) for key in sorted(sums)]


REPORT_CACHE_KIB = 65_536
"""Page cache of a connection that runs reports (64 MiB, the default is 2): a year's sales are read in the
order of their dates, their lines and items by random ids; with the indexes they touch held in memory each
encrypted page is read and decrypted once, not once per line."""


class SqliteReportsReader(SalesReportQueries, StockReportQueries, DayReportQueries):
    def __init__(self, conn: Any) -> None:
        self._c = conn
        conn.execute(f"PRAGMA cache_size = -{REPORT_CACHE_KIB}")
