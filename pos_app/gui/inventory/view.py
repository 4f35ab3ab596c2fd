"""The inventory list: search as you type, filters, sort, and the item actions.

Keyboard: Ctrl+F search; typing filters as you type; Down goes to the list;
Enter opens the selected item (or, in the search box, the item whose barcode
or SKU was just scanned); Esc clears search and filters. Action shortcuts are
on the buttons. Buttons a role may not use are hidden (the services refuse
them anyway).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHeaderView, QProgressDialog, QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.domain.items import parse_units
from pos_app.domain.jewelry import ItemStatus, Metal, Style, Tracking
from pos_app.domain.money import parse_money
from pos_app.domain.permissions import Permission
from pos_app.domain.store import DEFAULT_LOCATIONS
from pos_app.gui import dialogs
from pos_app.gui.base import mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.inventory.model import InventoryModel, ItemIdRole
from pos_app.gui.ops import CancelToken, show_error
from pos_app.gui.tables import SearchKeys
from pos_app.services import inventory, item_files, transfers
from pos_app.services.ports.inventory import THIS_STORE, GroupStore, InventoryFilter, ItemRow, StoreStock
from pos_app.services.ports.store import Store


class InventoryView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.form = Form("inventory.ui", self)
        f = self.form
        actor, store = context.require_actor(), context.store  # the list reads on the GUI thread's store
        # In a sync group the list can show another store's pieces (find a necklace at another store).
        self.group_stores = inventory.group_stores(uow=store.uow(), actor=actor)
        self.model = InventoryModel(
            lambda flt: inventory.count(flt, reader=store.inventory, actor=actor, uow=store.uow()),
            lambda flt, sort, desc, offset, limit: inventory.page_seqs(
                flt, sort, desc, offset, limit, reader=store.inventory, actor=actor, uow=store.uow()),
            lambda seqs: inventory.rows_for(seqs, reader=store.inventory, actor=actor, uow=store.uow()),
            context.money,
            show_cost=actor.can(Permission.VIEW_COST),
            show_store=bool(self.group_stores),
            parent=self,
        )
        self._fill_filters()
        table = f.table
        # The model starts in SKU order; set the header to say so before the view
        # (sorting enabled) asks the model to sort by whatever the header says.
        table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        table.setModel(self.model)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate(self._widths()):
            table.setColumnWidth(column, width)
        table.verticalHeader().setDefaultSectionSize(28)
        self.keys = SearchKeys(f.search_edit, table, search=self.apply_filter, open_selected=self.open_selected,
                               on_enter=self._search_entered)
        for combo in (f.style_combo, f.metal_combo, f.status_combo, f.location_combo, f.store_combo):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filter())
        for edit in (f.min_price_edit, f.max_price_edit):
            edit.editingFinished.connect(self.apply_filter)
        f.in_stock_check.toggled.connect(lambda _on: self.apply_filter())
        f.clear_button.clicked.connect(self.clear_filters)

        buttons = (
            (f.open_button, None, self.open_selected, Permission.VIEW_INVENTORY),
            (f.receive_button, "Ctrl+N", self.receive, Permission.RECEIVE_STOCK),
            # Whoever counts stock may ask; a clerk's adjustment then needs a manager's PIN.
            (f.adjust_button, "Ctrl+J", self.adjust_selected, Permission.COUNT_STOCK),
            # Between the stores of a sync group only (hidden otherwise, below).
            (f.transfer_button, "Ctrl+Shift+G", self.transfer_selected, Permission.ADJUST_STOCK),
            (f.receive_transfer_button, "Ctrl+Shift+R", self.receive_transfer_selected, Permission.RECEIVE_STOCK),
            (f.tags_button, "Ctrl+P", self.print_tags, Permission.PRINT_TAGS),
            (f.import_button, "Ctrl+I", self.import_csv, Permission.IMPORT_ITEMS),
            (f.export_button, "Ctrl+Shift+E", self.export_csv, Permission.EXPORT_ITEMS),
        )
        in_group = {f.transfer_button, f.receive_transfer_button}
        for button, keys, slot, permission in buttons:
            allowed = actor.can(permission) and (bool(self.group_stores) or button not in in_group)
            button.setVisible(allowed)
            button.clicked.connect(slot)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            if keys and allowed:
                QShortcut(QKeySequence(keys), self, slot)
        QShortcut(QKeySequence("Ctrl+F"), self, self.focus_first)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.clear_filters)
        context.changed.connect(self._changed)
        self.dialog: QWidget | None = None
        self.apply_filter()

    def _widths(self) -> list[int]:
        sizes = {"sku": 100, "store": 60, "title": 340, "style": 150, "metal": 140, "price": 105, "cost": 100,
                 "on_hand": 80, "status": 90, "location": 100, "received_on": 100, "cert_number": 120}
        return [sizes[c.key] for c in self.model.columns]

    def _fill_filters(self) -> None:
        f = self.form
        locations = self.context.store.directory.setting("inventory.locations", list(DEFAULT_LOCATIONS))
        for combo, label, choices in (
            (f.style_combo, "All styles", [(m.label, m.value) for m in Style]),
            (f.metal_combo, "All metals", [(m.label, m.value) for m in Metal]),
            (f.status_combo, "Any status", [(m.label, m.value) for m in ItemStatus]),
            (f.location_combo, "All locations", [(loc, loc) for loc in locations]),
        ):
            combo.addItem(label, "")
            for text, value in choices:
                combo.addItem(text, value)
        # The store filter: every store's pieces first (a search finds a piece wherever it is), then this
        # store's, then each other store's. Hidden when the store is in no group (every piece is its own).
        f.store_combo.addItem("All stores", "")
        f.store_combo.addItem("This store", THIS_STORE)
        for group_store in self.group_stores:
            if not group_store.here:
                f.store_combo.addItem(f"{group_store.code} {group_store.name}", group_store.id)
        f.store_combo.setVisible(bool(self.group_stores))

    # -- filtering -------------------------------------------------------------------

    def current_filter(self) -> InventoryFilter:
        f = self.form

        def chosen(combo: object) -> tuple[str, ...]:
            value = combo.currentData()  # type: ignore[attr-defined]
            return (value,) if value else ()

        def price(edit: object, field: str) -> int | None:
            text = edit.text().strip()  # type: ignore[attr-defined]
            return parse_money(text, self.context.profile.currency, field=field).cents if text else None

        return InventoryFilter(
            text=f.search_edit.text(),
            styles=chosen(f.style_combo), metals=chosen(f.metal_combo),
            statuses=chosen(f.status_combo), locations=chosen(f.location_combo),
            min_price_cents=price(f.min_price_edit, "Price from"),
            max_price_cents=price(f.max_price_edit, "Price to"),
            in_stock_only=f.in_stock_check.isChecked(),
            store=f.store_combo.currentData() or "",
        )

    def apply_filter(self) -> None:
        self.keys.timer.stop()
        try:
            flt = self.current_filter()
        except UserFacingError as exc:
            mark_problem(self.form.message_label, str(exc))
            return
        mark_info(self.form.message_label, "")
        self.model.set_filter(flt)
        self._update_count()
        if self.model.rowCount():
            self.form.table.selectionModel().setCurrentIndex(
                self.model.index(0, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)

    def _update_count(self) -> None:
        n = self.model.rowCount()
        self.form.count_label.setText(f"{n:,} item{'s' if n != 1 else ''}")

    def clear_filters(self) -> None:
        f = self.form
        for widget in (f.style_combo, f.metal_combo, f.status_combo, f.location_combo, f.store_combo):
            widget.blockSignals(True)
            widget.setCurrentIndex(0)
            widget.blockSignals(False)
        for edit in (f.search_edit, f.min_price_edit, f.max_price_edit):
            edit.blockSignals(True)
            edit.clear()
            edit.blockSignals(False)
        f.in_stock_check.blockSignals(True)
        f.in_stock_check.setChecked(False)
        f.in_stock_check.blockSignals(False)
        self.apply_filter()
        self.focus_first()

    def show_filtered(self, *, text: str = "", style: str = "", metal: str = "", location: str = "") -> bool:
        """Only the pieces named (a report's drill-through: `gui/reports/drill.py`), every other filter cleared,
        the list with the keyboard. False (nothing changed) when a value is not one of the filters' choices."""
        f = self.form
        chosen = ((f.style_combo, style), (f.metal_combo, metal), (f.status_combo, ""), (f.location_combo, location),
                  (f.store_combo, ""))
        if any(combo.findData(value) < 0 for combo, value in chosen):
            return False
        for combo, value in chosen:
            combo.blockSignals(True)
            combo.setCurrentIndex(combo.findData(value))
            combo.blockSignals(False)
        for edit, typed in ((f.search_edit, text), (f.min_price_edit, ""), (f.max_price_edit, "")):
            edit.blockSignals(True)
            edit.setText(typed)
            edit.blockSignals(False)
        f.in_stock_check.blockSignals(True)
        f.in_stock_check.setChecked(False)
        f.in_stock_check.blockSignals(False)
        self.apply_filter()
        f.table.setFocus()
        return True

    def focus_first(self) -> None:
        self.form.search_edit.setFocus()
        self.form.search_edit.selectAll()

    def _search_entered(self) -> None:
        """Enter in the search box: a scanned code opens its item; else go to the list."""
        code = self.form.search_edit.text().strip()
        store = self.context.store
        row = inventory.lookup(code, reader=store.inventory, actor=self.context.require_actor(),
                               uow=store.uow()) if code else None
        if row is not None:
            self.open_item(row.id)
            return
        self.apply_filter()
        self.form.table.setFocus()

    def _changed(self, what: str) -> None:
        if what in ("items", "stock", "counts"):
            current = self.form.table.currentIndex()
            seq = self.model.seq_at(current.row()) if current.isValid() else None
            self.model.refresh()
            self._update_count()
            row = self.model.row_of_seq(seq, near=current.row()) if seq is not None else None
            if row is not None:
                self.form.table.setCurrentIndex(self.model.index(row, 0))

    # -- actions ---------------------------------------------------------------------

    def selected_ids(self) -> list[str]:
        rows = sorted({index.row() for index in self.form.table.selectionModel().selectedRows()})
        if not rows and self.form.table.currentIndex().isValid():
            rows = [self.form.table.currentIndex().row()]
        return [self.model.data(self.model.index(r, 0), ItemIdRole) for r in rows]

    def selected_row(self) -> ItemRow | None:
        index = self.form.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def open_selected(self) -> None:
        row = self.selected_row()
        if row is not None:
            self.open_item(row.id)

    def open_item(self, item_id: str) -> None:
        from pos_app.gui.inventory.item_dialog import ItemDialog

        self.dialog = ItemDialog(self.context, item_id, self)
        self.dialog.finished.connect(lambda _r: self.form.table.setFocus())
        self.dialog.open()

    def receive(self) -> None:
        from pos_app.gui.inventory.receive_dialog import ReceiveDialog

        self.dialog = ReceiveDialog(self.context, self)
        self.dialog.open()

    def adjust_selected(self) -> None:
        from pos_app.gui.inventory.adjust_dialog import AdjustDialog

        row = self.selected_row()
        if row is None:
            mark_problem(self.form.message_label, "Select the item to adjust first.")
            return
        self.dialog = AdjustDialog(self.context, row, self)
        self.dialog.open()

    def transfer_selected(self) -> None:
        """Send the selected piece to another store of the group: choose the store, then it is in transit."""
        from pos_app.gui.sell.prompts import ChoiceDialog

        row = self.selected_row()
        if row is None:
            mark_problem(self.form.message_label, "Select the piece to send first.")
            return
        others = [(f"{s.code}  {s.name}", s) for s in self.group_stores if not s.here]
        counted = row.tracking != Tracking.UNIQUE.value
        leaves = ("The units sent leave this store's stock now and are in transit until the other store receives "
                  "them." if counted else "It leaves this store's stock now and is in transit until the other store "
                  "receives it.")
        self.dialog = ChoiceDialog(self.context, f"Send {row.sku} to another store",
                                   f"{row.sku} · {row.title}\n{leaves}", others,
                                   lambda to: self._ask_units(row, to) if counted else self._send(row, to),
                                   choose_text="Send  Enter", parent=self)
        # Back to the list, sent or not (a counted item's quantity prompt comes first).
        (self.dialog.rejected if counted else self.dialog.finished).connect(lambda *_: self.form.table.setFocus())
        self.dialog.open()

    def _ask_units(self, row: ItemRow, to: GroupStore) -> None:
        """A counted item: how many units go (this store has `row.on_hand`)."""
        from pos_app.gui.sell.prompts import PromptDialog

        actor = self.context.require_actor()

        def send(value: str, _reason: str, store: Store) -> transfers.Transfer:
            return transfers.transfer_out(row.id, to.id, uow=store.uow(), actor=actor,
                                          quantity=parse_units(value))

        self.dialog = PromptDialog(self.context, f"Send {row.sku} to {to.code}",
                                   f"{row.sku} · {row.title}\n{row.on_hand} on hand at this store. How many go to "
                                   f"{to.code} {to.name}?", value="1", value_label="&Quantity",
                                   accept_with=send, on_done=self._sent, parent=self)
        self.dialog.finished.connect(lambda _result: self.form.table.setFocus())
        self.dialog.open()

    def _sent(self, sent: transfers.Transfer) -> None:
        what = f"{sent.quantity} of {sent.sku} are" if sent.quantity != 1 else f"{sent.sku} is"
        mark_info(self.form.message_label, f"{what} in transit to {sent.store_code} {sent.store_name}.")
        self.context.changed.emit("stock")

    def _send(self, row: ItemRow, to: GroupStore) -> None:
        actor = self.context.require_actor()
        self.context.runner.run(lambda store: transfers.transfer_out(row.id, to.id, uow=store.uow(), actor=actor),
                                on_done=self._sent, on_error=lambda exc: self._transfer_failed(exc), parent=self)

    def receive_transfer_selected(self) -> None:
        """Check in the selected piece, or units of a counted item, which another store of the group sent here."""
        row = self.selected_row()
        if row is None:
            mark_problem(self.form.message_label, "Select the piece that arrived first.")
            return
        actor = self.context.require_actor()
        if row.tracking != Tracking.UNIQUE.value:
            self.context.runner.run(
                lambda store: transfers.stock_by_store(row.id, uow=store.uow(), actor=actor),
                on_done=lambda stock: self._ask_arrived(row, stock),
                on_error=lambda exc: self._transfer_failed(exc), parent=self)
            return
        self.context.runner.run(lambda store: transfers.receive_transfer(row.id, uow=store.uow(), actor=actor),
                                on_done=self._received, on_error=lambda exc: self._transfer_failed(exc), parent=self)

    def _ask_arrived(self, row: ItemRow, stock: list[StoreStock]) -> None:
        """A counted item: how many units arrived (all in transit here, unless the box came short)."""
        from pos_app.gui.sell.prompts import PromptDialog

        waiting = next((s.in_transit for s in stock if s.here), 0)
        if waiting <= 0:
            mark_problem(self.form.message_label, f"No units of {row.sku} are in transit to this store (sync first "
                                                  "if they were just sent).")
            return
        actor = self.context.require_actor()

        def receive(value: str, _reason: str, store: Store) -> transfers.Transfer:
            return transfers.receive_transfer(row.id, uow=store.uow(), actor=actor,
                                              quantity=parse_units(value))

        self.dialog = PromptDialog(self.context, f"Receive {row.sku}",
                                   f"{row.sku} · {row.title}\n{waiting} in transit to this store. How many "
                                   "arrived?", value=str(waiting), value_label="&Quantity", accept_with=receive,
                                   on_done=self._received, parent=self)
        self.dialog.finished.connect(lambda _result: self.form.table.setFocus())
        self.dialog.open()

    def _received(self, got: transfers.Transfer) -> None:
        origin = f" from {got.store_code}" if got.store_code else ""
        what = f"{got.quantity} of {got.sku}" if got.quantity != 1 or got.left_in_transit else got.sku
        left = f"; {got.left_in_transit} still in transit" if got.left_in_transit else ""
        mark_info(self.form.message_label, f"{what}{origin} received: available here{left}.")
        self.context.changed.emit("stock")

    def _transfer_failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserFacingError):
            mark_problem(self.form.message_label, str(exc))
        else:
            show_error(self, exc)

    def print_tags(self) -> None:
        from pos_app.gui.inventory.tag_dialog import TagSheetDialog

        ids = self.selected_ids()
        if not ids:
            mark_problem(self.form.message_label, "Select the items to print tags for first.")
            return
        self.dialog = TagSheetDialog(self.context, ids, self)
        self.dialog.open()

    def import_csv(self, *, skip_invalid: bool = False, path: Path | None = None) -> None:
        """Import a CSV file; if some rows are invalid, offer to import only the valid ones."""
        path = path or dialogs.ask_open_path(self, "Import items", "CSV files (*.csv)")
        if path is None:
            return
        rejects = path.with_name(path.stem + ".rejected.csv")
        actor, files = self.context.require_actor(), self.context.devices.files
        token = CancelToken()
        progress = QProgressDialog(f"Importing {path.name}…", "Cancel", 0, 0, self)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        # A lambda, not the bound method: PySide ties a bound method's connection to its object's life,
        # and the token's last reference may then go on the worker, which disconnects from there and
        # can deadlock against the GUI thread closing this dialog (Qt's connection lock vs the GIL).
        progress.canceled.connect(lambda: token.cancel())
        progress.show()

        def work(store: Store) -> item_files.ImportReport:
            return item_files.import_items(path, uow=store.uow(), files=files, actor=actor,
                                           skip_invalid=skip_invalid, rejects_path=rejects, cancelled=token.cancelled)

        def done(report: item_files.ImportReport) -> None:
            progress.close()
            text = (f"Imported {path.name}: {report.created} new, {report.updated} updated, "
                    f"{report.unchanged} unchanged.")
            if report.rejects_file:
                text += f" {report.rejected} rejected row(s), with their problems, are in {report.rejects_file}."
            mark_info(self.form.message_label, text)
            self.context.changed.emit("items")

        def failed(exc: BaseException) -> None:
            progress.close()
            if isinstance(exc, item_files.ImportRejected):
                mark_problem(self.form.message_label, str(exc))
                valid = exc.report.rows - exc.report.rejected
                if valid and dialogs.ask_yes_no(
                        self, "Import the valid rows?",
                        f"{exc.report.rejected} of {exc.report.rows} rows have a problem (listed on the screen). "
                        f"Import the other {valid} now, and write the rejected rows to {rejects.name}?"):
                    self.import_csv(skip_invalid=True, path=path)
            elif isinstance(exc, UserFacingError):
                mark_problem(self.form.message_label, str(exc))
            else:
                show_error(self, exc)

        self.context.runner.run(work, on_done=done, on_error=failed, parent=self)

    def export_csv(self) -> None:
        path = dialogs.ask_save_path(self, "Export items", "items.csv", "CSV files (*.csv)")
        if path is None:
            return
        actor, files = self.context.require_actor(), self.context.devices.files

        def work(store: Store) -> tuple[Path, int]:
            return path, item_files.export_items(path, reader=store.inventory, actor=actor, uow=store.uow(),
                                                 files=files)

        self.context.runner.run(
            work, parent=self,
            on_done=lambda result: mark_info(self.form.message_label, f"Exported {result[1]:,} items to {result[0]}."),
            on_error=lambda exc: mark_problem(self.form.message_label, str(exc))
            if isinstance(exc, UserFacingError) else show_error(self, exc),
        )
