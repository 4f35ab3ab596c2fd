"""ESC/POS receipts as bytes, decoded back into what the paper says (tests.printer_listener.decode_escpos)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pos_app import escpos_loader
from pos_app.documents.receipt import Receipt, ReceiptLine, ReceiptTender, TextReport
from pos_app.documents.receipt_escpos import (
    drawer_kick,
    printable,
    profile_columns,
    render_receipt,
    render_report,
    render_test_page,
    width_problem,
)
from pos_app.domain.money import Money
from tests.printer_listener import DecodedReceipt, decode_escpos

AT = dt.datetime(2026, 11, 25, 14, 5, tzinfo=ZoneInfo("America/New_York"))
NECKLACE = "3.00 ct Round Brilliant Tennis Necklace in 18k White Gold, 16 inches"
AMOUNT = re.compile(r"[$€]|\d\.\d\d(?! ct)")  # anything that looks like money (a carat weight is not)


def receipt(**changes: object) -> Receipt:
    lines = (
        ReceiptLine("TEN-1001", NECKLACE, 1, Money(1250000), Money(125000), Money(1125000)),
        ReceiptLine("SOL-2002", "Solitaire Pendant", 2, Money(89900), Money(0), Money(179800),
                    note="Price changed"),
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


def paper(r: Receipt, columns: int = 42) -> DecodedReceipt:
    return decode_escpos(render_receipt(r, columns=columns))


def line_with(decoded: DecodedReceipt, start: str) -> str:
    return next(line for line in decoded.lines if line.startswith(start))


@pytest.mark.parametrize("columns", [42, 48])
def test_every_printed_line_fits_the_paper_width(columns: int) -> None:
    long = receipt(store_name="Zoë’s Café – Fine Jewelry & Watches of Madison Avenue",
                   store_address="410 Madison Avenue, Suite 1200, between East 48th and East 49th Streets\nNew York",
                   tenders=(ReceiptTender("store_credit", Money(1420740)),),
                   return_policy="Returns and exchanges within 30 days with this receipt; custom and engraved "
                                 "pieces are final sale. " * 3)
    for r in (receipt(), long, receipt(gift=True)):
        decoded = paper(r, columns)
        too_wide = [line for line in decoded.printed if line.columns > columns]
        assert not too_wide


@pytest.mark.parametrize("columns", [42, 48])
def test_a_sale_receipt_prints_everything_the_customer_needs(columns: int) -> None:
    decoded = paper(receipt(change=Money(1550)), columns)
    text = decoded.text
    for expected in ("Jane Ellen", "410 Madison Avenue", "New York, NY", "(800) 555-1234", "Sale C1-000123",
                     "Nov 25, 2026 2:05 PM", "Clerk: Lily", "TEN-1001", "  3.00 ct Round Brilliant",
                     "SOL-2002  2 x $899.00", "Price changed", "Returns within 30 days with this receipt.",
                     "Privacy requests:", "privacy@janeellen.example", "Thank you."):
        assert expected in text, expected
    # Amounts sit flush with the right edge of their label's line.
    for label, amount in (("TEN-1001", "$12,500.00"), ("  Discount", "-$1,250.00"), ("SOL-2002", "$1,798.00"),
                          ("Subtotal", "$14,298.00"), ("Discounts", "-$1,250.00"), ("Tax", "$1,159.40"),
                          ("Cash", "$200.00"), ("VISA ****4242", "$14,007.40"), ("Change", "$15.50")):
        line = line_with(decoded, label)
        assert line.endswith(amount) and len(line) == columns, (label, line)
    total = next(line for line in decoded.printed if line.text.startswith("TOTAL"))
    assert total.text.endswith("$14,207.40") and total.columns == columns and total.bold and total.double_width


def test_the_store_name_is_bold_double_size_and_centered() -> None:
    first = paper(receipt()).printed[0]
    assert (first.text, first.bold, first.double_width, first.double_height, first.align) == (
        "Jane Ellen", True, True, True, "center")


def test_the_number_is_a_code128_barcode_and_the_paper_is_cut_at_the_end() -> None:
    data = render_receipt(receipt())
    decoded = decode_escpos(data)
    assert decoded.barcodes == [("CODE128", "C1-000123")]
    # Code set B (function type B, GS k 73), its text printed below (GS H 2), centered (ESC a 1).
    assert b"\x1dkI\x0b{BC1-000123" in data and b"\x1dH\x02" in data
    assert data.rindex(b"\x1ba\x01") < data.index(b"\x1dk")
    assert decoded.cut and data.endswith(b"\x1dV\x00")
    assert data.startswith(b"\x1b@") and decoded.drawer_kicks == 0  # a fresh printer state; the drawer stays shut


def test_a_gift_receipt_shows_the_pieces_but_no_money_at_all() -> None:
    decoded = paper(receipt(gift=True, change=Money(1550)))
    text = decoded.text
    assert "GIFT RECEIPT" in text and "TEN-1001" in text and "SOL-2002  x 2" in text and "Solitaire Pendant" in text
    assert not AMOUNT.search(text), AMOUNT.search(text)
    for absent in ("TOTAL", "Subtotal", "Tax", "VISA", "4242", "Cash", "Change", "Discount", "Price changed"):
        assert absent not in text, absent
    assert decoded.barcodes == [("CODE128", "C1-000123")]  # the gift can still be returned


def test_a_return_says_so_names_the_sale_it_returns_and_shows_the_refund() -> None:
    returned = (ReceiptLine("SOL-2002", "Solitaire Pendant", -1, Money(89900), Money(9000), Money(-80900),
                            note="Returned"),)
    decoded = paper(receipt(
        kind="return", number="C1-000130", lines=returned, original_number="C1-000100", subtotal=Money(-80900),
        discount=Money(0), tax=Money(-7180), total=Money(-88080),
        tenders=(ReceiptTender("card", Money(-88080), "visa", "4242"),)))
    text = decoded.text
    assert "RETURN" in decoded.lines and "Return C1-000130" in text and "Original sale C1-000100" in text
    assert line_with(decoded, "SOL-2002  -1 x $899.00").endswith("-$899.00") and "  Returned" in decoded.lines
    assert line_with(decoded, "  Discount").endswith(" $90.00")  # the discount given then is kept back
    assert line_with(decoded, "VISA ****4242 refund").endswith("-$880.80")
    assert line_with(decoded, "TOTAL").endswith("-$880.80")
    assert decoded.barcodes == [("CODE128", "C1-000130")]


def test_a_reprint_and_a_tax_exemption_are_marked() -> None:
    decoded = paper(receipt(reprint=True, tax_exempt_number="EX-4471", tax=Money(0)))
    assert "REPRINT" in decoded.lines
    assert line_with(decoded, "Tax exempt #EX-4471").endswith("$0.00")


def test_accented_names_print_in_the_printers_own_code_pages() -> None:
    data = render_receipt(receipt(store_name="Zoë’s Café – Ærø", clerk="José Müller-Łukasz"))
    decoded = decode_escpos(data)
    # Letters keep their accents; typographic quotes and dashes become ASCII every printer has.
    assert decoded.lines[0] == "Zoë's Café - Ærø" and "Clerk: José Müller-Łukasz" in decoded.lines
    # On the wire: ESC t 0 (PC437) then "é" as PC437's 0x82, as an Epson TM printer reads it.
    assert b"\x1bt\x00" in data and b"Caf\x82" in data


def test_characters_no_code_page_holds_print_as_question_marks_not_garbage() -> None:
    decoded = paper(receipt(clerk="Mei 美玲 🙂", lines=(
        ReceiptLine("RNG-1", "Ring ✓ ½ carat", 1, Money(10000), Money(0), Money(10000)),)))
    assert "Clerk: Mei ?? ?" in decoded.lines and "  Ring ? ½ carat" in decoded.lines


def test_printable_text_is_one_column_a_character() -> None:
    assert printable("“Quote” – it’s … done") == '"Quote" - it\'s ... done'
    assert printable("14\u202f207,40\xa0€") == "14 207,40 €"  # Babel's French price
    assert printable("Őrség\tsoft\xadhyphen") == "Őrség softhyphen"  # PC852 has Ő; a soft hyphen prints nothing
    assert printable("e\u0301") == "é"  # a decomposed accent is composed, not printed as two columns


def test_prices_in_euros_with_french_spacing_fit_and_print() -> None:
    eur = Money(1250000, "EUR")
    lines = (ReceiptLine("BAG-1", "Bague solitaire", 1, eur, Money(0, "EUR"), eur),)
    decoded = paper(receipt(locale="fr_FR", lines=lines, subtotal=eur, discount=Money(0, "EUR"),
                            tax=Money(0, "EUR"), total=eur, tenders=(ReceiptTender("cash", eur),),
                            change=Money(0, "EUR")))
    assert line_with(decoded, "BAG-1").endswith("12 500,00 €") and "25 nov. 2026 14:05" in decoded.text
    assert all(line.columns <= 42 for line in decoded.printed)


@pytest.mark.parametrize("columns", [42, 48])
def test_a_long_description_wraps_between_words_under_its_sku(columns: int) -> None:
    description = ("Platinum Art Deco Style Halo Engagement Ring with a 2.01 ct Cushion Cut Center Diamond "
                   "and Milgrain Edges")
    decoded = paper(receipt(lines=(ReceiptLine("ENG-3003", description, 1, Money(2450000), Money(0),
                                                Money(2450000)),)), columns)
    start = decoded.lines.index(line_with(decoded, "ENG-3003")) + 1
    wrapped = []
    for line in decoded.lines[start:]:
        if not line.startswith("  "):
            break
        wrapped.append(line)
    assert len(wrapped) >= 2 and all(len(line) <= columns for line in wrapped)
    assert " ".join(line.strip() for line in wrapped) == description  # no word cut in two


def test_a_long_sku_puts_quantity_and_amount_on_the_next_line() -> None:
    sku = "CUSTOM-ORDER-2026-11-25-ENGRAVED-BAND"
    decoded = paper(receipt(lines=(ReceiptLine(sku, "Band", 3, Money(45000), Money(0), Money(135000)),)))
    at = decoded.lines.index(sku)
    assert decoded.lines[at + 1].startswith("  3 x $450.00") and decoded.lines[at + 1].endswith(" $1,350.00")
    assert len(decoded.lines[at + 1]) == 42


def test_a_label_too_long_to_share_a_line_wraps_and_its_amount_goes_right_aligned_below() -> None:
    decoded = paper(receipt(tenders=(ReceiptTender("card", Money(1420740), "Diners Club International Premium",
                                                   "0004"),)))
    at = decoded.lines.index("DINERS CLUB INTERNATIONAL PREMIUM ****0004")  # 42 columns: no room for the amount
    assert decoded.lines[at + 1] == "$14,207.40".rjust(42)


def test_a_long_store_name_wraps_in_double_size() -> None:
    decoded = paper(receipt(store_name="Jane Ellen Fine Jewelry and Watches"))
    big = [line for line in decoded.printed if line.double_width]
    assert [line.text for line in big[:2]] == ["Jane Ellen Fine", "Jewelry and Watches"]
    assert all(line.columns <= 42 for line in big)


def test_a_logo_prints_as_a_raster_image_above_the_store_name() -> None:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (800, 200), (0, 0, 0, 0))  # wider than the paper, transparent background
    ImageDraw.Draw(image).rectangle((10, 10, 790, 190), fill=(0, 0, 0, 255))
    png = io.BytesIO()
    image.save(png, "PNG")
    data = render_receipt(receipt(logo_png=png.getvalue()))
    decoded = decode_escpos(data)
    assert decoded.images == 1 and decoded.lines[0] == "Jane Ellen"
    raster = data.index(b"\x1dv0")
    width_dots = 8 * (data[raster + 4] + 256 * data[raster + 5])
    assert width_dots <= 504  # scaled into the 42-column print width
    # A logo that is not an image leaves the receipt printing without one.
    assert decode_escpos(render_receipt(receipt(logo_png=b"not a png"))).images == 0


def test_only_42_or_48_columns_and_known_printer_models() -> None:
    with pytest.raises(ValueError, match="42 or 48"):
        render_receipt(receipt(), columns=32)
    with pytest.raises(ValueError, match="TM-T1000"):
        render_receipt(receipt(), profile="TM-T1000")


def test_an_x_or_z_report_puts_labels_left_and_values_right() -> None:
    report = decode_escpos(render_report(TextReport("Z report", "Jane Ellen", AT, (
        ("Cash drawer", ""), ("Expected in drawer", "$1,234.00"), ("Counted", "$1,231.00"),
        ("Over (+) / short (-)", "-$3.00"), ("Cards", ""), ("Visa", "$14,007.40")), footer="Signed: ________")))
    assert report.lines[0] == "Z report" and "2026-11-25 14:05" in report.lines and report.cut
    heading = next(line for line in report.printed if line.text == "CASH DRAWER")
    assert heading.bold and "CARDS" in report.lines
    for label, value in (("Expected in drawer", "$1,234.00"), ("Over (+) / short (-)", "-$3.00"),
                         ("Visa", "$14,007.40")):
        line = line_with(report, label)
        assert line.endswith(value) and len(line) == 42
    assert "Signed: ________" in report.lines


@pytest.mark.parametrize("columns", [42, 48])
def test_the_test_page_shows_the_width_styles_and_a_barcode(columns: int) -> None:
    page = decode_escpos(render_test_page(store_name="Jane Ellen", columns=columns, profile="TM-T88V"))
    assert "".join(str(n % 10) for n in range(1, columns + 1)) in page.lines
    assert "|" + "-" * (columns - 2) + "|" in page.lines
    assert "Jane Ellen" in page.lines and any(line.bold for line in page.printed)
    assert any(line.double_width for line in page.printed) and "Accents: café, naïve, Zürich, Ærøskøbing" in page.text
    assert page.barcodes == [("CODE128", "TEST-123")] and page.cut
    assert all(line.columns <= columns for line in page.printed)


def test_the_drawer_kick_is_the_esc_p_pulse_on_pin_2_or_5() -> None:
    assert drawer_kick() == b"\x1bp\x00\x32\x32" and drawer_kick(5) == b"\x1bp\x01\x32\x32"
    assert decode_escpos(drawer_kick()).drawer_kicks == 1 and not decode_escpos(drawer_kick()).lines
    with pytest.raises(ValueError, match="pin 2 or pin 5"):
        drawer_kick(3)


def test_the_drawer_kick_is_what_python_escpos_sends_without_loading_it() -> None:
    from escpos.printer import Dummy

    for pin in (2, 5):
        printer = Dummy(profile="TM-T88V")
        printer.cashdraw(pin)
        assert drawer_kick(pin) == bytes(printer.output)


@pytest.mark.parametrize(("profile", "columns"), [("TM-T88V", 42), ("TM-T20II", 48), ("TM-T20II-42col", 42),
                                                   ("POS-5890", 32)])
def test_a_profiles_line_length_is_python_escpos_font_a_columns(profile: str, columns: int) -> None:
    from escpos.capabilities import get_profile

    assert profile_columns(profile) == columns == get_profile(profile).get_columns("a")


def test_a_width_fits_a_profile_only_up_to_its_font_a_line() -> None:
    assert width_problem(42, "TM-T88V") is None and width_problem(42, "TM-T20II") is None
    assert width_problem(48, "TM-T20II") is None
    assert width_problem(48, "TM-T88V") == ("is 48, but the TM-T88V profile prints 42 characters a line (font A), so "
                                            "48 do not fit: set 42")
    assert width_problem(40, "TM-T88V") == "is 42 or 48 characters a line, not 40"
    with pytest.raises(ValueError, match="'TM-T88X' is not a printer model python-escpos knows"):
        width_problem(42, "TM-T88X")


# ---------------------------------------------------------------- python-escpos's capability cache


def test_a_capability_cache_a_kill_left_empty_or_truncated_is_seen_and_written_again_whole(tmp_path: Path) -> None:
    import pickle

    good = escpos_loader.write_cache(tmp_path / "good")
    whole = good.read_bytes()
    assert pickle.loads(whole) == escpos_loader._database()  # noqa: S301 - written just now by the test
    assert good.stat().st_mtime >= escpos_loader.capabilities_file().stat().st_mtime  # python-escpos keeps it
    folder = tmp_path / "escpos"
    folder.mkdir()
    path = escpos_loader.cache_path(folder)
    assert escpos_loader.cache_problem(folder) is None  # none yet: made at the first receipt
    for damage, problem in ((b"", "empty"), (whole[:100], "damaged (UnpicklingError)"),
                            (pickle.dumps([1, 2]), "not python-escpos's printer database")):
        path.write_bytes(damage)
        assert escpos_loader.cache_problem(folder) == f"python-escpos's capability cache {path} is {problem}"
    escpos_loader.write_cache(folder)
    assert path.read_bytes() == whole and escpos_loader.cache_problem(folder) is None
    assert sorted(p.name for p in folder.iterdir()) == [path.name]  # no temp file left
