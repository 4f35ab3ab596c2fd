"""The privacy export's readable copy: "Your data at <store>", a Letter-size PDF for the customer.

Role and contract
-----------------
Pure layout: `render_privacy_export_pdf` takes a `PrivacyExportDocument`
already worded by the privacy export service and returns PDF bytes; it reads
no database and runs on whichever thread calls it. Every page carries the
store's name and "page x of y". The same document gives the same bytes
(ReportLab's invariant mode).

Layout
------
Title and store contact; for whom, which request, when; "What we hold, why,
and how long we keep it": one row per category with how many records it
has; "Who else receives it": the third parties by role; your profile as
held; your consent history; your purchases and returns (the first ones, with
a note that all are in ``data.json`` and the CSVs); your privacy requests;
where the rest is in the zip, and how to reach the privacy officer.
Text is set in the bundled fonts (`documents.fonts`), embedded, so a name in
Latin, Greek, Cyrillic or Chinese, Japanese, Korean prints as written (a
letter no bundled font has becomes "?"; ``data.json`` keeps it exactly).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from typing import Any

from pos_app.documents import fonts
from pos_app.documents.receipt_pdf import _numbered_canvas
from pos_app.documents.text import printable

INCH = 72.0
PAGE = (8.5 * INCH, 11 * INCH)
MARGIN = 0.75 * INCH
REGULAR, BOLD, GREY, RULE = fonts.REGULAR, fonts.BOLD, "#555555", "#BBBBBB"
WIDTH = PAGE[0] - 2 * MARGIN


@dataclass(frozen=True)
class PrivacyExportDocument:
    store_name: str
    store_contact: str  # address, phone, email on one line
    privacy_contact: str
    customer_name: str
    generated_on: str  # ISO date
    request_type: str  # "Know / access"
    profile: tuple[tuple[str, str], ...]  # (label, value)
    categories: tuple[tuple[str, int, str, str, str], ...]  # (title, records, what it holds, why, how long kept)
    third_parties: tuple[tuple[str, str], ...]  # (role, names)
    consents: tuple[tuple[str, ...], ...]  # (when, purpose, given/withdrawn, channel, policy version)
    sales: tuple[tuple[str, ...], ...]  # (date, number, kind, status, total)
    more_sales: int
    requests: tuple[tuple[str, ...], ...]  # (received, type, status, completed)
    files: int


def render_privacy_export_pdf(doc: PrivacyExportDocument) -> bytes:
    from reportlab.platypus import SimpleDocTemplate

    fonts.register()
    out = io.BytesIO()
    title = f"Your data at {printable(doc.store_name)}"
    template = SimpleDocTemplate(out, pagesize=PAGE, leftMargin=MARGIN - 6, rightMargin=MARGIN - 6,
                                 topMargin=MARGIN - 6, bottomMargin=MARGIN, title=title,
                                 author=printable(doc.store_name), creator="Facet", invariant=1,
                                 initialFontName=REGULAR)
    template.build(_story(doc, _styles()), canvasmaker=_numbered_canvas(title))
    return out.getvalue()


@cache
def _styles() -> dict[str, Any]:
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("body", fontName=REGULAR, fontSize=9.5, leading=12.5)
    return {
        "body": body,
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5),
        "head": ParagraphStyle("head", parent=body, fontName=BOLD, fontSize=8.5, leading=10.5),
        # allowWidows=0: the closing paragraph never leaves its last line alone on a page.
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, textColor=GREY, allowWidows=0),
        "title": ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=18, leading=22),
        "h2": ParagraphStyle("h2", parent=body, fontName=BOLD, fontSize=12, leading=15, spaceBefore=12,
                             spaceAfter=4, keepWithNext=1),
    }


def _p(text: str, style: Any) -> Any:
    from reportlab.platypus import Paragraph

    return Paragraph(fonts.markup(printable(text), style.fontName), style)


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]], widths: tuple[float, ...],
           styles: dict[str, Any]) -> Any:
    from reportlab.platypus import Table, TableStyle

    data = [[_p(h, styles["head"]) for h in header]]
    data += [[_p(str(v), styles["cell"]) for v in row] for row in rows]
    table = Table(data, colWidths=[w * WIDTH for w in widths], repeatRows=1)
    table.setStyle(TableStyle([
        fonts.CELLS,
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, GREY),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def _story(doc: PrivacyExportDocument, s: dict[str, Any]) -> list[Any]:
    from reportlab.platypus import KeepTogether, Spacer

    story: list[Any] = [_p(f"Your data at {doc.store_name}", s["title"])]
    if doc.store_contact:
        story.append(_p(doc.store_contact, s["small"]))
    story += [Spacer(1, 8), _p(
        f"Prepared for {doc.customer_name or 'you'} on {doc.generated_on}, answering your request "
        f"({doc.request_type.lower()}). This is everything the store's point of sale holds about you. "
        "The same data, complete and machine-readable, is in data.json and the CSV files beside this PDF; "
        f"photos and scans ({doc.files}) are in the files folder.", s["body"])]

    story.append(_p("What we hold, why, and how long we keep it", s["h2"]))
    story.append(_table(("Category", "Records", "What it holds", "Why we hold it", "How long we keep it"),
                        [(t, n, holds, why, kept) for t, n, holds, why, kept in doc.categories],
                        (0.18, 0.09, 0.31, 0.21, 0.21), s))

    story.append(KeepTogether([
        _p("Who else receives it", s["h2"]),
        _p("We do not sell your personal information. These service providers receive what they need "
           "to do their part, and nothing more:", s["body"]),
        Spacer(1, 4), _table(("Role", "Who"), list(doc.third_parties), (0.3, 0.7), s)]))

    story.append(_p("Your profile", s["h2"]))
    story.append(_table(("Field", "What we hold"), [(k, v or "(none)") for k, v in doc.profile], (0.3, 0.7), s))

    story.append(_p("Your consents", s["h2"]))
    if doc.consents:
        story.append(_table(("When (UTC)", "Purpose", "Consent", "How", "Policy"), list(doc.consents),
                            (0.22, 0.28, 0.16, 0.17, 0.17), s))
    else:
        story.append(_p("You have not given us consent to marketing, and we do not send you any.", s["body"]))

    story.append(_p("Your purchases and returns", s["h2"]))
    if doc.sales:
        story.append(_table(("Date", "Number", "Kind", "Status", "Total"), list(doc.sales),
                            (0.17, 0.25, 0.17, 0.19, 0.22), s))
        if doc.more_sales:
            story.append(_p(f"... and {doc.more_sales} more, listed in sales.csv, returns.csv and data.json.",
                            s["small"]))
    else:
        story.append(_p("None.", s["body"]))

    story.append(_p("Your privacy requests", s["h2"]))
    story.append(_table(("Received", "Request", "Status", "Completed"), list(doc.requests),
                        (0.2, 0.35, 0.2, 0.25), s))

    story += [Spacer(1, 14), _p(
        "You may ask us to correct or delete this data, to stop selling or sharing it, to restrict how we use "
        "it, or to withdraw your consent, at any time. Records the law makes us keep (sales for tax, "
        "appraisals and certificates) stay for the periods above, without anything else about you."
        + (f" Contact: {doc.privacy_contact}." if doc.privacy_contact.strip() else ""), s["small"])]
    return story
