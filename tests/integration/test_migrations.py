"""Alembic migrations on the encrypted file: the schema they build, and upgrading an older store."""

from __future__ import annotations

import ast
import json
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from pos_app import app, paths
from pos_app.adapters.secrets import KeyringSecrets, database_key_name
from pos_app.domain.items import item_fields
from pos_app.domain.permissions import Role
from pos_app.persistence import migrations, schema
from pos_app.persistence.backups import verify_backup
from pos_app.persistence.database import create_database, db_path, open_database
from pos_app.persistence.models import Base
from pos_app.persistence.sqlcipher import StoreProblem, connect, new_key
from pos_app.services import inventory
from tests.conftest import actor_for


def env_include_object() -> Callable[..., bool]:
    """`include_object` exactly as db/env.py defines it (env.py itself only runs inside Alembic)."""
    tree = ast.parse((paths.migrations() / "env.py").read_text(encoding="utf-8"))
    wanted = [
        node for node in tree.body
        if (isinstance(node, ast.FunctionDef) and node.name == "include_object")
        or (isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "FTS_TABLES" for t in node.targets))
    ]
    assert len(wanted) == 2, "db/env.py should define FTS_TABLES and include_object"
    namespace: dict[str, Any] = {}
    exec(compile(ast.Module(body=wanted, type_ignores=[]), "db/env.py", "exec"), namespace)  # noqa: S102 - our own file
    return namespace["include_object"]  # type: ignore[no-any-return]


def schema_differences(connection: Any) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"include_object": env_include_object(), "compare_type": True, "render_as_batch": True})
    return list(compare_metadata(context, Base.metadata))


# ---------------------------------------------------------------- the schema


def test_known_revisions_match_the_migration_scripts() -> None:
    assert list(schema.REVISIONS) == migrations.script_revisions()
    assert schema.HEAD == schema.REVISIONS[-1]


def test_models_match_what_the_migrations_build(tmp_path: Path) -> None:
    db = create_database(tmp_path, new_key())
    try:
        with db.engine.connect() as connection:
            assert schema_differences(connection) == []
            # The comparison does see a difference when there is one.
            connection.exec_driver_sql("DROP INDEX ix_items_title_sku_seq")
            assert any("ix_items_title_sku_seq" in str(diff) for diff in schema_differences(connection))
            connection.rollback()
    finally:
        db.dispose()


def test_a_new_store_is_at_the_newest_revision(tmp_path: Path) -> None:
    key = new_key()
    create_database(tmp_path, key).dispose()
    conn = connect(db_path(tmp_path), key)
    try:
        assert schema.current_revision(conn) == schema.HEAD
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 1
    finally:
        conn.close()


def _search_skus(facet: app.Facet, text: str) -> set[str]:
    return {row.sku for row in facet.store.inventory.search(text, limit=1000)}


def _fts_integrity_ok(facet: app.Facet) -> None:
    conn = facet.connection()
    try:
        # For an external-content table this compares the index with the items table.
        conn.execute("INSERT INTO items_fts(items_fts, rank) VALUES ('integrity-check', 1)")
    finally:
        conn.close()


def test_full_text_index_follows_items_when_they_are_added_changed_and_deleted(demo_facet: app.Facet) -> None:
    manager = actor_for(demo_facet, Role.MANAGER)
    record = inventory.receive_new_item(
        {"sku": "FTS-1", "style": "halo", "title": "Zephyrine Halo Necklace", "metal": "platinum",
         "price": "2400.00", "tracking": "counted", "quantity": "0", "location": "Case 3",
         "description": "with a quokka clasp"},
        uow=demo_facet.uow(), actor=manager,
    )
    assert _search_skus(demo_facet, "zephyr") == {"FTS-1"}
    assert _search_skus(demo_facet, "quokka") == {"FTS-1"}
    _fts_integrity_ok(demo_facet)

    fields = item_fields(record.spec)
    fields.update(title="Marigold Halo Necklace", description="plain", sku="FTS-2")
    inventory.update_item(record.id, fields, uow=demo_facet.uow(), actor=manager)
    assert _search_skus(demo_facet, "zephyr") == set()
    assert _search_skus(demo_facet, "quokka") == set()
    assert _search_skus(demo_facet, "marigold") == {"FTS-2"}
    assert _search_skus(demo_facet, "FTS-2") == {"FTS-2"}
    _fts_integrity_ok(demo_facet)

    conn = demo_facet.connection()
    try:
        conn.execute("DELETE FROM outbox WHERE row_id = ?", (record.id,))
        conn.execute("DELETE FROM items WHERE id = ?", (record.id,))
    finally:
        conn.close()
    assert _search_skus(demo_facet, "marigold") == set()
    _fts_integrity_ok(demo_facet)


# ---------------------------------------------------------------- upgrading an older store

