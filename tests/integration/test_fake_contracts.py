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
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pos_app import app
from pos_app.domain.errors import Conflict, CustomerErased, ItemAlreadySold, NotEnoughStock, ValidationError
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
        owner_id = next(s.id for s in real_store.store.directory.staff_list() if s.role is Role.OWNER)
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


def _journal_of(checkout_id: str, *, customer_id: str | None = None, customer_name: str = "") -> Any:
    """A checkout journal just opened for a one-line cart (of a customer, if given), at 8.875%."""
    from decimal import Decimal

    from pos_app.domain.cart import Cart, CartLine
    from pos_app.domain.checkout import Checkout
    from pos_app.domain.money import Money

    cart = Cart(currency="USD", customer_id=customer_id, customer_name=customer_name,
                lines=(CartLine(item_id="i-1", sku="CT-J", description="Pendant", quantity=1,
                                unit_price=Money(10_000), list_price=Money(10_000), unique=True),))
    return Checkout.start(checkout_id, cart, Decimal("8.875"))


def test_checkout_journal_contract(store: tuple[UnitOfWork, Actor]) -> None:
    from decimal import Decimal

    from pos_app.domain.cart import cash_tender

    uow, owner = store
    co = _journal_of("co-1")
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


def test_counter_refuses_a_sale_naming_an_erased_customer_contract(store: tuple[UnitOfWork, Actor]) -> None:
    """Migration 0017's trigger, and the fake: the refused sale writes nothing; the same sale without the
    customer is written."""
    from pos_app.services.ports.sales import NewPayment, NewSale, NewSaleLine

    uow, owner = store
    assert owner.staff_id is not None
    at = dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC)
    with uow:
        gone = uow.customers.add(NewCustomer(first_name="Opal", last_name="Gone", email="opal@example.com",
                                             phone=None))
        uow.customers.update(gone, {"erased_at": at})
        beads = uow.items.add(item_spec("CE-BEAD", tracking=Tracking.COUNTED, quantity=2))
        uow.stock.record(beads, "receive", 2, actor=owner)

        def sale(number: str, customer_id: str | None) -> NewSale:
            return NewSale(number=number, terminal="CE", staff_id=owner.staff_id or "", customer_id=customer_id,
                           currency="USD", completed_at=at, lines=(NewSaleLine(beads, "CE-BEAD", "Beads", 1, 1_000,
                                                                               0, 0),),
                           payments=(NewPayment("cash", 1_000),))

        with pytest.raises(CustomerErased, match="erased at their request"):
            uow.counter.write_sale(sale("CE-000001", gone), actor=owner, action=None)
        assert uow.stock.on_hand(beads) == 2
        uow.counter.write_sale(sale("CE-000002", None), actor=owner, action=None)
        assert uow.stock.on_hand(beads) == 1


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
        reader = request.getfixturevalue("real_store").store.inventory
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


# ------------------------------------------------------------ sales, card refunds, certificates

def _reader_of(request: pytest.FixtureRequest, uow: UnitOfWork, which: str) -> Any:
    """The reader `which` ("sales", "certificates", "appraisals", "customers", "audit") over what `uow` committed, of the same backend."""
    from tests.fakes.store import FakeStore
    from tests.fakes.uow import FakeUnitOfWork

    if isinstance(uow, FakeUnitOfWork):
        return getattr(FakeStore(uow.state), which)
    real: app.Facet = request.getfixturevalue("real_store")
    return getattr(real.store, which)


