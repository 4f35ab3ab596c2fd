"""Locking hides open work; a CSV with bad rows can still bring in its good ones."""

from __future__ import annotations

import csv
from pathlib import Path

from pos_app.domain.items import COLUMNS
from pos_app.gui import dialogs
from pos_app.gui.inventory.item_dialog import ItemDialog
from pos_app.gui.inventory.tag_dialog import TagSheetDialog
from pos_app.gui.main_window import MainWindow
from tests.gui.conftest import sign_in


def test_locking_closes_an_open_item_so_the_next_person_cannot_see_it(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Marcus Reed")
    inventory = window.workspace.screens["Inventory"]
    inventory.open_item(window.context.reader.search("halo", 1)[0].id)
    dialog = inventory.dialog
    assert isinstance(dialog, ItemDialog)
    qtbot.waitUntil(lambda: dialog.detail is not None)
    assert dialog.isVisible()
    window.lock("")
    assert not dialog.isVisible()
    assert window.stack.currentWidget() is window.sign_in


def _row(sku: str, price: str) -> dict[str, str]:
    return {"sku": sku, "style": "bezel", "title": f"Bezel Necklace {sku}", "metal": "14k_white",
            "price": price, "tracking": "unique", "location": "Case 2"}


def test_an_import_with_a_bad_row_offers_to_bring_in_the_good_rows(
        qtbot, window: MainWindow, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Marcus Reed")
    inventory = window.workspace.screens["Inventory"]
    path = tmp_path / "new.csv"
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, COLUMNS)
        writer.writeheader()
        writer.writerows([_row("NEW-1", "500"), _row("NEW-2", "five hundred"), _row("NEW-3", "700")])
    asked: list[str] = []
    monkeypatch.setattr(dialogs, "ask_open_path", lambda *args: path)
    monkeypatch.setattr(dialogs, "ask_yes_no", lambda _parent, _title, text: asked.append(text) or True)
    before = window.context.directory.counts().items

    inventory.import_csv()

    qtbot.waitUntil(lambda: "Imported new.csv" in inventory.form.message_label.text(), timeout=10_000)
    assert asked and "1 of 3 rows have a problem" in asked[0]
    assert window.context.directory.counts().items == before + 2
    rejects = tmp_path / "new.rejected.csv"
    assert "NEW-2" in rejects.read_text() and "price" in rejects.read_text()


def test_saving_tags_into_a_missing_folder_says_so_and_leaves_no_file(
        qtbot, window: MainWindow, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Lily Chen")
    target = tmp_path / "no-such-folder" / "tags.pdf"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *args: target)
    dialog = TagSheetDialog(window.context, [window.context.reader.search("halo", 1)[0].id], window)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.save_pdf()
    qtbot.waitUntil(lambda: "cannot write" in dialog.form.message_label.text(), timeout=10_000)
    assert not target.parent.exists()


def test_the_app_runs_the_retention_job_once_a_day_off_the_gui_thread(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    from pos_app.gui import main_window

    assert window.retention_timer.isActive() and window.retention_timer.interval() == main_window.RETENTION_CHECK_MS
    facet = window.context.facet

    def runs() -> int:
        conn = facet.connection()
        try:
            return int(conn.execute("SELECT count(*) FROM audit_events WHERE action = 'retention.ran'").fetchone()[0])
        finally:
            conn.close()

    window.run_retention_if_due()
    qtbot.waitUntil(lambda: not window.context.runner.busy, timeout=10_000)
    assert runs() == 1
    window.run_retention_if_due()  # the same day: nothing more
    qtbot.waitUntil(lambda: not window.context.runner.busy, timeout=10_000)
    assert runs() == 1
