"""Counting a case: scans, the report of what is missing or unexpected, and posting the differences."""

from __future__ import annotations

from typing import Any

import pytest

from pos_app import app
from pos_app.domain.errors import Conflict, PermissionDenied, ValidationError
from pos_app.domain.permissions import Actor, Role
from pos_app.services import inventory, stock_count
from pos_app.services.ports.inventory import ItemRow
from tests.conftest import actor_for

LOCATION = "Case 3"



def scan(facet: app.Facet, count_id: str, code: str, actor: Actor) -> stock_count.ScanResult:
    return stock_count.scan(count_id, code, uow=facet.uow(), reader=facet.store.inventory, actor=actor)


def movements(facet: app.Facet, kind: str) -> list[tuple[Any, ...]]:
    conn = facet.connection()
    try:
        return conn.execute("SELECT item_id, quantity, reason, staff_id FROM stock_movements WHERE kind = ? "
                            "ORDER BY item_id", (kind,)).fetchall()
    finally:
        conn.close()


class Case:
    """Case 3 of the demo, split the way a count finds it."""

    def __init__(self, facet: app.Facet) -> None:
        expected = facet.store.inventory.expected_at(LOCATION)
        self.unique = [r for r in expected if r.tracking == "unique"]
        self.counted = [r for r in expected if r.tracking == "counted"]
        assert len(self.unique) >= 3 and len(self.counted) >= 2, "the demo's Case 3 holds both kinds"
        self.missing_piece = self.unique[0]
        self.twice_scanned = self.unique[1]
        self.short_line = next(r for r in self.counted if r.on_hand >= 2)
        self.elsewhere: ItemRow = next(
            r for r in facet.store.inventory.expected_at("Safe") if r.tracking == "unique")


def count_the_case(facet: app.Facet, clerk: Actor, case: Case) -> tuple[str, dict[str, stock_count.ScanResult]]:
    """Scan everything in the case except one piece, one short on a counted line; add surprises."""
    count_id = stock_count.start_count(LOCATION, uow=facet.uow(), actor=clerk)
    results: dict[str, stock_count.ScanResult] = {}
    for row in case.unique:
        if row is not case.missing_piece:
            results[row.sku] = scan(facet, count_id, row.barcode or row.sku, clerk)
    results["again"] = scan(facet, count_id, case.twice_scanned.barcode or "", clerk)
    for row in case.counted:
        times = row.on_hand - 1 if row is case.short_line else row.on_hand
        for _ in range(times):
            results[row.sku] = scan(facet, count_id, row.sku, clerk)
    results["elsewhere"] = scan(facet, count_id, case.elsewhere.barcode or "", clerk)
    results["unknown"] = scan(facet, count_id, "  NO-SUCH-CODE  ", clerk)
    return count_id, results


def test_scans_say_what_each_code_is(demo_facet: app.Facet, clerk: Actor) -> None:
    case = Case(demo_facet)
    count_id, results = count_the_case(demo_facet, clerk, case)
    assert results[case.unique[2].sku].ok and results[case.unique[2].sku].item.id == case.unique[2].id  # type: ignore[union-attr]
    assert not results["again"].ok and "already scanned" in results["again"].message
    assert not results["elsewhere"].ok
    assert results["elsewhere"].message == f"{case.elsewhere.sku} belongs in Safe, not {LOCATION}"
    assert not results["unknown"].ok and results["unknown"].item is None
    assert results["unknown"].code == "NO-SUCH-CODE"
    with pytest.raises(ValidationError):
        scan(demo_facet, count_id, "   ", clerk)


def test_report_shows_matched_missing_unexpected_and_unknown(demo_facet: app.Facet, clerk: Actor) -> None:
    case = Case(demo_facet)
    count_id, _ = count_the_case(demo_facet, clerk, case)

    report = stock_count.report(count_id, reader=demo_facet.store.inventory, actor=clerk, uow=demo_facet.uow())

    assert report.status == "open" and report.location == LOCATION
    assert [line.item.id for line in report.missing] == [case.missing_piece.id]
    assert [(line.item.id, line.expected, line.counted) for line in report.unexpected] == [
        (case.elsewhere.id, 0, 1)]
    assert report.unknown_codes == ("NO-SUCH-CODE",)
    matched = {line.item.id: line for line in report.matched}
    assert matched[case.twice_scanned.id].counted == 1, "a unique piece scanned twice is one piece"
    assert matched[case.short_line.id].difference == -1
    assert {line.item.id: line.difference for line in report.differences} == {
        case.missing_piece.id: -1, case.short_line.id: -1, case.elsewhere.id: 1}


def test_clerks_can_count_but_not_post(demo_facet: app.Facet, clerk: Actor) -> None:
    case = Case(demo_facet)
    count_id, _ = count_the_case(demo_facet, clerk, case)
    with pytest.raises(PermissionDenied):
        stock_count.post_count(count_id, uow=demo_facet.uow(), reader=demo_facet.store.inventory, actor=clerk)
    assert movements(demo_facet, "count") == []
    report = stock_count.report(count_id, reader=demo_facet.store.inventory, actor=clerk, uow=demo_facet.uow())
    assert report.status == "open"


