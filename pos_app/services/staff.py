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

from pos_app.domain.errors import Conflict, NotFound, PermissionDenied, SignInFailed, ValidationError
from pos_app.domain.permissions import (
    TWO_STEP_SETTING,
    Actor,
    Permission,
    Role,
    allows,
    two_step_required,
    two_step_roles,
)
from pos_app.domain.staff import clean_credentials, clean_name
from pos_app.services import two_step
from pos_app.services.guard import check_open, requires
from pos_app.services.ports.settings import DirectoryReader
from pos_app.services.ports.staff import SecretHasher, StaffRecord, StaffSecurityReader, StaffSecurityRow
from pos_app.services.ports.uow import UnitOfWork

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
    `new_secret` says the secret was temporary (set by whoever hired or reset the
    person): `record_sign_in` then takes the new one the person chose, before any code.
    """

    actor: Actor
    outcome: str
    at: dt.datetime
    second_step: str = ""
    attempt: int = 0
    problem: str = ""
    new_secret: bool = False

    @property
    def secret_word(self) -> str:
        return "password" if self.actor.role.signs_in_with_password else "PIN"


@dataclass(frozen=True)
class _Try:
    """A try counted and committed before its secret is looked at (`_count_try`)."""

    staff: StaffRecord
    actor: Actor
    at: dt.datetime
    attempt: int  # 0: refused, the account is locked
    lock: dt.datetime | None  # the lock this try set by reaching the limit, or the one that refused it
    two_step_required: bool = False  # the store's setting requires two-step sign-in of this person's role


def _second_step(staff: StaffRecord, required: bool) -> str:
    if staff.two_step_enrolled:
        return "code"
    return "enrol" if required else ""


def _requires_two_step(staff: StaffRecord, uow: UnitOfWork) -> bool:
    """Inside the caller's transaction: whether the store's `security.two_step_roles` names this
    person's role (the owner and the privacy officer always)."""
    return two_step_required(staff.role, two_step_roles(uow.settings.get(TWO_STEP_SETTING)))


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


def wait_words(delay: dt.timedelta) -> str:
    """A lock's length as a person reads it: "30 seconds", "1 minute", "15 minutes"."""
    seconds = math.ceil(delay.total_seconds())
    if seconds < 60 or seconds % 60:
        return f"{seconds} seconds"
    minutes = seconds // 60
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def _wrong_message(what: str, name: str, counted: _Try) -> str:
    """A wrong secret; the try that reached the limit says the account is locked now, and for how long."""
    if counted.lock is None:
        return f"Wrong {what} for {name}."
    return (f"Wrong {what} for {name}. That was {counted.attempt} wrong tries in a row: the account is locked "
            f"for {wait_words(counted.lock - counted.at)}, or until the owner unlocks it.")


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
        required = _requires_two_step(staff, uow)
        attempt = uow.staff.count_try(staff.id, now)
        if attempt is None:
            uow.audit.record(who, "staff.sign_in_refused_locked", entity_type="staff", entity_id=staff.id)
            uow.commit()
            return _Try(staff, who, now, 0, staff.locked_until, required)
        delay = lock_delay(attempt)
        lock = None if delay is None else now + delay
        if lock is not None:
            uow.staff.lock(staff.id, lock)
        uow.commit()
    return _Try(staff, who, now, attempt, lock, required)


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
                           problem=_wrong_message(what, staff.name, counted))
    second = _second_step(staff, counted.two_step_required)
    if second == "code":
        _give_back(counted, uow)
    return SignInCheck(counted.actor, "ok", counted.at, second, attempt=counted.attempt,
                       new_secret=staff.must_change_secret)


def check_new_secret(check: SignInCheck, temporary: str, new: str, again: str) -> str:
    """The secret a person chose in place of a temporary one, typed twice: refused (naming the
    field) when it breaks the PIN or password rule, differs between the two entries, or is the
    temporary one again."""
    word = check.secret_word
    field = f"new_{word.lower()}"
    if word == "PIN":
        check_pin(new, field=field)
    else:
        check_password(new, field=field)
    if new != again:
        raise ValidationError(f"{field}_again", f"does not match the new {word} (type the same {word} twice)")
    if new == temporary:
        raise ValidationError(field, f"must differ from the temporary {word} you were given")
    return new


