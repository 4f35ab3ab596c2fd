"""Two stores of one sync group on a real central PostgreSQL: finding a piece at the other store, sending it
there, taking back at one store what the other sold, and the head office's report read from central.

The group: the demo store (S1, New York) runs `central init`; a second store, Uptown (S2, Los Angeles), joins
with its first counter and is set up as `pos-app sync join --owner-name ...` sets a new store up. Each store has
its own encrypted file; everything between them goes through central.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from pos_app import app, cli
from pos_app.adapters.card_terminal import StripeTerminal
from pos_app.domain.cart import Cart
from pos_app.domain.errors import Conflict, ValidationError
from pos_app.domain.figures import Period
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, Role
from pos_app.services import cash, checkout, inventory, returns, transfers
from pos_app.services.ports.inventory import THIS_STORE, InventoryFilter
from pos_app.services.ports.reports import ReportRequest
from pos_app.services.reports import catalog
from tests.conftest import actor_for, cli_login
from tests.integration.multistore_helpers import UPTOWN_OWNER, UPTOWN_ZONE, Group, group_fixture  # noqa: F401
from tests.integration.sync_helpers import available, off_ledger, one, rows, sell, sync_now
from tests.stripe_server import FakeStripe


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = cli.main([*argv, "--json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else err)


def listed(facet: app.Facet, actor: Actor, flt: InventoryFilter) -> dict[str, str | None]:
    store = facet.store
    seqs = inventory.page_seqs(flt, "sku", False, 0, 100_000, reader=store.inventory, actor=actor, uow=store.uow())
    return {r.id: r.store_code for r in inventory.rows_for(seqs, reader=store.inventory, actor=actor,
                                                          uow=store.uow())}


def test_a_piece_is_found_at_the_other_store_sent_there_received_and_sold_there_and_bad_transfers_are_refused(
        group: Group, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = group.first, group.second
    manager, uptown = group.manager_at_first(), group.owner_at_second()
    assert [(s.code, s.here) for s in inventory.group_stores(uow=second.uow(), actor=uptown)] == \
        [("S1", False), ("S2", True)]

    # Uptown has no pieces of its own yet; it finds the demo store's necklaces, each marked S1.
    assert listed(second, uptown, InventoryFilter(store=THIS_STORE)) == {}
    at_first = listed(second, uptown, InventoryFilter(store=group.store_id(first)))
    assert len(at_first) == one(first, "SELECT count(*) FROM items") and set(at_first.values()) == {"S1"}
    assert listed(second, uptown, InventoryFilter()) == at_first
    assert listed(first, manager, InventoryFilter(store=THIS_STORE)) == at_first

    # Refused, and nothing written: units of a counted item, a store not in the group, this store itself.
    unique = available(first)[0]
    before = one(first, "SELECT count(*) FROM stock_movements")
    with pytest.raises(ValidationError, match="unique piece: it moves alone"):
        transfers.transfer_out(unique, "S2", uow=first.uow(), actor=manager, quantity=2)
    with pytest.raises(ValidationError, match="no store of the group"):
        transfers.transfer_out(unique, "S9", uow=first.uow(), actor=manager)
    with pytest.raises(ValidationError, match="is this store"):
        transfers.transfer_out(unique, "S1", uow=first.uow(), actor=manager)
    assert one(first, "SELECT count(*) FROM stock_movements") == before
    assert one(first, "SELECT status FROM items WHERE id = ?", unique) == "available"

    piece = unique
    sku = one(first, "SELECT sku FROM items WHERE id = ?", piece)
    cli_login(group.first_dir)
    code, sent = run_json(capsys, "items", "transfer", sku, "--to", "S2", "--data-dir", str(group.first_dir))
    assert code == 0, sent
    assert sent == {"item_id": piece, "sku": sku, "store": "S2", "store_name": "Uptown", "status": "in_transit",
                    "quantity": 1, "left_in_transit": 0}

    # At the sending store the piece left stock, belongs to Uptown now and cannot be sold there.
    assert rows(first, "SELECT status, on_hand, store_id FROM items WHERE id = ?", piece) == \
        [("in_transit", 0, group.store_id(second))]
    assert rows(first, "SELECT kind, quantity, reference FROM stock_movements WHERE item_id = ? "
                       "ORDER BY created_at DESC LIMIT 1", piece) == [("transfer_out", -1, "transfer to S2")]
    assert one(first, "SELECT count(*) FROM audit_events WHERE action = 'stock.transferred_out' AND entity_id = ?",
               piece) == 1
    code, listed_s2 = run_json(capsys, "items", "list", "--store", "S2", "--data-dir", str(group.first_dir))
    assert code == 0 and [(i["sku"], i["store"], i["status"]) for i in listed_s2["items"]] == \
        [(sku, "S2", "in_transit")]
    conn = first.connection()
    try:
        with pytest.raises(Exception, match="sold only at its home store"):
            conn.execute("INSERT INTO stock_movements (id, item_id, kind, quantity, reason, terminal, created_at, "
                         "updated_at) VALUES ('m-test', ?, 'sale', -1, 'sale', 'S1-C1', '2026-12-07 12:00:00', "
                         "'2026-12-07 12:00:00')", (piece,))
    finally:
        conn.close()
    with pytest.raises(ValidationError, match="belongs to another store"):
        transfers.transfer_out(piece, "S2", uow=first.uow(), actor=manager)

    # Uptown cannot check it in before the transfer has reached it; after a sync it is on its way there.
    with pytest.raises(ValidationError, match="not in transit to this store"):
        transfers.receive_transfer(piece, uow=second.uow(), actor=uptown)
    sync_now(first)
    sync_now(second)
    coming = listed(second, uptown, InventoryFilter(store=THIS_STORE, statuses=("in_transit",)))
    assert coming == {piece: "S2"}
    cli_login(group.second_dir, UPTOWN_OWNER.name, secret=UPTOWN_OWNER.password)
    code, received = run_json(capsys, "items", "receive-transfer", sku, "--data-dir", str(group.second_dir))
    assert code == 0, received
    assert received == {"item_id": piece, "sku": sku, "store": "S1", "store_name": one(
        second, "SELECT name FROM sync_stores WHERE code = 'S1'"), "status": "available", "quantity": 1,
        "left_in_transit": 0}
    second.close()
    group.second = second = app.open_facet(group.second_dir)
    assert rows(second, "SELECT status, on_hand FROM items WHERE id = ?", piece) == [("available", 1)]
    assert [r[0] for r in rows(second, "SELECT kind FROM stock_movements WHERE item_id = ? ORDER BY created_at",
                               piece)][-2:] == ["transfer_out", "transfer_in"]
    with pytest.raises(ValidationError, match="not in transit"):
        transfers.receive_transfer(piece, uow=second.uow(), actor=uptown)

    # Sold at its new home; the sale reaches the store that sent it.
    sale = sell(second, piece, actor=uptown)
    group.sync_all()
    assert rows(first, "SELECT status, on_hand FROM items WHERE id = ?", piece) == [("sold", 0)]
    assert one(first, "SELECT number FROM sales WHERE id = ?", sale.sale_id).startswith("S2-C1-")


def test_counted_units_go_in_transit_to_the_other_store_are_checked_in_there_and_each_store_sells_its_own(
        group: Group, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = group.first, group.second
    manager, uptown = group.manager_at_first(), group.owner_at_second()
    s1, s2 = group.store_id(first), group.store_id(second)
    counted = available(first, "counted")[0]
    sku = one(first, "SELECT sku FROM items WHERE id = ?", counted)
    stock = one(first, "SELECT on_hand FROM items WHERE id = ?", counted)
    assert stock >= 4
    group.sync_all()

    # Uptown lists the SKU but has none of it: its on hand is its own, and it cannot sell the demo store's units.
    [row] = second.store.inventory.rows_by_ids([counted])
    assert row.on_hand == 0
    with pytest.raises(Conflict, match=f"Only 0 of {sku} in stock"):
        checkout.add_item(Cart(), row, actor=uptown)

    # Bad quantities change nothing.
    movements = one(first, "SELECT count(*) FROM stock_movements")
    with pytest.raises(ValidationError, match=f"only {stock} of {sku} on hand at this store"):
        transfers.transfer_out(counted, "S2", uow=first.uow(), actor=manager, quantity=stock + 1)
    with pytest.raises(ValidationError, match="quantity: must be at least 1"):
        transfers.transfer_out(counted, "S2", uow=first.uow(), actor=manager, quantity=0)
    assert one(first, "SELECT count(*) FROM stock_movements") == movements

    cli_login(group.first_dir)
    code, sent = run_json(capsys, "items", "transfer", sku, "--to", "S2", "--quantity", "3",
                          "--data-dir", str(group.first_dir))
    assert code == 0, sent
    assert sent == {"item_id": counted, "sku": sku, "store": "S2", "store_name": "Uptown", "status": "in_transit",
                    "quantity": 3, "left_in_transit": 0}
    assert one(first, "SELECT on_hand FROM items WHERE id = ?", counted) == stock - 3
    assert one(first, "SELECT on_hand + 0 FROM item_store_stock WHERE item_id = ? AND store_id = ?",
               counted, s2) == 0
    assert one(first, "SELECT in_transit FROM item_store_stock WHERE item_id = ? AND store_id = ?",
               counted, s2) == 3

    # Before the transfer reaches Uptown there is nothing to check in; after a sync, three are on their way.
    with pytest.raises(ValidationError, match=f"no units of {sku} are in transit to this store"):
        transfers.receive_transfer(counted, uow=second.uow(), actor=uptown)
    group.sync_all()
    # Uptown finds what is coming with the "in transit" filter; the list shows the units beside its on hand.
    assert listed(second, uptown, InventoryFilter(store=THIS_STORE, statuses=("in_transit",))) == {counted: "S1"}
    [row] = second.store.inventory.rows_by_ids([counted])
    assert (row.on_hand, row.in_transit) == (0, 3)
    assert listed(second, uptown, InventoryFilter(store=THIS_STORE)) == {counted: "S1"}  # its units are coming
    uow = second.uow()
    with uow.reading():
        assert [(s.code, s.here, s.on_hand, s.in_transit) for s in uow.stock.by_store(counted)] == \
            [("S2", True, 0, 3), ("S1", False, stock - 3, 0)]
    with pytest.raises(ValidationError, match=f"3 of {sku} are in transit to this store: check in 1 to 3"):
        transfers.receive_transfer(counted, uow=second.uow(), actor=uptown, quantity=4)

    # A box that came short: two checked in now, one still in transit; then the last one.
    cli_login(group.second_dir, UPTOWN_OWNER.name, secret=UPTOWN_OWNER.password)
    code, received = run_json(capsys, "items", "receive-transfer", sku, "--quantity", "2",
                              "--data-dir", str(group.second_dir))
    assert code == 0, received
    assert (received["store"], received["quantity"], received["left_in_transit"]) == ("S1", 2, 1)
    code, coming = run_json(capsys, "items", "list", "--store", "here", "--status", "in_transit",
                            "--data-dir", str(group.second_dir))
    assert code == 0 and [(i["sku"], i["store"], i["on_hand"], i["in_transit"]) for i in coming["items"]] == \
        [(sku, "S1", 2, 1)]
    last = transfers.receive_transfer(counted, uow=second.uow(), actor=uptown)
    assert (last.quantity, last.left_in_transit) == (1, 0)
    with pytest.raises(ValidationError, match="no units"):
        transfers.receive_transfer(counted, uow=second.uow(), actor=uptown)
    # The database refuses a check-in beyond what is in transit, whoever writes it.
    conn = second.connection()
    try:
        with pytest.raises(Exception, match="more units checked in than are in transit"):
            conn.execute("INSERT INTO stock_movements (id, item_id, kind, quantity, reason, terminal, store_id, "
                         "created_at, updated_at) VALUES ('m-transit', ?, 'in_transit', -1, '', 'S2-C1', ?, "
                         "'2026-12-07 12:00:00', '2026-12-07 12:00:00')", (counted, s2))
    finally:
        conn.close()

    # Each store sells its own units; the SKU is among Uptown's items now (it holds units of it).
    [row] = second.store.inventory.rows_by_ids([counted])
    assert (row.on_hand, row.in_transit) == (3, 0)
    assert listed(second, uptown, InventoryFilter(store=THIS_STORE)) == {counted: "S1"}
    assert counted in listed(first, manager, InventoryFilter(store=s2))
    sale = sell(second, counted, actor=uptown)
    assert sale.number.startswith("S2-C1-")
    group.sync_all()
    for facet in (first, second):
        assert off_ledger(facet) == []
        assert dict(rows(facet, "SELECT store_id, on_hand FROM item_store_stock WHERE item_id = ?", counted)) == \
            {s1: stock - 3, s2: 2}
    assert one(first, "SELECT on_hand FROM items WHERE id = ?", counted) == stock - 3
    assert one(second, "SELECT on_hand FROM items WHERE id = ?", counted) == 2
    with psycopg.connect(group.admin_url) as pg:
        assert dict((r[0], (r[1], r[2])) for r in pg.execute(
            "SELECT store_id, on_hand, in_transit FROM facet.stock WHERE item_id = %s", (counted,))) == \
            {s1: (stock - 3, 0), s2: (2, 0)}
        assert pg.execute("SELECT count(*) FROM facet.conflicts WHERE row_id = %s", (counted,)).fetchone()[0] == 0


def _cash_return(facet: app.Facet, number: str, actor: Actor) -> checkout.CompletedSale:
    store = facet.store
    if one(facet, "SELECT count(*) FROM shifts WHERE terminal = ? AND closed_at IS NULL", actor.terminal) == 0:
        cash.open_shift(Money(50000), uow=facet.uow(), actor=actor)
    sale = returns.find_sale(number, sales=store.sales, actor=actor, uow=facet.uow())
    cart = returns.return_whole_sale(Cart(), sale, actor=actor)
    settings = checkout.counter_settings(store.directory, facet.terminal)
    co = checkout.start_checkout(cart, settings=settings, uow=facet.uow(), actor=actor)
    co = checkout.refund_cash(co, Money(-co.due.cents), uow=facet.uow(), actor=actor)
    return checkout.complete_sale(co, uow=facet.uow(), actor=actor, sales=store.sales)


def test_a_sale_made_at_one_store_is_returned_at_the_other_and_the_head_office_sees_both(
        group: Group, capsys: pytest.CaptureFixture[str]) -> None:
    first, second, uptown = group.first, group.second, group.owner_at_second()
    piece = available(first)[0]
    sold = sell(first, piece)
    group.sync_all()
    assert one(second, "SELECT status FROM items WHERE id = ?", piece) == "sold"

    back = _cash_return(second, sold.number, uptown)
    assert back.kind == "return" and back.number.startswith("S2-C1-")
    assert back.total.cents == -sold.total.cents
    # The piece is Uptown's now: in its stock, with the movement that says how it came.
    assert rows(second, "SELECT status, on_hand, store_id FROM items WHERE id = ?", piece) == \
        [("available", 1, group.store_id(second))]
    assert rows(second, "SELECT kind, quantity, reference FROM stock_movements WHERE item_id = ? "
                        "ORDER BY created_at DESC LIMIT 1", piece) == [("return", 1, back.number)]
    assert one(second, "SELECT sum(amount_cents) FROM payments WHERE sale_id = ?", back.sale_id) == \
        -sold.total.cents
    with pytest.raises(Conflict, match="already been returned"):
        _cash_return(second, sold.number, uptown)
    group.sync_all()
    # The demo store sees the return and that the piece lives at Uptown now: it cannot sell it any more.
    assert rows(first, "SELECT status, on_hand, store_id FROM items WHERE id = ?", piece) == \
        [("available", 0, group.store_id(second))]
    assert one(first, "SELECT on_hand FROM item_store_stock WHERE item_id = ? AND store_id = ?", piece,
               group.store_id(second)) == 1
    assert piece not in listed(first, group.manager_at_first(), InventoryFilter(store=THIS_STORE))
    with pytest.raises(Exception, match="sold only at its home store"):
        sell(first, piece)

    # Each store's own reports count its own receipts: the sale at the demo store, the return at Uptown.
    def receipts(facet: app.Facet, actor: Actor) -> set[str]:
        made = catalog.run(ReportRequest("receipts"), store=facet.store, actor=actor, uow=facet.uow())
        return {str(row[0]) for row in made.tables[0].rows}

    assert sold.number in receipts(first, actor_for(first, Role.OWNER))
    assert back.number not in receipts(first, actor_for(first, Role.OWNER))
    assert receipts(second, uptown) == {back.number}
    # ...and its own tax: each holds the other's receipt too (synced), yet files only its own.
    for facet, actor in ((first, actor_for(first, Role.OWNER)), (second, uptown)):
        tax = catalog.run(ReportRequest("sales-tax"), store=facet.store, actor=actor, uow=facet.uow())
        asked = dict(tax.filters)
        (own,) = facet.store.reports.sales_totals(
            Period(dt.date.fromisoformat(asked["From"]), dt.date.fromisoformat(asked["To"])), tax.timezone)
        assert tax.tables[0].total is not None and tax.tables[0].total[-1] == own.totals.tax

    # Head office: per store, each on its own day, straight from central.
    cli_login(group.first_dir)
    today = dt.date.today()
    code, report = run_json(capsys, "central", "report", "sales", "--url", group.admin_url,
                            "--from", (today - dt.timedelta(days=1)).isoformat(),
                            "--to", (today + dt.timedelta(days=1)).isoformat(), "--data-dir", str(group.first_dir))
    assert code == 0, report
    completed = {number: (dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC), total, tax)
                 for number, at, total, tax in rows(first, "SELECT number, completed_at, total_cents, tax_cents "
                                                           "FROM sales WHERE number IN (?, ?)", sold.number,
                                                    back.number)}
    sold_at, sold_total, sold_tax = completed[sold.number]
    back_at, back_total, back_tax = completed[back.number]
    by_store = {(r["store"], r["day"]): r for r in report["rows"]}
    uptown_day = back_at.astimezone(ZoneInfo(UPTOWN_ZONE)).date().isoformat()
    assert by_store[("S2", uptown_day)] == {
        "store": "S2", "store_name": "Uptown", "timezone": UPTOWN_ZONE, "day": uptown_day, "sales": 0,
        "returns": 1, "net_cents": back_total - back_tax, "tax_cents": back_tax, "total_cents": back_total,
        "currency": "USD"}
    demo_day = sold_at.astimezone(ZoneInfo("America/New_York")).date().isoformat()
    demo = by_store[("S1", demo_day)]
    assert demo["timezone"] == "America/New_York" and demo["sales"] >= 1
    assert demo["tax_cents"] >= sold_tax and demo["net_cents"] >= sold_total - sold_tax
    assert {r["store"] for r in report["rows"]} == {"S1", "S2"}

    code, refused = run_json(capsys, "central", "report", "sales", "--url", group.admin_url, "--from",
                             today.isoformat(), "--to", (today - dt.timedelta(days=2)).isoformat(),
                             "--data-dir", str(group.first_dir))
    assert code != 0 and "to: is before the first day" in refused


def test_a_card_sale_of_one_store_is_refunded_to_its_card_at_the_other(group: Group,
                                                                       stripe_server: FakeStripe) -> None:
    """The group's stores share one Stripe account: the return at Uptown refunds the demo store's PaymentIntent
    through the usual card flow (no card needs to be presented), and the piece stays at Uptown."""
    first, second, uptown = group.first, group.second, group.owner_at_second()
    terminal = StripeTerminal(stripe_server.secret_key, stripe_server.reader_id, api_base=stripe_server.url)
    clerk = actor_for(first, Role.CLERK)
    cash.open_shift(Money(20000), uow=first.uow(), actor=clerk)
    piece = available(first)[0]
    settings = checkout.counter_settings(first.store.directory, first.terminal)
    row = first.store.inventory.rows_by_ids([piece])[0]
    co = checkout.start_checkout(checkout.add_item(Cart(), row, actor=clerk), settings=settings, uow=first.uow(),
                                 actor=clerk)
    co = checkout.start_card(co, co.due, uow=first.uow(), actor=clerk, terminal=terminal)
    terminal.simulate_tap("4242424242424242")
    co, outcome = checkout.check_card(co, uow=first.uow(), actor=clerk, terminal=terminal)
    assert outcome.state == "succeeded"
    sold = checkout.complete_sale(co, uow=first.uow(), actor=clerk, sales=first.store.sales)
    group.sync_all()

    sales = second.store.sales
    cash.open_shift(Money(20000), uow=second.uow(), actor=uptown)
    sale = returns.find_sale(sold.number, sales=sales, actor=uptown, uow=second.uow())
    back = returns.return_whole_sale(Cart(), sale, actor=uptown)
    ret = checkout.start_checkout(back, settings=checkout.counter_settings(second.store.directory, second.terminal),
                                  uow=second.uow(), actor=uptown)
    [(intent, label, left)] = checkout.card_refundable(ret, sales)
    assert label == "VISA ****4242" and left == sold.total.cents
    ret = checkout.refund_card(ret, intent, Money(left), uow=second.uow(), actor=uptown, terminal=terminal,
                               sales=sales)
    done = checkout.complete_sale(ret, uow=second.uow(), actor=uptown, sales=sales)
    refund = next(p for p in (sales.sale(done.sale_id) or sale).payments)
    assert refund.amount_cents == -sold.total.cents and refund.refund_id in stripe_server.refunds
    assert rows(second, "SELECT status, on_hand, store_id FROM items WHERE id = ?", piece) == \
        [("available", 1, group.store_id(second))]
    group.sync_all()
    assert one(first, "SELECT count(*) FROM payments WHERE refund_id = ?", refund.refund_id) == 1
