"""The Reports screen's Report page: any report of the catalog, run off the GUI thread, read as tables.

Who: the owner and managers (`Permission.VIEW_SALES_REPORTS`; the page is
made only for them and `catalog.run` checks again; cost columns only for
`VIEW_COST`, removed by the service).

Keyboard: the chooser has the keyboard when the page opens; type a report's
first letters or use the arrows (Alt+R comes back to it). From and To (Alt+F,
Alt+T) are days in the store's calendar, YYYY-MM-DD, filled with the report's
usual period when it is chosen; a report at one date (inventory valuation)
asks only "At". By (Alt+B) lists the report's groupings; the filter boxes
beside them are the report's own (style, metal, price band, clerk, ...).
Enter in any of them, Run or F5 (the Reports screen's key) makes the report. A date or a range the report
refuses is said on the page naming the field, which gets the keyboard; what
was shown stays as it was.

The report runs through the op runner's "io" lane on a connection of its own
(`gui/ops.py`), with a busy bar and "Running… Esc cancels". Esc interrupts its
query (`cancel.RunningReport`) and the page says "Cancelled"; a run's result
arrives whole or not at all, and a new run throws away the one before.

Each table of the report is a `QTableView` over a `ReportTableModel` (cells
formatted only when drawn), its title and filters above, its note below. Enter
(or a double-click) on a row that stands for sales or pieces asks for them:
`drill_requested`, which the Reports screen turns into the receipts on this
page or the Inventory screen. Ctrl+E saves the report shown as CSV, Ctrl+P as
a PDF (`services/reports/export.py`), after asking where.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHeaderView, QLabel, QLineEdit, QTableView, QWidget

from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.domain.figures import PRICE_BANDS, TOP_BAND
from pos_app.domain.jewelry import Metal, Style
from pos_app.domain.store import DEFAULT_LOCATIONS, store_time, store_today, typed_day
from pos_app.gui import dialogs
from pos_app.gui.base import mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.ops import Cancelled, show_error
from pos_app.gui.reports.cancel import RunningReport
from pos_app.gui.reports.table_model import ReportTableModel
from pos_app.services.ports.reports import Report, ReportRequest
from pos_app.services.ports.store import Store
from pos_app.services.reports import catalog
from pos_app.services.reports.catalog import ReportSpec

RUNNING = "Running… Esc cancels"
CANCELLED = "Cancelled"
ROW_HEIGHT = 26
FILTERS_PER_ROW = 4
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


@dataclass(frozen=True)
class FilterBox:
    """A filter's box on the page: its label and either choices (text, value) or free text."""

    key: str
    label: str
    choices: tuple[tuple[str, str], ...] | None = None
    placeholder: str = "any"  # a free-text box's hint


