"""Every change is one transaction holding its audit event and its outbox rows; the audit trail is a hash chain."""

from __future__ import annotations

import csv
import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from pos_app import app
from pos_app.adapters.secrets import KeyringSecrets, database_key_name
from pos_app.domain.errors import SignInFailed, ValidationError
from pos_app.domain.items import COLUMNS
from pos_app.domain.permissions import Role
from pos_app.persistence.database import copy_store, db_path
from pos_app.persistence.item_repo import StockRepo
from pos_app.persistence.journal import GENESIS, Journal, event_hash, hashed_content
from pos_app.persistence.models import Base
from pos_app.persistence.sqlcipher import connect
from pos_app.services import inventory, item_files, staff, stock_count
from pos_app.services.ports.inventory import InventoryFilter
from tests.audit_tampering import tamper_with
from tests.conftest import actor_for

JPEG = b"\xff\xd8\xff\xe0" + bytes(100)

# Every table whose rows sync: they have an id and an updated_at.
SYNCED = sorted(name for name, table in Base.metadata.tables.items()
                if {"id", "updated_at"} <= set(table.c.keys()) and name != "audit_events")



def synced_rows(facet: app.Facet) -> dict[tuple[str, str], str]:
    """(table, id) -> updated_at of every syncable row."""
    conn = facet.connection()
    try:
        return {(table, row_id): updated for table in SYNCED
                for row_id, updated in conn.execute(f"SELECT id, updated_at FROM {table}")}
    finally:
        conn.close()


def changed_rows(before: dict[tuple[str, str], str], after: dict[tuple[str, str], str]) -> set[tuple[str, str, str]]:
    changes = {(t, i, "insert") for (t, i) in after.keys() - before.keys()}
    changes |= {(t, i, "delete") for (t, i) in before.keys() - after.keys()}
    changes |= {(t, i, "update") for (t, i) in after.keys() & before.keys() if after[(t, i)] != before[(t, i)]}
    return changes


def scalar(facet: app.Facet, sql: str, params: tuple[Any, ...] = ()) -> Any:
    conn = facet.connection()
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def raw_audit(path: Path, key: str) -> list[dict[str, Any]]:
    conn = connect(path, key)
    try:
        cursor = conn.execute("SELECT * FROM audit_events ORDER BY seq")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor]
    finally:
        conn.close()


def chain_breaks(events: list[dict[str, Any]]) -> list[int]:
    """The seqs where the chain does not hold (a wrong link or a hash that does not match the content)."""
    broken = []
    previous = GENESIS
    for row in events:
        content = hashed_content({**row, "summary": json.loads(row["summary"])})
        if row["prev_hash"] != previous or event_hash(content) != row["hash"]:
            broken.append(row["seq"])
        previous = row["hash"]
    return broken


def key_of(facet: app.Facet) -> str:
    key = KeyringSecrets().get(database_key_name(facet.data_dir))
    assert key is not None
    return key


# ---------------------------------------------------------------- one call, one transaction


@dataclass
class Scenario:
    action: str
    run: Callable[[], object]
    # A sign-in commits its try's count before the secret is looked at, then the result.
    commits: int = 1


def _counted(facet: app.Facet) -> Any:
    reader = facet.store.inventory
    return next(r for r in reader.rows(reader.item_seqs(InventoryFilter(), "sku", False))
                if r.tracking == "counted" and r.on_hand > 2)


def _unique(facet: app.Facet) -> Any:
    reader = facet.store.inventory
    return next(r for r in reader.rows(reader.item_seqs(InventoryFilter(statuses=("available",)), "sku", False))
                if r.tracking == "unique" and r.on_hand == 1)


def _new_item(**overrides: str) -> dict[str, str]:
    return {"sku": "AUD-1", "style": "halo", "title": "Audit Halo Necklace", "metal": "platinum",
            "price": "2100.00", "tracking": "unique", "location": "Case 1", **overrides}


