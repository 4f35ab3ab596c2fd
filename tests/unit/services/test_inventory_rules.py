"""Inventory service rules on the fakes: receiving, editing, adjusting stock, photos."""

from __future__ import annotations

import pytest

from pos_app.domain.errors import NotFound, PermissionDenied, ValidationError
from pos_app.domain.jewelry import ItemStatus, Tracking
from pos_app.domain.permissions import Role
from pos_app.services import inventory
from pos_app.services.guard import ApprovalNeeded
from tests.fakes.builders import actor, add_item, item_spec, staff_id
from tests.fakes.uow import FakeUnitOfWork

MANAGER, CLERK, OWNER = actor(Role.MANAGER), actor(Role.CLERK), actor(Role.OWNER)
JPEG, PNG = b"\xff\xd8\xff\xe0 a jpeg", b"\x89PNG\r\n\x1a\n a png"


def form(**changes: str) -> dict[str, str]:
    return {"sku": "NK-100", "style": "solitaire", "title": "Platinum solitaire", "metal": "platinum",
            "price": "2500.00", "cost": "1000.00", "tracking": "unique", "location": "Case 1", "stone_count": "1",
            "total_carat": "1.00", **changes}


def test_receiving_a_piece_writes_the_item_its_receipt_and_one_event(uow: FakeUnitOfWork) -> None:
    record = inventory.receive_new_item(form(), uow=uow, actor=MANAGER, reference="INV-7")
    assert (record.spec.sku, record.on_hand) == ("NK-100", 1)
    assert [(m.kind, m.quantity, m.reference) for m in uow.state.moves] == [("receive", 1, "INV-7")]
    assert uow.committed == [("item.received",)]
    assert uow.events[0].summary == {"sku": "NK-100", "quantity": 1}


def test_a_received_piece_is_dated_today_in_the_store_when_no_date_is_given(uow: FakeUnitOfWork) -> None:
    record = inventory.receive_new_item(form(), uow=uow, actor=MANAGER)
    assert record.spec.received_on == inventory.store_context(uow).today


def test_refuses_a_piece_received_as_already_sold(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ValidationError) as refused:
        inventory.receive_new_item(form(status="sold", quantity="0"), uow=uow, actor=MANAGER)
    assert refused.value.field == "status"
    assert (uow.state.items, uow.commits) == ({}, 0)


def test_refuses_a_sku_already_used(uow: FakeUnitOfWork) -> None:
    add_item(uow, sku="NK-100")
    before = uow.state.snapshot()
    with pytest.raises(ValidationError) as refused:
        inventory.receive_new_item(form(), uow=uow, actor=MANAGER)
    assert refused.value.field == "sku"
    assert uow.state == before


def test_refuses_a_barcode_already_on_another_item(uow: FakeUnitOfWork) -> None:
    add_item(uow, sku="NK-1", barcode="123456")
    with pytest.raises(ValidationError) as refused:
        inventory.receive_new_item(form(barcode="123456"), uow=uow, actor=MANAGER)
    assert refused.value.field == "barcode"


def test_asks_before_receiving_a_piece_with_unknown_cost_and_writes_nothing(uow: FakeUnitOfWork) -> None:
    with pytest.raises(inventory.ReceiveUnconfirmed) as asked:
        inventory.receive_new_item(form(cost=""), uow=uow, actor=MANAGER, ask_first=True)
    assert [w.field for w in asked.value.warnings] == ["cost"]
    assert (uow.state.items, uow.state.moves, uow.events) == ({}, [], [])


def test_a_confirmed_receipt_names_what_was_left_unknown(uow: FakeUnitOfWork) -> None:
    inventory.receive_new_item(form(cost="", stone_count="", total_carat=""), uow=uow, actor=MANAGER)
    assert uow.events[0].summary["unknown"] == ["cost", "stone_count", "total_carat"]


