"""Taking payment for a cart: cash, card on the reader, split tenders, refunds for returns.

Keyboard: the cash field has the focus with what is due, selected; Enter
takes it, or type what the customer hands over (it replaces the amount) and
Enter: the change due then shows in large type on the sell screen. Alt+D goes to the card amount;
Enter sends it to the reader, and the screen follows the reader until the
card is approved, declined or the clerk presses Esc to cancel. In test mode
F5 taps a good test card and F6 a declined one. A return is refunded with
Ctrl+R (to the card it was paid with) or Ctrl+B (cash, a manager's). When
nothing is left to pay the sale completes by itself.

Whatever Stripe answers is said on the screen: an amount outside its limits
is refused before anything is sent, a request Stripe refuses drops that card
attempt (nothing was charged) and says why, and the clerk can always take the
rest another way or void the cart (Ctrl+Del cancels a card still waiting on
the reader first). The screen never stays on "Sending to the reader…".

If the sale cannot complete because a piece in it was sold at another
counter meanwhile (or when start-up recovery finds such a payment), the
screen says what was paid and Ctrl+Del gives it back: the card refunded,
the cash with a manager's approval (their PIN in the approval dialog).

The dialog holds the checkout's id: every step runs on the database worker
(`runner.run(lambda store: ...)`) and passes that id, the service reads the
journal as stored and returns it as it now stands, which the dialog keeps
in `shown` only to show it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QHeaderView, QLineEdit, QSizePolicy, QWidget

from pos_app.domain.cart import Cart
from pos_app.domain.errors import StockConflict, UserFacingError
from pos_app.domain.money import Money, parse_money
from pos_app.domain.permissions import Actor
from pos_app.gui import dialogs
from pos_app.gui.approval import with_approval
from pos_app.gui.base import FacetDialog, mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.gui.tables import fill
from pos_app.services import checkout
from pos_app.services.ports.devices import CardOutcome, CardTerminal, PaymentRefused
from pos_app.services.ports.store import Store

log = logging.getLogger(__name__)

POLL_MS = 1000
GOOD_TEST_CARD = "4242424242424242"
DECLINED_TEST_CARD = "4000000000000002"


class _SelectOnFocus(QObject):
    """Select an amount field's whole text whenever it gets the keyboard, so what the clerk types (what
    the customer hands over) replaces the amount offered instead of being appended to it."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn and isinstance(watched, QLineEdit):
            # After the focus change has finished: a mouse press would otherwise clear the selection again.
            QTimer.singleShot(0, watched.selectAll)
        return False


