"""The store's encrypted file: create it, open it (migrating if due), and the opened store (`LocalDatabase`).

`open_database` never creates a file and never writes to one it cannot fully
read: a missing file, a wrong key, a damaged file or a file from a newer
Facet each raise a `StoreProblem` with a message a person can act on. The
SQLAlchemy engine (for units of work) is built on first use, so showing the
first screen costs only the raw connection.

`LocalDatabase` is what the rest of Facet holds: its connections and units
of work, and the file's care, each done in its own module: backups, their
check and restore in `persistence/backups.py`; the scrub after an erasure,
compaction and the rekey in `persistence/maintenance.py`.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlcipher3

from pos_app.persistence import maintenance, schema
from pos_app.persistence.maintenance import COMPACT_BUDGET_S, COMPACT_STEP_PAGES, SCRUB_PATIENCE_S
from pos_app.persistence.sqlcipher import (
    APPLICATION_ID,
    DatabaseUnreadable,
    StoreProblem,
    application_id,
    check_key,
    connect,
)
from pos_app.persistence.write_turns import WriteTurns

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from pos_app.domain.restore import RestoreUndo, TrailHead
    from pos_app.persistence.audit_queries import AuditAnchor
    from pos_app.persistence.uow import SqlUnitOfWork

DB_NAME = "facet.db"
# The execution option that makes a unit of work's transaction a read (no write lock): see `make_engine`.
READING_OPTION = "facet_reading"


class StoreNotInitialized(StoreProblem):
    pass


class DatabaseTooNew(StoreProblem):
    pass


def db_path(data_dir: Path) -> Path:
    return data_dir / DB_NAME


def file_stamp() -> str:
    """The time in the name of a file Facet makes (a backup, a safety copy), UTC: 20261207-103000."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")


