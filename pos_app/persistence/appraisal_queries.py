"""The appraisal list: read-only, one statement (raw DBAPI)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pos_app.services.ports.appraisals import AppraisalRow, AppraisalVersionRow


class SqliteAppraisalReader:
    def __init__(self, conn: Any) -> None:
        self._c = conn

    def appraisals(self, *, search: str = "", drafts_only: bool = False, limit: int = 500,
                   offset: int = 0) -> list[AppraisalRow]:
        """Newest first; `search` matches the number, the item's SKU, the owner's name or a linked
        certificate's number. The order is read off `ix_appraisals_listing`; a search or the drafts filter
        first finds its matches on `ix_appraisals_search` (or the drafts index) without reading a row."""
        where, args, _ = self._listing_where(search, drafts_only)
        if search.strip() or drafts_only:
            # The matches found on the search index first (no appraisal row read), then the page in list order.
            where = f"a.rowid IN (SELECT a.rowid FROM appraisals a WHERE {where})"
        sql = (
            "SELECT a.id, a.number, a.version, a.status, EXISTS (SELECT 1 FROM appraisals n WHERE n.number = a.number "
            "AND n.version > a.version), a.purpose, a.appraised_on, a.value_cents, a.currency, i.sku, "
            "a.owner_customer_id IS NOT NULL, coalesce(st.name, ''), "
            "CASE WHEN cu.erased_at IS NULL THEN trim(coalesce(cu.first_name, '') || ' ' || "
            "coalesce(cu.last_name, '')) ELSE '' END FROM appraisals a INDEXED BY ix_appraisals_listing "
            "LEFT JOIN items i ON i.id = a.item_id LEFT JOIN staff st ON st.id = a.appraiser_id "
            "LEFT JOIN customers cu ON cu.id = a.owner_customer_id "
            f"WHERE {where} ORDER BY a.appraised_on DESC, a.number DESC, a.version DESC LIMIT ? OFFSET ?"
        )
        return [AppraisalRow(id=r[0], number=r[1], version=r[2], status=r[3], superseded=bool(r[4]), purpose=r[5],
                             appraised_on=dt.date.fromisoformat(r[6]), value_cents=r[7], currency=r[8],
                             item_sku=r[9], has_owner=bool(r[10]), appraiser=r[11],
                             owner_name=r[12])
                for r in self._c.execute(sql, (*args, limit, offset))]

    def drafts_waiting(self) -> int:
        """How many drafts wait for an appraiser to finish them."""
        return int(self._c.execute("SELECT count(*) FROM appraisals WHERE status = 'draft'").fetchone()[0])

    # -- the appraisals screen (read-only) ---------------------------------------------------------

    @staticmethod
    def _listing_where(search: str, drafts_only: bool) -> tuple[str, list[str], bool]:
        """The list's WHERE (for `appraisals` and `count`), its arguments, and whether it needs the joins."""
        where, args = ["1 = 1"], []
        text = search.strip().upper()
        if text:
            # Each other table is searched once, as a list of ids, not once per appraisal row:
            # at 50,000 appraisals that is the difference between ~20 ms and ~180 ms a keystroke.
            where.append("(a.number LIKE ? OR a.item_id IN (SELECT id FROM items WHERE upper(sku) LIKE ?) "
                         "OR a.owner_customer_id IN (SELECT id FROM customers WHERE erased_at IS NULL AND "
                         "(upper(first_name || ' ' || last_name) LIKE ? OR upper(last_name) LIKE ?)) "
                         "OR a.rowid IN (SELECT x.rowid FROM certificates c JOIN appraisal_stones s "
                         "ON s.certificate_id = c.id JOIN appraisals x ON x.id = s.appraisal_id "
                         "WHERE c.report_number LIKE ?))")
            args += [f"%{text}%", f"{text}%", f"{text}%", f"{text}%", f"%{text}%"]
        if drafts_only:
            where.append("a.status = 'draft'")
        return " AND ".join(where), args, bool(text)

    def count(self, *, search: str = "", drafts_only: bool = False) -> int:
        """How many rows `appraisals` lists for this search (the screen's row count)."""
        where, args, _ = self._listing_where(search, drafts_only)
        return int(self._c.execute(f"SELECT count(*) FROM appraisals a WHERE {where}", args).fetchone()[0])

    def versions(self, number: str) -> list[AppraisalVersionRow]:
        """Every version of one appraisal number, oldest first, with who made it and when."""
        rows = self._c.execute(
            "SELECT a.id, a.version, a.status, coalesce(st.name, ''), a.created_at, a.finalized_at, "
            "a.value_cents, a.currency FROM appraisals a LEFT JOIN staff st ON st.id = a.appraiser_id "
            "WHERE a.number = ? ORDER BY a.version", (number,)).fetchall()
        latest = max((r[1] for r in rows), default=0)
        return [AppraisalVersionRow(id=r[0], number=number, version=r[1], status=r[2], made_by=r[3],
                                    created_at=_utc(r[4]), finalized_at=_utc(r[5]) if r[5] else None,
                                    value_cents=r[6], currency=r[7], current=r[1] == latest) for r in rows]

    def certificate_numbers(self, certificate_ids: Sequence[str]) -> dict[str, str]:
        """certificate id -> its lab report number (for showing an appraisal's stones)."""
        ids = list(dict.fromkeys(certificate_ids))
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        return {r[0]: r[1] for r in self._c.execute(
            f"SELECT id, report_number FROM certificates WHERE id IN ({marks})", ids)}

    def certificates_numbered(self, report_number: str) -> list[tuple[str, str, str | None]]:
        """(id, lab, item id) of every certificate with exactly this report number (any case)."""
        return [(r[0], r[1], r[2]) for r in self._c.execute(
            "SELECT id, lab, item_id FROM certificates WHERE upper(report_number) = ? ORDER BY created_at",
            (report_number.strip().upper(),))]


def _utc(text: str) -> dt.datetime:
    """The app's stored UTC text as an aware datetime."""
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
