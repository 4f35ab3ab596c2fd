"""Attach a customer to the sale: find one by name, phone or email, or add one in a short form.

Keyboard: type, Down to the list, Enter attaches. Ctrl+N switches to the new
customer form (Tab between fields, Space ticks a box, Enter saves and
attaches). Marketing boxes start unticked; the customer is shown which
version of the privacy policy they are agreeing under.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QListWidgetItem, QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.domain.store import store_today
from pos_app.gui.base import FacetDialog, mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.services import customers
from pos_app.services.ports import CustomerHit

SEARCH_DELAY_MS = 120


class CustomerPickerDialog(FacetDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, "customer_dialog.ui", "Customer", parent)
        self.chosen: CustomerHit | None = None
        f = self.form
        self._creating = False
        today = store_today(context.profile.timezone)
        self.policy = context.sales.current_policy_version(today)
        f.new_box.hide()
        f.search_edit.installEventFilter(self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search)
        f.search_edit.textChanged.connect(lambda _t: self._timer.start())
        f.search_edit.returnPressed.connect(self.save)
        f.results_list.itemActivated.connect(lambda _item: self.save())
        f.new_button.clicked.connect(self.new_customer)
        f.save_button.clicked.connect(self.save)
        f.close_button.clicked.connect(self.reject)
        for edit in (f.first_name_edit, f.last_name_edit, f.email_edit, f.phone_edit):
            edit.returnPressed.connect(self.save)
        self.shortcut("Ctrl+N", self.new_customer)
        self.resize(560, 520)
        self.initial_focus = f.search_edit

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.form.search_edit and isinstance(event, QKeyEvent) and \
                event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Down and \
                self.form.results_list.count():
            self.form.results_list.setFocus()
            self.form.results_list.setCurrentRow(0)
            return True
        return super().eventFilter(watched, event)

    def show_problem(self, exc: UserFacingError) -> None:
        mark_problem(self.form.message_label, str(exc))

    def search(self) -> None:
        f = self.form
        hits = self.context.sales.find_customers(f.search_edit.text(), limit=30)
        f.results_list.clear()
        for hit in hits:
            contact = " · ".join(x for x in (hit.email, hit.phone) if x)
            note = "  — restricted: can be attached, not edited" if hit.restricted else ""
            item = QListWidgetItem(f"{hit.name}   {contact}{note}")
            item.setData(Qt.ItemDataRole.UserRole, hit)
            f.results_list.addItem(item)
        if hits:
            f.results_list.setCurrentRow(0)
            mark_info(f.message_label, f"{len(hits)} found: Enter attaches the highlighted one.")
        elif f.search_edit.text().strip():
            mark_info(f.message_label, "No customer matches. Ctrl+N adds a new one.")

    def new_customer(self) -> None:
        f = self.form
        self._creating = True
        f.find_box.hide()
        f.new_box.show()
        f.new_button.hide()
        f.save_button.setText("Save and attach  Enter")
        mark_info(f.message_label, "Ask before ticking a marketing box: both start unticked.")
        text = f.search_edit.text().strip()
        if "@" in text:
            f.email_edit.setText(text)
        elif text and any(ch.isdigit() for ch in text):
            f.phone_edit.setText(text)
        elif text:
            first, _, last = text.partition(" ")
            f.first_name_edit.setText(first)
            f.last_name_edit.setText(last)
        if self.policy is None:
            f.policy_label.setText("No privacy policy is on record; the consents are recorded without a version.")
        else:
            f.policy_label.setText(f"The customer was shown privacy policy version {self.policy[1]}.")
        f.first_name_edit.setFocus()

    def save(self) -> None:
        f = self.form
        if not self._creating:
            item = f.results_list.currentItem()
            if item is None:
                self.show_problem(UserFacingError("Find the customer first, or Ctrl+N to add a new one."))
                return
            self.chosen = item.data(Qt.ItemDataRole.UserRole)
            self.accept()
            return
        form = customers.QuickCustomer(
            first_name=f.first_name_edit.text(), last_name=f.last_name_edit.text(), email=f.email_edit.text(),
            phone=f.phone_edit.text(), adult_confirmed=f.adult_check.isChecked(),
            marketing_email=f.email_optin_check.isChecked(), marketing_sms=f.sms_optin_check.isChecked())
        context, actor, policy = self.context, self.context.require_actor(), self.policy

        def work() -> str:
            return customers.quick_add_customer(form, uow=context.uow(), actor=actor, policy=policy)

        def done(customer_id: str) -> None:
            self.chosen = context.sales.customer(customer_id)
            context.changed.emit("customers")
            self.accept()

        self.run(work, done)
