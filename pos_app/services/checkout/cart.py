"""Building the cart at the counter: scans, quantities, discounts, price changes, tax exemption, customer.

The cart is a value (`domain/cart.py`) the sell screen holds; the functions
here check each change against stock, the clerk's limits and the permission
matrix, and return the new cart. Nothing is written while a cart is built,
except the audit event of a manager's approval or of a deep discount.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pos_app.domain.cart import (
    Cart,
    CartLine,
    Discount,
    DiscountKind,
    PricedCart,
    deepest_discount,
    discount_percent,
    parse_tax_rate,
    price,
)
from pos_app.domain.errors import Conflict, NotFound, UserFacingError, ValidationError
from pos_app.domain.jewelry import ItemStatus, Tracking
from pos_app.domain.money import Money, format_money
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import approval, requires
from pos_app.services.ports.inventory import InventoryReader, ItemRow
from pos_app.services.ports.sales import SalesReader
from pos_app.services.ports.settings import DirectoryReader
from pos_app.services.ports.uow import UnitOfWork

DEFAULT_CLERK_DISCOUNT_LIMIT = Decimal(10)
CUSTOMER_ERASED_MEANWHILE = ("The customer on this sale was erased at their request meanwhile: the sale goes on "
                             "without a customer.")


@dataclass(frozen=True)
class CounterSettings:
    currency: str
    locale: str
    timezone: str
    tax_rate: Decimal
    clerk_discount_limit: Decimal
    terminal: str


def counter_settings(directory: DirectoryReader, terminal: str) -> CounterSettings:
    profile = directory.store()
    if profile is None:
        raise NotFound("The store has not been set up yet.")
    limit = directory.setting("sales.clerk_discount_limit_percent", str(DEFAULT_CLERK_DISCOUNT_LIMIT))
    return CounterSettings(currency=profile.currency, locale=profile.locale, timezone=profile.timezone,
                           tax_rate=parse_tax_rate(profile.tax_rate), clerk_discount_limit=Decimal(str(limit)),
                           terminal=terminal)


def _record_approval(uow: UnitOfWork, actor: Actor, approver: Actor, action: str, summary: dict[str, Any]) -> None:
    with uow:
        uow.audit.record(actor, action, entity_type="cart", summary=summary, approved_by=approver.staff_id)
        uow.commit()


def find_item(code: str, *, reader: InventoryReader) -> ItemRow:
    """What a scanner typed or a clerk keyed: a barcode, a SKU or a certificate number."""
    code = code.strip()
    if not code:
        raise ValidationError("code", "scan a barcode or type a SKU")
    if len(code) > 64:
        raise ValidationError("code", "is too long for a barcode or SKU")
    row = reader.lookup_code(code)
    if row is None:
        raise NotFound(f"No necklace has the barcode, SKU or certificate number {code!r}.")
    return row


def add_item(cart: Cart, row: ItemRow, *, actor: Actor, quantity: int = 1) -> Cart:
    """Add a piece from the inventory (a scan, a search pick); more of a counted item adds to its line."""
    actor.require(Permission.SELL)
    if row.currency != cart.currency:
        raise ValidationError("price", f"{row.sku} is priced in {row.currency}; the store sells in {cart.currency}")
    if row.status != ItemStatus.AVAILABLE.value:
        status = ItemStatus.of(row.status).label.lower()
        raise Conflict(f"{row.sku} is {status}; only an available piece can be sold.")
    # In a sync group a unique piece is sold at its home store (a joined counter's code is "S1-C2"); counted
    # units wherever they are on hand (`row.on_hand` is this store's).
    home = row.store_code if row.tracking == Tracking.UNIQUE.value else None
    if home and actor.terminal.partition("-")[0] != home:
        raise Conflict(f"{row.sku} belongs to store {home}: a piece is sold only at its home store; transfer it "
                       "here first.")
    in_cart = cart.quantity_of(row.id)
    if row.tracking == Tracking.UNIQUE.value:
        if in_cart:
            raise Conflict(f"{row.sku} is already in the cart: it is a unique piece.")
        if row.on_hand < 1:
            raise Conflict(f"{row.sku} is not in stock (on hand {row.on_hand}).")
        quantity = 1
    elif in_cart + quantity > row.on_hand:
        raise Conflict(f"Only {row.on_hand} of {row.sku} in stock; the cart already has {in_cart}.")
    price_ = Money(row.price_cents, row.currency)
    if row.tracking == Tracking.COUNTED.value:
        for index, line in enumerate(cart.lines):
            if line.item_id == row.id and not line.is_return and line.discount is None and not line.override_reason:
                return cart.replace_line(index, dataclasses.replace(line, quantity=line.quantity + quantity))
    return cart.with_line(CartLine(item_id=row.id, sku=row.sku, description=row.title, quantity=quantity,
                                   unit_price=price_, list_price=price_, unique=row.tracking == Tracking.UNIQUE.value))


def scan(cart: Cart, code: str, *, reader: InventoryReader, actor: Actor) -> Cart:
    """The scanner's path: look the code up and add it, in one step (a few milliseconds)."""
    return add_item(cart, find_item(code, reader=reader), actor=actor)


