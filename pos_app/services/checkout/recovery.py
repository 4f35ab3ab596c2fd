"""After a crash: settling the payment journals a counter left open.

`recover_checkouts` reads every open journal of this counter back and asks
Stripe what happened to a card attempt under way (with the attempt's own
idempotency key: asking again can never charge twice): a captured card
completes the sale, a failed or cancelled one reopens the cart with what was
already paid. The journal keeps the tax rate and totals it was priced at,
so a rate changed before the restart never moves what the customer owes.
Recovery meets a piece sold elsewhere meanwhile as `complete_sale` does, and
says what was paid instead of completing the sale; a customer erased
meanwhile is left off the sale, as `complete_sale` leaves them, and said so.
"""

from __future__ import annotations

from dataclasses import dataclass

from pos_app.domain.cart import TenderKind
from pos_app.domain.checkout import Checkout
from pos_app.domain.errors import StockConflict, UserFacingError
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.checkout import journal
from pos_app.services.checkout.cards import cancel_card, check_card, finish_refund
from pos_app.services.checkout.completion import CompletedSale, complete_sale, paid_summary
from pos_app.services.guard import requires
from pos_app.services.ports.devices import CardTerminal, PaymentRefused
from pos_app.services.ports.sales import SalesReader
from pos_app.services.ports.uow import UnitOfWork


@dataclass(frozen=True)
class Recovered:
    """What start-up found of a checkout left open: completed (a sale number) or reopened."""

    checkout: Checkout
    completed: CompletedSale | None
    message: str
    conflict: str = ""  # not completed because a piece was sold elsewhere meanwhile: the money goes back


@requires(Permission.SELL)
def recover_checkouts(*, uow: UnitOfWork, actor: Actor, sales: SalesReader,
                      terminal: CardTerminal | None) -> list[Recovered]:
    """Settle every checkout this counter left open: ask Stripe about waiting cards, then
    complete the paid ones and hand back the others for the clerk to finish.

    Each is settled at the rate and totals its journal kept: the store's settings now play no part.
    A paid checkout whose piece was sold elsewhere
    meanwhile is not completed: it comes back with `conflict` set and a message saying what was paid
    and that it is to be given back (`refund_unsold`); the audit trail has it (`checkout.stock_conflict`,
    in `audit flags`).
    """
    with uow.reading():
        entries = uow.checkouts.open_on(actor.terminal)
    results: list[Recovered] = []
    for entry in entries:
        co = entry.checkout
        if not co.tenders and co.pending is None:
            # Nothing was paid: the journal closes and the cart goes back to the screen as it was.
            journal.commit(uow, co.abandoned(), actor)
            results.append(Recovered(co, None, "The cart that was being paid for is back; nothing was paid."))
            continue
        note = ""
        if co.pending is not None:
            if terminal is None:
                results.append(Recovered(co, None, "A card payment was waiting when Facet stopped; set up the card "
                                                   "reader so Facet can ask Stripe how it ended."))
                continue
            try:
                if co.pending.is_refund:
                    co = finish_refund(co, uow=uow, actor=actor, terminal=terminal)
                    note = "The refund that was under way went through."
                else:
                    co, outcome = check_card(co, uow=uow, actor=actor, terminal=terminal)
                    if outcome.state == "pending":
                        co, outcome = cancel_card(co, uow=uow, actor=actor, terminal=terminal)
                    note = {"succeeded": "The card payment under way went through.",
                            "failed": "The card payment under way was declined.",
                            "canceled": "The card payment under way was cancelled."}.get(outcome.state, "")
            except PaymentRefused as refused:  # Stripe made nothing to charge: the attempt was dropped
                co = co.card_dropped()
                note = f"Stripe refused the card payment under way: {refused}"
            except UserFacingError as error:
                results.append(Recovered(co, None, f"Could not ask Stripe about a card payment: {error}"))
                continue
        if co.settled and co.tenders:
            try:
                done = complete_sale(co, uow=uow, actor=actor, sales=sales, staff_id=entry.staff_id,
                                     action="sale.completed_on_recovery")
            except StockConflict as conflict:
                co = co.conflicted(str(conflict))
                results.append(Recovered(co, None, f"{note} {conflict_message(co)}".strip(), conflict=str(conflict)))
                continue
            results.append(Recovered(co, done, f"{note} Sale {done.number} was completed. {done.note}".strip()))
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
