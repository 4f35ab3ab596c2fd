"""Where text in the store can name a person: every text column of the schema, less an allowlist that says why.

An erasure searches free text for the customer (their full name, email,
phone, street address) in every column listed by `free_text_columns`. The
list is built from the SQLAlchemy models, not written by hand: every
`String`, `Text` or `JSON` column that is neither a key (a primary key, a
foreign key: ids, never names) nor in `NOT_PERSONAL` below. So a column
added later is searched by default; leaving it out takes an entry here
with its reason (`tests/integration/test_erasure_coverage.py` fails on a
text column that is in neither).

Not in the models, and so not here: the full-text index `items_fts`. It is
an external-content FTS5 index of `items` kept in step by triggers, in
``secure-delete`` mode (migration 0010): cutting a name out of an item's
title or description takes its tokens out of the index's pages too.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import JSON, MetaData, String

_CODES = "a code, grade or status chosen from a list, not typed text"
_STAFF = "staff and the store, not customers"
_OTHER_PERSON = ("another customer's own identity: a namesake, or a spouse at the same address, keeps theirs "
                 "(the erased customer's own row is blanked whole)")

# (table, column) -> why it cannot hold a customer's personal data, or why it must not be searched.
NOT_PERSONAL: dict[tuple[str, str], str] = {
    **{("audit_events", c): "the audit trail: hash-chained and append-only; by rule it holds who did what to "
                            "which record, never a customer's values (its summary names fields, not contents)"
       for c in ("id", "staff_id", "actor_name", "role", "terminal", "action", "entity_type", "entity_id", "summary",
                 "approved_by", "prev_hash", "hash")},
    **{("outbox", c): "the sync queue: table names, row ids, operations and transaction ids"
       for c in ("table_name", "row_id", "op", "tx_id")},
    ("outbox", "changes"): "the values each change wrote: an erasure rewrites those of every row it blanks or "
                           "deletes from the rows as they are after it (journal.scrubbed)",
    **{("erasure_log", c): "salted hashes and request ids" for c in ("request_id", "customer_hash")},
    **{("customers", c): _OTHER_PERSON for c in ("first_name", "last_name", "email", "phone", "billing_address",
                                                 "shipping_address")},
    **{("large_cash_reports", c): "another payer's Form 8300 identity, a legal record of that person (the erased "
                                  "customer's own reports are blanked whole)"
       for c in ("full_name", "address", "taxpayer_id", "id_document")},
    **{("stores", c): _STAFF for c in ("name", "address", "phone", "email", "timezone", "currency", "locale",
                                       "tax_rate", "receipt_footer", "privacy_contact")},
    **{("staff", c): _STAFF for c in ("name", "role", "pin_hash", "password_hash", "credentials", "totp_secret")},
    ("staff_recovery_codes", "code_hash"): _STAFF,
    **{("terminals", c): _STAFF for c in ("code", "name")},
    ("settings", "value"): "the store's settings, set by the owner",
    ("policy_versions", "text"): "the published privacy policy",
    **{("items", c): _CODES for c in ("sku", "barcode", "style", "metal", "center_shape", "center_color",
                                      "center_clarity", "center_cut", "center_origin", "cert_lab", "cert_number",
                                      "currency", "tracking", "status", "serial")},
    **{("item_stones", c): _CODES for c in ("role", "shape", "color", "clarity", "origin")},
    **{("certificates", c): _CODES for c in ("lab", "report_number", "shape", "color", "clarity", "cut", "polish",
                                             "symmetry", "fluorescence", "origin", "scan_mime_type")},
    ("item_photos", "mime_type"): _CODES,
    ("appraisal_photos", "mime_type"): _CODES,
    **{("appraisals", c): _CODES for c in ("number", "status", "purpose", "style", "metal", "currency", "seal")},
    **{("appraisal_stones", c): _CODES for c in ("role", "shape", "color", "clarity", "cut")},
    **{("consent_events", c): _CODES for c in ("purpose", "channel")},
    **{("privacy_requests", c): _CODES for c in ("type", "channel", "verification_method", "status",
                                                 "export_sha256")},
    **{("sales", c): _CODES for c in ("number", "terminal", "kind", "status", "currency", "tax_rate")},
    ("sale_lines", "sku"): _CODES,
    **{("payments", c): "the processor's ids and the card's brand and last four digits"
       for c in ("tender", "status", "payment_intent_id", "card_brand", "card_last4", "idempotency_key",
                 "refund_id")},
    **{("stock_movements", c): _CODES for c in ("kind", "terminal")},
    ("stock_movements", "store_id"): "the id of the store whose stock the movement changes",
    ("items", "store_id"): "the id of the piece's home store",
    ("stock_movements", "reference"): "a sale number, a count's id or 'void <sale number>', written by Facet",
    ("cash_movements", "kind"): _CODES,
    **{("shifts", c): _CODES for c in ("terminal", "currency", "status")},
    **{("shifts", c): "counts of notes and coins, and the Z report's figures" for c in ("counted", "z_report")},
    ("stock_counts", "status"): _CODES,
    ("stock_count_scans", "code"): "scanned barcodes and SKUs",
    **{("checkouts", c): _CODES for c in ("terminal", "status")},
    ("checkouts", "tenders"): "amounts and the processor's payment ids",
    ("parked_carts", "terminal"): _CODES,
    ("large_cash_reports", "status"): _CODES,
    **{("print_queue", c): _CODES for c in ("terminal", "document", "status")},
    **{("cli_sessions", c): "staff's command-line sessions: a token's hash, the OS account, why it ended"
       for c in ("token_hash", "os_user", "end_reason")},
    **{("job_tokens", c): "the owner's job tokens: their name, job and hash, who revoked them"
       for c in ("name", "job", "token_hash", "revoked_by")},
    **{("card_refunds", c): "the processor's ids and statuses, the card's brand and last four digits"
       for c in ("refund_id", "payment_intent_id", "currency", "status", "failure_reason", "card_brand",
                 "card_last4", "terminal", "checkout_id", "handled_how")},
}


def is_text(column: object) -> bool:
    """A column whose values are text a person may have typed: String and Text (and JSON, which holds strings)."""
    kind = getattr(column, "type", None)
    return isinstance(kind, (String, JSON))


@cache
def free_text_columns(metadata: MetaData | None = None) -> dict[str, tuple[str, ...]]:
    """table -> its columns an erasure searches: every text column of the models (or of `metadata`) that is
    not a key and not in `NOT_PERSONAL`, in the models' order."""
    from pos_app.persistence.models import Base

    found: dict[str, tuple[str, ...]] = {}
    for table in (metadata or Base.metadata).sorted_tables:
        columns = tuple(c.name for c in table.columns
                        if is_text(c) and not c.primary_key and not c.foreign_keys
                        and (table.name, c.name) not in NOT_PERSONAL)
        if columns:
            found[table.name] = columns
    return found


@cache
def json_columns() -> frozenset[tuple[str, str]]:
    """(table, column) of the JSON columns: their strings are searched and cut one by one, keeping the JSON."""
    from pos_app.persistence.models import Base

    return frozenset((t.name, c.name) for t in Base.metadata.sorted_tables for c in t.columns
                     if isinstance(c.type, JSON))
