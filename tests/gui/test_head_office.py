"""The head office's reports in the app: the owner reads every store's sales, and each store's low stock, aging
and duplicate certificates, from the group's central PostgreSQL on the reports screen's Head office tab, by
keyboard, and exports them to CSV; problems are said on the page; a clerk never reaches it; a store outside a
group is told what a group takes.

The group is real (tests/integration/multistore_helpers.py): the demo store (S1, New York) and Uptown (S2, Los
Angeles), each with its own encrypted file, their sales pushed to a real central PostgreSQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import socket
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from psycopg.conninfo import conninfo_to_dict
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from pos_app.domain.items import item_fields
from pos_app.domain.permissions import Role
from pos_app.gui import dialogs
from pos_app.gui.head_office import NOT_JOINED, AgingTotal, HeadOfficePage, admin_address, aging_totals, place_of
from pos_app.gui.main_window import MainWindow
from pos_app.services import certificates, head_office, inventory, transfers
from pos_app.services.ports.head_office import StoreAging
from tests.conftest import SESSION_LOG, actor_for
from tests.gui.conftest import focused, main_window, press, sign_in, snap
from tests.integration.multistore_helpers import UPTOWN_ZONE, Group, group_fixture  # noqa: F401
from tests.integration.sync_helpers import available, one, rows, sell

ZONES = {"S1": "America/New_York", "S2": UPTOWN_ZONE}
CTRL, ALT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.AltModifier


def open_head_office(qtbot, window: MainWindow) -> HeadOfficePage:  # type: ignore[no-untyped-def]
    """The reports screen by its Ctrl+N, then its Head office tab by Alt+4, as a person opens them."""
    assert window.workspace is not None
    screens = list(window.workspace.screens)
    press(qtbot, getattr(Qt.Key, f"Key_{screens.index('Reports') + 1}"), CTRL)
    reports = window.workspace.screens["Reports"]
    qtbot.waitUntil(lambda: window.workspace.current_screen() is reports)
    press(qtbot, Qt.Key.Key_4, ALT)
    page = reports.head_office
    assert isinstance(page, HeadOfficePage)
    qtbot.waitUntil(lambda: reports.form.tabs.currentWidget() is page and page.status is not None, timeout=10_000)
    return page


def logged_since(size: int) -> str:
    """What the session's log (every record of Facet's, DEBUG and up) took in since it was `size` bytes long."""
    with SESSION_LOG.open("rb") as log:
        log.seek(size)
        return log.read().decode("utf-8", errors="replace")


def type_into(qtbot, edit: QLineEdit, text: str) -> None:  # type: ignore[no-untyped-def]
    """The keyboard is in `edit`: what was there is selected (Ctrl+A) and typed over."""
    assert focused() is edit
    press(qtbot, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(edit, text)


def run_report(qtbot, page: HeadOfficePage) -> str:  # type: ignore[no-untyped-def]
    """Enter in the field that has the keyboard; the page's words once central answered."""
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not page.running, timeout=15_000)
    return str(page.form.message_label.text())


def table(view) -> list[list[str]]:  # type: ignore[no-untyped-def]
    model = view.model()
    return [[model.text(r, c) for c in range(model.columnCount())] for r in range(model.rowCount())]


def expected_days(group: Group, first: dt.date, last: dt.date) -> dict[tuple[str, dt.date], list[int]]:
    """What central holds, worked out from the demo store's own file (every sale of both stores reached it):
    (store, the store's own day) -> [sales, returns, net, tax, total] of completed sales."""
    found: dict[tuple[str, dt.date], list[int]] = {}
    for number, at, kind, total, tax in rows(group.first, "SELECT number, completed_at, kind, total_cents, "
                                                          "tax_cents FROM sales WHERE status = 'completed'"):
        store = "S2" if number.startswith("S2-") else "S1"
        day = dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC).astimezone(ZoneInfo(ZONES[store])).date()
        if first <= day <= last:
            figures = found.setdefault((store, day), [0, 0, 0, 0, 0])
            figures[0 if kind != "return" else 1] += 1
            figures[2] += total - tax
            figures[3] += tax
            figures[4] += total
    return found


