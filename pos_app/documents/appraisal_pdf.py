"""The appraisal document: a Letter-size PDF an insurer or an heir can rely on.

Role and contract
-----------------
Pure layout, like the receipts: `render_appraisal_pdf` takes an
`AppraisalDocument` already worded by the appraisals service and returns PDF
bytes. Every page carries "page x of y" and the appraisal number. The QR code
holds the appraisal number, its version and the short hash of the final
record (`AP-2026-0042 v1 3f9a2c71be04`), so a printed copy can be checked
against the record with `pos-app appraisals verify`. Drafts print with a
DRAFT mark and no QR code: only a final appraisal can be verified.
ReportLab is imported on the first render.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CertificateSummary:
    """A linked lab report as the summary page prints it (values already worded)."""

    lab: str  # "GIA"
    report_number: str
    report_date: str  # "March 18, 2024", or ""
    facts: tuple[tuple[str, str], ...]  # (label, value): shape, carat, color, clarity, cut, polish, ...
    scan_image: bytes | None = None  # the scanned report when it is a JPEG or PNG (a PDF scan is not embedded)


@dataclass(frozen=True)
class AppraisalDocument:
    store_name: str
    store_address: str
    store_phone: str
    number: str
    version: int
    status: str  # draft | final
    appraised_on: str  # as printed, "November 20, 2026"
    effective_on: str
    purpose: str
    owner: str  # name and address, or "Store inventory"
    piece: tuple[tuple[str, str], ...]  # (label, value): style, metal, weight, length, clasp
    description: str
    stones: tuple[tuple[str, ...], ...]  # rows: role, shape, count, carat, color, clarity, cut, measurements
    value: str  # "$18,500.00"
    value_words: str
    appraiser: str
    credentials: str
    limiting_conditions: str
    qr_payload: str | None
    supersedes: str | None = None  # "This version replaces version 1 of ..."
    photos: tuple[bytes, ...] = ()  # JPEG or PNG, in the order the appraiser put them
    certificates: tuple[CertificateSummary, ...] = ()  # for the optional certificate summary page


STONE_HEADERS = ("Stone", "Shape", "Count", "Carat", "Color", "Clarity", "Cut", "Measurements")


def render_appraisal_pdf(doc: AppraisalDocument) -> bytes:
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.units import inch
    from reportlab.platypus import SimpleDocTemplate

    title = f"Appraisal {doc.number}" + (f" (version {doc.version})" if doc.version > 1 else "")

    def on_page(canvas: Any, built: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(0.75 * inch, 0.5 * inch, f"{doc.store_name} · {title}")
        canvas.drawRightString(letter[0] - 0.75 * inch, 0.5 * inch,
                               f"page {built.page} of {built.facet_pages or '?'}")
        if doc.status != "final":
            canvas.setFont("Helvetica-Bold", 60)
            canvas.setFillGray(0.88)
            canvas.translate(letter[0] / 2, letter[1] / 2)
            canvas.rotate(35)
            canvas.drawCentredString(0, 0, "DRAFT")
        canvas.restoreState()

    def build(pages: int | None) -> tuple[bytes, int]:
        out = io.BytesIO()
        template = SimpleDocTemplate(out, pagesize=letter, leftMargin=0.75 * inch, rightMargin=0.75 * inch,
                                     topMargin=0.7 * inch, bottomMargin=0.9 * inch, title=title,
                                     author=doc.store_name)
        template.facet_pages = pages
        template.build(_story(doc, title), onFirstPage=on_page, onLaterPages=on_page)
        return out.getvalue(), int(template.page)

    _, pages = build(None)  # the first pass counts the pages for "page x of y"
    data, _ = build(pages)
    return data


def _story(doc: AppraisalDocument, title: str) -> list[Any]:
    from xml.sax.saxutils import escape

    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

    base = getSampleStyleSheet()["BodyText"]
    body = ParagraphStyle("body", parent=base, fontName="Helvetica", fontSize=10, leading=13)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11)
    store = ParagraphStyle("store", parent=body, fontName="Helvetica-Bold", fontSize=18, leading=22)
    heading = ParagraphStyle("heading", parent=body, fontName="Helvetica-Bold", fontSize=12, leading=15,
                             spaceBefore=8, spaceAfter=3)
    value_style = ParagraphStyle("value", parent=body, fontName="Helvetica-Bold", fontSize=16, leading=20)

    def p(text: str, style: ParagraphStyle = body) -> Any:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    letterhead = [p(doc.store_name, store), p("\n".join(x for x in (doc.store_address, doc.store_phone) if x))]
    header = [[letterhead, ""]]
    if doc.qr_payload:
        widget = QrCodeWidget(doc.qr_payload)
        x0, y0, x1, y1 = widget.getBounds()
        size = 1.15 * inch
        drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
        drawing.add(widget)
        header = [[letterhead, drawing]]
    top = Table(header, colWidths=[5.6 * inch, 1.4 * inch])
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 0), (1, 0), "RIGHT")]))
    story: list[Any] = [top, Spacer(1, 0.15 * inch), p(f"Jewelry appraisal · {doc.number}", heading)]
    if doc.status != "final":
        story.append(p("DRAFT: not a final appraisal, not for insurance or any other use.", heading))
    facts = [["Appraisal number", f"{doc.number}, version {doc.version}"], ["Date", doc.appraised_on],
             ["Effective date", doc.effective_on], ["Purpose", doc.purpose], ["Owner", doc.owner]]
    if doc.supersedes:
        facts.append(["Replaces", doc.supersedes])
    story.append(_table([[a, p(b)] for a, b in facts], [1.6 * inch, 5.4 * inch], colors, TableStyle, Table))
    story += [p("The piece", heading), _table([[a, p(b)] for a, b in doc.piece], [1.6 * inch, 5.4 * inch],
                                              colors, TableStyle, Table)]
    if doc.description:
        story += [Spacer(1, 0.08 * inch), p(doc.description)]
    if doc.stones:
        story.append(p("Stones", heading))
        stones = Table([list(STONE_HEADERS), *[list(row) for row in doc.stones]], repeatRows=1,
                       colWidths=[0.8 * inch, 1.0 * inch, 0.5 * inch, 0.6 * inch, 0.7 * inch, 0.7 * inch,
                                  0.9 * inch, 1.8 * inch])
        stones.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8.5), ("FONT", (0, 1), (-1, -1), "Helvetica", 8.5),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#bbbbbb")),
        ]))
        story.append(stones)
    story.append(KeepTogether([
        p("Appraised value", heading), p(doc.value, value_style), p(doc.value_words),
        Spacer(1, 0.35 * inch), p("_" * 48), p(f"{doc.appraiser}, {doc.credentials}"), p("Appraiser", small),
    ]))
    if doc.limiting_conditions:
        story += [p("Limiting conditions", heading), p(doc.limiting_conditions, small)]
    if doc.qr_payload:
        story += [Spacer(1, 0.1 * inch), p(f"Verification code: {doc.qr_payload}", small)]
    return story


def _table(rows: list[list[Any]], widths: list[float], colors: Any, style: Any, table: Any) -> Any:
    t = table(rows, colWidths=widths)
    t.setStyle(style([("FONT", (0, 0), (0, -1), "Helvetica-Bold", 9.5), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                      ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#dddddd"))]))
    return t