def record_sign_in(check: SignInCheck, secret: str, *, uow: UnitOfWork, hasher: SecretHasher,
                   code: str = "", new_secret: str = "") -> Actor:
    """Write the success `check` found (rehashing the secret if the store's costs changed),
    or raise SignInFailed for the failure it already recorded.

    For a person with two-step sign-in a success needs `code` too: a TOTP code not
    used before, or an unused recovery code. The code is a try of its own, counted
    before it is looked at; a wrong one is a failed attempt.

    A person whose secret is temporary (`check.new_secret`, or the flag found set
    inside the transaction: reset meanwhile) gets in only with `new_secret`, already
    checked by `check_new_secret`; it replaces the temporary one in the same transaction
    as the sign-in, so nobody is ever signed in on a secret someone else chose.
    """
    actor = check.actor
    assert actor.staff_id is not None
    if check.outcome != "ok":
        raise SignInFailed(check.problem or "This staff member cannot sign in.")
    if check.new_secret:
        if not new_secret:
            raise SignInFailed(f"{actor.name} must choose a new {check.secret_word} to sign in: the one given "
                               "was temporary.")
        check_new_secret(check, secret, new_secret, new_secret)
    if check.second_step == "code":
        return _code_try(check, secret, code, uow=uow, hasher=hasher, new_secret=new_secret)
    with uow:
        staff = uow.staff.get(actor.staff_id)
        if staff is None:
            raise SignInFailed("This staff member cannot sign in.")
        _record_success(staff, actor, secret, check.at, "", check.attempt, uow=uow, hasher=hasher,
                        new_secret=new_secret)
        uow.commit()
    return actor


def _code_try(check: SignInCheck, secret: str, code: str, *, uow: UnitOfWork, hasher: SecretHasher,
              new_secret: str = "") -> Actor:
    actor = check.actor
    assert actor.staff_id is not None
    # The code comes a while after the password: counted, and judged (with any lock since), as of now.
    counted = _count_try(actor.staff_id, uow=uow, terminal=actor.terminal, actor=actor)
    if not counted.attempt:
        raise SignInFailed(_locked_message(counted.staff.name, counted.lock, counted.at))
    with uow:
        used = two_step.check_second_step(counted.staff.id, code, uow=uow, hasher=hasher, at=counted.at) or ""
        if used:
            _record_success(counted.staff, actor, secret, counted.at, used, counted.attempt, uow=uow, hasher=hasher,
                            new_secret=new_secret)
            uow.commit()
            return actor
    _record_failure(counted, uow=uow, code=True)
    raise SignInFailed(f"Wrong or already used code for {counted.staff.name}.")


def _record_success(staff: StaffRecord, actor: Actor, secret: str, now: dt.datetime, used: str, attempt: int, *,
                    uow: UnitOfWork, hasher: SecretHasher, new_secret: str = "") -> None:
    """Start the count again from zero and record the sign-in; its event says how many wrong tries
    in a row came before it (`attempt` is the try's number), when there were any. A temporary
    secret is replaced by `new_secret` here, or the sign-in is refused."""
    uses_password = staff.role.signs_in_with_password
    hashed = staff.password_hash if uses_password else staff.pin_hash
    if staff.must_change_secret:
        word = "password" if uses_password else "PIN"
        if not new_secret:
            raise SignInFailed(f"{staff.name} must choose a new {word} to sign in: the one given was temporary.")
        new_hash = hasher.hash(new_secret)
        if uses_password:
            uow.staff.set_hashes(staff.id, password_hash=new_hash)
        else:
            uow.staff.set_hashes(staff.id, pin_hash=new_hash)
        uow.staff.set_must_change_secret(staff.id, False)
        uow.audit.record(actor, "staff.secret_chosen", entity_type="staff", entity_id=staff.id,
                         summary={"secret": word.lower()})
    elif hashed is not None and hasher.needs_rehash(hashed):
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
    if not used and _requires_two_step(staff, uow):
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


PIN_RESET_ROLES = (Role.CLERK, Role.APPRAISER)


@requires(Permission.RESET_STAFF_PINS)
def staff_list(*, reader: StaffSecurityReader, uow: UnitOfWork, actor: Actor,
               include_inactive: bool = False) -> list[StaffSecurityRow]:
    """The Staff tab's list for whoever opens it: the owner sees everyone (and, with
    `include_inactive`, those who left); a manager, the active clerks and appraisers, whose
    PINs they may reset."""
    rows = two_step.mark_required(
        reader.staff_security(include_inactive=include_inactive and actor.can(Permission.MANAGE_STAFF)), uow)
    if actor.can(Permission.MANAGE_STAFF):
        return rows
    return [row for row in rows if row.active and row.role in PIN_RESET_ROLES]


