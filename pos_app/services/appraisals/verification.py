"""Versions and verification: a correction as a new version, what a final appraisal's seal covers, and the
check of a printed verification code.

A correction opens a new draft version of the same number, with copies of
the stones and photos, that supersedes the final one; when it is final,
both stay readable, each with who made it and when (`versions`). The
printed code (`verification_code`, the paper's QR) is the number, the
version and a short hash of everything the appraisal states (`content`);
`verify` says which final version a paper matches, if any.
"""

from __future__ import annotations

from pos_app.domain.errors import Conflict, NotFound
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.appraisals.drafting import _record
from pos_app.services.guard import requires
from pos_app.services.ports.appraisals import AppraisalReader, AppraisalRecord, AppraisalVersionRow
from pos_app.services.ports.uow import UnitOfWork


@requires(Permission.WRITE_APPRAISALS)
def correct(appraisal_id: str, *, uow: UnitOfWork, actor: Actor) -> AppraisalRecord:
    """A new draft version of a final appraisal, superseding it; the final one stays as it was."""
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
                                    currency=record.currency, sale_id=record.sale_id)
        uow.appraisals.copy_photos(record.id, new_id)
        uow.audit.record(actor, "appraisal.correction_started", entity_type="appraisal", entity_id=new_id,
                         summary={"number": record.number, "version": record.version + 1,
                                  "supersedes": record.id})
        new = _record(uow, new_id)
        uow.commit()
    return new


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
        "photos": [photo.sha256 for photo in record.photos],
        "stones": [[s.role.value, s.shape and s.shape.value, s.count, s.carat_points, s.color,
                    s.clarity and s.clarity.value, s.cut and s.cut.value, s.measurements, s.certificate_id]
                   for s in spec.stones],
    }


def verification_code(record: AppraisalRecord) -> str | None:
    """`AP-2026-0042 v1 3f9a2c71be04` for a final appraisal (None for a draft)."""
    from pos_app.domain.appraisals import short_hash

    if record.status != "final":
        return None
    return f"{record.number} v{record.version} {record.seal or short_hash(content(record))}"


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


@requires(Permission.VERIFY_APPRAISALS)
def verify(number: str, code: str, *, uow: UnitOfWork, actor: Actor) -> tuple[bool, str]:
    """Does a printed verification code match the record? (matches, what it says)."""
    from pos_app.domain.appraisals import short_hash

    wanted = code.strip().lower()
    with uow:
        number = number.strip().upper()
        latest = uow.appraisals.latest_version(number)
        if latest == 0:
            raise NotFound(f"No appraisal has the number {number!r}.")
        versions = [uow.appraisals.get(i) for i in [uow.appraisals.by_number(number, v) for v in
                                                    range(1, latest + 1)] if i]
    for record in versions:
        if record is not None and record.status == "final" and \
                (record.seal or short_hash(content(record))) == wanted:
            current = " (the current version)" if record.version == latest else \
                f" (superseded: version {latest} is current)"
            return True, f"The paper matches {number} version {record.version}{current}."
    return False, f"The code does not match any final version of {number}: the paper was altered or is not ours."


@requires(Permission.VIEW_APPRAISALS)
def versions(number: str, *, reader: AppraisalReader, actor: Actor, uow: UnitOfWork) -> list[AppraisalVersionRow]:
    """Every version of an appraisal number, oldest first: who made each, when, and which is current."""
    return reader.versions(number.strip().upper())

