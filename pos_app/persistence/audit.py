"""The audit writer: append-only, hash-chained events without personal data.

Each event's hash covers its own content and the previous event's hash, so
editing, deleting or reordering an event breaks every hash after it. The
caller's unit of work began with BEGIN IMMEDIATE, so reading the last hash and
appending the next cannot interleave with another process.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from pos_app.domain.permissions import Actor
from pos_app.persistence.models import AuditEvent, new_id, utcnow
from pos_app.persistence.models.base import UtcDateTime

GENESIS = "0" * 64
_AT = UtcDateTime()


def event_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def hashed_content(row: dict[str, Any]) -> dict[str, Any]:
    """The fields an event's hash covers, as stored (times as their stored text)."""
    keys = ("seq", "id", "at", "staff_id", "actor_name", "role", "terminal", "action",
            "entity_type", "entity_id", "summary", "approved_by", "prev_hash")
    return {key: row[key] for key in keys}


class AuditWriter:
    def __init__(self, session: Session) -> None:
        self._session = session

    def record(
        self,
        actor: Actor,
        action: str,
        *,
        entity_type: str | None = None,
        entity_id: str | None = None,
        summary: dict[str, Any] | None = None,
        approved_by: str | None = None,
    ) -> None:
        last = self._session.execute(
            select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()
        seq, prev_hash = (last.seq + 1, last.hash) if last else (1, GENESIS)
        row: dict[str, Any] = {
            "seq": seq,
            "id": new_id(),
            "at": _AT.process_bind_param(utcnow(), None),  # type: ignore[arg-type]
            "staff_id": actor.staff_id,
            "actor_name": actor.name,
            "role": actor.role.value,
            "terminal": actor.terminal,
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "summary": summary or {},
            "approved_by": approved_by,
            "prev_hash": prev_hash,
        }
        row["hash"] = event_hash(hashed_content(row))
        row["at"] = _AT.process_result_value(row["at"], None)  # type: ignore[arg-type]
        self._session.execute(insert(AuditEvent), [row])
