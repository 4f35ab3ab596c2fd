"""Everything the store holds about one customer, read in batches for the privacy export.

Raw DBAPI like `queries.py`. Each method is a generator that reads with
`fetchmany(batch)`, so the export holds at most one batch of rows (and one
photo or scan) in memory, however many sales the customer has. Rows come back
as plain dicts of column name to stored value (times as their stored UTC
text, amounts in cents, yes/no columns as booleans), in the order of the
export's schema (`resources/privacy-export.schema.json`), which the service
turns into human units; every record with amounts names their currency.
Blobs never come back in a row, only through `files`, one at a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

BATCH = 500

# Columns stored as 0/1 that a person reads as yes/no.
_BOOLEANS = frozenset({"adult_confirmed", "do_not_sell", "restricted", "marketing_objection", "granted"})
# Columns that are the store's own bookkeeping and say nothing about the customer.
_INTERNAL = frozenset({"idempotency_key", "prev_hash", "hash"})
_JSON = frozenset({"cart", "tenders", "summary"})

_REQUEST_IDS = "SELECT id FROM privacy_requests WHERE customer_id = ?"

# (category, SQL over one customer id parameter (repeated as needed), number of parameters).
_SQL: dict[str, tuple[str, int]] = {
    "consents": ("SELECT e.id, e.created_at AS at, e.purpose, e.granted, e.channel, p.version AS policy_version, "
                 "p.effective_on AS policy_effective_on, st.name AS recorded_by "
                 "FROM consent_events e LEFT JOIN policy_versions p ON p.id = e.policy_version_id "
                 "LEFT JOIN staff st ON st.id = e.staff_id WHERE e.customer_id = ? ORDER BY e.created_at, e.id", 1),
    "sales": ("SELECT s.id, s.number, s.kind, s.status, s.completed_at, st.name AS clerk, s.currency, "
              "s.subtotal_cents, s.discount_cents, s.tax_cents, s.total_cents, s.tax_rate, s.tax_exempt_reason, "
              "s.tax_exempt_number, s.order_discount_reason, o.number AS original_sale_number, s.voided_at, "
              "s.void_reason FROM sales s LEFT JOIN staff st ON st.id = s.staff_id "
              "LEFT JOIN sales o ON o.id = s.original_sale_id "
              "WHERE s.customer_id = ? AND s.kind != 'return' ORDER BY s.completed_at, s.number", 1),
    "returns": ("SELECT s.id, s.number, s.kind, s.status, s.completed_at, st.name AS clerk, s.currency, "
                "s.subtotal_cents, s.discount_cents, s.tax_cents, s.total_cents, s.tax_rate, s.tax_exempt_reason, "
                "s.tax_exempt_number, s.order_discount_reason, o.number AS original_sale_number, s.voided_at, "
                "s.void_reason FROM sales s LEFT JOIN staff st ON st.id = s.staff_id "
                "LEFT JOIN sales o ON o.id = s.original_sale_id "
                "WHERE s.customer_id = ? AND s.kind = 'return' ORDER BY s.completed_at, s.number", 1),
    "appraisals": ("SELECT a.id, a.number, a.version, a.status, a.purpose, a.appraised_on, a.effective_on, "
                   "a.style, a.metal, a.gram_weight_cg, a.chain_length_tenths, a.clasp, a.description, "
                   "a.value_cents, a.currency, st.name AS appraiser, a.notes, a.finalized_at, a.retain_until, "
                   "(SELECT s.number FROM sales s WHERE s.id = a.sale_id) AS sale_number "
                   "FROM appraisals a LEFT JOIN staff st ON st.id = a.appraiser_id "
                   "WHERE a.owner_customer_id = ? ORDER BY a.appraised_on, a.number, a.version", 1),
    "certificates": ("SELECT id, lab, report_number, report_date, shape, carat_points, color, clarity, cut, polish, "
                     "symmetry, fluorescence, measurements, inscription, origin, retain_until, scan_mime_type, "
                     "created_at FROM certificates WHERE customer_id = ? ORDER BY created_at, id", 1),
    "large_cash_reports": ("SELECT r.id, r.created_at, (SELECT s.number FROM sales s WHERE s.id = r.sale_id) "
                           "AS sale_number, coalesce((SELECT s.currency FROM sales s WHERE s.id = r.sale_id), "
                           "(SELECT currency FROM stores LIMIT 1)) AS currency, r.cash_cents, r.twelve_month_cents, "
                           "r.full_name, r.address, r.date_of_birth, r.taxpayer_id, r.occupation, r.id_document, "
                           "r.status, r.filed_on "
                           "FROM large_cash_reports r WHERE r.customer_id = ? ORDER BY r.created_at, r.id", 1),
    "carts": ("SELECT id, 'parked' AS kind, parked_at AS at, label, cart, NULL AS tenders, NULL AS status "
              "FROM parked_carts WHERE customer_id = ? UNION ALL "
              "SELECT id, 'checkout', created_at, '', cart, tenders, status FROM checkouts WHERE customer_id = ? "
              "ORDER BY 3, 1", 2),
    "privacy_requests": ("SELECT r.id, r.type, r.channel, r.received_on, r.due_on, r.extension_reason, "
                         "r.customer_told_on, r.verification_method, st.name AS verified_by, r.verified_at, "
                         "r.status, r.outcome, r.completed_at, r.export_sha256 FROM privacy_requests r "
                         "LEFT JOIN staff st ON st.id = r.verified_by WHERE r.customer_id = ? "
                         "ORDER BY r.received_on, r.created_at", 1),
    # Who viewed or changed the record: events about the customer, views of many customers naming them,
    # and events about their requests (the same events as `SqlitePrivacyReader.access_log`).
    "access_log": ("SELECT at, actor_name AS staff, role, terminal, action, entity_type, entity_id "
                   "FROM audit_events WHERE (entity_type = 'customer' AND entity_id = ?) "
                   "OR (json_type(summary, '$.customers') = 'array' AND EXISTS (SELECT 1 FROM "
                   "json_each(summary, '$.customers') j WHERE j.value = ?)) "
                   f"OR (entity_type = 'privacy_request' AND entity_id IN ({_REQUEST_IDS})) ORDER BY seq", 3),
}

_LINES = ("SELECT s.number AS sale_number, l.position, l.sku, l.description, l.quantity, s.currency, "
          "l.unit_price_cents, "
          "l.list_price_cents, l.discount_cents, l.discount_reason, l.tax_cents, l.total_cents, l.sale_id "
          "FROM sale_lines l JOIN sales s ON s.id = l.sale_id WHERE l.sale_id IN ({}) ORDER BY l.sale_id, l.position")
_PAYMENTS = ("SELECT s.number AS sale_number, p.tender, s.currency, p.amount_cents, p.status, p.card_brand, "
             "p.card_last4, p.payment_intent_id, p.refund_id, p.tendered_cents, p.created_at, p.sale_id "
             "FROM payments p JOIN sales s ON s.id = p.sale_id WHERE p.sale_id IN ({}) "
             "ORDER BY p.sale_id, p.created_at")
_STONES = ("SELECT a.number AS appraisal_number, a.version AS appraisal_version, t.appraisal_id, t.role, t.shape, "
           "t.count, t.carat_points, t.color, t.clarity, t.cut, t.measurements "
           "FROM appraisal_stones t JOIN appraisals a ON a.id = t.appraisal_id "
           "WHERE t.appraisal_id IN ({}) ORDER BY t.appraisal_id, t.rowid")
# Photos count from 1 here, as a person does (the store keeps 0 for the first).
_PHOTO_REFS = ("SELECT p.appraisal_id, a.number AS appraisal_number, a.version AS appraisal_version, p.id, "
               "p.position + 1 AS position, p.mime_type FROM appraisal_photos p JOIN appraisals a ON a.id = "
               "p.appraisal_id WHERE p.appraisal_id IN ({}) ORDER BY p.appraisal_id, p.position, p.id")


def _value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _BOOLEANS:
        return bool(value)
    if name in _JSON and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _dicts(cursor: Any, batch: int) -> Iterator[list[dict[str, Any]]]:
    names = [d[0] for d in cursor.description]
    while rows := cursor.fetchmany(batch):
        dicts = [{n: _value(n, v) for n, v in zip(names, r) if n not in _INTERNAL and not isinstance(v, bytes)}
                 for r in rows]
        del rows  # one batch in memory at a time: let go of this one before the next is fetched
        yield dicts
        del dicts


class SqliteCustomerDataReader:
    """One customer's data, category by category; `conn` is a raw connection of its own (one per thread)."""

    def __init__(self, conn: Any) -> None:
        self._c = conn

    def customer(self, customer_id: str) -> dict[str, Any] | None:
        cursor = self._c.execute("SELECT * FROM customers WHERE id = ?", (customer_id,))
        for rows in _dicts(cursor, 1):
            return rows[0]
        return None

    def count(self, category: str, customer_id: str) -> int:
        sql, params = _SQL[category]
        return int(self._c.execute(f"SELECT count(*) FROM ({sql})", (customer_id,) * params).fetchone()[0])

    def batches(self, category: str, customer_id: str, batch: int = BATCH) -> Iterator[list[dict[str, Any]]]:
        """The category's rows, `batch` at a time; sales and returns carry their `lines` and `payments`,
        appraisals their `stones` and `photos` (references: id, position from 1, mime_type)."""
        sql, params = _SQL[category]
        for rows in _dicts(self._c.execute(sql, (customer_id,) * params), batch):
            if category in ("sales", "returns"):
                self._attach(rows, "lines", _LINES, "sale_id")
                self._attach(rows, "payments", _PAYMENTS, "sale_id")
            elif category == "appraisals":
                self._attach(rows, "stones", _STONES, "appraisal_id")
                self._attach(rows, "photos", _PHOTO_REFS, "appraisal_id")
            yield rows
            del rows  # let go of this batch before the next is fetched

    def _attach(self, parents: list[dict[str, Any]], key: str, sql: str, link: str) -> None:
        by_id: dict[str, dict[str, Any]] = {p["id"]: p for p in parents}
        for p in parents:
            p[key] = []
        ids = list(by_id)
        cursor = self._c.execute(sql.format(", ".join("?" * len(ids))), ids)
        for rows in _dicts(cursor, BATCH):
            for row in rows:
                by_id[row.pop(link)][key].append(row)

    def appraisal_photo(self, photo_id: str) -> bytes | None:
        row = self._c.execute("SELECT data FROM appraisal_photos WHERE id = ?", (photo_id,)).fetchone()
        return None if row is None else bytes(row[0])

    def certificate_scan(self, certificate_id: str) -> bytes | None:
        row = self._c.execute("SELECT scan FROM certificates WHERE id = ?", (certificate_id,)).fetchone()
        return None if row is None or row[0] is None else bytes(row[0])

    def file_count(self, customer_id: str) -> int:
        """How many photos and scans `files/` will hold."""
        return int(self._c.execute(
            "SELECT (SELECT count(*) FROM appraisal_photos p JOIN appraisals a ON a.id = p.appraisal_id "
            "WHERE a.owner_customer_id = ?) + (SELECT count(*) FROM certificates WHERE customer_id = ? "
            "AND scan IS NOT NULL)", (customer_id, customer_id)).fetchone()[0])
