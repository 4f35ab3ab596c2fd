"""Salespeople who share a sale, through the real checkout, and the `salespeople` report, on one copy of the
demo store built once for the module."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from pos_app import app
from pos_app.documents.receipt_pdf import render_receipt_pdf
from pos_app.domain.cart import Cart
from pos_app.domain.commission import Credit
from pos_app.domain.errors import PermissionDenied, ValidationError
from pos_app.domain.figures import split
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, Role
from pos_app.domain.store import store_today
from pos_app.services import cash, checkout, receipts, report_settings, returns
from pos_app.services.ports.inventory import ItemRow
from pos_app.services.ports.reports import Report, ReportRequest
from pos_app.services.reports import catalog
from tests.conftest import FAST_HASHER, actor_for, clone_store
from tests.printer_listener import decode_escpos


@dataclasses.dataclass
class World:
    facet: app.Facet
    clerk: Actor  # Lily Chen
    manager: Actor  # Marcus Reed
    owner: Actor
    rosa: str  # a clerk hired for this module: only its sales are hers
    settings: checkout.CounterSettings
    split_sale: str = ""
    pieces: tuple[ItemRow, ...] = ()


def _count(facet: app.Facet, sql: str, *args: Any) -> Any:
    return facet.connection().execute(sql, args).fetchone()[0]


def _available(facet: app.Facet, n: int) -> list[ItemRow]:
    ids = [r[0] for r in facet.connection().execute(
        "SELECT i.id FROM items i WHERE i.status = 'available' AND i.tracking = 'unique' AND i.cost_cents > 0 "
        "ORDER BY i.style, i.sku LIMIT ?", (n,))]
    return facet.store.inventory.rows_by_ids(ids)


def _sell(w: World, cart: Cart, actor: Actor) -> checkout.CompletedSale:
    co = checkout.start_checkout(cart, settings=w.settings, uow=w.facet.uow(), actor=actor)
    co = checkout.pay_cash(co, co.priced.total, uow=w.facet.uow(), actor=actor, sales=w.facet.store.sales)
    return checkout.complete_sale(co, uow=w.facet.uow(), actor=actor, sales=w.facet.store.sales)


@pytest.fixture(scope="module")
def world(demo_template: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = clone_store(demo_template, tmp_path_factory.mktemp("salespeople") / "store")
    facet = app.open_facet(folder)
    clerk, manager, owner = (actor_for(facet, role) for role in (Role.CLERK, Role.MANAGER, Role.OWNER))
    from pos_app.services import staff

    rosa = staff.add_staff("Rosa Diaz", Role.CLERK, pin="7391", uow=facet.uow(), actor=owner, hasher=FAST_HASHER)
    cash.open_shift(Money(20000), uow=facet.uow(), actor=clerk)
    w = World(facet, clerk, manager, owner, rosa, checkout.counter_settings(facet.store.directory, facet.terminal))
    pieces = _available(facet, 2)
    reader = facet.store.inventory
    cart = Cart()
    for piece in pieces:
        cart = checkout.scan(cart, piece.sku, reader=reader, actor=clerk)
    cart = checkout.share_sale(cart, [(rosa, "60"), (manager.staff_id, "40%")], directory=facet.store.directory,
                               actor=clerk)
    w.split_sale = _sell(w, cart, clerk).sale_id
    w.pieces = tuple(pieces)
    yield w
    facet.close()


def test_a_shared_sale_writes_its_salespeople_and_journals_them_for_sync(world: World) -> None:
    rows = world.facet.connection().execute(
        "SELECT staff_id, position, share_from_bp, share_to_bp FROM sale_credits WHERE sale_id = ? ORDER BY position",
        (world.split_sale,)).fetchall()
    assert [tuple(r) for r in rows] == [(world.rosa, 0, 0, 6000), (world.manager.staff_id, 1, 6000, 10000)]
    assert _count(world.facet, "SELECT count(*) FROM outbox WHERE table_name = 'sale_credits' AND row_id IN "
                  "(SELECT id FROM sale_credits WHERE sale_id = ?)", world.split_sale) == 2
    sale = world.facet.store.sales.sale(world.split_sale)
    assert sale is not None and [(c.name, c.share_bp) for c in sale.credits] == [("Rosa Diaz", 6000),
                                                                                  ("Marcus Reed", 4000)]


def test_the_receipt_says_who_shared_the_sale(world: World) -> None:
    receipt = receipts.build_receipt(world.split_sale, sales=world.facet.store.sales,
                                     directory=world.facet.store.directory)
    assert receipt.sold_by == "Rosa 60%, Marcus 40%"
    paper = decode_escpos(receipts.render_receipt(receipt, receipts.layout(world.facet.store.directory)))
    assert "Sold by: Rosa 60%, Marcus 40%" in paper.lines
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(render_receipt_pdf(receipt))) as pdf:
        assert "Sold by: Rosa 60%, Marcus 40%" in pdf.pages[0].extract_text()


def test_a_sale_the_clerk_made_alone_writes_no_salespeople(world: World) -> None:
    piece = _available(world.facet, 1)[0]
    cart = checkout.scan(Cart(), piece.sku, reader=world.facet.store.inventory, actor=world.clerk)
    cart = checkout.share_sale(cart, [(world.clerk.staff_id, "100")], directory=world.facet.store.directory,
                               actor=world.clerk)
    assert cart.salespeople == ()
    done = _sell(world, cart, world.clerk)
    assert _count(world.facet, "SELECT count(*) FROM sale_credits WHERE sale_id = ?", done.sale_id) == 0


def test_bad_salespeople_are_refused_naming_the_field(world: World) -> None:
    directory = world.facet.store.directory
    people = {s.name: s.id for s in directory.staff_list()}
    with world.facet.uow() as uow:  # Sam Ortiz left the store
        uow.staff.set_active(people["Sam Ortiz"], False)
        uow.commit()
    cart = Cart()
    cases = [
        ([(people[n], "20") for n in ("Lily Chen", "Marcus Reed", "Rosa Diaz", "Jane Ellen", "Priya Nair")],
         "not active staff who may sell"),  # the appraiser does not sell
        ([(people[n], "20") for n in ("Lily Chen", "Marcus Reed", "Rosa Diaz", "Jane Ellen")], "add up to 80%"),
        ([(people["Lily Chen"], "50"), (people["Lily Chen"], "50")], "named twice"),
        ([(people["Lily Chen"], "50"), (people["Sam Ortiz"], "50")], "Sam Ortiz is not active staff"),
        ([(people["Lily Chen"], "50"), (people["Rosa Diaz"], "fifty")], "not a percentage"),
    ]
    for picks, problem in cases:
        with pytest.raises(ValidationError) as refused:
            checkout.share_sale(cart, picks, directory=directory, actor=world.clerk)
        assert problem in refused.value.problem and refused.value.field.startswith(("salespeople", "share of"))
    five = [(people[n], "20") for n in ("Lily Chen", "Marcus Reed", "Rosa Diaz", "Jane Ellen")] + [("x", "20")]
    with pytest.raises(ValidationError, match="salespeople"):
        checkout.share_sale(cart, five, directory=directory, actor=world.clerk)
    with pytest.raises(PermissionDenied):
        checkout.share_sale(cart, [], directory=directory, actor=actor_for(world.facet, Role.PRIVACY_OFFICER))


def test_a_crash_after_payment_keeps_the_salespeople(world: World) -> None:
    piece = _available(world.facet, 1)[0]
    cart = checkout.scan(Cart(), piece.sku, reader=world.facet.store.inventory, actor=world.clerk)
    cart = checkout.share_sale(cart, [(world.clerk.staff_id, "50"), (world.rosa, "50")],
                               directory=world.facet.store.directory, actor=world.clerk)
    co = checkout.start_checkout(cart, settings=world.settings, uow=world.facet.uow(), actor=world.clerk)
    checkout.pay_cash(co, co.priced.total, uow=world.facet.uow(), actor=world.clerk, sales=world.facet.store.sales)
    # The counter stops here; at the next start the journal is settled as it was left.
    found = checkout.recover_checkouts(uow=world.facet.uow(), actor=world.clerk, sales=world.facet.store.sales,
                                       terminal=None)
    sale_id = next(r.completed.sale_id for r in found if r.completed is not None)
    assert [(r[0], r[1]) for r in world.facet.connection().execute(
        "SELECT staff_id, share_to_bp - share_from_bp FROM sale_credits WHERE sale_id = ? ORDER BY position",
        (sale_id,))] == [(world.clerk.staff_id, 5000), (world.rosa, 5000)]


def test_a_return_comes_off_the_salespeople_of_the_sale_it_returns(world: World) -> None:
    sale = world.facet.store.sales.sale(world.split_sale)
    assert sale is not None
    back = returns.add_return(Cart(), sale, sale.lines[0].id, 1, actor=world.manager)
    co = checkout.start_checkout(back, settings=world.settings, uow=world.facet.uow(), actor=world.manager)
    co = checkout.refund_cash(co, -co.due, uow=world.facet.uow(), actor=world.manager)
    done = checkout.complete_sale(co, uow=world.facet.uow(), actor=world.manager, sales=world.facet.store.sales)
    assert [tuple(r) for r in world.facet.connection().execute(
        "SELECT staff_id, share_from_bp, share_to_bp FROM sale_credits WHERE sale_id = ? ORDER BY position",
        (done.sale_id,))] == [(world.rosa, 0, 6000), (world.manager.staff_id, 6000, 10000)]


def _run(world: World, name: str, actor: Actor, days: int = 0, **kw: Any) -> Report:
    today = store_today(world.settings.timezone)
    request = ReportRequest(name, today - dt.timedelta(days=days), today, **kw)
    return catalog.run(request, store=world.facet.store, actor=actor, uow=world.facet.uow())


def _column(report: Report, key: str) -> list[Any]:
    table = report.tables[0]
    at = [c.key for c in table.columns].index(key)
    return [row[at] for row in table.rows]


def _total(report: Report, key: str) -> Any:
    table = report.tables[0]
    assert table.total is not None
    return table.total[[c.key for c in table.columns].index(key)]


def test_salespeople_shares_add_up_to_the_sales_report_to_the_cent(world: World) -> None:
    people = _run(world, "salespeople", world.owner, days=40)
    sales = _run(world, "sales", world.owner, days=40, by="style")
    for key in ("net_sales", "gross_profit", "returned"):
        assert sum(_column(people, key)) == _total(people, key) == _total(sales, key), key
    assert _total(people, "sales") == _total(sales, "sales")
    # A shared sale counts whole for each of its salespeople.
    assert sum(_column(people, "sales")) > _total(people, "sales")


def test_commission_by_hand_for_the_shared_sale(world: World) -> None:
    report_settings.set_commission_rules("all: 2.5% of sales; " + f"{world.pieces[0].style}: 10% of margin",
                                         uow=world.facet.uow(), actor=world.owner)
    report = _run(world, "salespeople", world.owner, filters=(("salesperson", world.rosa),))
    rows = {row[0]: row for row in report.tables[0].rows}
    rosa = rows["Rosa Diaz"]
    lines = world.facet.connection().execute(  # every line of a sale she shared, with her slice of it
        "SELECT l.total_cents - l.tax_cents, l.quantity * l.cost_cents, i.style, c.share_from_bp, c.share_to_bp "
        "FROM sale_lines l JOIN items i ON i.id = l.item_id JOIN sale_credits c ON c.sale_id = l.sale_id "
        "WHERE c.staff_id = ?", (world.rosa,)).fetchall()
    by_style: dict[str, list[int]] = {}
    for net, cost, style, start, end in lines:
        mine_net, mine_cost = split(net, start, end), split(cost, start, end)
        acc = by_style.setdefault(style, [0, 0])
        acc[0] += mine_net
        acc[1] += mine_net - mine_cost
    expected = 0
    for style, (net, profit) in by_style.items():
        percent, basis = (Decimal(10), profit) if style == world.pieces[0].style else (Decimal("2.5"), net)
        expected += int((percent * basis / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    keys = [c.key for c in report.tables[0].columns]
    assert expected > 0 and rosa[keys.index("commission")] == expected
    assert rosa[keys.index("net_sales")] == sum(v[0] for v in by_style.values())
    assert rosa[keys.index("sales")] == 2 and rosa[keys.index("returns")] == 1  # the split sale, the crash one
    assert "tennis" in report.tables[0].note or "all: 2.5% of sales" in report.tables[0].note


def test_each_salesperson_drills_to_their_receipts(world: World) -> None:
    report = _run(world, "salespeople", world.owner)
    table = report.tables[0]
    at = next(i for i, row in enumerate(table.rows) if row[0] == "Rosa Diaz")
    drill = table.drills[at]
    assert drill is not None and ("salesperson", world.rosa) in drill.filters
    receipts_report = catalog.run(ReportRequest("receipts", drill.period.first if drill.period else None,
                                                drill.period.last if drill.period else None,
                                                filters=drill.filters),
                                  store=world.facet.store, actor=world.owner, uow=world.facet.uow())
    numbers = {row[0] for row in receipts_report.tables[0].rows}
    sale = world.facet.store.sales.sale(world.split_sale)
    assert sale is not None and sale.number in numbers and len(numbers) == 3  # sale, return, the crash sale


def test_clerks_see_no_salespeople_report_and_a_manager_sees_cost(world: World) -> None:
    with pytest.raises(PermissionDenied):
        _run(world, "salespeople", world.clerk)
    assert "gross_profit" in [c.key for c in _run(world, "salespeople", world.manager).tables[0].columns]


def test_a_journal_with_bad_slices_completes_nothing(world: World) -> None:
    # Last in the module: its paid journal stays open.
    piece = _available(world.facet, 1)[0]
    cart = checkout.scan(Cart(), piece.sku, reader=world.facet.store.inventory, actor=world.clerk)
    # A journal kept from before a crash whose slices do not add up (written by hand here).
    cart = dataclasses.replace(cart, salespeople=(Credit(world.rosa, 0, 5000), Credit(world.clerk.staff_id, 5000,
                                                                                       9000)))
    co = checkout.start_checkout(cart, settings=world.settings, uow=world.facet.uow(), actor=world.clerk)
    co = checkout.pay_cash(co, co.priced.total, uow=world.facet.uow(), actor=world.clerk,
                           sales=world.facet.store.sales)
    sales_before = _count(world.facet, "SELECT count(*) FROM sales")
    with pytest.raises(ValidationError, match="add up to 90%"):
        checkout.complete_sale(co, uow=world.facet.uow(), actor=world.clerk, sales=world.facet.store.sales)
    assert _count(world.facet, "SELECT count(*) FROM sales") == sales_before
