"""Aggregates for the sales tax report and the end-of-day report across counters.

Part of `SqliteReportsReader` (`persistence/report_queries.py`). A store's
reports count its own sales and drawers (`report_scope`). A sale belongs to
the store's day it was completed on, the same rule as the sales
report's (`Period.day_bounds`): a sale at 23:30 local time is that day's.

Tax: a sold line is taxed at its sale's rate (`sales.tax_rate`); a returned
line gives back the tax its original line was charged, so it counts at the
rate, and with the exemption, of the sale it came back from, on the day of
the return (a refund next month lowers next month's tax).
"""

from __future__ import annotations

import json
from typing import Any

from pos_app.domain.figures import Period
from pos_app.persistence.journal import stored_time
from pos_app.persistence.models.base import parse_utc
from pos_app.persistence.report_scope import OWN_SALE, THIS_STORE
from pos_app.services.ports.reports import DrawerEvent, ExemptReceipt, TaxRow, VoidRow
from pos_app.services.ports.sales import ShiftRecord

# The sale that charged a line's tax: the line's own, or for a returned line the sale it came back from
# (`os`, joined through the original line `ol`; the return's own should that sale not be on this counter yet).
_CHARGED_BY = "CASE WHEN l.returns_line_id IS NULL OR os.id IS NULL THEN s.{0} ELSE os.{0} END"
_RATE = _CHARGED_BY.format("tax_rate")
_EXEMPT = f"coalesce(trim({_CHARGED_BY.format('tax_exempt_number')}), '') <> ''"
# A period's sales always through the completed_at index: with the statistics `PRAGMA optimize` keeps, SQLite
# otherwise may build a temporary index on status for every query or walk every sale in id order (measured at
# 1,000,000 lines: a year's tax 40 s instead of a few).
_BY_TIME = "INDEXED BY ix_sales_completed_at"
# A store's own drawers (`report_scope`): a shift is this store's when this store's staff opened it.
_OWN_SHIFT = f"sh.opened_by IN (SELECT id FROM staff WHERE store_id = {THIS_STORE})"
_ORIGINAL = ("LEFT JOIN sale_lines ol ON ol.id = l.returns_line_id "
             "LEFT JOIN sales os ON os.id = ol.sale_id")


