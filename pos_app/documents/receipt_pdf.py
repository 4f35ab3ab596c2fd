"""A receipt as a PDF (ReportLab): to save, print on an office printer, or email.

Role and contract
-----------------
Pure layout, like `receipt_escpos.py`: `render_receipt_pdf` takes a `Receipt`
already worded and priced by the receipts service and returns the bytes of a
Letter-size PDF; it reads no database and holds no state between calls. It
runs on whichever thread calls it. ReportLab is imported on the first render,
not with this module.

Layout
------
A letterhead (logo, store name, address, phone) faces the receipt's own
block (title, number, date, clerk, the original sale of a return, and the
number as a Code 128 barcode that the counter's scanner reads back for a
return). Then the lines (SKU, description, quantity, price, discount,
amount), the totals with the tenders and change under them, and the return
policy, privacy notice and footer. A gift receipt keeps the lines' SKU,
description and quantity and leaves out every price, total and tender.

A long sale runs onto more pages: the lines' header row repeats and every
page's foot says "page x of y", counted in the same pass by a canvas that
holds its pages until the end (no second build). Text is real PDF text in
the bundled fonts (`documents.fonts`: DejaVu Sans Condensed, CJK from Droid
Sans Fallback), embedded, so any name prints as written and can be searched,
copied and read back. The same
receipt gives the same bytes (no timestamp or random id in the file).
"""

from __future__ import annotations

import io
import logging
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from pos_app.documents import fonts
from pos_app.documents.fonts import BOLD, OBLIQUE, REGULAR
from pos_app.documents.numbered_pages import numbered_canvas
from pos_app.documents.receipt import Receipt, ReceiptLine, ReceiptTender, when_text
from pos_app.documents.text import printable
from pos_app.domain.money import Money, format_money

log = logging.getLogger(__name__)

INCH = 72.0
PAGE = (8.5 * INCH, 11 * INCH)  # US Letter
MARGIN = 0.75 * INCH  # from the paper's edge to the text
_FRAME_PADDING = 6.0  # ReportLab's frames pad their content by 6 pt on every side
CONTENT_WIDTH = PAGE[0] - 2 * MARGIN
GREY = "#555555"
TITLES = {"sale": "Receipt", "return": "Return receipt", "exchange": "Exchange receipt", "void": "Voided sale"}
CARD_BRANDS = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express", "discover": "Discover",
               "jcb": "JCB", "diners": "Diners Club", "unionpay": "UnionPay", "interac": "Interac"}
# Column widths of the lines table (they add up to CONTENT_WIDTH: 7 inches).
_COLUMNS = (1.1 * INCH, 2.65 * INCH, 0.45 * INCH, 0.95 * INCH, 0.85 * INCH, 1.0 * INCH)
_GIFT_COLUMNS = (1.4 * INCH, 4.9 * INCH, 0.7 * INCH)
_TOTALS_COLUMNS = (2.2 * INCH, 1.0 * INCH)  # its amounts line up under the lines' Amount column



def _markup(text: str, font: str = REGULAR) -> str:
    """Paragraph markup for plain `text` in a style set in `font`, its newlines kept."""
    return "<br/>".join(fonts.markup(printable(line), font) for line in text.strip().splitlines())


def _tender_label(tender: ReceiptTender) -> str:
    if tender.kind == "card":
        brand = tender.card_brand or "card"
        label = CARD_BRANDS.get(brand.lower(), brand.title())
        if tender.card_last4:
            # Not "•••• 4242": Helvetica's bullet comes out of a text extractor as (cid:127).
            label += f" ending {tender.card_last4}"
    else:
        label = {"cash": "Cash", "store_credit": "Store credit"}.get(tender.kind, tender.kind.replace("_", " "))
    return label + (" (refund)" if tender.amount.cents < 0 else "") + (" (pending)" if tender.pending else "")


def _title(r: Receipt) -> str:
    title = "Gift receipt" if r.gift else TITLES.get(r.kind, "Receipt")
    return title + (" (reprint)" if r.reprint else "")


