"""A manager's approval for one action a clerk may not do alone: pick the manager, their PIN, Enter.

The PIN is checked like a sign-in (a wrong one counts toward the manager's
lockout and is audited, all in `staff.approve`); the approved action's own
audit event names both people. Nobody is signed in or out.

Keyboard: type the first letters of a name to pick it (or the arrow keys),
Tab or Enter to the PIN, Enter approves, Esc cancels.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QListWidgetItem, QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.domain.permissions import Actor, Permission
from pos_app.gui.base import FacetDialog, mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.services import staff
from pos_app.services.guard import ApprovalNeeded


class ApprovalDialog(FacetDialog):
    """Ask a manager for their PIN; on success `approver` is set and the dialog accepts.

    `reason` is the message of the `ApprovalNeeded` that stopped the action.
    Open it with `open()` (or `ask_approval`), then read `approver` in a slot
    on `accepted`; a wrong PIN is shown inline and the dialog stays open.
    """

    def __init__(self, context: AppContext, permission: Permission, reason: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(context, "approval_dialog.ui", "Manager approval", parent)
        self.permission = permission
        self.approver: Actor | None = None
        f = self.form
        f.reason_label.setText(reason)
        for choice in staff.approvers(context.directory, permission):
            item = QListWidgetItem(f"{choice.name} ({choice.role.label})")
            item.setData(Qt.ItemDataRole.UserRole, choice.id)
            f.staff_list.addItem(item)
        # The list as tall as its names (up to six), each with room around it.
        f.staff_list.setSpacing(3)
        rows = max(1, min(f.staff_list.count(), 6))
        row = max(f.staff_list.sizeHintForRow(0), f.staff_list.fontMetrics().height()) + 2 * 3
        f.staff_list.setFixedHeight(rows * row + 2 * f.staff_list.frameWidth() + 4)
        if f.staff_list.count():
            f.staff_list.setCurrentRow(0)
            mark_info(f.message_label, "Type a name or use the arrows, then the PIN and Enter.")
        else:
            f.save_button.setEnabled(False)
            f.pin_edit.setEnabled(False)
            mark_problem(f.message_label, "No one on the staff list may approve this.")
        f.save_button.clicked.connect(self.approve)
        f.close_button.clicked.connect(self.reject)
        f.pin_edit.returnPressed.connect(self.approve)
        f.staff_list.itemActivated.connect(lambda _item: f.pin_edit.setFocus())
        self.setMinimumWidth(420)
        self.initial_focus = f.pin_edit if f.staff_list.count() == 1 else f.staff_list

    def show_problem(self, exc: UserFacingError) -> None:
        """A wrong PIN, a locked account, or someone who may not approve: said inline, PIN cleared."""
        mark_problem(self.form.message_label, str(exc))
        self.form.pin_edit.clear()
        self.form.pin_edit.setFocus()

    def approve(self) -> None:
        item = self.form.staff_list.currentItem()
        if item is None:
            return
        secret = self.form.pin_edit.text()
        if not secret:
            # An empty Enter is a slip, not a guess: it must not count toward the lockout.
            self.show_problem(UserFacingError("PIN: type the PIN of the person approving."))
            return
        staff_id = item.data(Qt.ItemDataRole.UserRole)
        context, permission, terminal = self.context, self.permission, self.context.require_actor().terminal

        def work() -> Actor:
            # On the database worker: its own connection for the staff record, its own unit of work.
            conn = context.facet.connection()
            try:
                return staff.approve(staff_id, secret, permission, reader=context.facet.directory(conn),
                                     uow=context.uow(), hasher=context.facet.hasher(), terminal=terminal)
            finally:
                conn.close()

        def done(approver: Actor) -> None:
            self.approver = approver
            self.accept()

        mark_info(self.form.message_label, "Checking…")
        self.run(work, done)


def ask_approval(context: AppContext, error: ApprovalNeeded, parent: QWidget,
                 on_approved: Callable[[Actor], None]) -> ApprovalDialog:
    """Open the approval dialog (not blocking); `on_approved(approver)` runs if a manager approves.

    Nothing runs on Cancel. The dialog is also left as `parent.dialog`, where
    the sell screen keeps the dialog it has open.
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
