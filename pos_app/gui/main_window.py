"""The main window: sign-in screen, then the workspace of the signed-in person.

Locking (Ctrl+L, or after the idle time) returns to the sign-in screen with
the same person preselected; what is on the workspace stays as it was when the
same person signs back in. When someone else signs in ("switch user"), the
open cart is not lost: the new person takes it over on their sell screen, or,
if they do not sell, it is parked for the counter.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from pos_app.domain.cart import Cart
from pos_app.domain.errors import UserFacingError
from pos_app.domain.permissions import Actor, Permission
from pos_app.domain.store import DEFAULT_IDLE_LOCK_MINUTES
from pos_app.gui.audit import ChainBanner
from pos_app.gui.context import AppContext
from pos_app.gui.idle import IdleWatcher
from pos_app.gui.sign_in import SignInView
from pos_app.gui.sync.status import SyncStatusLabel
from pos_app.gui.workspace import Workspace
from pos_app.services import audit, checkout, retention, sync
from pos_app.services import staff as staff_service
from pos_app.services.ports.store import Store

if TYPE_CHECKING:
    from pos_app.gui.first_run import FirstRunWizard

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
        self.setup_wizard: FirstRunWizard | None = None  # a first-run setup taken up again (gui/launch.py)
        self._last_actor: Actor | None = None
        self._status: list[str] = []  # the status line's parts (`_show_status`)

        minutes = float(context.store.directory.setting("security.idle_lock_minutes", DEFAULT_IDLE_LOCK_MINUTES))
        self.idle = IdleWatcher(minutes, self)
        _application().installEventFilter(self.idle)
        self.idle.idle.connect(lambda: self._idle(f"Locked after {minutes:g} minutes without use."))
        # The two-step setup page shows a new key and recovery codes: it locks when left idle too.
        self.sign_in.enrolment_started.connect(lambda: self.idle.arm(True))

        lock = QAction("Lock / switch user", self)
        lock.setShortcut(QKeySequence("Ctrl+L"))
        lock.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        lock.triggered.connect(lambda: self.lock(""))
        self.addAction(lock)
        self.lock_action = lock
        self.statusBar().showMessage(f"{context.profile.name} · counter {context.store.terminal}")
        self.sync_label = SyncStatusLabel(context.profile.timezone, self)
        self.statusBar().addPermanentWidget(self.sync_label)
        # The window's own slots (not lambdas holding it): the context outlives the window, and a QObject's
        # slot is disconnected when the window goes.
        context.runner.busy_changed.connect(self._runner_busy)
        context.sync_changed.connect(self.start_sync)
        self.start_sync()
        self.sign_in.prepare()

        self.retention_timer = QTimer(self)
        self.retention_timer.setInterval(RETENTION_CHECK_MS)
        self.retention_timer.timeout.connect(self.run_retention_if_due)
        self.retention_timer.start()
        QTimer.singleShot(RETENTION_FIRST_CHECK_MS, self, self.run_retention_if_due)

    def start_sync(self) -> None:
        """Start the sync worker of a store that joined a group (`gui/sync/worker.py`); a store that never
        joined starts nothing and shows nothing."""
        from pos_app.gui.sync.worker import SyncWorker

        if self.context.sync is not None:
            self.context.sync.stop()
        worker = SyncWorker.start_for(self.context.facet, self)
        self.context.sync = worker
        if worker is None:
            self.sync_label.show_report(None)
            return
        label, context = self.sync_label, self.context
        # Lambdas, not bound methods: the signals come from the worker's thread (see gui/sync/worker.py).
        worker.report.connect(lambda report: label.show_report(report))

        def pulled(done: sync.SyncRound) -> None:
            if done.pulled:  # what other counters changed: the lists on screen read again
                context.changed.emit("items")
                context.changed.emit("customers")

        worker.round_done.connect(pulled)

    def stop_sync(self) -> None:
        """Stop the sync worker (the owner left the group, or the app closes)."""
        worker, self.context.sync = self.context.sync, None
        if worker is not None:
            worker.stop()
        self.sync_label.show_report(None)

    def _runner_busy(self, busy: bool) -> None:
        """The op runner finished its jobs (a sale may have been committed): the worker pushes it soon."""
        if not busy and self.context.sync is not None:
            self.context.sync.nudge()

    def run_retention_if_due(self) -> None:
        """Run the privacy retention job once a day, off the GUI thread; its result goes to the log."""
        devices = self.context.devices

        def work(store: Store) -> retention.RetentionReport | None:
            if not retention.due(uow=store.uow()):
                return None
            return retention.run(uow=store.uow(), actor=retention.job_actor(store.terminal),
                                 data_dir=devices.data_dir, store=devices.store_file())

        def done(report: retention.RetentionReport | None) -> None:
            if report is not None:
                log.info("retention job: %s", {**report.rows, "backups_deleted": len(report.backups_deleted),
                                                "exports_deleted": len(report.exports_deleted)})

        def failed(exc: BaseException) -> None:
            log.warning("retention job failed: %s: %s", type(exc).__name__, exc)

        self.context.runner.run(work, on_done=done, on_error=failed)

    def _signed_in(self, actor: Actor) -> None:
        previous = self._last_actor
        same = previous is not None and previous.staff_id == actor.staff_id
        left: Cart | None = None
        if self.workspace is not None and not same:
            left = self._open_cart()
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
        self._status = [f"{self.context.profile.name} · counter {self.context.store.terminal} · {actor.name} "
                        f"({actor.role.label})"]
        if left is not None and previous is not None:
            self._hand_over(left, previous, actor)
        self.workspace.activate()
        self.idle.arm(True)
        self.sync_label.set_show_cases(actor.can(Permission.RESOLVE_SYNC_CONFLICTS))
        self._show_status()
        if actor.can(Permission.VIEW_AUDIT):
            self._tell_flags(actor)

    def _show_status(self, note: str = "", *, replacing: str = "") -> None:
        """The status line: the store, counter and person, then what happened at sign-in (a cart taken over
        or parked, the week's flags), each added (or `replacing` an earlier note) as it becomes known."""
        if replacing in self._status:
            self._status[self._status.index(replacing)] = note
        elif note:
            self._status.append(note)
        self.statusBar().showMessage(" · ".join(self._status))

    def _tell_flags(self, actor: Actor) -> None:
        """Whoever watches the audit trail hears at sign-in that the week holds suspicious activity."""
        def work(store: Store) -> int:
            return len(audit.flags(trail=store.audit, uow=store.uow(), actor=actor))

        def done(count: int) -> None:
            if count and self.context.actor is actor:
                things = f"{count} thing{'s' if count != 1 else ''}"
                self._show_status(f"{things} flagged this week: see Audit in the side bar")

        self.context.runner.run(work, on_done=done, on_error=lambda exc: log.warning(
            "reading the week's flags failed: %s", type(exc).__name__))

    def _open_cart(self) -> Cart | None:
        """The cart on the sell screen of the person who locked, if they left one with lines on it."""
        sell = self.workspace.screens.get("Sell") if self.workspace is not None else None
        cart = getattr(sell, "cart", None)
        return cart if isinstance(cart, Cart) and not cart.is_empty else None

    def _hand_over(self, cart: Cart, previous: Actor, actor: Actor) -> None:
        """Switching user never loses the open cart: the next person who may sell takes it over on their
        sell screen; anyone else finds it parked for the counter (Shift+F8 recalls it). What is written
        (the hand-over on the audit trail, the parked cart) is written on the database worker; the status
        line says how it went."""
        workspace, runner = self.workspace, self.context.runner
        assert workspace is not None, "handed over to the workspace just made"
        sell: Any = workspace.screens.get("Sell")
        lines = f"{len(cart.lines)} line{'s' if len(cart.lines) != 1 else ''}"
        if sell is not None:  # the new person sells (the sell screen is imported only when shown)
            # On screen first: a failure to record the hand-over must not lose the cart.
            sell.set_cart(cart, f"{previous.name}'s open cart ({lines}) is yours now: finish it, or park it (F8).")
            workspace.show_screen("Sell")
            self._show_status(f"took over {previous.name}'s open cart")
            runner.run(lambda store: checkout.hand_over_cart(cart, from_actor=previous, uow=store.uow(), actor=actor),
                       parent=sell)
            return
        label = f"{previous.name}'s cart" + (f" for {cart.customer_name}" if cart.customer_name else "")
        parking = f"parking {previous.name}'s open cart ({lines})…"
        self._show_status(parking)

        def parked(_park_id: object) -> None:
            if self.context.actor is actor:
                self._show_status(f"{previous.name}'s open cart ({lines}) was parked: Shift+F8 on Sell recalls it",
                                  replacing=parking)

        def failed(exc: BaseException) -> None:
            log.warning("parking the open cart at a switch of user failed: %s", type(exc).__name__)
            if self.context.actor is actor:
                why = exc if isinstance(exc, UserFacingError) else type(exc).__name__
                self._show_status(f"{previous.name}'s open cart could not be parked ({why}); ask them to sign in "
                                  "again", replacing=parking)

        runner.run(lambda store: checkout.park_cart(cart, label, uow=store.uow(), actor=previous), on_done=parked,
                   on_error=failed)

    def _idle(self, note: str) -> None:
        if self.sign_in.enrolling:
            self.idle.arm(False)
            self.sign_in.abandon_enrolment(note)
        else:
            self.lock(note)

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
        self.sync_label.set_show_cases(False)
        self.context.runner.run(
            lambda store: staff_service.sign_out(actor, uow=store.uow(), reason="locked" if note else "signed out"))
        self.sign_in.prepare(note=note, preselect=actor.staff_id)
        self.stack.setCurrentWidget(self.sign_in)
        self.statusBar().showMessage(f"{self.context.profile.name} · counter {self.context.store.terminal} · locked")

    def closeEvent(self, event: QCloseEvent) -> None:
        _application().removeEventFilter(self.idle)
        self.sign_in.flush_pending()
        self.stop_sync()
        self.context.runner.wait()
        super().closeEvent(event)


def _application() -> QApplication:
    """The running application (a main window exists only inside one)."""
    app = QApplication.instance()
    assert isinstance(app, QApplication), "a main window needs a QApplication"
    return app
