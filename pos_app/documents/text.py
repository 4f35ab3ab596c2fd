"""Text as the standard PDF fonts can show it: shared by the receipts, tags and appraisals."""

from __future__ import annotations

import re
import unicodedata


def printable(text: str) -> str:
    """`text` in Windows-1252, which Helvetica and the other standard PDF fonts cover.

    Babel's French and Swiss formats put narrow no-break spaces in prices, and
    names may carry characters the fonts lack; rather than a black box, such a
    character becomes its compatibility form (a narrow no-break space a
    space), else a question mark.
    """
    out = []
    for char in text:
        for candidate in (char, unicodedata.normalize("NFKC", char)):
            try:
                candidate.encode("cp1252")
            except UnicodeEncodeError:
                continue
            out.append(candidate)
            break
        else:
            out.append("?")
    return "".join(out)


ELLIPSIS = "\u2026"


def text_width(text: str, font: str, size: float) -> float:
    """How wide `text` prints in a standard PDF font, in points."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return float(stringWidth(text, font, size))


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


_E164 = re.compile(r"\+[1-9][0-9]{1,14}")


def csv_phone(value: str) -> str:
    """A phone number as a mailing or texting tool reads it: in E.164 ("+12175550123") it is written as it is,
    since a plus and digits alone run nothing (a spreadsheet at most shows the number without its plus); any
    other text goes through `csv_cell` like free text."""
    return value if _E164.fullmatch(value) else csv_cell(value)