def test_posting_writes_count_movements_only_for_differences_of_the_locations_own_items(
        demo_facet: app.Facet, clerk: Actor, manager: Actor) -> None:
    case = Case(demo_facet)
    count_id, _ = count_the_case(demo_facet, clerk, case)
    reader = demo_facet.store.inventory

    posted = stock_count.post_count(count_id, uow=demo_facet.uow(), reader=reader, actor=manager)

    assert posted.status == "posted"
    reason = f"stock count {LOCATION}"
    assert movements(demo_facet, "count") == sorted([
        (case.missing_piece.id, -1, reason, manager.staff_id),
        (case.short_line.id, -1, reason, manager.staff_id),
    ])
    assert reader.lookup_code(case.missing_piece.sku).on_hand == 0  # type: ignore[union-attr]
    assert reader.lookup_code(case.short_line.sku).on_hand == case.short_line.on_hand - 1  # type: ignore[union-attr]
    assert reader.lookup_code(case.elsewhere.sku).on_hand == 1, "its stock is right, its place is not"  # type: ignore[union-attr]
    conn = demo_facet.connection()
    try:
        action, posted_by = conn.execute(
            "SELECT a.action, c.posted_by FROM audit_events a JOIN stock_counts c ON c.id = a.entity_id "
            "WHERE a.entity_id = ? ORDER BY a.seq DESC LIMIT 1", (count_id,)).fetchone()
    finally:
        conn.close()
    assert (action, posted_by) == ("count.posted", manager.staff_id)


def test_a_posted_count_takes_no_more_scans_and_cannot_be_posted_again(
        demo_facet: app.Facet, clerk: Actor, manager: Actor) -> None:
    case = Case(demo_facet)
    count_id, _ = count_the_case(demo_facet, clerk, case)
    reader = demo_facet.store.inventory
    stock_count.post_count(count_id, uow=demo_facet.uow(), reader=reader, actor=manager)
    with pytest.raises(Conflict, match="already posted"):
        scan(demo_facet, count_id, case.missing_piece.sku, clerk)
    with pytest.raises(Conflict):
        stock_count.post_count(count_id, uow=demo_facet.uow(), reader=reader, actor=manager)
    assert len(movements(demo_facet, "count")) == 2


def test_counted_stock_found_in_its_own_location_with_none_on_record_is_posted(
        demo_facet: app.Facet, clerk: Actor, manager: Actor) -> None:
    case = Case(demo_facet)
    line = case.counted[0]
    inventory.adjust_stock(line.id, -line.on_hand, "written off", uow=demo_facet.uow(), actor=manager)
    count_id = stock_count.start_count(LOCATION, uow=demo_facet.uow(), actor=clerk)
    scan(demo_facet, count_id, line.sku, clerk)
    scan(demo_facet, count_id, line.sku, clerk)

    stock_count.post_count(count_id, uow=demo_facet.uow(), reader=demo_facet.store.inventory, actor=manager)

    posted = {item_id: quantity for item_id, quantity, *_ in movements(demo_facet, "count")}
    assert posted[line.id] == 2
    assert demo_facet.store.inventory.lookup_code(line.sku).on_hand == 2  # type: ignore[union-attr]


def test_undo_removes_the_last_scan_and_cancel_closes_without_posting(
        demo_facet: app.Facet, clerk: Actor) -> None:
    case = Case(demo_facet)
    count_id = stock_count.start_count(LOCATION, uow=demo_facet.uow(), actor=clerk)
    scan(demo_facet, count_id, case.unique[0].sku, clerk)
    scan(demo_facet, count_id, "OOPS", clerk)
    assert stock_count.undo_last_scan(count_id, uow=demo_facet.uow(), actor=clerk) == "OOPS"
    report = stock_count.report(count_id, reader=demo_facet.store.inventory, actor=clerk, uow=demo_facet.uow())
    assert report.unknown_codes == () and report.scanned == 1

    stock_count.cancel_count(count_id, uow=demo_facet.uow(), actor=clerk)
    with pytest.raises(Conflict, match="cancelled"):
        scan(demo_facet, count_id, case.unique[1].sku, clerk)
    assert movements(demo_facet, "count") == []


def test_a_count_is_of_a_known_location(demo_facet: app.Facet, clerk: Actor) -> None:
    with pytest.raises(ValidationError) as raised:
        stock_count.start_count("Basement", uow=demo_facet.uow(), actor=clerk)
    assert raised.value.field == "location"


def test_stock_received_while_a_case_is_counted_is_not_taken_away_by_the_count(empty_facet: app.Facet) -> None:
    manager = actor_for(empty_facet, Role.OWNER)
    record = inventory.receive_new_item(
        {"sku": "CH-1", "style": "bezel", "title": "Bezel Station Necklace", "metal": "14k_yellow",
         "price": "895", "tracking": "counted", "quantity": "3", "location": "Case 1"},
        uow=empty_facet.uow(), actor=manager)
    count_id = stock_count.start_count("Case 1", uow=empty_facet.uow(), actor=manager)
    for _ in range(3):
        scan(empty_facet, count_id, "CH-1", manager)
    inventory.receive_more(record.id, 2, uow=empty_facet.uow(), actor=manager)

    posted = stock_count.post_count(count_id, uow=empty_facet.uow(), reader=empty_facet.store.inventory,
                                    actor=manager)

    assert posted.differences == ()
    assert empty_facet.store.inventory.lookup_code("CH-1").on_hand == 5


def test_a_clerks_count_report_does_not_show_cost(demo_facet: app.Facet) -> None:
    clerk = actor_for(demo_facet, Role.CLERK)
    count_id = stock_count.start_count("Case 1", uow=demo_facet.uow(), actor=clerk)
    first = demo_facet.store.inventory.expected_at("Case 1")[0]
    result = scan(demo_facet, count_id, first.sku, clerk)
    report = stock_count.report(count_id, reader=demo_facet.store.inventory, actor=clerk, uow=demo_facet.uow())
    assert result.item is not None and result.item.cost_cents is None
    assert all(line.item.cost_cents is None for line in report.matched + report.missing)
