"""GUI fixtures: the real main window over a real demo store, offscreen."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QApplication, QWidget

from pos_app.app import Facet
from pos_app.gui.context import AppContext
from pos_app.gui.launch import banner_warning, make_application
from pos_app.gui.main_window import MainWindow
from pos_app.services import two_step
from pos_app.services.demo import DEMO_TWO_STEP

DEMO_SECRETS = {
    "Jane Ellen": "owner-demo-1",
    "Marcus Reed": "manager-demo-1",
    "Lily Chen": "3333",
    "Sam Ortiz": "3344",
    "Priya Nair": "4444",
    "Dana Brooks": "privacy-demo-1",
}


@contextlib.contextmanager
def main_window(qtbot, facet: Facet) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    """The app's main window over `facet`, shown; closed and deleted (with its timers) before the
    window's connection closes."""
    make_application()
    context = AppContext(facet)
    main = MainWindow(context, keyring_warning=banner_warning(facet))
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    try:
        yield main
    finally:
        context.runner.wait()
        main.close()
        main.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        context.close()


@pytest.fixture
def window(qtbot, demo_facet: Facet) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    with main_window(qtbot, demo_facet) as main:
        yield main


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def two_step_code(facet: Facet, name: str) -> str:
    """A code the demo's `name` has not used yet: the authenticator's code for now or the next
    30 seconds, else (signed in twice already in this window) the next unused recovery code."""
    secret, recovery = DEMO_TWO_STEP[name]
    conn = facet.connection()
    try:
        staff_id, last_step = conn.execute("SELECT id, totp_last_step FROM staff WHERE name = ?", (name,)).fetchone()
        used = conn.execute("SELECT count(*) FROM staff_recovery_codes WHERE staff_id = ? AND used_at IS NOT NULL",
                            (staff_id,)).fetchone()[0]
    finally:
        conn.close()
    now = two_step.time_step(dt.datetime.now(dt.UTC))
    for step in (now, now + 1):
        if last_step is None or step > last_step:
            return str(pyotp.TOTP(secret).at(step * two_step.STEP_SECONDS))
    return recovery[used]


def sign_in(qtbot, main: MainWindow, name: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the real screen (mouse-free, but without typing the name), typing the
    two-step code on its page for those who have one."""
    lst = main.sign_in.form.staff_list
    for row in range(lst.count()):
        if lst.item(row).data(Qt.ItemDataRole.UserRole).name == name:
            lst.setCurrentRow(row)
    main.sign_in.form.secret_edit.setText(DEMO_SECRETS[name])
    main.sign_in.submit()

    def signed_in() -> bool:
        return main.workspace is not None and main.context.actor is not None

    if name in DEMO_TWO_STEP:
        qtbot.waitUntil(lambda: main.sign_in.awaiting_code or signed_in(), timeout=10_000)
        if main.sign_in.awaiting_code:
            main.sign_in.code_form.code_edit.setText(two_step_code(main.context.facet, name))
            main.sign_in.submit_code()
    qtbot.waitUntil(signed_in, timeout=10_000)


def snap(widget: QWidget, name: str) -> None:
    """Keep a picture of `widget` as `name`.png in the folder FACET_DIALOG_PNG names (to look at a screen a
    test drives); nothing when it is not set."""
    folder = os.environ.get("FACET_DIALOG_PNG")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(folder) / f"{name}.png"))


def press(qtbot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    """A key press on whatever has the keyboard focus, as a person at the counter would."""
    qtbot.keyClick(focused(), key, modifier)


@contextlib.contextmanager
def first_run_shown(qtbot, folder: Path) -> Iterator[object]:
    """The first-run wizard on `folder`, shown at 1280x800 with its first page focused; on leaving, its work
    waited for, the wizard quit, and the store it opened (if any) closed."""
    from pos_app.gui.first_run import FirstRunWizard

    make_application()
    shown = FirstRunWizard(folder)
    qtbot.addWidget(shown)
    shown.resize(1280, 800)
    shown.show()
    qtbot.waitExposed(shown)
    shown.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    try:
        yield shown
    finally:
        shown.runner.wait()
        if shown.isVisible():
            shown.reject()
        facet = shown.outcome()
        if facet is not None:
            facet.close()
        shown.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
