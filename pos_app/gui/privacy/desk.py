"""The privacy desk: customers' requests, overdue and due soon first, each walked through verify, act, close.

Keyboard: Up and Down choose a request; F2 records how the customer's
identity was verified; F3 acts on it (the export for access and
portability, the erasure for deletion, the flag for an opt-out, a
restriction or an objection, the withdrawal of every consent, the record's
editor for a correction); F8 closes it with its outcome; F4 extends the due
date once; Alt+C shows closed requests too. New requests are recorded from
the customer's record (customers screen, Ctrl+R).

Only the privacy officer and the owner see this screen; the services check
again, and a refusal is an audit event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.domain.privacy import ConsentPurpose, RequestStatus, RequestType, VerificationMethod
from pos_app.domain.store import store_time, store_today
from pos_app.gui import dialogs
from pos_app.gui.base import FacetDialog, mark_info, mark_problem, open_dialog
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.ops import CancelToken, show_error
from pos_app.gui.tables import RecordsModel, select_record, show_records
from pos_app.services import customers, erasure, privacy, privacy_export
from pos_app.services.ports.privacy import PrivacyRequestRecord, PrivacyRequestRow
from pos_app.services.ports.store import Store

DUE_SOON_DAYS = 7
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
OVERDUE = QColor("#a8261c")
SOON = QColor("#8a5a00")

# What acting on a request of each type does, as the desk says it.
ACTS: dict[RequestType, str] = {
    RequestType.ACCESS: "write the customer's data export (a zip to send them)",
    RequestType.PORTABILITY: "write the customer's data export (a zip to send them)",
    RequestType.DELETION: "erase the customer's personal data (what the law keeps stays, without them)",
    RequestType.OPT_OUT_SALE: "set \"do not sell or share\" on the record, and close the request",
    RequestType.RESTRICTION: "restrict processing of the record, and close the request",
    RequestType.OBJECTION: "record the objection to direct marketing, and close the request",
    RequestType.WITHDRAW_CONSENT: "withdraw every consent the customer gave, and close the request",
    RequestType.CORRECTION: "open the customer's record to correct it",
}


class RequestsModel(RecordsModel[PrivacyRequestRow]):
    HEADERS = ("Due", "Days left", "Request", "Customer", "Arrived by", "Status")

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        r, column = self.rows[index.row()], index.column()
        is_open = RequestStatus.of(r.status).is_open
        if role == Qt.ItemDataRole.DisplayRole:
            return (r.due_on.isoformat() + (" (extended)" if r.extended else ""),
                    (str(r.days_left) if r.days_left >= 0 else f"{-r.days_left} overdue") if is_open else "",
                    RequestType.of(r.type).label, r.customer_name or "(erased)",
                    r.channel.capitalize(), RequestStatus.of(r.status).label)[column]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column == 1 else _LEFT
        if role == Qt.ItemDataRole.ForegroundRole and is_open and column in (0, 1):
            if r.days_left < 0:
                return QBrush(OVERDUE)
            if r.days_left <= DUE_SOON_DAYS:
                return QBrush(SOON)
        return None


class LetterDialog(FacetDialog):
    """The erasure's confirmation for the customer, to copy into the reply."""

    def __init__(self, context: AppContext, prompt: str, letter: str, parent: QWidget | None = None) -> None:
        super().__init__(context, "letter_dialog.ui", "Erased: the customer's confirmation", parent)
        f = self.form
        f.prompt_label.setText(prompt)
        f.letter_edit.setPlainText(letter)
        f.copy_button.clicked.connect(self.copy)
        f.close_button.clicked.connect(self.accept)
        self.shortcut("Ctrl+Shift+C", self.copy)
        self.initial_focus = f.letter_edit
        self.resize(680, 520)

    def copy(self) -> None:
        QApplication.clipboard().setText(self.form.letter_edit.toPlainText())
        mark_info(self.form.message_label, "Copied: paste it into your reply to the customer.")


class _Progress(QObject):
    moved = Signal(int, int)