def render_receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt as a Letter-size PDF, one page or as many as its lines need."""
    from reportlab.platypus import SimpleDocTemplate

    r = receipt
    fonts.register()
    styles = _styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=PAGE, leftMargin=MARGIN - _FRAME_PADDING, rightMargin=MARGIN - _FRAME_PADDING,
        topMargin=MARGIN - _FRAME_PADDING, bottomMargin=MARGIN,
        title=f"{_title(r)} {r.number}", author=printable(r.store_name), subject=f"{r.store_name} {r.number}",
        creator="Facet", invariant=1, initialFontName=REGULAR,
    )
    footer = f"{printable(r.store_name)}  \u00b7  {_title(r)} {r.number}"
    doc.build(_story(r, styles), canvasmaker=_numbered_canvas(footer))
    return out.getvalue()


@cache
def _styles() -> dict[str, Any]:
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("body", fontName=REGULAR, fontSize=9.5, leading=12.5)
    return {
        "body": body,
        "cell": ParagraphStyle("cell", parent=body, fontSize=9, leading=11.5),
        "sku": ParagraphStyle("sku", parent=body, fontSize=9, leading=11.5, wordWrap="CJK"),  # may break anywhere
        "note": ParagraphStyle("note", parent=body, fontName=OBLIQUE, fontSize=8, leading=10,
                               textColor=GREY),
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, textColor=GREY),
        "small_heading": ParagraphStyle("small_heading", parent=body, fontName=BOLD, fontSize=8.5, leading=11,
                                        spaceBefore=6),
        "footer": ParagraphStyle("footer", parent=body, alignment=TA_CENTER, spaceBefore=10),
        "store": ParagraphStyle("store", parent=body, fontName=BOLD, fontSize=18, leading=22),
        "title": ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=14, leading=18, alignment=TA_RIGHT),
        "facts": ParagraphStyle("facts", parent=body, alignment=TA_RIGHT),
    }


def _para(markup: str, style: Any) -> Any:
    from reportlab.platypus import Paragraph  # a no-op after the first render

    return Paragraph(markup, style)


def _story(r: Receipt, styles: dict[str, Any]) -> list[Any]:
    from reportlab.platypus import KeepTogether, Spacer

    story: list[Any] = [_header(r, styles), Spacer(1, 0.3 * INCH), _lines_table(r, styles)]
    if not r.gift:
        story += [Spacer(1, 0.15 * INCH), KeepTogether(_totals_table(r))]
    notes: list[Any] = []
    for heading, text in (("Returns and exchanges", r.return_policy), ("Privacy", r.privacy_notice)):
        if text.strip():
            notes += [_para(heading, styles["small_heading"]), _para(_markup(text), styles["small"])]
    if notes:
        story += [Spacer(1, 0.25 * INCH), KeepTogether(notes)]
    if r.footer.strip():
        story.append(_para(_markup(r.footer), styles["footer"]))
    return story


def _header(r: Receipt, styles: dict[str, Any]) -> Any:
    from reportlab.platypus import Spacer, Table, TableStyle

    left: list[Any] = []
    logo = _logo(r.logo_png) if r.logo_png else None
    if logo is not None:
        left += [logo, Spacer(1, 6)]
    left.append(_para(_markup(r.store_name, BOLD), styles["store"]))
    contact = [*r.store_address.strip().splitlines(), r.store_phone]
    left.append(_para("<br/>".join(_markup(x) for x in contact if x.strip()), styles["body"]))

    facts = [f"<b>No. {escape(r.number)}</b>", _markup(when_text(r.at, r.locale)), f"Clerk: {_markup(r.clerk)}"]
    if r.sold_by:
        facts.append(f"Sold by: {_markup(r.sold_by)}")
    if r.original_number:
        facts.append(f"Original sale {escape(r.original_number)}")
    right: list[Any] = [_para(escape(_title(r)), styles["title"]), _para("<br/>".join(facts), styles["facts"])]
    barcode = _barcode(r.number)
    if barcode is not None:
        right += [Spacer(1, 6), barcode]
    table = Table([[left, right]], colWidths=(CONTENT_WIDTH * 0.55, CONTENT_WIDTH * 0.45))
    table.setStyle(TableStyle([
        fonts.CELLS,
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (1, 0), (1, 0), "RIGHT"),  # a flowable in a cell follows the cell's alignment
        ("LEFTPADDING", (0, 0), (0, 0), 0),
        ("RIGHTPADDING", (-1, 0), (-1, 0), 0),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, "#000000"),
        ("BOTTOMPADDING", (0, 0), (-1, 0), 10),
    ]))
    return table


def _barcode(number: str) -> Any:
    """The number as Code 128 for the counter's scanner; None if Code 128 cannot hold it."""
    from reportlab.graphics.barcode.code128 import Code128

    if not number or not all(" " <= c <= "~" for c in number):
        return None
    # 1 pt narrow bars (13.9 mil): easy for any handheld scanner off a laser page. The left quiet zone is
    # the symbology's 10 X; on the right the bars end at the text's edge and the page margin is the quiet zone.
    # The number is printed in bold just above, so the symbol carries no text of its own.
    return Code128(number, barWidth=1.0, barHeight=0.45 * INCH, quiet=1, lquiet=10.0, rquiet=0.0,
                   humanReadable=False)


