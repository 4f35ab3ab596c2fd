"""Stock reports for managers (services/reports.py) on the fakes: who sees them, and who sees cost in them."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from pos_app.domain.errors import PermissionDenied
from pos_app.domain.jewelry import Tracking
from pos_app.domain.permissions import Permission, Role
from pos_app.domain.store import store_today
from pos_app.services import reports
from tests.fakes.builders import actor, add_item, item_spec
from tests.fakes.inventory import FakeInventoryReader
from tests.fakes.uow import FakeUnitOfWork

MANAGER, CLERK = actor(Role.MANAGER), actor(Role.CLERK)
ZONE = "America/Chicago"
# A job token that may read stock reports and nothing else: it never sees what a piece cost.
REPORTS_ONLY = dataclasses.replace(actor(Role.OWNER), only=frozenset({Permission.VIEW_STOCK_REPORTS}))


def received(uow: FakeUnitOfWork, sku: str, days_ago: int, **kwargs: object) -> str:
    spec = dataclasses.replace(item_spec(sku, **kwargs),  # type: ignore[arg-type]
                               received_on=store_today(ZONE) - dt.timedelta(days=days_ago))
    return add_item(uow, spec)


def test_low_stock_lists_counted_items_at_or_below_their_reorder_point_with_cost_for_a_manager(
        uow: FakeUnitOfWork) -> None:
    low = dataclasses.replace(item_spec("BEAD", tracking=Tracking.COUNTED, quantity=2), reorder_point=2)
    plenty = dataclasses.replace(item_spec("CLASP", tracking=Tracking.COUNTED, quantity=9), reorder_point=2)
    add_item(uow, low)
    add_item(uow, plenty)
    rows = reports.low_stock(reader=FakeInventoryReader(uow.state), actor=MANAGER, uow=uow)
    assert [(r.item.sku, r.reorder_point, r.item.cost_cents) for r in rows] == [("BEAD", 2, 100_000)]


def test_a_reader_without_cost_permission_gets_the_reports_without_cost(uow: FakeUnitOfWork) -> None:
    add_item(uow, dataclasses.replace(item_spec("BEAD", tracking=Tracking.COUNTED, quantity=1), reorder_point=3))
    received(uow, "OLD", 400)
    reader = FakeInventoryReader(uow.state)
    assert [r.item.cost_cents for r in reports.low_stock(reader=reader, actor=REPORTS_ONLY, uow=uow)] == [None]
    aged = reports.aging(reader=reader, actor=REPORTS_ONLY, uow=uow, timezone=ZONE, min_days=365)
    assert [(r.item.sku, r.item.cost_cents) for r in aged] == [("OLD", None)]
    buckets = reports.aging_summary(reader=reader, actor=REPORTS_ONLY, uow=uow, timezone=ZONE)
    assert sum(b.cost_cents for b in buckets) == 0 and sum(b.retail_cents for b in buckets) > 0


def test_aging_lists_pieces_in_stock_longer_than_asked_oldest_first(uow: FakeUnitOfWork) -> None:
    received(uow, "NEW", 10)
    received(uow, "YEAR", 400)
    received(uow, "TWO", 800)
    rows = reports.aging(reader=FakeInventoryReader(uow.state), actor=MANAGER, uow=uow, timezone=ZONE, min_days=365)
    assert [(r.item.sku, r.days_in_stock) for r in rows] == [("TWO", 800), ("YEAR", 400)]


def test_the_aging_summary_buckets_pieces_by_age_with_retail_and_cost(uow: FakeUnitOfWork) -> None:
    received(uow, "NEW", 10, price_cents=1_000, cost_cents=400)
    received(uow, "OLD", 400, price_cents=5_000, cost_cents=2_000)
    buckets = reports.aging_summary(reader=FakeInventoryReader(uow.state), actor=MANAGER, uow=uow, timezone=ZONE)
    assert [(b.label, b.pieces, b.retail_cents, b.cost_cents) for b in buckets if b.pieces] == [
        ("0–90 days", 1, 1_000, 400), ("over 365 days", 1, 5_000, 2_000)]


@pytest.mark.parametrize("report", ["low_stock", "aging", "aging_summary"])
def test_a_clerk_does_not_see_stock_reports(uow: FakeUnitOfWork, report: str) -> None:
    extra = {} if report == "low_stock" else {"timezone": ZONE}
    with pytest.raises(PermissionDenied):
        getattr(reports, report)(reader=FakeInventoryReader(uow.state), actor=CLERK, uow=uow, **extra)
