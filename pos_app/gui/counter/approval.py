"""A manager's approval for one action a clerk may not do alone: pick the manager, their PIN, Enter.

The PIN is checked like a sign-in (a wrong one counts toward the manager's
lockout and is audited); the approved action's own audit event names both
people. Nobody is signed in or out.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidgetItem, QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.domain.permissions import Actor, Permission
from pos_app.gui.base import FacetDialog, mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.services import staff
from pos_app.services.checkout import ApprovalNeeded


class ApprovalDialog(FacetDialog):
    def __init__(self, context: AppContext, permission: Permission, reason: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(context, "approval_dialog.ui", "Manager approval", parent)
        self.permission = permission
        self.approver: Actor | None = None
        f = self.form
        mark_info(f.reason_label, f"{reason} A manager approves with their PIN, for this one action.")
        for choice in staff.approvers(context.directory, permission):
            item = QListWidgetItem(f"{choice.name} ({choice.role.label})")
            item.setData(Qt.ItemDataRole.UserRole, choice.id)
            f.staff_list.addItem(item)
        if f.staff_list.count():
            f.staff_list.setCurrentRow(0)
        f.save_button.clicked.connect(self.approve)
        f.close_button.clicked.connect(self.reject)
        f.pin_edit.returnPressed.connect(self.approve)
        f.staff_list.itemActivated.connect(lambda _item: f.pin_edit.setFocus())
        self.initial_focus = f.pin_edit if f.staff_list.count() == 1 else f.staff_list

    def show_problem(self, exc: UserFacingError) -> None:
        mark_problem(self.form.message_label, str(exc))
        self.form.pin_edit.clear()
        self.form.pin_edit.setFocus()

    def approve(self) -> None:
        item = self.form.staff_list.currentItem()
        if item is None:
            self.show_problem(UserFacingError("No one on staff may approve this."))
            return
        staff_id, secret = item.data(Qt.ItemDataRole.UserRole), self.form.pin_edit.text()
        context, terminal = self.context, self.context.require_actor().terminal

        def work() -> Actor:
            conn = context.facet.connection()
            try:
                return staff.approve(staff_id, secret, self.permission, reader=context.facet.directory(conn),
                                     uow=context.uow(), hasher=context.facet.hasher(), terminal=terminal)
            finally:
                conn.close()

        def done(approver: Actor) -> None:
            self.approver = approver
            self.accept()

        self.run(work, done)


def ask_approval(context: AppContext, error: ApprovalNeeded, parent: QWidget,
                 on_approved: Callable[[Actor], None]) -> ApprovalDialog:
    """Open the approval dialog (not blocking); `on_approved(approver)` runs if a manager approves."""
    dialog = ApprovalDialog(context, error.permission, str(error), parent)

    def accepted() -> None:
        if dialog.approver is not None:
            on_approved(dialog.approver)

    dialog.accepted.connect(accepted)
    parent.dialog = dialog
    dialog.open()
    return dialog
