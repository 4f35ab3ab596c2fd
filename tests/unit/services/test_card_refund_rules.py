"""Card refunds until Stripe settles them (services/card_refunds.py), on the fakes."""

from __future__ import annotations

import datetime as dt

import pytest

from pos_app.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from pos_app.domain.money import Money
from pos_app.domain.permissions import Role
from pos_app.services import card_refunds, cash
from pos_app.services.guard import ApprovalNeeded
from pos_app.services.ports.devices import RefundOutcome
from pos_app.services.ports.sales import CardRefundRow, NewPayment
from tests.fakes.builders import actor, add_item, add_sale, staff_id
from tests.fakes.devices import FakeCardRefunds
from tests.fakes.uow import FakeUnitOfWork

CLERK, MANAGER, APPRAISER = actor(Role.CLERK), actor(Role.MANAGER), actor(Role.APPRAISER)
AT = dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC)


def refunded(uow: FakeUnitOfWork, stripe: FakeCardRefunds, *, status: str = "pending") -> str:
    """A voided card sale of $250 whose refund Stripe answered with `status`; returns the refund row's id."""
    sale = add_sale(uow, [(add_item(uow, sku="RING"), 1, 25_000, 0, 0)],
                    payments=[{"tender": "card", "payment_intent_id": "pi_ring", "card_brand": "visa",
                               "card_last4": "4242"}])
    stripe.status_for_new = status
    outcome = stripe.refund("pi_ring", 25_000, key=f"void-{sale}")
    with uow:
        uow.counter.add_refund_payment(sale, NewPayment("card", -25_000, status=outcome.status,
                                                        refund_id=outcome.refund_id))
        card_refunds.record(uow, CLERK, outcome, payment_intent_id="pi_ring", currency="USD", card_brand="visa",
                            card_last4="4242", reason="void_sale", sale_id=sale)
        uow.commit()
    [row_id] = uow.state.card_refunds
    return row_id


def check(uow: FakeUnitOfWork, stripe: FakeCardRefunds | None) -> card_refunds.RefundsChecked:
    return card_refunds.check_refunds(uow=uow, actor=CLERK, terminal=stripe, now=AT)


def test_a_pending_refund_that_succeeds_is_settled_on_the_refund_and_the_sales_payment(uow: FakeUnitOfWork) -> None:
    stripe = FakeCardRefunds()
    row_id = refunded(uow, stripe)
    stripe.answer(uow.state.card_refunds[row_id]["refund_id"], "succeeded")
    checked = check(uow, stripe)
    assert [r.status for r in checked.settled] == ["succeeded"] and checked.attention == ()
    assert uow.state.refund_payments[0][1]["status"] == "succeeded"
    assert uow.of("card_refund.succeeded")[0].entity_id == row_id


def test_a_refund_still_pending_is_asked_about_again_and_named_as_pending(uow: FakeUnitOfWork) -> None:
    stripe = FakeCardRefunds()
    refunded(uow, stripe)
    checked = check(uow, stripe)
    assert checked.settled == () and [r.status for r in checked.attention] == ["pending"]
    assert "still pending at Stripe" in checked.messages[0] and "(sale C1-000001)" in checked.messages[0]
    assert uow.of("card_refund.succeeded") == []


def test_a_refund_that_fails_says_why_and_how_to_pay_the_customer_back(uow: FakeUnitOfWork) -> None:
    stripe = FakeCardRefunds()
    row_id = refunded(uow, stripe)
    refund_id = uow.state.card_refunds[row_id]["refund_id"]
    stripe.answer(refund_id, "failed", "expired_or_canceled_card")
    [message] = check(uow, stripe).messages
    assert "$250.00 to VISA ****4242 (sale C1-000001) failed" in message
    assert "the card has expired or was closed" in message and f"--paid-in-cash {refund_id}" in message
    assert uow.of("card_refund.failed")[0].summary["failure_reason"] == "expired_or_canceled_card"


def test_without_a_card_reader_the_refunds_are_not_asked_about_and_the_reason_is_said(uow: FakeUnitOfWork) -> None:
    refunded(uow, FakeCardRefunds())
    checked = check(uow, None)
    assert checked.unreachable is not None and "no card reader is set up" in checked.unreachable
    assert uow.commits == 1  # the refund's own, nothing since


def test_stripe_out_of_reach_stops_the_check_and_says_so(uow: FakeUnitOfWork) -> None:
    stripe = FakeCardRefunds()
    row_id = refunded(uow, stripe)
    stripe.unreachable = "Could not reach Stripe"
    checked = check(uow, stripe)
    assert checked.unreachable == "Could not ask Stripe how the card refunds stand: Could not reach Stripe"
    assert uow.state.card_refunds[row_id]["checked_at"] is None


