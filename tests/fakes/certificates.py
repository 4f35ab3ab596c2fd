"""Grading certificates in memory, and the list and duplicate report over them.

As `persistence/certificate_repo.py` and `certificate_queries.py`: the same lab
and report number may be recorded twice (a re-check of one stone), and the
duplicate report groups the pairs held by more than one certificate.
"""

from __future__ import annotations

from typing import Any

from pos_app.services.ports.certificates import CertificateRecord, CertificateRow, DuplicateReport
from tests.fakes.state import FakeState, new_id, utcnow

_RECORD_FIELDS = ("lab", "report_number", "report_date", "shape", "carat_points", "color", "clarity", "cut",
                  "polish", "symmetry", "fluorescence", "measurements", "inscription", "origin", "item_id",
                  "customer_id", "scan_mime_type", "scan")


class FakeCertificateRepository:
    """`CertificateRepository`; setting the scan of a missing certificate is a KeyError, as on the real one."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def add(self, values: dict[str, Any]) -> str:
        cert_id = new_id("certificate")
        row = {name: None for name in (*_RECORD_FIELDS, "retain_until")}
        unknown = set(values) - set(row)
        if unknown:
            raise KeyError(f"certificates has no column {sorted(unknown)}")
        if values.get("item_id") is not None and values["item_id"] not in self._state.items:
            raise KeyError(values["item_id"])  # the item's foreign key
        self._state.certificates[cert_id] = {**row, **values, "id": cert_id, "created_at": utcnow()}
        return cert_id

    def get(self, certificate_id: str) -> CertificateRecord | None:
        row = self._state.certificates.get(certificate_id)
        if row is None:
            return None
        return CertificateRecord(id=certificate_id, **{name: row[name] for name in _RECORD_FIELDS})

    def same_report(self, lab: str, report_number: str) -> list[tuple[str, str | None, str | None]]:
        return [(r["id"], r["item_id"], r["customer_id"]) for r in self._state.certificates.values()
                if r["lab"] == lab and r["report_number"] == report_number]

    def set_scan(self, certificate_id: str, scan: bytes, mime_type: str) -> None:
        row = self._state.certificates[certificate_id]
        row.update(scan=scan, scan_mime_type=mime_type)


class FakeCertificateReader:
    """`CertificateReader`: by lab and number; search matches a number anywhere or a SKU's start."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def _row(self, r: dict[str, Any]) -> CertificateRow:
        item = self._state.items.get(r["item_id"] or "")
        return CertificateRow(id=r["id"], lab=r["lab"], report_number=r["report_number"],
                              report_date=r["report_date"], shape=r["shape"], carat_points=r["carat_points"],
                              color=r["color"], clarity=r["clarity"], origin=r["origin"], item_id=r["item_id"],
                              item_sku=item.spec.sku if item else None, has_customer=r["customer_id"] is not None,
                              has_scan=r["scan"] is not None, retain_until=r["retain_until"],
                              recorded_at=r["created_at"])

    def _duplicated(self) -> set[tuple[str, str]]:
        seen: dict[tuple[str, str], int] = {}
        for r in self._state.certificates.values():
            key = (r["lab"], r["report_number"])
            seen[key] = seen.get(key, 0) + 1
        return {key for key, n in seen.items() if n > 1}

    def certificates(self, *, search: str = "", limit: int = 500,
                     duplicates_only: bool = False) -> list[CertificateRow]:
        text = search.strip().upper()
        duplicated = self._duplicated()
        rows = []
        for r in self._state.certificates.values():
            item = self._state.items.get(r["item_id"] or "")
            if text and text not in r["report_number"].upper() and not (
                    item and item.spec.sku.upper().startswith(text)):
                continue
            if duplicates_only and (r["lab"], r["report_number"]) not in duplicated:
                continue
            rows.append(r)
        rows.sort(key=lambda r: (r["lab"], r["report_number"]))
        return [self._row(r) for r in rows[:limit]]

    def duplicates(self) -> list[DuplicateReport]:
        duplicated = self._duplicated()
        rows = sorted((r for r in self._state.certificates.values() if (r["lab"], r["report_number"]) in duplicated),
                      key=lambda r: (r["lab"], r["report_number"], r["created_at"]))
        groups: dict[tuple[str, str], list[CertificateRow]] = {}
        for r in rows:
            groups.setdefault((r["lab"], r["report_number"]), []).append(self._row(r))
        return [DuplicateReport(lab, number, tuple(found)) for (lab, number), found in groups.items()]
