"""Privacy requests: the desk's lists and the access log (read-only, raw DBAPI)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pos_app.persistence.models.base import parse_utc
from pos_app.services.ports.privacy import AccessRow, AffectedRow, PrivacyRequestRow

_COLUMNS = ("r.id, r.customer_id, CASE WHEN c.erased_at IS NULL THEN "
            "trim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')) END, r.type, r.channel, "
            "r.received_on, r.due_on, r.extension_reason IS NOT NULL, r.status, r.verification_method, s.name, "
            "r.completed_at")


_OPEN = "r.status IN ('received', 'verified')"


def _row(r: Sequence[Any], today: dt.date) -> PrivacyRequestRow:
    due = dt.date.fromisoformat(r[6])
    return PrivacyRequestRow(
        id=r[0], customer_id=r[1], customer_name=r[2] or None, type=r[3], channel=r[4],
        received_on=dt.date.fromisoformat(r[5]), due_on=due, extended=bool(r[7]), status=r[8],
        verification_method=r[9], verified_by=r[10], completed_at=None if r[11] is None else parse_utc(r[11]),
        days_left=(due - today).days)


def request_rows(conn: Any, condition: str, args: tuple[Any, ...], today: dt.date,
                 limit: int = 1000) -> list[PrivacyRequestRow]:
    """Requests matching `condition` (on `r`), open ones first (overdue first), then closed ones."""
    sql = (f"SELECT {_COLUMNS} FROM privacy_requests r LEFT JOIN customers c ON c.id = r.customer_id "
           f"LEFT JOIN staff s ON s.id = r.verified_by WHERE {condition} "
           f"ORDER BY {_OPEN} DESC, r.due_on, r.received_on, r.created_at LIMIT ?")
    return [_row(r, today) for r in conn.execute(sql, (*args, limit))]


class SqlitePrivacyReader:
    def __init__(self, conn: Any) -> None:
        self._c = conn

    def requests(self, *, today: dt.date, due_within_days: int | None = None, include_closed: bool = False,
                 limit: int = 1000) -> list[PrivacyRequestRow]:
        """Open requests, overdue first then by due date (the (status, due_on) index); closed ones after.

        `due_within_days`: only open requests due by today + N days (overdue ones included).
        """
        conditions: list[str] = []
        args: list[Any] = []
        if due_within_days is not None:
            conditions.append(f"{_OPEN} AND r.due_on <= ?")
            args.append((today + dt.timedelta(days=due_within_days)).isoformat())
        elif not include_closed:
            conditions.append(_OPEN)
        return request_rows(self._c, " AND ".join(conditions) or "1", tuple(args), today, limit)

    # -- who saw what -----------------------------------------------------------------------------

    @staticmethod
    def _about(condition: str) -> str:
        """The audit events about a customer, as (seq, at, actor, role, terminal, action, customer id): on
        their record, a view of many customers naming them in `summary.customers`, or one of their privacy
        requests. `condition` (on `e` and the customer id `who`) filters each of the three parts."""
        return (
            "SELECT e.seq, e.at, e.actor_name, e.role, e.terminal, e.action, e.entity_id AS who FROM audit_events e "
            f"WHERE e.entity_type = 'customer' AND e.entity_id IS NOT NULL AND {condition.format(who='e.entity_id')} "
            "UNION ALL SELECT e.seq, e.at, e.actor_name, e.role, e.terminal, e.action, j.value FROM audit_events e, "
            "json_each(e.summary, '$.customers') j WHERE json_type(e.summary, '$.customers') = 'array' "
            f"AND {condition.format(who='j.value')} "
            "UNION ALL SELECT e.seq, e.at, e.actor_name, e.role, e.terminal, e.action, r.customer_id "
            "FROM audit_events e JOIN privacy_requests r ON e.entity_type = 'privacy_request' AND e.entity_id = r.id "
            f"WHERE {condition.format(who='r.customer_id')}")

    def access_log(self, customer_id: str) -> list[AccessRow]:
        """Every audit event that read or changed this customer's record, oldest first."""
        sql = f"SELECT * FROM ({self._about('{who} = ?')}) ORDER BY seq"
        return [AccessRow(at=parse_utc(r[1]), staff=r[2], role=r[3], terminal=r[4], action=r[5], customer_id=r[6])
                for r in self._c.execute(sql, (customer_id,) * 3)]

    def affected(self, since: dt.datetime, until: dt.datetime) -> list[AffectedRow]:
        """The customers whose records were read or changed in [since, until): how often, and when last."""
        inner = self._about("{who} IS NOT NULL AND e.at >= ? AND e.at < ?")
        sql = ("SELECT a.who, count(*), max(a.at), cu.first_name, cu.last_name, cu.email, cu.phone, "
               f"cu.erased_at IS NOT NULL FROM ({inner}) a LEFT JOIN customers cu ON cu.id = a.who "
               "GROUP BY a.who ORDER BY cu.last_name, cu.first_name, a.who")

        def stored(moment: dt.datetime) -> str:  # as UtcDateTime writes it
            return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

        bounds = (stored(since), stored(until))
        return [AffectedRow(customer_id=r[0], events=int(r[1]), last_at=parse_utc(r[2]),
                            name="" if r[7] else f"{r[3] or ''} {r[4] or ''}".strip(),
                            email=None if r[7] else r[5], phone=None if r[7] else r[6], erased=bool(r[7]))
                for r in self._c.execute(sql, bounds * 3)]
