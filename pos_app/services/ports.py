"""The interfaces services need from the outside world.

`persistence/` implements the storage ports (a unit of work with repositories,
and read-only readers for list screens); `adapters/` implements the devices
and secrets. The rows and records crossing these interfaces are the frozen
dataclasses defined here and in `domain/`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Self

from pos_app.domain.audit import AuditFilter, AuditRow, ChainReport, Flag
from pos_app.domain.erasure import ErasureEntry, Identity
from pos_app.domain.errors import UserFacingError
from pos_app.domain.items import ItemSpec
from pos_app.domain.payments import EmvReceipt
from pos_app.domain.permissions import Actor, Role

# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class StoreProfile:
    name: str
    address: str
    phone: str
    email: str
    timezone: str
    currency: str
    locale: str
    tax_rate: str  # decimal percent, "8.875"
    receipt_footer: str
    privacy_contact: str


@dataclass(frozen=True)
class StaffRecord:
    id: str
    name: str
    role: Role
    pin_hash: str | None
    password_hash: str | None
    active: bool
    failed_attempts: int
    locked_until: dt.datetime | None
    credentials: str = ""
    two_step_enrolled: bool = False
    must_change_secret: bool = False  # the secret they sign in with is temporary (set by someone else)


@dataclass(frozen=True)
class ItemRecord:
    id: str
    seq: int
    spec: ItemSpec
    on_hand: int
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class ItemRow:
    """One row of the inventory list: what the table shows, nothing more."""

    seq: int
    id: str
    sku: str
    barcode: str | None
    title: str
    style: str
    metal: str
    price_cents: int
    cost_cents: int | None
    currency: str
    status: str
    location: str
    tracking: str
    on_hand: int
    received_on: dt.date | None
    cert_number: str | None


@dataclass(frozen=True)
class Movement:
    at: dt.datetime
    kind: str
    quantity: int
    reason: str
    reference: str | None
    staff_name: str | None
    terminal: str


@dataclass(frozen=True)
class PhotoRecord:
    id: str
    item_id: str
    position: int
    mime_type: str
    data: bytes


@dataclass(frozen=True)
class InventoryFilter:
    """What the inventory list shows: search text and filters, all optional."""

    text: str = ""
    styles: tuple[str, ...] = ()
    metals: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    in_stock_only: bool = False


@dataclass(frozen=True)
class LowStockRow:
    item: ItemRow
    reorder_point: int


@dataclass(frozen=True)
class AgingRow:
    item: ItemRow
    days_in_stock: int


@dataclass(frozen=True)
class AgingBucket:
    label: str
    pieces: int
    retail_cents: int
    cost_cents: int


@dataclass(frozen=True)
class CountScanRow:
    code: str
    item_id: str | None
    quantity: int
    at: dt.datetime


@dataclass(frozen=True)
class CountRecord:
    id: str
    location: str
    status: str
    started_at: dt.datetime
    scans: tuple[CountScanRow, ...] = field(default=())


@dataclass(frozen=True)
class StoreCounts:
    items: int
    items_in_stock: int
    customers: int
    sales: int
    staff: int


@dataclass(frozen=True)
class NewCustomer:
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    billing_address: str = ""
    shipping_address: str = ""
    adult_confirmed: bool = True
    preferences: str = ""
    wishlist: str = ""
    notes: str = ""
    do_not_sell: bool = False
    restricted: bool = False
    marketing_objection: bool = False


@dataclass(frozen=True)
class NewSaleLine:
    item_id: str
    sku: str
    description: str
    quantity: int
    unit_price_cents: int
    discount_cents: int
    tax_cents: int

    @property
    def total_cents(self) -> int:
        return self.unit_price_cents * self.quantity - self.discount_cents + self.tax_cents


@dataclass(frozen=True)
class NewPayment:
    tender: str  # cash | card | store_credit
    amount_cents: int
    status: str = "succeeded"
    payment_intent_id: str | None = None
    card_brand: str | None = None
    card_last4: str | None = None


@dataclass(frozen=True)
class NewSale:
    number: str
    terminal: str
    staff_id: str
    customer_id: str | None
    currency: str
    completed_at: dt.datetime
    lines: tuple[NewSaleLine, ...]
    payments: tuple[NewPayment, ...]
    tax_rate: str = "0"

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


@dataclass(frozen=True)
class CustomerHit:
    id: str
    name: str
    email: str | None
    phone: str | None
    restricted: bool


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


# ---------------------------------------------------------------- storage ports


class StoreRepository(Protocol):
    def get(self) -> StoreProfile | None: ...
    def save(self, profile: StoreProfile) -> str: ...
    def has_sales(self) -> bool:
        """Whether any sale is recorded (the currency is fixed from the first one on)."""
        ...


class SettingsRepository(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...
    def set(self, key: str, value: Any) -> None: ...


class StaffRepository(Protocol):
    def get(self, staff_id: str) -> StaffRecord | None: ...
    def by_name(self, name: str) -> StaffRecord | None: ...
    def add(self, *, name: str, role: Role, pin_hash: str | None, password_hash: str | None,
            credentials: str = "", must_change_secret: bool = False) -> str: ...
    def set_role(self, staff_id: str, role: Role) -> None: ...
    def set_active(self, staff_id: str, active: bool) -> None: ...
    def set_credentials(self, staff_id: str, credentials: str) -> None: ...
    def set_must_change_secret(self, staff_id: str, must_change: bool) -> None: ...
    def count_try(self, staff_id: str, at: dt.datetime) -> int | None: ...
    def lock(self, staff_id: str, until: dt.datetime) -> None: ...
    def give_back_try(self, staff_id: str, locked_by_it: dt.datetime | None) -> None: ...
    def record_sign_in(self, staff_id: str, *, at: dt.datetime) -> None: ...
    def set_hashes(self, staff_id: str, *, pin_hash: str | None = None,
                   password_hash: str | None = None) -> None: ...
    def unlock(self, staff_id: str) -> None: ...
    def totp(self, staff_id: str) -> tuple[str | None, int | None]: ...
    def set_totp(self, staff_id: str, secret: str | None, last_step: int | None) -> None: ...
    def replace_recovery_codes(self, staff_id: str, code_hashes: Sequence[str]) -> None: ...
    def unused_recovery_codes(self, staff_id: str) -> list[tuple[str, str]]: ...
    def use_recovery_code(self, code_id: str, at: dt.datetime) -> None: ...


class ItemRepository(Protocol):
    def get(self, item_id: str) -> ItemRecord | None: ...
    def by_sku(self, sku: str) -> ItemRecord | None: ...
    def id_for_barcode(self, barcode: str) -> str | None: ...
    def add(self, spec: ItemSpec) -> str: ...
    def add_many(self, specs: Sequence[ItemSpec]) -> list[str]: ...
    def update(self, item_id: str, spec: ItemSpec) -> None: ...
    def set_status(self, item_id: str, status: str) -> None: ...
    def get_many(self, item_ids: Sequence[str]) -> list[ItemRecord]: ...
    def by_skus(self, skus: Iterable[str]) -> dict[str, ItemRecord]: ...
    def barcode_owners(self, barcodes: Iterable[str]) -> dict[str, str]: ...
    def update_many(self, changes: Sequence[tuple[str, ItemSpec]]) -> None: ...


class PhotoRepository(Protocol):
    def add(self, item_id: str, data: bytes, mime_type: str) -> str: ...
    def remove(self, photo_id: str) -> str | None: ...
    def for_item(self, item_id: str) -> list[PhotoRecord]: ...


class StockLedger(Protocol):
    def record(self, item_id: str, kind: str, quantity: int, *, actor: Actor, reason: str = "",
               reference: str | None = None, at: dt.datetime | None = None) -> None: ...
    def record_many(self, moves: Sequence[tuple[str, str, int, str]], *, actor: Actor) -> None: ...
    def on_hand(self, item_id: str) -> int: ...


class CountRepository(Protocol):
    def start(self, location: str, actor: Actor) -> str: ...
    def get(self, count_id: str) -> CountRecord | None: ...
    def add_scan(self, count_id: str, code: str, item_id: str | None) -> None: ...
    def remove_last_scan(self, count_id: str) -> CountScanRow | None: ...
    def close(self, count_id: str, status: str, actor: Actor) -> None: ...


@dataclass(frozen=True)
class CustomerFlags:
    """A customer's privacy choices other than consents, and what contact details are on file."""

    do_not_sell: bool
    restricted: bool
    marketing_objection: bool
    has_email: bool = False
    has_phone: bool = False


