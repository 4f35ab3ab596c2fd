"""Price-tag sheets read back as a person and a scanner see them.

Each test renders a real PDF from the demo store (or from hand-made tags for
edge cases), then reads it with pdfplumber (the text inside each label's box),
renders it with pypdfium2 at 300 dpi and decodes the Code 128 barcodes with
zxing-cpp, one label at a time.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pdfplumber
import pypdfium2
import pytest
import zxingcpp
from sqlalchemy import event

from pos_app.app import Facet
from pos_app.documents.tags import LABEL_STOCKS, LabelStock, Tag, TagDoesNotFit, render_tag_sheet
from pos_app.domain.errors import NotFound, PermissionDenied, ValidationError
from pos_app.domain.money import Money, format_money
from pos_app.domain.permissions import Permission, Role, allows
from pos_app.services.labels import tag_for, tag_sheet
from pos_app.services.ports.inventory import InventoryFilter, ItemRow
from tests.conftest import actor_for

DPI = 300


# ---------------------------------------------------------------- helpers


def demo_rows(facet: Facet, count: int | None = None) -> list[ItemRow]:
    """The demo store's items in SKU order (all of them when `count` is None)."""
    reader = facet.store.inventory
    seqs = reader.item_seqs(InventoryFilter(), "sku", False)
    return reader.rows(seqs[:count] if count is not None else seqs)


def print_tags(facet: Facet, rows: list[ItemRow], *, role: Role = Role.CLERK,
               stock_name: str = "avery-5160", skip: int = 0) -> bytes:
    return tag_sheet([r.id for r in rows], uow=facet.uow(), actor=actor_for(facet, role),
                     locale="en_US", stock_name=stock_name, skip=skip)


def code_of(row: ItemRow) -> str:
    return row.barcode or row.sku


def price_of(row: ItemRow) -> str:
    return format_money(Money(row.price_cents, row.currency), "en_US")


def used_slots(stock: LabelStock, count: int, skip: int = 0) -> Iterator[tuple[int, int]]:
    """(page, slot) of each of `count` tags printed after `skip` used labels."""
    for index in range(skip, skip + count):
        yield divmod(index, stock.per_sheet)


def label_texts(pdf: bytes, stock: LabelStock, count: int, skip: int = 0) -> list[str]:
    """The text inside each printed label's box, in printing order."""
    texts = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page_number, slot in used_slots(stock, count, skip):
            page = doc.pages[page_number]
            x, y, width, height = stock.label_box(slot)
            top = page.height - (y + height)  # pdfplumber measures from the top
            texts.append(page.within_bbox((x, top, x + width, top + height)).extract_text())
    return texts


def scanned_codes(pdf: bytes, stock: LabelStock, count: int, skip: int = 0) -> list[list[str]]:
    """What a scanner reads on each printed label: the page at 300 dpi, cut label by label."""
    scale = DPI / 72
    doc = pypdfium2.PdfDocument(pdf)
    pages = {}
    found = []
    for page_number, slot in used_slots(stock, count, skip):
        if page_number not in pages:
            pages[page_number] = doc[page_number].render(scale=scale).to_pil().convert("L")
        x, y, width, height = stock.label_box(slot)
        top = stock.page_size[1] - (y + height)
        label = pages[page_number].crop(
            (round(x * scale), round(top * scale), round((x + width) * scale), round((top + height) * scale))
        )
        found.append([b.text for b in zxingcpp.read_barcodes(label, formats=zxingcpp.BarcodeFormat.Code128)])
    return found


def page_count(pdf: bytes) -> int:
    return len(pypdfium2.PdfDocument(pdf))


def marks_outside_labels(pdf: bytes, stock: LabelStock) -> list[str]:
    """Every character or bar drawn anywhere but inside one label's box."""
    boxes = [stock.label_box(slot) for slot in range(stock.per_sheet)]
    stray = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for mark in [*page.chars, *page.rects]:
                # pdfplumber's y runs down from the page top; the label boxes' y runs up.
                x0, x1, bottom, top = mark["x0"], mark["x1"], page.height - mark["bottom"], page.height - mark["top"]
                inside = any(x - 0.01 <= x0 and x1 <= x + w + 0.01 and y - 0.01 <= bottom and top <= y + h + 0.01
                             for x, y, w, h in boxes)
                if not inside:
                    stray.append(f"page {page.page_number}: {mark.get('text', 'bar')} at {x0:.1f},{top:.1f}")
    return stray


# ---------------------------------------------------------------- what a tag shows


