"""Returns, exchanges and voids.

A return is found by scanning the receipt's barcode (the sale number) or
typing the number. Its lines go into the cart with a minus sign and the
amounts that line was actually charged, never more than was sold less what
earlier returns took back; the cart then settles like any sale: refunds to
the original card through Stripe, cash with a manager. A cart holding both
returned and new pieces is an exchange, settled together.

A void undoes a whole sale of the current shift (or of today, where no shift
is open): a manager approves, every card payment is refunded in full at
Stripe (idempotently: a retried void never refunds twice), the stock comes
back, and the sale is marked voided with who and why.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from pos_app.domain.cart import Cart, CartLine, ReturnedAmounts, returned_amounts
from pos_app.domain.errors import Conflict, NotFound, StockConflict, ValidationError
from pos_app.domain.jewelry import ItemStatus
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import approval, requires
from pos_app.services.ports.devices import CardTerminal, DeviceUnavailable, RefundOutcome
from pos_app.services.ports.sales import NewPayment, PaymentDetail, SaleDetail, SalesReader
from pos_app.services.ports.uow import UnitOfWork


@requires(Permission.SELL)
def find_sale(code: str, *, sales: SalesReader, actor: Actor, uow: UnitOfWork) -> SaleDetail:
    """The sale a receipt's barcode (or its typed number) names."""
    code = code.strip().upper()
    if not code:
        raise ValidationError("receipt", "scan the receipt's barcode or type the sale number, such as C1-000123")
    sale_id = sales.sale_id_for_number(code)
    sale = sales.sale(sale_id) if sale_id else None
    if sale is None:
        raise NotFound(f"No sale has the number {code!r}.")
    return sale


def returnable(sale: SaleDetail, cart: Cart | None = None) -> dict[str, int]:
    """Units of each sold line that can still come back (less what the cart already returns)."""
    in_cart: dict[str, int] = {}
    for line in (cart.lines if cart else ()):
        if line.returned is not None:
            key = line.returned.original_line_id
            in_cart[key] = in_cart.get(key, 0) - line.quantity
    return {line.id: line.quantity - line.returned - in_cart.get(line.id, 0)
            for line in sale.lines if line.quantity > 0}


def add_return(cart: Cart, sale: SaleDetail, line_id: str, quantity: int, *, actor: Actor) -> Cart:
    """Put `quantity` units of a sold line into the cart as returned."""
    actor.require(Permission.SELL)
    if sale.status != "completed":
        raise Conflict(f"Sale {sale.number} was voided; nothing can be returned from it.")
    if sale.currency != cart.currency:
        raise ValidationError("currency", f"sale {sale.number} was in {sale.currency}")
    others = {line.returned.original_sale_number for line in cart.lines if line.returned}
    if others - {sale.number}:
        raise Conflict("A cart returns pieces from one sale at a time; finish this return first.")
    line = next((x for x in sale.lines if x.id == line_id), None)
    if line is None or line.quantity <= 0:
        raise NotFound("That line is not a sold line of this sale.")
    left = returnable(sale, cart)[line.id]
    if quantity <= 0:
        raise ValidationError("quantity", "return at least one")
    if quantity > left:
        raise ValidationError("quantity", f"{line.sku}: {line.quantity} sold, only {left} can still be returned")
    already = line.quantity - left
    net, tax = returned_amounts(line_net=line.net_cents, line_tax=line.tax_cents, sold=line.quantity,
                                already_returned=already, returning=quantity)
    cur = sale.currency
    returned = ReturnedAmounts(net=Money(net, cur), tax=Money(tax, cur), original_line_id=line.id,
                               original_sale_number=sale.number)
    cart_line = CartLine(item_id=line.item_id, sku=line.sku, description=line.description, quantity=-quantity,
                         unit_price=Money(line.unit_price_cents, cur), list_price=Money(line.list_price_cents, cur),
                         unique=line.unique, returned=returned)
    cart = cart.with_line(cart_line)
    if cart.customer_id is None and sale.customer_id is not None:
        cart = dataclasses.replace(cart, customer_id=sale.customer_id, customer_name=sale.customer)
    return cart


def return_whole_sale(cart: Cart, sale: SaleDetail, *, actor: Actor) -> Cart:
    for line_id, left in returnable(sale, cart).items():
        if left > 0:
            cart = add_return(cart, sale, line_id, left, actor=actor)
    if not any(line.returned for line in cart.lines):
        raise Conflict(f"Everything from sale {sale.number} has already been returned.")
    return cart


