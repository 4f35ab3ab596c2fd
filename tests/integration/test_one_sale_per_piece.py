"""One necklace is sold once: the database refuses a second sale of a piece and stock below zero.

Two windows on one store are two processes (tests/two_windows.py), each with
its own Facet on the same data folder; the other cases sell "at another
counter" (an actor at counter C2) on the same store between a checkout's
payment and its completion, as a second window would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlcipher3

from pos_app import app
from pos_app.adapters.card_terminal import StripeTerminal
from pos_app.adapters.secrets import KeyringSecrets, database_key_name
from pos_app.doctor import examine
from pos_app.domain.audit import FlagKind
from pos_app.domain.cart import Cart
from pos_app.domain.errors import Conflict, ItemAlreadySold, NotEnoughStock, ValidationError
from pos_app.domain.money import Money, format_money
from pos_app.domain.permissions import Actor, Role
from pos_app.persistence.database import db_path
from pos_app.persistence.sqlcipher import connect
from pos_app.services import audit, cash, checkout, inventory, returns, stock_count
from pos_app.services.guard import ApprovalNeeded
from pos_app.services.ports.inventory import ItemRow
from tests.conftest import actor_for
from tests.stripe_server import FakeStripe
from tests.two_windows import sell_at_once


def _one(facet: app.Facet, sql: str, *args: Any) -> Any:
    conn = facet.connection()
    try:
        return conn.execute(sql, args).fetchone()[0]
    finally:
        conn.close()


def _available(facet: app.Facet, tracking: str, n: int = 1, *, location: str | None = None) -> list[ItemRow]:
    where = " AND location = ?" if location else ""
    conn = facet.connection()
    try:
        ids = [r[0] for r in conn.execute(
            "SELECT id FROM items WHERE status = 'available' AND tracking = ? AND on_hand >= 1 "
            f"AND (tracking = 'counted' OR on_hand = 1){where} ORDER BY sku LIMIT ?",
            (tracking, *([location] if location else []), n))]
    finally:
        conn.close()
    return facet.store.inventory.rows_by_ids(ids)


def _store_rows(facet: app.Facet) -> dict[str, int]:
    tables = ("sales", "sale_lines", "payments", "stock_movements", "outbox", "large_cash_reports", "print_queue")
    return {t: _one(facet, f"SELECT count(*) FROM {t}") for t in tables}


def _at(actor: Actor, terminal: str) -> Actor:
    return Actor(staff_id=actor.staff_id, name=actor.name, role=actor.role, terminal=terminal)


@pytest.fixture
def other_counter(demo_facet: app.Facet, clerk: Actor) -> Actor:
    """The same clerk at counter C2 of the same store, its drawer open."""
    other = _at(clerk, "C2")
    cash.open_shift(Money(20000), uow=demo_facet.uow(), actor=other)
    return other


def _paid(facet: app.Facet, actor: Actor, settings: checkout.CounterSettings, cart: Cart) -> checkout.Checkout:
    co = checkout.start_checkout(cart, settings=settings, uow=facet.uow(), actor=actor)
    return checkout.pay_cash(co, co.due, uow=facet.uow(), actor=actor, sales=facet.store.sales)


def _sell(facet: app.Facet, actor: Actor, settings: checkout.CounterSettings, cart: Cart) -> checkout.CompletedSale:
    co = _paid(facet, actor, settings, cart)
    return checkout.complete_sale(co, uow=facet.uow(), actor=actor, sales=facet.store.sales)


# ---------------------------------------------------------------- two windows, two processes


def test_two_windows_selling_one_unique_piece_make_exactly_one_sale(demo_dir: Path) -> None:
    facet = app.open_facet(demo_dir)
    try:
        piece = _available(facet, "unique")[0]
        before = _store_rows(facet)
    finally:
        facet.close()

    results = sell_at_once(demo_dir, [("C1", piece.sku, 1), ("C2", piece.sku, 1)])

    assert sorted(r["event"] for r in results) == ["conflict", "sold"]
    lost = next(r for r in results if r["event"] == "conflict")
    assert lost["kind"] == "ItemAlreadySold" and lost["sku"] == piece.sku and piece.sku in lost["message"]
    facet = app.open_facet(demo_dir)
    try:
        after = facet.store.inventory.rows_by_ids([piece.id])[0]
        assert (after.status, after.on_hand) == ("sold", 0)
        assert _one(facet, "SELECT count(*) FROM sale_lines WHERE item_id = ?", piece.id) == 1
        assert _one(facet, "SELECT count(*) FROM stock_movements WHERE item_id = ? AND kind = 'sale'", piece.id) == 1
        rows = _store_rows(facet)
        # One sale's rows, nothing of the other: 1 sale, 1 line, 1 payment, 1 movement.
        assert {t: rows[t] - before[t] for t in ("sales", "sale_lines", "payments", "stock_movements")} == {
            "sales": 1, "sale_lines": 1, "payments": 1, "stock_movements": 1}
        # The loser's checkout stays open with what was paid, and says why.
        kept = checkout.open_checkout(lost["checkout"], uow=facet.uow())
        assert kept.settled and kept.tenders and kept.conflict == lost["message"]
        assert _one(facet, "SELECT status FROM checkouts WHERE id = ?", lost["checkout"]) == "open"
    finally:
        facet.close()


def test_a_counted_item_with_two_on_hand_refuses_a_concurrent_third_unit(demo_dir: Path) -> None:
    facet = app.open_facet(demo_dir)
    try:
        item = next(r for r in _available(facet, "counted", 20) if r.on_hand >= 2)
        manager = actor_for(facet, Role.MANAGER)
        if item.on_hand != 2:
            inventory.adjust_stock(item.id, 2 - item.on_hand, "counted the case", uow=facet.uow(), actor=manager)
    finally:
        facet.close()

    results = sell_at_once(demo_dir, [("C1", item.sku, 1), ("C2", item.sku, 1), ("C3", item.sku, 1)])

    assert sorted(r["event"] for r in results) == ["conflict", "sold", "sold"]
    refused = next(r for r in results if r["event"] == "conflict")
    assert refused["kind"] == "NotEnoughStock" and refused["message"] == (
        f"Only 0 of {item.sku} on hand; 1 cannot be taken out.")
    facet = app.open_facet(demo_dir)
    try:
        assert facet.store.inventory.rows_by_ids([item.id])[0].on_hand == 0
        assert _one(facet, "SELECT sum(quantity) FROM stock_movements WHERE item_id = ?", item.id) == 0
    finally:
        facet.close()


# ---------------------------------------------------------------- completing, recovering, giving back


def test_complete_sale_refuses_a_piece_sold_at_another_counter_and_keeps_what_was_paid(
        demo_facet: app.Facet, clerk: Actor, manager: Actor, other_counter: Actor, shift: str,
        settings: checkout.CounterSettings) -> None:
    piece = _available(demo_facet, "unique")[0]
    co = _paid(demo_facet, clerk, settings, checkout.add_item(Cart(), piece, actor=clerk))
    _sell(demo_facet, other_counter, settings, checkout.add_item(Cart(), piece, actor=other_counter))
    before = _store_rows(demo_facet)
    numbers = "SELECT count(*), max(next_value) FROM number_sequences WHERE name = 'sale:C1'"
    number_before = demo_facet.connection().execute(numbers).fetchone()

    with pytest.raises(ItemAlreadySold, match=f"{piece.sku} has just been sold at another counter"):
        checkout.complete_sale(co, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)

    assert _store_rows(demo_facet) == before, "nothing of the refused sale is written"
    assert demo_facet.connection().execute(numbers).fetchone() == number_before, "no sale number is used up"
    kept = checkout.open_checkout(co.id, uow=demo_facet.uow())
    assert kept.tenders == co.tenders and kept.conflict.startswith(piece.sku)
    # Trying again changes nothing and tells the audit trail nothing new.
    with pytest.raises(ItemAlreadySold):
        checkout.complete_sale(kept, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
    assert _one(demo_facet, "SELECT count(*) FROM audit_events WHERE action = 'checkout.stock_conflict' "
                            "AND entity_id = ?", co.id) == 1
    owner = actor_for(demo_facet, Role.OWNER)
    flags = audit.flags(trail=demo_facet.store.audit, uow=demo_facet.uow(), actor=owner)
    conflict = next(f for f in flags if f.kind is FlagKind.STOCK_CONFLICT)
    assert conflict.person == clerk.name and "money back" in conflict.describe()

    # The cash goes back with a manager's approval; the checkout closes, still no sale.
    with pytest.raises(ApprovalNeeded, match="Giving back .* in cash needs a manager's approval"):
        checkout.refund_unsold(kept, uow=demo_facet.uow(), actor=clerk, terminal=None)
    checkout.refund_unsold(kept, uow=demo_facet.uow(), actor=clerk, terminal=None, approver=manager)
    assert _one(demo_facet, "SELECT status FROM checkouts WHERE id = ?", co.id) == "abandoned"
    assert _one(demo_facet, "SELECT approved_by FROM audit_events WHERE action = 'sale.conflict_refund_approved'"
                            ) == manager.staff_id
    assert _one(demo_facet, "SELECT count(*) FROM sales") == before["sales"]


def test_a_cash_checkout_whose_piece_sold_meanwhile_is_not_completed_on_recovery(demo_dir: Path) -> None:
    facet = app.open_facet(demo_dir)
    clerk = actor_for(facet, Role.CLERK)
    settings = checkout.counter_settings(facet.store.directory, facet.terminal)
    cash.open_shift(Money(20000), uow=facet.uow(), actor=clerk)
    piece = _available(facet, "unique")[0]
    co = _paid(facet, clerk, settings, checkout.add_item(Cart(), piece, actor=clerk))
    facet.close()  # the power goes out at counter C1 with the cash in the drawer

    facet = app.open_facet(demo_dir)  # meanwhile counter C2 sells the same piece
    other = _at(actor_for(facet, Role.CLERK), "C2")
    cash.open_shift(Money(20000), uow=facet.uow(), actor=other)
    elsewhere = _sell(facet, other, settings, checkout.add_item(Cart(), piece, actor=other))
    facet.close()

    facet = app.open_facet(demo_dir)
    try:
        manager = actor_for(facet, Role.MANAGER)
        sales_before = _one(facet, "SELECT count(*) FROM sales")
        found = checkout.recover_checkouts(uow=facet.uow(), actor=_at(manager, "C1"),
                                           sales=facet.store.sales, terminal=None)
        assert len(found) == 1
        [result] = found
        assert result.completed is None and result.conflict.startswith(piece.sku)
        assert f"This customer paid {checkout.paid_summary(co)}" in result.message
        assert checkout.paid_summary(co).startswith(format_money(co.priced.total) + " (cash ")
        assert "give it back (cash back needs a manager's approval)" in result.message
        assert _one(facet, "SELECT count(*) FROM sales") == sales_before
        assert _one(facet, "SELECT count(*) FROM sale_lines WHERE item_id = ?", piece.id) == 1
        assert facet.store.inventory.rows_by_ids([piece.id])[0].on_hand == 0
        assert _one(facet, "SELECT status FROM checkouts WHERE id = ?", co.id) == "open"
        event = facet.connection().execute(
            "SELECT actor_name, summary FROM audit_events WHERE action = 'checkout.stock_conflict'").fetchone()
        assert event[0] == manager.name and f'"paid_cents": {co.priced.total.cents}' in event[1]
        assert '"on_recovery": true' in event[1] and elsewhere.number not in event[1]
        # Signing in again finds it again (the money is still owed), and the manager gives it back.
        again = checkout.recover_checkouts(uow=facet.uow(), actor=_at(manager, "C1"),
                                           sales=facet.store.sales, terminal=None)
        assert [r.conflict for r in again] == [result.conflict]
        checkout.refund_unsold(again[0].checkout, uow=facet.uow(), actor=_at(manager, "C1"), terminal=None)
        assert checkout.recover_checkouts(uow=facet.uow(), actor=_at(manager, "C1"),
                                          sales=facet.store.sales, terminal=None) == []
        assert _one(facet, "SELECT count(*) FROM audit_events WHERE action = 'checkout.stock_conflict'") == 1
    finally:
        facet.close()


def test_a_card_payment_for_a_piece_sold_meanwhile_is_refunded_to_the_card(
        demo_facet: app.Facet, clerk: Actor, other_counter: Actor, settings: checkout.CounterSettings,
        stripe_server: FakeStripe) -> None:
    terminal = StripeTerminal(stripe_server.secret_key, stripe_server.reader_id, api_base=stripe_server.url)
    piece = _available(demo_facet, "unique")[0]
    co = checkout.start_checkout(checkout.add_item(Cart(), piece, actor=clerk), settings=settings,
                                 uow=demo_facet.uow(), actor=clerk)
    co = checkout.start_card(co, co.due, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    terminal.simulate_tap("4242424242424242")
    co, _ = checkout.check_card(co, uow=demo_facet.uow(), actor=clerk, terminal=terminal)
    _sell(demo_facet, other_counter, settings, checkout.add_item(Cart(), piece, actor=other_counter))
    with pytest.raises(ItemAlreadySold):
        checkout.complete_sale(co, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
    assert "VISA ****4242" in checkout.paid_summary(co)
    checkout.refund_unsold(co, uow=demo_facet.uow(), actor=clerk, terminal=terminal)  # no cash: no manager
    assert [r["amount"] for r in stripe_server.refunds.values()] == [co.priced.total.cents]
    assert _one(demo_facet, "SELECT status FROM checkouts WHERE id = ?", co.id) == "abandoned"


# ---------------------------------------------------------------- the guards themselves


def test_the_ledger_trigger_refuses_a_raw_movement_below_zero(demo_facet: app.Facet) -> None:
    item = next(r for r in _available(demo_facet, "counted", 20) if r.on_hand >= 2)
    on_hold = _one(demo_facet, "SELECT id FROM items WHERE status = 'on_hold' LIMIT 1")
    conn = demo_facet.connection()
    try:
        insert = ("INSERT INTO stock_movements (id, item_id, kind, quantity, reason, terminal, created_at, "
                  "updated_at) VALUES (?, ?, 'adjustment', ?, 'raw', 'C1', '2026-01-01', '2026-01-01')")
        with pytest.raises(sqlcipher3.IntegrityError, match="stock would go below zero"):
            conn.execute(insert, ("m1", item.id, -(item.on_hand + 1)))
        assert conn.execute("SELECT on_hand FROM items WHERE id = ?", (item.id,)).fetchone()[0] == item.on_hand
        conn.execute(insert, ("m2", item.id, -item.on_hand))  # down to zero is allowed
        assert conn.execute("SELECT on_hand FROM items WHERE id = ?", (item.id,)).fetchone()[0] == 0
        with pytest.raises(sqlcipher3.IntegrityError, match="a piece is sold only while available"):
            conn.execute("UPDATE items SET status = 'sold' WHERE id = ?", (on_hold,))
    finally:
        conn.close()


def test_an_adjustment_the_stock_guard_refuses_names_the_quantity(demo_facet: app.Facet, manager: Actor) -> None:
    item = next(r for r in _available(demo_facet, "counted", 20) if r.on_hand >= 3)
    conn = demo_facet.connection()
    try:  # someone with the key wrote on_hand behind the ledger's back: the ledger says 3+, the row 0
        conn.execute("UPDATE items SET on_hand = 0 WHERE id = ?", (item.id,))
    finally:
        conn.close()
    with pytest.raises(ValidationError, match="quantity: only 0 on hand; cannot remove 2") as refused:
        inventory.adjust_stock(item.id, -2, "broken clasp", uow=demo_facet.uow(), actor=manager)
    assert refused.value.field == "quantity"
    assert _one(demo_facet, "SELECT count(*) FROM stock_movements WHERE item_id = ? AND kind = 'adjustment'",
                item.id) == 0


def test_a_void_whose_returned_piece_was_sold_again_is_refused_before_any_refund(
        demo_facet: app.Facet, clerk: Actor, manager: Actor, other_counter: Actor, shift: str,
        settings: checkout.CounterSettings) -> None:
    pieces = [r for r in _available(demo_facet, "unique", 50) if r.price_cents < 300_000]  # no Form 8300
    first = min(pieces, key=lambda r: r.price_cents)
    second = max(pieces, key=lambda r: r.price_cents)  # the exchange costs more: the customer pays the difference
    sold = _sell(demo_facet, clerk, settings, checkout.add_item(Cart(), first, actor=clerk))
    sale = returns.find_sale(sold.number, sales=demo_facet.store.sales, actor=clerk, uow=demo_facet.uow())
    exchange_cart = checkout.add_item(returns.return_whole_sale(Cart(), sale, actor=clerk), second, actor=clerk)
    exchange = _sell(demo_facet, clerk, settings, exchange_cart)
    _sell(demo_facet, other_counter, settings, checkout.add_item(Cart(), demo_facet.store.inventory.rows_by_ids(
        [first.id])[0], actor=other_counter))  # the returned piece is sold again, at C2
    with pytest.raises(Conflict, match=f"cannot be voided: {first.sku}, returned in it, has been sold again"):
        returns.void_sale(exchange.sale_id, "wrong piece", uow=demo_facet.uow(), actor=manager,
                          sales=demo_facet.store.sales, timezone=settings.timezone, terminal=None)
    assert demo_facet.store.sales.sale(exchange.sale_id).status == "completed"  # type: ignore[union-attr]
    assert demo_facet.store.inventory.rows_by_ids([first.id])[0].on_hand == 0


def test_a_count_posted_after_a_sale_landed_is_refused_and_posts_nothing(
        demo_facet: app.Facet, clerk: Actor, manager: Actor, other_counter: Actor, settings: checkout.CounterSettings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    location = "Case 3"
    item = next(r for r in _available(demo_facet, "counted", 50, location=location))
    count_id = stock_count.start_count(location, uow=demo_facet.uow(), actor=clerk)
    # None of `item` is found in the case: the count will post -on_hand for it. A sale of one lands
    # between the count's report and its posting (another counter, a moment too late).
    real_report = stock_count.report

    def report_then_a_sale(*args: Any, **kwargs: Any) -> Any:
        result = real_report(*args, **kwargs)
        _sell(demo_facet, other_counter, settings, checkout.add_item(Cart(), item, actor=other_counter))
        return result

    monkeypatch.setattr(stock_count, "report", report_then_a_sale)
    movements = _one(demo_facet, "SELECT count(*) FROM stock_movements WHERE kind = 'count'")
    with pytest.raises(Conflict, match=f"{item.sku} was sold while the count was posted"):
        stock_count.post_count(count_id, uow=demo_facet.uow(), reader=demo_facet.store.inventory, actor=manager)
    assert _one(demo_facet, "SELECT count(*) FROM stock_movements WHERE kind = 'count'") == movements
    assert _one(demo_facet, "SELECT status FROM stock_counts WHERE id = ?", count_id) == "open"
    assert demo_facet.store.inventory.rows_by_ids([item.id])[0].on_hand == item.on_hand - 1


# ---------------------------------------------------------------- doctor


def test_doctor_reports_stock_below_zero_and_a_piece_in_two_open_sales(
        demo_dir: Path, clerk: Actor, shift: str, settings: checkout.CounterSettings,
        demo_facet: app.Facet) -> None:
    assert examine(demo_dir)["ok"] is True
    counted = next(r for r in _available(demo_facet, "counted", 20) if r.on_hand >= 1)
    piece = _available(demo_facet, "unique")[0]
    _sell(demo_facet, clerk, settings, checkout.add_item(Cart(), piece, actor=clerk))
    # Someone with the key drops the guards, takes stock below zero and makes the sold piece sellable again.
    conn = connect(db_path(demo_dir), KeyringSecrets().get(database_key_name(demo_dir)) or "")
    try:
        conn.execute("DROP TRIGGER stock_movements_not_below_zero")
        conn.execute("DROP TRIGGER items_sold_only_when_available")
        conn.execute("INSERT INTO stock_movements (id, item_id, kind, quantity, reason, terminal, created_at, "
                     "updated_at) VALUES ('gone', ?, 'adjustment', ?, 'x', 'C1', '2026-01-01', '2026-01-01')",
                     (counted.id, -(counted.on_hand + 1)))
        conn.execute("UPDATE items SET status = 'available' WHERE id = ?", (piece.id,))
        conn.execute("INSERT INTO stock_movements (id, item_id, kind, quantity, reason, terminal, created_at, "
                     "updated_at) VALUES ('back', ?, 'adjustment', 1, 'x', 'C1', '2026-01-01', '2026-01-01')",
                     (piece.id,))
    finally:
        conn.close()
    again = demo_facet.store.inventory.rows_by_ids([piece.id])[0]
    _sell(demo_facet, clerk, settings, checkout.add_item(Cart(), again, actor=clerk))

    report = examine(demo_dir)
    assert report["ok"] is False
    assert report["stock"]["below_zero"] == [{"sku": counted.sku, "on_hand": -1}]
    assert report["stock"]["sold_twice"] == [{"sku": piece.sku, "open_sales": 2}]
    problems = " ".join(report["problems"])
    assert f"{counted.sku} (-1)" in problems and f"{piece.sku} (2 sales)" in problems
    assert "stock guards (triggers) are missing" in problems


def test_doctor_counts_a_returned_or_voided_sale_of_a_piece_as_closed(
        demo_dir: Path, demo_facet: app.Facet, clerk: Actor, manager: Actor, shift: str,
        settings: checkout.CounterSettings) -> None:
    piece = _available(demo_facet, "unique")[0]
    for _ in range(2):  # sold, returned, sold again; then that sale voided and the piece sold once more
        row = demo_facet.store.inventory.rows_by_ids([piece.id])[0]
        sold = _sell(demo_facet, clerk, settings, checkout.add_item(Cart(), row, actor=clerk))
        sale = returns.find_sale(sold.number, sales=demo_facet.store.sales, actor=clerk, uow=demo_facet.uow())
        back = checkout.start_checkout(returns.return_whole_sale(Cart(), sale, actor=clerk), settings=settings,
                                       uow=demo_facet.uow(), actor=clerk)
        back = checkout.refund_cash(back, -back.due, uow=demo_facet.uow(), actor=clerk, approver=manager)
        checkout.complete_sale(back, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
    row = demo_facet.store.inventory.rows_by_ids([piece.id])[0]
    sold = _sell(demo_facet, clerk, settings, checkout.add_item(Cart(), row, actor=clerk))
    returns.void_sale(sold.sale_id, "wrong piece", uow=demo_facet.uow(), actor=manager,
                      sales=demo_facet.store.sales, timezone=settings.timezone, terminal=None)
    row = demo_facet.store.inventory.rows_by_ids([piece.id])[0]
    _sell(demo_facet, clerk, settings, checkout.add_item(Cart(), row, actor=clerk))
    report = examine(demo_dir)
    assert report["stock"]["sold_twice"] == [] and report["stock"]["below_zero"] == [], report["problems"]
    assert report["ok"] is True, report["problems"]


def test_a_sale_of_the_last_unit_at_another_counter_makes_this_one_not_enough_stock(
        demo_facet: app.Facet, clerk: Actor, manager: Actor, other_counter: Actor, shift: str,
        settings: checkout.CounterSettings) -> None:
    item = next(r for r in _available(demo_facet, "counted", 20) if r.on_hand >= 2)
    inventory.adjust_stock(item.id, 2 - item.on_hand, "recount", uow=demo_facet.uow(), actor=manager)
    row = demo_facet.store.inventory.rows_by_ids([item.id])[0]
    here = _paid(demo_facet, clerk, settings, checkout.add_item(Cart(), row, actor=clerk, quantity=2))
    _sell(demo_facet, other_counter, settings, checkout.add_item(Cart(), row, actor=other_counter))
    with pytest.raises(NotEnoughStock, match=f"Only 1 of {item.sku} on hand; 2 cannot be taken out"):
        checkout.complete_sale(here, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales)
    assert demo_facet.store.inventory.rows_by_ids([item.id])[0].on_hand == 1
