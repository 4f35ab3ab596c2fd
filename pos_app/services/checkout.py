"""Selling at the counter: build a cart, take payment, complete the sale.

The cart is a value (`domain/cart.py`) the sell screen holds; the functions
here check each change against stock, the clerk's limits and the permission
matrix, and return the new cart. Nothing is written while a cart is built,
except the audit event of a manager's approval.

Paying is where a sale could be lost or charged twice, so it is a journal:
`start_checkout` writes the cart to a `checkouts` row, every tender is
written to it as it is taken, and a card attempt is written *before* Stripe
is asked to charge, with the idempotency key every Stripe call of that
attempt derives from. After a crash, `recover_checkouts` reads those rows
back and asks Stripe what happened: a captured card completes the sale, a
failed or cancelled one reopens the cart with what was already paid. Asking
again with the same key can never create a second charge.

`complete_sale` writes the sale, its lines, payments, stock movements, item
statuses, the audit event, the outbox rows and the receipt's print queue
entry in one transaction, or nothing; the receipt prints after the commit
and leaves the queue once printed (`services/receipts.py`).

Stock is checked when payment starts, but another window on the same store
may sell the same piece while this one takes the money. The sale's own
transaction therefore takes each unique piece only if it is still available,
and the database refuses stock below zero (`persistence/stock_guard.py`):
`complete_sale` then raises a `StockConflict` naming the SKU, writes no
sale, keeps the checkout open with what was paid, notes the conflict on it
and on the audit trail (`checkout.stock_conflict`, one of `audit flags`),
and the money goes back with `refund_unsold`. Recovery after a crash meets
the same conflict and says what was paid instead of completing the sale.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from pos_app.domain.cart import (
    Cart,
    CartLine,
    Discount,
    DiscountKind,
    PricedCart,
    Tender,
    TenderKind,
    balance_due,
    cart_from_dict,
    cart_to_dict,
    cash_tender,
    deepest_discount,
    discount_percent,
    parse_tax_rate,
    price,
    tender_from_dict,
    tender_to_dict,
)
from pos_app.domain.erasure import add_years
from pos_app.domain.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    StockConflict,
    UserFacingError,
    ValidationError,
)
from pos_app.domain.jewelry import ItemStatus, Tracking
from pos_app.domain.money import Money, format_money
from pos_app.domain.payments import check_card_amount
from pos_app.domain.permissions import Actor, Permission
from pos_app.domain.store import store_today
from pos_app.services.guard import approval, requires
from pos_app.services.ports.devices import CardOutcome, CardTerminal, DeviceUnavailable, PaymentRefused
from pos_app.services.ports.inventory import InventoryReader, ItemRow
from pos_app.services.ports.sales import NewPayment, NewSale, NewSaleLine, SalesReader
from pos_app.services.ports.settings import DirectoryReader
from pos_app.services.ports.uow import UnitOfWork
from pos_app.services.receipts import WAITING_FOR_FIRST_PRINT

DEFAULT_CLERK_DISCOUNT_LIMIT = Decimal(10)
# IRS Form 8300: cash over $10,000 received in one transaction or related ones.
LARGE_CASH_LIMIT_CENTS = 1_000_000


def large_cash_since(moment: dt.datetime, timezone: str) -> dt.datetime:
    """Where Form 8300's 12 months start for cash taken at `moment`: the store's midnight on the same date a
    year before. Counted in the store's days, not UTC's: a sale at 21:30 on Dec 6, 2025 in New York (Dec 7
    in UTC) is within the 12 months of one on Dec 6, 2026."""
    day = add_years(store_today(timezone, moment), -1)
    return dt.datetime.combine(day, dt.time(), ZoneInfo(timezone))


def _store_timezone(uow: UnitOfWork) -> str:
    with uow.reading():
        profile = uow.store.get()
    return profile.timezone if profile else "UTC"


class LargeCashDetailsNeeded(UserFacingError):
    """Cash over the Form 8300 line: the payer's details must be recorded to take it."""

    def __init__(self, cash_cents: int, twelve_month_cents: int, message: str) -> None:
        self.cash_cents = cash_cents
        self.twelve_month_cents = twelve_month_cents
        super().__init__(message)


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


# ---------------------------------------------------------------- building the cart


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


# ---------------------------------------------------------------- parking


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


# ---------------------------------------------------------------- paying


@dataclass(frozen=True)
class PendingCard:
    """A card charge (amount > 0) or refund (amount < 0) asked of Stripe whose outcome is not yet known."""

    key: str
    amount: Money
    payment_intent_id: str | None = None  # the charge's PaymentIntent, or the one a refund goes back to
    card_brand: str | None = None
    card_last4: str | None = None


@dataclass(frozen=True)
class LargeCashDetails:
    """What IRS Form 8300 asks of the person paying cash."""

    full_name: str
    address: str
    date_of_birth: dt.date
    taxpayer_id: str
    id_document: str
    occupation: str = ""


