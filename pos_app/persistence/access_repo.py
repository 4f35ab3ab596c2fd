"""Command-line sessions and job tokens over one Session (see `models/access.py`).

Neither syncs (each belongs to this machine's keyring), so there is no outbox row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pos_app.persistence.models import CommandLineSession, JobToken, Staff, new_id
from pos_app.services.ports.staff import JobTokenRecord, SessionRecord


def _session(row: CommandLineSession, staff_name: str) -> SessionRecord:
    return SessionRecord(id=row.id, staff_id=row.staff_id, staff_name=staff_name, os_user=row.os_user,
                         created_at=row.created_at, last_used_at=row.last_used_at, expires_at=row.expires_at,
                         ends_by=row.ends_by, ended_at=row.ended_at, end_reason=row.end_reason)


def _job(row: JobToken, maker: str) -> JobTokenRecord:
    return JobTokenRecord(id=row.id, name=row.name, job=row.job, created_by=row.created_by, created_by_name=maker,
                          created_at=row.created_at, last_used_at=row.last_used_at, revoked_at=row.revoked_at)


class AccessRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    # ------------------------------------------------------------ sessions

    def add_session(self, *, staff_id: str, token_hash: str, os_user: str, at: dt.datetime,
                    expires_at: dt.datetime, ends_by: dt.datetime) -> str:
        row = CommandLineSession(id=new_id(), staff_id=staff_id, token_hash=token_hash, os_user=os_user[:80],
                                 created_at=at, last_used_at=at, expires_at=expires_at, ends_by=ends_by)
        self._s.add(row)
        self._s.flush()
        return row.id

    def _sessions(self, *where: Any) -> list[SessionRecord]:
        rows = self._s.execute(select(CommandLineSession, Staff.name)
                               .join(Staff, Staff.id == CommandLineSession.staff_id).where(*where)
                               .order_by(CommandLineSession.created_at.desc()))
        return [_session(row, name) for row, name in rows]

    def session_by_hash(self, token_hash: str) -> SessionRecord | None:
        found = self._sessions(CommandLineSession.token_hash == token_hash)
        return found[0] if found else None

    def session(self, session_id: str) -> SessionRecord | None:
        found = self._sessions(CommandLineSession.id == session_id)
        return found[0] if found else None

    def touch_session(self, session_id: str, *, at: dt.datetime, expires_at: dt.datetime) -> None:
        self._s.execute(update(CommandLineSession).where(CommandLineSession.id == session_id)
                        .values(last_used_at=at, expires_at=expires_at))

    def end_session(self, session_id: str, *, at: dt.datetime, reason: str) -> None:
        self._s.execute(update(CommandLineSession)
                        .where(CommandLineSession.id == session_id, CommandLineSession.ended_at.is_(None))
                        .values(ended_at=at, end_reason=reason[:120]))

    def sessions(self, *, include_ended: bool) -> list[SessionRecord]:
        return self._sessions() if include_ended else self._sessions(CommandLineSession.ended_at.is_(None))

    # ------------------------------------------------------------ job tokens

    def add_job(self, *, name: str, job: str, token_hash: str, created_by: str, at: dt.datetime) -> str:
        row = JobToken(id=new_id(), name=name, job=job, token_hash=token_hash, created_by=created_by, created_at=at)
        self._s.add(row)
        self._s.flush()
        return row.id

    def _jobs(self, *where: Any) -> list[JobTokenRecord]:
        rows = self._s.execute(select(JobToken, Staff.name).join(Staff, Staff.id == JobToken.created_by)
                               .where(*where).order_by(JobToken.name, JobToken.created_at.desc()))
        return [_job(row, name) for row, name in rows]

    def job_by_hash(self, token_hash: str) -> JobTokenRecord | None:
        found = self._jobs(JobToken.token_hash == token_hash)
        return found[0] if found else None

    def live_job(self, name: str) -> JobTokenRecord | None:
        found = self._jobs(JobToken.name == name, JobToken.revoked_at.is_(None))
        return found[0] if found else None

    def touch_job(self, job_id: str, at: dt.datetime) -> None:
        self._s.execute(update(JobToken).where(JobToken.id == job_id).values(last_used_at=at))

    def revoke_job(self, job_id: str, *, at: dt.datetime, by: str) -> None:
        self._s.execute(update(JobToken).where(JobToken.id == job_id, JobToken.revoked_at.is_(None))
                        .values(revoked_at=at, revoked_by=by))

    def jobs(self) -> list[JobTokenRecord]:
        return self._jobs()
