"""The store's encrypted file: create, open (migrating if due), back up, restore.

`open_database` never creates a file and never writes to one it cannot fully
read: a missing file, a wrong key, a damaged file or a file from a newer
Facet each raise a `StoreProblem` with a message a person can act on. The
SQLAlchemy engine (for units of work) is built on first use, so showing the
first screen costs only the raw connection.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlcipher3

from pos_app.persistence import schema
from pos_app.persistence.sqlcipher import (
    APPLICATION_ID,
    DatabaseUnreadable,
    StoreProblem,
    application_id,
    check_key,
    connect,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from pos_app.domain.restore import RestoreUndo, TrailHead
    from pos_app.persistence.audit_queries import AuditAnchor
    from pos_app.persistence.uow import SqlUnitOfWork

DB_NAME = "facet.db"
# How long a scrub keeps trying to empty the WAL while the store is busy, and how often.
SCRUB_PATIENCE_S = 10.0
SCRUB_RETRY_S = 0.02
# Compaction: pages given back per step (each step one short write transaction), and time allowed a run.
COMPACT_STEP_PAGES = 64
COMPACT_BUDGET_S = 30.0
AUTO_VACUUM_INCREMENTAL = 2
PAGE_SIZE, WAL_HEADER, WAL_FRAME_HEADER = 4096, 32, 24
# The execution option that makes a unit of work's transaction a read (no write lock): see `make_engine`.
READING_OPTION = "facet_reading"


class StoreNotInitialized(StoreProblem):
    pass


class DatabaseTooNew(StoreProblem):
    pass


class NotABackup(StoreProblem):
    pass


def db_path(data_dir: Path) -> Path:
    return data_dir / DB_NAME


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")


@dataclass
class LocalDatabase:
    """An opened store. Thread-safe to share: every caller gets its own connection."""

    path: Path
    _key_hex: str = field(repr=False)
    migrated_from: str | None = None
    backup_before_migration: Path | None = None

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
        return make_engine(self.path, lambda: self._key_hex)

    @cached_property
    def audit_anchor(self) -> AuditAnchor:
        """The audit trail's head, kept beside the file and signed with a key derived from this store's key."""
        from pos_app.persistence.audit_queries import ANCHOR_NAME, AuditAnchor, anchor_key

        return AuditAnchor(self.path.with_name(ANCHOR_NAME), anchor_key(self._key_hex))

    def unit_of_work(self) -> SqlUnitOfWork:
        from pos_app.persistence.uow import SqlUnitOfWork

        return SqlUnitOfWork(self.engine, self.audit_anchor)

    def dispose(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()

    def scrub(self, *, patience_s: float = SCRUB_PATIENCE_S) -> bool:
        """Leave no old copy of erased rows in the file or its WAL, without holding up a sale.

        Every connection deletes securely (`PRAGMA secure_delete`, set in `sqlcipher.connect`): a deleted
        or rewritten row's old bytes are zeroed in its page, and a freed page is zeroed before it joins
        the free list. What is left is the WAL, which still holds the pages as they were before the
        erasure until they are copied back and the WAL starts over. So, until it works or `patience_s`
        runs out:

        1. a PASSIVE checkpoint copies the WAL's pages into the file while sales go on (it takes no write
           lock; it cannot finish while a reader still uses an older snapshot);
        2. once every frame is copied, a write transaction that changes nothing (`busy_timeout = 0`:
           tried, never waited for) starts the WAL over from its beginning, and every connection's
           `journal_size_limit = 0` (`sqlcipher.connect`) truncates the file to that transaction's own
           few frames at its commit; a sale that commits first does the same.
        3. The WAL then holds only pages written after the erasure: done.

        No TRUNCATE checkpoint, which holds the write lock while it copies and syncs the file, and no
        VACUUM, which held it for the seconds a whole-file rewrite takes (17 to 20 s at 860 MB): free
        pages are zeroed already, and shrinking the file is `compact`'s job, a few pages at a time.

        True when the WAL was emptied of older frames; False when the store stayed too busy (a report
        kept an old snapshot open): the next scrub, or the daily retention run's, finishes it.
        """
        conn = self.connect()
        try:
            conn.execute("PRAGMA busy_timeout = 0")
            deadline = time.monotonic() + patience_s
            while True:
                _busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                if frames == copied and (frames <= 0 or self._restart_wal(conn)):
                    return True
                if time.monotonic() >= deadline:
                    return False
                time.sleep(SCRUB_RETRY_S)
        finally:
            conn.close()

    @staticmethod
    def _restart_wal(conn: Any) -> bool:
        """After a complete checkpoint: commit a transaction that rewrites one row as it is, which starts the
        WAL over and (journal_size_limit = 0) truncates it to its own frames. True when the WAL holds no
        more than those frames afterwards."""
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlcipher3.OperationalError:
            return False  # a sale is writing: it restarts the WAL itself, or the next try does
        try:
            conn.execute("UPDATE alembic_version SET version_num = version_num")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        _busy, frames, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        wal = Path(str(conn.execute("PRAGMA database_list").fetchone()[2]) + "-wal")
        size = wal.stat().st_size if wal.exists() else 0
        return size <= WAL_HEADER + max(int(frames), 0) * (PAGE_SIZE + WAL_FRAME_HEADER)

    def compact(self, *, budget_s: float = COMPACT_BUDGET_S, step_pages: int = COMPACT_STEP_PAGES) -> int:
        """Give free pages back to the file system in small steps; returns how many pages were released.

        Only a store in incremental auto-vacuum mode can (new stores are made so; an older store keeps
        its free pages, zeroed, for reuse). Each step is its own short write transaction of
        `PRAGMA incremental_vacuum(step_pages)`, tried with `busy_timeout = 0` so it never waits holding
        anything: a sale that wants the lock gets it between steps. Stops after `budget_s` seconds or when
        no free page is left. Meant for an idle moment (the daily retention run), not after each erasure.
        """
        conn = self.connect()
        released = 0
        try:
            if int(conn.execute("PRAGMA auto_vacuum").fetchone()[0]) != AUTO_VACUUM_INCREMENTAL:
                return 0
            conn.execute("PRAGMA busy_timeout = 0")
            deadline = time.monotonic() + budget_s
            while time.monotonic() < deadline:
                free = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
                if free == 0:
                    break
                try:
                    conn.execute(f"PRAGMA incremental_vacuum({min(step_pages, free)})").fetchall()
                except sqlcipher3.OperationalError:
                    time.sleep(SCRUB_RETRY_S)  # a sale is writing: let it finish
                    continue
                released += free - int(conn.execute("PRAGMA freelist_count").fetchone()[0])
                time.sleep(0)  # let a waiting writer take the lock between steps
        finally:
            conn.close()
        return released

    def rekey(self, new_key_hex: str) -> None:
        """Re-encrypt the whole file with `new_key_hex` (SQLCipher's `PRAGMA rekey`), in one transaction.

        Needs the file to itself: it leaves WAL mode first, which SQLite refuses while another
        connection (another Facet window or counter) has the store open, and then nothing is changed.
        In rollback-journal mode the rekey is atomic: a crash leaves the file wholly in the old key.
        """
        check_key(new_key_hex)
        self.dispose()
        conn = self.connect()
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            try:
                mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
            except sqlcipher3.OperationalError:
                mode = "wal"
            if str(mode).lower() != "delete":
                raise StoreProblem(
                    "Facet is open elsewhere (another window, counter or command), so the key cannot be changed "
                    "now. Close it there and try again; nothing was changed.")
            conn.execute(f"PRAGMA rekey = \"x'{new_key_hex}'\"").fetchall()
        finally:
            conn.close()
        if not key_opens(self.path, new_key_hex):
            raise StoreProblem(f"After the rekey {self.path} does not open with the new key; restore the backup "
                               "taken before it.")
        from pos_app.persistence.audit_queries import anchor_key

        # The same anchor object that units of work already made hold: from now on it signs with the new key.
        self.audit_anchor.resign(anchor_key(new_key_hex))
        self._key_hex = new_key_hex
        self.connect().close()  # back in WAL mode, under the new key

    # -- backups -----------------------------------------------------------------

    def backup_to(self, dest: Path, *, passphrase: str | None = None) -> Path:
        """Copy the store to `dest` while it may be in use, encrypted.

        Without a passphrase the copy is encrypted with the store's own key
        (restorable where this keyring is); with one, with that passphrase
        (restorable on any machine by whoever knows it).
        """
        dest = dest.resolve()
        if dest.exists():
            raise StoreProblem(f"{dest} already exists; choose a new file name for the backup.")
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(dest.name + ".partial")
        partial.unlink(missing_ok=True)
        source = self.connect()
        try:
            if passphrase is None:
                target = connect(partial, self._key_hex, create=True)
                try:
                    source.backup(target)
                    target.execute("PRAGMA journal_mode = DELETE")
                finally:
                    target.close()
            else:
                _export(source, partial, key_sql=_passphrase_sql(passphrase))
        finally:
            source.close()
        verify_backup(partial, key_hex=None if passphrase else self._key_hex, passphrase=passphrase)
        partial.replace(dest)
        return dest

    def compare_with(self, backup: Path, *, passphrase: str | None = None,
                     older_keys: Sequence[str] = ()) -> RestoreUndo:
        """What restoring `backup` would undo in this store (`persistence/restore_preview.py`); reads both."""
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
        backup_key = None if passphrase else backup_key_for(backup, [self._key_hex, *older_keys])
        revision = verify_backup(backup, key_hex=backup_key, passphrase=passphrase)
        keep_dir.mkdir(parents=True, exist_ok=True)
        # Re-encrypt first (seconds on a big store): the safety copy and the swap then follow each other at
        # once, so nothing the counter writes can fall between them.
        staged = keep_dir / f"restore-{_stamp()}.partial"
        if backup_key == self._key_hex:
            source = connect(backup, self._key_hex, inspect_only=True)
        else:
            staged.unlink(missing_ok=True)
            plain = (_open_with_passphrase(backup, passphrase) if passphrase is not None
                     else _open_with_key_sql(backup, f"\"x'{backup_key}'\""))
            try:
                _export(plain, staged, key_sql=f"\"x'{self._key_hex}'\"")
            finally:
                plain.close()
            source = connect(staged, self._key_hex)
        try:
            safety = self.backup_to(keep_dir / f"facet-before-restore-{_stamp()}.db")
            if check_head:
                self._check_head(safety, expect_head)
        except BaseException:
            source.close()
            staged.unlink(missing_ok=True)
            raise
        self.dispose()
        live = self.connect()
        try:
            source.backup(live)
        finally:
            source.close()
            live.close()
        staged.unlink(missing_ok=True)
        if revision != schema.HEAD:
            migrate(self)
        self._reset_audit_anchor()
        return safety

    def _check_head(self, safety: Path, expect_head: TrailHead | None) -> None:
        from pos_app.persistence.audit_queries import head

        conn = connect(safety, self._key_hex, inspect_only=True)
        try:
            kept = head(conn)
        finally:
            conn.close()
        now = (kept.seq, kept.hash) if kept else None
        confirmed = (expect_head.seq, expect_head.hash) if expect_head else None
        if now != confirmed:
            safety.unlink(missing_ok=True)
            raise StoreProblem("The store changed after you confirmed what the restore undoes (a sale at another "
                               "counter?). Nothing was replaced: look at the list again and confirm it.")

    def _reset_audit_anchor(self) -> None:
        """The restored trail ends earlier than the anchor: follow it (the caller audits the restore)."""
        from pos_app.persistence.audit_queries import head

        conn = self.connect()
        try:
            self.audit_anchor.reset(head(conn))
        finally:
            conn.close()


def make_engine(path: Path, key_hex: str | Callable[[], str]) -> Engine:
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
        conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

    return engine


def backup_key_sql(backup: Path, *, passphrase: str | None, keys: Sequence[str]) -> str:
    """The SQLCipher KEY clause value that opens `backup`: its passphrase, or the first of `keys` that does."""
    if passphrase is not None:
        return _passphrase_sql(passphrase)
    return f"\"x'{backup_key_for(backup, keys)}'\""


def compare_backup(path: Path, key_hex: str | None, backup: Path, key_sql: str) -> RestoreUndo:
    """What restoring `backup` over the store at `path` would undo; `readable=False` (and why) when that store
    cannot be read: no key, another key, a damaged or foreign file. Writes to neither."""
    from pos_app.domain.restore import RestoreUndo
    from pos_app.persistence.restore_preview import compare

    if key_hex is None:
        return RestoreUndo(readable=False, problem="its key is not in the keyring")
    try:
        conn = connect(path, key_hex, inspect_only=True)
    except StoreProblem:
        return RestoreUndo(readable=False, problem="the key in the keyring does not open it, or it is damaged")
    try:
        if application_id(conn) != APPLICATION_ID:
            return RestoreUndo(readable=False, problem="it is not a Facet store")
        return compare(conn, backup, key_sql)
    except sqlcipher3.OperationalError:
        raise
    except sqlcipher3.DatabaseError:
        return RestoreUndo(readable=False, problem="part of it is damaged")
    finally:
        conn.close()


def move_aside(data_dir: Path, keep_dir: Path) -> Path:
    """Move an unreadable store's files (and its audit anchor) into `keep_dir` as they are; returns the store
    file's new path. Nothing is deleted: a damaged file may still be repaired by someone who can."""
    keep_dir.mkdir(parents=True, exist_ok=True)
    path = db_path(data_dir)
    dest = keep_dir / f"facet-unreadable-before-restore-{_stamp()}.db"
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            source.replace(dest.with_name(dest.name + suffix))
    from pos_app.persistence.audit_queries import ANCHOR_NAME

    anchor = data_dir / ANCHOR_NAME
    if anchor.exists():
        anchor.replace(dest.with_name(dest.name + "." + ANCHOR_NAME))
    return dest


def _passphrase_sql(passphrase: str) -> str:
    if not passphrase:
        raise StoreProblem("The backup passphrase is empty.")
    return "'" + passphrase.replace("'", "''") + "'"


def _open_with_passphrase(path: Path, passphrase: str) -> Any:
    return _open_with_key_sql(path, _passphrase_sql(passphrase))


def _open_with_key_sql(path: Path, key_sql: str) -> Any:
    conn = sqlcipher3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = {key_sql}")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError:
        conn.close()
        raise NotABackup(f"{path} is not a Facet backup, or the passphrase is wrong.") from None
    return conn


def _export(source: Any, target_path: Path, *, key_sql: str) -> None:
    """Copy every table of `source` into a new file encrypted with `key_sql`."""
    source.execute(f"ATTACH DATABASE ? AS export KEY {key_sql}", (str(target_path),))
    try:
        source.execute("SELECT sqlcipher_export('export')").fetchone()
        source.execute(f"PRAGMA export.application_id = {APPLICATION_ID}")
    finally:
        source.execute("DETACH DATABASE export")


def key_opens(path: Path, key_hex: str) -> bool:
    """Whether `key_hex` opens the file at `path` (read only; the file is not changed)."""
    try:
        connect(path, key_hex, inspect_only=True).close()
    except DatabaseUnreadable:
        return False
    return True


def backup_key_for(path: Path, keys: Sequence[str]) -> str:
    """The first of `keys` that opens the backup at `path`; the first key when none does (the check
    that follows says what is wrong with the file)."""
    if path.is_file():
        for key in keys:
            if key_opens(path, key):
                return key
    return keys[0]


def verify_backup(path: Path, *, key_hex: str | None, passphrase: str | None = None) -> str:
    """Check `path` is a readable Facet store this build can use; returns its revision."""
    if not path.is_file():
        raise NotABackup(f"{path} does not exist.")
    try:
        if key_hex:
            conn = connect(path, key_hex, inspect_only=True)
        else:
            conn = _open_with_passphrase(path, passphrase or "")
    except DatabaseUnreadable:
        raise NotABackup(
            f"{path} is not a Facet backup, or it was made with another store's key "
            "(a backup made with --passphrase needs that passphrase)."
        ) from None
    try:
        if application_id(conn) != APPLICATION_ID:
            raise NotABackup(f"{path} is a database, but not a Facet store or backup.")
        revision = schema.current_revision(conn)
        if revision is None:
            raise NotABackup(f"{path} has no Facet schema.")
        if revision not in schema.REVISIONS:
            raise DatabaseTooNew(f"{path} comes from a newer Facet (schema {revision}); update Facet first.")
        if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise NotABackup(f"{path} is damaged (SQLite's integrity check failed).")
        return revision
    except sqlcipher3.OperationalError:
        raise
    except sqlcipher3.DatabaseError:
        # A damaged page past the first: SQLite says "malformed" when it reads it.
        raise NotABackup(f"{path} is damaged (SQLite cannot read part of it).") from None
    finally:
        conn.close()


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
    db.backup_before_migration = db.backup_to(backups / f"facet-before-migration-{from_revision}-{_stamp()}.db")
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
