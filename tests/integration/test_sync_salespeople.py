"""A sale shared by salespeople at one counter reaches the other counter of the store with its shares, through
the real central PostgreSQL (`two_counters_copy`, tests/sync_groups.py)."""

from __future__ import annotations

from pos_app import app
from pos_app.domain.cart import Cart
from pos_app.domain.permissions import Role
from pos_app.services import checkout
from tests.conftest import actor_for
from tests.integration.sync_helpers import available, clerk_at, rows, sell_cart, sync_now
from tests.sync_groups import CopiedGroup


def test_a_shared_sale_reaches_the_other_counter_with_its_salespeople(two_counters_copy: CopiedGroup) -> None:
    second = app.open_facet(two_counters_copy.folders["second"])
    try:
        clerk, manager = clerk_at(second), actor_for(second, Role.MANAGER)
        piece = second.store.inventory.rows_by_ids(available(second))[0]
        cart = checkout.add_item(Cart(), piece, actor=clerk)
        cart = checkout.share_sale(cart, [(clerk.staff_id, "70"), (manager.staff_id, "30")],
                                   directory=second.store.directory, actor=clerk)
        sale = sell_cart(second, cart, actor=clerk)
        pushed = sync_now(second)
        assert pushed.quarantined == 0
    finally:
        second.close()
    first = app.open_facet(two_counters_copy.folders["first"])
    try:
        sync_now(first)
        assert rows(first, "SELECT staff_id, position, share_from_bp, share_to_bp FROM sale_credits "
                           "WHERE sale_id = ? ORDER BY position", sale.sale_id) == [
            (clerk.staff_id, 0, 0, 7000), (manager.staff_id, 1, 7000, 10000)]
    finally:
        first.close()
