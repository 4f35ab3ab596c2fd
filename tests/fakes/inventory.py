"""Items, their photos and the stock ledger, in memory, with the database's own refusals.

The real store refuses a second item with a SKU or barcode already used (unique
indexes), a ledger line that would take an item below zero on hand (trigger,
`NotEnoughStock`), and a unique piece marked sold once it is no longer available
(conditional UPDATE, `ItemAlreadySold`, see `FakeCounterRepository`). These fakes
raise the same errors, and `tests/integration/test_fake_contracts.py` runs the
same assertions against them and the SQLite repositories.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence

from pos_app.domain.errors import NotEnoughStock, ValidationError
from pos_app.domain.items import ItemSpec
from pos_app.domain.jewelry import ItemStatus
from pos_app.domain.permissions import Actor
from pos_app.services.ports.inventory import (
    THIS_STORE,
    AgingBucket,
    AgingRow,
    CountRecord,
    CountScanRow,
    GroupStore,
    InventoryFilter,
    ItemRecord,
    ItemRow,
    LowStockRow,
    Movement,
    PhotoRecord,
    StoreStock,
)
from tests.fakes.state import FakeState, MoveRow, StoredItem, new_id, utcnow


class FakeItemRepository:
    """`ItemRepository`: items by id, SKU and barcode; on hand is the ledger's sum."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def _record(self, row: StoredItem | None) -> ItemRecord | None:
        if row is None:
            return None
        return ItemRecord(id=row.id, seq=row.seq, spec=row.spec, on_hand=self._state.on_hand(row.id),
                          created_at=row.created_at, updated_at=row.updated_at)

    def _check_unique(self, spec: ItemSpec, item_id: str | None) -> None:
        for row in self._state.items.values():
            if row.id == item_id:
                continue
            if row.spec.sku == spec.sku:
                raise ValidationError("sku", f"{spec.sku} is already used by another item")
            if spec.barcode and row.spec.barcode == spec.barcode:
                raise ValidationError("barcode", f"{spec.barcode} is already on another item")

    def get(self, item_id: str) -> ItemRecord | None:
        return self._record(self._state.items.get(item_id))

    def by_sku(self, sku: str) -> ItemRecord | None:
        return self._record(next((r for r in self._state.items.values() if r.spec.sku == sku), None))

    def id_for_barcode(self, barcode: str) -> str | None:
        return next((r.id for r in self._state.items.values() if r.spec.barcode == barcode), None)

    def add(self, spec: ItemSpec) -> str:
        self._check_unique(spec, None)
        item_id, now = new_id("item"), utcnow()
        seq = max((r.seq for r in self._state.items.values()), default=0) + 1
        self._state.items[item_id] = StoredItem(item_id, seq, spec, now, now)
        return item_id

    def add_many(self, specs: Sequence[ItemSpec]) -> list[str]:
        return [self.add(spec) for spec in specs]

    def update(self, item_id: str, spec: ItemSpec) -> None:
        self._check_unique(spec, item_id)
        row = self._state.items[item_id]
        row.spec, row.updated_at = spec, utcnow()

    def set_status(self, item_id: str, status: str) -> None:
        row = self._state.items[item_id]
        row.spec, row.updated_at = dataclasses.replace(row.spec, status=ItemStatus.of(status)), utcnow()

    def get_many(self, item_ids: Sequence[str]) -> list[ItemRecord]:
        return [r for r in (self.get(i) for i in item_ids) if r is not None]

    def by_skus(self, skus: Iterable[str]) -> dict[str, ItemRecord]:
        return {r.spec.sku: r for r in (self.by_sku(s) for s in skus) if r is not None}

    def barcode_owners(self, barcodes: Iterable[str]) -> dict[str, str]:
        wanted = set(barcodes)
        return {r.spec.barcode: r.id for r in self._state.items.values() if r.spec.barcode in wanted
                and r.spec.barcode is not None}

    def update_many(self, changes: Sequence[tuple[str, ItemSpec]]) -> None:
        for item_id, spec in changes:
            self.update(item_id, spec)

    # A fake store is in no sync group: every piece is its own, there is no store to send one to.
    def group_stores(self) -> list[GroupStore]:
        return []

    def home_store(self, item_id: str) -> str | None:
        return None

    def send_to_store(self, item_id: str, store_id: str) -> bool:
        raise ValidationError("store", "this store is in no sync group")

    def take_in_transfer(self, item_id: str) -> bool:
        return False


