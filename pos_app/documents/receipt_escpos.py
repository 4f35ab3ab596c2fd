"""Receipts, drawer reports and the test page as ESC/POS bytes (python-escpos).

Role and contract
-----------------
Pure layout: `render_receipt` takes a `Receipt` already worded and priced by
the receipts service and returns the bytes a receipt printer prints; it
opens no device and reads no database. The bytes come from python-escpos's
`Dummy` printer with the printer's capability profile (so text is encoded in
code pages the model has: "é" and "’" print, not "?"), which writes exactly
what its network, USB, serial and file printers would send.

Width
-----
42 or 48 characters a line (an 80 mm printer's small and large fonts). Every
line is laid out here to fit the width exactly, so the printer never wraps
one: descriptions are wrapped between words, a left text that would run
into its right-aligned amount is shortened.

Speed
-----
python-escpos costs ~0.6 s to import, so it is imported on the first render,
not with this module; after that a 10-line receipt renders in a few
milliseconds. A logo is converted once per image and kept.
"""

from __future__ import annotations

import contextlib
import io
import os
import textwrap
from functools import lru_cache
from typing import Any

from pos_app.documents.receipt import Receipt, ReceiptLine, ReceiptTender, TextReport
from pos_app.domain.money import Money, format_money

WIDTHS = (42, 48)
DEFAULT_PROFILE = "TM-T88V"
HEADINGS = {"return": "RETURN", "exchange": "EXCHANGE", "void": "VOIDED SALE"}


