"""At the counter with only a keyboard: sign in, search, open a piece."""

from __future__ import annotations

from PySide6.QtCore import Qt

from pos_app.domain.permissions import Role
from pos_app.gui.inventory.item_dialog import ItemDialog
from pos_app.gui.main_window import MainWindow
from tests.gui.conftest import focused, sign_in


def test_clerk_signs_in_searches_halo_and_opens_a_piece_with_the_keyboard_only(qtbot, window: MainWindow) -> None:
    lst = window.sign_in.form.staff_list
    assert focused() is lst

    qtbot.keyClicks(focused(), "Lily")  # the list jumps to the typed name
    assert lst.currentItem().text().startswith("Lily Chen")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    assert focused() is window.sign_in.form.secret_edit
    qtbot.keyClicks(focused(), "3333")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=10_000)
    assert window.context.actor.name == "Lily Chen"
    assert window.context.actor.role is Role.CLERK

    sell = window.workspace.screens["Sell"]
    qtbot.waitUntil(lambda: focused() is sell.form.scan_edit)  # a clerk starts on the sell screen
    qtbot.keyClick(focused(), Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    inventory = window.workspace.screens["Inventory"]
    qtbot.waitUntil(lambda: focused() is inventory.form.search_edit)
    qtbot.keyClicks(focused(), "halo")
    qtbot.waitUntil(lambda: inventory.model.filter.text == "halo", timeout=3_000)
    rows = [inventory.model.row_at(r) for r in range(inventory.model.rowCount())]
    assert rows and all("halo" in (r.title + r.sku).lower() for r in rows)
    assert inventory.form.count_label.text() == f"{len(rows)} items"

    qtbot.keyClick(focused(), Qt.Key.Key_Down)
    assert focused() is inventory.form.table
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(inventory.dialog, ItemDialog) and inventory.dialog.detail is not None)
    dialog = inventory.dialog
    first = rows[0]
    assert dialog.detail.record.spec.sku == first.sku
    assert first.sku in dialog.form.heading_label.text()
    # A clerk sees the piece but cannot change it, and never sees its cost.
    assert not dialog.form.save_button.isVisible()
    assert dialog.item_form.form.title_edit.isReadOnly()
    assert dialog.detail.record.spec.cost is None
    assert "cost" not in [c.key for c in inventory.model.columns]
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_scanned_barcode_in_search_opens_that_piece(qtbot, window: MainWindow) -> None:
    sign_in(qtbot, window, "Lily Chen")
    inventory = window.workspace.screens["Inventory"]
    target = window.context.reader.search("tennis", 1)[0]
    qtbot.keyClicks(inventory.form.search_edit, target.barcode)
    qtbot.keyClick(inventory.form.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(inventory.dialog, ItemDialog) and inventory.dialog.detail is not None)
    assert inventory.dialog.detail.record.id == target.id


def test_wrong_pin_is_refused_on_screen_and_nobody_is_signed_in(qtbot, window: MainWindow) -> None:
    form = window.sign_in.form
    qtbot.keyClicks(form.staff_list, "Sam")
    qtbot.keyClick(form.staff_list, Qt.Key.Key_Return)
    qtbot.keyClicks(form.secret_edit, "0000")
    qtbot.keyClick(form.secret_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Wrong PIN" in form.message_label.text(), timeout=5_000)
    assert window.context.actor is None
    assert window.workspace is None


def test_screen_locks_when_idle_and_the_same_person_comes_back_to_their_work(qtbot, window: MainWindow) -> None:
    sign_in(qtbot, window, "Marcus Reed")
    inventory = window.workspace.screens["Inventory"]
    inventory.form.search_edit.setText("bezel")
    inventory.apply_filter()
    window.idle.limit = 0.2
    qtbot.waitUntil(lambda: window.context.actor is None, timeout=5_000)
    assert window.stack.currentWidget() is window.sign_in
    assert "Locked after" in window.sign_in.form.note_label.text()
    assert window.sign_in.form.staff_list.currentItem().text().startswith("Marcus Reed")

    window.idle.limit = 600
    window.sign_in.form.secret_edit.setText("manager-demo-1")
    window.sign_in.submit()
    qtbot.waitUntil(lambda: window.context.actor is not None, timeout=5_000)
    assert window.workspace.screens["Inventory"] is inventory
    assert inventory.form.search_edit.text() == "bezel"


def test_each_role_sees_only_the_screens_and_buttons_it_may_use(qtbot, window: MainWindow) -> None:
    sign_in(qtbot, window, "Lily Chen")
    assert list(window.workspace.screens) == ["Sell", "Inventory", "Stock count", "Customers"]
    view = window.workspace.screens["Inventory"]
    assert not view.form.receive_button.isVisibleTo(view)
    assert view.form.adjust_button.isVisibleTo(view)  # a clerk asks; a manager's PIN approves
    assert view.form.tags_button.isVisibleTo(view)

    window.lock("")
    window.sign_in.form.staff_list.setCurrentRow(0)
    sign_in(qtbot, window, "Marcus Reed")
    assert list(window.workspace.screens) == ["Sell", "Inventory", "Stock count", "Reports", "Certificates",
                                           "Customers", "Staff", "Settings"]
    view = window.workspace.screens["Inventory"]
    assert view.form.receive_button.isVisibleTo(view) and view.form.adjust_button.isVisibleTo(view)
    assert view.form.import_button.isVisibleTo(view) and view.form.export_button.isVisibleTo(view)
    certificates = window.workspace.screens["Certificates"]  # a manager looks a report up; only appraisers record
    assert not certificates.form.new_button.isVisibleTo(certificates)
    assert certificates.form.scan_button.isVisibleTo(certificates)

    window.lock("")
    window.sign_in.form.staff_list.setCurrentRow(0)
    sign_in(qtbot, window, "Dana Brooks")
    assert list(window.workspace.screens) == ["Customers", "Privacy desk", "Audit"]  # VIEW_AUDIT


def test_a_sign_in_is_recorded_even_when_the_window_closes_at_once(qtbot, window: MainWindow) -> None:
    sign_in(qtbot, window, "Sam Ortiz")
    window.close()  # before the deferred write's timer fires
    conn = window.context.facet.connection()
    try:
        actions = [r[0] for r in conn.execute(
            "SELECT action FROM audit_events WHERE actor_name = 'Sam Ortiz' ORDER BY seq")]
    finally:
        conn.close()
    assert actions[-1] == "staff.signed_in"
