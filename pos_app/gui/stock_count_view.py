"""Stock count: pick a location, scan every piece there, post the differences.

The scan field keeps the keyboard the whole time (a scanner types the code and
Enter). Each scan is saved as it happens, so a count survives a restart and
resumes when the screen opens. Clerks count; posting the differences as
stock adjustments needs a manager.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QListWidgetItem, QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.domain.permissions import Permission
from pos_app.domain.store import DEFAULT_LOCATIONS
from pos_app.gui.base import mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.ops import show_error
from pos_app.gui.tables import fill
from pos_app.services import stock_count
from pos_app.services.ports.store import Store
from pos_app.services.stock_count import CountReport, ScanResult

T = TypeVar("T")


class StockCountView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.form = Form("stock_count.ui", self)
        self.count_id: str | None = None
        self.report: CountReport | None = None
        f = self.form
        for location in context.store.directory.setting("inventory.locations", list(DEFAULT_LOCATIONS)):
            f.location_combo.addItem(location)
        f.start_button.clicked.connect(self.start)
        f.scan_edit.returnPressed.connect(self.scan)
        f.undo_button.clicked.connect(self.undo)
        f.post_button.clicked.connect(self.post)
        f.cancel_button.clicked.connect(self.cancel)
        f.post_button.setVisible(context.can(Permission.ADJUST_STOCK))
        QShortcut(QKeySequence("Ctrl+Shift+N"), self, self.start)
        QShortcut(QKeySequence("Ctrl+Z"), self, self.undo)
        # The scan field keeps the keyboard, and a line edit takes Ctrl+Z for its own
        # text undo: catch it there so Ctrl+Z undoes the last scan, as the button says.
        f.scan_edit.installEventFilter(self)
        self._refreshing = False
        self._refresh_again = False
        if context.can(Permission.ADJUST_STOCK):
            QShortcut(QKeySequence("Ctrl+Shift+P"), self, self.post)
        self._set_running(False)
        self._resume()

    # -- helpers -----------------------------------------------------------------------

    def _run(self, work: Callable[[Store], T], on_done: Callable[[T], object]) -> None:
        self.context.runner.run(work, on_done=on_done, on_error=self._failed, parent=self)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserFacingError):
            self.show_problem(exc)
        else:
            show_error(self, exc)

    def show_problem(self, exc: UserFacingError) -> None:
        mark_problem(self.form.last_scan_label, str(exc))

    def _set_running(self, running: bool) -> None:
        f = self.form
        f.location_combo.setEnabled(not running)
        f.start_button.setEnabled(not running)
        for widget in (f.scan_edit, f.undo_button, f.post_button, f.cancel_button):
            widget.setEnabled(running)
        if not running:
            f.status_label.setText("No count in progress.")

    def focus_first(self) -> None:
        (self.form.scan_edit if self.count_id else self.form.location_combo).setFocus()

    def _resume(self) -> None:
        actor = self.context.require_actor()
        store = self.context.store
        counts = stock_count.open_counts(reader=store.inventory, actor=actor, uow=store.uow())
        if counts:
            count = counts[-1]
            self.count_id = count.id
            self.form.location_combo.setCurrentText(count.location)
            self._set_running(True)
            self.form.status_label.setText(f"Counting {count.location} (resumed)")
            self.refresh()

    # -- actions -----------------------------------------------------------------------

    def start(self) -> None:
        if self.count_id is not None:
            return
        location = self.form.location_combo.currentText()
        actor = self.context.require_actor()

        def started(count_id: str) -> None:
            self.count_id = count_id
            self._set_running(True)
            self.form.status_label.setText(f"Counting {location}")
            self.form.scans_list.clear()
            mark_info(self.form.last_scan_label, "Scan the first piece.")
            self.form.scan_edit.setFocus()
            self.refresh()

        self._run(lambda store: stock_count.start_count(location, uow=store.uow(), actor=actor), started)

    def scan(self) -> None:
        code = self.form.scan_edit.text().strip()
        self.form.scan_edit.clear()
        if not code or self.count_id is None:
            return
        actor, count_id = self.context.require_actor(), self.count_id

        def work(store: Store) -> ScanResult:
            return stock_count.scan(count_id, code, uow=store.uow(), reader=store.inventory, actor=actor)

        self._run(work, self._scanned)

    def _scanned(self, result: ScanResult) -> None:
        (mark_info if result.ok else mark_problem)(self.form.last_scan_label, result.message)
        item = QListWidgetItem(("✓ " if result.ok else "! ") + result.message)
        if not result.ok:
            item.setForeground(Qt.GlobalColor.darkRed)
        self.form.scans_list.insertItem(0, item)
        self.refresh()

    def undo(self) -> None:
        if self.count_id is None:
            return
        actor, count_id = self.context.require_actor(), self.count_id

        def undone(code: str | None) -> None:
            mark_info(self.form.last_scan_label, f"Removed the scan of {code}." if code else "Nothing to undo.")
            if code and self.form.scans_list.count():
                self.form.scans_list.takeItem(0)
            self.refresh()

        self._run(lambda store: stock_count.undo_last_scan(count_id, uow=store.uow(), actor=actor), undone)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.form.scan_edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.matches(QKeySequence.StandardKey.Undo):
                self.undo()
                return True
        return super().eventFilter(watched, event)

    def refresh(self) -> None:
        """Recompute missing and unexpected pieces on a worker (a case can hold thousands)."""
        if self.count_id is None:
            return
        if self._refreshing:
            self._refresh_again = True
            return
        self._refreshing = True
        count_id, actor = self.count_id, self.context.require_actor()

        def work(store: Store) -> CountReport:
            return stock_count.report(count_id, reader=store.inventory, actor=actor, uow=store.uow())

        def failed(exc: BaseException) -> None:
            self._refreshing = False
            self._failed(exc)

        self.context.runner.run(work, on_done=self._show_report, on_error=failed, parent=self, lane="io")

    def _show_report(self, report: CountReport) -> None:
        self._refreshing = False
        if self._refresh_again:
            self._refresh_again = False
            self.refresh()
        if report.count_id != self.count_id:
            return
        self.report = report
        fill(self.form.missing_table, ["SKU", "Title", "Expected"],
             [(line.item.sku, line.item.title, str(line.expected)) for line in report.missing], numeric=[2])
        fill(self.form.unexpected_table, ["SKU", "Title", "Belongs in", "Counted"],
             [(line.item.sku, line.item.title, line.item.location, str(line.counted)) for line in report.unexpected]
             + [(code, "no item has this code", "", "1") for code in report.unknown_codes], numeric=[3])
        expected = sum(line.expected for line in report.matched + report.missing)
        found = sum(line.counted for line in report.matched)
        self.form.summary_label.setText(
            f"{report.location}: {found} of {expected} expected pieces scanned · {len(report.missing)} missing · "
            f"{len(report.unexpected) + len(report.unknown_codes)} unexpected · {report.scanned} scans")

    def post(self) -> None:
        if self.count_id is None or not self.context.can(Permission.ADJUST_STOCK):
            return
        actor, count_id = self.context.require_actor(), self.count_id

        def work(store: Store) -> CountReport:
            return stock_count.post_count(count_id, uow=store.uow(), reader=store.inventory, actor=actor)

        def posted(report: CountReport) -> None:
            self.count_id = None
            self._set_running(False)
            n = len(report.differences)
            mark_info(self.form.last_scan_label,
                      f"Posted the count of {report.location}: {n} difference{'s' if n != 1 else ''} adjusted.")
            self.context.changed.emit("stock")

        self._run(work, posted)

    def cancel(self) -> None:
        if self.count_id is None:
            return
        actor, count_id = self.context.require_actor(), self.count_id

        def cancelled(_none: None) -> None:
            self.count_id = None
            self._set_running(False)
            mark_info(self.form.last_scan_label, "Count cancelled; no stock was changed.")

        self._run(lambda store: stock_count.cancel_count(count_id, uow=store.uow(), actor=actor), cancelled)
