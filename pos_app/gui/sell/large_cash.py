"""Form 8300 details for cash over $10,000: asked before the cash is taken."""

from __future__ import annotations

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.gui.base import FacetDialog, mark_info
from pos_app.gui.context import AppContext
from pos_app.services import checkout


class LargeCashDialog(FacetDialog):
    details_ready = Signal(object)
    """The checked details (a LargeCashDetails): take the cash with them."""

    def __init__(self, context: AppContext, why: str, parent: QWidget | None = None) -> None:
        super().__init__(context, "large_cash_dialog.ui", "Cash over $10,000 — IRS Form 8300", parent)
        f = self.form
        mark_info(f.intro_label, why + " Only the owner and managers can see these details afterwards.")
        f.birth_edit.setDate(QDate(1980, 1, 1))
        f.save_button.clicked.connect(self.save)
        f.close_button.clicked.connect(self.reject)
        self.shortcut("Ctrl+Return", self.save)
        self.shortcut("Ctrl+Enter", self.save)
        self.initial_focus = f.full_name_edit

    def save(self) -> None:
        f = self.form
        born = f.birth_edit.date().toPython()
        details = checkout.LargeCashDetails(
            full_name=f.full_name_edit.text(), address=f.address_edit.toPlainText(), date_of_birth=born,
            taxpayer_id=f.taxpayer_edit.text(), id_document=f.document_edit.text(), occupation=f.occupation_edit.text())
        from pos_app.domain.store import store_today

        try:
            checked = checkout.check_large_cash(details, today=store_today(self.context.profile.timezone))
        except UserFacingError as problem:
            self.show_problem(problem)
            return
        self.accept()
        self.details_ready.emit(checked)
