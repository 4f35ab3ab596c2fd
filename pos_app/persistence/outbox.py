"""The sync outbox, written in the same transaction as the change it names.

ORM changes are recorded by a `before_flush` hook on every unit of work's
session, so no service can forget one; bulk Core writes (imports) call
`record_bulk` themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from pos_app.persistence.models import OutboxEntry, Synced, new_id, utcnow


def record_flush(session: Session, flush_context: Any, instances: Any) -> None:
    now = utcnow()
    entries = []
    for obj in session.new:
        if isinstance(obj, Synced):
            if obj.id is None:
                obj.id = new_id()
            entries.append(_entry(obj, "insert", now))
    for obj in session.dirty:
        if isinstance(obj, Synced) and session.is_modified(obj, include_collections=False):
            entries.append(_entry(obj, "update", now))
    for obj in session.deleted:
        if isinstance(obj, Synced):
            entries.append(_entry(obj, "delete", now))
    session.add_all(entries)


def _entry(obj: Synced, op: str, at: dt.datetime) -> OutboxEntry:
    return OutboxEntry(table_name=obj.__tablename__, row_id=obj.id, op=op, at=at)  # type: ignore[attr-defined]


def record_bulk(session: Session, table_name: str, row_ids: Iterable[str], op: str = "insert") -> None:
    now = utcnow()
    rows = [{"table_name": table_name, "row_id": row_id, "op": op, "at": now} for row_id in row_ids]
    if rows:
        session.execute(insert(cast(Table, OutboxEntry.__table__)), rows)
