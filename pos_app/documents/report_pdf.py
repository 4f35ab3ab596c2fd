"""A manager report as a printable PDF (ReportLab): the store's letterhead, the filters, every table.

Role and contract
-----------------
Pure layout: `render_report_pdf` takes a `Report` (`services/ports/reports.py`)
and the store's address and phone for the letterhead, and returns the bytes
of a US Letter PDF; it reads no database and runs on whichever thread calls
it (the export service and the reports screen call it off the GUI thread).
ReportLab is imported on the first render, not with this module. The same
report gives the same bytes (ReportLab's invariant mode).

Layout
------
The letterhead (store name, address, phone) faces the report's title, the
filters it was run with ("From 2026-11-01 · To 2026-11-30 · By style") and
when it was made, in the store's time. Then each table under its title: the
column headings (repeated at the top of every page the table runs onto),
its rows, the total row in bold under a rule, and its note. Numbers are
right-aligned and formatted for the store's locale through Babel
(`report_cells.shown`). Every page's foot names the store and the report and
says "Page x of y" (counted by a canvas that keeps its pages until the end,
so one build is enough).

Columns are sized from what they hold. When they do not fit across a portrait
page the document turns landscape; when they do not fit across that either,
the type gets smaller (down to `MIN_SIZE`) and long texts wrap in their
column. Text is set in the bundled fonts (`documents.fonts`), embedded, so a
name in any script prints as written (`text.printable`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from typing import Any

from pos_app.documents import fonts
from pos_app.documents.fonts import BOLD, OBLIQUE, REGULAR
from pos_app.documents.numbered_pages import numbered_canvas
from pos_app.documents.report_cells import NUMERIC, filters_text, made_text, shown
from pos_app.documents.text import cut, printable
from pos_app.domain.store import display_phone
from pos_app.services.ports.reports import Report, Table

INCH = 72.0
PORTRAIT = (8.5 * INCH, 11 * INCH)  # US Letter, as Facet's receipts and appraisals
LANDSCAPE = (PORTRAIT[1], PORTRAIT[0])
MARGIN = 0.6 * INCH
_FRAME_PADDING = 6.0  # ReportLab's frames pad their content by 6 pt on every side
SIZE = 8.5  # the cells' type size
MIN_SIZE = 6.0  # the smallest it gets for a wide table
PAD = 4.0  # a cell's padding left and right
TEXT_MAX = 2.6 * INCH  # the widest a text column grows before it wraps
GREY, RULE, SHADE = "#555555", "#BBBBBB", "#F2F2F2"


@dataclass(frozen=True)
class _Sized:
    """A table's column widths at a type size."""

    widths: tuple[float, ...]
    size: float


def render_report_pdf(report: Report, *, address: str = "", phone: str = "") -> bytes:
    """The PDF of `report` with the store's `address` (lines) and `phone` (E.164 or as written) in its
    letterhead."""
    from reportlab.platypus import SimpleDocTemplate

    fonts.register()
    portrait_width = PORTRAIT[0] - 2 * MARGIN - 2 * _FRAME_PADDING
    texts = [_texts(t, report) for t in report.tables]
    natural = [_natural(t, x, SIZE) for t, x in zip(report.tables, texts, strict=True)]
    page = LANDSCAPE if any(sum(n) > portrait_width for n in natural) else PORTRAIT
    width = page[0] - 2 * MARGIN - 2 * _FRAME_PADDING
    sized = [_fit(t, x, n, width) for t, x, n in zip(report.tables, texts, natural, strict=True)]
    out = io.BytesIO()
    title = printable(f"{report.store}: {report.title}")
    template = SimpleDocTemplate(out, pagesize=page, leftMargin=MARGIN, rightMargin=MARGIN,
                                 topMargin=MARGIN, bottomMargin=MARGIN + 0.1 * INCH, title=title,
                                 author=printable(report.store), creator="Facet", invariant=1,
                                 initialFontName=REGULAR)
    story = _story(report, texts, sized, width, address, phone)
    template.build(story, canvasmaker=_numbered_canvas(title))
    return out.getvalue()


