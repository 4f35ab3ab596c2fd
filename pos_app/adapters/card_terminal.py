"""The card reader: Stripe Terminal, driven from the counter computer (server-driven flow).

The flow, one card attempt
--------------------------
1. Create a PaymentIntent for the amount, `payment_method_types=["card_present"]`,
   `capture_method="manual"` (idempotency key `<key>:create`).
2. Hand it to the reader: `POST /v1/terminal/readers/{reader}/process_payment_intent`
   (`<key>:process`). The reader asks for the card.
3. Follow it (`status`): the PaymentIntent becomes `requires_capture` when the
   card is approved; Facet captures it at once (`<key>:capture`) and the money
   is the store's. A decline leaves it `requires_payment_method` with
   `last_payment_error`, and the reader's action `failed`.
4. Cancel (`cancel`): cancel the reader's action, then the PaymentIntent. If
   the card was approved in the meantime, the truthful outcome (succeeded)
   comes back and the payment stands.

Every call that makes or moves money carries an idempotency key derived from
the attempt's key, which the checkout journal wrote *before* the first call.
Asking again with the same key after a timeout or a crash returns the same
PaymentIntent or refund: a retry never charges or refunds twice. (Stripe keeps
keys 24 hours; a journal older than that is reconciled by the id it holds.)

What is kept: the PaymentIntent id, its status, the card brand and the last
four digits (`latest_charge.payment_method_details.card_present`). Nothing
else about the card is read. The secret key comes from the keyring and is
never logged.

`stripe` costs ~0.5 s to import, so it is imported when a terminal is made,
off the GUI thread.
"""

from __future__ import annotations

from typing import Any

from pos_app.domain.errors import ValidationError
from pos_app.domain.payments import is_test_key
from pos_app.services.ports import CardOutcome, DeviceUnavailable, RefundOutcome

_READER_PROBLEMS = {
    "terminal_reader_offline": "is offline: check that it is on and connected to the internet",
    "terminal_reader_busy": "is busy with another payment: finish or cancel it on the reader",
    "terminal_reader_timeout": "did not answer in time: check it and try again",
}


