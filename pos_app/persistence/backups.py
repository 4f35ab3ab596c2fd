"""Backups of the store's file: made while the store is in use, checked, compared and restored.

A backup is a whole encrypted copy: with the store's own key (restorable
where this keyring is) or with a passphrase (restorable on any machine by
whoever knows it). `verify_backup` refuses what is not a readable Facet
store this build can use; `compare_backup` says what a restore would undo;
`restore_store` makes a safety copy first, then replaces the store's
content, re-encrypting a backup made with a passphrase or a retired key.
`LocalDatabase.backup_to`, `.compare_with` and `.restore_from`
(`persistence/database.py`) are the entry points; `move_aside` keeps an
unreadable store's files before a restore over it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlcipher3

from pos_app.persistence import schema
from pos_app.persistence.database import DatabaseTooNew, LocalDatabase, db_path, file_stamp, key_opens, migrate
from pos_app.persistence.sqlcipher import (
    APPLICATION_ID,
    DatabaseUnreadable,
    StoreProblem,
    application_id,
    connect,
)

if TYPE_CHECKING:
    from pos_app.domain.restore import RestoreUndo, TrailHead


class NotABackup(StoreProblem):
    pass


def backup_store(path: Path, key_hex: str, dest: Path, *, passphrase: str | None = None) -> Path:
    """Copy the store at `path` (opened with `key_hex`) to `dest` while it may be in use, encrypted with its
    own key or, when given, with `passphrase`; checked before it takes its name (`LocalDatabase.backup_to`)."""
    dest = dest.resolve()
    if dest.exists():
        raise StoreProblem(f"{dest} already exists; choose a new file name for the backup.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    source = connect(path, key_hex)
    try:
        if passphrase is None:
            target = connect(partial, key_hex, create=True)
            try:
                source.backup(target)
                target.execute("PRAGMA journal_mode = DELETE")
            finally:
                target.close()
        else:
            _export(source, partial, key_sql=_passphrase_sql(passphrase))
    finally:
        source.close()
    verify_backup(partial, key_hex=None if passphrase else key_hex, passphrase=passphrase)
    partial.replace(dest)
    return dest


def restore_store(db: LocalDatabase, key_hex: str, backup: Path, *, passphrase: str | None = None,
                  keep_dir: Path, older_keys: Sequence[str] = (), expect_head: TrailHead | None = None,
                  check_head: bool = False) -> Path:
    """Replace the content of `db` (whose key is `key_hex`) with a backup's; returns the safety copy made
    first. The contract is `LocalDatabase.restore_from`'s."""
    backup_key = None if passphrase else backup_key_for(backup, [key_hex, *older_keys])
    revision = verify_backup(backup, key_hex=backup_key, passphrase=passphrase)
    keep_dir.mkdir(parents=True, exist_ok=True)
    # Re-encrypt first (seconds on a big store): the safety copy and the swap then follow each other at
    # once, so nothing the counter writes can fall between them.
    staged = keep_dir / f"restore-{file_stamp()}.partial"
    if backup_key == key_hex:
        source = connect(backup, key_hex, inspect_only=True)
    else:
        staged.unlink(missing_ok=True)
        plain = (_open_with_passphrase(backup, passphrase) if passphrase is not None
                 else _open_with_key_sql(backup, f"\"x'{backup_key}'\""))
        try:
            _export(plain, staged, key_sql=f"\"x'{key_hex}'\"")
        finally:
            plain.close()
        source = connect(staged, key_hex)
    try:
        safety = db.backup_to(keep_dir / f"facet-before-restore-{file_stamp()}.db")
        if check_head:
            _check_head(safety, key_hex, expect_head)
    except BaseException:
        source.close()
        staged.unlink(missing_ok=True)
        raise
    db.dispose()
    live = db.connect()
    try:
        source.backup(live)
    finally:
        source.close()
        live.close()
    staged.unlink(missing_ok=True)
    if revision != schema.HEAD:
        migrate(db)
    _carry_numbers(db, safety, key_hex)
    _reset_audit_anchor(db)
    return safety


def _carry_numbers(db: LocalDatabase, before: Path, key_hex: str) -> None:
    """Numbers go on after the ones the replaced store gave: a sale or appraisal number printed on a paper a
    customer holds is never given again, and a synced counter never reuses a change number central holds
    (the journal's sequence). The restored rows stay as the backup had them."""
    from pos_app.persistence.journal import carry_sequence, last_sequence

    old = connect(before, key_hex, inspect_only=True)
    try:
        numbers = old.execute("SELECT name, next_value FROM number_sequences").fetchall()
        last_seq = last_sequence(old)
    finally:
        old.close()
    conn = db.connect()
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO number_sequences (name, next_value) VALUES (?, ?) ON CONFLICT (name) "
                         "DO UPDATE SET next_value = max(next_value, excluded.next_value)", numbers)
        if last_seq is not None:
            carry_sequence(conn, last_seq)
        conn.execute("COMMIT")
    finally:
        conn.close()


def _check_head(safety: Path, key_hex: str, expect_head: TrailHead | None) -> None:
    from pos_app.persistence.audit_queries import head

    conn = connect(safety, key_hex, inspect_only=True)
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


def _reset_audit_anchor(db: LocalDatabase) -> None:
    """The restored trail ends earlier than the anchor: follow it (the caller audits the restore)."""
    from pos_app.persistence.audit_queries import head

    conn = db.connect()
    try:
        db.audit_anchor.reset(head(conn))
    finally:
        conn.close()


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
    dest = keep_dir / f"facet-unreadable-before-restore-{file_stamp()}.db"
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
