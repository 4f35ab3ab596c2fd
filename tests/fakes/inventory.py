"""Items, their photos and the stock ledger, in memory, with the database's own refusals.

The real store refuses a second item with a SKU or barcode already used (unique
indexes), a ledger line that would take an item below zero on hand (trigger,
`NotEnoughStock`), and a unique piece marked sold once it is no longer available
(conditional UPDATE, `ItemAlreadySold`, see `FakeCounterRepository`). These fakes
raise the same errors, and `tests/unit/services/test_fake_contracts.py` runs the
same assertions against them and the SQLite repositories.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence

from pos_app.domain.errors import NotEnoughStock, ValidationError
from pos_app.domain.items import ItemSpec
from pos_app.domain.jewelry import ItemStatus
from pos_app.domain.permissions import Actor
from pos_app.services.ports.inventory import ItemRecord, PhotoRecord
from tests.fakes.state import FakeState, ItemRow, MoveRow, new_id, utcnow


class FakeItemRepository:
    """`ItemRepository`: items by id, SKU and barcode; on hand is the ledger's sum."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def _record(self, row: ItemRow | None) -> ItemRecord | None:
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
        self._state.items[item_id] = ItemRow(item_id, seq, spec, now, now)
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
               reference: str | None = None, at: dt.datetime | None = None) -> None:
        self._append(item_id, kind, quantity, reason, reference, actor, at)

    def record_many(self, moves: Sequence[tuple[str, str, int, str]], *, actor: Actor) -> None:
        for item_id, kind, quantity, reason in moves:
            self._append(item_id, kind, quantity, reason, None, actor, None)

    def on_hand(self, item_id: str) -> int:
        return self._state.on_hand(item_id)
