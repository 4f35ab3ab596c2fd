"""Appraisal photos, the one-click appraisal of a sale, and the list's search by owner."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from pos_app import app
from pos_app.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from pos_app.domain.money import Money
from pos_app.domain.permissions import Role
from pos_app.services import appraisals
from pos_app.services.guard import ApprovalNeeded
from tests.conftest import actor_for
from tests.images import png
from tests.integration.test_appraisal_records import FORM, STONES, TODAY


def rows(facet: app.Facet, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = facet.connection()
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def counts(facet: app.Facet) -> dict[str, int]:
    tables = ("appraisals", "appraisal_stones", "appraisal_photos", "audit_events", "outbox", "number_sequences")
    return {t: rows(facet, f"SELECT count(*) FROM {t}")[0][0] for t in tables}


# ---------------------------------------------------------------- photos


def test_photos_are_kept_in_order_covered_by_the_hash_and_frozen_when_final(demo_facet: app.Facet) -> None:
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    draft = appraisals.create_draft(FORM, STONES, uow=demo_facet.uow(), actor=appraiser, today=TODAY)
    first, second, third = png(seed=1), png(seed=2), png(seed=3)
    ids = appraisals.add_photos(draft.id, [first, second, third], uow=demo_facet.uow(), actor=appraiser)
    appraisals.remove_photo(ids[1], uow=demo_facet.uow(), actor=appraiser)
    assert appraisals.photo_data(draft.id, uow=demo_facet.uow(), actor=appraiser) == [first, third]

    final = appraisals.finalize(draft.id, uow=demo_facet.uow(), actor=appraiser)
    code = appraisals.verification_code(final)
    assert code is not None and len(final.photos) == 2
    with pytest.raises(Conflict, match="final and never changes"):
        appraisals.add_photos(final.id, [png(seed=4)], uow=demo_facet.uow(), actor=appraiser)
    with pytest.raises(Conflict, match="final and never changes"):
        appraisals.remove_photo(final.photos[0].id, uow=demo_facet.uow(), actor=appraiser)

    # The correction starts with copies of the photos; changing them leaves version 1 and its code alone.
    v2 = appraisals.correct(final.id, uow=demo_facet.uow(), actor=appraiser)
    assert [p.sha256 for p in v2.photos] == [p.sha256 for p in final.photos]
    appraisals.remove_photo(v2.photos[0].id, uow=demo_facet.uow(), actor=appraiser)
    v2_final = appraisals.finalize(v2.id, uow=demo_facet.uow(), actor=appraiser)
    assert appraisals.photo_data(final.id, uow=demo_facet.uow(), actor=appraiser) == [first, third]
    assert appraisals.verification_code(appraisals.get(final.id, uow=demo_facet.uow(), actor=appraiser)) == code
    v2_code = appraisals.verification_code(v2_final)
    assert v2_code is not None and v2_code.split()[-1] != code.split()[-1], "v2 prints one photo, not two"

    # A printed copy shows the photos it was verified with.
    document = appraisals.document(final.id, uow=demo_facet.uow(), actor=appraiser)
    assert document.photos == (first, third)


def test_a_photo_that_is_not_an_image_or_one_too_many_writes_nothing(demo_facet: app.Facet) -> None:
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    draft = appraisals.create_draft(FORM, [], uow=demo_facet.uow(), actor=appraiser, today=TODAY)
    before = counts(demo_facet)
    with pytest.raises(ValidationError) as raised:
        appraisals.add_photos(draft.id, [png(), b"GIF89a" + bytes(50)], uow=demo_facet.uow(), actor=appraiser)
    assert raised.value.field == "photo 2 of 2"
    with pytest.raises(ValidationError, match="at most 6 photos"):
        appraisals.add_photos(draft.id, [png(seed=n) for n in range(7)], uow=demo_facet.uow(), actor=appraiser)
    assert counts(demo_facet) == before


# ---------------------------------------------------------------- from a sale


def _sale_with_customer_and_center_stone(facet: app.Facet) -> tuple[str, str, list[tuple[str, int]]]:
    """(sale id, customer id, [(item id, list price)]) of a demo sale of a certified solitaire."""
    sale_id, customer_id = rows(facet, """
        SELECT s.id, s.customer_id FROM sales s JOIN sale_lines l ON l.sale_id = s.id JOIN items i ON i.id = l.item_id
        WHERE s.customer_id IS NOT NULL AND s.kind = 'sale' AND s.status = 'completed'
          AND i.center_carat_points IS NOT NULL AND i.cert_number IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM sale_lines r WHERE r.returns_line_id = l.id)
          AND NOT EXISTS (SELECT 1 FROM appraisals a WHERE a.sale_id = s.id)
        ORDER BY s.completed_at LIMIT 1""")[0]
    lines = rows(facet, "SELECT item_id, list_price_cents FROM sale_lines WHERE sale_id = ? ORDER BY position",
                 (sale_id,))
    return sale_id, customer_id, [(a, b) for a, b in lines]


def test_a_clerk_asks_an_appraiser_and_one_click_makes_final_appraisals_of_the_sale(demo_facet: app.Facet) -> None:
    clerk, appraiser = actor_for(demo_facet, Role.CLERK), actor_for(demo_facet, Role.APPRAISER)
    sale_id, customer_id, lines = _sale_with_customer_and_center_stone(demo_facet)
    before = counts(demo_facet)
    with pytest.raises(ApprovalNeeded) as asked:
        appraisals.appraise_sale(sale_id, uow=demo_facet.uow(), sales=demo_facet.store.sales, actor=clerk,
                                 today=TODAY)
    assert asked.value.permission.value == "finalize_appraisals"
    with pytest.raises(PermissionDenied, match="cannot sign"):
        appraisals.appraise_sale(sale_id, uow=demo_facet.uow(), sales=demo_facet.store.sales, actor=clerk,
                                 today=TODAY, approver=actor_for(demo_facet, Role.MANAGER))
    assert counts(demo_facet) == before

    made = appraisals.appraise_sale(sale_id, uow=demo_facet.uow(), sales=demo_facet.store.sales, actor=clerk,
                                    today=TODAY, approver=appraiser)
    assert [(r.item_id, r.spec.value) for r in made] == [(item, Money(price)) for item, price in lines]
    for record in made:
        assert record.status == "final" and record.owner_customer_id == customer_id
        assert record.sale_id == sale_id and record.appraiser_id == appraiser.staff_id
        assert record.spec.purpose.value == "insurance_replacement" and record.spec.appraised_on == TODAY
        assert record.spec.limiting_conditions.startswith("This appraisal states the estimated retail replacement")
    with demo_facet.uow() as uow:
        solitaire = next(uow.items.get(r.item_id) for r in made if uow.items.get(r.item_id).spec.center_carat_points)
    record = next(r for r in made if r.item_id == solitaire.id)
    center = record.spec.stones[0]
    assert (center.role.value, center.carat_points, center.color) == (
        "center", solitaire.spec.center_carat_points, solitaire.spec.center_color)
    assert record.spec.style == solitaire.spec.style and record.spec.metal == solitaire.spec.metal

    (summary, approved_by), = rows(demo_facet, "SELECT summary, approved_by FROM audit_events "
                                               "WHERE action = 'appraisal.made_from_sale' AND entity_id = ?",
                                   (record.id,))
    assert approved_by == appraiser.staff_id and json.loads(summary)["sale"]

    # One click again gives the same appraisals, not new ones.
    again = appraisals.appraise_sale(sale_id, uow=demo_facet.uow(), sales=demo_facet.store.sales,
                                     actor=appraiser, today=TODAY)
    assert [r.id for r in again] == [r.id for r in made]

    # The owner's name and address print; the document carries the item's certificate for the summary page.
    document = appraisals.document(record.id, uow=demo_facet.uow(), actor=appraiser)
    (first, last), = rows(demo_facet, "SELECT first_name, last_name FROM customers WHERE id = ?", (customer_id,))
    assert document.owner.startswith(f"{first} {last}")
    assert document.qr_payload is not None and document.status == "final"


def test_an_appraiser_makes_them_alone_and_the_credentials_are_required(demo_facet: app.Facet) -> None:
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    sale_id, _, _ = _sale_with_customer_and_center_stone(demo_facet)
    conn = demo_facet.connection()
    try:
        conn.execute("UPDATE staff SET credentials = '' WHERE id = ?", (appraiser.staff_id,))
        conn.commit()
    finally:
        conn.close()
    before = counts(demo_facet)
    with pytest.raises(ValidationError) as raised:
        appraisals.appraise_sale(sale_id, uow=demo_facet.uow(), sales=demo_facet.store.sales, actor=appraiser,
                                 today=TODAY)
    assert raised.value.field == "appraiser"
    assert counts(demo_facet) == before


def test_returned_and_voided_sales_are_not_appraised(demo_facet: app.Facet) -> None:
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    returned = rows(demo_facet, "SELECT id FROM sales WHERE kind = 'return' LIMIT 1")
    voided = rows(demo_facet, "SELECT id FROM sales WHERE status = 'voided' LIMIT 1")
    for (sale_id,) in returned + voided:
        with pytest.raises(Conflict, match="only a completed sale"):
            appraisals.appraise_sale(sale_id, uow=demo_facet.uow(), sales=demo_facet.store.sales,
                                     actor=appraiser, today=TODAY)


# ---------------------------------------------------------------- the list


def test_the_list_finds_by_owner_name_pages_and_counts_drafts(demo_facet: app.Facet) -> None:
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    sale_id, customer_id, _ = _sale_with_customer_and_center_stone(demo_facet)
    made = appraisals.appraise_sale(sale_id, uow=demo_facet.uow(), sales=demo_facet.store.sales,
                                    actor=appraiser, today=TODAY)
    appraisals.create_draft(FORM, [], uow=demo_facet.uow(), actor=appraiser, today=TODAY)
    (first, last), = rows(demo_facet, "SELECT first_name, last_name FROM customers WHERE id = ?", (customer_id,))
    reader = demo_facet.store.appraisals
    for text in (last, f"{first} {last}", f"{first[:3].lower()}"):
        found = appraisals.list_appraisals(reader=reader, actor=appraiser, search=text, uow=demo_facet.uow())
        assert {r.id for r in made} <= {r.id for r in found}, text
        assert all(f"{first} {last}" == r.owner_name for r in found if r.id in {m.id for m in made})
    everything = appraisals.list_appraisals(reader=reader, actor=appraiser, uow=demo_facet.uow())
    paged = [r.id for offset in range(0, len(everything), 2)
             for r in appraisals.list_appraisals(reader=reader, actor=appraiser, limit=2, offset=offset, uow=demo_facet.uow())]
    assert paged == [r.id for r in everything]
    waiting = appraisals.drafts_waiting(reader=reader, actor=appraiser, uow=demo_facet.uow())
    assert waiting == len([r for r in everything if r.status == "draft"]) >= 1
    with pytest.raises(ValidationError, match="offset"):
        appraisals.list_appraisals(reader=reader, actor=appraiser, offset=-1, uow=demo_facet.uow())
    with pytest.raises(PermissionDenied):
        appraisals.list_appraisals(reader=reader, actor=actor_for(demo_facet, Role.CLERK), uow=demo_facet.uow())


def test_past_ten_years_the_photos_go_with_the_appraisal(demo_facet: app.Facet) -> None:
    appraiser, owner = actor_for(demo_facet, Role.APPRAISER), actor_for(demo_facet, Role.OWNER)
    old = appraisals.create_draft({**FORM, "appraised_on": "2015-06-01"}, [], uow=demo_facet.uow(),
                                  actor=appraiser, today=TODAY)
    appraisals.add_photos(old.id, [png()], uow=demo_facet.uow(), actor=appraiser)
    appraisals.finalize(old.id, uow=demo_facet.uow(), actor=appraiser)
    appraisals.erase_expired(uow=demo_facet.uow(), actor=owner, today=dt.date(2026, 11, 25))
    assert rows(demo_facet, "SELECT count(*) FROM appraisal_photos WHERE appraisal_id = ?", (old.id,)) == [(0,)]
    assert rows(demo_facet, "SELECT count(*) FROM appraisals WHERE id = ?", (old.id,)) == [(0,)]


def test_the_demo_has_a_dozen_appraisals_and_certificates_for_its_larger_diamonds(demo_facet: app.Facet) -> None:
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    listed = appraisals.list_appraisals(reader=demo_facet.store.appraisals, actor=appraiser, uow=demo_facet.uow())
    assert len(listed) == 12
    assert sum(r.superseded for r in listed) == 1 and sum(r.status == "draft" for r in listed) == 2
    assert {r.purpose for r in listed} == {"insurance_replacement", "fair_market_value", "estate"}
    assert sum(bool(r.owner_name) for r in listed) >= 9
    # Every piece with a lab report on its tag has the report on record, linked to it.
    missing = rows(demo_facet, """SELECT i.sku FROM items i WHERE i.cert_number IS NOT NULL AND NOT EXISTS (
                                      SELECT 1 FROM certificates c WHERE c.item_id = i.id AND c.lab = i.cert_lab
                                      AND c.report_number = i.cert_number)""")
    assert missing == [] and rows(demo_facet, "SELECT count(*) FROM certificates")[0][0] > 20
    # Every final one checks out against its own printed code; the photos are in the store.
    for row in listed:
        record = appraisals.get(row.id, uow=demo_facet.uow(), actor=appraiser)
        assert bool(record.photos) == (record.item_id is not None)
        if record.status == "final":
            code = appraisals.verification_code(record)
            assert code is not None
            assert appraisals.verify(record.number, code.split()[-1], uow=demo_facet.uow(), actor=appraiser)[0]


@pytest.mark.usefixtures("cli_owner")
def test_the_command_line_prints_the_card_and_certificate_page_and_appraises_a_sale(
        capsys: pytest.CaptureFixture[str], demo_dir: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    import pdfplumber

    from pos_app import cli

    facet = app.open_facet(demo_dir)
    try:
        sale_id, _, lines = _sale_with_customer_and_center_stone(facet)
        sale_number = facet.store.sales.sale(sale_id).number
    finally:
        facet.close()

    def run(*argv: str) -> tuple[int, Any]:
        code = cli.main([*argv, "--json", "--data-dir", str(demo_dir)])
        out = capsys.readouterr().out
        return code, json.loads(out)

    # Another person signs only with their own PIN, as at the counter.
    pin = ("--appraiser-secret-env", "FACET_TEST_APPRAISER_PIN")
    monkeypatch.setenv("FACET_TEST_APPRAISER_PIN", "3333")
    assert run("appraisals", "from-sale", sale_number, "--appraiser", "Lily Chen", *pin)[0] == 2  # a clerk cannot
    monkeypatch.setenv("FACET_TEST_APPRAISER_PIN", "0000")
    assert run("appraisals", "from-sale", sale_number, "--appraiser", "Priya Nair", *pin)[0] == 2  # a wrong PIN
    monkeypatch.setenv("FACET_TEST_APPRAISER_PIN", "4444")
    code, made = run("appraisals", "from-sale", sale_number.lower(), "--appraiser", "priya nair", *pin)
    assert code == 0 and len(made["appraisals"]) == len(lines)
    assert all(a["status"] == "final" and a["verification_code"] for a in made["appraisals"])
    assert run("appraisals", "from-sale", sale_number, "--appraiser", "Priya Nair", *pin)[1] == made  # the same ones
    facet = app.open_facet(demo_dir)
    try:
        priya = next(s for s in facet.store.directory.staff_list() if s.name == "Priya Nair")
    finally:
        facet.close()
    assert priya.failed_attempts == 1, "the wrong PIN counts toward her lockout; a right one is not a failure"
    number = made["appraisals"][0]["number"]

    full, card = tmp_path / "full.pdf", tmp_path / "card.pdf"
    code, printed = run("appraisals", "print", number, "--pdf", str(full), "--certificates")
    assert code == 0 and printed["certificate_pages"] is True
    with pdfplumber.open(io.BytesIO(full.read_bytes())) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert "Certificate summary" in text and number in text
    code, printed = run("appraisals", "print", number, "--pdf", str(card), "--card")
    assert code == 0 and printed["card"] is True
    with pdfplumber.open(io.BytesIO(card.read_bytes())) as pdf:
        assert round(pdf.pages[0].width / 72, 2) == 3.5 and number in (pdf.pages[0].extract_text() or "")

    assert run("appraisals", "from-sale", "C9-999999", "--appraiser", "Priya Nair", *pin)[0] == 2


def test_a_drafts_owner_and_item_can_change_until_it_is_final(demo_facet: app.Facet) -> None:
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    [(customer,)] = rows(demo_facet, "SELECT id FROM customers LIMIT 1")
    [(item,)] = rows(demo_facet, "SELECT id FROM items LIMIT 1")
    draft = appraisals.create_draft(FORM, STONES, uow=demo_facet.uow(), actor=appraiser, today=TODAY)
    assert (draft.owner_customer_id, draft.item_id) == (None, None)
    kept = appraisals.update_draft(draft.id, FORM, STONES, uow=demo_facet.uow(), actor=appraiser, today=TODAY)
    assert (kept.owner_customer_id, kept.item_id) == (None, None)
    changed = appraisals.update_draft(draft.id, FORM, STONES, uow=demo_facet.uow(), actor=appraiser, today=TODAY,
                                      item_id=item, owner_customer_id=customer)
    assert (changed.owner_customer_id, changed.item_id) == (customer, item)
    with pytest.raises(NotFound, match="no longer exists"):
        appraisals.update_draft(draft.id, FORM, STONES, uow=demo_facet.uow(), actor=appraiser, today=TODAY,
                                item_id="no-such-item")
    back = appraisals.update_draft(draft.id, FORM, STONES, uow=demo_facet.uow(), actor=appraiser, today=TODAY,
                                   owner_customer_id=None)
    assert (back.owner_customer_id, back.item_id) == (None, item)
    final = appraisals.finalize(draft.id, uow=demo_facet.uow(), actor=appraiser)
    with pytest.raises(Conflict):
        appraisals.update_draft(final.id, FORM, STONES, uow=demo_facet.uow(), actor=appraiser, today=TODAY,
                                owner_customer_id=customer)
