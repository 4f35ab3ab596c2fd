"""The counter's rough edges, each driven by the keys a clerk presses: the cash handed over replaces the
amount offered, the change due stays up in large type, every line of a return is reachable, a deep
discount asks why, and every menu item does what it names."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pos_app.app import Facet
from pos_app.domain.money import Money
from pos_app.domain.permissions import Role
from pos_app.gui.main_window import MainWindow
from pos_app.gui.sell.payment import PaymentDialog
from pos_app.gui.sell.view import SellView
from pos_app.services import cash
from tests.conftest import actor_for
from tests.gui.conftest import focused, sign_in, snap
from tests.gui.test_counter_flows import _dialog, _scan


def _barcodes(facet: Facet, n: int) -> list[str]:
    conn = facet.connection()
    try:
        return [str(r[0]) for r in conn.execute(
            "SELECT barcode FROM items WHERE status = 'available' AND tracking = 'unique' AND on_hand = 1 "
            "AND barcode IS NOT NULL AND price_cents BETWEEN 5000 AND 200000 ORDER BY price_cents LIMIT ?", (n,))]
    finally:
        conn.close()


def _counter(qtbot: Any, window: MainWindow, facet: Facet, who: str = "Lily Chen") -> SellView:
    cash.open_shift(Money(20000), uow=facet.uow(), actor=actor_for(facet, Role.CLERK))
    sign_in(qtbot, window, who)
    sell = window.workspace.screens["Sell"]
    assert isinstance(sell, SellView)
    qtbot.waitUntil(lambda: focused() is sell.form.scan_edit, timeout=5_000)
    return sell


def test_cash_typed_over_the_amount_due_replaces_it_and_the_change_due_stays_up_until_the_next_scan(
        qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    first, second = _barcodes(demo_facet, 2)
    sell = _counter(qtbot, window, demo_facet)
    _scan(qtbot, first)
    qtbot.keyClick(focused(), Qt.Key.Key_F9)
    pay = _dialog(qtbot, sell, PaymentDialog)
    due = pay.shown.due.cents
    cash_edit = pay.form.cash_edit
    assert focused() is cash_edit
    qtbot.waitUntil(lambda: cash_edit.selectedText() == cash_edit.text() == Money(due).plain())
    assert cash_edit.width() == pay.form.card_edit.width()  # the two amounts in one column
    snap(pay, "payment-cash-selected")

    handed = (due // 10000 + 1) * 10000  # the next round hundred, as a customer hands it over
    qtbot.keyClicks(focused(), f"{handed // 100}.00")
    assert cash_edit.text() == f"{handed // 100}.00"  # replaced, not "538.931000.00"
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not pay.isVisible(), timeout=10_000)

    banner = sell.form.change_due_label
    qtbot.waitUntil(banner.isVisible, timeout=5_000)
    change = window.context.money(handed - due)
    assert banner.text() == f"CHANGE DUE  {change}"
    assert banner.fontInfo().pixelSize() >= 40  # read from a step back, not the grey status line
    qtbot.waitUntil(lambda: focused() is sell.form.scan_edit, timeout=5_000)
    for width, height in ((1280, 800), (1920, 1080)):
        window.resize(width, height)
        snap(window, f"sell-change-due-{width}x{height}")

    qtbot.keyClick(focused(), Qt.Key.Key_F11)  # the print queue leaves it up
    assert banner.isVisible()
    qtbot.waitUntil(lambda: focused() is sell.form.scan_edit, timeout=5_000)
    _scan(qtbot, second)  # the next customer's first piece takes it down
    assert not banner.isVisible() and len(sell.cart.lines) == 1


def test_the_next_sale_step_takes_the_change_due_down(qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    first, = _barcodes(demo_facet, 1)
    sell = _counter(qtbot, window, demo_facet)
    _scan(qtbot, first)
    qtbot.keyClick(focused(), Qt.Key.Key_F9)
    pay = _dialog(qtbot, sell, PaymentDialog)
    qtbot.keyClicks(focused(), "5000")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not pay.isVisible(), timeout=10_000)
    qtbot.waitUntil(sell.form.change_due_label.isVisible, timeout=5_000)
    qtbot.waitUntil(lambda: focused() is sell.form.scan_edit, timeout=5_000)
    qtbot.keyClick(focused(), Qt.Key.Key_F2)  # a customer for the next sale
    assert not sell.form.change_due_label.isVisible()


def test_exact_cash_gives_no_change_banner(qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    first, = _barcodes(demo_facet, 1)
    sell = _counter(qtbot, window, demo_facet)
    _scan(qtbot, first)
    qtbot.keyClick(focused(), Qt.Key.Key_F9)
    pay = _dialog(qtbot, sell, PaymentDialog)
    qtbot.keyClick(focused(), Qt.Key.Key_Return)  # exactly what is due
    qtbot.waitUntil(lambda: not pay.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: "complete" in sell.form.message_label.text(), timeout=5_000)
    assert not sell.form.change_due_label.isVisible()


def _cash_sale_of(qtbot: Any, sell: SellView, facet: Facet, codes: list[str]) -> str:
    for code in codes:
        _scan(qtbot, code)
    qtbot.keyClick(focused(), Qt.Key.Key_F9)
    pay = _dialog(qtbot, sell, PaymentDialog)
    qtbot.keyClick(focused(), Qt.Key.Key_Return)  # exactly what is due, in cash
    qtbot.waitUntil(lambda: not pay.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: focused() is sell.form.scan_edit, timeout=5_000)
    return str(facet.store.sales.sales(limit=1)[0].number)


def test_the_second_line_of_a_return_is_reached_and_set_by_keyboard(qtbot: Any, window: MainWindow,
                                                                     demo_facet: Facet) -> None:
    from pos_app.gui.sell.find_sale import FindSaleDialog

    first, second = _barcodes(demo_facet, 2)
    sell = _counter(qtbot, window, demo_facet)
    number = _cash_sale_of(qtbot, sell, demo_facet, [first, second])
    skus = [line.sku for line in demo_facet.store.sales.sale(
        demo_facet.store.sales.sales(limit=1)[0].id).lines]

    qtbot.keyClick(focused(), Qt.Key.Key_F3)
    found = _dialog(qtbot, sell, FindSaleDialog)
    _scan(qtbot, number)  # the receipt's barcode
    qtbot.waitUntil(lambda: found.sale is not None)
    spins = [spin for _, spin in found._spins]
    assert len(spins) == 2 and focused() is spins[0]
    assert "Tab or Enter to the next line" in found.form.message_label.text()
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is spins[1]
    assert found.form.lines_table.selectionModel().selectedRows()[0].row() == 1  # the line it is on, lit
    qtbot.keyClicks(focused(), "1")
    assert spins[1].value() == 1
    # Within a 1280-wide screen with its frame, and each quantity as tall as its digit.
    assert found.width() <= 1200 and found.minimumSizeHint().width() <= 1200
    assert all(spin.height() >= spin.minimumSizeHint().height() for spin in spins)
    snap(found, "return-second-line")
    qtbot.keyClick(focused(), Qt.Key.Key_Backtab)
    assert focused() is spins[0] and spins[0].value() == 0
    qtbot.keyClick(focused(), Qt.Key.Key_Return)  # Enter goes on to the next line too
    assert focused() is spins[1]
    qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not found.isVisible(), timeout=5_000)
    assert [(line.sku, line.quantity) for line in sell.cart.lines] == [(skus[1], -1)]


def test_a_hundred_percent_line_discount_asks_why_and_a_confirmation_then_a_manager(
        qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    from pos_app.gui.approval import ApprovalDialog
    from pos_app.gui.sell.prompts import ChoiceDialog, PromptDialog

    first, = _barcodes(demo_facet, 1)
    sell = _counter(qtbot, window, demo_facet)
    _scan(qtbot, first)
    qtbot.keyClick(focused(), Qt.Key.Key_F5)
    prompt = _dialog(qtbot, sell, PromptDialog)
    assert prompt.form.reason_edit.isVisible() and "over 10% off" in prompt.form.reason_edit_caption.text()
    qtbot.keyClicks(focused(), "100%")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: focused() is prompt.form.reason_edit, timeout=5_000)
    assert prompt.form.message_label.text().startswith("Reason: say why")  # named by its label, as on every form
    assert sell.cart.lines[0].discount is None
    snap(prompt, "discount-reason-asked")
    qtbot.keyClicks(focused(), "clasp broke, customer keeps the chain")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)

    confirm = _dialog(qtbot, sell, ChoiceDialog)
    text = confirm.form.prompt_label.text()
    assert "100% off" in text and "sold for $0.00" in text and "clasp broke" in text
    snap(confirm, "discount-confirm")
    qtbot.keyClick(focused(), Qt.Key.Key_Escape)  # not this time: nothing changes
    qtbot.waitUntil(lambda: focused() is sell.form.scan_edit, timeout=5_000)
    assert sell.cart.lines[0].discount is None and "not given" in sell.form.message_label.text()

    qtbot.keyClick(focused(), Qt.Key.Key_F5)
    prompt = _dialog(qtbot, sell, PromptDialog)
    qtbot.keyClicks(focused(), "100%")
    qtbot.keyClick(prompt.form.value_edit, Qt.Key.Key_Tab)
    assert focused() is prompt.form.reason_edit
    qtbot.keyClicks(focused(), "clasp broke, customer keeps the chain")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    _dialog(qtbot, sell, ChoiceDialog)
    qtbot.keyClick(focused(), Qt.Key.Key_Return)  # Enter gives it...
    approval = _dialog(qtbot, sell, ApprovalDialog)  # ...and a clerk's 100% needs a manager
    assert "Reason: clasp broke" in approval.form.reason_label.text()
    qtbot.waitUntil(lambda: focused() is approval.form.staff_list)
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.keyClicks(approval.form.pin_edit, "2222")
    qtbot.keyClick(approval.form.pin_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: sell.cart.lines[0].discount is not None, timeout=5_000)
    given = sell.cart.lines[0]
    assert given.discount is not None and given.discount.reason == "clasp broke, customer keeps the chain"
    assert given.approved_by is not None and sell.priced.total.cents == 0


def test_a_small_discount_takes_enter_alone(qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    from pos_app.gui.sell.prompts import PromptDialog

    first, = _barcodes(demo_facet, 1)
    sell = _counter(qtbot, window, demo_facet)
    _scan(qtbot, first)
    qtbot.keyClick(focused(), Qt.Key.Key_F5)
    _dialog(qtbot, sell, PromptDialog)
    qtbot.keyClicks(focused(), "5%")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)  # no reason asked within the clerk's limit
    qtbot.waitUntil(lambda: sell.cart.lines[0].discount is not None, timeout=5_000)


def _menu_labels(qtbot: Any, sell: SellView) -> list[str]:
    qtbot.keyClick(focused(), Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: getattr(sell, "_menu", None) is not None and sell._menu.isVisible())
    labels = [a.text() for a in sell._menu.actions() if not a.isSeparator()]
    qtbot.keyClick(sell._menu, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not sell._menu.isVisible())
    return labels


def _choose(qtbot: Any, sell: SellView, label: str) -> None:
    """F10, then Down until `label` is lit and Enter, as a person does; everything the menu's actions
    are connected to must survive a garbage collection meanwhile (a dead F10 menu shipped once)."""
    import gc

    qtbot.keyClick(focused(), Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: getattr(sell, "_menu", None) is not None and sell._menu.isVisible())
    menu = sell._menu
    gc.collect()
    for _ in menu.actions():
        qtbot.keyClick(menu, Qt.Key.Key_Down)
        if menu.activeAction() is not None and menu.activeAction().text() == label:
            break
    assert menu.activeAction() is not None and menu.activeAction().text() == label
    qtbot.keyClick(menu, Qt.Key.Key_Return)


def _open_item(qtbot: Any, sell: SellView, label: str) -> str:
    """Choose `label` from the F10 menu; what it opened (a dialog's title, closed again with Esc, or the
    message it said). Either way the keyboard ends back in the scan field."""
    from PySide6.QtWidgets import QDialog

    before, message = sell.dialog, sell.form.message_label.text()

    def opened_dialog() -> bool:
        return sell.dialog is not before and isinstance(sell.dialog, QDialog) and sell.dialog.isVisible()

    _choose(qtbot, sell, label)
    qtbot.waitUntil(lambda: opened_dialog() or sell.form.message_label.text() != message, timeout=5_000)
    if opened_dialog():
        dialog = sell.dialog
        what = dialog.windowTitle()
        qtbot.waitUntil(lambda: dialog.isAncestorOf(focused()) or focused() is dialog, timeout=5_000)
        qtbot.keyClick(focused(), Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    else:
        what = sell.form.message_label.text()
    try:
        qtbot.waitUntil(lambda: QApplication.focusWidget() is sell.form.scan_edit, timeout=5_000)
    except Exception as lost:
        raise AssertionError(f"after {label!r} the focus is on {QApplication.focusWidget()}") from lost
    return what


def _walk_the_drawer_menu(qtbot: Any, window: MainWindow, sell: SellView) -> dict[str, str]:
    """Choose every item of the F10 menu in turn: what each opened."""
    return {label: _open_item(qtbot, sell, label) for label in _menu_labels(qtbot, sell)}


def test_every_item_of_the_clerks_drawer_menu_opens_what_it_names_by_keyboard(
        qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    sign_in(qtbot, window, "Lily Chen")
    sell = window.workspace.screens["Sell"]
    qtbot.waitUntil(lambda: focused() is sell.form.scan_edit, timeout=5_000)
    assert _walk_the_drawer_menu(qtbot, window, sell) == {"Open a shift…": "Open a shift"}

    cash.open_shift(Money(20000), uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.CLERK))
    opened = _walk_the_drawer_menu(qtbot, window, sell)
    assert opened == {
        "Paid in…": "Paid in", "Paid out…": "Paid out",
        "Open the drawer (no sale)…": "Manager approval",  # a clerk's no-sale needs a manager
        "X report (the shift so far)": "X report", "Close the shift…": "Close the shift",
    }


def test_every_item_of_the_managers_and_owners_drawer_menus_opens_something(
        qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    cash.open_shift(Money(20000), uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.CLERK))
    for who in ("Marcus Reed", "Jane Ellen"):
        if window.workspace is not None:
            window.lock("")
        sign_in(qtbot, window, who)
        sell = window.workspace.screens["Sell"]
        qtbot.waitUntil(lambda: QApplication.focusWidget() is window.workspace.screens["Sell"].form.scan_edit,
                        timeout=5_000)
        opened = _walk_the_drawer_menu(qtbot, window, sell)
        assert opened["Cash over $10,000 (Form 8300)…"] == "Cash over $10,000 (IRS Form 8300)", who
        assert opened["X report (the shift so far)"] == "X report", who
        assert "Drawer opened" in opened["Open the drawer (no sale)…"] or \
            "drawer did not open" in opened["Open the drawer (no sale)…"], who  # a manager's own: no PIN
        assert all(opened.values()), opened