def _secrets_for(role: Role, pin: str, password: str | None, *, has_pin: bool = False,
                 has_password: bool = False) -> tuple[str, str]:
    """The PIN and password a person of `role` is given (either may be "" for "keep, or none"):
    a password role needs a password, a PIN role a PIN (unless they have one already); a PIN is
    optional for a password role (approvals at the counter take either)."""
    if pin:
        check_pin(pin)
    if password:
        check_password(password)
    if role.signs_in_with_password and not (password or has_password):
        raise ValidationError("password", f"is required for a {role.label.lower()} (a temporary one, "
                                          "changed at the first sign-in)")
    if not role.signs_in_with_password:
        if password:
            raise ValidationError("password", f"is not used: a {role.label.lower()} signs in with a PIN")
        if not (pin or has_pin):
            raise ValidationError("pin", f"is required for a {role.label.lower()} (a temporary one, changed at "
                                         "the first sign-in)")
    return pin, password or ""


def _person(uow: UnitOfWork, staff_id: str) -> StaffRecord:
    staff = uow.staff.get(staff_id)
    if staff is None:
        raise NotFound("That staff member is not on the staff list.")
    return staff


@requires(Permission.MANAGE_STAFF)
def add_staff(
    name: str,
    role: Role,
    *,
    pin: str = "",
    password: str | None = None,
    credentials: str = "",
    uow: UnitOfWork,
    actor: Actor,
    hasher: SecretHasher,
) -> str:
    """Hire: a new active person who appears on the sign-in list. The PIN (clerk, appraiser) or
    password (owner, manager, privacy officer) is temporary: the person chooses their own at the
    first sign-in, before the workspace opens (and sets up two-step sign-in there if the role
    requires it). `credentials` are an appraiser's, printed where they sign ("GIA Graduate
    Gemologist"). A name already used, in any case or Unicode form, is refused, by the database's
    unique index even against a hire of the same name at another counter."""
    name = clean_name(name)
    credentials = clean_credentials(credentials)
    pin, password = _secrets_for(role, pin, password)
    with uow:
        if uow.staff.by_name(name) is not None:
            raise ValidationError("name", f"{name!r} is already on the staff list")
        staff_id = uow.staff.add(name=name, role=role, pin_hash=hasher.hash(pin) if pin else None,
                                 password_hash=hasher.hash(password) if password else None,
                                 credentials=credentials, must_change_secret=True)
        uow.audit.record(actor, "staff.added", entity_type="staff", entity_id=staff_id,
                         summary={"role": role.value, "pin": bool(pin), "password": bool(password),
                                  "credentials": bool(credentials)})
        uow.commit()
    return staff_id


@requires(Permission.MANAGE_STAFF)
def set_role(staff_id: str, role: Role, *, pin: str = "", password: str | None = None,
             credentials: str | None = None, uow: UnitOfWork, actor: Actor, hasher: SecretHasher) -> None:
    """Give a person another role. If the new role signs in with a secret the person does not have
    (a clerk made manager needs a password), `pin`/`password` gives a temporary one, chosen anew at
    the next sign-in; a role that requires two-step sign-in has it set up then too. The last active
    owner keeps the role: the database refuses it (trigger `staff_keep_an_active_owner`), so two
    owners demoting each other at once cannot both succeed. `credentials` (appraisers) if given."""
    pin, password = (pin or "", password or None)
    with uow:
        staff = _person(uow, staff_id)
        if not staff.active:
            raise Conflict(f"{staff.name} has left (deactivated): reactivate them first.")
        if staff.role is role and not (pin or password):
            raise ValidationError("role", f"{staff.name} is already a {role.label.lower()}")
        pin, password = _secrets_for(role, pin, password, has_pin=staff.pin_hash is not None,
                                     has_password=staff.password_hash is not None)
        uow.staff.set_role(staff_id, role)
        if pin or password:
            uow.staff.set_hashes(staff_id, pin_hash=hasher.hash(pin) if pin else None,
                                 password_hash=hasher.hash(password) if password else None)
        if (password and role.signs_in_with_password) or (pin and not role.signs_in_with_password):
            uow.staff.set_must_change_secret(staff_id, True)
        summary: dict[str, object] = {"from": staff.role.value, "to": role.value,
                                      "temporary": "password" if password else ("pin" if pin else "")}
        if credentials is not None:
            uow.staff.set_credentials(staff_id, clean_credentials(credentials))
            summary["credentials"] = True
        uow.audit.record(actor, "staff.role_changed", entity_type="staff", entity_id=staff_id, summary=summary)
        uow.commit()


