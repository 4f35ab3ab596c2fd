"""Receipts, drawer reports and the printer test page as ESC/POS bytes (python-escpos).

Role and contract
-----------------
Pure layout: `render_receipt` takes a `Receipt` already worded and priced by
the receipts service and returns the bytes a receipt printer prints; it opens
no device and reads no database (`pos_app.adapters.receipt_printer` sends the
bytes). The bytes come from python-escpos's `Dummy` printer built with the
printer model's capability profile ("TM-T88V" unless the settings name
another), which writes exactly what its network, USB, serial and file
printers would send. Functions here run on whichever thread calls them and
keep nothing between calls but caches of converted logos and code page
tables.

Width
-----
42 or 48 characters a line: font A on an 80 mm roll is 12 dots wide, and the
printer's print width is 512 dots (42 columns, a TM-T88V as shipped) or 576
(48 columns). Every line is laid out here to fit, so the printer never wraps
one: descriptions, addresses and notices are wrapped between words, an
amount goes right-aligned on the line that ends its label or on a line of
its own, and double-size text (the store's name, TOTAL, the headings) counts
two columns a character.

Text
----
The printer knows single-byte code pages, not Unicode. python-escpos picks,
character by character, a code page of the profile that holds it and sends
the ESC t switch (so "é", "ø", "ß" print as themselves). Before that, each
character is made printable here, one column wide: typographic quotes and
dashes become their ASCII forms (clone printers sold as "TM-T88V compatible"
often lack the Greek or Windows pages those live in), accented letters no
code page holds lose their accent, and anything else (an emoji, Chinese,
which python-escpos would send as GB18030 and a Western printer would print
as garbage) becomes "?".

Width against the printer
-------------------------
A profile's own line length is its font A columns in python-escpos's printer
database (`profile_columns`: TM-T88V 42, TM-T20II 48); `width_problem` says
why a width does not fit a profile, for the settings (which refuse it) and
`pos-app doctor`.

The drawer
----------
`drawer_kick` is the ESC p pulse written out as bytes, not rendered: the
drawer opens even when python-escpos cannot be loaded or a receipt cannot be
laid out.

Speed
-----
python-escpos costs ~0.6 s to import, so it is imported on the first render,
not with this module, through `pos_app.escpos_loader` (which also keeps its
capability cache sound); after that a 10-line receipt renders in about 2 ms.
A logo is converted to a raster image once per image and width and kept.
"""

from __future__ import annotations

import contextlib
import io
import logging
import textwrap
import unicodedata
from functools import lru_cache
from typing import Any

from pos_app.documents.receipt import Receipt, ReceiptLine, ReceiptTender, TextReport, when_text
from pos_app.domain.money import Money, format_money
from pos_app.escpos_loader import font_a_columns, load_escpos
from pos_app.escpos_loader import quiet as _quiet

log = logging.getLogger(__name__)

WIDTHS = (42, 48)
DEFAULT_PROFILE = "TM-T88V"
DOTS_PER_COLUMN = 12  # font A
BARCODE_HEIGHT = 80  # dots: 10 mm at 203 dpi, tall enough for a handheld scanner's line
LOGO_MAX_HEIGHT = 160  # dots: 20 mm, a letterhead not a poster
HEADINGS = {"return": "RETURN", "exchange": "EXCHANGE", "void": "VOIDED SALE"}
NUMBER_LABELS = {"return": "Return", "exchange": "Exchange"}

def profile_columns(profile: str) -> int:
    """Characters a line `profile`'s printer prints in font A, from python-escpos's printer database
    (read without importing python-escpos); ValueError if python-escpos does not know the profile."""
    try:
        return font_a_columns(profile)
    except KeyError:
        raise _unknown_profile(profile) from None


def _unknown_profile(profile: str) -> ValueError:
    return ValueError(f"{profile!r} is not a printer model python-escpos knows (for example TM-T88V or TM-T20II)")


def width_problem(columns: int, profile: str) -> str | None:
    """Why a receipt `columns` characters wide does not fit `profile`'s paper, or None when it fits.

    A line longer than the printer's font A line wraps on paper and breaks every right-aligned amount.
    """
    if columns not in WIDTHS:
        return f"is 42 or 48 characters a line, not {columns}"
    fits = profile_columns(profile)
    if columns > fits:
        wider = [w for w in WIDTHS if w <= fits]
        advice = f"set {max(wider)}" if wider else "choose the profile of an 80 mm printer"
        return (f"is {columns}, but the {profile} profile prints {fits} characters a line (font A), so {columns} do "
                f"not fit: {advice}")
    return None


