"""The necklace inventory: receive, edit, adjust, photos, and the list's reads.

Stock moves only through the ledger: receiving writes a `receive` movement,
an adjustment an `adjustment` with its reason; nothing sets a quantity.
A piece's status (available, on hold, on memo, in repair, sold) describes
where it is, and `sold` is set only by a sale.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pos_app.domain import store as store_rules
from pos_app.domain.errors import NotEnoughStock, NotFound, UserFacingError, ValidationError
from pos_app.domain.items import (
    ItemSpec,
    ReceivingWarning,
    check_received_piece,
    item_fields,
    parse_item,
    receiving_warnings,
)
from pos_app.domain.jewelry import ItemStatus, Tracking
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import approval, requires
from pos_app.services.ports.inventory import (
    THIS_STORE,
    GroupStore,
    InventoryFilter,
    InventoryReader,
    ItemRecord,
    ItemRow,
    Movement,
    PhotoRecord,
)
from pos_app.services.ports.uow import UnitOfWork

PHOTO_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
MAX_PHOTO_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class StoreContext:
    currency: str
    timezone: str
    locations: tuple[str, ...]

    @property
    def today(self):  # type: ignore[no-untyped-def]
        return store_rules.store_today(self.timezone)


def store_context(uow: UnitOfWork) -> StoreContext:
    profile = uow.store.get()
    if profile is None:
        raise NotFound("The store has not been set up yet.")
    locations = tuple(uow.settings.get("inventory.locations", store_rules.DEFAULT_LOCATIONS))
    return StoreContext(profile.currency, profile.timezone, locations)


@dataclass(frozen=True)
class ItemDetail:
    record: ItemRecord
    photos: tuple[PhotoRecord, ...]
    can_see_cost: bool

    @property
    def fields(self) -> dict[str, str]:
        values = item_fields(self.record.spec)
        values["quantity"] = str(self.record.on_hand)
        if not self.can_see_cost:
            values["cost"] = ""
        return values


def _check_unique(uow: UnitOfWork, spec: ItemSpec, *, item_id: str | None = None) -> None:
    existing = uow.items.by_sku(spec.sku)
    if existing is not None and existing.id != item_id:
        raise ValidationError("sku", f"{spec.sku} is already used by '{existing.spec.title}'")
    if spec.barcode:
        owner = uow.items.id_for_barcode(spec.barcode)
        if owner is not None and owner != item_id:
            raise ValidationError("barcode", f"{spec.barcode} is already on another item")


class ReceiveUnconfirmed(UserFacingError):
    """The piece leaves something unknown (no cost, no stones ...): receive it only once the person confirms.

    Nothing was written. `warnings` say what, each naming its form field.
    """

    def __init__(self, sku: str, warnings: Sequence[ReceivingWarning]) -> None:
        self.warnings = tuple(warnings)
        super().__init__(f"{sku}: " + "; ".join(w.text for w in self.warnings) + ".")


@requires(Permission.RECEIVE_STOCK)
def receive_new_item(raw: Mapping[str, str], *, uow: UnitOfWork, actor: Actor,
                     reference: str | None = None, ask_first: bool = False) -> ItemRecord:
    """A new piece (or a new line of counted stock) arrives: the item and its receipt.

    A piece whose stones contradict each other is refused (`check_received_piece`).
    With `ask_first` (the receive form), a piece that leaves its cost, stones or
    carat weight unknown raises `ReceiveUnconfirmed` and writes nothing; the form
    asks the person, and calls again without it when they accept. Either way the
    audit event lists what was left unknown ("unknown"), for the manager who
    fills it in later.
    """
    with uow:
        ctx = store_context(uow)
        spec = parse_item(raw, currency=ctx.currency, locations=ctx.locations, today=ctx.today)
        if spec.status is ItemStatus.SOLD:
            raise ValidationError("status", "a piece being received cannot already be sold")
        if spec.received_on is None:
            spec = dataclasses.replace(spec, received_on=ctx.today)
        _check_unique(uow, spec)
        check_received_piece(spec)  # refusals first: a question is asked only about a piece that can be received
        warnings = receiving_warnings(spec)
        if warnings and ask_first:
            raise ReceiveUnconfirmed(spec.sku, warnings)
        item_id = uow.items.add(spec)
        if spec.quantity:
            uow.stock.record(item_id, "receive", spec.quantity, actor=actor, reason="received", reference=reference)
        summary: dict[str, object] = {"sku": spec.sku, "quantity": spec.quantity}
        if warnings:
            summary["unknown"] = sorted({w.field for w in warnings})
        uow.audit.record(actor, "item.received", entity_type="item", entity_id=item_id, summary=summary)
        record = uow.items.get(item_id)
        uow.commit()
    assert record is not None
    return record


@requires(Permission.RECEIVE_STOCK)
def receive_more(item_id: str, quantity: int, *, uow: UnitOfWork, actor: Actor,
                 reference: str | None = None) -> ItemRecord:
    """More of a counted item arrives."""
    if quantity < 1:
        raise ValidationError("quantity", "must be at least 1")
    with uow:
        record = _get(uow, item_id)
        if record.spec.tracking is Tracking.UNIQUE:
            raise ValidationError("quantity", "a unique piece is received once; receive a new piece with its own SKU")
        uow.stock.record(item_id, "receive", quantity, actor=actor, reason="received", reference=reference)
        uow.audit.record(actor, "stock.received", entity_type="item", entity_id=item_id,
                         summary={"sku": record.spec.sku, "quantity": quantity})
        updated = uow.items.get(item_id)
        uow.commit()
    assert updated is not None
    return updated


def _get(uow: UnitOfWork, item_id: str) -> ItemRecord:
    record = uow.items.get(item_id)
    if record is None:
        raise NotFound("That item no longer exists.")
    return record


@requires(Permission.EDIT_ITEM)
def update_item(item_id: str, raw: Mapping[str, str], *, uow: UnitOfWork, actor: Actor) -> ItemRecord:
    """Save an edited item. Quantity is not edited here: stock moves by adjustment."""
    with uow:
        ctx = store_context(uow)
        current = _get(uow, item_id)
        values = dict(raw)
        values["quantity"] = ""
        if not actor.can(Permission.VIEW_COST):
            values["cost"] = item_fields(current.spec)["cost"]
        spec = parse_item(values, currency=ctx.currency, locations=ctx.locations, today=ctx.today)
        spec = dataclasses.replace(spec, quantity=current.spec.quantity)
        if spec.tracking is not current.spec.tracking:
            raise ValidationError("tracking", "cannot change once the item exists; create a new item instead")
        if spec.status is not current.spec.status and ItemStatus.SOLD in (spec.status, current.spec.status):
            raise ValidationError("status", "'sold' is set by a sale and cleared by a return, not by editing")
        if spec.status is not current.spec.status and ItemStatus.IN_TRANSIT in (spec.status, current.spec.status):
            raise ValidationError("status", "'in transit' is set by a transfer to another store and cleared when "
                                            "that store receives it, not by editing")
        _check_unique(uow, spec, item_id=item_id)
        before, after = item_fields(current.spec), item_fields(spec)
        changed = sorted(name for name in after if name != "quantity" and before[name] != after[name])
        if changed:
            uow.items.update(item_id, spec)
            uow.audit.record(actor, "item.updated", entity_type="item", entity_id=item_id,
                             summary={"sku": spec.sku, "fields": changed})
        record = _get(uow, item_id)
        uow.commit()
    return record


@requires(Permission.COUNT_STOCK)
def adjust_stock(item_id: str, change: int, reason: str, *, uow: UnitOfWork, actor: Actor,
                 approver: Actor | None = None) -> ItemRecord:
    """Correct the quantity on hand by `change` (found, broken, lost), with a reason.

    Whoever counts stock may ask; a clerk's adjustment needs a manager's PIN
    (`approver`, from `staff.approve`), checked after the form so a typo never
    costs a manager's trip. The audit event then names both people.
    """
    reason = reason.strip()
    if len(reason) < 3:
        raise ValidationError("reason", "say why the stock changes (at least 3 characters)")
    if change == 0:
        raise ValidationError("quantity", "the change cannot be zero")
    approved = approval(actor, approver, Permission.ADJUST_STOCK, "A stock adjustment")
    with uow:
        record = _get(uow, item_id)
        after = record.on_hand + change
        if after < 0:
            raise ValidationError("quantity", f"only {record.on_hand} on hand; cannot remove {-change}")
        if record.spec.tracking is Tracking.UNIQUE and after > 1:
            raise ValidationError("quantity", "a unique piece is either here (1) or not (0)")
        try:
            uow.stock.record(item_id, "adjustment", change, actor=actor, reason=reason)
        except NotEnoughStock as refused:  # the ledger's own guard: its running sum says fewer are left
            raise ValidationError("quantity", f"only {refused.on_hand} on hand; cannot remove {-change}") from None
        uow.audit.record(actor, "stock.adjusted", entity_type="item", entity_id=item_id,
                         summary={"sku": record.spec.sku, "change": change},  # the reason is free text: ledger only
                         approved_by=approved.staff_id if approved else None)
        updated = _get(uow, item_id)
        uow.commit()
    return updated


def photo_type(data: bytes) -> str:
    for magic, mime in PHOTO_TYPES.items():
        if data.startswith(magic):
            return mime
    raise ValidationError("photo", "is not a JPEG or PNG image")


@requires(Permission.EDIT_ITEM)
def add_photos(item_id: str, photos: Sequence[bytes], *, uow: UnitOfWork, actor: Actor) -> list[str]:
    """Add photos to an item: every one is checked first, then all are saved together or none."""
    kinds = []
    for n, data in enumerate(photos, start=1):
        which = f"photo {n} of {len(photos)}" if len(photos) > 1 else "photo"
        if len(data) > MAX_PHOTO_BYTES:
            raise ValidationError(which, "is larger than 10 MB; resize it first")
        try:
            kinds.append(photo_type(data))
        except ValidationError:
            raise ValidationError(which, "is not a JPEG or PNG image") from None
    with uow:
        record = _get(uow, item_id)
        ids = [uow.photos.add(item_id, data, mime) for data, mime in zip(photos, kinds)]
        uow.audit.record(actor, "item.photo_added", entity_type="item", entity_id=item_id,
                         summary={"sku": record.spec.sku, "photos": len(ids), "bytes": sum(map(len, photos))})
        uow.commit()
    return ids


@requires(Permission.EDIT_ITEM)
def add_photo(item_id: str, data: bytes, *, uow: UnitOfWork, actor: Actor) -> str:
    return add_photos(item_id, [data], uow=uow, actor=actor)[0]


@requires(Permission.EDIT_ITEM)
def remove_photo(photo_id: str, *, uow: UnitOfWork, actor: Actor) -> None:
    with uow:
        item_id = uow.photos.remove(photo_id)
        if item_id is None:
            raise NotFound("That photo was already removed.")
        uow.audit.record(actor, "item.photo_removed", entity_type="item", entity_id=item_id)
        uow.commit()


@requires(Permission.VIEW_INVENTORY)
def item_detail(item_id: str, *, uow: UnitOfWork, actor: Actor) -> ItemDetail:
    with uow:
        record = _get(uow, item_id)
        photos = tuple(uow.photos.for_item(item_id))
    if not actor.can(Permission.VIEW_COST):
        record = dataclasses.replace(record, spec=dataclasses.replace(record.spec, cost=None))
    return ItemDetail(record, photos, actor.can(Permission.VIEW_COST))


# ---------------------------------------------------------------- reads for list screens


def visible_rows(rows: Sequence[ItemRow], actor: Actor) -> list[ItemRow]:
    """The rows as this person may see them: without cost unless their role sees cost."""
    if actor.can(Permission.VIEW_COST):
        return list(rows)
    return [dataclasses.replace(r, cost_cents=None) for r in rows]


@requires(Permission.VIEW_INVENTORY)
def find_seqs(flt: InventoryFilter, sort: str, descending: bool, *, reader: InventoryReader,
              actor: Actor, uow: UnitOfWork) -> list[int]:
    """Every matching handle, in order (selecting everything the list shows)."""
    return reader.item_seqs(flt, sort, descending)


@requires(Permission.VIEW_INVENTORY)
def page_seqs(flt: InventoryFilter, sort: str, descending: bool, offset: int, limit: int, *,
              reader: InventoryReader, actor: Actor, uow: UnitOfWork) -> list[int]:
    """One page of the list's handles, in order; the table fetches pages as it scrolls."""
    return reader.page_seqs(flt, sort, descending, offset, limit)