@dataclass(frozen=True)
class Checkout:
    id: str
    cart: Cart
    priced: PricedCart
    tenders: tuple[Tender, ...] = ()
    pending: PendingCard | None = None
    attempts: int = 0
    large_cash: LargeCashDetails | None = None
    conflict: str = ""  # why it could not complete: a piece sold elsewhere meanwhile (the StockConflict's message)

    @property
    def due(self) -> Money:
        """Still to pay (negative: still to refund)."""
        return balance_due(self.priced.total, self.tenders)

    @property
    def change(self) -> Money:
        return sum((t.change for t in self.tenders), Money(0, self.cart.currency))

    @property
    def settled(self) -> bool:
        return self.due.cents == 0 and self.pending is None


def _to_row(co: Checkout) -> dict[str, Any]:
    pending = None
    if co.pending is not None:
        p = co.pending
        pending = {"key": p.key, "amount": p.amount.cents, "payment_intent_id": p.payment_intent_id,
                   "card_brand": p.card_brand, "card_last4": p.card_last4}
    large = None
    if co.large_cash is not None:
        large = {**dataclasses.asdict(co.large_cash), "date_of_birth": co.large_cash.date_of_birth.isoformat()}
    # The rate the checkout started with: the owner may change the store's rate while a cart is being paid
    # (or before a crash is recovered), and what the customer was shown and paid toward must not move.
    return {"tenders": [tender_to_dict(t) for t in co.tenders], "pending": pending, "attempts": co.attempts,
            "large_cash": large, "conflict": co.conflict, "tax_rate": str(co.priced.tax_rate)}


def _save(uow: UnitOfWork, co: Checkout, actor: Actor, status: str = "open", sale_id: str | None = None) -> None:
    cart = cart_to_dict(co.cart)
    journal = _to_row(co)
    cart["_checkout"] = journal
    uow.counter.save_checkout(co.id, terminal=actor.terminal, staff_id=actor.staff_id,
                              customer_id=co.cart.customer_id, cart=cart, tenders=journal["tenders"],
                              status=status, sale_id=sale_id)


def _from_row(row: dict[str, Any], tax_rate: Decimal) -> Checkout:
    """The checkout a journal row holds, priced at the rate it started with (`tax_rate`, the store's rate
    now, only for a journal written before the rate was kept)."""
    data = dict(row["cart"])
    extra = data.pop("_checkout", {}) or {}
    if extra.get("tax_rate") is not None:
        tax_rate = Decimal(str(extra["tax_rate"]))
    cart = cart_from_dict(data)
    currency = cart.currency
    p = extra.get("pending")
    pending = None if p is None else PendingCard(
        key=p["key"], amount=Money(int(p["amount"]), currency), payment_intent_id=p.get("payment_intent_id"),
        card_brand=p.get("card_brand"), card_last4=p.get("card_last4"))
    lc = extra.get("large_cash")
    large = None
    if lc is not None:
        large = LargeCashDetails(**{**lc, "date_of_birth": dt.date.fromisoformat(lc["date_of_birth"])})
    return Checkout(id=row["id"], cart=cart, priced=price(cart, tax_rate),
                    tenders=tuple(tender_from_dict(t, currency) for t in extra.get("tenders", [])),
                    pending=pending, attempts=int(extra.get("attempts", 0)), large_cash=large,
                    conflict=str(extra.get("conflict") or ""))


def _check_stock(uow: UnitOfWork, cart: Cart) -> None:
    sold = [line for line in cart.lines if not line.is_return]
    found = uow.counter.items_for_sale([line.item_id for line in sold])
    wanted: dict[str, int] = {}
    for line in sold:
        wanted[line.item_id] = wanted.get(line.item_id, 0) + line.quantity
    for line in sold:
        status, _, on_hand = found.get(line.item_id, ("missing", "", 0))
        if status != ItemStatus.AVAILABLE.value:
            raise Conflict(f"{line.sku} is no longer available ({status.replace('_', ' ')}); remove it from the cart.")
        if wanted[line.item_id] > on_hand:
            raise Conflict(f"Only {on_hand} of {line.sku} in stock; change the quantity.")


@requires(Permission.SELL)
def start_checkout(cart: Cart, *, settings: CounterSettings, uow: UnitOfWork, actor: Actor,
                   checkout_id: str | None = None) -> Checkout:
    """Check the cart once more against stock and open its payment journal."""
    import uuid

    if cart.is_empty:
        raise ValidationError("cart", "is empty; scan a necklace first")
    co = Checkout(id=checkout_id or str(uuid.uuid4()), cart=cart, priced=price(cart, settings.tax_rate))
    with uow:
        _check_stock(uow, cart)
        _save(uow, co, actor)
        uow.commit()
    return co


@requires(Permission.SELL)
def reopen(co: Checkout, *, uow: UnitOfWork, actor: Actor) -> Cart:
    """Go back to the cart (to change it) before anything was paid."""
    if co.tenders or co.pending is not None:
        raise Conflict("Money has been taken for this cart: finish paying, or void it to refund what was paid.")
    with uow:
        _save(uow, co, actor, status="abandoned")
        uow.commit()
    return co.cart


