"""The store file's side of sync: what to push, and writing what was pulled.

`SqliteSyncLocal` works on raw connections of its own (the sync worker's
thread), never the GUI's:

- **Pushing.** `outbox_batch` reads the unpushed outbox in `device_seq`
  order, whole local transactions only (a transaction is never split across
  two pushes), with each binary column's bytes read from the row as it is
  now (the outbox keeps only their hash). Columns that belong to this file
  alone (`items.seq`, the full-text handle; `items.on_hand`, the ledger's sum
  kept by a trigger) never leave it. `mark_pushed` marks rows pushed only
  after central confirmed them.
- **Pulling.** `apply` writes central's changes in one local transaction,
  in central's order, with `sync_state.applying` set so the stock triggers
  let a fact through (a sale made elsewhere already happened) and with the
  session's journal silenced: a pulled change never echoes into the outbox.
  The connection runs without foreign-key enforcement for that transaction:
  central's order is the truth, and a row may arrive before a parent this
  counter is not given (another store's shift) or one central refused.
  Fields this counter changed and has not pushed yet are left alone: its
  own change will reach central later and win there (last writer by central
  order), and then come back here. An erasure from central first erases
  the customer here the way a local erasure does (the same repository, so
  the same searches), then writes central's blanked rows.

**Sharing the write lock with the counter.** The sync worker runs in the
counter's process, and a sale waits for any write the worker holds. So every
write of the worker's round (`mark_pushed`, `record`, `set_stores`,
`resume_after`, `apply`) is short and:
- on the worker's thread (inside `background()`), every step of the round,
  read or write, first waits for the counter's open units of work to end
  (`LocalDatabase.turns`, `persistence/write_turns.py`): the worker never
  starts a step in the middle of a sale, neither for the write lock nor for
  the CPU and the GIL the sale's own Python needs, and it is woken by the
  sale's end, not by SQLite's back-off;
- commits with `synchronous = NORMAL` (no fsync; WAL mode): a crash or power
  cut may lose the last of these commits, never half of one, and what they
  record is all recoverable by design: a lost `pushed_at` mark is a resend
  central recognizes by (device, sequence) and skips; a lost pulled page
  takes its pull cursor with it (one transaction), so it is pulled again; a
  lost audit cursor resends events central keeps once. The counter's own
  commits stay `synchronous = FULL`, and each one's fsync of the WAL makes
  the worker's earlier commits durable with it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import sqlcipher3
from sqlalchemy.orm import Session

from pos_app.domain.errors import PullClash
from pos_app.persistence.database import LocalDatabase
from pos_app.persistence.journal import Journal, last_sequence, renumber_unpushed, stored_time
from pos_app.persistence.models.base import utcnow

log = logging.getLogger(__name__)

# Columns of this file alone: never pushed, never written from a pull.
LOCAL_ONLY = {"items": frozenset({"seq", "on_hand"})}

# A joined store's stock from its ledger, as the triggers of migration 0016 keep it afterwards.
_OWN_STORE = "(SELECT store_id FROM sync_state WHERE id = 1)"
# Grouped by the raw column, so the sums are read in the order of the ledger's (item, store, kind, quantity)
# index without a sort; a movement without a store (none is written since 0016) adds to this store's row.
_STOCK_BY_STORE = (
    "INSERT INTO item_store_stock (item_id, store_id, on_hand, in_transit) "
    f"SELECT item_id, coalesce(store_id, {_OWN_STORE}, ''), "
    "sum(CASE WHEN kind = 'in_transit' THEN 0 ELSE quantity END), "
    "sum(CASE WHEN kind = 'in_transit' THEN quantity ELSE 0 END) "
    "FROM stock_movements WHERE true GROUP BY item_id, store_id "
    "ON CONFLICT (item_id, store_id) DO UPDATE SET on_hand = on_hand + excluded.on_hand, "
    "in_transit = in_transit + excluded.in_transit")
_ON_HAND_HERE = ("UPDATE items SET on_hand = s.on_hand FROM item_store_stock s "
                 f"WHERE s.item_id = items.id AND s.store_id = {_OWN_STORE}")
# NOT NULL columns central strips from another store's rows (staff secrets), and what this file holds instead.
STRIPPED_DEFAULTS = {"staff": {"credentials": "", "failed_attempts": 0, "must_change_secret": 0}}
# The outbox's unpushed rows, always through the pushed_at index: `PRAGMA optimize` (at every close) analyzes
# the outbox when all its rows were pushed at once (a seed, an offline day's push), and from then on SQLite's
# planner judges `pushed_at IS NULL` unselective and scans the whole outbox, every pushed row's JSON decrypted,
# for the few waiting rows (12 ms a read on a busy machine with 2,500 rows; it grows with every sale).
_UNPUSHED = "outbox INDEXED BY ix_outbox_pushed_at"
STORE_SETTINGS_SENT = "sync.store_settings_sent"
"""This counter's own setting: its store's `store_settings` rows are known to central (sent, seeded or
pulled). Missing on a counter that joined before migration 0014 moved them into that table."""
# Append-only facts: a pulled insert of one that is here already changes nothing.
FACTS = frozenset({"stock_movements", "sales", "sale_lines", "sale_credits", "payments", "consent_events",
                   "erasure_log", "cash_movements", "stock_count_scans", "policy_versions"})


@dataclass(frozen=True)
class SyncState:
    device_id: str
    store_id: str | None
    central: str | None
    role_name: str | None
    store_code: str | None
    counter_code: str | None
    joined_at: str | None
    pull_cursor: int
    audit_pushed_seq: int
    last_push_at: str | None
    last_pull_at: str | None
    offline_since: str | None
    last_error: str | None
    conflicts: int
    attention: int

    @property
    def joined(self) -> bool:
        return self.central is not None


class _Clash(Exception):
    """A pulled change a unique key of this file refuses (not its id): see `SqliteSyncLocal.apply`."""

    def __init__(self, index: int, table: str, row_id: str) -> None:
        super().__init__(table, row_id)
        self.index, self.table, self.row_id = index, table, row_id


@dataclass(frozen=True)
class Applied:
    changes: int
    through: int
    erased: tuple[str, ...]
    saved: bool = True  # False: nothing to write (the cursor to `through` is the caller's to keep)


_STATE_COLUMNS = ("device_id", "store_id", "central", "role_name", "store_code", "counter_code", "joined_at",
                  "pull_cursor", "audit_pushed_seq", "last_push_at", "last_pull_at", "offline_since", "last_error",
                  "conflicts", "attention")


def _wire(value: Any, current: Any) -> Any:
    """A value of `changes` as it travels: a blob's marker becomes its bytes (base64) read from the row."""
    if isinstance(value, dict) and "$blob" in value:
        if isinstance(current, (bytes, bytearray, memoryview)):
            return {"$b64": base64.b64encode(bytes(current)).decode()}
        return None
    return value