class ReportPage(QWidget):
    drill_requested = Signal(object)
    """The person asked for the sales or pieces behind a row (Enter on it): the `Drill`."""
    report_shown = Signal(object)
    """A report was made and is on the page: the `Report`."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.form = Form("report_page.ui", self, margin=6)
        f = self.form
        self.report: Report | None = None
        """The report shown (None until one was made)."""
        self.models: list[ReportTableModel] = []
        self.views: list[QTableView] = []
        """One table view per table of the report shown, in order."""
        self.running: RunningReport | None = None
        """The run under way (None when none is)."""
        self._result_widgets: list[QWidget] = []
        self._focus_table = False
        self._filters: dict[str, tuple[QLabel, QComboBox | QLineEdit]] = {}
        self._boxes = self._filter_boxes()
        for name in catalog.names():
            found = catalog.spec(name)
            f.chooser.addItem(found.title, name)
            f.chooser.setItemData(f.chooser.count() - 1, found.summary, Qt.ItemDataRole.ToolTipRole)
        f.progress.hide()
        metrics = f.to_label.fontMetrics()  # "To" and "At" take turns: room for the wider, underline included
        f.to_label.setMinimumWidth(max(metrics.horizontalAdvance(t) for t in ("To", "At")) + 6)
        f.chooser.currentIndexChanged.connect(lambda _i: self._chosen())
        f.run_button.clicked.connect(self.run)
        f.csv_button.clicked.connect(lambda: self.export("csv"))
        f.pdf_button.clicked.connect(lambda: self.export("pdf"))
        for button in (f.run_button, f.csv_button, f.pdf_button):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        for widget in (f.chooser, f.from_edit, f.to_edit, f.by_combo):
            widget.installEventFilter(self)
        within = Qt.ShortcutContext.WidgetWithChildrenShortcut
        QShortcut(QKeySequence("Ctrl+E"), self, lambda: self.export("csv"), context=within)
        QShortcut(QKeySequence("Ctrl+P"), self, lambda: self.export("pdf"), context=within)
        self._esc = QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.cancel, context=within)
        self._esc.setEnabled(False)  # Esc is the page's only while a report runs
        self._chosen()
        mark_info(f.status_label, "Choose a report and its days, then Enter or F5.")

    # ------------------------------------------------------------ the question

    def _filter_boxes(self) -> dict[str, FilterBox]:
        """The filters with a box of their own; a report's other filter keys get a text box."""
        directory = self.context.directory
        staff = tuple((s.name, s.id) for s in sorted(directory.staff_list(), key=lambda s: s.name))
        locations = directory.setting("inventory.locations", list(DEFAULT_LOCATIONS))
        bands = tuple((label, label) for _bound, label in PRICE_BANDS) + ((TOP_BAND, TOP_BAND),)
        return {box.key: box for box in (
            FilterBox("style", "Style", tuple((s.label, s.value) for s in Style)),
            FilterBox("metal", "Metal", tuple((m.label, m.value) for m in Metal)),
            FilterBox("band", "Price band", bands),
            FilterBox("clerk", "Clerk", staff),
            FilterBox("salesperson", "Salesperson", staff),
            FilterBox("location", "Location", tuple((str(loc), str(loc)) for loc in locations)),
            FilterBox("counter", "Counter"),
            FilterBox("sku", "SKU"),
            FilterBox("months", "Cut-offs (months)", placeholder="the store's"),
        )}

    def spec(self) -> ReportSpec:
        """The report chosen."""
        return catalog.spec(str(self.form.chooser.currentData()))

    def _filter_widget(self, key: str) -> tuple[QLabel, QComboBox | QLineEdit]:
        made = self._filters.get(key)
        if made is not None:
            return made
        box = self._boxes.get(key, FilterBox(key, key.replace("_", " ").capitalize()))
        label = QLabel(box.label, self)
        widget: QComboBox | QLineEdit
        if box.choices is not None:
            widget = QComboBox(self)
            widget.addItem(f"Any {box.label.lower()}", "")
            for text, value in box.choices:
                widget.addItem(text, value)
        else:
            widget = QLineEdit(self)
            widget.setPlaceholderText(box.placeholder)
            widget.setMaximumWidth(120)
        if isinstance(widget, QComboBox):  # a long style's name must not widen the page past a small screen
            widget.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            widget.setMinimumContentsLength(10)
        widget.setObjectName(f"{key}_filter")
        label.setBuddy(widget)
        widget.installEventFilter(self)
        label.hide()
        widget.hide()
        self._filters[key] = (label, widget)
        return label, widget

    def _lay_out_filters(self, keys: tuple[str, ...]) -> None:
        """The report's filter boxes, FILTERS_PER_ROW to a row, in the report's order; the others hidden."""
        grid = self.form.filters_grid
        for label, widget in self._filters.values():
            grid.removeWidget(label)
            grid.removeWidget(widget)
            label.hide()
            widget.hide()
        for n, key in enumerate(keys):
            label, widget = self._filter_widget(key)
            row, column = divmod(n, FILTERS_PER_ROW)
            grid.addWidget(label, row, 2 * column)
            grid.addWidget(widget, row, 2 * column + 1)
            label.show()
            widget.show()
        grid.setColumnStretch(2 * FILTERS_PER_ROW, 1)  # the boxes keep their width; the room is left at the end

    def filter_box(self, key: str) -> QComboBox | QLineEdit:
        """The box of a filter key (made when first needed)."""
        return self._filter_widget(key)[1]

    def _chosen(self) -> None:
        """Another report: its usual days, its groupings, its filters; the keyboard stays on the chooser."""
        f = self.form
        found = self.spec()
        f.summary_label.setText(found.summary)
        today = self.today()
        period = found.default_period(today)
        f.from_label.setVisible(not found.at_a_date)
        f.from_edit.setVisible(not found.at_a_date)
        f.from_edit.setText(period.first.isoformat())
        f.to_label.setText("&At" if found.at_a_date else "&To")
        f.to_edit.setText(today.isoformat() if found.at_a_date else period.last.isoformat())
        f.by_combo.clear()
        for by in found.bys:
            f.by_combo.addItem(by.replace("_", " ").capitalize(), by)
        f.by_label.setVisible(bool(found.bys))
        f.by_combo.setVisible(bool(found.bys))
        self._lay_out_filters(found.filter_keys)
        for edit in (f.from_edit, f.to_edit):
            edit.setProperty("invalid", False)
        self._order_tabs()

    def _order_tabs(self) -> None:
        """Tab goes through the question (report, days, grouping, the report's filters), then the tables, then
        the buttons (hidden boxes are passed over)."""
        f = self.form
        filters = [self.filter_box(key) for key in self.spec().filter_keys]
        chain: list[QWidget] = [f.chooser, f.from_edit, f.to_edit, f.by_combo, *filters, *self.views,
                                f.run_button, f.csv_button, f.pdf_button]
        for before, after in zip(chain, chain[1:]):
            QWidget.setTabOrder(before, after)

    def today(self) -> dt.date:
        """Today in the store's calendar."""
        return store_today(self.context.profile.timezone)

    def request(self) -> ReportRequest:
        """What the page asks for; `ValidationError` naming the field for a day that is not one."""
        f = self.form
        found = self.spec()
        to_field = "at" if found.at_a_date else "to"
        first = None
        if not found.at_a_date and f.from_edit.text().strip():
            first = typed_day(f.from_edit.text(), field="from")
        last = typed_day(f.to_edit.text(), field=to_field) if f.to_edit.text().strip() else None
        by = f.by_combo.currentData() if found.bys else None
        filters = []
        for key in found.filter_keys:
            widget = self.filter_box(key)
            value = widget.currentData() if isinstance(widget, QComboBox) else widget.text().strip()
            if value:
                filters.append((key, str(value)))
        return ReportRequest(found.name, first, last, by, tuple(filters))

    def show_request(self, request: ReportRequest) -> None:
        """Put a request in the page's boxes (a drill-through's); a filter it does not name is emptied."""
        f = self.form
        at = f.chooser.findData(request.name)
        if at < 0:
            raise ValidationError("report", f"there is no report {request.name!r}")
        if at == f.chooser.currentIndex():
            self._chosen()
        else:
            f.chooser.setCurrentIndex(at)
        found = self.spec()
        if request.first is not None and not found.at_a_date:
            f.from_edit.setText(request.first.isoformat())
        if request.last is not None:
            f.to_edit.setText(request.last.isoformat())
        if request.by is not None:
            f.by_combo.setCurrentIndex(max(0, f.by_combo.findData(request.by)))
        given = dict(request.filters)
        for key in found.filter_keys:
            widget = self.filter_box(key)
            value = given.get(key, "")
            if isinstance(widget, QComboBox):
                found_at = widget.findData(value)
                if found_at < 0:  # a value the choices do not have (a staff member since removed): keep it
                    widget.addItem(value, value)
                    found_at = widget.count() - 1
                widget.setCurrentIndex(found_at)
            else:
                widget.setText(value)

    def run_request(self, request: ReportRequest) -> None:
        """Show `request` in the boxes and run it (a drill-through); its first table gets the keyboard."""
        self.show_request(request)
        self.run()
        self._focus_table = self.running is not None

    # ------------------------------------------------------------ running

    def run(self) -> None:
        """Make the report asked for, off the GUI thread; a run under way is thrown away."""
        f = self.form
        try:
            request = self.request()
            catalog.settle(request, self.today())  # refuses a bad range now, naming the field; reads nothing
        except ValidationError as exc:
            self._refuse(exc)
            return
        for edit in (f.from_edit, f.to_edit):
            edit.setProperty("invalid", False)
            edit.style().polish(edit)
        if self.running is not None:
            self.running.cancel()
        running = self.running = RunningReport()
        self._busy(True)
        actor = self.context.require_actor()

        def work(store: Store) -> Report:
            return running.run(store.reports,
                               lambda: catalog.run(request, store=store, actor=actor, uow=store.uow()))

        self.context.runner.run(work, on_done=lambda made: self._made(running, made),
                                on_error=lambda exc: self._failed(running, exc), parent=self, lane="io")

    def cancel(self) -> bool:
        """Esc: stop the report running (the page says "Cancelled"); False when none was."""
        running = self.running
        if running is None:
            return False
        running.cancel()
        self.running = None
        self._busy(False)
        mark_info(self.form.status_label, CANCELLED)
        return True

    def _busy(self, busy: bool) -> None:
        f = self.form
        f.progress.setVisible(busy)
        self._esc.setEnabled(busy)
        if busy:
            mark_info(f.status_label, RUNNING)

    def _made(self, running: RunningReport, report: Report) -> None:
        if running is not self.running:  # cancelled, or another run was started: not this one's to show
            return
        self.running = None
        self._busy(False)
        self._show(report)

    def _failed(self, running: RunningReport, exc: BaseException) -> None:
        if running is not self.running:
            return
        self.running = None
        self._busy(False)
        if isinstance(exc, Cancelled):
            mark_info(self.form.status_label, CANCELLED)
        elif isinstance(exc, ValidationError):
            self._refuse(exc)
        elif isinstance(exc, UserFacingError):
            mark_problem(self.form.status_label, str(exc))
        else:
            mark_problem(self.form.status_label, "The report could not be made; what was shown is unchanged.")
            show_error(self, exc)

    def _refuse(self, exc: ValidationError) -> None:
        """A field the report cannot take: said on the page, naming it; the field gets the keyboard."""
        f = self.form
        fields: dict[str, QWidget] = {"from": f.from_edit, "to": f.to_edit, "at": f.to_edit, "by": f.by_combo,
                                      "report": f.chooser}
        names = {"from": "From", "to": "At" if self.spec().at_a_date else "To", "at": "At", "by": "By",
                 "filter": "Filter", "report": "Report"}
        widget = fields.get(exc.field)
        mark_problem(f.status_label, f"{names.get(exc.field, exc.field.capitalize())}: {exc.problem}")
        for edit in (f.from_edit, f.to_edit):
            edit.setProperty("invalid", edit is widget)
            edit.style().polish(edit)
        if widget is not None and widget.isVisible():
            widget.setFocus(Qt.FocusReason.OtherFocusReason)
            if isinstance(widget, QLineEdit):
                widget.selectAll()

    def show_problem(self, exc: UserFacingError) -> None:
        mark_problem(self.form.status_label, str(exc))

    # ------------------------------------------------------------ the answer

    def _show(self, report: Report) -> None:
        f = self.form
        in_table = self._focus_table or any(v.hasFocus() for v in self.views)
        self._focus_table = False
        for widget in self._result_widgets:
            widget.hide()
            widget.deleteLater()
        self._result_widgets.clear()
        self.models.clear()
        self.views.clear()
        self.report = report
        f.title_label.setText(f"{report.title} · {report.store}")
        f.filters_label.setText("   ".join(f"{name}: {self.readable(name, value)}" for name, value in report.filters))
        layout = f.results_layout
        several = len(report.tables) > 1
        for table in report.tables:
            if several or table.title != report.title:
                caption = QLabel(table.title, f.results)
                caption.setStyleSheet("font-weight: 600;")
                layout.addWidget(caption)
                self._result_widgets.append(caption)
            model = ReportTableModel(table, currency=report.currency, locale=report.locale, parent=self)
            view = self._table_view(model)
            layout.addWidget(view, 1)
            self._result_widgets.append(view)
            self.models.append(model)
            self.views.append(view)
            if table.note:
                note = QLabel(table.note, f.results)
                note.setWordWrap(True)
                layout.addWidget(note)
                self._result_widgets.append(note)
        made = store_time(report.made_at, report.timezone).strftime("%H:%M")
        rows = sum(len(t.rows) for t in report.tables)
        drills = any(any(d is not None for d in t.drills) for t in report.tables)
        mark_info(f.status_label, f"Made at {made}, {rows:,} row{'s' if rows != 1 else ''}."
                  + (" Enter on a row shows what it is made of." if drills else "")
                  + " Ctrl+E saves it as CSV, Ctrl+P as PDF.")
        for widget in self._result_widgets:
            widget.show()  # now, not when the layout gets to it: the Tab order below takes only shown widgets
        self._order_tabs()
        if in_table and self.views:
            self.views[0].setFocus(Qt.FocusReason.OtherFocusReason)
        self.report_shown.emit(report)

    def _table_view(self, model: ReportTableModel) -> QTableView:
        view = QTableView(self.form.results)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setAlternatingRowColors(True)
        view.setWordWrap(False)
        view.verticalHeader().hide()
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        view.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        header = view.horizontalHeader()
        header.setResizeContentsPrecision(100)  # widths from the first hundred rows: 10,000 rows stay fast
        view.setModel(model)
        view.resizeColumnsToContents()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column in range(model.columnCount()):
            view.setColumnWidth(column, min(max(view.columnWidth(column) + 16, 70), 420))
        view.activated.connect(lambda index: self._entered(model, index.row()))
        if model.rowCount():
            view.setCurrentIndex(model.index(0, 0))
        return view

    def readable(self, name: str, value: str) -> str:
        """A filter's value as a person reads it: a style's name, a clerk's name."""
        if name == "By":
            return value.replace("_", " ").capitalize()
        box = self._boxes.get(name.lower())
        if box is not None and box.choices is not None:
            return next((text for text, v in box.choices if v == value), value)
        return value

    def _entered(self, model: ReportTableModel, row: int) -> None:
        drill = model.drill(row)
        if drill is not None:
            self.drill_requested.emit(drill)

    # ------------------------------------------------------------ keys

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Enter in the question's boxes runs the report (the table's Enter drills instead: not watched).
        if isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress and event.key() in _ENTER \
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            if isinstance(watched, QComboBox) and watched.view().isVisible():
                return super().eventFilter(watched, event)  # Enter chooses in an open list
            self.run()
            return True
        return super().eventFilter(watched, event)

    def focus_first(self) -> None:
        self.form.chooser.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------ files

    def export(self, fmt: str) -> None:
        """Ctrl+E (CSV) or Ctrl+P (PDF): the report shown, to a file the person names."""
        f = self.form
        report = self.report
        if report is None:
            mark_problem(f.status_label, "Run a report first (F5): there is nothing to save yet.")
            return
        kind = "CSV files (*.csv)" if fmt == "csv" else "PDF files (*.pdf)"
        days = "-".join(value for name, value in report.filters if name in ("From", "To", "At"))
        path = dialogs.ask_save_path(self, f"Save the report as {fmt.upper()}", f"{report.name}-{days}.{fmt}", kind)
        if path is None:
            return
        actor, files = self.context.require_actor(), self.context.devices.files

        def work(store: Store) -> Path:
            from pos_app.services.reports.export import write_report

            return write_report(report, fmt, path, uow=store.uow(), actor=actor, files=files)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, UserFacingError):
                mark_problem(f.status_label, str(exc))
            else:
                show_error(self, exc)

        mark_info(f.status_label, f"Saving {path.name}…")
        self.context.runner.run(work, on_done=lambda saved: mark_info(f.status_label, f"Saved {saved}"),
                                on_error=failed, parent=self, lane="io")

