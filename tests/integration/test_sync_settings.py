"""Settings in a sync group: what a store sets once reaches every counter of that store, and only that store;
what a counter sets for itself (its printer, its card reader) stays on it."""

from __future__ import annotations

import json
from pathlib import Path

from pos_app import app
from pos_app.domain.permissions import Role
from pos_app.persistence.models.store import store_setting_id
from pos_app.persistence.sync_repo import STORE_SETTINGS_SENT
from pos_app.services import settings as store_settings
from tests.conftest import actor_for
from tests.integration.sync_helpers import join, join_new_store, one, sync_now
from tests.sync_groups import CopiedGroup


def _change(facet: app.Facet, texts: dict[str, str]) -> None:
    store_settings.change_settings(texts, uow=facet.uow(), actor=actor_for(facet, Role.OWNER))


def test_a_store_setting_reaches_the_stores_other_counter_and_a_counters_own_setting_stays(
        demo_dir: Path, central_database, tmp_path: Path) -> None:
    first = app.open_facet(demo_dir)
    try:
        first.sync().central_init(central_database.url)
        second = join(central_database.url, tmp_path / "second", one(first, "SELECT id FROM stores"),
                      first.profile.name)
        uptown = join_new_store(central_database.url, tmp_path / "uptown", "Uptown")
        try:
            # The new counter came with the store's settings from central: they were seeded at central init.
            assert second.store.directory.setting("inventory.locations") == \
                first.store.directory.setting("inventory.locations")
            _change(second, {"inventory.locations": "Case 1, Case 2, Vault", "security.idle_lock_minutes": "3",
                             "receipt.return_policy": "Exchanges within 60 days — 返品は60日以内",
                             "receipt.printer": "tcp://10.0.0.9:9100"})
            for facet in (second, first, uptown):
                sync_now(facet)
            here = first.store.directory
            assert here.setting("inventory.locations") == ["Case 1", "Case 2", "Vault"]
            assert here.setting("security.idle_lock_minutes") == 3
            assert here.setting("receipt.return_policy") == "Exchanges within 60 days — 返品は60日以内"
            assert here.setting("receipt.printer") != "tcp://10.0.0.9:9100"  # the second counter's printer
            assert second.store.directory.setting("receipt.printer") == "tcp://10.0.0.9:9100"
            # Another store keeps its own.
            assert uptown.store.directory.setting("inventory.locations") != ["Case 1", "Case 2", "Vault"]
            assert one(uptown, "SELECT count(*) FROM store_settings WHERE store_id <> "
                               "(SELECT id FROM stores ORDER BY created_at LIMIT 1)") == 0
            with central_database.connect() as pg:
                assert pg.execute("SELECT count(*) FROM facet.records WHERE table_name = 'settings'"
                                  ).fetchone()[0] == 0  # a counter's own settings never leave it
        finally:
            second.close()
            uptown.close()
    finally:
        first.close()


def test_two_counters_setting_one_store_setting_offline_end_with_one_value_and_a_logged_overwrite(
        demo_dir: Path, central_database, tmp_path: Path) -> None:
    first = app.open_facet(demo_dir)
    try:
        first.sync().central_init(central_database.url)
        second = join(central_database.url, tmp_path / "second", one(first, "SELECT id FROM stores"),
                      first.profile.name)
        try:
            _change(first, {"sales.clerk_discount_limit_percent": "12"})
            _change(second, {"sales.clerk_discount_limit_percent": "15"})
            sync_now(first)
            sync_now(second)  # the later writer by central's order: 15
            sync_now(first)
            for facet in (first, second):
                assert facet.store.directory.setting("sales.clerk_discount_limit_percent") == "15"
                assert one(facet, "SELECT count(*) FROM store_settings "
                                  "WHERE key = 'sales.clerk_discount_limit_percent'") == 1
            with central_database.connect() as pg:
                overwrites = pg.execute("SELECT details->>'kept', details->>'overwritten' FROM facet.conflicts "
                                        "WHERE kind = 'overwrite' AND table_name = 'store_settings'").fetchall()
            assert overwrites == [('"15"', '"12"')]  # the values as JSON text
        finally:
            second.close()
    finally:
        first.close()


def test_store_settings_kept_from_before_counters_shared_them_reach_the_other_counter_once(
        two_counters_copy: CopiedGroup) -> None:
    """A store that joined its group before migration 0014 moved its store-wide settings into `store_settings`
    holds rows central never received (the migration wrote no outbox rows): its next round sends them, once."""
    first = app.open_facet(two_counters_copy.folders["first"])
    second = app.open_facet(two_counters_copy.folders["second"])
    try:
        policy = "Returns within 30 days with the receipt — Rückgabe innerhalb von 30 Tagen"
        conn = first.connection()
        try:  # as migration 0014 left it: the row written without the journal, no mark that it was sent
            conn.execute("UPDATE store_settings SET value = ? WHERE key = 'receipt.return_policy'",
                         (json.dumps(policy),))
            if conn.execute("SELECT changes()").fetchone()[0] == 0:
                conn.execute("INSERT INTO store_settings (id, store_id, key, value, created_at, updated_at) "
                             "SELECT ?, id, 'receipt.return_policy', ?, '2026-11-01T00:00:00.000000', "
                             "'2026-11-01T00:00:00.000000' FROM stores ORDER BY created_at LIMIT 1",
                             (store_setting_id(one(first, "SELECT id FROM stores"), "receipt.return_policy"),
                              json.dumps(policy)))
            conn.execute("DELETE FROM settings WHERE key = ?", (STORE_SETTINGS_SENT,))
            conn.commit()
        finally:
            conn.close()
        assert second.store.directory.setting("receipt.return_policy") != policy

        sync_now(first)
        sync_now(second)
        assert second.store.directory.setting("receipt.return_policy") == policy
        sent = one(first, "SELECT count(*) FROM outbox WHERE table_name = 'store_settings'")
        assert one(first, "SELECT count(*) FROM settings WHERE key = ?", STORE_SETTINGS_SENT) == 1
        sync_now(first)  # once: later rounds send nothing more
        assert one(first, "SELECT count(*) FROM outbox WHERE table_name = 'store_settings'") == sent
        # A counter that joined since (or made the group) was marked when it did: it sends nothing of its own.
        assert one(second, "SELECT count(*) FROM settings WHERE key = ?", STORE_SETTINGS_SENT) == 1
    finally:
        second.close()
        first.close()
