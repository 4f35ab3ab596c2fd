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

Counted items (a box of 40 chains under one SKU) are not transferred by
units: the group keeps one ledger per SKU, not one per store, so units sent
to another store could not be told apart from those left behind. They are
refused with a message that says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from pos_app.domain.errors import NotFound, ValidationError
from pos_app.domain.jewelry import ItemStatus, Tracking
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import requires
from pos_app.services.ports.inventory import GroupStore, ItemRecord
from pos_app.services.ports.uow import UnitOfWork


@dataclass(frozen=True)
class Transfer:
    item_id: str
    sku: str
    store_code: str  # the other store: where it goes (out), where it came from (in)
    store_name: str
    status: str

    def to_dict(self) -> dict[str, str]:
        return {"item_id": self.item_id, "sku": self.sku, "store": self.store_code, "store_name": self.store_name,
                "status": self.status}


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
def transfer_out(item_id: str, to_store: str, *, uow: UnitOfWork, actor: Actor) -> Transfer:
    """Ship a unique piece of this store to another store of the group (`to_store`: its code, name or id)."""
    with uow:
        receiver = _receiver(uow.items.group_stores(), to_store)
        record = _item(uow, item_id)
        sku = record.spec.sku
        if record.spec.tracking is not Tracking.UNIQUE:
            raise ValidationError("item", f"{sku} is counted by units: the group keeps one stock count per SKU, "
                                          "so only unique pieces move between stores")
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


@requires(Permission.RECEIVE_STOCK)
def receive_transfer(item_id: str, *, uow: UnitOfWork, actor: Actor) -> Transfer:
    """Check in a piece another store sent here: it is available at this store from now on."""
    with uow:
        record = _item(uow, item_id)
        sku = record.spec.sku
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


def _stores(uow: UnitOfWork) -> list[GroupStore]:
    with uow.reading():
        return uow.items.group_stores()
