"""Stock count, stock reports, and a store that cannot be opened (the first run: test_first_run_wizard.py)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from pos_app.adapters.secrets import KeyringSecrets, database_key_name
from pos_app.gui import launch, messages
from pos_app.gui.inventory.model import InventoryModel
from pos_app.gui.main_window import MainWindow
from pos_app.services.ports.inventory import InventoryFilter
from tests.gui.conftest import sign_in


def test_inventory_table_model_passes_qt_model_checks(qtmodeltester, demo_facet) -> None:  # type: ignore[no-untyped-def]
    reader = demo_facet.store.inventory
    model = InventoryModel(reader.count, reader.page_seqs, reader.rows, lambda cents, cur: f"{cents}",
                           show_cost=True)
    model.set_filter(InventoryFilter(text="tennis"))
    assert model.rowCount() > 0
    qtmodeltester.check(model)
    model.sort(4, Qt.SortOrder.DescendingOrder)
    prices = [model.row_at(r).price_cents for r in range(model.rowCount())]
    assert prices == sorted(prices, reverse=True)


def test_clerk_counts_a_case_by_scanning_and_a_manager_posts_the_differences(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Lily Chen")
    window.workspace.show_screen("Stock count")
    view = window.workspace.screens["Stock count"]
    assert not view.form.post_button.isVisibleTo(view)
    view.form.location_combo.setCurrentText("Case 2")
    qtbot.keyClick(view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: view.count_id is not None, timeout=5_000)
    expected = window.context.reader.expected_at("Case 2")
    scanned, missing = expected[:-1], expected[-1]
    for row in scanned:
        qtbot.keyClicks(view.form.scan_edit, row.barcode or row.sku)
        qtbot.keyClick(view.form.scan_edit, Qt.Key.Key_Return)
        window.context.runner.wait()
        qtbot.waitUntil(lambda sku=row.sku: sku in view.form.last_scan_label.text())
    qtbot.keyClicks(view.form.scan_edit, "NO-SUCH-CODE")
    qtbot.keyClick(view.form.scan_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "no item has this code" in view.form.last_scan_label.text())
    qtbot.waitUntil(lambda: view.report is not None and view.report.unknown_codes == ("NO-SUCH-CODE",))

    # Ctrl+Z in the scan field undoes the last scan (not the field's text), and the
    # list follows; scanning it again brings it back.
    qtbot.keyClick(view.form.scan_edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.report.unknown_codes == ())
    assert view.form.scan_edit.text() == ""
    qtbot.keyClicks(view.form.scan_edit, "NO-SUCH-CODE")
    qtbot.keyClick(view.form.scan_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.report.unknown_codes == ("NO-SUCH-CODE",))
    assert [line.item.sku for line in view.report.missing] == [missing.sku]
    assert view.report.unknown_codes == ("NO-SUCH-CODE",)
    assert f"{len(scanned)} of {len(expected)} expected" in view.form.summary_label.text()

    # The count survives the clerk locking the screen; the manager resumes and posts it.
    window.lock("")
    sign_in(qtbot, window, "Marcus Reed")
    view = window.workspace.screens["Stock count"]
    assert view.count_id is not None and view.form.post_button.isVisibleTo(view)
    view.post()
    qtbot.waitUntil(lambda: view.count_id is None, timeout=5_000)
    assert "1 difference adjusted" in view.form.last_scan_label.text()
    assert window.context.reader.lookup_code(missing.sku).on_hand == missing.on_hand - 1


def test_reports_load_off_the_gui_thread_when_first_shown_and_show_low_stock_and_aging(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Marcus Reed")
    view = window.workspace.screens["Reports"]
    assert view.results is None  # nothing is read until the screen is opened
    window.workspace.show_screen("Reports")
    qtbot.waitUntil(lambda: view.results is not None, timeout=10_000)

    low = window.context.reader.low_stock()
    table = view.form.low_table.model()
    assert table.rowCount() == len(low)
    if low:
        assert table.text(0, 0) == low[0].item.sku
    buckets = view.form.buckets_table.model()
    assert buckets.rowCount() == 4
    pieces = sum(int(buckets.text(r, 1).replace(",", "")) for r in range(4))
    assert pieces == sum(r.on_hand for r in window.context.reader.rows(
        window.context.reader.item_seqs(InventoryFilter(in_stock_only=True), "sku", False)))

    view.form.min_days_spin.setValue(365)
    view.refresh()
    qtbot.waitUntil(lambda: view.results is not None and view.results.min_days == 365, timeout=10_000)
    aging = view.form.aging_table.model()
    days = [int(aging.text(r, 2)) for r in range(aging.rowCount())]
    assert days and min(days) >= 365 and days == sorted(days, reverse=True)


def test_a_store_that_cannot_be_opened_is_explained_and_left_untouched(qtbot, demo_dir: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    KeyringSecrets().set(database_key_name(demo_dir), "ab" * 32)
    before = (demo_dir / "facet.db").read_bytes()
    shown: list[str] = []

    def read_and_close() -> None:  # the box waits (no window yet): read it, then Enter, as a person would
        box = QApplication.activeModalWidget()
        if not isinstance(box, messages.MessageBox):
            QTimer.singleShot(20, read_and_close)
            return
        shown.append(box.text())
        assert box.windowTitle() == "Facet cannot start" and box.kind is messages.Kind.ERROR
        qtbot.keyClick(box, Qt.Key.Key_Return)

    QTimer.singleShot(0, read_and_close)
    code = launch.run_desktop(demo_dir)
    assert code == 2
    assert shown and "the key does not open it" in shown[0]
    assert "the key does not open it" in capsys.readouterr().err
    assert (demo_dir / "facet.db").read_bytes() == before
    assert QApplication.instance() is not None