@dataclass(frozen=True)
class CustomerProfile:
    """Everything on a customer's record a screen shows (personal data: shown, never logged)."""

    id: str
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    billing_address: str
    shipping_address: str
    adult_confirmed: bool
    preferences: str
    wishlist: str
    notes: str
    flags: CustomerFlags
    since: dt.datetime

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class ConsentRow:
    at: dt.datetime
    purpose: str
    granted: bool
    channel: str
    policy_version: int | None
    recorded_by: str | None  # the staff member's name


@dataclass(frozen=True)
class PurchaseRow:
    id: str
    number: str
    kind: str  # sale | return | exchange
    status: str
    completed_at: dt.datetime
    total_cents: int
    currency: str
    lines: int


@dataclass(frozen=True)
class CustomerAppraisalRow:
    id: str
    number: str
    version: int
    status: str
    appraised_on: dt.date
    value_cents: int | None
    currency: str
    description: str


@dataclass(frozen=True)
class CustomerCertificateRow:
    id: str
    lab: str
    report_number: str
    report_date: dt.date | None
    carat_points: int | None
    color: str | None
    clarity: str | None
    has_scan: bool


class CustomerReader(Protocol):
    def marketing_list(self, purpose: str) -> Iterator[tuple[str, str, str, str]]: ...
    def profile(self, customer_id: str) -> CustomerProfile | None: ...
    def consents(self, customer_id: str) -> list[ConsentRow]: ...
    def purchases(self, customer_id: str, limit: int) -> tuple[list[PurchaseRow], int]: ...
    def appraisals(self, customer_id: str) -> list[CustomerAppraisalRow]: ...
    def certificates(self, customer_id: str) -> list[CustomerCertificateRow]: ...
    def requests(self, customer_id: str, today: dt.date) -> list[PrivacyRequestRow]: ...


