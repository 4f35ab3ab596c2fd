"""The owner's Staff tab: who signs in, with two-step sign-in or not, and who is locked out.

From here the owner lifts a lockout (the person is in front of them), resets
two-step sign-in for a lost phone, and hands out new recovery codes. Each is a
service call that checks MANAGE_STAFF and writes an audit event; the list reads
on a worker with its own connection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.gui import dialogs
from pos_app.gui.base import mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.tables import fill
from pos_app.services import staff as staff_service
from pos_app.services import two_step
from pos_app.services.ports import StaffSecurityRow

HEADERS = ["Name", "Role", "Two-step", "Recovery codes left", "Wrong tries", "Locked until"]


class StaffView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.form = Form("staff.ui", self)
        f = self.form
        self.rows: list[StaffSecurityRow] = []
        self.loading = False
        for keys, slot, button in (("Ctrl+U", self.unlock, f.unlock_button), ("Ctrl+R", self.reset_two_step,
                                   f.reset_button), ("Ctrl+N", self.new_codes, f.codes_button),
                                   ("F5", self.refresh, f.refresh_button)):
            QShortcut(QKeySequence(keys), self, slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            button.clicked.connect(slot)

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
        facet, actor = self.context.facet, self.context.require_actor()

        def work() -> Sequence[StaffSecurityRow]:
            conn = facet.connection()
            try:
                return two_step.staff_overview(reader=facet.directory(conn), uow=facet.uow(), actor=actor)
            finally:
                conn.close()

        def failed(exc: BaseException) -> None:
            self.loading = False
            from pos_app.gui.ops import show_error

            show_error(self, exc)

        self.context.runner.run(work, on_done=self._show, on_error=failed, parent=self, lane="io")

    def _show(self, rows: Sequence[StaffSecurityRow]) -> None:
        self.loading = False
        keep = self.selected()
        self.rows = list(rows)
        zone = ZoneInfo(self.context.profile.timezone)
        now = dt.datetime.now(dt.UTC)
        table = self.form.staff_table
        fill(table, HEADERS, [
            (r.name, r.role.label, "on" if r.two_step else ("needed" if r.role.requires_two_step else "off"),
             str(r.recovery_codes_left) if r.two_step else "", str(r.failed_attempts),
             r.locked_until.astimezone(zone).strftime("%H:%M:%S") if r.locked_until and r.locked_until > now else "")
            for r in self.rows], numeric=[3, 4])
        table.horizontalHeader().setStretchLastSection(True)
        ids = [r.id for r in self.rows]
        row = ids.index(keep.id) if keep is not None and keep.id in ids else 0
        if self.rows:
            table.selectRow(row)

    def _act(self, verb: str, work: Callable[[str], object], done: Callable[[StaffSecurityRow, object], None]) -> None:
        person = self.selected()
        if person is None:
            mark_problem(self.form.message_label, f"Select the person to {verb} first.")
            return

        def finished(result: object) -> None:
            self.context.changed.emit("staff")
            done(person, result)
            self.refresh()

        self.context.runner.run(lambda: work(person.id), on_done=finished, on_error=self._failed, parent=self)

    def unlock(self) -> None:
        uow, actor = self.context.uow, self.context.require_actor()
        self._act("unlock", lambda staff_id: staff_service.unlock(staff_id, uow=uow(), actor=actor),
                  lambda person, _r: mark_info(self.form.message_label, f"{person.name} can sign in again now."))

    def reset_two_step(self) -> None:
        person = self.selected()
        if person is not None and not dialogs.ask_yes_no(
                self, "Reset two-step sign-in",
                f"Forget {person.name}'s two-step key and recovery codes (a lost phone)? "
                f"{person.name} sets it up again at the next sign-in."):
            return
        uow, actor = self.context.uow, self.context.require_actor()
        self._act("reset", lambda staff_id: two_step.reset(staff_id, uow=uow(), actor=actor),
                  lambda p, _r: mark_info(self.form.message_label, f"{p.name}'s two-step sign-in was reset."))

    def new_codes(self) -> None:
        from pos_app.gui.two_step import EnrolDialog

        uow, actor = self.context.uow, self.context.require_actor()
        hasher = self.context.facet.hasher()

        def show(person: StaffSecurityRow, codes: object) -> None:
            assert isinstance(codes, list)
            mark_info(self.form.message_label, f"{person.name} has ten new recovery codes.")
            self.codes_dialog = EnrolDialog.codes(self.context, self.form.staff_table, codes, name=person.name,
                                                    own=person.id == actor.staff_id)

        self._act("give new codes", lambda staff_id: two_step.replace_recovery_codes(
            staff_id, uow=uow(), actor=actor, hasher=hasher), show)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserFacingError):
            self.show_problem(exc)
            return
        from pos_app.gui.ops import show_error

        show_error(self, exc)

    def show_problem(self, exc: UserFacingError) -> None:
        mark_problem(self.form.message_label, str(exc))
