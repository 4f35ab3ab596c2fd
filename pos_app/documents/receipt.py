"""A receipt as data: what the ESC/POS and PDF layouts print.

Role and contract
-----------------
Pure values. The receipts service (`pos_app.services.receipts`) builds a
`Receipt` from the *stored* sale, never from the screen's cart, so a reprint
years later says what the first print said; the layouts
(`receipt_escpos.py` for the counter's thermal printer, `receipt_pdf.py` for
a Letter page or an email) read nothing else and decide nothing about money:
every amount here is already computed, signed and in the sale's currency.

Signs
-----
A sale's amounts are positive. A return's lines have a negative quantity and
negative totals, and its tenders are negative (money given back). Discounts
are always positive amounts taken off. A *gift receipt* is the same receipt
with `gift=True`: the layouts leave out every price, total and tender, and
keep the lines, the number and its barcode (so the gift can be returned).

Vocabulary
----------
The *number* (C1-000123: counter, then sequence) is what the receipt's Code
128 barcode holds and what the counter's scanner types back to find the sale
for a return. *Tenders* are how the customer paid: cash (the amount handed
over, with `change` given back), card (brand and last four digits only, never
the card number) or store credit. A card paid with its chip or by tap carries
the EMV fields card networks require a receipt to print (`emv`: application
name, AID, ARC, ...); a card refund Stripe has not settled yet is `pending`
and says so.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from pos_app.domain.money import Money
from pos_app.domain.payments import EmvReceipt

KINDS = ("sale", "return", "exchange", "void")
TENDER_KINDS = ("cash", "card", "store_credit")


@dataclass(frozen=True)
class ReceiptLine:
    """One line of the sale: a piece of jewelry (or a service) and what it cost."""

    sku: str
    description: str
    quantity: int  # negative on a return
    unit_price: Money
    discount: Money  # this line's discount (its own and its share of an order discount), positive
    total: Money  # unit_price * quantity - discount, before tax
    note: str = ""  # "Price changed", "Returned"


@dataclass(frozen=True)
class ReceiptTender:
    """One payment: positive for money taken, negative for money refunded."""

    kind: str  # cash | card | store_credit
    amount: Money  # for cash: what the customer handed over (the change is on the receipt)
    card_brand: str | None = None  # "visa", "mastercard", "amex", as the card network reports it
    card_last4: str | None = None
    emv: EmvReceipt | None = None  # chip receipt fields, printed under the card line
    pending: bool = False  # a card refund Stripe has not settled yet

    def emv_lines(self) -> list[tuple[str, str]]:
        """(label, value) rows to print under the card line; none for cash or a card without chip data."""
        return self.emv.lines() if self.kind == "card" and self.emv is not None else []


@dataclass(frozen=True)
class Receipt:
    """Everything a receipt prints, worded and priced; `at` is aware and in the store's timezone."""

    kind: str  # sale | return | exchange | void
    number: str  # C1-000123, printed and encoded as the barcode
    store_name: str
    store_address: str  # may hold newlines
    store_phone: str
    at: datetime.datetime  # aware, already in the store's timezone
    clerk: str  # the staff member's first or display name
    lines: tuple[ReceiptLine, ...]
    subtotal: Money
    discount: Money
    tax: Money
    total: Money
    tenders: tuple[ReceiptTender, ...]
    change: Money
    locale: str = "en_US"
    original_number: str | None = None  # for a return or exchange: the sale it returns
    tax_exempt_number: str | None = None
    return_policy: str = ""
    privacy_notice: str = ""
    footer: str = ""
    logo_png: bytes | None = None
    gift: bool = False  # a gift receipt: no prices, no tenders, no totals
    reprint: bool = False  # prints "REPRINT"
    sold_by: str = ""  # a sale shared by salespeople: "Ann 60%, Ben 40%" (first names); "" otherwise


def when_text(at: datetime.datetime, locale: str) -> str:
    """"Nov 25, 2026 2:05 PM": a receipt's date and time as the store's locale writes them, in `at`'s timezone."""
    from babel.dates import format_date, format_time  # Babel is already loaded for the money on the receipt

    return f"{format_date(at, 'medium', locale=locale)} {format_time(at, 'short', locale=locale)}"


@dataclass(frozen=True)
class TextReport:
    """The cash drawer's X and Z reports: label and value rows (an empty value makes a heading)."""

    title: str
    store_name: str
    at: datetime.datetime
    rows: tuple[tuple[str, str], ...]
    footer: str = ""
