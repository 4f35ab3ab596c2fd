"""Sync in the desktop app, against a real central PostgreSQL (tests/postgres_server.py): the worker off the GUI
thread, the status bar's words, the managers' Sync tab, the owner's Sync group page; and a store that never
joined, which starts nothing and touches no network.

The window runs over the demo store after `central_init` made it the group's first counter (S1-C1); a second
counter (S1-C2) joined from central's snapshot and sells through the checkout services, as the other till does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from pos_app import app
from pos_app.domain.store import store_time
from pos_app.gui import messages
from pos_app.gui.main_window import MainWindow
from pos_app.gui.sell.prompts import PromptDialog
from pos_app.gui.sync.status import central_place, status_text
from pos_app.gui.sync.view import SyncView, cases_of
from pos_app.gui.sync.worker import POLL_S, THREAD_NAME, SyncReport
from pos_app.services import sync
from tests.conftest import audit_actions
from tests.gui.conftest import focused, main_window, press, sign_in, snap
from tests.gui.test_counter_rough_edges import _barcodes, _cash_sale_of, _counter
from tests.gui.test_sell import attach_customer_by_keys
from tests.integration.sync_helpers import available, one, rows, sell, sync_now
from tests.postgres_server import PostgresDatabase
from tests.sync_groups import CopiedGroup

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def central_database(two_counters_copy: CopiedGroup) -> PostgresDatabase:
    """Here: the group's central (a copy of the group made once a session: tests/sync_groups.py)."""
    return two_counters_copy.central


@pytest.fixture
def group(two_counters_copy: CopiedGroup) -> Iterator[tuple[app.Facet, app.Facet]]:
    """(this counter S1-C1, the other counter S1-C2) of one store, in a group on a fresh central: the demo store
    ran `central init`, the second counter joined from central."""
    first = app.open_facet(two_counters_copy.folders["first"])
    try:
        second = app.open_facet(two_counters_copy.folders["second"])
        try:
            yield first, second
        finally:
            second.close()
    finally:
        first.close()


def _sync_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD_NAME]


