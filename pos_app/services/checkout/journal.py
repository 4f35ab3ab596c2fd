"""Reading and writing the checkout journal (`domain/checkout.py`) inside a unit of work.

Every payment call takes a `CheckoutRef`: the journal's id (what the sell
screen holds: the call reads the journal as stored) or a `Checkout` value a
caller already has (recovery, a test, the benchmarks), taken as it is.
"""

from __future__ import annotations

from pos_app.domain.checkout import Checkout
from pos_app.domain.errors import NotFound
from pos_app.domain.permissions import Actor
from pos_app.services.ports.uow import UnitOfWork

CheckoutRef = Checkout | str
"""A checkout's id, or the journal value itself."""


def stored(uow: UnitOfWork, checkout_id: str) -> Checkout:
    """The journal as stored, read inside the caller's open transaction."""
    entry = uow.checkouts.get(checkout_id)
    if entry is None:
        raise NotFound("That checkout does not exist.")
    return entry.checkout


def current(ref: CheckoutRef, uow: UnitOfWork) -> Checkout:
    """The journal a call acts on: a value as given, an id read on its own (read-only) transaction."""
    if isinstance(ref, Checkout):
        return ref
    with uow.reading():
        return stored(uow, ref)


def save(uow: UnitOfWork, co: Checkout, actor: Actor) -> None:
    """Write the journal inside the caller's transaction (the caller commits)."""
    uow.checkouts.save(co, terminal=actor.terminal, staff_id=actor.staff_id)


def commit(uow: UnitOfWork, co: Checkout, actor: Actor) -> Checkout:
    """Write the journal in a transaction of its own; the value back for chaining."""
    with uow:
        save(uow, co, actor)
        uow.commit()
    return co


def open_checkout(checkout_id: str, *, uow: UnitOfWork) -> Checkout:
    """The journal of `checkout_id` as it stands (the payment screen shows it after each step)."""
    return current(checkout_id, uow)