@requires(Permission.SELL)
def pay_cash(co: Checkout, tendered: Money, *, uow: UnitOfWork, actor: Actor, sales: SalesReader,
             large_cash: LargeCashDetails | None = None, now: dt.datetime | None = None) -> Checkout:
    """Cash handed over toward what is due; more than due gives change.

    Cash that takes the customer over $10,000 within 12 months (counted in
    the store's days, `large_cash_since`) needs the payer's Form 8300
    details first (LargeCashDetailsNeeded says so).
    """
    if co.pending is not None:
        raise Conflict("Finish or cancel the card payment first.")
    if tendered.currency != co.cart.currency:
        raise ValidationError("cash", f"must be in {co.cart.currency}")
    tender = cash_tender(co.due, tendered)
    cash_here = sum(t.amount.cents for t in co.tenders if t.kind is TenderKind.CASH) + tender.amount.cents
    moment = now or dt.datetime.now(dt.UTC)
    zone = _store_timezone(uow)
    earlier = (sales.customer_cash_since(co.cart.customer_id, large_cash_since(moment, zone))
               if co.cart.customer_id else 0)
    details = large_cash or co.large_cash
    if cash_here + earlier > LARGE_CASH_LIMIT_CENTS and details is None:
        raise LargeCashDetailsNeeded(
            cash_here, cash_here + earlier,
            f"Cash of {format_money(Money(cash_here + earlier, co.cart.currency))} from one customer within 12 "
            "months is over $10,000: the law (IRS Form 8300) asks for the payer's name, address, date of birth, "
            "taxpayer ID and identity document before you take it.")
    with uow:
        if uow.counter.open_shift_id(actor.terminal) is None:
            raise Conflict("No cash drawer shift is open on this counter: open one (Drawer, Open shift) to take cash.")
        if details is not None:
            # The payer's age on the store's day: 21:30 on Dec 6 in New York is Dec 7 in UTC, a day too soon
            # for someone who turns 18 on Dec 7.
            details = check_large_cash(details, today=store_today(zone, moment))
        co = dataclasses.replace(co, tenders=(*co.tenders, tender), large_cash=details)
        _save(uow, co, actor)
        uow.commit()
    return co


def check_large_cash(details: LargeCashDetails, *, today: dt.date) -> LargeCashDetails:
    full_name, address = details.full_name.strip(), details.address.strip()
    taxpayer, document = details.taxpayer_id.strip(), details.id_document.strip()
    if not 3 <= len(full_name) <= 160:
        raise ValidationError("full name", "enter the payer's full name")
    if len(address) < 8:
        raise ValidationError("address", "enter the payer's full street address")
    if not (dt.date(1900, 1, 1) <= details.date_of_birth and add_years(details.date_of_birth, 18) <= today):
        raise ValidationError("date of birth", "must be a real date, for a payer 18 or older")
    digits = "".join(ch for ch in taxpayer if ch.isdigit())
    if len(digits) != 9:
        raise ValidationError("taxpayer ID", "a US SSN or ITIN has 9 digits")
    if len(document) < 5:
        raise ValidationError("ID document", "name the document, its number and who issued it")
    return dataclasses.replace(details, full_name=full_name, address=address, taxpayer_id=digits,
                               id_document=document[:200], occupation=details.occupation.strip()[:120])


@requires(Permission.SELL)
def refund_cash(co: Checkout, amount: Money, *, uow: UnitOfWork, actor: Actor,
                approver: Actor | None = None) -> Checkout:
    """Cash back to the customer for a return: a manager's permission, or approval."""
    owed = -co.due.cents
    if owed <= 0:
        raise ValidationError("refund", "nothing is owed to the customer")
    if not 0 < amount.cents <= owed:
        most = format_money(Money(owed, amount.currency))
        raise ValidationError("refund", f"must be more than zero and at most {most}")
    approved = approval(actor, approver, Permission.REFUND, "A cash refund")
    with uow:
        if uow.counter.open_shift_id(actor.terminal) is None:
            raise Conflict("No cash drawer shift is open on this counter: open one to pay cash out.")
        co = dataclasses.replace(co, tenders=(*co.tenders, Tender(TenderKind.CASH, amount=-amount)))
        _save(uow, co, actor)
        if approved is not None:
            uow.audit.record(actor, "sale.cash_refund_approved", entity_type="checkout", entity_id=co.id,
                             summary={"amount_cents": amount.cents}, approved_by=approved.staff_id)
        uow.commit()
    return co


