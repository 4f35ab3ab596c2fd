"""The sell screen: scan, build the cart, pay, print.

Keyboard (every sale works without a mouse):
- A barcode scanner types the code and Enter. Whatever has the focus on this
  screen, typed characters go to the scan field, so a scan always lands.
- Enter in the scan field adds the piece whose barcode, SKU or certificate
  number it is; other text searches titles: Down and Enter pick from the list.
- Up/Down in the cart select a line; Del removes it; F4 quantity, F5 line
  discount, Shift+F5 order discount, F6 price change, F7 tax exemption.
- F2 customer, Shift+F2 salespeople who shared the sale (`sell/salespeople.py`),
  F3 find a sale (return, void, reprint), F8 park, Shift+F8 recall, F9 pay,
  F10 drawer, F11 receipts waiting to print, Ctrl+Del clear.
- After a cash sale with change, CHANGE DUE and the amount stay in large type
  across the screen until the next scan or the next sale step (F2-F9, Del).

Business rules live in `services/checkout/`; this screen holds the cart
value and shows it; the line and cart edits (F4-F7, Del, Ctrl+Del) and their
prompts are in `gui/sell/cart_edits.py`. Once payment starts, the payment dialog holds the
checkout's id (`gui/sell/payment.py`). Every write, and every read that is
more than the scanner's one lookup, runs on the op runner with the job's own
store handle (`runner.run(lambda store: ...)`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QHeaderView, QListView, QMenu, QWidget

from pos_app.domain.cart import Cart, price
from pos_app.domain.errors import NotFound, UserFacingError
from pos_app.domain.store import store_time, store_today
from pos_app.gui.base import mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.sell.cart_edits import CartEdits
from pos_app.gui.sell.cart_model import CartModel
from pos_app.gui.sell.prompts import ChoiceDialog
from pos_app.gui.sell.salespeople import SalespeopleDialog, sold_by_text
from pos_app.services import checkout, inventory, receipts
from pos_app.services.ports.inventory import ItemRow
from pos_app.services.ports.store import Store

SEARCH_LIMIT = 30
REFUND_CHECK_MS = 5 * 60_000  # how often the counter asks Stripe about a card refund still pending


def parked_when(moment: dt.datetime, timezone: str, now: dt.datetime | None = None) -> str:
    """When a cart was parked, on the store's clock: the time alone today, the day too before today."""
    local = store_time(moment, timezone)
    return f"{local:%H:%M}" if local.date() == store_today(timezone, now) else f"{local:%Y-%m-%d %H:%M}"


