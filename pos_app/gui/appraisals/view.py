"""The appraisals screen: every appraisal, newest first, found as you type.

Keyboard: Ctrl+F search (number, item SKU, owner's name, certificate
number); typing filters after a short pause; Down goes to the list; Enter
(or a double-click) opens the selected appraisal; Ctrl+D shows only the
drafts waiting for an appraiser. Ctrl+N starts a new appraisal, Ctrl+P
prints the selected one and Ctrl+S saves it as a PDF.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHeaderView, QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.gui import dialogs
from pos_app.gui.appraisals import paper
from pos_app.gui.appraisals.model import AppraisalListModel
from pos_app.gui.base import mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.ops import show_error
from pos_app.gui.tables import SearchKeys
from pos_app.services import appraisals
from pos_app.services.ports.appraisals import AppraisalRow
from pos_app.services.ports.store import Store

log = logging.getLogger(__name__)

WIDTHS = (112, 76, 104, 96, 170, 170, 90, 100)  # the last column (Appraiser) stretches; all fit 1280 wide


class AppraisalsView(QWidget):
    """The Appraisals tab (for whoever may write appraisals)."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.form = Form("appraisals.ui", self)
        f = self.form
        actor = context.require_actor()
        self.reader = context.store.appraisals
        reader = self.reader
        self.model = AppraisalListModel(
            lambda search, drafts: appraisals.count_appraisals(reader=reader, actor=actor, search=search,
                                                               drafts_only=drafts, uow=context.uow()),
            lambda search, drafts, offset, limit: appraisals.list_appraisals(
                reader=reader, actor=actor, search=search, drafts_only=drafts, limit=limit, offset=offset,
                uow=context.uow()),
            context.money, parent=self)
        table = f.table
        table.setModel(self.model)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate(WIDTHS):
            table.setColumnWidth(column, width)
        table.verticalHeader().setDefaultSectionSize(28)
        self.keys = SearchKeys(f.search_edit, table, search=self.apply_search, open_selected=self.open_selected,
                               on_enter=self._search_entered)
        f.drafts_button.toggled.connect(lambda _on: self.apply_search())

        for button, keys, slot in ((f.new_button, "Ctrl+N", self.new_appraisal),
                                   (f.open_button, None, self.open_selected),
                                   (f.print_button, "Ctrl+P", self.print_selected),
                                   (f.pdf_button, "Ctrl+S", self.save_pdf)):
            button.clicked.connect(slot)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            if keys:
                QShortcut(QKeySequence(keys), self, slot)
        f.drafts_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        # Room for the count as it grows, so the label is never cut (its text changes after layout).
        f.drafts_button.setMinimumWidth(f.drafts_button.fontMetrics().horizontalAdvance(
            "Drafts waiting (00,000)  (Ctrl+D)") + 36)
        QShortcut(QKeySequence("Ctrl+D"), self, f.drafts_button.toggle)
        QShortcut(QKeySequence("Ctrl+F"), self, self.focus_first)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.clear_search)
        context.changed.connect(self._changed)
        self.dialog: QWidget | None = None
        self.apply_search()

    # -- the list ------------------------------------------------------------------------

    def apply_search(self) -> None:
        self.keys.timer.stop()
        self.model.set_query(self.form.search_edit.text(), self.form.drafts_button.isChecked())
        self._update_counts()
        if self.model.rowCount():
            self.form.table.selectionModel().setCurrentIndex(
                self.model.index(0, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)

    def _update_counts(self) -> None:
        n = self.model.rowCount()
        self.form.count_label.setText(f"{n:,} appraisal{'s' if n != 1 else ''}")
        self._count_drafts()

    def _count_drafts(self) -> None:
        """Count the drafts waiting on a worker with its own connection: the count reads the whole table
        (tens of milliseconds at 50,000 appraisals), which the list's first rows need not wait for."""
        actor = self.context.require_actor()

        def work(store: Store) -> int:
            return appraisals.drafts_waiting(reader=store.appraisals, actor=actor, uow=store.uow())

        def done(waiting: int) -> None:
            self.form.drafts_button.setText(f"Drafts waiting ({waiting:,})  (Ctrl+D)")

        def failed(exc: BaseException) -> None:  # the label keeps its last count; the list itself is fine
            log.warning("counting the drafts waiting failed", exc_info=(type(exc), exc, exc.__traceback__))

        self.context.runner.run(work, on_done=done, on_error=failed, parent=self, lane="io")

    def clear_search(self) -> None:
        f = self.form
        for widget in (f.search_edit, f.drafts_button):
            widget.blockSignals(True)
        f.search_edit.clear()
        f.drafts_button.setChecked(False)
        for widget in (f.search_edit, f.drafts_button):
            widget.blockSignals(False)
        self.apply_search()
        self.focus_first()

    def focus_first(self) -> None:
        self.form.search_edit.setFocus()
        self.form.search_edit.selectAll()

    def _search_entered(self) -> None:
        """Enter in the search box: the one appraisal found opens; else go to the list."""
        self.apply_search()
        if self.model.rowCount() == 1:
            self.open_selected()
        else:
            self.form.table.setFocus()

    def _changed(self, what: str) -> None:
        if what != "appraisals":
            return
        current = self.form.table.currentIndex()
        row = self.model.row_at(current.row()) if current.isValid() else None
        self.model.refresh()
        self._update_counts()
        found = self.model.row_of(row.id, near=current.row()) if row is not None else None
        if found is None and self.model.rowCount():
            found = 0
        if found is not None:
            self.form.table.selectionModel().setCurrentIndex(
                self.model.index(found, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)

    def selected_row(self) -> AppraisalRow | None:
        index = self.form.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    # -- actions -------------------------------------------------------------------------

    def new_appraisal(self) -> None:
        self.open_appraisal(None)

    def open_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            mark_problem(self.form.message_label, "Select an appraisal first (Down from the search box).")
            return
        self.open_appraisal(row.id)

    def open_appraisal(self, appraisal_id: str | None) -> None:
        from pos_app.gui.appraisals.dialog import AppraisalDialog

        self.dialog = AppraisalDialog(self.context, appraisal_id, self)
        self.dialog.finished.connect(lambda _r: self._back_from_dialog())
        self.dialog.open()

    def _back_from_dialog(self) -> None:
        self.activateWindow()
        self.form.table.setFocus()

    def _paper_for_selected(self) -> tuple[AppraisalRow, paper.Paper] | None:
        row = self.selected_row()
        if row is None:
            mark_problem(self.form.message_label, "Select the appraisal to print first.")
            return None
        return row, paper.Paper()

    def print_selected(self) -> None:
        chosen = self._paper_for_selected()
        if chosen is None:
            return
        row, pages = chosen

        def rendered(pdf: bytes) -> None:
            paper.print_rendered(self.context, self, pdf, lambda text: mark_info(self.form.message_label, text),
                                 self._failed)

        mark_info(self.form.message_label, f"Making the PDF of {row.number} version {row.version}…")
        self.context.runner.run(paper.renderer(self.context, row.id, pages), on_done=rendered,
                                on_error=self._failed, parent=self)

    def save_pdf(self) -> None:
        chosen = self._paper_for_selected()
        if chosen is None:
            return
        row, pages = chosen
        path = dialogs.ask_save_path(self, "Save the appraisal", pages.file_name(row.number, row.version),
                                     "PDF files (*.pdf)")
        if path is None:
            return
        mark_info(self.form.message_label, f"Making the PDF of {row.number} version {row.version}…")
        self.context.runner.run(paper.saver(self.context, row.id, pages, path),
                                on_done=lambda saved: mark_info(self.form.message_label, f"Saved {saved}."),
                                on_error=self._failed, parent=self)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserFacingError | OSError):
            mark_problem(self.form.message_label, str(exc))
        else:
            show_error(self, exc)

    def show_problem(self, exc: UserFacingError) -> None:
        mark_problem(self.form.message_label, str(exc))
