"""Repositories: the storage ports of `services/ports.py` over one Session.

They translate between ORM rows and the frozen records services use. Single
changes go through the ORM (so the outbox hook sees them); the bulk paths of
an import use Core statements and write their outbox rows themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pos_app.domain.errors import Conflict, NotEnoughStock, ValidationError
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
from pos_app.domain.permissions import Actor, Role
from pos_app.domain.staff import LAST_OWNER, name_key
from pos_app.persistence import outbox, stock_guard
from pos_app.persistence.models import (
    ConsentEvent,
    Customer,
    Item,
    ItemPhoto,
    Payment,
    PolicyVersion,
    RecoveryCode,
    Sale,
    SaleLine,
    Setting,
    Staff,
    StockCount,
    StockCountScan,
    StockMovement,
    Store,
    new_id,
    utcnow,
)
from pos_app.services.ports import (
    CountRecord,
    CountScanRow,
    CustomerFlags,
    ItemRecord,
    NewCustomer,
    NewSale,
    PhotoRecord,
    StaffRecord,
    StoreProfile,
)


def _table(model: Any) -> Table:
    """A mapped class's table, for Core bulk statements."""
    return cast(Table, model.__table__)


_PROFILE_FIELDS = ("name", "address", "phone", "email", "timezone", "currency", "locale",
                   "tax_rate", "receipt_footer", "privacy_contact")


class StoreRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _row(self) -> Store | None:
        return self._s.scalars(select(Store).limit(1)).first()

    def get(self) -> StoreProfile | None:
        row = self._row()
        if row is None:
            return None
        return StoreProfile(**{name: getattr(row, name) for name in _PROFILE_FIELDS})

    def save(self, profile: StoreProfile) -> str:
        row = self._row()
        if row is None:
            row = Store(id=new_id())
            self._s.add(row)
        for name in _PROFILE_FIELDS:
            setattr(row, name, getattr(profile, name))
        self._s.flush()
        return row.id

    def has_sales(self) -> bool:
        return self._s.scalars(select(Sale.id).limit(1)).first() is not None

    def store_id(self) -> str:
        row = self._row()
        if row is None:
            raise LookupError("the store has not been set up")
        return row.id


class SettingsRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, key: str, default: Any = None) -> Any:
        row = self._s.get(Setting, key)
        return default if row is None else row.value

    def set(self, key: str, value: Any) -> None:
        row = self._s.get(Setting, key)
        if row is None:
            self._s.add(Setting(key=key, value=value, updated_at=utcnow()))
        else:
            row.value = value
            row.updated_at = utcnow()
        self._s.flush()


def staff_record(row: Staff) -> StaffRecord:
    return StaffRecord(
        id=row.id, name=row.name, role=Role(row.role), pin_hash=row.pin_hash,
        password_hash=row.password_hash, active=row.active, failed_attempts=row.failed_attempts,
        locked_until=row.locked_until, credentials=row.credentials, two_step_enrolled=row.totp_secret is not None,
        must_change_secret=bool(row.must_change_secret),
    )


