"""The typefaces of Facet's PDFs: DejaVu Sans Condensed, with Droid Sans Fallback for Chinese, Japanese, Korean.

Role and contract
-----------------
Every PDF Facet makes (receipts, price tags, appraisals and their cards, the
privacy export) sets its text in these bundled TrueType fonts
(`resources/fonts/`, licenses beside them), embedded as subsets, so a name
prints as written ("Łódź Nguyễn Şule", "王小明") and a PDF kept for years
shows the same letters on any computer. The layouts name `REGULAR`, `BOLD`
and `OBLIQUE`; `CJK` is only ever chosen here.

ReportLab does not fall back from one font to another, so `runs` cuts a text
into runs by the font that has each letter: the layout's DejaVu face first,
then the regular face (the bold and oblique ones have a few letters fewer),
`CJK` for what DejaVu lacks. `markup` gives Paragraph markup (escaped, CJK
runs in a `<font>` tag), `draw` sets the runs on a canvas one after another
(left, right or centred on a point), `width` measures them the same way.
Text is expected to have been through `documents.text.printable`, which
turns a letter no bundled font has into "?".

Fonts are registered once per process, lazily and under a lock (PDFs are
made on worker threads): the DejaVu faces (~25 ms each) with the first PDF,
the CJK font (3.4 MB, ~0.1 s) only when a text first needs it. ReportLab
keeps each document's subset apart and writes it when the PDF is saved.
"""

from __future__ import annotations

import threading
from typing import Any, Literal
from xml.sax.saxutils import escape

REGULAR = "FacetSans"
BOLD = "FacetSans-Bold"
OBLIQUE = "FacetSans-Oblique"
CJK = "FacetCJK"

_FILES = {
    REGULAR: "DejaVuSansCondensed.ttf",
    BOLD: "DejaVuSansCondensed-Bold.ttf",
    OBLIQUE: "DejaVuSansCondensed-Oblique.ttf",
    CJK: "DroidSansFallback.ttf",
}
# The first command of every TableStyle: a table sets its first cell's font even when the cell holds only
# flowables, and ReportLab's default is Helvetica, which a PDF would then name without embedding it.
CELLS = ("FONT", (0, 0), (-1, -1), REGULAR)
_STYLES = {REGULAR: ((0, 0),), BOLD: ((1, 0), (1, 1)), OBLIQUE: ((0, 1),), CJK: ((0, 0), (0, 1), (1, 0), (1, 1))}
_LOCK = threading.Lock()
_cmaps: dict[str, dict[int, int]] = {}  # font name -> its character map, once registered


def _register(name: str) -> dict[int, int]:
    """Register one bundled font with ReportLab (the first time) and return its character map."""
    cmap = _cmaps.get(name)
    if cmap is not None:
        return cmap
    with _LOCK:
        if name not in _cmaps:
            from reportlab.lib.fonts import addMapping
            from reportlab.pdfbase import pdfmetrics
            from reportlab.pdfbase.ttfonts import TTFont

            from pos_app.paths import resource

            font = TTFont(name, str(resource("fonts", _FILES[name])))
            pdfmetrics.registerFont(font)
            # What <b> and <i> pick inside a Paragraph: DejaVu's own faces (no bold oblique is bundled: bold);
            # the CJK font has one face, used for all four.
            for bold, italic in _STYLES[name]:
                addMapping(REGULAR if name != CJK else CJK, bold, italic, name)
            _cmaps[name] = font.face.charToGlyph
    return _cmaps[name]


def register() -> None:
    """Make `REGULAR`, `BOLD` and `OBLIQUE` known to ReportLab; call before a layout uses them."""
    for name in (REGULAR, BOLD, OBLIQUE):
        _register(name)


def covered(char: str) -> bool:
    """Whether some bundled font has `char` (a DejaVu face, else the CJK font)."""
    return ord(char) in _register(REGULAR) or ord(char) in _register(CJK)


def runs(text: str, font: str = REGULAR) -> list[tuple[str, str]]:
    """`text` as (font name, part) runs: each letter in `font` when it has it, else in `REGULAR` (the DejaVu
    face with the most letters), else in `CJK`.

    A letter none has stays in `font` (ReportLab draws its empty box; `printable` prevents that). Spaces
    belong to `font`, so "王 小明" is three runs.
    """
    primary = _register(font)
    if all(ord(c) in primary for c in text):
        return [(font, text)] if text else []
    chain = [(font, primary)] + ([(REGULAR, _register(REGULAR))] if font != REGULAR else []) + [(CJK, _register(CJK))]
    out: list[tuple[str, str]] = []
    for char in text:
        code = ord(char)
        name = next((name for name, cmap in chain if code in cmap), font)
        if out and out[-1][0] == name:
            out[-1] = (name, out[-1][1] + char)
        else:
            out.append((name, char))
    return out


def markup(text: str, font: str = REGULAR) -> str:
    """Paragraph markup for plain `text` in a style whose font is `font`: escaped, newlines as line breaks,
    the letters `font` lacks in the CJK font."""
    parts = [escape(part) if name == font else f'<font name="{name}">{escape(part)}</font>'
             for name, part in runs(text, font)]
    return "".join(parts).replace("\n", "<br/>")


def width(text: str, font: str, size: float) -> float:
    """How wide `text` prints in `font` at `size` points, letters it lacks measured in the CJK font."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return float(sum(stringWidth(part, name, size) for name, part in runs(text, font)))


def draw(canvas: Any, x: float, y: float, text: str, font: str, size: float, *,
         anchor: Literal["start", "middle", "end"] = "start") -> None:
    """`text` on `canvas` with its baseline at `y`, starting at `x` (or centred on it, or ending at it).

    Leaves the canvas set to `font` at `size`; the fill colour is the caller's.
    """
    from reportlab.pdfbase.pdfmetrics import stringWidth

    parts = [(name, part, stringWidth(part, name, size)) for name, part in runs(text, font)]
    if anchor != "start":
        total = sum(w for _, _, w in parts)
        x -= total / 2 if anchor == "middle" else total
    for name, part, w in parts:
        canvas.setFont(name, size)
        canvas.drawString(x, y, part)
        x += w
    canvas.setFont(font, size)


def cell(text: str, font: str, size: float) -> Any:
    """A table cell showing plain `text` in `font` at `size` (the table's FONT style): the text itself when
    `font` has every letter, else a Paragraph of its runs at the same size and line height."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    if all(name == font for name, _ in runs(text, font)):
        return text
    style = ParagraphStyle(f"cell-{font}-{size}", fontName=font, fontSize=size, leading=size * 1.2)
    return Paragraph(markup(text, font), style)
