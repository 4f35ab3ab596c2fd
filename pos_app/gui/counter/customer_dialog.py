"""Attach a customer to the sale: find one by name, phone or email, or add one in a short form.

Keyboard: type (results come as you type), Down to the list, Enter attaches.
Ctrl+N switches to the new customer form (Tab between fields, Space ticks a
box, Enter saves and attaches). Marketing boxes start unticked; the form
shows which version of the privacy policy the customer is answering under.
A restricted customer (a privacy request is open) can be attached to a sale
but not edited.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QPainter
from PySide6.QtWidgets import QApplication, QListWidgetItem, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.domain.store import store_today
from pos_app.gui.base import FacetDialog, mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.services import customers
from pos_app.services.ports.customers import CustomerHit
from pos_app.services.ports.store import Store

SEARCH_DELAY_MS = 120
RESTRICTED_NOTE = "restricted — can be attached, not edited"
NEW_FORM_HINT = "Both marketing boxes start unticked: tick one only if the customer says yes."
# The form's captions, for naming a field the way the clerk sees it.
CAPTIONS = {"first name": "First name", "last name": "Last name", "email": "Email", "phone": "Phone",
            "adult": "Age", "marketing email": "Marketing email", "marketing texts": "Marketing texts"}


def _phone(number: str | None) -> str:
    """A stored E.164 number as people read it ("+1 212-555-0142")."""
    if not number:
        return ""
    import phonenumbers

    try:
        return str(phonenumbers.format_number(phonenumbers.parse(number, None),
                                              phonenumbers.PhoneNumberFormat.INTERNATIONAL))
    except phonenumbers.NumberParseException:
        return number


class _HitDelegate(QStyledItemDelegate):
    """A found customer on two lines: the name in bold (and the restricted note), then email and phone."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        hit = index.data(Qt.ItemDataRole.UserRole)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        if not isinstance(hit, CustomerHit):
            return
        rect = opt.rect.adjusted(8, 4, -8, -4)
        bold = QFont(opt.font)
        bold.setBold(True)
        plain_metrics, bold_metrics = QFontMetrics(opt.font), QFontMetrics(bold)
        top = QRect(rect.x(), rect.y(), rect.width(), bold_metrics.height())
        painter.save()
        painter.setFont(bold)
        name = bold_metrics.elidedText(hit.name, Qt.TextElideMode.ElideRight, top.width())
        painter.drawText(top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
        painter.setFont(opt.font)
        if hit.restricted:
            painter.setPen(QColor("#8a5a00"))
            note = top.adjusted(bold_metrics.horizontalAdvance(name) + 12, 0, 0, 0)
            painter.drawText(note, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             plain_metrics.elidedText(RESTRICTED_NOTE, Qt.TextElideMode.ElideRight, note.width()))
        painter.setPen(QColor("#5d584d"))
        contact = "    ".join(x for x in (hit.email or "", _phone(hit.phone)) if x) or "no email or phone on file"
        painter.drawText(QRect(rect.x(), top.bottom() + 3, rect.width(), plain_metrics.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         plain_metrics.elidedText(contact, Qt.TextElideMode.ElideRight, rect.width()))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        height = option.fontMetrics.height()
        return QSize(200, 2 * height + 14)


class CustomerPickerDialog(FacetDialog):
    """Find or add the sale's customer; on Enter `chosen` (a CustomerHit) is set and the dialog accepts.

    Open it with `open()` and read `chosen` in a slot on `accepted`; a new
    customer is saved on the database worker first (`context.changed` emits
    "customers") and then chosen like a found one.
    """

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, "customer_dialog.ui", "Customer", parent)
        self.chosen: CustomerHit | None = None
        f = self.form
        self._creating = False
        self.policy = context.sales.current_policy_version(store_today(context.profile.timezone))
        self._fields = {"first name": f.first_name_edit, "last name": f.last_name_edit, "email": f.email_edit,
                        "phone": f.phone_edit, "adult": f.adult_check, "marketing email": f.email_optin_check,
                        "marketing texts": f.sms_optin_check}
        f.new_box.hide()
        f.results_list.setItemDelegate(_HitDelegate(f.results_list))
        for edit in (f.first_name_edit, f.last_name_edit, f.email_edit, f.phone_edit):
            edit.textEdited.connect(lambda _text, edit=edit: self._corrected(edit))
        for box in (f.adult_check, f.email_optin_check, f.sms_optin_check):
            box.toggled.connect(lambda _on, box=box: self._corrected(box))
        f.search_edit.installEventFilter(self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search)
        f.search_edit.textChanged.connect(lambda _t: self._timer.start())
        f.search_edit.returnPressed.connect(self._enter_in_search)
        f.results_list.itemActivated.connect(lambda _item: self.save())
        f.new_button.clicked.connect(self.new_customer)
        f.save_button.clicked.connect(self.save)
        f.close_button.clicked.connect(self.reject)
        self.shortcut("Ctrl+N", self.new_customer)
        self.resize(640, 480)
        mark_info(f.message_label, "Type a name, phone or email. Ctrl+N adds a new customer.")
        self.initial_focus = f.search_edit

    # -- finding ----------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        f = self.form
        if watched is f.search_edit and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() == Qt.Key.Key_Down:
            self._search_now()
            if f.results_list.count():
                f.results_list.setFocus()
                f.results_list.setCurrentRow(0)
                return True
        return super().eventFilter(watched, event)

    def _search_now(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.search()

    def _enter_in_search(self) -> None:
        self._search_now()  # Enter right after typing attaches what was typed, not the last results.
        self.save()

    def search(self) -> None:
        """Show the customers matching the search text (on the GUI connection; a few rows)."""
        f = self.form
        text = f.search_edit.text()
        hits = self.context.sales.find_customers(text, limit=30)
        f.results_list.clear()
        for hit in hits:
            name = f"{hit.name}   ({RESTRICTED_NOTE})" if hit.restricted else hit.name
            contact = "    ".join(x for x in (hit.email or "", _phone(hit.phone)) if x)
            item = QListWidgetItem(f"{name}\n{contact}")  # painted by _HitDelegate; the text is for reading aloud
            item.setData(Qt.ItemDataRole.UserRole, hit)
            if hit.restricted:
                item.setToolTip("A privacy request is open for this customer: attach them to the sale, "
                                   "but their details cannot be changed until it is answered.")
            f.results_list.addItem(item)
        if hits:
            f.results_list.setCurrentRow(0)
            many = "1 customer found" if len(hits) == 1 else f"{len(hits)} customers found"
            mark_info(f.message_label, f"{many}: Enter attaches the highlighted one (Down to choose another).")
        elif text.strip():
            mark_info(f.message_label, "No customer matches. Ctrl+N adds a new one.")
        else:
            mark_info(f.message_label, "Type a name, phone or email. Ctrl+N adds a new customer.")

    # -- adding -----------------------------------------------------------------------------

    def new_customer(self) -> None:
        """Switch to the short form, filling in what was typed in the search."""
        f = self.form
        if self._creating:
            return
        self._creating = True
        self._timer.stop()
        f.find_box.hide()
        f.new_box.show()
        f.new_button.hide()
        f.save_button.setText("Save and attach  Enter")
        self.setWindowTitle("New customer")
        mark_info(f.message_label, NEW_FORM_HINT)
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
            f.policy_label.setText("No privacy policy is on record: the answers are kept without a policy version.")
        else:
            f.policy_label.setText(f"Privacy policy version {self.policy[1]} is in force: show it to the customer "
                                   "before they answer.")
        f.first_name_edit.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # In the new customer form Enter saves from any field or box (a checkbox ignores Enter).
        if self._creating and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.save()
            return
        super().keyPressEvent(event)

    def show_problem(self, exc: UserFacingError) -> None:
        """Say what is wrong; for a field's problem, name it by its caption, mark it and go to it."""
        for widget in self._fields.values():
            self._mark(widget, False)
        field = self._fields.get(exc.field) if isinstance(exc, ValidationError) else None
        if isinstance(exc, ValidationError) and exc.field in CAPTIONS:
            mark_problem(self.form.message_label, f"{CAPTIONS[exc.field]}: {exc.problem}")
        else:
            mark_problem(self.form.message_label, str(exc))
        if field is not None and self._creating:
            self._mark(field, True)
            field.setFocus()

    def _corrected(self, widget: QWidget) -> None:
        """The field named in the problem was changed: the problem is no longer what to read."""
        if widget.property("invalid"):
            self._mark(widget, False)
            mark_info(self.form.message_label, NEW_FORM_HINT)

    @staticmethod
    def _mark(widget: QWidget, invalid: bool) -> None:
        widget.setProperty("invalid", invalid)
        widget.style().unpolish(widget)
        widget.style().polish(widget)

    def save(self) -> None:
        """Attach the highlighted customer, or (in the new customer form) save and attach the new one."""
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

        def work(store: Store) -> CustomerHit | None:
            customer_id = customers.quick_add_customer(form, uow=store.uow(), actor=actor, policy=policy)
            return store.sales.customer(customer_id)

        def done(added: CustomerHit | None) -> None:
            self.chosen = added
            context.changed.emit("customers")
            self.accept()

        self.run(work, done)
