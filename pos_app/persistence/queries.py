"""Read-only queries behind the list screens, on a raw DBAPI connection.

No ORM, no SQLAlchemy import: the inventory screen can show its first rows
before SQLAlchemy is loaded, and the hot paths (search as you type, barcode
lookup) run as close to raw SQLite as possible. Each query is one statement;
nothing here runs a query per row.

Full-text search quotes every term a person types ('"' + term + '"*'), so
input such as `SKU-000*` or a stray quote is searched for, not parsed as FTS5
syntax.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from typing import Any

from pos_app.domain.items import ItemSpec
from pos_app.domain.jewelry import ItemStatus
from pos_app.domain.permissions import Role
from pos_app.domain.store import setting_is_store_wide
from pos_app.services.ports.inventory import (
    THIS_STORE,
    AgingBucket,
    AgingRow,
    CountRecord,
    CountScanRow,
    InventoryFilter,
    ItemRow,
    LowStockRow,
    Movement,
)
from pos_app.services.ports.settings import StoreCounts, StoreProfile
from pos_app.services.ports.staff import StaffRecord, StaffSecurityRow

# This store's id in its sync group (null before `pos-app init` finished; items.store_id null means this store).
_OWN_STORE = "(SELECT store_id FROM sync_state WHERE id = 1)"

# items.on_hand is this store's ledger sum, kept by a trigger on each new movement (migration 0016). A unique
# piece of another store of the group shows what its home store holds (one primary-key lookup a row).
_ON_HAND = "i.on_hand"
_ON_HAND_SHOWN = (f"CASE WHEN i.store_id IS NOT NULL AND i.store_id IS NOT {_OWN_STORE} AND i.tracking = 'unique' "
                  "THEN coalesce((SELECT s.on_hand FROM item_store_stock s WHERE s.item_id = i.id "
                  "AND s.store_id = i.store_id), 0) ELSE i.on_hand END")
# The home store's code from the group's directory (empty unless this store is in a group): one primary-key
# lookup a row, and rows are read a page at a time.
_STORE_CODE = f"(SELECT code FROM sync_stores WHERE id = coalesce(i.store_id, {_OWN_STORE}))"

IN_TRANSIT = ItemStatus.IN_TRANSIT.value
# Units of a counted item another store sent here and nobody has checked in yet (zero outside a group).
_IN_TRANSIT_HERE = (f"coalesce((SELECT s.in_transit FROM item_store_stock s WHERE s.item_id = i.id "
                    f"AND s.store_id = {_OWN_STORE} AND i.tracking <> 'unique'), 0)")
# Items with units at a store (`?`: its id), or units on their way to it, whatever their home store.
_UNITS_AT = ("i.id IN (SELECT s.item_id FROM item_store_stock s WHERE s.store_id = ? "
             "AND (s.on_hand > 0 OR s.in_transit <> 0))")
_COMING_TO = "i.id IN (SELECT s.item_id FROM item_store_stock s WHERE s.store_id = ? AND s.in_transit <> 0)"

_ROW_COLUMNS = (
    "i.seq, i.id, i.sku, i.barcode, i.title, i.style, i.metal, i.price_cents, i.cost_cents, i.currency, "
    "i.status, i.location, i.tracking, " + _ON_HAND_SHOWN + ", i.received_on, i.cert_number, " + _STORE_CODE
    + ", " + _IN_TRANSIT_HERE
)

# Sort keys the list offers, each backed by an index (column, sku, seq); ties go
# by SKU, then by handle, so paging is stable.
SORT_COLUMNS: dict[str, str] = {
    "sku": "i.sku",
    "title": "i.title",
    "style": "i.style",
    "metal": "i.metal",
    "price": "i.price_cents",
    "cost": "i.cost_cents",
    "status": "i.status",
    "location": "i.location",
    "on_hand": _ON_HAND,
    "received_on": "i.received_on",
    "cert_number": "i.cert_number",
    "barcode": "i.barcode",
    "tracking": "i.tracking",
    # Only a store in a sync group shows the column (ix_items_store_id_sku_seq, migration 0015).
    "store": "i.store_id",
}


def _order(sort: str, descending: bool) -> str:
    direction = " DESC" if descending else ""
    keys = [SORT_COLUMNS.get(sort, "i.sku")] + ([] if sort == "sku" else ["i.sku"]) + ["i.seq"]
    return ", ".join(key + direction for key in keys)


_WORD = re.compile(r"\w", re.UNICODE)


_ON_HAND_AS_OF = (
    "(SELECT coalesce(sum(m.quantity), 0) FROM stock_movements m WHERE m.item_id = i.id AND m.created_at <= ? "
    f"AND m.kind <> 'in_transit' AND coalesce(m.store_id, {_OWN_STORE}) IS {_OWN_STORE})")


def _row_columns_as_of() -> str:
    return _ROW_COLUMNS.replace(_ON_HAND_SHOWN, _ON_HAND_AS_OF, 1)


def _stamp(moment: dt.datetime) -> str:
    """A time as the UtcDateTime columns store it, for comparing in SQL."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def fts_query(text: str) -> str | None:
    """A safe FTS5 MATCH expression: each term quoted and prefix-matched, ANDed."""
    terms = [t for t in text.split() if _WORD.search(t)]
    if not terms:
        return None
    return " ".join('"' + term.replace('"', '""') + '"*' for term in terms)


