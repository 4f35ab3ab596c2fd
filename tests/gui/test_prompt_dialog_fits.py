"""A prompt dialog shows its question and the problem with the answer whole, never cut off."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel

from pos_app.app import Facet
from pos_app.gui.main_window import MainWindow
from pos_app.gui.sell.prompts import PromptDialog
from tests.gui.conftest import focused, press, sign_in, snap
from tests.gui.test_switch_user import _barcodes, _scan


def _whole(dialog: QDialog, *labels: QLabel) -> None:
    """Each wrapped label has the height its text needs at its width, and the dialog holds them all."""
    layout = dialog.layout()
    assert dialog.height() >= layout.totalHeightForWidth(dialog.width())
    for label in labels:
        assert label.text() and label.wordWrap()
        assert label.height() >= label.heightForWidth(label.width()), f"{label.objectName()} is cut off"
        assert dialog.rect().contains(label.geometry().translated(label.mapTo(dialog, label.rect().topLeft())
                                                                  - label.geometry().topLeft()))


def test_a_refused_quantity_shows_the_question_and_the_problem_whole(
        qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    (code, _sku), = _barcodes(demo_facet, 1)
    sign_in(qtbot, window, "Lily Chen")
    sell: Any = window.workspace.screens["Sell"]  # type: ignore[union-attr]
    _scan(qtbot, sell, code)
    qtbot.waitUntil(lambda: len(sell.cart.lines) == 1, timeout=5_000)
    press(qtbot, Qt.Key.Key_F4)  # Quantity: the question names the piece, a long title
    qtbot.waitUntil(lambda: isinstance(sell.dialog, PromptDialog) and sell.dialog.isVisible(), timeout=3_000)
    dialog: PromptDialog = sell.dialog
    qtbot.waitUntil(lambda: focused() is dialog.form.value_edit, timeout=3_000)
    qtbot.waitUntil(lambda: dialog.height() >= dialog.layout().totalHeightForWidth(dialog.width()), timeout=3_000)
    _whole(dialog, dialog.form.prompt_label)

    qtbot.keyClicks(focused(), "a few")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(dialog.form.message_label.text()), timeout=3_000)
    qtbot.waitUntil(lambda: dialog.form.message_label.height()
                    >= dialog.form.message_label.heightForWidth(dialog.form.message_label.width()), timeout=3_000)
    _whole(dialog, dialog.form.prompt_label, dialog.form.message_label)
    assert "whole number" in dialog.form.message_label.text()
    snap(dialog, "prompt-with-problem")
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3_000)


def test_a_long_problem_grows_the_dialog_instead_of_clipping(qtbot: Any, window: MainWindow) -> None:
    sign_in(qtbot, window, "Lily Chen")
    from pos_app.domain.errors import UserFacingError

    def refuse(_value: str, _reason: str) -> None:
        raise UserFacingError("A discount above 10% needs a manager's approval: ask a manager to type their PIN, "
                              "or lower the discount to 10% or less. The store's limit is in Settings, under "
                              "sales.clerk_discount_limit_percent.")

    dialog = PromptDialog(window.context, "Line discount",
                          "Discount on line 1 (Round Brilliant Bezel Pendant Necklace 0.82 ct), as a percentage "
                          "or an amount like 25.00:", value="50", reason="", accept_with=refuse,
                          on_done=lambda _r: None, parent=window, on_gui_thread=True)
    dialog.open()
    qtbot.waitUntil(lambda: focused() is dialog.form.value_edit, timeout=3_000)
    before = dialog.height()
    press(qtbot, Qt.Key.Key_Tab)
    qtbot.keyClicks(focused(), "loyal customer")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.height() > before, timeout=3_000)
    qtbot.waitUntil(lambda: dialog.form.message_label.height()
                    >= dialog.form.message_label.heightForWidth(dialog.form.message_label.width()), timeout=3_000)
    _whole(dialog, dialog.form.prompt_label, dialog.form.message_label)
    snap(dialog, "prompt-long-problem")
    dialog.reject()