def set_quantity(cart: Cart, index: int, quantity: int, *, reader: InventoryReader, actor: Actor) -> Cart:
    actor.require(Permission.SELL)
    line = cart.line(index)
    if line.is_return:
        raise ValidationError("quantity", "change a returned line from the return screen")
    if line.unique and quantity != 1:
        raise ValidationError("quantity", f"{line.sku} is a unique piece: its quantity is 1")
    if not 1 <= quantity <= 999:
        raise ValidationError("quantity", "must be a whole number from 1 to 999")
    rows = reader.rows_by_ids([line.item_id])
    on_hand = rows[0].on_hand if rows else 0
    others = cart.quantity_of(line.item_id) - line.quantity
    if others + quantity > on_hand:
        raise Conflict(f"Only {on_hand} of {line.sku} in stock.")
    return cart.replace_line(index, dataclasses.replace(line, quantity=quantity))


def remove_line(cart: Cart, index: int, *, actor: Actor) -> Cart:
    actor.require(Permission.SELL)
    return cart.without_line(index)


def _check_discount_limit(cart: Cart, settings: CounterSettings, actor: Actor, approver: Actor | None,
                          what: str) -> tuple[PricedCart, Actor | None]:
    priced = price(cart, settings.tax_rate)
    deepest = deepest_discount(priced)
    if deepest <= settings.clerk_discount_limit:
        return priced, None
    message = (f"{what} takes {deepest.normalize():f}% off, above the "
               f"{settings.clerk_discount_limit.normalize():f}% a clerk may give")
    return priced, approval(actor, approver, Permission.DISCOUNT_ABOVE_LIMIT, message)


class DiscountToConfirm(UserFacingError):
    """A discount deep enough to need a reason was asked without `confirmed`: the clerk confirms it first.

    The message says what goes off (percentage, amount, what the piece then sells for) and why, for a
    confirmation the clerk answers with Enter or Esc; then the same call again with `confirmed=True`.
    """


def _deep_discount(changed: Cart, settings: CounterSettings, lines: list[int], what: str, discount: Discount,
                   reason: str, confirmed: bool) -> str:
    """The reason a discount past the ceiling carries, checked; "" for a discount within it.

    The ceiling is the clerk's limit (`sales.clerk_discount_limit_percent`): past it a manager's judgement
    is involved (their approval for a clerk), and the reason is what the sale line keeps of that judgement
    (the audit event says one was given); giving a piece away (100%) always needs one, whoever gives it.
    One setting, so the owner never sets up a discount a manager approves without a reason.
    """
    priced = price(changed, settings.tax_rate)
    chosen = [priced.lines[i] for i in lines]
    gross = sum((p.gross for p in chosen), Money(0, changed.currency))
    off = sum((p.discount for p in chosen), Money(0, changed.currency))
    depth = discount_percent(off, gross)
    if depth <= settings.clerk_discount_limit and off < gross:
        return ""
    reason = reason.strip()
    depth_text = f"{depth.normalize():f}%"
    if not reason:
        raise ValidationError("reason", f"say why {what.removeprefix('on ')} goes {depth_text} off "
                                        "(kept with the sale)")
    if len(reason) > 80:
        raise ValidationError("reason", "is longer than 80 characters")
    if not confirmed:
        left = gross - off
        subject = what.removeprefix("on ")
        depth_note = f" ({depth_text})" if discount.kind is not DiscountKind.PERCENT else ""
        raise DiscountToConfirm(f"{subject[:1].upper()}{subject[1:]}: {discount.describe()}{depth_note}, "
                                f"{format_money(off)} of {format_money(gross)}, sold for {format_money(left)}. "
                                f"Reason: {reason}.")
    return reason