class PrivacyDesk(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.form = Form("privacy_desk.ui", self)
        f = self.form
        self.reader = context.store.privacy
        self.model = RequestsModel(self)
        show_records(f.table, self.model, (100, 90, 140, 150, 104, 90))
        f.splitter.setStretchFactor(0, 3)
        f.splitter.setStretchFactor(1, 2)
        f.splitter.setSizes([760, 400])  # every column whole beside the side bar at 1280 wide
        f.table.selectionModel().currentRowChanged.connect(lambda *_: self.show_steps())
        f.closed_check.toggled.connect(lambda _on: self.refresh())
        for button, key, slot in ((f.verify_button, "F2", self.verify), (f.act_button, "F3", self.act),
                                  (f.finish_button, "F8", self.finish), (f.extend_button, "F4", self.extend)):
            button.clicked.connect(slot)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            QShortcut(QKeySequence(key), self, slot)
        context.changed.connect(self._changed)
        self.dialog: QWidget | None = None
        self.export_token: CancelToken | None = None
        f.cancel_button.clicked.connect(self.cancel_export)
        f.cancel_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.cancel_export)
        self.loaded = False  # the list is read when the screen is first shown, not at sign-in

    # -- the list ----------------------------------------------------------------------------

    def today(self) -> dt.date:
        return store_today(self.context.profile.timezone)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.refresh()

    def refresh(self, *, select: str | None = None) -> None:
        if self.context.actor is None:
            return  # locked: nothing is read until someone signs in again
        self.loaded = True
        f = self.form
        keep = select or self.current_id()
        try:
            rows = privacy.list_requests(reader=self.reader, actor=self.context.require_actor(), today=self.today(),
                                         include_closed=f.closed_check.isChecked(), uow=self.context.store.uow())
        except UserFacingError as exc:
            mark_problem(f.message_label, str(exc))
            return
        self.model.set_rows(rows)
        open_rows = [r for r in rows if RequestStatus.of(r.status).is_open]
        overdue = sum(1 for r in open_rows if r.days_left < 0)
        soon = sum(1 for r in open_rows if 0 <= r.days_left <= DUE_SOON_DAYS)
        f.summary_label.setText(f"<b>{len(open_rows)}</b> open · <span style='color:{OVERDUE.name()}'>"
                                f"<b>{overdue}</b> overdue</span> · <span style='color:{SOON.name()}'><b>{soon}</b> "
                                f"due within {DUE_SOON_DAYS} days</span>")
        if not rows:
            mark_info(f.message_label, "No open privacy requests. Record one from the customer's record "
                                       "(Customers, Ctrl+R).")
        elif f.message_label.text().startswith("No open"):
            mark_info(f.message_label, "")
        select_record(self.form.table, self.model, keep)
        self.show_steps()

    def current(self) -> PrivacyRequestRow | None:
        row: PrivacyRequestRow | None = self.model.at(self.form.table.currentIndex())
        return row

    def current_id(self) -> str | None:
        row = self.current()
        return row.id if row else None

    def focus_first(self) -> None:
        self.form.table.setFocus()

    def _changed(self, what: str) -> None:
        if self.loaded and what in ("privacy", "customers"):
            self.refresh()

    def show_steps(self) -> None:
        f = self.form
        r = self.current()
        for button in (f.verify_button, f.act_button, f.finish_button, f.extend_button):
            button.setEnabled(r is not None and RequestStatus.of(r.status).is_open)
        if r is None:
            f.steps_label.setText("")
            return
        status, kind = RequestStatus.of(r.status), RequestType.of(r.type)
        verified = r.verification_method is not None
        f.verify_button.setEnabled(status is RequestStatus.RECEIVED)
        f.act_button.setEnabled(status is RequestStatus.VERIFIED)
        f.extend_button.setEnabled(status.is_open and not r.extended)
        due = (f"{-r.days_left} days overdue" if r.days_left < 0 else f"{r.days_left} days left") \
            if status.is_open else status.label.lower()

        def step(n: int, title: str, done: bool, text: str) -> str:
            mark = "✓" if done else "○"
            return f"<p><b>{mark} {n}. {title}</b><br>{text}</p>"

        parts = [f"<h3>{escape(kind.label)}: {escape(r.customer_name or '(erased customer)')}</h3>",
                 f"<p>Received {r.received_on.isoformat()} by {escape(r.channel)} · due {r.due_on.isoformat()}"
                 f"{' (extended)' if r.extended else ''} · <b>{due}</b></p>",
                 step(1, "Verify who is asking", verified,
                      f"{VerificationMethod.of(r.verification_method or '').label} — by {escape(r.verified_by or '')}"
                      if verified else "Match a recent order detail, send a code to the email or phone on file, or "
                                       "see photo ID at the counter (F2)."),
                 step(2, "Act", not status.is_open, ACTS[kind][0].upper() + ACTS[kind][1:] + " (F3)."),
                 step(3, "Close", not status.is_open,
                      f"{status.label} {store_time(r.completed_at, self.context.profile.timezone):%Y-%m-%d %H:%M}"
                      if r.completed_at else
                      "Tell the customer what was done, then close the request with the outcome (F8).")]
        f.steps_label.setText("".join(parts))

    # -- step 1: verify ------------------------------------------------------------------------

    def verify(self) -> None:
        r = self._open_request()
        if r is None:
            return
        from pos_app.gui.sell.prompts import ChoiceDialog

        actor = self.context.require_actor()

        def chosen(method: str) -> None:
            self._work(lambda store: privacy.verify(r.id, method, actor.staff_id or "", uow=store.uow(), actor=actor),
                       "Identity verified. Next: act on the request (F3).")

        self.dialog = ChoiceDialog(self.context, "Verify who is asking", "How did you make sure this is the "
                                   "customer? You are recorded as the one who verified.",
                                   [(m.label, m.value) for m in VerificationMethod], chosen, parent=self)
        self._open(self.dialog)

    # -- step 2: act ---------------------------------------------------------------------------

    def act(self) -> None:
        r = self._open_request()
        if r is None:
            return
        if r.verification_method is None:
            mark_problem(self.form.message_label, "Verify the customer's identity first (F2).")
            return
        kind = RequestType.of(r.type)
        if kind in (RequestType.ACCESS, RequestType.PORTABILITY):
            self.export(r)
        elif kind is RequestType.DELETION:
            self.erase(r)
        elif kind is RequestType.CORRECTION:
            self.correct(r)
        else:
            self.apply(r, kind)

    def export(self, r: PrivacyRequestRow) -> None:
        if self.export_token is not None:
            mark_problem(self.form.message_label, "An export is being written: wait for it, or cancel it (Esc).")
            return
        folder = self.context.devices.data_dir / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        path = dialogs.ask_save_path(self, "Save the customer's data export", f"privacy-export-{r.id[:8]}.zip",
                                     "Zip files (*.zip)", folder=folder)
        if path is None:
            return
        actor, files = self.context.require_actor(), self.context.devices.files
        token = CancelToken()
        relay = _Progress(self)
        f = self.form
        f.progress_bar.setValue(0)
        relay.moved.connect(lambda done, total: f.progress_bar.setValue(int(100 * done / max(total, 1))))
        self.export_token = token
        self._exporting(True)
        mark_info(f.message_label, "Writing the export…")

        def work(store: Store) -> privacy_export.ExportResult:
            return privacy_export.export_customer(
                r.id, Path(path), uow=store.uow(), reader=store.customer_data, files=files, actor=actor,
                progress=lambda done, total: relay.moved.emit(done, total), cancel=token.cancelled)

        def done(result: privacy_export.ExportResult) -> None:
            self._exporting(False)
            relay.deleteLater()
            self.context.changed.emit("privacy")
            mark_info(self.form.message_label, f"Wrote {result.path.name} (SHA-256 {result.sha256[:16]}…, kept on "
                                               "the request). Send it to the customer securely, then close the "
                                               "request (F8).")

        def failed(exc: BaseException) -> None:
            self._exporting(False)
            relay.deleteLater()
            self._problem(exc)

        self.context.runner.run(work, on_done=done, on_error=failed, parent=self, lane="io")

    def _exporting(self, on: bool) -> None:
        """The export's progress and its Cancel button, inline: the rest of the desk stays usable."""
        self.form.progress_bar.setVisible(on)
        self.form.cancel_button.setVisible(on)
        if not on:
            self.export_token = None

    def cancel_export(self) -> None:
        if self.export_token is not None:
            self.export_token.cancel()

    def erase(self, r: PrivacyRequestRow) -> None:
        name = r.customer_name or "this customer"
        if not dialogs.ask_yes_no(self, "Erase the customer", f"Erase {name}'s personal data now? This cannot be "
                                  "undone. Sales, appraisals and certificates the law makes the store keep stay, "
                                  "without their name.", cannot_undo=True):
            return
        devices, actor = self.context.devices, self.context.require_actor()
        customer_id = r.customer_id or ""

        def done(result: erasure.ErasureResult) -> None:
            self.context.changed.emit("privacy")
            mark_info(self.form.message_label, "Erased; the request is completed. Send the customer the "
                                               "confirmation.")
            kept = "".join(f"<li>{escape(k.category)}: until {k.until.isoformat()} ({escape(k.basis)})</li>"
                           for k in result.kept)
            self.dialog = LetterDialog(self.context, f"<p>{escape(name)} was erased. Kept without them:</p>"
                                                     f"<ul>{kept or '<li>nothing</li>'}</ul>", result.letter, self)
            self._open(self.dialog)

        self.context.runner.run(
            lambda store: erasure.erase_customer(customer_id, r.id, uow=store.uow(), actor=actor,
                                                 log=devices.erasure_log(), store=devices.store_file()),
            on_done=done, on_error=self._problem, parent=self)

    def apply(self, r: PrivacyRequestRow, kind: RequestType) -> None:
        customer_id = r.customer_id or ""
        actor = self.context.require_actor()
        today = self.today()

        def work(store: Store) -> None:
            if kind is RequestType.OPT_OUT_SALE:
                customers.set_privacy_flags(customer_id, uow=store.uow(), actor=actor, do_not_sell=True)
                outcome = "Do-not-sell/share set on the customer's record."
            elif kind is RequestType.RESTRICTION:
                customers.set_privacy_flags(customer_id, uow=store.uow(), actor=actor, restricted=True)
                outcome = "Processing restricted: the record is read for sales only and edited by the privacy " \
                          "officer only; left out of every marketing list."
            elif kind is RequestType.OBJECTION:
                customers.set_privacy_flags(customer_id, uow=store.uow(), actor=actor, marketing_objection=True)
                outcome = "Objection to direct marketing recorded; left out of every marketing list."
            else:
                for purpose in ConsentPurpose:
                    customers.change_consent(customer_id, purpose.value, False, channel=r.channel, uow=store.uow(),
                                             actor=actor, today=today)
                outcome = "Every consent withdrawn (marketing email, texts, sharing for advertising)."
            privacy.close_request(r.id, "completed", outcome, uow=store.uow(), actor=actor)

        self._work(work, "Done and closed. Tell the customer it is done.")

    def correct(self, r: PrivacyRequestRow) -> None:
        actor = self.context.require_actor()
        customer_id, today = r.customer_id or "", self.today()

        def load(store: Store) -> customers.CustomerDetail:
            return customers.customer_detail(customer_id, reader=store.customers, actor=actor, uow=store.uow(),
                                             today=today)

        def edit(detail: customers.CustomerDetail) -> None:
            from pos_app.gui.customers.edit_dialog import CustomerEditDialog

            dialog = CustomerEditDialog(self.context, detail.profile, self)
            dialog.saved.connect(lambda fields: self._corrected(r, fields))
            self._open(dialog)

        self.context.runner.run(load, on_done=edit, on_error=self._problem, parent=self)

    def _corrected(self, r: PrivacyRequestRow, fields: list[str]) -> None:
        self.context.changed.emit("customers")
        changed = ", ".join(f.replace("_", " ") for f in fields) or "nothing (the record was already right)"
        mark_info(self.form.message_label, f"Corrected: {changed}. Close the request (F8) once the customer is told.")

    # -- step 3: close, and the extension ------------------------------------------------------

    def finish(self) -> None:
        r = self._open_request()
        if r is None:
            return
        from pos_app.gui.sell.prompts import ChoiceDialog, PromptDialog

        # The prompt runs `accept_with` on the database worker but hands it no store (gui/sell/prompts.py):
        # its unit of work comes from the store handle, a new transaction each time.
        actor, store = self.context.require_actor(), self.context.store
        exports = self.context.devices.export_files()
        exported = RequestType.of(r.type) in (RequestType.ACCESS, RequestType.PORTABILITY)

        def outcome(status: str) -> None:
            delivered = exported and status == "completed"
            self.dialog = PromptDialog(
                self.context, f"Close the request as {status}",
                "What was done, or why the request is refused (the customer is told the same)."
                + (" Completing it means the export was delivered: its file is deleted now (the request keeps "
                   "its SHA-256), so send it first." if delivered else ""),
                value_label="&Outcome", parent=self,
                on_done=lambda _r: self._done("Request closed; the export file was deleted." if delivered
                                              else "Request closed."),
                accept_with=lambda text, _reason: privacy.close_request(r.id, status, text, uow=store.uow(),
                                                                        actor=actor, exports=exports))
            self._open(self.dialog)

        choices = [("Completed: the request was done", "completed"),
                   ("Refused: identity not verified, or the law lets the store decline", "refused")]
        if r.verification_method is None:
            choices = choices[1:]
        self.dialog = ChoiceDialog(self.context, "Close the request", "How does the request end?", choices, outcome,
                                   parent=self)
        self._open(self.dialog)

    def extend(self) -> None:
        r = self._open_request()
        if r is None:
            return
        from pos_app.gui.sell.prompts import PromptDialog

        actor, store = self.context.require_actor(), self.context.store  # a new unit of work each: see finish

        def accept(told: str, reason: str) -> PrivacyRequestRecord:
            from pos_app.domain.errors import ValidationError

            try:
                day = dt.date.fromisoformat(told.strip())
            except ValueError:
                raise ValidationError("told on", f"{told!r} is not a date: use YYYY-MM-DD") from None
            return privacy.extend(r.id, reason, day, uow=store.uow(), actor=actor)

        self.dialog = PromptDialog(
            self.context, "Extend the due date", "One extension of up to 45 days is allowed; the customer must be "
            "told why before the original due date.", value=self.today().isoformat(),
            value_label="Customer &told on", reason="", reason_label="&Why more time", accept_with=accept,
            on_done=lambda rec: self._done(f"Now due {rec.due_on.isoformat()}."), parent=self)
        self._open(self.dialog)

    # -- plumbing ------------------------------------------------------------------------------

    def _open(self, dialog: QDialog) -> None:
        """Show a dialog; when it closes, the keyboard comes back to the list."""
        self.dialog = open_dialog(dialog, self.form.table)

    def _back(self) -> None:
        self.window().activateWindow()
        self.form.table.setFocus()

    def _open_request(self) -> PrivacyRequestRow | None:
        r = self.current()
        if r is None:
            mark_problem(self.form.message_label, "Choose a request first (Up and Down).")
            return None
        if not RequestStatus.of(r.status).is_open:
            mark_problem(self.form.message_label, f"This request is already {r.status}.")
            return None
        return r

    def _work(self, work: Callable[[Store], object], note: str) -> None:
        self.context.runner.run(work, on_done=lambda _r: self._done(note), on_error=self._problem, parent=self)

    def _done(self, note: str) -> None:
        self.context.changed.emit("privacy")
        mark_info(self.form.message_label, note)

    def _problem(self, exc: BaseException) -> None:
        if isinstance(exc, UserFacingError):
            mark_problem(self.form.message_label, str(exc))
            self.refresh()
        else:
            show_error(self, exc)

    def show_problem(self, exc: UserFacingError) -> None:
        mark_problem(self.form.message_label, str(exc))
