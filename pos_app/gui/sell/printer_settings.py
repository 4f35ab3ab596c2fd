"""The receipt printer's settings, with a test page (managers and the owner)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from pos_app.gui.base import FacetDialog, mark_info
from pos_app.gui.context import AppContext
from pos_app.services import receipts
from pos_app.services import settings as store_settings

FIELDS = (
    ("receipt.printer", "printer_edit"),
    ("receipt.profile", "profile_edit"),
    ("receipt.return_policy", "return_policy_edit"),
    ("receipt.privacy_notice", "privacy_edit"),
)


class PrinterDialog(FacetDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, "printer_dialog.ui", "Receipt printer", parent)
        f = self.form
        self.actor = context.require_actor()
        current = store_settings.current_settings(reader=context.directory, actor=self.actor, uow=context.uow())
        for key, name in FIELDS:
            getattr(f, name).setText(str(current[key]))
        f.columns_combo.addItems(["42", "48"])
        f.columns_combo.setCurrentText(str(current["receipt.columns"]))
        f.save_button.clicked.connect(self.save)
        f.test_button.clicked.connect(self.test_page)
        f.close_button.clicked.connect(self.reject)
        self.shortcut("Ctrl+Return", self.save)
        self.shortcut("Ctrl+Enter", self.save)
        self.shortcut("Ctrl+T", self.test_page)
        self.resize(640, 260)
        self.initial_focus = f.printer_edit

    def _values(self) -> dict[str, str]:
        f = self.form
        values = {key: getattr(f, name).text() for key, name in FIELDS}
        values["receipt.columns"] = f.columns_combo.currentText()
        return values

    def _save(self) -> None:
        """One change: every field is checked (the columns against the profile) before any is saved."""
        store_settings.change_settings(self._values(), uow=self.context.uow(), actor=self.actor)

    def save(self) -> None:
        def done(_r: Any) -> None:
            self.context.changed.emit("settings")
            self.accept()

        self.run(self._save, done)

    def test_page(self) -> None:
        context = self.context

        def work() -> str:
            self._save()
            from pos_app.documents.receipt_escpos import render_test_page

            printer = context.facet.receipt_printer()
            if printer is None:
                return "Saved. No printer is set: type its address first."
            look = receipts.layout(context.facet.directory())
            printer.send(render_test_page(store_name=context.profile.name, columns=look.columns,
                                          profile=look.profile))
            return "Test page sent: check the printout's width ruler fits the paper."

        def done(message: str) -> None:
            self.context.changed.emit("settings")
            mark_info(self.form.message_label, message)

        self.run(work, done, lane="io")