def _csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _scenarios(facet: app.Facet, tmp_path: Path) -> dict[str, Callable[[], Scenario]]:
    manager, clerk, owner = (actor_for(facet, r) for r in (Role.MANAGER, Role.CLERK, Role.OWNER))
    reader = facet.store.inventory
    hasher = facet.hasher()

    def receive_unique() -> Scenario:
        return Scenario("item.received", lambda: inventory.receive_new_item(
            _new_item(), uow=facet.uow(), actor=manager))

    def receive_counted() -> Scenario:
        return Scenario("item.received", lambda: inventory.receive_new_item(
            _new_item(tracking="counted", quantity="4"), uow=facet.uow(), actor=manager))

    def receive_more() -> Scenario:
        item = _counted(facet)
        return Scenario("stock.received", lambda: inventory.receive_more(item.id, 2, uow=facet.uow(), actor=manager))

    def update_item() -> Scenario:
        item = _unique(facet)
        fields = inventory.item_detail(item.id, uow=facet.uow(), actor=manager).fields
        return Scenario("item.updated", lambda: inventory.update_item(
            item.id, {**fields, "title": "Retitled Necklace"}, uow=facet.uow(), actor=manager))

    def adjust_stock() -> Scenario:
        item = _counted(facet)
        return Scenario("stock.adjusted", lambda: inventory.adjust_stock(
            item.id, -1, "damaged", uow=facet.uow(), actor=manager))

    def add_photo() -> Scenario:
        item = _unique(facet)
        return Scenario("item.photo_added", lambda: inventory.add_photo(item.id, JPEG, uow=facet.uow(), actor=manager))

    def remove_photo() -> Scenario:
        photo = inventory.add_photo(_unique(facet).id, JPEG, uow=facet.uow(), actor=manager)
        return Scenario("item.photo_removed", lambda: inventory.remove_photo(photo, uow=facet.uow(), actor=manager))

    def start_count() -> Scenario:
        return Scenario("count.started", lambda: stock_count.start_count("Case 1", uow=facet.uow(), actor=clerk))

    def post_count() -> Scenario:
        count_id = stock_count.start_count("Case 1", uow=facet.uow(), actor=clerk)
        stock_count.scan(count_id, _unique(facet).sku, uow=facet.uow(), reader=reader, actor=clerk)
        return Scenario("count.posted", lambda: stock_count.post_count(
            count_id, uow=facet.uow(), reader=reader, actor=manager))

    def cancel_count() -> Scenario:
        count_id = stock_count.start_count("Case 1", uow=facet.uow(), actor=clerk)
        return Scenario("count.cancelled", lambda: stock_count.cancel_count(count_id, uow=facet.uow(), actor=clerk))

    def import_items() -> Scenario:
        path = _csv(tmp_path / "import.csv", [
            _new_item(sku="IMP-1"), _new_item(sku="IMP-2", tracking="counted", quantity="3")])
        return Scenario("items.imported", lambda: item_files.import_items(path, uow=facet.uow(), files=facet.devices.files, actor=owner))

    def import_update() -> Scenario:
        path = tmp_path / "all.csv"
        item_files.export_items(path, reader=reader, actor=owner, uow=facet.uow(), files=facet.devices.files)
        text = path.read_text(encoding="utf-8").replace("Necklace", "Collier", 1)
        path.write_text(text, encoding="utf-8")
        return Scenario("items.imported", lambda: item_files.import_items(path, uow=facet.uow(), files=facet.devices.files, actor=owner))

    def export_items() -> Scenario:
        return Scenario("items.exported", lambda: item_files.export_items(
            tmp_path / "out.csv", reader=reader, actor=owner, uow=facet.uow(), files=facet.devices.files))

    def sign_in() -> Scenario:
        lily = next(s for s in facet.store.directory.staff_list() if s.name == "Lily Chen")
        return Scenario("staff.signed_in", lambda: staff.sign_in(
            lily.id, "3333", uow=facet.uow(), hasher=hasher, terminal="C1"), commits=2)

    def add_staff() -> Scenario:
        return Scenario("staff.added", lambda: staff.add_staff(
            "Nora Vance", Role.CLERK, pin="6543", uow=facet.uow(), actor=owner, hasher=hasher))

    def sign_out() -> Scenario:
        return Scenario("staff.signed_out", lambda: staff.sign_out(clerk, uow=facet.uow()))

    return {f.__name__: f for f in (receive_unique, receive_counted, receive_more, update_item, adjust_stock,
                                    add_photo, remove_photo, start_count, post_count, cancel_count,
                                    import_items, import_update, export_items, sign_in, add_staff, sign_out)}


