"""The card reader's state machine: a charge or a refund asked of Stripe, journaled before it is asked.

A card attempt is written to the journal *before* Stripe hears of it, with
the idempotency key every Stripe call of that attempt derives from; asking
again with the same key can never create a second charge. Stripe's answer
moves the journal on (`domain/checkout.py`): the charge confirmed becomes a
tender, a decline or a cancel drops the attempt, a PaymentIntent still
waiting is followed (`check_card`, which the screen polls). A request Stripe
refuses outright (`PaymentRefused`) made nothing to charge: the attempt is
dropped and the refusal raised for the clerk to read.
"""

from __future__ import annotations

import dataclasses

from pos_app.domain.checkout import Checkout
from pos_app.domain.errors import Conflict, ValidationError
from pos_app.domain.money import Money, format_money
from pos_app.domain.payments import check_card_amount
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.checkout import journal
from pos_app.services.checkout.journal import CheckoutRef
from pos_app.services.guard import requires
from pos_app.services.ports.devices import CardOutcome, CardTerminal, DeviceUnavailable, PaymentRefused
from pos_app.services.ports.sales import SalesReader
from pos_app.services.ports.uow import UnitOfWork


@requires(Permission.SELL)
def start_card(checkout: CheckoutRef, amount: Money, *, uow: UnitOfWork, actor: Actor, terminal: CardTerminal,
               description: str = "") -> Checkout:
    """Send `amount` to the card reader. The attempt is journaled before Stripe hears of it.

    An amount outside Stripe's limits is refused here, before anything is saved. If Stripe refuses
    the attempt anyway (`PaymentRefused`), it is dropped from the journal and the refusal raised:
    nothing was charged, and the clerk can take another way to pay or void the cart.
    """
    co = journal.current(checkout, uow)
    co = co.card_started(amount)
    check_card_amount(amount)
    pending = co.pending
    assert pending is not None
    journal.commit(uow, co, actor)
    try:
        outcome = terminal.begin(key=pending.key, amount_cents=amount.cents, currency=amount.currency,
                                 description=description or f"Facet {actor.terminal}",
                                 metadata={"checkout": co.id, "terminal": actor.terminal})
    except PaymentRefused:
        journal.commit(uow, co.card_dropped(), actor)
        raise
    return _note_outcome(co, outcome, uow=uow, actor=actor)


def _note_outcome(co: Checkout, outcome: CardOutcome, *, uow: UnitOfWork, actor: Actor) -> Checkout:
    if outcome.state == "succeeded":
        co = co.card_confirmed(amount_cents=outcome.amount_cents, payment_intent_id=outcome.payment_intent_id,
                               card_brand=outcome.card_brand, card_last4=outcome.card_last4, receipt=outcome.receipt)
    elif outcome.state in ("failed", "canceled"):
        co = co.card_dropped()
    else:
        co = co.card_intent_created(outcome.payment_intent_id)
    return journal.commit(uow, co, actor)


@requires(Permission.SELL)
def check_card(checkout: CheckoutRef, *, uow: UnitOfWork, actor: Actor,
               terminal: CardTerminal) -> tuple[Checkout, CardOutcome]:
    """Ask Stripe how the waiting card payment stands (the screen polls this)."""
    co = journal.current(checkout, uow)
    pending = co.pending
    if pending is None or pending.is_refund:
        raise Conflict("No card payment is waiting.")
    if pending.payment_intent_id is None:
        # The first answer was lost: asking again with the same key returns the same PaymentIntent,
        # or the same refusal (then the attempt is dropped: Stripe made nothing to charge).
        try:
            outcome = terminal.begin(key=pending.key, amount_cents=pending.amount.cents,
                                     currency=pending.amount.currency, description=f"Facet {actor.terminal}",
                                     metadata={"checkout": co.id, "terminal": actor.terminal})
        except PaymentRefused:
            journal.commit(uow, co.card_dropped(), actor)
            raise
    else:
        outcome = terminal.status(pending.payment_intent_id, key=pending.key)
    return _note_outcome(co, outcome, uow=uow, actor=actor), outcome


@requires(Permission.SELL)
def cancel_card(checkout: CheckoutRef, *, uow: UnitOfWork, actor: Actor,
                terminal: CardTerminal) -> tuple[Checkout, CardOutcome]:
    """Stop the reader. If the card went through first, the payment stands and says so.

    A card attempt Stripe refuses to act on (it made no PaymentIntent, or has none by that id) is
    dropped: the outcome is `canceled` with Stripe's refusal as its message.
    """
    co = journal.current(checkout, uow)
    pending = co.pending
    if pending is None or pending.is_refund:
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
        dropped = journal.commit(uow, co.card_dropped(), actor)
        return dropped, CardOutcome(payment_intent_id=pending.payment_intent_id, state="canceled",
                                    stripe_status="refused", amount_cents=pending.amount.cents, message=str(refused))
    if outcome.state == "pending":
        outcome = dataclasses.replace(outcome, state="canceled")
    return _note_outcome(co, outcome, uow=uow, actor=actor), outcome


def card_refundable(checkout: Checkout, sales: SalesReader) -> list[tuple[str, str, int]]:
    """(PaymentIntent id, "VISA ****4242", cents still refundable) of the returned sale's cards."""
    co = checkout
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
def refund_card(checkout: CheckoutRef, payment_intent_id: str, amount: Money, *, uow: UnitOfWork, actor: Actor,
                terminal: CardTerminal, sales: SalesReader) -> Checkout:
    """Refund to the card the returned sale was paid with (no card needs to be presented)."""
    co = journal.current(checkout, uow)
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
    brand, _, last4 = label.partition(" ****")
    co = journal.commit(uow, co.refund_started(payment_intent_id, amount, card_brand=brand.lower(),
                                               card_last4=last4), actor)
    return finish_refund(co, uow=uow, actor=actor, terminal=terminal)


def finish_refund(co: Checkout, *, uow: UnitOfWork, actor: Actor, terminal: CardTerminal) -> Checkout:
    """Ask Stripe for the refund the journal holds under way (again, after a crash: same key, one refund).

    A step of the guarded `refund_card` (and of recovery, guarded too): it checks no permission itself.
    """
    pending = co.pending
    assert pending is not None and pending.payment_intent_id is not None and pending.is_refund
    from pos_app.services import card_refunds

    try:
        refund = terminal.refund(pending.payment_intent_id, -pending.amount.cents, key=pending.key)
    except PaymentRefused as refused:
        journal.commit(uow, co.card_dropped(), actor)
        raise PaymentRefused(f"{refused} Refund in cash with a manager's approval (Ctrl+B) instead.",
                             refused.code) from None
    if refund.status in ("failed", "canceled"):
        journal.commit(uow, co.card_dropped(), actor)
        raise DeviceUnavailable("Stripe refused the refund; refund in cash with a manager, or try again.")
    # `pending` counts as refunded here (Stripe holds the money for the card) and is followed until it
    # settles; a later failure is put in front of the staff to pay back in cash.
    co = co.refund_confirmed(refund_id=refund.refund_id, status=refund.status)
    with uow:
        card_refunds.record(uow, actor, refund, payment_intent_id=pending.payment_intent_id,
                            currency=co.cart.currency, card_brand=pending.card_brand, card_last4=pending.card_last4,
                            reason="return", checkout_id=co.id)
        journal.save(uow, co, actor)
        uow.commit()
    return co
