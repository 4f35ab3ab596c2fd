"""A receipt as data: what the ESC/POS and PDF layouts print.

Pure values built by the receipts service from a stored sale; the layouts
(`receipt_escpos.py`, `receipt_pdf.py`) read nothing else.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from pos_app.domain.money import Money


@dataclass(frozen=True)
class ReceiptLine:
    sku: str
    description: str
    quantity: int
    unit_price: Money
    discount: Money  # this line's discount (its own and its share of an order discount)
    total: Money  # unit_price * quantity - discount, before tax
    note: str = ""  # "Price changed", "Returned"


@dataclass(frozen=True)
class ReceiptTender:
    kind: str  # cash | card | store_credit
    amount: Money  # positive for money taken, negative for money refunded
    card_brand: str | None = None
    card_last4: str | None = None


@dataclass(frozen=True)
class Receipt:
    kind: str  # sale | return | exchange | void
    number: str  # C1-000123, printed and encoded as the barcode
    store_name: str
    store_address: str
    store_phone: str
    at: datetime.datetime  # aware, in the store's timezone
    clerk: str
    lines: tuple[ReceiptLine, ...]
    subtotal: Money
    discount: Money
    tax: Money
    total: Money
    tenders: tuple[ReceiptTender, ...]
    change: Money
    locale: str = "en_US"
    original_number: str | None = None
    tax_exempt_number: str | None = None
    return_policy: str = ""
    privacy_notice: str = ""
    footer: str = ""
    logo_png: bytes | None = None
    gift: bool = False  # no prices, totals or tenders
    reprint: bool = False


@dataclass(frozen=True)
class TextReport:
    """The cash drawer's X and Z reports: label and value rows (an empty value makes a heading)."""

    title: str
    store_name: str
    at: datetime.datetime
    rows: tuple[tuple[str, str], ...]
    footer: str = ""
