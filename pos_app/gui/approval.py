"""A manager's approval, the one way every screen asks for it: run the change, and if the service says a
manager must allow it, ask for their PIN and run it again with them as the approver.

Roles:
- `with_approval(parent, context, work, on_done)` runs `work(store, None)` on the database worker; when the
  service raises `ApprovalNeeded`, the approval dialog opens over `parent`, and once a manager has typed their
  PIN `work(store, approver)` runs again. Esc in the dialog runs nothing more.
- `approve_and_retry(...)` is the second half alone, for a change that was already refused (a form whose
  own save met the `ApprovalNeeded`).
- `ApprovalDialog`: pick the manager (the first letters of their name or the arrows), Tab or Enter to the
  PIN, Enter approves, Esc cancels. The PIN is checked like a sign-in by `staff.approve` on the worker (a
  wrong one counts toward that person's lockout and is audited); nobody is signed in or out, and the
  approved action's own audit event names both people.
- `PinDialog`: what the approval dialog and the appraisal signer (`gui/appraisals/signer.py`) share: a list
  of people, a PIN field, and the PIN check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QListWidgetItem, QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.domain.permissions import Actor, Permission
from pos_app.gui.base import FacetDialog, mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.gui.ops import show_error
from pos_app.services import staff
from pos_app.services.guard import ApprovalNeeded
from pos_app.services.ports.store import Store

T = TypeVar("T")

ApprovedWork = Callable[[Store, Actor | None], T]
"""A change that may need a manager: given the job's store handle and the approver (None on the first try)."""


