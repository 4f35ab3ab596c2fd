"""The one definition of every figure a manager reads: net sales, cost of goods
sold, gross profit and margin, average ticket, items per sale, average
inventory, turn and GMROI, and a salesperson's share of a split sale.

Every screen, command, CSV and PDF takes its numbers from here, so "net
sales" means the same thing on the dashboard, in the sales report, on the Z
report and in a file a manager sends the accountant.

Money is integer cents throughout; a ratio is a `Decimal`, rounded only when
it is shown (`shown_percent`, `shown_ratio`). The sums (`SalesTotals`) are
additive: the totals of any grouping of sale lines (by style, by day, by
salesperson...) add up to the totals of all of them, exactly, because each
line's cents go to exactly one group (a split sale's cents are divided by
`split`, whose parts always add up to the whole).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

BASIS_POINTS = 10_000
"""A salesperson's share of a sale is in basis points: 10,000 is the whole sale."""


@dataclass(frozen=True)
class SalesTotals:
    """Sums over completed (not voided) sale lines, in cents and units.

    A *sold line* is a line of a sale or an exchange that sold a piece; a
    *returned line* takes pieces back (a negative quantity that points at the
    line it returns). Tax is never part of sales: it is the state's money.

    - `sold_gross`: sold lines at their selling price before discounts, without tax
      (the Z report's "Sold before discounts").
    - `discounts`: taken off sold lines (line discounts and each line's share of an order discount).
    - `returned`: given back for returned lines, without tax (positive).
    - `tax`: tax charged less tax refunded.
    - `cost_sold` / `cost_returned`: the cost of the units sold / taken back, at the cost recorded
      on each line when it was sold (a returned unit comes back at the cost it left at).
    - `costless_lines`: lines whose piece had no cost recorded; their cost counts as 0, and a report
      says how many there were so a margin is never silently flattered.
    - `sales`: receipts that sold at least one piece; `returns`: receipts that took at least one back.
      These two count receipts, so they do not add up over groups of lines (a sale of a tennis and a
      halo necklace is one sale of tennis and one of halo); every other field does.
    - `units_sold` / `units_returned`: pieces (positive).
    """

    sold_gross: int = 0
    discounts: int = 0
    returned: int = 0
    tax: int = 0
    cost_sold: int = 0
    cost_returned: int = 0
    costless_lines: int = 0
    sales: int = 0
    returns: int = 0
    units_sold: int = 0
    units_returned: int = 0

    ADDITIVE = ("sold_gross", "discounts", "returned", "tax", "cost_sold", "cost_returned", "costless_lines",
                "units_sold", "units_returned")
    """The fields whose sum over any grouping of lines is the total's."""

    @property
    def sold_net(self) -> int:
        """Sold lines after discounts, without tax: `sold_gross - discounts`."""
        return self.sold_gross - self.discounts

    @property
    def net_sales(self) -> int:
        """Net sales = sold before discounts - discounts - returned, without tax (as the Z report's)."""
        return self.sold_gross - self.discounts - self.returned

    @property
    def cogs(self) -> int:
        """Cost of goods sold = cost of the units sold - cost of the units returned."""
        return self.cost_sold - self.cost_returned

    @property
    def gross_profit(self) -> int:
        """Gross profit = net sales - cost of goods sold."""
        return self.net_sales - self.cogs

    @property
    def margin(self) -> Decimal | None:
        """Gross margin % = gross profit / net sales x 100; None when there were no net sales."""
        return ratio(self.gross_profit * 100, self.net_sales)

    @property
    def average_ticket(self) -> int | None:
        """Average ticket = sold lines after discounts / number of sales (cents, half up); None without a sale.

        Returns are left out: a ticket is what a customer spent at one time."""
        return divide(self.sold_net, self.sales)

    @property
    def items_per_sale(self) -> Decimal | None:
        """Items per sale = units sold / number of sales."""
        return ratio(self.units_sold, self.sales)

    def __add__(self, other: SalesTotals) -> SalesTotals:
        return SalesTotals(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


def total(parts: Iterable[SalesTotals]) -> SalesTotals:
    result = SalesTotals()
    for part in parts:
        result = result + part
    return result


def ratio(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator exactly enough for display (28 digits); None when dividing by zero."""
    if denominator == 0:
        return None
    return Decimal(numerator) / Decimal(denominator)


def divide(cents: int, count: int) -> int | None:
    """cents / count rounded half up to the cent (half away from zero); None when count is 0."""
    if count == 0:
        return None
    return int((Decimal(cents) / Decimal(count)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def shown_percent(value: Decimal | None, places: int = 1) -> str:
    """"42.3%": a percentage for a person to read; "—" when there is none."""
    if value is None:
        return "—"
    return f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)}%"


def shown_ratio(value: Decimal | None, places: int = 2) -> str:
    """"1.84": a turn or a GMROI for a person to read; "—" when there is none."""
    if value is None:
        return "—"
    return str(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def change(now: int, before: int) -> Decimal | None:
    """Change against the same period last year, in % = (now - before) / |before| x 100; None from nothing."""
    if before == 0:
        return None
    return Decimal(now - before) * 100 / abs(Decimal(before))


# ------------------------------------------------------------------ inventory


def average_inventory(values: Sequence[int]) -> int | None:
    """Average inventory at cost = the mean of the inventory's cost at the start of the period and at the end
    of each month in it (13 values for 12 months), in cents, half up; None without a value."""
    return divide(sum(values), len(values))


def turn(cogs: int, average_inventory_cost: int | None) -> Decimal | None:
    """Turn = cost of goods sold over the 12 months / average inventory at cost over them."""
    if not average_inventory_cost:
        return None
    return ratio(cogs, average_inventory_cost)


def gmroi(gross_profit: int, average_inventory_cost: int | None) -> Decimal | None:
    """GMROI = gross profit over the 12 months / average inventory at cost over them (dollars of gross
    profit for each dollar the stock tied up)."""
    if not average_inventory_cost:
        return None
    return ratio(gross_profit, average_inventory_cost)


# ------------------------------------------------------------------ split sales


def split(cents: int, share_from_bp: int, share_to_bp: int) -> int:
    """One salesperson's part of `cents` in a sale they share.

    The salespeople of a sale hold consecutive slices of it in basis points
    (the first 0 to 6,000, the second 6,000 to 10,000, ...). A slice's part is
    `trunc(cents x to / 10,000) - trunc(cents x from / 10,000)`: the parts add
    up to `cents` exactly, whatever the shares, the sign or the number of
    people, because the sum telescopes. SQL computes the same expression
    (`persistence/report_queries.py`).
    """
    return _trunc_div(cents * share_to_bp, BASIS_POINTS) - _trunc_div(cents * share_from_bp, BASIS_POINTS)


def _trunc_div(a: int, b: int) -> int:
    """Integer division toward zero, as SQLite's `/` on integers."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


# ------------------------------------------------------------------ periods


@dataclass(frozen=True)
class Period:
    """Days `first` to `last`, both included, in the store's calendar."""

    first: dt.date
    last: dt.date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("a period ends on or after its first day")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def a_year_before(self) -> Period:
        """The same days one year earlier (29 February falls back to the 28th)."""
        return Period(year_before(self.first), year_before(self.last))

    def utc_bounds(self, timezone: str) -> tuple[dt.datetime, dt.datetime]:
        """The UTC moments the period starts and ends (end excluded): local midnights, through DST."""
        zone = ZoneInfo(timezone)
        start = dt.datetime.combine(self.first, dt.time(), zone).astimezone(dt.UTC)
        end = dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
        return start, end

    def day_bounds(self, timezone: str) -> list[tuple[dt.date, dt.datetime, dt.datetime]]:
        """Each day of the period with the UTC moments it starts and ends (end excluded).

        A sale belongs to the store's day it was made on: one at 23:30 local time is that day's, whatever
        the date in UTC; a day of a daylight saving change is 23 or 25 hours long."""
        zone = ZoneInfo(timezone)
        days = []
        day = self.first
        start = dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)
        while day <= self.last:
            following = day + dt.timedelta(days=1)
            end = dt.datetime.combine(following, dt.time(), zone).astimezone(dt.UTC)
            days.append((day, start, end))
            day, start = following, end
        return days


def year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def week_of(day: dt.date) -> dt.date:
    """The Monday a day's week starts on (ISO weeks)."""
    return day - dt.timedelta(days=day.weekday())


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_ends(last: dt.date, months: int = 12) -> list[dt.date]:
    """The day before the period and the last day of each of its `months` months, oldest first, the last
    being `last` itself: the points average inventory is taken at (13 for a year)."""
    points = [last]
    day = last.replace(day=1) - dt.timedelta(days=1)
    for _ in range(months):
        points.append(day)
        day = day.replace(day=1) - dt.timedelta(days=1)
    return sorted(points)


# ------------------------------------------------------------------ price bands

PRICE_BANDS: tuple[tuple[int, str], ...] = (
    (100_000, "Under $1,000"),
    (500_000, "$1,000 to $4,999"),
    (1_000_000, "$5,000 to $9,999"),
    (2_500_000, "$10,000 to $24,999"),
)
"""Upper bounds (excluded, in cents of the unit price) of the price bands; above the last: "$25,000 and up"."""
TOP_BAND = "$25,000 and up"


def price_band(unit_price_cents: int) -> str:
    for bound, label in PRICE_BANDS:
        if unit_price_cents < bound:
            return label
    return TOP_BAND
