"""The Reports screen's Report page, driven by keys as a manager would: choose a report, its days and grouping,
run it off the GUI thread, read the same rows `catalog.run` makes, be refused a bad range, cancel a slow run with
Esc, and go from a row to the receipts behind it.

Over the demo store (90 days of sales), in the real main window, offscreen.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pytest
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QComboBox, QLineEdit, QTableView

from pos_app.domain.figures import Period, shown_percent
from pos_app.domain.money import Money, format_money
from pos_app.domain.store import store_today
from pos_app.gui import dialogs
from pos_app.gui.main_window import MainWindow
from pos_app.gui.reports.report_page import CANCELLED, RUNNING, ReportPage
from pos_app.gui.reports.table_model import ReportTableModel
from pos_app.gui.reports_view import ReportsView
from pos_app.services.ports.reports import Column, Drill, Kind, Report, ReportRequest, Table
from pos_app.services.reports import catalog
from pos_app.services.reports.catalog import ReportContext, ReportSpec
from tests.gui.conftest import focused, press, sign_in, snap

CTRL = Qt.KeyboardModifier.ControlModifier


def open_reports(qtbot, window: MainWindow) -> tuple[ReportsView, ReportPage]:  # type: ignore[no-untyped-def]
    """The Reports screen by its Ctrl+N from the side bar's order (the Dashboard in front), then Alt+0: its
    Report page in front with the keyboard."""
    assert window.workspace is not None
    screens = list(window.workspace.screens)
    press(qtbot, getattr(Qt.Key, f"Key_{screens.index('Reports') + 1}"), CTRL)
    view = window.workspace.screens["Reports"]
    assert isinstance(view, ReportsView)
    qtbot.waitUntil(lambda: window.workspace.current_screen() is view)
    assert view.form.tabs.currentWidget() is view.dashboard
    press(qtbot, Qt.Key.Key_0, Qt.KeyboardModifier.AltModifier)
    page = view.report_page
    assert page is not None and view.form.tabs.currentWidget() is page
    qtbot.waitUntil(lambda: focused() is page.form.chooser)
    return view, page


def made(qtbot, page: ReportPage, before: Report | None = None) -> Report:  # type: ignore[no-untyped-def]
    """Wait for the run under way to end with a new report on the page."""
    qtbot.waitUntil(lambda: page.running is None and page.report is not before, timeout=20_000)
    assert page.report is not None
    return page.report


def expected(window: MainWindow, request: ReportRequest) -> Report:
    with window.context.facet.open_store() as store:
        return catalog.run(request, store=store, actor=window.context.require_actor(), uow=store.uow())


def tab_to(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    """Tab until `widget` has the keyboard, as a person would (at most 30 presses)."""
    seen = []
    for _ in range(30):
        if focused() is widget:
            return
        press(qtbot, Qt.Key.Key_Tab)
        seen.append(focused().objectName() or type(focused()).__name__)
    assert focused() is widget, " ".join(seen)


def shown_rows(view: QTableView) -> list[list[str]]:
    model = view.model()
    assert isinstance(model, ReportTableModel)
    return [[model.text(r, c) for c in range(model.columnCount())] for r in range(model.rowCount())]


def test_a_manager_runs_sales_by_style_by_keys_reads_what_the_catalog_makes_enters_a_row_for_its_receipts_and_saves_them(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Marcus Reed")
    # The side bar by keys: Ctrl+M, the arrows down to Reports, Enter: the Dashboard; Alt+0: the Report page.
    assert window.workspace is not None
    press(qtbot, Qt.Key.Key_M, CTRL)
    for _ in range(len(window.workspace.screens)):
        if window.workspace.current_title() == "Reports":
            break
        press(qtbot, Qt.Key.Key_Down)
    assert window.workspace.current_title() == "Reports"
    press(qtbot, Qt.Key.Key_Return)
    view = window.workspace.screens["Reports"]
    assert isinstance(view, ReportsView) and view.report_page is not None
    qtbot.waitUntil(lambda: view.form.tabs.currentWidget() is view.dashboard)
    press(qtbot, Qt.Key.Key_0, Qt.KeyboardModifier.AltModifier)
    page = view.report_page
    qtbot.waitUntil(lambda: focused() is page.form.chooser)
    f = page.form

    # Type-ahead on the chooser (from the last report: type-ahead looks after the current one), Tab to the days
    # (this month so far), Tab to By and type "st" for style, F5.
    press(qtbot, Qt.Key.Key_End)
    qtbot.keyClicks(f.chooser, "Sales")
    assert f.chooser.currentData() == "sales"
    today = store_today(window.context.profile.timezone)
    first = today - dt.timedelta(days=59)
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is f.from_edit and f.from_edit.text() == today.replace(day=1).isoformat()
    press(qtbot, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(f.from_edit, first.isoformat())
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is f.to_edit and f.to_edit.text() == today.isoformat()
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is f.by_combo
    qtbot.keyClicks(f.by_combo, "st")
    assert f.by_combo.currentData() == "style"
    press(qtbot, Qt.Key.Key_F5)
    report = made(qtbot, page)

    want = expected(window, ReportRequest("sales", first, today, "style"))
    assert report.title == want.title == "Sales by style"
    assert report.filters == want.filters == (("From", first.isoformat()), ("To", today.isoformat()),
                                              ("By", "style"))
    assert report.tables == want.tables and len(page.views) == 1
    table = want.tables[0]
    assert len(table.rows) >= 3 and table.total is not None

    # What the person reads: the store's money, percentages, counts; numbers to the right; the total in bold.
    rows = shown_rows(page.views[0])
    columns = [c.key for c in table.columns]
    net, margin, sales = columns.index("net_sales"), columns.index("margin"), columns.index("sales")
    for shown, typed in zip(rows, (*table.rows, table.total)):
        assert shown[0] == typed[0]
        assert shown[net] == format_money(Money(int(typed[net] or 0), "USD"), "en_US")
        assert shown[margin] == shown_percent(typed[margin] if isinstance(typed[margin], Decimal) else None)
        assert shown[sales] == f"{typed[sales]:,}"
    model = page.models[0]
    last = model.rowCount() - 1
    assert model.data(model.index(last, 0)) == "Total"
    font = model.data(model.index(last, net), Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont) and font.bold()
    assert model.data(model.index(0, net), Qt.ItemDataRole.FontRole) is None
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    assert model.data(model.index(0, net), Qt.ItemDataRole.TextAlignmentRole) == right
    assert model.data(model.index(0, 0), Qt.ItemDataRole.TextAlignmentRole) != right
    assert f.title_label.text().startswith("Sales by style")
    assert f"From: {first.isoformat()}" in f.filters_label.text() and "By: Style" in f.filters_label.text()
    window.resize(1400, 820)
    snap(window, "report_page_sales_by_style")

    # A range that ends before it starts is refused, naming To; the keyboard goes there; the table stays.
    press(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)  # back from By to To
    assert focused() is f.to_edit
    press(qtbot, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(f.to_edit, (first - dt.timedelta(days=1)).isoformat())
    press(qtbot, Qt.Key.Key_Return)
    assert f.status_label.text().startswith("To: ") and "before the first day" in f.status_label.text()
    assert f.status_label.property("problem") is True and focused() is f.to_edit
    assert page.running is None and page.report is report and shown_rows(page.views[0]) == rows
    press(qtbot, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(f.to_edit, today.isoformat())

    # Enter on the first style's row: the receipts of that style in those days, on the same page.
    tab_to(qtbot, page.views[0])
    assert page.views[0].currentIndex().row() == 0
    style = dict(table.drills[0].filters)["style"] if table.drills[0] else None
    assert style is not None
    press(qtbot, Qt.Key.Key_Return)
    receipts = made(qtbot, page, report)
    assert receipts.name == "receipts" and f.chooser.currentData() == "receipts"
    assert receipts.tables == expected(window, ReportRequest("receipts", first, today, None,
                                                             (("style", style),))).tables
    assert ("Style", style) in receipts.filters
    assert page.filter_box("style").currentData() == style
    assert len(receipts.tables[0].rows) > 0 and focused() is page.views[0]
    snap(window, "report_page_receipts")

    # Ctrl+E: the receipts shown, to the CSV file the person names (the save dialog answered here).
    asked: list[str] = []

    def answer(target: Path):  # type: ignore[no-untyped-def]
        def ask(_parent, _title, suggested, _filter, *_a, **_k):  # type: ignore[no-untyped-def]
            asked.append(suggested)
            return target
        return ask

    out = tmp_path / "receipts.csv"
    monkeypatch.setattr(dialogs, "ask_save_path", answer(out))
    press(qtbot, Qt.Key.Key_E, CTRL)
    qtbot.waitUntil(lambda: f.status_label.text() == f"Saved {out}", timeout=10_000)
    assert asked == [f"receipts-{first.isoformat()}-{today.isoformat()}.csv"]
    with out.open(encoding="utf-8-sig", newline="") as file:
        lines = list(csv.reader(file))
    table = receipts.tables[0]
    assert lines[0] == [c.heading for c in table.columns]
    assert [line[0] for line in lines[1:]] == [*(r[0] for r in table.rows), "Total"]

    # Ctrl+P: the same as a PDF with its title and the filters it was run with.
    pdf = tmp_path / "receipts.pdf"
    monkeypatch.setattr(dialogs, "ask_save_path", answer(pdf))
    press(qtbot, Qt.Key.Key_P, CTRL)
    qtbot.waitUntil(lambda: f.status_label.text() == f"Saved {pdf}", timeout=30_000)
    with pdfplumber.open(pdf) as document:
        text = document.pages[0].extract_text()
    assert "Receipts" in text and first.isoformat() in text and str(table.rows[0][0]) in text


def test_esc_cancels_a_slow_report_while_the_screen_keeps_answering(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    started: list[bool] = []
    ended: list[float] = []

    def slow(request: ReportRequest, period: Period, context: ReportContext) -> tuple[str, tuple[Table, ...]]:
        started.append(True)
        reader = context.store.reports
        # A query that counts to a billion (minutes): only Esc's interrupt ends it soon.
        try:
            reader._c.execute(  # type: ignore[attr-defined]
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000) "
                "SELECT count(*) FROM n").fetchone()
        finally:
            ended.append(time.monotonic())
        return "Slow", (Table("Slow", (Column("n", "N", Kind.COUNT),), ((1,),)),)

    catalog.names()
    monkeypatch.setitem(catalog.REPORTS, "slow", ReportSpec("slow", "Slow to make", "A test's slow query.", slow,
                                                            at_a_date=True))
    sign_in(qtbot, window, "Jane Ellen")
    _view, page = open_reports(qtbot, window)
    f = page.form
    qtbot.keyClicks(f.chooser, "Slow")
    assert f.chooser.currentData() == "slow"
    # A report at one date asks only "At" (today, in the store's calendar).
    assert not f.from_edit.isVisible() and f.to_label.text() == "&At"
    assert f.to_edit.text() == store_today(window.context.profile.timezone).isoformat()
    press(qtbot, Qt.Key.Key_Return)
    assert page.running is not None and f.status_label.text() == RUNNING and f.progress.isVisible()
    qtbot.waitUntil(lambda: bool(started), timeout=10_000)

    # The screen answers while the query runs: a timer ticks, the chooser moves with the arrows.
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    qtbot.waitUntil(lambda: len(ticks) >= 10, timeout=3_000)
    timer.stop()
    press(qtbot, Qt.Key.Key_Up)
    assert f.chooser.currentData() != "slow"
    snap(window, "report_page_running")

    press(qtbot, Qt.Key.Key_Escape)
    pressed = time.monotonic()
    assert f.status_label.text() == CANCELLED and not f.progress.isVisible()
    assert page.running is None
    qtbot.waitUntil(lambda: bool(ended), timeout=10_000)  # the query was interrupted, not finished
    assert ended[0] - pressed < 30  # interrupted: counting to a billion takes minutes
    assert page.report is None and page.views == [] and f.status_label.text() == CANCELLED


def test_an_items_drill_shows_the_inventory_filtered_to_its_style_and_metal(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Marcus Reed")
    view, _page = open_reports(qtbot, window)
    view.show_drill(Drill("items", None, (("style", "tennis"), ("metal", "platinum"))))
    assert window.workspace is not None
    inventory = window.workspace.screens["Inventory"]
    qtbot.waitUntil(lambda: window.workspace.current_screen() is inventory)
    flt = inventory.current_filter()  # type: ignore[attr-defined]
    assert flt.styles == ("tennis",) and flt.metals == ("platinum",) and flt.text == ""
    assert focused() is inventory.form.table  # type: ignore[attr-defined]

    # Pieces the inventory cannot narrow to (a price band) are shown as their receipts instead.
    view.show_drill(Drill("items", Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31)), (("band", "Under $1,000"),)))
    qtbot.waitUntil(lambda: window.workspace.current_screen() is view)
    assert view.report_page is not None
    report = made(qtbot, view.report_page)
    assert report.name == "receipts" and ("Band", "Under $1,000") in report.filters


def test_who_has_only_the_stock_reports_keeps_the_stock_tabs_without_the_report_page(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    from pos_app.domain.permissions import Permission

    sign_in(qtbot, window, "Marcus Reed")
    context = window.context
    can = context.can
    # A role the owner's Settings left the stock reports but not the sales reports.
    context.can = lambda permission: permission is not Permission.VIEW_SALES_REPORTS and can(permission)  # type: ignore[method-assign]
    view = ReportsView(context)
    qtbot.addWidget(view)
    assert view.report_page is None and view.head_office is None
    assert [view.form.tabs.tabText(n) for n in range(view.form.tabs.count())] == [
        "Low stock  (Alt+1)", "Aging  (Alt+2)", "Duplicate certificates  (Alt+3)"]


def _table(rows: int) -> Table:
    columns = (Column("day", "Day", Kind.DATE), Column("who", "Clerk", Kind.TEXT),
               Column("sales", "Sales", Kind.COUNT), Column("net", "Net sales", Kind.MONEY),
               Column("margin", "Margin %", Kind.PERCENT, cost=True), Column("turn", "Turn", Kind.RATIO))
    body = tuple((f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}", f"Clerk {n % 7}", n, n * 12_345 - 50_000,
                  Decimal(n % 100) + Decimal("0.25") if n % 9 else None, Decimal(n) / 7) for n in range(rows))
    drills = tuple(Drill("sales", None, (("clerk", f"c{n % 7}"),)) for n in range(rows))
    return Table("Big", columns, body, ("Total", "", sum(range(rows)), 1, Decimal("12.5"), None), drills,
                 note="A note")


def test_the_table_model_passes_qt_s_model_checks_and_formats_only_what_is_drawn_at_ten_thousand_rows(
        qtbot, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    small = ReportTableModel(_table(40), currency="USD", locale="en_US")
    qtmodeltester.check(small)
    assert small.text(3, 3) == "-$129.65" and small.text(9, 4) == "—" and small.text(10, 4) == "10.3%"
    assert small.text(40, 0) == "Total" and small.drill(40) is None and small.drill(3) is not None
    assert small.data(QModelIndex()) is None and small.data(small.index(0, 0), 999) is None

    big = ReportTableModel(_table(10_000), currency="USD", locale="en_US")
    view = QTableView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.setModel(big)
    view.show()
    qtbot.waitExposed(view)
    view.scrollToBottom()
    view.grab()
    assert big.rowCount() == 10_001
    assert big.formatted < 1_000  # of 60,006 cells: only those drawn


def test_the_chooser_lists_every_report_sales_offers_style_and_metal_and_a_10_000_row_report_shows_at_once(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Marcus Reed")
    _view, page = open_reports(qtbot, window)
    assert page.form.chooser.count() == len(catalog.names())
    found = catalog.spec("sales")
    for key in ("style", "metal"):
        assert key in found.filter_keys
        box = page.filter_box(key)
        assert isinstance(box, QComboBox) and box.isVisible() and box.count() > 5

    big = Report(name="receipts", title="Receipts", store="Test", currency="USD", locale="en_US",
                 timezone="America/New_York", filters=(("From", "2026-01-01"), ("To", "2026-12-01")),
                 tables=(_table(10_000),), made_at=dt.datetime.now(dt.UTC))
    page._show(big)  # what a run's answer does on the GUI thread
    page.views[0].grab()
    assert page.models[0].rowCount() == 10_001 and page.models[0].formatted < 2_000
    assert page.form.status_label.text().startswith("Made at ") and "10,000 rows" in page.form.status_label.text()


class _Reader:
    """A reports reader that only records being interrupted."""

    def __init__(self) -> None:
        self.interrupted = 0

    def interrupt(self) -> None:
        self.interrupted += 1


def test_a_run_cancelled_before_it_reads_never_reads_and_one_cancelled_between_queries_is_thrown_away() -> None:
    from pos_app.gui.ops import Cancelled
    from pos_app.gui.reports.cancel import RunningReport

    reader, made_calls = _Reader(), []
    early = RunningReport()
    early.cancel()
    with pytest.raises(Cancelled):
        early.run(reader, lambda: made_calls.append(1))  # type: ignore[arg-type]
    assert made_calls == [] and reader.interrupted == 0

    between = RunningReport()

    def make() -> str:
        between.cancel()  # Esc while the worker is between two of the report's queries
        return "half a report"

    with pytest.raises(Cancelled):
        between.run(reader, make)  # type: ignore[arg-type]
    assert reader.interrupted == 1

    done = RunningReport()
    assert done.run(reader, lambda: "a report") == "a report"  # type: ignore[arg-type]
    done.cancel()  # Esc after the worker let go of its connection: nothing to interrupt
    assert reader.interrupted == 1


def test_a_manager_runs_the_aging_report_with_cut_offs_of_her_own_by_keys(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Marcus Reed")
    _view, page = open_reports(qtbot, window)
    f = page.form
    press(qtbot, Qt.Key.Key_End)
    qtbot.keyClicks(f.chooser, "Stock")  # (a space would open the list)
    assert f.chooser.currentData() == "aging"
    months = page.filter_box("months")
    assert isinstance(months, QLineEdit) and months.isVisible() and months.placeholderText() == "the store's"
    for _ in range(12):  # Tab through the page to the cut-offs box
        if focused() is months:
            break
        press(qtbot, Qt.Key.Key_Tab)
    assert focused() is months
    qtbot.keyClicks(months, "12, 3")  # not ascending: refused, naming the box, nothing shown
    press(qtbot, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: "months" in f.status_label.text().lower(), timeout=10_000)
    assert page.report is None
    months.clear()
    qtbot.keyClicks(months, "3, 9, 18")
    press(qtbot, Qt.Key.Key_F5)
    report = made(qtbot, page)
    headings = [c.heading for c in report.tables[0].columns]
    assert headings[1] == "Under 3 months: pieces" and "9 to 18 months: pieces" in headings
    assert ("Months", "3, 9, 18") in report.filters
    snap(window, "report_page_aging_cut_offs")
