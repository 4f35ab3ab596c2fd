"""Privacy requests: recording one, verifying who asks, extending its due date once, closing it.

Only the privacy officer and the owner handle requests
(`Permission.HANDLE_PRIVACY_REQUESTS`). Anyone else is refused, and the
refusal itself is an audit event ("permission.refused", by `@requires`), because the policy
promises that access to customers' privacy matters is accountable.

Audit events name the request, the customer's id, the type, the channel and
the dates, never a personal value: the extension reason and the outcome are
free text a person types and may name someone, so they stay on the request
row (which erasure reaches) and out of the append-only audit trail.

The clock and the extension rule are in `domain/privacy.py`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from pos_app.domain import privacy as rules
from pos_app.domain.errors import Conflict, NotFound, ValidationError
from pos_app.domain.permissions import Actor, Permission, allows
from pos_app.domain.privacy import Channel, RequestStatus, RequestType, VerificationMethod
from pos_app.domain.store import store_today
from pos_app.services.guard import requires
from pos_app.services.ports.privacy import (
    AccessRow,
    AffectedRow,
    ExportFiles,
    ExportRef,
    PrivacyReader,
    PrivacyRequestRecord,
    PrivacyRequestRow,
)
from pos_app.services.ports.uow import UnitOfWork

MAX_DUE_WITHIN_DAYS = 366


def _store_today(uow: UnitOfWork) -> dt.date:
    profile = uow.store.get()
    return store_today(profile.timezone if profile else "UTC")


def _open_request(uow: UnitOfWork, request_id: str) -> PrivacyRequestRecord:
    record = uow.privacy.get(request_id)
    if record is None:
        raise NotFound(f"request_id: no privacy request has the id {request_id!r}.")
    return record


@requires(Permission.HANDLE_PRIVACY_REQUESTS)
def record_request(customer_id: str, type: str, channel: str, received_on: dt.date | None = None, *,
                   uow: UnitOfWork, actor: Actor, today: dt.date | None = None) -> PrivacyRequestRecord:
    """Record a request as received (on `received_on`, default today, store time); due 30 days later."""
    kind = RequestType.parse(type, field="type")
    how = Channel.parse(channel, field="channel")
    with uow:
        today = today or _store_today(uow)
        received = rules.check_received_on(received_on or today, today=today)
        if not customer_id.strip() or uow.customers.name_and_address(customer_id.strip()) is None:
            raise ValidationError("customer_id", f"no customer has the id {customer_id!r} (or they were erased)")
        request_id = uow.privacy.add(customer_id=customer_id.strip(), type=kind.value, channel=how.value,
                                     received_on=received, due_on=rules.due_on(received))
        record = _open_request(uow, request_id)
        uow.audit.record(actor, "privacy.request_received", entity_type="privacy_request", entity_id=request_id,
                         summary={"customer_id": record.customer_id, "type": kind.value, "channel": how.value,
                                  "received_on": received.isoformat(), "due_on": record.due_on.isoformat()})
        uow.commit()
    return record


@requires(Permission.HANDLE_PRIVACY_REQUESTS, entity=("privacy_request", "request_id"))
def verify(request_id: str, method: str, verified_by_staff_id: str, *, uow: UnitOfWork, actor: Actor,
           now: dt.datetime | None = None) -> PrivacyRequestRecord:
    """Record how the customer's identity was verified and by whom (a privacy officer or the owner)."""
    how = VerificationMethod.parse(method, field="method")
    with uow:
        record = _open_request(uow, request_id)
        rules.check_move(RequestStatus.of(record.status), RequestStatus.VERIFIED)
        staff = uow.staff.get(verified_by_staff_id) if verified_by_staff_id else None
        if staff is None or not staff.active:
            raise ValidationError("verified_by", "no active staff member has that id")
        if not allows(staff.role, Permission.HANDLE_PRIVACY_REQUESTS):
            raise ValidationError("verified_by", f"{staff.name} is {staff.role.label.lower()}; only a privacy "
                                                 "officer or the owner verifies a customer's identity")
        uow.privacy.set_verification(request_id, method=how.value, staff_id=staff.id, at=now or dt.datetime.now(dt.UTC))
        uow.audit.record(actor, "privacy.request_verified", entity_type="privacy_request", entity_id=request_id,
                         summary={"customer_id": record.customer_id, "method": how.value, "verified_by": staff.id})
        record = _open_request(uow, request_id)
        uow.commit()
    return record


