"""Staff, command-line sessions and job tokens in memory, with the database's refusals.

As the real store does (unique index on the folded name; trigger
`staff_keep_an_active_owner`), a second person of the same name in any case or
Unicode form is a `ValidationError("name", ...)`, and a change of role or of
active that would leave no active owner is a `Conflict` naming `LAST_OWNER`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from pos_app.domain.errors import Conflict, ValidationError
from pos_app.domain.permissions import Role
from pos_app.domain.staff import LAST_OWNER, name_key
from pos_app.services.ports.staff import JobTokenRecord, SessionRecord, StaffRecord, StaffSecurityRow
from tests.fakes.state import FakeState, StaffRow, new_id


class FakeStaffRepository:
    """`StaffRepository` over the fake state."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def _row(self, staff_id: str) -> StaffRow:
        return self._state.staff[staff_id]  # KeyError, as `get_one` raises for a missing row

    def _change(self, staff_id: str, **changes: object) -> None:
        row = self._row(staff_id)
        row.record = dataclasses.replace(row.record, **changes)  # type: ignore[arg-type]

    def _keep_an_owner(self) -> None:
        if not any(r.record.active and r.record.role is Role.OWNER for r in self._state.staff.values()):
            raise Conflict(f"The store must keep an active owner: {LAST_OWNER}.")

    def get(self, staff_id: str) -> StaffRecord | None:
        row = self._state.staff.get(staff_id)
        if row is None:
            return None
        return dataclasses.replace(row.record, two_step_enrolled=row.totp_secret is not None)

    def by_name(self, name: str) -> StaffRecord | None:
        key = name_key(name)
        found = next((s for s, r in self._state.staff.items() if name_key(r.record.name) == key), None)
        return None if found is None else self.get(found)

    def add(self, *, name: str, role: Role, pin_hash: str | None, password_hash: str | None,
            credentials: str = "", must_change_secret: bool = False) -> str:
        if self.by_name(name) is not None:
            raise ValidationError("name", f"{name!r} is already on the staff list")
        staff_id = new_id("staff")
        self._state.staff[staff_id] = StaffRow(StaffRecord(
            id=staff_id, name=name, role=role, pin_hash=pin_hash, password_hash=password_hash, active=True,
            failed_attempts=0, locked_until=None, credentials=credentials, must_change_secret=must_change_secret))
        return staff_id

    def set_role(self, staff_id: str, role: Role) -> None:
        self._change(staff_id, role=role)
        self._keep_an_owner()

    def set_active(self, staff_id: str, active: bool) -> None:
        self._change(staff_id, active=active, failed_attempts=0, locked_until=None)
        self._keep_an_owner()

    def set_credentials(self, staff_id: str, credentials: str) -> None:
        self._change(staff_id, credentials=credentials)

    def set_must_change_secret(self, staff_id: str, must_change: bool) -> None:
        self._change(staff_id, must_change_secret=must_change)

    def count_try(self, staff_id: str, at: dt.datetime) -> int | None:
        record = self._row(staff_id).record
        if not record.active or (record.locked_until is not None and record.locked_until > at):
            return None
        self._change(staff_id, failed_attempts=record.failed_attempts + 1)
        return record.failed_attempts + 1

    def lock(self, staff_id: str, until: dt.datetime) -> None:
        self._change(staff_id, locked_until=until)

    def give_back_try(self, staff_id: str, locked_by_it: dt.datetime | None) -> None:
        record = self._row(staff_id).record
        self._change(staff_id, failed_attempts=max(0, record.failed_attempts - 1))
        if locked_by_it is not None and record.locked_until == locked_by_it:
            self._change(staff_id, locked_until=None)

    def record_sign_in(self, staff_id: str, *, at: dt.datetime) -> None:
        self._change(staff_id, failed_attempts=0, locked_until=None)
        self._row(staff_id).last_sign_in_at = at

    def set_hashes(self, staff_id: str, *, pin_hash: str | None = None, password_hash: str | None = None) -> None:
        if pin_hash is not None:
            self._change(staff_id, pin_hash=pin_hash)
        if password_hash is not None:
            self._change(staff_id, password_hash=password_hash)

    def unlock(self, staff_id: str) -> None:
        self._change(staff_id, failed_attempts=0, locked_until=None)

    def totp(self, staff_id: str) -> tuple[str | None, int | None]:
        row = self._row(staff_id)
        return row.totp_secret, row.totp_last_step

    def set_totp(self, staff_id: str, secret: str | None, last_step: int | None) -> None:
        row = self._row(staff_id)
        row.totp_secret, row.totp_last_step = secret, last_step

    def replace_recovery_codes(self, staff_id: str, code_hashes: Sequence[str]) -> None:
        self._row(staff_id).recovery_codes = {new_id("code"): (h, None) for h in code_hashes}

    def unused_recovery_codes(self, staff_id: str) -> list[tuple[str, str]]:
        return [(i, h) for i, (h, used) in self._row(staff_id).recovery_codes.items() if used is None]

    def use_recovery_code(self, code_id: str, at: dt.datetime) -> None:
        for row in self._state.staff.values():
            if code_id in row.recovery_codes:
                row.recovery_codes[code_id] = (row.recovery_codes[code_id][0], at)
                return
        raise KeyError(code_id)


