"""Who signs the appraisals made at the counter: pick the appraiser, their PIN, Enter.

F12 (the last sale) and Ctrl+I (a sale found with F3) ask this before making
a sale's appraisals. The list holds only people who can sign: their role may
finalize appraisals and their staff profile holds their credentials (say
"GIA Graduate Gemologist"), appraisers first; an owner without credentials is
not on it. Whoever is signed in makes the appraisals; the one chosen signs
them. The PIN is checked like a manager's approval (`staff.approve`: a wrong
one counts toward that person's lockout); choosing yourself needs no PIN.

Keyboard: type the first letters of a name (or the arrows), Enter to the PIN
(or, for yourself, Enter signs), Enter signs, Esc cancels.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidgetItem, QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.domain.permissions import Actor, Permission
from pos_app.gui.base import FacetDialog, mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.services import appraisals, staff


class SignerDialog(FacetDialog):
    """Ask which appraiser signs; on Enter `signer` is set (None: the signed-in person signs) and it accepts.

    Open it with `open()` (or `ask_signer`) and read `signer` in a slot on
    `accepted`; a wrong PIN is shown inline and the dialog stays open.
    """

    def __init__(self, context: AppContext, what: str, parent: QWidget | None = None) -> None:
        super().__init__(context, "appraisal_signer_dialog.ui", "Who signs the appraisals?", parent)
        self.me = context.require_actor()
        self.signer: Actor | None = None
        self.chosen_id: str | None = None
        f = self.form
        f.reason_label.setText(what)
        choices = appraisals.signers(context.directory)
        for choice in choices:
            item = QListWidgetItem(f"{choice.name} — {choice.credentials} ({choice.role.label})")
            item.setData(Qt.ItemDataRole.UserRole, choice.id)
            f.staff_list.addItem(item)
        f.staff_list.setSpacing(3)
        f.staff_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        f.staff_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        rows = max(1, min(f.staff_list.count(), 6))
        row = max(f.staff_list.sizeHintForRow(0), f.staff_list.fontMetrics().height()) + 2 * 3
        f.staff_list.setFixedHeight(rows * row + 2 * f.staff_list.frameWidth() + 4)
        f.staff_list.currentItemChanged.connect(lambda _now, _before: self._chosen_changed())
        f.save_button.clicked.connect(self.sign)
        f.close_button.clicked.connect(self.reject)
        f.pin_edit.returnPressed.connect(self.sign)
        f.staff_list.itemActivated.connect(lambda _item: self._name_entered())
        self.setMinimumWidth(600)
        if not choices:
            f.save_button.setEnabled(False)
            f.pin_edit.setEnabled(False)
            mark_problem(f.message_label, "No one on the staff list can sign an appraisal: the owner adds the "
                                          "appraiser's credentials (such as GIA Graduate Gemologist) in Staff.")
            self.initial_focus = f.close_button
            return
        mine = next((n for n, c in enumerate(choices) if c.id == self.me.staff_id), 0)
        f.staff_list.setCurrentRow(mine)
        self._chosen_changed()
        self.initial_focus = f.staff_list

    def _is_me(self) -> bool:
        item = self.form.staff_list.currentItem()
        return item is not None and item.data(Qt.ItemDataRole.UserRole) == self.me.staff_id

    def _chosen_changed(self) -> None:
        f = self.form
        me = self._is_me()
        f.pin_edit.clear()
        f.pin_edit.setEnabled(not me)
        f.pin_edit.setPlaceholderText("you are signed in: no PIN" if me else "their PIN")
        mark_info(f.message_label, "Enter signs as you." if me else
                  "Type a name or use the arrows, Enter, then their PIN and Enter.")

    def _name_entered(self) -> None:
        if self._is_me():
            self.sign()
        else:
            self.form.pin_edit.setFocus()

    def show_problem(self, exc: UserFacingError) -> None:
        """A wrong PIN, a locked account, or someone who may not sign: said inline, PIN cleared."""
        mark_problem(self.form.message_label, str(exc))
        self.form.pin_edit.clear()
        self.form.pin_edit.setFocus()

    def sign(self) -> None:
        item = self.form.staff_list.currentItem()
        if item is None:
            return
        staff_id = item.data(Qt.ItemDataRole.UserRole)
        if self._is_me():
            self.chosen_id, self.signer = staff_id, None
            self.accept()
            return
        secret = self.form.pin_edit.text()
        if not secret:
            # An empty Enter is a slip, not a guess: it must not count toward the lockout.
            self.show_problem(UserFacingError("PIN: type the PIN of the person who signs."))
            return
        context, terminal = self.context, self.me.terminal

        def work() -> Actor:
            conn = context.facet.connection()
            try:
                return staff.approve(staff_id, secret, Permission.FINALIZE_APPRAISALS,
                                     reader=context.facet.directory(conn), uow=context.uow(),
                                     hasher=context.facet.hasher(), terminal=terminal)
            finally:
                conn.close()

        def done(signer: Actor) -> None:
            self.chosen_id, self.signer = staff_id, signer
            self.accept()

        mark_info(self.form.message_label, "Checking…")
        self.run(work, done)


def ask_signer(context: AppContext, what: str, parent: QWidget,
               on_signer: Callable[[Actor | None], None]) -> SignerDialog:
    """Open the "who signs?" dialog (not blocking); `on_signer(signer)` runs once someone is chosen (None: the
    signed-in person signs). Nothing runs on Esc. The dialog is left as `parent.dialog`."""
    dialog = SignerDialog(context, what, parent)
    dialog.accepted.connect(lambda: on_signer(dialog.signer))
    setattr(parent, "dialog", dialog)  # noqa: B010 - any parent widget, not only the sell screen
    dialog.open()
    return dialog