@requires(Permission.HANDLE_PRIVACY_REQUESTS, entity=("privacy_request", "request_id"))
def extend(request_id: str, reason: str, told_on: dt.date, *, uow: UnitOfWork, actor: Actor,
           days: int = rules.EXTENSION_DAYS, today: dt.date | None = None) -> PrivacyRequestRecord:
    """The one extension: up to 45 more days, with the reason the customer was told on `told_on`."""
    with uow:
        today = today or _store_today(uow)
        record = _open_request(uow, request_id)
        if not RequestStatus.of(record.status).is_open:
            raise Conflict(f"This request is already {record.status}; a closed request cannot be extended.")
        due = rules.extended_due_on(record.received_on, already_extended=record.extension_reason is not None,
                                    days=days, reason=reason, told_on=told_on, today=today)
        uow.privacy.extend(request_id, due_on=due, reason=" ".join(reason.split()), told_on=told_on)
        uow.audit.record(actor, "privacy.request_extended", entity_type="privacy_request", entity_id=request_id,
                         summary={"customer_id": record.customer_id, "days": days,
                                  "previous_due_on": record.due_on.isoformat(), "due_on": due.isoformat(),
                                  "customer_told_on": told_on.isoformat()})
        record = _open_request(uow, request_id)
        uow.commit()
    return record


@requires(Permission.HANDLE_PRIVACY_REQUESTS, entity=("privacy_request", "request_id"))
def close_request(request_id: str, status: str, outcome: str, *, uow: UnitOfWork, actor: Actor,
                  now: dt.datetime | None = None, exports: ExportFiles | None = None) -> PrivacyRequestRecord:
    """Complete a verified request, or refuse one, saying what was done or why not.

    Completing a request answered by a privacy export means the export was delivered: with `exports`
    given, its file (the one the request recorded, checked by its SHA-256) is deleted in the same step,
    and the request keeps only the hash, as proof of what was sent. A refused request keeps its file
    until the retention period deletes it."""
    final = RequestStatus.parse(status, field="status")
    if final.is_open:
        raise ValidationError("status", "a request is closed as completed or refused")
    text = rules.check_outcome(outcome)
    delivered: ExportRef | None = None
    found: list[str] = []
    if exports is not None and final is RequestStatus.COMPLETED:
        with uow.reading():
            delivered = uow.privacy.export_of(request_id)
        if delivered is not None:
            found = exports.find(None, [delivered])  # reads the file whole: before the write lock
    with uow:
        record = _open_request(uow, request_id)
        rules.check_move(RequestStatus.of(record.status), final)
        uow.privacy.close(request_id, status=final.value, outcome=text, at=now or dt.datetime.now(dt.UTC))
        summary: dict[str, object] = {"customer_id": record.customer_id, "type": record.type}
        if delivered is not None and exports is not None:
            summary["export_deleted"] = bool(exports.remove(found))
            uow.privacy.forget_export_file(request_id)
        uow.audit.record(actor, f"privacy.request_{final.value}", entity_type="privacy_request",
                         entity_id=request_id, summary=summary)
        record = _open_request(uow, request_id)
        uow.commit()
    return record


@requires(Permission.HANDLE_PRIVACY_REQUESTS)
def list_requests(*, reader: PrivacyReader, actor: Actor, today: dt.date, due_within_days: int | None = None,
                  include_closed: bool = False, uow: UnitOfWork) -> list[PrivacyRequestRow]:
    """Open requests, overdue first, then by due date; `due_within_days`: only those due by today + N.

    Pass `uow` so that a refused attempt is audited.
    """
    if due_within_days is not None and not 0 <= due_within_days <= MAX_DUE_WITHIN_DAYS:
        raise ValidationError("due_within_days", f"must be from 0 to {MAX_DUE_WITHIN_DAYS}")
    return reader.requests(today=today, due_within_days=due_within_days, include_closed=include_closed)


@requires(Permission.HANDLE_PRIVACY_REQUESTS)
def request_to_answer(customer_id: str, kinds: tuple[RequestType, ...], *, reader: PrivacyReader, actor: Actor,
                      today: dt.date, uow: UnitOfWork) -> str:
    """The id of the customer's one open, verified request of one of `kinds` (for a command given only
    the customer); a clear error when there is none, or more than one to choose from."""
    wanted = {k.value for k in kinds}
    open_ = [r for r in reader.requests(today=today, due_within_days=None, include_closed=False)
             if r.customer_id == customer_id.strip() and r.type in wanted]
    verified = [r for r in open_ if r.status == RequestStatus.VERIFIED.value]
    names = " or ".join(k.label.lower() for k in kinds)
    if len(verified) == 1:
        return verified[0].id
    if verified:
        raise ValidationError("request", f"the customer has {len(verified)} verified {names} requests; "
                                         f"name one: {', '.join(r.id for r in verified)}")
    if open_:
        raise Conflict(f"The customer's {names} request {open_[0].id} is not verified yet: verify the customer's "
                       "identity first (pos-app privacy verify).")
    raise ValidationError("request", f"the customer has no open {names} request; record one first "
                                     "(pos-app privacy request)")