class CustomerRepository(Protocol):
    def name_and_address(self, customer_id: str) -> tuple[str, str] | None: ...
    def privacy_flags(self, customer_id: str) -> CustomerFlags | None: ...
    def set_privacy_flags(self, customer_id: str, flags: CustomerFlags) -> None: ...
    def current_values(self, customer_id: str, names: list[str]) -> dict[str, Any]: ...
    def update(self, customer_id: str, changes: dict[str, Any]) -> None: ...
    def policy_in_force(self, today: dt.date) -> str | None: ...
    def add(self, customer: NewCustomer, *, at: dt.datetime | None = None) -> str: ...
    def add_consent(self, customer_id: str, purpose: str, granted: bool, *, channel: str,
                    policy_version_id: str | None, staff_id: str | None,
                    at: dt.datetime | None = None) -> str: ...
    def policy_versions(self) -> list[tuple[str, int, dt.date, str]]: ...
    def add_policy_version(self, version: int, effective_on: dt.date, text: str) -> str: ...


class SalesRepository(Protocol):
    def add_completed(self, sale: NewSale) -> str: ...


@dataclass(frozen=True)
class SaleRows:
    """Everything one completed sale writes, already priced and checked by the service."""

    sale: dict[str, Any]  # the `sales` columns but id and timestamps
    lines: Sequence[dict[str, Any]]  # `sale_lines` columns but id, sale_id and timestamps
    payments: Sequence[dict[str, Any]]  # `payments` columns but id, sale_id and timestamps
    moves: Sequence[tuple[str, str, int]]  # (item_id, kind, quantity)
    statuses: Sequence[tuple[str, str]]  # (item_id, new status)
    audit_summary: dict[str, Any]
    approved_by: str | None = None


class CounterRepository(Protocol):
    """The counter's own rows and the hot path that writes a whole sale (persistence/counter.py)."""

    def next_sale_number(self, terminal: str) -> int: ...
    def items_for_sale(self, item_ids: Sequence[str]) -> dict[str, tuple[str, str, int]]: ...
    def write_sale(self, rows: SaleRows, *, actor: Actor, action: str) -> str: ...
    def void_sale(self, sale_id: str, *, by: str | None, reason: str, at: dt.datetime) -> None: ...
    def record_moves(self, moves: Sequence[tuple[str, str, int]], *, reference: str, actor: Actor) -> None: ...
    def set_statuses(self, statuses: Sequence[tuple[str, str]]) -> None: ...
    def add_refund_payment(self, sale_id: str, payment: dict[str, Any]) -> str: ...
    def save_checkout(self, checkout_id: str, *, terminal: str, staff_id: str | None, customer_id: str | None,
                      cart: dict[str, Any], tenders: list[dict[str, Any]], status: str,
                      sale_id: str | None = None) -> None: ...
    def checkout(self, checkout_id: str) -> dict[str, Any] | None: ...
    def open_checkouts(self, terminal: str) -> list[dict[str, Any]]: ...
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


class AuditLog(Protocol):
    def record(self, actor: Actor, action: str, *, entity_type: str | None = None,
               entity_id: str | None = None, summary: dict[str, Any] | None = None,
               approved_by: str | None = None) -> None: ...


@dataclass(frozen=True)
class ErasurePlan:
    """What an erasure found in a read before it writes (no write lock held meanwhile): the rows whose free
    text names the customer, and where the store stood then, so the write looks again only at what was
    added or changed since. Opaque to services: made by `plan`, used by `erase`."""

    customer_id: str
    rows: dict[str, frozenset[str]]  # table -> ids of rows whose text names them
    marks: dict[str, int]  # table -> its highest rowid at the first read
    outbox_seq: int  # the outbox's last seq at the first read
    todo: tuple[tuple[int, int], ...] = ()  # what is left to search: (which search, after which rowid)