class SellView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.form = Form("sell_view.ui", self)
        f = self.form
        self.actor = context.require_actor()
        self.settings = checkout.counter_settings(context.directory, self.actor.terminal)
        self.cart = Cart(currency=self.settings.currency)
        self.model = CartModel(lambda cents: context.money(cents), self)
        table = f.cart_table
        table.setModel(self.model)
        # A long title loses its middle, not its end: "…Tennis Necklace, 14.8 ct" keeps the carat weight.
        table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(28)
        f.total_value.setObjectName("total_value")
        f.pay_button.setProperty("primary", True)
        f.test_mode_label.setObjectName("warning_banner")
        f.test_mode_label.hide()
        self.search_model = QStringListModel(self)
        self._search_rows: list[ItemRow] = []
        f.search_list.setModel(self.search_model)
        f.search_list.hide()
        f.search_list.activated.connect(lambda index: self._pick_search(index.row()))
        f.change_due_label.hide()

        f.scan_edit.returnPressed.connect(self.scan_entered)
        f.scan_edit.installEventFilter(self)
        f.search_list.installEventFilter(self)
        # A keyboard-wedge scanner types wherever the focus is: catch it on every child.
        for child in self.findChildren(QWidget):
            if child is not f.scan_edit:
                child.installEventFilter(self)

        # The line and cart edits (F4-F7, Del, Ctrl+Del) and their prompts live in `sell/cart_edits.py`.
        self.edits = CartEdits(self, self)
        actions: list[tuple[Any, str, Callable[[], None]]] = [
            (f.customer_button, "F2", self.choose_customer),
            (f.salespeople_button, "Shift+F2", self.choose_salespeople),
            (f.return_button, "F3", self.find_sale),
            (f.qty_button, "F4", self.edits.change_quantity),
            (f.discount_button, "F5", self.edits.line_discount),
            (f.order_discount_button, "Shift+F5", self.edits.order_discount),
            (f.price_button, "F6", self.edits.change_price),
            (f.exempt_button, "F7", self.edits.tax_exempt),
            (f.park_button, "F8", self.park),
            (f.recall_button, "Shift+F8", self.recall),
            (f.pay_button, "F9", self.pay),
            (f.drawer_button, "F10", self.drawer_menu),
            (f.queue_button, "F11", self.print_queue),
            (f.appraise_button, "F12", self.appraise_last_sale),
            (f.remove_button, "Del", self.edits.remove_line),
            (f.clear_button, "Ctrl+Del", self.edits.clear_cart),
        ]
        # The next sale's first step takes the last sale's CHANGE DUE off the screen; the drawer (F10),
        # the print queue (F11) and the last sale's appraisals (F12) leave it up.
        keeps_change_due = {"F10", "F11", "F12"}
        for button, keys, slot in actions:
            if keys not in keeps_change_due:
                slot = self._next_sale_step(slot)
            button.clicked.connect(slot)
            QShortcut(QKeySequence(keys), self, slot)
        QShortcut(QKeySequence("Ctrl+F"), self, self.focus_first)
        context.changed.connect(self._changed)
        self.dialog: QWidget | None = None
        self.last_sale_id: str | None = None
        self.refresh()
        self._refresh_queue()
        self._check_terminal()
        self.recover()
        # Card refunds Stripe has not settled: asked about at start, then every few minutes while one waits.
        self._refund_timer = QTimer(self)
        self._refund_timer.setInterval(REFUND_CHECK_MS)
        self._refund_timer.timeout.connect(self.check_card_refunds)
        self.check_card_refunds()

    # -- the basics ---------------------------------------------------------------------

    def focus_first(self) -> None:
        # A dialog that closed may already be deleted by the time this runs (its `finished` queues this call).
        if self._dialog_open():
            return
        self.window().activateWindow()
        self.form.scan_edit.setFocus()
        self.form.scan_edit.selectAll()

    def _dialog_open(self) -> bool:
        """A dialog of this screen is open (a payment keeps the cart it started with until it closes)."""
        return self.dialog is not None and shiboken6.isValid(self.dialog) and self.dialog.isVisible()

    def open_dialog(self, dialog: QWidget) -> None:
        """Open a dialog without blocking; when it closes, the keyboard is back in the scan field."""
        self.dialog = dialog
        # With `self` as context: not called once the screen is gone (its window closed right after the dialog).
        dialog.finished.connect(lambda _result: QTimer.singleShot(0, self, self.focus_first))  # type: ignore[attr-defined]
        dialog.open()  # type: ignore[attr-defined]

    def _next_sale_step(self, slot: Callable[[], None]) -> Callable[[], None]:
        def step() -> None:
            self.clear_change_due()
            slot()

        return step

    def show_change_due(self, cents: int) -> None:
        """The change to hand back, in large type across the screen, until the next scan or sale step."""
        label = self.form.change_due_label
        label.setText(f"CHANGE DUE  {self.context.money(cents)}")
        label.setVisible(cents > 0)

    def clear_change_due(self) -> None:
        self.form.change_due_label.hide()

    def say(self, text: str) -> None:
        mark_info(self.form.message_label, text)
        self._fit_message()

    def show_problem(self, exc: UserFacingError) -> None:
        mark_problem(self.form.message_label, str(exc))
        self._fit_message()

    def _fit_message(self) -> None:
        """Give a wrapped message all its lines (the cart table would otherwise take the room)."""
        label = self.form.message_label
        label.setMinimumHeight(label.heightForWidth(max(label.width(), 600)) if label.text() else 0)

    def _changed(self, what: str) -> None:
        if what in ("print_queue", "sales"):
            self._refresh_queue()
        if what == "settings":
            self.context.forget_devices()
            # A new tax rate or discount limit applies to the cart on screen at once (a payment already
            # started keeps the rate it started with: the checkout journal holds it).
            self.settings = checkout.counter_settings(self.context.directory, self.actor.terminal)
            self.refresh()
            self._check_terminal()
        if what == "customers" and self.cart.customer_id is not None and not self._dialog_open():
            # Corrected or erased elsewhere (a sync pull, the privacy desk): the cart shows them as they are now.
            cart, news = checkout.refresh_customer(self.cart, sales=self.context.sales, actor=self.actor)
            if news:
                self.set_cart(cart, news, select=self.selected_line())

    def refresh(self, select: int | None = None) -> None:
        f = self.form
        priced = price(self.cart, self.settings.tax_rate)
        self.priced = priced
        self.model.show(priced)
        m = self.context.money
        f.subtotal_value.setText(m(priced.subtotal.cents))
        f.discount_value.setText("−" + m(priced.discount.cents) if priced.discount.cents > 0 else m(0))
        f.tax_value.setText(m(priced.tax.cents))
        f.total_value.setText(m(priced.total.cents))
        f.exempt_label.setText(f"Tax exempt: {self.cart.tax_exempt_reason}, #{self.cart.tax_exempt_number}"
                               if self.cart.tax_exempt else "")
        f.customer_label.setText(self.cart.customer_name or "No customer")
        f.salespeople_label.setText(sold_by_text(self.cart, self.actor.name))
        f.pay_button.setEnabled(not self.cart.is_empty)
        if select is not None and self.model.rowCount():
            row = max(0, min(select, self.model.rowCount() - 1))
            f.cart_table.selectRow(row)

    def selected_line(self) -> int | None:
        rows = self.form.cart_table.selectionModel().selectedRows()
        if rows:
            return int(rows[0].row())
        return len(self.cart.lines) - 1 if self.cart.lines else None

    def set_cart(self, cart: Cart, message: str = "", select: int | None = None) -> None:
        self.cart = cart
        self.refresh(select if select is not None else len(cart.lines) - 1)
        if message:
            self.say(message)

    def _dismissed(self) -> None:
        self._refresh_queue()
        self.say("Taken off the queue.")

    def _refresh_queue(self) -> None:
        waiting = self.context.sales.print_queue(self.actor.terminal)
        self.form.queue_button.setText(f"Reprint queue ({len(waiting)})  F11" if waiting else "Reprint queue  F11")
        self.form.queue_button.setProperty("problem", bool(waiting))
        self.form.queue_button.style().unpolish(self.form.queue_button)
        self.form.queue_button.style().polish(self.form.queue_button)

    def _check_terminal(self) -> None:
        """Show the TEST MODE banner while a Stripe test key is in use (made off the GUI thread)."""

        def done(terminal: Any) -> None:
            self.form.test_mode_label.setVisible(bool(terminal is not None and terminal.test_mode))

        self.context.runner.run(self.context.card_terminal, on_done=done, on_error=lambda exc: None,
                                parent=self, lane="io")

    # -- scanning and searching ---------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            f = self.form
            if watched is f.scan_edit and event.key() == Qt.Key.Key_Down and f.search_list.isVisible():
                f.search_list.setFocus()
                f.search_list.setCurrentIndex(self.search_model.index(0))
                return True
            if watched is f.scan_edit and event.key() == Qt.Key.Key_Escape and f.search_list.isVisible():
                f.search_list.hide()
                return True
            if watched is f.search_list and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._pick_search(self.search_index())
                return True
            if watched is not f.scan_edit and self._is_typing(event) and isinstance(watched, QWidget) \
                    and self.isAncestorOf(watched) and watched.window() is self.window():
                f.scan_edit.setFocus()
                f.scan_edit.insert(event.text())
                return True
        return super().eventFilter(watched, event)

    @staticmethod
    def _is_typing(event: QKeyEvent) -> bool:
        mods = event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier & ~Qt.KeyboardModifier.KeypadModifier
        text = event.text()
        return mods == Qt.KeyboardModifier.NoModifier and len(text) == 1 and text.isprintable() and text != " "

    def scan_entered(self) -> None:
        code = self.form.scan_edit.text().strip()
        if not code:
            return
        self.clear_change_due()
        reader = self.context.reader
        try:
            # The scanner's path runs here on the GUI thread: one indexed lookup, ~1 ms.
            row = checkout.find_item(code, reader=reader)
        except NotFound as missing:
            self._search(code, missing)
            return
        except UserFacingError as problem:
            self.show_problem(problem)
            return
        self._add(row)

    def _add(self, row: ItemRow) -> None:
        try:
            cart = checkout.add_item(self.cart, row, actor=self.actor)
        except UserFacingError as problem:
            self.show_problem(problem)
            self.form.scan_edit.selectAll()
            return
        self.form.scan_edit.clear()
        self.form.search_list.hide()
        index = next((i for i, line in enumerate(cart.lines) if line.item_id == row.id and not line.is_return),
                     len(cart.lines) - 1)
        self.set_cart(cart, f"Added {row.sku} · {row.title} · {self.context.money(row.price_cents)}", select=index)
        self.form.scan_edit.setFocus()

    def _search(self, text: str, missing: NotFound) -> None:
        """Titles matching what was typed, looked up on the worker (a refused search goes on the audit trail)."""
        actor = self.actor

        def work(store: Store) -> list[ItemRow]:
            return inventory.search(text, reader=store.inventory, actor=actor, limit=SEARCH_LIMIT, uow=store.uow())

        def found(rows: list[ItemRow]) -> None:
            rows = [r for r in rows if r.status == "available" and r.on_hand > 0]
            if not rows:
                self.show_problem(missing)
                self.form.scan_edit.selectAll()
                return
            self._search_rows = rows
            self.search_model.setStringList([
                f"{r.sku}   {r.title}   {self.context.money(r.price_cents)}   ({r.location})" for r in rows])
            self.form.search_list.show()
            self.say(f"{len(rows)} available piece(s) match {text!r}: Down to choose, Enter to add, Esc to close.")

        self.context.runner.run(work, on_done=found, parent=self)

    def search_index(self) -> int:
        """The row chosen in the title search's list (-1 when none)."""
        view = self.form.search_list
        assert isinstance(view, QListView)
        return int(view.currentIndex().row())

    def _pick_search(self, row: int) -> None:
        if 0 <= row < len(self._search_rows):
            self._add(self._search_rows[row])

    # -- customer, park, recall -------------------------------------------------------------

    def choose_customer(self) -> None:
        from pos_app.gui.counter.customer_dialog import CustomerPickerDialog

        if self.context.sync is not None:
            # Another counter may have just corrected, restricted or erased someone: a pull while the clerk types.
            self.context.sync.sync_now()
        dialog = CustomerPickerDialog(self.context, self)

        def chosen() -> None:
            hit = dialog.chosen
            if hit is not None:
                cart = checkout.attach_customer(self.cart, hit.id, sales=self.context.sales, actor=self.actor)
                note = " (restricted: attached to the sale, not editable)" if hit.restricted else ""
                self.set_cart(cart, f"Customer: {hit.name}{note}", select=self.selected_line())

        dialog.accepted.connect(chosen)
        self.open_dialog(dialog)

    def choose_salespeople(self) -> None:
        """Shift+F2: who shared the sale (up to four, with their shares)."""
        if self._dialog_open():
            return

        def chosen(cart: Cart) -> None:
            self.set_cart(cart, sold_by_text(cart, self.actor.name) + ".", select=self.selected_line())

        self.open_dialog(SalespeopleDialog(self.context, self.cart, chosen, self))

    def park(self) -> None:
        if self.cart.is_empty:
            self.say("The cart is empty: there is nothing to park.")
            return
        cart, actor = self.cart, self.actor

        def accept(label: str, _reason: str, store: Store) -> str:
            return checkout.park_cart(cart, label, uow=store.uow(), actor=actor)

        def parked(_park_id: Any) -> None:
            self.set_cart(Cart(currency=self.settings.currency), "Cart parked: Shift+F8 recalls it.")
            self.focus_first()

        self.edits.prompt("Park the cart", "A name to find it by (the customer, a note):", accept,
                          value=cart.customer_name, value_label="&Name", done=parked)

    def recall(self) -> None:
        parked = self.context.sales.parked_carts(self.actor.terminal)
        if not parked:
            self.say("No cart is parked on this counter.")
            return
        if not self.cart.is_empty:
            self.say("Park or finish the cart first: recalling replaces it.")
            return
        choices = [(f"{p.label} — {p.lines} line(s), {p.staff}, {parked_when(p.parked_at, self.settings.timezone)}",
                    p.id) for p in parked]

        actor = self.actor

        def chosen(park_id: str) -> None:
            self.context.runner.run(lambda store: checkout.recall_cart(park_id, uow=store.uow(), actor=actor),
                                    on_done=lambda cart: self.set_cart(cart, "Cart recalled."), parent=self)

        dialog = ChoiceDialog(self.context, "Recall a parked cart", "Parked on this counter:", choices, chosen,
                              parent=self)
        lines = dialog.form.choices_list
        lines.setMinimumWidth(min(760, lines.sizeHintForColumn(0) + 2 * lines.frameWidth() + 8))  # whole lines
        self.open_dialog(dialog)

    # -- paying ---------------------------------------------------------------------------------

    def pay(self) -> None:
        if self.context.sales.open_checkout_ids(self.actor.terminal):
            # A payment left open (the screen locked, the payment window closed): settle it first,
            # never start a second one for the same cart.
            self.say("A payment was left open on this counter: finishing it first.")
            self.recover()
            return
        if self.cart.is_empty:
            self.say("The cart is empty: scan a necklace first.")
            return
        cart, settings, actor = self.cart, self.settings, self.actor

        def work(store: Store) -> checkout.Checkout:
            return checkout.start_checkout(cart, settings=settings, uow=store.uow(), actor=actor)

        def opened(co: checkout.Checkout) -> None:
            # The journal opened without the customer: erased since they were attached, by a window this
            # screen never hears from. The sale goes on without them, and the clerk is told here and there.
            if cart.customer_id is not None and co.cart.customer_id is None:
                self.set_cart(co.cart, checkout.CUSTOMER_ERASED_MEANWHILE)
                self.open_payment(co, note=checkout.CUSTOMER_ERASED_MEANWHILE)
            else:
                self.open_payment(co)

        self.context.runner.run(work, on_done=opened, parent=self)

    def open_payment(self, co: checkout.Checkout, *, note: str = "") -> None:
        """The payment dialog for the journal just started or found open (it keeps the journal's id); `note`
        is said on it as it opens."""
        from pos_app.gui.sell.payment import PaymentDialog

        dialog = PaymentDialog(self.context, co, self.settings, parent=self)
        if note:
            dialog.say(note)
        dialog.completed.connect(self.sale_completed)
        dialog.back_to_cart.connect(lambda cart: self.set_cart(cart, "Back to the cart."))
        def voided() -> None:
            self.set_cart(Cart(currency=self.settings.currency), "The cart was voided.")
            self.focus_first()

        def given_back(message: str) -> None:
            self.set_cart(Cart(currency=self.settings.currency), message)
            self.context.changed.emit("sales")
            self.focus_first()

        dialog.voided.connect(voided)
        dialog.given_back.connect(given_back)
        self.open_dialog(dialog)

    def sale_completed(self, done: checkout.CompletedSale) -> None:
        self.last_sale_id = done.sale_id
        self.form.appraise_button.setEnabled(True)
        self.set_cart(Cart(currency=self.settings.currency))
        self.show_change_due(done.change.cents)
        change = f" Change: {self.context.money(done.change.cents)}." if done.change.cents else ""
        note = f" {done.note}" if done.note else ""  # such as: completed without a customer erased meanwhile
        self.say(f"Sale {done.number} complete, {self.context.money(done.total.cents)}.{change}{note} "
                 "Printing the receipt…")
        self.context.changed.emit("sales")
        self.context.changed.emit("stock")
        self.print_receipt(done.sale_id, open_drawer=done.change.cents > 0 or self._had_cash(done),
                           job_id=done.receipt_job_id, note=done.note)
        self.focus_first()

    def _had_cash(self, done: checkout.CompletedSale) -> bool:
        sale = self.context.sales.sale(done.sale_id)
        return sale is not None and any(p.tender == "cash" for p in sale.payments)

    def print_receipt(self, sale_id: str, *, gift: bool = False, reprint: bool = False,
                      open_drawer: bool = False, job_id: str | None = None, note: str = "") -> None:
        """Print on the io lane; `job_id` is the receipt's queue entry made with the sale (it leaves the
        queue once printed). The clerk is told the outcome and the queue button counts what waits; a
        receipt that did not print keeps the sale's `note` in front of them."""
        context, actor = self.context, self.actor

        def work(store: Store) -> receipts.PrintOutcome:
            # The job's own store handle: this runs beside the database worker, on the printer lane.
            return receipts.print_receipt(sale_id, printer=context.printer(), sales=store.sales,
                                          directory=store.directory, uow=store.uow(), actor=actor, gift=gift,
                                          reprint=reprint, open_drawer=open_drawer, job_id=job_id)

        def done(outcome: receipts.PrintOutcome) -> None:
            if outcome.printed:
                self.say(self.form.message_label.text().replace("Printing the receipt…", "") + " " + outcome.message)
            else:
                self.show_problem(UserFacingError(f"{note} {outcome.message}".strip()))
            self._refresh_queue()

        context.runner.run(work, on_done=done, parent=self, lane="io")

    def check_card_refunds(self) -> None:
        """Ask Stripe about card refunds still pending; put a failed one in front of the clerk (and the
        manager who signs in here) with what to do. Nothing is asked of Stripe when nothing waits."""
        from pos_app.services import card_refunds

        context, actor = self.context, self.actor

        def work(store: Store) -> card_refunds.RefundsChecked | None:
            if not card_refunds.refunds_needing_attention(uow=store.uow(), actor=actor):
                return None
            return card_refunds.check_refunds(uow=store.uow(), actor=actor, terminal=context.card_terminal())

        def done(found: card_refunds.RefundsChecked | None) -> None:
            waiting = found is not None and any(r.status not in ("failed", "canceled") for r in found.attention)
            if waiting or (found is not None and found.unreachable):
                self._refund_timer.start()
            else:
                self._refund_timer.stop()
            if found is None or not found.messages:
                return
            if any(r.status in ("failed", "canceled") for r in found.attention) or found.unreachable:
                self.show_problem(UserFacingError(" ".join(found.messages)))
            else:
                self.say(" ".join(found.messages))

        def failed(exc: BaseException) -> None:
            self._refund_timer.start()  # try again later; say so rather than stay silent
            self.show_problem(exc if isinstance(exc, UserFacingError) else UserFacingError(
                "Facet could not check the card refunds waiting at Stripe; it tries again in a few minutes."))

        context.runner.run(work, on_done=done, on_error=failed, parent=self, lane="io")

    def recover(self) -> None:
        """At start: settle checkouts a crash or power cut left open (asking Stripe about cards)."""
        if not self.context.sales.open_checkout_ids(self.actor.terminal):
            return
        context, actor = self.context, self.actor

        def work(store: Store) -> list[checkout.Recovered]:
            # Each journal is settled at the rate it kept, whatever the store's rate is now.
            return checkout.recover_checkouts(uow=store.uow(), actor=actor, sales=store.sales,
                                              terminal=context.card_terminal())

        def done(found: list[checkout.Recovered]) -> None:
            for item in found:
                if item.completed is not None:
                    self.say(item.message)
                    self.print_receipt(item.completed.sale_id, reprint=False,
                                       job_id=item.completed.receipt_job_id)
                elif not item.checkout.tenders and item.checkout.pending is None:
                    self.set_cart(item.checkout.cart, item.message)
                else:
                    self.show_problem(UserFacingError(item.message))
                    self.set_cart(Cart(currency=self.settings.currency))  # the payment holds the cart now
                    self.open_payment(item.checkout)
                    break
            self.context.changed.emit("sales")

        context.runner.run(work, on_done=done, parent=self, lane="io")

    # -- sales, drawer, print queue ---------------------------------------------------------------

    def find_sale(self) -> None:
        from pos_app.gui.sell.find_sale import FindSaleDialog

        dialog = FindSaleDialog(self.context, self.cart, self.settings, parent=self)
        dialog.cart_changed.connect(lambda cart: self.set_cart(cart, "Returned pieces are in the cart: F9 to refund."))
        dialog.reprint.connect(lambda sale_id, gift: self.print_receipt(sale_id, gift=gift, reprint=True))
        dialog.appraise.connect(self.appraise_sale)
        self.open_dialog(dialog)

    def appraise_last_sale(self) -> None:
        if self.last_sale_id is None:
            self.say("No sale yet at this counter: F3 finds an earlier one, then Ctrl+I appraises it.")
            return
        self.appraise_sale(self.last_sale_id)

    def appraise_sale(self, sale_id: str) -> None:
        """The insurance appraisal of each necklace of the sale, signed by an appraiser, ready to print."""
        from pos_app.gui.sell.appraise import appraise_sale

        self.say("Making the appraisals…")
        appraise_sale(self, self.context, sale_id, self.show_problem, self.open_dialog)

    def print_queue(self) -> None:
        waiting = self.context.sales.print_queue(self.actor.terminal)
        if not waiting:
            self.say("No receipt is waiting to print.")
            return
        choices = [(f"{job.document.replace('_', ' ')} {job.sale_number or ''} — {job.error}", job.id)
                   for job in waiting]
        context, actor = self.context, self.actor

        def retry(job_id: str) -> None:
            def work(store: Store) -> receipts.PrintOutcome:
                return receipts.retry_job(job_id, printer=context.printer(), sales=store.sales,
                                          directory=store.directory, uow=store.uow(), actor=actor)

            def done(outcome: receipts.PrintOutcome) -> None:
                (self.say if outcome.printed else lambda m: self.show_problem(UserFacingError(m)))(outcome.message)
                self._refresh_queue()

            context.runner.run(work, on_done=done, parent=self, lane="io")

        def dismiss(job_id: str) -> None:
            context.runner.run(lambda store: receipts.dismiss_job(job_id, uow=store.uow(), actor=actor),
                               on_done=lambda _r: self._dismissed(),
                               parent=self)

        dialog = ChoiceDialog(self.context, "Receipts waiting to print", "Enter prints again; Del takes it off.",
                              choices, retry, choose_text="Print again  Enter",
                              other=("Take off the queue  Del", "Del", dismiss), parent=self)
        self.open_dialog(dialog)

    def drawer_menu(self) -> None:
        from pos_app.gui.sell.drawer_actions import DrawerActions

        menu = QMenu(self)
        # Kept while the menu lives: PySide6 holds a plain object's bound methods weakly, so actions
        # connected to a DrawerActions nobody keeps do nothing when chosen (a dead F10 menu shipped so).
        self._drawer_actions = DrawerActions(self, self)
        self._drawer_actions.fill(menu)
        # Esc, or an item that opens no dialog (a manager's no-sale): the keyboard goes back to the scan field.
        menu.aboutToHide.connect(lambda: QTimer.singleShot(0, self.focus_first))
        button = self.form.drawer_button
        menu.popup(button.mapToGlobal(button.rect().bottomLeft()))
        self._menu = menu

