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

    from pos_app.persistence.audit_queries import AuditAnchor
    from pos_app.persistence.uow import SqlUnitOfWork

DB_NAME = "facet.db"


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

    def scrub(self) -> bool:
        """Leave no old copy of erased rows in the file: write the WAL back and empty it, rebuild the file
        without free pages (VACUUM), and empty the WAL again. False when another connection kept a read
        open and part of the WAL could not be emptied yet (the next checkpoint does it)."""
        conn = self.connect()
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            conn.execute("VACUUM")
            busy, frames, done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            free = conn.execute("PRAGMA freelist_count").fetchone()[0]
        finally:
            conn.close()
        return busy == 0 and frames == done and free == 0

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

    def restore_from(self, backup: Path, *, passphrase: str | None = None, keep_dir: Path,
                     older_keys: Sequence[str] = ()) -> Path:
        """Replace the store's content with a backup's; returns the safety copy made first.

        A backup encrypted with a key a rekey retired (`older_keys`) is re-encrypted with today's key,
        as one made with a passphrase is.
        """
        backup_key = None if passphrase else backup_key_for(backup, [self._key_hex, *older_keys])
        revision = verify_backup(backup, key_hex=backup_key, passphrase=passphrase)
        safety = self.backup_to(keep_dir / f"facet-before-restore-{_stamp()}.db")
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
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


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
