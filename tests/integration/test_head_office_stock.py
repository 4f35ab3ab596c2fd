"""The head office's stock reports across stores, read from a real central: low stock, aging and duplicate
certificates per store, each computed by PostgreSQL from what the stores pushed, and the same rows from the
command line (`pos-app central report low-stock|aging|duplicate-certificates --url URL --json`).

The group (tests/integration/multistore_helpers.py): the demo store (S1, New York) and Uptown (S2, Los Angeles),
each with its own encrypted file. Each test moves stock or records certificates through the services, syncs both
stores, and works out what central must answer: the demo store's rows from the demo store's own report of its
own file (the head office reads a store as the store reads itself), Uptown's by hand from what the test did.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from pos_app import app, cli
from pos_app.adapters.head_office import CentralHeadOffice
from pos_app.domain.errors import PermissionDenied
from pos_app.domain.items import item_fields
from pos_app.domain.permissions import Actor, Role
from pos_app.services import certificates, head_office, inventory, reports, transfers
from pos_app.services.ports.head_office import GroupCertificate, StoreAging, StoreLowStock
from tests.conftest import actor_for, cli_login
from tests.integration.multistore_helpers import UPTOWN_ZONE, Group, group_fixture  # noqa: F401
from tests.integration.sync_helpers import available, one, rows, sell

EDGES = (90, 180, 365)  # the store's own Aging brackets: 0–90, 91–180, 181–365, over 365 days
TODAY = dt.date(2026, 12, 7)


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = cli.main([*argv, "--json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else err)


def central_of(group: Group) -> CentralHeadOffice:
    return CentralHeadOffice(group.admin_url)


def set_reorder_point(facet: app.Facet, item_id: str, point: int, actor: Actor) -> None:
    """The item's reorder point edited as the item form saves it (every other field as it was)."""
    detail = inventory.item_detail(item_id, uow=facet.uow(), actor=actor)
    inventory.update_item(item_id, {**item_fields(detail.record.spec), "reorder_point": str(point)},
                          uow=facet.uow(), actor=actor)


def counted_with_at_least(facet: app.Facet, units: int, *, not_: tuple[str, ...] = ()) -> tuple[str, int]:
    """A counted item the demo store holds `units` or more of: its id and units on hand."""
    for item_id, on_hand in rows(facet, "SELECT id, on_hand FROM items WHERE tracking = 'counted' "
                                        "AND status = 'available' AND on_hand >= ? ORDER BY sku", units):
        if item_id not in not_:
            return str(item_id), int(on_hand)
    raise AssertionError(f"the demo store holds no counted item with {units} or more units")


def send_and_check_in(group: Group, item_id: str, sent: int, checked_in: int) -> None:
    """The demo store sends `sent` units to Uptown; Uptown checks `checked_in` of them in; both sync."""
    transfers.transfer_out(item_id, "S2", uow=group.first.uow(), actor=group.manager_at_first(),
                           quantity=sent)
    group.sync_all()
    if checked_in:
        transfers.receive_transfer(item_id, uow=group.second.uow(), actor=group.owner_at_second(),
                                   quantity=checked_in)
    group.sync_all()


def sku_title(facet: app.Facet, item_id: str) -> tuple[str, str]:
    sku, title = rows(facet, "SELECT sku, title FROM items WHERE id = ?", item_id)[0]
    return str(sku), str(title)


