"""Appraisals: draft, finalize, correct with a new version. Printing comes with issue 4's documents.

A draft can be changed by whoever may write appraisals. Finalizing (an
appraiser's or the owner's) checks what a final appraisal must state and
freezes it: from then on it never changes. A correction opens a new draft
version of the same number that supersedes the final one; when it is final,
both stay readable, each with who made it and when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from pos_app.domain.appraisals import appraisal_number, check_final, parse_appraisal, retain_until
from pos_app.domain.errors import Conflict, NotFound, ValidationError
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.ports import AppraisalRecord, UnitOfWork


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
