"""Opening a cart's payment journal, taking cash, giving cash back, voiding.

`start_checkout` checks the cart once more against stock and writes its
journal, priced once at the store's tax rate (`domain/checkout.py` keeps the
rate and the totals); every tender is written to the journal as it is taken.
Cash over the Form 8300 line needs the payer's details first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from pos_app.domain.cart import Cart, Tender, TenderKind, cash_tender
from pos_app.domain.checkout import Checkout, LargeCashDetails
from pos_app.domain.erasure import add_years
from pos_app.domain.errors import Conflict, UserFacingError, ValidationError
from pos_app.domain.jewelry import ItemStatus, Tracking
from pos_app.domain.money import Money, format_money
from pos_app.domain.permissions import Actor, Permission
from pos_app.domain.store import store_today
from pos_app.services.checkout import journal
from pos_app.services.checkout.cart import CounterSettings, _record_approval
from pos_app.services.checkout.journal import CheckoutRef
from pos_app.services.guard import approval, requires
from pos_app.services.ports.devices import CardTerminal, DeviceUnavailable
from pos_app.services.ports.sales import SalesReader
from pos_app.services.ports.uow import UnitOfWork

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


def _check_stock(uow: UnitOfWork, cart: Cart) -> None:
    sold = [line for line in cart.lines if not line.is_return]
    found = uow.counter.items_for_sale([line.item_id for line in sold])
    wanted: dict[str, int] = {}
    for line in sold:
        wanted[line.item_id] = wanted.get(line.item_id, 0) + line.quantity
    for line in sold:
        status, tracking, on_hand = found.get(line.item_id, ("missing", "", 0))
        if status != ItemStatus.AVAILABLE.value:
            raise Conflict(f"{line.sku} is no longer available ({status.replace('_', ' ')}); remove it from the cart.")
        # Counted units: this store's. A unique piece is claimed by the sale itself, and the database says
        # whose it is when it is another store's (items_sold_at_home).
        if tracking != Tracking.UNIQUE.value and wanted[line.item_id] > on_hand:
            raise Conflict(f"Only {on_hand} of {line.sku} in stock; change the quantity.")


@requires(Permission.SELL)
def start_checkout(cart: Cart, *, settings: CounterSettings, uow: UnitOfWork, actor: Actor,
                   checkout_id: str | None = None) -> Checkout:
    """Check the cart once more against stock and open its payment journal, priced at today's rate.

    A customer erased since they were attached (by another window on this store, which the screen never
    hears of) is left off: the journal opens without them, never with their name, and the checkout's cart
    says so by having no customer (`CUSTOMER_ERASED_MEANWHILE` is the screen's sentence for it)."""
    co = Checkout.start(checkout_id or str(uuid.uuid4()), cart, settings.tax_rate)
    with uow:
        _check_stock(uow, cart)
        if cart.customer_id is not None and uow.customers.name_and_address(cart.customer_id) is None:
            co = dataclasses.replace(co, cart=dataclasses.replace(cart, customer_id=None, customer_name=""))
        journal.save(uow, co, actor)
        uow.commit()
    return co


@requires(Permission.SELL)
def reopen(checkout: CheckoutRef, *, uow: UnitOfWork, actor: Actor) -> Cart:
    """Go back to the cart (to change it) before anything was paid."""
    co = journal.current(checkout, uow)
    if co.tenders or co.pending is not None:
        raise Conflict("Money has been taken for this cart: finish paying, or void it to refund what was paid.")
    journal.commit(uow, co.abandoned(), actor)
    return co.cart


@requires(Permission.SELL)
def pay_cash(checkout: CheckoutRef, tendered: Money, *, uow: UnitOfWork, actor: Actor, sales: SalesReader,
             large_cash: LargeCashDetails | None = None, now: dt.datetime | None = None) -> Checkout:
    """Cash handed over toward what is due; more than due gives change.

    Cash that takes the customer over $10,000 within 12 months (counted in
    the store's days, `large_cash_since`) needs the payer's Form 8300
    details first (LargeCashDetailsNeeded says so).
    """
    co = journal.current(checkout, uow)
    if co.pending is not None:
        raise Conflict("Finish or cancel the card payment first.")
    if tendered.currency != co.cart.currency:
        raise ValidationError("cash", f"must be in {co.cart.currency}")
    tender = cash_tender(co.due, tendered)
    cash_here = co.paid_in(TenderKind.CASH) + tender.amount.cents
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
        co = co.tender_added(tender, large_cash=details)
        journal.save(uow, co, actor)
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
    return LargeCashDetails(full_name=full_name, address=address, date_of_birth=details.date_of_birth,
                            taxpayer_id=digits, id_document=document[:200],
                            occupation=details.occupation.strip()[:120])


@requires(Permission.SELL)
def refund_cash(checkout: CheckoutRef, amount: Money, *, uow: UnitOfWork, actor: Actor,
                approver: Actor | None = None) -> Checkout:
    """Cash back to the customer for a return: a manager's permission, or approval."""
    co = journal.current(checkout, uow)
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
        co = co.tender_added(Tender(TenderKind.CASH, amount=-amount))
        journal.save(uow, co, actor)
        if approved is not None:
            uow.audit.record(actor, "sale.cash_refund_approved", entity_type="checkout", entity_id=co.id,
                             summary={"amount_cents": amount.cents}, approved_by=approved.staff_id)
        uow.commit()
    return co


@requires(Permission.SELL)
def void_checkout(checkout: CheckoutRef, *, uow: UnitOfWork, actor: Actor, terminal: CardTerminal | None) -> Checkout:
    """Give up on a cart being paid: card charges are refunded, cash is handed back by the clerk.

    A card payment still waiting is cancelled first (if the card went through meanwhile, it is
    refunded with the others); one Stripe refused is simply dropped. Every refund is recorded and
    followed until Stripe settles it (`services/card_refunds.py`).
    """
    from pos_app.services import card_refunds
    from pos_app.services.checkout.cards import cancel_card

    co = journal.current(checkout, uow)
    if co.pending is not None and co.pending.is_refund:
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
        co = co.abandoned()
        journal.save(uow, co, actor)
        uow.audit.record(actor, "cart.voided", entity_type="checkout", entity_id=co.id,
                         summary={"lines": len(co.cart.lines), "card_refunds": len(to_refund),
                                  "cash_returned_cents": co.paid_in(TenderKind.CASH)})
        uow.commit()
    return co


@requires(Permission.SELL)
def refund_unsold(checkout: CheckoutRef, *, uow: UnitOfWork, actor: Actor, terminal: CardTerminal | None,
                  approver: Actor | None = None) -> Checkout:
    """Give back what was paid for a cart that cannot be sold (its piece was sold elsewhere meanwhile).

    Card payments are refunded to the card and the checkout closes, as `void_checkout` does;
    cash handed back needs whoever may refund (a manager), or their approval, which the audit
    trail records with the checkout before the money moves.
    """
    co = journal.current(checkout, uow)
    if co.pending is not None:
        raise Conflict("Cancel the card payment on the reader first.")
    cash = co.paid_in(TenderKind.CASH)
    approved = None
    if cash > 0:
        approved = approval(actor, approver, Permission.REFUND,
                            f"Giving back {format_money(Money(cash, co.cart.currency))} in cash")
    if approved is not None:
        _record_approval(uow, actor, approved, "sale.conflict_refund_approved",
                         {"checkout": co.id, "cash_cents": cash})
    return void_checkout(co, uow=uow, actor=actor, terminal=terminal)
