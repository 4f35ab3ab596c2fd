"""Stock transfers between the stores of a sync group: a piece leaves one store and arrives at another.

Trade words: the *sending* store ships a necklace to a *receiving* store of
the same group (another shop of the chain); until the receiving store
unpacks and checks it in, the piece is *in transit*.

- `transfer_out` (a manager at the sending store): the ledger gets a
  `transfer_out` line (-1: the piece leaves this store's stock) and the
  piece's home (`items.store_id`) becomes the receiving store at once, with
  the status "in transit". Moving the home at the moment of shipping is what
  keeps a unique piece sold once: from then on the sending store cannot sell
  it (the database's `items_sold_at_home` trigger) and the receiving store
  cannot either until it has checked it in (a sale needs "available").
- Sync carries both rows to central and on to the receiving store, whose
  inventory lists the piece as this store's, in transit.
- `receive_transfer` (whoever receives stock there): a `transfer_in` line
  (+1) and the piece is available at its new home.

The ledger stays append-only: nothing is undone, a transfer is two facts.
Both steps are one transaction each, with their audit event and outbox rows;
each takes the piece with a conditional UPDATE whose row count is checked,
so a piece sold or shipped by another window meanwhile is refused, not
shipped twice.

Counted items (a box of 40 chains under one SKU) move by units. Every
movement names the store whose stock it changes (migration 0016), so each
store has its own on hand of the SKU:

- `transfer_out` with a quantity writes `transfer_out` (-N, this store) and
  `in_transit` (+N, the receiving store): the units leave this store's on
  hand at once and show at the other store as *in transit*; the SKU stays
  where it is in everyone's list.
- `receive_transfer` at the receiving store writes `in_transit` (-N) and
  `transfer_in` (+N): checked in, on hand there. A partial check-in leaves
  the rest in transit (a box that arrived short is counted, the rest found
  or written off later). The database refuses checking in more than is in
  transit (`stock_movements_transit_not_below_zero`); two offline counters
  that both check in one transfer are flagged at central for a manager.
"""

from __future__ import annotations

from dataclasses import dataclass

from pos_app.domain.errors import NotFound, ValidationError
from pos_app.domain.jewelry import ItemStatus, Tracking
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import requires
from pos_app.services.ports.inventory import GroupStore, ItemRecord, StoreStock
from pos_app.services.ports.uow import UnitOfWork


@dataclass(frozen=True)
class Transfer:
    item_id: str
    sku: str
    store_code: str  # the other store: where it goes (out), where it came from (in)
    store_name: str
    status: str  # a unique piece's status; for counted units "in_transit" (sent) or "available" (checked in)
    quantity: int = 1
    left_in_transit: int = 0  # counted units still on their way to the receiving store after a check-in

    def to_dict(self) -> dict[str, str | int]:
        return {"item_id": self.item_id, "sku": self.sku, "store": self.store_code, "store_name": self.store_name,
                "status": self.status, "quantity": self.quantity, "left_in_transit": self.left_in_transit}


def _item(uow: UnitOfWork, item_id: str) -> ItemRecord:
    record = uow.items.get(item_id)
    if record is None:
        raise NotFound("That item no longer exists.")
    return record


def _receiver(stores: list[GroupStore], wanted: str) -> GroupStore:
    if not stores:
        raise ValidationError("store", "this store is in no sync group: there is no other store to send to")
    text = wanted.strip().casefold()
    for store in stores:
        if text in (store.id.casefold(), store.code.casefold(), store.name.casefold()):
            if store.here:
                raise ValidationError("store", f"{store.code} is this store: choose the store the piece goes to")
            return store
    raise ValidationError("store", f"{wanted!r} is no store of the group; choose one of "
                                   f"{', '.join(s.code for s in stores if not s.here)}")


@requires(Permission.ADJUST_STOCK)
def transfer_out(item_id: str, to_store: str, *, uow: UnitOfWork, actor: Actor, quantity: int = 1) -> Transfer:
    """Ship a unique piece of this store, or `quantity` units of a counted item, to another store of the group
    (`to_store`: its code, name or id)."""
    with uow:
        stores = uow.items.group_stores()
        receiver = _receiver(stores, to_store)
        record = _item(uow, item_id)
        sku = record.spec.sku
        if record.spec.tracking is not Tracking.UNIQUE:
            here = next((s.code for s in stores if s.here), "")
            _send_units(uow, actor, item_id, sku, record.on_hand, quantity, receiver, here)
            uow.commit()
            return Transfer(item_id, sku, receiver.code, receiver.name, ItemStatus.IN_TRANSIT.value, quantity)
        if quantity != 1:
            raise ValidationError("quantity", f"{sku} is a unique piece: it moves alone (quantity 1)")
        if uow.items.home_store(item_id) is not None:
            raise ValidationError("item", f"{sku} belongs to another store: only its home store sends it")
        if record.spec.status is not ItemStatus.AVAILABLE or record.on_hand != 1:
            raise ValidationError("item", f"{sku} is {record.spec.status.label.lower()} with {record.on_hand} "
                                          "on hand: only an available piece in the store is sent")
        if not uow.items.send_to_store(item_id, receiver.id):
            raise ValidationError("item", f"{sku} was sold or sent meanwhile: look it up again")
        uow.stock.record(item_id, "transfer_out", -1, actor=actor, reason=f"to {receiver.code}",
                         reference=f"transfer to {receiver.code}")
        uow.audit.record(actor, "stock.transferred_out", entity_type="item", entity_id=item_id,
                         summary={"sku": sku, "to": receiver.code})
        uow.commit()
    return Transfer(item_id, sku, receiver.code, receiver.name, ItemStatus.IN_TRANSIT.value)


