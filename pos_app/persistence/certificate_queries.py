"""Certificates: the read-only list and duplicate report (raw DBAPI)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pos_app.persistence.models.base import parse_utc
from pos_app.services.ports.certificates import CertificateRow, DuplicateReport

_COLUMNS = ("c.id, c.lab, c.report_number, c.report_date, c.shape, c.carat_points, c.color, c.clarity, c.origin, "
            "c.item_id, i.sku, c.customer_id IS NOT NULL, c.scan IS NOT NULL, c.retain_until, c.created_at")


_DUPLICATED = ("(c.lab, c.report_number) IN (SELECT lab, report_number FROM certificates "
               "GROUP BY lab, report_number HAVING count(*) > 1)")


def _date(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


def _row(r: Sequence[Any]) -> CertificateRow:
    return CertificateRow(id=r[0], lab=r[1], report_number=r[2], report_date=_date(r[3]), shape=r[4],
                          carat_points=r[5], color=r[6], clarity=r[7], origin=r[8], item_id=r[9], item_sku=r[10],
                          has_customer=bool(r[11]), has_scan=bool(r[12]), retain_until=_date(r[13]),
                          recorded_at=None if r[14] is None else parse_utc(r[14]))


class SqliteCertificateReader:
    def __init__(self, conn: Any) -> None:
        self._c = conn

    def certificates(self, *, search: str = "", limit: int = 500,
                     duplicates_only: bool = False) -> list[CertificateRow]:
        conditions: list[str] = []
        args: list[Any] = []
        text = search.strip().upper()
        if text:
            conditions.append("(c.report_number LIKE ? OR upper(i.sku) LIKE ?)")
            args = [f"%{text}%", f"{text}%"]
        if duplicates_only:
            conditions.append(_DUPLICATED)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        sql = (f"SELECT {_COLUMNS} FROM certificates c LEFT JOIN items i ON i.id = c.item_id {where} "
               "ORDER BY c.lab, c.report_number LIMIT ?")
        return [_row(r) for r in self._c.execute(sql, (*args, limit))]

    def duplicates(self) -> list[DuplicateReport]:
        """Lab and number pairs on more than one certificate, through the (lab, report_number) index."""
        sql = (f"SELECT {_COLUMNS} FROM certificates c LEFT JOIN items i ON i.id = c.item_id "
               f"WHERE {_DUPLICATED} ORDER BY c.lab, c.report_number, c.created_at")
        groups: dict[tuple[str, str], list[CertificateRow]] = {}
        for r in self._c.execute(sql):
            row = _row(r)
            groups.setdefault((row.lab, row.report_number), []).append(row)
        return [DuplicateReport(lab, number, tuple(rows)) for (lab, number), rows in groups.items()]
