"""GUI fixtures: the real main window over a real demo store, offscreen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QApplication, QWidget

from pos_app.app import Facet
from pos_app.gui.context import AppContext
from pos_app.gui.launch import make_application
from pos_app.gui.main_window import MainWindow

DEMO_SECRETS = {
    "Jane Ellen": "owner-demo-1",
    "Marcus Reed": "manager-demo-1",
    "Lily Chen": "3333",
    "Sam Ortiz": "3344",
    "Priya Nair": "4444",
    "Dana Brooks": "privacy-demo-1",
}


@pytest.fixture
def window(qtbot, demo_facet: Facet) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    make_application()
    context = AppContext(demo_facet)
    main = MainWindow(context, keyring_warning=demo_facet.keyring.status.warning)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    yield main
    context.runner.wait()
    main.close()
    # Delete the window (and its timers) before its connection closes.
    main.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    context.close()


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def sign_in(qtbot, main: MainWindow, name: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the real screen (mouse-free, but without typing the name)."""
    lst = main.sign_in.form.staff_list
    for row in range(lst.count()):
        if lst.item(row).data(Qt.ItemDataRole.UserRole).name == name:
            lst.setCurrentRow(row)
    main.sign_in.form.secret_edit.setText(DEMO_SECRETS[name])
    main.sign_in.submit()
    qtbot.waitUntil(lambda: main.workspace is not None and main.context.actor is not None, timeout=10_000)
