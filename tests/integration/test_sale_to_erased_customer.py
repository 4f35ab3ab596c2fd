"""A sale never names a customer erased while it was open (migration 0017), on a real encrypted demo store.

The erasure arrives as another counter's does: central's tombstone for the customer, written by the real sync
applier (`SqliteSyncLocal.apply`, which erases them here first, as a local erasure does) while the sale is being
paid for, which no screen of this counter hears of in time. The privacy desk of another window on the same
store cannot erase them then: the open checkout blocks it (checked below). Cards go through the real `stripe`
SDK to the local Stripe server.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3

from pos_app import app, paths
from pos_app.adapters.card_terminal import StripeTerminal
from pos_app.adapters.secrets import KeyringSecrets, database_key_name
from pos_app.domain import erasure as rules
from pos_app.domain.cart import Cart
from pos_app.domain.errors import Conflict
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, Role
from pos_app.persistence import schema
from pos_app.persistence.database import db_path, open_database
from pos_app.persistence.journal import stored_time
from pos_app.persistence.models import utcnow
from pos_app.persistence.sqlcipher import connect
from pos_app.persistence.sync_repo import SqliteSyncLocal
from pos_app.services import cash, checkout, erasure, privacy, returns
from pos_app.services.checkout.completion import CUSTOMER_ERASED_NOTE
from pos_app.services.checkout.tenders import large_cash_since
from tests.conftest import actor_for, audit_summaries
from tests.stripe_server import FakeStripe

ERASED = "a sale never names an erased customer"


def erase_by_a_pull(facet: app.Facet, customer_id: str) -> None:
    """The customer's erasure at another counter, as this counter's sync worker writes it when it pulls
    central's tombstone: the real applier, which erases them here first and then writes central's row."""
    at = stored_time(utcnow())
    blanked = {"first_name": rules.ERASED_FIRST_NAME, "last_name": rules.ERASED_LAST_NAME, "email": None,
               "phone": None, "billing_address": "", "shipping_address": "", "adult_confirmed": 0,
               "preferences": "", "wishlist": "", "notes": "", "do_not_sell": 0, "restricted": 0,
               "marketing_objection": 0, "erased_at": at, "updated_at": at}
    local = SqliteSyncLocal(facet.db)
    own = _one(facet, "SELECT device_id FROM sync_state WHERE id = 1")
    through = int(_one(facet, "SELECT pull_cursor FROM sync_state WHERE id = 1")) + 1
    applied = local.apply([[through, str(uuid.uuid4()), "customers", customer_id, "update", blanked]], through,
                          own_device=own)
    assert applied.erased == (customer_id,)
    assert _one(facet, "SELECT erased_at FROM customers WHERE id = ?", customer_id) is not None


def _one(facet: app.Facet, sql: str, *args: Any) -> Any:
    conn = facet.connection()
    try:
        row = conn.execute(sql, args).fetchone()
        return None if row is None else row[0]
    finally:
        conn.close()


def _customer(facet: app.Facet) -> tuple[str, str]:
    """(id, name) of a customer on file whom a sale can name, and the privacy desk could erase (no parked cart,
    no Form 8300 report to file)."""
    customer_id = _one(facet, "SELECT id FROM customers c WHERE erased_at IS NULL AND restricted = 0 "
                              "AND NOT EXISTS (SELECT 1 FROM parked_carts p WHERE p.customer_id = c.id) "
                              "AND NOT EXISTS (SELECT 1 FROM large_cash_reports r WHERE r.customer_id = c.id "
                              "AND r.status = 'to_file') ORDER BY last_name, id LIMIT 1")
    hit = facet.store.sales.customer(customer_id)
    assert hit is not None
    return hit.id, hit.name


def erase_at_the_desk(facet: app.Facet, customer_id: str) -> None:
    """The privacy desk of another window on the same store (a Facet of its own) erases the customer, as
    a verified deletion request asks."""
    desk = app.open_facet(facet.data_dir)
    try:
        officer = actor_for(desk, Role.PRIVACY_OFFICER)
        request = privacy.record_request(customer_id, "deletion", "email", uow=desk.uow(), actor=officer).id
        privacy.verify(request, "code_to_email_on_file", officer.staff_id or "", uow=desk.uow(), actor=officer)
        erasure.erase_customer(customer_id, request, uow=desk.uow(), actor=officer, log=desk.erasure_log(),
                               store=desk.db)
    finally:
        desk.close()


def _cart_for(facet: app.Facet, clerk: Actor, customer_id: str) -> Cart:
    item_id = _one(facet, "SELECT id FROM items WHERE status = 'available' AND tracking = 'unique' AND on_hand = 1 "
                          "ORDER BY sku LIMIT 1")
    row = facet.store.inventory.rows_by_ids([item_id])[0]
    cart = checkout.add_item(Cart(), row, actor=clerk)
    return checkout.attach_customer(cart, customer_id, sales=facet.store.sales, actor=clerk)


def _names_an_erased_customer(facet: app.Facet, sale_id: str) -> bool:
    return bool(_one(facet, "SELECT count(*) FROM sales s JOIN customers c ON c.id = s.customer_id "
                            "WHERE s.id = ? AND c.erased_at IS NOT NULL", sale_id))


# ---------------------------------------------------------------- the trigger itself


def _copy_sale_sql(conn: Any) -> str:
    """An INSERT of a copy of a sale with a new id, number and customer (every other column as it was)."""
    columns = [r[1] for r in conn.execute("PRAGMA table_info(sales)")]
    picked = [{"id": ":id", "number": ":number", "customer_id": ":customer"}.get(c, c) for c in columns]
    return f"INSERT INTO sales ({', '.join(columns)}) SELECT {', '.join(picked)} FROM sales WHERE id = :model"


def _row(sale_id: str, number: str, customer_id: str, model: str) -> dict[str, str]:
    return {"id": sale_id, "number": number, "customer": customer_id, "model": model}


def test_the_database_refuses_a_sale_naming_an_erased_customer_and_lets_the_sync_applier_write_one(
        demo_facet: app.Facet) -> None:
    customer_id, _ = _customer(demo_facet)
    erase_by_a_pull(demo_facet, customer_id)  # the erasure itself passes: it never rewrites sales.customer_id
    conn = demo_facet.connection()
    try:
        model, other = [r[0] for r in conn.execute("SELECT id FROM sales WHERE customer_id IS NULL LIMIT 2")]
        copy = _copy_sale_sql(conn)
        with pytest.raises(sqlcipher3.IntegrityError, match=ERASED):
            conn.execute(copy, _row("raw-1", "X9-000001", customer_id, model))
        with pytest.raises(sqlcipher3.IntegrityError, match=ERASED):  # an existing sale moved to them
            conn.execute("UPDATE sales SET customer_id = ? WHERE id = ?", (customer_id, other))
        assert conn.execute("SELECT count(*) FROM sales WHERE customer_id = ? AND number LIKE 'X9-%'",
                            (customer_id,)).fetchone()[0] == 0

        # The sync applier writes a sale made at another counter before it heard of the erasure: a fact.
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE sync_state SET applying = 1 WHERE id = 1")
        conn.execute(copy, _row("pulled-1", "X9-000002", customer_id, model))
        conn.execute("UPDATE sync_state SET applying = 0 WHERE id = 1")
        conn.execute("COMMIT")
        assert conn.execute("SELECT customer_id FROM sales WHERE id = 'pulled-1'").fetchone()[0] == customer_id

        # What still changes a sale of theirs: a void (customer_id untouched) and retention's detach (to null).
        conn.execute("UPDATE sales SET status = 'voided', void_reason = 'test' WHERE id = 'pulled-1'")
        conn.execute("UPDATE sales SET customer_id = customer_id WHERE id = 'pulled-1'")
        conn.execute("UPDATE sales SET customer_id = NULL WHERE id = 'pulled-1'")
        assert conn.execute("SELECT customer_id, status FROM sales WHERE id = 'pulled-1'").fetchone() == (
            None, "voided")
        # A customer on file is named as before.
        live = conn.execute("SELECT id FROM customers WHERE erased_at IS NULL LIMIT 1").fetchone()[0]
        conn.execute(copy, _row("raw-2", "X9-000003", live, model))
    finally:
        conn.close()


# ---------------------------------------------------------------- the checkout


def test_a_cash_sale_whose_customer_is_erased_by_a_pull_while_paying_completes_without_them(
        demo_facet: app.Facet, clerk: Actor, shift: str, settings: checkout.CounterSettings) -> None:
    customer_id, name = _customer(demo_facet)
    sales = demo_facet.store.sales
    co = checkout.start_checkout(_cart_for(demo_facet, clerk, customer_id), settings=settings,
                                 uow=demo_facet.uow(), actor=clerk)
    co = checkout.pay_cash(co, co.due, uow=demo_facet.uow(), actor=clerk, sales=sales)
    assert _one(demo_facet, "SELECT customer_id FROM checkouts WHERE id = ?", co.id) == customer_id
    erase_by_a_pull(demo_facet, customer_id)  # at another counter, while the payment dialog is open here
    sales_before = _one(demo_facet, "SELECT count(*) FROM sales")
    outbox_before = _one(demo_facet, "SELECT count(*) FROM outbox")
    last_number = _one(demo_facet, "SELECT max(number) FROM sales WHERE terminal = ?", clerk.terminal)

    done = checkout.complete_sale(co.id, uow=demo_facet.uow(), actor=clerk, sales=sales)

    assert done.note == CUSTOMER_ERASED_NOTE and "without a customer" in done.note
    sale = sales.sale(done.sale_id)
    assert sale is not None and sale.customer_id is None and sale.customer == ""
    assert sale.status == "completed" and [(p.tender, p.amount_cents) for p in sale.payments] == [
        ("cash", co.priced.total.cents)]
    # One sale, written once: the refused attempt kept nothing (no second sale, number or outbox row).
    assert _one(demo_facet, "SELECT count(*) FROM sales") == sales_before + 1
    assert int(done.number.rsplit("-", 1)[1]) == int(last_number.rsplit("-", 1)[1]) + 1
    assert _one(demo_facet, "SELECT count(*) FROM outbox") - outbox_before == 5  # sale, line, payment, move, item
    assert _one(demo_facet, "SELECT count(*) FROM print_queue WHERE sale_id = ?", done.sale_id) == 1
    # The journal closes without them: no id, no name.
    row = demo_facet.connection().execute("SELECT status, customer_id, cart FROM checkouts WHERE id = ?",
                                          (co.id,)).fetchone()
    assert row[0] == "completed" and row[1] is None and name not in row[2]
    assert json.loads(row[2])["customer_id"] is None
    summary = audit_summaries(demo_facet, "sale.completed")[-1]
    assert summary["customer"] is False and summary["customer_erased"] is True
    assert customer_id not in json.dumps(summary)
    assert not _names_an_erased_customer(demo_facet, done.sale_id)


def test_a_card_captured_before_the_erasure_stays_with_the_sale_completed_without_the_customer(
        demo_facet: app.Facet, clerk: Actor, settings: checkout.CounterSettings, stripe_server: FakeStripe) -> None:
    terminal = StripeTerminal(stripe_server.secret_key, stripe_server.reader_id, api_base=stripe_server.url)
    customer_id, _ = _customer(demo_facet)
    co = checkout.start_checkout(_cart_for(demo_facet, clerk, customer_id), settings=settings,
                                 uow=demo_facet.uow(), actor=clerk)
    co = checkout.start_card(co, co.due, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    terminal.simulate_tap("4242424242424242")
    co, outcome = checkout.check_card(co, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    assert outcome.state == "succeeded" and co.settled
    erase_by_a_pull(demo_facet, customer_id)
    stripe_server.requests.clear()

    done = checkout.complete_sale(co.id, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)

    assert done.note == CUSTOMER_ERASED_NOTE
    sale = demo_facet.store.sales.sale(done.sale_id)
    assert sale is not None and sale.customer_id is None
    card = next(p for p in sale.payments if p.tender == "card")
    assert (card.payment_intent_id, card.amount_cents, card.card_last4) == (
        outcome.payment_intent_id, co.priced.total.cents, "4242")
    # The captured card is the sale's payment: Stripe is asked nothing more, nothing is refunded.
    assert stripe_server.requests == []
    assert _one(demo_facet, "SELECT count(*) FROM card_refunds") == 0


def test_cash_over_the_form_8300_line_keeps_its_report_when_the_payer_is_erased_by_a_pull_while_paying(
        demo_facet: app.Facet, clerk: Actor, shift: str, settings: checkout.CounterSettings) -> None:
    """The law has the report filed with the payer's details: the erasure pulled meanwhile leaves them on the
    open checkout, and the sale writes the report without the customer, counting their earlier cash."""
    customer_id, name = _customer(demo_facet)
    sales = demo_facet.store.sales
    # The cash they paid the demo store within the twelve months (its history may hold some) counts too.
    before = sales.customer_cash_since(customer_id, large_cash_since(dt.datetime.now(dt.UTC),
                                                                     demo_facet.profile.timezone))
    cheapest = demo_facet.store.inventory.rows_by_ids([_one(
        demo_facet, "SELECT id FROM items WHERE status = 'available' AND tracking = 'unique' AND on_hand = 1 "
                    "ORDER BY price_cents LIMIT 1")])[0]
    small = checkout.attach_customer(checkout.add_item(Cart(), cheapest, actor=clerk), customer_id, sales=sales,
                                     actor=clerk)
    first = checkout.start_checkout(small, settings=settings, uow=demo_facet.uow(), actor=clerk)
    first = checkout.pay_cash(first, first.due, uow=demo_facet.uow(), actor=clerk, sales=sales)
    checkout.complete_sale(first, uow=demo_facet.uow(), actor=clerk, sales=sales)  # their cash earlier
    earlier = before + first.priced.total.cents
    rows = demo_facet.store.inventory.rows_by_ids([r[0] for r in demo_facet.connection().execute(
        "SELECT id FROM items WHERE status = 'available' AND tracking = 'unique' AND on_hand = 1 "
        "ORDER BY price_cents DESC LIMIT 40")])
    cart = Cart()
    for row in rows:
        if sum(line.unit_price.cents for line in cart.lines) > 1_000_000:
            break
        cart = checkout.add_item(cart, row, actor=clerk)
    cart = checkout.attach_customer(cart, customer_id, sales=sales, actor=clerk)
    co = checkout.start_checkout(cart, settings=settings, uow=demo_facet.uow(), actor=clerk)
    payer = checkout.LargeCashDetails("Ann Payer", "12 Oak St, Springfield IL", dt.date(1980, 5, 1),
                                      "123-45-6789", "Illinois driver licence D123-4567")
    co = checkout.pay_cash(co, co.due, uow=demo_facet.uow(), actor=clerk, sales=sales, large_cash=payer)
    erase_by_a_pull(demo_facet, customer_id)
    assert name not in _one(demo_facet, "SELECT cart FROM checkouts WHERE id = ?", co.id)

    done = checkout.complete_sale(co.id, uow=demo_facet.uow(), actor=clerk, sales=sales)

    assert done.note == CUSTOMER_ERASED_NOTE
    assert sales.sale(done.sale_id).customer_id is None  # type: ignore[union-attr]
    (report,) = [r for r in sales.large_cash_reports() if r.sale_number == done.number]
    assert (report.full_name, report.cash_cents, report.customer) == ("Ann Payer", co.priced.total.cents, "")
    assert report.twelve_month_cents == co.priced.total.cents + earlier  # their earlier cash, by the pseudonym
    assert _one(demo_facet, "SELECT customer_id FROM large_cash_reports WHERE id = ?", report.id) is None
    journal = _one(demo_facet, "SELECT tenders FROM checkouts WHERE id = ?", co.id)
    assert "123456789" not in journal and "Ann Payer" not in journal  # the report has them now, not the journal


def test_a_return_of_an_erased_customers_sale_completes_without_naming_them(
        demo_facet: app.Facet, clerk: Actor, manager: Actor, shift: str, settings: checkout.CounterSettings) -> None:
    customer_id, _ = _customer(demo_facet)
    sales = demo_facet.store.sales
    co = checkout.start_checkout(_cart_for(demo_facet, clerk, customer_id), settings=settings,
                                 uow=demo_facet.uow(), actor=clerk)
    co = checkout.pay_cash(co, co.due, uow=demo_facet.uow(), actor=clerk, sales=sales)
    sold = checkout.complete_sale(co, uow=demo_facet.uow(), actor=clerk, sales=sales)
    assert sold.note == ""
    erase_by_a_pull(demo_facet, customer_id)

    # The returned sale keeps pointing at the pseudonym, and the return picks it up from there...
    sale = returns.find_sale(sold.number, sales=sales, actor=clerk, uow=demo_facet.uow())
    back = returns.return_whole_sale(Cart(), sale, actor=clerk)
    assert back.customer_id == customer_id
    co = checkout.start_checkout(back, settings=settings, uow=demo_facet.uow(), actor=clerk)
    # ...but its payment journal opens without them...
    assert co.cart.customer_id is None and _one(demo_facet, "SELECT customer_id FROM checkouts WHERE id = ?",
                                                co.id) is None
    co = checkout.refund_cash(co, -co.due, uow=demo_facet.uow(), actor=clerk, approver=manager)
    done = checkout.complete_sale(co, uow=demo_facet.uow(), actor=clerk, sales=sales)

    # ...and the return is written without them, still tied to the sale it returns.
    assert done.kind == "return"
    stored = sales.sale(done.sale_id)
    assert stored is not None and stored.customer_id is None and stored.original_number == sold.number
    assert not _names_an_erased_customer(demo_facet, done.sale_id)


def test_recovery_after_a_crash_completes_the_paid_sale_of_an_erased_customer_without_them(
        demo_facet: app.Facet, clerk: Actor, shift: str, settings: checkout.CounterSettings) -> None:
    customer_id, _ = _customer(demo_facet)
    sales = demo_facet.store.sales
    co = checkout.start_checkout(_cart_for(demo_facet, clerk, customer_id), settings=settings,
                                 uow=demo_facet.uow(), actor=clerk)
    checkout.pay_cash(co, co.due, uow=demo_facet.uow(), actor=clerk, sales=sales)
    erase_by_a_pull(demo_facet, customer_id)  # Facet stopped before the sale was written; the pull came after

    found = checkout.recover_checkouts(uow=demo_facet.uow(), actor=clerk, sales=sales, terminal=None)

    (recovered,) = found
    assert recovered.completed is not None and recovered.completed.note == CUSTOMER_ERASED_NOTE
    assert f"Sale {recovered.completed.number} was completed." in recovered.message
    assert "without a customer" in recovered.message
    sale = sales.sale(recovered.completed.sale_id)
    assert sale is not None and sale.customer_id is None


def test_a_customer_erased_by_another_window_before_paying_starts_never_enters_the_payment_journal(
        demo_facet: app.Facet, clerk: Actor, shift: str, settings: checkout.CounterSettings) -> None:
    customer_id, name = _customer(demo_facet)
    cart = _cart_for(demo_facet, clerk, customer_id)  # attached here; this screen never hears of the erasure
    erase_at_the_desk(demo_facet, customer_id)

    co = checkout.start_checkout(cart, settings=settings, uow=demo_facet.uow(), actor=clerk)

    assert (co.cart.customer_id, co.cart.customer_name) == (None, "")
    assert co.priced.total == checkout.start_checkout(
        dataclasses.replace(cart, customer_id=None, customer_name=""), settings=settings, uow=demo_facet.uow(),
        actor=clerk).priced.total
    row = demo_facet.connection().execute("SELECT customer_id, cart FROM checkouts WHERE id = ?",
                                          (co.id,)).fetchone()
    assert row[0] is None and name not in row[1]
    co = checkout.pay_cash(co.id, co.due, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
    done = checkout.complete_sale(co.id, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
    assert done.note == ""  # left off already: nothing more to tell at the end
    assert demo_facet.store.sales.sale(done.sale_id).customer_id is None  # type: ignore[union-attr]


def test_the_privacy_desk_of_another_window_cannot_erase_a_customer_whose_sale_is_being_paid_for(
        demo_facet: app.Facet, clerk: Actor, settings: checkout.CounterSettings) -> None:
    """On one store file the open checkout is a blocker: only another counter's erasure, pulled, meets the
    sale (above)."""
    customer_id, _ = _customer(demo_facet)
    checkout.start_checkout(_cart_for(demo_facet, clerk, customer_id), settings=settings,
                            uow=demo_facet.uow(), actor=clerk)
    with pytest.raises(Conflict, match=f"a sale is being paid for at counter {clerk.terminal}"):
        erase_at_the_desk(demo_facet, customer_id)
    assert _one(demo_facet, "SELECT erased_at FROM customers WHERE id = ?", customer_id) is None


# ---------------------------------------------------------------- the migration


def test_0017_goes_down_without_its_triggers_and_an_older_store_gets_them_when_it_opens(demo_dir: Path) -> None:
    """Downgrading 0017 removes the two triggers and nothing else; opening the store migrates it back up, and
    a sale of a customer erased while it was paid for meets them again."""
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    key = KeyringSecrets().get(database_key_name(demo_dir))
    assert key is not None
    config = Config()
    config.set_main_option("script_location", str(paths.migrations()))
    below = ScriptDirectory.from_config(config).get_revision("0017").down_revision
    assert isinstance(below, str)
    db = open_database(demo_dir, key)
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, below)
    db.dispose()
    conn = connect(db_path(demo_dir), key)
    try:
        assert schema.current_revision(conn) == below
        assert not _triggers(conn) & set(GUARDS)
    finally:
        conn.close()

    facet = app.open_facet(demo_dir)  # migrates, after a backup
    try:
        conn = facet.connection()
        try:
            assert schema.current_revision(conn) == schema.HEAD
            assert set(GUARDS) <= _triggers(conn)
        finally:
            conn.close()
        clerk = actor_for(facet, Role.CLERK)
        settings = checkout.counter_settings(facet.store.directory, facet.terminal)
        cash.open_shift(Money(20000), uow=facet.uow(), actor=clerk)
        customer_id, _ = _customer(facet)
        co = checkout.start_checkout(_cart_for(facet, clerk, customer_id), settings=settings, uow=facet.uow(),
                                     actor=clerk)
        co = checkout.pay_cash(co, co.due, uow=facet.uow(), actor=clerk, sales=facet.store.sales)
        erase_by_a_pull(facet, customer_id)
        done = checkout.complete_sale(co.id, uow=facet.uow(), actor=clerk, sales=facet.store.sales)
        assert done.note == CUSTOMER_ERASED_NOTE and not _names_an_erased_customer(facet, done.sale_id)
    finally:
        facet.close()


GUARDS = ("sales_not_for_an_erased_customer", "sales_not_moved_to_an_erased_customer")


def _triggers(conn: Any) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
