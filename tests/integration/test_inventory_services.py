"""Inventory services on the real store: receiving, editing, adjusting, photos and the list's reads."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import sqlcipher3

from pos_app import app
from pos_app.domain.errors import NotFound, PermissionDenied, ValidationError
from pos_app.domain.items import item_fields
from pos_app.domain.permissions import Actor, Permission, Role
from pos_app.domain.store import store_today
from pos_app.services import inventory
from pos_app.services.guard import ApprovalNeeded
from pos_app.services.ports.inventory import InventoryFilter
from tests.conftest import actor_for

JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF\x00" + bytes(200)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)
TABLES = ("items", "stock_movements", "audit_events", "outbox", "item_photos")



def new_piece(**overrides: str) -> dict[str, str]:
    raw = {"sku": "NEW-1", "barcode": "990000000001", "style": "solitaire",
           "title": "Oval Solitaire Pendant Necklace", "metal": "18k white", "price": "4,250.00",
           "cost": "1900.00", "tracking": "unique", "serial": "SN-77", "location": "Case 2",
           "center_shape": "oval", "center_carat": "0.90", "cert_lab": "GIA", "cert_number": "2141438163"}
    raw.update(overrides)
    return raw


def new_counted(**overrides: str) -> dict[str, str]:
    raw = {"sku": "CNT-1", "style": "tennis", "title": "Silver Tennis Necklace 1 ctw", "metal": "sterling silver",
           "price": "395.00", "cost": "150.00", "tracking": "counted", "quantity": "5", "reorder_point": "2",
           "location": "Case 3"}
    raw.update(overrides)
    return raw


def table_counts(facet: app.Facet) -> dict[str, int]:
    conn = facet.connection()
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


def rows(facet: app.Facet, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = facet.connection()
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def audit_since(facet: app.Facet, seq: int) -> list[tuple[Any, ...]]:
    return rows(facet, "SELECT action, entity_type, entity_id, summary, staff_id FROM audit_events "
                       "WHERE seq > ? ORDER BY seq", (seq,))


def outbox_since(facet: app.Facet, seq: int) -> set[tuple[str, str, str]]:
    return set(rows(facet, "SELECT table_name, row_id, op FROM outbox WHERE seq > ?", (seq,)))


def last_seqs(facet: app.Facet) -> tuple[int, int]:
    (audit, outbox), = rows(facet, "SELECT (SELECT max(seq) FROM audit_events), (SELECT max(seq) FROM outbox)")
    return audit, outbox


def counted_item(facet: app.Facet) -> Any:
    return next(r for r in facet.store.inventory.rows(
        facet.store.inventory.item_seqs(InventoryFilter(), "sku", False)) if r.tracking == "counted" and r.on_hand > 0)


def unique_in_stock(facet: app.Facet) -> Any:
    return next(r for r in facet.store.inventory.rows(
        facet.store.inventory.item_seqs(InventoryFilter(statuses=("available",)), "sku", False))
        if r.tracking == "unique" and r.on_hand == 1)


# ---------------------------------------------------------------- receiving


def test_receiving_a_unique_piece_writes_the_item_one_receive_movement_an_audit_event_and_outbox_rows(
        demo_facet: app.Facet, manager: Actor) -> None:
    audit0, outbox0 = last_seqs(demo_facet)
    record = inventory.receive_new_item(new_piece(), uow=demo_facet.uow(), actor=manager, reference="PO-17")

    assert record.on_hand == 1
    assert record.spec.sku == "NEW-1" and record.spec.price.cents == 425000
    assert record.spec.received_on is not None, "received today when no date is given"
    movements = rows(demo_facet, "SELECT id, kind, quantity, reference, staff_id FROM stock_movements "
                                 "WHERE item_id = ?", (record.id,))
    assert [m[1:] for m in movements] == [("receive", 1, "PO-17", manager.staff_id)]
    events = audit_since(demo_facet, audit0)
    assert len(events) == 1
    action, entity_type, entity_id, summary, staff_id = events[0]
    assert (action, entity_type, entity_id, staff_id) == ("item.received", "item", record.id, manager.staff_id)
    assert json.loads(summary) == {"sku": "NEW-1", "quantity": 1}
    assert outbox_since(demo_facet, outbox0) == {("items", record.id, "insert"),
                                                 ("stock_movements", movements[0][0], "insert")}


def test_receiving_counted_stock_puts_its_quantity_on_hand_through_the_ledger(
        demo_facet: app.Facet, manager: Actor) -> None:
    record = inventory.receive_new_item(new_counted(), uow=demo_facet.uow(), actor=manager)
    assert record.on_hand == 5
    more = inventory.receive_more(record.id, 3, uow=demo_facet.uow(), actor=manager, reference="PO-18")
    assert more.on_hand == 8
    assert rows(demo_facet, "SELECT kind, quantity FROM stock_movements WHERE item_id = ? ORDER BY quantity DESC",
                (record.id,)) == [("receive", 5), ("receive", 3)]
    # On hand is the ledger's sum: the items table has no quantity column to drift.
    assert "quantity" not in {r[1] for r in rows(demo_facet, "PRAGMA table_info(items)")}
    assert demo_facet.store.inventory.lookup_code("CNT-1").on_hand == 8  # type: ignore[union-attr]


def test_receiving_counted_stock_with_no_quantity_writes_no_movement(demo_facet: app.Facet, manager: Actor) -> None:
    record = inventory.receive_new_item(new_counted(quantity=""), uow=demo_facet.uow(), actor=manager)
    assert record.on_hand == 0
    assert rows(demo_facet, "SELECT count(*) FROM stock_movements WHERE item_id = ?", (record.id,)) == [(0,)]


def test_receive_more_is_for_counted_stock_only(demo_facet: app.Facet, manager: Actor) -> None:
    piece = unique_in_stock(demo_facet)
    before = table_counts(demo_facet)
    with pytest.raises(ValidationError) as raised:
        inventory.receive_more(piece.id, 1, uow=demo_facet.uow(), actor=manager)
    assert raised.value.field == "quantity"
    with pytest.raises(ValidationError):
        inventory.receive_more(counted_item(demo_facet).id, 0, uow=demo_facet.uow(), actor=manager)
    assert table_counts(demo_facet) == before


@pytest.mark.parametrize(("field", "overrides"), [
    ("sku", {"barcode": "990000000099"}),
    ("barcode", {"sku": "NEW-2"}),
])
def test_duplicate_sku_or_barcode_is_refused_naming_the_field_and_nothing_is_written(
        demo_facet: app.Facet, manager: Actor, field: str, overrides: dict[str, str]) -> None:
    inventory.receive_new_item(new_piece(), uow=demo_facet.uow(), actor=manager)
    before = table_counts(demo_facet)
    with pytest.raises(ValidationError) as raised:
        inventory.receive_new_item(new_piece(**overrides), uow=demo_facet.uow(), actor=manager)
    assert raised.value.field == field
    assert table_counts(demo_facet) == before


def test_a_demo_barcode_cannot_be_reused_for_a_new_piece(demo_facet: app.Facet, manager: Actor) -> None:
    taken = unique_in_stock(demo_facet).barcode
    with pytest.raises(ValidationError, match="already on another item"):
        inventory.receive_new_item(new_piece(barcode=taken), uow=demo_facet.uow(), actor=manager)


def test_a_piece_cannot_be_received_already_sold_and_a_clerk_cannot_receive(
        demo_facet: app.Facet, manager: Actor, clerk: Actor) -> None:
    before = table_counts(demo_facet)
    with pytest.raises(ValidationError) as raised:
        inventory.receive_new_item(new_piece(status="sold", quantity="0"), uow=demo_facet.uow(), actor=manager)
    assert raised.value.field == "status"
    with pytest.raises(PermissionDenied):
        inventory.receive_new_item(new_piece(), uow=demo_facet.uow(), actor=clerk)
    assert table_counts(demo_facet) == {**before, "audit_events": before["audit_events"] + 1}, "only the refusal"


# ---------------------------------------------------------------- editing


def test_update_item_saves_and_audits_exactly_the_changed_fields(demo_facet: app.Facet, manager: Actor) -> None:
    record = inventory.receive_new_item(new_piece(), uow=demo_facet.uow(), actor=manager)
    audit0, outbox0 = last_seqs(demo_facet)
    fields = item_fields(record.spec)
    fields.update(title="Oval Solitaire Necklace, 18 in", price="4,495.00", location="Safe")
    updated = inventory.update_item(record.id, fields, uow=demo_facet.uow(), actor=manager)

    assert updated.spec.title == "Oval Solitaire Necklace, 18 in"
    assert updated.spec.price.cents == 449500 and updated.spec.location == "Safe"
    assert updated.on_hand == 1
    events = audit_since(demo_facet, audit0)
    assert [(e[0], e[2]) for e in events] == [("item.updated", record.id)]
    assert json.loads(events[0][3]) == {"sku": "NEW-1", "fields": ["location", "price", "title"]}
    assert outbox_since(demo_facet, outbox0) == {("items", record.id, "update")}


def test_saving_an_item_unchanged_writes_nothing(demo_facet: app.Facet, manager: Actor) -> None:
    piece = unique_in_stock(demo_facet)
    detail = inventory.item_detail(piece.id, uow=demo_facet.uow(), actor=manager)
    before = table_counts(demo_facet)
    inventory.update_item(piece.id, detail.fields, uow=demo_facet.uow(), actor=manager)
    assert table_counts(demo_facet) == before


def test_sold_cannot_be_set_or_cleared_by_editing(demo_facet: app.Facet, manager: Actor) -> None:
    piece = unique_in_stock(demo_facet)
    fields = inventory.item_detail(piece.id, uow=demo_facet.uow(), actor=manager).fields
    before = table_counts(demo_facet)
    with pytest.raises(ValidationError) as raised:
        inventory.update_item(piece.id, {**fields, "status": "sold"}, uow=demo_facet.uow(), actor=manager)
    assert raised.value.field == "status"

    sold = rows(demo_facet, "SELECT id FROM items WHERE status = 'sold' LIMIT 1")[0][0]
    sold_fields = inventory.item_detail(sold, uow=demo_facet.uow(), actor=manager).fields
    with pytest.raises(ValidationError) as raised:
        inventory.update_item(sold, {**sold_fields, "status": "available"}, uow=demo_facet.uow(), actor=manager)
    assert raised.value.field == "status"
    assert table_counts(demo_facet) == before


def test_tracking_cannot_change_once_the_item_exists(demo_facet: app.Facet, manager: Actor) -> None:
    item = counted_item(demo_facet)
    fields = inventory.item_detail(item.id, uow=demo_facet.uow(), actor=manager).fields
    fields.update(tracking="unique", reorder_point="", quantity="1", serial="X1")
    with pytest.raises(ValidationError) as raised:
        inventory.update_item(item.id, fields, uow=demo_facet.uow(), actor=manager)
    assert raised.value.field == "tracking"


def test_a_clerk_cannot_edit_items_and_an_unknown_item_is_not_found(
        demo_facet: app.Facet, manager: Actor, clerk: Actor) -> None:
    piece = unique_in_stock(demo_facet)
    fields = inventory.item_detail(piece.id, uow=demo_facet.uow(), actor=manager).fields
    with pytest.raises(PermissionDenied):
        inventory.update_item(piece.id, {**fields, "title": "Clerk edit"}, uow=demo_facet.uow(), actor=clerk)
    with pytest.raises(NotFound):
        inventory.update_item("no-such-id", fields, uow=demo_facet.uow(), actor=manager)


# ---------------------------------------------------------------- adjusting stock


def test_adjust_stock_writes_an_adjustment_movement_with_its_reason(demo_facet: app.Facet, manager: Actor) -> None:
    item = counted_item(demo_facet)
    audit0, _ = last_seqs(demo_facet)
    after = inventory.adjust_stock(item.id, -1, "  broken clasp  ", uow=demo_facet.uow(), actor=manager)
    assert after.on_hand == item.on_hand - 1
    assert rows(demo_facet, "SELECT kind, quantity, reason, staff_id FROM stock_movements "
                            "WHERE item_id = ? AND kind = 'adjustment'", (item.id,)) == [
        ("adjustment", -1, "broken clasp", manager.staff_id)]
    events = audit_since(demo_facet, audit0)
    assert [e[0] for e in events] == ["stock.adjusted"]
    assert "reason" not in json.loads(events[0][3])  # free text stays on the ledger line, out of the audit trail


def test_a_clerk_alone_cannot_adjust_stock_and_nothing_is_written(demo_facet: app.Facet, clerk: Actor) -> None:
    item = counted_item(demo_facet)
    before = table_counts(demo_facet)
    with pytest.raises(ApprovalNeeded, match="needs a manager's approval") as asked:
        inventory.adjust_stock(item.id, -1, "lost", uow=demo_facet.uow(), actor=clerk)
    assert asked.value.permission is Permission.ADJUST_STOCK
    assert table_counts(demo_facet) == before


@pytest.mark.parametrize(("change", "reason", "field"), [
    (-1, "", "reason"),
    (-1, "  x ", "reason"),
    (0, "recount", "quantity"),
    (-1000, "all gone", "quantity"),
])
def test_adjust_stock_needs_a_reason_and_cannot_go_negative(
        demo_facet: app.Facet, manager: Actor, change: int, reason: str, field: str) -> None:
    item = counted_item(demo_facet)
    before = table_counts(demo_facet)
    with pytest.raises(ValidationError) as raised:
        inventory.adjust_stock(item.id, change, reason, uow=demo_facet.uow(), actor=manager)
    assert raised.value.field == field
    assert table_counts(demo_facet) == before


def test_a_unique_piece_is_either_here_or_not(demo_facet: app.Facet, manager: Actor) -> None:
    piece = unique_in_stock(demo_facet)
    with pytest.raises(ValidationError, match=r"either here \(1\) or not \(0\)"):
        inventory.adjust_stock(piece.id, 1, "found a second one", uow=demo_facet.uow(), actor=manager)
    gone = inventory.adjust_stock(piece.id, -1, "missing after inventory", uow=demo_facet.uow(), actor=manager)
    assert gone.on_hand == 0
    with pytest.raises(ValidationError):
        inventory.adjust_stock(piece.id, -1, "again", uow=demo_facet.uow(), actor=manager)
    back = inventory.adjust_stock(piece.id, 1, "found in the safe", uow=demo_facet.uow(), actor=manager)
    assert back.on_hand == 1


# ---------------------------------------------------------------- photos


def test_jpeg_and_png_photos_are_kept_in_the_store_in_order(demo_facet: app.Facet, manager: Actor) -> None:
    piece = unique_in_stock(demo_facet)
    first = inventory.add_photo(piece.id, JPEG, uow=demo_facet.uow(), actor=manager)
    second = inventory.add_photo(piece.id, PNG, uow=demo_facet.uow(), actor=manager)
    photos = inventory.item_detail(piece.id, uow=demo_facet.uow(), actor=manager).photos
    assert [(p.id, p.mime_type, p.position, p.data) for p in photos] == [
        (first, "image/jpeg", 0, JPEG), (second, "image/png", 1, PNG)]
    inventory.remove_photo(first, uow=demo_facet.uow(), actor=manager)
    assert [p.id for p in inventory.item_detail(piece.id, uow=demo_facet.uow(), actor=manager).photos] == [second]
    with pytest.raises(NotFound):
        inventory.remove_photo(first, uow=demo_facet.uow(), actor=manager)


@pytest.mark.parametrize("data", [
    b"GIF89a" + bytes(100),
    b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    b"%PDF-1.7\n",
    b"",
    b"\x00\x00\x00\x0cjP  " + bytes(100),
], ids=["gif", "svg", "pdf", "empty", "jpeg2000"])
def test_only_jpeg_and_png_photos_are_accepted_by_their_bytes(
        demo_facet: app.Facet, manager: Actor, data: bytes) -> None:
    piece = unique_in_stock(demo_facet)
    before = table_counts(demo_facet)
    with pytest.raises(ValidationError) as raised:
        inventory.add_photo(piece.id, data, uow=demo_facet.uow(), actor=manager)
    assert raised.value.field == "photo"
    assert table_counts(demo_facet) == before


def test_a_photo_larger_than_the_limit_is_refused(demo_facet: app.Facet, manager: Actor) -> None:
    piece = unique_in_stock(demo_facet)
    too_big = JPEG + bytes(inventory.MAX_PHOTO_BYTES)
    with pytest.raises(ValidationError, match="larger than 10 MB"):
        inventory.add_photo(piece.id, too_big, uow=demo_facet.uow(), actor=manager)
    at_limit = JPEG + bytes(inventory.MAX_PHOTO_BYTES - len(JPEG))
    inventory.add_photo(piece.id, at_limit, uow=demo_facet.uow(), actor=manager)


def test_a_clerk_cannot_add_photos(demo_facet: app.Facet, clerk: Actor) -> None:
    with pytest.raises(PermissionDenied):
        inventory.add_photo(unique_in_stock(demo_facet).id, JPEG, uow=demo_facet.uow(), actor=clerk)


# ---------------------------------------------------------------- what a clerk sees


def test_cost_is_hidden_from_clerks_in_rows_and_detail(
        demo_facet: app.Facet, manager: Actor, clerk: Actor) -> None:
    reader = demo_facet.store.inventory
    piece = unique_in_stock(demo_facet)
    seqs = inventory.find_seqs(InventoryFilter(), "sku", False, reader=reader, actor=clerk, uow=demo_facet.uow())[:50]

    assert all(r.cost_cents is None for r in inventory.rows_for(seqs, reader=reader, actor=clerk, uow=demo_facet.uow()))
    assert any(r.cost_cents for r in inventory.rows_for(seqs, reader=reader, actor=manager, uow=demo_facet.uow()))
    assert all(r.cost_cents is None for r in inventory.search("necklace", reader=reader, actor=clerk, uow=demo_facet.uow()))
    assert inventory.lookup(piece.sku, reader=reader, actor=clerk, uow=demo_facet.uow()).cost_cents is None  # type: ignore[union-attr]
    assert inventory.lookup(piece.sku, reader=reader, actor=manager, uow=demo_facet.uow()).cost_cents  # type: ignore[union-attr]

    seen_by_clerk = inventory.item_detail(piece.id, uow=demo_facet.uow(), actor=clerk)
    assert seen_by_clerk.can_see_cost is False
    assert seen_by_clerk.record.spec.cost is None
    assert seen_by_clerk.fields["cost"] == ""
    seen_by_manager = inventory.item_detail(piece.id, uow=demo_facet.uow(), actor=manager)
    assert seen_by_manager.can_see_cost and seen_by_manager.fields["cost"] != ""


def test_editing_an_item_keeps_its_cost(
        demo_facet: app.Facet, manager: Actor) -> None:
    record = inventory.receive_new_item(new_piece(), uow=demo_facet.uow(), actor=manager)
    fields = item_fields(record.spec)
    updated = inventory.update_item(record.id, {**fields, "title": "Renamed Necklace"},
                                    uow=demo_facet.uow(), actor=manager)
    assert updated.spec.cost is not None and updated.spec.cost.cents == 190000


# ---------------------------------------------------------------- search and lookups


def test_search_treats_typed_syntax_as_text_and_finds_what_it_should(
        demo_facet: app.Facet, manager: Actor) -> None:
    reader = demo_facet.store.inventory
    for text in ('SKU-000*', '"', 'halo "', '"halo', 'AND', 'OR NOT', '(', 'sku:halo', '*', "-", "'", "NEAR(a b)"):
        inventory.search(text, reader=reader, actor=manager, uow=demo_facet.uow())  # does not raise

    inventory.receive_new_item(new_piece(sku="SKU-0001", barcode="", title='The "Aurora" Necklace'),
                               uow=demo_facet.uow(), actor=manager)
    assert [r.sku for r in inventory.search("SKU-000*", reader=reader, actor=manager, uow=demo_facet.uow())] == ["SKU-0001"]
    assert [r.sku for r in inventory.search('"aurora', reader=reader, actor=manager, uow=demo_facet.uow())] == ["SKU-0001"]
    assert [r.sku for r in inventory.search('aurora"', reader=reader, actor=manager, uow=demo_facet.uow())] == ["SKU-0001"]

    halos = inventory.search('halo "', reader=reader, actor=manager, limit=500, uow=demo_facet.uow())
    assert halos and any(r.style == "halo" for r in halos)
    assert {r.sku for r in halos} == {r.sku for r in inventory.search("halo", reader=reader, actor=manager, limit=500, uow=demo_facet.uow())}
    assert inventory.search('"', reader=reader, actor=manager, limit=5, uow=demo_facet.uow()) == inventory.search(
        "", reader=reader, actor=manager, limit=5, uow=demo_facet.uow()), "a lone quote is no filter at all"


def test_search_matches_prefixes_of_every_word_together(demo_facet: app.Facet, manager: Actor) -> None:
    reader = demo_facet.store.inventory
    skus = inventory.search("SOL-10", reader=reader, actor=manager, limit=500, uow=demo_facet.uow())
    assert skus and all(r.sku.startswith("SOL-10") for r in skus)
    both = inventory.search("lab hal", reader=reader, actor=manager, limit=500, uow=demo_facet.uow())
    assert both and all("lab" in r.title.lower() for r in both)
    cert = rows(demo_facet, "SELECT sku, cert_number FROM items WHERE cert_number IS NOT NULL LIMIT 1")[0]
    assert cert[0] in {r.sku for r in inventory.search(cert[1], reader=reader, actor=manager, uow=demo_facet.uow())}


def test_barcode_lookup_finds_by_barcode_then_sku(demo_facet: app.Facet, clerk: Actor) -> None:
    reader = demo_facet.store.inventory
    piece = unique_in_stock(demo_facet)
    assert inventory.lookup(piece.barcode, reader=reader, actor=clerk, uow=demo_facet.uow()).id == piece.id  # type: ignore[union-attr]
    assert inventory.lookup(f"  {piece.barcode}\n", reader=reader, actor=clerk, uow=demo_facet.uow()).id == piece.id  # type: ignore[union-attr]
    assert inventory.lookup(piece.sku, reader=reader, actor=clerk, uow=demo_facet.uow()).id == piece.id  # type: ignore[union-attr]
    assert inventory.lookup("000000000000", reader=reader, actor=clerk, uow=demo_facet.uow()) is None


def test_a_privacy_officer_cannot_read_the_inventory(demo_facet: app.Facet) -> None:
    officer = actor_for(demo_facet, Role.PRIVACY_OFFICER)
    with pytest.raises(PermissionDenied):
        inventory.search("halo", reader=demo_facet.store.inventory, actor=officer, uow=demo_facet.uow())


def test_history_lists_the_ledger_newest_first(demo_facet: app.Facet, manager: Actor) -> None:
    record = inventory.receive_new_item(new_counted(), uow=demo_facet.uow(), actor=manager)
    inventory.adjust_stock(record.id, -2, "two damaged", uow=demo_facet.uow(), actor=manager)
    history = inventory.history(record.id, reader=demo_facet.store.inventory, actor=manager, uow=demo_facet.uow())
    assert [(m.kind, m.quantity, m.staff_name) for m in history] == [
        ("adjustment", -2, manager.name), ("receive", 5, manager.name)]
    assert all(m.at.tzinfo is not None for m in history)


# ---------------------------------------------------------------- stock reports


def test_low_stock_lists_counted_items_at_or_below_their_reorder_point(
        demo_facet: app.Facet, manager: Actor) -> None:
    reader = demo_facet.store.inventory
    record = inventory.receive_new_item(new_counted(), uow=demo_facet.uow(), actor=manager)
    assert "CNT-1" not in {r.item.sku for r in reader.low_stock()}
    inventory.adjust_stock(record.id, -3, "sold at a show", uow=demo_facet.uow(), actor=manager)
    low = {r.item.sku: r for r in reader.low_stock()}
    assert low["CNT-1"].item.on_hand == 2 and low["CNT-1"].reorder_point == 2
    assert all(r.item.tracking == "counted" and r.item.on_hand <= r.reorder_point for r in low.values())


def test_aging_lists_in_stock_items_by_days_since_received(demo_facet: app.Facet, manager: Actor) -> None:
    reader = demo_facet.store.inventory
    today = store_today(demo_facet.profile.timezone)
    old = today - dt.timedelta(days=400)
    inventory.receive_new_item(new_piece(received_on=old.isoformat()), uow=demo_facet.uow(), actor=manager)
    aged = {r.item.sku: r for r in reader.aging(today, min_days=365)}
    assert aged["NEW-1"].days_in_stock == 400
    assert all(r.days_in_stock >= 365 and r.item.on_hand > 0 for r in aged.values())
    days = [r.days_in_stock for r in aged.values()]
    assert days == sorted(days, reverse=True), "oldest first"

    record_id = aged["NEW-1"].item.id
    inventory.adjust_stock(record_id, -1, "sent to the vendor", uow=demo_facet.uow(), actor=manager)
    assert "NEW-1" not in {r.item.sku for r in reader.aging(today, min_days=365)}

    buckets = reader.aging_buckets(today)
    assert [b.label for b in buckets] == ["0–90 days", "91–180 days", "181–365 days", "over 365 days"]
    in_stock = rows(demo_facet, "SELECT coalesce(sum(q), 0) FROM (SELECT sum(quantity) AS q FROM stock_movements "
                                "GROUP BY item_id HAVING q > 0)")[0][0]
    assert sum(b.pieces for b in buckets) == in_stock


def test_the_inventory_list_filters_sorts_and_counts(demo_facet: app.Facet, manager: Actor) -> None:
    reader = demo_facet.store.inventory
    flt = InventoryFilter(styles=("halo",), locations=("Safe",), in_stock_only=True)
    seqs = inventory.find_seqs(flt, "price", True, reader=reader, actor=manager, uow=demo_facet.uow())
    listed = inventory.rows_for(seqs, reader=reader, actor=manager, uow=demo_facet.uow())
    assert reader.count(flt) == len(listed) > 0
    assert all(r.style == "halo" and r.location == "Safe" and r.on_hand > 0 for r in listed)
    prices = [r.price_cents for r in listed]
    assert prices == sorted(prices, reverse=True)


def test_the_stock_ledger_refuses_to_be_edited_or_deleted(demo_facet: app.Facet) -> None:
    conn = demo_facet.connection()
    try:
        for sql in ("UPDATE stock_movements SET quantity = 5", "DELETE FROM stock_movements"):
            with pytest.raises(sqlcipher3.IntegrityError, match="append-only"):
                conn.execute(sql)
    finally:
        conn.close()


def test_quantity_on_hand_shown_in_lists_is_the_ledgers_sum(demo_facet: app.Facet) -> None:
    manager = actor_for(demo_facet, Role.MANAGER)
    reader = demo_facet.store.inventory
    counted = next(r for r in reader.search("bezel", 200) if r.tracking == "counted")
    inventory.adjust_stock(counted.id, 4, "found in the safe", uow=demo_facet.uow(), actor=manager)
    conn = demo_facet.connection()
    try:
        drift = conn.execute(
            "SELECT count(*) FROM items i WHERE i.on_hand != "
            "(SELECT coalesce(sum(m.quantity), 0) FROM stock_movements m WHERE m.item_id = i.id)").fetchone()[0]
    finally:
        conn.close()
    assert drift == 0
    assert reader.lookup_code(counted.sku).on_hand == counted.on_hand + 4