def test_each_tag_shows_its_items_sku_and_price(demo_facet: Facet) -> None:
    rows = demo_facet.store.inventory.search("halo", 10)
    assert len(rows) == 10
    pdf = print_tags(demo_facet, rows)
    for row, text in zip(rows, label_texts(pdf, LABEL_STOCKS["avery-5160"], len(rows)), strict=True):
        assert row.sku in text
        assert price_of(row) in text


def test_each_barcode_scans_back_as_its_items_code(demo_facet: Facet) -> None:
    rows = demo_facet.store.inventory.search("halo", 10)
    pdf = print_tags(demo_facet, rows)
    assert scanned_codes(pdf, LABEL_STOCKS["avery-5160"], len(rows)) == [[code_of(r)] for r in rows]


@pytest.mark.parametrize("stock_name", sorted(LABEL_STOCKS))
def test_every_stock_prints_tags_that_scan_and_read_at_300_dpi(demo_facet: Facet, stock_name: str) -> None:
    stock = LABEL_STOCKS[stock_name]
    rows = demo_rows(demo_facet, 12)
    pdf = print_tags(demo_facet, rows, stock_name=stock_name)
    assert scanned_codes(pdf, stock, len(rows)) == [[code_of(r)] for r in rows]
    for row, text in zip(rows, label_texts(pdf, stock, len(rows)), strict=True):
        assert row.sku in text and price_of(row) in text and code_of(row) in text


def test_detail_line_names_metal_carat_weight_and_lab_report(demo_facet: Facet) -> None:
    with demo_facet.uow() as uow:
        records = uow.items.get_many([r.id for r in demo_rows(demo_facet)])
    graded = next(r.spec for r in records if r.spec.cert_lab is not None and r.spec.total_carat_points)
    tag = tag_for(graded, "en_US")
    assert graded.metal.label in tag.detail
    assert f"{graded.total_carat_points / 100:.2f} ct" in tag.detail  # "ct" or "ctw"
    assert f"{graded.cert_lab} {graded.cert_number}" in tag.detail
    assert tag.code == (graded.barcode or graded.sku)


@pytest.mark.parametrize("stock_name", sorted(LABEL_STOCKS))
def test_nothing_printed_crosses_a_labels_edge(demo_facet: Facet, stock_name: str) -> None:
    stock = LABEL_STOCKS[stock_name]
    pdf = print_tags(demo_facet, demo_rows(demo_facet), stock_name=stock_name)
    assert marks_outside_labels(pdf, stock) == []


def test_text_too_long_for_a_label_is_shrunk_and_shortened_not_spilled() -> None:
    stock = LABEL_STOCKS["avery-5167"]
    tag = Tag(sku="SOL-LONG-SKU-1234567890-ABCDEFGH", code="1234567890", price="$1,234,567.00",
              title="A title far longer than any label could hold " * 3,
              detail="18k White Gold · 12.50 ctw · GIA 2141438172 · and a great deal more")
    pdf = render_tag_sheet([tag], stock, store_name="Test Jewelers")
    assert marks_outside_labels(pdf, stock) == []
    (text,) = label_texts(pdf, stock, 1)
    assert "$1,234,567.00" in text
    assert "\u2026" in text  # the SKU or the detail was cut with an ellipsis, not left to run over
    assert scanned_codes(pdf, stock, 1) == [["1234567890"]]


def test_a_long_code_narrows_its_bars_and_still_scans() -> None:
    stock = LABEL_STOCKS["avery-5160"]
    code = "ABCD-EFGH-IJKL-MNOP"
    pdf = render_tag_sheet([Tag("SKU-1", code, "$10.00", "Title", "Detail")], stock, store_name="S")
    assert scanned_codes(pdf, stock, 1) == [[code]]


def test_a_code_too_long_to_scan_on_the_label_is_refused_not_squeezed() -> None:
    tag = Tag("SKU-1", "ABCD-EFGH-IJKL-MNOP-QRST", "$10.00", "Title", "Detail")
    with pytest.raises(TagDoesNotFit):
        render_tag_sheet([tag], LABEL_STOCKS["avery-5167"], store_name="S")


def test_same_tags_give_the_same_bytes() -> None:
    tags = [Tag("SKU-1", "200000100001", "$10.00", "Title", "Detail")]
    stock = LABEL_STOCKS["avery-5160"]
    assert render_tag_sheet(tags, stock, store_name="S") == render_tag_sheet(tags, stock, store_name="S")


# ---------------------------------------------------------------- sheets and pages


