"""Sync with a real central PostgreSQL: counters with their own encrypted stores, one group.

Every test runs against the session's PostgreSQL (tests/postgres_server.py) in a database of its own, with
TLS verified (`sslmode=verify-full`), the central schema made by `pos-app central init`'s code, and counters
logged in with their own least-privilege roles. The first test makes its group from nothing; the others start
from a copy of the same group made once a session (`first_store_copy`, `two_counters_copy`:
tests/sync_groups.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from pos_app import app
from pos_app.doctor import examine
from tests.integration.sync_helpers import available, join, one, sell, sync_now
from tests.sync_groups import CopiedGroup


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
        two_counters_copy: CopiedGroup, capsys) -> None:
    from pos_app.cli import main
    from tests.conftest import cli_login

    demo_dir, central_database = two_counters_copy.folders["first"], two_counters_copy.central
    second = app.open_facet(two_counters_copy.folders["second"])
    try:
        sell(second, available(second)[0])
        sync_now(second)
        events_here = one(second, "SELECT count(*) FROM audit_events")
    finally:
        second.close()
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
        two_counters_copy: CopiedGroup, tmp_path: Path) -> None:
    central_database, folder = two_counters_copy.central, two_counters_copy.folders["second"]
    second = app.open_facet(folder)  # S1-C2, just joined
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


def test_a_customers_export_at_one_store_holds_what_another_store_recorded_about_them(
        first_store_copy: CopiedGroup, tmp_path: Path) -> None:
    import zipfile

    from pos_app.domain.cart import Cart
    from pos_app.domain.money import Money
    from pos_app.domain.permissions import Role
    from pos_app.domain.store import store_today
    from pos_app.services import cash, checkout, inventory, privacy, privacy_export
    from tests.conftest import actor_for
    from tests.integration.sync_helpers import join_new_store

    central_database = first_store_copy.central
    first = app.open_facet(first_store_copy.folders["first"])
    other = None
    try:
        customer_id = one(first, "SELECT id FROM customers WHERE erased_at IS NULL ORDER BY last_name LIMIT 1")
        other = join_new_store(central_database.url, tmp_path / "uptown", "Jane Ellen Uptown")
        assert other.terminal == "S2-C1"
        assert one(other, "SELECT count(*) FROM customers WHERE id = ?", customer_id) == 1  # shared across stores
        owner = actor_for(other, Role.OWNER)
        owner = type(owner)(staff_id=owner.staff_id, name=owner.name, role=owner.role, terminal=other.terminal)
        piece = inventory.receive_new_item(
            {"sku": "UP-1", "style": "halo", "title": "Halo Pendant Necklace, Uptown", "metal": "14k white",
             "price": "2,150.00", "cost": "900.00", "tracking": "unique", "serial": "UP-SN-1", "location": "Case 1"},
            uow=other.uow(), actor=owner)
        clerk = owner  # the new store's only person so far
        cash.open_shift(Money(20000), uow=other.uow(), actor=clerk)
        settings = checkout.counter_settings(other.store.directory, other.terminal)
        row = other.store.inventory.rows_by_ids([piece.id])[0]
        cart = checkout.attach_customer(checkout.add_item(Cart(), row, actor=clerk), customer_id,
                                        sales=other.store.sales, actor=clerk)
        co = checkout.start_checkout(cart, settings=settings, uow=other.uow(), actor=clerk)
        co = checkout.pay_cash(co, co.due, uow=other.uow(), actor=clerk, sales=other.store.sales)
        uptown_sale = checkout.complete_sale(co, uow=other.uow(), actor=clerk, sales=other.store.sales)
        sync_now(other)
        sync_now(first)

        officer = actor_for(first, Role.PRIVACY_OFFICER)
        today = store_today(first.profile.timezone)
        request_id = privacy.record_request(customer_id, "access", "email", today, uow=first.uow(), actor=officer,
                                            today=today).id
        privacy.verify(request_id, "code_to_email_on_file", officer.staff_id or "", uow=first.uow(), actor=officer)
        with first.open_store() as store:
            privacy_export.export_customer(request_id, tmp_path / "export.zip", uow=first.uow(),
                                           files=first.devices.files, reader=store.customer_data, actor=officer)
        data = json.loads(zipfile.ZipFile(tmp_path / "export.zip").read("data.json"))
        assert uptown_sale.number in json.dumps(data["sales"])
    finally:
        if other is not None:
            other.close()
        first.close()


def test_a_new_stores_first_counter_names_its_store_as_central_does(first_store_copy: CopiedGroup,
                                                                   tmp_path: Path) -> None:
    from tests.integration.sync_helpers import join_new_store

    central_database = first_store_copy.central
    other = join_new_store(central_database.url, tmp_path / "uptown", "Jane Ellen Uptown")
    try:
        local_id = one(other, "SELECT id FROM stores")
        assert local_id == one(other, "SELECT store_id FROM sync_state")
        with central_database.connect() as pg:
            assert pg.execute("SELECT store_id FROM facet.stores WHERE code = 'S2'").fetchone()[0] == local_id
    finally:
        other.close()


def test_central_upgrade_names_the_schema_it_found_and_refuses_a_database_without_one(
        demo_dir: Path, central_database, capsys) -> None:
    from pos_app.cli import main
    from tests.conftest import cli_login

    cli_login(demo_dir)
    assert main(["central", "upgrade", central_database.url, "--data-dir", str(demo_dir), "--json"]) == 2
    assert "has no Facet schema: pos-app central init creates it" in capsys.readouterr().err
    first = app.open_facet(demo_dir)
    try:
        first.sync().central_init(central_database.url)
    finally:
        first.close()
    assert main(["central", "upgrade", central_database.url, "--data-dir", str(demo_dir), "--json"]) == 0
    from pos_app.adapters.central import describe

    assert json.loads(capsys.readouterr().out) == {"central": describe(central_database.url), "from": "c0005",
                                                   "to": "c0005"}