@requires(Permission.SELL)
def start_card(co: Checkout, amount: Money, *, uow: UnitOfWork, actor: Actor, terminal: CardTerminal,
               description: str = "") -> Checkout:
    """Send `amount` to the card reader. The attempt is journaled before Stripe hears of it.

    An amount outside Stripe's limits is refused here, before anything is saved. If Stripe refuses
    the attempt anyway (`PaymentRefused`), it is dropped from the journal and the refusal raised:
    nothing was charged, and the clerk can take another way to pay or void the cart.
    """
    if co.pending is not None:
        raise Conflict("A card payment is already waiting on the reader.")
    if not 0 < amount.cents <= co.due.cents:
        raise ValidationError("card amount", f"must be more than zero and at most {format_money(co.due)}")
    check_card_amount(amount)
    key = f"{co.id}-{co.attempts + 1}"
    co = dataclasses.replace(co, pending=PendingCard(key=key, amount=amount), attempts=co.attempts + 1)
    with uow:
        _save(uow, co, actor)
        uow.commit()
    try:
        outcome = terminal.begin(key=key, amount_cents=amount.cents, currency=amount.currency,
                                 description=description or f"Facet {actor.terminal}",
                                 metadata={"checkout": co.id, "terminal": actor.terminal})
    except PaymentRefused:
        _drop_pending(co, uow=uow, actor=actor)
        raise
    return _note_outcome(co, outcome, uow=uow, actor=actor)


def _drop_pending(co: Checkout, *, uow: UnitOfWork, actor: Actor) -> Checkout:
    """Forget a card attempt Stripe refused: nothing can be charged on it."""
    co = dataclasses.replace(co, pending=None)
    with uow:
        _save(uow, co, actor)
        uow.commit()
    return co


def _note_outcome(co: Checkout, outcome: CardOutcome, *, uow: UnitOfWork, actor: Actor) -> Checkout:
    pending = co.pending
    assert pending is not None
    if outcome.state == "succeeded":
        tender = Tender(TenderKind.CARD, amount=Money(outcome.amount_cents, co.cart.currency),
                        payment_intent_id=outcome.payment_intent_id, card_brand=outcome.card_brand,
                        card_last4=outcome.card_last4, card_receipt=outcome.receipt)
        co = dataclasses.replace(co, tenders=(*co.tenders, tender), pending=None)
    elif outcome.state in ("failed", "canceled"):
        co = dataclasses.replace(co, pending=None)
    else:
        co = dataclasses.replace(co, pending=dataclasses.replace(pending, payment_intent_id=outcome.payment_intent_id))
    with uow:
        _save(uow, co, actor)
        uow.commit()
    return co


@requires(Permission.SELL)
def check_card(co: Checkout, *, uow: UnitOfWork, actor: Actor, terminal: CardTerminal) -> tuple[Checkout, CardOutcome]:
    """Ask Stripe how the waiting card payment stands (the screen polls this)."""
    pending = co.pending
    if pending is None or pending.amount.cents < 0:
        raise Conflict("No card payment is waiting.")
    if pending.payment_intent_id is None:
        # The first answer was lost: asking again with the same key returns the same PaymentIntent,
        # or the same refusal (then the attempt is dropped: Stripe made nothing to charge).
        try:
            outcome = terminal.begin(key=pending.key, amount_cents=pending.amount.cents,
                                     currency=pending.amount.currency, description=f"Facet {actor.terminal}",
                                     metadata={"checkout": co.id, "terminal": actor.terminal})
        except PaymentRefused:
            _drop_pending(co, uow=uow, actor=actor)
            raise
    else:
        outcome = terminal.status(pending.payment_intent_id, key=pending.key)
    return _note_outcome(co, outcome, uow=uow, actor=actor), outcome


@requires(Permission.SELL)
def cancel_card(co: Checkout, *, uow: UnitOfWork, actor: Actor, terminal: CardTerminal) -> tuple[Checkout, CardOutcome]:
    """Stop the reader. If the card went through first, the payment stands and says so.

    A card attempt Stripe refuses to act on (it made no PaymentIntent, or has none by that id) is
    dropped: the outcome is `canceled` with Stripe's refusal as its message.
    """
    pending = co.pending
    if pending is None or pending.amount.cents < 0:
        raise Conflict("No card payment is waiting.")
    try:
        if pending.payment_intent_id is None:
            co, outcome = check_card(co, uow=uow, actor=actor, terminal=terminal)
            if co.pending is None:
                return co, outcome
            pending = co.pending
            assert pending is not None and pending.payment_intent_id is not None
        outcome = terminal.cancel(pending.payment_intent_id)
    except PaymentRefused as refused:
        dropped = _drop_pending(co, uow=uow, actor=actor)
        return dropped, CardOutcome(payment_intent_id=pending.payment_intent_id, state="canceled",
                                    stripe_status="refused", amount_cents=pending.amount.cents, message=str(refused))
    if outcome.state == "pending":
        outcome = dataclasses.replace(outcome, state="canceled")
    return _note_outcome(co, outcome, uow=uow, actor=actor), outcome


