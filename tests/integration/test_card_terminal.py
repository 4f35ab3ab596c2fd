"""The Stripe Terminal adapter through the real `stripe` SDK, against the local Stripe server."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import pytest

from pos_app.adapters.card_terminal import StripeTerminal
from pos_app.domain.errors import ValidationError
from pos_app.services.ports.devices import CardOutcome, DeviceUnavailable, PaymentRefused
from tests.stripe_server import FakeStripe

GOOD, DECLINED, NO_FUNDS = "4242424242424242", "4000000000000002", "4000000000009995"


def terminal(server: FakeStripe, *, timeout_seconds: float = 20) -> StripeTerminal:
    return StripeTerminal(server.secret_key, server.reader_id, api_base=server.url, timeout_seconds=timeout_seconds)


def begin(t: StripeTerminal, key: str = "co-1-1", amount: int = 125000) -> CardOutcome:
    return t.begin(key=key, amount_cents=amount, currency="USD", description="Facet C1",
                   metadata={"checkout": "co-1"})


def paid(server: FakeStripe, t: StripeTerminal, amount: int) -> str:
    started = begin(t, amount=amount)
    t.simulate_tap(GOOD)
    assert t.status(started.payment_intent_id, key="co-1-1").state == "succeeded"
    return started.payment_intent_id


def on_reader(server: FakeStripe) -> tuple[str, str] | None:
    action = server.action
    return None if action is None else (action["process_payment_intent"]["payment_intent"], action["status"])


def test_a_card_is_tapped_approved_and_captured_once(stripe_server: FakeStripe) -> None:
    t = terminal(stripe_server)
    assert t.test_mode
    started = begin(t)
    assert started.state == "pending" and started.payment_intent_id.startswith("pi_")
    pi = stripe_server.intent(started.payment_intent_id)
    assert (pi["payment_method_types"], pi["capture_method"], pi["currency"], pi["description"]) == (
        ["card_present"], "manual", "usd", "Facet C1")
    assert on_reader(stripe_server) == (started.payment_intent_id, "in_progress")
    assert t.status(started.payment_intent_id, key="co-1-1").state == "pending"  # nothing presented yet

    t.simulate_tap(GOOD)
    done = t.status(started.payment_intent_id, key="co-1-1")
    assert (done.state, done.card_brand, done.card_last4, done.amount_cents) == ("succeeded", "visa", "4242", 125000)
    assert stripe_server.intent(started.payment_intent_id)["amount_received"] == 125000
    assert t.status(started.payment_intent_id, key="co-1-1").state == "succeeded"
    captures = [p for m, p in stripe_server.requests if p.endswith("/capture")]
    assert captures == [f"/v1/payment_intents/{started.payment_intent_id}/capture"]


@pytest.mark.parametrize(("card", "message"), [
    (NO_FUNDS, "Card declined: insufficient funds. Ask for another card or another way to pay."),
    (DECLINED, "Card declined: the card's bank declined it. Ask for another card or another way to pay."),
])
def test_a_declined_card_fails_with_the_reason_and_is_not_captured(stripe_server: FakeStripe, card: str,
                                                                  message: str) -> None:
    t = terminal(stripe_server)
    started = begin(t)
    t.simulate_tap(card)
    outcome = t.status(started.payment_intent_id, key="co-1-1")
    assert (outcome.state, outcome.message, outcome.card_last4) == ("failed", message, None)
    pi = stripe_server.intent(started.payment_intent_id)
    assert (pi["status"], pi["amount_received"]) == ("requires_payment_method", 0)


def test_the_clerk_cancels_while_the_reader_waits(stripe_server: FakeStripe) -> None:
    t = terminal(stripe_server)
    started = begin(t)
    outcome = t.cancel(started.payment_intent_id)
    assert outcome.state == "canceled"
    assert stripe_server.intent(started.payment_intent_id)["status"] == "canceled"
    assert on_reader(stripe_server) == (started.payment_intent_id, "failed")


def test_a_cancel_that_loses_the_race_to_the_card_reports_the_payment(stripe_server: FakeStripe) -> None:
    t = terminal(stripe_server)
    started = begin(t)
    t.simulate_tap(GOOD)  # the customer taps just before the clerk presses Esc
    outcome = t.cancel(started.payment_intent_id)
    assert (outcome.state, outcome.card_last4) == ("succeeded", "4242")
    assert stripe_server.intent(started.payment_intent_id)["status"] == "succeeded"
    assert t.status(started.payment_intent_id, key="co-1-1").state == "succeeded"  # the poll agrees, no new capture


def test_an_answer_lost_after_stripe_made_the_payment_intent_is_retried_without_a_second_one(
        stripe_server: FakeStripe) -> None:
    t = terminal(stripe_server)
    stripe_server.drop("POST", "/v1/payment_intents", times=1, after=True)
    started = begin(t)  # the SDK retries with the same idempotency key: the same PaymentIntent comes back
    assert list(stripe_server.intents) == [started.payment_intent_id]
    # Facet itself asking again after a crash, with the attempt's key, finds the same one, still on the reader.
    again = begin(t)
    assert (again.payment_intent_id, again.state) == (started.payment_intent_id, "pending")
    assert len(stripe_server.intents) == 1 and on_reader(stripe_server) == (started.payment_intent_id, "in_progress")


def test_an_answer_lost_after_the_reader_took_the_payment_is_not_sent_twice(stripe_server: FakeStripe) -> None:
    t = terminal(stripe_server)
    stripe_server.drop("POST", f"/v1/terminal/readers/{stripe_server.reader_id}/process", times=1, after=True)
    started = begin(t)  # a second process_payment_intent would be refused as busy: the retry replays the first
    assert started.state == "pending" and on_reader(stripe_server) == (started.payment_intent_id, "in_progress")


def test_stripe_out_of_reach_is_a_clear_message(stripe_server: FakeStripe) -> None:
    stripe_server.drop("POST", "/v1/payment_intents", times=3, after=False)  # the first try and both retries
    with pytest.raises(DeviceUnavailable, match="Cannot reach Stripe.*Nothing is charged or refunded twice"):
        begin(terminal(stripe_server))
    assert stripe_server.intents == {}


def test_a_timeout_after_stripe_did_the_work_is_reconciled_by_the_same_key(stripe_server: FakeStripe) -> None:
    t = terminal(stripe_server, timeout_seconds=0.3)
    stripe_server.drop("POST", "/v1/payment_intents", times=3, after=True, stall=0.6)
    with pytest.raises(DeviceUnavailable, match="Cannot reach Stripe"):
        begin(t)
    assert len(stripe_server.intents) == 1  # made once, although asked three times
    again = begin(t)
    assert list(stripe_server.intents) == [again.payment_intent_id] and again.state == "pending"


def test_an_offline_reader_is_named_and_its_payment_cancelled(stripe_server: FakeStripe) -> None:
    t = terminal(stripe_server)
    stripe_server.reader_offline = True
    with pytest.raises(DeviceUnavailable, match=f"card reader {stripe_server.reader_id} is offline"):
        begin(t)
    (pi,) = stripe_server.intents
    assert stripe_server.intent(pi)["status"] == "canceled"
    # Polling the attempt again (same key) ends it instead of failing forever; the clerk can start anew.
    assert (begin(t).payment_intent_id, begin(t).state) == (pi, "canceled") and len(stripe_server.intents) == 1


def test_a_busy_reader_is_named_and_the_payment_on_it_is_left_alone(stripe_server: FakeStripe) -> None:
    t = terminal(stripe_server)
    first = begin(t, key="co-1-1")
    with pytest.raises(DeviceUnavailable, match=f"card reader {stripe_server.reader_id} is busy"):
        begin(t, key="co-2-1")
    second = next(pi for pi in stripe_server.intents if pi != first.payment_intent_id)
    assert stripe_server.intent(second)["status"] == "canceled"
    assert on_reader(stripe_server) == (first.payment_intent_id, "in_progress")
    assert t.cancel(second).state == "canceled" and on_reader(stripe_server) == (first.payment_intent_id,
                                                                                 "in_progress")


def test_a_key_reused_with_other_parameters_is_refused_by_stripe(stripe_server: FakeStripe) -> None:
    t = terminal(stripe_server)
    begin(t, amount=1000)
    with pytest.raises(PaymentRefused, match="already sent with other details") as refused:
        begin(t, amount=2000)
    assert refused.value.code == "idempotency_error"
    assert len(stripe_server.intents) == 1


def test_refunds_partial_then_the_rest_never_more(stripe_server: FakeStripe) -> None:
    t = terminal(stripe_server)
    pi = paid(stripe_server, t, 10000)
    first = t.refund(pi, 2500, key="ret-1")
    assert (first.status, first.amount_cents) == ("succeeded", 2500)
    with pytest.raises(ValidationError, match="amount: is more than is left"):
        t.refund(pi, 7501, key="ret-2")
    assert t.refund(pi, 7500, key="ret-3").amount_cents == 7500
    with pytest.raises(ValidationError, match="amount"):
        t.refund(pi, 1, key="ret-4")
    assert sorted(r["amount"] for r in stripe_server.refunds.values()) == [2500, 7500]


def test_a_refund_retried_with_the_same_key_refunds_once(stripe_server: FakeStripe) -> None:
    t = terminal(stripe_server)
    pi = paid(stripe_server, t, 10000)
    stripe_server.drop("POST", "/v1/refunds", times=1, after=True)  # refunded, but the answer is lost
    first = t.refund(pi, 2500, key="ret-1")
    again = t.refund(pi, 2500, key="ret-1")  # Facet asking again after a crash
    assert again.refund_id == first.refund_id and list(stripe_server.refunds) == [first.refund_id]


def test_a_wrong_key_is_reported_without_showing_it(stripe_server: FakeStripe) -> None:
    wrong = StripeTerminal("sk_test_WrongKey0123456789", stripe_server.reader_id, api_base=stripe_server.url)
    with pytest.raises(DeviceUnavailable, match="Stripe refused this store's secret key") as caught:
        begin(wrong)
    assert "WrongKey" not in str(caught.value) and caught.value.__cause__ is None
    assert stripe_server.intents == {}


def test_a_live_key_cannot_simulate_a_tap() -> None:
    live = StripeTerminal("sk_live_" + "x" * 24, "tmr_ABCDEFGH", api_base="http://127.0.0.1:9")  # never called
    assert not live.test_mode
    with pytest.raises(ValidationError, match="only a simulated reader"):
        live.simulate_tap()


# ---------------------------------------------------------------- the API version and what it accepts


def _raw(server: FakeStripe, version: str | None = None) -> Any:
    """The SDK's own client, no retries: what any code using the SDK sends."""
    import stripe

    return stripe.StripeClient(server.secret_key, base_addresses={"api": server.url}, max_network_retries=0,
                               **({"stripe_version": version} if version else {}))


