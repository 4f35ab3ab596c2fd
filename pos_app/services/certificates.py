"""Diamond certificates: recording a lab report with its scan, and the fraud signals.

A report number that does not fit its lab's published format is refused
until the appraiser gives a reason, which the audit trail keeps. The same lab
and report number already on another piece is recorded (it may be a re-check
of the same stone) but reported: a warning where it is entered, an audit
event, and the managers' duplicate report. See `domain/certificates.py` for
the formats and the checks of each grade.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from pos_app.domain.certificates import CertificateSpec, parse_certificate, report_number_warning, scan_type
from pos_app.domain.errors import NotFound, UserFacingError, ValidationError
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import requires
from pos_app.services.ports.certificates import CertificateReader, CertificateRecord, CertificateRow, DuplicateReport
from pos_app.services.ports.uow import UnitOfWork


class ReportNumberWarning(UserFacingError):
    """The number does not look like the lab's; give a reason to record it anyway."""

    def __init__(self, warning: str) -> None:
        self.warning = warning
        super().__init__(f"{warning}. Check the number on the report; to record it as it is, give a reason.")


@dataclass(frozen=True)
class SavedCertificate:
    id: str
    spec: CertificateSpec
    duplicates: int  # other certificates with the same lab and report number

    @property
    def warning(self) -> str | None:
        if not self.duplicates:
            return None
        return (f"{self.spec.lab.label} report {self.spec.report_number} is already on {self.duplicates} other "
                "record(s): check the stone's inscription against the report. Managers see it in the "
                "duplicate report.")


@requires(Permission.WRITE_APPRAISALS)
def add_certificate(raw: Mapping[str, str], *, uow: UnitOfWork, actor: Actor, today: dt.date,
                    item_id: str | None = None, customer_id: str | None = None, scan: bytes | None = None,
                    override_reason: str = "") -> SavedCertificate:
    spec = parse_certificate(raw, today=today)
    warning = report_number_warning(spec.lab, spec.report_number)
    reason = override_reason.strip()
    if warning is not None and not reason:
        raise ReportNumberWarning(warning)
    if len(reason) > 200:
        raise ValidationError("reason", "is longer than 200 characters")
    mime = scan_type(scan) if scan is not None else None
    with uow:
        if item_id is not None and uow.items.get(item_id) is None:
            raise NotFound("That item no longer exists.")
        if customer_id is not None and uow.customers.name_and_address(customer_id) is None:
            raise NotFound("That customer no longer exists (or was erased); choose the customer again.")
        others = uow.certificates.same_report(spec.lab.value, spec.report_number)
        cert_id = uow.certificates.add({
            "lab": spec.lab.value, "report_number": spec.report_number, "report_date": spec.report_date,
            "shape": spec.shape and spec.shape.value, "carat_points": spec.carat_points, "color": spec.color,
            "clarity": spec.clarity and spec.clarity.value, "cut": spec.cut and spec.cut.value,
            "polish": spec.polish and spec.polish.value, "symmetry": spec.symmetry and spec.symmetry.value,
            "fluorescence": spec.fluorescence and spec.fluorescence.value, "measurements": spec.measurements,
            "inscription": spec.inscription, "origin": spec.origin.value, "item_id": item_id,
            "customer_id": customer_id, "scan_mime_type": mime, "scan": scan, "retain_until": spec.retain_until,
        })
        uow.audit.record(actor, "certificate.added", entity_type="certificate", entity_id=cert_id,
                         summary={"lab": spec.lab.value, "has_scan": scan is not None, "item": item_id is not None})
        if warning is not None:
            uow.audit.record(actor, "certificate.number_format_overridden", entity_type="certificate",
                             entity_id=cert_id, summary={"warning": warning, "reason": reason})
        if others:
            uow.audit.record(actor, "certificate.duplicate_report", entity_type="certificate", entity_id=cert_id,
                             summary={"lab": spec.lab.value, "report_number": spec.report_number,
                                      "other_certificates": [o[0] for o in others]})
        uow.commit()
    return SavedCertificate(cert_id, spec, len(others))


@requires(Permission.VIEW_CERTIFICATES)
def list_certificates(*, reader: CertificateReader, actor: Actor, uow: UnitOfWork, search: str = "", limit: int = 500,
                      duplicates_only: bool = False) -> list[CertificateRow]:
    """Certificates whose number or item SKU matches `search`; `duplicates_only`: lab + number on 2+ records."""
    if not 1 <= limit <= 100_000:
        raise ValidationError("limit", "must be from 1 to 100,000")
    return reader.certificates(search=search, limit=limit, duplicates_only=duplicates_only)


@dataclass(frozen=True)
class CertificateDetail:
    """One certificate as recorded, with the names the screen shows for its links."""

    record: CertificateRecord
    item_sku: str | None  # None: not on a piece of stock (or the item is gone)
    customer_name: str | None  # None: no customer, or the reader may not see customers, or erased
    has_customer: bool


@requires(Permission.VIEW_CERTIFICATES)
def certificate(cert_id: str, *, uow: UnitOfWork, actor: Actor) -> CertificateDetail:
    """The full record, scan included (appraisers and managers)."""
    with uow:
        record = uow.certificates.get(cert_id)
        if record is None:
            raise NotFound("That certificate no longer exists.")
        item = uow.items.get(record.item_id) if record.item_id else None
        customer = None
        if record.customer_id and actor.can(Permission.VIEW_CUSTOMERS):
            found = uow.customers.name_and_address(record.customer_id)
            customer = found[0] if found else None
    return CertificateDetail(record, item.spec.sku if item else None, customer, record.customer_id is not None)


@requires(Permission.WRITE_APPRAISALS)
def attach_scan(cert_id: str, scan: bytes, *, uow: UnitOfWork, actor: Actor) -> str:
    """Add the scan to a certificate recorded without one, or replace it; audited. Returns the MIME type."""
    mime = scan_type(scan)
    with uow:
        record = uow.certificates.get(cert_id)
        if record is None:
            raise NotFound("That certificate no longer exists.")
        uow.certificates.set_scan(cert_id, scan, mime)
        uow.audit.record(actor, "certificate.scan_attached", entity_type="certificate", entity_id=cert_id,
                         summary={"mime_type": mime, "bytes": len(scan), "replaced": record.scan is not None})
        uow.commit()
    return mime


@requires(Permission.VIEW_STOCK_REPORTS)
def duplicate_reports(*, reader: CertificateReader, actor: Actor, uow: UnitOfWork) -> list[DuplicateReport]:
    """The managers' fraud report: one lab report number on more than one piece."""
    return reader.duplicates()