def test_more_tags_than_one_sheet_holds_continue_on_a_new_page(demo_facet: Facet) -> None:
    stock = LABEL_STOCKS["avery-5160"]
    rows = demo_rows(demo_facet, stock.per_sheet + 5)
    pdf = print_tags(demo_facet, rows)
    assert page_count(pdf) == 2
    texts = label_texts(pdf, stock, len(rows))
    assert rows[stock.per_sheet].sku in texts[stock.per_sheet]  # first label of the second sheet
    assert rows[-1].sku in texts[-1]


def test_whole_demo_store_prints_on_as_many_sheets_as_it_needs(demo_facet: Facet) -> None:
    rows = demo_rows(demo_facet)
    for stock_name, stock in LABEL_STOCKS.items():
        pdf = print_tags(demo_facet, rows, stock_name=stock_name)
        assert page_count(pdf) == -(-len(rows) // stock.per_sheet)


def test_skip_leaves_the_used_labels_of_a_sheet_blank(demo_facet: Facet) -> None:
    stock = LABEL_STOCKS["avery-5160"]
    rows = demo_rows(demo_facet, 3)
    pdf = print_tags(demo_facet, rows, skip=28)
    assert page_count(pdf) == 2  # labels 29 and 30 of the first sheet, then the second sheet
    assert label_texts(pdf, stock, 28)[:28] == [""] * 28
    assert [rows[0].sku in t for t in label_texts(pdf, stock, 3, skip=28)] == [True, False, False]
    assert scanned_codes(pdf, stock, 3, skip=28) == [[code_of(r)] for r in rows]


def test_an_item_chosen_twice_gets_two_tags(demo_facet: Facet) -> None:
    (row,) = demo_rows(demo_facet, 1)
    pdf = print_tags(demo_facet, [row, row])
    assert scanned_codes(pdf, LABEL_STOCKS["avery-5160"], 2) == [[code_of(row)], [code_of(row)]]


def test_items_are_read_in_one_batch_not_one_query_per_item(demo_facet: Facet) -> None:
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(demo_facet.db.engine, "before_cursor_execute", count)
    try:
        print_tags(demo_facet, demo_rows(demo_facet, 3))
        for_three = len(statements)
        statements.clear()
        print_tags(demo_facet, demo_rows(demo_facet, 60))
    finally:
        event.remove(demo_facet.db.engine, "before_cursor_execute", count)
    assert len(statements) == for_three


# ---------------------------------------------------------------- who may print, and what is refused


@pytest.mark.parametrize("role", list(Role))
def test_printing_tags_takes_the_print_tags_permission(demo_facet: Facet, role: Role) -> None:
    rows = demo_rows(demo_facet, 2)
    if allows(role, Permission.PRINT_TAGS):
        assert print_tags(demo_facet, rows, role=role).startswith(b"%PDF")
    else:
        with pytest.raises(PermissionDenied):
            print_tags(demo_facet, rows, role=role)


def test_a_clerk_may_print_tags_and_a_privacy_officer_may_not(demo_facet: Facet) -> None:
    rows = demo_rows(demo_facet, 1)
    assert print_tags(demo_facet, rows, role=Role.CLERK).startswith(b"%PDF")
    with pytest.raises(PermissionDenied):
        print_tags(demo_facet, rows, role=Role.PRIVACY_OFFICER)


def test_an_empty_selection_is_refused_naming_the_field(demo_facet: Facet) -> None:
    with pytest.raises(ValidationError) as refused:
        print_tags(demo_facet, [])
    assert refused.value.field == "item_ids"


def test_an_unknown_label_stock_is_refused_naming_the_field(demo_facet: Facet) -> None:
    with pytest.raises(ValidationError) as refused:
        print_tags(demo_facet, demo_rows(demo_facet, 1), stock_name="avery-9999")
    assert refused.value.field == "stock"


@pytest.mark.parametrize("skip", [-1, 30])
def test_skipping_past_the_sheet_is_refused_naming_the_field(demo_facet: Facet, skip: int) -> None:
    with pytest.raises(ValidationError) as refused:
        print_tags(demo_facet, demo_rows(demo_facet, 1), skip=skip)
    assert refused.value.field == "skip"


def test_an_item_that_no_longer_exists_is_reported_not_skipped(demo_facet: Facet) -> None:
    with pytest.raises(NotFound):
        tag_sheet([demo_rows(demo_facet, 1)[0].id, "no-such-item"], uow=demo_facet.uow(),
                  actor=actor_for(demo_facet, Role.CLERK), locale="en_US")