class DayReportQueries:
    _c: Any

    def _days(self, period: Period, timezone: str) -> tuple[str, list[str]]:
        """A `days(day, start, finish)` common table of the period's store days and its parameters."""
        days = period.day_bounds(timezone)
        values = ", ".join("(?, ?, ?)" for _ in days)
        bounds = [v for day, start, end in days for v in (day.isoformat(), stored_time(start), stored_time(end))]
        return f"WITH days(day, start, finish) AS (VALUES {values}) ", bounds

    def _bounds(self, period: Period, timezone: str) -> tuple[str, str]:
        start, end = period.utc_bounds(timezone)
        return stored_time(start), stored_time(end)

    # ------------------------------------------------------------ sales tax

    def tax_by_rate(self, period: Period, timezone: str) -> list[TaxRow]:
        days, bounds = self._days(period, timezone)
        # CROSS JOIN keeps the days outside: each day is one range of the completed_at index.
        rows = self._c.execute(
            days + f"SELECT d.day, {_RATE}, {_EXEMPT}, "
            "coalesce(sum(l.total_cents - l.tax_cents), 0), "
            "coalesce(sum(l.tax_cents) FILTER (WHERE l.returns_line_id IS NULL), 0), "
            "coalesce(-sum(l.tax_cents) FILTER (WHERE l.returns_line_id IS NOT NULL), 0) "
            f"FROM days d CROSS JOIN sales s {_BY_TIME} JOIN sale_lines l ON l.sale_id = s.id {_ORIGINAL} "
            "WHERE s.completed_at >= d.start AND s.completed_at < d.finish AND s.status = 'completed' "
            f"AND {OWN_SALE} GROUP BY 1, 2, 3 ORDER BY 1, 3, 2", bounds).fetchall()
        return [TaxRow(day=r[0], rate=str(r[1] or "0"), exempt=bool(r[2]), net=int(r[3]), tax_charged=int(r[4]),
                       tax_refunded=int(r[5])) for r in rows]

    def exempt_receipts(self, period: Period, timezone: str) -> list[ExemptReceipt]:
        start, end = self._bounds(period, timezone)
        rows = self._c.execute(
            f"SELECT s.id, s.number, s.completed_at, s.kind, "
            f"max({_CHARGED_BY.format('tax_exempt_reason')}), max({_CHARGED_BY.format('tax_exempt_number')}), "
            "sum(l.total_cents - l.tax_cents) "
            f"FROM sales s {_BY_TIME} JOIN sale_lines l ON l.sale_id = s.id {_ORIGINAL} "
            f"WHERE s.completed_at >= ? AND s.completed_at < ? AND s.status = 'completed' AND {OWN_SALE} "
            # A plain sale without an exemption has no exempt line: skip it before reading its lines.
            "AND (coalesce(trim(s.tax_exempt_number), '') <> '' OR s.kind <> 'sale') "
            f"AND {_EXEMPT} GROUP BY s.id ORDER BY s.completed_at, s.number", (start, end)).fetchall()
        return [ExemptReceipt(sale_id=r[0], number=r[1], completed_at=parse_utc(r[2]), kind=r[3], reason=r[4] or "",
                              exemption_number=r[5] or "", net=int(r[6])) for r in rows]

    # ------------------------------------------------------------ end of day

    def day_shifts(self, period: Period, timezone: str) -> list[ShiftRecord]:
        start, end = self._bounds(period, timezone)
        rows = self._c.execute(
            "SELECT id, terminal, opened_by, opened_at, float_cents, currency, status, closed_by, closed_at, "
            "counted_cents, expected_cents, variance_cents, z_report "
            "FROM shifts sh WHERE ((opened_at >= ? AND opened_at < ?) OR (closed_at >= ? AND closed_at < ?)) "
            f"AND {_OWN_SHIFT} ORDER BY opened_at, terminal", (start, end, start, end)).fetchall()
        return [ShiftRecord(
            id=r[0], terminal=r[1], opened_by=r[2], opened_at=parse_utc(r[3]), float_cents=int(r[4]), currency=r[5],
            status=r[6], closed_by=r[7], closed_at=None if r[8] is None else parse_utc(r[8]), counted_cents=r[9],
            expected_cents=r[10], variance_cents=r[11],
            z_report=None if r[12] is None else tuple((str(a), str(b)) for a, b in json.loads(r[12])))
            for r in rows]

    def voided_sales(self, period: Period, timezone: str) -> list[VoidRow]:
        start, end = self._bounds(period, timezone)
        # Who approved a void is on its audit event (the sale keeps who pressed the key). A sale is voided in
        # its own shift, or without one on the day it was made (`services/returns.py`): so a sale voided in
        # the period was made in it or belongs to a shift already open when the period began, which the
        # indexes find without reading every sale (CROSS JOIN keeps the candidates outside: one look-up each).
        rows = self._c.execute(
            f"WITH candidates(id) AS (SELECT id FROM sales {_BY_TIME} WHERE completed_at >= ? AND completed_at < ? "
            "  AND status = 'voided' UNION "
            "  SELECT t.id FROM shifts sh CROSS JOIN sales t INDEXED BY ix_sales_shift_id ON t.shift_id = sh.id "
            "  WHERE sh.opened_at < ? AND (sh.closed_at IS NULL OR sh.closed_at >= ?) AND t.status = 'voided') "
            "SELECT s.number, s.terminal, s.voided_at, coalesce(v.name, ''), "
            "coalesce((SELECT m.name FROM audit_events a INDEXED BY ix_audit_events_entity "
            "  JOIN staff m ON m.id = a.approved_by "
            "  WHERE a.entity_type = 'sale' AND a.entity_id = s.id AND a.action = 'sale.voided' "
            "  ORDER BY a.seq DESC LIMIT 1), ''), coalesce(s.void_reason, ''), s.total_cents "
            "FROM candidates c CROSS JOIN sales s ON s.id = c.id LEFT JOIN staff v ON v.id = s.voided_by "
            f"WHERE s.status = 'voided' AND s.voided_at >= ? AND s.voided_at < ? AND {OWN_SALE} "
            "ORDER BY s.voided_at, s.number",
            (start, end, start, start, start, end)).fetchall()
        return [VoidRow(number=r[0], terminal=r[1], voided_at=parse_utc(r[2]), voided_by=r[3], approved_by=r[4],
                        reason=r[5], total=int(r[6])) for r in rows]

    def drawer_events(self, period: Period, timezone: str) -> list[DrawerEvent]:
        start, end = self._bounds(period, timezone)
        rows = self._c.execute(
            "SELECT m.created_at, sh.terminal, m.kind, coalesce(st.name, ''), coalesce(ap.name, ''), m.reason, "
            "m.amount_cents FROM cash_movements m JOIN shifts sh ON sh.id = m.shift_id "
            "LEFT JOIN staff st ON st.id = m.staff_id LEFT JOIN staff ap ON ap.id = m.approved_by "
            f"WHERE m.created_at >= ? AND m.created_at < ? AND {_OWN_SHIFT} ORDER BY m.created_at, sh.terminal",
            (start, end)).fetchall()
        return [DrawerEvent(at=parse_utc(r[0]), terminal=r[1], kind=r[2], staff=r[3], approved_by=r[4], reason=r[5],
                            amount=int(r[6])) for r in rows]
