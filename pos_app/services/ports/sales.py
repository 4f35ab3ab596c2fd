"""The counter: sales, parked carts, the print queue, shifts and card refunds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pos_app.domain.commission import Credit
from pos_app.domain.jewelry import ItemStatus
from pos_app.domain.payments import EmvReceipt
from pos_app.domain.permissions import Actor
from pos_app.services.ports.customers import CustomerHit


@dataclass(frozen=True)
class NewSaleLine:
    """One line of a sale to write, priced. A returned line has a negative quantity and names the line it
    takes back (`returns_line_id`); its discount gives back what was taken off then."""

    item_id: str
    sku: str
    description: str
    quantity: int
    unit_price_cents: int
    discount_cents: int
    tax_cents: int
    list_price_cents: int | None = None  # the price before an override; None: the unit price
    unique: bool = False  # a serialized piece: selling it marks it sold, returning it available again
    returns_line_id: str | None = None
    discount_reason: str = ""
    override_reason: str = ""
    approved_by: str | None = None  # the manager who approved the line's discount or override

    @property
    def total_cents(self) -> int:
        return self.unit_price_cents * self.quantity - self.discount_cents + self.tax_cents

    @property
    def is_return(self) -> bool:
        return self.returns_line_id is not None

    @property
    def move(self) -> tuple[str, str, int]:
        """The stock ledger line it writes: (item id, kind, quantity)."""
        return (self.item_id, "return" if self.is_return else "sale", -self.quantity)


@dataclass(frozen=True)
class NewPayment:
    """A payment (or, negative, a refund) of a sale. Card details are what Stripe lets a store keep."""

    tender: str  # cash | card | store_credit
    amount_cents: int
    status: str = "succeeded"
    payment_intent_id: str | None = None
    card_brand: str | None = None
    card_last4: str | None = None
    idempotency_key: str | None = None
    tendered_cents: int | None = None  # cash handed over
    refund_id: str | None = None
    card_receipt: str | None = None  # a chip card's receipt fields, as JSON (domain.payments.EmvReceipt)


@dataclass(frozen=True)
class NewSale:
    """A completed sale (or return, or exchange) to write in one go, with its lines and payments.

    Its totals are the sums of its lines. `CounterRepository.write_sale` writes
    it with the stock movements and piece statuses its lines imply, and its
    audit event when `action` is given.
    """

    number: str
    terminal: str
    staff_id: str
    customer_id: str | None
    currency: str
    completed_at: dt.datetime
    lines: tuple[NewSaleLine, ...]
    payments: tuple[NewPayment, ...]
    tax_rate: str = "0"
    kind: str = "sale"  # sale | return | exchange
    original_sale_id: str | None = None
    shift_id: str | None = None
    tax_exempt_reason: str | None = None
    tax_exempt_number: str | None = None
    order_discount_reason: str = ""
    audit_summary: dict[str, Any] = field(default_factory=dict)  # the audit event's summary, besides the number
    approved_by: str | None = None  # the manager the audit event names
    # The salespeople who shared it (`domain/commission.py`), written as `sale_credits` rows; () when its
    # clerk alone sold it.
    credits: tuple[Credit, ...] = ()

    @property
    def subtotal_cents(self) -> int:
        return sum(line.unit_price_cents * line.quantity for line in self.lines)

    @property
    def discount_cents(self) -> int:
        return sum(line.discount_cents for line in self.lines)

    @property
    def tax_cents(self) -> int:
        return sum(line.tax_cents for line in self.lines)

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents - self.discount_cents + self.tax_cents

    @property
    def statuses(self) -> list[tuple[str, str]]:
        """(item id, new status) of the unique pieces it sells or takes back."""
        return [(line.item_id, (ItemStatus.AVAILABLE if line.is_return else ItemStatus.SOLD).value)
                for line in self.lines if line.unique]


@dataclass(frozen=True)
class SaleSummary:
    """One row of the sales list."""

    id: str
    number: str
    kind: str  # sale | return | exchange
    status: str  # completed | voided
    completed_at: dt.datetime
    clerk: str
    customer: str
    currency: str
    total_cents: int
    tenders: str  # "card, cash"


@dataclass(frozen=True)
class SaleLineDetail:
    id: str
    item_id: str
    position: int
    sku: str
    description: str
    quantity: int
    unit_price_cents: int
    list_price_cents: int
    discount_cents: int
    tax_cents: int
    total_cents: int
    returns_line_id: str | None
    returned: int  # units of this line returned since, by later returns (not voided)
    unique: bool

    @property
    def net_cents(self) -> int:
        return self.unit_price_cents * self.quantity - self.discount_cents


@dataclass(frozen=True)
class PaymentDetail:
    id: str
    tender: str
    amount_cents: int
    status: str
    payment_intent_id: str | None
    card_brand: str | None
    card_last4: str | None
    tendered_cents: int | None
    refund_id: str | None
    card_receipt: EmvReceipt | None = None  # a chip card payment's receipt fields


@dataclass(frozen=True)
class SaleDetail:
    id: str
    number: str
    terminal: str
    kind: str
    status: str
    completed_at: dt.datetime
    staff_id: str
    clerk: str
    customer_id: str | None
    customer: str
    currency: str
    subtotal_cents: int
    discount_cents: int
    tax_cents: int
    total_cents: int
    tax_exempt_number: str | None
    original_number: str | None
    shift_id: str | None
    lines: tuple[SaleLineDetail, ...]
    payments: tuple[PaymentDetail, ...]
    credits: tuple[Credit, ...] = ()  # the salespeople who shared it, with their names; () for the clerk's alone


@dataclass(frozen=True)
class ParkedCartRow:
    id: str
    label: str
    staff: str
    customer_id: str | None
    parked_at: dt.datetime
    lines: int
    cart: dict[str, Any]


@dataclass(frozen=True)
class PrintJobRow:
    id: str
    document: str
    sale_id: str | None
    sale_number: str | None
    shift_id: str | None
    error: str
    created_at: dt.datetime


@dataclass(frozen=True)
class ShiftRecord:
    id: str
    terminal: str
    opened_by: str
    opened_at: dt.datetime
    float_cents: int
    currency: str
    status: str
    closed_by: str | None
    closed_at: dt.datetime | None
    counted_cents: int | None
    expected_cents: int | None
    variance_cents: int | None
    z_report: tuple[tuple[str, str], ...] | None


@dataclass(frozen=True)
class ShiftFigures:
    """Money through a shift, in cents, from its payments, sale lines and cash movements.

    Sold and returned lines are kept apart: a return is not a sale, and what it
    gives back is shown as returns, never netted silently into the sales count.
    Amounts "without tax" are the lines' totals less their tax.
    """

    sales: int  # completed receipts that sold at least one piece (sales and exchanges)
    voided: int
    cash_in: int  # cash taken for sales
    cash_out: int  # cash refunded (positive)
    card_in: int
    card_out: int  # card refunds (positive)
    paid_in: int
    paid_out: int
    no_sales: int  # drawer opened without a sale
    gross_sales: int  # what completed receipts came to with tax, returns netted (net_sales + tax)
    tax: int  # tax charged less tax refunded
    discounts: int  # taken off sold lines
    sold_before_discounts: int = 0  # sold lines at their selling price, before discounts, without tax
    returns: int = 0  # completed receipts that took at least one piece back (returns and exchanges)
    returned_pieces: int = 0
    returned: int = 0  # refunded for returned lines, without tax (positive)
    returned_tax: int = 0  # tax refunded with them (positive)

    @property
    def net_sales(self) -> int:
        """Sales less discounts less returns, without tax."""
        return self.sold_before_discounts - self.discounts - self.returned


@dataclass(frozen=True)
class LargeCashRow:
    id: str
    sale_number: str | None
    customer: str
    full_name: str
    cash_cents: int
    twelve_month_cents: int
    status: str
    created_at: dt.datetime


class CounterRepository(Protocol):
    """The counter's own rows and the hot path that writes a whole sale (persistence/counter_repo.py)."""

    def next_sale_number(self, terminal: str) -> int: ...
    def items_for_sale(self, item_ids: Sequence[str]) -> dict[str, tuple[str, str, int]]: ...
    def write_sale(self, sale: NewSale, *, actor: Actor, action: str | None = "sale.completed",
                   at: dt.datetime | None = None) -> str:
        """Write a whole sale (its lines, payments, stock movements, piece statuses, outbox rows and, with
        an `action`, its audit event) and return its id; `at` stamps its rows (default: now). A sale naming
        a customer erased meanwhile raises `CustomerErased` (the caller's transaction keeps nothing)."""
        ...
    def line_ids(self, sale_id: str) -> list[str]:
        """The ids of a sale's lines, by position, read inside the transaction (what a return names)."""
        ...
    def void_sale(self, sale_id: str, *, by: str | None, reason: str, at: dt.datetime) -> None: ...
    def record_moves(self, moves: Sequence[tuple[str, str, int]], *, reference: str, actor: Actor) -> None: ...
    def set_statuses(self, statuses: Sequence[tuple[str, str]]) -> None: ...
    def add_refund_payment(self, sale_id: str, payment: NewPayment) -> str: ...
    def park(self, *, terminal: str, staff_id: str | None, customer_id: str | None, label: str,
             cart: dict[str, Any]) -> str: ...
    def take_parked(self, park_id: str) -> dict[str, Any] | None: ...
    def enqueue_print(self, *, terminal: str, document: str, sale_id: str | None, shift_id: str | None,
                      error: str) -> str: ...
    def finish_print(self, job_id: str, status: str) -> None: ...
    def note_print_problem(self, job_id: str, error: str) -> None: ...
    def print_job(self, job_id: str) -> dict[str, Any] | None: ...
    def open_shift_id(self, terminal: str) -> str | None: ...
    def open_shift(self, *, terminal: str, staff_id: str | None, float_cents: int, currency: str) -> str: ...
    def close_shift(self, shift_id: str, *, staff_id: str | None, counted: dict[str, int], counted_cents: int,
                    expected_cents: int, z_report: list[list[str]]) -> None: ...
    def add_cash_movement(self, shift_id: str, *, kind: str, amount_cents: int, reason: str, staff_id: str | None,
                          approved_by: str | None) -> str: ...
    def add_large_cash_report(self, report: dict[str, Any]) -> str: ...