class PinDialog(FacetDialog):
    """A list of people and a PIN: `check_pin` asks `staff.approve` on the worker whether the chosen person
    typed their own PIN and may allow `permission`; a refusal is shown inline and the dialog stays open.

    The form (`ui/approval_dialog.ui`, `ui/appraisal_signer_dialog.ui`) holds `reason_label`, `staff_list`,
    `pin_edit`, `message_label`, `save_button` and `close_button`.
    """

    def __init__(self, context: AppContext, form_name: str, title: str, reason: str,
                 people: Sequence[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(context, form_name, title, parent)
        f = self.form
        f.reason_label.setText(reason)
        for label, staff_id in people:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, staff_id)
            f.staff_list.addItem(item)
        # The list as tall as its names (up to six), each with room around it.
        f.staff_list.setSpacing(3)
        rows = max(1, min(f.staff_list.count(), 6))
        row = max(f.staff_list.sizeHintForRow(0), f.staff_list.fontMetrics().height()) + 2 * 3
        f.staff_list.setFixedHeight(rows * row + 2 * f.staff_list.frameWidth() + 4)
        f.close_button.clicked.connect(self.reject)

    def picked_id(self) -> str | None:
        """The staff id of the person picked in the list (None if the list is empty)."""
        item = self.form.staff_list.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def show_problem(self, exc: UserFacingError) -> None:
        """A wrong PIN, a locked account, or someone who may not do this: said inline, PIN cleared."""
        mark_problem(self.form.message_label, str(exc))
        self.form.pin_edit.clear()
        self.form.pin_edit.setFocus()

    def check_pin(self, staff_id: str, permission: Permission, who: str, on_checked: Callable[[Actor], None]) -> None:
        """Check the typed PIN of `staff_id` for `permission` on the worker; `on_checked(actor)` if right.

        `who` names the person in the empty-PIN message ("the person approving").
        """
        secret = self.form.pin_edit.text()
        if not secret:
            # An empty Enter is a slip, not a guess: it must not count toward the lockout.
            self.show_problem(UserFacingError(f"PIN: type the PIN of {who}."))
            return
        terminal = self.context.require_actor().terminal
        hasher = self.context.devices.hasher()  # the store's argon2 costs, read here on the GUI thread

        def work(store: Store) -> Actor:
            return staff.approve(staff_id, secret, permission, reader=store.directory, uow=store.uow(),
                                 hasher=hasher, terminal=terminal)

        mark_info(self.form.message_label, "Checking…")
        self.run(work, on_checked)


class ApprovalDialog(PinDialog):
    """Ask a manager for their PIN; on success `approver` is set and the dialog accepts.

    `reason` is the message of the `ApprovalNeeded` that stopped the action. Open it with `ask_approval`
    (or `open()`), then read `approver` in a slot on `accepted`.
    """

    def __init__(self, context: AppContext, permission: Permission, reason: str,
                 parent: QWidget | None = None) -> None:
        people = [(f"{choice.name} ({choice.role.label})", choice.id)
                  for choice in staff.approvers(context.directory, permission)]
        super().__init__(context, "approval_dialog.ui", "Manager approval", reason, people, parent)
        self.permission = permission
        self.approver: Actor | None = None
        f = self.form
        if people:
            f.staff_list.setCurrentRow(0)
            mark_info(f.message_label, "Type a name or use the arrows, then the PIN and Enter.")
        else:
            f.save_button.setEnabled(False)
            f.pin_edit.setEnabled(False)
            mark_problem(f.message_label, "No one on the staff list may approve this.")
        f.save_button.clicked.connect(self.approve)
        f.pin_edit.returnPressed.connect(self.approve)
        f.staff_list.itemActivated.connect(lambda _item: f.pin_edit.setFocus())
        self.setMinimumWidth(420)
        self.initial_focus = f.pin_edit if len(people) == 1 else f.staff_list

    def approve(self) -> None:
        staff_id = self.picked_id()
        if staff_id is None:
            return

        def approved(approver: Actor) -> None:
            self.approver = approver
            self.accept()

        self.check_pin(staff_id, self.permission, "the person approving", approved)


def ask_approval(context: AppContext, error: ApprovalNeeded, parent: QWidget,
                 on_approved: Callable[[Actor], None]) -> ApprovalDialog:
    """Open the approval dialog over `parent` (not blocking); `on_approved(approver)` runs if a manager approves.

    Nothing runs on Esc. Approved or not, the keyboard goes back to where the person was. The dialog is also
    left as `parent.dialog`, where the sell screen keeps the dialog it has open.
    """
    dialog = ApprovalDialog(context, error.permission, str(error), parent)

    def accepted() -> None:
        if dialog.approver is not None:
            on_approved(dialog.approver)

    def give_back_the_keyboard() -> None:
        # Approved or cancelled, the keyboard goes back where the clerk was (the sell screen's scan field,
        # the dialog's first field): left to the window manager it went nowhere, and only a mouse helped.
        holder = QApplication.focusWidget()
        if holder is not None and holder.window() is not dialog and holder.isVisible():
            return  # what followed the approval has the keyboard already
        focus_first = getattr(parent, "focus_first", None)
        if callable(focus_first):
            focus_first()
            return
        target = getattr(parent, "initial_focus", None) or parent
        parent.window().activateWindow()
        target.setFocus()

    dialog.accepted.connect(accepted)
    dialog.finished.connect(lambda _result: QTimer.singleShot(0, give_back_the_keyboard))
    setattr(parent, "dialog", dialog)  # noqa: B010 - any parent widget, not only the sell screen
    dialog.open()
    return dialog


def approve_and_retry(parent: QWidget, context: AppContext, needed: ApprovalNeeded, work: ApprovedWork[T],
                      on_done: Callable[[T], None], *, on_error: Callable[[BaseException], None] | None = None,
                      why: str = "", lane: str = "db") -> ApprovalDialog:
    """A change was refused with `needed`: ask a manager, then run `work(store, approver)` again.

    `why` (the clerk's reason, if the form had one) is added to what the manager reads before typing the
    PIN. A failure of the retry goes to `on_error` if given, else to `show_error(parent, exc)` (which shows
    a `UserFacingError` inline when `parent` has `show_problem`).
    """
    if why.strip():
        needed = ApprovalNeeded(needed.permission, f"{needed} Reason: {why.strip()}.")

    def approved(approver: Actor) -> None:
        def again(store: Store) -> T:
            return work(store, approver)

        context.runner.run(again, on_done=on_done, on_error=on_error, parent=parent, lane=lane)

    return ask_approval(context, needed, parent, approved)


def with_approval(parent: QWidget, context: AppContext, work: ApprovedWork[T], on_done: Callable[[T], None], *,
                  on_error: Callable[[BaseException], None] | None = None,
                  on_asked: Callable[[ApprovalNeeded, ApprovalDialog], Any] | None = None, why: str = "",
                  lane: str = "db") -> None:
    """Run `work(store, None)` on the worker; if it needs a manager, ask for one and run `work(store, approver)`.

    `on_done(result)` runs on the GUI thread after whichever try succeeded. `on_asked(needed, dialog)` runs once
    the approval dialog is open (a form may say why it waits, and learn when it is cancelled). Any other
    failure, of either try, goes to `on_error` if given, else to `show_error(parent, exc)` (inline when
    `parent` has `show_problem`), as with `OpRunner.run`.
    """

    def failed(exc: BaseException) -> None:
        if on_error is not None:
            on_error(exc)
        else:
            show_error(parent, exc)

    def first_try(store: Store) -> T:
        return work(store, None)

    def refused(exc: BaseException) -> None:
        if not isinstance(exc, ApprovalNeeded):
            failed(exc)
            return
        dialog = approve_and_retry(parent, context, exc, work, on_done, on_error=on_error, why=why, lane=lane)
        if on_asked is not None:
            on_asked(exc, dialog)

    context.runner.run(first_try, on_done=on_done, on_error=refused, parent=parent, lane=lane)
