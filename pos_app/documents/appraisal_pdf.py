"""The appraisal document: a Letter-size PDF an insurer or an heir can rely on, and its wallet card.

Role and contract
-----------------
Pure layout, like the receipts: `render_appraisal_pdf` takes an
`AppraisalDocument` already worded by the appraisals service and returns PDF
bytes; `render_appraisal_card_pdf` returns the same appraisal as a 3.5 x 2
inch card (front and back) to keep in a wallet. Neither reads a database or
keeps state between calls; they run on whichever thread calls them. Every page
of the appraisal carries "page x of y" and the appraisal number. The QR code
holds the appraisal number, its version and the short hash of the final
record (`AP-2026-0042 v1 3f9a2c71be04`), so a printed copy can be checked
against the record with `pos-app appraisals verify`. Drafts print with a
DRAFT mark and no QR code: only a final appraisal can be verified.
ReportLab is imported on the first render.

The same document always gives the same bytes (ReportLab's invariant mode:
no timestamp or random id in the file), so a re-print is the same paper.

Layout
------
Letterhead and QR code; the appraisal's facts (number, dates, purpose,
owner); "The piece": its details with up to `PHOTOS_ON_PAGE` photos beside
them (one or two side by side, three or four two by two), each scaled into
its cell with its shape kept and framed by a hairline; the description and
stones; the appraised value with the appraiser's signature line, kept
together on one page; limiting conditions. A draft's DRAFT mark is drawn over
each page's content, see-through, and its footer says DRAFT too.
With `certificate_pages=True` the linked lab reports (GIA, IGI, ...) follow
on a "Certificate summary" page: per report its lab and number, report date,
graded facts, and the scanned report beside them when it is an image.

Photos are embedded as given: a JPEG goes into the PDF as it is (DCT), a
PNG is decoded and compressed again, several times slower. ReportLab writes
image streams ASCII85-encoded, which without its C accelerator (`rl_accel`)
runs in pure Python at ~0.3 s per MB of JPEG: most of the time of an
appraisal with photos (see benchmarks/appraisal_pdf.py). A JPEG's EXIF
orientation is not applied by a PDF viewer, so photos should be stored
upright.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pos_app.documents import fonts
from pos_app.documents.fonts import BOLD, REGULAR
from pos_app.documents.text import cut, fit, printable, text_width, wrap


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

INCH = 72.0
PAGE = (8.5 * INCH, 11 * INCH)  # US Letter
CONTENT_WIDTH = 7.0 * INCH  # between the 0.75 inch side margins
PHOTOS_ON_PAGE = 4  # more stay with the record; the page says how many
PIECE_PHOTOS_WIDTH = 3.3 * INCH  # the photos' column beside the piece's details
PHOTO_MAX = (2.3 * INCH, 1.9 * INCH)  # the most room one photo takes (width, height)
PHOTO_GRID_HEIGHT = 1.35 * INCH  # the most height of a photo in a two by two grid
PHOTO_GAP = 0.12 * INCH
SCAN_MAX_HEIGHT = 4.5 * INCH  # a scanned lab report on the certificate summary page
CERT_FACTS_WIDTH = 3.1 * INCH  # the facts beside it; the scan fits the rest of the line
GREY = "#555555"
HAIRLINE = "#999999"

CARD = (3.5 * INCH, 2.0 * INCH)  # the wallet card, landscape
CARD_MARGIN = 0.14 * INCH  # from the card's edge to any text: a trimmed card keeps all of it
CARD_QR = 1.0 * INCH
CARD_MIN_TEXT = 6.5  # pt: the smallest type on the card
_CARD_FRONT_FOOT = 36.0  # pt above the bottom margin where the value's three lines start
_CARD_BACK_FOOT = 30.0  # the same for the verification code's three lines on the back
def render_appraisal_pdf(doc: AppraisalDocument, *, certificate_pages: bool = False) -> bytes:
    """The appraisal as a Letter-size PDF; with `certificate_pages`, the certificate summary after it.

    Built twice: the first build counts the pages for "page x of y" and
    draws no pictures (photos, scans and the QR code leave their room empty,
    so the pages break the same way); the second is the one returned.
    """
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    fonts.register()
    title = f"Appraisal {doc.number}" + (f" (version {doc.version})" if doc.version > 1 else "")
    footer = printable(f"{doc.store_name} · {title}" + ("" if doc.status == "final" else " · DRAFT"))

    def on_page(canvas: Any, built: Any) -> None:
        canvas.saveState()
        fonts.draw(canvas, 0.75 * INCH, 0.5 * INCH, footer, REGULAR, 8)
        fonts.draw(canvas, PAGE[0] - 0.75 * INCH, 0.5 * INCH, f"page {built.page} of {built.facet_pages or '?'}",
                   REGULAR, 8, anchor="end")
        canvas.restoreState()

    def on_page_end(canvas: Any, built: Any) -> None:
        if doc.status == "final":
            return
        # A draft's mark goes over the page's content, see-through: no photo hides it, the text stays legible.
        canvas.saveState()
        canvas.setFont(BOLD, 60)
        canvas.setFillGray(0.45)
        canvas.setFillAlpha(0.18)
        canvas.translate(PAGE[0] / 2, PAGE[1] / 2)
        canvas.rotate(35)
        canvas.drawCentredString(0, 0, "DRAFT")
        canvas.restoreState()

    def build(pages: int | None) -> tuple[bytes, int]:
        out = io.BytesIO()
        template = BaseDocTemplate(out, pagesize=PAGE, leftMargin=0.75 * INCH, rightMargin=0.75 * INCH,
                                   topMargin=0.7 * INCH, bottomMargin=0.9 * INCH, title=title,
                                   author=printable(doc.store_name), creator="Facet", invariant=1,
                                   initialFontName=REGULAR)
        frame = Frame(template.leftMargin, template.bottomMargin, template.width, template.height)
        template.addPageTemplates([PageTemplate("page", [frame], onPage=on_page, onPageEnd=on_page_end,
                                                pagesize=PAGE)])
        template.facet_pages = pages
        pictures = pages is not None
        story = _story(doc, pictures=pictures)
        if certificate_pages and doc.certificates:
            story += _certificate_story(doc, pictures=pictures)
        template.build(story)
        return out.getvalue(), int(template.page)

    _, pages = build(None)
    data, _ = build(pages)
    return data



def _styles() -> dict[str, Any]:
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("body", fontName=REGULAR, fontSize=10, leading=13)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=11),
        "store": ParagraphStyle("store", parent=body, fontName=BOLD, fontSize=18, leading=22),
        # A heading never ends a page: it goes over with what it heads.
        "heading": ParagraphStyle("heading", parent=body, fontName=BOLD, fontSize=12, leading=15,
                                  spaceBefore=8, spaceAfter=3, keepWithNext=1),
        "value": ParagraphStyle("value", parent=body, fontName=BOLD, fontSize=16, leading=20),
    }


def _p(text: str, style: Any) -> Any:
    from reportlab.platypus import Paragraph

    return Paragraph(fonts.markup(printable(text), style.fontName), style)


def _story(doc: AppraisalDocument, *, pictures: bool) -> list[Any]:
    from reportlab.graphics.shapes import Drawing
    from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

    s = _styles()
    letterhead = [_p(doc.store_name, s["store"]),
                  _p("\n".join(x for x in (doc.store_address, doc.store_phone) if x), s["body"])]
    header = [[letterhead, ""]]
    if doc.qr_payload:
        size = 1.15 * INCH
        drawing = Drawing(size, size, initialFontName=REGULAR)
        if pictures:
            drawing.add(_qr(doc.qr_payload, size))
        header = [[letterhead, drawing]]
    top = Table(header, colWidths=[5.6 * INCH, 1.4 * INCH])
    top.setStyle(TableStyle([fonts.CELLS, ("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 0), (1, 0), "RIGHT")]))
    story: list[Any] = [top, Spacer(1, 0.15 * INCH), _p(f"Jewelry appraisal · {doc.number}", s["heading"])]
    if doc.status != "final":
        story.append(_p("DRAFT: not a final appraisal, not for insurance or any other use.", s["heading"]))
    facts = [("Appraisal number", f"{doc.number}, version {doc.version}"), ("Date", doc.appraised_on),
             ("Effective date", doc.effective_on), ("Purpose", doc.purpose), ("Owner", doc.owner)]
    if doc.supersedes:
        facts.append(("Replaces", doc.supersedes))
    story += [_facts_table(facts, [1.6 * INCH, 5.4 * INCH]), _p("The piece", s["heading"]),
              *_piece(doc, embed=pictures)]
    if doc.description:
        story += [Spacer(1, 0.08 * INCH), _p(doc.description, s["body"])]
    if doc.stones:
        story.append(_p("Stones", s["heading"]))
        rows = [[fonts.cell(printable(x), REGULAR, 8.5) for x in row] for row in doc.stones]
        stones = Table([list(STONE_HEADERS), *rows], repeatRows=1,
                       colWidths=[0.8 * INCH, 1.0 * INCH, 0.5 * INCH, 0.6 * INCH, 0.7 * INCH, 0.7 * INCH,
                                  0.9 * INCH, 1.8 * INCH])
        stones.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, 0), BOLD, 8.5), ("FONT", (0, 1), (-1, -1), REGULAR, 8.5),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, "#000000"),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, "#bbbbbb"),
        ]))
        story.append(stones)
    value = [
        _p("Appraised value", s["heading"]), _p(doc.value, s["value"]), _p(doc.value_words, s["body"]),
        Spacer(1, 0.35 * INCH), _p("_" * 48, s["body"]), _p(f"{doc.appraiser}, {doc.credentials}", s["body"]),
        _p("Appraiser", s["small"]),
    ]
    closing = [_p("Limiting conditions", s["heading"]), _p(doc.limiting_conditions, s["small"])] \
        if doc.limiting_conditions else []
    story.append(KeepTogether(value))
    if not doc.qr_payload:
        return story + closing  # a draft's conditions may run over onto the next page
    # The verification line never stands alone on a page: it goes over with the conditions before it (or,
    # with none, with the value and signature).
    verification = [Spacer(1, 0.1 * INCH), _p(f"Verification code: {doc.qr_payload}", s["small"])]
    if closing:
        story.append(KeepTogether(closing + verification))
    else:
        story[-1] = KeepTogether(value + verification)
    return story


def _certificate_story(doc: AppraisalDocument, *, pictures: bool) -> list[Any]:
    """The certificate summary: from a new page, one block per lab report, each kept on one page."""
    from reportlab.platypus import KeepTogether, PageBreak, Spacer, Table, TableStyle

    s = _styles()
    story: list[Any] = [
        PageBreak(), _p(f"Certificate summary · {doc.number}", s["heading"]),
        _p("The laboratory reports on the stones of this piece, as summarized by the appraiser. "
           "The reports themselves are the authority on what they state.", s["small"]),
    ]
    scan_width = CONTENT_WIDTH - CERT_FACTS_WIDTH - PHOTO_GAP
    for cert in doc.certificates:
        rows = ([("Report date", cert.report_date)] if cert.report_date else []) + list(cert.facts)
        facts = _facts_table(rows, [1.2 * INCH, CERT_FACTS_WIDTH - 1.2 * INCH])
        scan = _framed_image(cert.scan_image, scan_width, SCAN_MAX_HEIGHT, embed=pictures) if cert.scan_image else ""
        block = Table([[facts, scan]], colWidths=[CERT_FACTS_WIDTH + PHOTO_GAP, scan_width])
        block.setStyle(TableStyle([fonts.CELLS, ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                                   ("TOPPADDING", (0, 0), (-1, -1), 0)]))
        story.append(KeepTogether([_p(f"{cert.lab} report {cert.report_number}", s["heading"]), block,
                                   Spacer(1, 0.15 * INCH)]))
    return story


def _facts_table(rows: Sequence[tuple[str, str]], widths: list[float]) -> Any:
    """Label and value, one fact a row; the value wraps."""
    from reportlab.platypus import Spacer, Table, TableStyle

    if not rows:
        return Spacer(0, 0)
    body = _styles()["body"]
    table = Table([[printable(label), _p(value, body)] for label, value in rows], colWidths=widths)
    table.setStyle(TableStyle([fonts.CELLS, ("FONT", (0, 0), (0, -1), BOLD, 9.5), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.25, "#dddddd")]))
    return table


def _piece(doc: AppraisalDocument, *, embed: bool) -> list[Any]:
    """The piece's details, with its photos beside them when it has any."""
    from reportlab.platypus import Table, TableStyle

    if not doc.photos:
        return [_facts_table(doc.piece, [1.6 * INCH, 5.4 * INCH])]
    photos: list[Any] = [_photo_grid(doc.photos[:PHOTOS_ON_PAGE], PIECE_PHOTOS_WIDTH, embed=embed)]
    more = len(doc.photos) - PHOTOS_ON_PAGE
    if more > 0:
        photos.append(_p(f"{more} more photo{'s' if more > 1 else ''} of the piece "
                         f"{'are' if more > 1 else 'is'} kept with the appraisal record.", _styles()["small"]))
    if not doc.piece:
        return photos
    details_width = CONTENT_WIDTH - PIECE_PHOTOS_WIDTH - 2 * PHOTO_GAP
    details = _facts_table(doc.piece, [1.2 * INCH, details_width - 1.2 * INCH])
    table = Table([[details, photos]], colWidths=[details_width + 2 * PHOTO_GAP, PIECE_PHOTOS_WIDTH])
    table.setStyle(TableStyle([fonts.CELLS, ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0)]))
    return [table]