def test_receiving_more_adds_to_counted_stock(uow: FakeUnitOfWork) -> None:
    item = add_item(uow, sku="CH-1", tracking=Tracking.COUNTED, quantity=2)
    assert inventory.receive_more(item, 3, uow=uow, actor=MANAGER).on_hand == 5
    assert uow.events[-1].action == "stock.received" and uow.events[-1].summary == {"sku": "CH-1", "quantity": 3}


def test_receiving_more_refuses_less_than_one(uow: FakeUnitOfWork) -> None:
    item = add_item(uow, sku="CH-1", tracking=Tracking.COUNTED, quantity=2)
    with pytest.raises(ValidationError, match="quantity"):
        inventory.receive_more(item, 0, uow=uow, actor=MANAGER)


def test_receiving_more_of_a_unique_piece_is_refused(uow: FakeUnitOfWork) -> None:
    item = add_item(uow)
    with pytest.raises(ValidationError, match="unique piece is received once"):
        inventory.receive_more(item, 1, uow=uow, actor=MANAGER)
    assert uow.state.on_hand(item) == 1


def test_an_edit_cannot_change_tracking(uow: FakeUnitOfWork) -> None:
    item = add_item(uow, sku="NK-100")
    with pytest.raises(ValidationError) as refused:
        inventory.update_item(item, form(tracking="counted"), uow=uow, actor=MANAGER)
    assert refused.value.field == "tracking"


def test_an_edit_cannot_mark_a_piece_sold(uow: FakeUnitOfWork) -> None:
    item = add_item(uow, sku="NK-100")
    with pytest.raises(ValidationError, match="'sold' is set by a sale"):
        inventory.update_item(item, form(status="sold", quantity="0"), uow=uow, actor=MANAGER)
    assert uow.state.items[item].spec.status is ItemStatus.AVAILABLE


def test_an_edit_records_the_fields_that_changed_and_nothing_when_none_did(uow: FakeUnitOfWork) -> None:
    item = inventory.receive_new_item(form(received_on="2026-01-05"), uow=uow, actor=MANAGER).id
    inventory.update_item(item, form(received_on="2026-01-05"), uow=uow, actor=MANAGER)
    assert uow.actions() == ["item.received"]
    inventory.update_item(item, form(received_on="2026-01-05", price="2600.00", title="Platinum solitaire, 1 ct"),
                          uow=uow, actor=MANAGER)
    assert uow.events[-1].action == "item.updated"
    assert uow.events[-1].summary == {"sku": "NK-100", "fields": ["price", "title"]}


def test_a_clerks_stock_adjustment_needs_a_managers_approval(uow: FakeUnitOfWork) -> None:
    item = add_item(uow, sku="CH-1", tracking=Tracking.COUNTED, quantity=4)
    with pytest.raises(ApprovalNeeded):
        inventory.adjust_stock(item, -1, "broken clasp", uow=uow, actor=CLERK)
    assert uow.state.on_hand(item) == 4
    inventory.adjust_stock(item, -1, "broken clasp", uow=uow, actor=CLERK, approver=MANAGER)
    assert uow.state.on_hand(item) == 3
    event = uow.events[-1]
    assert (event.action, event.actor, event.approved_by) == ("stock.adjusted", CLERK, staff_id(Role.MANAGER))
    assert event.summary == {"sku": "CH-1", "change": -1}  # the free-text reason stays on the ledger


def test_an_approver_without_the_permission_cannot_approve_an_adjustment(uow: FakeUnitOfWork) -> None:
    item = add_item(uow, sku="CH-1", tracking=Tracking.COUNTED, quantity=4)
    with pytest.raises(PermissionDenied, match="cannot approve"):
        inventory.adjust_stock(item, -1, "broken", uow=uow, actor=CLERK, approver=actor(Role.APPRAISER))


