"""Staff, their sign-in sessions and job tokens, and the secret hasher."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from pos_app.domain.permissions import Role


@dataclass(frozen=True)
class StaffRecord:
    id: str
    name: str
    role: Role
    pin_hash: str | None
    password_hash: str | None
    active: bool
    failed_attempts: int
    locked_until: dt.datetime | None
    credentials: str = ""
    two_step_enrolled: bool = False
    must_change_secret: bool = False  # the secret they sign in with is temporary (set by someone else)


class StaffRepository(Protocol):
    def get(self, staff_id: str) -> StaffRecord | None: ...
    def by_name(self, name: str) -> StaffRecord | None: ...
    def add(self, *, name: str, role: Role, pin_hash: str | None, password_hash: str | None,
            credentials: str = "", must_change_secret: bool = False) -> str: ...
    def set_role(self, staff_id: str, role: Role) -> None: ...
    def set_active(self, staff_id: str, active: bool) -> None: ...
    def set_credentials(self, staff_id: str, credentials: str) -> None: ...
    def set_must_change_secret(self, staff_id: str, must_change: bool) -> None: ...
    def count_try(self, staff_id: str, at: dt.datetime) -> int | None: ...
    def lock(self, staff_id: str, until: dt.datetime) -> None: ...
    def give_back_try(self, staff_id: str, locked_by_it: dt.datetime | None) -> None: ...
    def record_sign_in(self, staff_id: str, *, at: dt.datetime) -> None: ...
    def set_hashes(self, staff_id: str, *, pin_hash: str | None = None,
                   password_hash: str | None = None) -> None: ...
    def unlock(self, staff_id: str) -> None: ...
    def totp(self, staff_id: str) -> tuple[str | None, int | None]: ...
    def set_totp(self, staff_id: str, secret: str | None, last_step: int | None) -> None: ...
    def replace_recovery_codes(self, staff_id: str, code_hashes: Sequence[str]) -> None: ...
    def unused_recovery_codes(self, staff_id: str) -> list[tuple[str, str]]: ...
    def use_recovery_code(self, code_id: str, at: dt.datetime) -> None: ...


@dataclass(frozen=True)
class SessionRecord:
    """A command-line session (`pos-app login`): whose, opened when, used last, ends when."""

    id: str
    staff_id: str
    staff_name: str
    os_user: str
    created_at: dt.datetime
    last_used_at: dt.datetime
    expires_at: dt.datetime
    ends_by: dt.datetime
    ended_at: dt.datetime | None
    end_reason: str | None


@dataclass(frozen=True)
class JobTokenRecord:
    """An unattended job's token: its name, its job, who made it and whether it still works."""

    id: str
    name: str
    job: str
    created_by: str
    created_by_name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class AccessRepository(Protocol):
    """Command-line sessions and job tokens, found by the SHA-256 of their token."""

    def add_session(self, *, staff_id: str, token_hash: str, os_user: str, at: dt.datetime,
                    expires_at: dt.datetime, ends_by: dt.datetime) -> str: ...
    def session_by_hash(self, token_hash: str) -> SessionRecord | None: ...
    def session(self, session_id: str) -> SessionRecord | None: ...
    def touch_session(self, session_id: str, *, at: dt.datetime, expires_at: dt.datetime) -> None: ...
    def end_session(self, session_id: str, *, at: dt.datetime, reason: str) -> None: ...
    def sessions(self, *, include_ended: bool) -> list[SessionRecord]: ...
    def add_job(self, *, name: str, job: str, token_hash: str, created_by: str, at: dt.datetime) -> str: ...
    def job_by_hash(self, token_hash: str) -> JobTokenRecord | None: ...
    def live_job(self, name: str) -> JobTokenRecord | None: ...
    def touch_job(self, job_id: str, at: dt.datetime) -> None: ...
    def revoke_job(self, job_id: str, *, at: dt.datetime, by: str) -> None: ...
    def jobs(self) -> list[JobTokenRecord]: ...


@dataclass(frozen=True)
class StaffSecurityRow:
    """One line of the owner's Staff tab: who, and how they sign in now."""

    id: str
    name: str
    role: Role
    two_step: bool
    recovery_codes_left: int
    failed_attempts: int
    locked_until: dt.datetime | None
    active: bool = True
    must_change_secret: bool = False  # a temporary PIN or password: a new one is chosen at the next sign-in
    credentials: str = ""
    # The store's `security.two_step_roles` requires two-step sign-in of this role (filled by the services
    # that list staff, `staff.staff_list` and `two_step.staff_overview`).
    two_step_required: bool = False


class StaffSecurityReader(Protocol):
    def staff_security(self, *, include_inactive: bool = False) -> list[StaffSecurityRow]: ...


class SecretHasher(Protocol):
    """Hashes PINs and passwords (argon2id); `verify` never raises on a mismatch."""

    def hash(self, secret: str) -> str: ...
    def verify(self, hashed: str, secret: str) -> bool: ...
    def needs_rehash(self, hashed: str) -> bool: ...
