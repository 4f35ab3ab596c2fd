"""Appraisals: draft, finalize, correct with a new version; the printed document and its check.

A draft can be changed by whoever may write appraisals. Finalizing (an
appraiser's or the owner's) checks what a final appraisal must state and
freezes it: from then on it never changes. A correction opens a new draft
version of the same number that supersedes the final one; when it is final,
both stay readable, each with who made it and when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from pos_app.domain.appraisals import appraisal_number, check_final, parse_appraisal, retain_until
from pos_app.domain.errors import Conflict, NotFound, ValidationError
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.ports import AppraisalReader, AppraisalRecord, AppraisalRow, UnitOfWork

if TYPE_CHECKING:
    from pos_app.documents.appraisal_pdf import AppraisalDocument as AppraisalDocumentData


def _currency(uow: UnitOfWork) -> str:
    profile = uow.store.get()
    if profile is None:
        raise NotFound("The store has not been set up yet.")
    return profile.currency


def _record(uow: UnitOfWork, appraisal_id: str) -> AppraisalRecord:
    record = uow.appraisals.get(appraisal_id)
    if record is None:
        raise NotFound("That appraisal does not exist.")
    return record


def create_draft(raw: Mapping[str, str], stones: Sequence[Mapping[str, str]], *, uow: UnitOfWork, actor: Actor,
                 today: dt.date, item_id: str | None = None,
                 owner_customer_id: str | None = None) -> AppraisalRecord:
    """A new appraisal, numbered AP-<year>-<count>, as a draft by the signed-in appraiser."""
    actor.require(Permission.WRITE_APPRAISALS)
    with uow:
        spec = parse_appraisal(raw, stones, currency=_currency(uow), today=today)
        if item_id is not None and uow.items.get(item_id) is None:
            raise NotFound("That item no longer exists.")
        number = appraisal_number(spec.appraised_on.year, uow.appraisals.next_number(spec.appraised_on.year))
        appraisal_id = uow.appraisals.add(number=number, version=1, supersedes_id=None, spec=spec, item_id=item_id,
                                          owner_customer_id=owner_customer_id, appraiser_id=actor.staff_id,
                                          currency=_currency(uow))
        uow.audit.record(actor, "appraisal.drafted", entity_type="appraisal", entity_id=appraisal_id,
                         summary={"number": number, "stones": len(spec.stones)})
        record = _record(uow, appraisal_id)
        uow.commit()
    return record


def update_draft(appraisal_id: str, raw: Mapping[str, str], stones: Sequence[Mapping[str, str]], *,
                 uow: UnitOfWork, actor: Actor, today: dt.date) -> AppraisalRecord:
    actor.require(Permission.WRITE_APPRAISALS)
    with uow:
        record = _record(uow, appraisal_id)
        if record.status != "draft":
            raise Conflict(f"{record.number} is final and never changes; make a correction (a new version).")
        spec = parse_appraisal(raw, stones, currency=record.currency, today=today)
        uow.appraisals.replace_draft(appraisal_id, spec)
        uow.audit.record(actor, "appraisal.draft_changed", entity_type="appraisal", entity_id=appraisal_id,
                         summary={"number": record.number, "version": record.version})
        record = _record(uow, appraisal_id)
        uow.commit()
    return record


def finalize(appraisal_id: str, *, uow: UnitOfWork, actor: Actor, now: dt.datetime | None = None) -> AppraisalRecord:
    actor.require(Permission.FINALIZE_APPRAISALS)
    moment = now or dt.datetime.now(dt.UTC)
    with uow:
        record = _record(uow, appraisal_id)
        if record.status != "draft":
            raise Conflict(f"{record.number} version {record.version} is already final.")
        appraiser = uow.staff.get(record.appraiser_id) if record.appraiser_id else None
        if appraiser is None:
            raise ValidationError("appraiser", "the appraisal names no appraiser")
        check_final(record.spec, appraiser_credentials=appraiser.credentials)
        uow.appraisals.finalize(appraisal_id, at=moment, retain_until=retain_until(record.spec.appraised_on))
        uow.audit.record(actor, "appraisal.finalized", entity_type="appraisal", entity_id=appraisal_id,
                         summary={"number": record.number, "version": record.version,
                                  "value_cents": record.spec.value.cents if record.spec.value else None})
        record = _record(uow, appraisal_id)
        uow.commit()
    return record


def correct(appraisal_id: str, *, uow: UnitOfWork, actor: Actor) -> AppraisalRecord:
    """A new draft version of a final appraisal, superseding it; the final one stays as it was."""
    actor.require(Permission.WRITE_APPRAISALS)
    with uow:
        record = _record(uow, appraisal_id)
        if record.status != "final":
            raise Conflict(f"{record.number} is still a draft: change it directly.")
        latest = uow.appraisals.latest_version(record.number)
        if latest != record.version:
            raise Conflict(f"{record.number} already has version {latest}; correct that one.")
        new_id = uow.appraisals.add(number=record.number, version=record.version + 1, supersedes_id=record.id,
                                    spec=record.spec, item_id=record.item_id,
                                    owner_customer_id=record.owner_customer_id, appraiser_id=actor.staff_id,
                                    currency=record.currency)
        uow.audit.record(actor, "appraisal.correction_started", entity_type="appraisal", entity_id=new_id,
                         summary={"number": record.number, "version": record.version + 1,
                                  "supersedes": record.id})
        new = _record(uow, new_id)
        uow.commit()
    return new


# ---------------------------------------------------------------- the printed paperwork and its check


def content(record: AppraisalRecord) -> dict[str, object]:
    """What a final appraisal's hash covers: everything it states, and who made it final when."""
    spec = record.spec
    return {
        "number": record.number, "version": record.version, "status": record.status,
        "purpose": spec.purpose.value, "appraised_on": spec.appraised_on, "effective_on": spec.effective_on,
        "style": spec.style and spec.style.value, "metal": spec.metal and spec.metal.value,
        "gram_weight_cg": spec.gram_weight_cg, "chain_length_tenths": spec.chain_length_tenths,
        "clasp": spec.clasp, "description": spec.description,
        "value_cents": spec.value.cents if spec.value else None, "currency": record.currency,
        "limiting_conditions": spec.limiting_conditions, "owner": record.owner_customer_id,
        "item": record.item_id, "appraiser": record.appraiser_id, "finalized_at": record.finalized_at,
        "stones": [[s.role.value, s.shape and s.shape.value, s.count, s.carat_points, s.color,
                    s.clarity and s.clarity.value, s.cut and s.cut.value, s.measurements, s.certificate_id]
                   for s in spec.stones],
    }