@requires(Permission.RESET_STAFF_PINS)
def reset_secret(staff_id: str, temporary: str, *, uow: UnitOfWork, actor: Actor, hasher: SecretHasher) -> str:
    """A forgotten PIN or password: the secret the person signs in with becomes `temporary` (read
    to them by whoever resets it; `domain.staff.temporary_secret` makes one), which lets them in
    once to choose their own, twice, before the workspace opens. A lockout is lifted too: the
    person is there. Managers reset clerks' and appraisers' PINs; anyone else's needs MANAGE_STAFF
    (the owner), checked here and a refusal audited. Returns "PIN" or "password"."""
    with uow:
        staff = _person(uow, staff_id)
        if staff.role not in PIN_RESET_ROLES:
            check_open(actor, Permission.MANAGE_STAFF, uow, function="staff.reset_secret",
                       entity=("staff", staff_id))
        if not staff.active:
            raise Conflict(f"{staff.name} has left (deactivated): reactivate them first.")
        word = "password" if staff.role.signs_in_with_password else "PIN"
        if word == "PIN":
            check_pin(temporary, field="temporary_pin")
            uow.staff.set_hashes(staff_id, pin_hash=hasher.hash(temporary))
        else:
            check_password(temporary, field="temporary_password")
            uow.staff.set_hashes(staff_id, password_hash=hasher.hash(temporary))
        uow.staff.set_must_change_secret(staff_id, True)
        uow.staff.unlock(staff_id)
        uow.audit.record(actor, "staff.secret_reset", entity_type="staff", entity_id=staff_id,
                         summary={"secret": word.lower()})
        uow.commit()
    return word


@requires(Permission.MANAGE_STAFF)
def deactivate(staff_id: str, *, uow: UnitOfWork, actor: Actor) -> None:
    """A leaver: off the sign-in list, cannot sign in or approve, their sales, appraisals and audit
    trail kept under their name. Nobody deactivates themself (another owner does), and the last
    active owner stays: the database refuses it inside this transaction."""
    with uow:
        staff = _person(uow, staff_id)
        if staff_id == actor.staff_id:
            raise Conflict("You cannot deactivate yourself; another owner can.")
        if not staff.active:
            raise Conflict(f"{staff.name} is already deactivated.")
        uow.staff.set_active(staff_id, False)
        uow.audit.record(actor, "staff.deactivated", entity_type="staff", entity_id=staff_id,
                         summary={"role": staff.role.value})
        uow.commit()


@requires(Permission.MANAGE_STAFF)
def reactivate(staff_id: str, *, uow: UnitOfWork, actor: Actor) -> None:
    """Someone who comes back: on the sign-in list again with their role and secrets as they were
    (reset their PIN or password if they forgot it)."""
    with uow:
        staff = _person(uow, staff_id)
        if staff.active:
            raise Conflict(f"{staff.name} is already active.")
        uow.staff.set_active(staff_id, True)
        uow.audit.record(actor, "staff.reactivated", entity_type="staff", entity_id=staff_id,
                         summary={"role": staff.role.value})
        uow.commit()


def approve(staff_id: str, secret: str, permission: Permission, *, reader: DirectoryReader, uow: UnitOfWork,
            hasher: SecretHasher, terminal: str) -> Actor:
    """A manager's PIN (or password) allowing one action a clerk may not do alone.

    Counted like a sign-in before the secret is looked at (`_count_try`): a wrong
    secret counts toward the lockout and is an audit event, a right one takes its
    try back. The approver is returned for the action's own audit event to name
    (`approved_by`); nobody is signed in or out.
    """
    member, _ = _staff_actor(reader.staff_member(staff_id), terminal)  # someone who cannot sign in is not counted
    if member.must_change_secret:
        raise SignInFailed(f"{member.name} has a temporary PIN or password: sign in once and choose a new one "
                           "before approving.")
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
