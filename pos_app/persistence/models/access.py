"""Who may act on the command line without signing in each time: sessions and job tokens.

A session is opened by `pos-app login` (a real sign-in) and ends by itself
after the store's idle time, at `pos-app logout`, or when the owner revokes it.
A job token lets one unattended job (the nightly backup, the retention run)
do that job and nothing else, until the owner revokes it. Either way the raw
token lives only in the OS account's keyring; the store keeps its SHA-256, so
a copy of the file (a backup) holds nothing that could be replayed. Both are
local to this machine, as the keyring is: plain tables that do not sync.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from pos_app.persistence.models.base import Base, UtcDateTime, new_id


class CommandLineSession(Base):
    __tablename__ = "cli_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    os_user: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # Slides with each use (the idle time), never past `ends_by` (a working day).
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    ends_by: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # "logged out", or "revoked by <name>"
    end_reason: Mapped[str | None] = mapped_column(String(120))


class JobToken(Base):
    __tablename__ = "job_tokens"
    # One live token per name; a revoked one keeps its row (and its name) for the record.
    __table_args__ = (Index("ix_job_tokens_live_name", "name", unique=True, sqlite_where=text("revoked_at IS NULL")),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(40))
    job: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(36))