def card_refundable(co: Checkout, sales: SalesReader) -> list[tuple[str, str, int]]:
    """(PaymentIntent id, "VISA ****4242", cents still refundable) of the returned sale's cards."""
    original_numbers = {line.returned.original_sale_number for line in co.cart.lines if line.returned}
    result = []
    for number in original_numbers:
        sale_id = sales.sale_id_for_number(number)
        sale = sales.sale(sale_id) if sale_id else None
        if sale is None:
            continue
        cards = [p for p in sale.payments if p.tender == "card" and p.amount_cents > 0 and p.payment_intent_id]
        refunded = sales.refunded_by_payment_intent([p.payment_intent_id for p in cards if p.payment_intent_id])
        for p in cards:
            assert p.payment_intent_id is not None
            here = [t for t in co.tenders if t.payment_intent_id == p.payment_intent_id and t.amount.cents < 0]
            already = refunded.get(p.payment_intent_id, 0) - sum(t.amount.cents for t in here)
            left = p.amount_cents - already
            if left > 0:
                result.append((p.payment_intent_id, f"{(p.card_brand or 'card').upper()} ****{p.card_last4 or ''}",
                               left))
    return result


@requires(Permission.SELL)
def refund_card(co: Checkout, payment_intent_id: str, amount: Money, *, uow: UnitOfWork, actor: Actor,
                terminal: CardTerminal, sales: SalesReader) -> Checkout:
    """Refund to the card the returned sale was paid with (no card needs to be presented)."""
    owed = -co.due.cents
    if owed <= 0:
        raise ValidationError("refund", "nothing is owed to the customer")
    refundable = {pi: (label, left) for pi, label, left in card_refundable(co, sales)}
    if payment_intent_id not in refundable:
        raise ValidationError("card", "refund only to a card the returned sale was paid with")
    label, left = refundable[payment_intent_id]
    if not 0 < amount.cents <= min(owed, left):
        raise ValidationError("refund", f"must be more than zero and at most "
                                        f"{format_money(Money(min(owed, left), amount.currency))}")
    key = f"{co.id}-r{co.attempts + 1}"
    brand, _, last4 = label.partition(" ****")
    co = dataclasses.replace(co, attempts=co.attempts + 1, pending=PendingCard(
        key=key, amount=-amount, payment_intent_id=payment_intent_id, card_brand=brand.lower(), card_last4=last4))
    with uow:
        _save(uow, co, actor)
        uow.commit()
    return _finish_refund(co, uow=uow, actor=actor, terminal=terminal)


def _finish_refund(co: Checkout, *, uow: UnitOfWork, actor: Actor, terminal: CardTerminal) -> Checkout:
    pending = co.pending
    assert pending is not None and pending.payment_intent_id is not None and pending.amount.cents < 0
    from pos_app.services import card_refunds

    try:
        refund = terminal.refund(pending.payment_intent_id, -pending.amount.cents, key=pending.key)
    except PaymentRefused as refused:
        _drop_pending(co, uow=uow, actor=actor)
        raise PaymentRefused(f"{refused} Refund in cash with a manager's approval (Ctrl+B) instead.",
                             refused.code) from None
    if refund.status in ("failed", "canceled"):
        co = dataclasses.replace(co, pending=None)
        with uow:
            _save(uow, co, actor)
            uow.commit()
        raise DeviceUnavailable("Stripe refused the refund; refund in cash with a manager, or try again.")
    # `pending` counts as refunded here (Stripe holds the money for the card) and is followed until it
    # settles; a later failure is put in front of the staff to pay back in cash.
    tender = Tender(TenderKind.CARD, amount=pending.amount, payment_intent_id=pending.payment_intent_id,
                    card_brand=pending.card_brand, card_last4=pending.card_last4, refund_id=refund.refund_id,
                    refund_status=refund.status)
    co = dataclasses.replace(co, tenders=(*co.tenders, tender), pending=None)
    with uow:
        card_refunds.record(uow, actor, refund, payment_intent_id=pending.payment_intent_id,
                            currency=co.cart.currency, card_brand=pending.card_brand, card_last4=pending.card_last4,
                            reason="return", checkout_id=co.id)
        _save(uow, co, actor)
        uow.commit()
    return co


# ---------------------------------------------------------------- completing


@dataclass(frozen=True)
class CompletedSale:
    sale_id: str
    number: str
    kind: str
    total: Money
    change: Money
    receipt_job_id: str | None = None  # the receipt's entry in the print queue, written with the sale


def _sale_kind(cart: Cart) -> str:
    returns = [line for line in cart.lines if line.is_return]
    if not returns:
        return "sale"
    return "return" if len(returns) == len(cart.lines) else "exchange"


def _why(discount: Discount) -> str:
    """A discount as the sale line keeps it: "100% off: staff gift" (the reason when one was needed)."""
    return f"{discount.describe()}: {discount.reason}" if discount.reason else discount.describe()


