"""Items, their photos, the stock ledger and counts: storage ports over one Session.

Single changes go through the ORM (so the journal's flush hook sees them); the
bulk paths of an import use Core statements and tell the journal what they wrote.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import CursorResult, and_, bindparam, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pos_app.domain.errors import NotEnoughStock, StockConflict, ValidationError
from pos_app.domain.items import ItemSpec
from pos_app.domain.jewelry import (
    CertificateLab,
    Clarity,
    Cut,
    ItemStatus,
    Metal,
    Origin,
    Shape,
    Style,
    Tracking,
)
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor
from pos_app.persistence import stock_guard
from pos_app.persistence.journal import Journal
from pos_app.persistence.models import (
    Item,
    ItemPhoto,
    StockCount,
    StockCountScan,
    StockMovement,
    new_id,
    utcnow,
)
from pos_app.persistence.store_repo import _table
from pos_app.services.ports.inventory import (
    CountRecord,
    CountScanRow,
    GroupStore,
    ItemRecord,
    PhotoRecord,
    StoreStock,
)


def own_store(session: Session) -> str | None:
    """This store's id in its sync group (`sync_state.store_id`; set once the store has a profile)."""
    return session.execute(text("SELECT store_id FROM sync_state WHERE id = 1")).scalar()


def _opt(enum: Any, value: str | None) -> Any:
    return None if value is None else enum.of(value)


def spec_from_row(row: Any) -> ItemSpec:
    """An ItemSpec from an `items` row (ORM object or Core row), `quantity` left at its default."""
    return ItemSpec(
        sku=row.sku, barcode=row.barcode, style=Style.of(row.style), title=row.title,
        description=row.description, metal=Metal.of(row.metal),
        chain_length_tenths=row.chain_length_tenths, clasp=row.clasp,
        total_carat_points=row.total_carat_points, stone_count=row.stone_count,
        center_shape=_opt(Shape, row.center_shape), center_carat_points=row.center_carat_points,
        center_color=row.center_color, center_clarity=_opt(Clarity, row.center_clarity),
        center_cut=_opt(Cut, row.center_cut), center_origin=_opt(Origin, row.center_origin),
        cert_lab=_opt(CertificateLab, row.cert_lab), cert_number=row.cert_number,
        gram_weight_cg=row.gram_weight_cg,
        cost=None if row.cost_cents is None else Money(row.cost_cents, row.currency),
        price=Money(row.price_cents, row.currency), tracking=Tracking.of(row.tracking),
        serial=row.serial, reorder_point=row.reorder_point, location=row.location,
        status=ItemStatus.of(row.status), vendor=row.vendor, received_on=row.received_on,
    )


def item_columns(spec: ItemSpec) -> dict[str, Any]:
    """The `items` columns for a spec (everything but id, seq and timestamps)."""
    return {
        "sku": spec.sku, "barcode": spec.barcode, "style": spec.style.value, "title": spec.title,
        "description": spec.description, "metal": spec.metal.value,
        "chain_length_tenths": spec.chain_length_tenths, "clasp": spec.clasp,
        "total_carat_points": spec.total_carat_points, "stone_count": spec.stone_count,
        "center_shape": spec.center_shape and spec.center_shape.value,
        "center_carat_points": spec.center_carat_points, "center_color": spec.center_color,
        "center_clarity": spec.center_clarity and spec.center_clarity.value,
        "center_cut": spec.center_cut and spec.center_cut.value,
        "center_origin": spec.center_origin and spec.center_origin.value,
        "cert_lab": spec.cert_lab and spec.cert_lab.value, "cert_number": spec.cert_number,
        "gram_weight_cg": spec.gram_weight_cg,
        "cost_cents": None if spec.cost is None else spec.cost.cents,
        "price_cents": spec.price.cents, "currency": spec.price.currency,
        "tracking": spec.tracking.value, "serial": spec.serial, "reorder_point": spec.reorder_point,
        "location": spec.location, "status": spec.status.value, "vendor": spec.vendor,
        "received_on": spec.received_on,
    }


class ItemRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _record(self, row: Item | None) -> ItemRecord | None:
        if row is None:
            return None
        return ItemRecord(id=row.id, seq=row.seq, spec=spec_from_row(row), on_hand=self.on_hand(row.id),
                          created_at=row.created_at, updated_at=row.updated_at)

    def get(self, item_id: str) -> ItemRecord | None:
        return self._record(self._s.get(Item, item_id))

    def by_sku(self, sku: str) -> ItemRecord | None:
        return self._record(self._s.scalars(select(Item).where(Item.sku == sku)).first())

    def id_for_barcode(self, barcode: str) -> str | None:
        return self._s.scalar(select(Item.id).where(Item.barcode == barcode))

    def _next_seq(self) -> int:
        return int(self._s.scalar(select(func.coalesce(func.max(Item.seq), 0))) or 0) + 1

    def add(self, spec: ItemSpec) -> str:
        """A new item. A SKU or barcode already used is refused by the unique indexes, even against
        an item added at another counter since the service looked: a ValidationError naming the field."""
        row = Item(id=new_id(), seq=self._next_seq(), **item_columns(spec))
        self._s.add(row)
        self._unique_flush(spec)
        return row.id

    def _unique_flush(self, spec: ItemSpec) -> None:
        try:
            self._s.flush()
        except IntegrityError as exc:
            message = str(exc.orig)
            if "items.sku" in message:
                raise ValidationError("sku", f"{spec.sku} is already used by another item") from None
            if "items.barcode" in message:
                raise ValidationError("barcode", f"{spec.barcode} is already on another item") from None
            raise

    def add_many(self, specs: Sequence[ItemSpec]) -> list[str]:
        """Insert many items in one statement (imports); writes their outbox rows."""
        first = self._next_seq()
        now = utcnow()
        rows = []
        for offset, spec in enumerate(specs):
            rows.append({"id": new_id(), "seq": first + offset, "created_at": now, "updated_at": now,
                         **item_columns(spec)})
        if rows:
            # Core, not the ORM bulk path: the ORM splits rows by which columns are empty.
            self._s.execute(insert(_table(Item)), rows)
            Journal.of(self._s).inserted(Item.__tablename__, rows)
        return [r["id"] for r in rows]

    def update(self, item_id: str, spec: ItemSpec) -> None:
        row = self._s.get_one(Item, item_id)
        for name, value in item_columns(spec).items():
            if getattr(row, name) != value:
                setattr(row, name, value)
        self._unique_flush(spec)

    def set_status(self, item_id: str, status: str) -> None:
        row = self._s.get_one(Item, item_id)
        row.status = status
        self._s.flush()

    def _records(self, column: Any, values: Sequence[str]) -> list[ItemRecord]:
        records: list[ItemRecord] = []
        for start in range(0, len(values), 500):
            rows = list(self._s.scalars(select(Item).where(column.in_(values[start:start + 500]))))
            on_hand = self.on_hand_many([r.id for r in rows])
            records += [ItemRecord(id=row.id, seq=row.seq, spec=spec_from_row(row), on_hand=on_hand[row.id],
                                   created_at=row.created_at, updated_at=row.updated_at) for row in rows]
        return records

    def get_many(self, item_ids: Sequence[str]) -> list[ItemRecord]:
        """Items by id, in the order asked (missing ids left out); batched, not one query each."""
        by_id = {r.id: r for r in self._records(Item.id, list(dict.fromkeys(item_ids)))}
        return [by_id[i] for i in item_ids if i in by_id]

    def by_skus(self, skus: Iterable[str]) -> dict[str, ItemRecord]:
        """Existing items by SKU, in batches (an import's one look at what exists)."""
        return {r.spec.sku: r for r in self._records(Item.sku, list(dict.fromkeys(skus)))}

    def barcode_owners(self, barcodes: Iterable[str]) -> dict[str, str]:
        wanted = list(dict.fromkeys(barcodes))
        owners: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            # Not dict(result): a Result has keys(), so dict() would take it for a mapping.
            rows = self._s.execute(select(Item.barcode, Item.id).where(Item.barcode.in_(chunk)))
            owners.update({barcode: item_id for barcode, item_id in rows if barcode is not None})
        return owners

    def update_many(self, changes: Sequence[tuple[str, ItemSpec]]) -> None:
        """Rewrite many items' columns in one executemany (imports); outbox rows too."""
        if not changes:
            return
        now = utcnow()
        rows = [{"item_id": item_id, "updated_at": now, **item_columns(spec)} for item_id, spec in changes]
        # A Core UPDATE on the table: given a list of rows, the ORM form of this
        # statement is a bulk update by primary key and refuses the WHERE. The
        # SET clause comes from each row's column keys.
        table = Item.metadata.tables[Item.__tablename__]
        self._s.execute(update(table).where(table.c.id == bindparam("item_id")), rows)
        Journal.of(self._s).updated(Item.__tablename__, [{"id": r["item_id"], **{k: v for k, v in r.items()
                                                                                 if k != "item_id"}} for r in rows])

    # ------------------------------------------------------------ the piece's home store (sync groups)

    def _own_store(self) -> str | None:
        return own_store(self._s)

    def group_stores(self) -> list[GroupStore]:
        """The group's stores as central last listed them (empty when this store is in no group)."""
        own = self._own_store()
        rows = self._s.execute(text("SELECT id, code, name FROM sync_stores ORDER BY code")).all()
        return [GroupStore(id=r[0], code=r[1], name=r[2], here=r[0] == own) for r in rows]

    def home_store(self, item_id: str) -> str | None:
        """The piece's home store id; None: this store (or no such piece)."""
        home = self._s.execute(select(Item.store_id).where(Item.id == item_id)).scalar()
        return None if home is None or home == self._own_store() else str(home)

    def send_to_store(self, item_id: str, store_id: str) -> bool:
        """Make `store_id` the piece's home, in transit, if it is here and available now (one conditional
        UPDATE inside the caller's transaction: a sale or a transfer in another window since leaves it)."""
        now = utcnow()
        own = self._own_store()
        result: CursorResult[Any] = self._s.execute(  # type: ignore[assignment]
            update(Item).where(Item.id == item_id, Item.status == ItemStatus.AVAILABLE.value, Item.on_hand == 1,
                               Item.store_id.is_(None) | (Item.store_id == own))
            .values(store_id=store_id, status=ItemStatus.IN_TRANSIT.value, updated_at=now)
            .execution_options(synchronize_session="fetch"))
        done = result.rowcount == 1
        if done:
            Journal.of(self._s).updated(Item.__tablename__, [
                {"id": item_id, "store_id": store_id, "status": ItemStatus.IN_TRANSIT.value, "updated_at": now}])
        return done

    def take_in_transfer(self, item_id: str) -> bool:
        """A piece in transit to this store becomes available here (conditional UPDATE, as above)."""
        now = utcnow()
        own = self._own_store()
        result: CursorResult[Any] = self._s.execute(  # type: ignore[assignment]
            update(Item).where(Item.id == item_id, Item.status == ItemStatus.IN_TRANSIT.value, Item.store_id == own)
            .values(status=ItemStatus.AVAILABLE.value, updated_at=now)
            .execution_options(synchronize_session="fetch"))
        done = result.rowcount == 1
        if done:
            Journal.of(self._s).updated(Item.__tablename__, [
                {"id": item_id, "status": ItemStatus.AVAILABLE.value, "updated_at": now}])
        return done

    def _here(self) -> Any:
        """Ledger lines that count toward this store's on hand (not another store's, not units in transit)."""
        own = self._own_store()
        here = StockMovement.store_id.is_(None)
        return and_(StockMovement.kind != "in_transit",
                    here if own is None else or_(here, StockMovement.store_id == own))

    def on_hand(self, item_id: str) -> int:
        """This store's units of the item: the sum of its ledger lines here."""
        return int(self._s.scalar(
            select(func.coalesce(func.sum(StockMovement.quantity), 0))
            .where(StockMovement.item_id == item_id, self._here())
        ) or 0)

    def on_hand_many(self, item_ids: Iterable[str]) -> dict[str, int]:
        ids = list(item_ids)
        result = dict.fromkeys(ids, 0)
        here = self._here()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows = self._s.execute(
                select(StockMovement.item_id, func.sum(StockMovement.quantity))
                .where(StockMovement.item_id.in_(chunk), here).group_by(StockMovement.item_id)
            )
            result.update({item_id: int(total) for item_id, total in rows})
        return result


class PhotoRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, item_id: str, data: bytes, mime_type: str) -> str:
        position = self._s.scalar(
            select(func.coalesce(func.max(ItemPhoto.position), -1) + 1).where(ItemPhoto.item_id == item_id)
        )
        row = ItemPhoto(id=new_id(), item_id=item_id, position=position, mime_type=mime_type, data=data)
        self._s.add(row)
        self._s.flush()
        return row.id

    def remove(self, photo_id: str) -> str | None:
        row = self._s.get(ItemPhoto, photo_id)
        if row is None:
            return None
        item_id = row.item_id
        self._s.delete(row)
        self._s.flush()
        return item_id

    def for_item(self, item_id: str) -> list[PhotoRecord]:
        rows = self._s.scalars(select(ItemPhoto).where(ItemPhoto.item_id == item_id).order_by(ItemPhoto.position))
        return [PhotoRecord(r.id, r.item_id, r.position, r.mime_type, r.data) for r in rows]


class StockRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _own_store(self) -> str | None:
        return own_store(self._s)

    def record(self, item_id: str, kind: str, quantity: int, *, actor: Actor, reason: str = "",
               reference: str | None = None, at: dt.datetime | None = None, store_id: str | None = None) -> None:
        """One ledger line, changing this store's stock (or `store_id`'s: the units a transfer puts in transit
        to another store). A line the stock guard refuses (it would take on hand below zero) raises
        `NotEnoughStock` with the SKU and what was on hand inside this transaction."""
        moment = at or utcnow()
        # Read before the flush: a refused flush leaves the session unusable until the rollback.
        before = self._s.execute(select(Item.sku, Item.on_hand).where(Item.id == item_id)).one_or_none() \
            if quantity < 0 else None
        self._s.add(StockMovement(id=new_id(), item_id=item_id, kind=kind, quantity=quantity, reason=reason,
                                  reference=reference, staff_id=actor.staff_id, terminal=actor.terminal,
                                  store_id=store_id or self._own_store(), created_at=moment, updated_at=moment))
        try:
            self._s.flush()
        except IntegrityError as exc:
            if before is not None and stock_guard.IN_TRANSIT in str(exc.orig):
                raise StockConflict(before.sku, f"More units of {before.sku} are checked in than are in transit "
                                                "to this store: another window received them.") from None
            if before is None or not stock_guard.below_zero(exc):
                raise
            raise NotEnoughStock(before.sku, before.on_hand, -quantity) from None

    def record_many(self, moves: Sequence[tuple[str, str, int, str]], *, actor: Actor,
                    at: Sequence[dt.datetime] | None = None) -> None:
        """Bulk ledger lines: (item_id, kind, quantity, reason) each, dated by `at` in order (default now)."""
        now = utcnow()
        here = self._own_store()
        ids = [new_id() for _ in moves]
        moments = list(at) if at is not None else [now] * len(moves)
        if len(moments) != len(moves):
            raise ValueError("record_many: one time per ledger line")
        rows = [{"id": row_id, "item_id": item_id, "kind": kind, "quantity": quantity, "reason": reason,
                 "reference": None, "staff_id": actor.staff_id, "terminal": actor.terminal, "store_id": here,
                 "created_at": moment, "updated_at": moment}
                for row_id, (item_id, kind, quantity, reason), moment in zip(ids, moves, moments)]
        if rows:
            self._s.execute(insert(_table(StockMovement)), rows)
            Journal.of(self._s).inserted(StockMovement.__tablename__, rows)

    def transfer_origin(self, item_id: str) -> str | None:
        """The code of the store that last sent this piece, or units of this item to this store (its counter's
        prefix: S1 of S1-C2), if any."""
        latest = select(StockMovement.terminal).order_by(StockMovement.created_at.desc()).limit(1)
        terminal = self._s.execute(latest.where(
            StockMovement.item_id == item_id, StockMovement.kind == "in_transit", StockMovement.quantity > 0,
            StockMovement.store_id == self._own_store())).scalar()
        if terminal is None:
            terminal = self._s.execute(latest.where(StockMovement.item_id == item_id,
                                                    StockMovement.kind == "transfer_out")).scalar()
        return None if terminal is None else str(terminal).split("-")[0]

    def on_hand(self, item_id: str) -> int:
        return ItemRepo(self._s).on_hand(item_id)

    def in_transit_here(self, item_id: str) -> int:
        """Units sent to this store and not checked in yet (the derived `item_store_stock`, migration 0016)."""
        return int(self._s.execute(
            text("SELECT in_transit FROM item_store_stock WHERE item_id = :item AND store_id = "
                 "coalesce((SELECT store_id FROM sync_state WHERE id = 1), '')"), {"item": item_id}).scalar() or 0)

    def by_store(self, item_id: str) -> list[StoreStock]:
        """The item's units at each store that has or had any, this store first, then by store code."""
        own = self._own_store()
        rows = self._s.execute(text(
            "SELECT s.store_id, coalesce(d.code, ''), coalesce(d.name, ''), s.on_hand, s.in_transit "
            "FROM item_store_stock s LEFT JOIN sync_stores d ON d.id = s.store_id "
            "WHERE s.item_id = :item"), {"item": item_id}).all()
        found = [StoreStock(store_id=r[0], code=r[1], name=r[2], here=r[0] == (own or ""), on_hand=int(r[3]),
                            in_transit=int(r[4])) for r in rows]
        return sorted(found, key=lambda s: (not s.here, s.code))


class CountRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def start(self, location: str, actor: Actor) -> str:
        row = StockCount(id=new_id(), location=location, status="open", started_by=actor.staff_id)
        self._s.add(row)
        self._s.flush()
        return row.id

    def get(self, count_id: str) -> CountRecord | None:
        row = self._s.get(StockCount, count_id)
        if row is None:
            return None
        scans = self._s.scalars(
            select(StockCountScan).where(StockCountScan.count_id == count_id).order_by(StockCountScan.scanned_at)
        )
        return CountRecord(
            id=row.id, location=row.location, status=row.status, started_at=row.created_at,
            scans=tuple(CountScanRow(s.code, s.item_id, s.quantity, s.scanned_at) for s in scans),
        )

    def add_scan(self, count_id: str, code: str, item_id: str | None) -> None:
        self._s.add(StockCountScan(id=new_id(), count_id=count_id, code=code, item_id=item_id, quantity=1))
        self._s.flush()

    def remove_last_scan(self, count_id: str) -> CountScanRow | None:
        row = self._s.scalars(
            select(StockCountScan).where(StockCountScan.count_id == count_id)
            .order_by(StockCountScan.scanned_at.desc()).limit(1)
        ).first()
        if row is None:
            return None
        self._s.delete(row)
        self._s.flush()
        return CountScanRow(row.code, row.item_id, row.quantity, row.scanned_at)

    def close(self, count_id: str, status: str, actor: Actor) -> None:
        now = utcnow()
        values = {"status": status, "posted_at": now, "posted_by": actor.staff_id, "updated_at": now}
        self._s.execute(update(StockCount).where(StockCount.id == count_id).values(**values))
        Journal.of(self._s).updated(StockCount.__tablename__, [{"id": count_id, **values}])
