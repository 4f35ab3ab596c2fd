"""The manager reports at full size: the dashboard, every catalog report over a year, and the main ones
beside the hand-written SQL a person would write for them.

Run from `run.py` after the counter's figures, on the same open store (100,000
items and ~1,000,000 past sale lines by default, see `counter.fill_history`), as
the demo's manager (who may see cost, so every cost column is made):

- `dashboard`: `services.reports.dashboard.build(store=, actor=, uow=)` as of now;
- every report in `catalog.names()` (whatever modules are registered when it
  runs) through `catalog.run(ReportRequest(name, first=a year ago, last=today))`
  with its default grouping; a report at one date (`at_a_date`) is asked for
  today, and one that refuses a year's period (naming the field) runs with its
  default period, which `detail.periods` says;
- the main ones (sales by day, sales by style, margin by item, the salespeople)
  again, each beside a raw GROUP BY over the same rows (the year's completed
  sales and their lines) through the same driver: a plain sqlcipher3
  connection to the same file (`inprocess.raw_connection`), the query a person
  would write by hand (`SQL`), every row fetched; its total net sales must
  equal the report's total row (`detail.totals_match`).

Each is timed `rounds` times after `warmup` discarded rounds, all of them in
turn in each round and ours and the raw query alternating which goes first,
so drift hits all alike. The catalog reports and the dashboard have no query
of the same work to compare with; their baseline is a floor, one raw pass
summing the year's sale lines (`FLOOR_SQL`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.inprocess import percentile

DASHBOARD_TARGET_S = 1.0
REPORT_TARGET_S = 2.0
RATIO_TARGET = 3.0
ROUNDS = 2  # timed rounds: this × --repeat
WARMUP = 1

_YEAR_LINES = ("FROM sales s JOIN sale_lines l ON l.sale_id = s.id "
               "WHERE s.status = 'completed' AND s.completed_at >= ? AND s.completed_at < ?")
FLOOR_SQL = f"SELECT count(*), sum(l.total_cents - l.tax_cents) {_YEAR_LINES}"
"""The floor for reports without a query of the same work: the year's sale lines read and summed once."""

_SOLD, _BACK = "l.returns_line_id IS NULL", "l.returns_line_id IS NOT NULL"
_SALES_SUMS = (
    f"count(DISTINCT l.sale_id) FILTER (WHERE {_SOLD}), sum(l.quantity) FILTER (WHERE {_SOLD}), "
    f"sum(l.quantity * l.unit_price_cents) FILTER (WHERE {_SOLD}), sum(l.discount_cents) FILTER (WHERE {_SOLD}), "
    f"sum(l.total_cents - l.tax_cents) FILTER (WHERE {_BACK}), sum(l.total_cents - l.tax_cents), "
    "sum(l.tax_cents), sum(l.quantity * l.cost_cents)")
SQL: dict[str, str] = {
    # The day in the store's standard time (a fixed offset): what a person writes; the shop is closed at midnight.
    "sales_by_day": f"SELECT date(s.completed_at, ?) AS day, {_SALES_SUMS} {_YEAR_LINES} GROUP BY day",
    "sales_by_style": (f"SELECT i.style, {_SALES_SUMS} FROM sales s JOIN sale_lines l ON l.sale_id = s.id "
                       "JOIN items i ON i.id = l.item_id WHERE s.status = 'completed' AND s.completed_at >= ? "
                       "AND s.completed_at < ? GROUP BY i.style"),
    "margin_by_item": (
        f"SELECT l.item_id, i.sku, i.title, sum(l.quantity) FILTER (WHERE {_SOLD}), "
        f"-sum(l.quantity) FILTER (WHERE {_BACK}), sum(l.total_cents - l.tax_cents), "
        "sum(l.quantity * l.cost_cents) FROM sales s JOIN sale_lines l ON l.sale_id = s.id "
        "JOIN items i ON i.id = l.item_id WHERE s.status = 'completed' AND s.completed_at >= ? "
        "AND s.completed_at < ? GROUP BY l.item_id"),
    # A salesperson's slice of each line: trunc(x * to / 10,000) - trunc(x * from / 10,000) (domain.figures.split).
    "salespeople": (
        "SELECT coalesce(c.staff_id, s.staff_id), count(DISTINCT l.sale_id), "
        "sum((l.total_cents - l.tax_cents) * coalesce(c.share_to_bp, 10000) / 10000 "
        "- (l.total_cents - l.tax_cents) * coalesce(c.share_from_bp, 0) / 10000), "
        "sum((l.quantity * l.cost_cents) * coalesce(c.share_to_bp, 10000) / 10000 "
        "- (l.quantity * l.cost_cents) * coalesce(c.share_from_bp, 0) / 10000) "
        "FROM sales s JOIN sale_lines l ON l.sale_id = s.id LEFT JOIN sale_credits c ON c.sale_id = s.id "
        "WHERE s.status = 'completed' AND s.completed_at >= ? AND s.completed_at < ? GROUP BY 1"),
}
# Where each query's net sales is (summed over its rows for the check against the report's total).
_NET_AT = {"sales_by_day": 6, "sales_by_style": 6, "margin_by_item": 5, "salespeople": 2}