def sale_rows(co: Checkout, *, number: str, terminal: str, staff_id: str, shift_id: str | None,
              original_sale_id: str | None, completed_at: dt.datetime) -> NewSale:
    cart, priced = co.cart, co.priced
    lines = []
    for p in priced.lines:
        line = p.line
        discount_reason = _why(line.discount) if line.discount else ""
        if cart.order_discount is not None and p.order_discount.cents:
            discount_reason = ", ".join(x for x in (discount_reason, "order " + _why(cart.order_discount)) if x)
        lines.append(NewSaleLine(
            item_id=line.item_id, sku=line.sku, description=line.description[:200], quantity=line.quantity,
            unit_price_cents=line.unit_price.cents, list_price_cents=line.list_price.cents,
            discount_cents=p.discount.cents, tax_cents=p.tax.cents, unique=line.unique,
            returns_line_id=line.returned.original_line_id if line.returned else None,
            discount_reason=discount_reason[:120], override_reason=line.override_reason,
            approved_by=line.approved_by or (cart.order_discount_approved_by if p.order_discount.cents else None),
        ))
    payments = tuple(
        NewPayment(tender=t.kind.value, amount_cents=t.amount.cents, status=t.refund_status or "succeeded",
                   payment_intent_id=t.payment_intent_id, card_brand=t.card_brand, card_last4=t.card_last4,
                   tendered_cents=None if t.tendered is None else t.tendered.cents, refund_id=t.refund_id,
                   card_receipt=json.dumps(t.card_receipt.to_dict(), sort_keys=True) if t.card_receipt else None)
        for t in co.tenders
    )
    kind = _sale_kind(cart)
    summary = {"kind": kind, "lines": len(lines), "total_cents": priced.total.cents,
               "tenders": sorted({t.kind.value for t in co.tenders}), "customer": cart.customer_id is not None}
    approvers = {x for x in [*(line.approved_by for line in cart.lines), cart.order_discount_approved_by] if x}
    return NewSale(
        number=number, terminal=terminal, staff_id=staff_id, customer_id=cart.customer_id, currency=cart.currency,
        completed_at=completed_at, lines=tuple(lines), payments=payments, tax_rate=str(priced.tax_rate), kind=kind,
        original_sale_id=original_sale_id, shift_id=shift_id, tax_exempt_reason=cart.tax_exempt_reason or None,
        tax_exempt_number=cart.tax_exempt_number or None,
        order_discount_reason=(_why(cart.order_discount) if cart.order_discount else "")[:120],
        audit_summary=summary, approved_by=sorted(approvers)[0] if approvers else None)


def paid_summary(co: Checkout) -> str:
    """What was taken for a checkout, as a clerk says it: "$1,250.00 (cash $250.00, VISA ****4242 $1,000.00)"."""
    parts = []
    for t in co.tenders:
        what = f"{t.card_brand.upper()} ****{t.card_last4 or ''}" if t.card_brand else t.kind.label.lower()
        back = t.amount.cents < 0
        parts.append(f"{what} {format_money(-t.amount if back else t.amount)}" + (" back" if back else ""))
    paid = sum((t.amount for t in co.tenders), Money(0, co.cart.currency))
    return f"{format_money(paid)} ({', '.join(parts)})" if parts else format_money(paid)


@contextlib.contextmanager
def _noting_conflicts(co: Checkout, *, uow: UnitOfWork, actor: Actor, on_recovery: bool) -> Iterator[None]:
    """Around `with uow:` (entered first, left last): a StockConflict from the sale's transaction, once
    that transaction rolled back, is noted on the checkout and on the audit trail, then raised again."""
    try:
        yield
    except StockConflict as conflict:
        _note_conflict(co, conflict, uow=uow, actor=actor, on_recovery=on_recovery)
        raise


def _note_conflict(co: Checkout, conflict: StockConflict, *, uow: UnitOfWork, actor: Actor,
                   on_recovery: bool) -> None:
    """The checkout stays open with what was paid and says why it could not complete; the audit trail
    (and so `audit flags`) hears of it once per checkout, whoever tries again."""
    with uow:
        row = uow.counter.checkout(co.id)
        noted = row is not None and (row["cart"].get("_checkout") or {}).get("conflict") == str(conflict)
        if noted or (row is not None and row["status"] != "open"):
            return
        _save(uow, dataclasses.replace(co, conflict=str(conflict)), actor)
        cash = sum(t.amount.cents for t in co.tenders if t.kind is TenderKind.CASH)
        card = sum(t.amount.cents for t in co.tenders if t.kind is TenderKind.CARD)
        uow.audit.record(actor, "checkout.stock_conflict", entity_type="checkout", entity_id=co.id,
                         summary={"sku": conflict.sku, "paid_cents": sum(t.amount.cents for t in co.tenders),
                                  "cash_cents": cash, "card_cents": card, "on_recovery": on_recovery})
        uow.commit()


