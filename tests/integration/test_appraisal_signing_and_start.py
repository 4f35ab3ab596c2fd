"""Who signs an appraisal, where a new appraisal of an item starts, and the question before a stoneless final.

- The counter's "who signs?" list holds only people who can sign (role and credentials), appraisers first: the
  demo's owner has no credentials and is not on it.
- The owner (or a clerk) makes a sale's appraisals and the appraiser signs them with their PIN; the audit names
  both. A draft the owner made is signed by the appraiser who finalizes it.
- A new appraisal of an item starts from the item's record, as one made from a sale does.
- Finalizing a diamond necklace's appraisal that lists no stones asks first (an 8.17 ctw necklace was
  finalized with zero stones); confirmed, it is final.
"""

from __future__ import annotations

import json

import pytest

from pos_app import app
from pos_app.domain.permissions import Role
from pos_app.domain.store import store_today
from pos_app.services import appraisals, inventory
from pos_app.services.appraisals import FinalizeUnconfirmed
from tests.conftest import actor_for
from tests.integration.test_appraisal_photos_and_sales import _sale_with_customer_and_center_stone, counts, rows
from tests.integration.test_appraisal_records import FORM, STONES, TODAY
from tests.integration.test_inventory_services import new_piece


def test_only_people_with_appraiser_credentials_may_be_chosen_to_sign_appraisers_first(
        demo_facet: app.Facet) -> None:
    listed = appraisals.signers(demo_facet.store.directory)
    assert [(s.name, s.role, s.credentials) for s in listed] == [
        ("Priya Nair", Role.APPRAISER, "GIA Graduate Gemologist")]
    owner = actor_for(demo_facet, Role.OWNER)
    conn = demo_facet.connection()
    try:  # the owner with credentials on file may sign too, after the appraisers
        conn.execute("UPDATE staff SET credentials = 'ASA Accredited Senior Appraiser' WHERE id = ?",
                     (owner.staff_id,))
        conn.commit()
    finally:
        conn.close()
    assert [s.name for s in appraisals.signers(demo_facet.store.directory)] == ["Priya Nair", owner.name]


def test_the_owner_makes_a_sales_appraisals_and_the_appraiser_signs_them(demo_facet: app.Facet) -> None:
    owner, appraiser = actor_for(demo_facet, Role.OWNER), actor_for(demo_facet, Role.APPRAISER)
    sale_id, _customer, lines = _sale_with_customer_and_center_stone(demo_facet)
    assert appraisals.sale_appraisals(sale_id, uow=demo_facet.uow(), sales=demo_facet.store.sales,
                                      actor=owner) == [], "nothing made yet: the counter asks who signs"
    made = appraisals.appraise_sale(sale_id, uow=demo_facet.uow(), sales=demo_facet.store.sales, actor=owner,
                                    today=TODAY, approver=appraiser)
    assert len(made) == len(lines) and all(r.appraiser_id == appraiser.staff_id for r in made)
    events = rows(demo_facet, "SELECT staff_id, approved_by FROM audit_events WHERE action = "
                              "'appraisal.made_from_sale' AND entity_id = ?", (made[0].id,))
    assert events == [(owner.staff_id, appraiser.staff_id)]
    found = appraisals.sale_appraisals(sale_id, uow=demo_facet.uow(), sales=demo_facet.store.sales,
                                       actor=owner)
    assert [r.id for r in found] == [r.id for r in made], "asked again: shown without anyone signing"


def test_a_draft_the_owner_made_is_signed_by_the_appraiser_who_finalizes_it(demo_facet: app.Facet) -> None:
    owner, appraiser = actor_for(demo_facet, Role.OWNER), actor_for(demo_facet, Role.APPRAISER)
    draft = appraisals.create_draft(FORM, STONES, uow=demo_facet.uow(), actor=owner, today=TODAY)
    final = appraisals.finalize(draft.id, uow=demo_facet.uow(), actor=appraiser)
    assert final.status == "final" and final.appraiser_id == appraiser.staff_id
    document = appraisals.document(final.id, uow=demo_facet.uow(), actor=appraiser)
    assert document.appraiser == "Priya Nair" and document.credentials == "GIA Graduate Gemologist"