@dataclass
class Case:
    key: str  # figure name part
    label: str
    request: Any  # ReportRequest, or None for the dashboard
    sql: str | None = None  # the hand-written query (None: the floor)
    params: tuple[Any, ...] = ()
    ours_ms: list[float] = field(default_factory=list)
    raw_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)

    def p95(self) -> tuple[float, float]:
        return percentile(self.ours_ms, 95), percentile(self.raw_ms, 95)


def dashboard_ready() -> bool:
    import importlib.util

    return importlib.util.find_spec("pos_app.services.reports.dashboard") is not None


def _offset(timezone: str, on: dt.date) -> str:
    """The store's UTC offset on a day, as SQLite's date() modifier ('-300 minutes')."""
    from zoneinfo import ZoneInfo

    minutes = int(dt.datetime(on.year, on.month, on.day, 12, tzinfo=ZoneInfo(timezone)).utcoffset()
                  .total_seconds() // 60)  # type: ignore[union-attr]
    return f"{minutes:+d} minutes"


def cases(facet: Any, raw: Any, *, today: dt.date) -> tuple[list[Case], dict[str, Any]]:
    """What is measured: the dashboard (when its module is there), every catalog report for a year, the main ones
    beside their SQL."""
    from pos_app.domain.figures import Period
    from pos_app.persistence.journal import stored_time
    from pos_app.services.ports.reports import ReportRequest
    from pos_app.services.reports import catalog

    profile = facet.store.directory.store()
    tz = profile.timezone
    year = Period(today - dt.timedelta(days=364), today)
    start, end = (stored_time(x) for x in year.utc_bounds(tz))
    bounds = (start, end)
    found: list[Case] = []
    notes: dict[str, Any] = {"year": [year.first.isoformat(), year.last.isoformat()], "timezone": tz,
                             "reports": catalog.names(), "utc_bounds": list(bounds)}
    if dashboard_ready():
        found.append(Case("dashboard", "dashboard", None))
    for name in catalog.names():
        spec = catalog.spec(name)
        request = (ReportRequest(name, last=today) if spec.at_a_date
                   else ReportRequest(name, first=year.first, last=year.last))
        by = f" by {spec.default_by}" if spec.default_by else ""
        when = "today" if spec.at_a_date else "a year"
        found.append(Case(f"report_{name.replace('-', '_')}", f"report {name}{by}, {when}", request))
    main = [("sales_by_day", "sales by day", ReportRequest("sales", year.first, year.last, by="day"),
             (_offset(tz, year.first), *bounds)),
            ("sales_by_style", "sales by style", ReportRequest("sales", year.first, year.last, by="style"), bounds),
            ("margin_by_item", "margin by item", ReportRequest("margin", year.first, year.last, by="item"), bounds)]
    names = catalog.names()
    if "salespeople" in names:
        main.append(("salespeople", "salespeople", ReportRequest("salespeople", year.first, year.last), bounds))
    elif "salesperson" in catalog.spec("sales").bys:
        main.append(("salespeople", "sales by salesperson",
                     ReportRequest("sales", year.first, year.last, by="salesperson"), bounds))
    else:
        notes["salespeople"] = "no salespeople report in the catalog yet: not measured"
    for key, label, request, params in main:
        found.append(Case(f"report_vs_sql_{key}", f"{label} vs hand-written SQL", request, SQL[key], params))
    return found, notes


def _net_total(report: Any) -> int | None:
    """The report's first table's total net sales, if it has that column."""
    table = report.tables[0]
    keys = [c.key for c in table.columns]
    if table.total is None or "net_sales" not in keys:
        return None
    return int(table.total[keys.index("net_sales")])


def measure(facet: Any, raw: Any, actor: Any, *, rounds: int, warmup: int = WARMUP,
            progress: Callable[[str], None] | None = None) -> tuple[list[Case], dict[str, Any]]:
    """Each case `warmup + rounds` times beside its raw query; the timings and what each read."""
    from pos_app.domain.errors import ValidationError
    from pos_app.domain.store import store_today
    from pos_app.services.reports import catalog

    profile = facet.store.directory.store()
    today = store_today(profile.timezone)
    found, notes = cases(facet, raw, today=today)
    periods: dict[str, Any] = {}
    store = facet.store

    def ours(case: Case) -> Any:
        if case.request is None:
            from pos_app.services.reports import dashboard

            return dashboard.build(store=store, actor=actor, uow=facet.uow())
        try:
            return catalog.run(case.request, store=store, actor=actor, uow=facet.uow())
        except ValidationError as exc:
            if case.key in periods:
                raise
            # A report that does not read a year (a day's end-of-day, say): its default period, said in detail.
            from pos_app.services.ports.reports import ReportRequest

            periods[case.key] = f"refused a year ({exc}); measured with its default period"
            case.request = ReportRequest(case.request.name)
            return catalog.run(case.request, store=store, actor=actor, uow=facet.uow())

    def baseline(case: Case) -> list[Any]:
        if case.sql is None:
            return raw.execute(FLOOR_SQL, (notes["utc_bounds"][0], notes["utc_bounds"][1])).fetchall()
        return raw.execute(case.sql, case.params).fetchall()

    started = time.perf_counter()
    for n in range(warmup + rounds):
        for case in found:
            for who in (("ours", "raw") if n % 2 == 0 else ("raw", "ours")):
                start = time.perf_counter()
                try:
                    result = ours(case) if who == "ours" else baseline(case)
                except Exception as exc:  # noqa: BLE001 - a crash is a result here
                    case.errors.append(f"{who}: {type(exc).__name__}: {exc}")
                    continue
                ms = (time.perf_counter() - start) * 1000
                if n >= warmup:
                    (case.ours_ms if who == "ours" else case.raw_ms).append(ms)
                if n == 0:
                    _describe(case, who, result)
        if progress:
            progress(f"  reports: round {n + 1} of {warmup + rounds} done, {time.perf_counter() - started:.0f} s")
    for case in found:
        if case.key in periods:
            case.detail["period"] = periods[case.key]
        ours_net, raw_net = case.detail.get("ours_net_sales"), case.detail.get("raw_net_sales")
        if case.sql is not None and ours_net is not None and raw_net is not None:
            case.detail["totals_match"] = ours_net == raw_net
    return found, notes


def _describe(case: Case, who: str, result: Any) -> None:
    """What the first round read: the report's rows and total net sales, the raw query's rows."""
    if who == "raw":
        case.detail["raw_rows"] = len(result)
        if case.sql is not None:
            at = _NET_AT[case.key.removeprefix("report_vs_sql_")]
            case.detail["raw_net_sales"] = sum(int(r[at] or 0) for r in result)
        return
    if case.request is None:
        case.detail["year_to_date_net_sales"] = result.tiles[-1].now.net_sales
        case.detail["top_sellers"] = len(result.top_by_units.rows)
        return
    case.detail["rows"] = [len(t.rows) for t in result.tables]
    case.detail["ours_net_sales"] = _net_total(result)


def explain(raw: Any, case: Case) -> list[str]:
    """SQLite's plan for a case's raw query (for the README's where-the-time-goes)."""
    if case.sql is None:
        return []
    return [str(r[-1]) for r in raw.execute(f"EXPLAIN QUERY PLAN {case.sql}", case.params).fetchall()]
