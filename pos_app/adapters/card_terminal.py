"""The card reader: Stripe Terminal, driven from the counter computer (server-driven flow).

The API version
---------------
Facet is written for Stripe API version `STRIPE_API_VERSION` and sends it on
every request (`StripeClient(..., stripe_version=...)`), whatever the
installed SDK would default to; pyproject caps the SDK to the releases whose
generated types describe that version. The local test server
(`tests/stripe_server.py`) speaks only the installed SDK's version and checks
every parameter against the SDK's generated types, so a test fails if either
drifts. On this version PaymentIntent create takes
`allowed_payment_method_types` (`payment_method_types` is refused with
`payment_method_types_no_longer_supported` since 2026-09-30.endive).

The flow, one card attempt
--------------------------
1. Create a PaymentIntent for the amount, `allowed_payment_method_types=["card_present"]`,
   `capture_method="manual"` (idempotency key `<key>:create`).
2. Hand it to the reader: `POST /v1/terminal/readers/{reader}/process_payment_intent`
   (`<key>:process`). The reader asks for the card. If the reader is offline,
   busy or silent, the PaymentIntent is cancelled at once, so nothing can be
   charged on it and the attempt can be retried or abandoned cleanly.
3. Follow it (`status`): the PaymentIntent becomes `requires_capture` when the
   card is approved; Facet captures it at once (`<key>:capture`) and the money
   is the store's. A decline leaves it `requires_payment_method` with
   `last_payment_error`, and the reader's action `failed`.
4. Cancel (`cancel`): cancel the reader's action if it is this payment's, then
   the PaymentIntent. If the card was approved in the meantime, it is captured
   (`<PaymentIntent id>:capture`) and the truthful outcome, succeeded, comes back:
   an approved card is never silently dropped.
5. Refund (`refund`, `<key>:refund`): partial refunds allowed, never more than
   is left on the payment. Stripe may answer `pending` (the card network has not
   confirmed it); `refund_status` asks again until it is `succeeded` or `failed`.

Errors
------
Stripe refusing a request itself (400/404: an amount under $0.50 or over
$999,999.99, a parameter, a reused key) is `PaymentRefused`: nothing was
charged or refunded by that request, and its message says what the clerk can
do. Not reaching Stripe, or Stripe failing (5xx, 409 `idempotency_key_in_use`
after the SDK's retries), is `DeviceUnavailable`: the outcome is not known and
the attempt is asked about again with the same key, never charged twice.

Idempotency keys
----------------
`key` is the attempt's own key, which the checkout journal wrote *before* the
first call. Each call that makes or moves money derives its key from it as
above. Asking again with the same key after a timeout or a crash returns the
same PaymentIntent or refund: a retry never charges or refunds twice. The
SDK's own network retries reuse the key too. Stripe keeps keys 24 hours; a
journal older than that is reconciled by the PaymentIntent id it holds.

What is kept
------------
The PaymentIntent id, its status, the card brand and the last four digits
(`latest_charge.payment_method_details.card_present`), and that object's
`receipt`: the EMV fields a chip receipt must print (`domain.payments.EmvReceipt`).
Nothing else about the card is read. The secret key comes from the keyring and is never logged nor
shown; SDK errors are not chained into Facet's errors, so their text (which may
quote part of the key) stays out of logs.

`stripe` costs ~0.5 s to import, so it is imported when a terminal is made,
off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pos_app.domain.errors import ValidationError
from pos_app.domain.payments import EmvReceipt, is_test_key
from pos_app.services.ports.devices import (
    CardOutcome,
    DeviceUnavailable,
    PaymentRefused,
    RefundOutcome,
    RegisteredReader,
)

if TYPE_CHECKING:  # the SDK's generated parameter types check what Facet sends
    from stripe.params.terminal import ReaderCreateParams

# The Stripe API version this module is written for: the stripe SDK 16.1 release's own
# (stripe._api_version._ApiVersion.CURRENT). Change it only with the parameters it changes.
STRIPE_API_VERSION = "2026-10-28.endive"

_READER_PROBLEMS = {
    "terminal_reader_offline": "is offline: check that it is on and connected to the internet",
    "terminal_reader_busy": "is busy with another payment: finish or cancel it on the reader",
    "terminal_reader_timeout": "did not answer in time: check it and try again",
}

# Decline codes worth saying to the customer. Stripe asks that lost, stolen and
# fraud codes be shown as a plain decline, so anything not listed is one.
_DECLINE_WORDS = {
    "insufficient_funds": "insufficient funds",
    "expired_card": "the card has expired",
    "incorrect_pin": "wrong PIN",
    "invalid_pin": "wrong PIN",
    "pin_try_exceeded": "too many wrong PINs",
    "offline_pin_required": "insert the card and enter the PIN",
    "online_or_offline_pin_required": "insert the card and enter the PIN",
    "card_velocity_exceeded": "the card's limit is reached",
    "withdrawal_count_limit_exceeded": "the card's limit is reached",
    "card_not_supported": "this card cannot be used here",
    "currency_not_supported": "the card does not take this currency",
}

_STATES = {"succeeded": "succeeded", "canceled": "canceled"}  # every other Stripe status is still pending


class _ReaderProblem(DeviceUnavailable):
    """Stripe answered that the reader is offline, busy or silent: the PaymentIntent itself is known."""


class _Refused(PaymentRefused):
    """Stripe refused a request (400/402/404); `param` is the parameter it named, if any."""

    def __init__(self, message: str, code: str | None, param: str | None) -> None:
        super().__init__(message, code)
        self.param = param


class NoStripeKey:
    """The reader registry before the store's Stripe key is kept: it says what to do first."""

    def register_reader(self, registration_code: str, *, label: str, location: str | None) -> RegisteredReader:
        from pos_app.domain.errors import NotFound

        raise NotFound("No Stripe key is kept yet: keep the store's secret key first (Settings, Payments, or "
                       "pos-app payments set-key).")