# ---------------------------------------------------------------- sizes


def _texts(table: Table, report: Report) -> list[list[str]]:
    """Every cell of `table` (its rows, then its total) as a person reads it."""
    kinds = [c.kind for c in table.columns]
    body = [*table.rows, *([table.total] if table.total is not None else [])]
    return [[_printable(shown(v, k, currency=report.currency, locale=report.locale))
             for v, k in zip(row, kinds, strict=True)] for row in body]


def _printable(text: str) -> str:
    """`text.printable`, at once for plain ASCII (every bundled font has it): a long report has many cells."""
    return text if text.isascii() and text.isprintable() else printable(text)


def _natural(table: Table, texts: list[list[str]], size: float, *, capped: bool = True) -> list[float]:
    """Each column's width at `size` with no cell (`texts`) wrapped (its heading may wrap between words); a text
    column capped at `TEXT_MAX` unless not `capped`."""
    widths = []
    for i, column in enumerate(table.columns):
        heading = max((fonts.width(word, BOLD, size) for word in printable(column.heading).split()), default=0.0)
        longest = max((fonts.width(row[i], BOLD if row is texts[-1] and table.total else REGULAR, size)
                       for row in texts), default=0.0)
        if capped and column.kind not in NUMERIC:
            longest = min(longest, TEXT_MAX * size / SIZE)
        widths.append(max(heading, longest) + 2 * PAD)
    return widths


def _fit(table: Table, texts: list[list[str]], natural: list[float], width: float) -> _Sized:
    """Column widths that fit `width`: natural ones, grown so headings and long texts need fewer lines when
    there is room; else smaller type; else the text columns narrowed (their texts wrap)."""
    size = SIZE
    widths = natural
    while sum(widths) > width and size > MIN_SIZE:
        size = max(MIN_SIZE, size - 0.5)
        widths = _natural(table, texts, size)
    flex = [i for i, c in enumerate(table.columns) if c.kind not in NUMERIC]
    if sum(widths) <= width:
        # Room to spare: headings on one line where it all fits, then long texts unwrapped as far as it goes.
        one_line = [max(w, fonts.width(printable(c.heading), BOLD, size) + 2 * PAD)
                    for w, c in zip(widths, table.columns, strict=True)]
        if sum(one_line) <= width:
            widths = one_line
        whole = _natural(table, texts, size, capped=False)
        wanted = {i: max(whole[i] - widths[i], 0.0) for i in flex}
        spare, asked = width - sum(widths), sum(wanted.values())
        if asked:
            share = min(1.0, spare / asked)
            widths = [w + wanted.get(i, 0.0) * share for i, w in enumerate(widths)]
        return _Sized(tuple(widths), size)
    # Still too wide: the text columns give up what is missing, in proportion to their width, and wrap.
    fixed = sum(w for i, w in enumerate(widths) if i not in flex)
    room = max(width - fixed, 0.6 * INCH * len(flex))
    flexible = sum(widths[i] for i in flex) or 1.0
    return _Sized(tuple(w * room / flexible if i in flex else w for i, w in enumerate(widths)), size)


# ---------------------------------------------------------------- the story


@cache
def _styles() -> dict[str, Any]:
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("report-body", fontName=REGULAR, fontSize=9.5, leading=12.5)
    return {
        "body": body,
        "store": ParagraphStyle("report-store", parent=body, fontName=BOLD, fontSize=16, leading=20),
        "contact": ParagraphStyle("report-contact", parent=body, fontSize=9, leading=12, textColor=GREY),
        "title": ParagraphStyle("report-title", parent=body, fontName=BOLD, fontSize=14, leading=18,
                                alignment=TA_RIGHT),
        "facts": ParagraphStyle("report-facts", parent=body, fontSize=9, leading=12, alignment=TA_RIGHT),
        # No keepWithNext: ReportLab would keep the heading with the whole table and so start a long table on a
        # new page; `_story` moves a heading to the next page only when its first rows would not fit under it.
        "h2": ParagraphStyle("report-h2", parent=body, fontName=BOLD, fontSize=11.5, leading=14, spaceBefore=10,
                             spaceAfter=4),
        "note": ParagraphStyle("report-note", parent=body, fontName=OBLIQUE, fontSize=8, leading=10,
                               textColor=GREY, spaceBefore=3),
    }


