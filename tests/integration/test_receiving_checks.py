"""Receiving a diamond necklace: what is refused (contradictions) and what is asked (unknowns).

A contradiction (a center stone heavier than all the stones, a necklace of
zero diamonds) is a typo nothing can make right: refused, nothing written.
What may simply not be known yet (the cost before the invoice, the stones
before grading) is asked: with `ask_first` the service writes nothing and says
what is missing; received anyway, the audit event lists what was left unknown.
"""

from __future__ import annotations

import json

import pytest

from pos_app import app
from pos_app.domain.errors import ValidationError
from pos_app.domain.permissions import Actor
from pos_app.services import inventory
from pos_app.services.inventory import ReceiveUnconfirmed
from tests.integration.test_inventory_services import new_piece, rows, table_counts

BARE = {"cost": "", "center_shape": "", "center_carat": "", "cert_lab": "", "cert_number": "", "total_carat": "",
        "stone_count": ""}


def test_asks_before_receiving_a_diamond_necklace_without_cost_stones_or_carat_weight_and_writes_nothing(
        demo_facet: app.Facet, manager: Actor) -> None:
    before = table_counts(demo_facet)
    with pytest.raises(ReceiveUnconfirmed) as asked:
        inventory.receive_new_item(new_piece(sku="BARE-1", **BARE), uow=demo_facet.uow(), actor=manager,
                                   ask_first=True)
    assert [w.field for w in asked.value.warnings] == ["cost", "stone_count", "total_carat"]
    message = str(asked.value)
    assert "no cost" in message and "no stones" in message and "no carat weight" in message
    assert table_counts(demo_facet) == before


def test_a_piece_received_anyway_records_what_was_left_unknown_in_its_audit_event(
        demo_facet: app.Facet, manager: Actor) -> None:
    record = inventory.receive_new_item(new_piece(sku="BARE-2", **BARE), uow=demo_facet.uow(), actor=manager)
    assert record.on_hand == 1 and record.spec.cost is None
    (summary,), = rows(demo_facet, "SELECT summary FROM audit_events WHERE action = 'item.received' "
                                   "AND entity_id = ?", (record.id,))
    assert json.loads(summary)["unknown"] == ["cost", "stone_count", "total_carat"]


def test_a_complete_piece_is_received_without_a_question(demo_facet: app.Facet, manager: Actor) -> None:
    record = inventory.receive_new_item(new_piece(sku="FULL-1", total_carat="1.10", stone_count="9"),
                                        uow=demo_facet.uow(), actor=manager, ask_first=True)
    assert record.spec.stone_count == 9
    (summary,), = rows(demo_facet, "SELECT summary FROM audit_events WHERE action = 'item.received' "
                                   "AND entity_id = ?", (record.id,))
    assert "unknown" not in json.loads(summary)


def test_asks_when_the_cost_is_above_the_price(demo_facet: app.Facet, manager: Actor) -> None:
    with pytest.raises(ReceiveUnconfirmed) as asked:
        inventory.receive_new_item(new_piece(sku="LOSS-1", cost="5000", price="4250"), uow=demo_facet.uow(),
                                   actor=manager, ask_first=True)
    assert [w.field for w in asked.value.warnings] == ["cost"]
    assert "at a loss" in str(asked.value)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"total_carat": "0.50", "center_carat": "0.90"}, "center_carat"),
    ({"stone_count": "0"}, "stone_count"),
    ({"total_carat": "0", "center_carat": "", "center_shape": ""}, "total_carat"),
])
def test_refuses_stones_that_contradict_each_other_even_when_the_person_would_accept(
        demo_facet: app.Facet, manager: Actor, overrides: dict[str, str], field: str) -> None:
    before = table_counts(demo_facet)
    with pytest.raises(ValidationError) as refused:
        inventory.receive_new_item(new_piece(sku="ODD-1", **overrides), uow=demo_facet.uow(), actor=manager)
    assert refused.value.field == field
    assert table_counts(demo_facet) == before