@pytest.mark.parametrize(("change", "reason", "field"), [(-1, "no", "reason"), (0, "counted again", "quantity")])
def test_an_adjustment_needs_a_reason_and_a_change(uow: FakeUnitOfWork, change: int, reason: str,
                                                    field: str) -> None:
    item = add_item(uow, sku="CH-1", tracking=Tracking.COUNTED, quantity=4)
    with pytest.raises(ValidationError) as refused:
        inventory.adjust_stock(item, change, reason, uow=uow, actor=MANAGER)
    assert refused.value.field == field


def test_an_adjustment_cannot_take_stock_below_zero(uow: FakeUnitOfWork) -> None:
    item = add_item(uow, sku="CH-1", tracking=Tracking.COUNTED, quantity=2)
    with pytest.raises(ValidationError, match="only 2 on hand; cannot remove 3"):
        inventory.adjust_stock(item, -3, "lost in transit", uow=uow, actor=MANAGER)
    assert (uow.state.on_hand(item), uow.events) == (2, [])


def test_a_unique_piece_is_either_here_or_not(uow: FakeUnitOfWork) -> None:
    item = add_item(uow)
    with pytest.raises(ValidationError, match="either here"):
        inventory.adjust_stock(item, 1, "found a second", uow=uow, actor=MANAGER)


def test_photos_are_checked_first_and_saved_together_or_not_at_all(uow: FakeUnitOfWork) -> None:
    item = add_item(uow)
    with pytest.raises(ValidationError) as refused:
        inventory.add_photos(item, [JPEG, b"GIF89a"], uow=uow, actor=MANAGER)
    assert refused.value.field == "photo 2 of 2"
    assert uow.state.photos == {}
    ids = inventory.add_photos(item, [JPEG, PNG], uow=uow, actor=MANAGER)
    assert [p.id for p in uow.photos.for_item(item)] == ids
    assert uow.events[-1].summary == {"sku": "NK-1", "photos": 2, "bytes": len(JPEG) + len(PNG)}


def test_a_photo_over_ten_megabytes_is_refused(uow: FakeUnitOfWork) -> None:
    item = add_item(uow)
    with pytest.raises(ValidationError, match="larger than 10 MB"):
        inventory.add_photo(item, JPEG + bytes(inventory.MAX_PHOTO_BYTES), uow=uow, actor=MANAGER)


def test_removing_a_photo_twice_says_it_is_gone(uow: FakeUnitOfWork) -> None:
    item = add_item(uow)
    photo = inventory.add_photo(item, JPEG, uow=uow, actor=MANAGER)
    inventory.remove_photo(photo, uow=uow, actor=MANAGER)
    assert uow.events[-1].action == "item.photo_removed"
    with pytest.raises(NotFound):
        inventory.remove_photo(photo, uow=uow, actor=MANAGER)


def test_a_clerk_sees_an_item_without_its_cost(uow: FakeUnitOfWork) -> None:
    item = add_item(uow, spec=item_spec(cost_cents=90_000))
    assert inventory.item_detail(item, uow=uow, actor=CLERK).record.spec.cost is None
    assert inventory.item_detail(item, uow=uow, actor=CLERK).fields["cost"] == ""
    assert inventory.item_detail(item, uow=uow, actor=OWNER).record.spec.cost is not None


def test_nothing_is_received_before_the_store_is_set_up() -> None:
    from tests.fakes.builders import fake_store

    uow = fake_store()
    uow.state.profile = None
    with pytest.raises(NotFound, match="not been set up"):
        inventory.receive_new_item(form(), uow=uow, actor=MANAGER)
    assert uow.state.items == {}


def test_a_piece_is_received_only_into_one_of_the_stores_locations(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ValidationError) as refused:
        inventory.receive_new_item(form(location="Attic"), uow=uow, actor=MANAGER)
    assert refused.value.field == "location"
    uow.state.settings["inventory.locations"] = ["Attic"]
    assert inventory.receive_new_item(form(location="attic"), uow=uow, actor=MANAGER).spec.location == "Attic"
