"""Certificates: the storage port."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from pos_app.persistence.journal import Journal
from pos_app.persistence.models import Certificate, new_id, utcnow
from pos_app.services.ports.certificates import CertificateRecord


class CertificateRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, values: dict[str, Any]) -> str:
        cert_id = new_id()
        now = utcnow()
        row = {"id": cert_id, "created_at": now, "updated_at": now, **values}
        self._s.execute(insert(Certificate), [row])
        Journal.of(self._s).inserted(Certificate.__tablename__, [row])
        return cert_id

    def get(self, certificate_id: str) -> CertificateRecord | None:
        row = self._s.get(Certificate, certificate_id)
        if row is None:
            return None
        return CertificateRecord(
            id=row.id, lab=row.lab, report_number=row.report_number, report_date=row.report_date, shape=row.shape,
            carat_points=row.carat_points, color=row.color, clarity=row.clarity, cut=row.cut, polish=row.polish,
            symmetry=row.symmetry, fluorescence=row.fluorescence, measurements=row.measurements,
            inscription=row.inscription, origin=row.origin, item_id=row.item_id, customer_id=row.customer_id,
            scan_mime_type=row.scan_mime_type, scan=row.scan)

    def same_report(self, lab: str, report_number: str) -> list[tuple[str, str | None, str | None]]:
        """(id, item_id, customer_id) of certificates already holding this lab and number."""
        rows = self._s.execute(select(Certificate.id, Certificate.item_id, Certificate.customer_id)
                               .where(Certificate.lab == lab, Certificate.report_number == report_number))
        return [(r[0], r[1], r[2]) for r in rows]

    def set_scan(self, certificate_id: str, scan: bytes, mime_type: str) -> None:
        """Replace the scan (the outbox row comes from the journal's flush hook)."""
        row = self._s.get(Certificate, certificate_id)
        if row is None:
            raise KeyError(certificate_id)
        row.scan, row.scan_mime_type, row.updated_at = scan, mime_type, utcnow()
        self._s.flush()
