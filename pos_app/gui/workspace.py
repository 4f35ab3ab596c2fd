"""The signed-in person's workspace: a side bar of the screens their role may use, grouped by job.

The side bar lists the screens under their job (Counter, Stock, Paperwork,
Customers and privacy, Back office); a group a role has nothing in is left out.
It stays one narrow column whatever the number of screens, so a new screen
(repairs, layaway, ...) is one more row, not a tab that pushes the others off
the window.

Keyboard first: Ctrl+1, Ctrl+2, ... Ctrl+9, Ctrl+0 open the screens in the
order listed (each row shows its chord); Ctrl+PgDown / Ctrl+PgUp step through
all of them, past the tenth too; a screen's own shortcuts are on its buttons.
Ctrl+M puts the keyboard in the side bar (it is in the Tab order too): the
arrows move between screens, each showing as the arrow lands on it; Enter or
Esc gives the screen in front the keyboard; Left / Right fold and unfold a
group.

Each role starts on its main job (`HOME`): the counter's roles on Sell, the
appraiser on Appraisals, the privacy officer on the Privacy desk. A person who
locks and signs back in finds the workspace as they left it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QWidget

from pos_app.domain.permissions import Permission, Role
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form

ScreenFactory = Callable[[AppContext, QWidget], QWidget]

COUNTER, STOCK, PAPERWORK, CUSTOMERS, BACK_OFFICE = (
    "Counter", "Stock", "Paperwork", "Customers and privacy", "Back office")
GROUPS = (COUNTER, STOCK, PAPERWORK, CUSTOMERS, BACK_OFFICE)
"""The side bar's groups, in the order shown."""

HOME: dict[Role, str] = {
    Role.OWNER: "Sell",
    Role.MANAGER: "Sell",
    Role.CLERK: "Sell",
    Role.APPRAISER: "Appraisals",
    Role.PRIVACY_OFFICER: "Privacy desk",
}
"""The screen each role lands on after signing in (its first listed screen if it cannot use that one)."""

NAV_KEYS = "Ctrl+M"
"""Puts the keyboard in the side bar."""
NAV_MIN_WIDTH, NAV_MAX_WIDTH = 170, 230
"""The side bar's width in pixels: what its longest row needs, within these bounds."""
_TITLE_COLUMN, _KEYS_COLUMN = 0, 1
_SCREEN = Qt.ItemDataRole.UserRole
_MUTED = QColor("#7a7466")
_GROUP = QColor("#6a5a3a")


def load_screens() -> list[tuple[str, str, Permission, ScreenFactory]]:
    """The screens a workspace may show as (group, title, permission, factory), in side bar order
    (importing them the first time). A screen joins its group's rows; the groups keep `GROUPS` order."""
    from pos_app.gui.appraisals.view import AppraisalsView
    from pos_app.gui.audit import AuditView
    from pos_app.gui.certificates.view import CertificatesView
    from pos_app.gui.customers.view import CustomersView
    from pos_app.gui.inventory.view import InventoryView
    from pos_app.gui.privacy.desk import PrivacyDesk
    from pos_app.gui.reports_view import ReportsView
    from pos_app.gui.sell.view import SellView
    from pos_app.gui.settings.view import SettingsView
    from pos_app.gui.staff import StaffView
    from pos_app.gui.stock_count_view import StockCountView
    from pos_app.gui.sync.view import SyncView

    return [
        (COUNTER, "Sell", Permission.SELL, SellView),
        (STOCK, "Inventory", Permission.VIEW_INVENTORY, InventoryView),
        (STOCK, "Stock count", Permission.COUNT_STOCK, StockCountView),
        (STOCK, "Reports", Permission.VIEW_STOCK_REPORTS, ReportsView),
        (PAPERWORK, "Appraisals", Permission.VIEW_APPRAISALS, AppraisalsView),
        (PAPERWORK, "Certificates", Permission.VIEW_CERTIFICATES, CertificatesView),
        (CUSTOMERS, "Customers", Permission.VIEW_CUSTOMERS, CustomersView),
        (CUSTOMERS, "Privacy desk", Permission.HANDLE_PRIVACY_REQUESTS, PrivacyDesk),
        (BACK_OFFICE, "Audit", Permission.VIEW_AUDIT, AuditView),
        (BACK_OFFICE, "Staff", Permission.RESET_STAFF_PINS, StaffView),
        (BACK_OFFICE, "Settings", Permission.VIEW_SETTINGS, SettingsView),
        (BACK_OFFICE, "Sync", Permission.RESOLVE_SYNC_CONFLICTS, SyncView),
    ]