@dataclass
class LocalDatabase:
    """An opened store. Thread-safe to share: every caller gets its own connection."""

    path: Path
    _key_hex: str = field(repr=False)
    migrated_from: str | None = None
    backup_before_migration: Path | None = None
    turns: WriteTurns = field(default_factory=WriteTurns, repr=False, compare=False)
    """This process's turns at the write lock: the sync worker writes between the counter's transactions."""

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # Pretty printers (hypothesis's, IPython's) list a dataclass's fields themselves, `repr=False`
        # or not: give them the repr, which leaves the key out.
        printer.text(repr(self))

    def connect(self) -> Any:
        """A new raw DBAPI connection (autocommit); the caller closes it."""
        return connect(self.path, self._key_hex)

    @cached_property
    def engine(self) -> Engine:
        # The key is read at each new connection: after `rekey` the same engine opens with the new one.
        return make_engine(self.path, lambda: self._key_hex, self.turns)

    @cached_property
    def audit_anchor(self) -> AuditAnchor:
        """The audit trail's head, kept beside the file and signed with a key derived from this store's key."""
        from pos_app.persistence.audit_queries import ANCHOR_NAME, AuditAnchor, anchor_key

        return AuditAnchor(self.path.with_name(ANCHOR_NAME), anchor_key(self._key_hex))

    def unit_of_work(self) -> SqlUnitOfWork:
        from pos_app.persistence.uow import SqlUnitOfWork

        return SqlUnitOfWork(self.engine, self.audit_anchor, self.turns)

    def dispose(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()

    # -- upkeep (persistence/maintenance.py) --------------------------------------

    def scrub(self, *, patience_s: float = SCRUB_PATIENCE_S) -> bool:
        """Leave no old copy of erased rows in the file or its WAL, without holding up a sale; False when the
        store stayed too busy for `patience_s` (the next scrub finishes it). How: `maintenance.scrub`."""
        return maintenance.scrub(self.connect, patience_s=patience_s)

    def compact(self, *, budget_s: float = COMPACT_BUDGET_S, step_pages: int = COMPACT_STEP_PAGES) -> int:
        """Give free pages back to the file system in small steps, for an idle moment; returns how many pages
        were released. How: `maintenance.compact`."""
        return maintenance.compact(self.connect, budget_s=budget_s, step_pages=step_pages)

    def rekey(self, new_key_hex: str) -> None:
        """Re-encrypt the whole file with `new_key_hex` (SQLCipher's `PRAGMA rekey`), in one transaction.

        Needs the file to itself: it leaves WAL mode first, which SQLite refuses while another
        connection (another Facet window or counter) has the store open, and then nothing is changed.
        In rollback-journal mode the rekey is atomic: a crash leaves the file wholly in the old key.
        """
        from pos_app.persistence.audit_queries import anchor_key

        check_key(new_key_hex)
        self.dispose()
        maintenance.rekey_file(self.path, self._key_hex, new_key_hex)
        if not key_opens(self.path, new_key_hex):
            raise StoreProblem(f"After the rekey {self.path} does not open with the new key; restore the backup "
                               "taken before it.")
        # The same anchor object that units of work already made hold: from now on it signs with the new key.
        self.audit_anchor.resign(anchor_key(new_key_hex))
        self._key_hex = new_key_hex
        self.connect().close()  # back in WAL mode, under the new key

    # -- backups (persistence/backups.py) ------------------------------------------

    def backup_to(self, dest: Path, *, passphrase: str | None = None) -> Path:
        """Copy the store to `dest` while it may be in use, encrypted.

        Without a passphrase the copy is encrypted with the store's own key
        (restorable where this keyring is); with one, with that passphrase
        (restorable on any machine by whoever knows it).
        """
        from pos_app.persistence.backups import backup_store

        return backup_store(self.path, self._key_hex, dest, passphrase=passphrase)

    def compare_with(self, backup: Path, *, passphrase: str | None = None,
                     older_keys: Sequence[str] = ()) -> RestoreUndo:
        """What restoring `backup` would undo in this store (`persistence/restore_preview.py`); reads both."""
        from pos_app.persistence.backups import backup_key_sql, compare_backup

        return compare_backup(self.path, self._key_hex, backup,
                              backup_key_sql(backup, passphrase=passphrase, keys=[self._key_hex, *older_keys]))

    def restore_from(self, backup: Path, *, passphrase: str | None = None, keep_dir: Path,
                     older_keys: Sequence[str] = (), expect_head: TrailHead | None = None,
                     check_head: bool = False) -> Path:
        """Replace the store's content with a backup's; returns the safety copy made first.

        A backup encrypted with a key a rekey retired (`older_keys`) is re-encrypted with today's key,
        as one made with a passphrase is. With `check_head`, the store's audit trail must still end at
        `expect_head` once the safety copy is made (every sale writes an audit event): if a sale came in
        since the person confirmed what the restore undoes, nothing is replaced (StoreProblem).
        """
        from pos_app.persistence.backups import restore_store

        return restore_store(self, self._key_hex, backup, passphrase=passphrase, keep_dir=keep_dir,
                             older_keys=older_keys, expect_head=expect_head, check_head=check_head)


def make_engine(path: Path, key_hex: str | Callable[[], str], turns: WriteTurns | None = None) -> Engine:
    import sqlcipher3
    from sqlalchemy import URL, create_engine, event

    engine = create_engine(
        URL.create("sqlite", database=str(path)),
        module=sqlcipher3.dbapi2,
        creator=lambda: connect(path, key_hex() if callable(key_hex) else key_hex),
        # Errors must not carry row values into messages and logs: they may be
        # customers' personal data or staff's secret hashes.
        hide_parameters=True,
        pool_size=4,
        max_overflow=4,
    )

    @event.listens_for(engine, "begin")
    def _begin_immediate(conn: Any) -> None:
        # Take the write lock at BEGIN, not at the first write: two counters'
        # processes reading the audit chain's last hash cannot interleave.
        # A reading unit of work (`SqlUnitOfWork.reading`) takes none: a plain
        # BEGIN reads one consistent snapshot while sales go on.
        reading = conn.get_execution_options().get(READING_OPTION)
        if reading or turns is None:
            conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")
            return
        # Counted from before the BEGIN: a sale waiting for the lock is one the sync worker lets go first.
        key = _dbapi_key(conn)
        turns.opened(key)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            turns.closed(key)
            raise

    if turns is not None:
        # The write transaction's end, however it ends (a pooled connection given back mid-transaction is
        # rolled back on check-in): the sync worker waiting for its turn goes on (`WriteTurns`).
        @event.listens_for(engine, "commit")
        @event.listens_for(engine, "rollback")
        def _ended(conn: Any) -> None:
            turns.closed(_dbapi_key(conn))

        @event.listens_for(engine, "checkin")
        def _returned(dbapi_connection: Any, record: Any) -> None:
            turns.closed(id(dbapi_connection))

    return engine


def _dbapi_key(conn: Any) -> int:
    """Which DB-API connection an engine connection runs on (0 once it is invalidated: nothing is open)."""
    try:
        return id(conn.connection.dbapi_connection)
    except Exception:  # noqa: BLE001 - a closed or invalidated connection; check-in clears its turn
        return 0


def key_opens(path: Path, key_hex: str) -> bool:
    """Whether `key_hex` opens the file at `path` (read only; the file is not changed)."""
    try:
        connect(path, key_hex, inspect_only=True).close()
    except DatabaseUnreadable:
        return False
    return True


def create_database(data_dir: Path, key_hex: str) -> LocalDatabase:
    """Make a new, empty store with the whole schema. Refuses if one exists."""
    check_key(key_hex)
    path = db_path(data_dir)
    for existing in (path, path.with_name(path.name + "-wal")):
        if existing.exists():
            raise StoreProblem(f"A store already exists at {path}; it was left untouched.")
    data_dir.mkdir(parents=True, exist_ok=True)
    conn = connect(path, key_hex, create=True)
    try:
        # Before the first table: free pages can then be given back in small steps (`compact`), never
        # by a VACUUM that holds the store for seconds.
        conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        conn.execute("VACUUM")  # the WAL header is written already; on an empty file this applies it at once
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    finally:
        conn.close()
    db = LocalDatabase(path, key_hex)
    try:
        from pos_app.persistence.migrations import upgrade

        upgrade(db.engine)
    except BaseException:
        db.dispose()
        remove_store_files(path)
        raise
    return db


def remove_store_files(path: Path) -> None:
    """Delete a store file Facet itself just created (a failed first run)."""
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def open_database(data_dir: Path, key_hex: str | None, *, allow_migration: bool = True) -> LocalDatabase:
    """Open the existing store in `data_dir`, migrating it (after a backup) if it is older."""
    path = db_path(data_dir)
    if not path.exists():
        raise StoreNotInitialized(f"No Facet store in {data_dir}. Run 'pos-app init' (or 'pos-app init --demo').")
    if key_hex is None:
        raise DatabaseUnreadable(
            f"The key for {path} is not in the keyring. The file was left as it is: "
            "restore the key, or restore a backup made with --passphrase."
        )
    conn = connect(path, key_hex)
    try:
        if application_id(conn) != APPLICATION_ID:
            raise StoreProblem(f"{path} is not a Facet store; it was left untouched.")
        revision = schema.current_revision(conn)
    except sqlcipher3.OperationalError:
        raise
    except sqlcipher3.DatabaseError:
        raise DatabaseUnreadable(
            f"Cannot read {path}: the file is damaged. The file was left as it is; restore a backup."
        ) from None
    finally:
        conn.close()
    if revision not in schema.REVISIONS:
        raise DatabaseTooNew(
            f"{path} was written by a newer version of Facet (schema {revision}). "
            "Install that version or newer; the file was left untouched."
        )
    db = LocalDatabase(path, key_hex)
    if revision != schema.HEAD:
        if not allow_migration:
            raise StoreProblem(f"{path} needs a schema upgrade from {revision}.")
        try:
            migrate(db, from_revision=revision)
        except StoreProblem:
            db.dispose()
            raise
        except Exception as exc:
            db.dispose()  # no pooled connection left holding the file
            backup = db.backup_before_migration
            raise StoreProblem(
                f"Upgrading {path} from schema {revision} failed ({type(exc).__name__}: {exc}). The upgrade was "
                "rolled back" + (f"; a copy from before it is at {backup}." if backup else ".")
            ) from exc
    return db


def migrate(db: LocalDatabase, *, from_revision: str | None = None) -> None:
    from pos_app.persistence.migrations import upgrade

    backups = db.path.parent / "backups"
    db.backup_before_migration = db.backup_to(backups / f"facet-before-migration-{from_revision}-{file_stamp()}.db")
    db.migrated_from = from_revision
    upgrade(db.engine)


def copy_store(src_dir: Path, dest_dir: Path) -> None:
    """Copy a closed store's files, its audit anchor with them (tests and benchmarks use it to clone a
    template): a copy without the anchor would fail its audit check, as the store it came from would."""
    from pos_app.persistence.audit_queries import ANCHOR_NAME

    dest_dir.mkdir(parents=True, exist_ok=True)
    for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm", ANCHOR_NAME):
        source = src_dir / name
        if source.exists():
            shutil.copy2(source, dest_dir / name)
