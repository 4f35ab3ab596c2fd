"""Salesperson performance: what each salesperson sold, earned the store, and earns in commission.

- `salespeople`: one row per salesperson for the period. A sale shared by salespeople (`sale_credits`)
  counts whole in each one's number of sales and pieces, and its money is divided between them by
  their slices (`domain/figures.py` `split`), so their net sales, returns and gross profit add up to the
  store's to the cent; a sale nobody shared is its clerk's. Commission follows the owner's rules
  (`reports.commission_rules`, `domain/commission.py`): per style, percent of net sales or of gross profit,
  rounded half up per style.

Each row drills to that salesperson's receipts (filter `salesperson`).
"""

from __future__ import annotations

from collections import defaultdict

from pos_app.domain.commission import CommissionRule, commission
from pos_app.domain.figures import Period, SalesTotals, total
from pos_app.services.ports.reports import Cell, Column, Drill, Kind, ReportRequest, Table
from pos_app.services.report_settings import commission_rules
from pos_app.services.reports.catalog import ReportContext, report
from pos_app.services.reports.sales import FILTER_KEYS, _costless_note, label_of

SALESPEOPLE_COLUMNS = (
    Column("salesperson", "Salesperson", Kind.TEXT),
    Column("sales", "Sales", Kind.COUNT),
    Column("units_sold", "Pieces sold", Kind.COUNT),
    Column("net_sales", "Net sales", Kind.MONEY),
    Column("gross_profit", "Gross profit", Kind.MONEY, cost=True),
    Column("margin", "Margin %", Kind.PERCENT, cost=True),
    Column("average_ticket", "Average ticket", Kind.MONEY),
    Column("items_per_sale", "Items per sale", Kind.RATIO),
    Column("returns", "Returns", Kind.COUNT),
    Column("returned", "Returned", Kind.MONEY),
    Column("commission", "Commission", Kind.MONEY),
)


def _cells(t: SalesTotals, earned: int) -> tuple[Cell, ...]:
    return (t.sales, t.units_sold, t.net_sales, t.gross_profit, t.margin, t.average_ticket, t.items_per_sale,
            t.returns, t.returned, earned)


def _rules_note(rules: tuple[CommissionRule, ...]) -> str:
    if not rules:
        return "No commission rules are set (Settings, Reports): commission is $0."
    return ("Commission: " + "; ".join(r.text() for r in rules)
            + " (a style's own rule beats the rule for all; rounded per style).")


@report("salespeople", "Salespeople",
        "Per salesperson: sales (receipts they shared, each counted whole), pieces, net sales and gross profit "
        "(their share of each sale), average ticket, items per sale, returns; commission = sum over styles of "
        "percent x net sales (or gross profit), rounded half up per style.",
        filter_keys=FILTER_KEYS)
def salespeople_report(request: ReportRequest, period: Period,
                       context: ReportContext) -> tuple[str, tuple[Table, ...]]:
    reader, tz, filters = context.store.reports, context.timezone, request.filters
    groups = reader.sales_totals(period, tz, by="salesperson", filters=filters)
    by_style: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for g in reader.sales_totals(period, tz, by="salesperson_style", filters=filters):
        staff_id, _, style = g.key.partition("|")
        by_style[staff_id][style] = (g.totals.net_sales, g.totals.gross_profit)
    rules = commission_rules(context.store.directory)
    earned = {g.key: commission(by_style.get(g.key, {}), rules) for g in groups}
    groups = sorted(groups, key=lambda g: (-g.totals.net_sales, g.key))
    rows: list[tuple[Cell, ...]] = []
    drills: list[Drill | None] = []
    for g in groups:
        rows.append((label_of("salesperson", g.key, context), *_cells(g.totals, earned[g.key])))
        drills.append(Drill("sales", period, (*filters, ("salesperson", g.key))))
    everything = total(g.totals for g in groups)
    # Receipts counted whole for each salesperson do not add up: the store's own count comes unshared.
    whole = reader.sales_totals(period, tz, filters=filters)
    if whole:
        everything = whole[0].totals
    note = " ".join(x for x in (_rules_note(rules), _costless_note(everything)) if x)
    title = "Salespeople"
    table = Table(title, SALESPEOPLE_COLUMNS, tuple(rows), ("Total", *_cells(everything, sum(earned.values()))),
                  tuple(drills), note)
    return title, (table,)
