"""Declarative base, column types and the columns every syncable row has.

Every row that can sync has a UUID text key, `created_at` and `updated_at`
(UTC, timezone-aware in Python, ISO text in SQLite so it sorts), and a change
record in the outbox written in the same transaction (see `outbox.py`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import MetaData, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    return str(uuid.uuid4())


class UtcDateTime(TypeDecorator[dt.datetime]):
    """An aware UTC datetime stored as 'YYYY-MM-DD HH:MM:SS.ffffff' text.

    Refuses naive datetimes: a time without a zone is a bug waiting for
    daylight saving time.
    """

    impl = String(26)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        # "YYYY-MM-DD HH:MM:SS.ffffff": isoformat is the fast way to write it.
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return parse_utc(value)


def parse_utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def store_timezone(conn: Any, schema: str = "main") -> str:
    """The store's time zone from its profile on a raw connection (`schema`: an attached database's name),
    for text a person reads that persistence writes itself (a restore's note); "UTC" before the first run."""
    row = conn.execute(f"SELECT timezone FROM {schema}.stores LIMIT 1").fetchone()
    return str(row[0]) if row and row[0] else "UTC"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Synced:
    """Columns of a row that syncs between counters."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
