"""The Stripe Terminal adapter through the real `stripe` SDK, against a local Stripe server."""

from __future__ import annotations

import pytest

from pos_app.adapters.card_terminal import StripeTerminal
from pos_app.domain.errors import ValidationError
from pos_app.services.ports import DeviceUnavailable
from tests.stripe_server import FakeStripe

GOOD, DECLINED, NO_FUNDS = "4242424242424242", "4000000000000002", "4000000000009995"


def terminal(server: FakeStripe, **kw: object) -> StripeTerminal:
    return StripeTerminal(server.secret_key, server.reader_id, api_base=server.url, **kw)  # type: ignore[arg-type]


def begin(t: StripeTerminal, key: str = "co-1-1", amount: int = 125000):  # type: ignore[no-untyped-def]
    return t.begin(key=key, amount_cents=amount, currency="USD", description="Facet C1",
                   metadata={"checkout": "co-1"})


def test_a_card_is_tapped_approved_and_captured(stripe_server: FakeStripe) -> None:
    t = terminal(stripe_server)
    assert t.test_mode
    started = begin(t)
    assert started.state == "pending" and started.payment_intent_id.startswith("pi_")
    assert stripe_server.intent(started.payment_intent_id)["payment_method_types"] == ["card_present"]
    t.simulate_tap(GOOD)
    done = t.status(started.payment_intent_id, key="co-1-1")
    assert (done.state, done.card_brand, done.card_last4, done.amount_cents) == ("succeeded", "visa", "4242", 125000)
    assert stripe_server.intent(started.payment_intent_id)["status"] == "succeeded"
    # asking again changes nothing (the capture is not repeated)
    assert t.status(started.payment_intent_id, key="co-1-1").state == "succeeded"


@pytest.mark.parametrize(("card", "reason"), [(DECLINED, "declined"), (NO_FUNDS, "insufficient funds")])
def test_a_declined_card_fails_with_the_reason_and_is_not_captured(stripe_server: FakeStripe, card: str,
                                                                  reason: str) -> None:
    t = terminal(stripe_server)
    started = begin(t)
    t.simulate_tap(card)
    outcome = t.status(started.payment_intent_id, key="co-1-1")
    assert outcome.state == "failed" and outcome.message is not None and reason in outcome.message.lower()
    assert outcome.card_last4 is None
    assert stripe_server.intent(started.payment_intent_id)["amount_received"] == 0


def test_the_clerk_cancels_while_the_reader_waits(stripe_server: FakeStripe) -> None:
    t = terminal(stripe_server)
    started = begin(t)
    outcome = t.cancel(started.payment_intent_id)
    assert outcome.state == "canceled"
    assert stripe_server.intent(started.payment_intent_id)["status"] == "canceled"
    assert stripe_server.action is not None and stripe_server.action["status"] == "failed"


def test_a_cancel_that_loses_the_race_to_the_card_reports_the_payment(stripe_server: FakeStripe) -> None:
    t = terminal(stripe_server)
    started = begin(t)
    t.simulate_tap(GOOD)  # the customer taps just before the clerk presses Esc
    outcome = t.cancel(started.payment_intent_id)
    assert outcome.state == "succeeded" and outcome.card_last4 == "4242"
    assert stripe_server.intent(started.payment_intent_id)["status"] == "succeeded"


def test_an_answer_lost_after_stripe_made_the_payment_intent_is_retried_without_a_second_one(
        stripe_server: FakeStripe) -> None:
    t = terminal(stripe_server)
    stripe_server.drop("POST", "/v1/payment_intents", times=1, after=True)
    started = begin(t)  # the SDK retries with the same idempotency key: the same PaymentIntent comes back
    assert len(stripe_server.intents) == 1 and started.payment_intent_id in stripe_server.intents
    # Facet itself asking again after a crash, with the attempt's key, finds the same one too.
    again = begin(t)
    assert again.payment_intent_id == started.payment_intent_id and len(stripe_server.intents) == 1


def test_stripe_out_of_reach_is_a_clear_message(stripe_server: FakeStripe) -> None:
    t = terminal(stripe_server)
    stripe_server.drop("POST", "/v1/payment_intents", times=5, after=False)
    with pytest.raises(DeviceUnavailable, match="Cannot reach Stripe.*not charge|check with Stripe"):
        begin(t)
    assert stripe_server.intents == {}


def test_an_offline_reader_is_named(stripe_server: FakeStripe) -> None:
    stripe_server.reader_offline = True
    with pytest.raises(DeviceUnavailable, match=f"{stripe_server.reader_id} is offline"):
        begin(terminal(stripe_server))


def test_refunds_partial_then_the_rest_never_more(stripe_server: FakeStripe) -> None:
    t = terminal(stripe_server)
    started = begin(t, amount=10000)
    t.simulate_tap(GOOD)
    t.status(started.payment_intent_id, key="co-1-1")
    first = t.refund(started.payment_intent_id, 2500, key="ret-1")
    assert (first.status, first.amount_cents) == ("succeeded", 2500)
    assert t.refund(started.payment_intent_id, 2500, key="ret-1").refund_id == first.refund_id  # a retry
    assert len(stripe_server.refunds) == 1
    with pytest.raises(ValidationError, match="amount"):
        t.refund(started.payment_intent_id, 7501, key="ret-2")
    assert t.refund(started.payment_intent_id, 7500, key="ret-3").amount_cents == 7500


def test_a_wrong_key_is_reported_without_showing_it(stripe_server: FakeStripe) -> None:
    wrong = StripeTerminal("sk_test_WrongKey0123456789", stripe_server.reader_id, api_base=stripe_server.url)
    with pytest.raises(DeviceUnavailable, match="refused this store's key") as caught:
        begin(wrong)
    assert "WrongKey" not in str(caught.value)


def test_a_live_key_cannot_simulate_a_tap() -> None:
    live = StripeTerminal("sk_live_" + "x" * 24, "tmr_ABCDEFGH")
    assert not live.test_mode
    with pytest.raises(ValidationError, match="only a simulated reader"):
        live.simulate_tap()
