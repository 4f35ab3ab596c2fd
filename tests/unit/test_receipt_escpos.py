"""ESC/POS receipts as bytes, decoded back into what the paper says."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from pos_app.documents.receipt import Receipt, ReceiptLine, ReceiptTender, TextReport
from pos_app.documents.receipt_escpos import drawer_kick, render_receipt, render_report, render_test_page
from pos_app.domain.money import Money
from tests.printer_listener import decode_escpos

AT = dt.datetime(2026, 11, 25, 14, 5, tzinfo=ZoneInfo("America/New_York"))


def receipt(**changes: object) -> Receipt:
    lines = (
        ReceiptLine("TEN-1001", "3.00 ct Round Brilliant Tennis Necklace in 18k White Gold, 16 inches",
                    1, Money(1250000), Money(125000), Money(1125000)),
        ReceiptLine("SOL-2002", "Solitaire Pendant", 2, Money(89900), Money(0), Money(179800)),
    )
    base = Receipt(
        kind="sale", number="C1-000123", store_name="Jane Ellen", store_address="410 Madison Avenue\nNew York, NY",
        store_phone="(800) 555-1234", at=AT, clerk="Lily", lines=lines, subtotal=Money(1429800),
        discount=Money(125000), tax=Money(115940), total=Money(1420740),
        tenders=(ReceiptTender("cash", Money(20000)), ReceiptTender("card", Money(1400740), "visa", "4242")),
        change=Money(0), return_policy="Returns within 30 days with this receipt.",
        privacy_notice="Privacy requests: privacy@janeellen.example", footer="Thank you.",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("columns", [42, 48])
def test_every_line_fits_the_width_and_everything_is_there(columns: int) -> None:
    paper = decode_escpos(render_receipt(receipt(), columns=columns))
    assert all(len(line) <= columns for line in paper.lines), [x for x in paper.lines if len(x) > columns]
    text = paper.text
    for expected in ("Jane Ellen", "410 Madison Avenue", "(800) 555-1234", "Sale C1-000123", "2026-11-25 14:05",
                     "Clerk: Lily", "TEN-1001", "SOL-2002  2 x $899.00", "$12,500.00", "-$1,250.00", "Subtotal",
                     "$14,298.00", "Tax", "$1,159.40", "TOTAL", "$14,207.40", "Cash", "$200.00", "VISA ****4242",
                     "$14,007.40", "Returns within 30 days", "privacy@janeellen.example", "Thank you."):
        assert expected in text, expected
    # A long description wraps between words, indented under its SKU.
    assert any(line.startswith("  3.00 ct Round Brilliant") for line in paper.lines)
    assert paper.barcodes == [("CODE128", "C1-000123")]
    assert paper.cut and paper.drawer_kicks == 0


def test_a_gift_receipt_shows_no_money_at_all() -> None:
    text = decode_escpos(render_receipt(receipt(gift=True))).text
    assert "GIFT RECEIPT" in text and "TEN-1001" in text and "SOL-2002  x 2" in text
    assert not re.search(r"\$\d", text) and "TOTAL" not in text and "VISA" not in text


def test_a_return_says_so_and_names_the_sale_it_returns() -> None:
    returned = (ReceiptLine("SOL-2002", "Solitaire Pendant", -1, Money(89900), Money(0), Money(-89900),
                            note="Returned"),)
    paper = decode_escpos(render_receipt(receipt(
        kind="return", lines=returned, original_number="C1-000100", subtotal=Money(-89900), discount=Money(0),
        tax=Money(-7979), total=Money(-97879), tenders=(ReceiptTender("card", Money(-97879), "visa", "4242"),))))
    assert "RETURN" in paper.text and "Returns from sale C1-000100" in paper.text
    assert "VISA ****4242 refund" in paper.text and "-$978.79" in paper.text


def test_change_and_reprint_are_printed() -> None:
    text = decode_escpos(render_receipt(receipt(change=Money(1550), reprint=True))).text
    assert "REPRINT" in text and "Change" in text and "$15.50" in text


def test_accented_names_print_in_the_printers_code_page() -> None:
    paper = decode_escpos(render_receipt(receipt(store_name="Zoë’s Café", clerk="José")))
    assert "Zoë’s Café" in paper.text and "Clerk: José" in paper.text


def test_only_42_or_48_columns() -> None:
    with pytest.raises(ValueError, match="42 or 48"):
        render_receipt(receipt(), columns=32)


def test_report_and_test_page_render_and_cut() -> None:
    report = decode_escpos(render_report(TextReport("Z report", "Jane Ellen", AT, (
        ("Cash drawer", ""), ("Expected in drawer", "$1,234.00"), ("Counted", "$1,231.00"),
        ("Over (+) / short (-)", "-$3.00")))))
    assert "Z report" in report.text and "CASH DRAWER" in report.text and report.cut
    assert any(line.startswith("Over (+) / short (-)") and line.endswith("-$3.00") for line in report.lines)
    page = decode_escpos(render_test_page(store_name="Jane Ellen", columns=48))
    assert "123456789012345678901234567890123456789012345678" in page.lines and page.cut
    assert page.barcodes == [("CODE128", "TEST-123")]


def test_the_drawer_kick_is_the_esc_p_pulse() -> None:
    assert drawer_kick().startswith(b"\x1bp\x00") and decode_escpos(drawer_kick()).drawer_kicks == 1
    with pytest.raises(ValueError):
        drawer_kick(3)


def test_a_logo_prints_as_a_raster_image_above_the_store_name() -> None:
    import io

    from PIL import Image, ImageDraw

    image = Image.new("1", (300, 80), 1)
    ImageDraw.Draw(image).rectangle((10, 10, 290, 70), fill=0)
    png = io.BytesIO()
    image.save(png, "PNG")
    paper = decode_escpos(render_receipt(receipt(logo_png=png.getvalue())))
    assert paper.images == 1 and paper.lines[0].strip() == "Jane Ellen"
