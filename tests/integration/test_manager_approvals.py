"""A manager's PIN allows a clerk one action the clerk may not do alone; the audit names both.

The six actions of the issue, each the same way: the clerk alone is asked
for an approval (and nothing is written), a wrong PIN is refused and counts
toward that manager's lockout, the manager's real PIN lets the action through,
and the action's audit event names the clerk (who did it) and the manager
(`approved_by`).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from pos_app import app
from pos_app.domain.cart import Cart, Discount
from pos_app.domain.errors import PermissionDenied, SignInFailed
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, Permission, Role
from pos_app.services import cash, checkout, inventory, returns, staff
from pos_app.services.guard import ApprovalNeeded
from pos_app.services.ports.inventory import ItemRow
from tests.conftest import FAST_HASHER, actor_for

MANAGER_PIN = "2222"  # Marcus Reed, the demo store's manager

Action = Callable[[Actor | None], Any]


def _one(facet: app.Facet, tracking: str) -> ItemRow:
    found = facet.connection().execute(
        "SELECT id FROM items WHERE status = 'available' AND tracking = ? AND on_hand > 1 - (tracking = 'unique') "
        "ORDER BY sku LIMIT 1", (tracking,)).fetchone()
    return facet.store.inventory.rows_by_ids([found[0]])[0]


def _sold(facet: app.Facet, clerk: Actor, settings: checkout.CounterSettings) -> checkout.CompletedSale:
    cart = checkout.add_item(Cart(), _one(facet, "unique"), actor=clerk)
    co = checkout.start_checkout(cart, settings=settings, uow=facet.uow(), actor=clerk)
    co = checkout.pay_cash(co, co.due, uow=facet.uow(), actor=clerk, sales=facet.store.sales)
    return checkout.complete_sale(co, uow=facet.uow(), actor=clerk, sales=facet.store.sales)


def _action(name: str, facet: app.Facet, clerk: Actor) -> Action:
    """The clerk's attempt at `name`, given an approver or None (set up so only approval is missing)."""
    settings = checkout.counter_settings(facet.store.directory, facet.terminal)
    cash.open_shift(Money(20000), uow=facet.uow(), actor=clerk)
    if name == "discount above the limit":
        cart = checkout.add_item(Cart(), _one(facet, "unique"), actor=clerk)
        return lambda approver: checkout.discount_line(cart, 0, Discount.of_percent(Decimal(30)), settings=settings,
                                                       actor=clerk, uow=facet.uow(), approver=approver,
                                                       reason="price match", confirmed=True)
    if name == "price override":
        cart = checkout.add_item(Cart(), _one(facet, "unique"), actor=clerk)
        return lambda approver: checkout.override_price(cart, 0, Money(1000), "price match", actor=clerk,
                                                        uow=facet.uow(), approver=approver)
    if name == "void":
        sold = _sold(facet, clerk, settings)
        return lambda approver: returns.void_sale(sold.sale_id, "rang up the wrong piece", uow=facet.uow(),
                                                  actor=clerk, sales=facet.store.sales,
                                                  timezone=settings.timezone, terminal=None, approver=approver)
    if name == "refund":
        sold = _sold(facet, clerk, settings)
        sale = returns.find_sale(sold.number, sales=facet.store.sales, actor=clerk, uow=facet.uow())
        co = checkout.start_checkout(returns.return_whole_sale(Cart(), sale, actor=clerk), settings=settings,
                                     uow=facet.uow(), actor=clerk)
        return lambda approver: checkout.refund_cash(co, -co.due, uow=facet.uow(), actor=clerk, approver=approver)
    if name == "no-sale drawer open":
        return lambda approver: cash.no_sale("change for the meter", uow=facet.uow(), actor=clerk, approver=approver)
    if name == "stock adjustment":
        item = _one(facet, "counted")
        return lambda approver: inventory.adjust_stock(item.id, -1, "broken clasp", uow=facet.uow(), actor=clerk,
                                                       approver=approver)
    raise AssertionError(name)