def sell_at_both_stores(group: Group) -> tuple[dt.date, dt.date]:
    """A cash sale at each store (Uptown's of a piece it received itself), synced; the first and last store day
    they fell on."""
    uptown = group.owner_at_second()
    piece = inventory.receive_new_item({"sku": "UPT-1", "style": "halo", "title": "Uptown Halo Necklace",
                                        "metal": "platinum", "price": "1250.00", "tracking": "unique",
                                        "location": "Case 1"}, uow=group.second.uow(), actor=uptown)
    made = [sell(group.first, available(group.first)[0]), sell(group.second, piece.id, actor=uptown)]
    group.sync_all()
    days = []
    for store, sale in zip(("S1", "S2"), made, strict=True):
        at = one(group.first, "SELECT completed_at FROM sales WHERE id = ?", sale.sale_id)
        assert at is not None, "the sale reached the other store through central"
        days.append(dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC).astimezone(ZoneInfo(ZONES[store])).date())
    return min(days), max(days)


def test_the_owner_reads_every_stores_sales_from_central_by_keyboard_and_exports_them_to_csv(
        qtbot, group: Group, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    logged = SESSION_LOG.stat().st_size
    first_day, last_day = sell_at_both_stores(group)
    expected = expected_days(group, first_day, last_day)
    assert {store for store, _day in expected} == {"S1", "S2"}
    login = conninfo_to_dict(group.admin_url)
    with main_window(qtbot, group.first) as window:
        sign_in(qtbot, window, "Jane Ellen")
        page = open_head_office(qtbot, window)
        f = page.form
        # Central's address is this counter's own, as an address a person reads (never a login in it); the
        # keyboard waits in the first field left to fill.
        address = f.address_edit.text()
        assert address == admin_address(one(group.first, "SELECT central FROM sync_state WHERE id = 1"))
        assert address.startswith(f"postgresql://{login['host']}:{login['port']}/{login['dbname']}?")
        assert conninfo_to_dict(address)["sslmode"] == "verify-full"
        assert {"user", "password"}.isdisjoint(conninfo_to_dict(address)) and login["password"] not in address
        qtbot.waitUntil(lambda: focused() is f.user_edit)
        assert f.password_edit.echoMode() == QLineEdit.EchoMode.Password

        qtbot.keyClicks(f.user_edit, login["user"])
        press(qtbot, Qt.Key.Key_Tab)
        qtbot.keyClicks(f.password_edit, login["password"])
        press(qtbot, Qt.Key.Key_Tab)
        type_into(qtbot, f.from_edit, first_day.isoformat())
        press(qtbot, Qt.Key.Key_Tab)
        type_into(qtbot, f.to_edit, last_day.isoformat())
        said = run_report(qtbot, page)
        assert "2 stores sold" in said and f"read from {login['host']}:{login['port']}/{login['dbname']}" in said
        assert login["password"] not in said

        money = window.context.money
        days = sorted(expected.items(), key=lambda kv: (kv[0][1], kv[0][0]))
        names = {"S1": group.first.profile.name, "S2": "Uptown"}
        assert table(f.days_table) == [
            [day.isoformat(), f"{store} {names[store]}", f"{s:,}", f"{r:,}", money(net), money(tax), money(total)]
            for (store, day), (s, r, net, tax, total) in days]
        totals = []
        for store in ("S1", "S2"):
            mine = [v for (s, _d), v in expected.items() if s == store]
            totals.append([f"{store} {names[store]}", ZONES[store], str(len(mine)),
                           *(f"{sum(v[i] for v in mine):,}" for i in (0, 1)),
                           *(money(sum(v[i] for v in mine)) for i in (2, 3, 4))])
        every = list(expected.values())
        totals.append(["All stores", "", str(len({d for _s, d in expected})),
                       *(f"{sum(v[i] for v in every):,}" for i in (0, 1)),
                       *(money(sum(v[i] for v in every)) for i in (2, 3, 4))])
        assert table(f.totals_table) == totals
        snap(window.workspace.current_screen(), "head_office_report")

        # Ctrl+E: the rows read, to a CSV file a spreadsheet reads (amounts in plain figures).
        out = tmp_path / "group-sales.csv"
        monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: out)
        press(qtbot, Qt.Key.Key_E, CTRL)
        qtbot.waitUntil(lambda: f.message_label.text().startswith("Exported"), timeout=10_000)
        assert f.message_label.text() == f"Exported {len(days)} rows to {out}."
        with out.open(newline="", encoding="utf-8") as file:
            exported = list(csv.DictReader(file))

        def plain(cents: int) -> str:
            return f"{Decimal(cents) / 100:.2f}"

        assert exported == [
            {"day": day.isoformat(), "store": store, "store_name": names[store], "timezone": ZONES[store],
             "sales": str(s), "returns": str(r), "net_sales": plain(net), "tax": plain(tax), "total": plain(total),
             "currency": "USD"} for (store, day), (s, r, net, tax, total) in days]
        audited = rows(group.first, "SELECT actor_name, summary FROM audit_events WHERE action = ?",
                       "head_office.sales_exported")
        assert [(person, json.loads(summary)) for person, summary in audited] == [
            ("Jane Ellen", {"file": "group-sales.csv", "rows": len(days), "from": first_day.isoformat(),
                            "to": last_day.isoformat()})]

        # The password is not kept: locking the screen empties its field; no log record holds it.
        press(qtbot, Qt.Key.Key_L, CTRL)
        qtbot.waitUntil(lambda: window.context.actor is None)
        assert f.password_edit.text() == ""
    assert login["password"] not in logged_since(logged)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_wrong_password_a_central_out_of_reach_a_database_that_is_no_central_and_reversed_days_are_said(
        qtbot, group: Group) -> None:  # type: ignore[no-untyped-def]
    logged = SESSION_LOG.stat().st_size
    login = conninfo_to_dict(group.admin_url)
    with main_window(qtbot, group.first) as window:
        sign_in(qtbot, window, "Jane Ellen")
        page = open_head_office(qtbot, window)
        f = page.form
        events = one(group.first, "SELECT count(*) FROM audit_events")
        qtbot.waitUntil(lambda: focused() is f.user_edit)
        qtbot.keyClicks(f.user_edit, login["user"])
        press(qtbot, Qt.Key.Key_Tab)
        qtbot.keyClicks(f.password_edit, "not-the-password")
        said = run_report(qtbot, page)
        place = f"{login['host']}:{login['port']}/{login['dbname']}"
        assert said == f"Password: central ({place}) refused the administrator's login: wrong name or password"
        assert page.form.message_label.property("problem") is True
        assert focused() is f.password_edit and f.password_edit.selectedText() == "not-the-password"
        assert table(f.days_table) == [] and table(f.totals_table) == [] and page.report is None
        snap(page, "head_office_wrong_password")

        # The right password, but the days the wrong way round: said before central is asked.
        type_into(qtbot, f.password_edit, login["password"])
        press(qtbot, Qt.Key.Key_Tab)
        today = dt.date.today()
        type_into(qtbot, f.from_edit, today.isoformat())
        press(qtbot, Qt.Key.Key_Tab)
        type_into(qtbot, f.to_edit, (today - dt.timedelta(days=2)).isoformat())
        assert run_report(qtbot, page) == "To: is before the first day (from)"
        assert focused() is f.to_edit
        type_into(qtbot, f.to_edit, "2026-02-30")
        assert run_report(qtbot, page) == "To: '2026-02-30' is not a date: use YYYY-MM-DD, such as 2026-03-18"
        type_into(qtbot, f.to_edit, today.isoformat())

        # A database of the same server that is no group's central.
        f.address_edit.setFocus()
        good = f.address_edit.text()
        type_into(qtbot, f.address_edit, good.replace(f"/{login['dbname']}?", "/postgres?"))
        said = run_report(qtbot, page)
        assert said.startswith(f"central ({login['host']}:{login['port']}/postgres) has no Facet schema: it is not "
                               "a sync group's central"), said
        assert focused() is f.address_edit

        # Central out of reach: nothing listens on the port.
        port = _closed_port()
        type_into(qtbot, f.address_edit, f"postgresql://127.0.0.1:{port}/facet")
        said = run_report(qtbot, page)
        assert said.startswith(f"central (127.0.0.1:{port}/facet) is not reachable: "), said
        snap(page, "head_office_unreachable")

        # Nothing was written anywhere; the same page then reads the report.
        assert one(group.first, "SELECT count(*) FROM audit_events") == events
        type_into(qtbot, f.address_edit, good)
        assert "read from" in run_report(qtbot, page)
        assert window.isVisible()
    records = logged_since(logged)  # no record of Facet's holds a password typed (none may, ever)
    assert "not-the-password" not in records and login["password"] not in records