def test_sales_reader_contract(request: pytest.FixtureRequest, store: tuple[UnitOfWork, Actor]) -> None:
    """A sale the counter wrote reads back as written; a void's refund rows belong to it; cash is summed per
    customer."""
    from pos_app.services.ports.sales import NewPayment, NewSale, NewSaleLine, SalesReader

    uow, owner = store
    assert owner.staff_id is not None
    at = dt.datetime(2026, 3, 2, 15, 30, tzinfo=dt.UTC)
    with uow:
        ring = uow.items.add(item_spec("SR-RING"))
        beads = uow.items.add(item_spec("SR-BEAD", tracking=Tracking.COUNTED, quantity=10, price_cents=1_000))
        uow.stock.record(ring, "receive", 1, actor=owner)
        uow.stock.record(beads, "receive", 10, actor=owner)
        cid = uow.customers.add(NewCustomer(first_name="Ruby", last_name="Stone", email=None, phone=None))
        sold = uow.counter.write_sale(NewSale(
            number="SR-000001", terminal="SR", staff_id=owner.staff_id, customer_id=cid, currency="USD",
            completed_at=at, tax_rate="6.25",
            lines=(NewSaleLine(ring, "SR-RING", "Ring", 1, 250_000, 10_000, 15_000),
                   NewSaleLine(beads, "SR-BEAD", "Beads", 3, 1_000, 0, 188)),
            payments=(NewPayment("cash", 200_000), NewPayment("card", 58_188, payment_intent_id="pi_sr_1",
                                                              card_brand="visa", card_last4="4242"))), actor=owner, action=None)
        voided = uow.counter.write_sale(NewSale(
            number="SR-000002", terminal="SR", staff_id=owner.staff_id, customer_id=cid, currency="USD",
            completed_at=at + dt.timedelta(hours=1), lines=(NewSaleLine(beads, "SR-BEAD", "Beads", 1, 1_000, 0, 0),),
            payments=(NewPayment("cash", 1_000),)), actor=owner, action=None)
        uow.counter.void_sale(voided, by=owner.staff_id, reason="rang twice", at=at + dt.timedelta(hours=2))
        uow.counter.add_refund_payment(voided, NewPayment("cash", -1_000))
        uow.commit()
    reader: SalesReader = _reader_of(request, uow, "sales")
    assert reader.sale_id_for_number(" sr-000001 ") == sold
    assert reader.sale_id_for_number("SR-999999") is None and reader.sale("missing") is None
    detail = reader.sale(sold)
    assert detail is not None
    assert (detail.number, detail.terminal, detail.kind, detail.status, detail.completed_at, detail.clerk,
            detail.customer, detail.customer_id, detail.shift_id, detail.original_number) == (
        "SR-000001", "SR", "sale", "completed", at, OWNER.name, "Ruby Stone", cid, None, None)
    assert (detail.subtotal_cents, detail.discount_cents, detail.tax_cents, detail.total_cents) == (
        253_000, 10_000, 15_188, 258_188)
    assert [(x.position, x.sku, x.quantity, x.net_cents, x.total_cents, x.returned, x.unique, x.returns_line_id)
            for x in detail.lines] == [(1, "SR-RING", 1, 240_000, 255_000, 0, True, None),
                                       (2, "SR-BEAD", 3, 3_000, 3_188, 0, False, None)]
    assert [(p.tender, p.amount_cents, p.payment_intent_id, p.card_last4) for p in detail.payments] == [
        ("cash", 200_000, None, None), ("card", 58_188, "pi_sr_1", "4242")]
    undone = reader.sale(voided)
    assert undone is not None and undone.status == "voided"
    assert [p.amount_cents for p in undone.payments] == [1_000, -1_000]
    # Form 8300's sum: cash of completed sales only (the voided one is not counted, nor its refund).
    assert reader.customer_cash_since(cid, at - dt.timedelta(days=1)) == 200_000
    assert reader.customer_cash_since(cid, at + dt.timedelta(minutes=1)) == 0
    assert reader.refunded_by_payment_intent(["pi_sr_1"]) == {}
    listed = [s for s in reader.sales(since=at - dt.timedelta(days=1), until=at + dt.timedelta(days=1))
              if s.number.startswith("SR-")]
    assert [(s.number, s.status, s.tenders, s.customer) for s in listed] == [
        ("SR-000002", "voided", "cash", "Ruby Stone"), ("SR-000001", "completed", "card, cash", "Ruby Stone")]
    assert [c.name for c in reader.find_customers("rub") if c.id == cid] == ["Ruby Stone"]
    assert reader.customer(cid) is not None and reader.customer("missing") is None