def _voidable(sale: SaleDetail, *, sales: SalesReader, actor: Actor, timezone: str, now: dt.datetime) -> None:
    if sale.status != "completed":
        raise Conflict(f"Sale {sale.number} is already voided.")
    if any(line.returned for line in sale.lines):
        raise Conflict(f"Pieces from sale {sale.number} were returned since; it can no longer be voided.")
    shift = sales.open_shift(actor.terminal)
    if shift is not None:
        if sale.shift_id != shift.id:
            raise Conflict(f"Only a sale of the current shift can be voided; {sale.number} is not. Return it instead.")
        return
    zone = ZoneInfo(timezone)
    if sale.completed_at.astimezone(zone).date() != now.astimezone(zone).date() or sale.terminal != actor.terminal:
        raise Conflict(f"Only today's sales of this counter can be voided; return {sale.number} instead.")


def _not_here(sale: SaleDetail, sku: str) -> str:
    return (f"Sale {sale.number} cannot be voided: {sku}, returned in it, has been sold again since. "
            "Return this sale's pieces instead.")


def _check_taken_back(sale: SaleDetail, *, uow: UnitOfWork) -> None:
    """A void takes back what the sale's returned lines brought in; refuse before any card is refunded
    if it is no longer there (the stock guard would refuse the void's own transaction)."""
    taken_back = [line for line in sale.lines if line.quantity < 0]
    if not taken_back:
        return
    with uow:
        found = uow.counter.items_for_sale([line.item_id for line in taken_back])
    for line in taken_back:
        status, _, on_hand = found.get(line.item_id, ("missing", "", 0))
        if on_hand < -line.quantity or (line.unique and status != ItemStatus.AVAILABLE.value):
            raise Conflict(_not_here(sale, line.sku))


@requires(Permission.SELL)
def void_sale(sale_id: str, reason: str, *, uow: UnitOfWork, actor: Actor, sales: SalesReader, timezone: str,
              terminal: CardTerminal | None, approver: Actor | None = None, now: dt.datetime | None = None) -> None:
    """Undo a sale of the current shift: refunds, stock back, marked voided. A manager's."""
    reason = reason.strip()
    if not reason:
        raise ValidationError("reason", "say why the sale is voided")
    sale = sales.sale(sale_id)
    if sale is None:
        raise NotFound("That sale does not exist.")
    moment = now or dt.datetime.now(dt.UTC)
    _voidable(sale, sales=sales, actor=actor, timezone=timezone, now=moment)
    approved = approval(actor, approver, Permission.VOID_SALE, f"Voiding sale {sale.number}")
    _check_taken_back(sale, uow=uow)

    from pos_app.services import card_refunds

    refunds: list[NewPayment] = []
    outcomes: list[tuple[PaymentDetail, RefundOutcome]] = []
    for payment in sale.payments:
        if payment.amount_cents <= 0:
            continue
        refund = NewPayment(tender=payment.tender, amount_cents=-payment.amount_cents,
                            payment_intent_id=payment.payment_intent_id, card_brand=payment.card_brand,
                            card_last4=payment.card_last4)
        if payment.tender == "card" and payment.payment_intent_id:
            if terminal is None:
                raise DeviceUnavailable("This sale was paid by card and no card reader is set up to refund it.")
            key = f"void-{sale.id}-{payment.id}"
            outcome = terminal.refund(payment.payment_intent_id, payment.amount_cents, key=key)
            # `pending` is recorded as such and followed until Stripe settles it (services/card_refunds.py).
            refund = dataclasses.replace(refund, refund_id=outcome.refund_id, idempotency_key=key,
                                         status=outcome.status)
            outcomes.append((payment, outcome))
        refunds.append(refund)

    # The sale moved -quantity of each line (a returned line +units): the void moves it back.
    moves = [(line.item_id, "return" if line.quantity > 0 else "sale", line.quantity) for line in sale.lines]
    statuses = [(line.item_id, ItemStatus.AVAILABLE.value if line.quantity > 0 else ItemStatus.SOLD.value)
                for line in sale.lines if line.unique]
    with uow:
        uow.counter.void_sale(sale.id, by=actor.staff_id, reason=reason[:200], at=moment)
        for refund in refunds:
            uow.counter.add_refund_payment(sale.id, refund)
        for payment, outcome in outcomes:
            assert payment.payment_intent_id is not None
            card_refunds.record(uow, actor, outcome, payment_intent_id=payment.payment_intent_id,
                                currency=sale.currency, card_brand=payment.card_brand,
                                card_last4=payment.card_last4, reason="void_sale", sale_id=sale.id)
        try:
            uow.counter.record_moves(moves, reference=f"void {sale.number}", actor=actor)
            if statuses:
                uow.counter.set_statuses(statuses)
        except StockConflict as refused:  # the stock guard, should a sale slip in after _check_taken_back
            raise Conflict(_not_here(sale, refused.sku)) from None
        uow.audit.record(actor, "sale.voided", entity_type="sale", entity_id=sale.id,
                         summary={"number": sale.number, "total_cents": sale.total_cents,
                                  "card_refunds": sum(1 for r in refunds if r.refund_id)},
                         approved_by=approved.staff_id if approved else None)
        uow.commit()