# ---------------------------------------------------------------- the privacy policy's versions

MAX_POLICY_CHARS = 200_000


@dataclass(frozen=True)
class PolicyVersionRow:
    version: int
    effective_on: dt.date
    chars: int
    sha256: str
    in_force: bool  # the version a consent recorded today names


@requires(Permission.HANDLE_PRIVACY_REQUESTS)
def policy_versions(*, uow: UnitOfWork, actor: Actor, today: dt.date | None = None) -> list[PolicyVersionRow]:
    """Every published version of the store's privacy policy, oldest first, the one in force marked."""
    with uow:
        today = today or _store_today(uow)
        rows = uow.customers.policy_versions()
        in_force = uow.customers.policy_in_force(today)
    return [PolicyVersionRow(version=v, effective_on=on, chars=len(text),
                             sha256=hashlib.sha256(text.encode()).hexdigest(), in_force=i == in_force)
            for i, v, on, text in rows]


@requires(Permission.HANDLE_PRIVACY_REQUESTS)
def policy_text(version: int, *, uow: UnitOfWork, actor: Actor) -> str:
    with uow:
        for _, v, _, text in uow.customers.policy_versions():
            if v == version:
                return text
    raise NotFound(f"version: the privacy policy has no version {version}.")


@requires(Permission.HANDLE_PRIVACY_REQUESTS)
def publish_policy(text: str, effective_on: dt.date, *, uow: UnitOfWork, actor: Actor,
                   today: dt.date | None = None) -> PolicyVersionRow:
    """Keep a new version of the policy text, in force from `effective_on` (today or later, never before the
    latest version's date): consents recorded from that day name it. Versions are never changed or deleted."""
    body = text.strip()
    if not body:
        raise ValidationError("text", "the policy text is empty")
    if len(body) > MAX_POLICY_CHARS:
        raise ValidationError("text", f"is longer than {MAX_POLICY_CHARS:,} characters")
    with uow:
        today = today or _store_today(uow)
        if effective_on < today:
            raise ValidationError("effective_on", f"{effective_on.isoformat()} is in the past: consents already "
                                                  "recorded name the version that was in force")
        existing = uow.customers.policy_versions()
        if existing:
            _, last, last_on, last_text = existing[-1]
            if effective_on < last_on:
                raise ValidationError("effective_on", f"is before version {last}'s date ({last_on.isoformat()})")
            if last_text.strip() == body:
                raise Conflict(f"This text is the same as version {last}; nothing was published.")
        version = (existing[-1][1] if existing else 0) + 1
        uow.customers.add_policy_version(version, effective_on, body)
        digest = hashlib.sha256(body.encode()).hexdigest()
        uow.audit.record(actor, "privacy.policy_published", entity_type="policy_version", entity_id=str(version),
                         summary={"version": version, "effective_on": effective_on.isoformat(), "sha256": digest,
                                  "chars": len(body)})
        uow.commit()
    return PolicyVersionRow(version=version, effective_on=effective_on, chars=len(body), sha256=digest,
                            in_force=effective_on <= today)


# ---------------------------------------------------------------- who saw what


@requires(Permission.HANDLE_PRIVACY_REQUESTS)
def access_log(customer_id: str, *, reader: PrivacyReader, actor: Actor,
               uow: UnitOfWork) -> list[AccessRow]:
    """Who read or changed this customer's record, when, at which counter, doing what (oldest first)."""
    if not customer_id.strip():
        raise ValidationError("customer_id", "is required")
    return reader.access_log(customer_id.strip())


@requires(Permission.HANDLE_PRIVACY_REQUESTS)
def affected(since: dt.datetime, until: dt.datetime, *, reader: PrivacyReader, actor: Actor,
             uow: UnitOfWork) -> list[AffectedRow]:
    """For a security incident: the customers whose records were read or changed in [since, until)."""
    if since.tzinfo is None or until.tzinfo is None:
        raise ValidationError("since", "give a time zone (the store's, or UTC)")
    if until <= since:
        raise ValidationError("until", "must be after --since")
    return reader.affected(since, until)