@dataclass(frozen=True)
class ExportRef:
    """A privacy export made for a customer, as its request recorded it."""

    request_id: str
    path: str | None  # None for an export from before the path was recorded
    sha256: str | None


class ErasureRepository(Protocol):
    """Where a customer's personal data lives, for erasing it (see `persistence/erasure_repo.py`)."""

    def identity(self, customer_id: str) -> Identity | None: ...
    def blockers(self, customer_id: str) -> list[str]: ...
    def final_appraisals(self, customer_id: str) -> list[str]: ...
    def seal(self, appraisal_id: str, seal: str) -> None: ...
    def plan(self, customer_id: str, who: Identity) -> ErasurePlan: ...
    def search(self, plan: ErasurePlan, who: Identity) -> ErasurePlan: ...
    def catch_up(self, plan: ErasurePlan, who: Identity) -> ErasurePlan: ...
    def delete_files(self, customer_id: str, *, at: dt.datetime, max_bytes: int) -> tuple[int, int, bool]: ...
    def erase(self, customer_id: str, who: Identity, *, at: dt.datetime,
              plan: ErasurePlan | None = None) -> dict[str, int]: ...
    def exports(self, customer_id: str) -> list[ExportRef]: ...
    def kept(self, customer_id: str) -> dict[str, Any]: ...
    def add_log(self, customer_hash: str, request_id: str | None, at: dt.datetime) -> None: ...
    def log(self) -> list[tuple[str, str | None, str]]: ...
    def live_customer_ids(self) -> Iterator[str]: ...
    def detach_old_sales(self, before: dt.date, *, at: dt.datetime) -> int: ...
    def blank_old_cash_reports(self, filed_before: dt.date, *, at: dt.datetime) -> int: ...
    def delete_old_requests(self, answered_before: dt.date, *, at: dt.datetime) -> int: ...
    def delete_unlinked_pseudonyms(self, *, at: dt.datetime) -> int: ...


class ErasureLog(Protocol):
    """The erasure's part outside the store's file, in its data folder (`adapters/erasure_log.py`): the
    log of erased customers, and deleting the customer's privacy exports."""

    def salt(self, known: str | None = None) -> str: ...
    def append(self, entry: ErasureEntry) -> None: ...
    def entries(self) -> list[ErasureEntry]: ...
    def find_exports(self, customer_id: str, known: Sequence[ExportRef]) -> list[str]: ...
    def delete_exports(self, paths: Sequence[str]) -> list[str]: ...


class ExportFiles(Protocol):
    """Privacy exports written to files (`adapters/export_files.py`): found and deleted when they have done
    their job (delivered, or the customer erased). `find` reads the candidates whole (before any lock);
    `remove` deletes what it found."""

    def find(self, customer_id: str | None, known: Sequence[ExportRef]) -> list[str]: ...
    def remove(self, paths: Sequence[str]) -> list[str]: ...


@dataclass(frozen=True)
class SessionRecord:
    """A command-line session (`pos-app login`): whose, opened when, used last, ends when."""

    id: str
    staff_id: str
    staff_name: str
    os_user: str
    created_at: dt.datetime
    last_used_at: dt.datetime
    expires_at: dt.datetime
    ends_by: dt.datetime
    ended_at: dt.datetime | None
    end_reason: str | None


@dataclass(frozen=True)
class JobTokenRecord:
    """An unattended job's token: its name, its job, who made it and whether it still works."""

    id: str
    name: str
    job: str
    created_by: str
    created_by_name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class AccessRepository(Protocol):
    """Command-line sessions and job tokens, found by the SHA-256 of their token."""

    def add_session(self, *, staff_id: str, token_hash: str, os_user: str, at: dt.datetime,
                    expires_at: dt.datetime, ends_by: dt.datetime) -> str: ...
    def session_by_hash(self, token_hash: str) -> SessionRecord | None: ...
    def session(self, session_id: str) -> SessionRecord | None: ...
    def touch_session(self, session_id: str, *, at: dt.datetime, expires_at: dt.datetime) -> None: ...
    def end_session(self, session_id: str, *, at: dt.datetime, reason: str) -> None: ...
    def sessions(self, *, include_ended: bool) -> list[SessionRecord]: ...
    def add_job(self, *, name: str, job: str, token_hash: str, created_by: str, at: dt.datetime) -> str: ...
    def job_by_hash(self, token_hash: str) -> JobTokenRecord | None: ...
    def live_job(self, name: str) -> JobTokenRecord | None: ...
    def touch_job(self, job_id: str, at: dt.datetime) -> None: ...
    def revoke_job(self, job_id: str, *, at: dt.datetime, by: str) -> None: ...
    def jobs(self) -> list[JobTokenRecord]: ...


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
    """The card refunds Facet asked Stripe for (persistence/card_refunds.py)."""

    def record(self, *, refund_id: str, payment_intent_id: str, amount_cents: int, currency: str, status: str,
               failure_reason: str | None, card_brand: str | None, card_last4: str | None, reason: str,
               terminal: str, staff_id: str | None, sale_id: str | None = None,
               checkout_id: str | None = None) -> str: ...
    def unsettled(self) -> list[CardRefundRow]: ...
    def needing_attention(self) -> list[CardRefundRow]: ...
    def get(self, row_id: str) -> CardRefundRow | None: ...
    def set_status(self, refund_id: str, status: str, failure_reason: str | None, *, at: dt.datetime) -> None: ...
    def mark_handled(self, row_id: str, *, by: str | None, how: str, at: dt.datetime) -> None: ...


