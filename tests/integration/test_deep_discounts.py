"""A discount past the clerk's limit, or one that gives a piece away, carries a reason and a confirmation."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from pos_app import app
from pos_app.domain.cart import Cart, Discount
from pos_app.domain.errors import ValidationError
from pos_app.domain.permissions import Actor
from pos_app.services import checkout
from pos_app.services.guard import ApprovalNeeded
from tests.conftest import available_unique_piece, last_audit_event


def _piece(facet: app.Facet) -> object:
    return available_unique_piece(facet)


def test_a_free_piece_needs_a_reason_and_a_confirmation_even_from_a_manager_and_the_line_keeps_it(
        demo_facet: app.Facet, manager: Actor, shift: str, settings: checkout.CounterSettings) -> None:
    cart = checkout.add_item(Cart(), _piece(demo_facet), actor=manager)
    free = Discount.of_percent(Decimal(100))
    with pytest.raises(ValidationError) as missing:
        checkout.discount_line(cart, 0, free, settings=settings, actor=manager, uow=demo_facet.uow())
    assert missing.value.field == "reason"
    with pytest.raises(checkout.DiscountToConfirm, match=r"sold for \$0\.00\. Reason: damaged clasp, replaced"):
        checkout.discount_line(cart, 0, free, settings=settings, actor=manager, uow=demo_facet.uow(),
                               reason="damaged clasp, replaced")
    given = checkout.discount_line(cart, 0, free, settings=settings, actor=manager, uow=demo_facet.uow(),
                                   reason="damaged clasp, replaced", confirmed=True)
    assert given.lines[0].discount is not None and given.lines[0].discount.reason == "damaged clasp, replaced"

    last = last_audit_event(demo_facet)
    action, summary = last.action, last.summary
    assert action == "sale.deep_discount_given"
    assert json.loads(summary)["with_reason"] is True  # the free text stays with the sale, never in the trail
    assert "clasp" not in summary

    co = checkout.start_checkout(given, settings=settings, uow=demo_facet.uow(), actor=manager)
    done = checkout.complete_sale(co, uow=demo_facet.uow(), actor=manager, sales=demo_facet.store.sales)
    conn = demo_facet.connection()  # the line's reason is in no reader: it is kept for an erasure to search
    kept = conn.execute("SELECT discount_reason, total_cents FROM sale_lines WHERE sale_id = ?",
                        (done.sale_id,)).fetchone()
    conn.close()
    assert kept == ("100% off: damaged clasp, replaced", 0)


def test_a_discount_within_the_clerks_limit_asks_nothing(demo_facet: app.Facet, clerk: Actor,
                                                         settings: checkout.CounterSettings) -> None:
    cart = checkout.add_item(Cart(), _piece(demo_facet), actor=clerk)
    small = checkout.discount_line(cart, 0, Discount.of_percent(settings.clerk_discount_limit), settings=settings,
                                   actor=clerk, uow=demo_facet.uow())
    assert small.lines[0].discount is not None and small.lines[0].discount.reason == ""


def test_a_deep_order_discount_asks_why_then_a_manager_and_the_approval_keeps_the_reason(
        demo_facet: app.Facet, clerk: Actor, manager: Actor, settings: checkout.CounterSettings) -> None:
    cart = checkout.add_item(Cart(), _piece(demo_facet), actor=clerk)
    deep = Discount.of_percent(Decimal(40))
    with pytest.raises(ValidationError, match="the whole sale goes 40% off"):
        checkout.discount_order(cart, deep, settings=settings, actor=clerk, uow=demo_facet.uow())
    with pytest.raises(ApprovalNeeded):
        checkout.discount_order(cart, deep, settings=settings, actor=clerk, uow=demo_facet.uow(),
                                reason="estate buyer", confirmed=True)
    given = checkout.discount_order(cart, deep, settings=settings, actor=clerk, uow=demo_facet.uow(),
                                    reason="estate buyer", confirmed=True, approver=manager)
    assert given.order_discount_approved_by == manager.staff_id
    conn = demo_facet.connection()
    action, summary, approved_by = conn.execute(
        "SELECT action, summary, approved_by FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
    conn.close()
    assert action == "sale.discount_approved" and approved_by == manager.staff_id
    assert json.loads(summary)["with_reason"] is True and "estate" not in summary