# Characters printed as ASCII whatever the code pages hold (see "Text" above).
_ASCII = {
    "\t": " ", "\n": " ", "\r": "",
    "\u2018": "'", "\u2019": "'", "\u201a": ",", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2022": "*", "\u2026": "...", "\u2044": "/", "\u2122": "TM",
}


def _dummy(profile: str) -> Any:
    """A python-escpos printer that keeps what it is sent, with `profile`'s capabilities."""
    load_escpos()
    with _quiet():
        from escpos.printer import Dummy

        try:
            return Dummy(profile=profile)
        except KeyError:
            raise _unknown_profile(profile) from None


@lru_cache(maxsize=8)
def _encodable(profile: str) -> frozenset[str]:
    """Every non-ASCII character some code page of `profile` holds."""
    encoder = _dummy(profile).magic.encoder
    chars: set[str] = set()
    for name in encoder.codepages:
        with contextlib.suppress(LookupError):  # a page python-escpos has no table for
            # The encoder's own table: exactly what it will agree to encode later.
            chars.update(encoder._get_codepage_char_map(name))
    return frozenset(c for c in chars if ord(c) >= 0xA0 and unicodedata.category(c)[0] not in "CZ")


def printable(text: str, profile: str = DEFAULT_PROFILE) -> str:
    """`text` on one line, each character one that `profile`'s printer prints in one column."""
    encodable = _encodable(profile)
    out = []
    for char in unicodedata.normalize("NFC", text):
        if " " <= char <= "~":
            out.append(char)
        elif char in _ASCII:
            out.append(_ASCII[char])
        elif unicodedata.category(char)[0] == "C":  # controls, soft hyphens, zero-width joiners
            continue
        elif unicodedata.category(char)[0] == "Z":  # no-break and narrow spaces (French prices)
            out.append(" ")
        elif char in encodable:
            out.append(char)
        else:
            base = [c for c in unicodedata.normalize("NFKD", char) if unicodedata.category(c) != "Mn"]
            out.append("".join(base) if base and all(" " <= c <= "~" or c in encodable for c in base) else "?")
    return "".join(out)


# ---------------------------------------------------------------- paper


class _Paper:
    """Lines of at most `width` columns, written to a Dummy printer."""

    def __init__(self, width: int, profile: str) -> None:
        if width not in WIDTHS:
            raise ValueError(f"a receipt is 42 or 48 characters wide, not {width}")
        self.width = width
        self.profile = profile
        self.p = _dummy(profile)
        self._style: tuple[str, bool, bool] | None = None
        # Reset whatever an interrupted job left set (double size, bold, a code page).
        self.p.hw("INIT")

    def _emit(self, text: str, align: str, bold: bool, big: bool) -> None:
        if self._style != (align, bold, big):
            self._style = (align, bold, big)
            if big:
                self.p.set(align=align, bold=bold, double_height=True, double_width=True)
            else:
                self.p.set(align=align, bold=bold, normal_textsize=True)
        self.p.text(text + "\n")

    def _room(self, big: bool) -> int:
        return self.width // 2 if big else self.width

    def line(self, text: str = "", *, align: str = "left", bold: bool = False, big: bool = False,
             indent: int = 0) -> None:
        """`text` wrapped between words to the width; each newline in it starts a new line."""
        room = self._room(big) - indent
        for paragraph in text.splitlines() or [""]:
            for piece in _wrap(printable(paragraph, self.profile), room) or [""]:
                self._emit(" " * indent + piece, align, bold, big)

    def pair(self, left: str, right: str, *, bold: bool = False, big: bool = False, indent: int = 0) -> None:
        """`left` and `right` on one line, the right one flush with the edge; if they cannot share one,
        `left` wraps and `right` ends its last line or goes on a line of its own."""
        width = self._room(big)
        left, right = printable(left, self.profile), printable(right, self.profile)[:width]
        pieces = _wrap(left, width - indent) or [""]
        last = pieces.pop()
        for piece in pieces:
            self._emit(" " * indent + piece, "left", bold, big)
        if indent + len(last) + 1 + len(right) <= width:
            self._emit(" " * indent + last + right.rjust(width - indent - len(last)), "left", bold, big)
        else:
            self._emit(" " * indent + last, "left", bold, big)
            self._emit(right.rjust(width), "left", bold, big)

    def rule(self, char: str = "-") -> None:
        self._emit(char * self.width, "left", False, False)

    def barcode(self, code: str) -> None:
        """`code` as Code 128 (code set B), centered, its text printed below by the printer."""
        modules = 11 * (len(code) + 3) + 2  # start, data, check character, stop (13 modules)
        room = self.width * DOTS_PER_COLUMN
        # A module of 3 dots (0.375 mm at 203 dpi) when it fits with its quiet zones, else 2.
        module = next((m for m in (3, 2) if (modules + 2 * 10) * m <= room), None)
        if module is None or not code or not all(" " <= c <= "~" for c in code):
            self.line(code, align="center")  # too long to scan on this roll: the number alone
            return
        self._style = None  # the barcode leaves the alignment centered
        with _quiet():
            self.p.barcode("{B" + code.replace("{", "{{"), "CODE128", height=BARCODE_HEIGHT, width=module,
                           pos="BELOW", font="A", align_ct=True, function_type="B")

    def image(self, png: bytes) -> None:
        raster = _logo_raster(png, self.width, self.profile)
        if raster:
            self._style = None
            self.p._raw(raster)

    def cut(self) -> bytes:
        self.p.cut()
        return bytes(self.p.output)


