"""The fakes of tests/fakes/ keep the SQLite repositories' contract: the same assertions run on both.

One parametrized test per faked repository. Each runs inside one unit of work
that is never committed, so the real store (one per module) is left as it was.
Where the database enforces an invariant (a SKU used once, stock never below
zero, a piece sold once, an active owner kept, a staff name used once), the
fake must raise the same domain error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pos_app import app
from pos_app.domain.errors import Conflict, ItemAlreadySold, NotEnoughStock, ValidationError
from pos_app.domain.jewelry import ItemStatus, Tracking
from pos_app.domain.permissions import Actor, Role
from pos_app.domain.staff import LAST_OWNER
from pos_app.services.ports.customers import CustomerFlags, NewCustomer
from pos_app.services.ports.uow import UnitOfWork
from pos_app.services.setup import parse_store_profile
from tests.conftest import FAST_HASHER, OWNER, STORE_FORM
from tests.fakes.builders import fake_store, item_spec

BACKENDS = ["fake", "sqlite"]


@pytest.fixture(scope="module")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[app.Facet]:
    folder: Path = tmp_path_factory.mktemp("contract") / "store"
    facet = app.create_facet(folder, parse_store_profile(STORE_FORM), OWNER, hasher=FAST_HASHER)
    yield facet
    facet.close()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, real_store: app.Facet) -> tuple[UnitOfWork, Actor]:
    """A unit of work of either kind, and the store's owner (the only one) as an actor."""
    if request.param == "fake":
        uow: UnitOfWork = fake_store()
        owner_id = "staff-owner"
    else:
        uow = real_store.uow()
        owner_id = next(s.id for s in real_store.directory().staff_list() if s.role is Role.OWNER)
    return uow, Actor(staff_id=owner_id, name=OWNER.name, role=Role.OWNER, terminal="C1")


def test_item_repository_contract(store: tuple[UnitOfWork, Actor]) -> None:
    uow, _ = store
    with uow:
        item_id = uow.items.add(item_spec("CT-1", barcode="0001112223"))
        record = uow.items.get(item_id)
        assert record is not None and record.spec.sku == "CT-1" and record.on_hand == 0
        assert uow.items.by_sku("CT-1") == record
        assert uow.items.id_for_barcode("0001112223") == item_id
        assert uow.items.barcode_owners(["0001112223", "nobody"]) == {"0001112223": item_id}
        uow.items.set_status(item_id, "on_hold")
        assert uow.items.get(item_id).spec.status is ItemStatus.ON_HOLD  # type: ignore[union-attr]
        assert [r.id for r in uow.items.get_many([item_id, "missing"])] == [item_id]
        assert uow.items.get("missing") is None and uow.items.by_sku("missing") is None
        with pytest.raises(ValidationError) as used:
            uow.items.add(item_spec("CT-1"))
        assert used.value.field == "sku"
    with uow:
        uow.items.add(item_spec("CT-2", barcode="0009998887"))
        with pytest.raises(ValidationError) as used:
            uow.items.add(item_spec("CT-3", barcode="0009998887"))
        assert used.value.field == "barcode"


def test_stock_ledger_contract(store: tuple[UnitOfWork, Actor]) -> None:
    uow, owner = store
    with uow:
        item_id = uow.items.add(item_spec("CT-S", tracking=Tracking.COUNTED, quantity=3))
        uow.stock.record(item_id, "receive", 3, actor=owner, reason="received")
        uow.stock.record(item_id, "adjustment", -1, actor=owner, reason="broken")
        assert uow.stock.on_hand(item_id) == 2
        assert uow.items.get(item_id).on_hand == 2  # type: ignore[union-attr]
        with pytest.raises(NotEnoughStock) as short:
            uow.stock.record(item_id, "adjustment", -3, actor=owner, reason="lost")
        assert (short.value.sku, short.value.on_hand, short.value.wanted) == ("CT-S", 2, 3)
        # A refusal ends the unit of work on the real store (the session must roll back): nothing more here.


