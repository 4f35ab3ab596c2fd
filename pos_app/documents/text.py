"""Text as Facet's PDF fonts can show it: shared by the receipts, tags, appraisals and the privacy export."""

from __future__ import annotations

import unicodedata

from pos_app.documents import fonts


def printable(text: str) -> str:
    """`text` as the bundled PDF fonts (`documents.fonts`) can show it, composed (NFC).

    Nearly every name prints as written. Babel's French and Swiss formats put
    narrow no-break spaces in prices: a space other than the plain and the
    no-break one becomes a plain space; a control character (but a newline)
    too. A letter no bundled font has becomes its compatibility form
    (NFKC) when a font has that, else a question mark, rather than an empty box.
    """
    text = unicodedata.normalize("NFC", text)
    out = []
    for char in text:
        if char in " \n\u00a0":
            out.append(char)
        elif unicodedata.category(char) in ("Zs", "Zl", "Zp", "Cc"):
            out.append(" ")
        elif fonts.covered(char):
            out.append(char)
        else:
            compatible = unicodedata.normalize("NFKC", char)
            out.append(compatible if compatible != char and all(fonts.covered(c) for c in compatible) else "?")
    return "".join(out)


ELLIPSIS = "\u2026"


def text_width(text: str, font: str, size: float) -> float:
    """How wide `text` prints in a `documents.fonts` font, in points (with the CJK font's letters)."""
    return fonts.width(text, font, size)


def cut(text: str, font: str, size: float, width: float) -> str:
    """`text`, or as much of it as fits `width` followed by an ellipsis."""
    if text_width(text, font, size) <= width:
        return text
    while text and text_width(text.rstrip() + ELLIPSIS, font, size) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS if text else ""


def fit(text: str, font: str, size: float, width: float, *, min_size: float) -> tuple[str, float]:
    """(text, size): `text` set smaller, down to `min_size`, to fit `width`; past that, cut."""
    natural = text_width(text, font, size)
    if natural <= width:
        return text, size
    smaller = max(min_size, int(size * width / natural * 10) / 10)
    return cut(text, font, smaller, width), smaller


def wrap(text: str, font: str, size: float, width: float, lines: int, *,
         min_size: float) -> list[tuple[str, float]]:
    """Up to `lines` lines of `text`, breaking between words; the last line is fitted."""
    words = text.split()
    out: list[tuple[str, float]] = []
    while words and len(out) < lines - 1:
        count = len(words)
        while count > 1 and text_width(" ".join(words[:count]), font, size) > width:
            count -= 1
        if count == len(words):
            break
        out.append(fit(" ".join(words[:count]), font, size, width, min_size=min_size))
        words = words[count:]
    if words:
        out.append(fit(" ".join(words), font, size, width, min_size=min_size))
    return out


# A spreadsheet runs a cell that starts with one of these as a formula ("CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """`value` safe to open in a spreadsheet: an apostrophe before a formula-looking cell, and before a cell
    that itself starts with such an apostrophe (so `csv_uncell` gives every text back as written)."""
    return "'" + value if value.startswith(FORMULA_START) or csv_uncell(value) != value else value


def csv_uncell(value: str) -> str:
    """The text `csv_cell` guarded, as it was."""
    if value.startswith("'") and value[1:2] and value[1] in (*FORMULA_START, "'"):
        return value[1:]
    return value
