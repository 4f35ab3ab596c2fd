"""Price tags: a sheet of Code 128 labels for the necklaces in the cases.

Role and contract
-----------------
Pure layout. `render_tag_sheet` takes `Tag`s already worded and priced by the
service (`pos_app.services.labels`) and returns the bytes of a PDF to print on
a sheet of adhesive labels, or to save; it reads no database and knows no
locale. It runs on whichever thread calls it and holds no state between
calls. ReportLab is imported on the first render, not with this module, so a
screen can list `LABEL_STOCKS` without paying for it.

Geometry
--------
Lengths are PDF points (1/72 in), origin at the page's bottom-left corner, as
ReportLab draws. Label *slots* are numbered row by row from the top-left label
(slot 0), the way a person counts the labels already peeled off a sheet:
`skip=5` starts printing on the sixth label, so a partly used sheet is reused.

Each label keeps an inset blank on every side, so a sheet fed a millimetre
off still prints inside its labels. Text shrinks, then is shortened with an
ellipsis, rather than cross that inset: nothing spills onto the next label.
Every tag on a sheet gets the same rows and type sizes (`_plan`), chosen from
the stock's size: the smallest label keeps price, SKU, detail and barcode;
roomier ones add the title, then a second title line and the store's name.

The barcode
-----------
Code 128 of `Tag.code` (the item's barcode, else its SKU), which the counter's
scanner types back to look the item up. The narrow bar (X) is a whole number
of a 300 dpi printer's dots (0.96 or 0.72 pt, i.e. 13.3 or 10 mil) and the bars
start on that printer's dot grid, so every bar prints the same width at 300
and 600 dpi; a long code on a small label may drop to 0.6 pt (8.3 mil, five
dots at 600 dpi), still above the 7.5 mil Code 128 readers are built for. A
quiet zone of 10 X (the symbology's minimum) on each side stays inside the
label. A code that cannot fit that way raises `TagDoesNotFit`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pos_app.documents import fonts
from pos_app.documents.text import fit, printable, text_width, wrap

if TYPE_CHECKING:  # ReportLab is imported when a sheet is rendered, not with this module
    from reportlab.pdfgen.canvas import Canvas

INCH = 72.0
MM = INCH / 25.4
LETTER = (8.5 * INCH, 11 * INCH)
A4 = (210 * MM, 297 * MM)

_DOT = INCH / 300  # one dot of a 300 dpi printer
# Narrow-bar widths tried, widest first (see the module docstring).
BAR_WIDTHS = (4 * _DOT, 3 * _DOT, 5 * INCH / 600)
QUIET_ZONE = 10  # narrow bars of blank on each side of the symbol
MIN_BAR_HEIGHT = 11.0  # ~4 mm: a handheld scanner's line still crosses it easily
_COMFORT_BAR_HEIGHT = 24.0  # 1/3 in: bars grow to this before a title gets a second line
MAX_BAR_HEIGHT = 0.45 * INCH
MIN_TEXT = 4.5  # pt: the smallest type still readable on a printed tag
_LINE = 1.15  # line height as a multiple of the type size
_BASELINE = 0.85  # baseline below a row's top, as a multiple of the type size
REGULAR = fonts.REGULAR
BOLD = fonts.BOLD


@dataclass(frozen=True)
class Tag:
    """What one price tag says, already worded and formatted for the store's locale.

    `code` is what the barcode encodes and a scanner types back (printable
    ASCII, 1-48 characters); `price` is display text such as "$12,495.00";
    `detail` is one short line such as "18k White Gold · 1.50 ct · GIA 2141438172".
    """

    sku: str
    code: str
    price: str
    title: str
    detail: str


@dataclass(frozen=True)
class LabelStock:
    """A sheet of same-size labels in a grid: an Avery part or its equivalent.

    Margins run from the page's left and top edges to the first label; gaps
    lie between neighbouring labels. `inset_x` and `inset_y` stay blank inside
    every label (printer feed tolerance, the die-cut's rounded corners).
    """

    name: str
    page_size: tuple[float, float]
    columns: int
    rows: int
    label_width: float
    label_height: float
    left_margin: float
    top_margin: float
    column_gap: float = 0.0
    row_gap: float = 0.0
    inset_x: float = 0.0625 * INCH
    inset_y: float = 0.0625 * INCH

    def __post_init__(self) -> None:
        page_width, page_height = self.page_size
        used_width = self.left_margin + self.columns * self.label_width + (self.columns - 1) * self.column_gap
        used_height = self.top_margin + self.rows * self.label_height + (self.rows - 1) * self.row_gap
        # Half a point of slack: published dimensions are rounded to 0.01 in or 0.1 mm.
        if self.columns < 1 or self.rows < 1 or used_width > page_width + 0.5 or used_height > page_height + 0.5:
            raise ValueError(f"{self.name}: the label grid does not fit on the page")
        if 2 * self.inset_x >= self.label_width or 2 * self.inset_y >= self.label_height:
            raise ValueError(f"{self.name}: the insets leave no room on the label")

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows

    def label_box(self, slot: int) -> tuple[float, float, float, float]:
        """(x, y, width, height) of label `slot` (0 = top-left, row by row); y is its bottom edge."""
        if not 0 <= slot < self.per_sheet:
            raise ValueError(f"slot {slot} is not on a {self.per_sheet}-label sheet")
        row, column = divmod(slot, self.columns)
        x = self.left_margin + column * (self.label_width + self.column_gap)
        top = self.page_size[1] - self.top_margin - row * (self.label_height + self.row_gap)
        return x, top - self.label_height, self.label_width, self.label_height


DEFAULT_STOCK = "avery-5160"

# Dimensions from Avery's templates (the same grids as gLabels' template files);
# each grid adds up to the page exactly.
LABEL_STOCKS: dict[str, LabelStock] = {
    "avery-5160": LabelStock(
        name='Avery 5160 / 8160 (1" x 2-5/8", 30 per Letter sheet)',
        page_size=LETTER, columns=3, rows=10,
        label_width=2.625 * INCH, label_height=1.0 * INCH,
        left_margin=0.1875 * INCH, top_margin=0.5 * INCH, column_gap=0.125 * INCH,
    ),
    "avery-5167": LabelStock(
        name='Avery 5167 / 8167 (1/2" x 1-3/4", 80 per Letter sheet)',
        page_size=LETTER, columns=4, rows=20,
        label_width=1.75 * INCH, label_height=0.5 * INCH,
        left_margin=0.28125 * INCH, top_margin=0.5 * INCH, column_gap=0.3125 * INCH,
        # Half an inch tall: a thinner top and bottom inset buys the barcode its height.
        inset_y=0.04 * INCH,
    ),
    "avery-l7651": LabelStock(
        name="Avery L7651 (38.1 x 21.2 mm, 65 per A4 sheet)",
        page_size=A4, columns=5, rows=13,
        label_width=38.1 * MM, label_height=21.2 * MM,
        left_margin=4.75 * MM, top_margin=10.7 * MM, column_gap=2.5 * MM,
        inset_x=1.5 * MM, inset_y=1.5 * MM,
    ),
    "avery-l7160": LabelStock(
        name="Avery L7160 (63.5 x 38.1 mm, 21 per A4 sheet)",
        page_size=A4, columns=3, rows=7,
        label_width=63.5 * MM, label_height=38.1 * MM,
        left_margin=7.25 * MM, top_margin=15.15 * MM, column_gap=2.5 * MM,
    ),
}


class TagDoesNotFit(ValueError):
    """A tag's barcode is too long to scan reliably on this stock's labels."""

    def __init__(self, tag: Tag, stock: LabelStock) -> None:
        self.tag = tag
        self.stock = stock
        super().__init__(f"the barcode {tag.code!r} of {tag.sku} does not fit on {stock.name} labels")


def sheets_needed(count: int, stock: LabelStock, *, skip: int = 0) -> int:
    """How many sheets `count` tags take when the first sheet has `skip` labels used."""
    return -(-(skip + count) // stock.per_sheet) if count > 0 else 0


def render_tag_sheet(
    tags: Sequence[Tag],
    stock: LabelStock,
    *,
    store_name: str,
    skip: int = 0,
    outlines: bool = False,
) -> bytes:
    """The PDF of `tags` laid out on `stock`, one tag per label, as many pages as needed.

    The first tag goes on slot `skip` of the first sheet (labels already used
    are left blank). `outlines` draws each label's edge in light grey, for a
    test print on plain paper held against a label sheet; leave it off on labels.
    `store_name` titles the document and shows on labels big enough for it.
    Raises `TagDoesNotFit` for a barcode too long for the stock, `ValueError`
    for no tags, a `skip` off the sheet or a code Code 128 cannot hold.
    """
    if not tags:
        raise ValueError("there are no tags to print")
    if not 0 <= skip < stock.per_sheet:
        raise ValueError(f"skip must be between 0 and {stock.per_sheet - 1} on {stock.name}")
    from reportlab.pdfgen.canvas import Canvas

    fonts.register()
    plan = _plan(stock)
    store_text = printable(store_name.strip())
    buffer = io.BytesIO()
    # invariant: no creation timestamp or random id, so the same tags give the same bytes.
    canvas = Canvas(buffer, pagesize=stock.page_size, invariant=1, pageCompression=1, initialFontName=REGULAR)
    canvas.setTitle(f"Price tags - {store_text}" if store_text else "Price tags")
    canvas.setAuthor(store_text)
    canvas.setSubject(stock.name)
    canvas.setCreator("Facet")
    for index, tag in enumerate(tags):
        slot = (skip + index) % stock.per_sheet
        if index == 0 or slot == 0:
            if index:
                canvas.showPage()
            if outlines:
                _draw_outlines(canvas, stock)
        _draw_tag(canvas, tag, stock, stock.label_box(slot), plan, store_text)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# ---------------------------------------------------------------- layout


@dataclass(frozen=True)
class _Plan:
    """Rows and type sizes for one stock, so every tag on a sheet looks alike."""

    price_size: float
    sku_size: float
    small: float  # title, detail, the barcode's text
    store_size: float
    store: bool
    title_lines: int  # 0, 1 or 2
    detail: bool
    bar_height: float
    gap: float  # space between rows (header, title, detail, barcode)
    top_offset: float  # half of what is left over: the rows sit centered on the label


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _plan(stock: LabelStock) -> _Plan:
    """Give the label's height to rows in order of what a tag cannot do without.

    Price with SKU, barcode and its text always; then the detail line, the
    title, a little space between rows, a comfortable barcode height, a
    second title line, the store's name, and last a taller barcode. What is
    left spaces the rows out, then centers them.
    """
    height = stock.label_height - 2 * stock.inset_y
    price = _clamp(height * 0.16, 6.5, 14.0)
    small = _clamp(height * 0.1, MIN_TEXT, 8.0)
    store_size = max(MIN_TEXT, small * 0.9)
    line = small * _LINE
    min_gap = small * 0.3
    room = height - price * _LINE - MIN_BAR_HEIGHT - small * 0.1 - line

    def take(amount: float) -> bool:
        nonlocal room
        if room + 1e-6 < amount:
            return False
        room -= amount
        return True

    def upto(amount: float) -> float:
        nonlocal room
        taken = _clamp(room, 0.0, amount)
        room -= taken
        return taken

    detail = take(line)
    title_lines = 1 if take(line) else 0
    blocks = 2 + int(detail) + int(title_lines > 0)  # rows with space between them
    spacing = upto(min_gap * (blocks - 1))
    bar_height = MIN_BAR_HEIGHT + upto(_COMFORT_BAR_HEIGHT - MIN_BAR_HEIGHT)
    if title_lines and take(line):
        title_lines = 2
    store = take(store_size * _LINE + min_gap)
    if store:
        blocks += 1
        spacing += min_gap
    bar_height += upto(MAX_BAR_HEIGHT - bar_height)
    spacing += upto(small * 0.4 * (blocks - 1))
    return _Plan(
        price_size=price, sku_size=min(price * 0.8, 10.0), small=small, store_size=store_size,
        store=store, title_lines=title_lines, detail=detail, bar_height=bar_height,
        gap=spacing / (blocks - 1), top_offset=room / 2,
    )



def _barcode(code: str, bar_width: float, bar_height: float) -> Any:
    from reportlab.graphics.barcode.code128 import Code128

    # Quiet zones are laid out here, not by ReportLab (its default is 1/4 inch).
    return Code128(code, barWidth=bar_width, barHeight=bar_height, quiet=0, humanReadable=0)


def _check_code(tag: Tag) -> None:
    if not 1 <= len(tag.code) <= 48 or any(not 0x21 <= ord(c) <= 0x7E for c in tag.code):
        raise ValueError(f"the barcode of {tag.sku} must be 1-48 printable ASCII characters")


def _draw_tag(canvas: Canvas, tag: Tag, stock: LabelStock, box: tuple[float, float, float, float],
              plan: _Plan, store_name: str) -> None:
    x, y, width, height = box
    left, right = x + stock.inset_x, x + width - stock.inset_x
    inner = right - left
    cursor = y + height - stock.inset_y - plan.top_offset  # top of the next row

    def text_row(fitted: tuple[str, float], font: str, row_size: float, *, center: bool = False) -> None:
        # Rows advance by their planned size, not the fitted one, so a shrunk
        # line keeps its place and every tag's barcode sits at the same height.
        nonlocal cursor
        text, size = fitted
        baseline = cursor - row_size * _BASELINE
        if center:
            fonts.draw(canvas, (left + right) / 2, baseline, text, font, size, anchor="middle")
        else:
            fonts.draw(canvas, left, baseline, text, font, size)
        cursor -= row_size * _LINE

    canvas.setFillColorRGB(0, 0, 0)
    if plan.store:
        text_row(fit(store_name, REGULAR, plan.store_size, inner, min_size=MIN_TEXT), REGULAR, plan.store_size)
        cursor -= plan.gap

    # Price (what the customer reads) right, SKU (what staff read) left, on one baseline.
    price, price_size = fit(printable(tag.price), BOLD, plan.price_size, inner * 0.62, min_size=MIN_TEXT)
    price_width = text_width(price, BOLD, price_size)
    sku_room = inner - price_width - plan.price_size * 0.4
    sku, sku_size = fit(printable(tag.sku), REGULAR, plan.sku_size, sku_room, min_size=MIN_TEXT)
    baseline = cursor - plan.price_size * _BASELINE
    fonts.draw(canvas, right, baseline, price, BOLD, price_size, anchor="end")
    fonts.draw(canvas, left, baseline, sku, REGULAR, sku_size)
    cursor -= plan.price_size * _LINE + plan.gap

    if plan.title_lines:
        top = cursor
        for fitted in wrap(printable(tag.title), REGULAR, plan.small, inner, plan.title_lines, min_size=MIN_TEXT):
            text_row(fitted, REGULAR, plan.small)
        cursor = top - plan.small * _LINE * plan.title_lines - plan.gap
    if plan.detail:
        text_row(fit(printable(tag.detail), REGULAR, plan.small, inner, min_size=MIN_TEXT), REGULAR, plan.small)
        cursor -= plan.gap

    _check_code(tag)
    modules = _barcode(tag.code, 1.0, 1.0).width
    bar_width = next((bw for bw in BAR_WIDTHS
                      if modules * bw <= inner and (modules + 2 * QUIET_ZONE) * bw <= width), None)
    if bar_width is None:
        raise TagDoesNotFit(tag, stock)
    symbol_width = modules * bar_width
    # Start the bars on the 300 dpi dot grid so each bar prints a whole number of dots.
    bars_left = round((x + (width - symbol_width) / 2) / _DOT) * _DOT
    bars_bottom = cursor - plan.bar_height
    _barcode(tag.code, bar_width, plan.bar_height).drawOn(canvas, bars_left, bars_bottom)
    cursor = bars_bottom - plan.small * 0.1
    text_row(fit(tag.code, REGULAR, plan.small, inner, min_size=MIN_TEXT), REGULAR, plan.small, center=True)


def _draw_outlines(canvas: Canvas, stock: LabelStock) -> None:
    canvas.saveState()
    canvas.setStrokeColorRGB(0.75, 0.75, 0.75)
    canvas.setLineWidth(0.25)
    for slot in range(stock.per_sheet):
        x, y, width, height = stock.label_box(slot)
        canvas.roundRect(x, y, width, height, radius=min(width, height) * 0.08, stroke=1, fill=0)
    canvas.restoreState()