class FakeAccessRepository:
    """`AccessRepository`: command-line sessions and job tokens found by their token's hash."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def _name(self, staff_id: str) -> str:
        return self._state.staff[staff_id].record.name

    def add_session(self, *, staff_id: str, token_hash: str, os_user: str, at: dt.datetime,
                    expires_at: dt.datetime, ends_by: dt.datetime) -> str:
        session_id = new_id("session")
        self._state.sessions[session_id] = (SessionRecord(
            id=session_id, staff_id=staff_id, staff_name=self._name(staff_id), os_user=os_user[:80], created_at=at,
            last_used_at=at, expires_at=expires_at, ends_by=ends_by, ended_at=None, end_reason=None), token_hash)
        return session_id

    def session_by_hash(self, token_hash: str) -> SessionRecord | None:
        return next((r for r, h in self._state.sessions.values() if h == token_hash), None)

    def session(self, session_id: str) -> SessionRecord | None:
        found = self._state.sessions.get(session_id)
        return None if found is None else found[0]

    def touch_session(self, session_id: str, *, at: dt.datetime, expires_at: dt.datetime) -> None:
        record, token = self._state.sessions[session_id]
        self._state.sessions[session_id] = (dataclasses.replace(record, last_used_at=at, expires_at=expires_at),
                                            token)

    def end_session(self, session_id: str, *, at: dt.datetime, reason: str) -> None:
        record, token = self._state.sessions[session_id]
        if record.ended_at is None:
            self._state.sessions[session_id] = (dataclasses.replace(record, ended_at=at, end_reason=reason[:120]),
                                                token)

    def sessions(self, *, include_ended: bool) -> list[SessionRecord]:
        rows = [r for r, _ in self._state.sessions.values() if include_ended or r.ended_at is None]
        return sorted(rows, key=lambda r: r.created_at, reverse=True)

    def add_job(self, *, name: str, job: str, token_hash: str, created_by: str, at: dt.datetime) -> str:
        job_id = new_id("job")
        self._state.jobs[job_id] = (JobTokenRecord(id=job_id, name=name, job=job, created_by=created_by,
                                                   created_by_name=self._name(created_by), created_at=at,
                                                   last_used_at=None, revoked_at=None), token_hash)
        return job_id

    def job_by_hash(self, token_hash: str) -> JobTokenRecord | None:
        return next((r for r, h in self._state.jobs.values() if h == token_hash), None)

    def live_job(self, name: str) -> JobTokenRecord | None:
        return next((r for r, _ in self._state.jobs.values() if r.name == name and r.revoked_at is None), None)

    def touch_job(self, job_id: str, at: dt.datetime) -> None:
        record, token = self._state.jobs[job_id]
        self._state.jobs[job_id] = (dataclasses.replace(record, last_used_at=at), token)

    def revoke_job(self, job_id: str, *, at: dt.datetime, by: str) -> None:
        record, token = self._state.jobs[job_id]
        self._state.jobs[job_id] = (dataclasses.replace(record, revoked_at=at), token)

    def jobs(self) -> list[JobTokenRecord]:
        return sorted((r for r, _ in self._state.jobs.values()), key=lambda r: (r.name, r.created_at))


class FakeStaffSecurityReader:
    """`StaffSecurityReader`: the Staff tab's rows from the fake state."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def staff_security(self, *, include_inactive: bool = False) -> list[StaffSecurityRow]:
        rows = []
        for row in self._state.staff.values():
            r = row.record
            if not (r.active or include_inactive):
                continue
            rows.append(StaffSecurityRow(
                id=r.id, name=r.name, role=r.role, two_step=row.totp_secret is not None,
                recovery_codes_left=sum(used is None for _, used in row.recovery_codes.values()),
                failed_attempts=r.failed_attempts, locked_until=r.locked_until, active=r.active,
                must_change_secret=r.must_change_secret, credentials=r.credentials))
        return sorted(rows, key=lambda r: r.name)