@cache
def _cell_style(size: float, font: str, right: bool) -> Any:
    from reportlab.lib.enums import TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    return ParagraphStyle(f"report-cell-{size}-{font}-{right}", fontName=font, fontSize=size, leading=size * 1.2,
                          alignment=TA_RIGHT if right else TA_LEFT)


def _p(text: str, style: Any) -> Any:
    from reportlab.platypus import Paragraph

    return Paragraph(fonts.markup(printable(text), style.fontName), style)


def _letterhead(report: Report, width: float, address: str, phone: str) -> Any:
    from reportlab.platypus import Table as PdfTable
    from reportlab.platypus import TableStyle

    s = _styles()
    left = [_p(report.store, s["store"])]
    contact = [line.strip() for line in address.splitlines() if line.strip()]
    if phone:
        contact.append(display_phone(phone) if phone.startswith("+") else phone)
    if contact:
        left.append(_p("\n".join(contact), s["contact"]))
    right = [_p(report.title, s["title"])]
    if report.filters:
        right.append(_p(filters_text(report), s["facts"]))
    right.append(_p(f"Made {made_text(report)}", s["facts"]))
    head = PdfTable([[left, right]], colWidths=[width * 0.5, width * 0.5])
    head.setStyle(TableStyle([fonts.CELLS, ("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                              ("LINEBELOW", (0, 0), (-1, 0), 0.8, GREY), ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]))
    return head


def _table(table: Table, texts: list[list[str]], sized: _Sized) -> Any:
    """The table as a flowable that lays itself out a page at a time (`_paged_class`)."""
    size, widths = sized.size, sized.widths
    right = [c.kind in NUMERIC for c in table.columns]
    header = [_p(c.heading, _cell_style(size, BOLD, r)) for c, r in zip(table.columns, right, strict=True)]
    has_total = table.total is not None
    data: list[list[Any]] = []
    for number, row in enumerate(texts):
        font = BOLD if has_total and number == len(texts) - 1 else REGULAR
        cells: list[Any] = []
        for text, w, r in zip(row, widths, right, strict=True):
            if fonts.width(text, font, size) <= w - 2 * PAD and all(name == font for name, _ in fonts.runs(text, font)):
                cells.append(text)  # a plain string draws fastest; a Paragraph wraps and mixes fonts
            else:
                cells.append(_p(text, _cell_style(size, font, r)))
        data.append(cells)
    return _paged_class()(_Rows(header, data, widths, right, size, has_total), 0)


@dataclass(frozen=True)
class _Rows:
    """A table's laid-out cells, shared by the page-sized pieces `_paged_class` cuts it into."""

    header: list[Any]
    data: list[list[Any]]  # every row, the total row last when `total`
    widths: tuple[float, ...]
    right: list[bool]
    size: float
    total: bool

    def piece(self, first: int, last: int) -> Any:
        """A ReportLab table of the headings and rows `first` to `last` (excluded), styled as in the whole."""
        from reportlab.platypus import Table as PdfTable
        from reportlab.platypus import TableStyle

        pdf = PdfTable([self.header, *self.data[first:last]], colWidths=list(self.widths), hAlign="LEFT")
        size = self.size
        style: list[tuple[Any, ...]] = [
            fonts.CELLS, ("FONTSIZE", (0, 0), (-1, -1), size), ("LEADING", (0, 0), (-1, -1), size * 1.2),
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
            ("LEFTPADDING", (0, 0), (-1, -1), PAD), ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, GREY),
        ]
        style += [("ALIGN", (i, 1), (i, -1), "RIGHT") for i, r in enumerate(self.right) if r]
        rows = len(self.data) - (1 if self.total else 0)
        style += [("BACKGROUND", (0, n - first + 1), (-1, n - first + 1), SHADE)
                  for n in range(first, min(last, rows)) if n % 2]
        if self.total and last == len(self.data):
            style += [("FONT", (0, -1), (-1, -1), BOLD), ("LINEABOVE", (0, -1), (-1, -1), 0.8, GREY)]
        pdf.setStyle(TableStyle(style))
        return pdf


@cache
def _paged_class() -> type:
    from reportlab.platypus import Flowable

    class PagedTable(Flowable):  # type: ignore[misc]
        """The rows from `start` on, with the headings atop each page they run onto.

        ReportLab's own Table re-measures every remaining row at each page break, which takes minutes for
        10,000 receipts; this flowable measures only what may fit on the page at hand and leaves the rest for
        the next one, so a long report takes time in proportion to its rows.
        """

        def __init__(self, rows: _Rows, start: int) -> None:
            super().__init__()
            self.rows, self.start = rows, start
            self._fits: Any = None
            self._measured: tuple[float, float, Any, int] | None = None

        def _candidate(self, width: float, height: float) -> tuple[Any, int]:
            """A piece with as many rows as could possibly fit `height` (each row at least one line), measured;
            the frame asks `wrap` then `split` for the same room, so the last one is kept."""
            if self._measured is not None and self._measured[:2] == (width, height):
                return self._measured[2], self._measured[3]
            least = self.rows.size * 1.2 + 4.5
            last = min(len(self.rows.data), self.start + int(height / least) + 2)
            piece = self.rows.piece(self.start, last)
            piece.wrap(width, height)
            self._measured = (width, height, piece, last)
            return piece, last

        def wrap(self, width: float, height: float) -> tuple[float, float]:
            piece, last = self._candidate(width, height)
            self._fits = None
            self.width = piece._width
            if last == len(self.rows.data) and piece._height <= height:
                self._fits = piece
                return piece._width, piece._height
            return piece._width, height + 1  # more than fits: the frame asks `split`

        def split(self, width: float, height: float) -> list[Any]:
            piece, last = self._candidate(width, height)
            used, count = piece._rowHeights[0], 0
            for h in piece._rowHeights[1:]:
                if used + h > height:
                    break
                used += h
                count += 1
            if count == 0:
                return []  # not even one row under the headings here: start on the next page
            end = self.start + count
            if end == len(self.rows.data):
                return [self.rows.piece(self.start, end)]
            return [self.rows.piece(self.start, end), PagedTable(self.rows, end)]

        def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802,N803 - ReportLab's
            piece = self._fits or self.rows.piece(self.start, len(self.rows.data))
            if self._fits is None:
                piece.wrap(self.width, 1e9)
            piece.drawOn(canvas, x, y, _sW)

    return PagedTable


def _story(report: Report, texts: list[list[list[str]]], sized: list[_Sized], width: float, address: str,
           phone: str) -> list[Any]:
    from reportlab.platypus import CondPageBreak, Spacer

    s = _styles()
    story: list[Any] = [_letterhead(report, width, address, phone), Spacer(1, 6)]
    for table, cells, size in zip(report.tables, texts, sized, strict=True):
        if len(report.tables) > 1 or table.title != report.title:
            story += [CondPageBreak(1.25 * INCH), _p(table.title, s["h2"])]
        if table.rows:
            story.append(_table(table, cells, size))
        else:
            story.append(_p("Nothing to show for these filters.", s["body"]))
        if table.note:
            story.append(_p(table.note, s["note"]))
    if not report.tables:
        story.append(_p("Nothing to show for these filters.", s["body"]))
    return story


# ---------------------------------------------------------------- page x of y


def _footer(canvas: Any, number: int, total: int) -> None:
    """The store, the report's title, and "Page x of y" at the foot of a page."""
    width = canvas._pagesize[0]
    canvas.setFillColor(GREY)
    text = cut(canvas.footer_text, REGULAR, 8, width * 0.6)
    fonts.draw(canvas, MARGIN, 0.45 * INCH, text, REGULAR, 8)
    fonts.draw(canvas, width - MARGIN, 0.45 * INCH, f"Page {number} of {total}", REGULAR, 8, anchor="end")


def _numbered_canvas(footer: str) -> Any:
    return numbered_canvas(_footer, footer)
