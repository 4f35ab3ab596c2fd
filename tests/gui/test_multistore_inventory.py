"""A store in a sync group: the inventory shows each piece's home store and filters by store, by keyboard."""

from __future__ import annotations

from PySide6.QtCore import Qt

from pos_app.gui.main_window import MainWindow
from pos_app.services import transfers
from tests.gui.conftest import focused, main_window, press, sign_in, snap
from tests.integration.multistore_helpers import Group, group_fixture  # noqa: F401
from tests.integration.sync_helpers import available, one


def test_a_manager_finds_the_piece_sent_to_the_other_store_with_the_store_filter_by_keyboard(
        qtbot, group: Group) -> None:  # type: ignore[no-untyped-def]
    first = group.first
    piece = available(first)[0]
    transfers.transfer_out(piece, "S2", uow=first.uow(), actor=group.manager_at_first())
    sku = one(first, "SELECT sku FROM items WHERE id = ?", piece)
    with main_window(qtbot, first) as window:
        assert isinstance(window, MainWindow)
        sign_in(qtbot, window, "Marcus Reed")
        screens = list(window.workspace.screens)
        press(qtbot, getattr(Qt.Key, f"Key_{screens.index('Inventory') + 1}"), Qt.KeyboardModifier.ControlModifier)
        inventory = window.workspace.screens["Inventory"]
        qtbot.waitUntil(lambda: focused() is inventory.form.search_edit)
        model = inventory.model
        assert [c.title for c in model.columns][:2] == ["SKU", "Store"]
        total = model.rowCount()
        assert total == one(first, "SELECT count(*) FROM items")

        combo = inventory.form.store_combo
        assert combo.isVisible() and [combo.itemText(i) for i in range(combo.count())] == \
            ["All stores", "This store", "S2 Uptown"]
        for _ in range(5):  # style, metal, status, location, then the store filter
            press(qtbot, Qt.Key.Key_Tab)
        assert focused() is combo
        press(qtbot, Qt.Key.Key_Down)
        qtbot.waitUntil(lambda: model.rowCount() == total - 1)  # this store's own: the piece sent away is not
        press(qtbot, Qt.Key.Key_Down)
        qtbot.waitUntil(lambda: model.rowCount() == 1)
        row = model.row_at(0)
        assert row is not None and (row.sku, row.store_code, row.status) == (sku, "S2", "in_transit")
        store_column = [c.key for c in model.columns].index("store")
        assert model.index(0, store_column).data() == "S2"
        assert inventory.form.count_label.text() == "1 item"
        snap(inventory, "inventory_store_filter")
        inventory.form.table.grab().save(str(group.first_dir.parent / "inventory_store_filter_table.png"))

        press(qtbot, Qt.Key.Key_Escape)  # Esc clears every filter, the store too
        qtbot.waitUntil(lambda: model.rowCount() == total)
        assert combo.currentIndex() == 0
