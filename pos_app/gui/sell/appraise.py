"""The appraisals of a sale, made in one step at the counter and printed with its receipt.

F12 on the sell screen appraises the last sale; Ctrl+I does it for the sale
shown in Find a sale. Both first ask which appraiser signs (`SignerDialog`:
only people with appraiser credentials, appraisers first); the one chosen
enters their PIN unless they are signed in, so a clerk or an owner without
credentials makes the appraisals and the appraiser signs them. A sale whose
pieces are all appraised already shows them without asking. The dialog then
lists the appraisals:
Ctrl+P prints them on the store's printer through Qt's print dialog (CUPS),
Ctrl+S saves them as one PDF; a certificate summary page and the wallet card
can go with them. Asking again for the same sale gives the same appraisals.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidgetItem, QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.domain.permissions import Actor
from pos_app.domain.store import store_today
from pos_app.gui import dialogs, printing
from pos_app.gui.base import FacetDialog, mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.gui.ops import show_error
from pos_app.services import appraisals, paperwork
from pos_app.services.ports.appraisals import AppraisalRecord
from pos_app.services.ports.store import Store

HEADERS = ("Appraisal", "Piece", "Appraised value")


def appraise_sale(parent: QWidget, context: AppContext, sale_id: str,
                  on_problem: Callable[[UserFacingError], None], open_dialog: Callable[[QWidget], None]) -> None:
    """Make (or find) the sale's appraisals, asking which appraiser signs, then show them with `open_dialog`
    (the sell screen's, which gives the scan field the keyboard back afterwards)."""
    from pos_app.gui.appraisals.signer import ask_signer

    actor = context.require_actor()
    today = store_today(context.profile.timezone)

    def make(signer: Actor | None) -> None:
        context.runner.run(lambda store: appraisals.appraise_sale(
            sale_id, uow=store.uow(), sales=store.sales, actor=actor, today=today, approver=signer),
            on_done=done, on_error=failed, parent=parent)

    def done(records: list[AppraisalRecord]) -> None:
        context.changed.emit("appraisals")
        open_dialog(SaleAppraisalsDialog(context, records, parent))

    def found(records: list[AppraisalRecord]) -> None:
        if records:  # every piece has its appraisal already: show them, nobody signs again
            open_dialog(SaleAppraisalsDialog(context, records, parent))
            return
        ask_signer(context, "The appraisals of this sale are final once made. Which appraiser signs them?",
                   parent, make)

    def failed(exc: BaseException) -> None:
        if isinstance(exc, UserFacingError):
            on_problem(exc)
        else:
            show_error(parent, exc)

    context.runner.run(lambda store: appraisals.sale_appraisals(sale_id, uow=store.uow(), sales=store.sales,
                                                                actor=actor),
                       on_done=found, on_error=failed, parent=parent)


class SaleAppraisalsDialog(FacetDialog):
    def __init__(self, context: AppContext, records: list[AppraisalRecord], parent: QWidget | None = None) -> None:
        super().__init__(context, "sale_appraisals_dialog.ui", "Appraisals of the sale", parent)
        self.records = records
        self.actor = context.require_actor()
        f = self.form
        many = "appraisal is" if len(records) == 1 else f"{len(records)} appraisals are"
        f.title_label.setText(f"The {many} final and signed. Print them to hand over with the receipt.")
        table = f.appraisals_table
        table.setColumnCount(len(HEADERS))
        table.setHorizontalHeaderLabels(HEADERS)
        table.setRowCount(len(records))
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        for row, record in enumerate(records):
            spec = record.spec
            piece = " ".join(x for x in (spec.metal.label if spec.metal else "", spec.style.label if spec.style else "",
                                         "necklace") if x)
            value = context.money(spec.value.cents) if spec.value else ""
            for column, text in enumerate((f"{record.number}  v{record.version}", piece, value)):
                table.setItem(row, column, QTableWidgetItem(text))
        header = table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        f.save_button.clicked.connect(self.print_all)
        f.pdf_button.clicked.connect(self.save_pdf)
        f.close_button.clicked.connect(self.reject)
        self.shortcut("Ctrl+P", self.print_all)
        self.shortcut("Ctrl+S", self.save_pdf)
        self.resize(620, 320)
        self.initial_focus = table
        mark_info(f.message_label, "Ctrl+P prints, Ctrl+S saves a PDF, Esc closes.")

    def _pages(self) -> paperwork.AppraisalPages:
        """Each appraisal, with its certificate summary page and its wallet card when they are ticked."""
        return paperwork.AppraisalPages(certificate_pages=self.form.certificates_check.isChecked(),
                                        card=self.form.card_check.isChecked())

    def _renderer(self) -> Callable[[Store], bytes]:
        """The job making one PDF of every appraisal (on a worker): same record, same pages."""
        ids, actor, pages = [r.id for r in self.records], self.actor, self._pages()
        return lambda store: paperwork.appraisal_pdf(ids, uow=store.uow(), actor=actor, pages=pages)

    def print_all(self) -> None:
        def rendered(pdf: bytes) -> None:
            printing.print_pdf(self, self.context.runner, pdf, lambda text: mark_info(self.form.message_label, text),
                               lambda exc: self.show_problem(UserFacingError(str(exc))))

        mark_info(self.form.message_label, "Making the PDF…")
        self.run(self._renderer(), rendered, lane="io")

    def save_pdf(self) -> None:
        first = self.records[0].number if self.records else "appraisals"
        path = dialogs.ask_save_path(self, "Save the appraisals", f"{first}.pdf", "PDF (*.pdf)")
        if path is None:
            return
        ids, actor, pages, files = [r.id for r in self.records], self.actor, self._pages(), self.context.devices.files

        def work(store: Store) -> Path:
            return paperwork.write_appraisals(ids, path, uow=store.uow(), files=files, actor=actor, pages=pages).path

        mark_info(self.form.message_label, "Making the PDF…")
        self.run(work, lambda saved: mark_info(self.form.message_label, f"Saved {saved}."), lane="io")

    def show_problem(self, exc: UserFacingError) -> None:
        mark_problem(self.form.message_label, str(exc))