def _date(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def _item_row(r: Sequence[Any]) -> ItemRow:
    return ItemRow(
        seq=r[0], id=r[1], sku=r[2], barcode=r[3], title=r[4], style=r[5], metal=r[6],
        price_cents=r[7], cost_cents=r[8], currency=r[9], status=r[10], location=r[11],
        tracking=r[12], on_hand=r[13], received_on=_date(r[14]), cert_number=r[15], store_code=r[16],
        in_transit=r[17],
    )


def _where(flt: InventoryFilter, own_store: str | None = None) -> tuple[str, list[Any]]:
    """The WHERE clause of a filter; `own_store` is this store's id (needed for a filter by store)."""
    clauses: list[str] = []
    params: list[Any] = []
    if flt.store:
        # A store's pieces are those it is home to, and the counted items it holds units of (per-store stock,
        # migration 0016: another store's SKU of which units were sent here). The home terms use
        # ix_items_store_id_sku_seq (SQLite's OR optimisation), the units the item_store_stock key.
        if flt.store == THIS_STORE or flt.store == own_store:
            clauses.append(f"(i.store_id IS NULL OR i.store_id = ? OR {_UNITS_AT})" if own_store
                           else "i.store_id IS NULL")
            params.extend([own_store, own_store] if own_store else [])
        else:
            clauses.append(f"(i.store_id = ? OR {_UNITS_AT})")
            params.extend([flt.store, flt.store])
    match = fts_query(flt.text)
    if match is not None:
        # The unary + keeps SQLite from driving the query by the matches (then
        # sorting them all): it walks the sort index in order and stops after a page.
        clauses.append("+i.seq IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
        params.append(match)
    for column, values in (("i.style", flt.styles), ("i.metal", flt.metals),
                           ("i.status", flt.statuses), ("i.location", flt.locations)):
        if values:
            clause = f"{column} IN ({','.join('?' * len(values))})"
            params.extend(values)
            if column == "i.status" and IN_TRANSIT in values and own_store:
                # In transit: a piece on its way, or units of a counted item on their way here.
                clause = f"({clause} OR {_COMING_TO})"
                params.append(own_store)
            clauses.append(clause)
    if flt.min_price_cents is not None:
        clauses.append("i.price_cents >= ?")
        params.append(flt.min_price_cents)
    if flt.max_price_cents is not None:
        clauses.append("i.price_cents <= ?")
        params.append(flt.max_price_cents)
    if flt.in_stock_only:
        clauses.append(_ON_HAND + " > 0")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


class SqliteInventoryReader:
    """`InventoryReader` over one raw connection; use it from one thread."""

    def __init__(self, conn: Any) -> None:
        self._c = conn

    def _where(self, flt: InventoryFilter) -> tuple[str, list[Any]]:
        own = None
        if flt.store or IN_TRANSIT in flt.statuses:
            row = self._c.execute(f"SELECT {_OWN_STORE}").fetchone()
            own = None if row is None else row[0]
        return _where(flt, own)

    def item_seqs(self, flt: InventoryFilter, sort: str = "sku", descending: bool = False) -> list[int]:
        """Every matching handle, in order (exports and "select all"; the list pages)."""
        where, params = self._where(flt)
        sql = f"SELECT i.seq FROM items i{where} ORDER BY {_order(sort, descending)}"
        return [r[0] for r in self._c.execute(sql, params)]

    def page_seqs(self, flt: InventoryFilter, sort: str, descending: bool, offset: int, limit: int) -> list[int]:
        """One page of matching handles, in order: what the inventory table fetches as it scrolls."""
        where, params = self._where(flt)
        sql = f"SELECT i.seq FROM items i{where} ORDER BY {_order(sort, descending)} LIMIT ? OFFSET ?"
        return [r[0] for r in self._c.execute(sql, [*params, limit, offset])]

    def count(self, flt: InventoryFilter) -> int:
        match = fts_query(flt.text)
        if match is not None and flt == InventoryFilter(text=flt.text):
            # Search text alone: the full-text index counts its own matches (one per item).
            sql, params = "SELECT count(*) FROM items_fts WHERE items_fts MATCH ?", [match]
        else:
            where, params = self._where(flt)
            sql = f"SELECT count(*) FROM items i{where}"
        return int(self._c.execute(sql, params).fetchone()[0])

    def rows(self, seqs: Sequence[int]) -> list[ItemRow]:
        """Rows for these seqs, in the order given (missing ones left out)."""
        found: dict[int, ItemRow] = {}
        for start in range(0, len(seqs), 500):
            chunk = list(seqs[start:start + 500])
            sql = f"SELECT {_ROW_COLUMNS} FROM items i WHERE i.seq IN ({','.join('?' * len(chunk))})"
            for r in self._c.execute(sql, chunk):
                found[r[0]] = _item_row(r)
        return [found[s] for s in seqs if s in found]

    def rows_by_ids(self, item_ids: Sequence[str]) -> list[ItemRow]:
        found: dict[str, ItemRow] = {}
        for start in range(0, len(item_ids), 500):
            chunk = list(item_ids[start:start + 500])
            sql = f"SELECT {_ROW_COLUMNS} FROM items i WHERE i.id IN ({','.join('?' * len(chunk))})"
            for r in self._c.execute(sql, chunk):
                found[r[1]] = _item_row(r)
        return [found[i] for i in item_ids if i in found]

    def search(self, text: str, limit: int = 50) -> list[ItemRow]:
        """The first `limit` items matching `text`, by SKU (type-ahead, `items list`)."""
        where, params = _where(InventoryFilter(text=text))
        sql = f"SELECT {_ROW_COLUMNS} FROM items i{where} ORDER BY i.sku, i.seq LIMIT ?"
        return [_item_row(r) for r in self._c.execute(sql, [*params, limit])]

    def lookup_code(self, code: str) -> ItemRow | None:
        """What a scanner typed: a barcode, else a SKU (both unique and indexed), else a
        certificate number (indexed; the piece still for sale first if two share it)."""
        code = code.strip()
        r = self._c.execute(f"SELECT {_ROW_COLUMNS} FROM items i WHERE i.barcode = ?", (code,)).fetchone()
        if r is None:
            r = self._c.execute(f"SELECT {_ROW_COLUMNS} FROM items i WHERE i.sku = ?", (code,)).fetchone()
        if r is None:
            r = self._c.execute(
                f"SELECT {_ROW_COLUMNS} FROM items i WHERE i.cert_number = ? "
                "ORDER BY i.status = 'available' DESC, i.seq LIMIT 1", (code,)).fetchone()
        return None if r is None else _item_row(r)

    def history(self, item_id: str) -> list[Movement]:
        sql = (
            "SELECT m.created_at, m.kind, m.quantity, m.reason, m.reference, s.name, m.terminal, d.code "
            "FROM stock_movements m LEFT JOIN staff s ON s.id = m.staff_id "
            f"LEFT JOIN sync_stores d ON d.id = coalesce(m.store_id, {_OWN_STORE}) "
            "WHERE m.item_id = ? ORDER BY m.created_at DESC, m.rowid DESC"
        )
        return [
            Movement(at=_utc(r[0]), kind=r[1], quantity=r[2], reason=r[3], reference=r[4],
                     staff_name=r[5], terminal=r[6], store_code=r[7] or "")
            for r in self._c.execute(sql, (item_id,))
        ]

    def low_stock(self) -> list[LowStockRow]:
        sql = (
            f"SELECT {_ROW_COLUMNS}, i.reorder_point FROM items i "
            "WHERE i.tracking = 'counted' AND i.reorder_point IS NOT NULL "
            f"AND {_ON_HAND} <= i.reorder_point ORDER BY {_ON_HAND} - i.reorder_point, i.sku"
        )
        return [LowStockRow(item=_item_row(r), reorder_point=r[-1]) for r in self._c.execute(sql)]

    def aging(self, today: dt.date, min_days: int = 0, limit: int = 1000) -> list[AgingRow]:
        """Items in stock, oldest first, that have been in the store `min_days` or more.

        Walks the received-date index from the oldest and stops after `limit`.
        """
        cutoff = (today - dt.timedelta(days=min_days)).isoformat()
        sql = (
            f"SELECT {_ROW_COLUMNS} FROM items i WHERE i.received_on <= ? AND {_ON_HAND} > 0 "
            "ORDER BY i.received_on, i.sku, i.seq LIMIT ?"
        )
        return [
            AgingRow(item=row, days_in_stock=(today - row.received_on).days)
            for row in (_item_row(r) for r in self._c.execute(sql, (cutoff, limit)))
            if row.received_on is not None
        ]

    def aging_buckets(self, today: dt.date, edges: Sequence[int] = (90, 180, 365)) -> list[AgingBucket]:
        """Pieces in stock and their retail and cost value, per age bracket (one pass in SQL)."""
        cases = " ".join(f"WHEN age <= {int(edge)} THEN {n}" for n, edge in enumerate(edges))
        sql = (
            f"SELECT CASE {cases} ELSE {len(edges)} END AS bucket, sum(on_hand), sum(price_cents * on_hand), "
            "sum(coalesce(cost_cents, 0) * on_hand) FROM ("
            "  SELECT julianday(?) - julianday(i.received_on) AS age, i.price_cents, i.cost_cents, i.on_hand"
            "  FROM items i WHERE i.on_hand > 0"
            ") GROUP BY bucket"
        )
        labels = [f"0–{edges[0]} days"] + [f"{a + 1}–{b} days" for a, b in zip(edges, edges[1:])] + [
            f"over {edges[-1]} days"]
        totals = {int(r[0]): r[1:] for r in self._c.execute(sql, (today.isoformat(),))}
        return [AgingBucket(label, *(int(v or 0) for v in totals.get(n, (0, 0, 0))))
                for n, label in enumerate(labels)]

    def iter_specs(self) -> Iterator[tuple[ItemSpec, int]]:
        """Every item with its quantity on hand, by SKU, streamed (exports)."""
        from pos_app.persistence.item_repo import spec_from_row

        sql = "SELECT i.* FROM items i ORDER BY i.sku"
        cursor = self._c.execute(sql)
        names = [d[0] for d in cursor.description]
        for r in cursor:
            values = dict(zip(names, r))
            yield spec_from_row(_Row(values)), int(values["on_hand"])

    def count_record(self, count_id: str) -> CountRecord | None:
        head = self._c.execute(
            "SELECT id, location, status, created_at FROM stock_counts WHERE id = ?", (count_id,)).fetchone()
        if head is None:
            return None
        scans = tuple(
            CountScanRow(code=r[0], item_id=r[1], quantity=r[2], at=_utc(r[3]))
            for r in self._c.execute(
                "SELECT code, item_id, quantity, scanned_at FROM stock_count_scans WHERE count_id = ? "
                "ORDER BY scanned_at, rowid", (count_id,))
        )
        return CountRecord(id=head[0], location=head[1], status=head[2], started_at=_utc(head[3]), scans=scans)

    def open_count_ids(self) -> list[str]:
        sql = "SELECT id FROM stock_counts WHERE status = 'open' ORDER BY created_at"
        return [r[0] for r in self._c.execute(sql)]

    def expected_at(self, location: str, as_of: dt.datetime | None = None) -> list[ItemRow]:
        """Items that should be at `location` when it is counted: on hand there, as the
        ledger stood at `as_of` (the count's start; stock moved since is not the count's)."""
        if as_of is None:
            sql = f"SELECT {_ROW_COLUMNS} FROM items i WHERE i.location = ? AND i.on_hand > 0 ORDER BY i.sku"
            return [_item_row(r) for r in self._c.execute(sql, (location,))]
        sql = (f"SELECT {_row_columns_as_of()} FROM items i WHERE i.location = ? AND {_ON_HAND_AS_OF} > 0 "
               "ORDER BY i.sku")
        stamp = _stamp(as_of)
        return [_item_row(r) for r in self._c.execute(sql, (stamp, location, stamp))]

    def rows_as_of(self, item_ids: Sequence[str], as_of: dt.datetime) -> list[ItemRow]:
        """Rows for these items with quantity on hand as the ledger stood at `as_of`."""
        found: dict[str, ItemRow] = {}
        stamp = _stamp(as_of)
        for start in range(0, len(item_ids), 500):
            chunk = list(item_ids[start:start + 500])
            sql = f"SELECT {_row_columns_as_of()} FROM items i WHERE i.id IN ({','.join('?' * len(chunk))})"
            for r in self._c.execute(sql, [stamp, *chunk]):
                found[r[1]] = _item_row(r)
        return [found[i] for i in item_ids if i in found]


class _Row:
    """Attribute access over a dict row, with dates parsed (for `spec_from_row`)."""

    def __init__(self, values: dict[str, Any]) -> None:
        values["received_on"] = _date(values.get("received_on"))
        self.__dict__.update(values)


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


class SqliteDirectoryReader:
    """Store profile, staff list, settings and counts for start-up and `doctor`."""

    def __init__(self, conn: Any) -> None:
        self._c = conn

    def store(self) -> StoreProfile | None:
        r = self._c.execute(
            "SELECT name, address, phone, email, timezone, currency, locale, tax_rate, receipt_footer, "
            "privacy_contact FROM stores LIMIT 1"
        ).fetchone()
        return None if r is None else StoreProfile(*r)

    _STAFF = ("SELECT id, name, role, pin_hash, password_hash, active, failed_attempts, locked_until, credentials, "
              "totp_secret IS NOT NULL, must_change_secret FROM staff")

    @staticmethod
    def _staff(r: Sequence[Any]) -> StaffRecord:
        return StaffRecord(id=r[0], name=r[1], role=Role(r[2]), pin_hash=r[3], password_hash=r[4],
                           active=bool(r[5]), failed_attempts=r[6],
                           locked_until=None if r[7] is None else _utc(r[7]), credentials=r[8],
                           two_step_enrolled=bool(r[9]), must_change_secret=bool(r[10]))

    # This store's staff only: a sync group's counters also hold other stores' staff (without their secrets),
    # who never sign in or appear on a list here.
    _THIS_STORE = "store_id = (SELECT id FROM stores ORDER BY created_at LIMIT 1)"

    def staff_list(self) -> list[StaffRecord]:
        return [self._staff(r) for r in self._c.execute(
            self._STAFF + f" WHERE active AND {self._THIS_STORE} ORDER BY name")]

    def staff_member(self, staff_id: str) -> StaffRecord | None:
        r = self._c.execute(self._STAFF + " WHERE id = ?", (staff_id,)).fetchone()
        return None if r is None else self._staff(r)

    def staff_security(self, *, include_inactive: bool = False) -> list[StaffSecurityRow]:
        """Active staff by name; with `include_inactive`, those who left follow them."""
        rows = self._c.execute(
            "SELECT s.id, s.name, s.role, s.totp_secret IS NOT NULL, "
            "(SELECT count(*) FROM staff_recovery_codes c WHERE c.staff_id = s.id AND c.used_at IS NULL), "
            "s.failed_attempts, s.locked_until, s.active, s.must_change_secret, s.credentials FROM staff s "
            f"WHERE s.{self._THIS_STORE}" + ("" if include_inactive else " AND s.active")
            + " ORDER BY NOT s.active, s.name")
        return [StaffSecurityRow(id=r[0], name=r[1], role=Role(r[2]), two_step=bool(r[3]), recovery_codes_left=r[4],
                                 failed_attempts=r[5], locked_until=None if r[6] is None else _utc(r[6]),
                                 active=bool(r[7]), must_change_secret=bool(r[8]), credentials=r[9] or "")
                for r in rows]

    def setting(self, key: str, default: Any = None) -> Any:
        import json

        if setting_is_store_wide(key):
            r = self._c.execute(f"SELECT value FROM store_settings WHERE key = ? AND {self._THIS_STORE}",
                                (key,)).fetchone()
        else:
            r = self._c.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        if r is None:
            return default
        # The JSON column has NUMERIC affinity: SQLite stores a bare number as a number.
        return json.loads(r[0]) if isinstance(r[0], str) else r[0]

    def counts(self) -> StoreCounts:
        def one(sql: str) -> int:
            return int(self._c.execute(sql).fetchone()[0])

        return StoreCounts(
            items=one("SELECT count(*) FROM items"),
            items_in_stock=one("SELECT count(*) FROM items WHERE on_hand > 0"),
            customers=one("SELECT count(*) FROM customers WHERE erased_at IS NULL"),
            sales=one("SELECT count(*) FROM sales"),
            staff=one("SELECT count(*) FROM staff WHERE active"),
        )