class UnitOfWork(Protocol):
    """One transaction. `with uow:` opens it; leaving without `commit()` rolls back."""

    store: StoreRepository
    settings: SettingsRepository
    staff: StaffRepository
    items: ItemRepository
    photos: PhotoRepository
    stock: StockLedger
    counts: CountRepository
    customers: CustomerRepository
    sales: SalesRepository
    counter: CounterRepository
    certificates: CertificateRepository
    appraisals: AppraisalRepository
    privacy: PrivacyRequestRepository
    erasure: ErasureRepository
    access: AccessRepository
    card_refunds: CardRefundRepository
    audit: AuditLog

    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...
    def commit(self) -> None: ...
    def reading(self) -> AbstractContextManager[Self]:
        """The repositories on a read-only transaction: no write lock, one snapshot, always rolled back."""
        ...


class InventoryReader(Protocol):
    """Read-only queries behind list screens: plain rows, no transaction held."""

    def item_seqs(self, flt: InventoryFilter, sort: str = "sku", descending: bool = False) -> list[int]: ...
    def page_seqs(self, flt: InventoryFilter, sort: str, descending: bool, offset: int, limit: int) -> list[int]: ...
    def rows(self, seqs: Sequence[int]) -> list[ItemRow]: ...
    def search(self, text: str, limit: int) -> list[ItemRow]: ...
    def lookup_code(self, code: str) -> ItemRow | None: ...
    def count(self, flt: InventoryFilter) -> int: ...
    def history(self, item_id: str) -> list[Movement]: ...
    def low_stock(self) -> list[LowStockRow]: ...
    def aging(self, today: dt.date, min_days: int = 0, limit: int = 1000) -> list[AgingRow]: ...
    def aging_buckets(self, today: dt.date, edges: Sequence[int] = (90, 180, 365)) -> list[AgingBucket]: ...
    def iter_specs(self) -> Iterator[tuple[ItemSpec, int]]: ...
    def expected_at(self, location: str, as_of: dt.datetime | None = None) -> list[ItemRow]: ...
    def rows_as_of(self, item_ids: Sequence[str], as_of: dt.datetime) -> list[ItemRow]: ...
    def rows_by_ids(self, item_ids: Sequence[str]) -> list[ItemRow]: ...
    def count_record(self, count_id: str) -> CountRecord | None: ...
    def open_count_ids(self) -> list[str]: ...


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


class DirectoryReader(Protocol):
    def staff_list(self) -> list[StaffRecord]: ...
    def staff_member(self, staff_id: str) -> StaffRecord | None: ...
    def store(self) -> StoreProfile | None: ...
    def setting(self, key: str, default: Any = None) -> Any: ...
    def counts(self) -> StoreCounts: ...


@dataclass(frozen=True)
class StaffSecurityRow:
    """One line of the owner's Staff tab: who, and how they sign in now."""

    id: str
    name: str
    role: Role
    two_step: bool
    recovery_codes_left: int
    failed_attempts: int
    locked_until: dt.datetime | None
    active: bool = True
    must_change_secret: bool = False  # a temporary PIN or password: a new one is chosen at the next sign-in
    credentials: str = ""
    # The store's `security.two_step_roles` requires two-step sign-in of this role (filled by the services
    # that list staff, `staff.staff_list` and `two_step.staff_overview`).
    two_step_required: bool = False


class StaffSecurityReader(Protocol):
    def staff_security(self, *, include_inactive: bool = False) -> list[StaffSecurityRow]: ...


class StoreFile(Protocol):
    """The store's file itself: copied while in use, encrypted."""

    def backup_to(self, dest: Path, *, passphrase: str | None = None) -> Path: ...
    def scrub(self) -> bool: ...
    def compact(self) -> int: ...
    def rekey(self, new_key_hex: str) -> None: ...


