"""Card refunds until Stripe settles them: pending ones asked about again, failed ones paid back another way.

A refund to a card (a return, a voided cart, a voided sale) is asked of
Stripe with an idempotency key and recorded in `card_refunds` in the same
transaction as what it belongs to (`record`). Stripe may answer `pending`:
the card network has not confirmed it, and it can still fail days later (an
expired or closed card). So a pending refund is *not* done:

- `check_refunds` asks Stripe about every unsettled refund and writes what it
  says (on `card_refunds` and on the sale's refund payment row). The counter
  calls it when it starts and every few minutes while one is pending; the
  command line calls it from `pos-app payments refunds --check`.
- A refund that failed stays in `needing_attention` until someone pays the
  customer back another way: `refund_failed_in_cash` hands the amount out of
  the drawer as a paid-out, with a manager's approval, and marks it handled.
  `attention_message` is the sentence the counter and the command line show.

Thread: blocking Stripe calls; the GUI runs these off its thread.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pos_app.domain.errors import Conflict, NotFound, UserFacingError, ValidationError
from pos_app.domain.money import Money, format_money
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import approval, requires
from pos_app.services.ports.devices import CardTerminal, RefundOutcome
from pos_app.services.ports.sales import CardRefundRow
from pos_app.services.ports.uow import UnitOfWork

FAILURE_WORDS = {
    "expired_or_canceled_card": "the card has expired or was closed",
    "lost_or_stolen_card": "the card was reported lost or stolen",
    "declined": "the card's bank declined it",
    "insufficient_funds": "the store's Stripe balance was too low",
    "merchant_request": "it was cancelled at Stripe",
    "unknown": "the card network gave no reason",
}


def record(uow: UnitOfWork, actor: Actor, outcome: RefundOutcome, *, payment_intent_id: str, currency: str,
           card_brand: str | None, card_last4: str | None, reason: str, sale_id: str | None = None,
           checkout_id: str | None = None) -> None:
    """Note a refund Stripe answered, inside the caller's open unit of work (the caller commits)."""
    uow.card_refunds.record(refund_id=outcome.refund_id, payment_intent_id=payment_intent_id,
                            amount_cents=outcome.amount_cents, currency=currency, status=outcome.status,
                            failure_reason=outcome.failure_reason, card_brand=card_brand, card_last4=card_last4,
                            reason=reason, terminal=actor.terminal, staff_id=actor.staff_id, sale_id=sale_id,
                            checkout_id=checkout_id)


@dataclass(frozen=True)
class RefundsChecked:
    """What a check found: refunds that settled now, and everything still needing someone."""

    settled: tuple[CardRefundRow, ...]
    attention: tuple[CardRefundRow, ...]
    unreachable: str | None = None  # Stripe could not be asked: its message

    @property
    def messages(self) -> list[str]:
        return [attention_message(row) for row in self.attention] + ([self.unreachable] if self.unreachable else [])


@requires(Permission.SELL)
def check_refunds(*, uow: UnitOfWork, actor: Actor, terminal: CardTerminal | None,
                  now: dt.datetime | None = None) -> RefundsChecked:
    """Ask Stripe about every unsettled refund; record what it says; say what still needs someone."""
    moment = now or dt.datetime.now(dt.UTC)
    with uow:
        unsettled = uow.card_refunds.unsettled()
    settled: list[CardRefundRow] = []
    unreachable = None
    if unsettled and terminal is None:
        unreachable = ("Card refunds are waiting for Stripe's answer and no card reader is set up to ask: set up "
                       "the Stripe key and reader (pos-app payments status).")
    for row in unsettled:
        if terminal is None:
            break
        try:
            now_is = terminal.refund_status(row.refund_id)
        except UserFacingError as problem:
            unreachable = f"Could not ask Stripe how the card refunds stand: {problem}"
            break
        with uow:
            uow.card_refunds.set_status(row.refund_id, now_is.status, now_is.failure_reason, at=moment)
            if now_is.status != row.status and now_is.status in ("succeeded", "failed", "canceled"):
                uow.audit.record(actor, f"card_refund.{now_is.status}", entity_type="card_refund", entity_id=row.id,
                                 summary={"amount_cents": row.amount_cents, "reason": row.reason,
                                          "failure_reason": now_is.failure_reason})
            uow.commit()
        if now_is.status != row.status:
            settled.append(row)
    with uow:
        attention = uow.card_refunds.needing_attention()
        settled = [uow.card_refunds.get(r.id) or r for r in settled]
    return RefundsChecked(settled=tuple(settled), attention=tuple(attention), unreachable=unreachable)


@requires(Permission.SELL)
def refunds_needing_attention(*, uow: UnitOfWork, actor: Actor) -> list[CardRefundRow]:
    """Pending refunds, and failed ones not yet paid back another way (no Stripe call)."""
    with uow:
        return uow.card_refunds.needing_attention()


def attention_message(row: CardRefundRow) -> str:
    """The sentence a clerk and a manager read about one refund that is not done."""
    amount = format_money(Money(row.amount_cents, row.currency))
    card = f"{(row.card_brand or 'card').upper()} ****{row.card_last4 or ''}".strip()
    where = f" (sale {row.sale_number})" if row.sale_number else " (a voided cart)"
    if row.status in ("failed", "canceled"):
        why = FAILURE_WORDS.get(row.failure_reason or "unknown", row.failure_reason or "no reason given")
        return (f"The card refund of {amount} to {card}{where} failed at Stripe: {why}. The customer has not "
                "been paid back: refund it in cash from the drawer with a manager's approval, and record it with "
                f"`pos-app payments refunds --paid-in-cash {row.refund_id}`.")
    return (f"The card refund of {amount} to {card}{where} is still pending at Stripe; Facet checks it again "
            "until it succeeds or fails.")


@requires(Permission.SELL)
def refund_failed_in_cash(row_id: str, *, uow: UnitOfWork, actor: Actor, approver: Actor | None = None,
                          now: dt.datetime | None = None) -> CardRefundRow:
    """Pay a failed card refund back in cash from this counter's drawer: a manager's, or their approval."""
    moment = now or dt.datetime.now(dt.UTC)
    with uow:
        row = uow.card_refunds.get(row_id)
    if row is None:
        raise NotFound("That card refund does not exist.")
    if row.handled_at is not None:
        raise Conflict(f"That refund was already paid back: {row.handled_how}.")
    if row.status not in ("failed", "canceled"):
        raise ValidationError("refund", f"is {row.status} at Stripe; only a failed card refund is paid in cash")
    amount = format_money(Money(row.amount_cents, row.currency))
    approved = approval(actor, approver, Permission.REFUND, f"Paying a failed card refund of {amount} in cash")
    with uow:
        shift_id = uow.counter.open_shift_id(actor.terminal)
        if shift_id is None:
            raise Conflict("No cash drawer shift is open on this counter: open one to pay cash out.")
        how = f"paid {amount} in cash from {actor.terminal}'s drawer"
        uow.counter.add_cash_movement(shift_id, kind="paid_out", amount_cents=row.amount_cents,
                                      reason=f"Failed card refund {row.refund_id} paid in cash",
                                      staff_id=actor.staff_id, approved_by=approved.staff_id if approved else None)
        uow.card_refunds.mark_handled(row.id, by=(approved or actor).staff_id, how=how, at=moment)
        uow.audit.record(actor, "card_refund.paid_in_cash", entity_type="card_refund", entity_id=row.id,
                         summary={"amount_cents": row.amount_cents},
                         approved_by=approved.staff_id if approved else None)
        uow.commit()
        done = uow.card_refunds.get(row.id)
    assert done is not None
    return done