SHOWN_WHEN: dict[str, Callable[[AppContext], bool]] = {
    "Sync": lambda context: context.sync is not None,
}
"""Screens shown only in some stores (beyond the role's permission): Sync only where the store joined a group,
so a store that never joined sees no change."""


def _always(_context: AppContext) -> bool:
    return True


def tab_keys(index: int) -> str | None:
    """The shortcut of the screen at `index`: Ctrl+1 ... Ctrl+9, then Ctrl+0; None past the tenth."""
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
        """The screens of this person's role by title, in side bar order (the order of Ctrl+1, Ctrl+2, ...)."""
        self._items: dict[str, QTreeWidgetItem] = {}
        stack, nav = self.form.stack, self.form.nav
        allowed = [(group, title, factory) for group, title, permission, factory in load_screens()
                   if context.can(permission) and SHOWN_WHEN.get(title, _always)(context)]
        # A screen of a group not in GROUPS yet still gets a row: its group goes after the known ones.
        for group in dict.fromkeys([*GROUPS, *(g for g, _title, _factory in allowed)]):
            rows = [(title, factory) for g, title, factory in allowed if g == group]
            if not rows:
                continue
            heading = self._heading(group)
            for title, factory in rows:
                screen = factory(context, stack)
                stack.addWidget(screen)
                self.screens[title] = screen
                self._items[title] = self._row(heading, title, tab_keys(len(self.screens) - 1))
        nav.expandAll()
        self._fit_nav()
        if not self.screens:
            note = QLabel(
                f"There is nothing for a {actor.role.label.lower()} in this version of Facet yet. "
                "Press Ctrl+L to lock the screen.", stack)
            note.setWordWrap(True)
            note.setObjectName("empty_note")
            stack.addWidget(note)
            nav.hide()
        for n, title in enumerate(self.screens):
            if keys := tab_keys(n):
                QShortcut(QKeySequence(keys), self).activated.connect(lambda title=title: self.show_screen(title))
        QShortcut(QKeySequence("Ctrl+PgDown"), self).activated.connect(lambda: self._step(1))
        QShortcut(QKeySequence("Ctrl+PgUp"), self).activated.connect(lambda: self._step(-1))
        QShortcut(QKeySequence(NAV_KEYS), self).activated.connect(self.focus_side_bar)
        nav.setToolTip(f"The screens ({NAV_KEYS}): arrows choose, Enter goes to the screen")
        home = HOME.get(actor.role)
        if home in self.screens:
            self._select(home)
        elif self.screens:
            self._select(next(iter(self.screens)))
        nav.currentItemChanged.connect(lambda item, _previous: self._landed_on(item))
        nav.itemActivated.connect(lambda item, _column: self._entered(item))
        nav.installEventFilter(self)

    # ---------------------------------------------------------------- the side bar

    def _heading(self, group: str) -> QTreeWidgetItem:
        heading = QTreeWidgetItem(self.form.nav, [group, ""])
        heading.setFlags(Qt.ItemFlag.ItemIsEnabled)  # a caption: nothing to select
        heading.setFirstColumnSpanned(True)
        font = QFont(self.form.nav.font())
        font.setPointSizeF(max(font.pointSizeF() * 0.85, 7.5))
        font.setWeight(QFont.Weight.DemiBold)
        heading.setFont(_TITLE_COLUMN, font)
        heading.setForeground(_TITLE_COLUMN, QBrush(_GROUP))
        heading.setData(_TITLE_COLUMN, Qt.ItemDataRole.AccessibleTextRole, group)
        return heading

    def _row(self, heading: QTreeWidgetItem, title: str, keys: str | None) -> QTreeWidgetItem:
        item = QTreeWidgetItem(heading, [title, keys or ""])
        item.setData(_TITLE_COLUMN, _SCREEN, title)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        item.setForeground(_KEYS_COLUMN, QBrush(_MUTED))
        item.setTextAlignment(_KEYS_COLUMN, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        item.setToolTip(_TITLE_COLUMN, f"{title} ({keys})" if keys else f"{title} (Ctrl+PgDown steps to it)")
        return item

    def _fit_nav(self) -> None:
        """As narrow as the longest title beside its chord allows: the screens keep the width."""
        nav = self.form.nav
        header = nav.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(_TITLE_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(_KEYS_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        widest = 0
        for n in range(nav.topLevelItemCount()):
            heading = nav.topLevelItem(n)
            widest = max(widest, QFontMetrics(heading.font(_TITLE_COLUMN)).horizontalAdvance(heading.text(0)) + 20)
            for row in range(heading.childCount()):
                item = heading.child(row)
                bold = QFont(nav.font())
                bold.setWeight(QFont.Weight.DemiBold)  # the row in front is bold
                metrics = QFontMetrics(bold)
                widest = max(widest, metrics.horizontalAdvance(item.text(_TITLE_COLUMN))
                             + metrics.horizontalAdvance(item.text(_KEYS_COLUMN)) + 48)
        nav.setFixedWidth(max(NAV_MIN_WIDTH, min(widest, NAV_MAX_WIDTH)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Left / Right on a screen's row fold / unfold its group (Qt does it only on the group's own row).
        nav: QTreeWidget = self.form.nav
        if watched is nav and isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress:
            item = nav.currentItem()
            group = item.parent() if item is not None else None
            if group is not None and event.key() == Qt.Key.Key_Left and not event.modifiers():
                nav.setCurrentItem(group)
                group.setExpanded(False)
                return True
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and not event.modifiers():
                # The arrows go from screen to screen; the group captions are only read.
                step = nav.itemBelow if event.key() == Qt.Key.Key_Down else nav.itemAbove
                following = step(item) if item is not None else None
                while following is not None and following.parent() is None:
                    following = step(following)
                if following is not None:
                    nav.setCurrentItem(following)
                return True
            if event.key() == Qt.Key.Key_Escape and not event.modifiers():
                self.activate()
                return True
        return super().eventFilter(watched, event)

    def _landed_on(self, item: QTreeWidgetItem | None) -> None:
        """An arrow key (or a click) on a row shows its screen; the keyboard stays in the side bar."""
        title = item.data(_TITLE_COLUMN, _SCREEN) if item is not None else None
        if title in self.screens:
            self.form.stack.setCurrentWidget(self.screens[title])
            if not self.form.nav.hasFocus():
                self.activate()

    def _entered(self, item: QTreeWidgetItem) -> None:
        title = item.data(_TITLE_COLUMN, _SCREEN)
        if title in self.screens:
            self.show_screen(title)
        else:
            item.setExpanded(not item.isExpanded())

    def _select(self, title: str) -> None:
        item = self._items[title]
        group = item.parent()
        if group is not None:
            group.setExpanded(True)
        nav = self.form.nav
        blocked = nav.blockSignals(True)
        try:
            nav.setCurrentItem(item)
        finally:
            nav.blockSignals(blocked)
        self.form.stack.setCurrentWidget(self.screens[title])

    # ---------------------------------------------------------------- public

    def set_up_two_step(self) -> None:
        """Anyone may add (or renew) a one-time code from their phone to their own sign-in."""
        from pos_app.gui.two_step import EnrolDialog

        self.two_step_dialog = EnrolDialog.enrol(self.context, self)
        self.two_step_dialog.finished.connect(lambda _result: self.activate())

    def focus_side_bar(self) -> None:
        """The keyboard to the side bar, on the row of the screen in front."""
        title = self.current_title()
        if title is not None:
            self._select(title)
        self.form.nav.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def show_screen(self, title: str) -> QWidget:
        """Bring a screen to the front (as its Ctrl+N shortcut does) and give it the keyboard."""
        self._select(title)
        self.activate()
        return self.screens[title]

    def current_title(self) -> str | None:
        """The title of the screen in front (None when the role has no screen)."""
        current = self.form.stack.currentWidget()
        return next((title for title, screen in self.screens.items() if screen is current), None)

    def current_screen(self) -> QWidget | None:
        current: QWidget | None = self.form.stack.currentWidget()
        return current

    def keys_of(self, title: str) -> str | None:
        """The chord shown beside a screen's row in the side bar (None past the tenth)."""
        return self._items[title].text(_KEYS_COLUMN) or None

    def group_of(self, title: str) -> str:
        group = self._items[title].parent()
        return str(group.data(_TITLE_COLUMN, Qt.ItemDataRole.AccessibleTextRole)) if group is not None else ""

    def _step(self, by: int) -> None:
        titles = list(self.screens)
        if not titles:
            return
        current = self.current_title()
        at = titles.index(current) if current in titles else 0
        self.show_screen(titles[(at + by) % len(titles)])

    def activate(self) -> None:
        """Give the current screen the keyboard (its search or scan field)."""
        screen = self.form.stack.currentWidget()
        focus = getattr(screen, "focus_first", None)
        if callable(focus):
            focus()
