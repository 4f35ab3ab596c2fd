"""Aggregates for the sales tax report and the end-of-day report across counters.

Part of `SqliteReportsReader` (`persistence/report_queries.py`).
"""

from __future__ import annotations

from typing import Any


class DayReportQueries:
    _c: Any
