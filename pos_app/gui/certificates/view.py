"""The certificates screen: the diamond grading reports on file, found by report number or SKU.

Keyboard: Ctrl+F search (the list follows as you type); Down goes to the
list; Enter opens the highlighted certificate (in the search box, Enter opens
the only match or goes to the list); Ctrl+N records a new one; Ctrl+O shows
the highlighted one's scan; Alt+D shows only report numbers on file more
than once; Esc clears the search. The list reads on the GUI connection (a few
hundred rows at most); the scan is read on the database worker.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.domain.jewelry import CertificateLab, Origin, Shape, points_text
from pos_app.domain.permissions import Permission
from pos_app.gui.base import mark_info, mark_problem
from pos_app.gui.certificates.dialog import label_of
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.ops import show_error
from pos_app.gui.tables import RecordsModel, SearchKeys, select_record, show_records
from pos_app.services import certificates
from pos_app.services.certificates import CertificateDetail
from pos_app.services.ports.certificates import CertificateRow

SEARCH_DELAY_MS = 150
LIMIT = 500
CertificateIdRole = Qt.ItemDataRole.UserRole
CUSTOMER_STONE = "Customer's stone"

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_CENTER = int(Qt.AlignmentFlag.AlignCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


def piece_text(row: CertificateRow) -> str:
    """What the certificate is on: the item's SKU, a customer's own stone, or nothing yet."""
    if row.item_sku:
        return row.item_sku
    return CUSTOMER_STONE if row.has_customer else "—"


class CertificatesModel(RecordsModel[CertificateRow]):
    """The rows of one search, as text prepared once (data() never queries)."""

    HEADERS = ("Lab", "Report number", "Date", "Shape", "Carat", "Color", "Clarity", "Origin", "Item", "Scan",
               "Keep until")
    _ALIGN = {4: _RIGHT, 9: _CENTER}

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._texts: list[tuple[str, ...]] = []

    def prepare(self) -> None:
        self._texts = [(
            label_of(CertificateLab, r.lab), r.report_number,
            r.report_date.isoformat() if r.report_date else "", label_of(Shape, r.shape),
            points_text(r.carat_points) if r.carat_points is not None else "", r.color or "", r.clarity or "",
            label_of(Origin, r.origin), piece_text(r), "✓" if r.has_scan else "",
            r.retain_until.isoformat() if r.retain_until else "") for r in self.rows]

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows) or not 0 <= index.column() < 11:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._ALIGN.get(index.column(), _LEFT)
        if role == CertificateIdRole:
            return self.rows[index.row()].id
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 9:
            return "A scan of the report is on file" if self.rows[index.row()].has_scan else "No scan on file"
        return None


class CertificatesView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.form = Form("certificates.ui", self)
        f = self.form
        self.reader = context.store.certificates
        self.model = CertificatesModel(self)
        table = f.table
        show_records(table, self.model, (60, 150, 100, 140, 70, 70, 70, 100, 140, 50, 100))
        self.keys = SearchKeys(f.search_edit, table, search=self.refresh, open_selected=self.open_selected,
                               on_enter=self._search_entered, delay_ms=SEARCH_DELAY_MS)
        f.duplicates_check.toggled.connect(lambda _on: self.refresh())

        can_write = context.can(Permission.WRITE_APPRAISALS)
        for button, keys, slot, allowed in (
            (f.open_button, None, self.open_selected, True),
            (f.new_button, "Ctrl+N", self.new_certificate, can_write),
            (f.scan_button, "Ctrl+O", self.view_scan, True),
        ):
            button.setVisible(allowed)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            button.clicked.connect(slot)
            if keys and allowed:
                QShortcut(QKeySequence(keys), self, slot)
        QShortcut(QKeySequence("Ctrl+F"), self, self.focus_first)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.clear_search)
        context.changed.connect(self._changed)
        self.dialog: QWidget | None = None
        self.viewer: QWidget | None = None
        self.refresh()

    # -- the list ----------------------------------------------------------------------------

    def refresh(self, *, select: str | None = None) -> None:
        """Run the search now, keeping the highlighted certificate (or `select`) highlighted."""
        self.keys.timer.stop()
        f = self.form
        keep = select or self.current_id()
        try:
            rows = certificates.list_certificates(reader=self.reader, actor=self.context.require_actor(),
                                                  search=f.search_edit.text(), limit=LIMIT,
                                                  duplicates_only=f.duplicates_check.isChecked(),
                                                  uow=self.context.store.uow())
        except UserFacingError as exc:
            mark_problem(f.message_label, str(exc))
            return
        self.model.set_rows(rows)
        n = len(rows)
        more = f" (the first {LIMIT})" if n >= LIMIT else ""
        f.count_label.setText(f"{n:,} certificate{'s' if n != 1 else ''}{more}")
        if not n:
            empty = ("No report number is on file more than once." if f.duplicates_check.isChecked()
                     else "No certificate matches." if f.search_edit.text().strip()
                     else "No certificates yet. Ctrl+N records one.")
            mark_info(f.message_label, empty)
        elif f.message_label.property("problem") or f.message_label.text().startswith("No "):
            mark_info(f.message_label, "")
        select_record(self.form.table, self.model, keep)

    def current_id(self) -> str | None:
        row = self.current_row()
        return row.id if row else None

    def current_row(self) -> CertificateRow | None:
        row: CertificateRow | None = self.model.at(self.form.table.currentIndex())
        return row

    def focus_first(self) -> None:
        self.keys.focus()

    def clear_search(self) -> None:
        self.keys.clear()

    def _search_entered(self) -> None:
        self.refresh()
        if self.model.rowCount() == 1:
            self.open_selected()
        elif self.model.rowCount():
            self.form.table.setFocus()

    def _changed(self, what: str) -> None:
        # A change can arrive with no one signed in (the sync worker pulls while the till is locked): nothing is
        # read until someone signs in again, as the customers view does.
        if what in ("certificates", "items", "customers") and self.context.actor is not None:
            self.refresh()

    # -- actions -----------------------------------------------------------------------------

    def open_selected(self) -> None:
        cert_id = self.current_id()
        if cert_id is None:
            mark_problem(self.form.message_label, "Find the certificate first (Ctrl+F), or Ctrl+N to record one.")
            return
        self._open_dialog(cert_id)

    def new_certificate(self) -> None:
        if not self.context.can(Permission.WRITE_APPRAISALS):
            return
        self._open_dialog(None)

    def _open_dialog(self, cert_id: str | None) -> None:
        from pos_app.gui.certificates.dialog import CertificateDialog

        dialog = CertificateDialog(self.context, self, cert_id=cert_id)
        dialog.saved.connect(lambda saved_id: self.refresh(select=saved_id))
        dialog.finished.connect(lambda _r: self._back_to_list())
        self.dialog = dialog
        dialog.open()

    def view_scan(self) -> None:
        row = self.current_row()
        if row is None:
            mark_problem(self.form.message_label, "Find the certificate first (Ctrl+F).")
            return
        if not row.has_scan:
            mark_problem(self.form.message_label, f"{row.lab} {row.report_number} has no scan yet: open it (Enter) "
                                                  "and attach one (Ctrl+Shift+A).")
            return
        actor = self.context.require_actor()

        def show(detail: CertificateDetail) -> None:
            from pos_app.gui.certificates.scan_viewer import ScanViewer

            record = detail.record
            if record.scan is None or record.scan_mime_type is None:
                return
            self.viewer = ScanViewer(record.scan, record.scan_mime_type,
                                     f"{record.lab} report {record.report_number}", self)
            self.viewer.finished.connect(lambda _r: self._back_to_list())
            self.viewer.open()

        self.context.runner.run(lambda store: certificates.certificate(row.id, uow=store.uow(), actor=actor),
                                on_done=show,
                                on_error=lambda exc: show_error(self, exc), parent=self)

    def _back_to_list(self) -> None:
        """A dialog closed: the keyboard returns to the list."""
        self.window().activateWindow()
        self.form.table.setFocus()

    def show_problem(self, exc: UserFacingError) -> None:
        mark_problem(self.form.message_label, str(exc))
