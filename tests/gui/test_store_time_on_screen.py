"""Times on the counter's screens read on the store's clock, not the computer's: a cart parked last evening
in New York (the demo store) says that evening's day and hour, whatever zone the counter's computer keeps.
Driven by keys."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from PySide6.QtCore import Qt

from pos_app.app import Facet
from pos_app.domain.cart import Cart
from pos_app.domain.permissions import Role
from pos_app.gui.main_window import MainWindow
from pos_app.gui.sell.prompts import ChoiceDialog
from pos_app.services import checkout
from tests.conftest import actor_for
from tests.gui.conftest import focused, snap
from tests.gui.test_counter_flows import _dialog, _start
from tests.integration.test_checkout import _available

EVENING = dt.datetime(2026, 12, 7, 2, 30, tzinfo=dt.UTC)  # 2026-12-06 21:30 in New York


def test_a_cart_parked_last_evening_is_listed_with_the_stores_day_and_time(
        qtbot: Any, window: MainWindow, demo_facet: Facet) -> None:
    clerk = actor_for(demo_facet, Role.CLERK)
    cart = checkout.add_item(Cart(), _available(demo_facet, "unique", 1)[0], actor=clerk)
    with time_machine.travel(EVENING, tick=False):
        checkout.park_cart(cart, "Mrs. Lee, back tomorrow", uow=demo_facet.uow(), actor=clerk)
    sell = _start(qtbot, window, demo_facet)
    qtbot.keyClick(focused(), Qt.Key.Key_F8, Qt.KeyboardModifier.ShiftModifier)
    choice = _dialog(qtbot, sell, ChoiceDialog)
    text = choice.form.choices_list.currentItem().text()
    assert text.startswith("Mrs. Lee, back tomorrow") and text.endswith("2026-12-06 21:30")
    snap(choice, "recall-parked-cart")