def _logo(png: bytes) -> Any:
    """The logo at most 2.5 x 0.9 inches, its shape kept; None (and a log line) if it cannot be read."""
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image

    try:
        width, height = ImageReader(io.BytesIO(png)).getSize()
    except Exception as error:  # noqa: BLE001 - ReportLab reports an unreadable image in several ways
        log.warning("the receipt logo cannot be read (%s); the PDF has none", error)
        return None
    scale = min(2.5 * INCH / width, 0.9 * INCH / height, 1.0)
    image = Image(io.BytesIO(png), width=width * scale, height=height * scale)
    image.hAlign = "LEFT"
    return image


def _lines_table(r: Receipt, styles: dict[str, Any]) -> Any:
    from reportlab.platypus import Table, TableStyle

    def money(amount: Money) -> str:
        return printable(format_money(amount, r.locale))

    def description(line: ReceiptLine) -> list[Any]:
        cell = [_para(_markup(line.description), styles["cell"])]
        if line.note and not r.gift:
            cell.append(_para(_markup(line.note, OBLIQUE), styles["note"]))
        return cell

    rows: list[list[Any]]
    widths: tuple[float, ...]
    if r.gift:
        rows = [["SKU", "Description", "Qty"]]
        rows += [[_para(_markup(line.sku), styles["sku"]), description(line), str(line.quantity)]
                 for line in r.lines]
        widths = _GIFT_COLUMNS
    else:
        rows = [["SKU", "Description", "Qty", "Price", "Discount", "Amount"]]
        for line in r.lines:
            # Off a sale; on a returned line (negative quantity) the discount given then is kept back.
            off = -line.discount if line.quantity >= 0 else line.discount
            rows.append([_para(_markup(line.sku), styles["sku"]), description(line),
                         str(line.quantity), money(line.unit_price), money(off) if line.discount.cents else "",
                         money(line.total)])
        widths = _COLUMNS
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), BOLD, 9),
        ("FONT", (0, 1), (-1, -1), REGULAR, 9),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, "#000000"),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, "#bbbbbb"),
        ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (0, -1), 0),
        ("RIGHTPADDING", (-1, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 1), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 1), (-1, -1), 5),
    ]))
    return table


def _totals_table(r: Receipt) -> Any:
    from reportlab.platypus import Paragraph, Table, TableStyle

    def money(amount: Money) -> str:
        return printable(format_money(amount, r.locale))

    rows = [["Subtotal", money(r.subtotal)]]
    if r.discount.cents:
        rows.append(["Discounts", money(-r.discount)])
    rows.append([fonts.cell(f"Tax (exempt #{printable(r.tax_exempt_number)})", REGULAR, 9.5) if r.tax_exempt_number
                 else "Tax",
                 money(r.tax)])
    total_row = len(rows)
    rows.append(["Total", money(r.total)])
    chip_rows = []
    for tender in r.tenders:
        rows.append([_tender_label(tender), money(tender.amount)])
        emv = tender.emv_lines()
        if emv:  # the chip fields card networks ask a receipt to print, small, under the card's line
            text = " &nbsp; ".join(f"{escape(label)}: {escape(printable(value))}" for label, value in emv)
            chip_rows.append(len(rows))
            rows.append([Paragraph(text, _styles()["small"]), ""])
    if r.change.cents:
        rows.append(["Change", money(r.change)])
    style = [
        ("FONT", (0, 0), (-1, -1), REGULAR, 9.5),
        ("FONT", (0, total_row), (-1, total_row), BOLD, 11.5),
        ("LINEABOVE", (0, total_row), (-1, total_row), 0.8, "#000000"),
        ("TOPPADDING", (0, total_row), (-1, total_row), 5),
        ("BOTTOMPADDING", (0, total_row), (-1, total_row), 7),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("RIGHTPADDING", (1, 0), (1, -1), 0),
    ]
    if len(rows) > total_row + 1:
        style.append(("LINEBELOW", (0, total_row), (-1, total_row), 0.25, "#bbbbbb"))
    for row in chip_rows:
        style += [("SPAN", (0, row), (-1, row)), ("LEFTPADDING", (0, row), (0, row), 12),
                  ("TOPPADDING", (0, row), (-1, row), 0)]
    table = Table(rows, colWidths=_TOTALS_COLUMNS, hAlign="RIGHT")
    table.setStyle(TableStyle(style))
    return table


def _footer(canvas: Any, number: int, total: int) -> None:
    """The receipt's number and "page x of y" at the foot of a page."""
    canvas.setFillColor(GREY)
    fonts.draw(canvas, MARGIN, 0.5 * INCH, canvas.footer_text, REGULAR, 8)
    fonts.draw(canvas, PAGE[0] - MARGIN, 0.5 * INCH, f"page {number} of {total}", REGULAR, 8, anchor="end")


def _numbered_canvas(footer: str) -> Any:
    return numbered_canvas(_footer, footer)
