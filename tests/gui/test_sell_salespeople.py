"""Shift+F2 at the counter: two salespeople share a cash sale, by keyboard only, through the real screens."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pos_app.app import Facet
from pos_app.domain.money import Money
from pos_app.domain.permissions import Role
from pos_app.gui.main_window import MainWindow
from pos_app.gui.sell.payment import PaymentDialog
from pos_app.gui.sell.salespeople import SalespeopleDialog
from pos_app.gui.sell.view import SellView
from pos_app.services import cash
from tests.conftest import actor_for
from tests.gui.conftest import focused, sign_in, snap

SHIFT = Qt.KeyboardModifier.ShiftModifier


def _barcode(facet: Facet) -> str:
    return str(facet.connection().execute(
        "SELECT barcode FROM items WHERE status = 'available' AND tracking = 'unique' AND barcode IS NOT NULL "
        "ORDER BY price_cents LIMIT 1").fetchone()[0])


def _open_salespeople(qtbot: Any, sell: SellView) -> SalespeopleDialog:
    qtbot.keyClick(focused(), Qt.Key.Key_F2, SHIFT)
    qtbot.waitUntil(lambda: isinstance(sell.dialog, SalespeopleDialog) and sell.dialog.isVisible(), timeout=5_000)
    dialog = sell.dialog
    assert isinstance(dialog, SalespeopleDialog)
    qtbot.waitUntil(lambda: focused() is dialog.form.people_list, timeout=5_000)
    return dialog


def _go_to(qtbot: Any, dialog: SalespeopleDialog, name: str) -> None:
    people = dialog.form.people_list
    qtbot.keyClick(people, Qt.Key.Key_Home)
    for _ in range(people.count()):
        if people.currentItem().text().startswith(name):
            return
        qtbot.keyClick(people, Qt.Key.Key_Down)
    raise AssertionError(f"{name} is not on the list")


def test_two_salespeople_share_a_cash_sale_by_keyboard(qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    cash.open_shift(Money(20000), uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.CLERK))
    sign_in(qtbot, window, "Lily Chen")
    sell = window.workspace.screens["Sell"]
    assert isinstance(sell, SellView)
    qtbot.waitUntil(lambda: focused() is sell.form.scan_edit, timeout=5_000)
    assert "Shift+F2" in sell.form.salespeople_button.text()
    assert sell.form.salespeople_label.text() == "Sold by: Lily Chen (alone)"
    qtbot.keyClicks(focused(), _barcode(demo_facet))
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    assert len(sell.cart.lines) == 1

    dialog = _open_salespeople(qtbot, sell)
    names = [dialog.form.people_list.item(i).text() for i in range(dialog.form.people_list.count())]
    assert "Lily Chen  (you)" in names and "Marcus Reed" in names
    assert not any(n.startswith(("Priya Nair", "Dana Brooks")) for n in names)  # who may not sell is not offered
    # Space ticks Marcus: the shares start equal, then Lily takes 60 and Marcus 40.
    _go_to(qtbot, dialog, "Marcus Reed")
    qtbot.keyClick(focused(), Qt.Key.Key_Space)
    assert [e.text() for e in dialog.share_edits if e.isVisible()] == ["50", "50"]
    snap(dialog, "salespeople-dialog")
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)  # Tab into a share selects it: typing replaces it
    assert focused() is dialog.share_edits[0]
    qtbot.keyClicks(focused(), "70")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)  # 70 + 50: refused, nothing changes
    qtbot.waitUntil(lambda: "add up to 120%" in dialog.form.message_label.text(), timeout=5_000)
    assert dialog.isVisible() and sell.cart.salespeople == ()
    assert focused() is dialog.form.people_list  # the refusal names the salespeople: the list has the keyboard
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    qtbot.keyClicks(focused(), "60")
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is dialog.share_edits[1]
    qtbot.keyClicks(focused(), "40")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is sell.form.scan_edit, timeout=5_000)
    assert sell.form.salespeople_label.text() == "Sold by: Lily Chen 60%, Marcus Reed 40%"
    snap(sell, "sell-shared-sale")

    qtbot.keyClick(focused(), Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: isinstance(sell.dialog, PaymentDialog) and sell.dialog.isVisible(), timeout=5_000)
    qtbot.keyClick(focused(), Qt.Key.Key_Return)  # cash, exactly what is due
    qtbot.waitUntil(lambda: "complete" in sell.form.message_label.text(), timeout=10_000)
    sale = demo_facet.store.sales.sales(limit=1)[0]
    detail = demo_facet.store.sales.sale(sale.id)
    assert detail is not None
    assert [(c.name, c.share_from_bp, c.share_to_bp) for c in detail.credits] == [
        ("Lily Chen", 0, 6000), ("Marcus Reed", 6000, 10000)]
    assert sell.cart.salespeople == () and sell.form.salespeople_label.text() == "Sold by: Lily Chen (alone)"


def test_a_fifth_salesperson_cannot_be_ticked(qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    sign_in(qtbot, window, "Lily Chen")
    sell = window.workspace.screens["Sell"]
    assert isinstance(sell, SellView)
    qtbot.waitUntil(lambda: focused() is sell.form.scan_edit, timeout=5_000)
    dialog = _open_salespeople(qtbot, sell)
    people = dialog.form.people_list
    assert people.count() >= 4
    qtbot.keyClick(people, Qt.Key.Key_Home)
    for _ in range(people.count()):
        if people.currentItem().checkState() != Qt.CheckState.Checked:
            qtbot.keyClick(people, Qt.Key.Key_Space)
        qtbot.keyClick(people, Qt.Key.Key_Down)
    ticked = sum(people.item(i).checkState() == Qt.CheckState.Checked for i in range(people.count()))
    assert ticked == min(4, people.count())
    assert [e.text() for e in dialog.share_edits if e.isVisible()] == ["25", "25", "25", "25"]
    if people.count() > 4:
        assert "at most 4" in dialog.form.message_label.text()
    qtbot.keyClick(people, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    assert sell.cart.salespeople == ()