class FakePhotoRepository:
    """`PhotoRepository`: photos of an item in the order they were added."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def add(self, item_id: str, data: bytes, mime_type: str) -> str:
        position = 1 + max((p for i, p, _, _ in self._state.photos.values() if i == item_id), default=-1)
        photo_id = new_id("photo")
        self._state.photos[photo_id] = (item_id, position, mime_type, data)
        return photo_id

    def remove(self, photo_id: str) -> str | None:
        found = self._state.photos.pop(photo_id, None)
        return None if found is None else found[0]

    def for_item(self, item_id: str) -> list[PhotoRecord]:
        rows = sorted((p, photo_id, mime, data) for photo_id, (i, p, mime, data) in self._state.photos.items()
                      if i == item_id)
        return [PhotoRecord(photo_id, item_id, p, mime, data) for p, photo_id, mime, data in rows]


class FakeStockLedger:
    """`StockLedger`: appended lines only; a line taking on hand below zero raises `NotEnoughStock`."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def _append(self, item_id: str, kind: str, quantity: int, reason: str, reference: str | None, actor: Actor,
                at: dt.datetime | None) -> None:
        row = self._state.items[item_id]  # the ledger's foreign key: no line for an item that does not exist
        on_hand = self._state.on_hand(item_id)
        if on_hand + quantity < 0:
            raise NotEnoughStock(row.spec.sku, on_hand, -quantity)
        self._state.moves.append(MoveRow(item_id, kind, quantity, reason, reference, actor.staff_id,
                                         actor.terminal, at or utcnow()))

    def record(self, item_id: str, kind: str, quantity: int, *, actor: Actor, reason: str = "",
               reference: str | None = None, at: dt.datetime | None = None, store_id: str | None = None) -> None:
        if store_id is not None:  # the fake store is in no sync group: there is no other store's stock
            raise ValueError("the fake store has no other store to record stock for")
        self._append(item_id, kind, quantity, reason, reference, actor, at)

    def record_many(self, moves: Sequence[tuple[str, str, int, str]], *, actor: Actor,
                    at: Sequence[dt.datetime] | None = None) -> None:
        moments = list(at) if at is not None else [None] * len(moves)
        for (item_id, kind, quantity, reason), moment in zip(moves, moments, strict=True):
            self._append(item_id, kind, quantity, reason, None, actor, moment)

    def on_hand(self, item_id: str) -> int:
        return self._state.on_hand(item_id)

    def transfer_origin(self, item_id: str) -> str | None:
        return None

    def in_transit_here(self, item_id: str) -> int:
        return 0

    def by_store(self, item_id: str) -> list[StoreStock]:
        return [StoreStock(store_id="", code="", name="", here=True, on_hand=self._state.on_hand(item_id),
                           in_transit=0)]


