"""PDF receipts read back the way a customer's computer would: text with pdfplumber, the barcode
with zxing-cpp off a page rendered by pypdfium2."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pdfplumber
import pypdfium2
import zxingcpp

from pos_app.documents.receipt import Receipt, ReceiptLine, ReceiptTender
from pos_app.documents.receipt_pdf import render_receipt_pdf
from pos_app.domain.money import Money

AT = dt.datetime(2026, 11, 25, 14, 5, tzinfo=ZoneInfo("America/New_York"))
AMOUNT = re.compile(r"[$€]|\d\.\d\d(?! ct)")  # anything that looks like money (a carat weight is not)


def receipt(**changes: object) -> Receipt:
    lines = (
        ReceiptLine("TEN-1001", "3.00 ct Round Brilliant Tennis Necklace in 18k White Gold, 16 inches", 1,
                    Money(1250000), Money(125000), Money(1125000)),
        ReceiptLine("SOL-2002", "Solitaire Pendant", 2, Money(89900), Money(0), Money(179800), note="Price changed"),
    )
    base = Receipt(
        kind="sale", number="C1-000123", store_name="Zoë’s Café – Fine Jewelry",
        store_address="410 Madison Avenue\nNew York, NY 10017", store_phone="(800) 555-1234", at=AT, clerk="José",
        lines=lines, subtotal=Money(1429800), discount=Money(125000), tax=Money(115940), total=Money(1420740),
        tenders=(ReceiptTender("cash", Money(20000)), ReceiptTender("card", Money(1400740), "visa", "4242")),
        change=Money(1550), tax_exempt_number=None,
        return_policy="Returns and exchanges within 30 days with this receipt.\nEngraved pieces are final sale.",
        privacy_notice="Privacy questions or requests: privacy@janeellen.example", footer="Thank you for shopping!",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def pages_text(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def scanned(data: bytes, page: int = 0) -> list[str]:
    """What a scanner reads off the printed page (rendered at 144 dpi)."""
    image = pypdfium2.PdfDocument(data)[page].render(scale=2).to_pil()
    return [found.text for found in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128)]


def test_every_field_of_the_receipt_reads_back_from_the_pdf() -> None:
    data = render_receipt_pdf(receipt())
    assert data.startswith(b"%PDF")
    [text] = pages_text(data)
    for expected in ("Zoë’s Café – Fine Jewelry", "410 Madison Avenue", "New York, NY 10017", "(800) 555-1234",
                     "Receipt", "No. C1-000123", "Nov 25, 2026 2:05 PM", "Clerk: José",
                     "SKU Description Qty Price Discount Amount",
                     "TEN-1001 3.00 ct Round Brilliant Tennis Necklace in 1 $12,500.00 -$1,250.00 $11,250.00",
                     "SOL-2002 Solitaire Pendant 2 $899.00 $1,798.00", "Price changed",
                     "Subtotal $14,298.00", "Discounts -$1,250.00", "Tax $1,159.40", "Total $14,207.40",
                     "Cash $200.00", "Visa ending 4242 $14,007.40", "Change $15.50",
                     "Returns and exchanges within 30 days with this receipt.", "Engraved pieces are final sale.",
                     "Privacy questions or requests: privacy@janeellen.example", "Thank you for shopping!",
                     "page 1 of 1"):
        assert expected in text, expected


def test_the_barcode_on_the_page_scans_as_the_sale_number() -> None:
    assert scanned(render_receipt_pdf(receipt())) == ["C1-000123"]


def test_a_gift_receipt_lists_the_pieces_without_any_money() -> None:
    data = render_receipt_pdf(receipt(gift=True))
    [text] = pages_text(data)
    assert "Gift receipt" in text and "TEN-1001" in text and "Solitaire Pendant" in text and "SKU Description Qty" in text
    assert not AMOUNT.search(text), AMOUNT.search(text)
    for absent in ("Total", "Subtotal", "Tax", "Visa", "4242", "Cash", "Change", "Discount", "Price changed"):
        assert absent not in text, absent
    assert scanned(data) == ["C1-000123"]  # the gift can still be returned


def test_a_return_names_the_original_sale_and_shows_the_refund() -> None:
    returned = (ReceiptLine("SOL-2002", "Solitaire Pendant", -1, Money(89900), Money(9000), Money(-80900),
                            note="Returned"),)
    [text] = pages_text(render_receipt_pdf(receipt(
        kind="return", number="C1-000130", original_number="C1-000100", lines=returned, subtotal=Money(-80900),
        discount=Money(0), tax=Money(-7180), total=Money(-88080), change=Money(0), reprint=True,
        tenders=(ReceiptTender("card", Money(-88080), "visa", "4242"),), tax_exempt_number="EX-4471")))
    for expected in ("Return receipt (reprint)", "No. C1-000130", "Original sale C1-000100",
                     "SOL-2002 Solitaire Pendant -1 $899.00 $90.00 -$809.00", "Returned",
                     "Tax (exempt #EX-4471) -$71.80", "Total -$880.80", "Visa ending 4242 (refund) -$880.80"):
        assert expected in text, expected


def test_sixty_lines_run_onto_numbered_pages_with_the_header_row_repeated() -> None:
    lines = tuple(ReceiptLine(f"EAR-{n:04d}", f"18k Yellow Gold Diamond Stud Earrings, 0.{n:02d} ct total weight, "
                              "screw backs", 1, Money(12345), Money(0), Money(12345)) for n in range(60))
    data = render_receipt_pdf(receipt(lines=lines))
    pages = pages_text(data)
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in text and "C1-000123" in text
        assert "SKU Description Qty Price Discount Amount" in text
    skus = re.findall(r"EAR-\d{4}", "\n".join(pages))
    assert skus == [f"EAR-{n:04d}" for n in range(60)]  # every line once, in order
    assert "Total $14,207.40" in pages[-1] and all("Total $" not in text for text in pages[:-1])


def test_names_in_any_script_print_as_written_and_what_no_font_has_is_replaced_not_dropped() -> None:
    [text] = pages_text(render_receipt_pdf(receipt(clerk="Mei 美玲 Ravi रवि", store_name="Café\u00a0Zoë")))
    assert "Clerk: Mei 美玲 Ravi ???" in text and "Café Zoë" in text


def test_the_same_receipt_gives_the_same_bytes() -> None:
    assert render_receipt_pdf(receipt()) == render_receipt_pdf(receipt())


def test_a_logo_heads_the_letterhead_and_a_broken_one_is_left_out() -> None:
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (600, 200), (20, 60, 120)).save(png, "PNG")
    with pdfplumber.open(io.BytesIO(render_receipt_pdf(receipt(logo_png=png.getvalue())))) as pdf:
        page = pdf.pages[0]
        [logo] = page.images
        name = next(word for word in page.extract_words() if word["text"] == "Zoë’s")
        assert logo["bottom"] <= name["top"] and logo["x1"] - logo["x0"] <= 2.5 * 72 + 0.5
    [text] = pages_text(render_receipt_pdf(receipt(logo_png=b"not an image")))
    assert "Zoë’s Café" in text
