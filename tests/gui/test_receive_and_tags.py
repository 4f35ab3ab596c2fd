"""A manager receives necklaces, fixes mistakes the form points at, and prints tags."""

from __future__ import annotations

import os
from pathlib import Path

import pdfplumber
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pos_app.gui import dialogs
from pos_app.gui.inventory.adjust_dialog import AdjustDialog
from pos_app.gui.inventory.receive_dialog import ReceiveDialog
from pos_app.gui.inventory.tag_dialog import TagSheetDialog
from pos_app.gui.main_window import MainWindow
from tests.gui.conftest import focused, sign_in, snap


def _type_new_piece(qtbot, dialog: ReceiveDialog, *, price: str) -> None:  # type: ignore[no-untyped-def]
    form = dialog.item_form.form
    qtbot.keyClicks(form.sku_edit, "HAL-9001")
    form.style_combo.setCurrentIndex(form.style_combo.findData("halo"))
    qtbot.keyClicks(form.title_edit, "1.20 ct Oval Halo Pendant Necklace")
    form.metal_combo.setCurrentIndex(form.metal_combo.findData("18k_white"))
    qtbot.keyClicks(form.chain_length_in_edit, "18")
    qtbot.keyClicks(form.total_carat_edit, "1.52")
    form.center_shape_combo.setCurrentIndex(form.center_shape_combo.findData("oval"))
    qtbot.keyClicks(form.center_carat_edit, "1.20")
    qtbot.keyClicks(form.center_color_edit, "F")
    qtbot.keyClicks(form.cost_edit, "4100")
    qtbot.keyClicks(form.price_edit, price)
    form.location_combo.setCurrentIndex(form.location_combo.findData("Case 2"))


def test_manager_receives_a_necklace_and_prints_a_tag_sheet_with_its_sku_and_price(
        qtbot, window: MainWindow, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Marcus Reed")
    inventory = window.workspace.show_screen("Inventory")
    before = inventory.model.rowCount()
    qtbot.keyClick(focused(), Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = inventory.dialog
    assert isinstance(dialog, ReceiveDialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.item_form.form.sku_edit)

    _type_new_piece(qtbot, dialog, price="8,995.00")
    qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(dialog.received) == 1, timeout=5_000)
    record = dialog.received[0]
    assert record.spec.sku == "HAL-9001" and record.on_hand == 1
    assert record.spec.price.cents == 899_500
    assert "Received HAL-9001" in dialog.form.message_label.text()
    qtbot.waitUntil(lambda: inventory.model.rowCount() == before + 1)

    saved = tmp_path / "tags.pdf"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *args: saved)
    qtbot.keyClick(focused(), Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    tag_dialog = dialog.tag_dialog
    assert isinstance(tag_dialog, TagSheetDialog) and tag_dialog.isVisible()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is tag_dialog.form.stock_combo)
    qtbot.keyClick(tag_dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: tag_dialog.saved_path == saved, timeout=10_000)
    snap(tag_dialog, "tag-sheet-saved")
    with pdfplumber.open(saved) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert "HAL-9001" in text
    assert "$8,995.00" in text


def test_a_bad_price_is_named_on_the_form_and_nothing_is_received(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Marcus Reed")
    inventory = window.workspace.screens["Inventory"]
    count = window.context.directory.counts().items
    inventory.receive()
    dialog = inventory.dialog
    _type_new_piece(qtbot, dialog, price="12.5.0")
    dialog.save()
    qtbot.waitUntil(lambda: "price" in dialog.form.message_label.text(), timeout=5_000)
    assert "not an amount" in dialog.form.message_label.text()
    assert dialog.item_form.form.price_edit.property("invalid") is True
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.item_form.form.price_edit)
    assert dialog.received == []
    assert window.context.directory.counts().items == count