class FakeCountRepository:
    """`CountRepository`: a stock count of one location and its scans, oldest first."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def start(self, location: str, actor: Actor) -> str:
        count_id = new_id("count")
        self._state.counts[count_id] = {"location": location, "status": "open", "started_at": utcnow(),
                                        "started_by": actor.staff_id}
        return count_id

    def get(self, count_id: str) -> CountRecord | None:
        head = self._state.counts.get(count_id)
        if head is None:
            return None
        scans = tuple(CountScanRow(code, item_id, quantity, at)
                      for c, code, item_id, quantity, at in self._state.count_scans if c == count_id)
        return CountRecord(id=count_id, location=head["location"], status=head["status"],
                           started_at=head["started_at"], scans=scans)

    def add_scan(self, count_id: str, code: str, item_id: str | None) -> None:
        self._state.counts[count_id]  # noqa: B018 - the scan's foreign key
        self._state.count_scans.append((count_id, code, item_id, 1, utcnow()))

    def remove_last_scan(self, count_id: str) -> CountScanRow | None:
        for n in range(len(self._state.count_scans) - 1, -1, -1):
            c, code, item_id, quantity, at = self._state.count_scans[n]
            if c == count_id:
                del self._state.count_scans[n]
                return CountScanRow(code, item_id, quantity, at)
        return None

    def close(self, count_id: str, status: str, actor: Actor) -> None:
        self._state.counts[count_id].update(status=status, posted_by=actor.staff_id, posted_at=utcnow())


_SORTS = {"sku": "sku", "title": "title", "style": "style", "metal": "metal", "price": "price_cents",
          "cost": "cost_cents", "status": "status", "location": "location", "on_hand": "on_hand",
          "received_on": "received_on", "cert_number": "cert_number", "barcode": "barcode", "tracking": "tracking"}


class FakeInventoryReader:
    """`InventoryReader` over the fake state: the list's filters, sorts and pages, the scanner's lookup.

    Search text matches as the store's full-text index does for plain words: every word typed starts
    a word of the SKU, title, barcode, certificate number or description (case ignored).
    """

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def _row(self, item_id: str, as_of: dt.datetime | None = None) -> ItemRow:
        r = self._state.items[item_id]
        s = r.spec
        return ItemRow(seq=r.seq, id=r.id, sku=s.sku, barcode=s.barcode, title=s.title, style=s.style.value,
                       metal=s.metal.value, price_cents=s.price.cents, cost_cents=s.cost.cents if s.cost else None,
                       currency=s.price.currency, status=s.status.value, location=s.location,
                       tracking=s.tracking.value, on_hand=self._state.on_hand(item_id, as_of),
                       received_on=s.received_on, cert_number=s.cert_number)

    def _all(self) -> list[ItemRow]:
        return [self._row(i) for i in self._state.items]

    @staticmethod
    def _matches(row: ItemRow, spec: ItemSpec, text: str) -> bool:
        words = re.findall(r"\w+", " ".join(filter(None, (row.sku, row.title, row.barcode, row.cert_number,
                                                            spec.description))).casefold())
        return all(any(w.startswith(term) for w in words) for term in re.findall(r"\w+", text.casefold()))

    def _filtered(self, flt: InventoryFilter) -> list[ItemRow]:
        found = []
        for row in self._all():
            if flt.store and flt.store != THIS_STORE:
                continue  # in no group: every piece is this store's
            if flt.text.strip() and not self._matches(row, self._state.items[row.id].spec, flt.text):
                continue
            if any(values and value not in values for value, values in (
                    (row.style, flt.styles), (row.metal, flt.metals), (row.status, flt.statuses),
                    (row.location, flt.locations))):
                continue
            if flt.min_price_cents is not None and row.price_cents < flt.min_price_cents:
                continue
            if flt.max_price_cents is not None and row.price_cents > flt.max_price_cents:
                continue
            if flt.in_stock_only and row.on_hand <= 0:
                continue
            found.append(row)
        return found

    def item_seqs(self, flt: InventoryFilter, sort: str = "sku", descending: bool = False) -> list[int]:
        key = _SORTS.get(sort, "sku")

        def order(r: ItemRow) -> tuple[object, ...]:
            value = getattr(r, key)
            return (value is not None, value if value is not None else 0, r.sku, r.seq)  # NULL first, as SQLite

        return [r.seq for r in sorted(self._filtered(flt), key=order, reverse=descending)]

    def page_seqs(self, flt: InventoryFilter, sort: str, descending: bool, offset: int, limit: int) -> list[int]:
        return self.item_seqs(flt, sort, descending)[offset:offset + limit]

    def rows(self, seqs: Sequence[int]) -> list[ItemRow]:
        by_seq = {r.seq: r for r in self._all()}
        return [by_seq[s] for s in seqs if s in by_seq]

    def search(self, text: str, limit: int) -> list[ItemRow]:
        return sorted(self._filtered(InventoryFilter(text=text)), key=lambda r: (r.sku, r.seq))[:limit]

    def lookup_code(self, code: str) -> ItemRow | None:
        code = code.strip()
        rows = self._all()
        found = next((r for r in rows if r.barcode == code), None) or next((r for r in rows if r.sku == code), None)
        if found is not None:
            return found
        certified = sorted((r for r in rows if r.cert_number == code), key=lambda r: (r.status != "available", r.seq))
        return certified[0] if certified else None

    def count(self, flt: InventoryFilter) -> int:
        return len(self._filtered(flt))

    def history(self, item_id: str) -> list[Movement]:
        names = {sid: row.record.name for sid, row in self._state.staff.items()}
        moves = [m for m in self._state.moves if m.item_id == item_id]
        return [Movement(at=m.at, kind=m.kind, quantity=m.quantity, reason=m.reason, reference=m.reference,
                         staff_name=names.get(m.staff_id or ""), terminal=m.terminal) for m in reversed(moves)]

    def low_stock(self) -> list[LowStockRow]:
        rows = [(r, self._state.items[r.id].spec.reorder_point) for r in self._all() if r.tracking == "counted"]
        low = [LowStockRow(r, point) for r, point in rows if point is not None and r.on_hand <= point]
        return sorted(low, key=lambda x: (x.item.on_hand - x.reorder_point, x.item.sku))

    def aging(self, today: dt.date, min_days: int = 0, limit: int = 1000) -> list[AgingRow]:
        cutoff = today - dt.timedelta(days=min_days)
        rows = sorted((r for r in self._all() if r.received_on is not None and r.received_on <= cutoff
                       and r.on_hand > 0), key=lambda r: (r.received_on, r.sku, r.seq))
        return [AgingRow(r, (today - r.received_on).days) for r in rows[:limit] if r.received_on is not None]

    def aging_buckets(self, today: dt.date, edges: Sequence[int] = (90, 180, 365)) -> list[AgingBucket]:
        labels = [f"0–{edges[0]} days"] + [f"{a + 1}–{b} days" for a, b in zip(edges, edges[1:])] + [
            f"over {edges[-1]} days"]
        totals = [[0, 0, 0] for _ in labels]
        for r in self._all():
            if r.on_hand <= 0 or r.received_on is None:
                continue
            age = (today - r.received_on).days
            n = next((i for i, edge in enumerate(edges) if age <= edge), len(edges))
            totals[n][0] += r.on_hand
            totals[n][1] += r.price_cents * r.on_hand
            totals[n][2] += (r.cost_cents or 0) * r.on_hand
        return [AgingBucket(label, *t) for label, t in zip(labels, totals)]

    def iter_specs(self) -> Iterator[tuple[ItemSpec, int]]:
        for row in sorted(self._state.items.values(), key=lambda r: r.spec.sku):
            yield row.spec, self._state.on_hand(row.id)

    def expected_at(self, location: str, as_of: dt.datetime | None = None) -> list[ItemRow]:
        rows = [self._row(i, as_of) for i in self._state.items]
        return sorted((r for r in rows if r.location == location and r.on_hand > 0), key=lambda r: r.sku)

    def rows_as_of(self, item_ids: Sequence[str], as_of: dt.datetime) -> list[ItemRow]:
        return [self._row(i, as_of) for i in item_ids if i in self._state.items]

    def rows_by_ids(self, item_ids: Sequence[str]) -> list[ItemRow]:
        return [self._row(i) for i in item_ids if i in self._state.items]

    def count_record(self, count_id: str) -> CountRecord | None:
        return FakeCountRepository(self._state).get(count_id)

    def open_count_ids(self) -> list[str]:
        rows = [(head["started_at"], i) for i, head in self._state.counts.items() if head["status"] == "open"]
        return [i for _, i in sorted(rows)]
