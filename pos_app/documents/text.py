"""Text as the standard PDF fonts can show it: shared by the receipts, tags and appraisals."""

from __future__ import annotations

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