def test_photo_repository_contract(store: tuple[UnitOfWork, Actor]) -> None:
    uow, _ = store
    with uow:
        item_id = uow.items.add(item_spec("CT-P"))
        first = uow.photos.add(item_id, b"\xff\xd8\xff one", "image/jpeg")
        second = uow.photos.add(item_id, b"\x89PNG two", "image/png")
        assert [(p.id, p.position, p.mime_type) for p in uow.photos.for_item(item_id)] == [
            (first, 0, "image/jpeg"), (second, 1, "image/png")]
        assert uow.photos.remove(first) == item_id
        assert uow.photos.remove(first) is None
        assert [p.id for p in uow.photos.for_item(item_id)] == [second]


def test_staff_repository_contract(store: tuple[UnitOfWork, Actor]) -> None:
    uow, owner = store
    assert owner.staff_id is not None
    with uow:
        nia = uow.staff.add(name="Nia Newhire", role=Role.CLERK, pin_hash="h", password_hash=None,
                            must_change_secret=True)
        found = uow.staff.by_name("  NIA   newhire ")
        assert found is not None and found.id == nia and found.must_change_secret and found.active
        at = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
        assert uow.staff.count_try(nia, at) == 1
        assert uow.staff.count_try(nia, at) == 2
        uow.staff.lock(nia, at + dt.timedelta(seconds=30))
        assert uow.staff.count_try(nia, at) is None  # locked: the try is refused, not counted
        assert uow.staff.get(nia).failed_attempts == 2  # type: ignore[union-attr]
        uow.staff.unlock(nia)
        assert uow.staff.get(nia).failed_attempts == 0  # type: ignore[union-attr]
        uow.staff.set_active(nia, False)
        assert uow.staff.count_try(nia, at) is None  # a leaver cannot try
        uow.staff.set_role(nia, Role.MANAGER)
        assert uow.staff.get(nia).role is Role.MANAGER  # type: ignore[union-attr]
        with pytest.raises(ValidationError) as taken:
            uow.staff.add(name="NIA NEWHIRE", role=Role.CLERK, pin_hash="h", password_hash=None)
        assert taken.value.field == "name"
    with uow:
        with pytest.raises(Conflict, match=LAST_OWNER):
            uow.staff.set_role(owner.staff_id, Role.MANAGER)
    with uow:
        with pytest.raises(Conflict, match=LAST_OWNER):
            uow.staff.set_active(owner.staff_id, False)


def test_access_repository_contract(store: tuple[UnitOfWork, Actor]) -> None:
    uow, owner = store
    assert owner.staff_id is not None
    at = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    with uow:
        sid = uow.access.add_session(staff_id=owner.staff_id, token_hash="t" * 64, os_user="olive", at=at,
                                     expires_at=at + dt.timedelta(minutes=15), ends_by=at + dt.timedelta(hours=12))
        found = uow.access.session_by_hash("t" * 64)
        assert found is not None and found.id == sid and found.staff_name == OWNER.name and found.ended_at is None
        uow.access.end_session(sid, at=at, reason="logged out")
        assert uow.access.session(sid).end_reason == "logged out"  # type: ignore[union-attr]
        assert uow.access.sessions(include_ended=False) == []
        job = uow.access.add_job(name="nightly", job="backup", token_hash="j" * 64, created_by=owner.staff_id, at=at)
        assert uow.access.live_job("nightly").id == job  # type: ignore[union-attr]
        uow.access.revoke_job(job, at=at, by=owner.staff_id)
        assert uow.access.live_job("nightly") is None
        assert uow.access.job_by_hash("j" * 64).revoked_at is not None  # type: ignore[union-attr]


def test_store_and_settings_repository_contract(store: tuple[UnitOfWork, Actor]) -> None:
    uow, _ = store
    with uow:
        profile = uow.store.get()
        assert profile is not None and profile.name == STORE_FORM["name"] and profile.tax_rate == "6.25"
        assert uow.store.has_sales() is False
        assert uow.settings.get("contract.missing", "default") == "default"
        uow.settings.set("contract.list", ["Case 1", "Safe"])
        assert uow.settings.get("contract.list") == ["Case 1", "Safe"]


