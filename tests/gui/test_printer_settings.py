"""The receipt printer's settings dialog (F10 -> Printer settings), driven with the keyboard.

Set FACET_DIALOG_PNG to a folder to keep a picture of the dialog as the test leaves it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QApplication, QWidget

from pos_app.app import Facet
from pos_app.domain.permissions import Role
from pos_app.gui.context import AppContext
from pos_app.gui.launch import make_application
from pos_app.gui.sell.printer_settings import PrinterDialog
from pos_app.services import settings as store_settings
from tests.conftest import actor_for
from tests.gui.conftest import focused, press, snap


@pytest.fixture
def dialog(qtbot: Any, demo_facet: Facet) -> Iterator[PrinterDialog]:
    make_application()
    context = AppContext(demo_facet)
    context.set_actor(actor_for(demo_facet, Role.OWNER))  # who may change settings
    host = QWidget()
    host.resize(900, 600)
    qtbot.addWidget(host)
    host.show()
    qtbot.waitExposed(host)
    current = store_settings.current_settings(reader=demo_facet.store.directory, actor=context.require_actor(),
                                              uow=demo_facet.uow())
    shown = PrinterDialog(context, current, host)
    shown.open()
    qtbot.waitUntil(lambda: shown.isVisible() and QApplication.focusWidget() is not None)
    yield shown
    context.runner.wait()
    shown.close()
    host.close()
    host.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    context.close()


def test_48_columns_for_the_42_column_tm_t88v_is_refused_naming_the_setting_and_nothing_is_saved(
        qtbot: Any, dialog: PrinterDialog, demo_facet: Facet) -> None:
    f = dialog.form
    assert f.profile_edit.text() == "TM-T88V" and f.columns_combo.currentText() == "42"
    press(qtbot, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
    assert focused() is f.columns_combo
    press(qtbot, Qt.Key.Key_Down)
    assert f.columns_combo.currentText() == "48"
    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "receipt.columns" in f.message_label.text(), timeout=5_000)
    snap(dialog, "printer-settings-48-on-tm-t88v")
    assert f.message_label.text() == ("receipt.columns: is 48, but the TM-T88V profile prints 42 characters a line "
                                      "(font A), so 48 do not fit: set 42")
    assert dialog.isVisible() and demo_facet.store.directory.setting("receipt.columns", 42) == 42

    press(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)  # a TM-T20II prints 48: both change as one
    assert focused() is f.profile_edit
    f.profile_edit.selectAll()
    qtbot.keyClicks(focused(), "TM-T20II")
    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    directory = demo_facet.store.directory
    assert (directory.setting("receipt.profile", ""), directory.setting("receipt.columns", 42)) == ("TM-T20II", 48)


def test_a_manager_reaches_printer_settings_from_f10_with_no_shift_open_and_changes_the_printer(
        qtbot: Any, window: Any, demo_facet: Facet, printer_listener: Any) -> None:
    """The README's "F10 → Printer settings": the manager on duty, not only the owner; the texts stay the
    owner's (shown read-only)."""
    from tests.gui.conftest import sign_in
    from tests.gui.test_counter_flows import _choose_from_drawer_menu, _dialog
    from tests.printer_listener import decode_escpos

    assert demo_facet.store.sales.open_shift(demo_facet.terminal) is None
    sign_in(qtbot, window, "Marcus Reed")
    sell = window.workspace.screens["Sell"]
    qtbot.waitUntil(lambda: focused() is sell.form.scan_edit, timeout=5_000)
    _choose_from_drawer_menu(qtbot, sell, "Printer settings")
    dialog = _dialog(qtbot, sell, PrinterDialog)
    f = dialog.form
    assert focused() is f.printer_edit
    assert f.return_policy_edit.isReadOnly() and f.privacy_edit.isReadOnly()
    assert "owner's to change" in f.message_label.text()
    qtbot.keyClicks(focused(), printer_listener.url)
    press(qtbot, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    (job,) = printer_listener.wait_for(1)
    assert any("Printer test page" in line.text for line in decode_escpos(job).printed)
    qtbot.waitUntil(lambda: "Test page sent" in f.message_label.text(), timeout=5_000)
    snap(dialog, "printer-settings-manager")
    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    assert demo_facet.store.directory.setting("receipt.printer", "") == printer_listener.url
