"""A dialog that holds a form, shows problems inline, and runs its work off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload

from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.ops import show_error
from pos_app.services.ports.store import Store

T = TypeVar("T")


def mark_problem(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setProperty("problem", bool(text))
    label.style().unpolish(label)
    label.style().polish(label)
    _fit_dialog(label)


def mark_info(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setProperty("problem", False)
    label.style().unpolish(label)
    label.style().polish(label)
    _fit_dialog(label)


def fit_height(window: QWidget) -> None:
    """Grow `window` (never shrink it) to the height its wrapped text needs at its width.

    A dialog opens at its size hint, which Qt computes without word wrap's height-for-width;
    a wrapped label (a long question, a problem shown after Enter) would then be cut off.
    """
    layout = window.layout()
    if layout is None:
        return
    layout.activate()
    width = window.width()
    needed = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else layout.totalSizeHint().height()
    screen = window.screen()
    if screen is not None:  # never past the screen: the buttons at the bottom must stay on it
        room = screen.availableGeometry()
        frame = max(0, window.frameGeometry().height() - window.height())
        needed = min(needed, room.height() - frame)
    if needed > window.height():
        window.resize(width, needed)
        if screen is not None and window.frameGeometry().bottom() > room.bottom():
            window.move(window.x(), max(room.top(), room.bottom() - window.frameGeometry().height()))


def _fit_dialog(label: QLabel) -> None:
    window = label.window()
    if isinstance(window, QDialog) and window.isVisible():
        # Once the label's new text has reached the layouts (their requests are queued events).
        QTimer.singleShot(0, window, lambda: fit_height(window))


def open_dialog(dialog: QDialog, back_to: QWidget) -> QDialog:
    """Show `dialog` without blocking; when it closes, the window comes back and `back_to` has the keyboard."""

    def back() -> None:
        back_to.window().activateWindow()
        back_to.setFocus()

    dialog.finished.connect(lambda _r: back())
    dialog.open()
    return dialog


class FacetDialog(QDialog):
    """Non-blocking by default (`open()`), so the rest of the window keeps painting."""

    def __init__(self, context: AppContext, form_name: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle(title)
        self.form = Form(form_name, self)
        self._busy = False
        # Enter in a field never presses a button by surprise; each action has its shortcut.
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
            button.setDefault(False)
        self.initial_focus: QWidget | None = None
        primary = getattr(self.form, "save_button", None)
        if primary is not None:
            primary.setProperty("primary", True)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self, lambda: fit_height(self))
        if self.initial_focus is not None:
            self.activateWindow()
            self.initial_focus.setFocus()

    def shortcut(self, keys: str, slot: Callable[[], object]) -> QShortcut:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.activated.connect(slot)
        return shortcut

    @overload  # two signatures, so mypy checks a `lambda store: ...` (see OpRunner.run)
    def run(self, work: Callable[[Store], T], on_done: Callable[[T], object], *, lane: str = "db") -> None: ...
    @overload
    def run(self, work: Callable[[], T], on_done: Callable[[T], object], *, lane: str = "db") -> None: ...

    def run(self, work: Callable[..., Any], on_done: Callable[[Any], object], *, lane: str = "db") -> None:
        """Run `work(store)` on a worker once at a time (the store handle of the job's own connection, closed
        when it ends); problems come back inline. Work that takes nothing gets no store (a device's job)."""
        if self._busy:
            return
        self._busy = True

        def done(result: Any) -> None:
            self._busy = False
            on_done(result)

        def failed(exc: BaseException) -> None:
            self._busy = False
            show_error(self, exc)

        self.context.runner.run(work, on_done=done, on_error=failed, parent=self, lane=lane)

    def show_problem(self, exc: UserFacingError) -> None:
        mark_problem(self.form.message_label, str(exc))
