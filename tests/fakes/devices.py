"""A card reader's refunds in memory: what a void or the refund tracker asks Stripe, and what it answers.

Only refunds are faked (charging a card is tested against `tests/stripe_server.py`);
like Stripe, a refund asked again with the same idempotency key is the same
refund, never a second one. `answer` sets what Stripe says next about a refund.
"""

from __future__ import annotations

from typing import NoReturn

from pos_app.domain.errors import UserFacingError
from pos_app.services.ports.devices import CardOutcome, RefundOutcome


class FakeCardRefunds:
    """`CardTerminal` whose refunds are kept in `refunds` (by idempotency key); charging fails the test."""

    def __init__(self, *, status: str = "succeeded") -> None:
        self.status_for_new = status
        self.refunds: dict[str, RefundOutcome] = {}  # idempotency key -> the refund
        self.answers: dict[str, RefundOutcome] = {}  # refund id -> what Stripe says when asked again
        self.unreachable: str | None = None  # set: asking about a refund raises this message

    @property
    def test_mode(self) -> bool:
        return True

    def refund(self, payment_intent_id: str, amount_cents: int, *, key: str) -> RefundOutcome:
        if key not in self.refunds:
            self.refunds[key] = RefundOutcome(f"re_{len(self.refunds) + 1}_{payment_intent_id}", self.status_for_new,
                                              amount_cents)
        return self.refunds[key]

    def answer(self, refund_id: str, status: str, failure_reason: str | None = None) -> None:
        amount = next(r.amount_cents for r in self.refunds.values() if r.refund_id == refund_id) \
            if any(r.refund_id == refund_id for r in self.refunds.values()) else 0
        self.answers[refund_id] = RefundOutcome(refund_id, status, amount, failure_reason)

    def refund_status(self, refund_id: str) -> RefundOutcome:
        if self.unreachable is not None:
            raise UserFacingError(self.unreachable)
        found = self.answers.get(refund_id) or next((r for r in self.refunds.values() if r.refund_id == refund_id),
                                                    None)
        if found is None:
            raise UserFacingError(f"No such refund: {refund_id}")
        return found

    def _no_charges(self) -> NoReturn:
        raise AssertionError("FakeCardRefunds takes no payments; test charging against tests/stripe_server.py")

    def begin(self, *, key: str, amount_cents: int, currency: str, description: str,
              metadata: dict[str, str]) -> CardOutcome:
        self._no_charges()

    def status(self, payment_intent_id: str, *, key: str) -> CardOutcome:
        self._no_charges()

    def cancel(self, payment_intent_id: str) -> CardOutcome:
        self._no_charges()

    def simulate_tap(self, card_number: str = "4242424242424242") -> None:
        self._no_charges()
