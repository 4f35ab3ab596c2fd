"""The demo history's calendar: how far back it goes and which days sell more."""

from __future__ import annotations

import datetime as dt

import pytest

from pos_app.services.demo_history import history_start, months_back, mothers_day, season


@pytest.mark.parametrize(("day", "months", "expected"), [
    (dt.date(2026, 12, 7), 14, dt.date(2025, 10, 7)),
    (dt.date(2026, 3, 31), 1, dt.date(2026, 2, 28)),
    (dt.date(2025, 4, 29), 14, dt.date(2024, 2, 29)),
    (dt.date(2026, 1, 15), 13, dt.date(2024, 12, 15)),
])
def test_months_back_keeps_the_day_or_takes_the_months_last(day: dt.date, months: int, expected: dt.date) -> None:
    assert months_back(day, months) == expected


def test_the_history_covers_last_years_year_to_date_and_at_least_fourteen_months() -> None:
    assert history_start(dt.date(2026, 12, 7)) == dt.date(2025, 1, 1)  # last year's year to date, all of it
    assert history_start(dt.date(2026, 2, 10)) == dt.date(2024, 12, 10)  # fourteen months


def test_christmas_valentines_and_mothers_day_sell_more_than_an_ordinary_day() -> None:
    assert mothers_day(2026) == dt.date(2026, 5, 10) and mothers_day(2027) == dt.date(2027, 5, 9)
    ordinary = season(dt.date(2026, 3, 11))  # a Wednesday in March
    assert ordinary == 1.0
    for busy in (dt.date(2026, 12, 16), dt.date(2026, 2, 11), dt.date(2026, 5, 6)):  # all Wednesdays
        assert season(busy) >= 2 * ordinary
    assert season(dt.date(2026, 1, 14)) < ordinary and season(dt.date(2026, 7, 15)) < ordinary
    assert season(dt.date(2026, 3, 14)) > ordinary > season(dt.date(2026, 3, 15))  # Saturday, Sunday
