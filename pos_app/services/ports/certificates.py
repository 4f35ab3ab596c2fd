"""Grading certificates: records, the repository and the reader."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class CertificateRow:
    id: str
    lab: str
    report_number: str
    report_date: dt.date | None
    shape: str | None
    carat_points: int | None
    color: str | None
    clarity: str | None
    origin: str | None
    item_id: str | None
    item_sku: str | None
    has_customer: bool
    has_scan: bool
    retain_until: dt.date | None
    recorded_at: dt.datetime | None = None  # when it was entered in Facet (UTC)


@dataclass(frozen=True)
class DuplicateReport:
    """The same lab and report number on more than one piece: a fraud signal."""

    lab: str
    report_number: str
    certificates: tuple[CertificateRow, ...]


@dataclass(frozen=True)
class CertificateRecord:
    """One lab report as recorded, with its scan (for the appraisal's certificate summary page)."""

    id: str
    lab: str
    report_number: str
    report_date: dt.date | None
    shape: str | None
    carat_points: int | None
    color: str | None
    clarity: str | None
    cut: str | None
    polish: str | None
    symmetry: str | None
    fluorescence: str | None
    measurements: str | None
    inscription: str | None
    origin: str | None
    item_id: str | None
    customer_id: str | None
    scan_mime_type: str | None
    scan: bytes | None


class CertificateRepository(Protocol):
    def add(self, values: dict[str, Any]) -> str: ...
    def get(self, certificate_id: str) -> CertificateRecord | None: ...
    def same_report(self, lab: str, report_number: str) -> list[tuple[str, str | None, str | None]]: ...
    def set_scan(self, certificate_id: str, scan: bytes, mime_type: str) -> None: ...


class CertificateReader(Protocol):
    def certificates(self, *, search: str = "", limit: int = 500,
                     duplicates_only: bool = False) -> list[CertificateRow]: ...
    def duplicates(self) -> list[DuplicateReport]: ...
