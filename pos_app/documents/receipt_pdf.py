"""A receipt as a PDF (ReportLab): to save, print on an office printer, or email.

Role and contract
-----------------
Pure layout, like `receipt_escpos.py`: `render_receipt_pdf` takes a `Receipt`
and returns the bytes of a Letter-size PDF with the store's letterhead, the
sale's lines, totals and tenders, the return policy and privacy notice, and
the sale number as a Code 128 barcode for returns. A gift receipt leaves out
every price, total and tender. Long sales run onto more pages, each marked
"page x of y". Text is real PDF text (Helvetica, Windows-1252), so it can be
searched and read back. ReportLab is imported on the first render.
"""

from __future__ import annotations

import io
from typing import Any

from pos_app.documents.receipt import Receipt, ReceiptTender
from pos_app.domain.money import Money, format_money

TITLES = {"sale": "Receipt", "return": "Return receipt", "exchange": "Exchange receipt", "void": "Voided sale"}


def _tender_label(tender: ReceiptTender) -> str:
    if tender.kind == "card":
        label = (tender.card_brand or "card").upper() + (f" ending {tender.card_last4}" if tender.card_last4 else "")
    else:
        label = {"cash": "Cash", "store_credit": "Store credit"}.get(tender.kind, tender.kind)
    return label + (" (refund)" if tender.amount.cents < 0 else "")


def render_receipt_pdf(receipt: Receipt) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.platypus import SimpleDocTemplate

    r = receipt

    def m(amount: Money) -> str:
        return format_money(amount, r.locale)

    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName="Helvetica", fontSize=9.5, leading=12)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, textColor=colors.HexColor("#444444"))
    store = ParagraphStyle("store", parent=body, fontName="Helvetica-Bold", fontSize=18, leading=22)
    heading = ParagraphStyle("heading", parent=body, fontName="Helvetica-Bold", fontSize=13, leading=16)

    title = "Gift receipt" if r.gift else TITLES.get(r.kind, "Receipt")
    if r.reprint:
        title += " (reprint)"

    def make_story() -> list[Any]:
        return _story(r, title, m, body=body, small=small, store=store, heading=heading)

    def number_pages(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawRightString(letter[0] - 0.75 * inch, 0.5 * inch,
                               f"{r.number}  ·  page {doc.page} of {doc.facet_pages or '?'}")
        canvas.restoreState()

    def build(pages: int | None) -> tuple[bytes, int]:
        out = io.BytesIO()
        doc = SimpleDocTemplate(out, pagesize=letter, leftMargin=0.75 * inch, rightMargin=0.75 * inch,
                                topMargin=0.75 * inch, bottomMargin=0.9 * inch, title=f"{title} {r.number}",
                                author=r.store_name)
        doc.facet_pages = pages
        doc.build(make_story(), onFirstPage=number_pages, onLaterPages=number_pages)
        return out.getvalue(), int(doc.page)

    # Two passes: the first counts the pages for "page x of y".
    _, pages = build(None)
    data, _ = build(pages)
    return data


def _story(r: Receipt, title: str, m: Any, *, body: Any, small: Any, store: Any, heading: Any) -> list[Any]:
    from xml.sax.saxutils import escape

    from reportlab.graphics.barcode import code128
    from reportlab.lib import colors
    from reportlab.lib.units import inch
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    story: list[Any] = [Paragraph(escape(r.store_name), store)]
    contact = "<br/>".join(escape(x) for x in [*r.store_address.splitlines(), r.store_phone] if x)
    if contact:
        story.append(Paragraph(contact, body))
    story.append(Spacer(1, 0.2 * inch))
    story.append(Paragraph(escape(title), heading))
    facts = [f"Sale {r.number}", r.at.strftime("%Y-%m-%d %H:%M"), f"Clerk: {r.clerk}"]
    if r.original_number:
        facts.append(f"Returns from sale {r.original_number}")
    story.append(Paragraph(escape("  ·  ".join(facts)), body))
    story.append(Spacer(1, 0.15 * inch))

    if r.gift:
        rows: list[list[Any]] = [["SKU", "Description", "Qty"]]
        rows += [[line.sku, Paragraph(escape(line.description), body), str(line.quantity)] for line in r.lines]
        widths = [1.3 * inch, 4.9 * inch, 0.8 * inch]
    else:
        rows = [["SKU", "Description", "Qty", "Price", "Discount", "Amount"]]
        for line in r.lines:
            text = escape(line.description) + (f"<br/><i>{escape(line.note)}</i>" if line.note else "")
            rows.append([line.sku, Paragraph(text, body), str(line.quantity), m(line.unit_price),
                         m(-line.discount) if line.discount.cents else "", m(line.total)])
        widths = [1.1 * inch, 2.9 * inch, 0.5 * inch, 1.0 * inch, 0.8 * inch, 1.0 * inch]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 9),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#bbbbbb")),
        ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    story.append(table)
    story.append(Spacer(1, 0.15 * inch))

    if not r.gift:
        totals: list[list[str]] = [["Subtotal", m(r.subtotal)]]
        if r.discount.cents:
            totals.append(["Discounts", m(-r.discount)])
        totals.append([f"Tax (exempt #{r.tax_exempt_number})" if r.tax_exempt_number else "Tax", m(r.tax)])
        totals.append(["Total", m(r.total)])
        for tender in r.tenders:
            totals.append([_tender_label(tender), m(tender.amount)])
        if r.change.cents:
            totals.append(["Change", m(r.change)])
        total_row = 3 if r.discount.cents else 2
        summary = Table(totals, colWidths=[2.2 * inch, 1.2 * inch], hAlign="RIGHT")
        summary.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, -1), "Helvetica", 9.5),
            ("FONT", (0, total_row), (-1, total_row), "Helvetica-Bold", 11),
            ("LINEABOVE", (0, total_row), (-1, total_row), 0.8, colors.black),
            ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ]))
        story.append(summary)
        story.append(Spacer(1, 0.2 * inch))

    for text in (r.return_policy, r.privacy_notice, r.footer):
        if text:
            story.append(Paragraph(escape(text), small))
    story.append(Spacer(1, 0.2 * inch))
    barcode = code128.Code128(r.number, barHeight=0.5 * inch, barWidth=1.0, humanReadable=True)
    barcode.hAlign = "LEFT"
    story.append(barcode)
    return story