class StripeTerminal:
    """The `CardTerminal` port over the official `stripe` SDK. Blocking calls: run it off the GUI thread."""

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
        self._client = stripe.StripeClient(secret_key, stripe_version=STRIPE_API_VERSION, **options)

    @property
    def test_mode(self) -> bool:
        return self._test

    # ------------------------------------------------------------ the port

    def begin(self, *, key: str, amount_cents: int, currency: str, description: str,
              metadata: dict[str, str]) -> CardOutcome:
        """Create the PaymentIntent and put it on the reader; the same `key` again never makes a second one.

        `description` and `metadata` must be the same on a retry: Stripe refuses a key reused with other
        parameters (a `PaymentRefused` with code `idempotency_error`).
        A `PaymentRefused` means Stripe made no PaymentIntent (or cancelled the one it made, if the reader
        step was refused): nothing can be charged on this attempt.
        """
        v1 = self._client.v1
        created = self._call("start the card payment", v1.payment_intents.create, params={
            "amount": amount_cents, "currency": currency.lower(), "allowed_payment_method_types": ["card_present"],
            "capture_method": "manual", "description": description, "metadata": metadata,
        }, options={"idempotency_key": f"{key}:create"})
        intent = self._intent(created["id"])  # a replayed create shows the PaymentIntent as it was then
        if intent["status"] == "requires_payment_method" and not intent.get("last_payment_error"):
            try:
                self._call("send the payment to the card reader", v1.terminal.readers.process_payment_intent,
                           self.reader_id, params={"payment_intent": intent["id"]},
                           options={"idempotency_key": f"{key}:process"})
            except (_ReaderProblem, PaymentRefused):
                # Not on the reader: cancel it so nothing can be charged on it and a retry of this
                # attempt finds it cancelled instead of failing again. A card approved meanwhile stands.
                if self._cancel_intent(intent["id"]).state != "succeeded":
                    raise
        return self.status(intent["id"], key=key)

    def status(self, payment_intent_id: str, *, key: str) -> CardOutcome:
        """Where the payment stands; an approved card is captured here (`<key>:capture`)."""
        return self._settle(self._intent(payment_intent_id), capture_key=f"{key}:capture")

    def cancel(self, payment_intent_id: str) -> CardOutcome:
        """Stop the reader and cancel the PaymentIntent, unless the card got through first (then: succeeded)."""
        readers = self._client.v1.terminal.readers
        try:
            action = self._call("check the card reader", readers.retrieve, self.reader_id).get("action") or {}
            if action.get("status") == "in_progress" and _action_intent(action) in (None, payment_intent_id):
                self._call("cancel on the card reader", readers.cancel_action, self.reader_id)
        except (_ReaderProblem, PaymentRefused):
            pass  # offline, or nothing left to cancel there: cancelling the PaymentIntent is what counts
        return self._cancel_intent(payment_intent_id)

    def simulate_tap(self, card_number: str = "4242424242424242") -> None:
        """Test mode only: the simulated reader is presented a Stripe test card."""
        if not self._test:
            raise ValidationError("card reader", "only a simulated reader in test mode can be tapped from Facet")
        self._call("present the test card", self._client.v1.test_helpers.terminal.readers.present_payment_method,
                   self.reader_id, params={"type": "card_present", "card_present": {"number": card_number}})

    def refund(self, payment_intent_id: str, amount_cents: int, *, key: str) -> RefundOutcome:
        """Refund part or all of a captured payment (`<key>:refund`); more than is left is a ValidationError.

        The answer may be `pending`: follow it with `refund_status` until it succeeds or fails.
        """
        try:
            refund = self._call("refund the card", self._client.v1.refunds.create,
                                params={"payment_intent": payment_intent_id, "amount": amount_cents},
                                options={"idempotency_key": f"{key}:refund"})
        except _Refused as error:
            if error.code in ("amount_too_large", "charge_already_refunded") or error.param == "amount":
                raise ValidationError("amount", "is more than is left to refund on that card payment") from None
            raise
        return _refund_outcome(refund)

    def refund_status(self, refund_id: str) -> RefundOutcome:
        """How a refund stands now (a `pending` one becomes `succeeded` or `failed` days later at most)."""
        return _refund_outcome(self._call("check the refund", self._client.v1.refunds.retrieve, refund_id))

    # ------------------------------------------------------------ reading and settling a PaymentIntent

    def register_reader(self, registration_code: str, *, label: str, location: str | None) -> RegisteredReader:
        """Pair a reader with this store's Stripe account by the code its screen shows
        (`POST /v1/terminal/readers`); a code or location Stripe refuses is a ValidationError naming it."""
        params: ReaderCreateParams = {"registration_code": registration_code, "label": label}
        if location:
            params["location"] = location

        def create() -> Any:
            try:
                return self._client.v1.terminal.readers.create(params)
            except self._stripe.InvalidRequestError as error:
                said = str(getattr(error, "user_message", None) or getattr(error, "_message", None) or "")
                field = "reader location" if getattr(error, "param", None) == "location" else "registration code"
                raise ValidationError(field, f"Stripe refused it ({said.strip().rstrip('.')}): type the code the "
                                             "reader shows now (on the reader: Settings, Generate pairing "
                                             "code)") from None

        reader = self._call("register the card reader", create)
        return RegisteredReader(reader_id=str(reader["id"]), label=str(reader.get("label") or label),
                                device_type=str(reader.get("device_type") or ""))

    def _intent(self, payment_intent_id: str) -> dict[str, Any]:
        return self._call("check the payment", self._client.v1.payment_intents.retrieve, payment_intent_id,
                          params={"expand": ["latest_charge"]})

    def _settle(self, intent: dict[str, Any], *, capture_key: str) -> CardOutcome:
        """Capture an approved card, then say how the payment stands."""
        if intent["status"] == "requires_capture":
            try:
                intent = self._call("complete the payment", self._client.v1.payment_intents.capture, intent["id"],
                                    params={"expand": ["latest_charge"]}, options={"idempotency_key": capture_key})
            except PaymentRefused:
                intent = self._intent(intent["id"])  # captured meanwhile under another key: read how it stands
        if intent["status"] == "requires_payment_method":
            failure = self._failure(intent)
            if failure is not None:
                return _outcome(intent, "failed", failure)
        return _outcome(intent, _STATES.get(intent["status"], "pending"))

    def _cancel_intent(self, payment_intent_id: str) -> CardOutcome:
        intent = self._intent(payment_intent_id)
        if intent["status"] in ("requires_capture", "succeeded"):
            # The card went through before the cancel: the payment stands, captured once whoever asks.
            return self._settle(intent, capture_key=f"{payment_intent_id}:capture")
        if intent["status"] != "canceled":
            try:
                intent = self._call("cancel the payment", self._client.v1.payment_intents.cancel, payment_intent_id,
                                    params={"expand": ["latest_charge"]})
            except PaymentRefused:
                return self._settle(self._intent(payment_intent_id), capture_key=f"{payment_intent_id}:capture")
        return _outcome(intent, _STATES.get(intent["status"], "pending"))

    def _failure(self, intent: dict[str, Any]) -> str | None:
        """Why the card attempt failed, if it did: the decline, or the reader's action failing."""
        error = intent.get("last_payment_error")
        if error:
            return _decline_message(error.get("decline_code") or error.get("code"))
        reader = self._call("check the card reader", self._client.v1.terminal.readers.retrieve, self.reader_id)
        action = reader.get("action") or {}
        if action.get("status") == "failed" and _action_intent(action) in (None, intent["id"]):
            if action.get("failure_code") == "card_declined":
                return _decline_message(None)
            said = (action.get("failure_message") or "the payment did not go through").rstrip(". ")
            return f"The card reader stopped: {said}. Try again or take another way to pay."
        return None

    # ------------------------------------------------------------ calls, with errors a clerk can act on

    def _call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Call the SDK; the answer as plain dicts (SDK objects are not dicts), failures as DeviceUnavailable."""
        s = self._stripe
        try:
            result = fn(*args, **kwargs)
        except s.AuthenticationError:
            raise DeviceUnavailable("Stripe refused this store's secret key (wrong, revoked or from another "
                                    "account): set the right one with `pos-app payments set-key`.") from None
        except s.PermissionError:
            raise DeviceUnavailable(f"This store's Stripe key may not {what}: use a key with Terminal, "
                                    "PaymentIntent and Refund permissions.") from None
        except s.APIConnectionError:  # no network, DNS, TLS, or no answer in time
            raise DeviceUnavailable(
                f"Cannot reach Stripe to {what}. Check the internet connection. Nothing is charged or refunded "
                "twice: Facet checks with Stripe how this payment ended before it tries again.") from None
        except s.RateLimitError:
            raise DeviceUnavailable("Stripe asked Facet to slow down; try again in a moment.") from None
        except (s.InvalidRequestError, s.IdempotencyError, s.CardError) as error:
            code = "idempotency_error" if isinstance(error, s.IdempotencyError) else _code(error)
            problem = _READER_PROBLEMS.get(code or "")
            if problem is not None:
                raise _ReaderProblem(f"The card reader {self.reader_id} {problem}.") from None
            raise _Refused(_refusal(what, code, error), code, getattr(error, "param", None)) from None
        except s.APIError as error:
            if _code(error) == "idempotency_key_in_use":
                raise DeviceUnavailable(f"Stripe is still working on the request to {what}; Facet asks again in a "
                                        "moment. Nothing is charged twice.") from None
            raise DeviceUnavailable(f"Stripe had a problem and could not {what}. Nothing is charged twice: "
                                    "Facet checks with Stripe how this payment ended before it tries again.") from None
        return dict(result.to_dict())


def _code(error: Any) -> str | None:
    """Stripe's error code, also where the SDK does not copy it onto the exception (a 409's)."""
    if getattr(error, "code", None):
        return str(error.code)
    body = getattr(error, "json_body", None)
    detail = body.get("error") if isinstance(body, dict) else None
    return str(detail["code"]) if isinstance(detail, dict) and detail.get("code") else None


def _refusal(what: str, code: str | None, error: Any) -> str:
    """A clerk's sentence for a request Stripe refused; its own words (never secret) for the manager."""
    if code == "amount_too_small":
        return ("Stripe refused the card payment: the amount is below the smallest card payment it takes "
                "($0.50). Take it in cash or another way; nothing was charged.")
    if code == "amount_too_large":
        return ("Stripe refused the card payment: the amount is more than it takes in one card payment "
                "($999,999.99). Split it over two cards or another way to pay; nothing was charged.")
    if code == "idempotency_error":
        return (f"Stripe refused to {what}: this attempt was already sent with other details. Nothing more was "
                "charged; cancel it (Esc) and start the card payment again.")
    said = str(getattr(error, "user_message", None) or getattr(error, "_message", None) or "").strip()
    said = said[:200].rstrip(". ")
    detail = f" ({code}: {said})" if code and said else (f" ({said})" if said else "")
    return (f"Stripe refused to {what}{detail}. Nothing was charged by it: take another way to pay, and tell "
            "a manager if it happens again (Facet may need an update).")