def test_facet_pins_the_api_version_of_the_installed_sdk_and_sends_it_on_every_request(
        stripe_server: FakeStripe) -> None:
    from stripe._api_version import _ApiVersion

    from pos_app.adapters.card_terminal import STRIPE_API_VERSION

    assert STRIPE_API_VERSION == _ApiVersion.CURRENT  # a new SDK must come with a reviewed pin
    t = terminal(stripe_server)
    pi = paid(stripe_server, t, 5000)
    t.refund(pi, 1000, key="ret-1")
    assert len(stripe_server.versions) >= 6 and set(stripe_server.versions) == {STRIPE_API_VERSION}


def test_the_test_server_refuses_another_api_version(stripe_server: FakeStripe) -> None:
    import stripe

    with pytest.raises(stripe.InvalidRequestError) as refused:
        _raw(stripe_server, "2024-06-20").v1.payment_intents.create(params={"amount": 1000, "currency": "usd"})
    assert refused.value.code == "api_version_unsupported" and stripe_server.intents == {}


@pytest.mark.parametrize(("params", "code", "message"), [
    ({"payment_method_types": ["card_present"]}, "payment_method_types_no_longer_supported",
     "payment_method_types parameter is no longer supported"),
    ({"colour": "blue"}, "parameter_unknown", "Received unknown parameter: colour"),
    ({"amount_details": {"tip": {"amount": 5}}}, "parameter_unknown", "Received unknown parameter: amount_details[tip]"),
    ({"metadata": "checkout-1"}, "parameter_invalid_hash", "Invalid hash: metadata"),
    ({"confirm": "yes"}, "parameter_invalid_boolean", "Invalid boolean: yes"),
    ({"amount": "12.50"}, "parameter_invalid_integer", "Invalid integer: 12.50"),
])
def test_the_test_server_refuses_parameters_the_sdk_types_do_not_allow(
        stripe_server: FakeStripe, params: dict[str, Any], code: str, message: str) -> None:
    """What real Stripe refuses on this API version, read from the SDK's generated parameter types."""
    import stripe

    with pytest.raises(stripe.InvalidRequestError) as refused:
        _raw(stripe_server).v1.payment_intents.create(
            params={"amount": 1000, "currency": "usd", **params})  # type: ignore[arg-type, typeddict-item]
    assert (refused.value.http_status, refused.value.code) == (400, code)
    assert message in str(refused.value) and stripe_server.intents == {}


