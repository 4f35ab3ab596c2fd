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
from PySide6.QtWidgets import QWidget

from pos_app.domain.permissions import Actor, Permission
from pos_app.gui.approval import PinDialog
from pos_app.gui.base import mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.services import appraisals


class SignerDialog(PinDialog):
    """Ask which appraiser signs; on Enter `signer` is set (None: the signed-in person signs) and it accepts.

    Open it with `open()` (or `ask_signer`) and read `signer` in a slot on
    `accepted`; a wrong PIN is shown inline and the dialog stays open. The list
    and the PIN check are the approval dialog's (`gui/approval.py`).
    """

    def __init__(self, context: AppContext, what: str, parent: QWidget | None = None) -> None:
        choices = appraisals.signers(context.directory)
        people = [(f"{choice.name} — {choice.credentials} ({choice.role.label})", choice.id) for choice in choices]
        super().__init__(context, "appraisal_signer_dialog.ui", "Who signs the appraisals?", what, people, parent)
        self.me = context.require_actor()
        self.signer: Actor | None = None
        self.chosen_id: str | None = None
        f = self.form
        f.staff_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        f.staff_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        f.staff_list.currentItemChanged.connect(lambda _now, _before: self._chosen_changed())
        f.save_button.clicked.connect(self.sign)
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
        return self.picked_id() == self.me.staff_id

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

    def sign(self) -> None:
        staff_id = self.picked_id()
        if staff_id is None:
            return
        if self._is_me():
            self.chosen_id, self.signer = staff_id, None
            self.accept()
            return

        def checked(signer: Actor) -> None:
            self.chosen_id, self.signer = staff_id, signer
            self.accept()

        self.check_pin(staff_id, Permission.FINALIZE_APPRAISALS, "the person who signs", checked)


def ask_signer(context: AppContext, what: str, parent: QWidget,
               on_signer: Callable[[Actor | None], None]) -> SignerDialog:
    """Open the "who signs?" dialog (not blocking); `on_signer(signer)` runs once someone is chosen (None: the
    signed-in person signs). Nothing runs on Esc. The dialog is left as `parent.dialog`."""
    dialog = SignerDialog(context, what, parent)
    dialog.accepted.connect(lambda: on_signer(dialog.signer))
    setattr(parent, "dialog", dialog)  # noqa: B010 - any parent widget, not only the sell screen
    dialog.open()
    return dialog
