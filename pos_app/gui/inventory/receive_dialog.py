"""Receive stock: a new piece (or a new counted line), or more of a counted item.

After a piece is received the dialog stays open for the next one, keeping the
fields a batch from one vendor shares (style, metal, chain length, clasp,
vendor, location, received date) and clearing those each piece has its own
(SKU, barcode, serial, title, description, price, cost, stones, carat
weights, certificate, gram weight): the next piece never inherits the last
one's price. Ctrl+P prints its tag.

A piece that leaves its cost, stones or carat weight unknown is received
only once the person confirms (the service says what is missing and writes
nothing until then); stones that contradict each other are refused.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from pos_app.domain.errors import NotFound, UserFacingError
from pos_app.domain.jewelry import Tracking
from pos_app.domain.store import DEFAULT_LOCATIONS
from pos_app.gui import dialogs
from pos_app.gui.base import FacetDialog, mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.gui.inventory.item_form import ItemForm
from pos_app.services import inventory
from pos_app.services.inventory import ReceiveUnconfirmed
from pos_app.services.ports.inventory import ItemRecord, ItemRow
from pos_app.services.ports.store import Store

# Each piece's own: cleared after it is received, so the next piece starts without them.
_NEVER_REPEAT = ("sku", "barcode", "serial", "cert_lab", "cert_number", "title", "description", "price", "cost",
                 "total_carat", "stone_count", "center_shape", "center_carat", "center_color", "center_clarity",
                 "center_cut", "center_origin", "gram_weight")


class ReceiveDialog(FacetDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, "receive_dialog.ui", "Receive stock", parent)
        locations = context.store.directory.setting("inventory.locations", list(DEFAULT_LOCATIONS))
        self.item_form = ItemForm(locations, self.form.new_tab)
        self.form.new_tab.layout().addWidget(self.item_form)
        self.item_form.hide_fields(["status"])
        self.item_form.form.message_label.hide()
        f = self.form
        f.save_button.clicked.connect(self.save)
        f.close_button.clicked.connect(self.reject)
        f.tags_button.clicked.connect(self.print_tag)
        f.tags_button.setEnabled(False)
        f.code_edit.returnPressed.connect(self._find_counted)
        self.shortcut("Ctrl+Return", self.save)
        self.shortcut("Ctrl+Enter", self.save)
        self.shortcut("Ctrl+P", self.print_tag)
        self.shortcut("Alt+1", lambda: self._tab(0))
        self.shortcut("Alt+2", lambda: self._tab(1))
        self.counted: ItemRow | None = None
        self.received: list[ItemRecord] = []
        self.resize(1180, 640)
        self.initial_focus = self.item_form.form.sku_edit

    def _tab(self, index: int) -> None:
        self.form.tabs.setCurrentIndex(index)
        (self.item_form.form.sku_edit if index == 0 else self.form.code_edit).setFocus()

    def _find_counted(self) -> None:
        code = self.form.code_edit.text().strip()
        store = self.context.store
        row = inventory.lookup(code, reader=store.inventory, actor=self.context.require_actor(), uow=store.uow())
        if row is None or row.tracking != Tracking.COUNTED.value:
            self.counted = None
            self.form.found_label.setText("—")
            what = "No item has this code." if row is None else f"{row.sku} is a unique piece, not counted stock."
            mark_problem(self.form.message_label, what)
            return
        self.counted = row
        self.form.found_label.setText(f"{row.sku} · {row.title} · {row.on_hand} on hand")
        mark_info(self.form.message_label, "")
        self.form.more_quantity_spin.setFocus()
        self.form.more_quantity_spin.selectAll()

    def save(self, *, confirmed: bool = False) -> None:
        """Receive what the form holds; `confirmed`: the person already accepted what it leaves unknown."""
        actor = self.context.require_actor()
        reference = self.form.reference_edit.text().strip() or None
        if self.form.tabs.currentIndex() == 0:
            values = self.item_form.values()

            def work(store: Store) -> ItemRecord:
                return inventory.receive_new_item(values, uow=store.uow(), actor=actor, reference=reference,
                                                  ask_first=not confirmed)
        else:
            if self.counted is None:
                self.show_problem(NotFound("Scan or type the SKU of a counted item first, then Enter."))
                return
            item_id, quantity = self.counted.id, self.form.more_quantity_spin.value()

            def work(store: Store) -> ItemRecord:
                return inventory.receive_more(item_id, quantity, uow=store.uow(), actor=actor, reference=reference)

        self.item_form.clear_problem()
        self.run(work, self._received)

    def _received(self, record: ItemRecord) -> None:
        self.received.append(record)
        spec = record.spec
        mark_info(self.form.message_label,
                  f"Received {spec.sku} · {spec.title} · {record.on_hand} on hand. Ctrl+P prints its tag; "
                  "fill in the next piece or press Esc.")
        self.form.tags_button.setEnabled(True)
        self.context.changed.emit("items")
        if self.form.tabs.currentIndex() == 0:
            self.item_form.set_values({name: "" for name in _NEVER_REPEAT})
            self.item_form.form.sku_edit.setFocus()
        else:
            self.form.code_edit.clear()
            self.form.found_label.setText("—")
            self.counted = None
            self.form.code_edit.setFocus()

    def print_tag(self) -> None:
        if not self.received:
            return
        from pos_app.gui.inventory.tag_dialog import TagSheetDialog

        self.tag_dialog = TagSheetDialog(self.context, [self.received[-1].id], self)
        self.tag_dialog.open()

    def _confirm(self, unconfirmed: ReceiveUnconfirmed) -> None:
        """Ask whether to receive the piece as it is; Yes receives it, No goes back to the first field named."""
        lines = "\n".join(f"• {w.text[:1].upper()}{w.text[1:]}." for w in unconfirmed.warnings)
        sku = self.item_form.form.sku_edit.text().strip()
        if dialogs.ask_yes_no(self, "Receive it as it is?",
                              f"{sku} is a diamond necklace, but:\n{lines}\n\nReceive it anyway? "
                              "(No goes back to the form; a manager can fill these in later.)"):
            self.save(confirmed=True)
            return
        mark_problem(self.form.message_label, "Not received yet: fill in what is missing, then Ctrl+Enter.")
        widget = self.item_form.widget(unconfirmed.warnings[0].field)
        if widget is not None:
            widget.setFocus()

    def show_problem(self, exc: UserFacingError) -> None:
        if isinstance(exc, ReceiveUnconfirmed):
            self._confirm(exc)
            return
        super().show_problem(exc)
        if self.form.tabs.currentIndex() == 0:
            self.item_form.show_problem(exc)
            self.item_form.form.message_label.hide()
