"""Parking a cart (to serve another customer), recalling it, and handing it over at a switch of user.

A parked cart is written as it stands (`parked_carts`); recalling it takes
it off the list in the same transaction, so two counters never recall one.
"""

from __future__ import annotations

from pos_app.domain.cart import Cart, cart_from_dict, cart_to_dict
from pos_app.domain.errors import NotFound, ValidationError
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import requires
from pos_app.services.ports.uow import UnitOfWork


@requires(Permission.SELL)
def park_cart(cart: Cart, label: str, *, uow: UnitOfWork, actor: Actor) -> str:
    if cart.is_empty:
        raise ValidationError("cart", "is empty; there is nothing to park")
    label = label.strip() or (cart.customer_name or f"{len(cart.lines)} item(s)")
    with uow:
        park_id = uow.counter.park(terminal=actor.terminal, staff_id=actor.staff_id, customer_id=cart.customer_id,
                                   label=label[:80], cart=cart_to_dict(cart))
        uow.audit.record(actor, "cart.parked", entity_type="parked_cart", entity_id=park_id,
                         summary={"lines": len(cart.lines)})
        uow.commit()
    return park_id


@requires(Permission.SELL)
def hand_over_cart(cart: Cart, *, from_actor: Actor, uow: UnitOfWork, actor: Actor) -> Cart:
    """`actor` takes over the open cart `from_actor` left at this counter when they switched user.

    The cart is unchanged (approvals given for its discounts stay with it); the trail records who
    handed it to whom, so the sale's clerk is never in doubt.
    """
    with uow:
        uow.audit.record(actor, "cart.handed_over", entity_type="cart",
                         summary={"lines": len(cart.lines), "from_staff_id": from_actor.staff_id})
        uow.commit()
    return cart


@requires(Permission.SELL)
def recall_cart(park_id: str, *, uow: UnitOfWork, actor: Actor) -> Cart:
    with uow:
        data = uow.counter.take_parked(park_id)
        if data is None:
            raise NotFound("That parked cart was already recalled.")
        uow.audit.record(actor, "cart.recalled", entity_type="parked_cart", entity_id=park_id)
        uow.commit()
    return cart_from_dict(data)