# action -> (the permission a clerk lacks, the audit event that names both people)
ACTIONS = {
    "discount above the limit": (Permission.DISCOUNT_ABOVE_LIMIT, "sale.discount_approved"),
    "price override": (Permission.OVERRIDE_PRICE, "sale.price_override_approved"),
    "void": (Permission.VOID_SALE, "sale.voided"),
    "refund": (Permission.REFUND, "sale.cash_refund_approved"),
    "no-sale drawer open": (Permission.OPEN_DRAWER, "shift.no_sale"),
    "stock adjustment": (Permission.ADJUST_STOCK, "stock.adjusted"),
}


def _last_seq(facet: app.Facet) -> int:
    return int(facet.connection().execute("SELECT max(seq) FROM audit_events").fetchone()[0])


def _failed_attempts(facet: app.Facet, staff_id: str) -> int:
    record = facet.store.directory.staff_member(staff_id)
    assert record is not None
    return record.failed_attempts


def _approve(facet: app.Facet, manager_id: str, pin: str, permission: Permission, terminal: str) -> Actor:
    return staff.approve(manager_id, pin, permission, reader=facet.store.directory, uow=facet.uow(), hasher=FAST_HASHER,
                         terminal=terminal)


@pytest.mark.parametrize("name", list(ACTIONS))
def test_a_clerk_needs_a_managers_pin_and_the_audit_names_both(demo_facet: app.Facet, name: str) -> None:
    permission, event = ACTIONS[name]
    clerk = actor_for(demo_facet, Role.CLERK)
    manager = actor_for(demo_facet, Role.MANAGER)
    assert manager.staff_id is not None
    act = _action(name, demo_facet, clerk)

    before = _last_seq(demo_facet)
    with pytest.raises(ApprovalNeeded) as asked:
        act(None)
    assert asked.value.permission is permission and "manager's approval" in str(asked.value)
    assert _last_seq(demo_facet) == before, "asking for approval writes nothing"

    failed_before = _failed_attempts(demo_facet, manager.staff_id)
    with pytest.raises(SignInFailed, match="Wrong PIN for"):
        _approve(demo_facet, manager.staff_id, "0000", permission, clerk.terminal)
    assert _failed_attempts(demo_facet, manager.staff_id) == failed_before + 1, "counts toward the lockout"

    approver = _approve(demo_facet, manager.staff_id, MANAGER_PIN, permission, clerk.terminal)
    act(approver)
    staff_id, role, approved_by = demo_facet.connection().execute(
        "SELECT staff_id, role, approved_by FROM audit_events WHERE action = ? ORDER BY seq DESC LIMIT 1",
        (event,)).fetchone()
    assert (staff_id, role, approved_by) == (clerk.staff_id, "clerk", manager.staff_id)


def test_a_manager_adjusts_stock_alone_and_no_approver_is_recorded(demo_facet: app.Facet) -> None:
    manager = actor_for(demo_facet, Role.MANAGER)
    item = _one(demo_facet, "counted")
    inventory.adjust_stock(item.id, 1, "found in the safe", uow=demo_facet.uow(), actor=manager)
    assert demo_facet.connection().execute(
        "SELECT staff_id, approved_by FROM audit_events WHERE action = 'stock.adjusted' ORDER BY seq DESC LIMIT 1"
    ).fetchone() == (manager.staff_id, None)


def test_another_clerk_cannot_approve_a_stock_adjustment(demo_facet: app.Facet) -> None:
    clerk = actor_for(demo_facet, Role.CLERK)
    other = next(s for s in demo_facet.store.directory.staff_list() if s.role is Role.CLERK and s.id != clerk.staff_id)
    with pytest.raises(PermissionDenied, match="cannot approve"):
        _approve(demo_facet, other.id, "3344", Permission.ADJUST_STOCK, clerk.terminal)


def test_an_appraiser_cannot_even_ask_for_a_stock_adjustment(demo_facet: app.Facet) -> None:
    appraiser, manager = actor_for(demo_facet, Role.APPRAISER), actor_for(demo_facet, Role.MANAGER)
    item = _one(demo_facet, "counted")
    with pytest.raises(PermissionDenied, match="An appraiser cannot count stock"):
        inventory.adjust_stock(item.id, -1, "lost", uow=demo_facet.uow(), actor=appraiser, approver=manager)
    assert demo_facet.connection().execute(
        "SELECT action, role FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone() == (
        "permission.refused", "appraiser")