def _sockets() -> int:
    """Sockets this process holds open (libpq's too: it opens them in C, below Python's socket module)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except OSError:
            continue
    return count


def _status(main: MainWindow) -> str:
    return str(main.sync_label.text()) if main.sync_label.isVisible() else ""


def test_status_bar_follows_central_a_sale_elsewhere_arrives_unasked_and_selling_goes_on_while_it_is_down(
        qtbot: Any, group: tuple[app.Facet, app.Facet], central_database: Any) -> None:
    first, second = group
    online, offline = _barcodes(first, 2)
    with main_window(qtbot, first) as main:
        sell_view = _counter(qtbot, main, first)  # Lily Chen, a clerk, on the sell screen
        qtbot.waitUntil(lambda: _status(main) == "Synced", timeout=10_000)  # after the worker's first round
        assert len(_sync_threads()) == 1
        assert "Sync" not in main.workspace.screens  # a clerk has no Sync tab  # type: ignore[union-attr]
        snap(main.statusBar(), "sync-status-synced")

        # A sale at the other counter shows here within seconds, with no key pressed: central's NOTIFY.
        piece = available(second)[0]
        sale = sell(second, piece)
        pushed_at = time.monotonic()
        sync_now(second)  # the other counter's worker would do this; central notifies every counter
        qtbot.waitUntil(lambda: one(first, "SELECT number FROM sales WHERE id = ?", sale.sale_id) == sale.number,
                        timeout=8_000)
        assert time.monotonic() - pushed_at < POLL_S / 3  # woken by central, not by the 30 s poll
        assert one(first, "SELECT status FROM items WHERE id = ?", piece) == "sold"

        # A sale here is pushed right after it commits (the op runner's end of work nudges the worker).
        sold_at = time.monotonic()
        _cash_sale_of(qtbot, sell_view, first, [online])
        qtbot.waitUntil(lambda: sync.status(first.sync().local).waiting == 0, timeout=8_000)
        assert time.monotonic() - sold_at < POLL_S / 3

        # Central down: the status bar says so, in the store's time, and the counter sells by keyboard.
        central_database.server.kill()
        try:
            qtbot.waitUntil(lambda: _status(main).startswith("Offline since"), timeout=10_000)
            number = _cash_sale_of(qtbot, sell_view, first, [offline])
            assert number.startswith("S1-C1-")
            status = sync.status(first.sync().local)
            assert status.waiting > 0 and status.offline_since is not None
            clock = store_time(status.offline_since, first.profile.timezone).strftime("%H:%M")
            qtbot.waitUntil(lambda: _status(main) == f"Offline since {clock}, {status.waiting} changes waiting",
                            timeout=5_000)
            assert "not reachable" in main.sync_label.toolTip()
            snap(main.statusBar(), "sync-status-offline")
        finally:
            central_database.server.start()
        # Back by itself (the backoff's next try): what waited reaches central and the other counter.
        qtbot.waitUntil(lambda: _status(main) == "Synced", timeout=20_000)
    assert _sync_threads() == []  # closing the window stopped the worker
    sync_now(second)
    assert one(second, "SELECT count(*) FROM sales WHERE number = ?", number) == 1


def test_a_manager_resolves_a_piece_sold_twice_on_the_sync_tab_and_the_owner_leaves_the_group_from_settings(
        qtbot: Any, group: tuple[app.Facet, app.Facet], central_database: Any) -> None:
    first, second = group
    piece = available(first)[0]
    sell(second, piece)
    sell(first, piece)  # both counters sold it before either synced: both sales stand, one conflict
    sync_now(second)
    sync_now(first)
    with main_window(qtbot, first) as main:
        sign_in(qtbot, main, "Marcus Reed")
        qtbot.waitUntil(lambda: _status(main) == "Synced · 1 conflict", timeout=10_000)
        workspace = main.workspace
        assert workspace is not None
        keys = workspace.keys_of("Sync")
        assert keys is not None and workspace.group_of("Sync") == "Back office"
        digit = keys.removeprefix("Ctrl+")
        qtbot.keyClick(focused(), getattr(Qt.Key, f"Key_{digit}"), CTRL)
        view = workspace.current_screen()
        assert isinstance(view, SyncView)
        qtbot.waitUntil(lambda: len(view.cases) == 1, timeout=10_000)
        assert focused() is view.form.cases_table
        case = view.cases[0]
        assert (case.kind, case.title) == ("conflict", "Sold twice") and "2 sales" in case.details
        assert view.form.status_label.text() == "Synced · 1 conflict"
        snap(view, "sync-tab-conflict")

        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: isinstance(view.dialog, PromptDialog) and view.dialog.isVisible(), timeout=5_000)
        dialog = view.dialog
        assert isinstance(dialog, PromptDialog)
        qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.form.value_edit, timeout=5_000)
        snap(dialog, "sync-resolve-dialog")
        press(qtbot, Qt.Key.Key_Return)  # an empty note is refused: say what was done
        qtbot.waitUntil(lambda: "what was done" in dialog.form.message_label.text(), timeout=5_000)
        qtbot.keyClicks(focused(), "Refunded the sale at S1-C2")
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
        qtbot.waitUntil(lambda: view.cases == [] and "No open conflicts" in view.form.message_label.text(),
                        timeout=10_000)
        qtbot.waitUntil(lambda: _status(main) == "Synced", timeout=10_000)
        snap(view, "sync-tab-resolved")

        # The owner sees the group in Settings (Alt+9) and leaves it (Ctrl+Shift+L, Alt+Y: Enter says no).
        qtbot.keyClick(focused(), Qt.Key.Key_L, CTRL)
        sign_in(qtbot, main, "Jane Ellen")
        assert main.workspace is not None and "Sync" in main.workspace.screens
        assert main.workspace.keys_of("Sync") is None  # her twelfth screen: the last, Ctrl+PgUp from the first
        settings = main.workspace.show_screen("Settings")
        qtbot.keyClick(focused(), Qt.Key.Key_9, Qt.KeyboardModifier.AltModifier)
        page = settings.sync_page
        qtbot.waitUntil(lambda: page.form.counter_value.text() == "C1", timeout=5_000)
        assert page.form.store_value.text() == "S1" and page.form.central_value.text().startswith("127.0.0.1:")
        snap(settings, "settings-sync-group-joined")
        asked: list[str] = []

        def answer(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
            def look() -> None:
                box = QApplication.activeModalWidget()
                if isinstance(box, messages.MessageBox) and box.isVisible():
                    asked.append(box.text())
                    qtbot.keyClick(box, key, modifier)
                else:
                    QTimer.singleShot(20, look)

            QTimer.singleShot(0, look)

        answer(Qt.Key.Key_Return)  # a stray Enter: no
        qtbot.keyClick(focused(), Qt.Key.Key_L, CTRL | Qt.KeyboardModifier.ShiftModifier)
        qtbot.waitUntil(lambda: len(asked) == 1)
        assert main.context.sync is not None and "stops syncing with 127.0.0.1:" in asked[0]
        qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None and QApplication.activeWindow() is main)
        answer(Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)
        qtbot.keyClick(focused(), Qt.Key.Key_L, CTRL | Qt.KeyboardModifier.ShiftModifier)
        qtbot.waitUntil(lambda: len(asked) == 2)
        qtbot.waitUntil(lambda: "left its sync group" in page.form.message_label.text(), timeout=10_000)
        assert main.context.sync is None and _sync_threads() == [] and not main.sync_label.isVisible()
        qtbot.waitUntil(lambda: "pos-app sync join URL --token T" in page.form.how_label.text(), timeout=5_000)
        assert not first.sync().local.state().joined
    with central_database.connect() as pg:
        assert pg.execute("SELECT resolution, resolved_by FROM facet.conflicts").fetchall() == [
            ("Refunded the sale at S1-C2", "Marcus Reed")]
    assert "sync.resolved" in audit_actions(first)


def test_a_store_that_never_joined_starts_no_worker_and_opens_no_socket(qtbot: Any, demo_facet: app.Facet) -> None:
    before = _sockets()
    with main_window(qtbot, demo_facet) as main:
        sign_in(qtbot, main, "Jane Ellen")
        assert main.context.sync is None and _sync_threads() == []
        assert not main.sync_label.isVisible()
        workspace = main.workspace
        assert workspace is not None and "Sync" not in workspace.screens
        settings = workspace.show_screen("Settings")
        qtbot.keyClick(focused(), Qt.Key.Key_9, Qt.KeyboardModifier.AltModifier)  # the Sync group page
        page = settings.sync_page
        qtbot.waitUntil(lambda: "pos-app sync join URL --token T" in page.form.how_label.text(), timeout=5_000)
        assert not page.form.leave_button.isVisible()
        snap(settings, "settings-sync-group-not-joined")
        qtbot.wait(300)
        assert _sockets() == before
    assert _sync_threads() == []


def test_each_kind_of_stock_case_tells_the_manager_what_happened_and_what_to_do() -> None:
    def sale(terminal: str, quantity: int) -> dict[str, Any]:
        return {"movement": "m", "reference": "r", "terminal": terminal, "quantity": quantity}

    found = {"conflicts": [
        {"id": 1, "kind": "sold_twice", "sku": "SOL-1", "at": "2026-12-07T19:02:00+00:00",
         "details": {"on_hand": -1, "store": "s1", "in_transit": False,
                     "sales": [sale("S1-C1", -1), sale("S1-C2", -1)]}},
        {"id": 2, "kind": "below_zero", "sku": "CHAIN-18", "at": "2026-12-07T19:02:00+00:00",
         "details": {"on_hand": -2, "store": "s1", "in_transit": False, "sales": [sale("S1-C2", -3)]}},
        {"id": 3, "kind": "below_zero", "sku": "CHAIN-20", "at": "2026-12-07T19:02:00+00:00",
         "details": {"on_hand": -4, "store": "s2", "in_transit": True,
                     "sales": [sale("S1-C1", 4), sale("S2-C1", -4), sale("S2-C2", -4)]}}]}
    twice, short, checked_twice = cases_of(found, "America/New_York")
    assert (twice.title, twice.what, twice.since) == ("Sold twice", "piece SOL-1", "2026-12-07 14:02")
    assert twice.details == "2 sales (S1-C1, S1-C2); on hand -1: refund one sale or substitute a piece"
    assert short.details == "1 sales (S1-C2); on hand -2: count the stock and adjust it, or refund a sale"
    assert (checked_twice.title, checked_twice.what) == ("Stock below zero", "units in transit of piece CHAIN-20")
    assert checked_twice.details == ("checked in 2 times (S2-C1, S2-C2); in transit -4: count what arrived and "
                                     "adjust the stock for the units counted twice")


def test_the_status_words_name_conflicts_to_managers_only_and_read_the_store_clock() -> None:
    offline = dt.datetime(2026, 12, 7, 19, 2, tzinfo=dt.UTC)  # 14:02 in New York
    status = sync.SyncStatus(joined=True, central="host=db.example port=5432 dbname=facet", store_code="S1",
                             counter_code="C2", online=False, offline_since=offline, last_error="not reachable",
                             waiting=37, last_push_at=None, last_pull_at=None, conflicts=1, attention=0)
    report = SyncReport(status, checked=True)
    same_day = offline + dt.timedelta(hours=1)
    assert status_text(report, "America/New_York", show_cases=False, now=same_day) == (
        "Offline since 14:02, 37 changes waiting")
    assert status_text(report, "America/New_York", show_cases=True, now=same_day) == (
        "Offline since 14:02, 37 changes waiting · 1 conflict")
    assert status_text(report, "America/New_York", show_cases=False, now=offline + dt.timedelta(days=1)) == (
        "Offline since Dec 7 14:02, 37 changes waiting")
    back = dataclasses.replace(status, online=True, offline_since=None, waiting=0, conflicts=0, last_error=None)
    assert status_text(SyncReport(back, checked=True), "America/New_York", show_cases=True) == "Synced"
    clash = dataclasses.replace(back, last_error="a change from central (items 1) clashes with a row of this...")
    assert status_text(SyncReport(clash, checked=True), "America/New_York", show_cases=True).startswith(
        "Sync stopped: a change from central clashes")
    assert status_text(SyncReport(back, checked=False), "America/New_York", show_cases=True) == "Syncing…"
    assert status_text(SyncReport(dataclasses.replace(back, joined=False), checked=True), "UTC",
                       show_cases=True) == ""
    assert central_place(status.central) == "db.example:5432/facet"


def test_a_customer_corrected_then_erased_at_the_other_counter_changes_the_cart_here_within_seconds(
        qtbot: Any, group: tuple[app.Facet, app.Facet]) -> None:
    from pos_app.domain.permissions import Role
    from pos_app.services import customers, erasure, privacy
    from tests.conftest import actor_for

    first, second = group
    customer_id, email, phone = rows(first, "SELECT id, email, phone FROM customers WHERE erased_at IS NULL "
                                            "AND restricted = 0 ORDER BY last_name, id LIMIT 1")[0]
    hit = first.store.sales.customer(customer_id)
    assert hit is not None
    with main_window(qtbot, first) as main:
        sell_view = _counter(qtbot, main, first)
        qtbot.waitUntil(lambda: _status(main) == "Synced", timeout=10_000)
        attach_customer_by_keys(qtbot, sell_view, hit.name, customer_id)  # to the sale being rung up

        # The other counter corrects the name (as typed, in any script): the cart here shows it, unasked.
        manager = actor_for(second, Role.MANAGER)
        customers.update_customer(customer_id, customers.CustomerEdit(
            first_name="Zoë", last_name="Ōtsuka-Łukasik", email=email or "", phone=phone or ""),
            uow=second.uow(), actor=manager)
        sync_now(second)
        qtbot.waitUntil(lambda: sell_view.form.customer_label.text() == "Zoë Ōtsuka-Łukasik", timeout=8_000)
        assert "name was corrected" in sell_view.form.message_label.text()

        # Then erases them at their request: the sale here goes on without the customer, and says so.
        officer = actor_for(second, Role.PRIVACY_OFFICER)
        request = privacy.record_request(customer_id, "deletion", "email", uow=second.uow(), actor=officer).id
        privacy.verify(request, "code_to_email_on_file", officer.staff_id or "", uow=second.uow(), actor=officer)
        erasure.erase_customer(customer_id, request, uow=second.uow(), actor=officer, log=second.erasure_log(),
                               store=second.db)
        sync_now(second)
        qtbot.waitUntil(lambda: sell_view.cart.customer_id is None, timeout=8_000)
        assert sell_view.form.customer_label.text() == "No customer"
        assert "erased at their request" in sell_view.form.message_label.text()
        snap(main, "sync-customer-erased-elsewhere")


def test_f2_asks_the_worker_for_a_round_at_once_not_at_the_next_poll(
        qtbot: Any, group: tuple[app.Facet, app.Facet]) -> None:
    """Before a sale to a customer, what other counters changed about them is pulled even if central's
    NOTIFY was lost: finding a customer (F2) starts a round, rather than the 30 s poll."""
    first, _second = group
    with main_window(qtbot, first) as main:
        sell_view = _counter(qtbot, main, first)
        qtbot.waitUntil(lambda: _status(main) == "Synced", timeout=10_000)
        worker = main.context.sync
        assert worker is not None
        rounds: list[SyncReport] = []
        worker.report.connect(lambda report: rounds.append(report))
        for _ in range(20):  # until the rounds of signing in are over: 1.5 s with none
            seen = len(rounds)
            qtbot.wait(1_500)
            if len(rounds) == seen:
                break
        rounds.clear()
        qtbot.keyClick(focused(), Qt.Key.Key_F2)
        qtbot.waitUntil(lambda: sell_view.dialog is not None and sell_view.dialog.isVisible())
        qtbot.waitUntil(lambda: any(not r.syncing for r in rounds), timeout=POLL_S * 1000 / 6)