def test_sales_reader_shift_contract(request: pytest.FixtureRequest, store: tuple[UnitOfWork, Actor]) -> None:
    """A shift reads back open, its cash movements add up by kind, and it closes with its variance."""
    from pos_app.services.ports.sales import SalesReader

    uow, owner = store
    with uow:
        shift = uow.counter.open_shift(terminal="SH", staff_id=owner.staff_id, float_cents=20_000, currency="USD")
        uow.counter.add_cash_movement(shift, kind="paid_in", amount_cents=5_000, reason="bank", staff_id=owner.staff_id,
                                      approved_by=None)
        uow.counter.add_cash_movement(shift, kind="paid_out", amount_cents=1_500, reason="courier",
                                      staff_id=owner.staff_id, approved_by=owner.staff_id)
        for _ in range(2):
            uow.counter.add_cash_movement(shift, kind="no_sale", amount_cents=0, reason="no sale",
                                          staff_id=owner.staff_id, approved_by=None)
        uow.commit()
    reader: SalesReader = _reader_of(request, uow, "sales")
    opened = reader.open_shift("SH")
    assert opened is not None and (opened.id, opened.float_cents, opened.status, opened.opened_by) == (
        shift, 20_000, "open", owner.staff_id)
    assert reader.open_shift("NOWHERE") is None
    f = reader.shift_figures(shift)
    assert (f.paid_in, f.paid_out, f.no_sales, f.sales, f.cash_in, f.gross_sales, f.net_sales) == (
        5_000, 1_500, 2, 0, 0, 0, 0)
    with uow:
        uow.counter.close_shift(shift, staff_id=owner.staff_id, counted={"10000": 2}, counted_cents=20_000,
                                expected_cents=23_500, z_report=[["Float", "$200.00"]])
        uow.commit()
    closed = reader.shift(shift)
    assert closed is not None and (closed.status, closed.counted_cents, closed.variance_cents, closed.z_report) == (
        "closed", 20_000, -3_500, (("Float", "$200.00"),))
    assert reader.open_shift("SH") is None


def test_card_refund_repository_contract(store: tuple[UnitOfWork, Actor]) -> None:
    """One row per Stripe refund; pending needs asking again; a failed one waits until someone pays it back."""
    from pos_app.services.ports.sales import NewPayment, NewSale, NewSaleLine

    uow, owner = store
    assert owner.staff_id is not None
    at = dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC)
    with uow:
        piece = uow.items.add(item_spec("CR-1"))
        uow.stock.record(piece, "receive", 1, actor=owner)
        sale = uow.counter.write_sale(NewSale(
            number="CR-000001", terminal="CR", staff_id=owner.staff_id, customer_id=None, currency="USD",
            completed_at=at, lines=(NewSaleLine(piece, "CR-1", "Ring", 1, 5_000, 0, 0),),
            payments=(NewPayment("card", 5_000, payment_intent_id="pi_cr"),)), actor=owner, action=None)
        args: dict[str, Any] = {"payment_intent_id": "pi_cr", "amount_cents": 5_000, "currency": "USD",
                                "card_brand": "visa", "card_last4": "4242", "reason": "void_sale", "terminal": "CR",
                                "staff_id": owner.staff_id, "sale_id": sale}
        row = uow.card_refunds.record(refund_id="re_cr_1", status="pending", failure_reason=None, **args)
        assert uow.card_refunds.record(refund_id="re_cr_1", status="pending", failure_reason=None, **args) == row
        done = uow.card_refunds.record(refund_id="re_cr_2", status="succeeded", failure_reason=None, **args)
        ours = {"re_cr_1", "re_cr_2"}
        assert [r.refund_id for r in uow.card_refunds.unsettled() if r.refund_id in ours] == ["re_cr_1"]
        assert [r.refund_id for r in uow.card_refunds.needing_attention() if r.refund_id in ours] == ["re_cr_1"]
        uow.card_refunds.set_status("re_cr_1", "failed", "expired_or_canceled_card", at=at)
        failed = uow.card_refunds.get(row)
        assert failed is not None and (failed.status, failed.failure_reason, failed.sale_number, failed.amount_cents) \
            == ("failed", "expired_or_canceled_card", "CR-000001", 5_000)
        assert [r.refund_id for r in uow.card_refunds.unsettled() if r.refund_id in ours] == []
        assert [r.refund_id for r in uow.card_refunds.needing_attention() if r.refund_id in ours] == ["re_cr_1"]
        uow.card_refunds.mark_handled(row, by=owner.staff_id, how="paid $50.00 in cash", at=at)
        handled = uow.card_refunds.get(row)
        assert handled is not None and (handled.handled_at, handled.handled_how) == (at, "paid $50.00 in cash")
        assert [r.refund_id for r in uow.card_refunds.needing_attention() if r.refund_id in ours] == []
        assert uow.card_refunds.get(done).status == "succeeded"  # type: ignore[union-attr]
        assert uow.card_refunds.get("missing") is None


