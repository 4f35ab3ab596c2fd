"""The Reports tab's first page: how the store is doing, at a glance, against last year.

Tiles for today, month to date and year to date, each beside the same days a
year before; net sales per day over the last 30 days with last year's line;
net sales by style and by metal this year; the stock by style at retail and
at cost; top sellers by pieces and by gross profit; the slow movers. Every
figure is `domain/figures.py`'s and carries the `Drill` to what is behind it.

Reads: one day-grouped pass over this year (from 1 January, or 30 days back
in early January) and one over the same days a year before, from which the
tiles and the daily line are summed; one pass over this year by item, with
its style and metal, for the style and metal bars and the top sellers; the
stock from the items' on-hand index.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from pos_app.domain.errors import ValidationError
from pos_app.domain.figures import Period, SalesTotals, total, year_before
from pos_app.domain.permissions import Actor, Permission
from pos_app.domain.store import store_today
from pos_app.services.guard import requires
from pos_app.services.ports.inventory import ItemRow
from pos_app.services.ports.reports import Cell, Column, Comparison, Dashboard, Drill, Grouped, Kind, Series, Table
from pos_app.services.ports.store import Store
from pos_app.services.ports.uow import UnitOfWork

CHART_DAYS = 30
TOP = 10


def _sum_days(days: dict[str, SalesTotals], period: Period) -> SalesTotals:
    first, last = period.first.isoformat(), period.last.isoformat()
    return total(t for day, t in days.items() if first <= day <= last)


@requires(Permission.VIEW_SALES_REPORTS)
def build(*, store: Store, actor: Actor, uow: UnitOfWork, now: dt.datetime | None = None) -> Dashboard:
    """The dashboard as of `now` (default: this moment), in the store's calendar."""
    profile = store.directory.store()
    if profile is None:
        raise ValidationError("store", "the store is not set up yet")
    tz = profile.timezone
    today = store_today(tz, now)
    reader = store.reports
    chart = Period(today - dt.timedelta(days=CHART_DAYS - 1), today)
    ytd = Period(today.replace(month=1, day=1), today)
    read = Period(min(ytd.first, chart.first), today)
    days = {g.key: g.totals for g in reader.sales_totals(read, tz, by="day")}
    before = {g.key: g.totals for g in reader.sales_totals(read.a_year_before(), tz, by="day")}

    tiles = []
    for label, period in (("Today", Period(today, today)), ("Month to date", Period(today.replace(day=1), today)),
                          ("Year to date", ytd)):
        tiles.append(Comparison(label, period, _sum_days(days, period), _sum_days(before, period.a_year_before())))

    chart_days = [chart.first + dt.timedelta(days=n) for n in range(chart.days)]
    labels = tuple(d.isoformat() for d in chart_days)
    this_year = Series("This year", labels, tuple(days.get(d.isoformat(), SalesTotals()).net_sales
                                                  for d in chart_days),
                       tuple(Drill("sales", Period(d, d)) for d in chart_days))
    last_year = Series("Last year", labels, tuple(before.get(year_before(d).isoformat(), SalesTotals()).net_sales
                                                  for d in chart_days),
                       tuple(Drill("sales", Period(year_before(d), year_before(d))) for d in chart_days))

    # One pass over the year by item (with its style and metal) gives the style and metal bars and the top sellers.
    items: list[Grouped] = []
    per: dict[str, dict[str, SalesTotals]] = {"style": defaultdict(SalesTotals), "metal": defaultdict(SalesTotals)}
    for g in reader.sales_totals(ytd, tz, by="item_style_metal"):
        item_id, style, metal = g.key.split("\x1f")
        items.append(Grouped(item_id, g.totals))
        per["style"][style] += g.totals
        per["metal"][metal] += g.totals

    def by(key: str) -> Series:
        groups = sorted(per[key].items(), key=lambda kv: (-kv[1].net_sales, kv[0]))
        return Series("Net sales this year", tuple(k.replace("_", " ").capitalize() for k, _ in groups),
                      tuple(t.net_sales for _, t in groups),
                      tuple(Drill("sales", ytd, ((key, k),)) for k, _ in groups))

    show_cost = actor.can(Permission.VIEW_COST)
    stock = sorted(reader.stock_value(None, tz, "style"), key=lambda r: (-r[3], r[0]))
    stock_labels = tuple(style.replace("_", " ").capitalize() for style, *_ in stock)
    stock_drills = tuple(Drill("items", None, (("style", style),)) for style, *_ in stock)
    stock_retail = Series("At retail", stock_labels, tuple(retail for *_, retail in stock), stock_drills)
    stock_cost = Series("At cost", stock_labels, tuple(cost for _, _, cost, _ in stock), stock_drills) \
        if show_cost else None

    top_units = sorted(items, key=lambda g: (-g.totals.units_sold, -g.totals.net_sales, g.key))[:TOP]
    top_profit = sorted(items, key=lambda g: (-g.totals.gross_profit, g.key))[:TOP] if show_cost else []
    names = {row.id: row for row in store.inventory.rows_by_ids(list({g.key for g in top_units + top_profit}))}
    return Dashboard(
        currency=profile.currency, locale=profile.locale, today=today, tiles=tuple(tiles),
        by_day=(this_year, last_year), by_style=by("style"), by_metal=by("metal"),
        stock_retail=stock_retail, stock_cost=stock_cost,
        top_by_units=_top_table("Top sellers by pieces", top_units, names, ytd, show_cost),
        top_by_profit=_top_table("Top sellers by gross profit", top_profit, names, ytd, show_cost) if show_cost
        else None,
        slow_movers=_slow_table(reader.slow_movers(TOP), today, show_cost),
        show_cost=show_cost,
    )


_TOP_COLUMNS = (
    Column("sku", "SKU"), Column("title", "Necklace"), Column("units_sold", "Pieces", Kind.COUNT),
    Column("net_sales", "Net sales", Kind.MONEY), Column("gross_profit", "Gross profit", Kind.MONEY, cost=True),
)


def _top_table(title: str, groups: list[Grouped], names: dict[str, ItemRow], period: Period,
               show_cost: bool) -> Table:
    rows: list[tuple[Cell, ...]] = []
    drills: list[Drill | None] = []
    for g in groups:
        row = names.get(g.key)
        sku, name = (row.sku, row.title) if row else ("", "")
        rows.append((sku, name, g.totals.units_sold, g.totals.net_sales, g.totals.gross_profit))
        drills.append(Drill("sales", period, (("sku", sku),)) if sku else None)
    table = Table(title, _TOP_COLUMNS, tuple(rows), drills=tuple(drills))
    return table if show_cost else table.without({"gross_profit"})


def _slow_table(rows: list[tuple[str, str, str, int, int, int | None, dt.date | None]], today: dt.date,
                show_cost: bool) -> Table:
    columns = (Column("sku", "SKU"), Column("title", "Necklace"), Column("style", "Style"),
               Column("days", "Days in stock", Kind.COUNT), Column("on_hand", "On hand", Kind.COUNT),
               Column("retail", "At retail", Kind.MONEY), Column("cost", "At cost", Kind.MONEY, cost=True))
    cells = tuple((sku, title, style.replace("_", " ").capitalize(),
                   (today - received).days if received else None, on_hand, on_hand * price,
                   None if cost is None else on_hand * cost)
                  for sku, title, style, on_hand, price, cost, received in rows)
    table = Table("Slow movers: longest in stock", columns, cells,
                  drills=tuple(Drill("items", None, (("sku", r[0]),)) for r in rows))
    return table if show_cost else table.without({"cost"})
