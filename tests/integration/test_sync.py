"""Sync with a real central PostgreSQL: counters with their own encrypted stores, one group.

Every test runs against the session's PostgreSQL (tests/postgres_server.py) in a database of its own, with
TLS verified (`sslmode=verify-full`), the central schema made by `pos-app central init`'s code, and counters
logged in with their own least-privilege roles.
"""

from __future__ import annotations

import json
from pathlib import Path

from pos_app import app
from pos_app.doctor import examine
from tests.integration.sync_helpers import available, join, one, sell, sync_now


def test_a_sale_at_one_counter_reaches_central_and_the_other_counter(demo_dir: Path, central_database,
                                                                     tmp_path: Path) -> None:
    first = app.open_facet(demo_dir)
    try:
        joined = first.sync().central_init(central_database.url)
        assert (joined.store_code, joined.counter_code) == ("S1", "C1")
        second = join(central_database.url, tmp_path / "second", one(first, "SELECT id FROM stores"),
                      first.profile.name)
        try:
            assert second.terminal == "S1-C2" and first.terminal == "S1-C1"
            assert one(second, "SELECT count(*) FROM items") == one(first, "SELECT count(*) FROM items")
            piece = available(second)[0]
            sale = sell(second, piece)
            assert sale.number.startswith("S1-C2-")
            sync_now(second)
            sync_now(first)
            assert one(first, "SELECT number FROM sales WHERE id = ?", sale.sale_id) == sale.number
            assert one(first, "SELECT on_hand FROM items WHERE id = ?", piece) == 0
            assert one(first, "SELECT status FROM items WHERE id = ?", piece) == "sold"
            with central_database.connect() as pg:
                assert pg.execute("SELECT count(*) FROM facet.records WHERE table_name = 'sales' AND row_id = %s",
                                  (sale.sale_id,)).fetchone()[0] == 1
            assert examine(tmp_path / "second")["sync"] == {
                "joined": True, "counter": "S1-C2", "online": True, "waiting": 0, "conflicts": 0,
                "needs_attention": 0}
        finally:
            second.close()
    finally:
        first.close()


def test_central_keeps_every_counters_audit_chain_and_audit_verify_checks_them_all(
        demo_dir: Path, central_database, tmp_path: Path, capsys) -> None:
    from pos_app.cli import main
    from tests.conftest import cli_login

    first = app.open_facet(demo_dir)
    try:
        first.sync().central_init(central_database.url)
        second = join(central_database.url, tmp_path / "second", one(first, "SELECT id FROM stores"),
                      first.profile.name)
        try:
            sell(second, available(second)[0])
            sync_now(second)
            events_here = one(second, "SELECT count(*) FROM audit_events")
        finally:
            second.close()
    finally:
        first.close()
    cli_login(demo_dir)
    assert main(["audit", "verify", "--data-dir", str(demo_dir), "--central", central_database.url, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    chains = {c["counter"]: c for c in report["central_chains"]}
    assert set(chains) == {"S1-C1", "S1-C2"} and all(c["ok"] for c in chains.values())
    assert chains["S1-C2"]["events"] == events_here

    with central_database.connect() as pg:  # someone with central's admin rights edits one event
        pg.execute("UPDATE facet.audit_events SET data = jsonb_set(data, '{actor_name}', '\"Someone Else\"') "
                   "WHERE seq = 2 AND device_id = (SELECT device_id FROM facet.counters WHERE counter_code = 'C2')")
        pg.commit()
    assert main(["audit", "verify", "--data-dir", str(demo_dir), "--central", central_database.url, "--json"]) == 1
    chains = {c["counter"]: c for c in json.loads(capsys.readouterr().out)["central_chains"]}
    assert chains["S1-C2"]["first_bad_event"] == 2 and "edited" in chains["S1-C2"]["detail"]
    assert chains["S1-C1"]["ok"]


def test_a_counter_restored_from_a_backup_loses_no_sale_and_reuses_no_change_number(
        demo_dir: Path, central_database, tmp_path: Path) -> None:
    first = app.open_facet(demo_dir)
    try:
        first.sync().central_init(central_database.url)
        store_id, name = one(first, "SELECT id FROM stores"), first.profile.name
    finally:
        first.close()
    folder = tmp_path / "second"
    second = join(central_database.url, folder, store_id, name)
    backup = second.db.backup_to(tmp_path / "before.db")
    pieces = available(second, n=2)
    undone = sell(second, pieces[0])
    sync_now(second)
    second.close()

    preview = app.preview_restore(folder, backup)
    app.restore_store(folder, backup, confirmed=preview.undo)  # the sale is undone here, not at central
    second = app.open_facet(folder)
    try:
        assert one(second, "SELECT count(*) FROM sales WHERE id = ?", undone.sale_id) == 0
        after = sell(second, pieces[1])
        assert after.number == "S1-C2-000002"  # numbers go on after the undone sale's: its receipt is out there
        sync_now(second)
        sync_now(second)
        with central_database.connect() as pg:
            numbers = {r[0] for r in pg.execute("SELECT data->>'number' FROM facet.records WHERE table_name = 'sales'")}
        assert {undone.number, after.number} <= numbers  # the later sale was not taken for one central had
        # and the sale the restore undid comes back from central, with its stock movement
        assert one(second, "SELECT number FROM sales WHERE id = ?", undone.sale_id) == undone.number
        assert one(second, "SELECT on_hand FROM items WHERE id = ?", pieces[0]) == 0
        assert one(second, "SELECT count(*) FROM outbox WHERE pushed_at IS NULL") == 0
    finally:
        second.close()
