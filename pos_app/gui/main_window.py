"""The main window: sign-in screen, then the workspace of the signed-in person.

Locking (Ctrl+L, or after the idle time) returns to the sign-in screen with
the same person preselected; what is on the workspace stays as it was when the
same person signs back in.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from pos_app.domain.permissions import Actor
from pos_app.domain.store import DEFAULT_IDLE_LOCK_MINUTES
from pos_app.gui.audit import ChainBanner
from pos_app.gui.context import AppContext
from pos_app.gui.idle import IdleWatcher
from pos_app.gui.sign_in import SignInView
from pos_app.gui.workspace import Workspace
from pos_app.services import retention
from pos_app.services import staff as staff_service

log = logging.getLogger(__name__)
# The daily retention job: first looked at a little after start (not in the way of the first sale), then hourly.
RETENTION_FIRST_CHECK_MS = 120_000
RETENTION_CHECK_MS = 3_600_000


class MainWindow(QMainWindow):
    def __init__(self, context: AppContext, *, keyring_warning: str | None = None) -> None:
        super().__init__()
        self.context = context
        self.setWindowTitle(f"Facet — {context.profile.name}")
        self.resize(1280, 800)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.banner = QLabel(keyring_warning or "", central)
        self.banner.setObjectName("warning_banner")
        self.banner.setWordWrap(True)
        self.banner.setVisible(bool(keyring_warning))
        layout.addWidget(self.banner)
        self.audit_banner = ChainBanner(context, central)
        layout.addWidget(self.audit_banner)
        self.stack = QStackedWidget(central)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.sign_in = SignInView(context, self.stack)
        self.sign_in.signed_in.connect(self._signed_in)
        self.stack.addWidget(self.sign_in)
        self.workspace: Workspace | None = None
        self._last_actor: Actor | None = None

        minutes = float(context.directory.setting("security.idle_lock_minutes", DEFAULT_IDLE_LOCK_MINUTES))
        self.idle = IdleWatcher(minutes, self)
        QApplication.instance().installEventFilter(self.idle)
        self.idle.idle.connect(lambda: self.lock(f"Locked after {minutes:g} minutes without use."))

        lock = QAction("Lock / switch user", self)
        lock.setShortcut(QKeySequence("Ctrl+L"))
        lock.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        lock.triggered.connect(lambda: self.lock(""))
        self.addAction(lock)
        self.lock_action = lock
        self.statusBar().showMessage(f"{context.profile.name} · counter {context.facet.terminal}")
        self.sign_in.prepare()

        self.retention_timer = QTimer(self)
        self.retention_timer.setInterval(RETENTION_CHECK_MS)
        self.retention_timer.timeout.connect(self.run_retention_if_due)
        self.retention_timer.start()
        QTimer.singleShot(RETENTION_FIRST_CHECK_MS, self, self.run_retention_if_due)

    def run_retention_if_due(self) -> None:
        """Run the privacy retention job once a day, off the GUI thread; its result goes to the log."""
        facet = self.context.facet

        def work() -> retention.RetentionReport | None:
            if not retention.due(uow=facet.uow()):
                return None
            return retention.run(uow=facet.uow(), actor=retention.job_actor(facet.terminal),
                                 data_dir=facet.data_dir, store=facet.db)

        def done(report: retention.RetentionReport | None) -> None:
            if report is not None:
                log.info("retention job: %s", {**report.rows, "backups_deleted": len(report.backups_deleted),
                                                "exports_deleted": len(report.exports_deleted)})

        def failed(exc: BaseException) -> None:
            log.warning("retention job failed: %s: %s", type(exc).__name__, exc)

        self.context.runner.run(work, on_done=done, on_error=failed)

    def _signed_in(self, actor: Actor) -> None:
        same = self._last_actor is not None and self._last_actor.staff_id == actor.staff_id
        if self.workspace is not None and not same:
            self.stack.removeWidget(self.workspace)
            self.workspace.deleteLater()
            self.workspace = None
        self.context.set_actor(actor)
        self._last_actor = actor
        if self.workspace is None:
            self.workspace = Workspace(self.context, self.stack)
            self.workspace.lock_requested.connect(lambda: self.lock(""))
            self.stack.addWidget(self.workspace)
        self.stack.setCurrentWidget(self.workspace)
        self.workspace.activate()
        self.idle.arm(True)
        self.statusBar().showMessage(
            f"{self.context.profile.name} · counter {self.context.facet.terminal} · {actor.name} ({actor.role.label})")

    def lock(self, note: str) -> None:
        """Back to the sign-in screen; the same person is preselected."""
        actor = self.context.actor
        if actor is None:
            return
        self.idle.arm(False)
        self.sign_in.flush_pending()
        # Nothing of the person's stays on screen: open dialogs close (their unsaved
        # edits are dropped, as leaving them would show them to whoever comes next).
        for dialog in self.findChildren(QDialog):
            if dialog.isVisible():
                dialog.reject()
        self.context.set_actor(None)
        facet = self.context.facet
        self.context.runner.run(
            lambda: staff_service.sign_out(actor, uow=facet.uow(), reason="locked" if note else "signed out"))
        self.sign_in.prepare(note=note, preselect=actor.staff_id)
        self.stack.setCurrentWidget(self.sign_in)
        self.statusBar().showMessage(f"{self.context.profile.name} · counter {facet.terminal} · locked")

    def closeEvent(self, event: QCloseEvent) -> None:
        QApplication.instance().removeEventFilter(self.idle)
        self.sign_in.flush_pending()
        self.context.runner.wait()
        super().closeEvent(event)
