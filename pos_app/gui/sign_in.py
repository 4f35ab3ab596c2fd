"""The sign-in (and lock) screen: pick your name, type your PIN or password.

Keyboard only: the staff list has focus and jumps by typed letters; Enter
moves to the PIN field; Enter there signs in. The check runs on the database
worker (argon2 takes a moment) while the screen stays responsive.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QListWidgetItem, QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.domain.permissions import Actor
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.services import staff as staff_service

log = logging.getLogger(__name__)
RECORD_DELAY_MS = 250


class SignInView(QWidget):
    signed_in = Signal(object)
    """A staff member signed in; the argument is their Actor."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.form = Form("sign_in.ui", self, margin=0)
        self.setObjectName("SignInView")
        f = self.form
        f.store_label.setObjectName("store_label")
        f.store_label.setText(context.profile.name)
        f.staff_list.currentItemChanged.connect(self._staff_chosen)
        f.staff_list.itemActivated.connect(lambda _item: f.secret_edit.setFocus())
        f.secret_edit.returnPressed.connect(self.submit)
        f.sign_in_button.clicked.connect(self.submit)
        f.staff_list.installEventFilter(self)
        self._busy = False
        self._pending_record: Callable[[], Actor] | None = None
        self._record_timer = QTimer(self)
        self._record_timer.setSingleShot(True)
        self._record_timer.timeout.connect(self.flush_pending)
        self.reload()

    def flush_pending(self) -> None:
        """Hand a sign-in waiting to be recorded to the database worker now (also at exit)."""
        self._record_timer.stop()
        record, self._pending_record = self._pending_record, None
        if record is not None:
            self.context.runner.run(record, on_error=lambda exc: log.error("recording a sign-in failed: %s", exc))

    def reload(self) -> None:
        lst = self.form.staff_list
        lst.clear()
        for choice in staff_service.sign_in_choices(self.context.directory):
            item = QListWidgetItem(f"{choice.name}  —  {choice.role.label}")
            item.setData(Qt.ItemDataRole.UserRole, choice)
            lst.addItem(item)
        if lst.count():
            lst.setCurrentRow(0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Enter on the list moves to the secret field (itemActivated needs a
        # current item *and* platform-specific activation keys).
        if watched is self.form.staff_list and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.form.secret_edit.setFocus()
                return True
        return super().eventFilter(watched, event)

    def prepare(self, *, note: str = "", preselect: str | None = None) -> None:
        """Show the screen fresh: no secret, a note (why it is shown), focus on the list."""
        self.form.note_label.setText(note)
        self.form.note_label.setVisible(bool(note))
        self.form.message_label.clear()
        self.form.secret_edit.clear()
        lst = self.form.staff_list
        if preselect is not None:
            for row in range(lst.count()):
                if lst.item(row).data(Qt.ItemDataRole.UserRole).id == preselect:
                    lst.setCurrentRow(row)
                    self.form.secret_edit.setFocus()
                    return
        lst.setFocus()

    def _staff_chosen(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is None:
            return
        choice = current.data(Qt.ItemDataRole.UserRole)
        word = "Password" if choice.uses_password else "PIN"
        self.form.secret_label.setText(f"&{word}")
        self.form.secret_edit.setPlaceholderText(f"{word}, then Enter")
        self.form.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.message_label.clear()

    def submit(self) -> None:
        item = self.form.staff_list.currentItem()
        if item is None or self._busy:
            return
        choice = item.data(Qt.ItemDataRole.UserRole)
        secret = self.form.secret_edit.text()
        self.form.secret_edit.clear()
        facet = self.context.facet
        hasher, terminal = facet.hasher(), facet.terminal  # read here, on the thread that owns the connection
        self._busy = True
        self.form.message_label.setText("Checking…")

        def check() -> staff_service.SignInCheck:
            # argon2 on a worker with its own read-only connection: no write lock, no SQLAlchemy.
            conn = facet.connection()
            try:
                return staff_service.check_sign_in(choice.id, secret, reader=facet.directory(conn),
                                                   hasher=hasher, terminal=terminal)
            finally:
                conn.close()

        def checked(result: staff_service.SignInCheck) -> None:
            def record() -> Actor:
                return staff_service.record_sign_in(result, secret, uow=facet.uow(), hasher=hasher)

            if result.outcome == "ok":
                # In now. The sign-in is written just after the workspace is on screen:
                # its Python work on the worker would take the GIL from the first paint.
                self._pending_record = record
                self._record_timer.start(RECORD_DELAY_MS)
                self._done(result.actor)
            else:
                self.context.runner.run(record, on_done=self._done, on_error=self._failed, parent=self)

        self.context.runner.run(check, on_done=checked, on_error=self._failed, parent=self, lane="io")

    def _done(self, actor: Actor) -> None:
        self._busy = False
        self.form.message_label.clear()
        self.signed_in.emit(actor)

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        if isinstance(exc, UserFacingError):
            self.show_problem(exc)
            self.form.secret_edit.setFocus()
        else:
            from pos_app.gui.ops import show_error

            self.form.message_label.clear()
            show_error(self, exc)

    def show_problem(self, exc: UserFacingError) -> None:
        self.form.message_label.setText(str(exc))
        self.form.message_label.setProperty("problem", True)