class StaffRepo:
    def __init__(self, session: Session, store: StoreRepo) -> None:
        self._s = session
        self._store = store

    def get(self, staff_id: str) -> StaffRecord | None:
        row = self._s.get(Staff, staff_id)
        return None if row is None else staff_record(row)

    def by_name(self, name: str) -> StaffRecord | None:
        """The person called `name` whatever its case or Unicode form, active or not."""
        row = self._s.scalars(select(Staff).where(Staff.name_key == name_key(name))).first()
        return None if row is None else staff_record(row)

    def add(self, *, name: str, role: Role, pin_hash: str | None, password_hash: str | None,
            credentials: str = "", must_change_secret: bool = False) -> str:
        """A new active person. A name already taken (in any case) is refused by the unique index on
        `name_key` even when two hires of one name are written at once."""
        row = Staff(id=new_id(), store_id=self._store.store_id(), name=name, name_key=name_key(name),
                    role=role.value, pin_hash=pin_hash, password_hash=password_hash, credentials=credentials,
                    active=True, failed_attempts=0, must_change_secret=must_change_secret)
        self._s.add(row)
        try:
            self._s.flush()
        except IntegrityError as exc:
            if "name" not in str(exc.orig):
                raise
            raise ValidationError("name", f"{name!r} is already on the staff list") from None
        return row.id

    def _guarded_flush(self) -> None:
        """Flush a change of role or of active; the database's refusal to lose the last active
        owner (trigger `staff_keep_an_active_owner`) becomes a Conflict."""
        try:
            self._s.flush()
        except IntegrityError as exc:
            if LAST_OWNER not in str(exc.orig):
                raise
            raise Conflict(f"The store must keep an active owner: {LAST_OWNER}.") from None

    def set_role(self, staff_id: str, role: Role) -> None:
        self._s.get_one(Staff, staff_id).role = role.value
        self._guarded_flush()

    def set_active(self, staff_id: str, active: bool) -> None:
        """Deactivate (a leaver: cannot sign in, kept in history) or reactivate; a lockout is lifted
        either way, so a returning person starts afresh."""
        row = self._s.get_one(Staff, staff_id)
        row.active = active
        row.failed_attempts = 0
        row.locked_until = None
        self._guarded_flush()

    def set_credentials(self, staff_id: str, credentials: str) -> None:
        self._s.get_one(Staff, staff_id).credentials = credentials
        self._s.flush()

    def set_must_change_secret(self, staff_id: str, must_change: bool) -> None:
        self._s.get_one(Staff, staff_id).must_change_secret = must_change
        self._s.flush()

    def count_try(self, staff_id: str, at: dt.datetime) -> int | None:
        """Count one sign-in try *before* its secret is looked at: one more failure in a row,
        unless the account is locked at `at` or not active (then None, and nothing changes).

        One conditional UPDATE ... RETURNING inside the caller's write transaction (BEGIN
        IMMEDIATE): of two processes guessing at once, each try gets its own number, and no
        try passes once another has locked the account. Returns this try's number.
        """
        t = _table(Staff)
        counted = self._s.execute(
            update(t)
            .where(t.c.id == staff_id, t.c.active.is_(True), or_(t.c.locked_until.is_(None), t.c.locked_until <= at))
            .values(failed_attempts=t.c.failed_attempts + 1)
            .returning(t.c.failed_attempts)
        ).scalar_one_or_none()
        self._s.expire_all()  # the Core UPDATE bypassed the identity map: read the row afresh after it
        if counted is None:
            return None
        outbox.record_bulk(self._s, "staff", [staff_id], "update")
        return int(counted)

    def lock(self, staff_id: str, until: dt.datetime) -> None:
        """Lock the account until `until` (set with the try that reached the limit, before its
        secret is checked)."""
        t = _table(Staff)
        self._s.execute(update(t).where(t.c.id == staff_id).values(locked_until=until))
        self._s.expire_all()

    def give_back_try(self, staff_id: str, locked_by_it: dt.datetime | None) -> None:
        """A counted try turned out right without being a sign-in (a manager's approval, or a
        password whose one-time code comes next): take it off the failures in a row, and lift
        the lock it set unless a later try has set another since."""
        t = _table(Staff)
        self._s.execute(update(t).where(t.c.id == staff_id, t.c.failed_attempts > 0)
                        .values(failed_attempts=t.c.failed_attempts - 1))
        if locked_by_it is not None:
            self._s.execute(update(t).where(t.c.id == staff_id, t.c.locked_until == locked_by_it)
                            .values(locked_until=None))
        self._s.expire_all()
        outbox.record_bulk(self._s, "staff", [staff_id], "update")

    def record_sign_in(self, staff_id: str, *, at: dt.datetime) -> None:
        """A success: the failures in a row start again from zero."""
        row = self._s.get_one(Staff, staff_id)
        row.failed_attempts = 0
        row.locked_until = None
        row.last_sign_in_at = at
        self._s.flush()

    def set_hashes(self, staff_id: str, *, pin_hash: str | None = None, password_hash: str | None = None) -> None:
        row = self._s.get_one(Staff, staff_id)
        if pin_hash is not None:
            row.pin_hash = pin_hash
        if password_hash is not None:
            row.password_hash = password_hash
        self._s.flush()

    def unlock(self, staff_id: str) -> None:
        row = self._s.get_one(Staff, staff_id)
        row.failed_attempts = 0
        row.locked_until = None
        self._s.flush()

    def totp(self, staff_id: str) -> tuple[str | None, int | None]:
        """The staff member's TOTP secret (None when not enrolled) and the last time-step used."""
        row = self._s.get_one(Staff, staff_id)
        return row.totp_secret, row.totp_last_step

    def set_totp(self, staff_id: str, secret: str | None, last_step: int | None) -> None:
        row = self._s.get_one(Staff, staff_id)
        row.totp_secret = secret
        row.totp_last_step = last_step
        self._s.flush()

    def replace_recovery_codes(self, staff_id: str, code_hashes: Sequence[str]) -> None:
        for old in self._s.scalars(select(RecoveryCode).where(RecoveryCode.staff_id == staff_id)):
            self._s.delete(old)
        self._s.add_all(RecoveryCode(id=new_id(), staff_id=staff_id, code_hash=h) for h in code_hashes)
        self._s.flush()

    def unused_recovery_codes(self, staff_id: str) -> list[tuple[str, str]]:
        """(id, argon2 hash) of each recovery code not used yet."""
        rows = self._s.execute(select(RecoveryCode.id, RecoveryCode.code_hash).where(
            RecoveryCode.staff_id == staff_id, RecoveryCode.used_at.is_(None)))
        return [(r.id, r.code_hash) for r in rows]

    def use_recovery_code(self, code_id: str, at: dt.datetime) -> None:
        self._s.get_one(RecoveryCode, code_id).used_at = at
        self._s.flush()


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
        row = Item(id=new_id(), seq=self._next_seq(), **item_columns(spec))
        self._s.add(row)
        self._s.flush()
        return row.id

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
            outbox.record_bulk(self._s, Item.__tablename__, [r["id"] for r in rows])
        return [r["id"] for r in rows]

    def update(self, item_id: str, spec: ItemSpec) -> None:
        row = self._s.get_one(Item, item_id)
        for name, value in item_columns(spec).items():
            if getattr(row, name) != value:
                setattr(row, name, value)
        self._s.flush()

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
        outbox.record_bulk(self._s, Item.__tablename__, [item_id for item_id, _ in changes], "update")

    def on_hand(self, item_id: str) -> int:
        return int(self._s.scalar(
            select(func.coalesce(func.sum(StockMovement.quantity), 0)).where(StockMovement.item_id == item_id)
        ) or 0)

    def on_hand_many(self, item_ids: Iterable[str]) -> dict[str, int]:
        ids = list(item_ids)
        result = dict.fromkeys(ids, 0)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows = self._s.execute(
                select(StockMovement.item_id, func.sum(StockMovement.quantity))
                .where(StockMovement.item_id.in_(chunk)).group_by(StockMovement.item_id)
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

    def record(self, item_id: str, kind: str, quantity: int, *, actor: Actor, reason: str = "",
               reference: str | None = None, at: dt.datetime | None = None) -> None:
        """One ledger line. A line the stock guard refuses (it would take on hand below zero) raises
        `NotEnoughStock` with the SKU and what was on hand inside this transaction."""
        moment = at or utcnow()
        # Read before the flush: a refused flush leaves the session unusable until the rollback.
        before = self._s.execute(select(Item.sku, Item.on_hand).where(Item.id == item_id)).one_or_none() \
            if quantity < 0 else None
        self._s.add(StockMovement(id=new_id(), item_id=item_id, kind=kind, quantity=quantity, reason=reason,
                                  reference=reference, staff_id=actor.staff_id, terminal=actor.terminal,
                                  created_at=moment, updated_at=moment))
        try:
            self._s.flush()
        except IntegrityError as exc:
            if before is None or not stock_guard.below_zero(exc):
                raise
            raise NotEnoughStock(before.sku, before.on_hand, -quantity) from None

    def record_many(self, moves: Sequence[tuple[str, str, int, str]], *, actor: Actor) -> None:
        """Bulk ledger lines: (item_id, kind, quantity, reason) each."""
        now = utcnow()
        ids = [new_id() for _ in moves]
        rows = [{"id": row_id, "item_id": item_id, "kind": kind, "quantity": quantity, "reason": reason,
                 "reference": None, "staff_id": actor.staff_id, "terminal": actor.terminal,
                 "created_at": now, "updated_at": now}
                for row_id, (item_id, kind, quantity, reason) in zip(ids, moves)]
        if rows:
            self._s.execute(insert(_table(StockMovement)), rows)
            outbox.record_bulk(self._s, StockMovement.__tablename__, ids)

    def on_hand(self, item_id: str) -> int:
        return ItemRepo(self._s).on_hand(item_id)


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
        self._s.execute(
            update(StockCount).where(StockCount.id == count_id)
            .values(status=status, posted_at=utcnow(), posted_by=actor.staff_id, updated_at=utcnow())
        )
        outbox.record_bulk(self._s, StockCount.__tablename__, [count_id], "update")


class CustomerRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def name_and_address(self, customer_id: str) -> tuple[str, str] | None:
        """The name and billing address printed on a document made for the customer (None once erased)."""
        row = self._s.get(Customer, customer_id)
        if row is None or row.erased_at is not None:
            return None
        return f"{row.first_name} {row.last_name}".strip(), row.billing_address

    def add(self, customer: NewCustomer, *, at: dt.datetime | None = None) -> str:
        moment = at or utcnow()
        row = Customer(id=new_id(), created_at=moment, updated_at=moment, **vars(customer))
        self._s.add(row)
        self._s.flush()
        return row.id

    def add_consent(self, customer_id: str, purpose: str, granted: bool, *, channel: str,
                    policy_version_id: str | None, staff_id: str | None, at: dt.datetime | None = None) -> str:
        moment = at or utcnow()
        row = ConsentEvent(id=new_id(), customer_id=customer_id, purpose=purpose, granted=granted,
                           channel=channel, policy_version_id=policy_version_id, staff_id=staff_id,
                           created_at=moment, updated_at=moment)
        self._s.add(row)
        self._s.flush()
        return row.id

    def privacy_flags(self, customer_id: str) -> CustomerFlags | None:
        """The customer's privacy flags (None when there is no such customer, or they were erased)."""
        row = self._s.get(Customer, customer_id)
        if row is None or row.erased_at is not None:
            return None
        return CustomerFlags(do_not_sell=row.do_not_sell, restricted=row.restricted,
                             marketing_objection=row.marketing_objection, has_email=bool(row.email),
                             has_phone=bool(row.phone))

    def set_privacy_flags(self, customer_id: str, flags: CustomerFlags) -> None:
        row = self._s.get_one(Customer, customer_id)
        row.do_not_sell, row.restricted = flags.do_not_sell, flags.restricted
        row.marketing_objection = flags.marketing_objection
        self._s.flush()

    def current_values(self, customer_id: str, names: list[str]) -> dict[str, Any]:
        row = self._s.get_one(Customer, customer_id)
        return {name: getattr(row, name) for name in names}

    def update(self, customer_id: str, changes: dict[str, Any]) -> None:
        row = self._s.get_one(Customer, customer_id)
        for name, value in changes.items():
            setattr(row, name, value)
        self._s.flush()

    def policy_in_force(self, today: dt.date) -> str | None:
        """The id of the privacy policy version in force on `today` (a consent names it)."""
        return self._s.scalar(select(PolicyVersion.id).where(PolicyVersion.effective_on <= today)
                              .order_by(PolicyVersion.effective_on.desc(), PolicyVersion.version.desc()).limit(1))

    def policy_versions(self) -> list[tuple[str, int, dt.date, str]]:
        """(id, version, effective on, text) of every published version, oldest first."""
        return [(r.id, r.version, r.effective_on, r.text) for r in
                self._s.scalars(select(PolicyVersion).order_by(PolicyVersion.version))]

    def add_policy_version(self, version: int, effective_on: dt.date, text: str) -> str:
        row = PolicyVersion(id=new_id(), version=version, effective_on=effective_on, text=text)
        self._s.add(row)
        self._s.flush()
        return row.id


class SalesRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add_completed(self, sale: NewSale) -> str:
        at = sale.completed_at
        row = Sale(id=new_id(), number=sale.number, terminal=sale.terminal, staff_id=sale.staff_id,
                   customer_id=sale.customer_id, status="completed", currency=sale.currency,
                   subtotal_cents=sale.subtotal_cents, discount_cents=sale.discount_cents,
                   tax_cents=sale.tax_cents, total_cents=sale.total_cents, completed_at=at, tax_rate=sale.tax_rate,
                   created_at=at, updated_at=at)
        self._s.add(row)
        self._s.flush()  # no ORM relationships here: the sale must exist before its lines
        for position, line in enumerate(sale.lines, start=1):
            self._s.add(SaleLine(id=new_id(), sale_id=row.id, item_id=line.item_id, position=position,
                                 sku=line.sku, description=line.description, quantity=line.quantity,
                                 unit_price_cents=line.unit_price_cents, list_price_cents=line.unit_price_cents,
                                 discount_cents=line.discount_cents,
                                 tax_cents=line.tax_cents, total_cents=line.total_cents,
                                 created_at=at, updated_at=at))
        for payment in sale.payments:
            self._s.add(Payment(id=new_id(), sale_id=row.id, created_at=at, updated_at=at, **vars(payment)))
        self._s.flush()
        return row.id