def test_main_s_payment_method_types_request_would_be_refused() -> None:
    """The request Facet sent before the pin: the API version's types do not take it."""
    from tests import stripe_spec

    with pytest.raises(stripe_spec.Refused, match="Received unknown parameter: payment_method_types"):
        stripe_spec.check("POST", "/v1/payment_intents", {
            "amount": "125000", "currency": "usd", "payment_method_types": ["card_present"],
            "capture_method": "manual"})
    stripe_spec.check("POST", "/v1/payment_intents", {
        "amount": "125000", "currency": "usd", "allowed_payment_method_types": ["card_present"],
        "capture_method": "manual", "description": "Facet C1", "metadata": {"checkout": "co-1"}})


@pytest.mark.parametrize(("amount", "code", "words"), [
    (25, "amount_too_small", "below the smallest card payment it takes ($0.50)"),
    (100_000_000, "amount_too_large", "more than it takes in one card payment ($999,999.99)"),
])
def test_an_amount_outside_stripes_limits_is_refused_with_a_clear_message(
        stripe_server: FakeStripe, amount: int, code: str, words: str) -> None:
    t = terminal(stripe_server)
    with pytest.raises(PaymentRefused, match=re.escape(words)) as refused:
        begin(t, amount=amount)
    assert refused.value.code == code and "nothing was charged" in str(refused.value)
    assert stripe_server.intents == {} and stripe_server.action is None
    with pytest.raises(PaymentRefused):  # asking again with the attempt's key: refused again, never stuck pending
        begin(t, amount=amount)