@requires(Permission.SELL)
def complete_sale(co: Checkout, *, uow: UnitOfWork, actor: Actor, sales: SalesReader | None = None,
                  staff_id: str | None = None, now: dt.datetime | None = None,
                  action: str = "sale.completed") -> CompletedSale:
    """Write the paid sale in one transaction; the checkout row closes in the same one.

    A piece sold elsewhere since the cart was checked (or too few units left) raises a
    `StockConflict` naming the SKU: no sale is written and the checkout stays open with what
    was paid, noted as conflicted; `refund_unsold` gives the money back.
    """
    if co.pending is not None:
        raise Conflict("A card payment is still waiting on the reader.")
    due = co.due
    if due.cents > 0:
        raise ValidationError("payment", f"{format_money(due)} is still to be paid")
    if due.cents < 0:
        raise ValidationError("refund", f"{format_money(-due)} is still to be refunded to the customer")
    seller = staff_id or actor.staff_id
    if seller is None:
        raise PermissionDenied("A sale is made by a signed-in staff member.")
    original_sale_id = None
    originals = {line.returned.original_sale_number for line in co.cart.lines if line.returned}
    if originals and sales is not None:
        original_sale_id = sales.sale_id_for_number(sorted(originals)[0])
    moment = now or dt.datetime.now(dt.UTC)
    with _noting_conflicts(co, uow=uow, actor=actor, on_recovery=action != "sale.completed"), uow:
        counter = uow.counter
        terminal = actor.terminal
        number = f"{terminal}-{counter.next_sale_number(terminal):06d}"
        rows = sale_rows(co, number=number, terminal=terminal, staff_id=seller,
                         shift_id=counter.open_shift_id(terminal), original_sale_id=original_sale_id,
                         completed_at=moment)
        sale_id = counter.write_sale(rows, actor=actor, action=action)
        # The receipt waits in the print queue from the sale's own commit: no crash can lose it.
        receipt_job_id = counter.enqueue_print(terminal=terminal, document="receipt", sale_id=sale_id,
                                               shift_id=None, error=WAITING_FOR_FIRST_PRINT)
        if co.large_cash is not None:
            cash = sum(t.amount.cents for t in co.tenders if t.kind is TenderKind.CASH)
            profile = uow.store.get()
            since = large_cash_since(moment, profile.timezone if profile else "UTC")
            earlier = (sales.customer_cash_since(co.cart.customer_id, since)
                       if sales is not None and co.cart.customer_id else 0)
            counter.add_large_cash_report({
                **dataclasses.asdict(co.large_cash), "customer_id": co.cart.customer_id, "sale_id": sale_id,
                "cash_cents": cash, "twelve_month_cents": cash + earlier, "recorded_by": actor.staff_id,
                "status": "to_file"})
            uow.audit.record(actor, "sale.large_cash_recorded", entity_type="sale", entity_id=sale_id,
                             summary={"cash_cents": cash})
        done = dataclasses.replace(co, large_cash=None)  # the journal keeps no copy of the Form 8300 details
        _save(uow, done, actor, status="completed", sale_id=sale_id)
        uow.commit()
    return CompletedSale(sale_id=sale_id, number=number, kind=rows.kind, total=co.priced.total,
                         change=co.change, receipt_job_id=receipt_job_id)


@requires(Permission.SELL)
def void_checkout(co: Checkout, *, uow: UnitOfWork, actor: Actor, terminal: CardTerminal | None) -> Checkout:
    """Give up on a cart being paid: card charges are refunded, cash is handed back by the clerk.

    A card payment still waiting is cancelled first (if the card went through meanwhile, it is
    refunded with the others); one Stripe refused is simply dropped. Every refund is recorded and
    followed until Stripe settles it (`services/card_refunds.py`).
    """
    from pos_app.services import card_refunds

    if co.pending is not None and co.pending.amount.cents < 0:
        raise Conflict("A card refund is under way: let it finish (it is checked again at the next start), "
                       "then void the cart.")
    if co.pending is not None:
        if terminal is None:
            raise DeviceUnavailable("A card payment is waiting and no card reader is set up to cancel it.")
        co, _ = cancel_card(co, uow=uow, actor=actor, terminal=terminal)
    cards = [t for t in co.tenders if t.kind is TenderKind.CARD and t.payment_intent_id]
    net_by_pi: dict[str, int] = {}
    for t in cards:
        assert t.payment_intent_id is not None
        net_by_pi[t.payment_intent_id] = net_by_pi.get(t.payment_intent_id, 0) + t.amount.cents
    to_refund = {pi: cents for pi, cents in net_by_pi.items() if cents > 0}
    if to_refund and terminal is None:
        raise DeviceUnavailable("Card payments on this cart must be refunded, and no card reader is set up.")
    refunds = []
    for pi, cents in to_refund.items():
        assert terminal is not None
        refunds.append((pi, terminal.refund(pi, cents, key=f"{co.id}-void-{pi}")))
    with uow:
        for pi, refund in refunds:
            card = next(t for t in cards if t.payment_intent_id == pi)
            card_refunds.record(uow, actor, refund, payment_intent_id=pi, currency=co.cart.currency,
                                card_brand=card.card_brand, card_last4=card.card_last4, reason="void_cart",
                                checkout_id=co.id)
        _save(uow, co, actor, status="abandoned")
        uow.audit.record(actor, "cart.voided", entity_type="checkout", entity_id=co.id,
                         summary={"lines": len(co.cart.lines), "card_refunds": len(to_refund),
                                  "cash_returned_cents": sum(t.amount.cents for t in co.tenders
                                                             if t.kind is TenderKind.CASH)})
        uow.commit()
    return co


# ---------------------------------------------------------------- after a crash


