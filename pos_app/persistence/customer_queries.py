"""Customers, read-only: the marketing list (raw DBAPI, streamed)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


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