def _send_units(uow: UnitOfWork, actor: Actor, item_id: str, sku: str, on_hand: int, quantity: int,
                receiver: GroupStore, here: str) -> None:
    if quantity < 1:
        raise ValidationError("quantity", "must be at least 1")
    if quantity > on_hand:
        raise ValidationError("quantity", f"only {on_hand} of {sku} on hand at this store; {quantity} cannot be sent")
    # The database's guard on this store's on hand stands behind the check above (another window's sale).
    uow.stock.record(item_id, "transfer_out", -quantity, actor=actor, reason=f"to {receiver.code}",
                     reference=f"transfer to {receiver.code}")
    uow.stock.record(item_id, "in_transit", quantity, actor=actor, reason=f"from {here or 'another store'}",
                     reference=f"transfer from {here}" if here else "transfer", store_id=receiver.id)
    uow.audit.record(actor, "stock.transferred_out", entity_type="item", entity_id=item_id,
                     summary={"sku": sku, "to": receiver.code, "quantity": quantity})


def _receive_units(uow: UnitOfWork, actor: Actor, item_id: str, sku: str, quantity: int | None) -> Transfer:
    waiting = uow.stock.in_transit_here(item_id)
    if waiting <= 0:
        raise ValidationError("item", f"no units of {sku} are in transit to this store (sync first if they were "
                                      "just sent)")
    count = waiting if quantity is None else quantity
    if not 1 <= count <= waiting:
        raise ValidationError("quantity", f"{waiting} of {sku} are in transit to this store: check in 1 to "
                                          f"{waiting}")
    sender = uow.stock.transfer_origin(item_id)
    uow.stock.record(item_id, "in_transit", -count, actor=actor, reason="checked in",
                     reference=f"transfer from {sender}" if sender else "transfer")
    uow.stock.record(item_id, "transfer_in", count, actor=actor, reason=f"from {sender or 'another store'}",
                     reference=f"transfer from {sender}" if sender else "transfer")
    uow.audit.record(actor, "stock.transfer_received", entity_type="item", entity_id=item_id,
                     summary={"sku": sku, "from": sender, "quantity": count})
    name = next((s.name for s in uow.items.group_stores() if s.code == sender), "")
    return Transfer(item_id, sku, sender or "", name, ItemStatus.AVAILABLE.value, count, waiting - count)


@requires(Permission.RECEIVE_STOCK)
def receive_transfer(item_id: str, *, uow: UnitOfWork, actor: Actor, quantity: int | None = None) -> Transfer:
    """Check in what another store sent here: a unique piece is available at this store from now on; of a
    counted item, `quantity` units (default: all in transit here) are on hand here."""
    with uow:
        record = _item(uow, item_id)
        sku = record.spec.sku
        if record.spec.tracking is not Tracking.UNIQUE:
            done = _receive_units(uow, actor, item_id, sku, quantity)
            uow.commit()
            return done
        if quantity not in (None, 1):
            raise ValidationError("quantity", f"{sku} is a unique piece: it is checked in alone (quantity 1)")
        if record.spec.status is not ItemStatus.IN_TRANSIT or uow.items.home_store(item_id) is not None:
            raise ValidationError("item", f"{sku} is not in transit to this store (sync first if it was just "
                                          "sent)")
        sender = uow.stock.transfer_origin(item_id)
        if not uow.items.take_in_transfer(item_id):
            raise ValidationError("item", f"{sku} was received meanwhile: look it up again")
        uow.stock.record(item_id, "transfer_in", 1, actor=actor, reason=f"from {sender or 'another store'}",
                         reference=f"transfer from {sender}" if sender else "transfer")
        uow.audit.record(actor, "stock.transfer_received", entity_type="item", entity_id=item_id,
                         summary={"sku": sku, "from": sender})
        uow.commit()
    stores = {s.code: s.name for s in _stores(uow)}
    return Transfer(item_id, sku, sender or "", stores.get(sender or "", ""), ItemStatus.AVAILABLE.value)


@requires(Permission.VIEW_INVENTORY)
def stock_by_store(item_id: str, *, uow: UnitOfWork, actor: Actor) -> list[StoreStock]:
    """The item's units at each store of the group (this store first): on hand, and in transit to it."""
    with uow.reading():
        return uow.stock.by_store(item_id)


def _stores(uow: UnitOfWork) -> list[GroupStore]:
    with uow.reading():
        return uow.items.group_stores()
