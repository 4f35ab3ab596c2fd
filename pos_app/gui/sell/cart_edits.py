"""The sell screen's line and cart edits and their prompts: quantity (F4), line discount (F5), order discount
(Shift+F5), price change (F6), tax exemption (F7), removing a line (Del), clearing the cart (Ctrl+Del).

`CartEdits` knows the screen only as a `CartScreen` (`sell/screen.py`): the sell screen imports this module,
never the other way round. Each edit takes the cart on screen, makes the change through `services/checkout/`
(on the database worker with the job's store when it needs the store or a manager), and hands the new cart
back with `screen.set_cart`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QWidget

from pos_app.domain.cart import Cart
from pos_app.domain.money import parse_money
from pos_app.domain.permissions import Actor
from pos_app.gui import dialogs
from pos_app.gui.sell.prompts import PromptDialog
from pos_app.gui.sell.screen import CartScreen
from pos_app.services import checkout
from pos_app.services.ports.store import Store


class CartEdits:
    """The cart keys' actions. `screen` holds the cart and tells the clerk; `parent` (the same screen, as a
    widget) owns the prompts."""

    def __init__(self, screen: CartScreen, parent: QWidget) -> None:
        self.screen = screen
        self.parent = parent
        self.context = screen.context
        self.actor = screen.actor

    def _show(self, cart: Cart) -> None:
        """The changed cart on screen, the same line selected."""
        self.screen.set_cart(cart, select=self.screen.selected_line())

    def _line(self) -> int | None:
        index = self.screen.selected_line()
        if index is None:
            self.screen.say("The cart is empty: scan a necklace first.")
        return index

    def prompt(self, title: str, prompt: str, accept_with: Callable[[str, str, Store], Any], *, value: str = "",
               reason: str | None = None, value_label: str = "&Value", reason_label: str = "&Reason",
               on_gui_thread: bool = False, done: Callable[[Any], None] | None = None) -> None:
        """Ask for a value (and a reason); `accept_with(value, reason, store)` makes the change, `done` shows it
        (by default: the new cart, the same line selected). The screen's park (F8) asks through it too."""
        dialog = PromptDialog(self.context, title, prompt, value=value, value_label=value_label, reason=reason,
                              reason_label=reason_label, accept_with=accept_with, on_done=done or self._show,
                              parent=self.parent, on_gui_thread=on_gui_thread)
        self.screen.open_dialog(dialog)

    def change_quantity(self) -> None:
        index = self._line()
        if index is None:
            return
        line = self.screen.cart.lines[index]

        def accept(value: str, _reason: str, store: Store) -> Cart:
            if not value.strip().isdigit():
                from pos_app.domain.errors import ValidationError

                raise ValidationError("quantity", "type a whole number")
            return checkout.set_quantity(self.screen.cart, index, int(value), reader=store.inventory, actor=self.actor)

        self.prompt(f"Quantity — {line.sku}", f"How many {line.description}?", accept, value=str(line.quantity),
                    value_label="&Quantity", on_gui_thread=True)

    def _with_manager(self, title: str, prompt: str, build: Callable[[str, str, Actor | None, bool, Store], Cart], *,
                      value: str = "", reason: str | None = None, value_label: str = "&Value",
                      reason_label: str = "&Reason", reason_required: bool = True) -> None:
        """A prompt whose change may need the clerk's confirmation and a manager (`sell/manager_prompt.py`);
        `build(value, reason, approver, confirmed, store)` is the service call, on the worker with the job's
        store."""
        from pos_app.gui.sell.manager_prompt import ask_with_manager

        ask_with_manager(self.screen, self.parent, title, prompt, build, self._show,
                         value=value, reason=reason, value_label=value_label, reason_label=reason_label,
                         reason_required=reason_required)

    def _deep_discount_label(self) -> str:
        return f"&Reason (over {self.screen.settings.clerk_discount_limit.normalize():f}% off)"

    def line_discount(self) -> None:
        index = self._line()
        if index is None:
            return
        line = self.screen.cart.lines[index]
        cart, settings, actor = self.screen.cart, self.screen.settings, self.actor

        def build(value: str, reason: str, approver: Actor | None, confirmed: bool, store: Store) -> Cart:
            discount = checkout.parse_discount(value, cart.currency)
            return checkout.discount_line(cart, index, discount, settings=settings, actor=actor, uow=store.uow(),
                                          approver=approver, reason=reason, confirmed=confirmed)

        current = line.discount.describe().replace(" off", "") if line.discount else ""
        self._with_manager(f"Discount — {line.sku}", f"Discount on {line.description}: a percentage such as 10% "
                           "or an amount such as 150.00 (empty removes it).", build, value=current,
                           value_label="&Discount", reason=line.discount.reason if line.discount else "",
                           reason_label=self._deep_discount_label(), reason_required=False)

    def order_discount(self) -> None:
        if self.screen.cart.is_empty:
            self.screen.say("The cart is empty: scan a necklace first.")
            return
        cart, settings, actor = self.screen.cart, self.screen.settings, self.actor

        def build(value: str, reason: str, approver: Actor | None, confirmed: bool, store: Store) -> Cart:
            discount = checkout.parse_discount(value, cart.currency)
            return checkout.discount_order(cart, discount, settings=settings, actor=actor, uow=store.uow(),
                                           approver=approver, reason=reason, confirmed=confirmed)

        current = cart.order_discount.describe().replace(" off", "") if cart.order_discount else ""
        self._with_manager("Order discount", "Discount on the whole sale: 10% or an amount such as 500.00.", build,
                           value=current, value_label="&Discount",
                           reason=cart.order_discount.reason if cart.order_discount else "",
                           reason_label=self._deep_discount_label(), reason_required=False)

    def change_price(self) -> None:
        index = self._line()
        if index is None:
            return
        line = self.screen.cart.lines[index]
        cart, actor = self.screen.cart, self.actor

        def build(value: str, reason: str, approver: Actor | None, _confirmed: bool, store: Store) -> Cart:
            new_price = parse_money(value, cart.currency, field="price")
            return checkout.override_price(cart, index, new_price, reason, actor=actor, uow=store.uow(),
                                           approver=approver)

        self._with_manager(f"Change price — {line.sku}", f"{line.description}: tag price "
                           f"{self.context.money(line.list_price.cents)}. New price and why:", build,
                           value=line.unit_price.plain(), value_label="&Price", reason=line.override_reason)

    def tax_exempt(self) -> None:
        if self.screen.cart.tax_exempt:
            self.screen.set_cart(checkout.clear_tax_exemption(self.screen.cart), "Tax is charged again.")
            return

        def accept(number: str, reason: str, _store: Store) -> Cart:
            return checkout.exempt_from_tax(self.screen.cart, reason, number)

        self.prompt("Tax exempt sale", "The exemption certificate's number and the reason (resale, charity…). "
                    "F7 again takes the exemption off.", accept, value_label="Exemption &number",
                    reason="", reason_label="&Reason", on_gui_thread=True)

    def remove_line(self) -> None:
        index = self._line()
        if index is None:
            return
        sku = self.screen.cart.lines[index].sku
        self.screen.set_cart(checkout.remove_line(self.screen.cart, index, actor=self.actor), f"Removed {sku}.",
                             select=index)

    def clear_cart(self) -> None:
        if self.screen.cart.is_empty:
            return
        count = len(self.screen.cart.lines)
        question = "Take the line off the cart?" if count == 1 else f"Take all {count} lines off the cart?"
        if dialogs.ask_yes_no(self.parent, "Clear the cart", question):
            self.screen.set_cart(Cart(currency=self.screen.settings.currency), "The cart is empty.")
            self.screen.focus_first()
