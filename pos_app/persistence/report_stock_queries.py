"""Stock aggregates for reports: inventory valuation at a date, aging by style, turn and GMROI.

Part of `SqliteReportsReader` (`persistence/report_queries.py`).
"""

from __future__ import annotations

from typing import Any


class StockReportQueries:
    _c: Any
