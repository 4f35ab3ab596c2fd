"""The register of appraisals: the screen's list and counts, the certificates its stones cite, and the
retention rule that ends a record.

Reads go through the `AppraisalReader` (plain rows, a page at a time);
`erase_expired` is the privacy center's retention job for appraisals and
certificates, 10 years after their date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pos_app.domain.errors import ValidationError
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import requires
from pos_app.services.ports.appraisals import AppraisalReader, AppraisalRow
from pos_app.services.ports.uow import UnitOfWork


@requires(Permission.VIEW_APPRAISALS)
def list_appraisals(*, reader: AppraisalReader, actor: Actor, uow: UnitOfWork, search: str = "",
                    drafts_only: bool = False, limit: int = 500, offset: int = 0) -> list[AppraisalRow]:
    """Appraisals newest first, by number, item SKU, owner's name or certificate number; `drafts_only`: those
    waiting. `offset` pages through a long list (the screen's table fetches a page at a time)."""
    if not 1 <= limit <= 100_000:
        raise ValidationError("limit", "must be from 1 to 100,000")
    if offset < 0:
        raise ValidationError("offset", "cannot be negative")
    return reader.appraisals(search=search, drafts_only=drafts_only, limit=limit, offset=offset)


@requires(Permission.VIEW_APPRAISALS)
def count_appraisals(*, reader: AppraisalReader, actor: Actor, uow: UnitOfWork, search: str = "",
                     drafts_only: bool = False) -> int:
    """How many appraisals `list_appraisals` pages through for this search (the screen's row count)."""
    return reader.count(search=search, drafts_only=drafts_only)


@requires(Permission.VIEW_APPRAISALS)
def drafts_waiting(*, reader: AppraisalReader, actor: Actor, uow: UnitOfWork) -> int:
    return reader.drafts_waiting()


@requires(Permission.VIEW_APPRAISALS)
def certificate_numbers(certificate_ids: Sequence[str], *, reader: AppraisalReader, actor: Actor,
                        uow: UnitOfWork) -> dict[str, str]:
    """certificate id -> lab report number, for the stones of an appraisal as the appraiser reads them."""
    return reader.certificate_numbers(certificate_ids)


@requires(Permission.VIEW_APPRAISALS)
def resolve_certificates(report_numbers: Sequence[str], *, reader: AppraisalReader, actor: Actor, uow: UnitOfWork,
                         item_id: str | None = None) -> list[str | None]:
    """The certificate id each stone row cites by its report number (None for a blank one).

    A number recorded on more than one certificate (two labs, or a duplicate report) is taken as the one
    recorded for `item_id` when exactly one is; otherwise the row is named in a `ValidationError`.
    """
    found: list[str | None] = []
    for position, number in enumerate(report_numbers, start=1):
        text = number.strip()
        if not text:
            found.append(None)
            continue
        field = f"stone {position} certificate"
        matches = reader.certificates_numbered(text)
        if item_id is not None and len(matches) > 1:
            matches = [m for m in matches if m[2] == item_id] or matches
        if not matches:
            raise ValidationError(field, f"no certificate with report number {text} is recorded; add it first")
        if len(matches) > 1:
            labs = ", ".join(sorted({m[1] for m in matches}))
            raise ValidationError(field, f"{len(matches)} certificates have report number {text} ({labs}); "
                                         "choose the item the stone is on, or check the duplicate report")
        found.append(matches[0][0])
    return found


# ---------------------------------------------------------------- retention


@requires(Permission.ERASE_CUSTOMER)
def erase_expired(*, uow: UnitOfWork, actor: Actor, today: dt.date) -> tuple[int, int]:
    """The retention rule: appraisal and certificate records, scans and photos go 10 years after their date.

    Returns (appraisals, certificates) erased. The privacy center runs this as its retention job.
    """
    with uow:
        erased = uow.appraisals.erase_expired(today)
        uow.audit.record(actor, "retention.appraisals_erased", entity_type="appraisal",
                         summary={"appraisals": erased[0], "certificates": erased[1], "before": today.isoformat()})
        uow.commit()
    return erased
