"""The cash drawer's dialogs: opening a shift, paid-in and paid-out, closing by counting, X and Z reports.

Every change runs on the database worker through `cash.*` (which checks the
amounts and the permissions); a dialog shows the problem inline and stays
open until the change is saved. After a save each emits
`context.changed("shift")`. Keyboard: Enter (or Ctrl+Enter) confirms, Esc
cancels, Tab goes through the fields in the order they are shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import QHeaderView, QLabel, QSpinBox, QWidget

from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.domain.money import Money, parse_money
from pos_app.domain.permissions import Actor
from pos_app.gui.approval import ApprovalDialog, with_approval
from pos_app.gui.base import FacetDialog, mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.gui.ops import show_error
from pos_app.gui.tables import RowsModel, fill
from pos_app.services import cash
from pos_app.services.guard import ApprovalNeeded
from pos_app.services.ports.store import Store


def _sentence(exc: UserFacingError) -> str:
    """A refusal as the drawer's dialogs show it: "Float: 'two hundred' is not an amount…", the field named
    with a capital as on every other form (a service names it in lower case)."""
    text = str(exc)
    return text[:1].upper() + text[1:] if isinstance(exc, ValidationError) else text


class OpenShiftDialog(FacetDialog):
    """Count the float into the drawer and open the shift; on accept `shift_id` is set."""

    def __init__(self, context: AppContext, parent: QWidget | None = None, *, float_text: str = "200.00") -> None:
        super().__init__(context, "shift_dialog.ui", "Open a shift", parent)
        self.shift_id: str | None = None
        f = self.form
        f.prompt_label.setText("Count the float into the drawer: how much cash is in it?")
        f.amount_edit_caption.setText("&Float")
        f.amount_edit.setText(float_text)
        f.amount_edit.selectAll()
        f.reason_edit.hide()
        f.reason_edit_caption.hide()
        f.save_button.setText("Open the shift  Enter")
        f.save_button.clicked.connect(self.save)
        f.close_button.clicked.connect(self.reject)
        f.amount_edit.returnPressed.connect(self.save)
        self.setMinimumWidth(460)
        self.initial_focus = f.amount_edit

    def show_problem(self, exc: UserFacingError) -> None:
        mark_problem(self.form.message_label, _sentence(exc))
        self.form.amount_edit.setFocus()
        self.form.amount_edit.selectAll()

    def save(self) -> None:
        text, context, actor = self.form.amount_edit.text(), self.context, self.context.require_actor()
        currency = context.profile.currency

        def work(store: Store) -> str:
            return cash.open_shift(parse_money(text, currency, field="float"), uow=store.uow(), actor=actor)

        def done(shift_id: str) -> None:
            self.shift_id = shift_id
            context.changed.emit("shift")
            self.accept()

        self.run(work, done)


class CashMoveDialog(FacetDialog):
    """Paid-in or paid-out: an amount and what it is for; a manager approves when the clerk may not.

    On accept `movement_id`, `amount` (Money) and `approver` (None if none
    was needed) are set. Opening the drawer afterwards is the caller's job.
    """

    def __init__(self, context: AppContext, kind: str = "paid_out", parent: QWidget | None = None) -> None:
        if kind not in ("paid_in", "paid_out"):
            raise ValueError(f"kind is paid_in or paid_out, not {kind!r}")
        word = "Paid in" if kind == "paid_in" else "Paid out"
        super().__init__(context, "shift_dialog.ui", word, parent)
        self.kind = kind
        self.movement_id: str | None = None
        self.amount: Money | None = None
        self.approver: Actor | None = None
        f = self.form
        f.prompt_label.setText("Cash put into the drawer (change from the bank, say): how much, and why?"
                               if kind == "paid_in" else
                               "Cash taken out of the drawer (a courier, supplies): how much, and what for?")
        f.reason_edit.setPlaceholderText("change from the bank" if kind == "paid_in" else "courier for a repair")
        f.save_button.setText(f"Record the {word.lower()}  Enter")
        self._saving = False
        f.save_button.clicked.connect(self.save)
        f.close_button.clicked.connect(self.reject)
        f.amount_edit.returnPressed.connect(self._enter_in_amount)
        f.reason_edit.returnPressed.connect(self.save)
        self.setMinimumWidth(460)
        self.initial_focus = f.amount_edit

    def _enter_in_amount(self) -> None:
        if self.form.reason_edit.text().strip():
            self.save()
        else:
            self.form.reason_edit.setFocus()

    def show_problem(self, exc: UserFacingError) -> None:
        mark_problem(self.form.message_label, _sentence(exc))
        on_reason = isinstance(exc, ValidationError) and exc.field == "reason"
        field = self.form.reason_edit if on_reason else self.form.amount_edit
        field.setFocus()
        field.selectAll()

    def save(self) -> None:
        """Record the movement; when the clerk may not, a manager approves it (`gui/approval.py`) and it is
        recorded again with them as the approver. A second Enter while one save is under way does nothing."""
        if self._saving:
            return
        f, context, actor, kind = self.form, self.context, self.context.require_actor(), self.kind
        text, reason, currency = f.amount_edit.text(), f.reason_edit.text(), context.profile.currency

        def work(store: Store, approver: Actor | None) -> tuple[str, Money, Actor | None]:
            amount = parse_money(text, currency, field="amount")
            movement_id = cash.move_cash(kind, amount, reason, uow=store.uow(), actor=actor, approver=approver)
            return movement_id, amount, approver

        def done(result: tuple[str, Money, Actor | None]) -> None:
            self._saving = False
            self.movement_id, self.amount, self.approver = result
            context.changed.emit("shift")
            self.accept()

        def failed(exc: BaseException) -> None:
            self._saving = False
            show_error(self, exc)

        def asked(needed: ApprovalNeeded, approval: ApprovalDialog) -> None:
            mark_info(self.form.message_label, str(needed))
            approval.rejected.connect(lambda: setattr(self, "_saving", False))

        self._saving = True
        with_approval(self, context, work, done, on_error=failed, on_asked=asked)


class CloseShiftDialog(FacetDialog):
    """Count each bill and coin (type, Tab or Enter, type…); the difference shows as you count.

    `so_far` is the open shift's X report (`cash.x_report`, read on the worker before the dialog opens): what
    the drawer should hold. Ctrl+Enter closes the shift. On success `report` (the Z report) is set, the
    dialog accepts and `on_closed(report)` runs; without `on_closed` the dialog opens a `ShiftReportDialog`
    itself, with `print_report` for its Print button.
    """

    def __init__(self, context: AppContext, so_far: cash.ShiftReport,
                 on_closed: Callable[[cash.ShiftReport], None] | None = None, parent: QWidget | None = None, *,
                 print_report: Callable[[cash.ShiftReport], None] | None = None) -> None:
        super().__init__(context, "close_shift_dialog.ui", "Close the shift", parent)
        self.actor = context.require_actor()
        self.on_closed = on_closed
        self.print_report = print_report
        self.report: cash.ShiftReport | None = None
        self.so_far = so_far
        currency = self.so_far.shift.currency
        self.values = cash.denominations(currency)
        f = self.form
        grid = f.count_grid
        for column, title in enumerate(("Bill or coin", "How many", "Amount")):
            header = QLabel(f"<b>{title}</b>", f.count_frame)
            grid.addWidget(header, 0, column, Qt.AlignmentFlag.AlignRight if column else Qt.AlignmentFlag.AlignLeft)
        self.spins: list[QSpinBox] = []
        self.amounts: list[QLabel] = []
        for row, value in enumerate(self.values, start=1):
            caption = QLabel(context.money(value, currency), f.count_frame)
            spin = QSpinBox(f.count_frame)
            spin.setRange(0, 10_000)
            spin.setAlignment(Qt.AlignmentFlag.AlignRight)
            spin.setButtonSymbols(QSpinBox.ButtonSymbols.NoButtons)
            spin.setMinimumWidth(90)
            spin.setAccessibleName(f"How many {caption.text()}")
            caption.setBuddy(spin)
            spin.valueChanged.connect(self._recount)
            spin.installEventFilter(self)
            amount = QLabel("", f.count_frame)
            amount.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            amount.setMinimumWidth(110)
            grid.addWidget(caption, row, 0)
            grid.addWidget(spin, row, 1)
            grid.addWidget(amount, row, 2)
            self.spins.append(spin)
            self.amounts.append(amount)
        grid.setColumnStretch(0, 1)
        for previous, following in zip([*self.spins, f.close_button], [*self.spins[1:], f.close_button,
                                                                        f.save_button]):
            QWidget.setTabOrder(previous, following)
        f.expected_label.setText(context.money(self.so_far.expected.cents, currency))
        f.save_button.clicked.connect(self.close_shift)
        f.close_button.clicked.connect(self.reject)
        self.shortcut("Ctrl+Return", self.close_shift)
        self.shortcut("Ctrl+Enter", self.close_shift)
        self.setMinimumWidth(420)
        self._recount()
        self.initial_focus = self.spins[0]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched in self.spins and event.type() == QEvent.Type.FocusIn:
            # However the count got the focus, typing replaces it (a spin box selects only on Tab).
            QTimer.singleShot(0, watched, watched.selectAll)
        # Enter in a count goes to the next one (counting with the number pad); Ctrl+Enter still closes.
        if watched in self.spins and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) \
                and not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            index = self.spins.index(watched)
            if index + 1 < len(self.spins):
                self.spins[index + 1].setFocus(Qt.FocusReason.TabFocusReason)
            else:
                self.form.save_button.setFocus(Qt.FocusReason.TabFocusReason)
                mark_info(self.form.message_label, "All counted. Enter (or Ctrl+Enter) closes the shift.")
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Buttons here are not auto-default, so Enter on the focused Close button is handled here.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.focusWidget() is self.form.save_button:
            self.close_shift()
            return
        super().keyPressEvent(event)

    def counts(self) -> dict[int, int]:
        """Pieces counted per denomination (cents), leaving out the ones not counted."""
        return {value: spin.value() for value, spin in zip(self.values, self.spins) if spin.value()}

    def _recount(self) -> None:
        currency, money = self.so_far.shift.currency, self.context.money
        for value, spin, label in zip(self.values, self.spins, self.amounts):
            label.setText(money(value * spin.value(), currency) if spin.value() else "")
        # A running sum for the eye only; the service counts again when it closes the shift.
        total = sum(value * pieces for value, pieces in self.counts().items())
        self.form.counted_label.setText(money(total, currency))
        variance = total - self.so_far.expected.cents
        self.form.variance_label.setText(("+" if variance > 0 else "") + money(variance, currency))

    def show_problem(self, exc: UserFacingError) -> None:
        mark_problem(self.form.message_label, str(exc))

    def close_shift(self) -> None:
        counted, context, actor = self.counts(), self.context, self.actor
        locale = context.profile.locale

        def work(store: Store) -> cash.ShiftReport:
            return cash.close_shift(counted, uow=store.uow(), sales=store.sales, actor=actor, locale=locale)

        def done(report: cash.ShiftReport) -> None:
            self.report = report
            context.changed.emit("shift")
            self.accept()
            if self.on_closed is not None:
                self.on_closed(report)
            else:
                self.report_dialog = ShiftReportDialog(context, report, self.print_report, self.parentWidget())
                self.report_dialog.open()

        self.run(work, done)


class _ReportRows(RowsModel):
    """A report's (label, value) rows; a row with no value is a heading, in bold."""

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.FontRole and index.isValid() and index.row() < len(self.rows) \
                and not self.rows[index.row()][1]:
            bold = QFont()
            bold.setBold(True)
            return bold
        return super().data(index, role)


