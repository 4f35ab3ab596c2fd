"""Counting a case on the fakes: scans, surprises, the report and posting its differences."""

from __future__ import annotations

import pytest

from pos_app.domain.errors import Conflict, ValidationError
from pos_app.domain.jewelry import Tracking
from pos_app.domain.permissions import Role
from pos_app.services import inventory, stock_count
from tests.fakes.builders import actor, add_item
from tests.fakes.inventory import FakeInventoryReader
from tests.fakes.uow import FakeUnitOfWork

CLERK, MANAGER = actor(Role.CLERK), actor(Role.MANAGER)


def started(uow: FakeUnitOfWork) -> tuple[str, FakeInventoryReader]:
    return stock_count.start_count("Case 1", uow=uow, actor=CLERK), FakeInventoryReader(uow.state)


def test_a_count_is_of_one_of_the_stores_locations(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ValidationError) as refused:
        stock_count.start_count("Attic", uow=uow, actor=CLERK)
    assert refused.value.field == "location" and uow.state.counts == {}


def test_a_scan_says_what_it_found_and_every_scan_is_recorded(uow: FakeUnitOfWork) -> None:
    add_item(uow, sku="NK-1", barcode="0001")
    count, reader = started(uow)
    assert stock_count.scan(count, "0001", uow=uow, reader=reader, actor=CLERK).ok
    again = stock_count.scan(count, "NK-1", uow=uow, reader=reader, actor=CLERK)
    assert (again.ok, again.message) == (False, "NK-1 was already scanned")
    unknown = stock_count.scan(count, "ZZZ", uow=uow, reader=reader, actor=CLERK)
    assert (unknown.ok, unknown.item) == (False, None)
    assert [e.summary["matched"] for e in uow.of("count.scanned")] == [True, True, False]


def test_a_piece_of_another_case_is_named_where_it_belongs(uow: FakeUnitOfWork) -> None:
    import dataclasses

    from tests.fakes.builders import item_spec

    add_item(uow, spec=dataclasses.replace(item_spec("NK-9"), location="Safe"))
    count, reader = started(uow)
    result = stock_count.scan(count, "NK-9", uow=uow, reader=reader, actor=CLERK)
    assert (result.ok, result.message) == (False, "NK-9 belongs in Safe, not Case 1")


def test_undo_takes_back_the_last_scan_only(uow: FakeUnitOfWork) -> None:
    add_item(uow, sku="NK-1")
    count, reader = started(uow)
    stock_count.scan(count, "NK-1", uow=uow, reader=reader, actor=CLERK)
    stock_count.scan(count, "ZZZ", uow=uow, reader=reader, actor=CLERK)
    assert stock_count.undo_last_scan(count, uow=uow, actor=CLERK) == "ZZZ"
    assert [s.code for s in uow.counts.get(count).scans] == ["NK-1"]  # type: ignore[union-attr]


def test_the_report_sorts_pieces_into_matched_missing_and_unknown(uow: FakeUnitOfWork) -> None:
    found, lost = add_item(uow, sku="NK-1"), add_item(uow, sku="NK-2")
    count, reader = started(uow)
    stock_count.scan(count, "NK-1", uow=uow, reader=reader, actor=CLERK)
    stock_count.scan(count, "NK-1", uow=uow, reader=reader, actor=CLERK)  # a unique piece twice is one piece
    stock_count.scan(count, "ZZZ", uow=uow, reader=reader, actor=CLERK)
    report = stock_count.report(count, reader=reader, actor=CLERK, uow=uow)
    assert [(line.item.id, line.counted) for line in report.matched] == [(found, 1)]
    assert [(line.item.id, line.difference) for line in report.missing] == [(lost, -1)]
    assert report.unknown_codes == ("ZZZ",)
    assert report.matched[0].item.cost_cents is None  # a clerk's report hides cost


def test_posting_adjusts_the_differences_and_closes_the_count(uow: FakeUnitOfWork) -> None:
    chains = add_item(uow, sku="CH-1", tracking=Tracking.COUNTED, quantity=3)
    lost = add_item(uow, sku="NK-2")
    count, reader = started(uow)
    for _ in range(4):
        stock_count.scan(count, "CH-1", uow=uow, reader=reader, actor=CLERK)
    posted = stock_count.post_count(count, uow=uow, reader=reader, actor=MANAGER)
    assert posted.status == "posted"
    assert (uow.state.on_hand(chains), uow.state.on_hand(lost)) == (4, 0)
    assert [(m.kind, m.quantity, m.reason) for m in uow.state.moves[-2:]] == [
        ("count", 1, "stock count Case 1"), ("count", -1, "stock count Case 1")]
    assert uow.of("count.posted")[0].summary == {"location": "Case 1", "adjusted": 2}
    with pytest.raises(Conflict, match="already posted"):
        stock_count.scan(count, "CH-1", uow=uow, reader=reader, actor=CLERK)


def test_a_clerk_counts_but_a_manager_posts(uow: FakeUnitOfWork) -> None:
    from pos_app.domain.errors import PermissionDenied

    count, reader = started(uow)
    with pytest.raises(PermissionDenied):
        stock_count.post_count(count, uow=uow, reader=reader, actor=CLERK)
    assert uow.state.counts[count]["status"] == "open"


def test_a_clerk_finds_items_without_their_cost(uow: FakeUnitOfWork) -> None:
    add_item(uow, sku="NK-1", barcode="0001")
    reader = FakeInventoryReader(uow.state)
    row = inventory.lookup("0001", reader=reader, actor=CLERK, uow=uow)
    assert row is not None and row.sku == "NK-1" and row.cost_cents is None
    assert inventory.lookup("0001", reader=reader, actor=MANAGER, uow=uow).cost_cents == 100_000  # type: ignore[union-attr]
    assert [r.sku for r in inventory.search("nk", reader=reader, actor=CLERK, uow=uow)] == ["NK-1"]
