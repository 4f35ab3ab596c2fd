"""Card payments as the real Stripe API takes them: limits, refusals, chip receipts, refunds until settled.

Real services on a real encrypted demo store, the real `stripe` SDK against the local Stripe server
(which speaks only the SDK's API version and checks every parameter against the SDK's types), receipts
read back from real ESC/POS bytes over TCP and from the PDF's text.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from pos_app import app
from pos_app.adapters.card_terminal import StripeTerminal
from pos_app.domain.cart import Cart
from pos_app.domain.errors import ValidationError
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, Role
from pos_app.services import card_refunds, cash, checkout, receipts, returns
from pos_app.services.guard import ApprovalNeeded
from pos_app.services.ports.devices import PaymentRefused
from tests.conftest import actor_for, cli_login
from tests.printer_listener import PrinterListener, decode_escpos
from tests.stripe_server import FakeStripe

GOOD = "4242424242424242"


@pytest.fixture
def terminal(stripe_server: FakeStripe) -> StripeTerminal:
    return StripeTerminal(stripe_server.secret_key, stripe_server.reader_id, api_base=stripe_server.url)


def _checkout_one(facet: app.Facet, clerk: Actor, settings: checkout.CounterSettings) -> checkout.Checkout:
    conn = facet.connection()
    try:
        (item_id,) = conn.execute("SELECT id FROM items WHERE status = 'available' AND tracking = 'unique' "
                                  "AND on_hand = 1 ORDER BY sku LIMIT 1").fetchone()
    finally:
        conn.close()
    row = facet.store.inventory.rows_by_ids([item_id])[0]
    return checkout.start_checkout(checkout.add_item(Cart(), row, actor=clerk), settings=settings,
                                   uow=facet.uow(), actor=clerk)


def _journal(facet: app.Facet, co: checkout.Checkout, settings: checkout.CounterSettings) -> checkout.Checkout:
    """The checkout as saved (what a restart or the screen's reload sees)."""
    return checkout.open_checkout(co.id, uow=facet.uow())


def _card_sale(facet: app.Facet, clerk: Actor, settings: checkout.CounterSettings, terminal: StripeTerminal,
               card: str = GOOD) -> checkout.CompletedSale:
    co = _checkout_one(facet, clerk, settings)
    co = checkout.start_card(co, co.due, uow=facet.uow(), actor=clerk, terminal=terminal)
    terminal.simulate_tap(card)
    co, outcome = checkout.check_card(co, uow=facet.uow(), actor=clerk, terminal=terminal)
    assert outcome.state == "succeeded"
    return checkout.complete_sale(co, uow=facet.uow(), actor=clerk, sales=facet.store.sales)


# ---------------------------------------------------------------- a refused card never leaves the checkout stuck


def test_a_card_remainder_below_stripes_minimum_is_refused_before_anything_is_saved_and_cash_finishes(
        demo_facet: app.Facet, clerk: Actor, shift: str, settings: checkout.CounterSettings,
        stripe_server: FakeStripe, terminal: StripeTerminal) -> None:
    co = _checkout_one(demo_facet, clerk, settings)
    co = checkout.pay_cash(co, Money(co.due.cents - 25), uow=demo_facet.uow(), actor=clerk,
                           sales=demo_facet.store.sales)
    assert co.due == Money(25)  # a split that leaves a quarter for the card
    with pytest.raises(ValidationError) as refused:
        checkout.start_card(co, co.due, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    assert refused.value.field == "card amount"
    assert "$0.25 is too small for a card" in str(refused.value) and "$0.50 to $999,999.99" in str(refused.value)
    assert _journal(demo_facet, co, settings).pending is None and stripe_server.requests == []
    co = checkout.pay_cash(co, Money(25), uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
    done = checkout.complete_sale(co, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
    assert done.number


def test_a_card_attempt_stripe_refuses_is_dropped_and_the_cart_can_be_voided(
        demo_facet: app.Facet, clerk: Actor, shift: str, settings: checkout.CounterSettings,
        stripe_server: FakeStripe, terminal: StripeTerminal) -> None:
    co = _checkout_one(demo_facet, clerk, settings)
    co = checkout.pay_cash(co, Money(10000), uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
    stripe_server.refuse("POST", "/v1/payment_intents", "payment_method_unactivated",
                         "The payment method type card_present is not activated for your account.", times=9)
    with pytest.raises(PaymentRefused, match="not activated for your account") as refused:
        checkout.start_card(co, co.due, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    assert "Nothing was charged" in str(refused.value) and refused.value.code == "payment_method_unactivated"
    saved = _journal(demo_facet, co, settings)
    assert saved.pending is None and saved.attempts == 1 and stripe_server.intents == {}
    voided = checkout.void_checkout(saved, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    assert voided.id == co.id and demo_facet.store.sales.open_checkout_ids(clerk.terminal) == []


def test_a_refused_attempt_left_in_the_journal_by_a_crash_is_dropped_by_a_check_a_cancel_or_a_void(
        demo_facet: app.Facet, clerk: Actor, shift: str, settings: checkout.CounterSettings,
        stripe_server: FakeStripe, terminal: StripeTerminal) -> None:
    """The journal wrote the attempt, then Facet stopped before Stripe's refusal came back (as main left
    every refused attempt): checking, cancelling (Esc) and voiding (Ctrl+Del) all end it."""
    stripe_server.refuse("POST", "/v1/payment_intents", "payment_method_unactivated", "Not activated.", times=99)
    for end in ("check", "cancel", "void"):
        co = _checkout_one(demo_facet, clerk, settings)
        stuck = checkout.PendingCard(key=f"{co.id}-1", amount=co.due)
        co = checkout.Checkout(id=co.id, cart=co.cart, priced=co.priced, pending=stuck, attempts=1)
        uow = demo_facet.uow()
        with uow:  # the journal as the stopped process left it
            uow.checkouts.save(co, terminal=clerk.terminal, staff_id=clerk.staff_id)
            uow.commit()
        co = _journal(demo_facet, co, settings)
        assert co.pending is not None
        if end == "check":
            with pytest.raises(PaymentRefused, match="Not activated"):
                checkout.check_card(co, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
            assert _journal(demo_facet, co, settings).pending is None
            checkout.reopen(_journal(demo_facet, co, settings), uow=demo_facet.uow(), actor=clerk)
        elif end == "cancel":
            co, outcome = checkout.cancel_card(co, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
            assert (outcome.state, co.pending) == ("canceled", None) and "Not activated" in (outcome.message or "")
            checkout.reopen(co, uow=demo_facet.uow(), actor=clerk)
        else:
            checkout.void_checkout(co, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
        assert co.id not in demo_facet.store.sales.open_checkout_ids(clerk.terminal)
    assert stripe_server.intents == {}


def test_voiding_while_the_reader_waits_cancels_the_card_and_refunds_one_approved_meanwhile(
        demo_facet: app.Facet, clerk: Actor, shift: str, settings: checkout.CounterSettings,
        stripe_server: FakeStripe, terminal: StripeTerminal) -> None:
    co = _checkout_one(demo_facet, clerk, settings)
    co = checkout.pay_cash(co, Money(10000), uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
    co = checkout.start_card(co, co.due, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    terminal.simulate_tap(GOOD)  # approved just before the clerk voids
    checkout.void_checkout(co, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    (pi,) = stripe_server.intents
    assert [(r["payment_intent"], r["amount"]) for r in stripe_server.refunds.values()] == [
        (pi, co.due.cents)]
    attention = card_refunds.refunds_needing_attention(uow=demo_facet.uow(), actor=clerk)
    assert attention == []  # the refund succeeded at once
    assert co.id not in demo_facet.store.sales.open_checkout_ids(clerk.terminal)


# ---------------------------------------------------------------- chip receipts


def test_a_chip_card_sale_keeps_and_prints_the_receipt_fields_card_networks_require(
        demo_facet: app.Facet, clerk: Actor, settings: checkout.CounterSettings, stripe_server: FakeStripe,
        terminal: StripeTerminal, printer_listener: PrinterListener) -> None:
    done = _card_sale(demo_facet, clerk, settings, terminal)
    emv = next(iter(stripe_server.charges.values()))["payment_method_details"]["card_present"]["receipt"]
    sale = demo_facet.store.sales.sale(done.sale_id)
    assert sale is not None
    stored = sale.payments[0].card_receipt
    assert stored is not None and (stored.application_name, stored.aid, stored.arc) == (
        "Visa Credit", "A0000000031010", "3030")
    conn = demo_facet.connection()
    try:
        (raw,) = conn.execute("SELECT card_receipt FROM payments WHERE sale_id = ?", (done.sale_id,)).fetchone()
    finally:
        conn.close()
    assert set(json.loads(raw)) <= {"application_name", "aid", "account_type", "arc", "authorization_code",
                                    "application_cryptogram", "tvr", "tsi", "verification"}
    assert GOOD not in raw

    outcome = receipts.print_receipt(done.sale_id, printer=demo_facet.printer_for(printer_listener.url),
                                     sales=demo_facet.store.sales, directory=demo_facet.store.directory,
                                     uow=demo_facet.uow(), actor=clerk)
    assert outcome.printed
    lines = [" ".join(line.split()) for line in decode_escpos(printer_listener.wait_for(1)[0]).lines]
    card_at = next(i for i, line in enumerate(lines) if line.startswith("VISA ****4242"))
    assert lines[card_at + 1:card_at + 6] == ["Application Visa Credit", "AID A0000000031010", "Account Credit",
                                              "ARC 3030", f"Auth code {emv['authorization_code']}"]
    assert f"Cryptogram {emv['application_cryptogram']}" in lines and "TVR 0000000000" in lines

    pdf = receipts.receipt_pdf(done.sale_id, sales=demo_facet.store.sales, directory=demo_facet.store.directory,
                               actor=clerk, uow=demo_facet.uow())
    page_text = _pdf_text(pdf)
    for expected in ("Visa ending 4242", "Application: Visa Credit", "AID: A0000000031010", "ARC: 3030"):
        assert expected in page_text, expected


def _pdf_text(pdf: bytes) -> str:
    import io

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def test_a_cash_sale_prints_no_chip_fields(demo_facet: app.Facet, clerk: Actor, shift: str,
                                           settings: checkout.CounterSettings) -> None:
    co = _checkout_one(demo_facet, clerk, settings)
    co = checkout.pay_cash(co, co.due, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
    done = checkout.complete_sale(co, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
    receipt = receipts.build_receipt(done.sale_id, sales=demo_facet.store.sales, directory=demo_facet.store.directory)
    assert [t.emv_lines() for t in receipt.tenders] == [[]]


# ---------------------------------------------------------------- refunds until Stripe settles them


def _return_to_card(facet: app.Facet, clerk: Actor, settings: checkout.CounterSettings, terminal: StripeTerminal,
                    sold: checkout.CompletedSale) -> checkout.CompletedSale:
    sales = facet.store.sales
    sale = returns.find_sale(sold.number, sales=sales, actor=clerk, uow=facet.uow())
    ret = checkout.start_checkout(returns.return_whole_sale(Cart(), sale, actor=clerk), settings=settings,
                                  uow=facet.uow(), actor=clerk)
    [(pi, _label, left)] = checkout.card_refundable(ret, sales)
    ret = checkout.refund_card(ret, pi, Money(left), uow=facet.uow(), actor=clerk, terminal=terminal, sales=sales)
    return checkout.complete_sale(ret, uow=facet.uow(), actor=clerk, sales=sales)


def _payment_status(facet: app.Facet, refund_id: str) -> Any:
    conn = facet.connection()
    try:
        return conn.execute("SELECT status FROM payments WHERE refund_id = ?", (refund_id,)).fetchone()[0]
    finally:
        conn.close()


def test_a_pending_return_refund_is_recorded_as_pending_and_tracked_until_it_succeeds(
        demo_facet: app.Facet, clerk: Actor, shift: str, settings: checkout.CounterSettings,
        stripe_server: FakeStripe, terminal: StripeTerminal) -> None:
    sold = _card_sale(demo_facet, clerk, settings, terminal)
    stripe_server.refunds_pending = True
    back = _return_to_card(demo_facet, clerk, settings, terminal, sold)
    (refund_id,) = stripe_server.refunds
    assert _payment_status(demo_facet, refund_id) == "pending"
    receipt = receipts.build_receipt(back.sale_id, sales=demo_facet.store.sales, directory=demo_facet.store.directory)
    assert [t.pending for t in receipt.tenders] == [True]

    checked = card_refunds.check_refunds(uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    assert checked.settled == () and [r.status for r in checked.attention] == ["pending"]
    assert "still pending at Stripe" in checked.messages[0] and back.number in checked.messages[0]

    stripe_server.settle_refund(refund_id, "succeeded")
    checked = card_refunds.check_refunds(uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    assert [r.status for r in checked.settled] == ["succeeded"] and checked.attention == ()
    assert _payment_status(demo_facet, refund_id) == "succeeded"
    assert card_refunds.check_refunds(uow=demo_facet.uow(), actor=clerk, terminal=terminal).settled == ()


def test_a_voided_sale_whose_refund_fails_is_put_before_staff_and_paid_back_in_cash_with_approval(
        demo_facet: app.Facet, clerk: Actor, manager: Actor, shift: str, settings: checkout.CounterSettings,
        stripe_server: FakeStripe, terminal: StripeTerminal) -> None:
    sold = _card_sale(demo_facet, clerk, settings, terminal)
    stripe_server.refunds_pending = True
    returns.void_sale(sold.sale_id, "wrong piece", uow=demo_facet.uow(), actor=manager,
                      sales=demo_facet.store.sales, timezone=settings.timezone, terminal=terminal)
    (refund_id,) = stripe_server.refunds
    assert _payment_status(demo_facet, refund_id) == "pending"
    stripe_server.settle_refund(refund_id, "failed", "expired_or_canceled_card")

    checked = card_refunds.check_refunds(uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    (failed,) = checked.attention
    assert (failed.status, failed.failure_reason, failed.sale_number) == (
        "failed", "expired_or_canceled_card", sold.number)
    message = checked.messages[0]
    assert f"sale {sold.number}" in message and "failed at Stripe: the card has expired or was closed" in message
    assert "refund it in cash from the drawer with a manager's approval" in message and failed.refund_id in message
    assert _payment_status(demo_facet, refund_id) == "failed"

    with pytest.raises(ApprovalNeeded):
        card_refunds.refund_failed_in_cash(failed.id, uow=demo_facet.uow(), actor=clerk)
    handled = card_refunds.refund_failed_in_cash(failed.id, uow=demo_facet.uow(), actor=clerk, approver=manager)
    assert handled.handled_at is not None and "in cash" in (handled.handled_how or "")
    assert card_refunds.refunds_needing_attention(uow=demo_facet.uow(), actor=clerk) == []
    conn = demo_facet.connection()
    try:
        paid_out = conn.execute("SELECT amount_cents, approved_by FROM cash_movements WHERE kind = 'paid_out' "
                                "AND shift_id = ?", (shift,)).fetchall()
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_events ORDER BY seq")]
    finally:
        conn.close()
    assert paid_out == [(sold.total.cents, manager.staff_id)]
    assert "card_refund.failed" in actions and "card_refund.paid_in_cash" in actions


def test_refunds_waiting_for_stripe_are_checked_at_the_next_start(
        demo_dir: Path, stripe_server: FakeStripe, terminal: StripeTerminal) -> None:
    facet = app.open_facet(demo_dir)
    clerk = actor_for(facet, Role.CLERK)
    settings = checkout.counter_settings(facet.store.directory, facet.terminal)
    cash.open_shift(Money(20000), uow=facet.uow(), actor=clerk)
    sold = _card_sale(facet, clerk, settings, terminal)
    stripe_server.refunds_pending = True
    _return_to_card(facet, clerk, settings, terminal, sold)
    facet.close()
    (refund_id,) = stripe_server.refunds
    stripe_server.settle_refund(refund_id, "succeeded")
    facet = app.open_facet(demo_dir)
    try:
        checked = card_refunds.check_refunds(uow=facet.uow(), actor=clerk, terminal=terminal)
        assert [r.refund_id for r in checked.settled] == [refund_id] and checked.attention == ()
    finally:
        facet.close()


def test_pos_app_payments_refunds_checks_stripe_and_records_a_failed_refund_paid_in_cash(
        capsys: pytest.CaptureFixture[str], demo_dir: Path, stripe_server: FakeStripe,
        terminal: StripeTerminal) -> None:
    from pos_app import cli
    from pos_app.adapters.secrets import STRIPE_KEY_NAME
    from pos_app.services import settings as store_settings

    cli_login(demo_dir)  # the owner, on the command line
    facet = app.open_facet(demo_dir)
    try:
        owner = actor_for(facet, Role.OWNER)
        store_settings.change_setting("payments.reader_id", stripe_server.reader_id, uow=facet.uow(), actor=owner)
        store_settings.change_setting("payments.api_base", stripe_server.url, uow=facet.uow(), actor=owner)
        facet.keyring.set(STRIPE_KEY_NAME, stripe_server.secret_key)
        clerk, manager = actor_for(facet, Role.CLERK), actor_for(facet, Role.MANAGER)
        cash.open_shift(Money(20000), uow=facet.uow(),
                        actor=dataclasses.replace(clerk, terminal=owner.terminal))  # the drawer the CLI pays from
        counter = checkout.counter_settings(facet.store.directory, facet.terminal)
        sold = _card_sale(facet, clerk, counter, terminal)
        stripe_server.refunds_pending = True
        returns.void_sale(sold.sale_id, "wrong piece", uow=facet.uow(), actor=manager,
                          sales=facet.store.sales, timezone=counter.timezone, terminal=terminal)
    finally:
        facet.close()
    (refund_id,) = stripe_server.refunds

    assert cli.main(["payments", "refunds", "--data-dir", str(demo_dir)]) == cli.EXIT_OK
    assert "still pending at Stripe" in capsys.readouterr().out
    stripe_server.settle_refund(refund_id, "failed", "lost_or_stolen_card")
    assert cli.main(["payments", "refunds", "--check", "--json", "--data-dir", str(demo_dir)]) == cli.EXIT_OK
    [shown] = json.loads(capsys.readouterr().out)["refunds"]
    assert (shown["refund_id"], shown["status"], shown["failure_reason"], shown["sale_number"]) == (
        refund_id, "failed", "lost_or_stolen_card", sold.number)
    assert cli.main(["payments", "refunds", "--paid-in-cash", refund_id, "--data-dir", str(demo_dir)]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert f"Recorded: refund {refund_id} paid $" in out and "No card refund is pending or failed." in out
