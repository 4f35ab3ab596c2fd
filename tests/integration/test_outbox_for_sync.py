"""The outbox shaped for sync, on a real encrypted demo store: every change carries this store's sequence number
(never reused), the id of the transaction that made it, and what it changed, whichever way it was written (the
ORM, a Core bulk statement, the counter's raw SQL); an erasure leaves none of the customer's values in it."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from pos_app import app
from pos_app.domain.cart import Cart
from pos_app.domain.errors import SignInFailed
from pos_app.domain.items import COLUMNS
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, Role
from pos_app.services import checkout, erasure, inventory, item_files, privacy, staff
from pos_app.services.customers import QuickCustomer, quick_add_customer
from tests.conftest import actor_for

JPEG = b"\xff\xd8\xff\xe0" + bytes(100)
OUTBOX = "SELECT device_seq, tx_id, table_name, row_id, op, changes FROM outbox WHERE device_seq > ? ORDER BY device_seq"


def _rows(facet: app.Facet, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    conn = facet.connection()
    try:
        return [tuple(r) for r in conn.execute(sql, args).fetchall()]
    finally:
        conn.close()


def _last_seq(facet: app.Facet) -> int:
    return int(_rows(facet, "SELECT last_seq FROM outbox_sequence")[0][0])


def _since(facet: app.Facet, after: int) -> list[dict[str, Any]]:
    """The outbox rows written after device_seq `after`, their changes read back from JSON."""
    return [{"seq": r[0], "tx": r[1], "table": r[2], "row_id": r[3], "op": r[4],
             "changes": None if r[5] is None else json.loads(r[5])} for r in _rows(facet, OUTBOX, after)]


def _new_item(**overrides: str) -> dict[str, str]:
    return {"sku": "SYNC-1", "style": "halo", "title": "Sync Halo Necklace", "metal": "platinum",
            "price": "2100.00", "tracking": "unique", "location": "Case 1", **overrides}


def test_an_orm_change_carries_the_whole_new_row_then_only_what_changed_then_a_tombstone(
        demo_facet: app.Facet) -> None:
    manager = actor_for(demo_facet, Role.MANAGER)
    start = _last_seq(demo_facet)
    record = inventory.receive_new_item(_new_item(), uow=demo_facet.uow(), actor=manager)
    received = _since(demo_facet, start)
    item = next(r for r in received if r["table"] == "items")
    assert item["op"] == "insert" and item["row_id"] == record.id
    assert item["changes"]["id"] == record.id and item["changes"]["sku"] == "SYNC-1"
    assert item["changes"]["title"] == "Sync Halo Necklace" and item["changes"]["price_cents"] == 210000
    assert item["changes"]["created_at"][:4].isdigit()  # a time as the row stores it
    assert {r["tx"] for r in received} == {received[0]["tx"]}, "one unit of work, one transaction id"

    fields = inventory.item_detail(record.id, uow=demo_facet.uow(), actor=manager).fields
    mark = _last_seq(demo_facet)
    inventory.update_item(record.id, {**fields, "title": "Retitled Necklace"}, uow=demo_facet.uow(), actor=manager)
    (update,) = _since(demo_facet, mark)
    assert update["op"] == "update" and update["table"] == "items"
    assert set(update["changes"]) == {"title", "updated_at"} and update["changes"]["title"] == "Retitled Necklace"
    assert update["tx"] != item["tx"]

    photo = inventory.add_photo(record.id, JPEG, uow=demo_facet.uow(), actor=manager)
    (added,) = _since(demo_facet, _last_seq(demo_facet) - 1)
    assert added["changes"]["data"]["$blob"]["bytes"] == len(JPEG), "a photo is referenced, not copied"
    mark = _last_seq(demo_facet)
    inventory.remove_photo(photo, uow=demo_facet.uow(), actor=manager)
    assert [(r["table"], r["row_id"], r["op"], r["changes"]) for r in _since(demo_facet, mark)] == [
        ("item_photos", photo, "delete", None)]


def test_core_bulk_writes_carry_their_rows(demo_facet: app.Facet, tmp_path: Path) -> None:
    owner = actor_for(demo_facet, Role.OWNER)
    path = tmp_path / "import.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows([_new_item(sku="BULK-1"), _new_item(sku="BULK-2", tracking="counted", quantity="3")])
    start = _last_seq(demo_facet)
    item_files.import_items(path, uow=demo_facet.uow(), files=demo_facet.devices.files, actor=owner)
    rows = _since(demo_facet, start)
    items = {r["changes"]["sku"]: r for r in rows if r["table"] == "items"}
    assert set(items) == {"BULK-1", "BULK-2"} and all(r["op"] == "insert" for r in items.values())
    moves = [r for r in rows if r["table"] == "stock_movements"]
    assert sorted((m["op"], m["changes"]["item_id"], m["changes"]["quantity"]) for m in moves) == sorted(
        [("insert", items["BULK-1"]["row_id"], 1), ("insert", items["BULK-2"]["row_id"], 3)])
    assert len({r["tx"] for r in rows}) == 1

    lily = next(s for s in demo_facet.store.directory.staff_list() if s.name == "Lily Chen")
    mark = _last_seq(demo_facet)
    with pytest.raises(SignInFailed):
        staff.sign_in(lily.id, "0000", uow=demo_facet.uow(), hasher=demo_facet.hasher(), terminal="C1")
    (tried,) = _since(demo_facet, mark)
    assert (tried["table"], tried["row_id"], tried["op"]) == ("staff", lily.id, "update")
    assert tried["changes"] == {"failed_attempts": 1}


def test_a_counter_sale_written_in_raw_sql_is_one_transaction_with_every_row_whole(
        demo_facet: app.Facet, clerk: Actor, shift: str, settings: checkout.CounterSettings) -> None:
    reader = demo_facet.store.inventory
    unique = next(r for r in reader.rows_by_ids([r[0] for r in _rows(
        demo_facet, "SELECT id FROM items WHERE status = 'available' AND tracking = 'unique' AND on_hand = 1 "
                    "ORDER BY sku LIMIT 1")]))
    cart = checkout.scan(Cart(), unique.sku, reader=reader, actor=clerk)
    co = checkout.start_checkout(cart, settings=settings, uow=demo_facet.uow(), actor=clerk)
    co = checkout.pay_cash(co, Money(co.priced.total.cents), uow=demo_facet.uow(), actor=clerk,
                           sales=demo_facet.store.sales)
    start = _last_seq(demo_facet)
    done = checkout.complete_sale(co, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
    rows = _since(demo_facet, start)
    assert [(r["table"], r["op"]) for r in rows] == [("sales", "insert"), ("sale_lines", "insert"),
                                                      ("payments", "insert"), ("stock_movements", "insert"),
                                                      ("items", "update")]
    assert [r["seq"] for r in rows] == list(range(start + 1, start + 6))
    assert len({r["tx"] for r in rows}) == 1
    sale = rows[0]["changes"]
    assert sale["id"] == done.sale_id and sale["number"] == done.number
    assert sale["total_cents"] == co.priced.total.cents and sale["shift_id"] == shift
    assert rows[1]["changes"]["sale_id"] == done.sale_id and rows[1]["changes"]["sku"] == unique.sku
    assert rows[3]["changes"]["quantity"] == -1 and rows[3]["changes"]["reference"] == done.number
    assert rows[4]["row_id"] == unique.id and rows[4]["changes"]["status"] == "sold"


def test_the_device_sequence_is_never_reused_even_after_the_outbox_is_emptied(demo_facet: app.Facet) -> None:
    manager = actor_for(demo_facet, Role.MANAGER)
    inventory.receive_new_item(_new_item(sku="SEQ-1"), uow=demo_facet.uow(), actor=manager)
    highest = _rows(demo_facet, "SELECT max(device_seq), max(seq) FROM outbox")[0]
    conn = demo_facet.connection()
    try:
        with conn:  # as a sync would, once central confirmed every row
            conn.execute("DELETE FROM outbox")
    finally:
        conn.close()
    inventory.receive_new_item(_new_item(sku="SEQ-2"), uow=demo_facet.uow(), actor=manager)
    after = _rows(demo_facet, "SELECT min(device_seq), min(seq) FROM outbox")[0]
    assert after[1] <= highest[1], "the table's own rowid starts again"
    assert after[0] == highest[0] + 1, "the device sequence goes on"

    conn = demo_facet.connection()
    try:
        with conn:  # a store whose sequence row went missing starts after what its outbox holds
            conn.execute("DELETE FROM outbox_sequence")
    finally:
        conn.close()
    inventory.receive_new_item(_new_item(sku="SEQ-3"), uow=demo_facet.uow(), actor=manager)
    seqs = [r[0] for r in _rows(demo_facet, "SELECT device_seq FROM outbox ORDER BY seq")]
    assert seqs == list(range(highest[0] + 1, highest[0] + 1 + len(seqs)))
    assert _last_seq(demo_facet) == seqs[-1]


def test_a_unit_of_work_that_fails_leaves_no_outbox_row(demo_facet: app.Facet) -> None:
    manager = actor_for(demo_facet, Role.MANAGER)
    (counted,) = _rows(demo_facet, "SELECT id FROM items WHERE tracking = 'counted' ORDER BY sku LIMIT 1")[0]
    before = _rows(demo_facet, "SELECT count(*), max(device_seq) FROM outbox")
    uow = demo_facet.uow()
    with pytest.raises(RuntimeError), uow:
        uow.stock.record(counted, "receive", 1, actor=manager)  # flushed: its outbox row is written
        assert uow.session is not None and uow.session.connection().exec_driver_sql(
            "SELECT count(*) FROM outbox").scalar() == before[0][0] + 1
        raise RuntimeError("the caller gives up")
    assert _rows(demo_facet, "SELECT count(*), max(device_seq) FROM outbox") == before


def test_after_an_erasure_no_outbox_row_holds_the_customers_name_email_or_phone(
        demo_facet: app.Facet, clerk: Actor) -> None:
    policy = demo_facet.store.sales.current_policy_version(dt.date.today())
    customer_id = quick_add_customer(
        QuickCustomer("Philippa", "Quenneville", "philippa.q@example.com", "(212) 555-0199", adult_confirmed=True,
                      marketing_email=True),
        uow=demo_facet.uow(), actor=clerk, policy=policy)
    values = ("Philippa", "Quenneville", "philippa.q@example.com", "2125550199")

    def holding() -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in _rows(demo_facet, "SELECT table_name, op, changes FROM outbox")
                if r[2] is not None and any(v in r[2] for v in values)]

    assert ("customers", "insert") in holding(), "the outbox captured who they are"
    officer = actor_for(demo_facet, Role.PRIVACY_OFFICER)
    today = dt.date.today()
    request_id = privacy.record_request(customer_id, "deletion", "email", today, uow=demo_facet.uow(),
                                        actor=officer, today=today).id
    privacy.verify(request_id, "code_to_email_on_file", officer.staff_id or "", uow=demo_facet.uow(), actor=officer)
    erasure.erase_customer(customer_id, request_id, uow=demo_facet.uow(), actor=officer,
                           log=demo_facet.erasure_log())
    assert holding() == []
    (insert,) = _rows(demo_facet, "SELECT changes FROM outbox WHERE table_name = 'customers' AND row_id = ? "
                                  "AND op = 'insert'", customer_id)
    assert json.loads(insert[0])["email"] is None, "the insert now carries the row as the erasure left it"