class StripeTerminal:
    """The `CardTerminal` port over the official `stripe` SDK."""

    def __init__(self, secret_key: str, reader_id: str, *, api_base: str | None = None,
                 timeout_seconds: float = 20) -> None:
        import stripe

        stripe.enable_telemetry = False
        self._stripe = stripe
        self.reader_id = reader_id
        self._test = is_test_key(secret_key)
        http = stripe.new_default_http_client(timeout=timeout_seconds)
        options: dict[str, Any] = {"max_network_retries": 2, "http_client": http}
        if api_base:
            options["base_addresses"] = {"api": api_base}
        self._client = stripe.StripeClient(secret_key, **options)

    @property
    def test_mode(self) -> bool:
        return self._test

    # ------------------------------------------------------------ calls, with errors a clerk can act on

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        s = self._stripe
        try:
            result = fn(*args, **kwargs)
            # Plain dicts from here on: SDK objects are not dicts (`.get` fails on them).
            return result.to_dict() if hasattr(result, "to_dict") else result
        except s.AuthenticationError:
            raise DeviceUnavailable("Stripe refused this store's key: set the right one with "
                                    "`pos-app payments set-key`.") from None
        except s.APIConnectionError:
            raise DeviceUnavailable(
                f"Cannot reach Stripe to {what}. Check the internet connection. Facet will check with Stripe "
                "how this payment ended before it charges anything again.") from None
        except s.InvalidRequestError as error:
            code = getattr(error, "code", None) or ""
            if code in _READER_PROBLEMS:
                raise DeviceUnavailable(f"The card reader {self.reader_id} {_READER_PROBLEMS[code]}.") from None
            raise
        except s.RateLimitError:
            raise DeviceUnavailable("Stripe asked Facet to slow down; try again in a moment.") from None
        except s.APIError:
            raise DeviceUnavailable(f"Stripe had a problem and could not {what}; try again in a moment.") from None

    @staticmethod
    def _opts(key: str) -> dict[str, str]:
        return {"idempotency_key": key}

    # ------------------------------------------------------------ the port

    def begin(self, *, key: str, amount_cents: int, currency: str, description: str,
              metadata: dict[str, str]) -> CardOutcome:
        v1 = self._client.v1
        intent = self._call("start the payment", v1.payment_intents.create, params={
            "amount": amount_cents, "currency": currency.lower(), "payment_method_types": ["card_present"],
            "capture_method": "manual", "description": description, "metadata": metadata,
        }, options=self._opts(f"{key}:create"))
        if intent["status"] == "requires_payment_method" and not intent.get("last_payment_error"):
            self._call("send the payment to the card reader", v1.terminal.readers.process_payment_intent,
                       self.reader_id, params={"payment_intent": intent["id"]}, options=self._opts(f"{key}:process"))
        return self.status(intent["id"], key=key)

    def status(self, payment_intent_id: str, *, key: str) -> CardOutcome:
        v1 = self._client.v1
        intent = self._call("check the payment", v1.payment_intents.retrieve, payment_intent_id,
                            params={"expand": ["latest_charge"]})
        if intent["status"] == "requires_capture":
            try:
                intent = self._call("complete the payment", v1.payment_intents.capture, payment_intent_id,
                                    params={"expand": ["latest_charge"]}, options=self._opts(f"{key}:capture"))
            except self._stripe.InvalidRequestError:
                # Captured meanwhile by another call (a retry under another key): read how it stands.
                intent = self._call("check the payment", v1.payment_intents.retrieve, payment_intent_id,
                                    params={"expand": ["latest_charge"]})
        if intent["status"] == "requires_payment_method":
            failure = self._failure(intent)
            if failure is not None:
                return self._outcome(intent, "failed", failure)
        return self._outcome(intent, _STATES.get(intent["status"], "pending"))

    def _failure(self, intent: Any) -> str | None:
        """Why the card attempt failed, if it did: the decline, or the reader's action failing."""
        error = intent.get("last_payment_error")
        if error:
            reason = error.get("decline_code") or error.get("code") or ""
            message = error.get("message") or "the card was declined"
            detail = f" ({reason.replace('_', ' ')})" if reason and reason not in message else ""
            return f"Card declined: {message}{detail}. Try another card or another way to pay."
        reader = self._call("check the card reader", self._client.v1.terminal.readers.retrieve, self.reader_id)
        action = reader.get("action")
        if action and action.get("status") == "failed":
            target = (action.get("process_payment_intent") or {}).get("payment_intent")
            if target in (None, intent["id"]):
                return f"The card reader stopped: {action.get('failure_message') or 'the payment did not go through'}."
        return None

    def _outcome(self, intent: Any, state: str, message: str | None = None) -> CardOutcome:
        brand = last4 = None
        charge = intent.get("latest_charge")
        if charge is not None and not isinstance(charge, str):
            details = (charge.get("payment_method_details") or {}).get("card_present") or {}
            brand, last4 = details.get("brand"), details.get("last4")
        received = intent.get("amount_received") or 0
        amount = received if state == "succeeded" and received else intent["amount"]
        return CardOutcome(payment_intent_id=intent["id"], state=state, stripe_status=intent["status"],
                           amount_cents=int(amount), card_brand=brand, card_last4=last4, message=message)

    def cancel(self, payment_intent_id: str) -> CardOutcome:
        v1, s = self._client.v1, self._stripe
        try:
            self._call("cancel on the card reader", v1.terminal.readers.cancel_action, self.reader_id)
        except s.InvalidRequestError:
            pass  # nothing in progress on the reader
        intent = self._call("check the payment", v1.payment_intents.retrieve, payment_intent_id,
                            params={"expand": ["latest_charge"]})
        if intent["status"] in ("requires_capture", "succeeded"):
            # The card went through before the cancel: the payment stands (captured by `status`).
            return self.status(payment_intent_id, key=f"cancel-raced-{payment_intent_id}")
        if intent["status"] != "canceled":
            try:
                intent = self._call("cancel the payment", v1.payment_intents.cancel, payment_intent_id,
                                    params={"expand": ["latest_charge"]})
            except s.InvalidRequestError:
                intent = self._call("check the payment", v1.payment_intents.retrieve, payment_intent_id,
                                    params={"expand": ["latest_charge"]})
        return self._outcome(intent, _STATES.get(intent["status"], "pending"))

    def simulate_tap(self, card_number: str = "4242424242424242") -> None:
        """Test mode only: the simulated reader is presented a test card."""
        if not self._test:
            raise ValidationError("card reader", "only a simulated reader in test mode can be tapped from Facet")
        self._call("present the test card", self._client.v1.test_helpers.terminal.readers.present_payment_method,
                   self.reader_id, params={"type": "card_present", "card_present": {"number": card_number}})

    def refund(self, payment_intent_id: str, amount_cents: int, *, key: str) -> RefundOutcome:
        s = self._stripe
        try:
            refund = self._call("refund the card", self._client.v1.refunds.create,
                                params={"payment_intent": payment_intent_id, "amount": amount_cents},
                                options=self._opts(f"{key}:refund"))
        except s.InvalidRequestError as error:
            if getattr(error, "code", None) in ("amount_too_large", "charge_already_refunded"):
                raise ValidationError("amount", "is more than is left to refund on that card payment") from None
            raise
        return RefundOutcome(refund_id=refund["id"], status=refund["status"], amount_cents=int(refund["amount"]))


_STATES = {
    "succeeded": "succeeded",
    "canceled": "canceled",
    "requires_payment_method": "pending",
    "requires_confirmation": "pending",
    "requires_action": "pending",
    "processing": "pending",
    "requires_capture": "pending",
}
