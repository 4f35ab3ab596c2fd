"""Text helpers shared by Facet's documents: printable PDF text and spreadsheet-safe CSV cells."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pos_app.documents.text import csv_cell, csv_uncell, printable


def test_a_formula_looking_cell_is_guarded_and_plain_text_is_not() -> None:
    assert csv_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert csv_cell("+1 212-555-0142") == "'+1 212-555-0142"
    assert csv_cell("Ada Quill") == "Ada Quill"


@given(st.text())
def test_every_text_reads_back_as_written(value: str) -> None:
    guarded = csv_cell(value)
    assert not guarded.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert csv_uncell(guarded) == value


def test_printable_keeps_every_letter_a_bundled_font_has_and_replaces_the_rest() -> None:
    for name in ("Zoë Brontë", "Łódź Nguyễn Şule", "Nguyễn Thị Minh Khai", "Şükrü Öztürk", "王小明", "钻石",
                 "Zoë Ørsted", "Αθηνά Παπαδοπούλου", "Пётр Чайковский", "김민준", "1 234,00 €"):
        assert printable(name) == name
    assert printable("1\u202f234,00\u00a0€") == "1 234,00\u00a0€"  # Babel's narrow no-break space: a space
    assert printable("Nguye\u0302\u0303n") == "Nguyễn"  # typed with combining accents: composed
    assert printable("ﬁne") == "ﬁne" and printable("\u2460") == "\u2460"  # DejaVu has both as they are
    assert printable("नमस्ते 💎") == "?????? ?"  # no bundled font has Devanagari or emoji: not an empty box
    assert printable("a\tb\x00c\nd") == "a b c\nd"