def _erases(changes: Sequence[Sequence[Any]]) -> bool:
    """Whether pulled changes hold a customer's erasure (central's tombstone: `erased_at` set)."""
    return any(str(c[2]) == "customers" and isinstance(c[5], dict) and bool(c[5].get("erased_at")) for c in changes)


def _column_value(value: Any) -> Any:
    """A travelling value as a column of the store file holds it."""
    if isinstance(value, dict):
        if "$b64" in value:
            return base64.b64decode(value["$b64"])
        return json.dumps(value)
    if isinstance(value, list):
        return json.dumps(value)
    return value


class SqliteSyncLocal:
    """The store file's sync side; each method opens and closes its own connection (thread-safe)."""

    def __init__(self, db: LocalDatabase) -> None:
        self._db = db
        self._columns: dict[str, list[str]] = {}

    def background(self) -> AbstractContextManager[None]:
        """Run the block as the sync worker: each step waits its turn after the counter (module docstring)."""
        return self._db.turns.background()

    def _turn(self) -> None:
        """On the worker's thread: wait until the counter has no unit of work open (a sale goes first)."""
        turns = self._db.turns
        if turns.in_background:
            turns.after_counter()

    def _connect(self) -> Any:
        """A connection of the store engine's pool (`close()` gives it back). Not a new one: opening the file
        costs the key and the schema's parse, ~0.3 ms idle and 6-10 ms on a busy machine, against ~0.3 ms for
        a pooled one, and a round reads the store a dozen times."""
        self._turn()
        return self._db.engine.raw_connection()

    @contextmanager
    def _writing(self, *, foreign_keys: bool = True) -> Iterator[Any]:
        """A write transaction of the sync side on a pooled connection: on the worker's thread begun after the
        counter's open units of work; committed without an fsync (see the module's docstring), rolled back on
        error. `foreign_keys=False`: central's order is the truth (see `apply`)."""
        conn = self._connect()
        try:
            conn.execute("PRAGMA synchronous = NORMAL")
            if not foreign_keys:
                conn.execute("PRAGMA foreign_keys = OFF")
            try:
                conn.execute("BEGIN IMMEDIATE")
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                conn.execute("PRAGMA synchronous = FULL")  # back to the pool as the counter's writes want it
                conn.execute("PRAGMA foreign_keys = ON")
        finally:
            conn.close()

    def _write_one(self, sql: str, params: Sequence[Any]) -> None:
        """One statement as its own transaction (autocommit), fsync-free like `_writing`: the write lock is
        held inside that one call into SQLite, never across a wait for Python's GIL or the CPU between two
        statements (on a busy machine those waits, not the rows, made a sale wait for the worker)."""
        conn = self._connect()
        try:
            conn.execute("PRAGMA synchronous = NORMAL")
            try:
                conn.execute(sql, params)
            finally:
                conn.execute("PRAGMA synchronous = FULL")
        finally:
            conn.close()

    # ------------------------------------------------------------ state

    def state(self) -> SyncState:
        conn = self._connect()
        try:
            row = conn.execute(f"SELECT {', '.join(_STATE_COLUMNS)} FROM sync_state WHERE id = 1").fetchone()
            store = conn.execute("SELECT id FROM stores ORDER BY created_at LIMIT 1").fetchone()
        finally:
            conn.close()
        values = dict(zip(_STATE_COLUMNS, row))
        values["store_id"] = values["store_id"] or (store[0] if store else None)
        return SyncState(**values)

    def waiting(self) -> int:
        """Outbox rows not pushed yet."""
        conn = self._connect()
        try:
            return int(conn.execute(f"SELECT count(*) FROM {_UNPUSHED} WHERE pushed_at IS NULL").fetchone()[0])
        finally:
            conn.close()

    def record(self, **values: Any) -> None:
        """Write `sync_state` columns (times as aware datetimes)."""
        if not values:
            return
        stored = {k: stored_time(v) if isinstance(v, dt.datetime) else v for k, v in values.items()}
        unknown = set(stored) - set(_STATE_COLUMNS)
        if unknown:
            raise ValueError(f"not a sync_state column: {sorted(unknown)}")
        self._write_one(f"UPDATE sync_state SET {', '.join(f'{k} = ?' for k in stored)} WHERE id = 1",
                        tuple(stored.values()))

    def set_stores(self, stores: Sequence[Mapping[str, str]]) -> None:
        wanted = sorted((s["id"], s["code"], s["name"]) for s in stores)
        if sorted(self.stores()) == wanted:
            return  # every round says hello: no write (and no wait for the write lock a sale may hold) when unchanged
        with self._writing() as conn:
            conn.execute("DELETE FROM sync_stores")
            conn.executemany("INSERT INTO sync_stores (id, code, name) VALUES (?, ?, ?)",
                             [(s["id"], s["code"], s["name"]) for s in stores])

    def stores(self) -> list[tuple[str, str, str]]:
        conn = self._connect()
        try:
            return [(str(r[0]), str(r[1]), str(r[2]))
                    for r in conn.execute("SELECT id, code, name FROM sync_stores ORDER BY code")]
        finally:
            conn.close()

    def set_terminal(self, code: str) -> None:
        """This counter's code as central gave it (S1-C2): the prefix of its sale numbers from now on."""
        self._set_counter_setting("terminal.code", code)

    def set_default_settings(self) -> None:
        """The store settings a store starts with, where central held none for this store (its first counter
        set up from the command line, or a store whose settings never changed since it joined). Written as this
        counter's own change (journaled), so the store's other counters get them too."""
        from pos_app.domain import store as store_rules

        defaults: dict[str, Any] = {"inventory.locations": list(store_rules.DEFAULT_LOCATIONS),
                                    "security.idle_lock_minutes": store_rules.DEFAULT_IDLE_LOCK_MINUTES}
        with self._db.unit_of_work() as uow:
            missing = {key: value for key, value in defaults.items() if uow.settings.get(key) is None}
            if not missing:
                return
            for key, value in missing.items():
                uow.settings.set(key, value)
            uow.commit()

    def _set_counter_setting(self, key: str, value: Any) -> None:
        """One of this counter's own settings (never synced)."""
        conn = self._db.connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                         (key, json.dumps(value), stored_time(utcnow())))
            conn.execute("COMMIT")
        finally:
            conn.close()

    def has_no_store(self) -> bool:
        conn = self._db.connect()
        try:
            return bool(conn.execute("SELECT count(*) FROM stores").fetchone()[0] == 0)
        finally:
            conn.close()

    def send_store_settings_once(self) -> int:
        """A store that joined its group before migration 0014 holds its store-wide settings in `store_settings`
        rows central never received (a migration does not journal): journal them whole, once, so the round that
        calls this pushes them and the store's other counters, and any counter that joins later, get them.
        Counters that joined or made their group since are marked sent when they did (`mark_store_settings_sent`)
        and send nothing. Returns the rows journaled."""
        conn = self._connect()
        try:
            if conn.execute("SELECT 1 FROM settings WHERE key = ?", (STORE_SETTINGS_SENT,)).fetchone() is not None:
                return 0
        finally:
            conn.close()
        with self._db.engine.connect() as connection, Session(bind=connection) as session:
            journal = Journal.of(session)
            conn = journal.connection()
            cursor = conn.execute("SELECT * FROM store_settings WHERE store_id = (SELECT store_id FROM sync_state "
                                  "WHERE id = 1) ORDER BY key")
            keys = [d[0] for d in cursor.description]
            rows = [dict(zip(keys, r)) for r in cursor.fetchall()]
            if rows:
                journal.inserted("store_settings", rows)
            conn.execute("INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES (?, 'true', ?)",
                         (STORE_SETTINGS_SENT, stored_time(utcnow())))
            session.commit()  # the rows and the mark together: sent once, never lost between the two
        if rows:
            log.info("journaled %d store settings set before this store's counters shared them", len(rows))
        return len(rows)

    def mark_store_settings_sent(self) -> None:
        """Central has this store's `store_settings` rows (this counter seeded central, or joined from its
        snapshot): `send_store_settings_once` has nothing to send."""
        self._set_counter_setting(STORE_SETTINGS_SENT, True)

    def seed_outbox(self, chunk: int = 5_000) -> int:
        """Central is new: every current row of every synced table, journaled as an insert to push (the
        history before is marked pushed: central starts from the store as it is). Returns the rows."""
        from pos_app.persistence.models import Base, Synced

        tables = [m.persist_selectable.description for m in Base.registry.mappers if issubclass(m.class_, Synced)]
        total = 0
        self.mark_pushed(2 ** 62)
        engine = self._db.engine
        for table in sorted(tables):
            with engine.connect() as connection, Session(bind=connection) as session:
                journal = Journal.of(session)
                conn = journal.connection()
                cursor = conn.execute(f"SELECT * FROM {table} ORDER BY rowid")
                keys = [d[0] for d in cursor.description]
                rows = [dict(zip(keys, r)) for r in cursor.fetchall()]
                for start in range(0, len(rows), chunk):
                    journal.inserted(table, rows[start:start + chunk])
                    session.commit()
                    conn = journal.connection()
                total += len(rows)
        self.mark_store_settings_sent()  # store_settings among them
        return total

    # ------------------------------------------------------------ pushing

    def outbox_batch(self, max_changes: int) -> list[dict[str, Any]]:
        """Whole unpushed local transactions, oldest first, about `max_changes` changes (at least one
        transaction): [{"tx": id, "changes": [{"seq", "table", "row", "op", "data"}, ...]}, ...]."""
        conn = self._connect()
        try:
            # In `seq` order, which is `device_seq` order (the journal inserts every row with the next of both,
            # and only updates rows after): the pushed_at index then yields the rows already ordered (its
            # entries end with the rowid `seq`), reading only this batch's rows instead of sorting every unpushed
            # row for each batch (an offline day's 80,000 rows: 40 full sorts).
            rows = conn.execute(
                f"SELECT device_seq, tx_id, table_name, row_id, op, changes FROM {_UNPUSHED} "
                "WHERE pushed_at IS NULL ORDER BY seq LIMIT ?", (max_changes + 1,)).fetchall()
            if len(rows) > max_changes:
                # End on a transaction boundary: drop the last, possibly partial, transaction (unless it is all).
                last_tx = rows[-1][1]
                whole = [r for r in rows if r[1] != last_tx]
                if whole:
                    rows = whole
                else:
                    rows = conn.execute(
                        f"SELECT device_seq, tx_id, table_name, row_id, op, changes FROM {_UNPUSHED} "
                        "WHERE pushed_at IS NULL AND tx_id = ? ORDER BY seq", (last_tx,)).fetchall()
            transactions: list[dict[str, Any]] = []
            pause = self._db.turns.pause_for_counter
            for seq, tx_id, table, row_id, op, changes in rows:
                pause()  # a sale began: it goes first (no write lock is held here)
                data = self._data(conn, table, row_id, op, changes)
                if transactions and transactions[-1]["tx"] == tx_id:
                    transactions[-1]["changes"].append(
                        {"seq": seq, "table": table, "row": row_id, "op": op, "data": data})
                else:
                    transactions.append({"tx": tx_id, "changes": [
                        {"seq": seq, "table": table, "row": row_id, "op": op, "data": data}]})
            return transactions
        finally:
            conn.close()

    def _data(self, conn: Any, table: str, row_id: str, op: str, changes: str | None) -> dict[str, Any] | None:
        if op == "delete":
            return None
        local = LOCAL_ONLY.get(table, frozenset())
        if changes is not None and '"$blob"' not in changes:
            # The common case (a sale's rows): no binary column to read from the row, values travel as stored.
            plain: dict[str, Any] = json.loads(changes)
            return {k: v for k, v in plain.items() if k not in local} if local else plain
        values: dict[str, Any] | None = json.loads(changes) if changes is not None else None
        needs_row = values is None or any(isinstance(v, dict) and "$blob" in v for v in values.values())
        current: dict[str, Any] = {}
        if needs_row:
            cursor = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
            found = cursor.fetchone()
            if found is not None:
                current = dict(zip([d[0] for d in cursor.description], found))
        if values is None:  # an outbox row from before changes were kept: the row as it is now
            values = {k: ({"$blob": {}} if isinstance(v, (bytes, bytearray, memoryview)) else v)
                      for k, v in current.items()}
        return {k: _wire(v, current.get(k)) for k, v in values.items() if k not in local}

    def resume_after(self, central_last: int) -> int:
        """Central has this device's changes up to `central_last`, yet this file numbers below it: the store
        was restored from an older backup. Every unpushed change is numbered after `central_last`, in its
        order (`journal.renumber_unpushed`), so none reuses a number central holds for another change
        (central recognizes the rows themselves by id). Returns how many were renumbered."""
        conn = self._connect()
        try:
            if (last_sequence(conn) or 0) >= central_last:
                return 0  # the usual case, read without taking the store's write lock
        finally:
            conn.close()
        with self._writing() as conn:
            return renumber_unpushed(conn, central_last)

    def mark_pushed(self, through_seq: int, *, at: dt.datetime | None = None) -> None:
        """Mark the unpushed rows up to `through_seq` pushed (central confirmed them), in one statement; with
        `at`, a second records it as the time of the last push (the round then needs no write of its own for
        it; apart, not atomic with the mark: the time is what the status shows, the mark what sync relies on)."""
        when = stored_time(at or utcnow())
        # The rows up to `through_seq` are the unpushed rows up to that row's `seq` (same order, see
        # outbox_batch): a range of the pushed_at index, not a check of every unpushed row.
        self._write_one(f"UPDATE {_UNPUSHED} SET pushed_at = ? WHERE pushed_at IS NULL AND seq <= "
                        "(SELECT seq FROM outbox WHERE device_seq <= ? ORDER BY device_seq DESC LIMIT 1)",
                        (when, through_seq))
        if at is not None:
            self._write_one("UPDATE sync_state SET last_push_at = ? WHERE id = 1", (when,))

    def resend(self, device_seq: int) -> int:
        """Journal again, whole and as they are now, the rows of this counter's transaction whose first change
        is `device_seq` (one central refused, that a manager has since fixed here): central never received
        them, so the next push sends them as inserts. Returns how many rows."""
        conn = self._db.connect()
        try:
            found = conn.execute("SELECT tx_id FROM outbox WHERE device_seq = ?", (device_seq,)).fetchone()
            targets = [] if found is None else [(str(t), str(r)) for t, r in conn.execute(
                "SELECT DISTINCT table_name, row_id FROM outbox WHERE tx_id = ? AND op != 'delete'", (found[0],))]
        finally:
            conn.close()
        total = 0
        with self._db.engine.connect() as connection, Session(bind=connection) as session:
            journal = Journal.of(session)
            conn = journal.connection()
            for table, row_id in targets:
                cursor = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
                keys = [d[0] for d in cursor.description]
                rows = [dict(zip(keys, r)) for r in cursor.fetchall()]
                if rows:
                    journal.inserted(table, rows)
                    total += len(rows)
            session.commit()
        return total

    def audit_after(self, seq: int, limit: int) -> list[dict[str, Any]]:
        """This counter's audit events after `seq`, as stored (each with its chain hashes)."""
        conn = self._connect()
        try:
            cursor = conn.execute("SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit))
            keys = [d[0] for d in cursor.description]
            return [dict(zip(keys, row)) for row in cursor]
        finally:
            conn.close()

    # ------------------------------------------------------------ pulling

    def _table_columns(self, conn: Any, table: str) -> list[str]:
        if table not in self._columns:
            self._columns[table] = [str(r[1]) for r in conn.execute(f"PRAGMA table_info({table})")]
        return self._columns[table]

    def apply(self, changes: Sequence[Sequence[Any]], through: int, *, own_device: str) -> Applied:
        """Write central's changes ([server_seq, device_id, table, row_id, op, data], in order) in one local
        transaction and move the pull cursor to `through`; all or nothing.

        A change that clashes with a row of this counter's own (the same SKU, barcode or sale number as a row
        central has not accepted yet) is never dropped: the changes before it are written, the cursor stops
        just before it, and `PullClash` says what to fix here; the next pull starts again from it."""
        new = self._new_changes(changes)
        if not new:
            # This counter's own changes coming back, as they are here: no write, so no wait for a sale.
            return Applied(changes=0, through=through, erased=(), saved=False)
        if _erases(new):
            new = list(changes)  # an erasure's page whole: `_drop_echoes` weighs what it journals against all of it
        try:
            applied = self._apply(new, through, own_device=own_device)
            return Applied(changes=len(changes), through=through, erased=applied.erased)
        except _Clash as clash:
            done = self._apply(new[:clash.index], int(new[clash.index - 1][0]), own_device=own_device) \
                if clash.index else None
            raise PullClash(
                f"a change from central ({clash.table} {clash.row_id}) clashes with a row of this counter's own "
                f"that central has not accepted (the same SKU, barcode or number): fix that row here "
                f"(pos-app sync conflicts lists it once pushed); {done.changes if done else 0} earlier changes "
                "were written, and the next sync takes up from this one") from None

    def load_snapshot(self, rows: Sequence[Sequence[Any]], cursor: int) -> int:
        """One page of central's current rows ([table, row id, data]) written into this joining counter's new
        store, with the pull cursor the snapshot was read at (a small snapshot, or a test's page): the same
        bulk load as `snapshot_load`, in one go. Returns the rows written."""
        with self.snapshot_load() as load:
            written = load.add(rows)
            load.finish(cursor)
        return written

    def snapshot_load(self) -> SnapshotLoad:
        """A bulk load of central's snapshot into this joining counter's new store file (see `SnapshotLoad`)."""
        return SnapshotLoad(self._db, self._table_columns)

    def _new_changes(self, changes: Sequence[Sequence[Any]]) -> list[Sequence[Any]]:
        """The changes of a page that are not here already as central has them (read without the store's write
        lock: the page's write then holds it for what is new only, mostly the other counters' changes, not this
        counter's own coming back). A change that is here already is kept when another change of the page to
        the same row is new (their order matters). Skipping one is safe: were the row changed here since this
        read, the changed columns are this counter's pending ones, which a pulled change never overwrites."""
        conn = self._connect()
        try:
            here: list[bool] = []
            pause = self._db.turns.pause_for_counter
            for _, _, table, row_id, op, data in changes:
                pause()  # a sale began: it goes first (no write lock is held here)
                here.append(self._already_here(conn, str(table), str(row_id), str(op), data))
        finally:
            conn.close()
        touched = {(str(c[2]), str(c[3])) for c, known in zip(changes, here) if not known}
        return [c for c, known in zip(changes, here) if not known or (str(c[2]), str(c[3])) in touched]

    def _already_here(self, conn: Any, table: str, row_id: str, op: str, data: Any) -> bool:
        if data is None and op != "delete":
            return True  # a cleared change (the row was erased since): nothing to write
        columns = self._table_columns(conn, table)
        if op == "delete" or not columns or not isinstance(data, dict):
            return False
        if table == "customers" and data.get("erased_at"):
            return False
        local = LOCAL_ONLY.get(table, frozenset())
        values = {k: _column_value(v) for k, v in data.items() if k in columns and k not in local}
        names = list(values) or ["id"]
        cursor = conn.execute(f"SELECT {', '.join(names)} FROM {table} WHERE id = ?", (row_id,))
        row = cursor.fetchone()
        if row is None:
            return False
        if table in FACTS and op == "insert":
            return True
        return all(values[k] == v for k, v in zip(names, row) if k in values)

    def _apply(self, changes: Sequence[Sequence[Any]], through: int, *, own_device: str) -> Applied:
        if _erases(changes):
            return self._apply_erasing(changes, through, own_device=own_device)
        # The usual page (sales, items, customers' edits): plain SQL in one short write, the journal not involved
        # (pulled changes are never journaled), so the write lock a sale may wait for is held for the rows only.
        with self._writing(foreign_keys=False) as conn:
            conn.execute("UPDATE sync_state SET applying = 1 WHERE id = 1")
            pending = self._pending(conn, changes)
            for index, change in enumerate(changes):
                try:
                    self._apply_one(conn, change, own_device, pending)
                except sqlcipher3.IntegrityError:
                    raise _Clash(index, str(change[2]), str(change[3])) from None
            conn.execute("UPDATE sync_state SET applying = 0, pull_cursor = ?, last_pull_at = ? WHERE id = 1",
                         (through, stored_time(utcnow())))
        return Applied(changes=len(changes), through=through, erased=())

    def _apply_erasing(self, changes: Sequence[Sequence[Any]], through: int, *, own_device: str) -> Applied:
        """A page with a customer's erasure: through a session, whose journal the local erasure writes to."""
        engine = self._db.engine
        with engine.connect() as connection:
            raw: Any = connection.connection.driver_connection
            raw.execute("PRAGMA foreign_keys = OFF")
            raw.execute("PRAGMA synchronous = NORMAL")  # see the module's docstring; FULL again below (pooled)
            self._turn()
            try:
                with Session(bind=connection) as session:
                    journal = Journal.of(session)
                    journal.silence()
                    conn = journal.connection()
                    conn.execute("UPDATE sync_state SET applying = 1 WHERE id = 1")
                    mark = journal.last_device_seq()
                    journal.unsilence()
                    try:
                        erased = self._erase_first(session, conn, changes)
                    finally:
                        journal.silence()
                    if erased:
                        self._drop_echoes(journal, changes, mark, erased)
                    pending = self._pending(conn, changes)
                    for index, change in enumerate(changes):
                        try:
                            self._apply_one(conn, change, own_device, pending)
                        except sqlcipher3.IntegrityError:
                            raise _Clash(index, str(change[2]), str(change[3])) from None
                    for customer_id in erased:
                        journal.scrubbed("customers", [customer_id])
                    conn.execute("UPDATE sync_state SET applying = 0, pull_cursor = ?, last_pull_at = ? WHERE id = 1",
                                 (through, stored_time(utcnow())))
                    session.commit()
            finally:
                raw.execute("PRAGMA foreign_keys = ON")
                raw.execute("PRAGMA synchronous = FULL")
        if erased:
            # As after a local erasure: no WAL frame or old page keeps the values erased here.
            self._db.scrub()
        return Applied(changes=len(changes), through=through, erased=tuple(erased))

    def _pending(self, conn: Any, changes: Sequence[Sequence[Any]]) -> dict[tuple[str, str], set[str]]:
        """The columns of pulled rows that this counter changed and has not pushed yet."""
        wanted = {(str(c[2]), str(c[3])) for c in changes if c[4] != "delete"}
        pending: dict[tuple[str, str], set[str]] = {}
        if not wanted:
            return pending
        by_table: dict[str, list[str]] = {}
        for table, row_id in wanted:
            by_table.setdefault(table, []).append(row_id)
        for table, ids in by_table.items():
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                for row_id, op, text_ in conn.execute(
                        f"SELECT row_id, op, changes FROM outbox WHERE pushed_at IS NULL AND table_name = ? "
                        f"AND row_id IN ({', '.join('?' * len(chunk))})", (table, *chunk)):
                    keys = pending.setdefault((table, str(row_id)), set())
                    if op == "insert" or text_ is None:
                        keys.add("*")
                    else:
                        keys.update(json.loads(text_))
        return pending

    def _drop_echoes(self, journal: Journal, changes: Sequence[Sequence[Any]], mark: int,
                     erased: Sequence[str]) -> None:
        """Keep, of what the erasure just journaled here (outbox rows after `mark`), only what central's
        changes do not already bring: rows this counter wrote about the customer that central's erasure never
        saw (a consent given here meanwhile, a sale to them) must be erased at central and everywhere too,
        but values central's changes set the same are central's. The erased customer's own row is central's
        too; what is kept travels with just its `erased_at` as central has it, so central handles the
        transaction as an erasure (no earlier change of those rows keeps what they held)."""
        final: dict[tuple[str, str], dict[str, Any] | None] = {}
        for change in changes:
            key = (str(change[2]), str(change[3]))
            if change[4] == "delete":
                final[key] = None
            else:
                final[key] = {**(final.get(key) or {}), **(change[5] or {})}
        kept = 0
        customer_rows: list[tuple[int, str]] = []
        for seq, table, row_id, op, written in journal.written_after(mark):
            key = (table, row_id)
            if table == "customers" and row_id in erased:
                customer_rows.append((seq, row_id))
            elif op == "delete" and key in final and final[key] is None:
                journal.retract(seq)
            elif op == "update" and written is not None and final.get(key):
                central = final[key] or {}
                values = {k: v for k, v in written.items() if k not in central or central[k] != v}
                if not values or set(values) <= {"updated_at"}:
                    journal.retract(seq)
                else:
                    journal.retract(seq, values)
                    kept += 1
            else:
                kept += 1
        for seq, customer_id in customer_rows:
            erased_at = (final.get(("customers", customer_id)) or {}).get("erased_at")
            if kept and erased_at:
                journal.connection().execute("UPDATE customers SET erased_at = ? WHERE id = ?",
                                             (erased_at, customer_id))
                journal.retract(seq, {"erased_at": erased_at})
            else:
                journal.retract(seq)

    def _erase_first(self, session: Session, conn: Any, changes: Sequence[Sequence[Any]]) -> list[str]:
        """Customers central says were erased and this file still holds: erased here first, as locally."""
        from pos_app.persistence.erasure_repo import ErasureRepo

        erased: list[str] = []
        for change in changes:
            table, row_id, data = change[2], str(change[3]), change[5]
            if table != "customers" or not isinstance(data, dict) or not data.get("erased_at"):
                continue
            row = conn.execute("SELECT erased_at FROM customers WHERE id = ?", (row_id,)).fetchone()
            if row is None or row[0] is not None or row_id in erased:
                continue
            repo = ErasureRepo(session)
            who = repo.identity(row_id)
            if who is not None:
                repo.erase(row_id, who, at=dt.datetime.now(dt.UTC))
            erased.append(row_id)
        return erased

    def _apply_one(self, conn: Any, change: Sequence[Any], own_device: str,
                   pending: Mapping[tuple[str, str], set[str]]) -> None:
        _, device_id, table, row_id, op, data = change
        table, row_id = str(table), str(row_id)
        columns = self._table_columns(conn, table)
        if not columns:
            return  # a table this file does not have
        if op == "delete":
            # Central's tombstone, of a fact too: only an erasure or a purge deletes one, and it must go here too.
            conn.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))
            return
        if data is None:
            return  # a row deleted since (an erasure): central cleared this change, and its tombstone follows
        mine = pending.get((table, row_id), set())
        if "*" in mine:
            return  # inserted here and not pushed yet: the row is this counter's own
        local = LOCAL_ONLY.get(table, frozenset())
        values = {k: _column_value(v) for k, v in (data or {}).items()
                  if k in columns and k not in local and k not in mine and k != "id"}
        exists = conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)).fetchone() is not None
        if exists:
            if table in FACTS and op == "insert":
                return
            if values:
                conn.execute(f"UPDATE {table} SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
                             (*values.values(), row_id))
            return
        if op != "insert":
            return  # an update of a row this counter never had (not given to it): nothing to change
        for column, default in STRIPPED_DEFAULTS.get(table, {}).items():
            values.setdefault(column, default)  # else INSERT OR IGNORE would drop the row without a word
        if table == "items":
            values["seq"] = int(conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM items").fetchone()[0])
        names = ["id", *values]
        conn.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
                     "ON CONFLICT (id) DO NOTHING", (row_id, *values.values()))



