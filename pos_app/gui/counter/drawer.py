"""The cash drawer's dialogs: closing a shift by counting, and showing an X or Z report."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHeaderView, QSpinBox, QTableWidgetItem, QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.gui.base import FacetDialog, mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.gui.tables import fill
from pos_app.services import cash


class CloseShiftDialog(FacetDialog):
    """Count each bill and coin (Tab, type, Tab…); the difference shows as you count; Ctrl+Enter closes."""

    def __init__(self, context: AppContext, on_closed: Callable[[cash.ShiftReport], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(context, "close_shift_dialog.ui", "Close the shift", parent)
        self.actor = context.require_actor()
        self.on_closed = on_closed
        self.x = cash.x_report(sales=context.sales, actor=self.actor)
        currency = self.x.shift.currency
        self.values = cash.denominations(currency)
        f = self.form
        table = f.count_table
        table.setColumnCount(3)
        table.setHorizontalHeaderLabels(["Bill or coin", "How many", "Amount"])
        table.setRowCount(len(self.values))
        self.spins: list[QSpinBox] = []
        for row, value in enumerate(self.values):
            table.setItem(row, 0, QTableWidgetItem(context.money(value, currency)))
            spin = QSpinBox(table)
            spin.setRange(0, 10_000)
            spin.valueChanged.connect(self._recount)
            table.setCellWidget(row, 1, spin)
            table.setItem(row, 2, QTableWidgetItem(""))
            self.spins.append(spin)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        table.verticalHeader().setVisible(False)
        f.expected_label.setText(context.money(self.x.expected.cents, currency))
        f.save_button.clicked.connect(self.close_shift)
        f.close_button.clicked.connect(self.reject)
        self.shortcut("Ctrl+Return", self.close_shift)
        self.shortcut("Ctrl+Enter", self.close_shift)
        self.resize(460, 620)
        self._recount()
        self.initial_focus = self.spins[0]

    def counts(self) -> dict[int, int]:
        return {value: spin.value() for value, spin in zip(self.values, self.spins) if spin.value()}

    def _recount(self) -> None:
        currency, money = self.x.shift.currency, self.context.money
        for row, (value, spin) in enumerate(zip(self.values, self.spins)):
            self.form.count_table.item(row, 2).setText(money(value * spin.value(), currency) if spin.value() else "")
        total = sum(value * pieces for value, pieces in self.counts().items())
        self.form.counted_label.setText(money(total, currency))
        variance = total - self.x.expected.cents
        self.form.variance_label.setText(("+" if variance > 0 else "") + money(variance, currency))

    def show_problem(self, exc: UserFacingError) -> None:
        mark_problem(self.form.message_label, str(exc))

    def close_shift(self) -> None:
        counted, context, actor = self.counts(), self.context, self.actor
        locale = context.profile.locale

        def work() -> cash.ShiftReport:
            conn = context.facet.connection()
            try:
                return cash.close_shift(counted, uow=context.uow(), sales=context.facet.sales_reader(conn),
                                        actor=actor, locale=locale)
            finally:
                conn.close()

        def done(report: cash.ShiftReport) -> None:
            self.accept()
            self.on_closed(report)

        self.run(work, done)


class ReportDialog(FacetDialog):
    """An X or Z report's rows, with Print (to the receipt printer) when a printer callback is given."""

    def __init__(self, context: AppContext, title: str, rows: list[tuple[str, str]],
                 print_report: Callable[[], None] | None, parent: QWidget | None = None,
                 headers: list[str] | None = None, numeric: tuple[int, ...] = (1,)) -> None:
        super().__init__(context, "shift_report_dialog.ui", title, parent)
        f = self.form
        f.title_label.setText(title)
        if headers is None:
            fill(f.report_table, ["", "Amount"],
                 [[label if value else label.upper(), value] for label, value in rows], numeric=[1])
        else:
            fill(f.report_table, headers, [list(r) for r in rows], numeric=list(numeric))
        f.report_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        f.report_table.verticalHeader().setVisible(False)
        f.close_button.clicked.connect(self.accept)
        if print_report is None:
            f.print_button.hide()
        else:
            f.print_button.clicked.connect(print_report)
            self.shortcut("Ctrl+P", print_report)
        self.resize(440, 560)
        self.initial_focus = f.close_button

    def say(self, text: str, problem: bool = False) -> None:
        (mark_problem if problem else mark_info)(self.form.message_label, text)

