"""Paperwork: each document is rendered and written in one place, whichever screen or command asks.

Saved PDFs are read back with pdfplumber; the files are written through the store's real `FileOutput`
(`Facet.files`): whole or not at all, readable by the store's OS account only.
"""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pdfplumber
import pytest

from pos_app import app
from pos_app.domain.errors import PermissionDenied, ValidationError
from pos_app.domain.permissions import Role
from pos_app.services import appraisals, paperwork
from pos_app.services.paperwork import AppraisalPages
from pos_app.services.ports.appraisals import AppraisalRecord
from tests.conftest import actor_for

CARD = (252, 144)  # the wallet card: 3.5 x 2 inches, in points


def _pages(data: bytes) -> list[tuple[tuple[int, int], str]]:
    """(size in points, text) of each page."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [((round(p.width), round(p.height)), p.extract_text() or "") for p in pdf.pages]


def _demo_appraisals(facet: app.Facet) -> list[AppraisalRecord]:
    owner = actor_for(facet, Role.OWNER)
    rows = appraisals.list_appraisals(reader=facet.store.appraisals, actor=owner, uow=facet.uow(), limit=50)
    return [appraisals.get(row.id, uow=facet.uow(), actor=owner) for row in rows if row.status == "final"]


def _private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_sales_appraisals_are_saved_as_one_pdf_in_order_with_their_cards_and_say_what_went_on_paper(
        demo_facet: app.Facet, tmp_path: Path) -> None:
    from_sale = [r for r in _demo_appraisals(demo_facet) if r.sale_id]
    assert len(from_sale) >= 2, "the demo has appraisals made from a sale"
    chosen = from_sale[:2]
    clerk = actor_for(demo_facet, Role.CLERK)  # at the counter a clerk prints a sale's appraisals
    target = tmp_path / "sale.pdf"

    saved = paperwork.write_appraisals([r.id for r in chosen], target, uow=demo_facet.uow(),
                                       files=demo_facet.devices.files, actor=clerk,
                                       pages=AppraisalPages(certificate_pages=True, card=True))

    assert saved.path == target and _private(target)
    assert [(p.number, p.version, p.status) for p in saved.appraisals] == [(r.number, r.version, r.status)
                                                                           for r in chosen]
    assert all(p.verification_code and p.verification_code.startswith(f"{p.number} v{p.version} ")
               for p in saved.appraisals)
    pages = _pages(target.read_bytes())
    cards = [n for n, (size, _) in enumerate(pages) if size == CARD]
    a, b = cards[0], cards[2]
    assert cards == [a, a + 1, b, b + 1] and b + 1 == len(pages) - 1, "each appraisal is followed by its card"
    first, second = pages[:a], pages[a + 2:b]
    assert chosen[0].number in first[0][1] and chosen[0].number in pages[a][1]
    assert chosen[1].number in second[0][1] and chosen[1].number in pages[b][1]
    assert "Certificate summary" in first[-1][1] and "Certificate summary" in second[-1][1]


def test_what_is_saved_is_exactly_what_prints_and_a_card_alone_is_one_card(
        demo_facet: app.Facet, tmp_path: Path) -> None:
    record = _demo_appraisals(demo_facet)[0]
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    full = paperwork.appraisal_pdf([record.id], uow=demo_facet.uow(), actor=appraiser)
    target = tmp_path / "appraisal.pdf"
    paperwork.write_appraisals([record.id], target, uow=demo_facet.uow(), files=demo_facet.devices.files,
                               actor=appraiser)
    assert target.read_bytes() == full and full.startswith(b"%PDF")

    card = paperwork.appraisal_pdf([record.id], uow=demo_facet.uow(), actor=appraiser,
                                   pages=AppraisalPages(appraisal=False, card=True))
    assert [size for size, _ in _pages(card)] == [CARD, CARD]  # front and back
    assert record.number in _pages(card)[0][1]


def test_a_folder_that_cannot_be_written_names_the_field_and_keeps_the_file_that_was_there(
        demo_facet: app.Facet, tmp_path: Path) -> None:
    record = _demo_appraisals(demo_facet)[0]
    owner = actor_for(demo_facet, Role.OWNER)
    missing = tmp_path / "no-such-folder" / "appraisal.pdf"
    with pytest.raises(ValidationError) as raised:
        paperwork.write_appraisals([record.id], missing, uow=demo_facet.uow(), files=demo_facet.devices.files,
                                   actor=owner, field="--pdf")
    assert raised.value.field == "--pdf" and "cannot write" in str(raised.value)
    assert not missing.parent.exists()

    kept = tmp_path / "kept.pdf"
    kept.write_bytes(b"%PDF-the good one")
    with pytest.raises(ValidationError, match="choose at least one appraisal"):
        paperwork.write_appraisals([], kept, uow=demo_facet.uow(), files=demo_facet.devices.files, actor=owner)
    assert kept.read_bytes() == b"%PDF-the good one"


def test_a_clerk_saves_no_appraisal_that_was_not_made_from_a_sale(demo_facet: app.Facet, tmp_path: Path) -> None:
    brought_in = next(r for r in _demo_appraisals(demo_facet) if r.sale_id is None)
    target = tmp_path / "not-yours.pdf"
    with pytest.raises(PermissionDenied):
        paperwork.write_appraisals([brought_in.id], target, uow=demo_facet.uow(), files=demo_facet.devices.files,
                                   actor=actor_for(demo_facet, Role.CLERK))
    assert not target.exists()


def test_a_tag_sheet_is_saved_whole_and_private_with_each_pieces_sku(demo_facet: app.Facet, tmp_path: Path) -> None:
    items = demo_facet.store.inventory.search("halo", 3)
    assert items
    folder = tmp_path / "tags"
    folder.mkdir()
    target = folder / "tags.pdf"
    target.write_bytes(b"an older sheet")
    written = paperwork.write_tags([i.id for i in items], target, uow=demo_facet.uow(),
                                   files=demo_facet.devices.files, actor=actor_for(demo_facet, Role.CLERK),
                                   locale="en_US")
    assert written == target and _private(target) and [p.name for p in folder.iterdir()] == ["tags.pdf"]
    text = "\n".join(t for _, t in _pages(target.read_bytes()))
    assert all(i.sku in text for i in items)
    with pytest.raises(PermissionDenied):
        paperwork.write_tags([items[0].id], tmp_path / "officer.pdf", uow=demo_facet.uow(),
                             files=demo_facet.devices.files, actor=actor_for(demo_facet, Role.PRIVACY_OFFICER),
                             locale="en_US")
    assert not (tmp_path / "officer.pdf").exists()


def test_a_receipt_is_saved_as_a_reprint_pdf_of_the_stored_sale(demo_facet: app.Facet, tmp_path: Path) -> None:
    sale_id = next(r.sale_id for r in _demo_appraisals(demo_facet) if r.sale_id)
    assert sale_id is not None
    sale = demo_facet.store.sales.sale(sale_id)
    assert sale is not None
    target = tmp_path / "receipt.pdf"
    written = paperwork.write_receipt(sale_id, target, sales=demo_facet.store.sales,
                                      directory=demo_facet.store.directory, uow=demo_facet.uow(),
                                      files=demo_facet.devices.files, actor=actor_for(demo_facet, Role.CLERK),
                                      reprint=True)
    assert written == target and _private(target)
    text = _pages(target.read_bytes())[0][1]
    assert sale.number in text and "Receipt (reprint)" in text