@dataclass(frozen=True)
class RegisteredReader:
    reader_id: str
    label: str
    device_type: str


class ReaderRegistry(Protocol):
    """Stripe Terminal's reader registration: pairs a reader by the code its screen shows. Network: off the GUI
    thread."""

    def register_reader(self, registration_code: str, *, label: str, location: str | None) -> RegisteredReader: ...


class PaymentKeys(Protocol):
    """Where the card processor's secret key is kept (the keyring; never the store or a file)."""

    def store_stripe_key(self, key: str) -> None: ...
    def stripe_key(self) -> str | None: ...


class StoreKeyring(Protocol):
    """Where the store's database key is kept: a new key is staged before the file changes, promoted after."""

    def stage(self, new_key: str) -> None: ...
    def promote(self, new_key: str) -> None: ...
    def changing(self) -> AbstractContextManager[None]: ...


# ---------------------------------------------------------------- devices and secrets


class SecretHasher(Protocol):
    """Hashes PINs and passwords (argon2id); `verify` never raises on a mismatch."""

    def hash(self, secret: str) -> str: ...
    def verify(self, hashed: str, secret: str) -> bool: ...
    def needs_rehash(self, hashed: str) -> bool: ...


class DeviceUnavailable(UserFacingError):
    """A device or service outside Facet (receipt printer, Stripe, card reader) did not answer.

    Its message says what to check. For a card payment it also means "the
    outcome is not known yet": the payment stays pending and is reconciled
    with Stripe, never charged again.
    """


@dataclass(frozen=True)
class CardOutcome:
    """Where a card payment stands, as Stripe reports it.

    `state` is Facet's reading of Stripe's status: `pending` (the reader is
    waiting for a card, or Stripe is processing), `succeeded` (captured: the
    money is the store's), `failed` (declined or the reader gave up; the
    PaymentIntent can be tried again with another card) or `canceled`.
    Only the brand and last four digits of the card are ever kept.
    """

    payment_intent_id: str | None  # None: Stripe refused to make one (nothing can be charged)
    state: str  # pending | succeeded | failed | canceled
    stripe_status: str
    amount_cents: int
    card_brand: str | None = None
    card_last4: str | None = None
    message: str | None = None  # for the clerk: "Card declined: insufficient funds"
    receipt: EmvReceipt | None = None  # the chip receipt fields of a succeeded card-present payment


@dataclass(frozen=True)
class RefundOutcome:
    """A refund as Stripe reports it. `pending` is not done: the card network may still refuse it, so
    Facet asks again (`CardTerminal.refund_status`) until it is `succeeded` or `failed`/`canceled`."""

    refund_id: str
    status: str  # succeeded | pending | failed | canceled | requires_action
    amount_cents: int
    failure_reason: str | None = None  # Stripe's code when failed: expired_or_canceled_card, lost_or_stolen_card...