@dataclass(frozen=True)
class Recovered:
    """What start-up found of a checkout left open: completed (a sale number) or reopened."""

    checkout: Checkout
    completed: CompletedSale | None
    message: str
    conflict: str = ""  # not completed because a piece was sold elsewhere meanwhile: the money goes back


@requires(Permission.SELL)
def recover_checkouts(*, settings: CounterSettings, uow: UnitOfWork, actor: Actor, sales: SalesReader,
                      terminal: CardTerminal | None) -> list[Recovered]:
    """Settle every checkout this counter left open: ask Stripe about waiting cards, then
    complete the paid ones and hand back the others for the clerk to finish.

    A paid checkout whose piece was sold elsewhere meanwhile is not completed: it comes back
    with `conflict` set and a message saying what was paid and that it is to be given back
    (`refund_unsold`); the audit trail has it (`checkout.stock_conflict`, in `audit flags`).
    """
    with uow:
        rows = uow.counter.open_checkouts(actor.terminal)
    results: list[Recovered] = []
    for row in rows:
        co = _from_row(row, settings.tax_rate)
        if not co.tenders and co.pending is None:
            # Nothing was paid: the journal closes and the cart goes back to the screen as it was.
            with uow:
                _save(uow, co, actor, status="abandoned")
                uow.commit()
            results.append(Recovered(co, None, "The cart that was being paid for is back; nothing was paid."))
            continue
        note = ""
        if co.pending is not None:
            if terminal is None:
                results.append(Recovered(co, None, "A card payment was waiting when Facet stopped; set up the card "
                                                   "reader so Facet can ask Stripe how it ended."))
                continue
            try:
                if co.pending.amount.cents < 0:
                    co = _finish_refund(co, uow=uow, actor=actor, terminal=terminal)
                    note = "The refund that was under way went through."
                else:
                    co, outcome = check_card(co, uow=uow, actor=actor, terminal=terminal)
                    if outcome.state == "pending":
                        co, outcome = cancel_card(co, uow=uow, actor=actor, terminal=terminal)
                    note = {"succeeded": "The card payment under way went through.",
                            "failed": "The card payment under way was declined.",
                            "canceled": "The card payment under way was cancelled."}.get(outcome.state, "")
            except PaymentRefused as refused:  # Stripe made nothing to charge: the attempt is dropped
                co = dataclasses.replace(co, pending=None)
                note = f"Stripe refused the card payment under way: {refused}"
            except UserFacingError as error:
                results.append(Recovered(co, None, f"Could not ask Stripe about a card payment: {error}"))
                continue
        if co.settled and co.tenders:
            try:
                done = complete_sale(co, uow=uow, actor=actor, sales=sales, staff_id=row["staff_id"],
                                     action="sale.completed_on_recovery")
            except StockConflict as conflict:
                co = dataclasses.replace(co, conflict=str(conflict))
                results.append(Recovered(co, None, f"{note} {conflict_message(co)}".strip(), conflict=str(conflict)))
                continue
            results.append(Recovered(co, done, f"{note} Sale {done.number} was completed.".strip()))
        else:
            results.append(Recovered(co, None, f"{note} The cart was reopened with what was already paid.".strip()))
    return results


def conflict_message(co: Checkout) -> str:
    """What the clerk is told of a paid checkout that cannot complete: why, what was paid, what to do."""
    kinds = {t.kind for t in co.tenders if t.amount.cents > 0}
    how = [what for kind, what in ((TenderKind.CARD, "a card is refunded to the card"),
                                   (TenderKind.CASH, "cash back needs a manager's approval")) if kind in kinds]
    return (f"Not sold: {co.conflict} This customer paid {paid_summary(co)}: give it back"
            + (f" ({'; '.join(how)})" if how else "") + ". The owner sees this among the audit trail's flags.")


@requires(Permission.SELL)
def refund_unsold(co: Checkout, *, uow: UnitOfWork, actor: Actor, terminal: CardTerminal | None,
                  approver: Actor | None = None) -> Checkout:
    """Give back what was paid for a cart that cannot be sold (its piece was sold elsewhere meanwhile).

    Card payments are refunded to the card and the checkout closes, as `void_checkout` does;
    cash handed back needs whoever may refund (a manager), or their approval, which the audit
    trail records with the checkout before the money moves.
    """
    if co.pending is not None:
        raise Conflict("Cancel the card payment on the reader first.")
    cash = sum(t.amount.cents for t in co.tenders if t.kind is TenderKind.CASH)
    approved = None
    if cash > 0:
        approved = approval(actor, approver, Permission.REFUND,
                            f"Giving back {format_money(Money(cash, co.cart.currency))} in cash")
    if approved is not None:
        _record_approval(uow, actor, approved, "sale.conflict_refund_approved",
                         {"checkout": co.id, "cash_cents": cash})
    return void_checkout(co, uow=uow, actor=actor, terminal=terminal)


def open_checkout(checkout_id: str, *, settings: CounterSettings, uow: UnitOfWork) -> Checkout:
    with uow:
        row = uow.counter.checkout(checkout_id)
    if row is None:
        raise NotFound("That checkout does not exist.")
    return _from_row(row, settings.tax_rate)

