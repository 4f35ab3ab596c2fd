"""The audit trail and the sync outbox.

Audit events are append-only and hash-chained: each stores the hash of the
previous event and of its own content, so an edited, deleted or reordered
event breaks the chain. They never hold personal data values, only which
record changed and which fields.

The outbox names each changed syncable row (table, id, operation) in the same
transaction as the change, with this store's never-reused sequence number,
the id of the transaction that wrote it and the changed columns' values; an
erasure rewrites those values, so what was erased never travels. Both tables
are written by `persistence/journal.py` only.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pos_app.persistence.models.base import Base, UtcDateTime, new_id


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_entity", "entity_type", "entity_id"),
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_action", "action"),
        Index("ix_audit_events_staff", "staff_id"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    staff_id: Mapped[str | None] = mapped_column(String(36))
    actor_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20))
    terminal: Mapped[str] = mapped_column(String(8))
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str | None] = mapped_column(String(30))
    entity_id: Mapped[str | None] = mapped_column(String(36))
    summary: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    approved_by: Mapped[str | None] = mapped_column(String(36))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class OutboxEntry(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pushed_at", "pushed_at"),
        # An erasure finds the earlier outbox rows of the rows it blanks (journal.scrubbed).
        Index("ix_outbox_table_name_row_id", "table_name", "row_id"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # This store's sequence: unique, increasing, never reused (drawn from `outbox_sequence`).
    device_seq: Mapped[int] = mapped_column(Integer, unique=True)
    tx_id: Mapped[str] = mapped_column(String(36))  # one per local transaction
    # JSON: the whole row (insert), the changed columns (update), null (delete).
    changes: Mapped[str | None] = mapped_column(Text)
    table_name: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[str] = mapped_column(String(36))
    op: Mapped[str] = mapped_column(String(8))  # insert | update | delete
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    pushed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class OutboxSequence(Base):
    """One row: the last `device_seq` given to an outbox row. Deleting outbox rows never lowers it."""

    __tablename__ = "outbox_sequence"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(Integer)
