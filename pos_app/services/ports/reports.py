"""Manager reports and the dashboard: one shape for the screen, the command line, CSV and PDF.

A report is a `Report`: its title, the filters it was run with (as a person
reads them), and one or more `Table`s of typed cells. The screen shows it, the
command line prints it or writes it as JSON, CSV or PDF, all from the same
object, so a figure is never computed twice. Money cells are integer cents,
counts are ints, ratios are `Decimal` (a percentage is already x 100), days
are ISO dates; formatting happens only where a person reads it.

Columns marked `cost` are removed (`Report.without_cost`) for whoever may not
see cost; the service does that, never the screen.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from pos_app.domain.figures import Period, SalesTotals
from pos_app.services.ports.sales import ShiftRecord

Cell = str | int | Decimal | None


class Kind(StrEnum):
    TEXT = "text"
    MONEY = "money"  # int cents
    COUNT = "count"  # int
    PERCENT = "percent"  # Decimal, already x 100
    RATIO = "ratio"  # Decimal (turn, GMROI, items per sale)
    DATE = "date"  # "YYYY-MM-DD"


@dataclass(frozen=True)
class Column:
    key: str  # JSON key and CSV header: "net_sales"
    heading: str  # what a person reads: "Net sales"
    kind: Kind = Kind.TEXT
    cost: bool = False  # derived from cost: shown only to who may see cost


@dataclass(frozen=True)
class Drill:
    """What a row or a dashboard figure stands for: the sales (receipts) or the items behind it.

    `filters` are the same keys `ReportRequest.filters` takes (style, metal, staff_id, terminal, tender,
    band, sku, location), so a drill-through is another report request: `receipts` for sales, the
    inventory list for items."""

    what: str  # "sales" | "items"
    period: Period | None = None
    filters: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    total: tuple[Cell, ...] | None = None
    drills: tuple[Drill | None, ...] = ()  # one per row, or empty
    note: str = ""  # a line under the table ("3 lines had no cost recorded; counted at $0")

    def without(self, keys: set[str]) -> Table:
        keep = [i for i, c in enumerate(self.columns) if c.key not in keys]
        return dataclasses.replace(
            self, columns=tuple(self.columns[i] for i in keep),
            rows=tuple(tuple(r[i] for i in keep) for r in self.rows),
            total=None if self.total is None else tuple(self.total[i] for i in keep))


@dataclass(frozen=True)
class Report:
    name: str  # the catalog's name: "sales"
    title: str  # "Sales by style"
    store: str  # the store's name, for the letterhead
    currency: str
    locale: str
    timezone: str
    filters: tuple[tuple[str, str], ...]  # ("From", "2026-11-01"), ("By", "style"), ...
    tables: tuple[Table, ...]
    made_at: dt.datetime  # UTC

    def without_cost(self) -> Report:
        return dataclasses.replace(self, tables=tuple(
            t.without({c.key for c in t.columns if c.cost}) for t in self.tables))


@dataclass(frozen=True)
class ReportRequest:
    """What a person asks for: a report by name, a period, a grouping, and narrowing filters."""

    name: str
    first: dt.date | None = None  # None: the report's default period
    last: dt.date | None = None
    by: str | None = None  # None: the report's default grouping
    filters: tuple[tuple[str, str], ...] = ()


# ------------------------------------------------------------------ dashboard


@dataclass(frozen=True)
class Comparison:
    """One tile: a period's figures and the same days a year before."""

    label: str  # "Today", "Month to date", "Year to date"
    period: Period
    now: SalesTotals
    year_before: SalesTotals


@dataclass(frozen=True)
class Series:
    """One line or set of bars of a chart: labels and values in cents, in order."""

    name: str  # "This year", "Last year", "Net sales"
    labels: tuple[str, ...]
    values: tuple[int, ...]
    drills: tuple[Drill | None, ...] = ()


@dataclass(frozen=True)
class Dashboard:
    currency: str
    locale: str
    today: dt.date
    tiles: tuple[Comparison, ...]
    by_day: tuple[Series, Series]  # net sales per day over the last 30 days, and the same days a year before
    by_style: Series  # net sales year to date
    by_metal: Series
    stock_retail: Series  # on hand at retail, by style
    stock_cost: Series | None  # on hand at cost, by style; None for who may not see cost
    top_by_units: Table  # year to date
    top_by_profit: Table | None  # None without cost
    slow_movers: Table  # in stock longest without a sale
    show_cost: bool = field(default=False)


# ------------------------------------------------------------------ readers


@dataclass(frozen=True)
class Grouped:
    """Sums of sale lines for one group: `key` is what the group is (a day, a style, a staff id...)."""

    key: str
    totals: SalesTotals


@dataclass(frozen=True)
class ReceiptRow:
    """One completed sale, return or exchange: the receipts behind a figure."""

    sale_id: str
    number: str
    completed_at: dt.datetime  # UTC
    kind: str
    staff_id: str
    terminal: str
    net_cents: int  # without tax; negative for a return
    tax_cents: int
    total_cents: int


@dataclass(frozen=True)
class StockValue:
    """Units on hand in one group (a style, a metal, a location) and what they are worth, at each piece's cost
    and price as they are now. `costless_units`: those whose piece has no cost recorded (counted at $0)."""

    key: str
    units: int
    cost_cents: int
    retail_cents: int
    costless_units: int = 0


