"""Signing in and out, and the staff list.

Clerks and appraisers sign in with a PIN; owners, managers and the privacy
officer with a password (they reach money, staff and personal data). Whoever
has two-step sign-in adds a one-time code (see `two_step`). Five failures in a
row, a wrong code included, lock the account for a delay that doubles with each
further failure, up to 15 minutes; every failure is an audit event, and an
owner can unlock an account. Each try is counted (and committed) before its
secret is looked at, so tries made at once (two counters, a script) cannot
slip past the limit; a right secret then resets the count. The command line
signs in through the same functions.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from pos_app.domain.errors import NotFound, PermissionDenied, SignInFailed, ValidationError
from pos_app.domain.permissions import Actor, Permission, Role, allows
from pos_app.services import two_step
from pos_app.services.guard import requires
from pos_app.services.ports import DirectoryReader, SecretHasher, StaffRecord, UnitOfWork

FREE_ATTEMPTS = 5
_FIRST_DELAY = dt.timedelta(seconds=30)
_MAX_DELAY = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class StaffChoice:
    """A name on the sign-in screen."""

    id: str
    name: str
    role: Role

    @property
    def uses_password(self) -> bool:
        return self.role.signs_in_with_password


def check_pin(pin: str, *, field: str = "pin") -> str:
    if not re.fullmatch(r"\d{4,8}", pin or ""):
        raise ValidationError(field, "must be 4 to 8 digits")
    return pin


def check_password(password: str, *, field: str = "password") -> str:
    if len(password or "") < 8:
        raise ValidationError(field, "must be at least 8 characters")
    return password


def sign_in_choices(reader: DirectoryReader) -> list[StaffChoice]:
    return [StaffChoice(s.id, s.name, s.role) for s in reader.staff_list()]


def lock_delay(failed_attempts: int) -> dt.timedelta | None:
    """How long an account waits after `failed_attempts` failures in a row."""
    if failed_attempts < FREE_ATTEMPTS:
        return None
    delay: dt.timedelta = _FIRST_DELAY * 2 ** (failed_attempts - FREE_ATTEMPTS)
    return min(delay, _MAX_DELAY)


@dataclass(frozen=True)
class SignInCheck:
    """What one counted try of a PIN or password found: "ok", "wrong", or "locked"
    (refused before the secret was looked at).

    A "wrong" or "locked" try is already recorded (count and audit event) when this
    is returned; `problem` is the message to show, and `record_sign_in` raises it.
    `second_step` says what an "ok" still needs: "code" (the person has two-step
    sign-in: `record_sign_in` takes the code), "enrol" (their role requires it
    and they have none yet: the screen takes them to set it up), or "".
    `attempt` is the try's number among failures in a row (0 when it was refused).
    """

    actor: Actor
    outcome: str
    at: dt.datetime
    second_step: str = ""
    attempt: int = 0
    problem: str = ""


@dataclass(frozen=True)
class _Try:
    """A try counted and committed before its secret is looked at (`_count_try`)."""

    staff: StaffRecord
    actor: Actor
    at: dt.datetime
    attempt: int  # 0: refused, the account is locked
    lock: dt.datetime | None  # the lock this try set by reaching the limit, or the one that refused it


def _second_step(staff: StaffRecord) -> str:
    if staff.two_step_enrolled:
        return "code"
    return "enrol" if staff.role.requires_two_step else ""


def acting_name(name: str, via: str = "") -> str:
    """The name the audit trail records: the person's, with where they acted when it was not a
    counter ("Lily Chen (command line)"), within the 80 characters the trail keeps."""
    if not via:
        return name
    suffix = f" ({via})"
    return name[:80 - len(suffix)] + suffix


def _staff_actor(staff: StaffRecord | None, terminal: str, via: str = "") -> tuple[StaffRecord, Actor]:
    if staff is None or not staff.active:
        raise SignInFailed("This staff member cannot sign in.")
    return staff, Actor(staff_id=staff.id, name=acting_name(staff.name, via), role=staff.role, terminal=terminal)


def _locked_message(name: str, until: dt.datetime | None, now: dt.datetime) -> str:
    wait = max(1, math.ceil(((until or now) - now).total_seconds()))
    return f"Too many wrong tries. {name} can try again in {wait} seconds."


def _count_try(staff_id: str, *, uow: UnitOfWork, terminal: str, via: str = "", actor: Actor | None = None) -> _Try:
    """Count one try and commit it before any secret is looked at.

    In one write transaction (BEGIN IMMEDIATE) the try is added to the failures in
    a row by a conditional UPDATE that passes only while the account is not locked
    (`StaffRepo.count_try`); the try that reaches the limit sets the lock then and
    there. So of many tries at once (two counters, forty processes), each is counted,
    and none is honored once the limit is reached, whatever the order their secrets
    are checked in. A right secret then takes its try back (`_give_back`) or resets
    the count (a sign-in). A try refused because the account is locked is recorded in
    the same transaction, and the secret is never looked at.
    """
    now = dt.datetime.now(dt.UTC)
    with uow:
        staff, found = _staff_actor(uow.staff.get(staff_id), terminal, via)
        who = actor or found
        attempt = uow.staff.count_try(staff.id, now)
        if attempt is None:
            uow.audit.record(who, "staff.sign_in_refused_locked", entity_type="staff", entity_id=staff.id)
            uow.commit()
            return _Try(staff, who, now, 0, staff.locked_until)
        delay = lock_delay(attempt)
        lock = None if delay is None else now + delay
        if lock is not None:
            uow.staff.lock(staff.id, lock)
        uow.commit()
    return _Try(staff, who, now, attempt, lock)


def _give_back(counted: _Try, uow: UnitOfWork) -> None:
    """The secret was right but nobody signs in yet (an approval, or a code comes next): the try
    is not a failure."""
    with uow:
        uow.staff.give_back_try(counted.staff.id, counted.lock)
        uow.commit()


def _record_failure(counted: _Try, *, uow: UnitOfWork, code: bool = False) -> None:
    """The audit event of a counted try whose secret was wrong (the count is already in)."""
    summary: dict[str, object] = {"attempt": counted.attempt}
    if code:
        summary["step"] = "code"
    with uow:
        uow.audit.record(counted.actor, "staff.sign_in_failed", entity_type="staff", entity_id=counted.staff.id,
                         summary=summary)
        uow.commit()


def check_sign_in(staff_id: str, secret: str, *, uow: UnitOfWork, hasher: SecretHasher, terminal: str,
                  via: str = "") -> SignInCheck:
    """Count the try, then check the PIN or password (see `_count_try`).

    A wrong secret or a locked account is recorded before this returns. The
    counter shows the workspace as soon as this says "ok" with no second step and
    records the sign-in (`record_sign_in`, which starts the count again from zero)
    right after, on the database worker. With `second_step == "code"` the right
    password takes its try back, and the sign-in is recorded only with the code.
    `via` names where the person acts when it is not a counter ("command line").
    """
    counted = _count_try(staff_id, uow=uow, terminal=terminal, via=via)
    staff = counted.staff
    if not counted.attempt:
        return SignInCheck(counted.actor, "locked", counted.at,
                           problem=_locked_message(staff.name, counted.lock, counted.at))
    uses_password = staff.role.signs_in_with_password
    hashed = staff.password_hash if uses_password else staff.pin_hash
    if not (secret and hashed is not None and hasher.verify(hashed, secret)):
        _record_failure(counted, uow=uow)
        what = "password" if uses_password else "PIN"
        return SignInCheck(counted.actor, "wrong", counted.at, attempt=counted.attempt,
                           problem=f"Wrong {what} for {staff.name}.")
    second = _second_step(staff)
    if second == "code":
        _give_back(counted, uow)
    return SignInCheck(counted.actor, "ok", counted.at, second, attempt=counted.attempt)


def record_sign_in(check: SignInCheck, secret: str, *, uow: UnitOfWork, hasher: SecretHasher,
                   code: str = "") -> Actor:
    """Write the success `check` found (rehashing the secret if the store's costs changed),
    or raise SignInFailed for the failure it already recorded.

    For a person with two-step sign-in a success needs `code` too: a TOTP code not
    used before, or an unused recovery code. The code is a try of its own, counted
    before it is looked at; a wrong one is a failed attempt.
    """
    actor = check.actor
    assert actor.staff_id is not None
    if check.outcome != "ok":
        raise SignInFailed(check.problem or "This staff member cannot sign in.")
    if check.second_step == "code":
        return _code_try(check, secret, code, uow=uow, hasher=hasher)
    with uow:
        staff = uow.staff.get(actor.staff_id)
        if staff is None:
            raise SignInFailed("This staff member cannot sign in.")
        _record_success(staff, actor, secret, check.at, "", check.attempt, uow=uow, hasher=hasher)
        uow.commit()
    return actor


def _code_try(check: SignInCheck, secret: str, code: str, *, uow: UnitOfWork, hasher: SecretHasher) -> Actor:
    actor = check.actor
    assert actor.staff_id is not None
    # The code comes a while after the password: counted, and judged (with any lock since), as of now.
    counted = _count_try(actor.staff_id, uow=uow, terminal=actor.terminal, actor=actor)
    if not counted.attempt:
        raise SignInFailed(_locked_message(counted.staff.name, counted.lock, counted.at))
    with uow:
        used = two_step.check_second_step(counted.staff.id, code, uow=uow, hasher=hasher, at=counted.at) or ""
        if used:
            _record_success(counted.staff, actor, secret, counted.at, used, counted.attempt, uow=uow, hasher=hasher)
            uow.commit()
            return actor
    _record_failure(counted, uow=uow, code=True)
    raise SignInFailed(f"Wrong or already used code for {counted.staff.name}.")


def _record_success(staff: StaffRecord, actor: Actor, secret: str, now: dt.datetime, used: str, attempt: int, *,
                    uow: UnitOfWork, hasher: SecretHasher) -> None:
    """Start the count again from zero and record the sign-in; its event says how many wrong tries
    in a row came before it (`attempt` is the try's number), when there were any."""
    uses_password = staff.role.signs_in_with_password
    hashed = staff.password_hash if uses_password else staff.pin_hash
    if hashed is not None and hasher.needs_rehash(hashed):
        new_hash = hasher.hash(secret)
        if uses_password:
            uow.staff.set_hashes(staff.id, password_hash=new_hash)
        else:
            uow.staff.set_hashes(staff.id, pin_hash=new_hash)
    uow.staff.record_sign_in(staff.id, at=now)
    if used == "recovery code":
        left = len(uow.staff.unused_recovery_codes(staff.id))
        uow.audit.record(actor, "staff.recovery_code_used", entity_type="staff", entity_id=staff.id,
                         summary={"left": left})
    summary: dict[str, object] = {"second_step": used} if used else {}
    if not used and staff.role.requires_two_step:
        summary = {"second_step": "enrolment due"}
    if attempt > 1:
        summary["after_wrong_tries"] = attempt - 1
    uow.audit.record(actor, "staff.signed_in", entity_type="staff", entity_id=staff.id, summary=summary)


def sign_in(staff_id: str, secret: str, *, uow: UnitOfWork, hasher: SecretHasher, terminal: str,
            code: str = "", via: str = "") -> Actor:
    """Check a PIN or password (and the two-step `code`, for those who have it) and record
    the result; returns who is now signed in."""
    check = check_sign_in(staff_id, secret, uow=uow, hasher=hasher, terminal=terminal, via=via)
    return record_sign_in(check, secret, uow=uow, hasher=hasher, code=code)


@requires(Permission.MANAGE_STAFF)
def unlock(staff_id: str, *, uow: UnitOfWork, actor: Actor) -> None:
    """Lift a lockout now and clear the failure count (the person proved who they are in person)."""
    with uow:
        staff = uow.staff.get(staff_id)
        if staff is None:
            raise NotFound("That staff member is not on the staff list.")
        uow.staff.unlock(staff_id)
        uow.audit.record(actor, "staff.unlocked", entity_type="staff", entity_id=staff_id,
                         summary={"failed_attempts": staff.failed_attempts})
        uow.commit()


def sign_out(actor: Actor, *, uow: UnitOfWork, reason: str = "signed out") -> None:
    with uow:
        uow.audit.record(actor, "staff.signed_out", entity_type="staff", entity_id=actor.staff_id,
                         summary={"reason": reason})
        uow.commit()


@requires(Permission.MANAGE_STAFF)
def add_staff(
    name: str,
    role: Role,
    *,
    pin: str,
    password: str | None = None,
    credentials: str = "",
    uow: UnitOfWork,
    actor: Actor,
    hasher: SecretHasher,
) -> str:
    name = name.strip()
    if not name:
        raise ValidationError("name", "is required")
    check_pin(pin)
    if role.signs_in_with_password:
        if password is None:
            raise ValidationError("password", f"is required for a {role.label.lower()}")
        check_password(password)
    with uow:
        if uow.staff.by_name(name) is not None:
            raise ValidationError("name", f"{name!r} is already on the staff list")
        staff_id = uow.staff.add(name=name, role=role, pin_hash=hasher.hash(pin),
                                 password_hash=hasher.hash(password) if password else None,
                                 credentials=credentials)
        uow.audit.record(actor, "staff.added", entity_type="staff", entity_id=staff_id, summary={"role": role.value})
        uow.commit()
    return staff_id


def approve(staff_id: str, secret: str, permission: Permission, *, reader: DirectoryReader, uow: UnitOfWork,
            hasher: SecretHasher, terminal: str) -> Actor:
    """A manager's PIN (or password) allowing one action a clerk may not do alone.

    Counted like a sign-in before the secret is looked at (`_count_try`): a wrong
    secret counts toward the lockout and is an audit event, a right one takes its
    try back. The approver is returned for the action's own audit event to name
    (`approved_by`); nobody is signed in or out.
    """
    _staff_actor(reader.staff_member(staff_id), terminal)  # someone who cannot sign in is not counted
    counted = _count_try(staff_id, uow=uow, terminal=terminal)
    staff, approver = counted.staff, counted.actor
    if not counted.attempt:
        raise SignInFailed(_locked_message(staff.name, counted.lock, counted.at))
    # At the counter a manager approves with their PIN; their password works too.
    if not any(hashed is not None and secret and hasher.verify(hashed, secret)
               for hashed in (staff.pin_hash, staff.password_hash)):
        _record_failure(counted, uow=uow)
        raise SignInFailed(f"Wrong PIN for {staff.name}.")
    _give_back(counted, uow)
    if not approver.can(permission):
        raise PermissionDenied(f"{approver.name} ({approver.role.label.lower()}) cannot approve this; "
                               "ask a manager or the owner.")
    return approver


def approvers(reader: DirectoryReader, permission: Permission) -> list[StaffChoice]:
    """Who may approve `permission` at this counter (for the approval dialog's list)."""
    allowed = [choice for choice in sign_in_choices(reader) if allows(choice.role, permission)]
    # Managers first: the owner is not always in the store.
    return sorted(allowed, key=lambda choice: (choice.role is not Role.MANAGER, choice.name))
