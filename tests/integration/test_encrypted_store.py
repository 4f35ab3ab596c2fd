"""The store's file is encrypted as a whole, and a file Facet cannot use is refused clearly, untouched."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlcipher3

from pos_app import app
from pos_app.adapters.secrets import KeyringSecrets, database_key_name
from pos_app.doctor import examine
from pos_app.domain.permissions import Role
from pos_app.persistence import schema
from pos_app.persistence.backups import NotABackup, verify_backup
from pos_app.persistence.database import (
    DatabaseTooNew,
    StoreNotInitialized,
    copy_store,
    create_database,
    db_path,
    open_database,
)
from pos_app.persistence.sqlcipher import (
    APPLICATION_ID,
    DatabaseUnreadable,
    StoreProblem,
    application_id,
    connect,
    new_key,
)
from pos_app.services import inventory
from pos_app.services.ports.customers import NewCustomer
from tests.conftest import actor_for

SQLITE_HEADER = b"SQLite format 3\x00"



def key_of(data_dir: Path) -> str:
    key = KeyringSecrets().get(database_key_name(data_dir))
    assert key is not None
    return key


def snapshot(data_dir: Path) -> dict[str, tuple[str, int]]:
    """Every file in the folder: its SHA-256 and mtime (nanoseconds)."""
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(data_dir.iterdir()) if p.is_file()
    }


def damage(path: Path, offset: int, length: int = 64) -> None:
    data = bytearray(path.read_bytes())
    data[offset:offset + length] = bytes((b ^ 0x5A) for b in data[offset:offset + length])
    path.write_bytes(bytes(data))


# ---------------------------------------------------------------- encryption at rest


def test_store_file_and_wal_hold_no_plaintext_titles_or_customer_emails(demo_facet: app.Facet) -> None:
    conn = demo_facet.connection()
    try:
        emails = [r[0] for r in conn.execute("SELECT email FROM customers")]
        titles = [r[0] for r in conn.execute("SELECT title FROM items WHERE title LIKE '%Necklace%'")]
    finally:
        conn.close()
    assert emails and all(e.endswith("@example.com") for e in emails)
    assert titles, "the demo has titles with 'Necklace' to look for"

    # Write while the store is open, so the newest pages sit in the -wal file.
    manager = actor_for(demo_facet, Role.MANAGER)
    inventory.receive_new_item(
        {"sku": "WAL-1", "style": "halo", "title": "Wal Check Halo Necklace", "metal": "platinum",
         "price": "1500.00", "tracking": "unique", "location": "Case 1"},
        uow=demo_facet.uow(), actor=manager,
    )
    with demo_facet.uow() as uow:
        uow.customers.add(NewCustomer(first_name="Wal", last_name="Check", email="wal.check@example.com",
                                      phone=None))
        uow.commit()

    data_dir = demo_facet.data_dir
    main = db_path(data_dir).read_bytes()
    wal = db_path(data_dir).with_name("facet.db-wal").read_bytes()
    assert len(wal) > 0, "the write above should still be in the WAL"
    for blob in (main, wal):
        assert b"@example.com" not in blob
        assert b"Necklace" not in blob
        assert b"Wal Check" not in blob
    assert not main.startswith(SQLITE_HEADER)


def test_the_plaintext_search_would_find_the_text_in_an_unencrypted_copy(demo_dir: Path, tmp_path: Path) -> None:
    """Guards the test above: the same byte search finds the text once the file is decrypted."""
    plain = tmp_path / "plain.db"
    conn = connect(db_path(demo_dir), key_of(demo_dir))
    try:
        conn.execute("ATTACH DATABASE ? AS plaintext KEY ''", (str(plain),))
        conn.execute("SELECT sqlcipher_export('plaintext')").fetchone()
        conn.execute("DETACH DATABASE plaintext")
    finally:
        conn.close()
    blob = plain.read_bytes()
    assert blob.startswith(SQLITE_HEADER)
    assert b"@example.com" in blob
    assert b"Necklace" in blob


def test_store_runs_in_wal_mode_with_foreign_keys_on(demo_facet: app.Facet) -> None:
    conn = demo_facet.connection()
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert application_id(conn) == APPLICATION_ID
        with pytest.raises(sqlcipher3.IntegrityError, match="FOREIGN KEY"):
            conn.execute(
                "INSERT INTO stock_movements (id, item_id, kind, quantity, reason, terminal, created_at, updated_at) "
                "VALUES ('x', 'no-such-item', 'receive', 1, '', 'C1', '2026-01-01', '2026-01-01')"
            )
    finally:
        conn.close()
    # The SQLAlchemy engine's connections get the same settings.
    with demo_facet.db.engine.connect() as sa_conn:
        assert sa_conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert sa_conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


# ---------------------------------------------------------------- refusing what cannot be used


def test_wrong_key_fails_clearly_and_leaves_the_file_unchanged(demo_dir: Path) -> None:
    before = snapshot(demo_dir)
    with pytest.raises(DatabaseUnreadable) as raised:
        open_database(demo_dir, new_key())
    message = str(raised.value)
    assert str(db_path(demo_dir)) in message
    assert "key does not open it" in message
    assert "left as it is" in message
    assert snapshot(demo_dir) == before


def test_wrong_key_in_the_keyring_fails_when_the_app_opens_the_store(demo_dir: Path) -> None:
    KeyringSecrets().set(database_key_name(demo_dir), new_key())
    before = snapshot(demo_dir)
    with pytest.raises(DatabaseUnreadable, match="key does not open it"):
        app.open_facet(demo_dir)
    assert snapshot(demo_dir) == before


def test_missing_key_fails_clearly_and_leaves_the_file_unchanged(demo_dir: Path) -> None:
    KeyringSecrets().delete(database_key_name(demo_dir))
    before = snapshot(demo_dir)
    with pytest.raises(DatabaseUnreadable) as raised:
        app.open_facet(demo_dir)
    assert "not in the keyring" in str(raised.value)
    assert "left as it is" in str(raised.value)
    assert snapshot(demo_dir) == before


def test_a_key_that_is_not_64_hex_characters_is_refused_before_touching_the_file(demo_dir: Path) -> None:
    before = snapshot(demo_dir)
    with pytest.raises(DatabaseUnreadable, match="not 64 hex characters"):
        open_database(demo_dir, "not-a-key")
    assert snapshot(demo_dir) == before


def test_missing_store_raises_store_not_initialized_and_creates_no_file(tmp_path: Path) -> None:
    absent = tmp_path / "never-created"
    with pytest.raises(StoreNotInitialized, match="pos-app init"):
        open_database(absent, new_key())
    assert not absent.exists()

    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(StoreNotInitialized):
        open_database(empty, new_key())
    assert list(empty.iterdir()) == []


def test_raw_connect_without_create_never_makes_a_file(tmp_path: Path) -> None:
    path = tmp_path / "facet.db"
    with pytest.raises(DatabaseUnreadable, match="Cannot open"):
        connect(path, new_key())
    assert list(tmp_path.iterdir()) == []


def test_create_database_refuses_when_a_store_exists(demo_dir: Path) -> None:
    before = snapshot(demo_dir)
    with pytest.raises(StoreProblem, match="already exists"):
        create_database(demo_dir, key_of(demo_dir))
    assert snapshot(demo_dir) == before


def test_create_database_refuses_when_only_a_wal_file_is_left(tmp_path: Path) -> None:
    (tmp_path / "facet.db-wal").write_bytes(b"left over")
    with pytest.raises(StoreProblem, match="already exists"):
        create_database(tmp_path, new_key())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["facet.db-wal"]


def test_file_from_a_newer_schema_is_refused_as_too_new_and_left_untouched(demo_dir: Path) -> None:
    key = key_of(demo_dir)
    conn = connect(db_path(demo_dir), key)
    try:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    before = snapshot(demo_dir)
    with pytest.raises(DatabaseTooNew) as raised:
        open_database(demo_dir, key)
    assert "9999" in str(raised.value)
    assert "newer version of Facet" in str(raised.value)
    assert snapshot(demo_dir) == before
    assert not (demo_dir / "backups").exists(), "no migration backup for a file Facet cannot migrate"
    with pytest.raises(DatabaseTooNew):
        verify_backup(db_path(demo_dir), key_hex=key)
    assert schema.HEAD != "9999"


def test_a_sqlcipher_file_without_facets_mark_is_not_taken_for_a_store(tmp_path: Path) -> None:
    key = new_key()
    conn = connect(db_path(tmp_path), key, create=True)
    try:
        conn.execute("CREATE TABLE notes (text TEXT)")
    finally:
        conn.close()
    before = snapshot(tmp_path)
    with pytest.raises(StoreProblem, match="not a Facet store"):
        open_database(tmp_path, key)
    assert snapshot(tmp_path) == before


def test_damaged_header_is_a_clear_store_problem_and_the_file_is_left_as_it_is(demo_dir: Path) -> None:
    damage(db_path(demo_dir), 40)
    before = snapshot(demo_dir)
    with pytest.raises(StoreProblem, match="damaged"):
        open_database(demo_dir, key_of(demo_dir))
    assert snapshot(demo_dir) == before


def test_damaged_schema_page_is_a_clear_store_problem_not_a_driver_error(demo_dir: Path) -> None:
    # Page 3 holds part of the schema Facet reads when it opens the store (page 2 is the pointer map of
    # incremental auto-vacuum, which opening does not read).
    damage(db_path(demo_dir), 2 * 4096 + 500)
    before = snapshot(demo_dir)
    with pytest.raises(StoreProblem, match="damaged"):
        open_database(demo_dir, key_of(demo_dir))
    assert snapshot(demo_dir) == before
    with pytest.raises(NotABackup, match="damaged"):
        verify_backup(db_path(demo_dir), key_hex=key_of(demo_dir))


@pytest.mark.parametrize("where", [0.5, 0.9])
def test_damage_in_the_middle_of_a_copy_is_found_by_the_backup_check_and_by_doctor(
        demo_template: tuple[Path, str], tmp_path: Path, where: float) -> None:
    """Opening reads only the first pages (start-up stays fast); the full checks read them all."""
    folder, key = demo_template
    copy = tmp_path / "copy"
    copy_store(folder, copy)
    path = db_path(copy)
    damage(path, int(path.stat().st_size * where) // 4096 * 4096 + 100)
    with pytest.raises(NotABackup, match="damaged"):
        verify_backup(path, key_hex=key)

    KeyringSecrets().set(database_key_name(copy), key)
    report = examine(copy)
    assert report["ok"] is False
    assert any("integrity" in p or "damaged" in p for p in report["problems"]), report["problems"]


def test_doctor_reports_a_damaged_schema_page_as_a_problem(demo_dir: Path) -> None:
    damage(db_path(demo_dir), 4096 + 500)
    report = examine(demo_dir)
    assert report["ok"] is False
    assert report["problems"]


def test_a_copy_of_the_store_needs_the_key_to_be_read(demo_dir: Path, tmp_path: Path) -> None:
    """Copying the file to another folder does not copy its key: the copy cannot be opened without it."""
    elsewhere = tmp_path / "stolen"
    elsewhere.mkdir()
    shutil.copy2(db_path(demo_dir), db_path(elsewhere))
    with pytest.raises(DatabaseUnreadable, match="not in the keyring"):
        app.open_facet(elsewhere)
    with pytest.raises(sqlite3.DatabaseError):
        plain = sqlite3.connect(db_path(elsewhere))
        try:
            plain.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            plain.close()
    assert os.path.getsize(db_path(elsewhere)) == os.path.getsize(db_path(demo_dir))


def test_the_key_shows_in_no_repr_nor_in_a_failing_property_tests_report(demo_facet) -> None:  # type: ignore[no-untyped-def]
    from hypothesis.vendor.pretty import pretty

    key = demo_facet.db._key_hex
    assert key not in repr(demo_facet.db) and key not in pretty(demo_facet.db) and key not in pretty(demo_facet)
