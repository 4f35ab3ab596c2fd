"""domain/figures.py: every figure a manager reads, against examples worked out by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pos_app.domain.figures import (
    BASIS_POINTS,
    Period,
    SalesTotals,
    average_inventory,
    change,
    divide,
    gmroi,
    month_ends,
    price_band,
    shown_percent,
    shown_ratio,
    split,
    total,
    turn,
    year_before,
)

NOVEMBER = SalesTotals(sold_gross=1_020_000, discounts=40_000, returned=0, tax=53_750, cost_sold=410_000,
                       costless_lines=1, sales=3, units_sold=4)


def test_net_sales_cost_profit_and_margin_of_a_month_by_hand() -> None:
    assert NOVEMBER.sold_net == 980_000
    assert NOVEMBER.net_sales == 980_000
    assert NOVEMBER.cogs == 410_000
    assert NOVEMBER.gross_profit == 570_000
    assert shown_percent(NOVEMBER.margin) == "58.2%"
    assert shown_percent(NOVEMBER.margin, 2) == "58.16%"
    assert NOVEMBER.average_ticket == 326_667  # 980,000 / 3 = 326,666.67 -> half up
    assert NOVEMBER.items_per_sale == Decimal(4) / 3


def test_returns_come_off_net_sales_and_their_cost_comes_back() -> None:
    december = SalesTotals(returned=180_000, tax=-11_250, cost_returned=80_000, returns=1, units_returned=1)
    assert december.net_sales == -180_000
    assert december.cogs == -80_000
    assert december.gross_profit == -100_000
    assert december.average_ticket is None  # no sale: no ticket
    both = NOVEMBER + december
    assert (both.net_sales, both.cogs, both.gross_profit, both.tax) == (800_000, 330_000, 470_000, 42_500)
    assert both.average_ticket == 326_667  # a return is not a ticket


def test_nothing_sold_has_no_margin_rather_than_a_division_by_zero() -> None:
    assert SalesTotals().margin is None
    assert shown_percent(None) == "—"
    assert divide(5, 0) is None


def test_turn_and_gmroi_over_an_average_of_thirteen_month_ends() -> None:
    points = [100_000] * 6 + [130_000] * 7  # cost of the stock at the start and at 12 month ends
    average = average_inventory(points)
    assert average == 116_154  # 1,510,000 / 13 = 116,153.8 -> half up
    assert shown_ratio(turn(232_308, average)) == "2.00"
    assert shown_ratio(gmroi(348_462, average)) == "3.00"
    assert turn(1, 0) is None and gmroi(1, None) is None
    assert average_inventory([]) is None


def test_month_ends_are_thirteen_points_ending_on_the_day() -> None:
    # Twelve months to 7 December 2026 are 1 January to 7 December: the day before them, eleven month ends, the day.
    points = month_ends(dt.date(2026, 12, 7))
    assert len(points) == 13
    assert points[:2] == [dt.date(2025, 12, 31), dt.date(2026, 1, 31)]
    assert points[-2:] == [dt.date(2026, 11, 30), dt.date(2026, 12, 7)]


def test_change_against_last_year() -> None:
    assert change(150, 100) == Decimal(50)
    assert change(50, -100) == Decimal(150)
    assert change(10, 0) is None


def test_a_day_of_the_store_starts_at_its_local_midnight_through_daylight_saving() -> None:
    chicago = "America/Chicago"
    start, end = Period(dt.date(2026, 11, 30), dt.date(2026, 11, 30)).utc_bounds(chicago)
    assert (start, end) == (dt.datetime(2026, 11, 30, 6, tzinfo=dt.UTC), dt.datetime(2026, 12, 1, 6, tzinfo=dt.UTC))
    days = Period(dt.date(2026, 3, 7), dt.date(2026, 3, 9)).day_bounds(chicago)
    assert [(b - a).total_seconds() / 3600 for _, a, b in days] == [24, 23, 24]
    days = Period(dt.date(2026, 10, 31), dt.date(2026, 11, 2)).day_bounds(chicago)
    assert [(b - a).total_seconds() / 3600 for _, a, b in days] == [24, 25, 24]
    assert all(days[i][2] == days[i + 1][1] for i in range(len(days) - 1))  # no gap, no overlap


def test_the_same_days_a_year_before() -> None:
    assert Period(dt.date(2026, 12, 1), dt.date(2026, 12, 7)).a_year_before() == Period(
        dt.date(2025, 12, 1), dt.date(2025, 12, 7))
    assert year_before(dt.date(2028, 2, 29)) == dt.date(2027, 2, 28)


def test_price_bands_by_unit_price() -> None:
    assert price_band(99_999) == "Under $1,000"
    assert price_band(100_000) == "$1,000 to $4,999"
    assert price_band(2_500_000) == "$25,000 and up"


def test_a_sale_split_sixty_forty_by_hand() -> None:
    assert (split(1_001, 0, 6_000), split(1_001, 6_000, 10_000)) == (600, 401)
    assert (split(-1_001, 0, 6_000), split(-1_001, 6_000, 10_000)) == (-600, -401)


@st.composite
def slices(draw: st.DrawFn) -> list[tuple[int, int]]:
    cuts = sorted(draw(st.sets(st.integers(1, BASIS_POINTS - 1), max_size=3)))
    edges = [0, *cuts, BASIS_POINTS]
    return list(zip(edges, edges[1:]))


@given(cents=st.integers(-10**9, 10**9), parts=slices())
def test_the_parts_of_a_shared_sale_always_add_up_to_the_whole(cents: int, parts: list[tuple[int, int]]) -> None:
    assert sum(split(cents, a, b) for a, b in parts) == cents


money = st.integers(-10**7, 10**7)
totals_strategy = st.builds(SalesTotals, sold_gross=money, discounts=money, returned=money, tax=money,
                            cost_sold=money, cost_returned=money, costless_lines=st.integers(0, 9),
                            sales=st.integers(0, 99), returns=st.integers(0, 9), units_sold=st.integers(0, 99),
                            units_returned=st.integers(0, 9))


@given(st.lists(totals_strategy, max_size=12))
def test_derived_figures_of_a_sum_are_the_sums_of_the_parts(parts: list[SalesTotals]) -> None:
    whole = total(parts)
    assert whole.net_sales == sum(p.net_sales for p in parts)
    assert whole.cogs == sum(p.cogs for p in parts)
    assert whole.gross_profit == sum(p.gross_profit for p in parts)
    for name in SalesTotals.ADDITIVE:
        assert getattr(whole, name) == sum(getattr(p, name) for p in parts)