_NOT_HERE = object()


class SnapshotLoad:
    """Central's snapshot written in bulk into a joining counter's new store file, on one connection of its own.

    Roles: `add` writes a page of central's rows ([table, row id, data]), `finish` completes the file. The file
    is new and empty and nothing else has it open (`join_group` builds it apart, in a folder that is not a
    store yet), so the load trades the store's everyday safety for speed, and gives it back at `finish`:

    - no rollback journal on disk and no fsync (`journal_mode = MEMORY`, `synchronous = OFF`): a crash leaves
      a half-made file, which the join throws away whole; the store's WAL mode comes back at `finish`;
    - the file says it is not a Facet store (`application_id` 0) until `finish`, so a half-made file is refused
      by `open_database` wherever it is found;
    - every trigger and every index that is not a constraint is dropped before the first row and made again
      at `finish` from its own SQL, once: each index built by one sort instead of a random insert per row,
      the stock ledger's sums (`items.on_hand`) added up in one statement, the full-text index rebuilt in
      one (`'rebuild'`). Unique indexes and primary keys stay: central's rows still meet them.

    Like `apply`: nothing is journaled (raw connection), foreign keys wait for central's order, and
    `sync_state.applying` is set while the rows go in."""

    CACHE_KIB = 64 * 1024  # the page cache while loading (the join's memory budget is 300 MB in all)
    FINISH_CACHE_KIB = 8 * 1024  # and while the indexes are built (their sorts take memory of their own)

    def __init__(self, db: LocalDatabase, columns: Any) -> None:
        self._db = db
        self._columns = columns
        self._conn: Any = None
        self._indexes: list[tuple[str, str, str]] = []
        self._triggers: list[str] = []
        self._rows: dict[str, int] = {}
        self._next_seq = 1
        self._application_id = 0
        self._shapes: dict[tuple[Any, tuple[str, ...]], Any] = {}

    def __enter__(self) -> SnapshotLoad:
        self._db.dispose()  # no pooled connection may hold the file while its journal mode changes
        conn = self._conn = self._db.connect()
        try:
            conn.execute("PRAGMA journal_mode = MEMORY")
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute(f"PRAGMA cache_size = -{self.CACHE_KIB}")
            conn.execute("PRAGMA foreign_keys = OFF")
            conn.execute("BEGIN IMMEDIATE")
            self._application_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
            conn.execute("PRAGMA application_id = 0")
            self._indexes = [(str(n), str(t), str(q)) for n, t, q in conn.execute(
                "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                "AND upper(sql) NOT LIKE 'CREATE UNIQUE%' ORDER BY tbl_name, name")]
            # In the order they were made: SQLite fires a table's triggers newest first, and which guard speaks
            # first (a piece of another store before its on hand) must not change with a join.
            self._triggers = [str(q) for (q,) in conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' ORDER BY rowid")]
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
                conn.execute(f'DROP TRIGGER "{name}"')
            for name, _, _ in self._indexes:
                conn.execute(f'DROP INDEX "{name}"')
            conn.execute("UPDATE sync_state SET applying = 1 WHERE id = 1")
            self._next_seq = int(conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM items").fetchone()[0])
            conn.execute("COMMIT")
        except BaseException:
            self._close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._close()

    def _shape(self, table: str, keys: tuple[str, ...]) -> Any:
        """(the keys central sent that are this table's columns to write, the stripped columns central did not
        send and their defaults), or
        `_NOT_HERE` for a table this file does not have."""
        columns = self._columns(self._conn, table)
        if not columns:
            return _NOT_HERE
        local = LOCAL_ONLY.get(table, frozenset())
        names = tuple(k for k in keys if k in columns and k not in local and k != "id")
        stripped = [(k, v) for k, v in STRIPPED_DEFAULTS.get(table, {}).items() if k not in names]
        return names, tuple(k for k, _ in stripped), tuple(v for _, v in stripped)

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()

    def add(self, rows: Sequence[Sequence[Any]]) -> int:
        """One page of central's rows written in one transaction (one prepared INSERT per table and set of
        columns); returns the rows written. A row central holds only in part (an update of a row whose insert
        it refused) is named in the log (table and id, no values) and left out; the others go in."""
        conn = self._conn
        by_shape: dict[tuple[str, tuple[str, ...], tuple[str, ...]], list[list[Any]]] = {}
        shapes = self._shapes
        for table, row_id, data in rows:
            if not isinstance(data, dict):
                continue
            # Central's rows of one table almost always carry the same keys: what to keep of them, and the
            # defaults to add, are worked out once per table and set of keys, not for every row.
            sent = (table, tuple(data))
            shape = shapes.get(sent)
            if shape is None:
                shape = shapes[sent] = self._shape(str(table), sent[1])
            if shape is _NOT_HERE:
                continue
            names, stripped, defaults = shape
            values = [_column_value(v) if type(v) is dict or type(v) is list else v  # noqa: E721 - exact JSON types
                      for v in map(data.__getitem__, names)]
            if table == "items":
                values.append(self._next_seq)
                self._next_seq += 1
            by_shape.setdefault((str(table), names, stripped), []).append([str(row_id), *values, *defaults])
        written = 0
        conn.execute("BEGIN IMMEDIATE")
        try:
            for (table, names, stripped), batch in by_shape.items():
                cols = ("id", *names, *(("seq",) if table == "items" else ()), *stripped)
                sql = (f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
                       "ON CONFLICT (id) DO NOTHING")
                conn.execute("SAVEPOINT shape")
                try:
                    conn.executemany(sql, batch)
                    done = len(batch)
                except sqlcipher3.IntegrityError:
                    conn.execute("ROLLBACK TO shape")
                    done = 0
                    for one_row in batch:
                        try:
                            conn.execute(sql, one_row)
                            done += 1
                        except sqlcipher3.IntegrityError:
                            log.warning("join: central's %s row %s is incomplete; left out", table, one_row[0])
                conn.execute("RELEASE shape")
                written += done
                self._rows[table] = self._rows.get(table, 0) + done
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return written

    def finish(self, cursor: int, progress: Any = None) -> None:
        """Complete the file: the ledger's sums, every index and trigger made again, the full-text index
        rebuilt, the pull cursor the snapshot was read at, the store's own journal mode and identity back.
        `progress(done, total)` after each step, in units of rows the step went through."""
        conn = self._conn
        # Each index is built by a sort, and SQLCipher keeps a sort's temporary files in memory (unencrypted
        # temporary files would put the store's values on disk in the clear): the page cache makes room for it.
        conn.execute(f"PRAGMA cache_size = -{self.FINISH_CACHE_KIB}")
        steps = [(self._rows.get(table, 0), sql) for _, table, sql in self._indexes]
        # After the indexes: the ledger's sums per item and store (on hand, in transit), then this store's on
        # hand from them (db/versions/0016_stock_by_store.py says what each counts).
        steps.append((self._rows.get("stock_movements", 0), _STOCK_BY_STORE))
        steps.append((self._rows.get("items", 0), _ON_HAND_HERE))
        steps.append((self._rows.get("items", 0), "INSERT INTO items_fts (items_fts) VALUES ('rebuild')"))
        steps += [(0, sql) for sql in self._triggers]
        total = sum(weight + 1 for weight, _ in steps)
        done = 0
        conn.execute("BEGIN IMMEDIATE")
        try:
            for weight, sql in steps:
                conn.execute(sql)
                done += weight + 1
                if progress is not None:
                    progress(done, total)
            conn.execute("UPDATE sync_state SET applying = 0, pull_cursor = ? WHERE id = 1", (cursor,))
            conn.execute(f"PRAGMA application_id = {self._application_id}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("PRAGMA journal_mode = WAL")
        self._close()