def test_customer_repository_contract(store: tuple[UnitOfWork, Actor]) -> None:
    uow, owner = store
    today = dt.date(2026, 3, 1)
    with uow:
        cid = uow.customers.add(NewCustomer(first_name="Ruby", last_name="Stone", email="ruby@example.com",
                                            phone=None, billing_address="2 Elm St"))
        assert uow.customers.name_and_address(cid) == ("Ruby Stone", "2 Elm St")
        assert uow.customers.privacy_flags(cid) == CustomerFlags(False, False, False, has_email=True, has_phone=False)
        uow.customers.set_privacy_flags(cid, CustomerFlags(True, True, False))
        flags = uow.customers.privacy_flags(cid)
        assert flags is not None and (flags.do_not_sell, flags.restricted, flags.has_email) == (True, True, True)
        uow.customers.update(cid, {"phone": "+12175550100"})
        assert uow.customers.current_values(cid, ["phone", "email"]) == {"phone": "+12175550100",
                                                                         "email": "ruby@example.com"}
        assert uow.customers.privacy_flags("missing") is None
        before = len(uow.customers.policy_versions())
        v = uow.customers.add_policy_version(before + 1, today, "Policy text")
        assert uow.customers.policy_versions()[-1] == (v, before + 1, today, "Policy text")
        assert uow.customers.policy_in_force(today) == v
        assert uow.customers.policy_in_force(dt.date(2000, 1, 1)) is None
        assert uow.customers.add_consent(cid, "marketing_email", True, channel="counter", policy_version_id=v,
                                         staff_id=owner.staff_id)


def test_privacy_request_repository_contract(store: tuple[UnitOfWork, Actor]) -> None:
    uow, owner = store
    assert owner.staff_id is not None
    on = dt.date(2026, 3, 1)
    at = dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC)
    with uow:
        cid = uow.customers.add(NewCustomer(first_name="Ruby", last_name="Stone", email="r@example.com", phone=None))
        rid = uow.privacy.add(customer_id=cid, type="access", channel="email", received_on=on,
                              due_on=on + dt.timedelta(days=30))
        record = uow.privacy.get(rid)
        assert record is not None and (record.status, record.customer_id, record.due_on) == (
            "received", cid, dt.date(2026, 3, 31))
        uow.privacy.set_verification(rid, method="in_person_id", staff_id=owner.staff_id, at=at)
        uow.privacy.extend(rid, due_on=dt.date(2026, 5, 15), reason="many records", told_on=on)
        assert uow.privacy.export_of(rid) is None
        uow.privacy.set_export_sha256(rid, "a" * 64, "/exports/x.zip")
        assert uow.privacy.export_of(rid) == _ref(rid, "/exports/x.zip", "a" * 64)
        uow.privacy.forget_export_file(rid)
        assert uow.privacy.export_of(rid) == _ref(rid, None, "a" * 64)
        uow.privacy.close(rid, status="completed", outcome="sent", at=at)
        record = uow.privacy.get(rid)
        assert record is not None
        assert (record.status, record.verified_by, record.due_on, record.extension_reason, record.outcome) == (
            "completed", owner.staff_id, dt.date(2026, 5, 15), "many records", "sent")
        assert uow.privacy.get("missing") is None


def _ref(request_id: str, path: str | None, sha: str) -> Any:
    from pos_app.services.ports.privacy import ExportRef

    return ExportRef(request_id, path, sha)