SCENARIOS = ["receive_unique", "receive_counted", "receive_more", "update_item", "adjust_stock", "add_photo",
             "remove_photo", "start_count", "post_count", "cancel_count", "import_items", "import_update",
             "export_items", "sign_in", "add_staff", "sign_out"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_service_change_commits_once_with_one_audit_event_and_outbox_rows_for_what_changed(
        demo_facet: app.Facet, tmp_path: Path, name: str) -> None:
    scenario = _scenarios(demo_facet, tmp_path)[name]()
    commits: list[int] = []

    def listener(conn: Any) -> None:
        commits.append(1)

    event.listen(demo_facet.db.engine, "commit", listener)
    audit0 = scalar(demo_facet, "SELECT max(seq) FROM audit_events")
    outbox0 = scalar(demo_facet, "SELECT max(seq) FROM outbox")
    before = synced_rows(demo_facet)
    try:
        scenario.run()
    finally:
        event.remove(demo_facet.db.engine, "commit", listener)

    assert len(commits) == scenario.commits, "one unit of work, one commit"
    conn = demo_facet.connection()
    try:
        events = conn.execute("SELECT action, staff_id FROM audit_events WHERE seq > ?", (audit0,)).fetchall()
        outbox = set(conn.execute("SELECT table_name, row_id, op FROM outbox WHERE seq > ?", (outbox0,)))
    finally:
        conn.close()
    assert [e[0] for e in events] == [scenario.action]
    assert outbox == changed_rows(before, synced_rows(demo_facet))


def test_a_scan_is_kept_in_the_count_with_its_outbox_row_and_audit_event(demo_facet: app.Facet) -> None:
    clerk = actor_for(demo_facet, Role.CLERK)
    count_id = stock_count.start_count("Case 1", uow=demo_facet.uow(), actor=clerk)
    audit0 = scalar(demo_facet, "SELECT max(seq) FROM audit_events")
    before = synced_rows(demo_facet)
    outbox0 = scalar(demo_facet, "SELECT max(seq) FROM outbox")
    stock_count.scan(count_id, _unique(demo_facet).sku, uow=demo_facet.uow(),
                     reader=demo_facet.store.inventory, actor=clerk)
    changes = changed_rows(before, synced_rows(demo_facet))
    assert [(t, op) for t, _, op in changes] == [("stock_count_scans", "insert")]
    conn = demo_facet.connection()
    try:
        assert set(conn.execute("SELECT table_name, row_id, op FROM outbox WHERE seq > ?", (outbox0,))) == changes
        events = conn.execute("SELECT action, entity_id FROM audit_events WHERE seq > ?", (audit0,)).fetchall()
    finally:
        conn.close()
    assert events == [("count.scanned", count_id)]


def test_a_failed_sign_in_commits_its_audit_event_and_the_failure_count(demo_facet: app.Facet) -> None:
    lily = next(s for s in demo_facet.store.directory.staff_list() if s.name == "Lily Chen")
    outbox0 = scalar(demo_facet, "SELECT max(seq) FROM outbox")
    with pytest.raises(SignInFailed):
        staff.sign_in(lily.id, "0000", uow=demo_facet.uow(), hasher=demo_facet.hasher(), terminal="C1")
    assert scalar(demo_facet, "SELECT action FROM audit_events ORDER BY seq DESC LIMIT 1") == "staff.sign_in_failed"
    conn = demo_facet.connection()
    try:
        assert set(conn.execute("SELECT table_name, row_id, op FROM outbox WHERE seq > ?", (outbox0,))) == {
            ("staff", lily.id, "update")}
    finally:
        conn.close()


# ---------------------------------------------------------------- all or nothing


def _everything(facet: app.Facet) -> dict[str, Any]:
    conn = facet.connection()
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("items", "stock_movements", "audit_events", "outbox", "item_photos")} | {
            "fts": conn.execute("SELECT count(*) FROM items_fts WHERE items_fts MATCH 'failing'").fetchone()[0]}
    finally:
        conn.close()


def test_a_service_call_that_fails_half_way_leaves_no_row_no_audit_and_no_outbox(
        demo_facet: app.Facet, monkeypatch: pytest.MonkeyPatch) -> None:
    manager = actor_for(demo_facet, Role.MANAGER)
    before = _everything(demo_facet)

    def refuse(self: Journal, *args: Any, **kwargs: Any) -> None:
        # The item and its receipt are flushed by now: the failure comes after real writes.
        assert self._s.execute(text("SELECT count(*) FROM items WHERE sku = 'FAIL-1'")).scalar() == 1
        raise ValidationError("audit", "refused for the test")

    monkeypatch.setattr(Journal, "record", refuse)
    with pytest.raises(ValidationError, match="refused for the test"):
        inventory.receive_new_item(_new_item(sku="FAIL-1", title="Failing Halo Necklace", tracking="counted",
                                             quantity="3"), uow=demo_facet.uow(), actor=manager)
    assert _everything(demo_facet) == before


