"""Items, photos, the stock ledger and counts: records, repositories and the inventory reader."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from pos_app.domain.items import ItemSpec
from pos_app.domain.permissions import Actor


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
    # The code of the piece's home store (S2) when this store is in a sync group; None otherwise.
    store_code: str | None = None
    # Units of a counted item sent here by another store of the group and not checked in yet.
    in_transit: int = 0


@dataclass(frozen=True)
class Movement:
    at: dt.datetime
    kind: str
    quantity: int
    reason: str
    reference: str | None
    staff_name: str | None
    terminal: str
    store_code: str = ""  # the store whose stock it changed (S2), in a sync group


@dataclass(frozen=True)
class PhotoRecord:
    id: str
    item_id: str
    position: int
    mime_type: str
    data: bytes


# `InventoryFilter.store`: the pieces whose home is this store (in a sync group, another store's pieces are
# listed too: a clerk can find a necklace at another store).
THIS_STORE = "here"


@dataclass(frozen=True)
class InventoryFilter:
    """What the inventory list shows: search text and filters, all optional.

    `store`: "" every store's pieces; `THIS_STORE` this store's own; else a store id of the sync group."""

    text: str = ""
    styles: tuple[str, ...] = ()
    metals: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    in_stock_only: bool = False
    store: str = ""


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
class GroupStore:
    """A store of this store's sync group, as central last listed it."""

    id: str
    code: str
    name: str
    here: bool  # this store


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
    def group_stores(self) -> list[GroupStore]: ...
    def home_store(self, item_id: str) -> str | None: ...
    def send_to_store(self, item_id: str, store_id: str) -> bool: ...
    def take_in_transfer(self, item_id: str) -> bool: ...


class PhotoRepository(Protocol):
    def add(self, item_id: str, data: bytes, mime_type: str) -> str: ...
    def remove(self, photo_id: str) -> str | None: ...
    def for_item(self, item_id: str) -> list[PhotoRecord]: ...


@dataclass(frozen=True)
class StoreStock:
    """An item's units at one store of the group: on hand, and sent to it but not yet checked in."""

    store_id: str
    code: str  # S1, S2 ... (empty outside a group)
    name: str
    here: bool  # this store
    on_hand: int
    in_transit: int


class StockLedger(Protocol):
    def record(self, item_id: str, kind: str, quantity: int, *, actor: Actor, reason: str = "",
               reference: str | None = None, at: dt.datetime | None = None,
               store_id: str | None = None) -> None: ...
    def record_many(self, moves: Sequence[tuple[str, str, int, str]], *, actor: Actor,
                    at: Sequence[dt.datetime] | None = None) -> None:
        """Ledger lines (item id, kind, quantity, reason) in one statement; `at` dates each, in order (the
        demo's history; default now). Written in the order given: the stock guard sees that order."""
        ...
    def on_hand(self, item_id: str) -> int: ...
    def transfer_origin(self, item_id: str) -> str | None: ...
    def in_transit_here(self, item_id: str) -> int: ...
    def by_store(self, item_id: str) -> list[StoreStock]: ...


class CountRepository(Protocol):
    def start(self, location: str, actor: Actor) -> str: ...
    def get(self, count_id: str) -> CountRecord | None: ...
    def add_scan(self, count_id: str, code: str, item_id: str | None) -> None: ...
    def remove_last_scan(self, count_id: str) -> CountScanRow | None: ...
    def close(self, count_id: str, status: str, actor: Actor) -> None: ...


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