def test_a_clerk_has_neither_the_reports_screen_nor_the_head_office(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Lily Chen")
    assert window.workspace is not None
    assert "Reports" not in window.workspace.screens
    press(qtbot, Qt.Key.Key_4, ALT)
    assert window.findChildren(HeadOfficePage) == []


def test_a_store_outside_a_sync_group_is_told_head_office_reports_need_one_and_how_to_make_one(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Jane Ellen")
    page = open_head_office(qtbot, window)
    assert page.status is not None and not page.status.joined
    assert page.form.intro_label.text() == NOT_JOINED
    assert "pos-app central init URL" in NOT_JOINED and "pos-app central add-counter" in NOT_JOINED
    assert not page.form.report_panel.isVisible()
    press(qtbot, Qt.Key.Key_F5)  # nothing to run, nothing breaks
    press(qtbot, Qt.Key.Key_E, CTRL)
    assert not page.running and page.form.message_label.text() == ""
    snap(page, "head_office_not_in_a_group")


def test_the_counters_central_reads_as_an_address_without_a_login() -> None:
    assert admin_address(None) == ""
    assert admin_address("host=central.example.com port=5433 dbname=facet sslmode=verify-full "
                         "sslrootcert='/etc/facet/my ca.pem'") == \
        "postgresql://central.example.com:5433/facet?sslmode=verify-full&sslrootcert=/etc/facet/my%20ca.pem"
    assert admin_address("host=::1 dbname=facet user=c_1 password=secret") == "postgresql://[::1]/facet"
    assert admin_address("host=/run/postgresql dbname=facet") == "postgresql:///facet?host=/run/postgresql"
    assert place_of("postgresql://admin:s3cret@central.example.com/facet?sslmode=verify-full") == \
        "central.example.com:5432/facet"
    assert place_of("host=central.example.com port=5433 dbname=facet") == "central.example.com:5433/facet"


def stock_moved_and_certificates_recorded(group: Group) -> tuple[str, str, str]:
    """Three units of a counted item (reorder at 3) sent from the demo store to Uptown, two checked in there;
    one GIA report number on a demo store's piece and on a piece Uptown received itself; synced. The counted
    item's SKU and title, and the demo store's piece's SKU."""
    first, second = group.first, group.second
    manager, uptown = group.manager_at_first(), group.owner_at_second()
    counted = str(one(first, "SELECT id FROM items WHERE tracking = 'counted' AND on_hand >= 7 ORDER BY sku"))
    detail = inventory.item_detail(counted, uow=first.uow(), actor=manager)
    inventory.update_item(counted, {**item_fields(detail.record.spec), "reorder_point": "3"}, uow=first.uow(),
                          actor=manager)
    transfers.transfer_out(counted, "S2", uow=first.uow(), actor=manager, quantity=3)
    group.sync_all()
    transfers.receive_transfer(counted, uow=second.uow(), actor=uptown, quantity=2)
    cert = {"lab": "GIA", "report_number": "2141234567", "carat": "1.21", "origin": "natural"}
    piece = available(first)[0]
    certificates.add_certificate(cert, uow=first.uow(), actor=actor_for(first, Role.OWNER),
                                 today=dt.date(2026, 12, 7), item_id=piece)
    own = inventory.receive_new_item({"sku": "UPT-7", "style": "solitaire", "title": "Uptown Oval Solitaire",
                                      "metal": "platinum", "price": "9800.00", "tracking": "unique",
                                      "location": "Case 1"}, uow=second.uow(), actor=uptown)
    certificates.add_certificate(cert, uow=second.uow(), actor=uptown, today=dt.date(2026, 12, 7), item_id=own.id)
    certificates.add_certificate(cert, uow=second.uow(), actor=uptown, today=dt.date(2026, 12, 7))
    group.sync_all()
    sku, title = rows(first, "SELECT sku, title FROM items WHERE id = ?", counted)[0]
    return str(sku), str(title), str(one(first, "SELECT sku FROM items WHERE id = ?", piece))


def choose(qtbot, page: HeadOfficePage, report: str) -> None:  # type: ignore[no-untyped-def]
    """Alt+R to the report chooser, then Down or Up until `report` is chosen, as a person picks it."""
    press(qtbot, Qt.Key.Key_R, ALT)
    chooser = page.form.report_combo
    assert focused() is chooser
    texts = [chooser.itemText(i) for i in range(chooser.count())]
    for _ in range(len(texts)):
        if chooser.currentText() == report:
            return
        press(qtbot, Qt.Key.Key_Down if texts.index(report) > chooser.currentIndex() else Qt.Key.Key_Up)
    assert chooser.currentText() == report


def test_the_owner_chooses_each_stock_report_by_keyboard_reads_every_stores_rows_and_exports_them(
        qtbot, group: Group, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    sku, title, piece_sku = stock_moved_and_certificates_recorded(group)
    login = conninfo_to_dict(group.admin_url)
    s1 = f"S1 {group.first.profile.name}"
    central = group.first.head_office(group.admin_url)
    with main_window(qtbot, group.first) as window:
        sign_in(qtbot, window, "Jane Ellen")
        page = open_head_office(qtbot, window)
        f = page.form
        money = window.context.money
        owner = window.context.require_actor()
        qtbot.waitUntil(lambda: focused() is f.user_edit)
        qtbot.keyClicks(f.user_edit, login["user"])
        press(qtbot, Qt.Key.Key_Tab)
        qtbot.keyClicks(f.password_edit, login["password"])

        # Low stock: the counted item is low at Uptown only (2 on hand, 1 on its way; reorder at 3).
        choose(qtbot, page, "Low stock")
        assert not f.from_edit.isVisible() and not f.to_edit.isVisible() and table(f.days_table) == []
        said = run_report(qtbot, page)
        low = head_office.low_stock_by_store(central=central, actor=owner, uow=group.first.uow())
        shown = table(f.days_table)
        assert ["S2 Uptown", sku, title, "2", "1", "3"] in shown and [r[0] for r in shown if r[1] == sku] == \
            ["S2 Uptown"]
        assert shown == [[f"{r.store_code} {r.store_name}", r.sku, r.title, str(r.on_hand), str(r.in_transit),
                          str(r.reorder_point)] for r in low]
        assert said.startswith(f"{len(low)} counted items at or below the reorder point at 2 stores, read from "
                               f"{login['host']}:{login['port']}/{login['dbname']}."), said
        assert not f.totals_table.isVisible()
        snap(window.workspace.current_screen(), "head_office_low_stock")

        # Aging: each store's brackets (zeros included), every store together above.
        choose(qtbot, page, "Aging")
        assert table(f.days_table) == [] and page.report is None
        said = run_report(qtbot, page)
        aging = head_office.aging_by_store(central=central, actor=owner, uow=group.first.uow())
        ages = ["0–90 days", "91–180 days", "181–365 days", "over 365 days"]
        assert [row[:2] for row in table(f.days_table)] == [[store, age] for store in (s1, "S2 Uptown")
                                                            for age in ages]
        assert table(f.days_table) == [[f"{r.store_code} {r.store_name}", r.age, f"{r.units:,}",
                                        money(r.retail_cents, r.currency)] for r in aging]
        assert table(f.totals_table) == [
            [age, f"{sum(r.units for r in aging if r.age == age):,}",
             money(sum(r.retail_cents for r in aging if r.age == age), "USD")] for age in ages]
        assert sum(int(row[2].replace(",", "")) for row in table(f.days_table) if row[0] == "S2 Uptown") == 3
        assert "units on hand" in said and "at 2 stores" in said, said
        snap(window.workspace.current_screen(), "head_office_aging")

        # Duplicate certificates: the number on a piece at each store, and on a loose stone at Uptown.
        choose(qtbot, page, "Duplicate certificates")
        said = run_report(qtbot, page)
        assert table(f.days_table) == [
            ["GIA", "2141234567", s1, piece_sku, one(group.first, "SELECT title FROM items WHERE sku = ?",
                                                     piece_sku)],
            ["GIA", "2141234567", "S2 Uptown", "(on no piece)", ""],
            ["GIA", "2141234567", "S2 Uptown", "UPT-7", "Uptown Oval Solitaire"]]
        assert said.startswith("1 lab report number recorded more than once in the group, on 3 certificates"), said
        snap(window.workspace.current_screen(), "head_office_duplicate_certificates")

        # Ctrl+E: the rows shown, to CSV; the export is audited (the file and the count, no figures).
        out = tmp_path / "duplicates.csv"
        monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: out)
        press(qtbot, Qt.Key.Key_E, CTRL)
        qtbot.waitUntil(lambda: f.message_label.text().startswith("Exported"), timeout=10_000)
        assert f.message_label.text() == f"Exported 3 rows to {out}."
        with out.open(newline="", encoding="utf-8") as file:
            assert [(r["store"], r["sku"]) for r in csv.DictReader(file)] == \
                [("S1", piece_sku), ("S2", ""), ("S2", "UPT-7")]
        assert [json.loads(summary) for (summary,) in rows(
            group.first, "SELECT summary FROM audit_events WHERE action = ?",
            "head_office.duplicate_certificates_exported")] == [{"file": "duplicates.csv", "rows": 3}]

        # Back to the sales: the days take the keyboard again and Enter there reads the sales.
        choose(qtbot, page, "Sales by store and day")
        assert f.from_edit.isVisible() and page.report is None
        press(qtbot, Qt.Key.Key_Tab)
        assert focused() is f.address_edit
        f.to_edit.setFocus()
        assert "read from" in run_report(qtbot, page) and f.totals_table.isVisible()


def test_every_store_together_adds_each_bracket_in_each_currency_apart() -> None:
    rows = [StoreAging("S1", "New York", 0, "0–90 days", 3, 30_000, "USD"),
            StoreAging("S1", "New York", 1, "91–180 days", 0, 0, "USD"),
            StoreAging("S2", "Toronto", 0, "0–90 days", 2, 50_000, "CAD"),
            StoreAging("S3", "Uptown", 0, "0–90 days", 4, 12_000, "USD"),
            StoreAging("S4", "New, no record yet", 0, "0–90 days", 0, 0, "")]
    assert aging_totals(rows) == [AgingTotal("0–90 days", 2, 50_000, "CAD"), AgingTotal("0–90 days", 7, 42_000, "USD"),
                                  AgingTotal("91–180 days", 0, 0, "USD")]