class PaymentDialog(FacetDialog):
    completed = Signal(object)
    """The sale was written (a CompletedSale)."""
    back_to_cart = Signal(object)
    """Nothing was paid and the clerk went back to change the cart (the Cart)."""
    voided = Signal()
    given_back = Signal(str)
    """The cart could not be sold (a piece sold elsewhere) and what was paid was given back (a message)."""

    def __init__(self, context: AppContext, co: checkout.Checkout, settings: checkout.CounterSettings,
                 parent: QWidget | None = None) -> None:
        """`co` is the journal as just read (started, or found at recovery); the dialog keeps its id."""
        super().__init__(context, "payment_dialog.ui", "Payment", parent)
        self.checkout_id = co.id
        self.shown = co
        """The journal as last read, to show; what acts on it passes `checkout_id`."""
        self.settings = settings
        self.actor = context.require_actor()
        self.terminal: CardTerminal | None = None
        self._finishing = False
        f = self.form
        f.test_mode_label.setObjectName("warning_banner")
        f.test_mode_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        f.test_mode_label.hide()
        f.due_label.setObjectName("total_value")
        f.tenders_table.verticalHeader().setVisible(False)
        f.cash_button.clicked.connect(self.take_cash)
        f.cash_edit.returnPressed.connect(self.take_cash)
        f.card_button.clicked.connect(self.take_card)
        f.card_edit.returnPressed.connect(self.take_card)
        f.tap_ok_button.clicked.connect(lambda: self.simulate(GOOD_TEST_CARD))
        f.tap_decline_button.clicked.connect(lambda: self.simulate(DECLINED_TEST_CARD))
        f.cancel_card_button.clicked.connect(self.cancel_card)
        f.refund_card_button.clicked.connect(self.refund_card)
        f.refund_cash_button.clicked.connect(self.refund_cash)
        f.void_button.clicked.connect(self.void)
        f.close_button.clicked.connect(self.escape)
        for pair in ((f.cash_button, f.card_button), (f.refund_card_button, f.refund_cash_button)):
            width = max(button.sizeHint().width() for button in pair)  # the amounts' fields one width too
            for button in pair:
                button.setMinimumWidth(width)
        self.shortcut("Esc", self.escape)
        self.shortcut("F5", lambda: self.simulate(GOOD_TEST_CARD))
        self.shortcut("F6", lambda: self.simulate(DECLINED_TEST_CARD))
        self.shortcut("Ctrl+R", self.refund_card)
        self.shortcut("Ctrl+B", self.refund_cash)
        self.shortcut("Ctrl+Del", self.void)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self.poll)
        self._select_on_focus = _SelectOnFocus(self)
        for amount_edit in (f.cash_edit, f.card_edit, f.refund_cash_edit):
            amount_edit.installEventFilter(self._select_on_focus)
        self.initial_focus = f.cash_edit
        self.show_state()
        context.runner.run(context.card_terminal, on_done=self._terminal_ready,
                           on_error=lambda exc: self._terminal_ready(None), parent=self, lane="io")

    # -- showing -----------------------------------------------------------------------------

    def _terminal_ready(self, terminal: CardTerminal | None) -> None:
        self.terminal = terminal
        test = bool(terminal is not None and terminal.test_mode)
        self.form.test_mode_label.setVisible(test)
        self.show_state()
        if self.shown.pending is not None and not self.shown.pending.is_refund:
            self._poll.start()

    def say(self, text: str) -> None:
        mark_info(self.form.message_label, text)
        self._fit_message()

    def show_problem(self, exc: UserFacingError) -> None:
        mark_problem(self.form.message_label, str(exc))
        self._fit_message()

    def _fit_message(self) -> None:
        """Give a wrapped message all its lines: Stripe's refusals run to three or four, and the tenders
        table would otherwise take the room and cut them off."""
        label = self.form.message_label
        label.setMinimumHeight(label.heightForWidth(max(label.width(), 300)) if label.text() else 0)

    def show_state(self) -> None:
        f, co, m = self.form, self.shown, self.context.money
        due = co.due
        f.total_label.setText(m(co.priced.total.cents))
        f.due_label.setText(m(due.cents) if due.cents >= 0 else f"Refund {m(-due.cents)}")
        f.change_label.setText(m(co.change.cents))
        rows = []
        for t in co.tenders:
            what = t.kind.label
            if t.card_brand:
                what += f" {t.card_brand.upper()} ****{t.card_last4 or ''}"
            if t.amount.cents < 0:
                what += " (refund)"
            given = "" if t.tendered is None else f"handed over {m(t.tendered.cents)}"
            rows.append([what, m(t.amount.cents), given])
        fill(f.tenders_table, ["Tender", "Amount", ""], rows, numeric=[1])
        f.tenders_table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        paying, refunding = due.cents > 0, due.cents < 0
        pending = co.pending is not None
        f.take_box.setVisible(paying)
        f.refund_box.setVisible(refunding)
        if paying:
            for amount_edit in (f.cash_edit, f.card_edit):
                amount_edit.setText(due.plain())
                amount_edit.selectAll()  # typing replaces what is offered (the field may have the focus already)
        has_reader = self.terminal is not None
        f.card_button.setEnabled(has_reader and not pending)
        f.card_edit.setEnabled(has_reader and not pending)
        f.cash_button.setEnabled(not pending)
        test = self.terminal is not None and bool(self.terminal.test_mode)
        f.tap_ok_button.setVisible(test and pending)
        f.tap_decline_button.setVisible(test and pending)
        f.cancel_card_button.setVisible(pending)
        if pending:
            assert co.pending is not None
            verb = "the refund" if co.pending.amount.cents < 0 else "the card"
            f.reader_label.setText(f"Waiting for {verb} on the reader: {m(abs(co.pending.amount.cents))}. "
                                   "Present, insert or tap the card. Esc cancels.")
        elif not has_reader:
            f.reader_label.setText("No card reader is set up on this counter: the owner keeps the Stripe key and "
                                   "registers the reader in Settings, Payments.")
        else:
            f.reader_label.setText("Reader ready.")
        if refunding:
            f.refund_cash_edit.setText((-due).plain())
            f.refund_cash_edit.selectAll()
            f.refund_card_combo.clear()
            for pi, label, left in checkout.card_refundable(co, self.context.sales):
                f.refund_card_combo.addItem(f"{label} (up to {m(left)})", (pi, left))
            f.refund_card_button.setEnabled(f.refund_card_combo.count() > 0 and has_reader)
            self.initial_focus = f.refund_card_combo if f.refund_card_combo.count() else f.refund_cash_edit
        if co.conflict:
            self._show_conflict()
        elif co.settled and not self._finishing:
            self.finish()

    def _update(self, co: checkout.Checkout) -> None:
        self.shown = co
        self.show_state()

    # -- cash -----------------------------------------------------------------------------------

    def take_cash(self, large_cash: checkout.LargeCashDetails | None = None) -> None:
        try:
            amount = parse_money(self.form.cash_edit.text(), self.shown.cart.currency, field="cash")
        except UserFacingError as problem:
            self.show_problem(problem)
            return
        checkout_id, actor, context, before = self.checkout_id, self.actor, self.context, self.shown.change

        def work(store: Store) -> checkout.Checkout:
            return checkout.pay_cash(checkout_id, amount, uow=store.uow(), actor=actor, sales=store.sales,
                                     large_cash=large_cash)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, checkout.LargeCashDetailsNeeded):
                self._ask_large_cash(exc)
            elif isinstance(exc, UserFacingError):
                self.show_problem(exc)
            else:
                from pos_app.gui.ops import show_error

                show_error(self, exc)

        def done(new: checkout.Checkout) -> None:
            change = new.change.cents - before.cents
            self._update(new)
            if change:
                self.say(f"Change due: {context.money(change)}")

        context.runner.run(work, on_done=done, on_error=failed, parent=self)

    def _ask_large_cash(self, needed: checkout.LargeCashDetailsNeeded) -> None:
        from pos_app.gui.sell.large_cash import LargeCashDialog

        dialog = LargeCashDialog(self.context, str(needed), parent=self)
        dialog.details_ready.connect(self.take_cash)
        dialog.open()

    def refund_cash(self) -> None:
        if self.shown.due.cents >= 0:
            return
        try:
            amount = parse_money(self.form.refund_cash_edit.text(), self.shown.cart.currency, field="refund")
        except UserFacingError as problem:
            self.show_problem(problem)
            return
        checkout_id, actor, context = self.checkout_id, self.actor, self.context

        def work(store: Store, approver: Actor | None) -> checkout.Checkout:
            return checkout.refund_cash(checkout_id, amount, uow=store.uow(), actor=actor, approver=approver)

        with_approval(self, context, work, self._update)

    # -- cards ----------------------------------------------------------------------------------

    def take_card(self) -> None:
        if self.terminal is None:
            self.show_problem(UserFacingError("No card reader is set up on this counter."))
            return
        try:
            amount = parse_money(self.form.card_edit.text(), self.shown.cart.currency, field="card amount")
        except UserFacingError as problem:
            self.show_problem(problem)
            return
        checkout_id, actor, context, terminal = self.checkout_id, self.actor, self.context, self.terminal
        self.say("Sending to the reader…")

        def work(store: Store) -> checkout.Checkout:
            return checkout.start_card(checkout_id, amount, uow=store.uow(), actor=actor, terminal=terminal)

        def failed(exc: BaseException) -> None:
            # A network error may leave the attempt journaled: follow it, never charge again. A refusal
            # left nothing pending: the message says what to do instead.
            self._reload_then(lambda: self._card_problem(exc))

        def done(new: checkout.Checkout) -> None:
            self._update(new)
            if new.pending is not None:
                self.say("On the reader: the customer presents, inserts or taps the card.")
                self._poll.start()

        context.runner.run(work, on_done=done, on_error=failed, parent=self, lane="io")

    def _reload_then(self, then: Callable[[], object]) -> None:
        """Read the journal again (on the worker), show it, then `then()`: after a failure, what stands."""
        checkout_id = self.checkout_id

        def reloaded(co: checkout.Checkout) -> None:
            self._poll.stop()
            self._update(co)
            if co.pending is not None:
                self._poll.start()
            then()

        def unreadable(exc: BaseException) -> None:
            log.error("reading the payment journal failed", exc_info=(type(exc), exc, exc.__traceback__))
            then()

        self.context.runner.run(lambda store: checkout.open_checkout(checkout_id, uow=store.uow()),
                                on_done=reloaded, on_error=unreadable, parent=self)

    def _card_problem(self, exc: BaseException) -> None:
        """Say what went wrong with the card; an unexpected error is logged and still said, never silent."""
        if isinstance(exc, UserFacingError):
            self.show_problem(exc)
            return
        log.error("card payment failed unexpectedly", exc_info=(type(exc), exc, exc.__traceback__))
        waiting = " Facet keeps asking Stripe how it stands; Esc cancels it." if self.shown.pending is not None else ""
        self.show_problem(UserFacingError(f"The card payment could not be sent ({type(exc).__name__}).{waiting} "
                                          "Take another way to pay, or void the cart (Ctrl+Del)."))

    def poll(self) -> None:
        if self._busy or self.shown.pending is None or self.terminal is None:
            return
        checkout_id, actor, terminal = self.checkout_id, self.actor, self.terminal
        self._busy = True

        def work(store: Store) -> tuple[checkout.Checkout, CardOutcome]:
            return checkout.check_card(checkout_id, uow=store.uow(), actor=actor, terminal=terminal)

        def done(result: tuple[checkout.Checkout, CardOutcome]) -> None:
            self._busy = False
            new, outcome = result
            self._card_outcome(new, outcome)

        def failed(exc: BaseException) -> None:
            self._busy = False
            if isinstance(exc, PaymentRefused):  # Stripe made nothing to charge: the attempt was dropped
                self._reload_then(lambda: self.show_problem(exc))
            else:
                self._card_problem(exc)  # keep polling: the outcome is still to be learned

        self.context.runner.run(work, on_done=done, on_error=failed, parent=self, lane="io")

    def _card_outcome(self, new: checkout.Checkout, outcome: CardOutcome) -> None:
        if new.pending is None:
            self._poll.stop()
        if outcome.state == "succeeded":
            brand = (outcome.card_brand or "card").upper()
            self.say(f"Approved: {brand} ****{outcome.card_last4 or ''}, {self.context.money(outcome.amount_cents)}.")
        elif outcome.state == "failed":
            self.show_problem(UserFacingError(outcome.message or "The card was declined. Try another card."))
        elif outcome.state == "canceled":
            self.say("The card payment was cancelled.")
        self._update(new)

    def simulate(self, card: str) -> None:
        if self.terminal is None or not self.terminal.test_mode or self.shown.pending is None:
            return
        terminal = self.terminal
        self.context.runner.run(lambda: terminal.simulate_tap(card), on_done=lambda _r: self.poll(), parent=self,
                                lane="io")

    def cancel_card(self) -> None:
        if self.shown.pending is None or self.terminal is None:
            return
        self._poll.stop()
        checkout_id, actor, context, terminal = self.checkout_id, self.actor, self.context, self.terminal

        def work(store: Store) -> tuple[checkout.Checkout, CardOutcome]:
            return checkout.cancel_card(checkout_id, uow=store.uow(), actor=actor, terminal=terminal)

        def done(result: tuple[checkout.Checkout, CardOutcome]) -> None:
            new, outcome = result
            if outcome.state == "succeeded":
                self.say("The card was approved before the cancel reached the reader: the payment stands.")
                self._update(new)
            else:
                self._card_outcome(new, outcome)

        def failed(exc: BaseException) -> None:
            self._reload_then(lambda: self._card_problem(exc))

        context.runner.run(work, on_done=done, on_error=failed, parent=self, lane="io")

    def refund_card(self) -> None:
        f = self.form
        if self.shown.due.cents >= 0 or f.refund_card_combo.count() == 0 or self.terminal is None:
            return
        pi, left = f.refund_card_combo.currentData()
        amount = Money(min(left, -self.shown.due.cents), self.shown.cart.currency)
        checkout_id, actor, context, terminal = self.checkout_id, self.actor, self.context, self.terminal

        def work(store: Store) -> checkout.Checkout:
            return checkout.refund_card(checkout_id, pi, amount, uow=store.uow(), actor=actor, terminal=terminal,
                                        sales=store.sales)

        self.say("Refunding to the card…")

        def refunded(new: checkout.Checkout) -> None:
            self._update(new)
            self.say("Refunded to the card.")

        context.runner.run(work, on_done=refunded,
                           on_error=lambda exc: self._reload_then(lambda: self._card_problem(exc)),
                           parent=self, lane="io")

    # -- leaving ----------------------------------------------------------------------------------

    def finish(self) -> None:
        self._finishing = True
        self._poll.stop()
        checkout_id, actor, context = self.checkout_id, self.actor, self.context

        def work(store: Store) -> checkout.CompletedSale:
            return checkout.complete_sale(checkout_id, uow=store.uow(), actor=actor, sales=store.sales)

        def done(sale: checkout.CompletedSale) -> None:
            self.accept()
            self.completed.emit(sale)

        def failed(exc: BaseException) -> None:
            self._finishing = False
            if isinstance(exc, StockConflict):  # noted on the journal: read it again to show what was paid
                self._reload_then(lambda: None)
            elif isinstance(exc, UserFacingError):
                self.show_problem(exc)
            else:
                from pos_app.gui.ops import show_error

                show_error(self, exc)

        context.runner.run(work, on_done=done, on_error=failed, parent=self)

    def escape(self) -> None:
        if self.shown.pending is not None:
            self.cancel_card()
            return
        if self.shown.conflict:
            self._show_conflict()  # the money must go back before the screen closes
            return
        if self.shown.tenders:
            self.show_problem(UserFacingError("Money has been taken: finish paying, or void the cart (Ctrl+Del) "
                                              "to refund it."))
            return
        checkout_id, actor = self.checkout_id, self.actor

        def done(cart: Cart) -> None:
            self.accept()
            self.back_to_cart.emit(cart)

        def work(store: Store) -> Cart:
            return checkout.reopen(checkout_id, uow=store.uow(), actor=actor)

        self.run(work, done)

    def _show_conflict(self) -> None:
        """Nothing more can be taken: the money goes back (Ctrl+Del)."""
        f = self.form
        f.take_box.setVisible(False)
        f.refund_box.setVisible(False)
        f.void_button.setText("Give the money back  Ctrl+Del")
        f.void_button.setProperty("primary", True)
        f.close_button.setEnabled(False)
        self.show_problem(UserFacingError(checkout.conflict_message(self.shown) + " Ctrl+Del gives it back."))
        self.initial_focus = f.void_button
        f.void_button.setFocus()

    def give_back(self) -> None:
        """Refund what was paid for a cart that cannot be sold; cash back needs a manager's approval."""
        checkout_id, actor, context, terminal = self.checkout_id, self.actor, self.context, self.terminal
        paid = checkout.paid_summary(self.shown)

        def work(store: Store, approver: Actor | None) -> checkout.Checkout:
            return checkout.refund_unsold(checkout_id, uow=store.uow(), actor=actor, terminal=terminal,
                                          approver=approver)

        def done(_co: checkout.Checkout) -> None:
            self.accept()
            self.given_back.emit(f"Nothing was sold; {paid} was given back.")

        self.say("Giving the money back…")
        with_approval(self, context, work, done, lane="io")

    def void(self) -> None:
        if self.shown.conflict and self.shown.pending is None:
            self.give_back()
            return
        paid = [t for t in self.shown.tenders if t.amount.cents > 0]
        question = "Void this cart?"
        if self.shown.pending is not None and not self.shown.pending.is_refund:
            question += " The card payment waiting on the reader is cancelled first."
        if paid:
            question += " Card payments are refunded; hand back the cash taken."
        if not dialogs.ask_yes_no(self, "Void the cart", question):
            return
        self._poll.stop()
        checkout_id, actor, terminal = self.checkout_id, self.actor, self.terminal

        def done(_co: checkout.Checkout) -> None:
            self.accept()
            self.voided.emit()

        def work(store: Store) -> checkout.Checkout:
            return checkout.void_checkout(checkout_id, uow=store.uow(), actor=actor, terminal=terminal)

        self.say("Voiding the cart…")
        self.context.runner.run(work, on_done=done,
                                on_error=lambda exc: self._reload_then(lambda: self._card_problem(exc)),
                                parent=self, lane="io")