@requires(Permission.VIEW_INVENTORY)
def count(flt: InventoryFilter, *, reader: InventoryReader, actor: Actor, uow: UnitOfWork) -> int:
    return reader.count(flt)


@requires(Permission.VIEW_INVENTORY)
def rows_for(seqs: Sequence[int], *, reader: InventoryReader, actor: Actor, uow: UnitOfWork) -> list[ItemRow]:
    return visible_rows(reader.rows(seqs), actor)


@requires(Permission.VIEW_INVENTORY)
def rows_by_ids(item_ids: Sequence[str], *, reader: InventoryReader, actor: Actor, uow: UnitOfWork) -> list[ItemRow]:
    return visible_rows(reader.rows_by_ids(item_ids), actor)


@requires(Permission.VIEW_INVENTORY)
def search(text: str, *, reader: InventoryReader, actor: Actor, uow: UnitOfWork, limit: int = 50) -> list[ItemRow]:
    return visible_rows(reader.search(text, limit), actor)


@requires(Permission.VIEW_INVENTORY)
def lookup(code: str, *, reader: InventoryReader, actor: Actor, uow: UnitOfWork) -> ItemRow | None:
    """The item a scanner's code names (barcode, else SKU)."""
    row = reader.lookup_code(code)
    return None if row is None else visible_rows([row], actor)[0]


