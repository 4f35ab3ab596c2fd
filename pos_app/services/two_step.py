"""Two-step sign-in: a time-based one-time code (TOTP, RFC 6238) after the PIN or password.

The owner and the privacy officer must use it; the owner may require it of
other roles too (the setting `security.two_step_roles`, read at each sign-in:
someone whose role it names and who has none sets it up then); anyone else
may. Enrolling shows a new secret as a QR code for an
authenticator app; it is saved only once the person types a code the app
shows, so a mistyped scan never locks anyone out. Each accepted code's
time-step is kept: the same code cannot be used twice. Ten recovery codes,
shown once, each stand in for one code when the phone is lost.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, replace

from pos_app.domain import credentials
from pos_app.domain.errors import Conflict, NotFound, ValidationError
from pos_app.domain.permissions import (
    TWO_STEP_SETTING,
    Actor,
    Permission,
    Role,
    two_step_required,
    two_step_roles,
)
from pos_app.services.guard import check_open, requires
from pos_app.services.ports.staff import SecretHasher, StaffSecurityReader, StaffSecurityRow
from pos_app.services.ports.uow import UnitOfWork

STEP_SECONDS = 30
ISSUER = "Facet"


@dataclass(frozen=True)
class Enrolment:
    """A secret offered to one person, not yet saved: `uri` goes into the QR code."""

    secret: str
    uri: str

    @property
    def key_text(self) -> str:
        """The secret in groups of four, for typing into an app by hand."""
        return " ".join(self.secret[i:i + 4] for i in range(0, len(self.secret), 4))


def start_enrolment(actor: Actor, *, store_name: str) -> Enrolment:
    """A new secret for the signed-in person; nothing is saved until `confirm_enrolment`."""
    import pyotp

    if actor.staff_id is None:
        raise ValidationError("staff", "the command line has no two-step sign-in; sign in as a person")
    secret = pyotp.random_base32()
    uri = pyotp.TOTP(secret).provisioning_uri(name=f"{actor.name} ({store_name})", issuer_name=ISSUER)
    return Enrolment(secret, uri)


def time_step(at: dt.datetime) -> int:
    return int(at.timestamp()) // STEP_SECONDS


def matching_step(secret: str, code: str, at: dt.datetime) -> int | None:
    """The time-step whose code is `code`: now, or one step either side (a phone's clock drifts)."""
    import pyotp

    totp = pyotp.TOTP(secret)
    now = time_step(at)
    for step in (now, now - 1, now + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _check_code_format(code: str) -> str:
    digits = code.replace(" ", "")
    if not (len(digits) == 6 and digits.isdigit()):
        raise ValidationError("code", "is the 6 digits your authenticator app shows")
    return digits


def confirm_enrolment(enrolment: Enrolment, code: str, *, uow: UnitOfWork, actor: Actor,
                      hasher: SecretHasher) -> list[str]:
    """Save the secret once `code` proves the app has it; returns the ten recovery codes to show once.

    Enrolling again replaces the old secret and recovery codes.
    """
    if actor.staff_id is None:
        raise ValidationError("staff", "the command line has no two-step sign-in; sign in as a person")
    now = dt.datetime.now(dt.UTC)
    step = matching_step(enrolment.secret, _check_code_format(code), now)
    if step is None:
        raise ValidationError("code", "does not match this key; check the phone's time and type the code it shows now")
    codes, hashes = _new_codes(hasher)
    with uow:
        uow.staff.set_totp(actor.staff_id, enrolment.secret, step)
        uow.staff.replace_recovery_codes(actor.staff_id, hashes)
        uow.audit.record(actor, "staff.two_step_enrolled", entity_type="staff", entity_id=actor.staff_id)
        uow.commit()
    return codes


def _new_codes(hasher: SecretHasher) -> tuple[list[str], list[str]]:
    # Hashed before the transaction opens: ten argon2 hashes take a moment.
    codes = credentials.new_recovery_codes()
    return codes, [hasher.hash(credentials.normalize_code(code)) for code in codes]


def check_second_step(staff_id: str, code: str, *, uow: UnitOfWork, hasher: SecretHasher,
                      at: dt.datetime) -> str | None:
    """Inside the caller's unit of work: "totp" or "recovery code" if `code` is good (and now used up),
    None if it is wrong, already used, or the person has no two-step sign-in."""
    secret, last_step = uow.staff.totp(staff_id)
    if secret is None:
        return None
    entered = credentials.normalize_code(code)
    if len(entered) == 6 and entered.isdigit():
        step = matching_step(secret, entered, at)
        if step is None or (last_step is not None and step <= last_step):
            return None
        uow.staff.set_totp(staff_id, secret, step)
        return "totp"
    if credentials.looks_like_recovery_code(entered):
        for code_id, hashed in uow.staff.unused_recovery_codes(staff_id):
            if hasher.verify(hashed, entered):
                uow.staff.use_recovery_code(code_id, at)
                return "recovery code"
    return None


def replace_recovery_codes(staff_id: str, *, uow: UnitOfWork, actor: Actor, hasher: SecretHasher) -> list[str]:
    """Ten new recovery codes (the old ones stop working) for yourself, or for anyone with MANAGE_STAFF."""
    codes, hashes = _new_codes(hasher)
    with uow:
        if staff_id != actor.staff_id:
            check_open(actor, Permission.MANAGE_STAFF, uow, function="two_step.replace_recovery_codes",
                       entity=("staff", staff_id))
        staff = uow.staff.get(staff_id)
        if staff is None:
            raise NotFound("That staff member is not on the staff list.")
        if not staff.two_step_enrolled:
            raise Conflict(f"{staff.name} has not set up two-step sign-in; recovery codes come with it.")
        uow.staff.replace_recovery_codes(staff_id, hashes)
        uow.audit.record(actor, "staff.recovery_codes_replaced", entity_type="staff", entity_id=staff_id)
        uow.commit()
    return codes


@requires(Permission.MANAGE_STAFF)
def reset(staff_id: str, *, uow: UnitOfWork, actor: Actor) -> None:
    """Forget a person's two-step secret and recovery codes (a lost phone): they enrol again at
    their next sign-in if the store requires it of their role (`security.two_step_roles`)."""
    with uow:
        staff = uow.staff.get(staff_id)
        if staff is None:
            raise NotFound("That staff member is not on the staff list.")
        if not staff.two_step_enrolled:
            raise Conflict(f"{staff.name} has no two-step sign-in to reset.")
        uow.staff.set_totp(staff_id, None, None)
        uow.staff.replace_recovery_codes(staff_id, [])
        uow.audit.record(actor, "staff.two_step_reset", entity_type="staff", entity_id=staff_id)
        uow.commit()


@requires(Permission.MANAGE_STAFF)
def staff_overview(*, reader: StaffSecurityReader, uow: UnitOfWork, actor: Actor,
                   include_inactive: bool = False) -> Sequence[StaffSecurityRow]:
    """The Staff tab's list: each person's role, two-step status and lock (and, with
    `include_inactive`, those who left, after the others)."""
    return mark_required(reader.staff_security(include_inactive=include_inactive), uow)


def mark_required(rows: Sequence[StaffSecurityRow], uow: UnitOfWork) -> list[StaffSecurityRow]:
    """Each row with `two_step_required` as the store's `security.two_step_roles` says, for the lists
    the guarded `staff_overview` and `staff.staff_list` return."""
    with uow:
        required = two_step_roles(uow.settings.get(TWO_STEP_SETTING))
    return [replace(row, two_step_required=two_step_required(row.role, required)) for row in rows]


@requires(Permission.RESET_STAFF_PINS)
def required_roles(*, uow: UnitOfWork, actor: Actor) -> frozenset[Role]:
    """The roles the store requires two-step sign-in of (`security.two_step_roles`, never fewer than
    the owner and the privacy officer), for the Staff screen's notes on hiring and role changes."""
    with uow:
        return two_step_roles(uow.settings.get(TWO_STEP_SETTING))
