"""Customers, read-only: the customers screen's record and history, and the marketing list (raw DBAPI)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from pos_app.persistence.models.base import parse_utc
from pos_app.persistence.privacy_queries import request_rows
from pos_app.services.ports.customers import (
    ConsentRow,
    CustomerAppraisalRow,
    CustomerCertificateRow,
    CustomerFlags,
    CustomerProfile,
    PurchaseRow,
)
from pos_app.services.ports.privacy import PrivacyRequestRow


def _day(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text[:10])


class SqliteCustomerReader:
    def __init__(self, conn: Any) -> None:
        self._c = conn

    def marketing_list(self, purpose: str) -> Iterator[tuple[str, str, str, str]]:
        """(email, phone, first name, last name) of each customer whose latest answer for `purpose` is yes,
        who is not restricted, has not objected to direct marketing and was not erased; by name."""
        cursor = self._c.execute(
            "SELECT c.email, coalesce(c.phone, ''), c.first_name, c.last_name FROM customers c "
            "WHERE c.erased_at IS NULL AND NOT c.restricted AND NOT c.marketing_objection "
            "AND (SELECT e.granted FROM consent_events e WHERE e.customer_id = c.id AND e.purpose = ? "
            "     ORDER BY e.created_at DESC, e.rowid DESC LIMIT 1) = 1 "
            "ORDER BY c.last_name, c.first_name, c.id", (purpose,))
        while rows := cursor.fetchmany(500):
            for r in rows:
                yield (r[0] or "", r[1], r[2], r[3])

    def profile(self, customer_id: str) -> CustomerProfile | None:
        """The customer's record (None when there is no such customer, or they were erased)."""
        r = self._c.execute(
            "SELECT id, first_name, last_name, email, phone, billing_address, shipping_address, adult_confirmed, "
            "preferences, wishlist, notes, do_not_sell, restricted, marketing_objection, created_at "
            "FROM customers WHERE id = ? AND erased_at IS NULL", (customer_id,)).fetchone()
        if r is None:
            return None
        return CustomerProfile(
            id=r[0], first_name=r[1], last_name=r[2], email=r[3], phone=r[4], billing_address=r[5] or "",
            shipping_address=r[6] or "", adult_confirmed=bool(r[7]), preferences=r[8] or "", wishlist=r[9] or "",
            notes=r[10] or "", flags=CustomerFlags(do_not_sell=bool(r[11]), restricted=bool(r[12]),
                                                    marketing_objection=bool(r[13]), has_email=bool(r[3]),
                                                    has_phone=bool(r[4])),
            since=parse_utc(r[14]))

    def consents(self, customer_id: str) -> list[ConsentRow]:
        """Every consent event, newest first."""
        return [ConsentRow(at=parse_utc(r[0]), purpose=r[1], granted=bool(r[2]), channel=r[3], policy_version=r[4],
                           recorded_by=r[5]) for r in self._c.execute(
            "SELECT e.created_at, e.purpose, e.granted, e.channel, p.version, st.name FROM consent_events e "
            "LEFT JOIN policy_versions p ON p.id = e.policy_version_id LEFT JOIN staff st ON st.id = e.staff_id "
            "WHERE e.customer_id = ? ORDER BY e.created_at DESC, e.rowid DESC", (customer_id,))]

    def purchases(self, customer_id: str, limit: int) -> tuple[list[PurchaseRow], int]:
        """The newest `limit` sales, returns and exchanges, and how many there are in all."""
        total = int(self._c.execute("SELECT count(*) FROM sales WHERE customer_id = ?", (customer_id,)).fetchone()[0])
        rows = [PurchaseRow(id=r[0], number=r[1], kind=r[2], status=r[3], completed_at=parse_utc(r[4]),
                            total_cents=int(r[5]), currency=r[6], lines=int(r[7])) for r in self._c.execute(
            "SELECT s.id, s.number, s.kind, s.status, s.completed_at, s.total_cents, s.currency, "
            "(SELECT count(*) FROM sale_lines l WHERE l.sale_id = s.id) FROM sales s "
            "WHERE s.customer_id = ? ORDER BY s.completed_at DESC, s.number DESC LIMIT ?", (customer_id, limit))]
        return rows, total

    def appraisals(self, customer_id: str) -> list[CustomerAppraisalRow]:
        return [CustomerAppraisalRow(id=r[0], number=r[1], version=int(r[2]), status=r[3],
                                     appraised_on=dt.date.fromisoformat(r[4]), value_cents=r[5], currency=r[6],
                                     description=r[7] or "") for r in self._c.execute(
            "SELECT id, number, version, status, appraised_on, value_cents, currency, description FROM appraisals "
            "WHERE owner_customer_id = ? ORDER BY appraised_on DESC, number DESC, version DESC", (customer_id,))]

    def certificates(self, customer_id: str) -> list[CustomerCertificateRow]:
        return [CustomerCertificateRow(id=r[0], lab=r[1], report_number=r[2], report_date=_day(r[3]),
                                       carat_points=r[4], color=r[5], clarity=r[6], has_scan=bool(r[7]))
                for r in self._c.execute(
            "SELECT id, lab, report_number, report_date, carat_points, color, clarity, scan IS NOT NULL "
            "FROM certificates WHERE customer_id = ? ORDER BY report_date DESC, report_number", (customer_id,))]

    def requests(self, customer_id: str, today: dt.date) -> list[PrivacyRequestRow]:
        return request_rows(self._c, "r.customer_id = ?", (customer_id,), today)