def test_low_stock_is_each_stores_own_units_against_the_reorder_point_with_units_in_transit_beside(
        group: Group, capsys: pytest.CaptureFixture[str]) -> None:
    first, manager = group.first, group.manager_at_first()
    s1_name = first.profile.name
    # X: seven or more at the demo store, reorder at 3; three go to Uptown, two are checked in there. The demo
    # store keeps four or more (above 3: not low there); Uptown has 2 on hand, 1 on its way (low there only).
    x, x_units = counted_with_at_least(first, 7)
    set_reorder_point(first, x, 3, manager)
    # Y: the demo store sells down to its reorder point (low at the demo store only; Uptown never had one).
    y, y_units = counted_with_at_least(first, 2, not_=(x,))
    set_reorder_point(first, y, y_units - 1, manager)
    sell(first, y)
    send_and_check_in(group, x, 3, 2)

    read = head_office.low_stock_by_store(central=central_of(group), actor=manager, uow=first.uow())

    x_sku, x_title = sku_title(first, x)
    y_sku, y_title = sku_title(first, y)
    assert [r for r in read if r.store_code == "S2"] == [
        StoreLowStock("S2", "Uptown", x_sku, x_title, on_hand=2, in_transit=1, reorder_point=3)]
    at_first = [r for r in read if r.store_code == "S1"]
    assert StoreLowStock("S1", s1_name, y_sku, y_title, y_units - 1, 0, y_units - 1) in at_first
    assert x_sku not in {r.sku for r in at_first} and x_units - 3 > 3
    # The demo store's rows are its own Low stock report, row for row, in the same order.
    own = reports.low_stock(reader=first.store.inventory, actor=manager, uow=first.uow())
    assert at_first == [StoreLowStock("S1", s1_name, r.item.sku, r.item.title, r.item.on_hand, 0, r.reorder_point)
                        for r in own]
    assert [r.store_code for r in read] == ["S1"] * len(at_first) + ["S2"]

    cli_login(group.first_dir)
    code, report = run_json(capsys, "central", "report", "low-stock", "--url", group.admin_url,
                            "--data-dir", str(group.first_dir))
    assert code == 0, report
    assert report == {"rows": [
        {"store": r.store_code, "store_name": r.store_name, "sku": r.sku, "title": r.title, "on_hand": r.on_hand,
         "in_transit": r.in_transit, "reorder_point": r.reorder_point} for r in read]}


def bracket(age: int) -> int:
    return next((n for n, edge in enumerate(EDGES) if age <= edge), len(EDGES))