def _wrap(text: str, width: int) -> list[str]:
    # Between words; a word longer than the line (a long SKU, an email address) is split as a last resort.
    return textwrap.wrap(text, max(width, 1), break_on_hyphens=False)


@lru_cache(maxsize=4)
def _logo_raster(png: bytes, columns: int, profile: str) -> bytes:
    """The logo as ESC/POS raster bytes, centered, no wider than the print width; b"" if unusable."""
    from PIL import Image, UnidentifiedImageError

    printer = _dummy(profile)
    try:
        image = Image.open(io.BytesIO(png))
        image.load()
        profile_width = printer.profile.profile_data["media"]["width"]["pixels"]
        max_width = min(columns * DOTS_PER_COLUMN, int(profile_width))
        image.thumbnail((max_width, LOGO_MAX_HEIGHT))
        printer.set(align="center")  # GS v 0 raster images follow ESC a
        with _quiet():
            printer.image(image, center=False)
    except (OSError, UnidentifiedImageError, ValueError, KeyError) as error:
        # A receipt without its logo beats no receipt; the settings check the PNG when it is set.
        log.warning("the receipt logo cannot be printed with profile %s (%s); printing without it", profile, error)
        return b""
    return bytes(printer.output)


# ---------------------------------------------------------------- receipts


def _tender_label(tender: ReceiptTender) -> str:
    if tender.kind == "card":
        # "VISA ****4242": printers' code pages have no bullet for "•••• 4242".
        label = (tender.card_brand or "card").upper()
        if tender.card_last4:
            label += f" ****{tender.card_last4}"
    else:
        label = {"cash": "Cash", "store_credit": "Store credit"}.get(tender.kind, tender.kind.replace("_", " "))
    if tender.amount.cents < 0:
        label += " refund"
    if tender.pending:
        label += " (pending)"
    return label


def _line(paper: _Paper, line: ReceiptLine, money: Any, gift: bool) -> None:
    if gift:
        paper.line(line.sku if line.quantity == 1 else f"{line.sku}  x {line.quantity}")
        paper.line(line.description, indent=2)
        return
    amount = money(line.unit_price * line.quantity)
    each = f"{line.quantity} x {money(line.unit_price)}" if line.quantity != 1 else ""
    if each and len(printable(f"{line.sku}  {each}")) + 1 + len(printable(amount)) > paper.width:
        paper.line(line.sku)  # a long SKU: "3 x $450.00" goes with its amount on the next line, not split
        paper.pair(each, amount, indent=2)
    else:
        paper.pair(f"{line.sku}  {each}" if each else line.sku, amount)
    paper.line(line.description, indent=2)
    if line.note:
        paper.line(line.note, indent=2)
    if line.discount.cents:
        # Off a sale; on a returned line (negative quantity) the discount given then is kept back.
        paper.pair("Discount", money(-line.discount if line.quantity >= 0 else line.discount), indent=2)


