"""The appraisal as printed: the document data the PDF is drawn from.

The same record always prints the same content: store, number and version,
owner, the piece, its stones, the value in figures and words, who signed
it, the limiting conditions, the verification code and the photos, and a
summary of each certificate its stones cite (for the optional certificate
summary page).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from pos_app.domain.jewelry import Clarity, Cut, Shape
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.appraisals.drafting import _record
from pos_app.services.appraisals.verification import verification_code
from pos_app.services.guard import check_open, requires
from pos_app.services.ports.uow import UnitOfWork

if TYPE_CHECKING:
    from pos_app.documents.appraisal_pdf import AppraisalDocument as AppraisalDocumentData
    from pos_app.documents.appraisal_pdf import CertificateSummary


@requires(Permission.PRINT_APPRAISALS)
def document(appraisal_id: str, *, uow: UnitOfWork, actor: Actor) -> AppraisalDocumentData:
    """The appraisal as printed: the same record always prints the same content.

    It carries the photos and a summary of every certificate its stones cite
    (for the optional certificate summary page), each with its scan when the
    scan is an image.
    """
    from pos_app.documents.appraisal_pdf import AppraisalDocument
    from pos_app.domain.appraisals import value_in_words
    from pos_app.domain.jewelry import centigrams_text, points_text
    from pos_app.domain.money import format_money
    from pos_app.domain.store import display_phone

    with uow:
        record = _record(uow, appraisal_id)
        if record.sale_id is None:
            # At the counter a clerk prints the appraisals made from a sale, and no others.
            check_open(actor, Permission.VIEW_APPRAISALS, uow, function="appraisals.document")
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
        photos = tuple(uow.appraisals.photo_data(appraisal_id))
        cited = dict.fromkeys(s.certificate_id for s in record.spec.stones if s.certificate_id)
        certificates = tuple(summary for summary in (_certificate_summary(uow, cid) for cid in cited) if summary)
    spec = record.spec

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
        number=record.number, version=record.version, status=record.status, appraised_on=_day(spec.appraised_on),
        effective_on=_day(spec.effective_on), purpose=spec.purpose.label, owner=owner,
        piece=tuple((a, b) for a, b in piece if b), description=spec.description, stones=stones,
        value=format_money(spec.value, profile.locale) if spec.value else "(not yet appraised)",
        value_words=value_in_words(spec.value) if spec.value else "",
        appraiser=appraiser.name if appraiser else "", credentials=appraiser.credentials if appraiser else "",
        limiting_conditions=spec.limiting_conditions, qr_payload=verification_code(record), supersedes=supersedes,
        photos=photos, certificates=certificates,
    )


def _day(value: dt.date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def _certificate_summary(uow: UnitOfWork, certificate_id: str) -> CertificateSummary | None:
    from pos_app.documents.appraisal_pdf import CertificateSummary
    from pos_app.domain.certificates import Fluorescence
    from pos_app.domain.jewelry import CertificateLab, Origin, points_text

    cert = uow.certificates.get(certificate_id)
    if cert is None:
        return None

    def label(enum: Any, value: str | None) -> str:
        return enum.of(value).label if value else ""

    facts = [("Shape", label(Shape, cert.shape)),
             ("Carat weight", f"{points_text(cert.carat_points)} ct" if cert.carat_points else ""),
             ("Color", cert.color or ""), ("Clarity", label(Clarity, cert.clarity)), ("Cut", label(Cut, cert.cut)),
             ("Polish", label(Cut, cert.polish)), ("Symmetry", label(Cut, cert.symmetry)),
             ("Fluorescence", label(Fluorescence, cert.fluorescence)), ("Measurements", cert.measurements or ""),
             ("Laser inscription", cert.inscription or ""), ("Origin", label(Origin, cert.origin))]
    image = cert.scan if cert.scan_mime_type in ("image/jpeg", "image/png") else None
    return CertificateSummary(lab=label(CertificateLab, cert.lab) or cert.lab, report_number=cert.report_number,
                              report_date=_day(cert.report_date) if cert.report_date else "",
                              facts=tuple((a, b) for a, b in facts if b), scan_image=image)
