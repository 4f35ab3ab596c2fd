"""The journal of every change: the audit trail's hash chain and the sync outbox, written here and only here.

Every write path of the store meets this one module inside its own
transaction, whatever style it writes in:

- the ORM: `record_flush` runs after every flush of a unit of work's session
  (registered once per session factory in `uow.py`) and journals each
  syncable row the flush inserted, changed or deleted;
- Core bulk statements (imports, sign-in counters) and raw DB-API SQL (the
  counter's hot path, the erasure) call `Journal.of(session)` and say what
  they wrote: `inserted`, `updated`, `deleted`;
- audit events: `Journal.record` (the unit of work's `audit`).

Both tables are written with prepared statements on the session's own DB-API
connection, inside the caller's BEGIN IMMEDIATE transaction: a unit of work
that rolls back leaves neither its rows nor their journal. A layering test
(`tests/unit/test_one_journal_writer.py`) fails if any other module of the
package inserts into `outbox` or `audit_events` or computes the chain.

**The audit chain.** Each event's hash covers its own content and the
previous event's hash (`event_hash(hashed_content(row))`, from `GENESIS`),
so editing, deleting or reordering an event breaks every hash after it.
Reading the last hash and appending the next cannot interleave with another
process: the transaction began with BEGIN IMMEDIATE. `audit_queries.verify_chain`
checks it with the same two functions.

**The outbox (v2, the base of sync).** One row per changed syncable row:
- `device_seq`: this store's sequence, never reused, even after rows are
  deleted (a pushed outbox may be purged): drawn from the one-row table
  `outbox_sequence`, never from the outbox's own rowid;
- `tx_id`: the same for every row written in one transaction (a unit of
  work's session transaction), so sync pushes whole local transactions;
- `changes`: JSON captured at write time: the whole row for an insert, the
  changed columns with their new values for an update, null (a tombstone)
  for a delete. Values are as the row stores them (times as their stored UTC
  text, dates as ISO text); a binary column (a photo, a scan) is recorded as
  `{"$blob": {"sha256": ..., "bytes": n}}`, not its bytes: the sync reads
  the bytes from the row when it pushes.

**Personal data.** The outbox keeps values a person typed. An erasure or a
retention purge that blanks or deletes rows calls `scrubbed(table, ids)`: the
earlier outbox rows of those rows have their `changes` rewritten from the row
as it is now (null for a row that is gone), so no outbox row keeps what was
erased.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import json
import weakref
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, SessionTransaction

from pos_app.domain.permissions import Actor
from pos_app.persistence.models.base import Synced, new_id, utcnow

GENESIS = "0" * 64
HASHED = ("seq", "id", "at", "staff_id", "actor_name", "role", "terminal", "action", "entity_type", "entity_id",
          "summary", "approved_by", "prev_hash")

_OUTBOX_SQL = ("INSERT INTO outbox (device_seq, tx_id, table_name, row_id, op, at, changes) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)")
_AUDIT_SQL = ("INSERT INTO audit_events (seq, id, at, staff_id, actor_name, role, terminal, action, entity_type, "
              "entity_id, summary, approved_by, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_LAST_EVENT_SQL = "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1"
_NEXT_SEQS_SQL = "UPDATE outbox_sequence SET last_seq = last_seq + ? WHERE id = 1 RETURNING last_seq"
_FIRST_SEQS_SQL = ("INSERT INTO outbox_sequence (id, last_seq) "
                   "SELECT 1, coalesce(max(device_seq), 0) + ? FROM outbox RETURNING last_seq")
_INFO_KEY = "pos_app.journal"


def event_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def hashed_content(row: dict[str, Any]) -> dict[str, Any]:
    """The fields an event's hash covers, as stored (times as their stored text)."""
    return {key: row[key] for key in HASHED}