def _refund_outcome(refund: dict[str, Any]) -> RefundOutcome:
    return RefundOutcome(refund_id=refund["id"], status=str(refund["status"]), amount_cents=int(refund["amount"]),
                         failure_reason=refund.get("failure_reason"))


def _action_intent(action: dict[str, Any]) -> str | None:
    """The PaymentIntent a reader action is about, if it is a payment."""
    return (action.get("process_payment_intent") or {}).get("payment_intent")


def _decline_message(code: str | None) -> str:
    words = _DECLINE_WORDS.get(code or "", "the card's bank declined it")
    return f"Card declined: {words}. Ask for another card or another way to pay."


def _outcome(intent: dict[str, Any], state: str, message: str | None = None) -> CardOutcome:
    brand = last4 = receipt = None
    charge = intent.get("latest_charge")
    if isinstance(charge, dict) and state == "succeeded":
        details = (charge.get("payment_method_details") or {}).get("card_present") or {}
        brand, last4 = details.get("brand"), details.get("last4")
        receipt = EmvReceipt.from_stripe(details.get("receipt"))
    received = intent.get("amount_received") or 0
    amount = received if state == "succeeded" and received else intent["amount"]
    return CardOutcome(payment_intent_id=intent["id"], state=state, stripe_status=intent["status"],
                       amount_cents=int(amount), card_brand=brand, card_last4=last4, message=message,
                       receipt=receipt)
