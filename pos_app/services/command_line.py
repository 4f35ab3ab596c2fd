"""Who is acting on the command line: sessions opened with `pos-app login`, and job tokens.

The command line acts for a signed-in person, with that person's role, exactly
as the app does. `pos-app login` signs in through `staff.check_sign_in` and
`staff.record_sign_in` (the same lockout, two-step code and audit events as a
counter) and then opens a session here: a random token whose raw value goes
into the OS account's keyring and whose SHA-256 is kept in the store. Each
command that uses the session slides its end by the store's idle time
(`security.idle_lock_minutes`, the app's screen lock), never past `MAX_SESSION`
after the sign-in; `pos-app logout` ends it, the owner can list and revoke
sessions. An unknown, ended or expired token, or a person no longer on the
staff list, is refused with a message that says what to do.

An unattended job (the nightly backup, the retention run) cannot type a
password: the owner makes it a job token (`pos-app jobs create NAME --for
JOB`), kept in the keyring like a session. A job acts under its own name with
its job's permission only (`JOB_PERMISSIONS`), whatever its maker's role, until
the owner revokes it or leaves the staff.

The audit trail names the person with "(command line)" after the name, and a
job by its name and job.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pos_app.domain.errors import Conflict, NotFound, SignInFailed, ValidationError
from pos_app.domain.permissions import JOB_PERMISSIONS, Actor, Permission
from pos_app.domain.store import DEFAULT_IDLE_LOCK_MINUTES
from pos_app.services.guard import requires
from pos_app.services.ports.staff import JobTokenRecord, SessionRecord, StaffRecord
from pos_app.services.ports.uow import UnitOfWork
from pos_app.services.staff import acting_name

VIA = "command line"
# However busy, a session ends a working day after its sign-in.
MAX_SESSION = dt.timedelta(hours=12)
_LOGIN = "Run `pos-app login` to sign in again."
_JOB_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")


def token_hash(token: str) -> str:
    """What the store keeps of a token: its SHA-256 (the token is 256 random bits, so a fast
    hash is enough; the store never holds a value that could be replayed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token(kind: str) -> str:
    return f"facet-{kind}-{secrets.token_urlsafe(32)}"


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def _idle(uow: UnitOfWork) -> dt.timedelta:
    return dt.timedelta(minutes=int(uow.settings.get("security.idle_lock_minutes", DEFAULT_IDLE_LOCK_MINUTES)))


def _clock(uow: UnitOfWork, moment: dt.datetime) -> str:
    """A time a person reads: in the store's time zone."""
    profile = uow.store.get()
    local = moment.astimezone(ZoneInfo(profile.timezone)) if profile else moment
    return f"{local:%Y-%m-%d %H:%M} ({local:%Z})"


@dataclass(frozen=True)
class OpenedSession:
    """A new session: `token` goes into the keyring and is never shown or kept anywhere else."""

    token: str
    session: SessionRecord


@dataclass(frozen=True)
class SessionStatus:
    """Who a session signs in, and until when (`pos-app whoami`)."""

    session: SessionRecord
    actor: Actor
    expires_at: dt.datetime
    ends_by: dt.datetime


def start_session(actor: Actor, *, uow: UnitOfWork, os_user: str, now: dt.datetime | None = None) -> OpenedSession:
    """Open a session for `actor`, whom `staff.sign_in` has just signed in; returns the raw token."""
    if actor.staff_id is None:
        raise ValidationError("staff", "a command-line session is for a person who signed in")
    at = _now(now)
    token = _new_token("session")
    with uow:
        ends_by = at + MAX_SESSION
        session_id = uow.access.add_session(staff_id=actor.staff_id, token_hash=token_hash(token), os_user=os_user,
                                            at=at, expires_at=min(at + _idle(uow), ends_by), ends_by=ends_by)
        record = uow.access.session(session_id)
        assert record is not None
        uow.audit.record(actor, "staff.cli_session_opened", entity_type="staff", entity_id=actor.staff_id,
                         summary={"session": session_id, "os_user": os_user[:80],
                                  "expires_at": record.expires_at.isoformat()})
        uow.commit()
    return OpenedSession(token, record)


def _live(token: str, uow: UnitOfWork, at: dt.datetime) -> tuple[SessionRecord, StaffRecord]:
    """The session `token` opens, inside an open `with uow:`; SignInFailed saying why when none."""
    record = uow.access.session_by_hash(token_hash(token))
    if record is None:
        raise SignInFailed("This store does not know the command-line session kept in the keyring (it was "
                           f"opened on another store, or the store was restored). {_LOGIN}")
    if record.ended_at is not None:
        raise SignInFailed(f"The command-line session of {record.staff_name} ended at "
                           f"{_clock(uow, record.ended_at)}: {record.end_reason or 'ended'}. {_LOGIN}")
    if at >= record.expires_at:
        why = ("it lasts at most 12 hours" if record.expires_at >= record.ends_by else
               "no command used it for the store's idle time, security.idle_lock_minutes")
        raise SignInFailed(f"The command-line session of {record.staff_name} expired at "
                           f"{_clock(uow, record.expires_at)} ({why}). {_LOGIN}")
    staff = uow.staff.get(record.staff_id)
    if staff is None or not staff.active:
        raise SignInFailed(f"{record.staff_name} is no longer on the staff list: the session does not work any "
                           "more.")
    return record, staff


def session_actor(token: str, *, uow: UnitOfWork, terminal: str, now: dt.datetime | None = None) -> Actor:
    """Who the session `token` signs in, with their role as it is now; each use moves its end on by
    the idle time (up to `MAX_SESSION` after the sign-in)."""
    at = _now(now)
    with uow:
        record, staff = _live(token, uow, at)
        uow.access.touch_session(record.id, at=at, expires_at=min(at + _idle(uow), record.ends_by))
        uow.commit()
    return Actor(staff_id=staff.id, name=acting_name(staff.name, VIA), role=staff.role, terminal=terminal)


def session_status(token: str, *, uow: UnitOfWork, terminal: str, now: dt.datetime | None = None) -> SessionStatus:
    """Who the session signs in and until when, without counting as a use (`pos-app whoami`)."""
    at = _now(now)
    with uow:
        record, staff = _live(token, uow, at)
    actor = Actor(staff_id=staff.id, name=acting_name(staff.name, VIA), role=staff.role, terminal=terminal)
    return SessionStatus(record, actor, record.expires_at, record.ends_by)


def end_session(token: str, *, uow: UnitOfWork, terminal: str, now: dt.datetime | None = None,
                reason: str = "logged out") -> SessionRecord | None:
    """End the session `token` opens (`pos-app logout`); None when there was none still open."""
    at = _now(now)
    with uow:
        record = uow.access.session_by_hash(token_hash(token))
        if record is None or record.ended_at is not None:
            return None
        staff = uow.staff.get(record.staff_id)
        if staff is None:  # staff rows are kept for the record; a session always has its person
            return None
        uow.access.end_session(record.id, at=at, reason=reason)
        who = Actor(staff_id=staff.id, name=acting_name(staff.name, VIA), role=staff.role, terminal=terminal)
        uow.audit.record(who, "staff.cli_session_ended", entity_type="staff", entity_id=record.staff_id,
                         summary={"session": record.id, "reason": reason})
        uow.commit()
    return record


@requires(Permission.MANAGE_STAFF)
def list_sessions(*, uow: UnitOfWork, actor: Actor, include_ended: bool = False) -> list[SessionRecord]:
    """Command-line sessions, newest first: those still open (expired ones included until they are
    ended), or all."""
    with uow:
        return uow.access.sessions(include_ended=include_ended)


@requires(Permission.MANAGE_STAFF)
def revoke_session(session_id: str, *, uow: UnitOfWork, actor: Actor, now: dt.datetime | None = None) -> SessionRecord:
    """End someone's command-line session now (a forgotten login on a shared machine)."""
    at = _now(now)
    with uow:
        record = uow.access.session(session_id.strip())
        if record is None:
            raise NotFound(f"No command-line session has the id {session_id!r} (see `pos-app sessions list`).")
        if record.ended_at is not None:
            raise Conflict(f"That session already ended ({record.end_reason or 'ended'}).")
        uow.access.end_session(record.id, at=at, reason=f"revoked by {actor.name}")
        uow.audit.record(actor, "staff.cli_session_revoked", entity_type="staff", entity_id=record.staff_id,
                         summary={"session": record.id})
        ended = uow.access.session(record.id)
        uow.commit()
    assert ended is not None
    return ended


# ---------------------------------------------------------------- job tokens


def check_job(job: str) -> str:
    value = job.strip().lower()
    if value not in JOB_PERMISSIONS:
        raise ValidationError("for", f"{job!r} is not a job; the jobs are: {', '.join(JOB_PERMISSIONS)}")
    return value


@requires(Permission.MANAGE_STAFF)
def create_job_token(name: str, job: str, *, uow: UnitOfWork, actor: Actor,
                     now: dt.datetime | None = None) -> tuple[str, JobTokenRecord]:
    """A token for one unattended job, made by the owner; returns the raw token (for the keyring only)."""
    name = name.strip()
    if not _JOB_NAME.fullmatch(name):
        raise ValidationError("name", "is 1 to 40 letters, digits, dots, dashes or underscores, such as "
                                      "nightly-backup")
    job = check_job(job)
    if actor.staff_id is None:
        raise ValidationError("staff", "a job token is made by a person who signed in")
    token = _new_token("job")
    with uow:
        if uow.access.live_job(name) is not None:
            raise Conflict(f"A job token called {name!r} exists; revoke it first (`pos-app jobs revoke {name}`).")
        job_id = uow.access.add_job(name=name, job=job, token_hash=token_hash(token), created_by=actor.staff_id,
                                    at=_now(now))
        uow.audit.record(actor, "job_token.created", entity_type="job_token", entity_id=job_id,
                         summary={"name": name, "job": job})
        record = uow.access.live_job(name)
        uow.commit()
    assert record is not None
    return token, record


@requires(Permission.MANAGE_STAFF)
def list_job_tokens(*, uow: UnitOfWork, actor: Actor) -> list[JobTokenRecord]:
    """Every job token, revoked ones included, by name."""
    with uow:
        return uow.access.jobs()


@requires(Permission.MANAGE_STAFF)
def revoke_job_token(name: str, *, uow: UnitOfWork, actor: Actor, now: dt.datetime | None = None) -> JobTokenRecord:
    """Stop a job token working, now and for good."""
    with uow:
        record = uow.access.live_job(name.strip())
        if record is None:
            raise NotFound(f"No job token called {name!r} is in use (see `pos-app jobs list`).")
        uow.access.revoke_job(record.id, at=_now(now), by=actor.staff_id or actor.name)
        uow.audit.record(actor, "job_token.revoked", entity_type="job_token", entity_id=record.id,
                         summary={"name": record.name, "job": record.job})
        uow.commit()
    return record


def job_actor(token: str, *, uow: UnitOfWork, terminal: str, now: dt.datetime | None = None) -> Actor:
    """Who a job token acts as: the job, under its name, with its job's permission and nothing else."""
    at = _now(now)
    with uow:
        record = uow.access.job_by_hash(token_hash(token))
        if record is None:
            raise SignInFailed("This store does not know that job token (it was made for another store, or the "
                               "store was restored); the owner makes a new one with `pos-app jobs create`.")
        if record.revoked_at is not None:
            raise SignInFailed(f"The job token {record.name!r} was revoked at {_clock(uow, record.revoked_at)}; "
                               f"the owner makes a new one with `pos-app jobs create {record.name} --for "
                               f"{record.job}`.")
        maker = uow.staff.get(record.created_by)
        if maker is None or not maker.active:
            raise SignInFailed(f"The job token {record.name!r} was made by {record.created_by_name}, who is no longer "
                               "on the staff list; the owner makes a new one.")
        uow.access.touch_job(record.id, at)
        uow.commit()
    return Actor(staff_id=None, name=acting_name(record.name, f"{record.job} job"), role=maker.role,
                 terminal=terminal, only=JOB_PERMISSIONS[record.job])
