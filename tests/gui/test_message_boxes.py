"""Facet's message boxes: the app's look instead of the platform's stock icons, Enter and Esc as expected."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget

from pos_app.app import Facet
from pos_app.domain.errors import UserFacingError
from pos_app.gui import messages
from pos_app.gui.launch import make_application
from pos_app.gui.main_window import MainWindow
from pos_app.gui.ops import show_error
from tests.gui.conftest import focused, press, sign_in, snap
from tests.gui.test_switch_user import _barcodes, _scan


def _open_boxes() -> list[messages.MessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, messages.MessageBox) and w.isVisible()]


def _when_a_box_shows(qtbot: Any, then: Callable[[messages.MessageBox], None]) -> None:
    """A question waits for its answer: act on the box once it is up, from the event loop it runs."""

    def look() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, messages.MessageBox) and box.isVisible():
            then(box)
        else:
            QTimer.singleShot(20, look)

    QTimer.singleShot(0, look)


def test_a_problem_without_an_inline_place_shows_in_facets_own_box_and_enter_closes_it(qtbot: Any) -> None:
    make_application()
    host = QWidget()
    qtbot.addWidget(host)
    host.show()
    show_error(host, UserFacingError("The printer at 10.0.0.9 did not answer."))
    qtbot.waitUntil(lambda: len(_open_boxes()) == 1, timeout=3_000)
    box = _open_boxes()[0]
    assert box.objectName() == "message_box" and box.kind is messages.Kind.WARNING
    assert box.text() == "The printer at 10.0.0.9 did not answer."
    assert box.icon() == QMessageBox.Icon.NoIcon and not box.iconPixmap().isNull()  # the badge, not a stock icon
    [ok] = box.buttons()
    assert ok.text() == "OK  Enter" and box.defaultButton() is ok and box.escapeButton() is ok
    assert ok.property("primary") is True  # drawn in the app's primary navy
    label = box.findChild(QLabel, "qt_msgbox_label")
    assert label.wordWrap() and label.minimumWidth() >= messages.TEXT_WIDTH
    assert "QMessageBox#message_box" in QApplication.instance().styleSheet()  # type: ignore[union-attr]
    snap(box, "message-warning")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is ok, timeout=3_000)  # the keyboard is in the box
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not _open_boxes(), timeout=3_000)

    show_error(host, UserFacingError("Again."))
    qtbot.waitUntil(lambda: len(_open_boxes()) == 1, timeout=3_000)
    qtbot.waitUntil(lambda: QApplication.focusWidget() in _open_boxes()[0].buttons(), timeout=3_000)
    qtbot.keyClick(focused(), Qt.Key.Key_Escape)  # Esc closes a notice too
    qtbot.waitUntil(lambda: not _open_boxes(), timeout=3_000)


def test_an_unexpected_failure_is_logged_and_the_person_gets_an_apology(qtbot: Any, caplog: Any) -> None:
    make_application()
    host = QWidget()
    qtbot.addWidget(host)
    host.show()
    with caplog.at_level(logging.ERROR, logger="pos_app.gui.ops"):
        try:
            raise KeyError("lost")
        except KeyError as exc:
            show_error(host, exc)
    assert any(r.exc_info and r.exc_info[0] is KeyError for r in caplog.records)
    qtbot.waitUntil(lambda: len(_open_boxes()) == 1, timeout=3_000)
    box = _open_boxes()[0]
    assert box.kind is messages.Kind.ERROR and "did not expect" in box.text()
    snap(box, "message-error")
    qtbot.waitUntil(lambda: QApplication.focusWidget() in box.buttons(), timeout=3_000)
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not _open_boxes(), timeout=3_000)


def test_clearing_the_cart_asks_first_esc_keeps_it_and_enter_clears_it(
        qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    (code, sku), = _barcodes(demo_facet, 1)
    sign_in(qtbot, window, "Lily Chen")
    sell = window.workspace.screens["Sell"]  # type: ignore[union-attr]
    _scan(qtbot, sell, code)
    qtbot.waitUntil(lambda: [line.sku for line in sell.cart.lines] == [sku], timeout=5_000)
    seen: list[tuple[str, list[str], str]] = []

    def answer(key: Qt.Key) -> Callable[[messages.MessageBox], None]:
        def press_it(box: messages.MessageBox) -> None:
            seen.append((box.text(), [b.text() for b in box.buttons()], box.defaultButton().text()))
            snap(box, "message-question")
            qtbot.keyClick(box.focusWidget() or box, key)
        return press_it

    _when_a_box_shows(qtbot, answer(Qt.Key.Key_Escape))
    press(qtbot, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)
    assert [line.sku for line in sell.cart.lines] == [sku], "Esc answers no"
    text, buttons, default = seen[0]
    assert "Take the line off the cart?" in text  # one line: no "1 line(s)"
    assert sorted(buttons) == ["No  Esc", "Yes  Enter"] and default == "Yes  Enter"

    qtbot.waitUntil(lambda: focused() is sell.form.scan_edit, timeout=3_000)
    _when_a_box_shows(qtbot, answer(Qt.Key.Key_Return))
    press(qtbot, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)
    assert len(sell.cart.lines) == 0, "Enter answers yes"


def test_a_question_that_cannot_be_undone_answers_no_to_enter_and_yes_only_to_alt_y(qtbot: Any) -> None:
    make_application()
    host = QWidget()
    qtbot.addWidget(host)
    host.show()
    shown: list[str] = []

    def press_on(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        def act(box: messages.MessageBox) -> None:
            shown.append(" / ".join(b.text() for b in box.buttons()))
            qtbot.keyClick(box, key, modifier)

        _when_a_box_shows(qtbot, act)

    press_on(Qt.Key.Key_Return)  # a scanner's stray Enter
    assert messages.ask(host, "Erase the customer", "Erase now?", cannot_undo=True) is False
    press_on(Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)
    assert messages.ask(host, "Erase the customer", "Erase now?", cannot_undo=True) is True
    assert "Yes  Alt+Y" in shown[0] and "No  Enter/Esc" in shown[0]
    press_on(Qt.Key.Key_Return)  # an ordinary question: Enter is yes
    assert messages.ask(host, "Clear the cart", "Take both lines off?") is True
