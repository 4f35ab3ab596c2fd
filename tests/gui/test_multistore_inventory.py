"""A store in a sync group: the inventory shows each piece's home store, filters by store, sends a piece to
the other store and receives one sent here, all by keyboard."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pos_app.gui.inventory.item_dialog import ItemDialog
from pos_app.gui.main_window import MainWindow
from pos_app.gui.sell.prompts import ChoiceDialog, PromptDialog
from pos_app.services import transfers
from tests.gui.conftest import focused, main_window, press, sign_in, snap
from tests.integration.multistore_helpers import Group, group_fixture  # noqa: F401
from tests.integration.sync_helpers import available, one, rows, sync_now


def _coming_back(group: Group) -> str:
    """A piece of the demo store that went to Uptown, was received there and is now sent back: in transit here."""
    first, second = group.first, group.second
    piece = available(first, n=5)[-1]
    transfers.transfer_out(piece, "S2", uow=first.uow(), actor=group.manager_at_first())
    sync_now(first)
    sync_now(second)
    uptown = group.owner_at_second()
    transfers.receive_transfer(piece, uow=second.uow(), actor=uptown)
    transfers.transfer_out(piece, "S1", uow=second.uow(), actor=uptown)
    sync_now(second)
    sync_now(first)
    return piece


def _manager_at_inventory(qtbot: Any, window: Any) -> Any:
    """Marcus Reed (manager) signed in, on the inventory by its Ctrl+number key, the search box focused."""
    assert isinstance(window, MainWindow)
    sign_in(qtbot, window, "Marcus Reed")
    screens = list(window.workspace.screens)
    press(qtbot, getattr(Qt.Key, f"Key_{screens.index('Inventory') + 1}"), Qt.KeyboardModifier.ControlModifier)
    inventory = window.workspace.screens["Inventory"]
    qtbot.waitUntil(lambda: focused() is inventory.form.search_edit)
    return inventory


def test_a_manager_sends_a_piece_finds_it_with_the_store_filter_and_receives_one_by_keyboard(
        qtbot, group: Group) -> None:  # type: ignore[no-untyped-def]
    first = group.first
    returning = _coming_back(group)
    assert rows(first, "SELECT status, on_hand FROM items WHERE id = ?", returning) == [("in_transit", 0)]
    with main_window(qtbot, first) as window:
        inventory = _manager_at_inventory(qtbot, window)
        model = inventory.model
        assert [c.title for c in model.columns][:2] == ["SKU", "Store"]
        total = model.rowCount()
        assert total == one(first, "SELECT count(*) FROM items")
        assert inventory.form.transfer_button.isVisible() and inventory.form.receive_transfer_button.isVisible()

        # Send the first piece of the list to Uptown: Ctrl+Shift+G, the store chosen with Enter.
        press(qtbot, Qt.Key.Key_Down)
        assert focused() is inventory.form.table
        sent = model.row_at(inventory.form.table.currentIndex().row())
        assert sent is not None and sent.status == "available" and sent.store_code == "S1"
        press(qtbot, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        qtbot.waitUntil(lambda: isinstance(inventory.dialog, ChoiceDialog) and inventory.dialog.isVisible())
        qtbot.waitUntil(lambda: focused() is inventory.dialog.form.choices_list)
        assert inventory.dialog.form.choices_list.currentItem().text() == "S2  Uptown"
        snap(inventory.dialog, "inventory_send_to_store")
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "in transit to S2" in inventory.form.message_label.text(), timeout=5_000)
        assert rows(first, "SELECT status, store_id FROM items WHERE id = ?", sent.id) == \
            [("in_transit", group.store_id(group.second))]

        # The store filter: Tab to it from the search box, then the arrow keys.
        combo = inventory.form.store_combo
        assert [combo.itemText(i) for i in range(combo.count())] == ["All stores", "This store", "S2 Uptown"]
        window.activateWindow()  # the offscreen platform has no window manager to give the window back its focus
        qtbot.waitUntil(lambda: QApplication.focusWidget() is inventory.form.table)  # the list has the focus back
        press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert focused() is inventory.form.search_edit
        for _ in range(5):  # style, metal, status, location, then the store filter
            press(qtbot, Qt.Key.Key_Tab)
        assert focused() is combo
        press(qtbot, Qt.Key.Key_Down)
        qtbot.waitUntil(lambda: model.rowCount() == total - 1)  # this store's own: not the piece sent away
        press(qtbot, Qt.Key.Key_Down)
        qtbot.waitUntil(lambda: model.rowCount() == 1)
        row = model.row_at(0)
        assert row is not None and (row.id, row.store_code, row.status) == (sent.id, "S2", "in_transit")
        store_column = [c.key for c in model.columns].index("store")
        assert model.index(0, store_column).data() == "S2"
        assert inventory.form.count_label.text() == "1 item"
        snap(inventory, "inventory_store_filter")

        # The piece Uptown sent back: found by its SKU, received with Ctrl+Shift+R.
        press(qtbot, Qt.Key.Key_Escape)  # Esc clears every filter, the store too
        qtbot.waitUntil(lambda: model.rowCount() == total)
        assert combo.currentIndex() == 0
        qtbot.keyClicks(inventory.form.search_edit, one(first, "SELECT sku FROM items WHERE id = ?", returning))
        qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=3_000)
        press(qtbot, Qt.Key.Key_Down)
        press(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        qtbot.waitUntil(lambda: "from S2 received" in inventory.form.message_label.text(), timeout=5_000)
        assert rows(first, "SELECT status, on_hand FROM items WHERE id = ?", returning) == [("available", 1)]
        qtbot.waitUntil(lambda: model.row_at(0) is not None and model.row_at(0).status == "available")
        snap(inventory, "inventory_transfer_received")

        # Receiving it twice is refused on the screen, and nothing changes.
        press(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        qtbot.waitUntil(lambda: "not in transit" in inventory.form.message_label.text(), timeout=5_000)
        assert one(first, "SELECT count(*) FROM stock_movements WHERE item_id = ? AND kind = 'transfer_in' "
                          "AND terminal = ?", returning, first.terminal) == 1


def test_a_manager_sends_units_of_a_counted_item_and_checks_in_part_of_a_transfer_by_keyboard(
        qtbot, group: Group) -> None:  # type: ignore[no-untyped-def]
    first, second = group.first, group.second
    uptown = group.owner_at_second()
    counted = max(available(first, "counted", n=50), key=lambda i: one(first, "SELECT on_hand FROM items "
                                                                                "WHERE id = ?", i))
    sku = one(first, "SELECT sku FROM items WHERE id = ?", counted)
    stock = one(first, "SELECT on_hand FROM items WHERE id = ?", counted)
    assert stock >= 7
    # Uptown got four earlier and sends two back: they are in transit to this store.
    transfers.transfer_out(counted, "S2", uow=first.uow(), actor=group.manager_at_first(), quantity=4)
    group.sync_all()
    transfers.receive_transfer(counted, uow=second.uow(), actor=uptown)
    transfers.transfer_out(counted, "S1", uow=second.uow(), actor=uptown, quantity=2)
    group.sync_all()
    assert one(first, "SELECT on_hand FROM items WHERE id = ?", counted) == stock - 4
    with main_window(qtbot, first) as window:
        inventory = _manager_at_inventory(qtbot, window)
        model = inventory.model
        qtbot.keyClicks(inventory.form.search_edit, sku)
        qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=3_000)
        press(qtbot, Qt.Key.Key_Down)
        assert focused() is inventory.form.table

        # Send three to Uptown: the store with Enter, then the quantity (a word is refused, nothing sent).
        press(qtbot, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        qtbot.waitUntil(lambda: isinstance(inventory.dialog, ChoiceDialog) and inventory.dialog.isVisible())
        qtbot.waitUntil(lambda: focused() is inventory.dialog.form.choices_list)
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: isinstance(inventory.dialog, PromptDialog) and inventory.dialog.isVisible())
        prompt = inventory.dialog
        qtbot.waitUntil(lambda: focused() is prompt.form.value_edit)
        assert f"{stock - 4} on hand at this store" in prompt.form.prompt_label.text()
        qtbot.keyClicks(prompt.form.value_edit, "three")
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "not a whole number of units" in prompt.form.message_label.text(), timeout=5_000)
        assert prompt.form.message_label.text().startswith("Quantity: ")
        assert one(first, "SELECT on_hand FROM items WHERE id = ?", counted) == stock - 4
        prompt.form.value_edit.selectAll()
        qtbot.keyClicks(prompt.form.value_edit, "3")
        snap(prompt, "inventory_send_units")
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: f"3 of {sku} are in transit to S2" in inventory.form.message_label.text(),
                        timeout=5_000)
        assert one(first, "SELECT on_hand FROM items WHERE id = ?", counted) == stock - 7

        # The two Uptown sent back: one arrived so far.
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is inventory.form.table)
        press(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        qtbot.waitUntil(lambda: isinstance(inventory.dialog, PromptDialog) and inventory.dialog.isVisible(),
                        timeout=5_000)
        prompt = inventory.dialog
        qtbot.waitUntil(lambda: focused() is prompt.form.value_edit)
        assert "2 in transit to this store" in prompt.form.prompt_label.text()
        assert prompt.form.value_edit.text() == "2"
        qtbot.keyClicks(prompt.form.value_edit, "1")  # replaces the selected 2
        snap(prompt, "inventory_receive_units")
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: f"1 of {sku} from S2 received: available here; 1 still in transit"
                        in inventory.form.message_label.text(), timeout=5_000)
        assert one(first, "SELECT on_hand FROM items WHERE id = ?", counted) == stock - 6
        qtbot.waitUntil(lambda: model.row_at(0) is not None and model.row_at(0).on_hand == stock - 6)
        snap(inventory, "inventory_units_received")

        # The item's stock history says whose stock each line changed.
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is inventory.form.table)
        press(qtbot, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: isinstance(inventory.dialog, ItemDialog) and inventory.dialog.isVisible())
        item = inventory.dialog
        qtbot.waitUntil(lambda: item.isAncestorOf(QApplication.focusWidget()))  # the keyboard is in the dialog
        press(qtbot, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: item.form.tabs.currentIndex() == 2)
        history = item.form.history_table
        qtbot.waitUntil(lambda: history.isVisible() and history.model() is not None
                        and history.model().rowCount() > 0)
        lines_model = history.model()
        headers = [lines_model.headerData(c, Qt.Orientation.Horizontal) for c in range(lines_model.columnCount())]
        assert headers[:4] == ["When", "What", "Store", "Quantity"]
        lines = [tuple(lines_model.index(r, c).data() for c in (1, 2, 3)) for r in range(lines_model.rowCount())]
        assert lines[:4] == [("Transferred in", "S1", "+1"), ("In transit", "S1", "-1"),  # newest first
                             ("In transit", "S2", "+3"), ("Transferred out", "S1", "-3")]
        snap(item, "item_history_by_store")
        press(qtbot, Qt.Key.Key_Escape)