def test_checkout_journal_contract(store: tuple[UnitOfWork, Actor]) -> None:
    from decimal import Decimal

    from pos_app.domain.cart import Cart, CartLine, cash_tender
    from pos_app.domain.checkout import Checkout
    from pos_app.domain.money import Money

    uow, owner = store
    cart = Cart(currency="USD", lines=(CartLine(item_id="i-1", sku="CT-J", description="Pendant", quantity=1,
                                                unit_price=Money(10_000), list_price=Money(10_000), unique=True),))
    co = Checkout.start("co-1", cart, Decimal("8.875"))
    with uow:
        uow.checkouts.save(co, terminal="CT", staff_id=owner.staff_id)
        assert [e.checkout.id for e in uow.checkouts.open_on("CT")] == ["co-1"]
        assert uow.checkouts.open_on("C9") == []
        paid = co.tender_added(cash_tender(co.due, co.due))
        uow.checkouts.save(paid, terminal="C9", staff_id=owner.staff_id)  # saved again: keeps its counter
        entry = uow.checkouts.get("co-1")
        assert entry is not None and (entry.terminal, entry.staff_id) == ("CT", owner.staff_id)
        assert entry.checkout == paid and entry.checkout.tax_rate == Decimal("8.875")
        uow.checkouts.save(paid.abandoned(), terminal="CT", staff_id=owner.staff_id)
        assert uow.checkouts.open_on("CT") == [] and uow.checkouts.get("missing") is None


def test_counter_repository_contract(store: tuple[UnitOfWork, Actor]) -> None:
    uow, owner = store
    with uow:
        piece = uow.items.add(item_spec("CT-U"))
        uow.stock.record(piece, "receive", 1, actor=owner)
        counted = uow.items.add(item_spec("CT-C", tracking=Tracking.COUNTED, quantity=2))
        uow.stock.record(counted, "receive", 2, actor=owner)
        assert uow.counter.items_for_sale([piece, counted, "missing"]) == {
            piece: ("available", "unique", 1), counted: ("available", "counted", 2)}
        first = uow.counter.next_sale_number("CT")
        assert uow.counter.next_sale_number("CT") == first + 1
        park = uow.counter.park(terminal="CT", staff_id=owner.staff_id, customer_id=None, label="Ruby",
                                cart={"lines": [1]})
        assert uow.counter.take_parked(park) == {"lines": [1]}
        assert uow.counter.take_parked(park) is None
        assert uow.counter.open_shift_id("CT") is None
        shift = uow.counter.open_shift(terminal="CT", staff_id=owner.staff_id, float_cents=10_000, currency="USD")
        assert uow.counter.open_shift_id("CT") == shift
        uow.counter.record_moves([(counted, "sale", -2)], reference="CT-000001", actor=owner)
        assert uow.stock.on_hand(counted) == 0
        with pytest.raises(NotEnoughStock):
            uow.counter.record_moves([(counted, "sale", -1)], reference="CT-000002", actor=owner)
    with uow:
        piece = uow.items.add(item_spec("CT-U2"))
        uow.counter.set_statuses([(piece, "sold")])
        assert uow.items.get(piece).spec.status is ItemStatus.SOLD  # type: ignore[union-attr]
        with pytest.raises(ItemAlreadySold) as twice:
            uow.counter.set_statuses([(piece, "sold")])
        assert twice.value.sku == "CT-U2"


def test_audit_log_contract(store: tuple[UnitOfWork, Actor]) -> None:
    """Both keep an event with what it was given (the fake's list, the real trail's row)."""
    uow, owner = store
    with uow:
        uow.audit.record(owner, "contract.checked", entity_type="item", entity_id="x", summary={"n": 1},
                         approved_by=owner.staff_id)
        assert _last_event(uow) == ("contract.checked", "item", "x", {"n": 1}, owner.staff_id, owner.name)


def _last_event(uow: UnitOfWork) -> tuple[Any, ...]:
    from tests.fakes.uow import FakeUnitOfWork

    if isinstance(uow, FakeUnitOfWork):
        e = uow.events[-1]
        return (e.action, e.entity_type, e.entity_id, e.summary, e.approved_by, e.actor.name)
    import json

    from sqlalchemy import text

    session = uow.session  # type: ignore[attr-defined]
    row = session.execute(text("SELECT action, entity_type, entity_id, summary, approved_by, actor_name "
                               "FROM audit_events ORDER BY seq DESC LIMIT 1")).one()
    summary = json.loads(row[3]) if isinstance(row[3], str) else row[3]
    return (row[0], row[1], row[2], summary, row[4], row[5])


