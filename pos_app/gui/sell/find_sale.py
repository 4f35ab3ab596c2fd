"""Find a past sale by its receipt: return pieces, void it, reprint or save its receipt.

Keyboard: scan the receipt's barcode (or type its number) and Enter; the
first line's "Return" quantity has the keyboard: a number key (or Up/Down)
sets how many of that line come back, and Tab or Enter goes to the next
line's quantity (Shift+Tab back), so every line is reached without a mouse;
Ctrl+Enter puts the chosen pieces in the cart, Alt+A all of them; Ctrl+P reprints, Ctrl+G
prints a gift receipt, Ctrl+S saves a PDF; Ctrl+I makes the appraisals of
its necklaces (an appraiser signs); Ctrl+Del voids (a manager's).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QSpinBox, QTableWidgetItem, QWidget

from pos_app.domain.cart import Cart
from pos_app.domain.errors import UserFacingError
from pos_app.domain.permissions import Actor
from pos_app.gui import dialogs
from pos_app.gui.approval import with_approval
from pos_app.gui.base import FacetDialog, mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.gui.ops import show_error
from pos_app.services import checkout, paperwork, returns
from pos_app.services.ports.sales import SaleDetail
from pos_app.services.ports.store import Store


class FindSaleDialog(FacetDialog):
    cart_changed = Signal(object)
    """Returned pieces were added: the new Cart."""
    reprint = Signal(str, bool)
    """Print this sale's receipt again (sale id, gift receipt?)."""
    appraise = Signal(str)
    """Make (or show) the appraisals of this sale (sale id)."""

    def __init__(self, context: AppContext, cart: Cart, settings: checkout.CounterSettings,
                 parent: QWidget | None = None) -> None:
        super().__init__(context, "find_sale_dialog.ui", "Find a sale", parent)
        self.cart = cart
        self.settings = settings
        self.actor = context.require_actor()
        self.sale: SaleDetail | None = None
        self._spins: list[tuple[str, QSpinBox]] = []
        f = self.form
        f.lines_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        f.lines_table.verticalHeader().setVisible(False)
        f.number_edit.returnPressed.connect(self.look_up)
        for button, keys, slot in (
            (f.return_button, "Ctrl+Return", self.return_selected),
            (f.return_all_button, "Alt+A", self.return_all),
            (f.void_button, "Ctrl+Del", self.void),
            (f.reprint_button, "Ctrl+P", lambda: self._reprint(False)),
            (f.gift_button, "Ctrl+G", lambda: self._reprint(True)),
            (f.pdf_button, "Ctrl+S", self.save_pdf),
            (f.appraise_button, "Ctrl+I", self._appraise),
        ):
            button.clicked.connect(slot)
            self.shortcut(keys, slot)
        self.shortcut("Ctrl+Enter", self.return_selected)
        f.close_button.clicked.connect(self.reject)
        self._enable(False)
        self.resize(820, 460)
        self.initial_focus = f.number_edit

    def _enable(self, found: bool) -> None:
        f = self.form
        open_sale = found and self.sale is not None and self.sale.status == "completed"
        for button in (f.return_button, f.return_all_button, f.void_button):
            button.setEnabled(open_sale)
        for button in (f.reprint_button, f.gift_button, f.pdf_button):
            button.setEnabled(found)
        f.appraise_button.setEnabled(open_sale and self.sale is not None and self.sale.kind == "sale")

    def show_problem(self, exc: UserFacingError) -> None:
        mark_problem(self.form.message_label, str(exc))

    def look_up(self) -> None:
        """Look the sale up on the worker (a refusal goes on the audit trail: no write on the GUI thread)."""
        number, actor = self.form.number_edit.text(), self.actor

        def work(store: Store) -> SaleDetail:
            return returns.find_sale(number, sales=store.sales, actor=actor, uow=store.uow())

        def not_found(exc: BaseException) -> None:
            if not isinstance(exc, UserFacingError):
                show_error(self, exc)
                return
            self.sale = None
            self._enable(False)
            self.show_problem(exc)
            self.form.number_edit.selectAll()

        self.context.runner.run(work, on_done=self.show_sale, on_error=not_found, parent=self)

    def show_sale(self, sale: SaleDetail) -> None:
        self.sale = sale
        f, m = self.form, self.context.money
        status = " — VOIDED" if sale.status == "voided" else ""
        who = f", customer {sale.customer}" if sale.customer else ""
        from zoneinfo import ZoneInfo

        local = sale.completed_at.astimezone(ZoneInfo(self.settings.timezone))
        f.sale_label.setText(f"{sale.kind.capitalize()} {sale.number}{status}: {local:%Y-%m-%d %H:%M}, "
                             f"{sale.clerk}{who}, total {m(sale.total_cents)}")
        left = returns.returnable(sale, self.cart)
        table = f.lines_table
        table.clear()
        headers = ["SKU", "Description", "Sold", "Returned", "Amount paid", "Return"]
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        sold = [line for line in sale.lines if line.quantity > 0]
        table.setRowCount(len(sold))
        self._spins = []
        for row, line in enumerate(sold):
            for column, text in enumerate((line.sku, line.description, str(line.quantity), str(line.returned),
                                           m(line.total_cents))):
                table.setItem(row, column, QTableWidgetItem(text))
            spin = QSpinBox(table)
            spin.setRange(0, max(0, left.get(line.id, 0)))
            spin.setEnabled(left.get(line.id, 0) > 0)
            spin.setAccessibleName(f"Return quantity of {line.sku}")
            spin.installEventFilter(self)
            table.setCellWidget(row, 5, spin)
            self._spins.append((line.id, spin))
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self._enable(True)
        several = sum(spin.isEnabled() for _, spin in self._spins) > 1
        mark_info(f.message_label, "Type how many of each line come back"
                  + (" (Tab or Enter to the next line, Shift+Tab back)" if several else "")
                  + ", then Ctrl+Enter; Alt+A returns everything.")
        first = next((spin for _, spin in self._spins if spin.isEnabled()), None)
        if first is not None:
            first.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """In a line's return quantity: Tab/Enter to the next line's, Shift+Tab to the previous one's; the
        line whose quantity has the keyboard is the one selected (so the clerk sees which piece it is)."""
        spins = [spin for _, spin in self._spins]
        if isinstance(watched, QSpinBox) and watched in spins:
            if event.type() == QEvent.Type.FocusIn:
                row = spins.index(watched)
                self.form.lines_table.selectRow(row)
                self.form.lines_table.scrollTo(self.form.lines_table.model().index(row, 5))
                QTimer.singleShot(0, watched.selectAll)  # a typed number replaces the 0
            elif event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and not (
                    event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier & ~Qt.KeyboardModifier.KeypadModifier):
                key = event.key()
                if key in (Qt.Key.Key_Tab, Qt.Key.Key_Return, Qt.Key.Key_Enter):
                    return self._step(spins, watched, +1)
                if key == Qt.Key.Key_Backtab:
                    return self._step(spins, watched, -1)
        return super().eventFilter(watched, event)

    @staticmethod
    def _step(spins: list[QSpinBox], current: QSpinBox, direction: int) -> bool:
        """Focus the next (or previous) line that can still come back; False (the key goes on) when none."""
        index = spins.index(current) + direction
        while 0 <= index < len(spins):
            if spins[index].isEnabled():
                current.interpretText()
                spins[index].setFocus(Qt.FocusReason.TabFocusReason)
                return True
            index += direction
        return False

    def return_selected(self) -> None:
        if self.sale is None:
            return
        cart = self.cart
        try:
            for line_id, spin in self._spins:
                if spin.value():
                    cart = returns.add_return(cart, self.sale, line_id, spin.value(), actor=self.actor)
        except UserFacingError as problem:
            self.show_problem(problem)
            return
        if cart is self.cart:
            self.show_problem(UserFacingError("Set how many pieces come back first."))
            return
        self.accept()
        self.cart_changed.emit(cart)

    def return_all(self) -> None:
        if self.sale is None:
            return
        try:
            cart = returns.return_whole_sale(self.cart, self.sale, actor=self.actor)
        except UserFacingError as problem:
            self.show_problem(problem)
            return
        self.accept()
        self.cart_changed.emit(cart)

    def _reprint(self, gift: bool) -> None:
        if self.sale is not None:
            self.reprint.emit(self.sale.id, gift)
            mark_info(self.form.message_label, "Sent to the receipt printer.")

    def _appraise(self) -> None:
        if self.sale is None or not self.form.appraise_button.isEnabled():
            return
        sale_id = self.sale.id
        self.accept()
        self.appraise.emit(sale_id)

    def save_pdf(self) -> None:
        if self.sale is None:
            return
        path = dialogs.ask_save_path(self, "Save the receipt", f"receipt-{self.sale.number}.pdf", "PDF (*.pdf)")
        if path is None:
            return
        sale_id, actor, files = self.sale.id, self.actor, self.context.devices.files

        def work(store: Store) -> str:
            return str(paperwork.write_receipt(sale_id, path, sales=store.sales, directory=store.directory,
                                               uow=store.uow(), files=files, actor=actor, reprint=True))

        self.run(work, lambda saved: mark_info(self.form.message_label, f"Saved {saved}."),
                 lane="io")

    def void(self) -> None:
        sale = self.sale
        if sale is None or sale.status != "completed":
            return
        from pos_app.gui.sell.prompts import PromptDialog

        def check(reason: str, _unused: str) -> str:
            if not reason.strip():
                from pos_app.domain.errors import ValidationError

                raise ValidationError("reason", "say why the sale is voided")
            return reason

        dialog = PromptDialog(self.context, f"Void sale {sale.number}",
                              "Card payments are refunded in full and the pieces go back into stock. Why?",
                              value_label="&Reason", accept_with=check, on_done=lambda reason: self._void(sale, reason),
                              parent=self, on_gui_thread=True)
        dialog.open()

    def _void(self, sale: SaleDetail, reason: str) -> None:
        context, actor, settings = self.context, self.actor, self.settings

        def work(store: Store, approver: Actor | None) -> None:
            returns.void_sale(sale.id, reason, uow=store.uow(), actor=actor, sales=store.sales,
                              timezone=settings.timezone, terminal=context.card_terminal(), approver=approver)

        def done(_r: object) -> None:
            context.changed.emit("sales")
            context.changed.emit("stock")
            refreshed = context.sales.sale(sale.id)
            if refreshed is not None:
                self.show_sale(refreshed)
            mark_info(self.form.message_label, f"Sale {sale.number} was voided.")

        with_approval(self, context, work, done, lane="io")