def test_certificate_repository_and_reader_contract(request: pytest.FixtureRequest,
                                                    store: tuple[UnitOfWork, Actor]) -> None:
    """A report number may be recorded twice (a re-check); the reader lists it as a duplicate."""
    from pos_app.services.ports.certificates import CertificateReader

    uow, _ = store
    values: dict[str, Any] = {"lab": "GIA", "report_number": "2141230001", "report_date": dt.date(2025, 5, 1),
                              "carat_points": 101, "origin": "natural", "retain_until": None}
    with uow:
        item_id = uow.items.add(item_spec("CE-1"))
        first = uow.certificates.add({**values, "item_id": item_id})
        assert uow.certificates.same_report("GIA", "2141230001") == [(first, item_id, None)]
        second = uow.certificates.add({**values, "report_number": "2141230001"})
        assert {c[0] for c in uow.certificates.same_report("GIA", "2141230001")} == {first, second}
        assert uow.certificates.same_report("IGI", "2141230001") == []
        lone = uow.certificates.add({**values, "report_number": "2141230002"})
        uow.certificates.set_scan(lone, b"%PDF-1.4 scan", "application/pdf")
        record = uow.certificates.get(lone)
        assert record is not None and (record.scan, record.scan_mime_type, record.report_date, record.item_id) == (
            b"%PDF-1.4 scan", "application/pdf", dt.date(2025, 5, 1), None)
        assert uow.certificates.get("missing") is None
        uow.commit()
    reader: CertificateReader = _reader_of(request, uow, "certificates")
    ours = [r for r in reader.certificates(search="21412300") if r.report_number.startswith("21412300")]
    assert sorted((r.report_number, r.item_sku or "", r.has_scan) for r in ours) == [
        ("2141230001", "", False), ("2141230001", "CE-1", False), ("2141230002", "", True)]
    assert [r.id for r in reader.certificates(search="CE-1")] == [first]
    assert {r.id for r in reader.certificates(search="21412300", duplicates_only=True)} == {first, second}
    [dup] = [d for d in reader.duplicates() if d.report_number == "2141230001"]
    assert (dup.lab, [c.id for c in dup.certificates]) == ("GIA", [first, second])


