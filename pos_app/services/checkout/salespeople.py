"""Who sold it: the salespeople a clerk names at checkout, and whom a return comes off.

The clerk picks one to four active staff members who may sell (Shift+F2 on
the sell screen) with their shares in percent; `share_sale` checks them
(`domain/commission.py`) and puts them on the cart, whose journal keeps them
through a crash. `sale_credits` gets them with the sale (`completion.py`
through `credits_for_sale`), except when the clerk alone sold it: no rows.

A return or an exchange comes off the salespeople of the sale it returns:
it copies that sale's slices, unless the clerk named salespeople for it. A
sale its clerk alone made has none to copy: its return is the returning
clerk's, as before shared sales existed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pos_app.domain.cart import Cart
from pos_app.domain.commission import SALESPEOPLE_FIELD, Credit, check_slices, credits_of, parse_share
from pos_app.domain.errors import ValidationError
from pos_app.domain.permissions import Actor, Permission, allows
from pos_app.services.ports.sales import SaleDetail
from pos_app.services.ports.settings import DirectoryReader


@dataclass(frozen=True)
class Seller:
    """A staff member who may be named as a salesperson."""

    id: str
    name: str


def sellers(directory: DirectoryReader) -> list[Seller]:
    """Active staff whose role may sell, by name."""
    found = [Seller(s.id, s.name) for s in directory.staff_list() if s.active and allows(s.role, Permission.SELL)]
    return sorted(found, key=lambda s: s.name.lower())


def share_sale(cart: Cart, picks: Sequence[tuple[str, str]], *, directory: DirectoryReader, actor: Actor) -> Cart:
    """The cart sold by `picks`: (staff id, share typed in percent) in the order the clerk named them.

    One to four distinct active staff members who may sell, shares above 0 adding up to 100%; anything else
    is refused naming the field (`salespeople`) and the cart stays as it was. The clerk alone (or no one)
    leaves the cart unshared."""
    actor.require(Permission.SELL)
    names: dict[str, str] = {}
    for staff_id, _ in picks:
        member = directory.staff_member(staff_id)
        if member is None or not member.active or not allows(member.role, Permission.SELL):
            who = member.name if member is not None else "someone who is not on the staff"
            raise ValidationError(SALESPEOPLE_FIELD, f"{who} is not active staff who may sell")
        names[staff_id] = member.name
    shares = [(staff_id, parse_share(share, field=f"share of {names[staff_id]}")) for staff_id, share in picks]
    if not shares or (len(shares) == 1 and shares[0][0] == actor.staff_id):
        if shares:
            credits_of(shares)  # 100% or refused
        return cart.with_salespeople(())
    return cart.with_salespeople(credits_of(shares, names=names))


def credits_for_sale(cart: Cart, *, seller: str, original: SaleDetail | None) -> tuple[Credit, ...]:
    """The `sale_credits` of the sale `cart` becomes, made by `seller`: the salespeople named on it, else
    for a return or exchange those of the sale it returns (`original`); none when `seller` alone sold it."""
    credits = cart.salespeople
    if not credits and original is not None:
        credits = original.credits
    if not credits:
        return ()
    check_slices(credits)
    if len(credits) == 1 and credits[0].staff_id == seller:
        return ()
    return tuple(credits)