@requires(Permission.VIEW_INVENTORY)
def history(item_id: str, *, reader: InventoryReader, actor: Actor, uow: UnitOfWork) -> list[Movement]:
    return reader.history(item_id)



# ---------------------------------------------------------------- the stores of a sync group


@requires(Permission.VIEW_INVENTORY)
def group_stores(*, uow: UnitOfWork, actor: Actor) -> list[GroupStore]:
    """The stores of this store's sync group, by code (empty when the store syncs with no group): the list's
    store filter and its Store column."""
    with uow.reading():
        return uow.items.group_stores()


def store_filter(text: str, stores: Sequence[GroupStore]) -> str:
    """`InventoryFilter.store` for what a person typed: "" or "all" every store, "here" this store, else a
    store's code (S2) or name."""
    wanted = text.strip()
    if wanted.casefold() in ("", "all"):
        return ""
    if wanted.casefold() in (THIS_STORE, "this"):
        return THIS_STORE
    for store in stores:
        if wanted.casefold() in (store.code.casefold(), store.name.casefold()):
            return THIS_STORE if store.here else store.id
    if not stores:
        raise ValidationError("store", "this store is in no sync group: only its own pieces are listed")
    raise ValidationError("store", f"{wanted!r} is no store of the group; choose here, all or one of "
                                   f"{', '.join(s.code for s in stores)}")
