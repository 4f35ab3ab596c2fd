"""The appraisal list: read-only, one statement (raw DBAPI)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pos_app.services.ports import AppraisalRow


class SqliteAppraisalReader:
    def __init__(self, conn: Any) -> None:
        self._c = conn

    def appraisals(self, *, search: str = "", drafts_only: bool = False, limit: int = 500,
                   offset: int = 0) -> list[AppraisalRow]:
        """Newest first; `search` matches the number, the item's SKU, the owner's name or a linked
        certificate's number. Without a search the order is read off `ix_appraisals_listing`."""
        where, args = ["1 = 1"], []
        text = search.strip().upper()
        if text:
            where.append("(a.number LIKE ? OR upper(i.sku) LIKE ? OR upper(cu.first_name || ' ' || cu.last_name) "
                         "LIKE ? OR upper(cu.last_name) LIKE ? OR EXISTS (SELECT 1 FROM appraisal_stones s "
                         "JOIN certificates c ON c.id = s.certificate_id WHERE s.appraisal_id = a.id "
                         "AND c.report_number LIKE ?))")
            args += [f"%{text}%", f"{text}%", f"{text}%", f"{text}%", f"%{text}%"]
        if drafts_only:
            where.append("a.status = 'draft'")
        sql = (
            "SELECT a.id, a.number, a.version, a.status, EXISTS (SELECT 1 FROM appraisals n WHERE n.number = a.number "
            "AND n.version > a.version), a.purpose, a.appraised_on, a.value_cents, a.currency, i.sku, "
            "a.owner_customer_id IS NOT NULL, coalesce(st.name, ''), "
            "CASE WHEN cu.erased_at IS NULL THEN trim(coalesce(cu.first_name, '') || ' ' || "
            "coalesce(cu.last_name, '')) ELSE '' END FROM appraisals a "
            "LEFT JOIN items i ON i.id = a.item_id LEFT JOIN staff st ON st.id = a.appraiser_id "
            "LEFT JOIN customers cu ON cu.id = a.owner_customer_id "
            f"WHERE {' AND '.join(where)} ORDER BY a.appraised_on DESC, a.number DESC, a.version DESC LIMIT ? OFFSET ?"
        )
        return [AppraisalRow(id=r[0], number=r[1], version=r[2], status=r[3], superseded=bool(r[4]), purpose=r[5],
                             appraised_on=dt.date.fromisoformat(r[6]), value_cents=r[7], currency=r[8],
                             item_sku=r[9], has_owner=bool(r[10]), appraiser=r[11],
                             owner_name=r[12])
                for r in self._c.execute(sql, (*args, limit, offset))]

    def drafts_waiting(self) -> int:
        """How many drafts wait for an appraiser to finish them."""
        return int(self._c.execute("SELECT count(*) FROM appraisals WHERE status = 'draft'").fetchone()[0])