def test_a_key_whose_request_is_still_in_flight_is_refused_with_409(stripe_server: FakeStripe) -> None:
    import stripe

    t = terminal(stripe_server)
    pi = paid(stripe_server, t, 10000)
    stripe_server.slow("POST", "/v1/refunds", 1.5)
    first = threading.Thread(target=t.refund, args=(pi, 2500), kwargs={"key": "ret-1"})
    first.start()
    time.sleep(0.3)
    with pytest.raises(stripe.APIError) as in_use:
        _raw(stripe_server).v1.refunds.create(params={"payment_intent": pi, "amount": 2500},
                                              options={"idempotency_key": "ret-1:refund"})
    assert (in_use.value.http_status, in_use.value.json_body["error"]["code"]) == (409, "idempotency_key_in_use")
    first.join()
    assert [r["amount"] for r in stripe_server.refunds.values()] == [2500]  # refunded once


def test_facet_waits_out_a_key_in_use_and_never_refunds_twice(stripe_server: FakeStripe) -> None:
    t = terminal(stripe_server)
    pi = paid(stripe_server, t, 10000)
    stripe_server.slow("POST", "/v1/refunds", 4)
    first = threading.Thread(target=t.refund, args=(pi, 2500), kwargs={"key": "ret-1"})
    first.start()
    time.sleep(0.3)
    with pytest.raises(DeviceUnavailable, match="Stripe is still working on the request to refund the card"):
        t.refund(pi, 2500, key="ret-1")  # the SDK retried the 409 twice; the first is still running
    first.join()
    again = t.refund(pi, 2500, key="ret-1")
    assert [r["id"] for r in stripe_server.refunds.values()] == [again.refund_id]


def test_an_approved_chip_payment_reports_the_receipt_fields_card_networks_require(
        stripe_server: FakeStripe) -> None:
    t = terminal(stripe_server)
    started = begin(t)
    t.simulate_tap("5555555555554444")
    done = t.status(started.payment_intent_id or "", key="co-1-1")
    assert done.receipt is not None
    charge = next(iter(stripe_server.charges.values()))
    emv = charge["payment_method_details"]["card_present"]["receipt"]
    assert (done.receipt.application_name, done.receipt.aid, done.receipt.arc, done.receipt.account_type) == (
        "Mastercard", "A0000000041010", "3030", "credit")
    assert done.receipt.application_cryptogram == emv["application_cryptogram"]
    assert done.receipt.tvr == emv["terminal_verification_results"] and done.receipt.tsi == "0000"


def test_a_pending_refund_is_followed_until_it_succeeds_or_fails(stripe_server: FakeStripe) -> None:
    t = terminal(stripe_server)
    pi = paid(stripe_server, t, 10000)
    stripe_server.refunds_pending = True
    first, second = t.refund(pi, 2500, key="ret-1"), t.refund(pi, 3000, key="ret-2")
    assert (first.status, second.status) == ("pending", "pending")
    assert t.refund_status(first.refund_id).status == "pending"
    stripe_server.settle_refund(first.refund_id, "succeeded")
    stripe_server.settle_refund(second.refund_id, "failed", "expired_or_canceled_card")
    assert t.refund_status(first.refund_id).status == "succeeded"
    failed = t.refund_status(second.refund_id)
    assert (failed.status, failed.failure_reason, failed.amount_cents) == ("failed", "expired_or_canceled_card", 3000)
    assert t.refund(pi, 7500, key="ret-3").amount_cents == 7500  # the failed 30.00 is refundable again
