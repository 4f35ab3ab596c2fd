"""Facet's message boxes: one look (the app's stylesheet, a badge drawn in its colours instead of the
platform's stock icons) and one keyboard contract.

Keys: Enter presses the button marked as the default (shown in the primary navy, its key in its text);
Esc closes without acting (the "No" of a question, else the only button). Ctrl+C copies the text,
as in any Qt message box.

- `tell(parent, text, ...)`: a notice that does not block (opened window-modal on `parent`); the
  box is returned so a caller (or a test) can watch it, and deletes itself when closed.
- `ask(parent, title, text)`: a yes/no question that waits for the answer (`dialogs.ask_yes_no` is
  the seam tests replace).
- `fatal(title, text)`: before the window exists (Facet cannot start); waits until read.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

import shiboken6
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QKeyEvent, QPainter, QPixmap, QShowEvent
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QPushButton, QWidget

BADGE_SIZE = 40
TEXT_WIDTH = 420
"""The message's text wraps at about this many pixels, so a long sentence is not one wide line."""


_open: set[MessageBox] = set()


class Kind(Enum):
    """What the message is; each has its badge colour and glyph."""

    INFO = ("#1f2a44", "i")
    WARNING = ("#b08d57", "!")
    ERROR = ("#a4161a", "!")
    QUESTION = ("#1f2a44", "?")

    @property
    def colour(self) -> str:
        return self.value[0]

    @property
    def glyph(self) -> str:
        return self.value[1]


def badge(kind: Kind, size: int = BADGE_SIZE) -> QPixmap:
    """A round badge in the app's colours with the kind's glyph, sharp on high-DPI screens."""
    app = QApplication.instance()
    ratio = app.devicePixelRatio() if isinstance(app, QApplication) else 1.0
    pixmap = QPixmap(int(size * ratio), int(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(kind.colour))
        painter.drawEllipse(QRectF(1, 1, size - 2, size - 2))
        font = QFont()
        font.setPixelSize(int(size * 0.6))
        font.setWeight(QFont.Weight.Bold)
        painter.setFont(font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, kind.glyph)
    finally:
        painter.end()
    return pixmap


class MessageBox(QMessageBox):
    """A QMessageBox in Facet's style (objectName `message_box` in resources/style.qss)."""

    def __init__(self, kind: Kind, title: str, text: str, parent: QWidget | None = None, *,
                 details: str | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setObjectName("message_box")
        self.setWindowTitle(title)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(text)
        if details:
            self.setInformativeText(details)
        self.setIconPixmap(badge(kind))
        self.alt_keys: dict[Qt.Key, QPushButton] = {}  # Alt+letter presses a button (a yes that cannot be undone)
        for name in ("qt_msgbox_label", "qt_msgbox_informativelabel"):
            label = self.findChild(QLabel, name)
            if label is not None:
                label.setMinimumWidth(TEXT_WIDTH)
                label.setWordWrap(True)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # The keyboard goes to the box at once (a counter has no mouse hand free): Enter and Esc answer it.
        self.activateWindow()
        default = self.defaultButton()
        if default is not None:
            default.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        button = self.alt_keys.get(Qt.Key(event.key()))
        if button is not None and event.modifiers() == Qt.KeyboardModifier.AltModifier:
            button.click()
            return
        super().keyPressEvent(event)

    def add_button(self, text: str, role: QMessageBox.ButtonRole, *, default: bool = False,
               escape: bool = False) -> QPushButton:
        """Add a button; the default one answers Enter (and is drawn primary), the escape one Esc."""
        added = self.addButton(text, role)
        if default:
            self.setDefaultButton(added)
            added.setProperty("primary", True)
        if escape:
            self.setEscapeButton(added)
        return added


def _focus_back() -> Callable[[], None]:
    """Whatever has the keyboard now gets it back when the box closes (its window comes to the front)."""
    had = QApplication.focusWidget()

    def back() -> None:
        if had is not None and shiboken6.isValid(had) and had.isVisible():
            had.window().activateWindow()
            had.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    return back


def tell(parent: QWidget | None, text: str, *, title: str = "Facet", kind: Kind = Kind.INFO,
         details: str | None = None, button: str = "OK  Enter") -> MessageBox:
    """Show a notice without blocking; Enter or Esc closes it. Returns the box (deleted once closed)."""
    box = MessageBox(kind, title, text, parent, details=details)
    box.add_button(button, QMessageBox.ButtonRole.AcceptRole, default=True, escape=True)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    back = _focus_back()
    box.finished.connect(lambda _result: back())
    # A box without a parent belongs to Python: held here until it closes, or it would vanish at once.
    _open.add(box)
    box.finished.connect(lambda _result: _open.discard(box))
    box.open()
    return box


def ask(parent: QWidget | None, title: str, text: str, *, yes: str = "Yes", no: str = "No",
        cannot_undo: bool = False) -> bool:
    """Ask a yes/no question and wait: Enter answers yes (the person has just asked for the action),
    Esc answers no. A question whose yes `cannot_undo` (erasing a customer, finalizing an appraisal)
    answers no to Enter as well: a scanner's stray Enter must never do it; Alt+Y (or Tab, Space) says yes."""
    box = MessageBox(Kind.QUESTION, title, text, parent)
    if cannot_undo:
        confirm = box.add_button(f"{yes}  Alt+Y", QMessageBox.ButtonRole.YesRole)
        box.alt_keys[Qt.Key.Key_Y] = confirm
        box.add_button(f"{no}  Enter/Esc", QMessageBox.ButtonRole.NoRole, default=True, escape=True)
    else:
        confirm = box.add_button(f"{yes}  Enter", QMessageBox.ButtonRole.YesRole, default=True)
        box.add_button(f"{no}  Esc", QMessageBox.ButtonRole.NoRole, escape=True)
    back = _focus_back()
    box.exec()
    back()
    answered = box.clickedButton() is confirm
    box.deleteLater()
    return answered


def fatal(title: str, text: str) -> None:
    """Facet cannot start: say why, and wait until the person has read it (no window exists yet)."""
    box = MessageBox(Kind.ERROR, title, text)
    box.add_button("Close  Enter", QMessageBox.ButtonRole.AcceptRole, default=True, escape=True)
    box.exec()