@requires(Permission.SELL)
def discount_line(cart: Cart, index: int, discount: Discount | None, *, settings: CounterSettings, actor: Actor,
                  uow: UnitOfWork, approver: Actor | None = None, reason: str = "", confirmed: bool = False) -> Cart:
    """Set (or, with None, clear) a line's discount; above the clerk's limit a manager approves.

    Past that limit, or taking the whole line off, the discount needs a `reason` (kept with the line; the
    audit event says one was given) and the clerk's confirmation (`DiscountToConfirm` until `confirmed`), in that order,
    before a manager is asked for.
    """
    line = cart.line(index)
    if line.is_return:
        raise ValidationError("discount", "a returned line refunds what was paid; it takes no discount")
    if discount is not None and discount.amount is not None and discount.amount > line.unit_price * line.quantity:
        raise ValidationError("discount", f"is more than the line's {format_money(line.unit_price * line.quantity)}")
    changed = cart.replace_line(index, dataclasses.replace(line, discount=discount, approved_by=None))
    why = "" if discount is None else _deep_discount(changed, settings, [index], f"on {line.sku}", discount, reason,
                                                     confirmed)
    if discount is not None and why:
        discount = dataclasses.replace(discount, reason=why)
        changed = changed.replace_line(index, dataclasses.replace(changed.lines[index], discount=discount))
    _, approved = _check_discount_limit(changed, settings, actor, approver, f"The discount on {line.sku}")
    if approved is not None:
        assert discount is not None
        changed = changed.replace_line(index, dataclasses.replace(changed.lines[index],
                                                                  approved_by=approved.staff_id))
        _record_approval(uow, actor, approved, "sale.discount_approved",
                         {"sku": line.sku, "discount": discount.describe(), "with_reason": bool(why)})
    elif why:
        assert discount is not None
        _record_deep_discount(uow, actor, {"sku": line.sku, "discount": discount.describe(), "with_reason": bool(why)})
    return changed


def _record_deep_discount(uow: UnitOfWork, actor: Actor, summary: dict[str, Any]) -> None:
    """A discount past the ceiling that needed no approver (a manager's own), on the audit trail.

    The reason itself is free text (it may name a customer): it stays with the cart and the sale line,
    which an erasure searches, never in the hash-chained trail, which names fields, not contents.
    """
    with uow:
        uow.audit.record(actor, "sale.deep_discount_given", entity_type="cart", summary=summary)
        uow.commit()


@requires(Permission.SELL)
def discount_order(cart: Cart, discount: Discount | None, *, settings: CounterSettings, actor: Actor,
                   uow: UnitOfWork, approver: Actor | None = None, reason: str = "", confirmed: bool = False) -> Cart:
    """The whole sale's discount, under the same limit, reason and confirmation as a line's."""
    if discount is not None and not any(not line.is_return for line in cart.lines):
        raise ValidationError("discount", "the cart has nothing sold to discount")
    changed = dataclasses.replace(cart, order_discount=discount, order_discount_approved_by=None)
    sold = [i for i, line in enumerate(changed.lines) if not line.is_return]
    why = "" if discount is None else _deep_discount(changed, settings, sold, "on the whole sale", discount, reason,
                                                     confirmed)
    if discount is not None and why:
        discount = dataclasses.replace(discount, reason=why)
        changed = dataclasses.replace(changed, order_discount=discount)
    _, approved = _check_discount_limit(changed, settings, actor, approver, "The order discount")
    if approved is not None:
        assert discount is not None
        changed = dataclasses.replace(changed, order_discount_approved_by=approved.staff_id)
        _record_approval(uow, actor, approved, "sale.discount_approved",
                         {"order": True, "discount": discount.describe(), "with_reason": bool(why)})
    elif why:
        assert discount is not None
        _record_deep_discount(uow, actor, {"order": True, "discount": discount.describe(), "with_reason": bool(why)})
    return changed


