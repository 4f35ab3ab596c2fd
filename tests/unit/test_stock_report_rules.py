"""The calendar and settings rules of the stock reports: whole months back, and the aging cut-offs a manager sets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from pos_app.services.reports.stock import aging_months, bucket_labels, months_before


@pytest.mark.parametrize(("day", "months", "expected"), [
    ("2026-06-15", 6, "2025-12-15"),
    ("2026-03-31", 1, "2026-02-28"),  # no 31 February: the month's last day
    ("2024-08-31", 6, "2024-02-29"),  # a leap year's February
    ("2026-01-10", 12, "2025-01-10"),
    ("2026-01-31", 13, "2024-12-31"),
    ("2026-12-31", 240, "2006-12-31"),
])
def test_months_before_is_the_same_day_whole_months_earlier_or_that_months_last_day(
        day: str, months: int, expected: str) -> None:
    assert months_before(dt.date.fromisoformat(day), months) == dt.date.fromisoformat(expected)


def test_bucket_labels_read_as_a_manager_says_them() -> None:
    assert bucket_labels([6, 12]) == ["Under 6 months", "6 to 12 months", "Over 12 months"]
    assert bucket_labels([3]) == ["Under 3 months", "Over 3 months"]


@pytest.mark.parametrize("good", [[6, 12], [1], [3, 6, 9, 12, 120]])
def test_usable_aging_cut_offs_are_kept(good: list[int]) -> None:
    assert aging_months(good) == tuple(good)


@pytest.mark.parametrize("bad", [None, [], [12, 6], [6, 6], [0], [241], [6.0], ["six"], [False, 6], {"a": 6}, 6,
                                 list(range(1, 8))])
def test_unusable_aging_cut_offs_are_refused(bad: Any) -> None:
    assert aging_months(bad) is None
