"""The signed-in person's workspace: one tab per screen their role may use.

Tabs switch with Ctrl+1, Ctrl+2, ... Ctrl+9, Ctrl+0 in the order shown (the
owner, who sees every screen, reaches the ones past the tenth with
Ctrl+PgDown / Ctrl+PgUp, which step through all of them); a screen's own
shortcuts are on its buttons.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QWidget

from pos_app.domain.permissions import Permission
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form


def load_screens() -> list[tuple[str, Permission, Callable[[AppContext, QWidget], QWidget]]]:
    """The screens a workspace may show, in tab order (importing them the first time)."""
    from pos_app.gui.appraisals.view import AppraisalsView
    from pos_app.gui.audit import AuditView
    from pos_app.gui.certificates.view import CertificatesView
    from pos_app.gui.customers.view import CustomersView
    from pos_app.gui.inventory.view import InventoryView
    from pos_app.gui.privacy.desk import PrivacyDesk
    from pos_app.gui.reports_view import ReportsView
    from pos_app.gui.sell.view import SellView
    from pos_app.gui.settings import SettingsView
    from pos_app.gui.staff import StaffView
    from pos_app.gui.stock_count_view import StockCountView

    return [
        ("Sell", Permission.SELL, SellView),
        ("Inventory", Permission.VIEW_INVENTORY, InventoryView),
        ("Stock count", Permission.COUNT_STOCK, StockCountView),
        ("Stock reports", Permission.VIEW_STOCK_REPORTS, ReportsView),
        ("Appraisals", Permission.VIEW_APPRAISALS, AppraisalsView),
        ("Certificates", Permission.VIEW_CERTIFICATES, CertificatesView),
        ("Customers", Permission.VIEW_CUSTOMERS, CustomersView),
        ("Privacy desk", Permission.HANDLE_PRIVACY_REQUESTS, PrivacyDesk),
        ("Audit", Permission.VIEW_AUDIT, AuditView),
        ("Staff", Permission.RESET_STAFF_PINS, StaffView),
        ("Settings", Permission.VIEW_SETTINGS, SettingsView),
    ]


def tab_keys(index: int) -> str | None:
    """The shortcut of the tab at `index`: Ctrl+1 ... Ctrl+9, then Ctrl+0; None past the tenth."""
    return f"Ctrl+{(index + 1) % 10}" if index < 10 else None


class Workspace(QWidget):
    lock_requested = Signal()
    """The person asked to lock the screen."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.form = Form("workspace.ui", self, margin=0)
        actor = context.require_actor()
        self.form.header.setObjectName("header")
        self.form.store_label.setText(context.profile.name)
        self.form.person_label.setText(f"{actor.name} · {actor.role.label}")
        self.form.lock_button.clicked.connect(self.lock_requested.emit)
        self.form.two_step_button.clicked.connect(self.set_up_two_step)
        QShortcut(QKeySequence("Ctrl+Shift+T"), self, self.set_up_two_step)
        self.screens: dict[str, QWidget] = {}
        tabs = self.form.tabs
        for title, permission, factory in load_screens():
            if context.can(permission):
                screen = factory(context, tabs)
                self.screens[title] = screen
                keys = tab_keys(len(self.screens) - 1)
                tabs.addTab(screen, f"{title}  ({keys})" if keys else title)
        if not self.screens:
            note = QLabel(
                f"There is nothing for a {actor.role.label.lower()} in this version of Facet yet. "
                "Press Ctrl+L to lock the screen.", tabs)
            note.setWordWrap(True)
            note.setObjectName("empty_note")
            tabs.addTab(note, "Welcome")
        for n in range(tabs.count()):
            if keys := tab_keys(n):
                QShortcut(QKeySequence(keys), self).activated.connect(lambda n=n: self._show(n))
        QShortcut(QKeySequence("Ctrl+PgDown"), self).activated.connect(lambda: self._step(1))
        QShortcut(QKeySequence("Ctrl+PgUp"), self).activated.connect(lambda: self._step(-1))
        tabs.currentChanged.connect(lambda _n: self.activate())

    def set_up_two_step(self) -> None:
        """Anyone may add (or renew) a one-time code from their phone to their own sign-in."""
        from pos_app.gui.two_step import EnrolDialog

        self.two_step_dialog = EnrolDialog.enrol(self.context, self)
        self.two_step_dialog.finished.connect(lambda _result: self.activate())

    def show_screen(self, title: str) -> QWidget:
        """Bring a screen's tab to the front (as its Ctrl+N shortcut does) and give it the keyboard."""
        screen = self.screens[title]
        self._show(self.form.tabs.indexOf(screen))
        return screen

    def _step(self, by: int) -> None:
        tabs = self.form.tabs
        self._show((tabs.currentIndex() + by) % tabs.count())

    def _show(self, index: int) -> None:
        self.form.tabs.setCurrentIndex(index)
        self.activate()

    def activate(self) -> None:
        """Give the current screen the keyboard (its search or scan field)."""
        screen = self.form.tabs.currentWidget()
        focus = getattr(screen, "focus_first", None)
        if callable(focus):
            focus()