def test_a_failure_in_the_ledger_write_rolls_back_the_new_item(
        demo_facet: app.Facet, monkeypatch: pytest.MonkeyPatch) -> None:
    manager = actor_for(demo_facet, Role.MANAGER)
    before = _everything(demo_facet)
    monkeypatch.setattr(StockRepo, "record", lambda *a, **k: (_ for _ in ()).throw(
        ValidationError("quantity", "ledger refused for the test")))
    with pytest.raises(ValidationError, match="ledger refused"):
        inventory.receive_new_item(_new_item(sku="FAIL-2", title="Failing Piece"), uow=demo_facet.uow(),
                                   actor=manager)
    assert _everything(demo_facet) == before


def test_an_import_whose_rejects_file_cannot_be_written_imports_nothing_and_says_why(
        demo_facet: app.Facet, tmp_path: Path) -> None:
    owner = actor_for(demo_facet, Role.OWNER)
    path = _csv(tmp_path / "mixed.csv", [_new_item(sku="OK-1", title="Failing but fine"),
                                         _new_item(sku="BAD-1", price="free")])
    before = _everything(demo_facet)
    with pytest.raises(ValidationError) as raised:
        item_files.import_items(path, uow=demo_facet.uow(), files=demo_facet.devices.files, actor=owner, skip_invalid=True,
                                rejects_path=tmp_path / "no-such-folder" / "rejects.csv")
    assert "no-such-folder" in str(raised.value)
    assert _everything(demo_facet) == before


# ---------------------------------------------------------------- the hash chain


def test_the_audit_hash_chain_links_every_event(demo_facet: app.Facet, tmp_path: Path) -> None:
    manager = actor_for(demo_facet, Role.MANAGER)
    record = inventory.receive_new_item(_new_item(title="Chain Link Necklace — “quoted” ünïcode"),
                                        uow=demo_facet.uow(), actor=manager)
    inventory.adjust_stock(record.id, -1, "sent for repair ✓", uow=demo_facet.uow(), actor=manager)
    stock_count.start_count("Safe", uow=demo_facet.uow(), actor=manager)

    events = raw_audit(db_path(demo_facet.data_dir), key_of(demo_facet))
    assert len(events) >= 6
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["prev_hash"] == GENESIS
    for previous, current in itertools.pairwise(events):
        assert current["prev_hash"] == previous["hash"]
    assert chain_breaks(events) == []
    assert len({e["hash"] for e in events}) == len(events)


def test_editing_an_audit_event_breaks_the_chain_from_that_event(demo_dir: Path, tmp_path: Path) -> None:
    facet = app.open_facet(demo_dir)
    key = key_of(facet)
    manager = actor_for(facet, Role.MANAGER)
    for n in range(3):
        inventory.receive_new_item(_new_item(sku=f"AUD-{n}"), uow=facet.uow(), actor=manager)
    facet.close()
    tampered = tmp_path / "tampered"
    copy_store(demo_dir, tampered)
    conn = connect(db_path(tampered), key)
    try:
        target = conn.execute("SELECT seq FROM audit_events ORDER BY seq DESC LIMIT 1 OFFSET 1").fetchone()[0]
    finally:
        conn.close()
    tamper_with(db_path(tampered), key,
                ("UPDATE audit_events SET summary = '{\"sku\": \"AUD-X\", \"quantity\": 1}' WHERE seq = ?",
                 (target,)))
    assert chain_breaks(raw_audit(db_path(demo_dir), key)) == []
    assert chain_breaks(raw_audit(db_path(tampered), key)) == [target]


def test_two_counters_writing_at_once_keep_one_unbroken_chain(demo_dir: Path) -> None:
    """Two processes' worth of engines on one file: BEGIN IMMEDIATE serializes the chain's appends."""
    first, second = app.open_facet(demo_dir), app.open_facet(demo_dir)
    try:
        manager = actor_for(first, Role.MANAGER)
        reader = first.store.inventory
        lines = [r for r in reader.rows(reader.item_seqs(InventoryFilter(), "sku", False))
                 if r.tracking == "counted"][:2]
        errors: list[BaseException] = []

        def work(facet: app.Facet, item_id: str) -> None:
            try:
                for _ in range(8):
                    inventory.receive_more(item_id, 1, uow=facet.uow(), actor=manager)
            except BaseException as exc:  # noqa: BLE001 - a thread's failure is reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(f, line.id)) for f, line in zip((first, second), lines)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
        events = raw_audit(db_path(demo_dir), key_of(first))
        assert sum(1 for e in events if e["action"] == "stock.received") == 16
        assert chain_breaks(events) == []
        assert len({e["prev_hash"] for e in events}) == len(events), "no two events follow the same one"
    finally:
        first.close()
        second.close()