def _photo_grid(photos: tuple[bytes, ...], width: float, *, embed: bool) -> Any:
    """One or two photos side by side, three or four two by two; each scaled into an equal cell."""
    from reportlab.platypus import Table, TableStyle

    columns = 1 if len(photos) == 1 else 2
    cell = min(PHOTO_MAX[0], (width - PHOTO_GAP * (columns - 1)) / columns)
    height = PHOTO_MAX[1] if len(photos) <= 2 else PHOTO_GRID_HEIGHT
    framed = [_framed_image(data, cell, height, embed=embed) for data in photos]
    rows: list[list[Any]] = [framed[i:i + columns] for i in range(0, len(framed), columns)]
    rows[-1] += [""] * (columns - len(rows[-1]))
    grid = Table(rows, colWidths=[cell + PHOTO_GAP] * (columns - 1) + [cell], hAlign="LEFT")
    grid.setStyle(TableStyle([fonts.CELLS, ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                              ("BOTTOMPADDING", (0, 0), (-1, -1), PHOTO_GAP)]))
    return grid


def _framed_image(data: bytes, max_width: float, max_height: float, *, embed: bool) -> Any:
    """A JPEG or PNG scaled to fit the box with its shape kept, in a hairline frame.

    Only the header is read here (the size); the pixels are read when the page
    is drawn. With `embed` false the frame is drawn empty: the page-counting
    build lays out the same size without decoding the image.
    """
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image, Spacer, Table, TableStyle

    width, height = ImageReader(io.BytesIO(data)).getSize()
    scale = min(max_width / width, max_height / height)
    size = (width * scale, height * scale)
    inner = Image(io.BytesIO(data), width=size[0], height=size[1]) if embed else Spacer(*size)
    frame = Table([[inner]], colWidths=[size[0]], rowHeights=[size[1]], hAlign="LEFT")
    frame.setStyle(TableStyle([fonts.CELLS, ("BOX", (0, 0), (-1, -1), 0.5, HAIRLINE),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    return frame


def _qr(payload: str, size: float) -> Any:
    """The QR code widget scaled to a `size` square (its quiet zone included), at the origin."""
    from reportlab.graphics.barcode.qr import QrCodeWidget

    return QrCodeWidget(payload, barWidth=size, barHeight=size)


# ---------------------------------------------------------------- the wallet card


def render_appraisal_card_pdf(doc: AppraisalDocument) -> bytes:
    """The appraisal as a 3.5 x 2 inch card: page 1 the front, page 2 the back.

    Front: store, appraisal number and version, date, a one-line description
    (style, metal, total carat weight of the stones), the appraised value and
    the QR code; a draft says DRAFT where the code would be. Back: appraiser
    and credentials, the owner's name, the effective date and the verification
    code in words. Type is never below CARD_MIN_TEXT; a line too long for the
    card is set smaller down to it, then cut with an ellipsis.
    """
    from reportlab.pdfgen.canvas import Canvas

    fonts.register()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=CARD, invariant=1, initialFontName=REGULAR)
    canvas.setTitle(f"Appraisal card {doc.number} (v{doc.version})")
    canvas.setAuthor(printable(doc.store_name))
    canvas.setCreator("Facet")
    _card_front(canvas, doc)
    canvas.showPage()
    _card_back(canvas, doc)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _card_description(doc: AppraisalDocument) -> str:
    """"Halo · 18k White Gold · 1.38 ct total": style, metal and the stones' carats added up."""
    piece = dict(doc.piece)
    parts = [piece.get("Style", ""), piece.get("Metal", "")]
    carats = []
    for row in doc.stones:
        # A stone row's carat is the weight of all its stones together ("18 side stones, 0.36 ct").
        try:
            carats.append(Decimal(row[3].removesuffix("ct").strip()))
        except (IndexError, InvalidOperation):
            continue
    if carats:
        parts.append(f"{sum(carats):.2f} ct total")
    return " · ".join(p for p in parts if p)


class _CardWriter:
    """Lines of text down a card side from a top edge, each fitted to its width."""

    def __init__(self, canvas: Any, x: float, top: float, width: float) -> None:
        self.canvas, self.x, self.y, self.width = canvas, x, top, width

    def line(self, text: str, font: str, size: float, *, grey: bool = False, before: float = 0.0) -> None:
        text, size = fit(printable(text), font, size, self.width, min_size=CARD_MIN_TEXT)
        self.y -= before + size  # from the previous line's baseline to this one's
        self.canvas.setFillColor(GREY if grey else "#000000")
        fonts.draw(self.canvas, self.x, self.y, text, font, size)
        self.y -= size * 0.25  # the descenders

    def lines(self, text: str, font: str, size: float, *, count: int, before: float = 0.0) -> None:
        wrapped = wrap(printable(text), font, size, self.width, count, min_size=CARD_MIN_TEXT)
        for n, (part, fitted) in enumerate(wrapped):
            self.line(part, font, fitted, before=before if n == 0 else 0.0)


def _card_front(canvas: Any, doc: AppraisalDocument) -> None:
    from reportlab.graphics import renderPDF
    from reportlab.graphics.shapes import Drawing

    left, right, top = CARD_MARGIN, CARD[0] - CARD_MARGIN, CARD[1] - CARD_MARGIN
    pen = _CardWriter(canvas, left, top, right - left)
    pen.line(doc.store_name, BOLD, 10)
    rule = pen.y - 1
    canvas.setStrokeColor(HAIRLINE)
    canvas.setLineWidth(0.5)
    canvas.line(left, rule, right, rule)
    qr_top = pen.y = rule - 5
    pen.width = right - left - CARD_QR - 8  # the text column left of the QR code
    pen.line(f"Appraisal {doc.number} (v{doc.version})", BOLD, 8.5)
    pen.line(doc.appraised_on, REGULAR, 7.5, before=1.5)
    pen.lines(_card_description(doc), REGULAR, 7.5, count=2, before=1.5)
    pen.y = min(pen.y - 4, CARD_MARGIN + _CARD_FRONT_FOOT)  # the value sits at the foot of the card
    pen.line("Appraised value", REGULAR, CARD_MIN_TEXT, grey=True)
    pen.line(doc.value, BOLD, 13, before=1)
    pen.line(doc.purpose, REGULAR, CARD_MIN_TEXT, grey=True, before=1)

    qr_left, qr_bottom = right - CARD_QR, qr_top - CARD_QR
    if doc.status == "final" and doc.qr_payload:
        drawing = Drawing(CARD_QR, CARD_QR, initialFontName=REGULAR)
        drawing.add(_qr(doc.qr_payload, CARD_QR))
        renderPDF.draw(drawing, canvas, qr_left, qr_bottom)
    elif doc.status != "final":
        canvas.setStrokeColor(HAIRLINE)
        canvas.rect(qr_left, qr_bottom, CARD_QR, CARD_QR, stroke=1, fill=0)
        canvas.setFillColor("#000000")
        canvas.setFont(BOLD, 14)
        canvas.drawCentredString(qr_left + CARD_QR / 2, qr_bottom + CARD_QR / 2 + 1, "DRAFT")
        canvas.setFont(REGULAR, CARD_MIN_TEXT)
        canvas.drawCentredString(qr_left + CARD_QR / 2, qr_bottom + CARD_QR / 2 - 10, "not for insurance")


def _card_back(canvas: Any, doc: AppraisalDocument) -> None:
    left, right, top = CARD_MARGIN, CARD[0] - CARD_MARGIN, CARD[1] - CARD_MARGIN
    pen = _CardWriter(canvas, left, top, right - left)
    pen.line("Appraiser", REGULAR, CARD_MIN_TEXT, grey=True)
    pen.lines(", ".join(x for x in (doc.appraiser, doc.credentials) if x) or "(no appraiser named)", REGULAR,
              8, count=2, before=1)
    pen.line("Owner", REGULAR, CARD_MIN_TEXT, grey=True, before=5)
    pen.line(doc.owner.strip().splitlines()[0] if doc.owner.strip() else "", REGULAR, 8, before=1)
    pen.line("Effective date", REGULAR, CARD_MIN_TEXT, grey=True, before=5)
    pen.line(doc.effective_on, REGULAR, 8, before=1)
    pen.y = min(pen.y - 6, CARD_MARGIN + _CARD_BACK_FOOT)  # how to check the card, at its foot
    if doc.status == "final" and doc.qr_payload:
        pen.line(f"Verification code {doc.qr_payload}", BOLD, 7.5)
        pen.line("The store checks this code against the appraisal record:", REGULAR, CARD_MIN_TEXT,
                 grey=True, before=1)
    else:
        pen.line("DRAFT: not a final appraisal", BOLD, 7.5)
        pen.line("Only a final appraisal has a verification code.", REGULAR, CARD_MIN_TEXT, grey=True,
                 before=1)
    # The phone number whole; a store name too long for the rest of the line is cut.
    phone = printable(f" · {doc.store_phone}" if doc.store_phone else "")
    store = cut(printable(doc.store_name), REGULAR, 7, pen.width - text_width(phone, REGULAR, 7))
    pen.line(store + phone, REGULAR, 7, before=1)