def test_appraisal_repository_and_reader_contract(request: pytest.FixtureRequest,
                                                  store: tuple[UnitOfWork, Actor]) -> None:
    """Numbers per year, versions superseding, photos in order and copied, finalizing keeps who signed."""
    from pos_app.domain.appraisals import parse_appraisal
    from pos_app.services.ports.appraisals import AppraisalReader

    uow, owner = store
    spec = parse_appraisal({"description": "Platinum solitaire ring", "value": "5200"}, [], currency="USD",
                           today=dt.date(2031, 3, 1))
    changed = parse_appraisal({"description": "Platinum solitaire, 1.01 ct", "value": "5400"}, [], currency="USD",
                              today=dt.date(2031, 3, 1))
    at = dt.datetime(2031, 3, 1, 15, tzinfo=dt.UTC)
    with uow:
        item_id = uow.items.add(item_spec("AP-RING"))
        uow.items.add(item_spec("AP-OTHER"))
        first = uow.appraisals.next_number(2031)
        assert uow.appraisals.next_number(2031) == first + 1
        number = f"AP-2031-{first:04d}"
        v1 = uow.appraisals.add(number=number, version=1, supersedes_id=None, spec=spec, item_id=item_id,
                                owner_customer_id=None, appraiser_id=owner.staff_id, currency="USD")
        draft = uow.appraisals.get(v1)
        assert draft is not None and (draft.status, draft.version, draft.spec, draft.item_id, draft.photos) == (
            "draft", 1, spec, item_id, ())
        uow.appraisals.replace_draft(v1, changed, item_id=item_id, owner_customer_id=None)
        assert uow.appraisals.get(v1).spec == changed  # type: ignore[union-attr]
        jpeg, png = b"\xff\xd8\xff one", b"\x89PNG two"
        p1 = uow.appraisals.add_photo(v1, jpeg, "image/jpeg")
        uow.appraisals.add_photo(v1, png, "image/png")
        assert uow.appraisals.photo_data(v1) == [jpeg, png]
        assert uow.appraisals.photo(p1) == (v1, "image/jpeg", jpeg)
        refs = uow.appraisals.get(v1).photos  # type: ignore[union-attr]
        assert [(r.mime_type, r.size) for r in refs] == [("image/jpeg", len(jpeg)), ("image/png", len(png))]
        uow.appraisals.finalize(v1, at=at, retain_until=dt.date(2038, 3, 1), appraiser_id=owner.staff_id)
        final = uow.appraisals.get(v1)
        assert final is not None and (final.status, final.finalized_at, final.retain_until, final.appraiser_id) == (
            "final", at, dt.date(2038, 3, 1), owner.staff_id)
        v2 = uow.appraisals.add(number=number, version=2, supersedes_id=v1, spec=changed, item_id=item_id,
                                owner_customer_id=None, appraiser_id=owner.staff_id, currency="USD")
        uow.appraisals.copy_photos(v1, v2)
        assert uow.appraisals.photo_data(v2) == [jpeg, png]
        uow.appraisals.remove_photo(p1)
        assert uow.appraisals.photo(p1) is None and uow.appraisals.photo_data(v1) == [png]
        assert uow.appraisals.latest_version(number) == 2 and uow.appraisals.latest_version("AP-1999-0001") == 0
        assert uow.appraisals.by_number(number, 1) == v1 and uow.appraisals.by_number(number, 3) is None
        assert uow.appraisals.item_sku(item_id) == "AP-RING" and uow.appraisals.item_sku("missing") is None
        assert uow.appraisals.item_stones(item_id) == []
        cert = uow.certificates.add({"lab": "GIA", "report_number": "2141239999", "carat_points": 101,
                                     "origin": "natural", "item_id": item_id})
        assert uow.appraisals.item_certificate(item_id, None, None) == cert
        assert uow.appraisals.item_certificate(item_id, "GIA", "2141239999") == cert
        assert uow.appraisals.get("missing") is None
        uow.commit()
    reader: AppraisalReader = _reader_of(request, uow, "appraisals")
    assert [(r.version, r.status, r.superseded, r.item_sku, r.value_cents) for r in reader.appraisals(search=number)] \
        == [(2, "draft", False, "AP-RING", 540_000), (1, "final", True, "AP-RING", 540_000)]
    assert [r.version for r in reader.appraisals(search="ap-ring", drafts_only=True)] == [2]
    assert reader.count(search=number) == 2 and reader.count(search=number, drafts_only=True) == 1
    assert [(v.version, v.status, v.current, v.made_by) for v in reader.versions(number)] == [
        (1, "final", False, OWNER.name), (2, "draft", True, OWNER.name)]
    assert reader.certificate_numbers([cert, "missing"]) == {cert: "2141239999"}
    assert reader.certificates_numbered(" 2141239999 ") == [(cert, "GIA", item_id)]