def verification_code(record: AppraisalRecord) -> str | None:
    """`AP-2026-0042 v1 3f9a2c71be04` for a final appraisal (None for a draft)."""
    from pos_app.domain.appraisals import short_hash

    if record.status != "final":
        return None
    return f"{record.number} v{record.version} {short_hash(content(record))}"


def document(appraisal_id: str, *, uow: UnitOfWork, actor: Actor) -> AppraisalDocumentData:
    """The appraisal as printed: the same record always prints the same content."""
    from pos_app.documents.appraisal_pdf import AppraisalDocument
    from pos_app.domain.appraisals import value_in_words
    from pos_app.domain.jewelry import centigrams_text, points_text
    from pos_app.domain.money import format_money
    from pos_app.domain.store import display_phone

    if not (actor.can(Permission.WRITE_APPRAISALS) or actor.can(Permission.FINALIZE_APPRAISALS)):
        actor.require(Permission.WRITE_APPRAISALS)
    with uow:
        record = _record(uow, appraisal_id)
        profile = uow.store.get()
        assert profile is not None
        owner = "Store inventory"
        if record.owner_customer_id:
            found = uow.customers.name_and_address(record.owner_customer_id)
            owner = "\n".join(x for x in found if x) if found else "(customer record erased)"
        appraiser = uow.staff.get(record.appraiser_id) if record.appraiser_id else None
        supersedes = None
        if record.supersedes_id:
            before = uow.appraisals.get(record.supersedes_id)
            if before is not None:
                supersedes = f"version {before.version} of {before.number}, which stays on record"
    spec = record.spec

    def day(value: dt.date) -> str:
        return f"{value:%B} {value.day}, {value.year}"

    piece = [("Style", spec.style.label if spec.style else ""), ("Metal", spec.metal.label if spec.metal else ""),
             ("Weight", f"{centigrams_text(spec.gram_weight_cg)} g" if spec.gram_weight_cg else ""),
             ("Length", f"{spec.chain_length_tenths / 10:g} in" if spec.chain_length_tenths else ""),
             ("Clasp", spec.clasp)]
    stones = tuple(
        (s.role.label, s.shape.label if s.shape else "", str(s.count),
         f"{points_text(s.carat_points)} ct" if s.carat_points else "", s.color or "",
         s.clarity.label if s.clarity else "", s.cut.label if s.cut else "", s.measurements)
        for s in spec.stones)
    return AppraisalDocument(
        store_name=profile.name, store_address=profile.address, store_phone=display_phone(profile.phone),
        number=record.number, version=record.version, status=record.status, appraised_on=day(spec.appraised_on),
        effective_on=day(spec.effective_on), purpose=spec.purpose.label, owner=owner,
        piece=tuple((a, b) for a, b in piece if b), description=spec.description, stones=stones,
        value=format_money(spec.value, profile.locale) if spec.value else "(not yet appraised)",
        value_words=value_in_words(spec.value) if spec.value else "",
        appraiser=appraiser.name if appraiser else "", credentials=appraiser.credentials if appraiser else "",
        limiting_conditions=spec.limiting_conditions, qr_payload=verification_code(record), supersedes=supersedes,
    )


