"""Backups are encrypted, consistent while the store is in use, and restore only real Facet backups."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from pos_app import app
from pos_app.adapters.secrets import KeyringSecrets, database_key_name
from pos_app.domain.permissions import Role
from pos_app.persistence import schema
from pos_app.persistence.backups import NotABackup, verify_backup
from pos_app.persistence.database import db_path
from pos_app.persistence.sqlcipher import APPLICATION_ID, StoreProblem, connect, new_key
from pos_app.services import inventory
from tests.conftest import actor_for

PASSPHRASE = "correct horse battery staple"



def key_of(data_dir: Path) -> str:
    key = KeyringSecrets().get(database_key_name(data_dir))
    assert key is not None
    return key


def restore(data_dir: Path, backup: Path, *, passphrase: str | None = None) -> Path | None:
    """Restore as a person would: look at what it undoes, accept it; returns the copy kept of the old store."""
    preview = app.preview_restore(data_dir, backup, passphrase=passphrase)
    return app.restore_store(data_dir, backup, passphrase=passphrase, confirmed=preview.undo).kept


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def receive(facet: app.Facet, sku: str, title: str = "Backup Test Halo Necklace") -> str:
    record = inventory.receive_new_item(
        {"sku": sku, "style": "halo", "title": title, "metal": "platinum", "price": "999.00",
         "tracking": "unique", "location": "Case 1"},
        uow=facet.uow(), actor=actor_for(facet, Role.MANAGER),
    )
    return record.id


def contents(path: Path, key: str) -> dict[str, object]:
    """What a store or backup file holds, read through its key."""
    conn = connect(path, key)
    try:
        return {
            "skus": [r[0] for r in conn.execute("SELECT sku FROM items ORDER BY sku")],
            "movements": conn.execute("SELECT count(*), sum(quantity) FROM stock_movements").fetchone(),
            "customers": conn.execute("SELECT count(*) FROM customers").fetchone()[0],
            "audit": conn.execute("SELECT count(*), max(hash) FROM audit_events").fetchone(),
        }
    finally:
        conn.close()


def assert_no_plaintext(path: Path) -> None:
    blob = path.read_bytes()
    assert not blob.startswith(b"SQLite format 3")
    assert b"@example.com" not in blob
    assert b"Necklace" not in blob


# ---------------------------------------------------------------- backing up


def test_backup_while_another_connection_holds_a_read_transaction(demo_facet: app.Facet, tmp_path: Path) -> None:
    reader = demo_facet.connection()
    try:
        reader.execute("BEGIN")
        items = reader.execute("SELECT count(*) FROM items").fetchone()[0]
        dest = demo_facet.db.backup_to(tmp_path / "during-read.db")
        assert reader.in_transaction
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    key = key_of(demo_facet.data_dir)
    assert verify_backup(dest, key_hex=key) == schema.HEAD
    assert len(contents(dest, key)["skus"]) == items  # type: ignore[arg-type]
    assert not dest.with_name(dest.name + ".partial").exists()


def test_backup_taken_during_an_uncommitted_write_holds_only_committed_data(
        demo_facet: app.Facet, tmp_path: Path) -> None:
    writer = demo_facet.connection()
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE items SET title = 'Uncommitted Title' WHERE sku = (SELECT min(sku) FROM items)")
        dest = demo_facet.db.backup_to(tmp_path / "during-write.db")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    conn = connect(dest, key_of(demo_facet.data_dir))
    try:
        assert conn.execute("SELECT count(*) FROM items WHERE title = 'Uncommitted Title'").fetchone()[0] == 0
    finally:
        conn.close()


def test_backup_is_encrypted_with_the_store_key_and_verifies(demo_facet: app.Facet, tmp_path: Path) -> None:
    dest = demo_facet.db.backup_to(tmp_path / "backups" / "backup.db")
    assert_no_plaintext(dest)
    key = key_of(demo_facet.data_dir)
    assert verify_backup(dest, key_hex=key) == schema.HEAD
    with pytest.raises(NotABackup, match="another store's key"):
        verify_backup(dest, key_hex=new_key())
    with pytest.raises(NotABackup):
        verify_backup(dest, key_hex=None, passphrase=PASSPHRASE)
    # A backup is a single self-contained file: no journal left beside it.
    assert sorted(p.name for p in dest.parent.iterdir()) == ["backup.db"]


def test_checking_and_restoring_a_backup_never_write_to_it(demo_dir: Path, tmp_path: Path) -> None:
    facet = app.open_facet(demo_dir)
    try:
        backup = facet.db.backup_to(tmp_path / "backup.db")
    finally:
        facet.close()
    conn = connect(backup, key_of(demo_dir), inspect_only=True)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete", "a backup is one self-contained file"
    finally:
        conn.close()
    before = (digest(backup), backup.stat().st_mtime_ns)
    verify_backup(backup, key_hex=key_of(demo_dir))
    restore(demo_dir, backup)
    assert (digest(backup), backup.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["backup.db"]
    # The restored store is back in WAL mode when opened.
    facet = app.open_facet(demo_dir)
    try:
        conn = facet.connection()
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        conn.close()
    finally:
        facet.close()


def test_backup_refuses_to_overwrite_an_existing_file(demo_facet: app.Facet, tmp_path: Path) -> None:
    existing = tmp_path / "taken.db"
    existing.write_bytes(b"precious")
    with pytest.raises(StoreProblem, match="already exists"):
        demo_facet.db.backup_to(existing)
    assert existing.read_bytes() == b"precious"


def test_passphrase_backup_is_encrypted_with_the_passphrase_not_the_store_key(
        demo_facet: app.Facet, tmp_path: Path) -> None:
    dest = demo_facet.db.backup_to(tmp_path / "portable.db", passphrase=PASSPHRASE)
    assert_no_plaintext(dest)
    assert verify_backup(dest, key_hex=None, passphrase=PASSPHRASE) == schema.HEAD
    with pytest.raises(NotABackup, match="passphrase"):
        verify_backup(dest, key_hex=key_of(demo_facet.data_dir))
    with pytest.raises(NotABackup, match="passphrase is wrong"):
        verify_backup(dest, key_hex=None, passphrase="not the passphrase")


# ---------------------------------------------------------------- restoring


def test_restore_brings_back_the_backup_and_keeps_the_replaced_store_aside(demo_dir: Path, tmp_path: Path) -> None:
    key = key_of(demo_dir)
    facet = app.open_facet(demo_dir)
    try:
        backup = facet.db.backup_to(tmp_path / "before-new-item.db")
        receive(facet, "AFTER-BACKUP-1")
    finally:
        facet.close()
    changed = contents(db_path(demo_dir), key)
    assert "AFTER-BACKUP-1" in changed["skus"]  # type: ignore[operator]

    safety = restore(demo_dir, backup)

    assert safety is not None and safety.parent == demo_dir / "backups"
    assert safety.name.startswith("facet-before-restore-")
    assert verify_backup(safety, key_hex=key) == schema.HEAD
    assert contents(safety, key) == changed
    restored = contents(db_path(demo_dir), key)
    assert restored == contents(backup, key)
    assert "AFTER-BACKUP-1" not in restored["skus"]  # type: ignore[operator]
    facet = app.open_facet(demo_dir)
    try:
        assert facet.store.inventory.lookup_code("AFTER-BACKUP-1") is None
    finally:
        facet.close()


def test_restore_of_a_passphrase_backup_into_the_same_store(demo_dir: Path, tmp_path: Path) -> None:
    key = key_of(demo_dir)
    facet = app.open_facet(demo_dir)
    try:
        backup = facet.db.backup_to(tmp_path / "portable.db", passphrase=PASSPHRASE)
        receive(facet, "AFTER-BACKUP-2")
    finally:
        facet.close()
    safety = restore(demo_dir, backup, passphrase=PASSPHRASE)
    assert safety is not None and "AFTER-BACKUP-2" in contents(safety, key)["skus"]  # type: ignore[operator]
    assert "AFTER-BACKUP-2" not in contents(db_path(demo_dir), key)["skus"]  # type: ignore[operator]
    assert key_of(demo_dir) == key
    assert not list((demo_dir / "backups").glob("*.partial")), "the staged copy is cleaned up"


def _plain_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE items (sku TEXT)")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.commit()
    conn.close()


def _random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(64 * 1024))


def _sqlcipher_other_key(path: Path) -> None:
    conn = connect(path, new_key(), create=True)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
    conn.execute("INSERT INTO alembic_version VALUES (?)", (schema.HEAD,))
    conn.close()


def _empty_file(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize("make", [_plain_sqlite, _random_bytes, _sqlcipher_other_key, _empty_file],
                         ids=["plain-sqlite", "random-bytes", "sqlcipher-other-key", "empty-file"])
def test_restore_refuses_a_file_that_is_not_a_facet_backup_and_leaves_the_store_unchanged(
        demo_dir: Path, tmp_path: Path, make: Callable[[Path], None]) -> None:
    bogus = tmp_path / "bogus.db"
    make(bogus)
    bogus_bytes = bogus.read_bytes()
    before = digest(db_path(demo_dir))
    with pytest.raises(NotABackup):
        app.restore_store(demo_dir, bogus)
    assert digest(db_path(demo_dir)) == before
    assert not (demo_dir / "backups").exists(), "nothing was set aside: nothing was replaced"
    assert bogus.read_bytes() == bogus_bytes


def test_restore_refuses_a_same_key_database_that_is_not_a_facet_store(demo_dir: Path, tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.db"
    conn = connect(foreign, key_of(demo_dir), create=True)
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.close()
    before = digest(db_path(demo_dir))
    with pytest.raises(NotABackup, match="not a Facet store"):
        app.restore_store(demo_dir, foreign)
    assert digest(db_path(demo_dir)) == before


def test_restore_refuses_a_missing_backup_file(demo_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(NotABackup, match="does not exist"):
        app.restore_store(demo_dir, tmp_path / "nowhere.db")


# ---------------------------------------------------------------- moving to another machine


def test_passphrase_backup_restores_into_a_fresh_data_folder_on_another_machine(
        demo_dir: Path, tmp_path: Path) -> None:
    facet = app.open_facet(demo_dir)
    try:
        backup = facet.db.backup_to(tmp_path / "move.db", passphrase=PASSPHRASE)
        original_counts = facet.store.directory.counts()
    finally:
        facet.close()
    original = contents(db_path(demo_dir), key_of(demo_dir))

    other = tmp_path / "other-machine" / "facet-data"
    keyring = KeyringSecrets()
    assert keyring.get(database_key_name(other)) is None

    assert restore(other, backup, passphrase=PASSPHRASE) is None

    new_key_hex = keyring.get(database_key_name(other))
    assert new_key_hex is not None and new_key_hex != key_of(demo_dir)
    assert contents(db_path(other), new_key_hex) == original
    assert_no_plaintext(db_path(other))
    moved = app.open_facet(other)
    try:
        assert moved.store.directory.counts() == original_counts
        assert moved.profile.name == "Jane Ellen"
    finally:
        moved.close()


def test_on_another_machine_a_wrong_passphrase_is_refused_and_creates_nothing(
        demo_facet: app.Facet, tmp_path: Path) -> None:
    backup = demo_facet.db.backup_to(tmp_path / "move.db", passphrase=PASSPHRASE)
    other = tmp_path / "other-machine"
    with pytest.raises(NotABackup, match="passphrase"):
        app.restore_store(other, backup, passphrase="wrong passphrase")
    assert not db_path(other).exists()
    assert KeyringSecrets().get(database_key_name(other)) is None


def test_on_another_machine_a_backup_made_without_a_passphrase_cannot_be_restored(
        demo_facet: app.Facet, tmp_path: Path) -> None:
    backup = demo_facet.db.backup_to(tmp_path / "keyed.db")
    other = tmp_path / "other-machine"
    with pytest.raises(NotABackup, match="passphrase"):
        app.restore_store(other, backup)
    assert not db_path(other).exists()
