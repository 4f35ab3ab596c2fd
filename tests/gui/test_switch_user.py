"""Switch user at the counter (Ctrl+L, another person signs in) never loses the open cart."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt

from pos_app.app import Facet
from pos_app.gui.main_window import MainWindow
from pos_app.gui.sell.view import SellView
from tests.gui.conftest import focused, sign_in


def _barcodes(facet: Facet, n: int) -> list[tuple[str, str]]:
    conn = facet.connection()
    try:
        return [tuple(r) for r in conn.execute(
            "SELECT barcode, sku FROM items WHERE status = 'available' AND tracking = 'unique' AND on_hand = 1 "
            "AND barcode IS NOT NULL ORDER BY sku LIMIT ?", (n,))]
    finally:
        conn.close()


def _scan(qtbot, sell: SellView, code: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: focused() is sell.form.scan_edit, timeout=5_000)
    qtbot.keyClicks(focused(), code)
    qtbot.keyClick(focused(), Qt.Key.Key_Return)


def _lock_by_keyboard(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(focused(), Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.sign_in, timeout=5_000)


def _last_audit(facet: Facet, action: str) -> tuple[str, str, dict[str, object]]:
    conn = facet.connection()
    try:
        staff_id, role, summary = conn.execute(
            "SELECT staff_id, role, summary FROM audit_events WHERE action = ? ORDER BY seq DESC LIMIT 1",
            (action,)).fetchone()
    finally:
        conn.close()
    return staff_id, role, json.loads(summary)


def _staff_id(facet: Facet, name: str) -> str:
    return next(s.id for s in facet.store.directory.staff_list() if s.name == name)


def test_the_next_clerk_takes_over_the_open_cart(qtbot, window: MainWindow, demo_facet: Facet,  # type: ignore[no-untyped-def]
                                                 tmp_path: Path) -> None:
    (code1, sku1), (code2, sku2), (code3, sku3) = _barcodes(demo_facet, 3)
    sign_in(qtbot, window, "Lily Chen")
    lily_sell = window.workspace.screens["Sell"]
    _scan(qtbot, lily_sell, code1)
    _scan(qtbot, lily_sell, code2)
    assert [line.sku for line in lily_sell.cart.lines] == [sku1, sku2]

    _lock_by_keyboard(qtbot, window)
    sign_in(qtbot, window, "Sam Ortiz")

    sell = window.workspace.screens["Sell"]
    assert sell is not lily_sell and sell.actor.name == "Sam Ortiz"
    assert window.workspace.current_screen() is sell
    assert [line.sku for line in sell.cart.lines] == [sku1, sku2]
    assert "Lily Chen's open cart (2 lines) is yours now" in sell.form.message_label.text()
    assert "took over Lily Chen's open cart" in window.statusBar().currentMessage()
    # Sam goes on where Lily stopped, with the keyboard.
    _scan(qtbot, sell, code3)
    assert [line.sku for line in sell.cart.lines] == [sku1, sku2, sku3]

    window.context.runner.wait()  # the hand-over is recorded on the database worker
    staff_id, role, summary = _last_audit(demo_facet, "cart.handed_over")
    assert staff_id == _staff_id(demo_facet, "Sam Ortiz") and role == "clerk"
    assert summary == {"lines": 2, "from_staff_id": _staff_id(demo_facet, "Lily Chen")}
    window.grab().save(str(tmp_path / "switch-user.png"))


def test_someone_who_does_not_sell_finds_the_cart_parked_for_the_counter(  # type: ignore[no-untyped-def]
        qtbot, window: MainWindow, demo_facet: Facet) -> None:
    (code1, sku1), = _barcodes(demo_facet, 1)
    sign_in(qtbot, window, "Lily Chen")
    _scan(qtbot, window.workspace.screens["Sell"], code1)
    _lock_by_keyboard(qtbot, window)

    sign_in(qtbot, window, "Priya Nair")  # the appraiser has no sell screen
    assert "Sell" not in window.workspace.screens
    # Parked on the database worker; the status line says so once it is written.
    qtbot.waitUntil(lambda: "Lily Chen's open cart (1 line) was parked" in window.statusBar().currentMessage(),
                    timeout=5_000)
    parked = demo_facet.store.sales.parked_carts(demo_facet.terminal)
    assert [(p.label, p.staff, p.lines) for p in parked][-1] == ("Lily Chen's cart", "Lily Chen", 1)

    # Back at the counter, a clerk recalls it with Shift+F8.
    window.lock("")
    sign_in(qtbot, window, "Sam Ortiz")
    sell = window.workspace.screens["Sell"]
    assert sell.cart.is_empty
    qtbot.waitUntil(lambda: focused() is sell.form.scan_edit, timeout=5_000)
    qtbot.keyClick(focused(), Qt.Key.Key_F8, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: sell.dialog is not None and sell.dialog.isVisible(), timeout=3_000)
    choices = sell.dialog.form.choices_list
    qtbot.waitUntil(lambda: focused() is choices, timeout=3_000)
    qtbot.keyClick(choices, Qt.Key.Key_End)  # the newest parked cart is last
    assert choices.currentItem().text().startswith("Lily Chen's cart — 1 line(s), Lily Chen")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: [line.sku for line in sell.cart.lines] == [sku1], timeout=3_000)


def test_the_same_person_signing_back_in_keeps_their_screen(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                             demo_facet: Facet) -> None:
    (code1, sku1), = _barcodes(demo_facet, 1)
    sign_in(qtbot, window, "Lily Chen")
    sell = window.workspace.screens["Sell"]
    _scan(qtbot, sell, code1)
    _lock_by_keyboard(qtbot, window)
    sign_in(qtbot, window, "Lily Chen")
    assert window.workspace.screens["Sell"] is sell and [line.sku for line in sell.cart.lines] == [sku1]
    assert "took over" not in window.statusBar().currentMessage()
