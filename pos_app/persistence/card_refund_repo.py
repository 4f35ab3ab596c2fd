"""The card refunds Facet asked Stripe for, and how each stands (`card_refunds`).

Written in the same transaction as what the refund belongs to (the return's
checkout tender, the voided cart, the voided sale). The refund tracker
(`services/card_refunds.py`) reads the unsettled ones, asks Stripe again, and
writes the new status here and on the sale's refund payment row
(`payments.status`, matched by Stripe's refund id) in one transaction.
ORM writes: the outbox hook records each change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pos_app.persistence.models import CardRefund, Checkout, Payment, Sale
from pos_app.services.ports.sales import CardRefundRow

SETTLED = ("succeeded", "failed", "canceled")


class CardRefundRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def record(self, *, refund_id: str, payment_intent_id: str, amount_cents: int, currency: str, status: str,
               failure_reason: str | None, card_brand: str | None, card_last4: str | None, reason: str,
               terminal: str, staff_id: str | None, sale_id: str | None = None,
               checkout_id: str | None = None) -> str:
        """Record a refund once; the same Stripe refund again (a retried key) only updates its status."""
        row = self._s.scalars(select(CardRefund).where(CardRefund.refund_id == refund_id)).one_or_none()
        if row is None:
            row = CardRefund(refund_id=refund_id, payment_intent_id=payment_intent_id, amount_cents=amount_cents,
                             currency=currency, status=status, failure_reason=failure_reason, card_brand=card_brand,
                             card_last4=card_last4, reason=reason, terminal=terminal, staff_id=staff_id,
                             sale_id=sale_id, checkout_id=checkout_id)
            self._s.add(row)
        else:
            row.status, row.failure_reason = status, failure_reason
        if status in SETTLED:
            row.settled_at = row.settled_at or dt.datetime.now(dt.UTC)
        self._s.flush()
        return row.id

    def _rows(self, *where: Any) -> list[CardRefundRow]:
        """Rows with the sale number a person knows them by (the voided sale, or the return's own sale)."""
        checkout_sale = select(Checkout.sale_id).where(Checkout.id == CardRefund.checkout_id).scalar_subquery()
        own = select(Sale.number).where(Sale.id == CardRefund.sale_id).scalar_subquery()
        via_checkout = select(Sale.number).where(Sale.id == checkout_sale).scalar_subquery()
        query = select(CardRefund, own, via_checkout).where(*where).order_by(CardRefund.created_at)
        return [_row(refund, own_number or checkout_number)
                for refund, own_number, checkout_number in self._s.execute(query)]

    def unsettled(self) -> list[CardRefundRow]:
        """Refunds Stripe has not settled yet (pending, requires_action): to ask about again."""
        return self._rows(CardRefund.status.not_in(SETTLED))

    def needing_attention(self) -> list[CardRefundRow]:
        """Unsettled refunds, and failed or cancelled ones nobody has paid back another way yet."""
        return self._rows((CardRefund.status.not_in(("succeeded",))) & CardRefund.handled_at.is_(None))

    def get(self, row_id: str) -> CardRefundRow | None:
        rows = self._rows(CardRefund.id == row_id)
        return rows[0] if rows else None

    def set_status(self, refund_id: str, status: str, failure_reason: str | None, *, at: dt.datetime) -> None:
        row = self._s.scalars(select(CardRefund).where(CardRefund.refund_id == refund_id)).one()
        row.checked_at = at
        if row.status != status:
            row.status, row.failure_reason = status, failure_reason
            if status in SETTLED:
                row.settled_at = at
            for payment in self._s.scalars(select(Payment).where(Payment.refund_id == refund_id)):
                payment.status = status  # the sale's refund row says what became of it (outbox via the ORM)
        self._s.flush()

    def mark_handled(self, row_id: str, *, by: str | None, how: str, at: dt.datetime) -> None:
        row = self._s.get(CardRefund, row_id)
        assert row is not None
        row.handled_at, row.handled_by, row.handled_how = at, by, how[:200]
        self._s.flush()


def _row(r: CardRefund, sale_number: str | None) -> CardRefundRow:
    return CardRefundRow(id=r.id, refund_id=r.refund_id, payment_intent_id=r.payment_intent_id,
                         amount_cents=r.amount_cents, currency=r.currency, status=r.status,
                         failure_reason=r.failure_reason, card_brand=r.card_brand, card_last4=r.card_last4,
                         reason=r.reason, sale_number=sale_number, created_at=r.created_at, handled_at=r.handled_at,
                         handled_how=r.handled_how)