@requires(Permission.SELL)
def override_price(cart: Cart, index: int, new_price: Money, reason: str, *, actor: Actor, uow: UnitOfWork,
                   approver: Actor | None = None) -> Cart:
    """Sell a line at another price than its tag: a reason, and a manager unless the seller is one."""
    line = cart.line(index)
    if line.is_return:
        raise ValidationError("price", "a returned line refunds what was paid")
    if new_price.cents <= 0:
        raise ValidationError("price", "must be more than zero")
    if new_price.currency != cart.currency:
        raise ValidationError("price", f"must be in {cart.currency}")
    reason = reason.strip()
    if not reason:
        raise ValidationError("reason", "say why the price changes (it goes on the audit trail)")
    if len(reason) > 120:
        raise ValidationError("reason", "is longer than 120 characters")
    approved = approval(actor, approver, Permission.OVERRIDE_PRICE, f"Changing the price of {line.sku}")
    changed = cart.replace_line(index, dataclasses.replace(
        line, unit_price=new_price, override_reason=reason,
        approved_by=approved.staff_id if approved else line.approved_by))
    if approved is not None:
        _record_approval(uow, actor, approved, "sale.price_override_approved",
                         {"sku": line.sku, "from_cents": line.list_price.cents, "to_cents": new_price.cents})
    return changed


def exempt_from_tax(cart: Cart, reason: str, number: str) -> Cart:
    """A tax-exempt sale (a reseller, a charity): both a reason and the exemption certificate's number."""
    reason, number = reason.strip(), number.strip()
    if not reason:
        raise ValidationError("exemption reason", "say why the sale is tax exempt (resale, charity, ...)")
    if len(reason) > 120:
        raise ValidationError("exemption reason", "is longer than 120 characters")
    if not 3 <= len(number) <= 40:
        raise ValidationError("exemption number", "enter the exemption certificate's number (3 to 40 characters)")
    return dataclasses.replace(cart, tax_exempt_reason=reason, tax_exempt_number=number)


def clear_tax_exemption(cart: Cart) -> Cart:
    return dataclasses.replace(cart, tax_exempt_reason="", tax_exempt_number="")


def attach_customer(cart: Cart, customer_id: str | None, *, sales: SalesReader, actor: Actor) -> Cart:
    actor.require(Permission.SELL)
    if customer_id is None:
        return dataclasses.replace(cart, customer_id=None, customer_name="")
    hit = sales.customer(customer_id)
    if hit is None:
        raise NotFound("That customer no longer exists.")
    return dataclasses.replace(cart, customer_id=hit.id, customer_name=hit.name)


def refresh_customer(cart: Cart, *, sales: SalesReader, actor: Actor) -> tuple[Cart, str]:
    """The cart's customer as the store holds them now: another counter (through sync) or the privacy desk
    may have corrected or erased them since they were attached. Returns the cart and a sentence for the
    clerk when what the counter shows changed ("" when nothing did). An erased customer leaves the cart: the
    sale goes on without one, so their data never comes back on a new sale or its receipt."""
    actor.require(Permission.SELL)
    if cart.customer_id is None:
        return cart, ""
    hit = sales.customer(cart.customer_id)
    if hit is None:
        return dataclasses.replace(cart, customer_id=None, customer_name=""), CUSTOMER_ERASED_MEANWHILE
    if hit.name != cart.customer_name:
        return dataclasses.replace(cart, customer_name=hit.name), f"Customer: {hit.name} (their name was corrected)."
    return cart, ""


def parse_discount(text: str, currency: str, *, field: str = "discount") -> Discount | None:
    """"10%" is ten percent off, "150" or "150.00" is that amount off, "" removes the discount."""
    from pos_app.domain.money import parse_money

    text = text.strip()
    if not text:
        return None
    if text.endswith("%"):
        try:
            percent = Decimal(text[:-1].strip())
        except InvalidOperation:
            raise ValidationError(field, f"{text!r} is not a percentage; type such as 10%") from None
        return Discount.of_percent(percent, field=field)
    return Discount.of_amount(parse_money(text, currency, field=field), field=field)