def stored_time(moment: dt.datetime) -> str:
    """An aware time as UTC columns store it ('YYYY-MM-DD HH:MM:SS.ffffff'; see models.base.UtcDateTime)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def stored_value(value: Any) -> Any:
    """A column value as the outbox's `changes` keeps it (JSON-ready, as the row stores it)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value.value if isinstance(value, enum.Enum) else value
    if isinstance(value, dt.datetime):
        return stored_time(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        return {"$blob": {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}}
    if isinstance(value, enum.Enum):
        return stored_value(value.value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): stored_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [stored_value(v) for v in value]
    return str(value)


def _not_json(value: Any) -> Any:
    """What JSON cannot hold as it is (a time, bytes, a Decimal...), as `changes` keeps it."""
    return stored_value(value)


# One encoder for every row (json.dumps with options builds a new one each call): its C code does the plain
# values (the counter's rows are all plain), `_not_json` only the others.
_ENCODER = json.JSONEncoder(separators=(",", ":"), default=_not_json)


def _changes(values: Mapping[str, Any]) -> str:
    return _ENCODER.encode(values)


# One outbox row to write: (table, op, row id, changes as JSON text or None).
Entry = tuple[str, str, str, str | None]


def inserts(table: str, rows: Iterable[Mapping[str, Any]]) -> list[Entry]:
    """Entries of rows inserted into `table`, each whole (with its "id")."""
    return [(table, "insert", str(r["id"]), _changes(r)) for r in rows]


def insert_values(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[Entry]:
    """Entries of rows inserted as the value lists of a prepared INSERT of `columns` ("id" first)."""
    assert columns[0] == "id"
    return [(table, "insert", str(r[0]), _changes(dict(zip(columns, r)))) for r in rows]


def updates(table: str, rows: Iterable[Mapping[str, Any]]) -> list[Entry]:
    """Entries of rows updated: each row its "id" and the changed columns with their new values."""
    return [(table, "update", str(r["id"]), _changes({k: v for k, v in r.items() if k != "id"})) for r in rows]


def deletes(table: str, ids: Iterable[str]) -> list[Entry]:
    """Entries of rows deleted: tombstones, no changes."""
    return [(table, "delete", str(i), None) for i in ids]


def carry_sequence(conn: Any, last_seq: int) -> None:
    """The store's change numbers go on after `last_seq` (a restore carries the replaced store's on): inside
    the caller's transaction on raw connection `conn`; never lowers the sequence."""
    conn.execute("INSERT INTO outbox_sequence (id, last_seq) VALUES (1, ?) ON CONFLICT (id) "
                 "DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)", (last_seq,))


def last_sequence(conn: Any) -> int | None:
    """The last change number the store gave (None before it had its sequence row, or before revision 0012)."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'outbox_sequence'").fetchone() is None:
        return None
    row = conn.execute("SELECT last_seq FROM outbox_sequence WHERE id = 1").fetchone()
    return None if row is None else int(row[0])


def renumber_unpushed(conn: Any, after: int) -> int:
    """Number every unpushed outbox row after `after`, in its order, and the sequence with them (central holds
    this device's changes up to `after`: a restored store must not reuse those numbers). Inside the caller's
    transaction; returns how many rows were renumbered (none when the sequence is already past `after`)."""
    last = last_sequence(conn) or 0
    if last >= after:
        return 0
    unpushed = [int(r[0]) for r in conn.execute(
        "SELECT device_seq FROM outbox WHERE pushed_at IS NULL ORDER BY device_seq")]
    conn.execute("UPDATE outbox SET device_seq = -device_seq WHERE pushed_at IS NULL")
    conn.executemany("UPDATE outbox SET device_seq = ? WHERE device_seq = ?",
                     [(after + k + 1, -seq) for k, seq in enumerate(unpushed)])
    carry_sequence(conn, after + len(unpushed))
    return len(unpushed)


class Journal:
    """The audit events and outbox rows of one session's transactions (one unit of work).

    Get it with `Journal.of(session)`: one per session, kept in `session.info`.
    Every method writes inside the session's current transaction, on its own
    DB-API connection; it commits nothing.
    """

    def __init__(self, session: Session) -> None:
        self._s = session
        self._tx: weakref.ref[SessionTransaction] | None = None
        self._tx_id = ""
        self._dbapi: Any = None
        self._silent = False

    def silence(self) -> None:
        """Write no outbox rows from now on in this session: what the sync applier writes came from central
        and must not echo back (`scrubbed` still rewrites earlier rows: an erasure from central scrubs them)."""
        self._silent = True

    def unsilence(self) -> None:
        """Write outbox rows again: the sync applier's own erasure of a customer central erased tells central
        what it changed that central's erasure did not (rows written here after it)."""
        self._silent = False

    @classmethod
    def of(cls, session: Session) -> Journal:
        journal = session.info.get(_INFO_KEY)
        if not isinstance(journal, Journal):
            journal = session.info[_INFO_KEY] = cls(session)
        return journal

    def _conn(self) -> tuple[Any, str]:
        """The session's DB-API connection (inside its open transaction) and that transaction's id."""
        tx = self._s.get_transaction()
        if tx is None or self._tx is None or self._tx() is not tx or not tx.is_active:
            self._dbapi = self._s.connection().connection.driver_connection  # begins one if none is open
            tx = self._s.get_transaction()
            self._tx = None if tx is None else weakref.ref(tx)
            self._tx_id = new_id()
        return self._dbapi, self._tx_id

    def connection(self) -> Any:
        """The session's own DB-API connection, inside its open transaction (begun if none is): what the
        raw writers (the counter, the erasure) write on, so their rows and their journal commit together."""
        return self._conn()[0]

    @property
    def tx_id(self) -> str:
        """The id of the session's current transaction, as its outbox rows carry it."""
        return self._conn()[1]

    # ------------------------------------------------------------ the outbox

    def write(self, entries: Sequence[Entry], *, at: str | None = None) -> None:
        """Outbox rows for `entries` (see `inserts`, `updates`, `deletes`), numbered from the store's sequence
        in their order, all with this transaction's id; `at` (stored UTC text) defaults to now."""
        if not entries or self._silent:
            return
        conn, tx_id = self._conn()
        n = len(entries)
        row = conn.execute(_NEXT_SEQS_SQL, (n,)).fetchone()
        if row is None:  # a store whose sequence row is not there yet: start after what the outbox holds
            row = conn.execute(_FIRST_SEQS_SQL, (n,)).fetchone()
        first = int(row[0]) - n + 1
        when = at or stored_time(utcnow())
        conn.executemany(_OUTBOX_SQL, [(first + k, tx_id, table, row_id, op, when, changes)
                                       for k, (table, op, row_id, changes) in enumerate(entries)])

    def last_device_seq(self) -> int:
        """The newest outbox row's device sequence (0 for none)."""
        return int(self._conn()[0].execute("SELECT coalesce(max(device_seq), 0) FROM outbox").fetchone()[0])

    def written_after(self, device_seq: int) -> list[tuple[int, str, str, str, dict[str, Any] | None]]:
        """The outbox rows after `device_seq`, oldest first: (device_seq, table, row id, op, changes)."""
        return [(int(r[0]), str(r[1]), str(r[2]), str(r[3]), None if r[4] is None else json.loads(r[4]))
                for r in self._conn()[0].execute(
                    "SELECT device_seq, table_name, row_id, op, changes FROM outbox WHERE device_seq > ? "
                    "ORDER BY device_seq", (device_seq,))]

    def retract(self, device_seq: int, changes: Mapping[str, Any] | None = None) -> None:
        """Take back an outbox row written in this transaction (`changes` None), or narrow what it carries
        to `changes`: the sync applier keeps, of its own erasure, only what central does not bring already."""
        conn = self._conn()[0]
        if changes is None:
            conn.execute("DELETE FROM outbox WHERE device_seq = ? AND pushed_at IS NULL", (device_seq,))
        else:
            conn.execute("UPDATE outbox SET changes = ? WHERE device_seq = ? AND pushed_at IS NULL",
                         (_changes(changes), device_seq))

    def inserted(self, table: str, rows: Iterable[Mapping[str, Any]], *, at: str | None = None) -> None:
        """Rows just inserted into `table`, each whole (with its "id")."""
        self.write(inserts(table, rows), at=at)

    def inserted_values(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
                        at: str | None = None) -> None:
        """Rows just inserted, as the value lists of a prepared INSERT of `columns` ("id" first)."""
        self.write(insert_values(table, columns, rows), at=at)

    def updated(self, table: str, rows: Iterable[Mapping[str, Any]], *, at: str | None = None) -> None:
        """Rows just updated: each its "id" and the columns changed, with their new values."""
        self.write(updates(table, rows), at=at)

    def updated_as_stored(self, table: str, ids: Iterable[str], columns: Sequence[str] | None = None, *,
                          at: str | None = None) -> None:
        """Rows just updated by SQL whose new values the caller does not hold (`failed_attempts + 1`, a
        scrub): `columns` (default: every column) are read back from the rows as they are now."""
        wanted = sorted(set(ids))
        if not wanted:
            return
        rows = self._read(table, wanted, columns)
        self.write(updates(table, [rows[row_id] for row_id in wanted if row_id in rows]), at=at)

    def deleted(self, table: str, ids: Iterable[str], *, at: str | None = None) -> None:
        """Rows just deleted: a tombstone each (no changes)."""
        self.write(deletes(table, ids), at=at)

    def scrubbed(self, table: str, ids: Iterable[str]) -> None:
        """Rows blanked or deleted for privacy (an erasure, a retention purge): every earlier outbox row of
        theirs has its `changes` rewritten from the row as it is now, or cleared if the row is gone."""
        wanted = sorted(set(ids))
        if not wanted:
            return
        conn, _ = self._conn()
        found: list[tuple[int, str, str]] = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            found += conn.execute(
                f"SELECT seq, row_id, changes FROM outbox WHERE table_name = ? AND row_id IN "
                f"({', '.join('?' * len(chunk))}) AND changes IS NOT NULL", (table, *chunk)).fetchall()
        if not found:
            return
        now = self._read(table, sorted({r[1] for r in found}), None)
        rewritten = []
        for seq, row_id, text in found:
            current = now.get(row_id)
            changes = None if current is None else json.dumps(
                {k: stored_value(current.get(k)) for k in json.loads(text)}, separators=(",", ":"))
            rewritten.append((changes, seq))
        conn.executemany("UPDATE outbox SET changes = ? WHERE seq = ?", rewritten)

    def _read(self, table: str, ids: Sequence[str], columns: Sequence[str] | None) -> dict[str, dict[str, Any]]:
        conn, _ = self._conn()
        names = "*" if columns is None else ", ".join(("id", *columns))
        rows: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            cursor = conn.execute(f"SELECT {names} FROM {table} WHERE id IN ({', '.join('?' * len(chunk))})",
                                  chunk)
            keys = [d[0] for d in cursor.description]
            for values in cursor:
                row = dict(zip(keys, values))
                rows[str(row["id"])] = row
        return rows

    # ------------------------------------------------------------ the audit trail

    def record(
        self,
        actor: Actor,
        action: str,
        *,
        entity_type: str | None = None,
        entity_id: str | None = None,
        summary: dict[str, Any] | None = None,
        approved_by: str | None = None,
    ) -> None:
        """Append one event to the hash chain (the unit of work's `audit.record`)."""
        conn, _ = self._conn()
        last = conn.execute(_LAST_EVENT_SQL).fetchone()
        seq, prev_hash = (int(last[0]) + 1, str(last[1])) if last else (1, GENESIS)
        summary = summary or {}
        row: dict[str, Any] = {
            "seq": seq, "id": new_id(), "at": stored_time(utcnow()), "staff_id": actor.staff_id,
            "actor_name": actor.name, "role": actor.role.value, "terminal": actor.terminal, "action": action,
            "entity_type": entity_type, "entity_id": entity_id, "summary": summary, "approved_by": approved_by,
            "prev_hash": prev_hash,
        }
        digest = event_hash(hashed_content(row))
        conn.execute(_AUDIT_SQL, (seq, row["id"], row["at"], actor.staff_id, actor.name, actor.role.value,
                                  actor.terminal, action, entity_type, entity_id, json.dumps(summary, default=str),
                                  approved_by, prev_hash, digest))


# ---------------------------------------------------------------- the ORM's flushes


def _columns(obj: Any) -> list[tuple[str, str]]:
    """(attribute key, column name) of a mapped object's columns."""
    return [(attr.key, attr.columns[0].name) for attr in sa_inspect(obj).mapper.column_attrs]


def record_flush(session: Session, flush_context: Any) -> None:
    """`after_flush` hook: journal every syncable row the flush wrote (the session still shows what it was
    about to write: new, dirty and deleted objects and each attribute's history)."""
    journal = Journal.of(session)
    inserted: dict[str, list[dict[str, Any]]] = {}
    updated: dict[str, list[dict[str, Any]]] = {}
    deleted: dict[str, list[str]] = {}
    for obj in session.new:
        if isinstance(obj, Synced):
            state = sa_inspect(obj)
            inserted.setdefault(obj.__tablename__, []).append(  # type: ignore[attr-defined]
                {name: state.dict.get(key) for key, name in _columns(obj)})
    for obj in session.dirty:
        if isinstance(obj, Synced) and session.is_modified(obj, include_collections=False):
            state = sa_inspect(obj)
            changed: dict[str, Any] = {"id": obj.id}
            for key, name in _columns(obj):
                history = state.attrs[key].history
                if history.added:
                    changed[name] = history.added[0]
            if "updated_at" in state.dict:  # set by the column's onupdate, not by the caller
                changed["updated_at"] = state.dict["updated_at"]
            updated.setdefault(obj.__tablename__, []).append(changed)  # type: ignore[attr-defined]
    for obj in session.deleted:
        if isinstance(obj, Synced):
            deleted.setdefault(obj.__tablename__, []).append(obj.id)  # type: ignore[attr-defined]
    entries: list[Entry] = []
    for table, rows in inserted.items():
        entries += inserts(table, rows)
    for table, rows in updated.items():
        entries += updates(table, rows)
    for table, ids in deleted.items():
        entries += deletes(table, ids)
    journal.write(entries)
