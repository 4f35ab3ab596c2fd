"""Settings' "Sync group" page (the owner's): the group this counter belongs to, and leaving it.

Shows central, the store's and this counter's codes and the changes waiting;
Ctrl+Shift+L leaves the group after a confirmation that cannot be answered by
a stray Enter (Alt+Y). Leaving stops the sync worker first, then tells
central, forgets the counter's login in the keyring and keeps the store file
(`SyncGroup.leave`); if central cannot be reached the counter stays in the
group and its worker starts again.

A store that does not sync cannot join from here: a counter joins on a new,
empty data folder (its data comes from central), from the first-run wizard's
"Join a store group" (`gui/sync/join_page.py`) or `pos-app sync join URL
--token T`; a store becomes a group's first with `pos-app central init URL`.
The page tells the owner (the only one who sees it) exactly that.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.domain.permissions import Permission
from pos_app.gui import dialogs
from pos_app.gui.base import mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.sync.status import central_place
from pos_app.services import sync
from pos_app.services.sync import SyncStatus

NOT_JOINED = ("This store does not sync: it works on its own, with no network traffic.\n\n"
              "This store cannot join a group: a counter that joins gets the group's data from central, and "
              "this store's own data would not be the group's. To add a counter to a group, start Facet on a "
              "new computer or a new, empty data folder (pos-app --data-dir NEW_FOLDER) and choose \"Join a "
              "store group\" (Alt+J) on its first page. It asks for central's address and a one-time token, "
              "which the owner makes on a counter of the group:\n"
              "    pos-app central add-counter --url URL --store NAME\n"
              "(the command line joins too: pos-app sync join URL --token T).\n\n"
              "To make this store the first store of a new group instead, the owner runs, with PostgreSQL "
              "administrator rights:\n    pos-app central init URL\n"
              "The README's \"Sync\" section tells how to run the central PostgreSQL.")
JOINED = ("This counter syncs with the group's central PostgreSQL; it keeps selling when the link is down and "
          "sends what waits when it is back. Leaving stops syncing; the store file stays as it is, and joining "
          "again takes a new data folder (pos-app sync join URL --token T).")


class SyncGroupPage(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.actor = context.require_actor()
        self.form = Form("sync_group.ui", self)
        self.status: SyncStatus | None = None
        self.form.leave_button.clicked.connect(self.leave)
        QShortcut(QKeySequence("Ctrl+Shift+L"), self, self.leave,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._show(None)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.load()

    def focus_first(self) -> None:
        f = self.form
        (f.leave_button if f.leave_button.isVisible() else f.how_label).setFocus()

    def load(self) -> None:
        local = self.context.facet.sync().local
        self.context.runner.run(lambda: sync.status(local), on_done=self._show, parent=self, lane="io")

    def _show(self, status: SyncStatus | None) -> None:
        self.status = status
        f = self.form
        joined = status is not None and status.joined
        for widget in (f.central_caption, f.central_value, f.store_caption, f.store_value, f.counter_caption,
                       f.counter_value, f.waiting_caption, f.waiting_value, f.leave_button):
            widget.setVisible(joined)
        f.leave_button.setEnabled(joined and self.actor.can(Permission.MANAGE_SYNC))
        if status is None or not joined:
            f.group_label.setText("Not in a sync group." if status is not None else "")
            f.how_label.setText(NOT_JOINED if status is not None else "")
            return
        f.group_label.setText(f"In a sync group: this counter is {status.store_code}-{status.counter_code}.")
        f.central_value.setText(central_place(status.central))
        f.central_value.setToolTip(status.central or "")
        f.store_value.setText(status.store_code or "")
        f.counter_value.setText(status.counter_code or "")
        f.waiting_value.setText(str(status.waiting))
        f.how_label.setText(JOINED)

    def leave(self) -> None:
        status = self.status
        if status is None or not status.joined or not self.actor.can(Permission.MANAGE_SYNC):
            return
        waiting = (f"\n\n{status.waiting} change{'s' if status.waiting != 1 else ''} of this counter "
                   "not sent yet will never reach central." if status.waiting else "")
        if not dialogs.ask_yes_no(
                self, "Leave the sync group",
                f"This counter ({status.store_code}-{status.counter_code}) stops syncing with "
                f"{central_place(status.central)}. Its store file stays as it is; joining again takes a new data "
                f"folder.{waiting}",
                cannot_undo=True):
            return
        context, actor = self.context, self.actor
        worker, context.sync = context.sync, None
        if worker is not None:
            worker.stop()
        group = context.facet.sync()
        mark_info(self.form.message_label, "Leaving the group…")

        def work() -> None:
            actor.require(Permission.MANAGE_SYNC)
            group.leave()

        def done(_result: None) -> None:
            mark_info(self.form.message_label, "This counter left its sync group; it no longer syncs.")
            context.sync_changed.emit()
            self.load()

        def failed(exc: BaseException) -> None:
            context.sync_changed.emit()  # still in the group: its worker starts again
            if isinstance(exc, UserFacingError):
                mark_problem(self.form.message_label, f"Could not leave the group: {exc}")
            else:
                from pos_app.gui.ops import show_error

                show_error(self, exc)

        context.runner.run(work, on_done=done, on_error=failed, parent=self, lane="io")
