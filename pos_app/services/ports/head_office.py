"""Head office: reports across the stores of a sync group, read from central."""

from __future__ import annotations

import datetime as dt
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


class HeadOfficeReader(Protocol):
    """Central's shared record of every store, read with the group owner's administrator login."""

    def sales_by_store_day(self, first: dt.date, last: dt.date) -> list[StoreDaySales]: ...