class ReportDialog(FacetDialog):
    """Rows in a read-only table, with Print (Ctrl+P) when a print callback is given.

    `rows` are (label, value) pairs as `ShiftReport.rows()` gives them (a blank
    value makes a heading), or rows of `headers` columns. `say(text)` shows
    the outcome of a print under the table.
    """

    def __init__(self, context: AppContext, title: str, rows: Sequence[tuple[str, ...]],
                 print_report: Callable[[], None] | None, parent: QWidget | None = None,
                 headers: list[str] | None = None, numeric: tuple[int, ...] = (1,), subtitle: str = "") -> None:
        super().__init__(context, "shift_report_dialog.ui", title, parent)
        f = self.form
        f.title_label.setText(title)
        f.subtitle_label.setText(subtitle)
        f.subtitle_label.setVisible(bool(subtitle))
        table = f.report_table
        table.verticalHeader().setVisible(False)
        # Rows a little tighter than a list's: a Z report's 27 rows fit a 1280x800 screen without scrolling.
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 6)
        if headers is None:
            model = _ReportRows(["", "Amount"], [[label if value else label.upper(), value] for label, value in rows],
                                [1], table)
            table.setModel(model)
            table.horizontalHeader().setVisible(False)
            table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
            table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
            # Tall enough for every row: the totals at the bottom are what the report is for.
            height = table.verticalHeader().defaultSectionSize() * len(rows) + 2 * table.frameWidth() + 2
            table.setMinimumHeight(min(height, 640))
        else:
            fill(table, headers, [list(r) for r in rows], numeric=list(numeric))
            table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        f.close_button.clicked.connect(self.accept)
        if print_report is None:
            f.print_button.hide()
        else:
            f.print_button.clicked.connect(print_report)
            self.shortcut("Ctrl+P", print_report)
        self.resize(460, self.sizeHint().height())
        self.initial_focus = f.close_button

    def say(self, text: str, problem: bool = False) -> None:
        (mark_problem if problem else mark_info)(self.form.message_label, text)


class ShiftReportDialog(ReportDialog):
    """An X report (shift still open) or Z report (closed, with the count) as its rows.

    Print calls `print_report(report)` (the caller prints, on the io lane, and
    may show the outcome with `say`); without a callback there is no Print.
    """

    def __init__(self, context: AppContext, report: cash.ShiftReport,
                 print_report: Callable[[cash.ShiftReport], None] | None = None,
                 parent: QWidget | None = None, *, title: str | None = None) -> None:
        def print_it() -> None:
            assert print_report is not None
            print_report(report)

        shift, zone = report.shift, ZoneInfo(context.profile.timezone)
        when = f"opened {shift.opened_at.astimezone(zone):%Y-%m-%d %H:%M}"
        if shift.closed_at is not None:
            when += f", closed {shift.closed_at.astimezone(zone):%H:%M}"
        super().__init__(context, title or ("Z report" if report.counted is not None else "X report"),
                         report.rows(context.profile.locale), None if print_report is None else print_it, parent,
                         subtitle=f"Counter {shift.terminal} · shift {when}")
        self.report = report
