"""The sign-in (and lock) screen: pick your name, type your PIN or password.

Keyboard only: the staff list has focus and jumps by typed letters; Enter
moves to the PIN field; Enter there signs in. The check runs on the database
worker (argon2 takes a moment) while the screen stays responsive.

Two-step sign-in adds a page: whoever has it types the 6-digit code (or a
recovery code) next, Esc going back; the owner and the privacy officer who have
not set it up yet are signed in and taken to set it up before the workspace.

A temporary PIN or password (given at hiring or by a reset) adds a page before
those: the person types a new one twice, and it replaces the temporary one in
the same transaction as the sign-in (`staff.record_sign_in`).

Each time the screen is shown (start, Ctrl+L, sign-out) the name list is read
again, so a person hired a moment ago is on it, and the cursor is in the list:
what the next person types is their name, never a PIN tried against whoever
was selected. Enter on the selected name still goes straight to its PIN.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QLineEdit, QListWidgetItem, QStackedWidget, QVBoxLayout, QWidget

from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.domain.permissions import Actor
from pos_app.gui.base import mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.two_step import EnrolPanel
from pos_app.services import staff as staff_service
from pos_app.services.ports.store import Store

log = logging.getLogger(__name__)
RECORD_DELAY_MS = 250


class SignInView(QWidget):
    signed_in = Signal(object)
    enrolment_started = Signal()
    """Someone is signed in on the two-step setup page (its key and recovery codes are on screen)."""
    """A staff member signed in; the argument is their Actor."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName("SignInView")
        self.pages = QStackedWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        self.credentials_page, self.code_page = QWidget(self.pages), QWidget(self.pages)
        self.new_secret_page = QWidget(self.pages)
        self.form = Form("sign_in.ui", self.credentials_page, margin=0)
        self.code_form = Form("two_step_code.ui", self.code_page, margin=0)
        self.new_form = Form("new_secret.ui", self.new_secret_page, margin=0)
        self.enrol_panel = EnrolPanel(context, self.pages)
        for page in (self.credentials_page, self.new_secret_page, self.code_page, self.enrol_panel):
            self.pages.addWidget(page)
        f = self.form
        f.store_label.setObjectName("store_label")
        f.store_label.setText(context.profile.name)
        self._wire_second_step()
        f.staff_list.currentItemChanged.connect(self._staff_chosen)
        f.staff_list.itemActivated.connect(lambda _item: f.secret_edit.setFocus())
        f.secret_edit.returnPressed.connect(self.submit)
        f.sign_in_button.clicked.connect(self.submit)
        f.staff_list.installEventFilter(self)
        self._busy = False
        self._pending_record: Callable[[Store], Actor] | None = None
        self._record_timer = QTimer(self)
        self._record_timer.setSingleShot(True)
        self._record_timer.timeout.connect(self.flush_pending)
        self.reload()

    def _wire_second_step(self) -> None:
        c = self.code_form
        c.store_label.setText(self.context.profile.name)
        c.confirm_button.clicked.connect(self.submit_code)
        c.back_button.clicked.connect(self.back)
        for keys in ("Return", "Enter"):
            QShortcut(QKeySequence(keys), self.code_page, self.submit_code,
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Esc"), self.code_page, self.back, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.enrol_panel.setup_finished.connect(self._enrolled)
        self.enrol_panel.cancel_requested.connect(self._enrolment_abandoned)
        n = self.new_form
        n.store_label.setText(self.context.profile.name)
        n.new_edit.returnPressed.connect(n.again_edit.setFocus)
        n.again_edit.returnPressed.connect(self.submit_new_secret)
        n.confirm_button.clicked.connect(self.submit_new_secret)
        n.back_button.clicked.connect(self.back)
        for edit in (n.new_edit, n.again_edit):
            edit.textEdited.connect(self._new_secret_edited)
        QShortcut(QKeySequence("Esc"), self.new_secret_page, self.back,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        # The password waits here between the steps (the second step rehashes it if the store's
        # costs changed), with the new secret chosen in place of a temporary one; both are dropped
        # as soon as the person goes back or gets in.
        self._awaiting: tuple[staff_service.SignInCheck, str, str] | None = None
        self._choosing: tuple[staff_service.SignInCheck, str] | None = None
        self._enrolling: Actor | None = None

    @property
    def awaiting_code(self) -> bool:
        return self._awaiting is not None and self.pages.currentWidget() is self.code_page

    def flush_pending(self) -> None:
        """Hand a sign-in waiting to be recorded to the database worker now (also at exit)."""
        self._record_timer.stop()
        record, self._pending_record = self._pending_record, None
        if record is not None:
            self.context.runner.run(record, on_error=lambda exc: log.error("recording a sign-in failed: %s", exc))

    def reload(self) -> None:
        lst = self.form.staff_list
        lst.clear()
        for choice in staff_service.sign_in_choices(self.context.store.directory):
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

    def prepare(self, *, note: str = "", preselect: str | None = None, to_secret: bool = False) -> None:
        """Show the screen fresh: the names read again (a new hire is on the list, a leaver off it),
        no secret, a note (why it is shown), `preselect` selected and the focus on the list, so that
        whoever comes next types their name (Enter on the selection goes on to its secret).
        `to_secret` puts the focus in the secret field instead (Esc back from a later page)."""
        self._awaiting = None
        self._choosing = None
        self.pages.setCurrentWidget(self.credentials_page)
        self.form.note_label.setText(note)
        self.form.note_label.setVisible(bool(note))
        self._clear_message()
        self.form.secret_edit.clear()
        self.new_form.new_edit.clear()
        self.new_form.again_edit.clear()
        self.reload()
        lst = self.form.staff_list
        if preselect is not None:
            for row in range(lst.count()):
                if lst.item(row).data(Qt.ItemDataRole.UserRole).id == preselect:
                    lst.setCurrentRow(row)
                    if to_secret:
                        self.form.secret_edit.setFocus()
                        return
                    break
        lst.setFocus()

    def _staff_chosen(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is None:
            return
        choice = current.data(Qt.ItemDataRole.UserRole)
        word = "Password" if choice.uses_password else "PIN"
        self.form.secret_label.setText(f"&{word}")
        self.form.secret_edit.setPlaceholderText(f"{word}, then Enter")
        self.form.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self._clear_message()

    def submit(self) -> None:
        item = self.form.staff_list.currentItem()
        if item is None or self._busy:
            return
        choice = item.data(Qt.ItemDataRole.UserRole)
        secret = self.form.secret_edit.text()
        self.form.secret_edit.clear()
        hasher, terminal = self.context.devices.hasher(), self.context.store.terminal  # read on the GUI thread
        self._busy = True
        self._clear_message()
        mark_info(self.form.message_label, "Checking…")

        def check(store: Store) -> staff_service.SignInCheck:
            # argon2 off the database worker: the try is counted in a short write transaction of its
            # own first, and the write lock is not held while the secret is checked.
            return staff_service.check_sign_in(choice.id, secret, uow=store.uow(), hasher=hasher, terminal=terminal)

        def checked(result: staff_service.SignInCheck) -> None:
            if result.outcome == "ok" and result.new_secret:
                self._ask_new_secret(result, secret)
            else:
                self._go_on(result, secret)

        self.context.runner.run(check, on_done=checked, on_error=self._failed, parent=self, lane="io")

    def _go_on(self, result: staff_service.SignInCheck, secret: str, new_secret: str = "") -> None:
        """After a checked secret (and a new one chosen, if it was temporary): the code page, the
        two-step setup, or the workspace; a failure is recorded and shown."""
        hasher = self.context.devices.hasher()

        def record(store: Store) -> Actor:
            return staff_service.record_sign_in(result, secret, uow=store.uow(), hasher=hasher,
                                                new_secret=new_secret)

        if result.outcome == "ok" and result.second_step == "code":
            self._ask_code(result, secret, new_secret)
        elif result.outcome == "ok" and result.second_step == "enrol":
            self.context.runner.run(record, on_done=self._start_enrolment, on_error=self._failed, parent=self)
        elif result.outcome == "ok" and not new_secret:
            # In now. The sign-in is written just after the workspace is on screen:
            # its Python work on the worker would take the GIL from the first paint.
            self._pending_record = record
            self._record_timer.start(RECORD_DELAY_MS)
            self._done(result.actor)
        else:  # a failure to record, or a new secret that must be written before the workspace opens
            self.context.runner.run(record, on_done=self._done, on_error=self._failed, parent=self)

    def _ask_new_secret(self, check: staff_service.SignInCheck, temporary: str) -> None:
        self._busy = False
        self._choosing = (check, temporary)
        self._clear_message()
        n, word = self.new_form, check.secret_word
        n.title_label.setText(f"Choose your own {word}")
        n.who_label.setText(f"{check.actor.name}: that {word} was temporary. Type a new {word} that only you know, "
                            "twice" + (" (4 to 8 digits)." if word == "PIN" else " (8 characters or more)."))
        n.new_label.setText(f"&New {word}")
        n.again_label.setText(f"New {word} &again")
        n.new_edit.setPlaceholderText(f"New {word}, then Enter")
        for edit in (n.new_edit, n.again_edit):
            edit.clear()
        mark_info(n.message_label, "")
        self.pages.setCurrentWidget(self.new_secret_page)
        n.new_edit.setFocus()

    @property
    def choosing_secret(self) -> bool:
        return self._choosing is not None and self.pages.currentWidget() is self.new_secret_page

    def _new_secret_edited(self, _text: str) -> None:
        """A refusal goes as the person types a new PIN or password: left up, it reads as refusing that one."""
        label = self.new_form.message_label
        if label.property("problem"):
            mark_info(label, "")

    def submit_new_secret(self) -> None:
        """The new PIN or password, typed twice: checked here (the rule, the two entries, not the
        temporary one again) before anything is written; then on as any sign-in."""
        if self._choosing is None or self._busy:
            return
        check, temporary = self._choosing
        n = self.new_form
        new, again = n.new_edit.text(), n.again_edit.text()
        try:
            staff_service.check_new_secret(check, temporary, new, again)
        except ValidationError as problem:
            word = check.secret_word
            again_field = problem.field.endswith("_again")
            mark_problem(n.message_label, f"New {word}{' again' if again_field else ''} {problem.problem}.")
            n.again_edit.clear()
            if not again_field:
                n.new_edit.clear()
            (n.again_edit if again_field else n.new_edit).setFocus()
            return
        for edit in (n.new_edit, n.again_edit):
            edit.clear()
        self._choosing = None
        self._busy = True
        mark_info(n.message_label, "Saving…")
        self._go_on(check, temporary, new)

    def _ask_code(self, check: staff_service.SignInCheck, secret: str, new_secret: str = "") -> None:
        self._busy = False
        self._awaiting = (check, secret, new_secret)
        self._clear_message()
        c = self.code_form
        c.who_label.setText(f"{check.actor.name}: type the 6-digit code your authenticator app shows, "
                            "or one of your recovery codes.")
        c.code_edit.clear()
        mark_info(c.message_label, "")
        self.pages.setCurrentWidget(self.code_page)
        c.code_edit.setFocus()

    def submit_code(self) -> None:
        """Check the code typed on the second page; a wrong one counts toward the lockout."""
        if self._awaiting is None or self._busy:
            return
        check, secret, new_secret = self._awaiting
        code = self.code_form.code_edit.text()
        self.code_form.code_edit.clear()
        hasher = self.context.devices.hasher()
        self._busy = True
        mark_info(self.code_form.message_label, "Checking…")

        def record(store: Store) -> Actor:
            return staff_service.record_sign_in(check, secret, uow=store.uow(), hasher=hasher, code=code,
                                                new_secret=new_secret)

        self.context.runner.run(record, on_done=self._done, on_error=self._code_failed, parent=self)

    def _code_failed(self, exc: BaseException) -> None:
        self._busy = False
        if isinstance(exc, UserFacingError):
            mark_problem(self.code_form.message_label, str(exc))
            self.code_form.code_edit.setFocus()
        else:
            self._failed(exc)

    def back(self) -> None:
        """Leave the code page or the new-secret page for the name list (Esc): the password (and
        any new one) is forgotten; the same person's secret field has the focus."""
        if self._busy:
            return
        pending = self._awaiting[0] if self._awaiting else (self._choosing[0] if self._choosing else None)
        self.prepare(preselect=pending.actor.staff_id if pending else None, to_secret=pending is not None)

    def _start_enrolment(self, actor: Actor) -> None:
        self._busy = False
        self._enrolling = actor
        self._clear_message()
        self.pages.setCurrentWidget(self.enrol_panel)
        self.enrol_panel.begin(actor, required=True)
        self.enrolment_started.emit()

    @property
    def enrolling(self) -> bool:
        return self._enrolling is not None

    def abandon_enrolment(self, note: str) -> None:
        """Left idle on the setup page: sign out, and take the key or the recovery codes off the screen."""
        if self._enrolling is not None:
            self._enrolment_abandoned(note)

    def _enrolled(self) -> None:
        actor, self._enrolling = self._enrolling, None
        if actor is not None:
            self._done(actor)

    def _enrolment_abandoned(self, note: str = "") -> None:
        """Signed in, but left without setting up: signed out again, as the role requires the second step."""
        actor, self._enrolling = self._enrolling, None
        if actor is not None:
            self.context.runner.run(lambda store: staff_service.sign_out(actor, uow=store.uow(),
                                                                         reason="two-step setup not finished"),
                                    parent=self)
        self.prepare(note=note or "Two-step sign-in was not set up; it is needed before this account can be used.",
                     preselect=actor.staff_id if actor else None)

    def _done(self, actor: Actor) -> None:
        self._busy = False
        self._awaiting = None
        self._choosing = None
        self._clear_message()
        self.pages.setCurrentWidget(self.credentials_page)
        self.signed_in.emit(actor)

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        if isinstance(exc, UserFacingError):
            if self.pages.currentWidget() is not self.credentials_page:  # e.g. locked or reset meanwhile
                self.pages.setCurrentWidget(self.credentials_page)
                self._awaiting = self._choosing = None
            self.show_problem(exc)
            self.form.secret_edit.setFocus()
        else:
            from pos_app.gui.ops import show_error

            self._clear_message()
            show_error(self, exc)

    def _clear_message(self) -> None:
        mark_info(self.form.message_label, "")
        self.form.message_label.setMinimumHeight(0)

    def show_problem(self, exc: UserFacingError) -> None:
        label = self.form.message_label
        mark_problem(label, str(exc))
        # The card is centred by its size hint, which leaves out a wrapped label's extra lines:
        # reserve them, or a three-line message (the lockout's) squeezes the name list.
        label.setMinimumHeight(label.heightForWidth(max(label.width(), self.form.card.minimumWidth() - 40)))
