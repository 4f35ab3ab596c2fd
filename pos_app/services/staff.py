"""Signing in and out, and the staff list.

Clerks and appraisers sign in with a PIN; owners, managers and the privacy
officer with a password (they reach money, staff and personal data). Whoever
has two-step sign-in adds a one-time code (see `two_step`). Five failures in a
row, a wrong code included, lock the account for a delay that doubles with each
further failure, up to 15 minutes; every failure is an audit event, and an
owner can unlock an account.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import NoReturn

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
    """What checking a PIN or password found: "ok", "wrong", or "locked" (not checked).

    `second_step` says what an "ok" still needs: "code" (the person has two-step
    sign-in: `record_sign_in` takes the code), "enrol" (their role requires it
    and they have none yet: the screen takes them to set it up), or "".
    """

    actor: Actor
    outcome: str
    at: dt.datetime
    second_step: str = ""


def _second_step(staff: StaffRecord) -> str:
    if staff.two_step_enrolled:
        return "code"
    return "enrol" if staff.role.requires_two_step else ""


def _verdict(staff: StaffRecord, secret: str, hasher: SecretHasher, now: dt.datetime) -> str:
    if staff.locked_until is not None and staff.locked_until > now:
        # Refused without checking the secret, so guessing while locked learns nothing.
        return "locked"
    hashed = staff.password_hash if staff.role.signs_in_with_password else staff.pin_hash
    return "ok" if secret and hashed is not None and hasher.verify(hashed, secret) else "wrong"


def _staff_actor(staff: StaffRecord | None, terminal: str) -> tuple[StaffRecord, Actor]:
    if staff is None or not staff.active:
        raise SignInFailed("This staff member cannot sign in.")
    return staff, Actor(staff_id=staff.id, name=staff.name, role=staff.role, terminal=terminal)


def check_sign_in(staff_id: str, secret: str, *, reader: DirectoryReader, hasher: SecretHasher,
                  terminal: str) -> SignInCheck:
    """Check a PIN or password on a read-only connection; writes nothing.

    The counter shows the workspace as soon as this says "ok" with no second
    step and records the sign-in (`record_sign_in`) right after, on the
    database worker; a failure is recorded before the person is told. With
    `second_step == "code"` the sign-in is recorded only with the code.
    """
    staff, actor = _staff_actor(reader.staff_member(staff_id), terminal)
    now = dt.datetime.now(dt.UTC)
    return SignInCheck(actor, _verdict(staff, secret, hasher, now), now, _second_step(staff))


def record_sign_in(check: SignInCheck, secret: str, *, uow: UnitOfWork, hasher: SecretHasher,
                   code: str = "") -> Actor:
    """Write what `check` found: a success (rehashing the secret if the store's costs
    changed), a failure (which may lock the account), or a refused attempt. Raises
    SignInFailed for anything but a success, after the record is committed.

    For a person with two-step sign-in a success needs `code` too: a TOTP code not
    used before, or an unused recovery code; a wrong one is a failed attempt.
    """
    actor = check.actor
    assert actor.staff_id is not None
    with uow:
        staff = uow.staff.get(actor.staff_id)
        if staff is None:
            raise SignInFailed("This staff member cannot sign in.")
        outcome, now, used = check.outcome, check.at, ""
        # `second_step` as found with the password: a sign-in checked just before the person
        # enrolled (recorded a moment later) is not turned into a failure.
        if outcome == "ok" and check.second_step == "code":
            # The code comes a while after the password: judge it, and any lock since, as of now.
            now = dt.datetime.now(dt.UTC)
            if staff.locked_until is not None and staff.locked_until > now:
                outcome = "locked"
            else:
                used = two_step.check_second_step(staff.id, code, uow=uow, hasher=hasher, at=now) or ""
                outcome = "ok" if used else "wrong code"
        if outcome == "locked":
            uow.audit.record(actor, "staff.sign_in_refused_locked", entity_type="staff", entity_id=staff.id)
            uow.commit()
            until = staff.locked_until or now
            wait = max(1, math.ceil((until - now).total_seconds()))
            raise SignInFailed(f"Too many wrong tries. {staff.name} can try again in {wait} seconds.")
        if outcome != "ok":
            _record_failure(staff, actor, now, uow=uow, code=outcome == "wrong code")
        _record_success(staff, actor, secret, now, used, uow=uow, hasher=hasher)
        uow.commit()
    return actor


def _record_failure(staff: StaffRecord, actor: Actor, now: dt.datetime, *, uow: UnitOfWork, code: bool) -> NoReturn:
    """Count a failed attempt (locking the account after five), commit, and raise SignInFailed."""
    delay = lock_delay(staff.failed_attempts + 1)
    uow.staff.record_sign_in(staff.id, succeeded=False, at=now, locked_until=None if delay is None else now + delay)
    summary: dict[str, object] = {"attempt": staff.failed_attempts + 1}
    if code:
        summary["step"] = "code"
    uow.audit.record(actor, "staff.sign_in_failed", entity_type="staff", entity_id=staff.id, summary=summary)
    uow.commit()
    if code:
        raise SignInFailed(f"Wrong or already used code for {staff.name}.")
    what = "password" if staff.role.signs_in_with_password else "PIN"
    raise SignInFailed(f"Wrong {what} for {staff.name}.")


def _record_success(staff: StaffRecord, actor: Actor, secret: str, now: dt.datetime, used: str, *,
                    uow: UnitOfWork, hasher: SecretHasher) -> None:
    uses_password = staff.role.signs_in_with_password
    hashed = staff.password_hash if uses_password else staff.pin_hash
    if hashed is not None and hasher.needs_rehash(hashed):
        new_hash = hasher.hash(secret)
        if uses_password:
            uow.staff.set_hashes(staff.id, password_hash=new_hash)
        else:
            uow.staff.set_hashes(staff.id, pin_hash=new_hash)
    uow.staff.record_sign_in(staff.id, succeeded=True, at=now)
    if used == "recovery code":
        left = len(uow.staff.unused_recovery_codes(staff.id))
        uow.audit.record(actor, "staff.recovery_code_used", entity_type="staff", entity_id=staff.id,
                         summary={"left": left})
    summary = {"second_step": used} if used else {}
    if not used and staff.role.requires_two_step:
        summary = {"second_step": "enrolment due"}
    uow.audit.record(actor, "staff.signed_in", entity_type="staff", entity_id=staff.id, summary=summary)


def sign_in(staff_id: str, secret: str, *, uow: UnitOfWork, hasher: SecretHasher, terminal: str,
            code: str = "") -> Actor:
    """Check a PIN or password (and the two-step `code`, for those who have it) and record
    the result; returns who is now signed in."""
    with uow:
        staff, actor = _staff_actor(uow.staff.get(staff_id), terminal)
    now = dt.datetime.now(dt.UTC)
    check = SignInCheck(actor, _verdict(staff, secret, hasher, now), now, _second_step(staff))
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

    Checked like a sign-in: a wrong secret counts toward the lockout and is an
    audit event. The approver is returned for the action's own audit event to
    name (`approved_by`); nobody is signed in or out.
    """
    staff, approver = _staff_actor(reader.staff_member(staff_id), terminal)
    now = dt.datetime.now(dt.UTC)
    if staff.locked_until is not None and staff.locked_until > now:
        outcome = "locked"
    else:
        # At the counter a manager approves with their PIN; their password works too.
        matches = any(hashed is not None and secret and hasher.verify(hashed, secret)
                      for hashed in (staff.pin_hash, staff.password_hash))
        outcome = "ok" if matches else "wrong"
    if outcome != "ok":
        try:
            record_sign_in(SignInCheck(approver, outcome, now), secret, uow=uow, hasher=hasher)  # records it
        except SignInFailed as refused:
            if outcome == "wrong":
                raise SignInFailed(f"Wrong PIN for {staff.name}.") from None
            raise refused from None
    if not approver.can(permission):
        raise PermissionDenied(f"{approver.name} ({approver.role.label.lower()}) cannot approve this; "
                               "ask a manager or the owner.")
    return approver


def approvers(reader: DirectoryReader, permission: Permission) -> list[StaffChoice]:
    """Who may approve `permission` at this counter (for the approval dialog's list)."""
    allowed = [choice for choice in sign_in_choices(reader) if allows(choice.role, permission)]
    # Managers first: the owner is not always in the store.
    return sorted(allowed, key=lambda choice: (choice.role is not Role.MANAGER, choice.name))