@dataclass(frozen=True)
class TaxRow:
    """Sale lines of one store day at one tax rate, exempt or not (`ReportsReader.tax_by_rate`)."""

    day: str  # "2026-11-30", the store's day
    rate: str  # as the sale recorded it: "8.875"
    exempt: bool  # the sale that charged the line had a tax exemption number
    net: int  # sold lines after discounts less returned lines, without tax (cents)
    tax_charged: int  # on sold lines
    tax_refunded: int  # on returned lines (positive)


@dataclass(frozen=True)
class ExemptReceipt:
    """A completed receipt with tax-exempt lines: an exempt sale, or a return of one."""

    sale_id: str
    number: str
    completed_at: dt.datetime  # UTC
    kind: str
    reason: str
    exemption_number: str
    net: int  # its exempt lines, without tax; negative for a return


@dataclass(frozen=True)
class VoidRow:
    number: str
    terminal: str
    voided_at: dt.datetime  # UTC
    voided_by: str  # a name
    approved_by: str  # the manager's name, "" when the person voiding needed no approval
    reason: str
    total: int  # the sale's total with tax (cents)


@dataclass(frozen=True)
class DrawerEvent:
    """A no-sale opening, paid-in or paid-out of the drawer."""

    at: dt.datetime  # UTC
    terminal: str
    kind: str  # no_sale | paid_in | paid_out
    staff: str  # a name
    approved_by: str  # the manager's name, "" when none was needed
    reason: str
    amount: int  # cents; 0 for a no-sale


class ReportsReader(Protocol):
    """Aggregates over sales and stock for reports, read-only, on the operation's connection."""

    def sales_totals(self, period: Period, timezone: str, *, by: str | None = None,
                     filters: tuple[tuple[str, str], ...] = ()) -> list[Grouped]:
        """Sale-line sums in the period, one `Grouped` per value of `by` (day, week, month, style, metal,
        band, clerk, counter, item, or a salesperson by their credited share), or one with key "" without."""
        ...

    def payments_by_tender(self, period: Period, timezone: str, *,
                           voided: bool = False) -> list[tuple[str, int, int, int]]:
        """(tender, receipts, taken, refunded (positive)) for the sales completed in the period; with `voided`,
        voided ones too (a void's refund cancels its payment, as in the drawer: the end of day's tenders)."""
        ...

    def receipts(self, period: Period, timezone: str, *, filters: tuple[tuple[str, str], ...] = (),
                 limit: int = 10_000) -> list[ReceiptRow]:
        """Completed receipts in the period with at least one line the filters keep, oldest first."""
        ...

    def slow_movers(self, limit: int) -> list[tuple[str, str, str, int, int, int | None, dt.date | None]]:
        """(sku, title, style, on hand, price, cost, received on) of the pieces in stock longest, oldest first."""
        ...

    # -- stock reports (valuation, aging, turn): persistence/report_stock_queries.py

    def stock_value(self, at: dt.date | None, timezone: str, by: str) -> list[tuple[str, int, int, int]]:
        """(key, units, cost cents, retail cents) of this store's stock at the end of the store's day `at`
        (None: now, straight from on hand), by style, metal, location or "" (one row); groups with none left
        out. Cost and retail are each piece's as they are now."""
        ...

    def stock_valuation(self, at: dt.date | None, timezone: str, by: str = "") -> list[StockValue]:
        """`stock_value`, with the units whose piece has no cost recorded."""
        ...

    def stock_aging(self, at: dt.date, timezone: str, cutoffs: Sequence[dt.date],
                    by: str = "style") -> list[tuple[int, StockValue]]:
        """This store's stock at the end of `at` by age bucket and group: bucket 0 for pieces received after
        `cutoffs[0]`, k for those received on or before `cutoffs[k - 1]` and after `cutoffs[k]` (`cutoffs`
        newest first); a piece without a received date is in the oldest bucket."""
        ...

    def stock_cost_at(self, points: Sequence[dt.date], timezone: str,
                      by: str = "") -> list[tuple[str, tuple[int, ...]]]:
        """(key, inventory at cost at the end of each of `points`) per group, `points` oldest first (the 13
        `month_ends` of a year), at each piece's cost as it is now."""
        ...

    # -- sales tax and end of day: persistence/report_day_queries.py

    def tax_by_rate(self, period: Period, timezone: str) -> list[TaxRow]:
        """Sale lines of completed receipts in the period, per store day, tax rate and exempt or not; a
        returned line at the rate and exemption of the sale it came back from, on the day of the return."""
        ...

    def exempt_receipts(self, period: Period, timezone: str) -> list[ExemptReceipt]:
        """Completed receipts in the period with a tax-exempt line (an exempt sale, or a return from one),
        oldest first."""
        ...

    def day_shifts(self, period: Period, timezone: str) -> list[ShiftRecord]:
        """Every counter's shifts that opened or closed in the period, by opening time."""
        ...

    def voided_sales(self, period: Period, timezone: str) -> list[VoidRow]:
        """Sales voided in the period, oldest first, with who voided and who approved."""
        ...

    def drawer_events(self, period: Period, timezone: str) -> list[DrawerEvent]:
        """No-sale openings, paid-ins and paid-outs in the period, every counter, oldest first."""
        ...

    def interrupt(self) -> None:
        """Stop the query running on this reader's connection (from another thread): Esc on a long report."""
        ...