def find_version(number: str, *, uow: UnitOfWork, version: int | None = None) -> str:
    """The id of an appraisal by its number (the latest version unless one is named)."""
    with uow:
        number = number.strip().upper()
        latest = uow.appraisals.latest_version(number)
        if latest == 0:
            raise NotFound(f"No appraisal has the number {number!r}.")
        found = uow.appraisals.by_number(number, version or latest)
    if found is None:
        raise NotFound(f"{number} has no version {version}.")
    return found


def verify(number: str, code: str, *, uow: UnitOfWork, actor: Actor) -> tuple[bool, str]:
    """Does a printed verification code match the record? (matches, what it says)."""
    from pos_app.domain.appraisals import short_hash

    actor.require(Permission.WRITE_APPRAISALS)
    wanted = code.strip().lower()
    with uow:
        number = number.strip().upper()
        latest = uow.appraisals.latest_version(number)
        if latest == 0:
            raise NotFound(f"No appraisal has the number {number!r}.")
        versions = [uow.appraisals.get(i) for i in [uow.appraisals.by_number(number, v) for v in
                                                    range(1, latest + 1)] if i]
    for record in versions:
        if record is not None and record.status == "final" and short_hash(content(record)) == wanted:
            current = " (the current version)" if record.version == latest else \
                f" (superseded: version {latest} is current)"
            return True, f"The paper matches {number} version {record.version}{current}."
    return False, f"The code does not match any final version of {number}: the paper was altered or is not ours."


def list_appraisals(*, reader: AppraisalReader, actor: Actor, search: str = "", drafts_only: bool = False,
                    limit: int = 500) -> list[AppraisalRow]:
    """Appraisals newest first, by number, item SKU or certificate number; `drafts_only`: those waiting."""
    if not (actor.can(Permission.WRITE_APPRAISALS) or actor.can(Permission.FINALIZE_APPRAISALS)):
        actor.require(Permission.WRITE_APPRAISALS)
    if not 1 <= limit <= 100_000:
        raise ValidationError("limit", "must be from 1 to 100,000")
    return reader.appraisals(search=search, drafts_only=drafts_only, limit=limit)


def erase_expired(*, uow: UnitOfWork, actor: Actor, today: dt.date) -> tuple[int, int]:
    """The retention rule: appraisal and certificate records, scans and photos go 10 years after their date.

    Returns (appraisals, certificates) erased. The privacy center runs this as its retention job.
    """
    actor.require(Permission.ERASE_CUSTOMER)
    with uow:
        erased = uow.appraisals.erase_expired(today)
        uow.audit.record(actor, "retention.appraisals_erased", entity_type="appraisal",
                         summary={"appraisals": erased[0], "certificates": erased[1], "before": today.isoformat()})
        uow.commit()
    return erased