def test_erasure_repository_contract(store: tuple[UnitOfWork, Actor]) -> None:
    """What blocks an erasure, what it deletes and blanks, what it says is kept, and the log."""
    from pos_app.domain.appraisals import parse_appraisal
    from pos_app.domain.erasure import Identity

    uow, owner = store
    at = dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC)
    with uow:
        cid = uow.customers.add(NewCustomer(first_name="Opal", last_name="Quartz", email="opal@example.com",
                                            phone="+12175550199", billing_address="9 Gem Road"))
        who = uow.erasure.identity(cid)
        assert who == Identity("Opal", "Quartz", "opal@example.com", "+12175550199", ("9 Gem Road",))
        assert uow.erasure.identity("missing") is None
        assert uow.erasure.blockers(cid) == []
        park = uow.counter.park(terminal="ER", staff_id=owner.staff_id, customer_id=cid, label="Opal's ring",
                                cart={"lines": []})
        uow.checkouts.save(_journal_of("co-er", customer_id=cid, customer_name="Opal Quartz"), terminal="ER",
                           staff_id=owner.staff_id)
        uow.counter.add_large_cash_report({"customer_id": cid, "sale_id": None, "cash_cents": 1_200_000,
                                           "twelve_month_cents": 1_200_000, "full_name": "Opal Quartz",
                                           "address": "9 Gem Road, Springfield", "date_of_birth": dt.date(1980, 1, 1),
                                           "taxpayer_id": "123456789", "occupation": "", "id_document": "DL 123",
                                           "recorded_by": owner.staff_id, "status": "to_file"})
        blockers = uow.erasure.blockers(cid)
        assert [b.split(";")[0].split(" (")[0] for b in blockers] == [
            "a sale is being paid for at counter ER", "a cart is parked for them at counter ER",
            f"the Form 8300 cash report of {dt.datetime.now(dt.UTC).date().isoformat()} is not filed yet"]
        assert repr("Opal's ring") in blockers[1]
        uow.counter.take_parked(park)
        spec = parse_appraisal({"description": "Ring", "value": "100"}, [], currency="USD", today=dt.date(2026, 3, 1))
        appraisal = uow.appraisals.add(number="AP-2026-9001", version=1, supersedes_id=None, spec=spec, item_id=None,
                                       owner_customer_id=cid, appraiser_id=owner.staff_id, currency="USD")
        uow.appraisals.add_photo(appraisal, b"\xff\xd8\xff " + b"x" * 100, "image/jpeg")
        uow.appraisals.add_photo(appraisal, b"\xff\xd8\xff " + b"y" * 100, "image/jpeg")
        assert uow.erasure.final_appraisals(cid) == []
        uow.appraisals.finalize(appraisal, at=at, retain_until=dt.date(2036, 3, 1))
        assert uow.erasure.final_appraisals(cid) == [appraisal]
        uow.erasure.seal(appraisal, "abcdef1234")
        assert uow.erasure.final_appraisals(cid) == [] and uow.appraisals.get(appraisal).seal == "abcdef1234"  # type: ignore[union-attr]
        uow.certificates.add({"lab": "GIA", "report_number": "2141238888", "carat_points": 50, "origin": "natural",
                              "customer_id": cid, "scan": b"%PDF scan", "scan_mime_type": "application/pdf",
                              "retain_until": dt.date(2036, 3, 1)})
        uow.customers.add_consent(cid, "marketing_email", True, channel="counter", policy_version_id=None,
                                  staff_id=owner.staff_id)
        request = uow.privacy.add(customer_id=cid, type="deletion", channel="email", received_on=dt.date(2026, 3, 1),
                                  due_on=dt.date(2026, 3, 31))
        uow.privacy.set_export_sha256(request, "b" * 64, "/exports/opal.zip")
        assert uow.erasure.exports(cid) == [_ref(request, "/exports/opal.zip", "b" * 64)]
        # One photo per batch when the batch is smaller than a photo: at least one goes each time.
        assert uow.erasure.delete_files(cid, at=at, max_bytes=1) == (1, 0, True)
        plan = uow.erasure.plan(cid, who)
        counts = uow.erasure.erase(cid, who, at=at, plan=plan)
        assert {k: counts[k] for k in ("consents_deleted", "appraisal_photos_deleted", "certificate_scans_deleted",
                                       "cash_reports_blanked", "checkouts_cleared")} == {
            "consents_deleted": 1, "appraisal_photos_deleted": 1, "certificate_scans_deleted": 1,
            "cash_reports_blanked": 1, "checkouts_cleared": 1}
        assert uow.erasure.identity(cid) is None and uow.customers.privacy_flags(cid) is None
        assert cid not in set(uow.erasure.live_customer_ids())
        assert uow.erasure.exports(cid) == [_ref(request, None, "b" * 64)]
        assert uow.appraisals.photo_data(appraisal) == []
        kept = uow.erasure.kept(cid)
        assert (kept["appraisals"], kept["appraisals_until"], kept["certificates"], kept["requests"],
                kept["sales"], len(kept["cash_reports_filed_on"])) == (1, dt.date(2036, 3, 1), 1, 1, 0, 1)
        uow.erasure.add_log("h" * 64, request, at)
        uow.erasure.add_log("h" * 64, request, at)
        assert [(h, r) for h, r, _ in uow.erasure.log() if h == "h" * 64] == [("h" * 64, request)]