# A revision this build does not know yet, on top of its newest one: what the
# next release of Facet will bring to a store made by this one.
CURRENT = schema.HEAD
CURRENT_REVISIONS = list(schema.REVISIONS)
NEXT = "9001"

REVISION_NEXT = '''
"""Test revision: engraving text on items and a gift card table.

Revision ID: NEXT
Revises: CURRENT
"""

from alembic import op
import sqlalchemy as sa

revision = "NEXT"
down_revision = "CURRENT"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("engraving", sa.String(length=60), nullable=True))
    op.create_table(
        "gift_cards",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("balance_cents", sa.Integer(), nullable=False),
    )
    op.execute("UPDATE items SET engraving = 'none'")
    FAIL_HERE


def downgrade() -> None:
    op.drop_table("gift_cards")
    op.drop_column("items", "engraving")
'''


@pytest.fixture
def with_next_revision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[bool], Path]:
    """Make this build know one more revision (a copy of db/ with one more script)."""

    def install(fails: bool = False) -> Path:
        folder = tmp_path / "db-with-next"
        shutil.copytree(paths.migrations(), folder, ignore=shutil.ignore_patterns("demo", "__pycache__"))
        body = REVISION_NEXT.replace(
            "    FAIL_HERE\n", "    raise RuntimeError('migration 9001 failed half-way')\n" if fails else "")
        body = body.replace("NEXT", NEXT).replace("CURRENT", CURRENT)
        (folder / "versions" / "9001_engraving_and_gift_cards.py").write_text(textwrap.dedent(body), encoding="utf-8")
        monkeypatch.setattr(paths, "migrations", lambda: folder)
        monkeypatch.setattr(schema, "REVISIONS", (*schema.REVISIONS, NEXT))
        monkeypatch.setattr(schema, "HEAD", NEXT)
        return folder

    return install


def _store_state(data_dir: Path, key: str) -> dict[str, Any]:
    conn = connect(db_path(data_dir), key)
    try:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(items)")]
        return {
            "revision": schema.current_revision(conn),
            "items": conn.execute("SELECT sku, title, price_cents FROM items ORDER BY sku").fetchall(),
            "movements": conn.execute("SELECT count(*), sum(quantity) FROM stock_movements").fetchone(),
            "audit": conn.execute("SELECT max(seq), hash FROM audit_events").fetchone(),
            "customers": conn.execute("SELECT count(*) FROM customers").fetchone()[0],
            "engraving": "engraving" in columns,
            "gift_cards": conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'gift_cards'").fetchone()[0] == 1,
        }
    finally:
        conn.close()


def test_older_store_is_backed_up_then_migrated_with_its_data_intact(
        demo_dir: Path, with_next_revision: Callable[[bool], Path]) -> None:
    key = KeyringSecrets().get(database_key_name(demo_dir))
    assert key is not None
    before = _store_state(demo_dir, key)
    assert before["revision"] == CURRENT and not before["engraving"]

    with_next_revision(False)
    assert migrations.script_revisions() == [*CURRENT_REVISIONS, NEXT]
    db = open_database(demo_dir, key)
    db.dispose()

    assert db.migrated_from == CURRENT
    backup = db.backup_before_migration
    assert backup is not None and backup.exists()
    assert backup.parent == demo_dir / "backups"
    assert backup.name.startswith(f"facet-before-migration-{CURRENT}-")
    assert verify_backup(backup, key_hex=key) == CURRENT
    assert not backup.read_bytes().startswith(b"SQLite format 3")

    after = _store_state(demo_dir, key)
    assert after["revision"] == NEXT
    assert after["engraving"] and after["gift_cards"]
    for name in ("items", "movements", "audit", "customers"):
        assert after[name] == before[name], name

    # The backup is the store as it was: the old schema, the same data.
    backup_dir = demo_dir.parent / "from-backup"
    backup_dir.mkdir()
    shutil.copy2(backup, db_path(backup_dir))
    kept = _store_state(backup_dir, key)
    assert kept["revision"] == CURRENT and not kept["engraving"]
    assert kept["items"] == before["items"]

    # Opening again does not migrate (or back up) a second time.
    again = open_database(demo_dir, key)
    again.dispose()
    assert again.migrated_from is None
    assert len(list((demo_dir / "backups").iterdir())) == 1


def test_the_app_opens_an_older_store_through_the_migration(
        demo_dir: Path, with_next_revision: Callable[[bool], Path]) -> None:
    with_next_revision(False)
    facet = app.open_facet(demo_dir)
    try:
        assert facet.db.migrated_from == CURRENT
        assert facet.store.directory.counts().items >= 200
        conn = facet.connection()
        try:
            assert conn.execute("SELECT count(*) FROM items WHERE engraving = 'none'").fetchone()[0] >= 200
        finally:
            conn.close()
    finally:
        facet.close()


