"""Text helpers shared by Facet's documents: printable PDF text and spreadsheet-safe CSV cells."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pos_app.documents.text import csv_cell, csv_phone, csv_uncell, printable


def test_a_formula_looking_cell_is_guarded_and_plain_text_is_not() -> None:
    assert csv_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert csv_cell("+1 212-555-0142") == "'+1 212-555-0142"
    assert csv_cell("Ada Quill") == "Ada Quill"


@given(st.text())
def test_every_text_reads_back_as_written(value: str) -> None:
    guarded = csv_cell(value)
    assert not guarded.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert csv_uncell(guarded) == value


def test_printable_keeps_accents_and_replaces_what_the_font_lacks() -> None:
    assert printable("Zoë Brontë") == "Zoë Brontë"
    assert printable("1\u202f234,00 €") == "1 234,00 €"
    assert printable("钻石") == "??"


def test_a_phone_in_e164_is_written_as_it_is_and_anything_else_is_guarded() -> None:
    assert csv_phone("+12175550123") == "+12175550123"
    assert csv_phone("+442079460958") == "+442079460958"
    for text in ("+1 217-555-0123", "+1+1", "=1+1", "+12175550123;=cmd", "+0123", "-12175550123", "@SUM(A1)"):
        assert csv_phone(text) == csv_cell(text) == "'" + text
    assert csv_phone("") == ""