def test_customer_reader_contract(request: pytest.FixtureRequest, store: tuple[UnitOfWork, Actor]) -> None:
    """The customer's record, consents newest first, purchases, appraisals, certificates; erased: no profile."""
    from pos_app.domain.appraisals import parse_appraisal
    from pos_app.services.ports.customers import CustomerReader
    from pos_app.services.ports.sales import NewPayment, NewSale, NewSaleLine

    uow, owner = store
    assert owner.staff_id is not None
    at = dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC)
    with uow:
        cid = uow.customers.add(NewCustomer(first_name="Cora", last_name="Zircon", email="cora@example.com",
                                            phone=None, billing_address="1 Elm", notes="likes pearls"))
        gone = uow.customers.add(NewCustomer(first_name="Cora", last_name="Zz", email="zz@example.com", phone=None))
        quiet = uow.customers.add(NewCustomer(first_name="Cora", last_name="Zy", email="zy@example.com", phone=None,
                                              marketing_objection=True))
        for who in (cid, gone, quiet):
            uow.customers.add_consent(who, "cr_contract", True, channel="counter", policy_version_id=None,
                                      staff_id=owner.staff_id, at=at)
        uow.customers.add_consent(cid, "cr_contract", False, channel="email", policy_version_id=None, staff_id=None,
                                  at=at + dt.timedelta(hours=1))
        uow.customers.add_consent(cid, "cr_contract", True, channel="counter", policy_version_id=None,
                                  staff_id=owner.staff_id, at=at + dt.timedelta(hours=2))
        uow.customers.update(gone, {"erased_at": at})
        piece = uow.items.add(item_spec("CR-P"))
        uow.stock.record(piece, "receive", 1, actor=owner)
        uow.counter.write_sale(NewSale(
            number="CU-000001", terminal="CU", staff_id=owner.staff_id, customer_id=cid, currency="USD",
            completed_at=at, lines=(NewSaleLine(piece, "CR-P", "Pendant", 1, 9_000, 0, 0),),
            payments=(NewPayment("cash", 9_000),)), actor=owner, action=None)
        spec = parse_appraisal({"description": "Pendant", "value": "120"}, [], currency="USD",
                               today=dt.date(2026, 3, 1))
        uow.appraisals.add(number="AP-2026-8001", version=1, supersedes_id=None, spec=spec, item_id=piece,
                           owner_customer_id=cid, appraiser_id=owner.staff_id, currency="USD")
        uow.certificates.add({"lab": "IGI", "report_number": "612345678", "carat_points": 30, "origin": "natural",
                              "customer_id": cid, "report_date": dt.date(2025, 1, 2)})
        uow.commit()
    reader: CustomerReader = _reader_of(request, uow, "customers")
    profile = reader.profile(cid)
    assert profile is not None and (profile.name, profile.email, profile.notes, profile.billing_address,
                                    profile.flags.has_email, profile.flags.has_phone) == (
        "Cora Zircon", "cora@example.com", "likes pearls", "1 Elm", True, False)
    assert reader.profile(gone) is None and reader.profile("missing") is None
    assert [(c.granted, c.channel, c.recorded_by) for c in reader.consents(cid)] == [
        (True, "counter", OWNER.name), (False, "email", None), (True, "counter", OWNER.name)]
    assert list(reader.marketing_list("cr_contract")) == [("cora@example.com", "", "Cora", "Zircon")]
    purchases, total = reader.purchases(cid, 10)
    assert total == 1 and [(p.number, p.kind, p.lines, p.total_cents) for p in purchases] == [
        ("CU-000001", "sale", 1, 9_000)]
    assert [(a.number, a.status, a.value_cents, a.description) for a in reader.appraisals(cid)] == [
        ("AP-2026-8001", "draft", 12_000, "Pendant")]
    assert [(c.lab, c.report_number, c.report_date, c.has_scan) for c in reader.certificates(cid)] == [
        ("IGI", "612345678", dt.date(2025, 1, 2), False)]
    assert reader.requests(cid, dt.date(2026, 3, 2)) == []