class PaymentRefused(UserFacingError):
    """Stripe refused the request itself (not the card's bank): too small or too large an amount, a
    parameter this API version does not take, a key reused. Nothing was charged or refunded by it,
    so the attempt can be dropped; the message says what the clerk can do instead."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class CardTerminal(Protocol):
    """A Stripe Terminal reader driven from the server side (adapters/card_terminal.py).

    Every call that creates or changes money at Stripe carries an idempotency
    key derived from `key`, so a retry after a timeout never charges twice.
    """

    @property
    def test_mode(self) -> bool: ...
    def begin(self, *, key: str, amount_cents: int, currency: str, description: str,
              metadata: dict[str, str]) -> CardOutcome: ...
    def status(self, payment_intent_id: str, *, key: str) -> CardOutcome: ...
    def cancel(self, payment_intent_id: str) -> CardOutcome: ...
    def simulate_tap(self, card_number: str = "4242424242424242") -> None: ...
    def refund(self, payment_intent_id: str, amount_cents: int, *, key: str) -> RefundOutcome: ...
    def refund_status(self, refund_id: str) -> RefundOutcome: ...


class ReceiptPrinter(Protocol):
    """An ESC/POS receipt printer (adapters/receipt_printer.py); raises DeviceUnavailable."""

    @property
    def columns(self) -> int: ...
    def send(self, data: bytes) -> None: ...


# ---------------------------------------------------------------- certificates


@dataclass(frozen=True)
class CertificateRow:
    id: str
    lab: str
    report_number: str
    report_date: dt.date | None
    shape: str | None
    carat_points: int | None
    color: str | None
    clarity: str | None
    origin: str | None
    item_id: str | None
    item_sku: str | None
    has_customer: bool
    has_scan: bool
    retain_until: dt.date | None
    recorded_at: dt.datetime | None = None  # when it was entered in Facet (UTC)


@dataclass(frozen=True)
class DuplicateReport:
    """The same lab and report number on more than one piece: a fraud signal."""

    lab: str
    report_number: str
    certificates: tuple[CertificateRow, ...]


@dataclass(frozen=True)
class CertificateRecord:
    """One lab report as recorded, with its scan (for the appraisal's certificate summary page)."""

    id: str
    lab: str
    report_number: str
    report_date: dt.date | None
    shape: str | None
    carat_points: int | None
    color: str | None
    clarity: str | None
    cut: str | None
    polish: str | None
    symmetry: str | None
    fluorescence: str | None
    measurements: str | None
    inscription: str | None
    origin: str | None
    item_id: str | None
    customer_id: str | None
    scan_mime_type: str | None
    scan: bytes | None


class CertificateRepository(Protocol):
    def add(self, values: dict[str, Any]) -> str: ...
    def get(self, certificate_id: str) -> CertificateRecord | None: ...
    def same_report(self, lab: str, report_number: str) -> list[tuple[str, str | None, str | None]]: ...
    def set_scan(self, certificate_id: str, scan: bytes, mime_type: str) -> None: ...


class CertificateReader(Protocol):
    def certificates(self, *, search: str = "", limit: int = 500,
                     duplicates_only: bool = False) -> list[CertificateRow]: ...
    def duplicates(self) -> list[DuplicateReport]: ...


# ---------------------------------------------------------------- appraisals


@dataclass(frozen=True)
class AppraisalRecord:
    id: str
    number: str
    version: int
    supersedes_id: str | None
    status: str  # draft | final
    spec: Any  # domain.appraisals.AppraisalSpec
    item_id: str | None
    owner_customer_id: str | None
    appraiser_id: str | None
    currency: str
    finalized_at: dt.datetime | None
    retain_until: dt.date | None
    created_at: dt.datetime
    sale_id: str | None = None
    photos: tuple[AppraisalPhotoRef, ...] = ()
    seal: str | None = None  # the verification hash frozen when the owner was erased


@dataclass(frozen=True)
class AppraisalPhotoRef:
    """A photo of an appraisal without its bytes: the digest is what the verification hash covers."""

    id: str
    mime_type: str
    sha256: str
    size: int


@dataclass(frozen=True)
class ItemStoneRow:
    role: str
    shape: str | None
    count: int
    carat_points: int | None
    color: str | None
    clarity: str | None
    certificate_id: str | None


class AppraisalRepository(Protocol):
    def next_number(self, year: int) -> int: ...
    def add(self, *, number: str, version: int, supersedes_id: str | None, spec: Any, item_id: str | None,
            owner_customer_id: str | None, appraiser_id: str | None, currency: str,
            sale_id: str | None = None, at: dt.datetime | None = None) -> str: ...
    def get(self, appraisal_id: str) -> AppraisalRecord | None: ...
    def latest_version(self, number: str) -> int: ...
    def by_number(self, number: str, version: int) -> str | None: ...
    def replace_draft(self, appraisal_id: str, spec: Any, *, item_id: str | None,
                      owner_customer_id: str | None) -> None: ...
    def finalize(self, appraisal_id: str, *, at: dt.datetime, retain_until: dt.date,
                 appraiser_id: str | None = None) -> None: ...
    def erase_expired(self, today: dt.date) -> tuple[int, int]: ...
    def photo_data(self, appraisal_id: str) -> list[bytes]: ...
    def photo(self, photo_id: str) -> tuple[str, str, bytes] | None: ...
    def add_photo(self, appraisal_id: str, data: bytes, mime_type: str) -> str: ...
    def remove_photo(self, photo_id: str) -> None: ...
    def copy_photos(self, from_id: str, to_id: str) -> None: ...
    def item_stones(self, item_id: str) -> list[ItemStoneRow]: ...
    def item_photos(self, item_id: str, limit: int) -> list[tuple[bytes, str]]: ...
    def item_certificate(self, item_id: str, lab: str | None, number: str | None) -> str | None: ...
    def for_sale(self, sale_id: str) -> dict[str, str]: ...
    def item_sku(self, item_id: str) -> str | None: ...


@dataclass(frozen=True)
class AppraisalRow:
    id: str
    number: str
    version: int
    status: str
    superseded: bool
    purpose: str
    appraised_on: dt.date
    value_cents: int | None
    currency: str
    item_sku: str | None
    has_owner: bool
    appraiser: str
    owner_name: str = ""  # the customer's name ("" for the store's own stock or an erased customer)


class AppraisalReader(Protocol):
    def appraisals(self, *, search: str = "", drafts_only: bool = False, limit: int = 500,
                   offset: int = 0) -> list[AppraisalRow]: ...
    def drafts_waiting(self) -> int: ...
    # The appraisals screen:
    def count(self, *, search: str = "", drafts_only: bool = False) -> int: ...
    def versions(self, number: str) -> list[AppraisalVersionRow]: ...
    def certificate_numbers(self, certificate_ids: Sequence[str]) -> dict[str, str]: ...
    def certificates_numbered(self, report_number: str) -> list[tuple[str, str, str | None]]: ...


@dataclass(frozen=True)
class AppraisalVersionRow:
    """One version of an appraisal number, for the versions list: who made it and when."""

    id: str
    number: str
    version: int
    status: str  # draft | final
    made_by: str  # the appraiser's name ("" if none)
    created_at: dt.datetime  # UTC
    finalized_at: dt.datetime | None  # UTC
    value_cents: int | None
    currency: str
    current: bool  # the latest version; an earlier one is superseded by it


# ---------------------------------------------------------------- privacy requests


@dataclass(frozen=True)
class PrivacyRequestRecord:
    """One privacy request as stored (values as the domain enums' `value`s)."""

    id: str
    customer_id: str | None
    type: str
    channel: str
    received_on: dt.date
    due_on: dt.date
    extension_reason: str | None
    customer_told_on: dt.date | None
    verification_method: str | None
    verified_by: str | None
    verified_at: dt.datetime | None
    status: str
    outcome: str | None
    completed_at: dt.datetime | None


@dataclass(frozen=True)
class PrivacyRequestRow:
    """One line of the privacy desk's list. `customer_name` is None once the customer is erased."""

    id: str
    customer_id: str | None
    customer_name: str | None
    type: str
    channel: str
    received_on: dt.date
    due_on: dt.date
    extended: bool
    status: str
    verification_method: str | None
    verified_by: str | None  # the staff member's name
    completed_at: dt.datetime | None
    days_left: int  # until due_on; negative when overdue (meaningful while the request is open)


class PrivacyRequestRepository(Protocol):
    def add(self, *, customer_id: str, type: str, channel: str, received_on: dt.date, due_on: dt.date) -> str: ...
    def get(self, request_id: str) -> PrivacyRequestRecord | None: ...
    def set_verification(self, request_id: str, *, method: str, staff_id: str, at: dt.datetime) -> None: ...
    def extend(self, request_id: str, *, due_on: dt.date, reason: str, told_on: dt.date) -> None: ...
    def close(self, request_id: str, *, status: str, outcome: str, at: dt.datetime) -> None: ...
    def set_export_sha256(self, request_id: str, sha256: str, path: str | None = None) -> None: ...
    def export_of(self, request_id: str) -> ExportRef | None: ...
    def forget_export_file(self, request_id: str) -> None: ...


@dataclass(frozen=True)
class AccessRow:
    """One audit event that read or changed a customer's record (no personal value in it)."""

    at: dt.datetime
    staff: str
    role: str
    terminal: str
    action: str
    customer_id: str


@dataclass(frozen=True)
class AffectedRow:
    """A customer whose record was read or changed in a window, for a breach notification."""

    customer_id: str
    events: int
    last_at: dt.datetime
    name: str  # "" once erased
    email: str | None
    phone: str | None
    erased: bool


class PrivacyReader(Protocol):
    def requests(self, *, today: dt.date, due_within_days: int | None = None,
                 include_closed: bool = False, limit: int = 1000) -> list[PrivacyRequestRow]: ...
    def access_log(self, customer_id: str) -> list[AccessRow]: ...
    def affected(self, since: dt.datetime, until: dt.datetime) -> list[AffectedRow]: ...


class CustomerDataReader(Protocol):
    """One customer's data for the privacy export, read in batches (persistence/privacy_export_queries.py)."""

    def customer(self, customer_id: str) -> dict[str, Any] | None: ...
    def count(self, category: str, customer_id: str) -> int: ...
    def batches(self, category: str, customer_id: str, batch: int = 500) -> Iterator[list[dict[str, Any]]]: ...
    def appraisal_photo(self, photo_id: str) -> bytes | None: ...
    def certificate_scan(self, certificate_id: str) -> bytes | None: ...
    def file_count(self, customer_id: str) -> int: ...


class AuditTrail(Protocol):
    """Reading the audit trail: the chain check and searches (persistence/audit_queries.py)."""

    def verify_chain(self, cancelled: Callable[[], bool] | None = None) -> ChainReport: ...
    def count(self, f: AuditFilter) -> int: ...
    def page(self, f: AuditFilter, offset: int, limit: int) -> list[AuditRow]: ...
    def rows(self, f: AuditFilter) -> Iterator[AuditRow]: ...
    def flags(self, since: dt.datetime, *, lock_after: int) -> list[Flag]: ...
