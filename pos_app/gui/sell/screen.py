"""What the sell screen's helpers (the drawer menu, the prompts that may need a manager, the cart edits) need of
the screen.

They know the screen only through `CounterScreen` (the cart edits through `CartScreen`), so none of them
imports `sell/view.py`: the screen imports them, never the other way round (`tests/unit/test_import_cycles.py`
keeps it so).
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import QWidget

from pos_app.domain.cart import Cart
from pos_app.domain.errors import UserFacingError
from pos_app.domain.permissions import Actor
from pos_app.gui.context import AppContext
from pos_app.services import checkout


class ScreenSettings(Protocol):
    """The counter's settings the helpers read (the screen's `checkout.counter_settings`)."""

    @property
    def currency(self) -> str: ...
    @property
    def timezone(self) -> str: ...


class CounterScreen(Protocol):
    """The screen a helper works for: it tells the clerk how things went and opens the helper's dialogs."""

    context: AppContext
    actor: Actor

    @property
    def settings(self) -> ScreenSettings: ...

    def say(self, text: str) -> None:
        """Tell the clerk how it went, on the screen's message line."""

    def show_problem(self, exc: UserFacingError) -> None:
        """Show a refusal on the screen's message line."""

    def open_dialog(self, dialog: QWidget) -> None:
        """Open a dialog without blocking; the screen takes the keyboard back when it closes."""


class CartScreen(CounterScreen, Protocol):
    """The screen the cart edits (`sell/cart_edits.py`) work on: the cart on screen, its selected line, and the
    counter's whole settings (the discount limit and the tax rate the services price with)."""

    cart: Cart

    @property
    def settings(self) -> checkout.CounterSettings: ...

    def set_cart(self, cart: Cart, message: str = "", select: int | None = None) -> None:
        """Show `cart` as the cart on screen, select line `select` (the last line by default), say `message`."""

    def selected_line(self) -> int | None:
        """The index of the cart line selected, the last line when none is, None for an empty cart."""

    def focus_first(self) -> None:
        """Give the keyboard back to the scan field."""
