"""The customers screen: find a customer, and see their record, purchases, paperwork, consents and requests.

Keyboard: Ctrl+F search (the list follows as you type); Down goes to the
list, Up and Down move through it and the record follows; Enter opens the
record's tabs (Alt+P profile, Alt+U purchases, Alt+A appraisals and
certificates, Alt+O consents, Alt+R requests, Alt+W who saw this); Ctrl+E
edits the record; Ctrl+R records a privacy request (privacy officer); Esc
clears the search.

Every list shown and every record opened is an audit event naming the
customers by id (who saw what). The record is read on the database worker
with a connection of its own; the screen never logs a personal value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import escape
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QDialog, QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.domain.permissions import Permission
from pos_app.domain.privacy import Channel, ConsentPurpose, RequestStatus, RequestType
from pos_app.domain.store import display_phone, store_time, store_today
from pos_app.gui.base import mark_info, mark_problem, open_dialog
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.ops import show_error
from pos_app.gui.tables import RecordsModel, SearchKeys, fill, select_record, show_records
from pos_app.services import customers, privacy
from pos_app.services.customers import CustomerDetail
from pos_app.services.ports.customers import CustomerHit
from pos_app.services.ports.privacy import AccessRow
from pos_app.services.ports.store import Store

SEARCH_DELAY_MS = 150
DETAIL_DELAY_MS = 120
LIMIT = 500
PURPOSE_BUTTONS = (("email_consent", ConsentPurpose.MARKETING_EMAIL), ("sms_consent", ConsentPurpose.MARKETING_SMS),
                   ("ads_consent", ConsentPurpose.AD_SHARING))


def _local(moment: dt.datetime, timezone: str) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


class CustomersModel(RecordsModel[CustomerHit]):
    HEADERS = ("Name", "Email", "Phone", "")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._texts: list[tuple[str, ...]] = []

    def prepare(self) -> None:
        self._texts = [(r.name, r.email or "", display_phone(r.phone or ""), "restricted" if r.restricted else "")
                       for r in self.rows]

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts[index.row()][index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 3 and self.rows[index.row()].restricted:
            return "Processing restricted: attach to a sale, but only the privacy officer edits the record"
        return None


class CustomersView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.form = Form("customers.ui", self)
        f = self.form
        self.model = CustomersModel(self)
        table = f.table
        show_records(table, self.model, (190, 230, 140, 80))
        f.splitter.setStretchFactor(0, 2)
        f.splitter.setStretchFactor(1, 3)
        f.splitter.setSizes([560, 840])
        f.consent_grid.setColumnStretch(0, 3)
        f.consent_grid.setColumnStretch(1, 1)
        f.name_label.setObjectName("customer_name")
        for t in (f.purchases_table, f.appraisals_table, f.certificates_table, f.consents_table, f.requests_table,
                  f.access_table):
            t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            t.verticalHeader().setVisible(False)
            t.setAlternatingRowColors(True)
        self.keys = SearchKeys(f.search_edit, table, search=self.refresh, open_selected=self.open_selected,
                               on_enter=self._search_entered, delay_ms=SEARCH_DELAY_MS)
        self.detail_timer = QTimer(self)
        self.detail_timer.setSingleShot(True)
        self.detail_timer.setInterval(DETAIL_DELAY_MS)
        self.detail_timer.timeout.connect(self.load_detail)
        table.selectionModel().currentRowChanged.connect(lambda *_: self.detail_timer.start())

        self.officer = context.can(Permission.HANDLE_PRIVACY_REQUESTS)
        f.edit_button.clicked.connect(self.edit)
        f.edit_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        QShortcut(QKeySequence("Ctrl+E"), self, self.edit)
        f.new_request_button.setVisible(self.officer)
        f.new_request_button.clicked.connect(self.new_request)
        if self.officer:
            QShortcut(QKeySequence("Ctrl+R"), self, self.new_request)
        tabs = f.detail_tabs
        tabs.setTabVisible(tabs.indexOf(f.requests_tab), self.officer)
        tabs.setTabVisible(tabs.indexOf(f.access_tab), self.officer)
        for name, purpose in PURPOSE_BUTTONS:
            getattr(f, f"{name}_button").clicked.connect(lambda _c=False, p=purpose: self.toggle_consent(p))
        for check, flag in ((f.do_not_sell_check, "do_not_sell"), (f.objection_check, "marketing_objection"),
                            (f.restricted_check, "restricted")):
            check.clicked.connect(lambda on, flag=flag: self.set_flag(flag, on))
        QShortcut(QKeySequence("Ctrl+F"), self, self.focus_first)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.clear_search)
        context.changed.connect(self._changed)
        self.detail: CustomerDetail | None = None
        self.access: list[AccessRow] = []
        self.dialog: QWidget | None = None
        self._loading: str | None = None
        self._searches = 0  # searches asked for; only the newest one's answer is shown
        self.loaded = False  # the list is read when the screen is first shown, not at sign-in
        self.show_detail(None)

    # -- the list ----------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.refresh()

    def refresh(self, *, select: str | None = None, then: Callable[[], None] | None = None) -> None:
        """Search on the database worker: a search is audited (`customers.viewed`: who saw whom), a write
        that never runs on the GUI thread. Only the newest search's answer is shown; then `then()`."""
        self.keys.timer.stop()
        if self.context.actor is None:
            return  # locked: nothing is read until someone signs in again
        self.loaded = True
        actor, search = self.context.require_actor(), self.form.search_edit.text()
        self._searches += 1
        asked = self._searches

        def work(store: Store) -> list[CustomerHit]:
            return customers.list_customers(reader=store.sales, actor=actor, search=search, limit=LIMIT,
                                            uow=store.uow())

        def done(rows: list[CustomerHit]) -> None:
            if asked == self._searches:  # else a newer search is on its way
                self._show_rows(rows, search, select)
                if then is not None:
                    then()

        def failed(exc: BaseException) -> None:
            if asked != self._searches:
                return
            if isinstance(exc, UserFacingError):
                mark_problem(self.form.message_label, str(exc))
            else:
                show_error(self, exc)

        self.context.runner.run(work, on_done=done, on_error=failed, parent=self)

    def _show_rows(self, rows: list[CustomerHit], search: str, select: str | None) -> None:
        f = self.form
        keep = select or self.current_id()
        self.model.set_rows(rows)
        n = len(rows)
        more = f" (the first {LIMIT})" if n >= LIMIT else ""
        f.count_label.setText(f"{n:,} customer{'s' if n != 1 else ''}{more}")
        if not n:
            mark_info(f.message_label, "No customer matches." if search.strip()
                      else "No customers yet: they are added at the counter when a sale needs one.")
            self.show_detail(None)
        elif f.message_label.text().startswith("No "):
            mark_info(f.message_label, "")
        select_record(self.form.table, self.model, keep)
        if n:
            self.detail_timer.start()

    def current_id(self) -> str | None:
        row = self.model.at(self.form.table.currentIndex())
        return row.id if row else None

    def focus_first(self) -> None:
        self.keys.focus()

    def clear_search(self) -> None:
        self.keys.clear()

    def _search_entered(self) -> None:
        def to_the_list() -> None:
            if self.model.rowCount():
                self.form.table.setFocus()

        self.refresh(then=to_the_list)

    def open_selected(self) -> None:
        """Enter on a customer: the record's tabs take the keyboard."""
        self.form.detail_tabs.setFocus()

    def _changed(self, what: str) -> None:
        if self.loaded and what in ("customers", "sales", "appraisals", "certificates", "privacy"):
            self.refresh()

    # -- the record --------------------------------------------------------------------------

    def load_detail(self) -> None:
        if self.context.actor is None:
            return  # locked while the record was about to load
        customer_id = self.current_id()
        if customer_id is None:
            self.show_detail(None)
            return
        self._loading = customer_id
        actor = self.context.require_actor()
        today = store_today(self.context.profile.timezone)
        officer = self.officer

        def work(store: Store) -> tuple[CustomerDetail, list[AccessRow]]:
            detail = customers.customer_detail(customer_id, reader=store.customers, actor=actor, uow=store.uow(),
                                               today=today)
            access = privacy.access_log(customer_id, reader=store.privacy, actor=actor, uow=store.uow()) \
                if officer else []
            return detail, access

        def done(result: tuple[CustomerDetail, list[AccessRow]]) -> None:
            if self._loading == customer_id and self.current_id() == customer_id:
                self.detail, self.access = result
                self.show_detail(result[0])

        def failed(exc: BaseException) -> None:
            if self.current_id() != customer_id:
                return  # the list moved on (the customer was erased, or another one chosen) while it loaded
            if isinstance(exc, UserFacingError):
                self.show_detail(None)
            self._problem(exc)

        self.context.runner.run(work, on_done=done, on_error=failed, parent=self)

    def show_detail(self, detail: CustomerDetail | None) -> None:
        f = self.form
        f.detail.setEnabled(detail is not None)
        f.edit_button.setEnabled(detail is not None)
        if detail is None:
            self.detail = None
            f.name_label.setText("")
            f.contact_label.setText("Choose a customer on the left.")
            f.profile_label.setText("")
            for t in (f.purchases_table, f.appraisals_table, f.certificates_table, f.consents_table,
                      f.requests_table, f.access_table):
                fill(t, (), [])
            return
        p, tz = detail.profile, self.context.profile.timezone
        f.name_label.setText(f"<b style='font-size:15pt'>{escape(p.name)}</b>"
                             + ("  <span style='color:#8a5a00'>restricted</span>" if p.flags.restricted else ""))
        contact = "    ".join(x for x in (p.email or "", display_phone(p.phone or "")) if x)
        f.contact_label.setText(contact or "No email or phone on file")

        def block(title: str, text: str) -> str:
            body = escape(text).replace("\n", "<br>") if text else "<i>none</i>"
            return f"<p><b>{title}</b><br>{body}</p>"

        f.profile_label.setText(
            block("Billing address", p.billing_address) + block("Shipping address", p.shipping_address)
            + block("Preferences", p.preferences) + block("Wishlist", p.wishlist) + block("Notes", p.notes)
            + f"<p>Customer since {store_time(p.since, self.context.profile.timezone):%Y-%m-%d} · "
              f"{'confirmed 18 or older' if p.adult_confirmed else 'age not confirmed'}</p>")
        can_edit = self._may_edit()
        f.edit_button.setEnabled(can_edit)
        f.edit_button.setToolTip("" if can_edit else "Processing is restricted: only the privacy officer edits "
                                                       "this record")
        f.do_not_sell_check.setChecked(p.flags.do_not_sell)
        f.objection_check.setChecked(p.flags.marketing_objection)
        f.restricted_check.setChecked(p.flags.restricted)
        # Opting out and objecting are anyone's to record; undoing them, and restricting, is the officer's.
        f.restricted_check.setEnabled(self.officer)
        f.do_not_sell_check.setEnabled(self.officer or not p.flags.do_not_sell)
        f.objection_check.setEnabled(self.officer or not p.flags.marketing_objection)

        shown = len(detail.purchases)
        f.purchases_label.setText(f"{detail.purchase_count:,} purchases and returns"
                                  + (f" (the newest {shown})" if shown < detail.purchase_count else ""))
        fill(f.purchases_table, ("Date", "Number", "Kind", "Items", "Total", "Status"),
             [(_local(s.completed_at, tz), s.number, s.kind, str(s.lines), self.context.money(s.total_cents,
                                                                                          s.currency), s.status)
              for s in detail.purchases], numeric=(3, 4))
        fill(f.appraisals_table, ("Number", "Version", "Date", "Status", "Value", "Piece"),
             [(a.number, str(a.version), a.appraised_on.isoformat(), a.status,
               self.context.money(a.value_cents, a.currency), a.description) for a in detail.appraisals],
             numeric=(1, 4))
        fill(f.certificates_table, ("Lab", "Report", "Date", "Carat", "Color", "Clarity", "Scan"),
             [(c.lab, c.report_number, c.report_date.isoformat() if c.report_date else "",
               f"{c.carat_points / 100:.2f}" if c.carat_points is not None else "", c.color or "", c.clarity or "",
               "✓" if c.has_scan else "") for c in detail.certificates], numeric=(3,))
        for name, purpose in PURPOSE_BUTTONS:
            current = detail.current(purpose.value)
            label, button = getattr(f, f"{name}_label"), getattr(f, f"{name}_button")
            if current is None:
                state = "never asked"
            else:
                state = (f"{'yes' if current.granted else 'no'} since {_local(current.at, tz)[:10]}"
                         f" ({Channel.of(current.channel).label.lower()}"
                         + (f", policy v{current.policy_version})" if current.policy_version else ")"))
            label.setText(f"{purpose.label}: <b>{state}</b>")
            granted = current is not None and current.granted
            button.setText("Withdraw" if granted else "Record a yes…")
            button.setEnabled(granted or can_edit)
        fill(f.consents_table, ("When", "Purpose", "Answer", "How", "Policy", "Recorded by"),
             [(_local(c.at, tz), ConsentPurpose.of(c.purpose).label, "yes" if c.granted else "no",
               Channel.of(c.channel).label, f"v{c.policy_version}" if c.policy_version else "",
               c.recorded_by or "") for c in detail.consents])
        fill(f.requests_table, ("Received", "Type", "Status", "Due", "Days left"),
             [(r.received_on.isoformat(), RequestType.of(r.type).label, RequestStatus.of(r.status).label,
               r.due_on.isoformat(), str(r.days_left) if RequestStatus.of(r.status).is_open else "")
              for r in detail.requests], numeric=(4,))
        f.access_label.setText(f"{len(self.access):,} views and changes of this record, newest first.")
        fill(f.access_table, ("When", "Who", "Role", "Counter", "What"),
             [(_local(a.at, tz), a.staff, a.role.replace("_", " "), a.terminal, a.action)
              for a in reversed(self.access)])

    def _may_edit(self) -> bool:
        if self.detail is None or not self.context.can(Permission.EDIT_CUSTOMERS):
            return False
        return not self.detail.profile.flags.restricted or self.context.can(Permission.EDIT_RESTRICTED_CUSTOMER)

    # -- actions -----------------------------------------------------------------------------

    def edit(self) -> None:
        if self.detail is None:
            mark_problem(self.form.message_label, "Find the customer first (Ctrl+F).")
            return
        if not self._may_edit():
            mark_problem(self.form.message_label, "This customer's processing is restricted: only the privacy "
                                                  "officer edits the record. They can still be attached to a sale.")
            return
        from pos_app.gui.customers.edit_dialog import CustomerEditDialog

        dialog = CustomerEditDialog(self.context, self.detail.profile, self)
        dialog.saved.connect(lambda _fields: self.context.changed.emit("customers"))
        self._open(dialog)

    def toggle_consent(self, purpose: ConsentPurpose) -> None:
        if self.detail is None:
            return
        customer_id = self.detail.profile.id
        current = self.detail.current(purpose.value)
        granted = not (current is not None and current.granted)
        actor = self.context.require_actor()
        today = store_today(self.context.profile.timezone)

        def record(channel: str) -> None:
            self.context.runner.run(
                lambda store: customers.change_consent(customer_id, purpose.value, granted, channel=channel,
                                                       uow=store.uow(), actor=actor, today=today),
                on_done=lambda _id: self._recorded(f"{purpose.label}: {'yes' if granted else 'withdrawn'}."),
                on_error=self._problem, parent=self)

        if not granted:
            record(Channel.COUNTER.value)  # withdrawing is one click
            return
        from pos_app.gui.sell.prompts import ChoiceDialog

        self._open(ChoiceDialog(self.context, f"{purpose.label}: the customer says yes",
                                "How did the customer give their consent?", [(c.label, c.value) for c in Channel],
                                record, parent=self))

    def set_flag(self, flag: str, on: bool) -> None:
        if self.detail is None:
            return
        customer_id = self.detail.profile.id
        actor = self.context.require_actor()
        self.context.runner.run(
            lambda store: customers.set_privacy_flags(customer_id, uow=store.uow(), actor=actor, **{flag: on}),
            on_done=lambda _flags: self._recorded("Privacy choice saved."), on_error=self._problem, parent=self)

    def new_request(self) -> None:
        if self.detail is None or not self.officer:
            return
        from pos_app.gui.privacy.request_dialog import NewRequestDialog

        dialog = NewRequestDialog(self.context, self.detail.profile.id, self.detail.profile.name, self)
        dialog.saved.connect(lambda _id: self._recorded("Request recorded; the privacy desk lists it."))
        self._open(dialog)

    def _open(self, dialog: QDialog) -> None:
        """Show a dialog; when it closes, the keyboard comes back to the list."""
        self.dialog = open_dialog(dialog, self.form.table)

    def _recorded(self, note: str) -> None:
        self.context.changed.emit("customers")
        mark_info(self.form.message_label, note)

    def show_problem(self, exc: UserFacingError) -> None:
        mark_problem(self.form.message_label, str(exc))

    def _problem(self, exc: BaseException) -> None:
        if isinstance(exc, UserFacingError):
            mark_problem(self.form.message_label, str(exc))
            if self.detail is not None:
                self.show_detail(self.detail)  # the boxes go back to what is saved
        else:
            show_error(self, exc)
