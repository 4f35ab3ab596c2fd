"""A local Stripe API server for the tests, reached through the real `stripe` SDK.

It speaks one API version, the installed SDK's (`stripe_spec.API_VERSION`,
2026-10-28.endive with stripe 16.1), and refuses a request with another
`Stripe-Version` header (400 `api_version_unsupported`): Facet must pin the
version it is written for, and the parameters below are that version's. Every
request is checked against the parameter types the SDK generates from Stripe's
OpenAPI spec (`tests/stripe_spec.py`) before any work: an unknown parameter, a
closed enum's wrong value or a wrong shape is refused as Stripe refuses it
(400 `parameter_unknown` "Received unknown parameter: x", ...), and
`payment_method_types` on PaymentIntent create is 400
`payment_method_types_no_longer_supported`, as on the real endive API.

Stripe's limits: USD amounts from $0.50 to $999,999.99 (400
`amount_too_small` / `amount_too_large`, nothing saved); a second request
with an idempotency key whose first request is still running is 409
`idempotency_key_in_use` (`slow()` holds a request in flight); refunds answer
`succeeded`, or `pending` after `refunds_pending = True`, and
`settle_refund(id, "succeeded" | "failed")` settles a pending one as Stripe
later would (a failed refund gives the amount back to the charge); a
card-present charge carries `payment_method_details.card_present.receipt`,
the EMV fields a chip receipt prints (application name, AID, ARC, ...).

It answers what Facet's card flow uses, with Stripe's own JSON shapes and
rules: PaymentIntents (create, retrieve, capture, cancel, `expand[]` of
`latest_charge`), one simulated Terminal reader (`tmr_…`, device_type
`simulated_wisepos_e`: retrieve, `process_payment_intent`, `cancel_action`,
and its `action` {type, status, failure_code, failure_message,
process_payment_intent.payment_intent}), the test helper
`present_payment_method` with Stripe's test card numbers (4242… approved;
4000000000000002 generic decline; 4000000000009995 insufficient funds), Refunds
(create and retrieve; partial, never more than is left: `amount_too_large`), and idempotency on
every POST (a key seen before replays the first answer with
`Idempotent-Replayed: true`; the same key with other parameters or on another
endpoint is a 400 `idempotency_error`; a request refused by parameter
validation saves nothing, as at Stripe). Keys never expire here (Stripe: 24 h).

Why it does all of it itself rather than in front of localstripe (checked with
localstripe 1.15.10): localstripe refuses `description` on a PaymentIntent
(400 "Unexpected description"), drops `payment_method_types`, has no
`amount_received`, no `payment_method_details.card_present` on charges, no
`decline_code`, declines 4000000000000002/9995 only when attached to a customer
(not when charged), answers `confirm` with a payment method "500 Not
implemented", has no `/v1/terminal/...` endpoint, ignores idempotency keys and
refunds more than was captured. Forwarding to it would leave only the storage
of a PaymentIntent to localstripe while rewriting every answer; it is also
GPL-3.0 and not in the project's test extra.

Fault injection: `refuse(method, path_prefix, code, message)` answers a 400
for a reason no parameter check could foresee; `drop(method, path_prefix, times=, after=, stall=)` closes
the connection without an answer, before or after doing the work (so
"charged, but the answer was lost" can be tested), optionally after holding it
open `stall` seconds (a timeout); `reader_offline = True` makes the reader
refuse work as a real one does. Inspection: `intents`, `refunds`, `action`,
`intent(id)` (a copy), `requests` (method, path) in order, `versions` (the
`Stripe-Version` of each request).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests import stripe_spec

DECLINES = {
    "4000000000000002": ("generic_decline", "Your card was declined."),
    "4000000000009995": ("insufficient_funds", "Your card has insufficient funds."),
}
BRANDS = {"4": "visa", "5": "mastercard", "3": "amex"}
# What a chip or contactless read puts on the charge (Stripe's test values look like these).
EMV = {
    "visa": ("Visa Credit", "A0000000031010"),
    "mastercard": ("Mastercard", "A0000000041010"),
    "amex": ("American Express", "A00000002501"),
}
# Smallest and largest charge in minor units (Stripe's "minimum and maximum charge amounts").
AMOUNT_LIMITS = {"usd": (50, 99_999_999)}


def _nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (`metadata[a]=1`, `expand[0]=x`) back into dicts and lists."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    nested: dict[str, Any] = _listify(out)
    return nested


def _listify(node: Any) -> Any:
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_listify(node[k]) for k in sorted(node, key=int)]
        return {k: _listify(v) for k, v in node.items()}
    return node


class StripeError(Exception):
    """An error answer. `saved=False` for a request refused before any work (Stripe keeps no idempotent result)."""

    def __init__(self, status: int, kind: str, message: str, code: str | None = None, *, saved: bool = True,
                 **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.saved = saved
        self.body = {"error": {"type": kind, "message": message, **({"code": code} if code else {}), **extra}}


@dataclass
class Drop:
    method: str
    prefix: str
    times: int
    after: bool
    stall: float = 0.0


@dataclass
class FakeStripe:
    reader_id: str = "tmr_FacetSimulatedWPE"
    secret_key: str = "sk_test_FacetLocalServer0123456789"
    reader_offline: bool = False
    refunds_pending: bool = False  # new refunds answer `pending` until settle_refund()
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    charges: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    action: dict[str, Any] | None = None
    idempotency: dict[str, tuple[str, dict[str, Any], int, dict[str, Any]]] = field(default_factory=dict)
    drops: list[Drop] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    versions: list[str | None] = field(default_factory=list)
    slows: list[Drop] = field(default_factory=list)
    refusals: list[tuple[Drop, str, str]] = field(default_factory=list)
    in_flight: set[str] = field(default_factory=set)
    registered_labels: list[str] = field(default_factory=list)  # readers paired by POST /v1/terminal/readers
    lock: threading.RLock = field(default_factory=threading.RLock)
    url: str = ""

    # -- what tests use ----------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.intents.clear()
            self.charges.clear()
            self.refunds.clear()
            self.idempotency.clear()
            self.drops.clear()
            self.requests.clear()
            self.versions.clear()
            self.slows.clear()
            self.refusals.clear()
            self.in_flight.clear()
            self.registered_labels.clear()
            self.action = None
            self.reader_offline = False
            self.refunds_pending = False

    def drop(self, method: str, prefix: str, *, times: int = 1, after: bool = True, stall: float = 0.0) -> None:
        """Close the next `times` matching connections without answering (after doing the work, or before),
        holding each open `stall` seconds first (longer than the client's timeout: a timeout)."""
        with self.lock:
            self.drops.append(Drop(method, prefix, times, after, stall))

    def slow(self, method: str, prefix: str, seconds: float, *, times: int = 1) -> None:
        """Hold the next `times` matching requests in flight `seconds` before working on them (their
        idempotency key is in use meanwhile), then answer normally."""
        with self.lock:
            self.slows.append(Drop(method, prefix, times, after=False, stall=seconds))

    def refuse(self, method: str, prefix: str, code: str, message: str, *, times: int = 1) -> None:
        """Refuse the next `times` matching requests as Stripe refuses for a reason Facet cannot check
        beforehand (an account setting, a payment method not activated): 400, nothing saved."""
        with self.lock:
            self.refusals.append((Drop(method, prefix, times, after=False), code, message))

    def settle_refund(self, refund_id: str, status: str, failure_reason: str = "expired_or_canceled_card") -> None:
        """What Stripe does later to a `pending` refund: it succeeds, or fails and the money stays the store's."""
        assert status in ("succeeded", "failed", "canceled"), status
        with self.lock:
            refund = self.refunds[refund_id]
            assert refund["status"] == "pending", f"{refund_id} is {refund['status']}, not pending"
            refund["status"] = status
            if status != "succeeded":
                self.charges[refund["charge"]]["amount_refunded"] -= refund["amount"]
                refund["failure_reason"] = failure_reason if status == "failed" else None

    def intent(self, intent_id: str) -> dict[str, Any]:
        """A copy of the PaymentIntent as stored (`latest_charge` as an id)."""
        with self.lock:
            copy: dict[str, Any] = json.loads(json.dumps(self.intents[intent_id]))
            return copy

    # -- objects -------------------------------------------------------------------------------

    def _reader(self) -> dict[str, Any]:
        return {"id": self.reader_id, "object": "terminal.reader", "device_type": "simulated_wisepos_e",
                "label": "Counter 1 (simulated)", "livemode": False, "status": "offline" if self.reader_offline
                else "online", "action": self.action, "serial_number": "SIMULATED-1"}

    def _intent_out(self, intent: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        out = dict(intent)
        if "latest_charge" in (params.get("expand") or []) and out.get("latest_charge"):
            out["latest_charge"] = self.charges[out["latest_charge"]]
        return out

    def _get_intent(self, intent_id: str) -> dict[str, Any]:
        if intent_id not in self.intents:
            raise StripeError(404, "invalid_request_error", f"No such payment_intent: '{intent_id}'",
                              "resource_missing", param="intent")
        return self.intents[intent_id]

    # -- routes ---------------------------------------------------------------------------------

    def validate(self, method: str, path: str, params: dict[str, Any], version: str | None) -> None:
        """Refuse what the real API refuses before doing anything (nothing is saved for the key)."""
        if version != stripe_spec.API_VERSION:
            raise StripeError(400, "invalid_request_error", f"This server speaks Stripe API version "
                              f"{stripe_spec.API_VERSION} only (the installed stripe SDK's); the request asked for "
                              f"{version or 'the account default'}.", "api_version_unsupported", saved=False)
        if (method, path) == ("POST", "/v1/payment_intents") and "payment_method_types" in params:
            raise StripeError(400, "invalid_request_error", "The payment_method_types parameter is no longer "
                              "supported on this API version. Use allowed_payment_method_types, or dynamic payment "
                              "methods.", "payment_method_types_no_longer_supported", saved=False,
                              param="payment_method_types")
        try:
            stripe_spec.check(method, path, params)
        except stripe_spec.Refused as refused:
            raise StripeError(refused.status, refused.error["type"], refused.error["message"],
                              refused.error.get("code"), saved=False,
                              **({"param": refused.error["param"]} if "param" in refused.error else {})) from None

    def handle(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        parts = path.strip("/").split("/")
        if parts[:2] == ["v1", "payment_intents"]:
            if method == "POST" and len(parts) == 2:
                return self._create_intent(params)
            intent = self._get_intent(parts[2])
            if method == "GET" and len(parts) == 3:
                return self._intent_out(intent, params)
            if method == "POST" and parts[3:] == ["capture"]:
                return self._capture(intent, params)
            if method == "POST" and parts[3:] == ["cancel"]:
                return self._cancel(intent, params)
        if parts == ["v1", "terminal", "readers"] and method == "POST":
            return self._register(params)
        if parts[:3] == ["v1", "terminal", "readers"] and len(parts) >= 4:
            self._check_reader(parts[3])
            if method == "GET" and len(parts) == 4:
                return self._reader()
            if self.reader_offline:
                raise StripeError(400, "invalid_request_error", "Reader is currently offline, please ensure the "
                                  "reader is powered on and connected to the internet before retrying your "
                                  "request.", "terminal_reader_offline")
            if method == "POST" and parts[4:] == ["process_payment_intent"]:
                return self._process(params)
            if method == "POST" and parts[4:] == ["cancel_action"]:
                return self._cancel_action()
        if parts[:4] == ["v1", "test_helpers", "terminal", "readers"] and parts[5:] == ["present_payment_method"]:
            self._check_reader(parts[4])
            return self._present(params)
        if parts[:2] == ["v1", "refunds"] and method == "POST" and len(parts) == 2:
            return self._refund(params)
        if parts[:2] == ["v1", "refunds"] and method == "GET" and len(parts) == 3:
            if parts[2] not in self.refunds:
                raise StripeError(404, "invalid_request_error", f"No such refund: '{parts[2]}'", "resource_missing",
                                  param="id")
            return dict(self.refunds[parts[2]])
        raise StripeError(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    def _register(self, params: dict[str, Any]) -> dict[str, Any]:
        """Stripe's simulated reader pairs with the code "simulated-wpe" in test mode; any other code is one
        no reader shows (as Stripe answers a mistyped or expired code)."""
        if params.get("registration_code") != "simulated-wpe":
            raise StripeError(400, "invalid_request_error", "Invalid registration code.", saved=False,
                              param="registration_code")
        self.registered_labels.append(str(params.get("label") or ""))
        return {**self._reader(), "label": params.get("label") or "simulated-wpe"}

    def _check_reader(self, reader_id: str) -> None:
        if reader_id != self.reader_id:
            raise StripeError(404, "invalid_request_error", f"No such terminal.reader: '{reader_id}'",
                              "resource_missing")

    def _create_intent(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            amount = int(params["amount"])
        except (KeyError, ValueError):
            raise StripeError(400, "invalid_request_error", "Missing required param: amount.",
                              "parameter_missing", param="amount", saved=False) from None
        currency = params.get("currency", "usd")
        least, most = AMOUNT_LIMITS.get(currency, AMOUNT_LIMITS["usd"])
        if amount < least:
            raise StripeError(400, "invalid_request_error", f"Amount must be at least ${least / 100:.2f} {currency}",
                              "amount_too_small", param="amount", saved=False)
        if amount > most:
            raise StripeError(400, "invalid_request_error", f"Amount must be no more than ${most / 100:,.2f} "
                              f"{currency}", "amount_too_large", param="amount", saved=False)
        # allowed_payment_method_types filters what the account can take; the result is payment_method_types.
        allowed = params.get("allowed_payment_method_types") or ["card"]
        intent_id = "pi_" + secrets.token_hex(12)
        self.intents[intent_id] = {
            "id": intent_id, "object": "payment_intent", "amount": amount, "amount_capturable": 0,
            "amount_received": 0, "currency": params.get("currency", "usd"), "status": "requires_payment_method",
            "capture_method": params.get("capture_method", "automatic"),
            "payment_method_types": [t for t in allowed if t in ("card", "card_present")],
            "description": params.get("description"), "metadata": params.get("metadata", {}),
            "latest_charge": None, "last_payment_error": None, "payment_method": None, "canceled_at": None,
            "cancellation_reason": None, "livemode": False, "created": int(time.time()),
        }
        return dict(self.intents[intent_id])

    def _process(self, params: dict[str, Any]) -> dict[str, Any]:
        intent = self._get_intent(params.get("payment_intent", ""))
        if self.action is not None and self.action["status"] == "in_progress":
            raise StripeError(400, "invalid_request_error", "Reader is currently busy processing another request.",
                              "terminal_reader_busy")
        if "card_present" not in intent["payment_method_types"]:
            raise StripeError(400, "invalid_request_error", "The PaymentIntent's payment_method_types must include "
                              "card_present to be processed by a reader.", param="payment_intent")
        if intent["status"] not in ("requires_payment_method",):
            raise StripeError(400, "invalid_request_error", "This PaymentIntent's status does not allow that: "
                              f"{intent['status']}.", "payment_intent_unexpected_state")
        intent["last_payment_error"] = None
        self.action = {"type": "process_payment_intent", "status": "in_progress", "failure_code": None,
                       "failure_message": None, "process_payment_intent": {"payment_intent": intent["id"]}}
        return self._reader()

    def _present(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.action is None or self.action["status"] != "in_progress":
            raise StripeError(400, "invalid_request_error", "This reader has no in-progress action to present a "
                              "payment method to.")
        number = (params.get("card_present") or {}).get("number", "4242424242424242")
        intent = self.intents[self.action["process_payment_intent"]["payment_intent"]]
        if number in DECLINES:
            decline, message = DECLINES[number]
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = {"type": "card_error", "code": "card_declined", "decline_code": decline,
                                            "message": message, "payment_method": {"type": "card_present"}}
            self.action.update(status="failed", failure_code="card_declined", failure_message=message)
            return self._reader()
        charge_id = "ch_" + secrets.token_hex(12)
        brand = BRANDS.get(number[0], "visa")
        app_name, aid = EMV[brand]
        self.charges[charge_id] = {
            "id": charge_id, "object": "charge", "amount": intent["amount"], "amount_captured": 0,
            "amount_refunded": 0, "captured": False, "paid": True, "payment_intent": intent["id"],
            "status": "succeeded", "currency": intent["currency"],
            "payment_method_details": {"type": "card_present", "card_present": {
                "brand": brand, "last4": number[-4:], "exp_month": 12, "exp_year": 2030,
                "read_method": "contactless_emv", "receipt": {
                    "account_type": "credit", "application_preferred_name": app_name,
                    "dedicated_file_name": aid, "authorization_code": f"{secrets.randbelow(10**6):06d}",
                    "authorization_response_code": "3030", "application_cryptogram": secrets.token_hex(8).upper(),
                    "terminal_verification_results": "0000000000", "transaction_status_information": "0000",
                    "cardholder_verification_method": "none"}}},
        }
        intent.update(status="requires_capture", amount_capturable=intent["amount"], latest_charge=charge_id,
                      payment_method="pm_" + secrets.token_hex(12))
        self.action["status"] = "succeeded"
        return self._reader()

    def _capture(self, intent: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        if intent["status"] != "requires_capture":
            raise StripeError(400, "invalid_request_error", "This PaymentIntent could not be captured because it "
                              f"has a status of {intent['status']}.", "payment_intent_unexpected_state")
        charge = self.charges[intent["latest_charge"]]
        charge.update(captured=True, amount_captured=intent["amount"])
        intent.update(status="succeeded", amount_capturable=0, amount_received=intent["amount"])
        return self._intent_out(intent, params)

    def _cancel(self, intent: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        if intent["status"] in ("succeeded", "canceled"):
            raise StripeError(400, "invalid_request_error", "You cannot cancel this PaymentIntent because it has a "
                              f"status of {intent['status']}.", "payment_intent_unexpected_state")
        intent.update(status="canceled", amount_capturable=0, canceled_at=int(time.time()),
                      cancellation_reason=params.get("cancellation_reason"))
        if self.action and self.action["process_payment_intent"]["payment_intent"] == intent["id"] \
                and self.action["status"] == "in_progress":
            self.action.update(status="failed", failure_code="canceled", failure_message="The payment was canceled.")
        return self._intent_out(intent, params)

    def _cancel_action(self) -> dict[str, Any]:
        if self.action is None or self.action["status"] != "in_progress":
            raise StripeError(400, "invalid_request_error", "This reader has no in-progress action to cancel.")
        self.action.update(status="failed", failure_code="canceled", failure_message="The action was canceled.")
        return self._reader()

    def _refund(self, params: dict[str, Any]) -> dict[str, Any]:
        intent = self._get_intent(params.get("payment_intent", ""))
        if intent["status"] != "succeeded":
            raise StripeError(400, "invalid_request_error", "This PaymentIntent has no successful charge to refund.",
                              "charge_not_refundable")
        charge = self.charges[intent["latest_charge"]]
        left = charge["amount_captured"] - charge["amount_refunded"]
        amount = int(params.get("amount", left))
        if amount <= 0:
            raise StripeError(400, "invalid_request_error", "Invalid positive integer", "parameter_invalid_integer",
                              param="amount", saved=False)
        if amount > left:
            raise StripeError(400, "invalid_request_error", f"Refund amount (${amount / 100:.2f}) is greater than "
                              f"unrefunded amount on charge (${left / 100:.2f})", "amount_too_large", param="amount")
        charge["amount_refunded"] += amount
        refund_id = "re_" + secrets.token_hex(12)
        self.refunds[refund_id] = {"id": refund_id, "object": "refund", "amount": amount, "charge": charge["id"],
                                   "payment_intent": intent["id"], "currency": intent["currency"],
                                   "status": "pending" if self.refunds_pending else "succeeded",
                                   "failure_reason": None, "created": int(time.time())}
        return dict(self.refunds[refund_id])

    # -- one request, with idempotency ------------------------------------------------------------

    def serve(self, method: str, path: str, params: dict[str, Any], key: str | None,
              version: str | None = None) -> tuple[int, dict[str, Any], bool, Drop | None]:
        """(status, body, replayed, the drop to apply instead of answering)."""
        with self.lock:
            self.requests.append((method, path))
            self.versions.append(version)
            drop = self._take(self.drops, method, path)
            if drop is not None and not drop.after:
                return 0, {}, False, drop
            idempotent = method == "POST" and bool(key)
            if idempotent:
                assert key is not None
                seen = self.idempotency.get(key)
                if seen is not None:
                    seen_path, seen_params, status, body = seen
                    if (seen_path, seen_params) != (path, params):
                        return 400, {"error": {"type": "idempotency_error", "message": "Keys for idempotent "
                                               "requests can only be used with the same parameters they were "
                                               "first used with. Try using a key other than "
                                               f"'{key}' if you meant to execute a different request."}}, False, drop
                    return status, body, True, drop
                if key in self.in_flight:
                    return 409, {"error": {"type": "invalid_request_error", "code": "idempotency_key_in_use",
                                           "message": "There is currently another in-progress request using this "
                                           "Stripe-Idempotency-Key. Please try again later."}}, False, drop
                self.in_flight.add(key)
            slow = self._take(self.slows, method, path)
        try:
            if slow is not None:
                time.sleep(slow.stall)  # in flight: the key is in use, the lock is free for other requests
            with self.lock:
                saved = True
                try:
                    self.validate(method, path, params, version)
                    refusal = next((r for r in self.refusals if r[0].method == method
                                    and path.startswith(r[0].prefix)), None)
                    if refusal is not None:
                        rule, code, message = refusal
                        self._take([rule], method, path)
                        if rule.times <= 0:
                            self.refusals.remove(refusal)
                        raise StripeError(400, "invalid_request_error", message, code, saved=False)
                    status, body = 200, self.handle(method, path, params)
                except StripeError as error:
                    status, body, saved = error.status, error.body, error.saved
                except Exception as error:  # a bug in this server: say so, keep nothing
                    status, body, saved = 500, {"error": {"type": "api_error", "message": repr(error)}}, False
                if idempotent and saved:
                    self.idempotency[key or ""] = (path, params, status, json.loads(json.dumps(body)))
                return status, body, False, drop
        finally:
            if idempotent:
                with self.lock:
                    self.in_flight.discard(key or "")

    @staticmethod
    def _take(rules: list[Drop], method: str, path: str) -> Drop | None:
        rule = next((d for d in rules if d.method == method and path.startswith(d.prefix)), None)
        if rule is not None:
            rule.times -= 1
            if rule.times <= 0:
                rules.remove(rule)
        return rule


class _Handler(BaseHTTPRequestHandler):
    server_version = "FacetFakeStripe/1"
    fake: FakeStripe

    def log_message(self, *args: Any) -> None:
        pass

    def _serve(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        params = _nest(parse_qsl(raw if method == "POST" else parts.query, keep_blank_values=True))
        auth = self.headers.get("Authorization", "")
        if auth != f"Bearer {self.fake.secret_key}":
            self._send(401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided."}})
            return
        status, body, replayed, drop = self.fake.serve(method, parts.path, params,
                                                       self.headers.get("Idempotency-Key"),
                                                       self.headers.get("Stripe-Version"))
        if drop is not None:
            time.sleep(drop.stall)
            self.close_connection = True
            return
        self._send(status, body, replayed)

    def _send(self, status: int, body: dict[str, Any], replayed: bool = False) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", "req_" + secrets.token_hex(6))
        if replayed:
            self.send_header("Idempotent-Replayed", "true")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve("DELETE")


def start() -> tuple[FakeStripe, ThreadingHTTPServer]:
    fake = FakeStripe()
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake, server


@pytest.fixture(scope="session")
def stripe_server_session() -> Iterator[FakeStripe]:
    fake, server = start()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def stripe_server(stripe_server_session: FakeStripe) -> FakeStripe:
    stripe_server_session.reset()
    return stripe_server_session