@dataclass(frozen=True)
class CardRefundRow:
    """A refund asked of Stripe, as Facet follows it (`card_refunds`); amounts positive, to the card."""

    id: str
    refund_id: str
    payment_intent_id: str
    amount_cents: int
    currency: str
    status: str  # pending | succeeded | failed | canceled | requires_action
    failure_reason: str | None
    card_brand: str | None
    card_last4: str | None
    reason: str  # return | void_cart | void_sale
    sale_number: str | None  # the return's own sale, or the voided sale; None for a voided cart
    created_at: dt.datetime
    handled_at: dt.datetime | None = None
    handled_how: str | None = None


class CardRefundRepository(Protocol):
    """The card refunds Facet asked Stripe for (persistence/card_refund_repo.py)."""

    def record(self, *, refund_id: str, payment_intent_id: str, amount_cents: int, currency: str, status: str,
               failure_reason: str | None, card_brand: str | None, card_last4: str | None, reason: str,
               terminal: str, staff_id: str | None, sale_id: str | None = None,
               checkout_id: str | None = None) -> str: ...
    def unsettled(self) -> list[CardRefundRow]: ...
    def needing_attention(self) -> list[CardRefundRow]: ...
    def get(self, row_id: str) -> CardRefundRow | None: ...
    def set_status(self, refund_id: str, status: str, failure_reason: str | None, *, at: dt.datetime) -> None: ...
    def mark_handled(self, row_id: str, *, by: str | None, how: str, at: dt.datetime) -> None: ...


