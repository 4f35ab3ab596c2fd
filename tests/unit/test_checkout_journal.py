"""The checkout journal's state changes (`domain/checkout.py`), as specs: pure values, no store, no Stripe."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pytest

from pos_app.domain.cart import Cart, CartLine, Tender, TenderKind, cash_tender, price
from pos_app.domain.checkout import Checkout, CheckoutStatus, JournalMismatch, LargeCashDetails
from pos_app.domain.errors import Conflict, ValidationError
from pos_app.domain.money import Money

RATE = Decimal("8.875")


def _cart(*cents: int) -> Cart:
    return Cart(currency="USD", lines=tuple(
        CartLine(item_id=f"item-{i}", sku=f"SKU-{i}", description="Tennis necklace", quantity=1,
                 unit_price=Money(c), list_price=Money(c), unique=True) for i, c in enumerate(cents)))


def _open(*cents: int, rate: Decimal = RATE) -> Checkout:
    return Checkout.start("co-1", _cart(*cents), rate)


def _charged(co: Checkout, cents: int) -> Checkout:
    return co.card_started(Money(cents)).card_intent_created("pi_1").card_confirmed(
        amount_cents=cents, payment_intent_id="pi_1", card_brand="visa", card_last4="4242")


def _round_trip(co: Checkout, **kw: Decimal) -> Checkout:
    return Checkout.from_dict(json.loads(json.dumps(co.to_dict())), **kw)


def test_a_journal_starts_open_priced_once_at_the_rate_it_was_given() -> None:
    co = _open(100_000, 25_050)
    assert co.is_open and co.tax_rate == RATE and co.attempts == 0 and co.tenders == ()
    assert co.total == price(co.cart, RATE).total and co.due == co.total
    with pytest.raises(ValidationError, match="cart: is empty"):
        Checkout.start("co-2", Cart(currency="USD"), RATE)


def test_cash_taken_lowers_what_is_due_and_keeps_the_change() -> None:
    co = _open(10_000)
    co = co.tender_added(cash_tender(co.due, Money(20_000)))
    assert co.due == Money(0) and co.change == Money(20_000 - co.total.cents) and co.settled
    assert co.paid_in(TenderKind.CASH) == co.total.cents


def test_a_card_attempt_gets_the_next_key_before_stripe_is_asked() -> None:
    co = _open(10_000).card_started(Money(5_000))
    assert co.pending is not None and co.pending.key == "co-1-1" and co.attempts == 1
    co = co.card_dropped().card_started(Money(5_000))
    assert co.pending is not None and co.pending.key == "co-1-2", "a new attempt never reuses a key"


def test_a_card_attempt_is_refused_while_one_waits_or_above_what_is_due() -> None:
    co = _open(10_000)
    with pytest.raises(ValidationError, match="card amount: must be more than zero and at most"):
        co.card_started(co.due + Money(1))
    waiting = co.card_started(Money(100))
    with pytest.raises(Conflict, match="already waiting"):
        waiting.card_started(Money(100))
    with pytest.raises(Conflict, match="Finish or cancel the card payment first"):
        waiting.tender_added(Tender(TenderKind.CASH, amount=Money(100)))


def test_the_intent_stripe_made_is_kept_on_the_waiting_attempt() -> None:
    co = _open(10_000).card_started(Money(10_000)).card_intent_created("pi_9")
    assert co.pending is not None and co.pending.payment_intent_id == "pi_9" and co.tenders == ()


def test_a_confirmed_card_becomes_a_tender_of_what_stripe_captured() -> None:
    co = _charged(_open(10_000), 4_000)
    assert co.pending is None and co.due == co.total - Money(4_000)
    (card,) = co.tenders
    assert (card.kind, card.amount, card.payment_intent_id, card.card_last4) == (
        TenderKind.CARD, Money(4_000), "pi_1", "4242")


def test_a_declined_or_cancelled_card_leaves_nothing_paid() -> None:
    co = _open(10_000).card_started(Money(10_000)).card_dropped()
    assert co.pending is None and co.tenders == () and co.due == co.total
    with pytest.raises(Conflict, match="No card payment is waiting"):
        co.card_dropped()


def test_a_card_refund_is_journaled_under_its_own_key_then_confirmed_as_a_negative_tender() -> None:
    returned = dataclasses.replace(_cart(10_000).lines[0], quantity=-1)
    co = Checkout.start("co-r", Cart(currency="USD", lines=(returned,)), Decimal(0))
    assert co.due == Money(-10_000)
    with pytest.raises(ValidationError, match="refund: must be more than zero"):
        co.refund_started("pi_old", Money(10_001), card_brand="visa", card_last4="4242")
    co = co.refund_started("pi_old", Money(10_000), card_brand="visa", card_last4="4242")
    assert co.pending is not None and co.pending.is_refund and co.pending.key == "co-r-r1"
    with pytest.raises(Conflict, match="confirmed as a refund"):
        co.card_confirmed(amount_cents=1, payment_intent_id="pi_old", card_brand=None, card_last4=None)
    co = co.refund_confirmed(refund_id="re_1", status="pending")
    assert co.pending is None and co.settled
    assert (co.tenders[0].amount, co.tenders[0].refund_id, co.tenders[0].refund_status) == (
        Money(-10_000), "re_1", "pending")


def test_a_conflict_is_kept_with_what_was_paid() -> None:
    co = _charged(_open(10_000), 1_000).conflicted("SKU-0 was sold at another counter.")
    assert co.is_open and co.conflict.startswith("SKU-0") and co.paid == Money(1_000)


def test_completing_needs_everything_settled_and_drops_the_payers_details() -> None:
    details = LargeCashDetails("Ada Lovelace", "12 Main Street, Springfield", dt.date(1980, 1, 1), "123456789",
                               "Passport 123 USA")
    co = _open(10_000)
    with pytest.raises(Conflict, match="nothing is left to pay"):
        co.completed("sale-1")
    co = co.tender_added(cash_tender(co.due, co.due), large_cash=details)
    assert co.large_cash == details
    done = co.completed("sale-1")
    assert (done.status, done.sale_id, done.large_cash) == (CheckoutStatus.COMPLETED, "sale-1", None)
    with pytest.raises(Conflict, match="already completed"):
        done.tender_added(Tender(TenderKind.CASH, amount=Money(1)))


def test_an_abandoned_journal_takes_nothing_more() -> None:
    co = _open(10_000).abandoned()
    assert co.status is CheckoutStatus.ABANDONED
    with pytest.raises(Conflict, match="already abandoned"):
        co.card_started(Money(100))
    with pytest.raises(Conflict):
        co.abandoned()


def test_the_stored_form_keeps_the_rate_and_totals_whatever_rate_reads_it_back() -> None:
    co = _charged(_open(123_457, 99), 50_000).card_started(Money(1_000))
    back = _round_trip(co, tax_rate=Decimal("4"))
    assert back == co
    assert back.tax_rate == RATE and back.priced.tax == co.priced.tax and back.due == co.due
    stored = co.to_dict()
    assert stored["tax_rate"] == "8.875" and stored["totals"]["total"] == co.total.cents
    assert "_checkout" not in stored["cart"]


def test_a_journal_written_before_the_rate_was_kept_is_priced_at_the_rate_given() -> None:
    stored = _open(10_000).to_dict()
    del stored["tax_rate"], stored["totals"]
    assert Checkout.from_dict(stored, tax_rate=Decimal(0)).priced.tax == Money(0)
    with pytest.raises(JournalMismatch, match="keeps no tax rate"):
        Checkout.from_dict(stored)


def test_a_journal_whose_cart_no_longer_adds_up_to_its_totals_is_refused() -> None:
    stored = _open(10_000).to_dict()
    stored["totals"]["total"] += 1
    with pytest.raises(JournalMismatch, match="was priced at"):
        Checkout.from_dict(stored)