def test_duplicate_sku_is_refused_with_the_field_named(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Marcus Reed")
    inventory = window.workspace.screens["Inventory"]
    existing = window.context.reader.search("solitaire", 1)[0]
    inventory.receive()
    dialog = inventory.dialog
    _type_new_piece(qtbot, dialog, price="9,100")
    dialog.item_form.form.sku_edit.setText(existing.sku)
    dialog.save()
    qtbot.waitUntil(lambda: "already used" in dialog.form.message_label.text(), timeout=5_000)
    assert dialog.item_form.form.sku_edit.property("invalid") is True


def test_manager_adjusts_stock_with_a_reason_and_the_list_shows_it(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Marcus Reed")
    inventory = window.workspace.show_screen("Inventory")
    inventory.form.search_edit.setText("bezel")
    inventory.apply_filter()
    counted = next(r for r in (inventory.model.row_at(n) for n in range(inventory.model.rowCount()))
                   if r.tracking == "counted")
    row = inventory.model.row_of_seq(counted.seq)
    inventory.form.table.setCurrentIndex(inventory.model.index(row, 0))
    qtbot.keyClick(inventory.form.table, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    dialog = inventory.dialog
    assert isinstance(dialog, AdjustDialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.form.change_spin.lineEdit()
                    or QApplication.focusWidget() is dialog.form.change_spin)
    dialog.form.change_spin.selectAll()
    qtbot.keyClicks(dialog.form.change_spin, "2")
    dialog.form.reason_combo.setEditText("Found in the back office")
    qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.result_record is not None, timeout=5_000)
    assert dialog.result_record.on_hand == counted.on_hand + 2
    qtbot.waitUntil(lambda: inventory.model.row_at(inventory.model.row_of_seq(counted.seq)).on_hand
                    == counted.on_hand + 2)
    history = window.context.reader.history(counted.id)
    assert history[0].kind == "adjustment" and history[0].reason == "Found in the back office"


def test_a_clerk_adjusts_stock_once_a_manager_enters_a_pin(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    from pos_app.gui.approval import ApprovalDialog

    sign_in(qtbot, window, "Lily Chen")
    inventory = window.workspace.show_screen("Inventory")
    inventory.form.search_edit.setText("bezel")
    inventory.apply_filter()
    counted = next(r for r in (inventory.model.row_at(n) for n in range(inventory.model.rowCount()))
                   if r.tracking == "counted")
    inventory.form.table.setCurrentIndex(inventory.model.index(inventory.model.row_of_seq(counted.seq), 0))
    qtbot.keyClick(inventory.form.table, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    dialog = inventory.dialog
    assert isinstance(dialog, AdjustDialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.form.change_spin.lineEdit()
                    or QApplication.focusWidget() is dialog.form.change_spin)
    dialog.form.change_spin.selectAll()
    qtbot.keyClicks(dialog.form.change_spin, "-1")
    dialog.form.reason_combo.setEditText("Damaged")
    qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    qtbot.waitUntil(lambda: isinstance(getattr(dialog, "dialog", None), ApprovalDialog)
                    and dialog.dialog.isVisible(), timeout=5_000)
    approval = dialog.dialog
    assert "stock adjustment needs a manager's approval" in approval.form.reason_label.text()
    assert approval.form.staff_list.currentItem().text() == "Marcus Reed (Manager)"
    folder = os.environ.get("FACET_DIALOG_PNG")
    if folder:
        dialog.grab().save(str(Path(folder) / "adjust-asks-a-manager.png"))
        approval.grab().save(str(Path(folder) / "adjust-approval.png"))
    approval.form.pin_edit.setFocus()
    qtbot.keyClicks(approval.form.pin_edit, "2222")
    qtbot.keyClick(approval.form.pin_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.result_record is not None, timeout=5_000)
    assert dialog.result_record.on_hand == counted.on_hand - 1
    event = window.context.facet.connection().execute(
        "SELECT s.name, a.name FROM audit_events e JOIN staff s ON s.id = e.staff_id "
        "JOIN staff a ON a.id = e.approved_by WHERE e.action = 'stock.adjusted' ORDER BY e.seq DESC LIMIT 1").fetchone()
    assert event == ("Lily Chen", "Marcus Reed")


def test_a_bare_diamond_necklace_is_received_only_after_the_manager_confirms_and_the_next_piece_starts_without_its_price(
        qtbot, window: MainWindow, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    answers, asked = [False, True], []
    monkeypatch.setattr(dialogs, "ask_yes_no", lambda _parent, _title, text: asked.append(text) or answers.pop(0))
    sign_in(qtbot, window, "Marcus Reed")
    inventory = window.workspace.show_screen("Inventory")
    qtbot.keyClick(focused(), Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = inventory.dialog
    assert isinstance(dialog, ReceiveDialog)
    form = dialog.item_form.form
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.sku_edit)
    qtbot.keyClicks(form.sku_edit, "TEN-8170")
    form.style_combo.setCurrentIndex(form.style_combo.findData("tennis"))
    qtbot.keyClicks(form.title_edit, "Riviera Tennis Necklace")
    form.metal_combo.setCurrentIndex(form.metal_combo.findData("14k_white"))
    qtbot.keyClicks(form.chain_length_in_edit, "17")
    qtbot.keyClicks(form.price_edit, "18,500.00")
    form.location_combo.setCurrentIndex(form.location_combo.findData("Case 2"))

    qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(asked) == 1, timeout=5_000)
    question = asked[0].lower()
    assert "no cost" in question and "no stones" in question and "no carat weight" in question
    assert dialog.received == [], "No: nothing is received"
    assert "Not received yet" in dialog.form.message_label.text()
    assert QApplication.focusWidget() is form.cost_edit, "No goes back to the first missing field"

    qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(dialog.received) == 1, timeout=5_000)
    assert len(asked) == 2
    assert dialog.received[0].spec.price.cents == 1_850_000
    assert form.price_edit.text() == "" and form.sku_edit.text() == "" and form.title_edit.text() == ""
    assert form.style_combo.currentData() == "tennis" and form.chain_length_in_edit.text() == "17", \
        "what a batch shares stays"
    assert QApplication.focusWidget() is form.sku_edit
    dialog.grab().save(os.environ.get("FACET_SNAP_DIR", "/tmp") + "/receive_after_piece.png")


def test_a_center_stone_heavier_than_all_the_stones_is_refused_on_its_field_without_a_question(
        qtbot, window: MainWindow, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    asked: list[str] = []
    monkeypatch.setattr(dialogs, "ask_yes_no", lambda _parent, _title, text: asked.append(text) or True)
    sign_in(qtbot, window, "Marcus Reed")
    inventory = window.workspace.show_screen("Inventory")
    qtbot.keyClick(focused(), Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = inventory.dialog
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.item_form.form.sku_edit)
    _type_new_piece(qtbot, dialog, price="8,995.00")
    dialog.item_form.form.total_carat_edit.setText("0.80")
    qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "more than the total carat weight" in dialog.form.message_label.text(), timeout=5_000)
    assert dialog.item_form.form.center_carat_edit.property("invalid") is True
    assert asked == [] and dialog.received == []
