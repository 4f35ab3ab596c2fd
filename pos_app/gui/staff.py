"""The Staff tab: who signs in, how, and who has left.

The owner hires (Insert or Ctrl+Shift+N), changes a role (F2), resets a PIN
or password to a temporary one (Ctrl+P), deactivates a leaver or takes them
back (Ctrl+D, confirmed), lifts a lockout (Ctrl+U), resets two-step sign-in
for a lost phone (Ctrl+R) and hands out new recovery codes (Ctrl+N); Ctrl+H
shows those who left. A manager sees the clerks and appraisers only, and may
only reset their PINs. Each is a service call that checks the permission and
writes an audit event; the list reads on a worker with its own connection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QAbstractButton, QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.domain.permissions import TWO_STEP_MINIMUM, Permission, Role
from pos_app.gui import dialogs
from pos_app.gui.base import mark_info, mark_problem, open_dialog
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.staff_dialog import StaffDialog
from pos_app.gui.tables import fill
from pos_app.services import staff as staff_service
from pos_app.services import two_step
from pos_app.services.ports.staff import StaffSecurityRow
from pos_app.services.ports.store import Store

HEADERS = ["Name", "Role", "Two-step", "Recovery codes left", "Wrong tries", "Locked until", "Sign-in"]


class StaffView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.form = Form("staff.ui", self)
        f = self.form
        self.rows: list[StaffSecurityRow] = []
        self.loading = False
        self.dialog: StaffDialog | None = None
        self.two_step_roles: frozenset[Role] = TWO_STEP_MINIMUM  # the store's setting, read with the list
        owner = context.can(Permission.MANAGE_STAFF)
        wired: list[tuple[tuple[str, ...], Callable[[], None], QAbstractButton | None]] = [
            (("Ctrl+P",), self.reset_secret, f.reset_secret_button), (("F5",), self.refresh, f.refresh_button)]
        if owner:
            wired += [(("Insert", "Ctrl+Shift+N"), self.add_person, f.add_button), (("F2",), self.change_role,
                      f.role_button), (("Ctrl+D",), self.toggle_active, f.active_button),
                      (("Ctrl+H",), f.inactive_check.toggle, None),
                      (("Ctrl+U",), self.unlock, f.unlock_button), (("Ctrl+R",), self.reset_two_step, f.reset_button),
                      (("Ctrl+N",), self.new_codes, f.codes_button)]
        else:  # a manager: clerks' and appraisers' PINs only
            for widget in (f.add_button, f.role_button, f.active_button, f.inactive_check, f.unlock_button,
                           f.reset_button, f.codes_button):
                widget.setVisible(False)
            f.intro_label.setText("Clerks and appraisers. Select a person with the arrow keys; Ctrl+P gives them a "
                                  "temporary PIN when they forgot theirs.")
            f.reset_secret_button.setText("Reset PIN  (Ctrl+P)")
        for keys, slot, button in wired:
            for key in keys:
                QShortcut(QKeySequence(key), self, slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            if button is not None:
                button.clicked.connect(slot)
        f.inactive_check.toggled.connect(lambda _on: self.refresh())
        f.staff_table.doubleClicked.connect(lambda _index: self.change_role() if owner else self.reset_secret())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def focus_first(self) -> None:
        self.form.staff_table.setFocus()

    def selected(self) -> StaffSecurityRow | None:
        index = self.form.staff_table.currentIndex()
        return self.rows[index.row()] if index.isValid() and index.row() < len(self.rows) else None

    def refresh(self) -> None:
        if self.loading:
            return
        self.loading = True
        actor = self.context.require_actor()
        include_inactive = self.form.inactive_check.isChecked()

        def work(store: Store) -> tuple[Sequence[StaffSecurityRow], frozenset[Role]]:
            rows = staff_service.staff_list(reader=store.staff_security, uow=store.uow(), actor=actor,
                                            include_inactive=include_inactive)
            return rows, two_step.required_roles(uow=store.uow(), actor=actor)

        def done(result: tuple[Sequence[StaffSecurityRow], frozenset[Role]]) -> None:
            rows, self.two_step_roles = result
            self._show(rows)

        def failed(exc: BaseException) -> None:
            self.loading = False
            from pos_app.gui.ops import show_error

            show_error(self, exc)

        self.context.runner.run(work, on_done=done, on_error=failed, parent=self, lane="io")

    def _show(self, rows: Sequence[StaffSecurityRow]) -> None:
        self.loading = False
        keep = self.selected()
        self.rows = list(rows)
        zone = ZoneInfo(self.context.profile.timezone)
        now = dt.datetime.now(dt.UTC)
        table = self.form.staff_table
        fill(table, HEADERS, [
            (r.name, r.role.label, "on" if r.two_step else ("needed" if r.two_step_required else "off"),
             str(r.recovery_codes_left) if r.two_step else "", str(r.failed_attempts),
             r.locked_until.astimezone(zone).strftime("%H:%M:%S") if r.locked_until and r.locked_until > now else "",
             _sign_in_status(r))
            for r in self.rows], numeric=[3, 4])
        table.horizontalHeader().setStretchLastSection(True)
        ids = [r.id for r in self.rows]
        row = ids.index(keep.id) if keep is not None and keep.id in ids else 0
        if self.rows:
            table.selectRow(row)
        self._selection_changed()
        selection = table.selectionModel()
        if selection is not None and getattr(self, "_watching", None) is not selection:
            self._watching = selection
            selection.currentRowChanged.connect(lambda *_a: self._selection_changed())

    def _selection_changed(self) -> None:
        person = self.selected()
        left = person is not None and not person.active
        self.form.active_button.setText("Reactivate  (Ctrl+D)" if left else "Deactivate  (Ctrl+D)")
        if person is not None:
            word = "password" if person.role.signs_in_with_password else "PIN"
            if self.context.can(Permission.MANAGE_STAFF):
                self.form.reset_secret_button.setText(f"Reset {word}  (Ctrl+P)")

    def _open(self, mode: str, person: StaffSecurityRow | None) -> None:
        """The staff dialog for `mode`; when it saves, its message shows here and the list is read again."""
        dialog = StaffDialog(self.context, mode, person, self, two_step_roles=self.two_step_roles)
        self.dialog = dialog

        def finished(result: int) -> None:
            if result == StaffDialog.DialogCode.Accepted:
                mark_info(self.form.message_label, dialog.done_message)
                self.refresh()

        dialog.finished.connect(finished)
        open_dialog(dialog, back_to=self.form.staff_table)

    def _need_selection(self, verb: str) -> StaffSecurityRow | None:
        person = self.selected()
        if person is None:
            mark_problem(self.form.message_label, f"Select the person to {verb} first.")
        return person

    def add_person(self) -> None:
        self._open("add", None)

    def change_role(self) -> None:
        person = self._need_selection("give another role")
        if person is None:
            return
        if not person.active:
            mark_problem(self.form.message_label, f"{person.name} has left: reactivate them first (Ctrl+D).")
            return
        self._open("role", person)

    def reset_secret(self) -> None:
        person = self._need_selection("reset")
        if person is None:
            return
        if not person.active:
            mark_problem(self.form.message_label, f"{person.name} has left: reactivate them first (Ctrl+D).")
            return
        self._open("reset", person)

    def toggle_active(self) -> None:
        person = self._need_selection("deactivate")
        if person is not None:
            self._open("deactivate" if person.active else "reactivate", person)

    def _act(self, verb: str, work: Callable[[Store, str], object],
             done: Callable[[StaffSecurityRow, object], None]) -> None:
        """Run `work(store, staff_id)` for the selected person on the database worker, then `done`."""
        person = self.selected()
        if person is None:
            mark_problem(self.form.message_label, f"Select the person to {verb} first.")
            return

        def finished(result: object) -> None:
            self.context.changed.emit("staff")
            done(person, result)
            self.refresh()

        self.context.runner.run(lambda store: work(store, person.id), on_done=finished, on_error=self._failed,
                                parent=self)

    def unlock(self) -> None:
        actor = self.context.require_actor()
        self._act("unlock", lambda store, staff_id: staff_service.unlock(staff_id, uow=store.uow(), actor=actor),
                  lambda person, _r: mark_info(self.form.message_label, f"{person.name} can sign in again now."))

    def reset_two_step(self) -> None:
        person = self.selected()
        if person is not None and not dialogs.ask_yes_no(
                self, "Reset two-step sign-in",
                f"Forget {person.name}'s two-step key and recovery codes (a lost phone)? "
                + (f"{person.name} sets it up again at the next sign-in." if person.two_step_required
                   else f"{person.name} may set it up again.")):
            return
        actor = self.context.require_actor()
        self._act("reset", lambda store, staff_id: two_step.reset(staff_id, uow=store.uow(), actor=actor),
                  lambda p, _r: mark_info(self.form.message_label, f"{p.name}'s two-step sign-in was reset."))

    def new_codes(self) -> None:
        from pos_app.gui.two_step import EnrolDialog

        actor = self.context.require_actor()
        hasher = self.context.devices.hasher()

        def show(person: StaffSecurityRow, codes: object) -> None:
            assert isinstance(codes, list)
            mark_info(self.form.message_label, f"{person.name} has ten new recovery codes.")
            self.codes_dialog = EnrolDialog.codes(self.context, self.form.staff_table, codes, name=person.name,
                                                    own=person.id == actor.staff_id)

        self._act("give new codes", lambda store, staff_id: two_step.replace_recovery_codes(
            staff_id, uow=store.uow(), actor=actor, hasher=hasher), show)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserFacingError):
            self.show_problem(exc)
            return
        from pos_app.gui.ops import show_error

        show_error(self, exc)

    def show_problem(self, exc: UserFacingError) -> None:
        mark_problem(self.form.message_label, str(exc))


def _sign_in_status(row: StaffSecurityRow) -> str:
    if not row.active:
        return "left (deactivated)"
    if row.must_change_secret:
        return f"chooses a new {'password' if row.role.signs_in_with_password else 'PIN'} at next sign-in"
    return "active"