def test_audit_trail_contract(request: pytest.FixtureRequest, store: tuple[UnitOfWork, Actor]) -> None:
    """Searches by person, action and entity; newest first a page at a time, oldest first whole; the flags."""
    from pos_app.domain.audit import AuditFilter, FlagKind
    from pos_app.services.ports.audit import AuditTrail

    uow, owner = store
    tester = dataclasses.replace(owner, name="Trail Tester")
    start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    with uow:
        uow.audit.record(tester, "ct_trail.opened", entity_type="item", entity_id="i-1", summary={"n": 1})
        uow.audit.record(tester, "ct_trail.changed", entity_type="item", entity_id="i-2", summary={"n": 2},
                         approved_by=owner.staff_id)
        uow.audit.record(tester, "ct_trail.changed", entity_type="sale", entity_id="s-1")
        uow.audit.record(tester, "permission.refused", summary={"permission": "void_sale"})
        uow.audit.record(tester, "staff.sign_in_failed", summary={"attempt": 2})
        uow.audit.record(tester, "staff.sign_in_failed", summary={"attempt": 5})
        uow.commit()
    trail: AuditTrail = _reader_of(request, uow, "audit")
    ours = AuditFilter(action="CT_TRAIL.")
    assert trail.count(ours) == 3 and trail.count(AuditFilter(action="ct_trail.changed")) == 2
    assert trail.count(AuditFilter(action="ct_trail.", entity="item")) == 2
    assert trail.count(AuditFilter(action="ct_trail.", entity="item: i-2")) == 1
    assert trail.count(AuditFilter(person="trail t", action="ct_trail.")) == 3
    assert trail.count(AuditFilter(person="Nobody", action="ct_trail.")) == 0
    assert trail.count(AuditFilter(action="ct_trail.", until=start)) == 0
    page = trail.page(ours, 0, 2)
    assert [(r.action, r.entity_id) for r in page] == [("ct_trail.changed", "s-1"), ("ct_trail.changed", "i-2")]
    assert page[0].seq > page[1].seq and page[1].approved_by == owner.staff_id and page[1].person == "Trail Tester"
    assert json.loads(page[1].summary) == {"n": 2}
    assert [r.entity_id for r in trail.page(ours, 2, 2)] == ["i-1"]
    assert [r.entity_id for r in trail.rows(ours)] == ["i-1", "i-2", "s-1"]
    flagged = {(f.kind, f.count) for f in trail.flags(start, lock_after=5) if f.person == "Trail Tester"}
    assert flagged == {(FlagKind.REFUSED, 1), (FlagKind.LOCKED_OUT, 1)}
    report = trail.verify_chain()
    assert report.ok and report.head_seq is not None and report.events >= 6