def test_a_voided_cart_refund_is_named_as_such() -> None:
    row = CardRefundRow(id="r", refund_id="re_1", payment_intent_id="pi", amount_cents=1_000, currency="USD",
                        status="pending", failure_reason=None, card_brand=None, card_last4=None, reason="void_cart",
                        sale_number=None, created_at=AT)
    assert "$10.00 to CARD **** (a voided cart)" in card_refunds.attention_message(row)


def test_a_retried_refund_is_recorded_once(uow: FakeUnitOfWork) -> None:
    stripe = FakeCardRefunds()
    row_id = refunded(uow, stripe)
    again = RefundOutcome(uow.state.card_refunds[row_id]["refund_id"], "succeeded", 25_000)
    with uow:
        card_refunds.record(uow, CLERK, again, payment_intent_id="pi_ring", currency="USD", card_brand="visa",
                            card_last4="4242", reason="void_sale")
        uow.commit()
    assert list(uow.state.card_refunds) == [row_id] and uow.state.card_refunds[row_id]["status"] == "succeeded"


# ------------------------------------------------------------ paying a failed refund in cash


def failed(uow: FakeUnitOfWork) -> str:
    row_id = refunded(uow, FakeCardRefunds(), status="failed")
    cash.open_shift(Money(50_000), uow=uow, actor=CLERK)
    return row_id


def test_a_failed_refund_is_paid_in_cash_from_the_drawer_as_a_paid_out_and_marked_handled(
        uow: FakeUnitOfWork) -> None:
    row_id = failed(uow)
    done = card_refunds.refund_failed_in_cash(row_id, uow=uow, actor=CLERK, approver=MANAGER, now=AT)
    assert (done.handled_at, done.handled_how) == (AT, "paid $250.00 in cash from C1's drawer")
    [moved] = uow.state.cash_movements
    assert (moved["kind"], moved["amount_cents"], moved["approved_by"]) == ("paid_out", 25_000,
                                                                            staff_id(Role.MANAGER))
    assert uow.state.card_refunds[row_id]["handled_by"] == staff_id(Role.MANAGER)
    assert uow.of("card_refund.paid_in_cash")[0].approved_by == staff_id(Role.MANAGER)
    assert card_refunds.refunds_needing_attention(uow=uow, actor=CLERK) == []


def test_a_clerk_pays_a_failed_refund_in_cash_only_with_a_managers_approval(uow: FakeUnitOfWork) -> None:
    row_id = failed(uow)
    with pytest.raises(ApprovalNeeded):
        card_refunds.refund_failed_in_cash(row_id, uow=uow, actor=CLERK)
    assert uow.state.cash_movements == []


def test_a_refund_is_paid_back_in_cash_once(uow: FakeUnitOfWork) -> None:
    row_id = failed(uow)
    card_refunds.refund_failed_in_cash(row_id, uow=uow, actor=MANAGER)
    with pytest.raises(Conflict, match="already paid back: paid \\$250.00 in cash"):
        card_refunds.refund_failed_in_cash(row_id, uow=uow, actor=MANAGER)
    assert len(uow.state.cash_movements) == 1


def test_only_a_failed_refund_is_paid_in_cash(uow: FakeUnitOfWork) -> None:
    row_id = refunded(uow, FakeCardRefunds(), status="pending")
    with pytest.raises(ValidationError, match="is pending at Stripe") as refused:
        card_refunds.refund_failed_in_cash(row_id, uow=uow, actor=MANAGER)
    assert refused.value.field == "refund"
    with pytest.raises(NotFound):
        card_refunds.refund_failed_in_cash("no-such-refund", uow=uow, actor=MANAGER)


def test_paying_a_refund_in_cash_needs_an_open_drawer_shift(uow: FakeUnitOfWork) -> None:
    row_id = refunded(uow, FakeCardRefunds(), status="failed")
    with pytest.raises(Conflict, match="No cash drawer shift is open"):
        card_refunds.refund_failed_in_cash(row_id, uow=uow, actor=MANAGER)
    assert uow.state.card_refunds[row_id]["handled_at"] is None


def test_an_appraiser_does_not_see_the_refunds(uow: FakeUnitOfWork) -> None:
    with pytest.raises(PermissionDenied):
        card_refunds.refunds_needing_attention(uow=uow, actor=APPRAISER)