def test_count_repository_contract(store: tuple[UnitOfWork, Actor]) -> None:
    uow, owner = store
    with uow:
        count = uow.counts.start("Case 1", owner)
        item_id = uow.items.add(item_spec("CT-K"))
        uow.counts.add_scan(count, "CT-K", item_id)
        uow.counts.add_scan(count, "UNKNOWN-1", None)
        record = uow.counts.get(count)
        assert record is not None and (record.location, record.status) == ("Case 1", "open")
        assert [(s.code, s.item_id, s.quantity) for s in record.scans] == [("CT-K", item_id, 1), ("UNKNOWN-1", None, 1)]
        undone = uow.counts.remove_last_scan(count)
        assert undone is not None and undone.code == "UNKNOWN-1"
        uow.counts.close(count, "cancelled", owner)
        assert uow.counts.get(count).status == "cancelled"  # type: ignore[union-attr]
        assert uow.counts.get("missing") is None


def test_inventory_reader_contract(request: pytest.FixtureRequest, store: tuple[UnitOfWork, Actor]) -> None:
    """The reader sees what was committed (each backend gets its own items, committed once)."""
    from pos_app.services.ports.inventory import InventoryFilter, InventoryReader
    from tests.fakes.inventory import FakeInventoryReader
    from tests.fakes.uow import FakeUnitOfWork

    uow, owner = store
    with uow:
        a = uow.items.add(dataclasses.replace(item_spec("RD-A", price_cents=10_000), title="Rose bezel necklace"))
        b = uow.items.add(dataclasses.replace(item_spec("RD-B", tracking=Tracking.COUNTED, quantity=5,
                                                        barcode="RDB123", price_cents=2_000), location="Safe",
                                              reorder_point=6))
        uow.stock.record(a, "receive", 1, actor=owner, reason="received")
        uow.stock.record(b, "receive", 5, actor=owner, reason="received")
        uow.commit()
    reader: InventoryReader
    if isinstance(uow, FakeUnitOfWork):
        reader = FakeInventoryReader(uow.state)
    else:
        reader = request.getfixturevalue("real_store").inventory_reader()
    ours = InventoryFilter(text="RD")
    assert [r.sku for r in reader.rows(reader.item_seqs(ours))] == ["RD-A", "RD-B"]
    assert [r.sku for r in reader.rows(reader.item_seqs(ours, "price", descending=False))] == ["RD-B", "RD-A"]
    assert [r.sku for r in reader.rows(reader.page_seqs(ours, "sku", True, 0, 1))] == ["RD-B"]
    assert reader.count(InventoryFilter(text="RD", locations=("Safe",))) == 1
    assert [r.sku for r in reader.search("rose", 10)] == ["RD-A"]
    assert reader.lookup_code("RDB123").sku == "RD-B"  # type: ignore[union-attr]
    assert reader.lookup_code(" RD-A ").sku == "RD-A"  # type: ignore[union-attr]
    assert reader.lookup_code("NOTHING-HERE") is None
    assert [(r.sku, r.on_hand) for r in reader.rows_by_ids([b, "missing", a])] == [("RD-B", 5), ("RD-A", 1)]
    assert [(x.item.sku, x.reorder_point) for x in reader.low_stock() if x.item.sku.startswith("RD")] == [("RD-B", 6)]
    [move] = reader.history(b)
    assert (move.kind, move.quantity, move.staff_name, move.terminal) == ("receive", 5, OWNER.name, "C1")
    long_ago = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    assert [r.on_hand for r in reader.rows_as_of([a], long_ago)] == [0]
    assert [r.sku for r in reader.expected_at("Safe") if r.sku.startswith("RD")] == ["RD-B"]
    assert [r.sku for r in reader.expected_at("Safe", as_of=long_ago)] == []
    aged = [x for x in reader.aging(dt.date(2026, 3, 1)) if x.item.sku.startswith("RD")]
    assert [(x.item.sku, x.days_in_stock) for x in aged] == [("RD-A", 55), ("RD-B", 55)]
    assert ("RD-A", 1) in [(spec.sku, n) for spec, n in reader.iter_specs()]