def render_receipt(receipt: Receipt, *, columns: int = 42, profile: str = DEFAULT_PROFILE) -> bytes:
    """The receipt as ESC/POS bytes, ending with a cut; raises ValueError for a width or profile it cannot do.

    A gift receipt prints the lines without a price, and no totals or tenders.
    """
    r = receipt
    paper = _Paper(columns, profile)

    def money(amount: Money) -> str:
        return format_money(amount, r.locale)

    if r.logo_png:
        paper.image(r.logo_png)
    paper.line(r.store_name, align="center", bold=True, big=True)
    paper.line(r.store_address, align="center")
    if r.store_phone:
        paper.line(r.store_phone, align="center")
    paper.line()
    if r.gift:
        paper.line("GIFT RECEIPT", align="center", bold=True, big=True)
    if r.kind in HEADINGS:
        paper.line(HEADINGS[r.kind], align="center", bold=True, big=True)
    if r.reprint:
        paper.line("REPRINT", align="center", bold=True, big=True)
    paper.pair(f"{NUMBER_LABELS.get(r.kind, 'Sale')} {r.number}", when_text(r.at, r.locale))
    paper.line(f"Clerk: {r.clerk}")
    if r.sold_by:
        paper.line(f"Sold by: {r.sold_by}")
    if r.original_number:
        paper.line(f"Original sale {r.original_number}")
    paper.rule()
    for line in r.lines:
        _line(paper, line, money, r.gift)
    paper.rule()
    if not r.gift:
        paper.pair("Subtotal", money(r.subtotal))
        if r.discount.cents:
            paper.pair("Discounts", money(-r.discount))
        paper.pair(f"Tax exempt #{r.tax_exempt_number}" if r.tax_exempt_number else "Tax", money(r.tax))
        paper.pair("TOTAL", money(r.total), bold=True, big=True)
        paper.line()
        for tender in r.tenders:
            paper.pair(_tender_label(tender), money(tender.amount))
            for label, value in tender.emv_lines():  # the chip fields card networks ask a receipt to print
                paper.pair(label, value, indent=2)
        if r.change.cents:
            paper.pair("Change", money(r.change), bold=True)
        paper.line()
    for text in (r.return_policy, r.privacy_notice, r.footer):
        if text.strip():
            paper.line(text.strip(), align="center")
            paper.line()
    paper.barcode(r.number)
    return paper.cut()


def render_report(report: TextReport, *, columns: int = 42, profile: str = DEFAULT_PROFILE) -> bytes:
    """An X or Z report: label left, value right; a row without a value is a heading. Ends with a cut."""
    paper = _Paper(columns, profile)
    paper.line(report.title, align="center", bold=True, big=True)
    paper.line(report.store_name, align="center")
    paper.line(report.at.strftime("%Y-%m-%d %H:%M"), align="center")
    paper.rule()
    for label, value in report.rows:
        if value:
            paper.pair(label, value)
        else:
            paper.line()
            paper.line(label.upper(), bold=True)
    paper.rule()
    if report.footer:
        paper.line(report.footer)
    return paper.cut()


def render_test_page(*, store_name: str, columns: int, profile: str = DEFAULT_PROFILE) -> bytes:
    """For the printer settings' "Print test page": width ruler, alignment, styles, accents, barcode, cut."""
    paper = _Paper(columns, profile)
    paper.line("Printer test page", align="center", bold=True, big=True)
    paper.line(store_name, align="center")
    paper.line(f"{columns} characters a line, profile {profile}", align="center")
    paper.rule("=")
    paper.line("".join(str(n % 10) for n in range(1, columns + 1)))
    paper.line("|" + "-" * (columns - 2) + "|")
    paper.line(f"Each ruler above fits one line. If it wraps, set {WIDTHS[0]} characters a line.")
    paper.rule("=")
    paper.pair("Left", "Right")
    paper.line("Centered", align="center")
    paper.line("Bold", bold=True)
    paper.line("Double size", big=True)
    paper.line("Accents: café, naïve, Zürich, Ærøskøbing")
    paper.rule("=")
    paper.barcode("TEST-123")
    return paper.cut()


# ESC p m t1 t2: a pulse on drawer pin 2 (m=0) or 5 (m=1), on for t1 x 2 ms and off for t2 x 2 ms: the
# bytes python-escpos's cashdraw(2) and cashdraw(5) send. Written out so the drawer opens even when
# python-escpos cannot be loaded or the receipt cannot be laid out.
_DRAWER_KICKS = {2: b"\x1bp\x00\x32\x32", 5: b"\x1bp\x01\x32\x32"}


def drawer_kick(pin: int = 2) -> bytes:
    """The pulse (ESC p) that opens a cash drawer plugged into the printer's drawer port (pin 2 or 5)."""
    if pin not in _DRAWER_KICKS:
        raise ValueError("a cash drawer hangs on pin 2 or pin 5")
    return _DRAWER_KICKS[pin]