class SalesReader(Protocol):
    """Read-only queries of the counter (persistence/sales_queries.py)."""

    def sales(self, *, since: dt.datetime | None = None, until: dt.datetime | None = None,
              limit: int = 500) -> list[SaleSummary]: ...
    def sale_id_for_number(self, number: str) -> str | None: ...
    def sale(self, sale_id: str) -> SaleDetail | None: ...
    def refunded_by_payment_intent(self, payment_intent_ids: Sequence[str]) -> dict[str, int]: ...
    def customer_cash_since(self, customer_id: str, since: dt.datetime) -> int: ...
    def find_customers(self, text: str, limit: int = 20) -> list[CustomerHit]: ...
    def customers(self, text: str = "", limit: int = 500) -> list[CustomerHit]: ...
    def customer(self, customer_id: str) -> CustomerHit | None: ...
    def current_policy_version(self, today: dt.date) -> tuple[str, int] | None: ...
    def parked_carts(self, terminal: str) -> list[ParkedCartRow]: ...
    def print_queue(self, terminal: str) -> list[PrintJobRow]: ...
    def open_checkout_ids(self, terminal: str) -> list[str]: ...
    def open_shift(self, terminal: str) -> ShiftRecord | None: ...
    def shift(self, shift_id: str) -> ShiftRecord | None: ...
    def shift_figures(self, shift_id: str) -> ShiftFigures: ...
    def large_cash_reports(self) -> list[LargeCashRow]: ...
