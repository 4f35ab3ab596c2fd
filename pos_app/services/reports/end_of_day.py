"""The end-of-day report across every counter: each shift as its Z report counted it, tenders, voids and
the drawer opened without a sale or for cash paid in or out, with the manager who approved each.

A shift is in the report when it opened or closed in the period (a day, or a range of days). Its figures
are the Z report's own (`SalesReader.shift_figures`, `cash.expected_in_drawer`), and a closed shift's
expected, counted and over/short are what its Z report recorded, so the two never disagree:

- Sales = sold before discounts - discounts; net sales = sales - returns (without tax).
- Refunds = cash refunded + card refunded.
- Expected = float + cash taken - cash refunded + paid in - paid out; over/short = counted - expected.
"""

from __future__ import annotations

from pos_app.domain.errors import ValidationError
from pos_app.domain.figures import Period
from pos_app.domain.store import store_time
from pos_app.services.cash import expected_in_drawer
from pos_app.services.ports.reports import Cell, Column, Kind, ReportRequest, Table
from pos_app.services.reports.catalog import ReportContext, just_today, report
from pos_app.services.reports.sales import tender_table

SHIFT_COLUMNS = (
    Column("counter", "Counter", Kind.TEXT),
    Column("opened_by", "Opened by", Kind.TEXT),
    Column("opened_at", "Opened", Kind.TEXT),
    Column("closed_by", "Closed by", Kind.TEXT),
    Column("closed_at", "Closed", Kind.TEXT),
    Column("sales", "Sales", Kind.MONEY),
    Column("returns", "Returns", Kind.MONEY),
    Column("net_sales", "Net sales", Kind.MONEY),
    Column("tax", "Tax", Kind.MONEY),
    Column("cash_taken", "Cash taken", Kind.MONEY),
    Column("card_taken", "Card taken", Kind.MONEY),
    Column("refunds", "Refunds", Kind.MONEY),
    Column("paid_in", "Paid in", Kind.MONEY),
    Column("paid_out", "Paid out", Kind.MONEY),
    Column("expected", "Expected", Kind.MONEY),
    Column("counted", "Counted", Kind.MONEY),
    Column("over_short", "Over/short", Kind.MONEY),
)
VOID_COLUMNS = (
    Column("number", "Receipt", Kind.TEXT),
    Column("counter", "Counter", Kind.TEXT),
    Column("time", "Voided", Kind.TEXT),
    Column("voided_by", "Voided by", Kind.TEXT),
    Column("approved_by", "Approved by", Kind.TEXT),
    Column("reason", "Reason", Kind.TEXT),
    Column("amount", "Amount", Kind.MONEY),
)
DRAWER_COLUMNS = (
    Column("time", "Time", Kind.TEXT),
    Column("counter", "Counter", Kind.TEXT),
    Column("kind", "Kind", Kind.TEXT),
    Column("staff", "By", Kind.TEXT),
    Column("approved_by", "Approved by", Kind.TEXT),
    Column("reason", "Reason", Kind.TEXT),
    Column("amount", "Amount", Kind.MONEY),
)
LONGEST_DAYS = 92
"""Each shift is read as its Z report reads it (a few queries each): a quarter of shifts at most, not years."""
_DRAWER_KINDS = {"no_sale": "No sale", "paid_in": "Paid in", "paid_out": "Paid out"}
_TIME = "%Y-%m-%d %H:%M"


def _shifts_table(period: Period, context: ReportContext) -> Table:
    store, zone = context.store, context.timezone
    names: dict[str, str] = {}

    def name(staff_id: str | None) -> str:
        if not staff_id:
            return ""
        if staff_id not in names:
            member = store.directory.staff_member(staff_id)
            names[staff_id] = member.name if member else ""
        return names[staff_id]

    rows: list[tuple[Cell, ...]] = []
    sums = [0] * 10
    counted_sum = over_short_sum = 0
    closed = 0
    for shift in store.reports.day_shifts(period, zone):
        f = store.sales.shift_figures(shift.id)
        if shift.status == "closed" and shift.expected_cents is not None:
            expected = shift.expected_cents
        else:
            expected = expected_in_drawer(shift, f).cents
        money = [f.sold_before_discounts - f.discounts, f.returned, f.net_sales, f.tax, f.cash_in, f.card_in,
                 f.cash_out + f.card_out, f.paid_in, f.paid_out, expected]
        sums = [a + b for a, b in zip(sums, money, strict=True)]
        if shift.counted_cents is not None:
            closed += 1
            counted_sum += shift.counted_cents
            over_short_sum += shift.variance_cents or 0
        rows.append((shift.terminal, name(shift.opened_by), store_time(shift.opened_at, zone).strftime(_TIME),
                     name(shift.closed_by),
                     "open" if shift.closed_at is None else store_time(shift.closed_at, zone).strftime(_TIME),
                     *money, shift.counted_cents, shift.variance_cents))
    note = ("Each shift as its Z report counted it. Sales are after discounts and net sales after returns, both "
            "without tax; over/short = counted - expected: over (+), short (-)."
            if rows else "No shift opened or closed in the period.")
    return Table("Shifts", SHIFT_COLUMNS, tuple(rows),
                 ("Total", "", "", "", "", *sums, counted_sum if closed else None, over_short_sum if closed else None),
                 note=note)


def _tenders_table(period: Period, context: ReportContext) -> Table:
    return tender_table("Tenders (with tax)", Column("tender", "Tender", Kind.TEXT),
                        context.store.reports.payments_by_tender(period, context.timezone, voided=True),
                        "Every payment of the period's sales; a voided sale's payment and the refund that cancelled "
                        "it are both counted, as in the drawer.")


def _voids_table(period: Period, context: ReportContext) -> Table:
    found = context.store.reports.voided_sales(period, context.timezone)
    rows = tuple((v.number, v.terminal, store_time(v.voided_at, context.timezone).strftime(_TIME), v.voided_by,
                  v.approved_by, v.reason, v.total) for v in found)
    return Table("Voided sales", VOID_COLUMNS, rows, ("Total", "", "", "", "", "", sum(v.total for v in found)),
                 note="" if found else "No sale was voided in the period.")


def _drawer_table(period: Period, context: ReportContext) -> Table:
    found = context.store.reports.drawer_events(period, context.timezone)
    rows = tuple((store_time(e.at, context.timezone).strftime(_TIME), e.terminal, _DRAWER_KINDS.get(e.kind, e.kind),
                  e.staff, e.approved_by, e.reason, e.amount) for e in found)
    return Table("No sale, paid in and paid out", DRAWER_COLUMNS, rows,
                 note="" if found else "The drawer was not opened without a sale in the period.")


@report("end-of-day", "End of day",
        "Every counter's shifts as their Z reports counted them (sales, returns, net sales, tax, cash and card "
        "taken, refunds, paid in and out, expected, counted, over/short = counted - expected), tenders, voided "
        "sales and no-sale openings with the manager who approved each; for a day or up to 92 days (a quarter).",
        default_period=just_today)
def end_of_day_report(request: ReportRequest, period: Period,
                      context: ReportContext) -> tuple[str, tuple[Table, ...]]:
    if period.days > LONGEST_DAYS:
        raise ValidationError("from", f"the end of day covers at most {LONGEST_DAYS} days, shift by shift "
                                      f"({period.days:,} asked); the sales report covers longer periods")
    title = "End of day" if period.days == 1 else "End of day, by shift"
    return title, (_shifts_table(period, context), _tenders_table(period, context), _voids_table(period, context),
                   _drawer_table(period, context))