def test_a_new_appraisal_of_an_item_starts_from_its_record(demo_facet: app.Facet) -> None:
    manager, appraiser = actor_for(demo_facet, Role.MANAGER), actor_for(demo_facet, Role.APPRAISER)
    item = inventory.receive_new_item(new_piece(sku="RIV-817", style="tennis", title="Riviera Tennis Necklace",
                                                description="Graduated round brilliants in four-prong links.",
                                                metal="14k white", gram_weight="21.40", chain_length_in="16.5",
                                                clasp="box with safety", total_carat="8.17", stone_count="61",
                                                center_shape="round", center_carat="0.50", center_color="F",
                                                center_clarity="VS1", cert_lab="", cert_number=""),
                                      uow=demo_facet.uow(), actor=manager)
    spec = appraisals.item_start(item.id, uow=demo_facet.uow(), actor=appraiser, today=TODAY,
                                 conditions="Stones graded as mounted.")
    assert (spec.style.value, spec.metal.value) == ("tennis", "14k_white")  # type: ignore[union-attr]
    assert (spec.gram_weight_cg, spec.chain_length_tenths, spec.clasp) == (2140, 165, "box with safety")
    assert spec.description.startswith("Riviera Tennis Necklace. Graduated round brilliants")
    assert spec.value is None, "the appraiser appraises"
    assert [(s.role.value, s.count, s.carat_points) for s in spec.stones] == [("center", 1, 50), ("side", 60, 767)]


def test_finalizing_a_diamond_necklace_with_no_stones_asks_first_and_changes_nothing_until_confirmed(
        demo_facet: app.Facet) -> None:
    manager, appraiser = actor_for(demo_facet, Role.MANAGER), actor_for(demo_facet, Role.APPRAISER)
    item = inventory.receive_new_item(new_piece(sku="RIV-818", style="tennis", total_carat="8.17",
                                                stone_count="61", center_shape="", center_carat="", cert_lab="",
                                                cert_number=""), uow=demo_facet.uow(), actor=manager)
    draft = appraisals.create_draft({**FORM, "style": "tennis"}, [], uow=demo_facet.uow(), actor=appraiser,
                                    today=TODAY, item_id=item.id)
    before = counts(demo_facet)
    with pytest.raises(FinalizeUnconfirmed) as asked:
        appraisals.finalize(draft.id, uow=demo_facet.uow(), actor=appraiser, ask_first=True)
    assert "no stones" in str(asked.value) and "RIV-818 says 8.17 ct total in 61 stones" in str(asked.value)
    assert counts(demo_facet) == before
    assert appraisals.get(draft.id, uow=demo_facet.uow(), actor=appraiser).status == "draft"

    final = appraisals.finalize(draft.id, uow=demo_facet.uow(), actor=appraiser)  # confirmed
    assert final.status == "final" and final.spec.stones == ()
    (summary,), = rows(demo_facet, "SELECT summary FROM audit_events WHERE action = 'appraisal.finalized' "
                                   "AND entity_id = ?", (draft.id,))
    assert json.loads(summary)["number"] == draft.number


def test_a_necklace_style_without_an_item_still_asks_and_one_with_stones_does_not(demo_facet: app.Facet) -> None:
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    bare = appraisals.create_draft(FORM, [], uow=demo_facet.uow(), actor=appraiser, today=TODAY)
    with pytest.raises(FinalizeUnconfirmed, match="a halo necklace carries diamonds"):
        appraisals.finalize(bare.id, uow=demo_facet.uow(), actor=appraiser, ask_first=True)
    full = appraisals.create_draft(FORM, STONES, uow=demo_facet.uow(), actor=appraiser,
                                   today=store_today("America/New_York"))
    assert appraisals.finalize(full.id, uow=demo_facet.uow(), actor=appraiser, ask_first=True).status == "final"
