"""Record a customer's privacy request: which right, how it arrived, and the day it was received.

Keyboard: Up and Down choose in each list, Tab moves on, Ctrl+S records,
Esc closes. The request is due 30 days after the day it was received.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QWidget

from pos_app.domain.privacy import RESPONSE_DAYS, Channel, RequestType
from pos_app.domain.store import store_today
from pos_app.gui.base import FacetDialog
from pos_app.gui.context import AppContext
from pos_app.services import privacy


class NewRequestDialog(FacetDialog):
    saved = Signal(str)
    """The new request's id."""

    def __init__(self, context: AppContext, customer_id: str, customer_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(context, "privacy_request_dialog.ui", "New privacy request", parent)
        self.customer_id = customer_id
        f = self.form
        self.today = store_today(context.profile.timezone)
        f.prompt_label.setText(f"A request from <b>{customer_name}</b>. It is due {RESPONSE_DAYS} days after the "
                               "day it was received; verify who is asking before acting on it.")
        for kind in RequestType:
            f.type_combo.addItem(kind.label, kind.value)
        for channel in Channel:
            f.channel_combo.addItem(channel.label, channel.value)
        f.received_edit.setDate(QDate(self.today.year, self.today.month, self.today.day))
        f.received_edit.setMaximumDate(QDate(self.today.year, self.today.month, self.today.day))
        f.save_button.clicked.connect(self.save)
        f.close_button.clicked.connect(self.reject)
        self.shortcut("Ctrl+S", self.save)
        self.initial_focus = f.type_combo

    def save(self) -> None:
        f = self.form
        kind, channel = f.type_combo.currentData(), f.channel_combo.currentData()
        q = f.received_edit.date()
        received = dt.date(q.year(), q.month(), q.day())
        customer_id, today = self.customer_id, self.today
        actor = self.context.require_actor()

        def done(request_id: str) -> None:
            self.accept()
            self.context.changed.emit("privacy")
            self.saved.emit(request_id)

        self.run(lambda store: privacy.record_request(customer_id, kind, channel, received, uow=store.uow(),
                                                      actor=actor, today=today).id, done)
