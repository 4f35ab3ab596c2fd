"""Head office: reports across the stores of a sync group, read from central."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class StoreDaySales:
    """One store's completed sales of one day, the day in that store's own time zone."""

    store_code: str
    store_name: str
    timezone: str
    day: dt.date
    sales: int  # sales and exchanges
    returns: int  # return-only receipts
    net_cents: int  # what was charged before tax, less what returns gave back
    tax_cents: int
    total_cents: int
    currency: str


@dataclass(frozen=True)
class StoreLowStock:
    """A counted item whose units on hand at one store are at or below its reorder point."""

    store_code: str
    store_name: str
    sku: str
    title: str
    on_hand: int  # at this store
    in_transit: int  # sent to this store by another, not checked in yet
    reorder_point: int


@dataclass(frozen=True)
class StoreAging:
    """One store's stock on hand in one age bracket (days since each item was received, on the store's own day)."""

    store_code: str
    store_name: str
    bracket: int  # 0 = the youngest, as `age_brackets` numbers them
    age: str  # the bracket as a person reads it: "0–90 days", ..., "over 365 days"
    units: int
    retail_cents: int  # price x units on hand
    currency: str  # the items' currency ('' when the store holds nothing in this bracket and has no record)


@dataclass(frozen=True)
class GroupCertificate:
    """One certificate of a lab report number recorded more than once in the group, and the piece it is on."""

    lab: str
    report_number: str
    store_code: str  # the store the piece belongs to; for a certificate on no piece, the store that recorded it
    store_name: str
    sku: str  # '' when the certificate is on no piece of stock (a customer's stone, an appraisal)
    title: str


def age_brackets(edges: Sequence[int]) -> list[str]:
    """The brackets `edges` (ascending days, such as 90, 180, 365) make, youngest first: "0–90 days",
    "91–180 days", ..., "over 365 days" (one more bracket than edges)."""
    return ([f"0–{edges[0]} days"] + [f"{a + 1}–{b} days" for a, b in zip(edges, edges[1:])]
            + [f"over {edges[-1]} days"])


class HeadOfficeReader(Protocol):
    """Central's shared record of every store, read with the group owner's administrator login."""

    def sales_by_store_day(self, first: dt.date, last: dt.date) -> list[StoreDaySales]: ...

    def low_stock_by_store(self) -> list[StoreLowStock]:
        """Counted items at or below their reorder point at a store, by store code, then how far below
        (on hand less reorder point), then SKU."""
        ...

    def aging_by_store(self, at: dt.datetime, edges: Sequence[int]) -> list[StoreAging]:
        """Every store of the group, each bracket of `edges` (zeros included), as of `at` (each store's day)."""
        ...

    def duplicate_certificates(self) -> list[GroupCertificate]:
        """The certificates of every lab and report number recorded more than once, by lab, number, store, SKU."""
        ...
