"""Building the benchmark's store: the Jane Ellen demo, grown to N necklaces.

Setup, not a measured figure. The demo store is created with the app's own
`create_demo_facet` and its DEFAULT argon2 hasher, so a benchmark sign-in
costs what it costs a clerk. Items up to N are made by the demo's own
generator (`_Maker`: five styles, their title and description templates,
shapes, metals, GIA/IGI report numbers, lab-grown pieces, counted stock) and
written in bulk through `uow.items.add_many` + `uow.stock.record_many`, in
units of work of `BATCH` items. About a fifth of the unique pieces are sold
(a receive and a sale line in the ledger), as in a store with a few years of
history.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

from pos_app.domain.items import ItemSpec
from pos_app.domain.jewelry import ItemStatus, Style, Tracking
from pos_app.domain.permissions import Actor, Role

BATCH = 10_000
SOLD_SHARE = 0.2
COUNTED_SHARE = 0.1


def actor_for(facet, role: Role) -> Actor:  # type: ignore[no-untyped-def]
    staff = next(s for s in facet.store.directory.staff_list() if s.role is role)
    return Actor(staff_id=staff.id, name=staff.name, role=staff.role, terminal=facet.terminal)


class ItemMaker:
    """Endless varied necklaces with SKUs, barcodes and serials no demo item uses.

    SKU numbers start at `first_number` per style prefix (above the demo's),
    barcodes at `barcode_base`; the import's CSV uses another maker with
    `sku_prefix` and its own barcode range, so its rows are all new items.
    """

    def __init__(self, seed: int, *, first_number: int, barcode_base: int, sku_prefix: str = "") -> None:
        from pos_app.services import demo

        self.rng = random.Random(seed)
        self._maker = demo._Maker(demo.DemoCatalog.load(), self.rng, dt.date.today())
        for style in demo.DemoCatalog.load().data["styles"].values():
            self._maker.numbers[style["prefix"]] = first_number
        # The demo's barcode range holds ~14,000 codes; use our own, EAN-like, 13 digits.
        self._maker.barcodes = iter(range(barcode_base, barcode_base + 10**11, 3))
        self._prefix = sku_prefix
        self._styles = list(Style)

    def specs(self) -> Iterator[ItemSpec]:
        rng = self.rng
        n = 0
        while True:
            style = self._styles[n % len(self._styles)] if n % 7 else rng.choice(self._styles)
            n += 1
            counted = rng.random() < COUNTED_SHARE
            spec = self._maker.item(style, counted=counted)
            changes: dict[str, object] = {}
            if self._prefix:
                changes["sku"] = self._prefix + spec.sku
            if spec.serial:
                changes["serial"] = f"JE{n:07d}"
            if spec.tracking is Tracking.UNIQUE and spec.status is ItemStatus.AVAILABLE and rng.random() < SOLD_SHARE:
                changes["status"] = ItemStatus.SOLD
            yield dataclasses.replace(spec, **changes) if changes else spec


def grow_store(facet, target_items: int, *, seed: int = 100_000) -> int:  # type: ignore[no-untyped-def]
    """Add items until the store holds `target_items`; returns how many were added."""
    have = facet.store.directory.counts().items
    todo = max(0, target_items - have)
    if not todo:
        return 0
    manager = actor_for(facet, Role.MANAGER)
    specs = ItemMaker(seed, first_number=10_000, barcode_base=2_000_000_000_000).specs()
    added = 0
    while added < todo:
        batch = [next(specs) for _ in range(min(BATCH, todo - added))]
        with facet.uow() as uow:
            ids = uow.items.add_many(batch)
            moves: list[tuple[str, str, int, str]] = []
            for item_id, spec in zip(ids, batch):
                moves.append((item_id, "receive", spec.quantity, "received"))
                if spec.status is ItemStatus.SOLD:
                    moves.append((item_id, "sale", -1, "sold"))
            uow.stock.record_many(moves, actor=manager)
            uow.commit()
        added += len(batch)
    # No ANALYZE: the app never runs it, so the planner sees what a real store gives it.
    conn = facet.connection()
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return added


def csv_rows(count: int, *, seed: int = 7) -> list[dict[str, str]]:
    """`count` valid CSV rows (COLUMNS) of new items, SKUs prefixed 'N' (none exists)."""
    from pos_app.domain.items import item_fields

    specs = ItemMaker(seed, first_number=10_000, barcode_base=5_000_000_000_000, sku_prefix="N").specs()
    rows = []
    for _ in range(count):
        spec = next(specs)
        if spec.status is ItemStatus.SOLD:  # an import cannot receive a piece as sold
            spec = dataclasses.replace(spec, status=ItemStatus.AVAILABLE)
        rows.append(item_fields(spec))
    return rows


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    import csv

    from pos_app.domain.items import COLUMNS

    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([row[c] for c in COLUMNS])
