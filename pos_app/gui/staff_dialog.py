"""The Staff tab's dialog: hire someone, change a role, reset a PIN or password, or confirm a
leaver's deactivation (or a return).

One form (`ui/staff_dialog.ui`), its fields shown as the job needs. A PIN or
password typed here is temporary and shown in plain text on purpose: the owner
(or manager) reads it to the person, who chooses their own at the next sign-in.
A fresh one is suggested (Ctrl+G for another). Ctrl+Enter saves, Esc cancels;
the service's refusal (a name taken, the last owner) shows in the dialog and
nothing is changed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLineEdit, QWidget

from pos_app.domain.errors import ValidationError
from pos_app.domain.permissions import TWO_STEP_MINIMUM, Role, two_step_required
from pos_app.domain.staff import temporary_secret
from pos_app.gui.base import FacetDialog, mark_problem
from pos_app.gui.context import AppContext
from pos_app.services import staff as staff_service
from pos_app.services.ports.staff import StaffSecurityRow
from pos_app.services.ports.store import Store

# The job of each mode: title, the save button's words.
MODES = {
    "add": ("Add a person", "Add  (Ctrl+Enter)"),
    "role": ("Change role", "Save  (Ctrl+Enter)"),
    "reset": ("Reset PIN or password", "Reset  (Ctrl+Enter)"),
    "deactivate": ("Deactivate", "Deactivate  (Ctrl+Enter)"),
    "reactivate": ("Reactivate", "Reactivate  (Ctrl+Enter)"),
}


def _word(role: Role) -> str:
    return "password" if role.signs_in_with_password else "PIN"


class StaffDialog(FacetDialog):
    """`mode` is one of MODES; `person` the selected row (None when adding). `done_message` is what the
    Staff tab shows once the change is saved."""

    def __init__(self, context: AppContext, mode: str, person: StaffSecurityRow | None,
                 parent: QWidget | None = None, *, two_step_roles: frozenset[Role] = TWO_STEP_MINIMUM) -> None:
        title, save_text = MODES[mode]
        super().__init__(context, "staff_dialog.ui", f"{title} — {person.name}" if person else title, parent)
        self.mode, self.person = mode, person
        self.two_step_roles = two_step_roles  # the store's setting `security.two_step_roles`
        self.done_message = ""
        f = self.form
        f.save_button.setText(save_text)
        f.save_button.clicked.connect(self.save)
        f.close_button.clicked.connect(self.reject)
        f.new_secret_button.clicked.connect(self.suggest)
        self.shortcut("Ctrl+Return", self.save)
        self.shortcut("Ctrl+Enter", self.save)
        self.shortcut("Ctrl+G", self.suggest)
        f.secret_edit.setEchoMode(QLineEdit.EchoMode.Normal)  # read out to the person, then changed by them
        for role in Role:
            f.role_combo.addItem(role.label, role.value)
        if person is not None:
            f.name_edit.setText(person.name)
            f.name_edit.setReadOnly(True)
            f.role_combo.setCurrentIndex(list(Role).index(person.role))
            f.credentials_edit.setText(person.credentials)
        else:
            f.role_combo.setCurrentIndex(list(Role).index(Role.CLERK))
        self._layout_for_mode()
        f.role_combo.currentIndexChanged.connect(self._role_chosen)
        self.initial_focus = {"add": f.name_edit, "role": f.role_combo, "reset": f.secret_edit}.get(mode, f.save_button)

    # ------------------------------------------------------------ what is shown

    def _layout_for_mode(self) -> None:
        f, person, mode = self.form, self.person, self.mode
        confirm = mode in ("deactivate", "reactivate")
        for widget in (f.name_label, f.name_edit):
            widget.setVisible(mode == "add")
        for widget in (f.role_label, f.role_combo):
            widget.setVisible(mode in ("add", "role"))
        if mode != "add":
            for widget in (f.pin_label, f.pin_edit, f.note_label):
                widget.setVisible(False)
            for widget in (f.credentials_label, f.credentials_edit):
                widget.setVisible(mode == "role" and self._role() is Role.APPRAISER)
        if mode == "reset":
            assert person is not None
            self._show_secret(True, person.role)
            f.intro_label.setText(f"{person.name} forgot their {_word(person.role)}? Read them this temporary one; "
                                  f"at their next sign-in they type it, then choose their own (twice). Any lockout "
                                  f"is lifted.")
        elif confirm:
            assert person is not None
            self._show_secret(False, person.role)
            f.intro_label.setText(
                f"Deactivate {person.name}? They leave the sign-in list and cannot sign in or approve; their sales, "
                "appraisals and audit trail are kept under their name. You can reactivate them later."
                if mode == "deactivate" else
                f"Reactivate {person.name} as {person.role.label.lower()}? They are on the sign-in list again, with "
                f"the {_word(person.role)} they had (reset it if they forgot it).")
        else:
            self._role_chosen()
        f.new_secret_button.setVisible(not f.secret_edit.isHidden())

    def _role(self) -> Role:
        # The combo hands a StrEnum back as its str value.
        return Role(self.form.role_combo.currentData() or Role.CLERK.value)

    def _needs_secret(self, role: Role) -> bool:
        """Adding: always. A new role: when it signs in differently (a PIN for a password, or back)."""
        if self.mode == "add":
            return True
        assert self.person is not None
        return role.signs_in_with_password != self.person.role.signs_in_with_password

    def _role_chosen(self, _index: int = 0) -> None:
        if self.mode not in ("add", "role"):
            return
        f, role = self.form, self._role()
        needed = self._needs_secret(role)
        self._show_secret(needed, role)
        for widget in (f.pin_label, f.pin_edit):
            widget.setVisible(self.mode == "add" and role.signs_in_with_password)
        for widget in (f.credentials_label, f.credentials_edit):
            widget.setVisible(role is Role.APPRAISER)
        f.new_secret_button.setVisible(needed)
        notes = []
        if needed:
            notes.append(f"Read the temporary {_word(role)} to the person: they choose their own at their next "
                         "sign-in, before anything opens.")
        if two_step_required(role, self.two_step_roles):
            notes.append(f"A {role.label.lower()} also sets up two-step sign-in (a phone app) then.")
        if self.mode == "add":
            f.intro_label.setText("Someone new who signs in at this store.")
        else:
            assert self.person is not None
            f.intro_label.setText(f"{self.person.name} is {'an' if self.person.role.label[0] in 'AEIOU' else 'a'} "
                                  f"{self.person.role.label.lower()} now.")
        f.note_label.setText(" ".join(notes))
        f.note_label.setVisible(bool(notes))
        if self.isVisible():  # rows came or went: fit them, none squeezed
            self.adjustSize()

    def _show_secret(self, shown: bool, role: Role) -> None:
        f = self.form
        for widget in (f.secret_label, f.secret_edit):
            widget.setVisible(shown)
        if not shown:
            for widget in (f.pin_label, f.pin_edit, f.credentials_label, f.credentials_edit, f.note_label):
                widget.setVisible(False)
            return
        word = _word(role)
        f.secret_label.setText(f"Temporary &{word}")
        f.new_secret_button.setText(f"Another {word}  (Ctrl+G)")  # not "another one": it could read as a person
        current = f.secret_edit.text()
        fits = bool(current) and (len(current) >= 8 if word == "password" else current.isdigit())
        if not fits:
            self.suggest()

    def suggest(self) -> None:
        """Another temporary PIN or password (Ctrl+G)."""
        if not self.form.secret_edit.isVisible() and self.isVisible():
            return
        role = self._role() if self.mode in ("add", "role") else (self.person.role if self.person else Role.CLERK)
        self.form.secret_edit.setText(temporary_secret(role.signs_in_with_password))

    # ------------------------------------------------------------ saving

    def save(self) -> None:
        f, person = self.form, self.person
        context, actor = self.context, self.context.require_actor()
        hasher = context.devices.hasher()
        secret = f.secret_edit.text().strip() if f.secret_edit.isVisibleTo(self) else ""
        work: Callable[[Store], object]
        if self.mode == "add":
            role, name = self._role(), f.name_edit.text()
            pin = secret if not role.signs_in_with_password else f.pin_edit.text().strip()
            password = secret if role.signs_in_with_password else None
            credentials = f.credentials_edit.text() if role is Role.APPRAISER else ""
            word = _word(role)

            def work(store: Store) -> object:
                return staff_service.add_staff(name, role, pin=pin, password=password, credentials=credentials,
                                               uow=store.uow(), actor=actor, hasher=hasher)

            self.done_message = (f"{' '.join(name.split())} is on the sign-in list; they choose their own {word} at "
                                 "their first sign-in.")
        else:
            assert person is not None
            staff_id = person.id
            if self.mode == "role":
                role = self._role()
                pin = secret if secret and not role.signs_in_with_password else ""
                password = secret if secret and role.signs_in_with_password else None
                credentials = f.credentials_edit.text() if role is Role.APPRAISER else None

                def work(store: Store) -> object:
                    return staff_service.set_role(staff_id, role, pin=pin, password=password, credentials=credentials,
                                                  uow=store.uow(), actor=actor, hasher=hasher)

                self.done_message = f"{person.name} is now {'an' if role.label[0] in 'AEIOU' else 'a'} " \
                                    f"{role.label.lower()}."
            elif self.mode == "reset":
                def work(store: Store) -> object:
                    return staff_service.reset_secret(staff_id, secret, uow=store.uow(), actor=actor, hasher=hasher)

                self.done_message = (f"{person.name}'s {_word(person.role)} was reset; they choose their own at the "
                                     "next sign-in.")
            elif self.mode == "deactivate":
                def work(store: Store) -> object:
                    staff_service.deactivate(staff_id, uow=store.uow(), actor=actor)
                    return None

                self.done_message = f"{person.name} is deactivated and off the sign-in list."
            else:
                def work(store: Store) -> object:
                    staff_service.reactivate(staff_id, uow=store.uow(), actor=actor)
                    return None

                self.done_message = f"{person.name} is active again."

        def done(_result: object) -> None:
            self.context.changed.emit("staff")
            self.accept()

        self.run(work, done)

    def show_problem(self, exc: Exception) -> None:
        f = self.form
        if isinstance(exc, ValidationError):
            target = {"name": f.name_edit, "role": f.role_combo, "pin": f.secret_edit, "password": f.secret_edit,
                      "temporary_pin": f.secret_edit, "temporary_password": f.secret_edit,
                      "credentials": f.credentials_edit}.get(exc.field)
            if self.mode == "add" and exc.field == "pin" and self._role().signs_in_with_password:
                target = f.pin_edit
            label = {"name": "Name", "role": "Role", "credentials": "Credentials"}.get(exc.field)
            if label is None:
                label = "Approval PIN" if target is f.pin_edit else f"Temporary {exc.field.split('_')[-1]}"
                label = label.replace("pin", "PIN")
            mark_problem(f.message_label, f"{label} {exc.problem}.")
            if target is not None and target.isVisibleTo(self):
                target.setFocus()
            return
        mark_problem(f.message_label, str(exc))
