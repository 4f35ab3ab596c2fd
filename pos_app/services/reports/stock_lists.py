"""Stock reports for managers: what to reorder, and what has sat too long.

*Low stock*: counted items at or below their reorder point. *Aging*: pieces
in stock by how long since they were received; fine jewelry that sits over a
year ties up money and is a candidate for a promotion or a return to the
vendor.
"""

from __future__ import annotations

import dataclasses

from pos_app.domain.permissions import Actor, Permission
from pos_app.domain.store import store_today
from pos_app.services.guard import requires
from pos_app.services.ports.inventory import AgingBucket, AgingRow, InventoryReader, LowStockRow
from pos_app.services.ports.uow import UnitOfWork


def _hide_cost(actor: Actor, row):  # type: ignore[no-untyped-def]
    if actor.can(Permission.VIEW_COST):
        return row
    return dataclasses.replace(row, item=dataclasses.replace(row.item, cost_cents=None))


@requires(Permission.VIEW_STOCK_REPORTS)
def low_stock(*, reader: InventoryReader, actor: Actor, uow: UnitOfWork) -> list[LowStockRow]:
    return [_hide_cost(actor, row) for row in reader.low_stock()]


@requires(Permission.VIEW_STOCK_REPORTS)
def aging(*, reader: InventoryReader, actor: Actor, uow: UnitOfWork, timezone: str, min_days: int = 0,
          limit: int = 1000) -> list[AgingRow]:
    """Pieces in stock `min_days` or longer, oldest first."""
    return [_hide_cost(actor, row) for row in reader.aging(store_today(timezone), min_days, limit)]


@requires(Permission.VIEW_STOCK_REPORTS)
def aging_summary(*, reader: InventoryReader, actor: Actor, uow: UnitOfWork, timezone: str) -> list[AgingBucket]:
    buckets = reader.aging_buckets(store_today(timezone))
    if actor.can(Permission.VIEW_COST):
        return buckets
    return [dataclasses.replace(b, cost_cents=0) for b in buckets]
