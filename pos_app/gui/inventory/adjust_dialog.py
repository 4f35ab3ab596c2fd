"""Adjust the quantity on hand of one item, with a reason.

Managers adjust alone; a clerk's adjustment asks for a manager's PIN (the
approval dialog opens when the service says one is needed) and the audit
event names both.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from pos_app.domain.permissions import Actor
from pos_app.gui.approval import with_approval
from pos_app.gui.base import FacetDialog
from pos_app.gui.context import AppContext
from pos_app.services import inventory
from pos_app.services.ports.inventory import ItemRecord, ItemRow
from pos_app.services.ports.store import Store

REASONS = ("Found in the store", "Damaged", "Lost", "Theft", "Returned to vendor", "Correction after count")


class AdjustDialog(FacetDialog):
    def __init__(self, context: AppContext, row: ItemRow, parent: QWidget | None = None) -> None:
        super().__init__(context, "adjust_dialog.ui", f"Adjust stock — {row.sku}", parent)
        self.row = row
        f = self.form
        f.item_label.setText(f"{row.sku} · {row.title}")
        f.on_hand_label.setText(str(row.on_hand))
        f.reason_combo.addItems(REASONS)
        f.reason_combo.setCurrentIndex(-1)
        f.reason_combo.lineEdit().setPlaceholderText("say why")
        f.change_spin.valueChanged.connect(self._preview)
        f.save_button.clicked.connect(self.save)
        f.close_button.clicked.connect(self.reject)
        self.shortcut("Ctrl+Return", self.save)
        self.shortcut("Ctrl+Enter", self.save)
        self.result_record: ItemRecord | None = None
        self._preview()
        self.initial_focus = f.change_spin

    def _preview(self) -> None:
        self.form.after_label.setText(str(self.row.on_hand + self.form.change_spin.value()))

    def save(self) -> None:
        change = self.form.change_spin.value()
        reason = self.form.reason_combo.currentText()
        actor = self.context.require_actor()

        def work(store: Store, approver: Actor | None) -> ItemRecord:
            return inventory.adjust_stock(self.row.id, change, reason, uow=store.uow(), actor=actor,
                                          approver=approver)

        def done(record: ItemRecord) -> None:
            self.result_record = record
            self.context.changed.emit("stock")
            self.accept()

        with_approval(self, self.context, work, done)
