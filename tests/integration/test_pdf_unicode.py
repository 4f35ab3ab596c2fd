"""Every PDF Facet makes prints a customer's name as written, in fonts it carries inside the file.

Polish, Vietnamese, Turkish, Chinese and Nordic names go through each kind of
PDF (receipt and gift receipt, price tags on every label stock, the
appraisal with its certificate summary page, the wallet card, the privacy
export's readable copy) and are read back with pdfplumber, as a customer's
or an insurer's computer would; pdfminer then opens every font the file names
and finds its TrueType program inside (FontFile2), so the file shows the same
letters in ten years on any computer. The privacy export and the appraisal
also go through the services of a real store, from a customer record.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pdfplumber
import pytest
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1

from pos_app import app
from pos_app.documents import fonts
from pos_app.documents.appraisal_pdf import (
    AppraisalDocument,
    CertificateSummary,
    render_appraisal_card_pdf,
    render_appraisal_pdf,
)
from pos_app.documents.privacy_export_pdf import PrivacyExportDocument, render_privacy_export_pdf
from pos_app.documents.receipt_pdf import render_receipt_pdf
from pos_app.documents.tags import LABEL_STOCKS, Tag, render_tag_sheet
from pos_app.domain.permissions import Role
from pos_app.services import appraisals, customers, privacy, privacy_export
from tests.conftest import actor_for
from tests.integration.test_appraisal_pdf import appraisal, assert_fits_the_card, card_pages
from tests.integration.test_appraisal_records import STONES
from tests.integration.test_receipt_pdf import receipt
from tests.integration.test_tag_sheet import marks_outside_labels

POLISH, VIETNAMESE, TURKISH, CHINESE, NORDIC = (
    "Łódź Nguyễn Şule", "Nguyễn Thị Minh Khai", "Şükrü Öztürk", "王小明", "Zoë Ørsted")
NAMES = (POLISH, VIETNAMESE, TURKISH, CHINESE, NORDIC)
TODAY = dt.date(2026, 11, 25)


def pages_text(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def fonts_named(data: bytes) -> dict[str, bool]:
    """Every font the PDF's pages (and their forms) name: its name, and whether its program is in the file.

    Read with pdfminer (pdfplumber's parser): a font dictionary, or a Type0 font's descendant, carries its
    embedded program in its FontDescriptor as FontFile (Type 1), FontFile2 (TrueType) or FontFile3 (CFF).
    """
    found: dict[str, bool] = {}

    def name(value: Any) -> str:
        value = resolve1(value)
        return str(getattr(value, "name", value))

    def walk(resources: Any) -> None:
        resources = resolve1(resources) or {}
        for font in (resolve1(resources.get("Font")) or {}).values():
            font = resolve1(font)
            described = resolve1(resolve1(font["DescendantFonts"])[0]) if name(font.get("Subtype")) == "Type0" else font
            descriptor = resolve1(described.get("FontDescriptor")) or {}
            found[name(font.get("BaseFont"))] = any(k in descriptor for k in ("FontFile", "FontFile2", "FontFile3"))
        for xobject in (resolve1(resources.get("XObject")) or {}).values():
            xobject = resolve1(xobject)
            if name(xobject.get("Subtype")) == "Form":
                walk(xobject.get("Resources"))

    with io.BytesIO(data) as file:
        for page in PDFPage.create_pages(PDFDocument(PDFParser(file))):
            walk(page.resources)
    return found


# ---------------------------------------------------------------- each kind of PDF, with the names in it


def _receipt(gift: bool) -> bytes:
    r = receipt(store_name=f"{NORDIC} Fine Jewelry", clerk=TURKISH, gift=gift, tax_exempt_number="免税-1234")
    first, second = r.lines
    lines = (dataclasses.replace(first, description=f"Pendant engraved for {POLISH}", note=f"Gift from {CHINESE}"),
             dataclasses.replace(second, description=f"Chain for {VIETNAMESE} from {CHINESE}"))
    return render_receipt_pdf(dataclasses.replace(r, lines=lines))


def _tags(stock: str) -> bytes:
    # One tag per name: the smallest labels have no title row, so each name is also its tag's detail line.
    tags = [Tag(f"SKU-{n}", f"SKU-{n}", "$1,250.00", f"Pendant {name}", name) for n, name in enumerate(NAMES)]
    return render_tag_sheet(tags, LABEL_STOCKS[stock], store_name=f"{CHINESE} Jewelers")


CERTIFICATE = CertificateSummary(lab="GIA", report_number="2141438171", report_date="March 18, 2024",
                                 facts=(("Shape", "Round"), ("Inscription", f"{CHINESE} ♥ {NORDIC}")))


def _appraisal() -> AppraisalDocument:
    # A stone's measurements and a receipt's tax-exempt number are plain table cells: a CJK letter there too.
    stones = (("Center stone", "Round", "1", "1.02 ct", "G", "VS1", "Excellent", "6.45 mm, 刻字"),)
    return appraisal(store_name=f"{CHINESE} Fine Jewelry", owner=f"{POLISH}\nul. Piotrkowska 12, Łódź",
                     appraiser=TURKISH, description=f"A pendant made for {VIETNAMESE}, engraved “{NORDIC}”.",
                     stones=stones, certificates=(CERTIFICATE,))


def _privacy_export() -> bytes:
    return render_privacy_export_pdf(PrivacyExportDocument(
        store_name=f"{NORDIC} Fine Jewelry", store_contact="410 Madison Avenue", privacy_contact="privacy@x.example",
        customer_name=POLISH, generated_on="2026-11-25", request_type="Know / access",
        profile=(("Name", POLISH), ("Billing address", f"c/o {VIETNAMESE}"), ("Notes", f"{TURKISH}, {CHINESE}")),
        categories=(("Profile", 1, "name, contact", "to serve you", "until you ask"),),
        third_parties=(("Card payments", "Stripe"),), consents=(), sales=(), more_sales=0,
        requests=(("2026-11-20", "access", "open", ""),), files=0))


KINDS: dict[str, tuple[Callable[[], bytes], tuple[str, ...]]] = {
    "receipt": (lambda: _receipt(gift=False), NAMES),
    "gift receipt": (lambda: _receipt(gift=True), NAMES),
    **{f"price tags {stock}": (lambda stock=stock: _tags(stock), NAMES) for stock in LABEL_STOCKS},  # type: ignore[misc]
    "appraisal with certificate summary": (lambda: render_appraisal_pdf(_appraisal(), certificate_pages=True), NAMES),
    "appraisal card": (lambda: render_appraisal_card_pdf(_appraisal()), (CHINESE, POLISH, TURKISH)),
    "privacy export": (_privacy_export, NAMES),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_name_prints_as_written(kind: str) -> None:
    render, names = KINDS[kind]
    text = "\n".join(pages_text(render()))
    for name in names:
        assert name in text, (kind, name)
    assert "?" not in text.replace("page ? of", "")


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_font_the_pdf_names_is_embedded_in_it(kind: str) -> None:
    named = fonts_named(KINDS[kind][0]())
    assert named and all(named.values()), named
    assert not any("Helvetica" in name for name in named)
    assert any("DroidSansFallback" in name for name in named)  # the Chinese name, in the CJK font
    assert all("DejaVuSansCondensed" in name or "DroidSansFallback" in name for name in named), named


def test_plain_table_cells_print_cjk_letters_too() -> None:
    assert "6.45 mm, 刻字" in "\n".join(pages_text(render_appraisal_pdf(_appraisal())))
    assert "Tax (exempt #免税-1234)" in "\n".join(pages_text(_receipt(gift=False)))


def test_the_certificate_summary_page_prints_its_names_too() -> None:
    pages = pages_text(render_appraisal_pdf(_appraisal(), certificate_pages=True))
    summary = next(text for text in pages if "Certificate summary" in text)
    assert f"{CHINESE} ♥ {NORDIC}" in summary


def test_a_latin_only_pdf_does_not_carry_the_chinese_font() -> None:
    named = fonts_named(render_appraisal_pdf(appraisal()))
    assert named and all(named.values()) and not any("DroidSansFallback" in name for name in named)


# ---------------------------------------------------------------- the wider letters stay inside the layout


@pytest.mark.parametrize("stock", list(LABEL_STOCKS))
def test_tags_with_these_names_print_nothing_past_a_labels_edge(stock: str) -> None:
    assert marks_outside_labels(_tags(stock), LABEL_STOCKS[stock]) == []


def test_a_long_name_in_two_scripts_on_the_card_is_fitted_never_past_its_edge() -> None:
    doc = _appraisal()
    doc = dataclasses.replace(doc, store_name=f"{CHINESE}珠宝 · {NORDIC} · {VIETNAMESE} Fine Jewelry of Springfield",
                              owner=f"{POLISH} {CHINESE} {VIETNAMESE} {TURKISH}")
    front, back = card_pages(render_appraisal_card_pdf(doc))
    assert_fits_the_card(front)
    assert_fits_the_card(back)
    assert back["text"].count("…") >= 1  # too long even at the smallest type: cut, not spilled


# ---------------------------------------------------------------- from a customer record, through the services


@pytest.fixture
def customer(demo_facet: app.Facet) -> Iterator[str]:
    """A customer added at the counter as "Łódź" "Nguyễn Şule", her address naming the others."""
    clerk = actor_for(demo_facet, Role.MANAGER)
    customer_id = customers.quick_add_customer(
        customers.QuickCustomer(first_name="Łódź", last_name="Nguyễn Şule", email="lodz@example.com", phone="",
                                adult_confirmed=True), uow=demo_facet.uow(), actor=clerk, policy=None)
    customers.update_customer(customer_id, customers.CustomerEdit(
        first_name="Łódź", last_name="Nguyễn Şule", email="lodz@example.com", phone="",
        billing_address=f"c/o {VIETNAMESE}\n{TURKISH}, {CHINESE}, {NORDIC}"), uow=demo_facet.uow(), actor=clerk)
    yield customer_id


def test_her_data_export_prints_her_name_as_written(demo_facet: app.Facet, customer: str,
                                                   tmp_path: Any) -> None:
    officer = actor_for(demo_facet, Role.PRIVACY_OFFICER)
    request_id = privacy.record_request(customer, "access", "email", TODAY, uow=demo_facet.uow(), actor=officer,
                                        today=TODAY).id
    privacy.verify(request_id, "code_to_email_on_file", officer.staff_id or "", uow=demo_facet.uow(), actor=officer)
    with demo_facet.open_store() as store:
        result = privacy_export.export_customer(request_id, tmp_path / "export.zip", uow=demo_facet.uow(), files=demo_facet.devices.files,
                                                reader=store.customer_data, actor=officer)
    data = zipfile.ZipFile(result.path).read("your-data.pdf")
    text = "\n".join(pages_text(data))
    assert f"Prepared for {POLISH}" in text
    for name in NAMES:
        assert name in text, name
    assert all(fonts_named(data).values())


def test_her_final_appraisal_and_card_print_her_name_as_written(demo_facet: app.Facet, customer: str) -> None:
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    form = {"purpose": "insurance", "appraised_on": "2026-11-20", "style": "halo", "metal": "18k white",
            "description": f"A halo pendant engraved “{CHINESE}”.", "value": "18,500.00",
            "limiting_conditions": "Stones graded as mounted."}
    draft = appraisals.create_draft(form, STONES, uow=demo_facet.uow(), actor=appraiser, today=TODAY,
                                    owner_customer_id=customer)
    final = appraisals.finalize(draft.id, uow=demo_facet.uow(), actor=appraiser)
    doc = appraisals.document(final.id, uow=demo_facet.uow(), actor=appraiser)
    text = "\n".join(pages_text(render_appraisal_pdf(doc)))
    assert POLISH in text and f"engraved “{CHINESE}”" in text
    front, back = card_pages(render_appraisal_card_pdf(doc))
    assert POLISH in back["text"]


# ---------------------------------------------------------------- the fallback itself


def test_a_text_is_cut_into_runs_by_the_font_that_has_each_letter() -> None:
    assert fonts.runs("Zoë 王小明 Ørsted") == [(fonts.REGULAR, "Zoë "), (fonts.CJK, "王小明"),
                                              (fonts.REGULAR, " Ørsted")]
    assert fonts.runs(POLISH, fonts.BOLD) == [(fonts.BOLD, POLISH)]
    assert fonts.markup("A & B <王>") == 'A &amp; B &lt;<font name="FacetCJK">王</font>&gt;'
    assert fonts.width("Zoë 王", fonts.REGULAR, 10) == pytest.approx(
        fonts.width("Zoë ", fonts.REGULAR, 10) + fonts.width("王", fonts.CJK, 10))


@pytest.mark.parametrize("anchor", ["start", "middle", "end"])
def test_a_line_in_two_fonts_is_placed_by_its_whole_width(anchor: str) -> None:
    from reportlab.pdfgen.canvas import Canvas

    fonts.register()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(300, 100), initialFontName=fonts.REGULAR)
    fonts.draw(canvas, 150, 50, f"{NORDIC} {CHINESE} {TURKISH}", fonts.REGULAR, 10, anchor=anchor)  # type: ignore[arg-type]
    canvas.save()
    with pdfplumber.open(io.BytesIO(out.getvalue())) as pdf:
        chars = pdf.pages[0].chars
    left, right = min(c["x0"] for c in chars), max(c["x1"] for c in chars)
    assert right - left == pytest.approx(fonts.width(f"{NORDIC} {CHINESE} {TURKISH}", fonts.REGULAR, 10), abs=0.05)
    expected = {"start": left, "middle": (left + right) / 2, "end": right}[anchor]
    assert expected == pytest.approx(150, abs=0.05)
    assert [c["x0"] for c in chars] == sorted(c["x0"] for c in chars)  # the runs follow on, never overlap
