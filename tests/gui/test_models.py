"""Every Qt table model of the GUI passes Qt's model tester (pytest-qt's `qtmodeltester`), filled with
real rows of the demo store read through the same services the screens use.

The tester checks the model's contract the views rely on: row and column counts, indexes and parents,
header and data for every role, and what the model signals when it is reset or fetches more.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from pos_app.app import Facet
from pos_app.domain.audit import AuditFilter
from pos_app.domain.cart import Cart, price
from pos_app.domain.permissions import Permission, Role
from pos_app.domain.store import store_today
from pos_app.gui.appraisals.model import AppraisalListModel
from pos_app.gui.audit import AuditModel
from pos_app.gui.certificates.view import CertificatesModel
from pos_app.gui.customers.view import CustomersModel
from pos_app.gui.inventory.model import InventoryModel
from pos_app.gui.privacy.desk import RequestsModel
from pos_app.gui.sell.cart_model import CartModel
from pos_app.gui.tables import RowsModel
from pos_app.services import appraisals, audit, certificates, checkout, customers, inventory, privacy
from pos_app.services.ports.inventory import InventoryFilter
from tests.conftest import actor_for


def _money(cents: int | None, currency: str | None = None) -> str:
    return "" if cents is None else f"{cents / 100:,.2f} {currency or 'USD'}"


def _visible_texts(model, rows: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [model.data(model.index(r, c), Qt.ItemDataRole.DisplayRole) or ""
            for r in range(rows) for c in range(model.columnCount())]


def test_the_inventory_model_keeps_the_model_contract(qtmodeltester, demo_facet: Facet) -> None:  # type: ignore[no-untyped-def]
    actor, reader = actor_for(demo_facet, Role.OWNER), demo_facet.store.inventory
    model = InventoryModel(
        lambda flt: inventory.count(flt, reader=reader, actor=actor, uow=demo_facet.uow()),
        lambda flt, sort, desc, offset, limit: inventory.page_seqs(flt, sort, desc, offset, limit, reader=reader,
                                                                   actor=actor, uow=demo_facet.uow()),
        lambda seqs: inventory.rows_for(seqs, reader=reader, actor=actor, uow=demo_facet.uow()),
        _money, show_cost=True)
    model.set_filter(InventoryFilter())
    assert model.rowCount() == inventory.count(InventoryFilter(), reader=reader, actor=actor, uow=demo_facet.uow())
    assert model.rowCount() > 100  # more than one block: the tester reads across blocks
    qtmodeltester.check(model)
    first = inventory.rows_for(inventory.page_seqs(InventoryFilter(), "sku", False, 0, 1, reader=reader, actor=actor,
                                                   uow=demo_facet.uow()), reader=reader, actor=actor,
                               uow=demo_facet.uow())[0]
    assert first.sku in _visible_texts(model, 1)


def test_the_cart_model_keeps_the_model_contract(qtmodeltester, demo_facet: Facet) -> None:  # type: ignore[no-untyped-def]
    actor, reader = actor_for(demo_facet, Role.CLERK), demo_facet.store.inventory
    rows = [r for r in inventory.search("", reader=reader, actor=actor, uow=demo_facet.uow(), limit=200)
            if r.status == "available" and r.on_hand > 0][:3]
    cart = Cart(currency="USD")
    for row in rows:
        cart = checkout.add_item(cart, row, actor=actor)
    model = CartModel(lambda cents: _money(cents))
    model.show(price(cart, checkout.counter_settings(demo_facet.store.directory, "C1").tax_rate))
    assert model.rowCount() == 3
    qtmodeltester.check(model)
    assert [model.text(r, 0) for r in range(3)] == [row.sku for row in rows]


def test_the_customers_model_keeps_the_model_contract(qtmodeltester, demo_facet: Facet) -> None:  # type: ignore[no-untyped-def]
    actor = actor_for(demo_facet, Role.CLERK)
    model = CustomersModel()
    model.set_rows(customers.list_customers(reader=demo_facet.store.sales, actor=actor, uow=demo_facet.uow()))
    assert model.rowCount() > 0
    qtmodeltester.check(model)
    assert model.data(model.index(0, 0)) == model.rows[0].name


def test_the_privacy_requests_model_keeps_the_model_contract(qtmodeltester, demo_facet: Facet) -> None:  # type: ignore[no-untyped-def]
    officer = actor_for(demo_facet, Role.PRIVACY_OFFICER)
    today = store_today("America/New_York")
    hits = customers.list_customers(reader=demo_facet.store.sales, actor=officer, uow=demo_facet.uow())
    for hit, kind in zip(hits[:3], ("access", "deletion", "correction")):
        privacy.record_request(hit.id, kind, "email", today - dt.timedelta(days=29), uow=demo_facet.uow(),
                               actor=officer)
    model = RequestsModel()
    model.set_rows(privacy.list_requests(reader=demo_facet.store.privacy, actor=officer, today=today,
                                         include_closed=True, uow=demo_facet.uow()))
    assert model.rowCount() >= 3
    qtmodeltester.check(model)
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ForegroundRole) is not None  # due soon: coloured


def test_the_certificates_model_keeps_the_model_contract(qtmodeltester, demo_facet: Facet) -> None:  # type: ignore[no-untyped-def]
    actor = actor_for(demo_facet, Role.OWNER)
    model = CertificatesModel()
    model.set_rows(certificates.list_certificates(reader=demo_facet.store.certificates, actor=actor,
                                                  uow=demo_facet.uow()))
    assert model.rowCount() > 0
    qtmodeltester.check(model)
    assert model.data(model.index(0, 1)) == model.rows[0].report_number


def test_the_appraisals_model_keeps_the_model_contract(qtmodeltester, demo_facet: Facet) -> None:  # type: ignore[no-untyped-def]
    actor, reader = actor_for(demo_facet, Role.APPRAISER), demo_facet.store.appraisals
    model = AppraisalListModel(
        lambda search, drafts: appraisals.count_appraisals(reader=reader, actor=actor, search=search,
                                                           drafts_only=drafts, uow=demo_facet.uow()),
        lambda search, drafts, offset, limit: appraisals.list_appraisals(
            reader=reader, actor=actor, search=search, drafts_only=drafts, limit=limit, offset=offset,
            uow=demo_facet.uow()),
        _money)
    model.set_query("", False)
    assert model.rowCount() > 0
    qtmodeltester.check(model)
    assert model.row_at(0) is not None


def test_the_audit_model_keeps_the_model_contract(qtmodeltester, demo_facet: Facet) -> None:  # type: ignore[no-untyped-def]
    owner = actor_for(demo_facet, Role.OWNER)
    assert owner.can(Permission.VIEW_AUDIT)
    trail = demo_facet.store.audit
    model = AuditModel(lambda flt: audit.count(flt, trail=trail, uow=demo_facet.uow(), actor=owner),
                       lambda flt, offset, limit: audit.search(flt, trail=trail, uow=demo_facet.uow(), actor=owner,
                                                               offset=offset, limit=limit),
                       ZoneInfo("America/New_York"))
    model.set_filter(AuditFilter())
    assert model.rowCount() > 0
    qtmodeltester.check(model)
    assert model.data(model.index(0, 0)) == str(model.row_at(0).seq)  # type: ignore[union-attr]


@pytest.mark.parametrize("numeric", [(), (1,)])
def test_the_small_report_table_model_keeps_the_model_contract(qtmodeltester, demo_facet: Facet,  # type: ignore[no-untyped-def]
                                                               numeric: tuple[int, ...]) -> None:
    actor, reader = actor_for(demo_facet, Role.OWNER), demo_facet.store.inventory
    rows = inventory.search("", reader=reader, actor=actor, uow=demo_facet.uow(), limit=20)
    model = RowsModel(("SKU", "On hand"), [(r.sku, str(r.on_hand)) for r in rows], numeric)
    assert model.rowCount() == len(rows) > 0
    qtmodeltester.check(model)
    assert model.text(0, 0) == rows[0].sku