def _escpos_dummy(profile: str) -> Any:
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" not in os.environ:
        # python-escpos caches its capabilities in a new temporary folder per process unless told where.
        from platformdirs import user_cache_dir

        os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = os.path.join(user_cache_dir("facet"), "escpos")
    # python-escpos writes its cache there on import and fails if the folder is missing.
    os.makedirs(os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"], exist_ok=True)
    # Some of python-escpos's notices are print()s: keep them off the app's stdout.
    with contextlib.redirect_stdout(io.StringIO()):
        from escpos.printer import Dummy

        return Dummy(profile=profile)


class _Paper:
    """Lines of exactly `width` characters, written to a Dummy printer."""

    def __init__(self, width: int, profile: str) -> None:
        if width not in WIDTHS:
            raise ValueError(f"a receipt is 42 or 48 characters wide, not {width}")
        self.width = width
        self.p = _escpos_dummy(profile)
        self._style: tuple[str, bool, bool] | None = None

    def style(self, align: str = "left", bold: bool = False, big: bool = False) -> None:
        if self._style == (align, bold, big):
            return
        self._style = (align, bold, big)
        if big:
            self.p.set(align=align, bold=bold, double_height=True, double_width=True)
        else:
            self.p.set(align=align, bold=bold, normal_textsize=True)

    def line(self, text: str = "", *, align: str = "left", bold: bool = False, big: bool = False) -> None:
        limit = self.width // 2 if big else self.width
        self.style(align, bold, big)
        self.p.text(text[:limit] + "\n")

    def wrapped(self, text: str, *, align: str = "left", indent: int = 0, bold: bool = False) -> None:
        for paragraph in text.splitlines() or [""]:
            for piece in textwrap.wrap(paragraph, self.width - indent) or [""]:
                self.line(" " * indent + piece, align=align, bold=bold)

    def pair(self, left: str, right: str, *, bold: bool = False, big: bool = False) -> None:
        """`left` and `right` on one line, the right one flush with the edge."""
        width = self.width // 2 if big else self.width
        room = width - len(right) - 1
        if len(left) > room:
            left = left[:max(0, room - 2)] + ".."
        self.line(left + " " * (width - len(left) - len(right)) + right, bold=bold, big=big)

    def rule(self, char: str = "-") -> None:
        self.line(char * self.width)

    def barcode(self, code: str) -> None:
        self._style = None
        with contextlib.redirect_stdout(io.StringIO()):
            # Code 128, code set B (letters, digits, "-"): what a scanner reads back.
            self.p.barcode("{B" + code, "CODE128", function_type="B", height=64, width=2, pos="BELOW")

    def image(self, png: bytes) -> None:
        self._style = None
        self.p._raw(_logo_bytes(png, self.p.profile.profile_data["name"]))

    def cut(self) -> bytes:
        self.p.cut()
        return bytes(self.p.output)


@lru_cache(maxsize=4)
def _logo_bytes(png: bytes, profile: str) -> bytes:
    from PIL import Image

    printer = _escpos_dummy(profile)
    image = Image.open(io.BytesIO(png))
    image.thumbnail((384, 160))
    printer.set(align="center")
    printer.image(image, center=False)
    return bytes(printer.output)


def _money(amount: Money, locale: str) -> str:
    return format_money(amount, locale)


def _tender_label(tender: ReceiptTender) -> str:
    if tender.kind == "card":
        label = (tender.card_brand or "card").upper()
        if tender.card_last4:
            label += f" ****{tender.card_last4}"
    else:
        label = {"cash": "Cash", "store_credit": "Store credit"}.get(tender.kind, tender.kind)
    if tender.amount.cents < 0:
        label += " refund"
    return label


def _line(paper: _Paper, line: ReceiptLine, locale: str, gift: bool) -> None:
    head = line.sku
    if line.quantity != 1 and not gift:
        head = f"{line.sku}  {line.quantity} x {_money(line.unit_price, locale)}"
    if gift:
        paper.line(head if line.quantity == 1 else f"{line.sku}  x {line.quantity}")
    else:
        paper.pair(head, _money(line.unit_price * line.quantity, locale))
    paper.wrapped(line.description, indent=2)
    if line.note:
        paper.line("  " + line.note)
    if not gift and line.discount.cents and line.quantity > 0:
        paper.pair("  Discount", "-" + _money(line.discount, locale))
    if not gift and line.discount.cents and line.quantity < 0:
        # A returned line refunds what was paid: the discount given then comes back off.
        paper.pair("  Discount given back", _money(line.discount, locale))


def render_receipt(receipt: Receipt, *, columns: int = 42, profile: str = DEFAULT_PROFILE) -> bytes:
    paper = _Paper(columns, profile)
    r, loc = receipt, receipt.locale
    if r.logo_png:
        paper.image(r.logo_png)
    paper.line(r.store_name, align="center", bold=True, big=True)
    for address_line in r.store_address.splitlines():
        paper.wrapped(address_line, align="center")
    if r.store_phone:
        paper.line(r.store_phone, align="center")
    paper.line()
    if r.gift:
        paper.line("GIFT RECEIPT", align="center", bold=True, big=True)
    elif r.kind in HEADINGS:
        paper.line(HEADINGS[r.kind], align="center", bold=True, big=True)
    if r.reprint:
        paper.line("REPRINT", align="center", bold=True)
    paper.pair(f"Sale {r.number}", r.at.strftime("%Y-%m-%d %H:%M"))
    paper.line(f"Clerk: {r.clerk}")
    if r.original_number:
        paper.line(f"Returns from sale {r.original_number}")
    paper.rule()
    for line in r.lines:
        _line(paper, line, loc, r.gift)
    paper.rule()
    if not r.gift:
        paper.pair("Subtotal", _money(r.subtotal, loc))
        if r.discount.cents:
            paper.pair("Discounts", "-" + _money(r.discount, loc) if r.discount.cents > 0 else _money(-r.discount, loc))
        if r.tax_exempt_number:
            paper.pair(f"Tax exempt #{r.tax_exempt_number}", _money(r.tax, loc))
        else:
            paper.pair("Tax", _money(r.tax, loc))
        paper.pair("TOTAL", _money(r.total, loc), bold=True, big=True)
        paper.line()
        for tender in r.tenders:
            paper.pair(_tender_label(tender), _money(tender.amount, loc))
        if r.change.cents:
            paper.pair("Change", _money(r.change, loc), bold=True)
        paper.line()
    for text in (r.return_policy, r.privacy_notice):
        if text:
            paper.wrapped(text, align="center")
    if r.footer:
        paper.line()
        paper.wrapped(r.footer, align="center")
    paper.line()
    paper.barcode(r.number)
    return paper.cut()


def render_report(report: TextReport, *, columns: int = 42, profile: str = DEFAULT_PROFILE) -> bytes:
    """An X or Z report: label left, value right; a row without a value is a heading."""
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
        paper.wrapped(report.footer)
    return paper.cut()


def render_test_page(*, store_name: str, columns: int, profile: str = DEFAULT_PROFILE) -> bytes:
    """For the printer settings' "Print test page": width ruler, styles, barcode, cut."""
    paper = _Paper(columns, profile)
    paper.line("Facet test page", align="center", bold=True, big=True)
    paper.line(store_name, align="center")
    paper.line(f"{columns} characters a line, profile {profile}", align="center")
    paper.rule("=")
    ruler = "".join(str(n % 10) for n in range(1, columns + 1))
    paper.line(ruler)
    paper.pair("Left", "Right")
    paper.line("Centered", align="center")
    paper.line("Bold", bold=True)
    paper.line("Accents: café, naïve, Zürich", align="left")
    paper.rule("=")
    paper.barcode("TEST-123")
    return paper.cut()


@lru_cache(maxsize=4)
def drawer_kick(pin: int = 2) -> bytes:
    """The pulse (ESC p) that opens a cash drawer plugged into the printer's drawer port."""
    if pin not in (2, 5):
        raise ValueError("a cash drawer hangs on pin 2 or pin 5")
    printer = _escpos_dummy(DEFAULT_PROFILE)
    printer.cashdraw(pin)
    return bytes(printer.output)
