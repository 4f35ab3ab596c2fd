"""Shift+F2 on the sell screen: who sold it, when the clerk did not sell it alone.

The dialog lists the active staff who may sell. Up/Down move, Space ticks or
unticks (up to four, in the order ticked); each one ticked gets a share field,
the shares starting equal with the remainder to the first (34, 33, 33) and
editable (Tab). Enter saves through `checkout.share_sale`, which checks the
people and the shares; a refusal shows under the fields, the cart unchanged.
Ctrl+1 puts the sale back to the clerk alone. The cart carries the result to
the payment's journal and the sale (`services/checkout/salespeople.py`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QListWidgetItem, QWidget

from pos_app.domain.cart import Cart
from pos_app.domain.commission import MAX_SALESPEOPLE, equal_shares, sold_by
from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.gui.base import FacetDialog, mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.services import checkout
from pos_app.services.ports.store import Store


def sold_by_text(cart: Cart, clerk: str) -> str:
    """What the sell screen shows of who sold the cart: "Sold by: Ann 60%, Ben 40%" or the clerk alone."""
    if len(cart.salespeople) == 1:
        return f"Sold by: {cart.salespeople[0].name}"
    return f"Sold by: {sold_by(cart.salespeople)}" if cart.salespeople else f"Sold by: {clerk} (alone)"


class SalespeopleDialog(FacetDialog):
    """Pick the salespeople of `cart`; `on_done(new cart)` runs once they are accepted."""

    def __init__(self, context: AppContext, cart: Cart, on_done: Callable[[Cart], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(context, "salespeople_dialog.ui", "Salespeople", parent)
        f = self.form
        self.actor = context.require_actor()
        self.cart = cart
        self._on_done = on_done
        self.order: list[str] = []  # staff ids in the order ticked
        self.names: dict[str, str] = {}
        self.share_edits: list[QLineEdit] = [getattr(f, f"share_edit_{i}") for i in range(MAX_SALESPEOPLE)]
        self.share_labels = [getattr(f, f"share_label_{i}") for i in range(MAX_SALESPEOPLE)]
        current = {c.staff_id: c for c in cart.salespeople}
        ticked = [c.staff_id for c in cart.salespeople] or ([self.actor.staff_id] if self.actor.staff_id else [])
        f.people_list.blockSignals(True)
        for seller in checkout.sellers(context.directory):
            item = QListWidgetItem(seller.name + ("  (you)" if seller.id == self.actor.staff_id else ""))
            item.setData(Qt.ItemDataRole.UserRole, seller.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if seller.id in ticked else Qt.CheckState.Unchecked)
            f.people_list.addItem(item)
            self.names[seller.id] = seller.name
        f.people_list.blockSignals(False)
        # Every share's name in one column as wide as the longest name (a label shown later keeps its width).
        metrics = self.share_labels[0].fontMetrics()
        widest = max((metrics.horizontalAdvance(name) for name in self.names.values()), default=0)
        for label in self.share_labels:
            label.setMinimumWidth(widest + metrics.averageCharWidth() * 2)
        self.order = [s for s in ticked if s in self.names]
        self._show_shares({s: current[s].percent_text.rstrip("%") for s in self.order if s in current})
        if f.people_list.count():
            f.people_list.setCurrentRow(0)
        f.people_list.itemChanged.connect(self._ticked)
        f.people_list.itemActivated.connect(lambda _item: self.save())
        for edit in self.share_edits:
            edit.returnPressed.connect(self.save)
        f.save_button.clicked.connect(self.save)
        f.close_button.clicked.connect(self.reject)
        f.alone_button.clicked.connect(self.alone)
        self.shortcut("Ctrl+1", self.alone)
        self.initial_focus = f.people_list

    def _ticked(self, item: QListWidgetItem) -> None:
        staff_id = str(item.data(Qt.ItemDataRole.UserRole))
        if item.checkState() == Qt.CheckState.Checked and staff_id not in self.order:
            if len(self.order) >= MAX_SALESPEOPLE:
                self.form.people_list.blockSignals(True)
                item.setCheckState(Qt.CheckState.Unchecked)
                self.form.people_list.blockSignals(False)
                mark_problem(self.form.message_label, f"A sale is shared by at most {MAX_SALESPEOPLE} salespeople.")
                return
            self.order.append(staff_id)
        elif item.checkState() != Qt.CheckState.Checked and staff_id in self.order:
            self.order.remove(staff_id)
        mark_info(self.form.message_label, "")
        self._show_shares({})

    def _show_shares(self, kept: dict[str, str]) -> None:
        """A share field per person ticked: what was kept, else equal shares with the remainder to the first."""
        equal = equal_shares(len(self.order)) if self.order else []
        for i, (label, edit) in enumerate(zip(self.share_labels, self.share_edits)):
            shown = i < len(self.order)
            label.setVisible(shown)
            edit.setVisible(shown)
            if shown:
                staff_id = self.order[i]
                label.setText(f"{'&' if i == 0 else ''}{self.names[staff_id]}")
                edit.setText(kept.get(staff_id, str(equal[i] // 100)))

    def picks(self) -> list[tuple[str, str]]:
        return [(staff_id, self.share_edits[i].text()) for i, staff_id in enumerate(self.order)]

    def save(self) -> None:
        cart, picks, actor = self.cart, self.picks(), self.actor

        def work(store: Store) -> Cart:
            return checkout.share_sale(cart, picks, directory=store.directory, actor=actor)

        def done(shared: Cart) -> None:
            self.accept()
            self._on_done(shared)

        self.run(work, done)

    def alone(self) -> None:
        self.accept()
        self._on_done(self.cart.with_salespeople(()))

    def show_problem(self, exc: UserFacingError) -> None:
        text = str(exc)
        mark_problem(self.form.message_label, text[0].upper() + text[1:] if text else text)
        if isinstance(exc, ValidationError) and exc.field.startswith("share of "):
            name = exc.field.removeprefix("share of ")
            at = next((i for i, s in enumerate(self.order) if self.names.get(s) == name), None)
            if at is not None:
                self.share_edits[at].setFocus()
                self.share_edits[at].selectAll()
                return
        self.form.people_list.setFocus()