def test_aging_counts_each_stores_units_on_hand_by_days_since_received_on_its_own_day(
        group: Group, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = group.first, group.second
    manager, uptown = group.manager_at_first(), group.owner_at_second()
    # Uptown: two of the demo store's units of X checked in (one more in transit: not on hand anywhere), a
    # unique piece sent over and checked in, and a piece of its own received today.
    x, _units = counted_with_at_least(first, 3)
    send_and_check_in(group, x, 3, 2)
    piece = available(first)[0]
    transfers.transfer_out(piece, "S2", uow=first.uow(), actor=manager)
    group.sync_all()
    transfers.receive_transfer(piece, uow=second.uow(), actor=uptown)
    own = inventory.receive_new_item({"sku": "UPT-1", "style": "halo", "title": "Uptown Halo Necklace",
                                      "metal": "platinum", "price": "1250.00", "tracking": "unique",
                                      "location": "Case 1"}, uow=second.uow(), actor=uptown)
    group.sync_all()

    now = dt.datetime.now(dt.UTC)
    read = head_office.aging_by_store(central=central_of(group), actor=manager, uow=first.uow(), now=now)

    # Uptown by hand: each item's age on Uptown's own day (Los Angeles), its units there, price x units.
    uptown_today = now.astimezone(ZoneInfo(UPTOWN_ZONE)).date()
    expected = {n: [0, 0] for n in range(len(EDGES) + 1)}
    for item_id, units in ((x, 2), (piece, 1), (own.id, 1)):
        received, price = rows(second, "SELECT received_on, price_cents FROM items WHERE id = ?", item_id)[0]
        figures = expected[bracket((uptown_today - dt.date.fromisoformat(received)).days)]
        figures[0] += units
        figures[1] += price * units
    assert expected[0][0] >= 1  # the piece received today
    ages = ["0–90 days", "91–180 days", "181–365 days", "over 365 days"]
    assert [r for r in read if r.store_code == "S2"] == [
        StoreAging("S2", "Uptown", n, ages[n], units, retail, "USD") for n, (units, retail) in expected.items()]

    # The demo store: its own Aging summary of its own file (after what it sent), bracket for bracket.
    summary = reports.aging_summary(reader=first.store.inventory, actor=manager, uow=first.uow(),
                                    timezone=first.profile.timezone)
    assert [b.label for b in summary] == ages
    assert [(r.age, r.units, r.retail_cents) for r in read if r.store_code == "S1"] == \
        [(b.label, b.pieces, b.retail_cents) for b in summary]
    assert [(r.store_code, r.bracket) for r in read] == [(s, n) for s in ("S1", "S2") for n in range(4)]

    cli_login(group.first_dir)
    code, report = run_json(capsys, "central", "report", "aging", "--url", group.admin_url,
                            "--data-dir", str(group.first_dir))
    assert code == 0, report
    assert report["edges_days"] == list(EDGES)
    assert dt.datetime.fromisoformat(report["as_of"]) >= now.replace(microsecond=0)
    assert report["rows"] == [
        {"store": r.store_code, "store_name": r.store_name, "bracket": r.bracket, "age": r.age, "units": r.units,
         "retail_cents": r.retail_cents, "currency": r.currency} for r in read]


CERT = {"lab": "GIA", "report_number": "2141234567", "report_date": "2024-03-18", "shape": "oval",
        "carat": "1.21", "color": "G", "clarity": "VS2", "origin": "natural"}


def test_one_lab_report_number_on_pieces_at_two_stores_is_listed_with_each_pieces_store_sku_and_title(
        group: Group, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = group.first, group.second
    owner, uptown = actor_for(first, Role.OWNER), group.owner_at_second()
    piece = available(first)[0]
    # The demo store records the report on one of its pieces; Uptown, not synced yet, records the same number on
    # a piece of its own (its own file has no such number: no warning there) and on a customer's loose stone.
    # One report of another lab at Uptown is recorded once: not a duplicate.
    assert certificates.add_certificate(CERT, uow=first.uow(), actor=owner, today=TODAY,
                                        item_id=piece).duplicates == 0
    own = inventory.receive_new_item({"sku": "UPT-7", "style": "solitaire", "title": "Uptown Oval Solitaire",
                                      "metal": "platinum", "price": "9800.00", "tracking": "unique",
                                      "location": "Case 1"}, uow=second.uow(), actor=uptown)
    assert certificates.add_certificate(CERT, uow=second.uow(), actor=uptown, today=TODAY,
                                        item_id=own.id).duplicates == 0
    certificates.add_certificate(CERT, uow=second.uow(), actor=uptown, today=TODAY)
    certificates.add_certificate({**CERT, "lab": "IGI", "report_number": "612345678"}, uow=second.uow(),
                                 actor=uptown, today=TODAY, item_id=own.id)
    group.sync_all()

    read = head_office.duplicate_certificates(central=central_of(group), actor=owner, uow=first.uow())

    sku, title = sku_title(first, piece)
    assert read == [GroupCertificate("GIA", "2141234567", "S1", first.profile.name, sku, title),
                    GroupCertificate("GIA", "2141234567", "S2", "Uptown", "", ""),
                    GroupCertificate("GIA", "2141234567", "S2", "Uptown", "UPT-7", "Uptown Oval Solitaire")]

    # The piece sent to Uptown and checked in there belongs to Uptown now: the report says where it is.
    transfers.transfer_out(piece, "S2", uow=first.uow(), actor=group.manager_at_first())
    group.sync_all()
    transfers.receive_transfer(piece, uow=second.uow(), actor=uptown)
    group.sync_all()
    moved = head_office.duplicate_certificates(central=central_of(group), actor=owner, uow=first.uow())
    assert [(r.store_code, r.sku) for r in moved] == [("S2", ""), ("S2", sku), ("S2", "UPT-7")]

    cli_login(group.first_dir)
    code, report = run_json(capsys, "central", "report", "duplicate-certificates", "--url", group.admin_url,
                            "--data-dir", str(group.first_dir))
    assert code == 0, report
    assert report == {"rows": [{"lab": r.lab, "report_number": r.report_number, "store": r.store_code,
                                "store_name": r.store_name, "sku": r.sku, "title": r.title} for r in moved]}
    # The text a person reads names the certificate on no piece as such.
    assert cli.main(["central", "report", "duplicate-certificates", "--url", group.admin_url,
                     "--data-dir", str(group.first_dir)]) == 0
    text = capsys.readouterr().out
    assert "(no piece)" in text and "UPT-7" in text and sku in text


def test_a_wrong_administrator_password_is_said_for_every_stock_report_and_a_clerk_reads_none(
        group: Group, capsys: pytest.CaptureFixture[str]) -> None:
    login = conninfo_to_dict(group.admin_url)
    wrong = make_conninfo(group.admin_url, password="not-the-password")
    cli_login(group.first_dir)
    for report in ("low-stock", "aging", "duplicate-certificates"):
        code, said = run_json(capsys, "central", "report", report, "--url", wrong, "--data-dir",
                              str(group.first_dir))
        assert code == 2 and "password: central" in said and "refused the administrator's login" in said, said
        assert login["password"] not in said and "not-the-password" not in said
    clerk = actor_for(group.first, Role.CLERK)
    events = one(group.first, "SELECT count(*) FROM audit_events WHERE action = 'permission.refused'")
    for read in (head_office.low_stock_by_store, head_office.aging_by_store, head_office.duplicate_certificates):
        with pytest.raises(PermissionDenied):
            read(central=central_of(group), actor=clerk, uow=group.first.uow())
    assert one(group.first, "SELECT count(*) FROM audit_events WHERE action = 'permission.refused'") == events + 3