def test_a_migration_that_fails_leaves_the_store_at_its_old_revision(
        demo_dir: Path, with_next_revision: Callable[[bool], Path]) -> None:
    key = KeyringSecrets().get(database_key_name(demo_dir))
    assert key is not None
    before = _store_state(demo_dir, key)
    with_next_revision(True)
    with pytest.raises(StoreProblem, match="half-way") as failed:
        open_database(demo_dir, key)
    assert "rolled back" in str(failed.value) and f"facet-before-migration-{CURRENT}" in str(failed.value)
    # Every connection the failed attempt opened was closed (the last close removes the WAL).
    assert sorted(p.name for p in demo_dir.iterdir() if p.is_file()) == ["audit-head.json", "facet.db"]
    after = _store_state(demo_dir, key)
    assert after == before
    backups = list((demo_dir / "backups").iterdir())
    assert len(backups) == 1 and verify_backup(backups[0], key_hex=key) == CURRENT


def test_a_0001_store_with_sales_upgrades_to_the_counter_schema(demo_dir: Path) -> None:
    """Revision 0002 adds returns, shifts and the rest to a store that already has sales."""
    from alembic import command
    from alembic.config import Config

    key = KeyringSecrets().get(database_key_name(demo_dir))
    assert key is not None
    db = open_database(demo_dir, key)
    config = Config()
    config.set_main_option("script_location", str(paths.migrations()))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    db.dispose()
    conn = connect(db_path(demo_dir), key)
    try:
        assert schema.current_revision(conn) == "0001"
        sales_before = conn.execute("SELECT count(*), sum(total_cents) FROM sales").fetchone()
        assert "kind" not in [r[1] for r in conn.execute("PRAGMA table_info(sales)")]
    finally:
        conn.close()

    db = open_database(demo_dir, key)  # migrates, after a backup
    db.dispose()
    assert db.migrated_from == "0001"
    conn = connect(db_path(demo_dir), key)
    try:
        assert schema.current_revision(conn) == schema.HEAD
        assert conn.execute("SELECT count(*), sum(total_cents) FROM sales").fetchone() == sales_before
        assert conn.execute("SELECT DISTINCT kind FROM sales").fetchall() == [("sale",)]
        assert conn.execute("SELECT count(*) FROM sale_lines WHERE list_price_cents != unit_price_cents"
                            ).fetchone()[0] == 0
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


STOCK_GUARDS = {"stock_movements_not_below_zero", "items_sold_only_when_available"}


def _triggers(conn: Any) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}


def test_a_store_whose_stock_went_below_zero_before_the_guards_upgrades_and_doctor_names_it(demo_dir: Path) -> None:
    """Revision 0009 adds the stock guards without rewriting history: a -1 made before it stays, and is reported.

    A later migration that rebuilds `items` or `stock_movements` (a batch ALTER copies the table and drops its
    triggers) must create them again: this test fails if the guards are missing at head."""
    from alembic import command
    from alembic.config import Config

    from pos_app.doctor import examine

    key = KeyringSecrets().get(database_key_name(demo_dir))
    assert key is not None
    db = open_database(demo_dir, key)
    config = Config()
    config.set_main_option("script_location", str(paths.migrations()))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")  # the revision before the stock guards
    db.dispose()
    conn = connect(db_path(demo_dir), key)
    try:
        assert not _triggers(conn) & STOCK_GUARDS
        item_id, on_hand = conn.execute("SELECT id, on_hand FROM items WHERE tracking = 'counted' AND on_hand > 0 "
                                        "ORDER BY sku LIMIT 1").fetchone()
        conn.execute("INSERT INTO stock_movements (id, item_id, kind, quantity, reason, terminal, created_at, "
                     "updated_at) VALUES ('two-windows', ?, 'sale', ?, 'sale', 'C2', '2026-01-01', '2026-01-01')",
                     (item_id, -(on_hand + 1)))
    finally:
        conn.close()

    open_database(demo_dir, key).dispose()  # migrates, after a backup
    conn = connect(db_path(demo_dir), key)
    try:
        assert schema.current_revision(conn) == schema.HEAD
        assert STOCK_GUARDS <= _triggers(conn)
        assert conn.execute("SELECT on_hand FROM items WHERE id = ?", (item_id,)).fetchone()[0] == -1
    finally:
        conn.close()
    report = examine(demo_dir)
    assert report["stock"]["guards"] is True and len(report["stock"]["below_zero"]) == 1
    assert any("less than zero on hand" in problem for problem in report["problems"])


