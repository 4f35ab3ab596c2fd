"""Correct a customer's record: name, contacts, addresses, preferences, wishlist, notes.

Keyboard: Tab between fields (Tab leaves the address and notes boxes too);
Ctrl+S saves; Esc closes. A problem names the field and puts the cursor in
it; nothing is saved until every field is right. The audit trail records
which fields changed, never their values.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.domain.store import display_phone
from pos_app.gui.base import FacetDialog, mark_problem
from pos_app.gui.context import AppContext
from pos_app.services import customers
from pos_app.services.customers import CustomerEdit
from pos_app.services.ports.customers import CustomerProfile

# A ValidationError's field -> the widget to put the cursor in.
FIELD_WIDGETS = {"first name": "first_name_edit", "last name": "last_name_edit", "email": "email_edit",
                 "phone": "phone_edit", "billing address": "billing_edit", "shipping address": "shipping_edit",
                 "preferences": "preferences_edit", "wishlist": "wishlist_edit", "notes": "notes_edit"}


class CustomerEditDialog(FacetDialog):
    saved = Signal(list)
    """The names of the fields that changed."""

    def __init__(self, context: AppContext, profile: CustomerProfile, parent: QWidget | None = None) -> None:
        super().__init__(context, "customer_edit_dialog.ui", f"Edit {profile.name}", parent)
        self.customer_id = profile.id
        f = self.form
        f.first_name_edit.setText(profile.first_name)
        f.last_name_edit.setText(profile.last_name)
        f.email_edit.setText(profile.email or "")
        f.phone_edit.setText(display_phone(profile.phone or ""))
        f.billing_edit.setPlainText(profile.billing_address)
        f.shipping_edit.setPlainText(profile.shipping_address)
        f.preferences_edit.setText(profile.preferences)
        f.wishlist_edit.setText(profile.wishlist)
        f.notes_edit.setPlainText(profile.notes)
        f.save_button.clicked.connect(self.save)
        f.close_button.clicked.connect(self.reject)
        self.shortcut("Ctrl+S", self.save)
        self.initial_focus = f.first_name_edit
        self.resize(560, self.sizeHint().height())

    def edit(self) -> CustomerEdit:
        f = self.form
        return CustomerEdit(first_name=f.first_name_edit.text(), last_name=f.last_name_edit.text(),
                            email=f.email_edit.text(), phone=f.phone_edit.text(),
                            billing_address=f.billing_edit.toPlainText(),
                            shipping_address=f.shipping_edit.toPlainText(), preferences=f.preferences_edit.text(),
                            wishlist=f.wishlist_edit.text(), notes=f.notes_edit.toPlainText())

    def save(self) -> None:
        form, customer_id = self.edit(), self.customer_id
        actor = self.context.require_actor()

        def done(fields: list[str]) -> None:
            self.accept()
            self.saved.emit(fields)

        self.run(lambda store: customers.update_customer(customer_id, form, uow=store.uow(), actor=actor), done)

    def show_problem(self, exc: UserFacingError) -> None:
        mark_problem(self.form.message_label, str(exc))
        if isinstance(exc, ValidationError) and exc.field in FIELD_WIDGETS:
            getattr(self.form, FIELD_WIDGETS[exc.field]).setFocus()
