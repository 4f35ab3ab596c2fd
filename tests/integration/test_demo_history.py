"""The demo store's sales history: enough of last year to compare with, believable, and consistent with its stock.

One copy of the session's demo store for the module: every test here only reads it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from pos_app import app
from pos_app.services import demo, demo_history
from tests.conftest import clone_store

ZONE = ZoneInfo(demo.DEMO_PROFILE.timezone)


@pytest.fixture(scope="module")
def store(demo_template: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[app.Facet]:
    facet = app.open_facet(clone_store(demo_template, tmp_path_factory.mktemp("demo-history") / "store"))
    yield facet
    facet.close()


def _q(facet: app.Facet, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    conn = facet.connection()
    try:
        return [tuple(r) for r in conn.execute(sql, args).fetchall()]
    finally:
        conn.close()


def _local(stored: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stored).replace(tzinfo=dt.UTC).astimezone(ZONE)


@pytest.fixture(scope="module")
def sales(store: app.Facet) -> list[tuple[str, dt.datetime, str, int, int]]:
    """(number, local time, kind, net cents, staff id) of every sale, oldest first."""
    rows = _q(store, "SELECT number, completed_at, kind, subtotal_cents - discount_cents, staff_id FROM sales "
                     "ORDER BY completed_at")
    return [(number, _local(at), kind, net, staff) for number, at, kind, net, staff in rows]


def test_last_years_day_month_and_year_to_date_have_sales_to_compare_with(
        sales: list[tuple[str, dt.datetime, str, int, int]]) -> None:
    today = max(at for _, at, _, _, _ in sales).date()
    first = min(at for _, at, _, _, _ in sales).date()
    assert first <= min(demo_history.months_back(today, 14), dt.date(today.year - 1, 1, 1)) + dt.timedelta(days=7)
    year_ago = today - dt.timedelta(days=365)
    months = {(at.year, at.month) for _, at, kind, _, _ in sales if kind == "sale"}
    month, year = today.month, today.year - 1
    for _ in range(14):  # every month of the last fourteen sold something
        assert (year, month) in months or (year, month) > (today.year, today.month)
        month, year = (month % 12 + 1, year + (month == 12))
    sold = [at.date() for _, at, kind, _, _ in sales if kind == "sale"]
    assert [d for d in sold if year_ago - dt.timedelta(days=6) <= d <= year_ago]  # the week a year ago
    this_year = [d for d in sold if d.year == today.year]
    last_year = [d for d in sold if d.year == year_ago.year and d <= year_ago]
    if today.timetuple().tm_yday > 31:  # the whole of last year's year to date, lighter
        assert len(this_year) / 2 < len(last_year) < len(this_year)


def test_older_months_are_lighter_and_the_seasons_busier(sales: list[tuple[str, dt.datetime, str, int, int]]) -> None:
    today = max(at for _, at, _, _, _ in sales).date()
    recent = today - dt.timedelta(days=demo.SALE_DAYS)
    per_day: Counter[dt.date] = Counter(at.date() for _, at, kind, _, _ in sales if kind == "sale")
    older = [demo_history.history_start(today) + dt.timedelta(days=n)
             for n in range((recent - demo_history.history_start(today)).days)]
    ordinary = [d for d in older if demo_history.season(d) == 1.0]
    festive = [d for d in older if demo_history.season(d) >= 2.0]
    recent_days = [recent + dt.timedelta(days=n) for n in range(demo.SALE_DAYS)
                   if demo_history.season(recent + dt.timedelta(days=n)) < 1.4]

    def rate(days: list[dt.date]) -> float:
        return sum(per_day[d] for d in days) / len(days)

    assert len(festive) >= 10
    assert rate(festive) > 1.6 * rate(ordinary)
    assert 0.3 < rate(ordinary) < rate(recent_days)  # a few necklaces a week then, more now


def test_every_clerk_and_the_manager_sell_in_cash_and_by_card_and_every_line_keeps_its_cost(store: app.Facet) -> None:
    sellers = dict(_q(store, "SELECT st.name, count(*) FROM sales s JOIN staff st ON st.id = s.staff_id "
                             "WHERE s.kind = 'sale' GROUP BY st.name"))
    assert {"Lily Chen", "Sam Ortiz", "Marcus Reed"} <= {name for name, n in sellers.items() if n >= 50}
    tenders = dict(_q(store, "SELECT tender, count(*) FROM payments WHERE amount_cents > 0 GROUP BY tender"))
    assert tenders["card"] > tenders["cash"] >= 10
    assert _q(store, "SELECT count(*) FROM sale_lines WHERE cost_cents IS NULL OR cost_cents <= 0") == [(0,)]
    assert _q(store, "SELECT count(*) FROM sale_lines l JOIN items i ON i.id = l.item_id "
                     "WHERE l.returns_line_id IS NULL AND l.cost_cents != i.cost_cents") == [(0,)]


def test_discounts_above_a_clerks_limit_name_the_manager_who_approved_them(store: app.Facet) -> None:
    manager = _q(store, "SELECT id FROM staff WHERE name = 'Marcus Reed'")[0][0]
    rows = _q(store, "SELECT discount_cents * 100 / (unit_price_cents * quantity), approved_by FROM sale_lines "
                     "WHERE discount_cents > 0 AND returns_line_id IS NULL")
    assert len(rows) > 50
    assert {approver for percent, approver in rows if percent > 10} == {manager}
    assert {approver for percent, approver in rows if percent <= 10} == {None}


def test_returns_take_back_a_line_of_an_earlier_sale_some_in_the_next_month(store: app.Facet) -> None:
    rows = _q(store, "SELECT r.completed_at, o.completed_at, r.customer_id IS o.customer_id, rl.quantity, "
                     "rl.cost_cents = ol.cost_cents, rl.total_cents = -ol.total_cents, rl.item_id = ol.item_id, "
                     "r.total_cents = (SELECT sum(amount_cents) FROM payments WHERE sale_id = r.id) "
                     "FROM sales r JOIN sale_lines rl ON rl.sale_id = r.id "
                     "JOIN sale_lines ol ON ol.id = rl.returns_line_id JOIN sales o ON o.id = ol.sale_id "
                     "WHERE r.kind = 'return' AND o.id = r.original_sale_id")
    assert len(rows) == _q(store, "SELECT count(*) FROM sales WHERE kind = 'return'")[0][0] >= 5
    for returned, sold, same_customer, quantity, same_cost, refunds_all, same_piece, refunded in rows:
        assert _local(sold) < _local(returned) <= _local(sold) + dt.timedelta(days=28)
        assert same_customer and quantity == -1 and same_cost and refunds_all and same_piece and refunded
    assert any((_local(r).year, _local(r).month) != (_local(s).year, _local(s).month) for r, s, *_ in rows)
    refunds = _q(store, "SELECT p.tender, p.refund_id IS NOT NULL FROM payments p JOIN sales s ON s.id = p.sale_id "
                        "WHERE s.kind = 'return'")
    assert all(tender == "cash" or has_refund for tender, has_refund in refunds)


def test_a_tax_exempt_sale_a_year_keeps_its_exemption_number_and_charges_no_tax(store: app.Facet) -> None:
    rows = _q(store, "SELECT completed_at, tax_exempt_reason, tax_exempt_number, tax_cents, customer_id FROM sales "
                     "WHERE tax_exempt_number IS NOT NULL ORDER BY completed_at")
    assert len(rows) == 2
    latest = _local(rows[-1][0]).date()
    assert dt.date.today() - latest < dt.timedelta(days=demo.SALE_DAYS)  # the quarter's sales tax report lists it
    for _, reason, number, tax, customer in rows:
        assert reason and len(number) >= 3 and tax == 0 and customer is not None
    assert _q(store, "SELECT count(*) FROM sales WHERE tax_exempt_number IS NULL AND kind = 'sale' "
                     "AND tax_cents = 0") == [(0,)]


def test_sale_numbers_follow_the_clock_and_nothing_is_sold_before_now(
        sales: list[tuple[str, dt.datetime, str, int, int]]) -> None:
    numbers = [number for number, *_ in sales]
    assert numbers == sorted(numbers) and numbers[0] == "C1-000001" and len(set(numbers)) == len(numbers)
    assert max(at for _, at, _, _, _ in sales) < dt.datetime.now(dt.UTC)


def test_customers_buy_only_after_they_became_customers(store: app.Facet) -> None:
    assert _q(store, "SELECT count(*) FROM sales s JOIN customers c ON c.id = s.customer_id "
                     "WHERE s.completed_at < c.created_at") == [(0,)]
    buyers = _q(store, "SELECT count(DISTINCT customer_id) FROM sales WHERE completed_at < ?",
                (dt.datetime.now(dt.UTC) - dt.timedelta(days=365)).strftime("%Y-%m-%d"))
    assert buyers[0][0] >= 10  # their history is more than a quarter long


def test_the_ledger_holds_in_time_every_piece_received_before_it_sold_and_stock_never_below_zero(
        store: app.Facet) -> None:
    moves: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for item_id, at, kind, quantity in _q(store, "SELECT item_id, created_at, kind, quantity FROM stock_movements "
                                                 "ORDER BY created_at, kind = 'sale'"):
        moves[item_id].append((at, kind, quantity))
    items = _q(store, "SELECT id, tracking, status, on_hand FROM items")
    assert len(items) == len(moves)  # every item was received
    for item_id, tracking, status, on_hand in items:
        level = 0
        for _, _kind, quantity in moves[item_id]:
            level += quantity
            assert level >= 0 and (tracking == "counted" or level <= 1), (item_id, moves[item_id])
        assert moves[item_id][0][1] == "receive" and level == on_hand
        if tracking == "unique":
            assert (status == "sold") == (level == 0)
    sold_long_ago = _q(store, "SELECT count(*) FROM items WHERE status = 'sold' AND received_on < ?",
                       (dt.date.today() - dt.timedelta(days=365)).isoformat())[0][0]
    assert sold_long_ago > 50


def test_the_history_sells_pieces_of_its_own_and_leaves_the_stock_in_the_case_as_it_was(store: app.Facet) -> None:
    """The pieces in the case are the demo's 205 less what the last ninety days sold, and pieces returned."""
    in_stock = _q(store, "SELECT count(*) FROM items WHERE tracking = 'unique' AND status != 'sold' "
                         "AND id NOT IN (SELECT item_id FROM sale_lines WHERE returns_line_id IS NOT NULL)")
    unsold_of_the_demo = _q(store, "SELECT count(*) FROM items WHERE tracking = 'unique' AND seq <= ? "
                                   "AND status != 'sold'", demo.UNIQUE_PIECES)
    assert in_stock == unsold_of_the_demo
    assert _q(store, "SELECT count(*) FROM items WHERE tracking = 'counted'") == [(demo.COUNTED_LINES,)]