def test_the_outbox_for_sync_upgrades_from_0011_and_its_sequence_goes_on(demo_dir: Path) -> None:
    """Revision 0012: rows from before it take their seq as device_seq and are grouped by time; the sequence
    goes on after them; a downgrade gives 0011's outbox back with its rows."""
    from alembic import command
    from alembic.config import Config

    key = KeyringSecrets().get(database_key_name(demo_dir))
    assert key is not None
    config = Config()
    config.set_main_option("script_location", str(paths.migrations()))
    db = open_database(demo_dir, key)
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0011")
    db.dispose()
    conn = connect(db_path(demo_dir), key)
    try:
        assert {r[1] for r in conn.execute("PRAGMA table_info(outbox)")} == {
            "seq", "table_name", "row_id", "op", "at", "pushed_at"}
        assert conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'outbox_sequence'").fetchone() is None
        before = conn.execute("SELECT seq, table_name, row_id, op, at FROM outbox ORDER BY seq").fetchall()
        assert before
    finally:
        conn.close()

    facet = app.open_facet(demo_dir)  # migrates, after a backup
    try:
        conn = facet.connection()
        try:
            assert schema.current_revision(conn) == schema.HEAD
            rows = conn.execute("SELECT seq, table_name, row_id, op, at, device_seq, tx_id, changes FROM outbox "
                                "ORDER BY seq").fetchall()
            assert [tuple(r[:5]) for r in rows] == [tuple(r) for r in before]
            assert all(r[5] == r[0] and r[6] == f"old:{r[4]}" and r[7] is None for r in rows)
            assert conn.execute("SELECT last_seq FROM outbox_sequence").fetchone()[0] == before[-1][0]
        finally:
            conn.close()
        inventory.receive_new_item({"sku": "MIG-12", "style": "halo", "title": "Migrated Halo Necklace",
                                    "metal": "platinum", "price": "900.00", "tracking": "unique", "location": "Case 1"},
                                   uow=facet.uow(), actor=actor_for(facet, Role.MANAGER))
        conn = facet.connection()
        try:
            assert conn.execute("SELECT min(device_seq) FROM outbox WHERE changes IS NOT NULL").fetchone()[0] == \
                before[-1][0] + 1
        finally:
            conn.close()
    finally:
        facet.close()


def test_store_wide_settings_move_to_their_synced_table_and_the_counters_own_stay(demo_dir: Path) -> None:
    """Revision 0014: the settings every counter of a store shares (its cases, idle lock, return policy) move
    to `store_settings` with their values; the counter's own (its printer, its code) stay in `settings`; the
    app reads both as before, and a downgrade puts them back."""
    from alembic import command
    from alembic.config import Config

    from pos_app.domain.store import STORE_WIDE_SETTINGS
    from pos_app.services import settings as store_settings

    key = KeyringSecrets().get(database_key_name(demo_dir))
    assert key is not None
    facet = app.open_facet(demo_dir)
    try:
        owner = actor_for(facet, Role.OWNER)
        store_settings.change_settings({"inventory.locations": "Case 1, Vault, Window", "receipt.printer":
                                        "tcp://10.0.0.9:9100", "receipt.return_policy": "Ninety days, café receipt"},
                                       uow=facet.uow(), actor=owner)
    finally:
        facet.close()
    config = Config()
    config.set_main_option("script_location", str(paths.migrations()))
    db = open_database(demo_dir, key)
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0013")
    db.dispose()
    conn = connect(db_path(demo_dir), key)
    try:
        old = dict(conn.execute("SELECT key, value FROM settings").fetchall())
        assert conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'store_settings'").fetchone() is None
    finally:
        conn.close()
    assert json.loads(old["inventory.locations"]) == ["Case 1", "Vault", "Window"]
    assert json.loads(old["receipt.return_policy"]) == "Ninety days, café receipt"

    facet = app.open_facet(demo_dir)  # migrates, after a backup
    try:
        conn = facet.connection()
        try:
            moved = dict(conn.execute("SELECT key, value FROM store_settings").fetchall())
            stayed = dict(conn.execute("SELECT key, value FROM settings").fetchall())
            store_id = conn.execute("SELECT id FROM stores").fetchone()[0]
            ids = {r[0] for r in conn.execute("SELECT store_id FROM store_settings")}
        finally:
            conn.close()
        assert set(moved) == {k for k in old if k in STORE_WIDE_SETTINGS} and ids == {store_id}
        assert all(json.loads(moved[k]) == (json.loads(old[k]) if isinstance(old[k], str) else old[k])
                   for k in moved)  # as JSON text (settings kept a bare number as a number)
        assert set(stayed) == {k for k in old if k not in STORE_WIDE_SETTINGS}
        assert "receipt.printer" in stayed and "terminal.code" in stayed
        reader = facet.store.directory
        assert reader.setting("inventory.locations") == ["Case 1", "Vault", "Window"]
        assert reader.setting("receipt.printer") == "tcp://10.0.0.9:9100"
        with facet.uow() as uow:
            assert uow.settings.get("receipt.return_policy") == "Ninety days, café receipt"
    finally:
        facet.close()
