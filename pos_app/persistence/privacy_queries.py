"""Privacy requests: the storage port (ORM, so the outbox hook sees every change) and the desk's list (raw DBAPI)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from pos_app.persistence.models import PrivacyRequest, new_id, utcnow
from pos_app.persistence.models.base import parse_utc
from pos_app.services.ports import AccessRow, AffectedRow, ExportRef, PrivacyRequestRecord, PrivacyRequestRow


def _record(row: PrivacyRequest) -> PrivacyRequestRecord:
    return PrivacyRequestRecord(
        id=row.id, customer_id=row.customer_id, type=row.type, channel=row.channel, received_on=row.received_on,
        due_on=row.due_on, extension_reason=row.extension_reason, customer_told_on=row.customer_told_on,
        verification_method=row.verification_method, verified_by=row.verified_by, verified_at=row.verified_at,
        status=row.status, outcome=row.outcome, completed_at=row.completed_at)


class PrivacyRequestRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, *, customer_id: str, type: str, channel: str, received_on: dt.date, due_on: dt.date) -> str:
        now = utcnow()
        row = PrivacyRequest(id=new_id(), customer_id=customer_id, type=type, channel=channel,
                             received_on=received_on, due_on=due_on, status="received", created_at=now,
                             updated_at=now)
        self._s.add(row)
        self._s.flush()
        return row.id

    def get(self, request_id: str) -> PrivacyRequestRecord | None:
        row = self._s.get(PrivacyRequest, request_id)
        return None if row is None else _record(row)

    def _row(self, request_id: str) -> PrivacyRequest:
        row = self._s.get(PrivacyRequest, request_id)
        if row is None:
            raise KeyError(request_id)
        return row

    def set_verification(self, request_id: str, *, method: str, staff_id: str, at: dt.datetime) -> None:
        row = self._row(request_id)
        row.verification_method, row.verified_by, row.verified_at, row.status = method, staff_id, at, "verified"
        self._s.flush()

    def extend(self, request_id: str, *, due_on: dt.date, reason: str, told_on: dt.date) -> None:
        row = self._row(request_id)
        row.due_on, row.extension_reason, row.customer_told_on = due_on, reason, told_on
        self._s.flush()

    def close(self, request_id: str, *, status: str, outcome: str, at: dt.datetime) -> None:
        row = self._row(request_id)
        row.status, row.outcome, row.completed_at = status, outcome, at
        self._s.flush()

    def set_export_sha256(self, request_id: str, sha256: str, path: str | None = None) -> None:
        row = self._row(request_id)
        row.export_sha256, row.export_file = sha256, path
        self._s.flush()

    def forget_export_file(self, request_id: str) -> None:
        """The export's file is gone (delivered): keep only its hash."""
        self._row(request_id).export_file = None
        self._s.flush()

    def export_of(self, request_id: str) -> ExportRef | None:
        """The export this request's answer was written to, if any."""
        row = self._s.get(PrivacyRequest, request_id)
        if row is None or (row.export_sha256 is None and row.export_file is None):
            return None
        return ExportRef(row.id, row.export_file, row.export_sha256)


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
