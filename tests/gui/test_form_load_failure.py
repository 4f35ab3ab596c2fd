"""A window whose form cannot load says so to the person (and in the log) instead of doing nothing."""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from pos_app import paths
from pos_app.app import Facet
from pos_app.gui import messages
from pos_app.gui.forms import Form, FormLoadError
from pos_app.gui.launch import make_application
from pos_app.gui.main_window import MainWindow
from pos_app.gui.ops import install_failure_hook
from tests.gui.conftest import focused, press, sign_in, snap
from tests.gui.test_switch_user import _barcodes, _scan


def test_a_missing_form_raises_a_message_the_person_can_act_on_and_logs_why(qtbot: Any, caplog: Any) -> None:
    make_application()
    host = QWidget()
    qtbot.addWidget(host)
    with caplog.at_level(logging.ERROR, logger="pos_app.gui.forms"), pytest.raises(FormLoadError) as raised:
        Form("no_such_form.ui", host)
    assert raised.value.name == "no_such_form.ui"
    assert "Facet cannot open this window" in str(raised.value) and "reinstall Facet" in str(raised.value)
    assert any("no_such_form.ui" in r.getMessage() for r in caplog.records)


@pytest.mark.qt_log_ignore("Designer: An error has occurred while reading the UI file")
def test_a_damaged_form_file_is_reported_too(qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_application()
    (tmp_path / "broken.ui").write_text("<ui version='4.0'><widget class='NoSuchWidget' name='x'", encoding="utf-8")
    monkeypatch.setattr(paths, "ui_form", lambda name: tmp_path / name)
    host = QWidget()
    qtbot.addWidget(host)
    with pytest.raises(FormLoadError):
        Form("broken.ui", host)


@pytest.mark.qt_no_exception_capture
def test_a_dialog_whose_form_is_gone_tells_the_person_and_the_counter_goes_on(
        qtbot: Any, window: MainWindow, demo_facet: Facet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: Any) -> None:
    # An installation that lost one form (as when the files are replaced under a running Facet).
    shutil.copytree(paths.bundled("ui"), tmp_path / "ui")
    (tmp_path / "ui" / "prompt_dialog.ui").unlink()
    monkeypatch.setattr(paths, "ui_form", lambda name: tmp_path / "ui" / name)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    install_failure_hook()  # as the desktop app does at start

    (code, sku), = _barcodes(demo_facet, 1)
    sign_in(qtbot, window, "Lily Chen")
    sell: Any = window.workspace.screens["Sell"]  # type: ignore[union-attr]
    _scan(qtbot, sell, code)
    qtbot.waitUntil(lambda: len(sell.cart.lines) == 1, timeout=5_000)
    with caplog.at_level(logging.WARNING, logger="pos_app.gui"):
        press(qtbot, Qt.Key.Key_F4)  # Quantity: its prompt's form is the missing one
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, messages.MessageBox) and w.isVisible()]
    assert len(boxes) == 1
    box = boxes[0]
    assert box.kind is messages.Kind.ERROR
    assert "Facet cannot open this window" in box.text() and "prompt_dialog.ui" in box.text()
    assert any("prompt_dialog.ui" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)
    snap(box, "form-cannot-load")
    qtbot.waitUntil(lambda: QApplication.focusWidget() in box.buttons(), timeout=3_000)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: focused() is sell.form.scan_edit, timeout=3_000)
    assert [line.sku for line in sell.cart.lines] == [sku] and sell.cart.lines[0].quantity == 1
