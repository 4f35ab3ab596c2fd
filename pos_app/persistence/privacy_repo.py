"""Privacy requests: the storage port (ORM, so the outbox hook sees every change)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from pos_app.persistence.models import PrivacyRequest, new_id, utcnow
from pos_app.services.ports.privacy import ExportRef, PrivacyRequestRecord


def _record(row: PrivacyRequest) -> PrivacyRequestRecord:
    return PrivacyRequestRecord(
        id=row.id, customer_id=row.customer_id, type=row.type, channel=row.channel, received_on=row.received_on,
        due_on=row.due_on, extension_reason=row.extension_reason, customer_told_on=row.customer_told_on,
        verification_method=row.verification_method, verified_by=row.verified_by, verified_at=row.verified_at,
        status=row.status, outcome=row.outcome, completed_at=row.completed_at)


class PrivacyRequestRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, *, customer_id: str, type: str, channel: str, received_on: dt.date, due_on: dt.date) -> str:
        now = utcnow()
        row = PrivacyRequest(id=new_id(), customer_id=customer_id, type=type, channel=channel,
                             received_on=received_on, due_on=due_on, status="received", created_at=now,
                             updated_at=now)
        self._s.add(row)
        self._s.flush()
        return row.id

    def get(self, request_id: str) -> PrivacyRequestRecord | None:
        row = self._s.get(PrivacyRequest, request_id)
        return None if row is None else _record(row)

    def _row(self, request_id: str) -> PrivacyRequest:
        row = self._s.get(PrivacyRequest, request_id)
        if row is None:
            raise KeyError(request_id)
        return row

    def set_verification(self, request_id: str, *, method: str, staff_id: str, at: dt.datetime) -> None:
        row = self._row(request_id)
        row.verification_method, row.verified_by, row.verified_at, row.status = method, staff_id, at, "verified"
        self._s.flush()

    def extend(self, request_id: str, *, due_on: dt.date, reason: str, told_on: dt.date) -> None:
        row = self._row(request_id)
        row.due_on, row.extension_reason, row.customer_told_on = due_on, reason, told_on
        self._s.flush()

    def close(self, request_id: str, *, status: str, outcome: str, at: dt.datetime) -> None:
        row = self._row(request_id)
        row.status, row.outcome, row.completed_at = status, outcome, at
        self._s.flush()

    def set_export_sha256(self, request_id: str, sha256: str, path: str | None = None) -> None:
        row = self._row(request_id)
        row.export_sha256, row.export_file = sha256, path
        self._s.flush()

    def forget_export_file(self, request_id: str) -> None:
        """The export's file is gone (delivered): keep only its hash."""
        self._row(request_id).export_file = None
        self._s.flush()

    def export_of(self, request_id: str) -> ExportRef | None:
        """The export this request's answer was written to, if any."""
        row = self._s.get(PrivacyRequest, request_id)
        if row is None or (row.export_sha256 is None and row.export_file is None):
            return None
        return ExportRef(row.id, row.export_file, row.export_sha256)
