"""The appraisal PDF and its wallet card read back the way an insurer's computer would: text with
pdfplumber, pictures from pdfplumber's image list, the QR code with zxing-cpp off a page rendered by
pypdfium2. Documents are built directly (no database); photos are real JPEG and PNG files made with Qt."""

from __future__ import annotations

import dataclasses
import io
from typing import Any

import pdfplumber
import pypdfium2
import pytest
import zxingcpp
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF
from PySide6.QtGui import QColor, QImage, QPainter, QRadialGradient

from pos_app.documents.appraisal_pdf import (
    AppraisalDocument,
    CertificateSummary,
    render_appraisal_card_pdf,
    render_appraisal_pdf,
)

INCH = 72.0
CODE = "AP-2026-0042 v1 3f9a2c71be04"


def photo(width: int, height: int, fmt: str = "JPEG", hue: int = 40) -> bytes:
    """A small picture of a pendant: a shaded stone on a plain ground, as JPEG or PNG bytes."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor.fromHsv(hue, 40, 230))
    painter = QPainter(image)
    shade = QRadialGradient(QPointF(width / 2, height / 2), min(width, height) / 2.5)
    shade.setColorAt(0, QColor.fromHsv(hue, 20, 255))
    shade.setColorAt(1, QColor.fromHsv(hue, 120, 120))
    painter.setBrush(shade)
    painter.drawEllipse(QPointF(width / 2, height / 2), width / 4, height / 4)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, fmt, 85)
    return bytes(data)


GIA = CertificateSummary(
    lab="GIA", report_number="2141438171", report_date="March 18, 2024",
    facts=(("Shape", "Round Brilliant"), ("Carat", "1.02"), ("Color", "G"), ("Clarity", "VS1"),
           ("Cut", "Excellent"), ("Polish", "Excellent"), ("Symmetry", "Very Good"), ("Fluorescence", "None")),
    scan_image=photo(440, 340, "JPEG", 120))
IGI = CertificateSummary(lab="IGI", report_number="LG612345678", report_date="",
                         facts=(("Shape", "Round"), ("Carat", "0.36"), ("Origin", "Laboratory grown")))


def appraisal(**changes: Any) -> AppraisalDocument:
    base = AppraisalDocument(
        store_name="Jane Ellen Fine Jewelry", store_address="410 Madison Avenue\nNew York, NY 10017",
        store_phone="(212) 555-0142", number="AP-2026-0042", version=1, status="final",
        appraised_on="November 20, 2026", effective_on="December 1, 2026", purpose="Insurance replacement",
        owner="Margaret O'Connor\n12 Elm Street\nBrooklyn, NY 11201",
        piece=(("Style", "Halo"), ("Metal", "18k White Gold"), ("Weight", "6.42 g"), ("Length", "18 in"),
               ("Clasp", "lobster")),
        description="An 18k white gold halo pendant necklace with a round brilliant center diamond.",
        stones=(("Center stone", "Round", "1", "1.02 ct", "G", "VS1", "Excellent", "6.45 x 6.48 x 3.98 mm"),
                ("Side stones", "Round", "18", "0.36 ct", "H", "SI1", "", "")),
        value="$18,500.00", value_words="Eighteen thousand, five hundred dollars and zero cents",
        appraiser="Priya Nair", credentials="GIA Graduate Gemologist",
        limiting_conditions="Stones graded as mounted.", qr_payload=CODE,
        photos=(photo(400, 300, "JPEG"), photo(240, 320, "PNG", 200)), certificates=(GIA, IGI),
    )
    return dataclasses.replace(base, **changes)


def draft(**changes: Any) -> AppraisalDocument:
    return appraisal(status="draft", qr_payload=None, **changes)


def pages_text(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def pages_images(data: bytes) -> list[list[dict[str, Any]]]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [list(page.images) for page in pdf.pages]


def qr_codes(data: bytes, page: int = 0) -> list[str]:
    """The QR codes a phone reads off the printed page (rendered at 300 dpi)."""
    image = pypdfium2.PdfDocument(data)[page].render(scale=300 / 72).to_pil()
    return [found.text for found in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


# ---------------------------------------------------------------- the appraisal


def test_the_appraisal_prints_every_field_and_says_page_x_of_y_on_every_page() -> None:
    pages = pages_text(render_appraisal_pdf(appraisal(limiting_conditions="Stones graded as mounted. " * 200)))
    assert len(pages) >= 2
    text = "\n".join(pages)
    for expected in ("Jane Ellen Fine Jewelry", "410 Madison Avenue", "(212) 555-0142", "AP-2026-0042, version 1",
                     "November 20, 2026", "December 1, 2026", "Insurance replacement", "Margaret O'Connor",
                     "Brooklyn, NY 11201", "Halo", "18k White Gold", "6.42 g", "18 in", "lobster",
                     "halo pendant necklace", "Center stone", "1.02 ct", "VS1", "6.45 x 6.48 x 3.98 mm",
                     "Side stones", "$18,500.00", "Eighteen thousand, five hundred dollars and zero cents",
                     "Priya Nair, GIA Graduate Gemologist", "Stones graded as mounted.",
                     f"Verification code: {CODE}"):
        assert expected in text, expected
    for number, page in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in page
        assert "Jane Ellen Fine Jewelry · Appraisal AP-2026-0042" in page
    assert "DRAFT" not in text and "Certificate summary" not in text


def test_the_photos_print_beside_the_piece_their_shape_kept_and_framed_small() -> None:
    data = render_appraisal_pdf(appraisal())
    [images] = pages_images(data)[:1]
    assert [tuple(i["srcsize"]) for i in images] == [(400, 300), (240, 320)]  # in the appraiser's order
    for image in images:
        width, height = image["x1"] - image["x0"], image["bottom"] - image["top"]
        pixels = image["srcsize"]
        assert width / height == pytest.approx(pixels[0] / pixels[1], rel=0.01)
        assert width <= 2.3 * INCH + 0.5 and height <= 1.9 * INCH + 0.5
    assert images[0]["x1"] < images[1]["x0"]  # side by side
    # JPEG goes into the PDF as it is (DCT); the PNG is compressed again (Flate).
    filters = [str(i["stream"].get_filters()) for i in images]
    assert "DCTDecode" in filters[0] and "FlateDecode" in filters[1]


def test_four_photos_at_most_print_and_the_page_counts_the_others() -> None:
    photos = tuple(photo(300 + 20 * n, 240) for n in range(6))
    data = render_appraisal_pdf(appraisal(photos=photos))
    images = [i for page in pages_images(data) for i in page]
    assert [i["srcsize"][0] for i in images] == [300, 320, 340, 360]
    assert "2 more photos of the piece are kept with the appraisal record." in "\n".join(pages_text(data))


def test_photos_print_even_when_the_piece_has_no_details() -> None:
    data = render_appraisal_pdf(appraisal(piece=(), photos=(photo(400, 300),)))
    assert [tuple(i["srcsize"]) for i in pages_images(data)[0]] == [(400, 300)]
    assert "Style" not in pages_text(data)[0]


def test_the_value_and_signature_stay_together_on_one_page_whatever_the_photos() -> None:
    for photos in ((), (photo(400, 300),), tuple(photo(300, 400) for _ in range(4))):
        for stones in (2, 12, 24):
            doc = appraisal(photos=photos, stones=appraisal().stones * (stones // 2))
            holding = [page for page in pages_text(render_appraisal_pdf(doc)) if "Appraised value" in page]
            assert len(holding) == 1
            assert "$18,500.00" in holding[0] and "Priya Nair, GIA Graduate Gemologist" in holding[0]


def test_the_qr_code_on_the_appraisal_scans_as_the_verification_code() -> None:
    assert qr_codes(render_appraisal_pdf(appraisal())) == [CODE]


def test_a_draft_says_draft_on_every_page_and_has_no_qr_code() -> None:
    data = render_appraisal_pdf(draft(), certificate_pages=True)
    pages = pages_text(data)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"Jane Ellen Fine Jewelry · Appraisal AP-2026-0042 · DRAFT page {number} of {len(pages)}" in page
    with pdfplumber.open(io.BytesIO(data)) as pdf:  # and the big mark across each page
        assert all("".join(c["text"] for c in page.chars if c["size"] > 50) == "DRAFT" for page in pdf.pages)
    assert "not a final appraisal" in pages[0] and "Verification code" not in "\n".join(pages)
    assert qr_codes(data) == []


# ---------------------------------------------------------------- the certificate summary


def test_the_certificate_summary_lists_each_report_on_its_own_page_when_asked() -> None:
    data = render_appraisal_pdf(appraisal(), certificate_pages=True)
    pages = pages_text(data)
    [summary] = [n for n, page in enumerate(pages) if "Certificate summary" in page]
    assert summary > 0 and "Appraised value" not in pages[summary]
    text = "\n".join(pages[summary:])
    for expected in ("GIA report 2141438171", "Report date March 18, 2024", "Shape Round Brilliant",
                     "Carat 1.02", "Color G", "Clarity VS1", "Polish Excellent", "Symmetry Very Good",
                     "Fluorescence None", "IGI report LG612345678", "Origin Laboratory grown"):
        assert expected in text, expected
    for number, page in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in page and "AP-2026-0042" in page
    scans = [i for page in pages_images(data)[summary:] for i in page]
    assert [tuple(i["srcsize"]) for i in scans] == [(440, 340)]  # the IGI report has no scan
    assert scans[0]["bottom"] - scans[0]["top"] <= 4.5 * INCH + 0.5
    assert scans[0]["x1"] <= 8.5 * INCH - 0.75 * INCH + 0.5


def test_there_is_no_certificate_summary_unless_asked_for_and_there_are_certificates() -> None:
    plain = pages_text(render_appraisal_pdf(appraisal()))
    assert "Certificate summary" not in "\n".join(plain) and "2141438171" not in "\n".join(plain)
    none_linked = pages_text(render_appraisal_pdf(appraisal(certificates=()), certificate_pages=True))
    assert none_linked == plain


# ---------------------------------------------------------------- the wallet card


def card_pages(data: bytes) -> list[dict[str, Any]]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [{"size": (page.width, page.height), "text": page.extract_text() or "", "chars": list(page.chars),
                 "words": page.extract_words()} for page in pdf.pages]


def assert_fits_the_card(page: dict[str, Any]) -> None:
    """Every letter inside the card with a trimming margin, none smaller than 6.5 pt, no two words overlapping."""
    width, height = page["size"]
    edge = 0.1 * INCH
    for char in page["chars"]:
        assert char["size"] >= 6.5 - 1e-9, char["text"]  # pdfminer derives the size of a CJK letter: 6.4999...
        assert edge <= char["x0"] and char["x1"] <= width - edge, char["text"]
        assert edge <= char["top"] and char["bottom"] <= height - edge, char["text"]
    words = page["words"]
    for n, a in enumerate(words):
        for b in words[n + 1:]:
            apart = a["x1"] <= b["x0"] or b["x1"] <= a["x0"] or a["bottom"] <= b["top"] or b["bottom"] <= a["top"]
            assert apart, (a["text"], b["text"])


def test_the_card_is_wallet_size_and_carries_the_appraisal_front_and_back() -> None:
    front, back = card_pages(render_appraisal_card_pdf(appraisal()))
    assert front["size"] == back["size"] == (3.5 * INCH, 2 * INCH)
    for expected in ("Jane Ellen Fine Jewelry", "Appraisal AP-2026-0042 (v1)", "November 20, 2026",
                     "Halo · 18k White Gold · 1.38 ct total", "Appraised value", "$18,500.00"):
        assert expected in front["text"], expected
    for expected in ("Priya Nair, GIA Graduate Gemologist", "Margaret O'Connor", "December 1, 2026",
                     f"Verification code {CODE}", "(212) 555-0142"):
        assert expected in back["text"], expected
    assert "Elm Street" not in back["text"]  # the owner's name only, not where the piece is kept
    assert_fits_the_card(front)
    assert_fits_the_card(back)


def test_the_card_qr_code_scans_as_the_verification_code() -> None:
    assert qr_codes(render_appraisal_card_pdf(appraisal())) == [CODE]


def test_a_draft_card_says_draft_and_has_no_qr_code_or_verification_code() -> None:
    data = render_appraisal_card_pdf(draft())
    front, back = card_pages(data)
    assert "DRAFT" in front["text"] and "DRAFT" in back["text"]
    assert "Verification code" not in back["text"]
    assert qr_codes(data) == []
    assert_fits_the_card(front)
    assert_fits_the_card(back)


def test_long_names_on_the_card_are_set_smaller_or_cut_never_past_its_edge() -> None:
    doc = appraisal(
        store_name="The Very Long Named Estate and Antique Fine Jewelry Emporium of Greater Springfield",
        owner="Maximiliana Alexandrovna Featherstonehaugh-Cholmondeley de la Vega y Montenegro\n1 Road",
        appraiser="Bartholomew Fitzgerald-Abernathy",
        credentials="GIA Graduate Gemologist, ASA Accredited Senior Appraiser, FGA, Certified Insurance Appraiser",
        value="$12,345,678.90", purpose="Insurance replacement for a scheduled personal articles floater",
        piece=(("Style", "Three-stone halo with hidden halo"), ("Metal", "18k white and rose gold two-tone")),
        effective_on="September 30, 2026", store_phone="+44 20 7946 0958 extension 1234")
    for page in card_pages(render_appraisal_card_pdf(doc)):
        assert_fits_the_card(page)
    front, back = card_pages(render_appraisal_card_pdf(doc))
    assert "$12,345,678.90" in front["text"] and f"Verification code {CODE}" in back["text"]
    assert "+44 20 7946 0958 extension 1234" in back["text"]  # the store's name is cut, never its phone


# ---------------------------------------------------------------- a re-print is the same paper


@pytest.mark.parametrize("render", [
    lambda doc: render_appraisal_pdf(doc, certificate_pages=True),
    render_appraisal_pdf,
    render_appraisal_card_pdf,
], ids=["appraisal with certificates", "appraisal", "card"])
def test_the_same_document_renders_to_the_same_bytes(render: Any) -> None:
    for doc in (appraisal(), draft()):
        assert render(doc) == render(dataclasses.replace(doc))
