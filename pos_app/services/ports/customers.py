"""Customers and their consents: records, the repository and the reader."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from pos_app.services.ports.privacy import PrivacyRequestRow


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
class CustomerHit:
    id: str
    name: str
    email: str | None
    phone: str | None
    restricted: bool


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
