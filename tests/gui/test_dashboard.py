"""The dashboard, the Reports screen's first page: a manager opens it by keys, reads every tile as the sales
report adds the same days up, reads each chart's points and labels from its series, and drills through a
tile, a style's bar and a top seller with Enter; whoever may not see cost sees no margin; a sale made
meanwhile shows when the page is shown again.

Real parts throughout: the demo store (90 days of sales) in its encrypted file, the real main window driven by
keys, the dashboard built by `services/reports/dashboard.build` on the database worker, and the reports
`catalog.run` as the command line runs them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from PySide6.QtCharts import QBarSeries, QHorizontalBarSeries, QLineSeries, QPieSeries
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from pos_app.app import Facet
from pos_app.domain.figures import Period, SalesTotals, shown_percent
from pos_app.domain.permissions import MATRIX, Actor, Permission, Role
from pos_app.gui.charts import BarChart, DonutChart, LineChart, axis_money, money_ticks
from pos_app.gui.context import AppContext
from pos_app.gui.launch import make_application
from pos_app.gui.main_window import MainWindow
from pos_app.gui.reports.dashboard import DashboardPage
from pos_app.gui.reports.tiles import BAD, GOOD, Tile, figures
from pos_app.gui.reports_view import ReportsView
from pos_app.services.ports.reports import Comparison, Dashboard, Drill, Report, ReportRequest
from pos_app.services.reports import catalog
from tests.conftest import actor_for
from tests.gui.conftest import focused, main_window, press, sign_in, snap
from tests.integration.sync_helpers import available, sell

CTRL, ALT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.AltModifier


def open_dashboard(qtbot, window: MainWindow) -> DashboardPage:  # type: ignore[no-untyped-def]
    """The reports screen by its Ctrl+N in the side bar: the dashboard is its first tab, in front; Alt+1 shows
    the low stock, Alt+D the dashboard again, built and shown."""
    assert window.workspace is not None
    screens = list(window.workspace.screens.values())
    reports = next(s for s in screens if isinstance(s, ReportsView))
    press(qtbot, getattr(Qt.Key, f"Key_{screens.index(reports) + 1}"), CTRL)
    qtbot.waitUntil(lambda: window.workspace.current_screen() is reports)
    page = reports.dashboard
    assert isinstance(page, DashboardPage)
    assert reports.form.tabs.currentWidget() is page  # the first tab, in front
    press(qtbot, Qt.Key.Key_1, ALT)
    assert reports.form.tabs.currentWidget() is reports.form.low_tab
    press(qtbot, Qt.Key.Key_D, ALT)
    assert reports.form.tabs.currentWidget() is page
    qtbot.waitUntil(lambda: page.dashboard is not None and not page.loading, timeout=15_000)
    return page


def sales_report(facet: Facet, actor: Actor, period: Period, by: str | None = None) -> Report:
    return catalog.run(ReportRequest("sales", period.first, period.last, by), store=facet.store, actor=actor,
                       uow=facet.uow())


def total_of(report: Report, key: str) -> object:
    table = report.tables[0]
    assert table.total is not None
    return table.total[[c.key for c in table.columns].index(key)]


def column_of(report: Report, key: str) -> list[object]:
    table = report.tables[0]
    n = [c.key for c in table.columns].index(key)
    return [row[n] for row in table.rows]


@pytest.fixture
def owner_window(qtbot, demo_facet: Facet) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    with main_window(qtbot, demo_facet) as main:
        sign_in(qtbot, main, "Jane Ellen")
        yield main


def test_dashboard_opens_by_keys_and_every_tile_adds_up_as_the_sales_report(qtbot, owner_window: MainWindow,
                                                                           demo_facet: Facet) -> None:
    page = open_dashboard(qtbot, owner_window)
    snap(owner_window, "dashboard")
    board = page.dashboard
    assert board is not None
    assert [t.comparison.label for t in page.tiles] == ["Today", "Month to date", "Year to date"]
    owner = actor_for(demo_facet, Role.OWNER)
    money = page.context.money
    for tile in page.tiles:
        for kind, period in (("now", tile.comparison.period), ("before", tile.comparison.period.a_year_before())):
            report = sales_report(demo_facet, owner, period)
            shown = {key: tile.findChild(QLabel, f"{key}_{kind}").text()
                     for key in ("net_sales", "margin", "sales", "average_ticket", "returns")}
            assert shown == {
                "net_sales": money(total_of(report, "net_sales")),  # type: ignore[arg-type]
                "margin": shown_percent(total_of(report, "margin")),  # type: ignore[arg-type]
                "sales": f"{total_of(report, 'sales'):,}",
                "average_ticket": money(total_of(report, "average_ticket")) or "—",  # type: ignore[arg-type]
                "returns": money(total_of(report, "returned")),  # type: ignore[arg-type]
            }, f"{tile.comparison.label} ({kind})"
    year = page.tiles[2]
    assert year.comparison.period == Period(board.today.replace(month=1, day=1), board.today)
    assert total_of(sales_report(demo_facet, owner, year.comparison.period), "net_sales") > 0  # the demo sold


def test_each_chart_draws_the_reports_points_with_their_labels(qtbot, owner_window: MainWindow,
                                                               demo_facet: Facet) -> None:
    page = open_dashboard(qtbot, owner_window)
    board = page.dashboard
    assert board is not None
    owner = actor_for(demo_facet, Role.OWNER)
    today = board.today

    by_day = page.charts["by_day"]
    assert isinstance(by_day, LineChart)
    days = [today - dt.timedelta(days=n) for n in range(29, -1, -1)]
    assert by_day.labels == tuple(d.isoformat() for d in days)
    lines = by_day.series
    assert all(isinstance(line, QLineSeries) for line in lines)
    assert [line.name() for line in lines] == ["This year", "Last year"]  # type: ignore[attr-defined]
    this_year = [int(p.y()) for p in lines[0].points()]  # type: ignore[attr-defined]
    assert len(this_year) == 30 and len(lines[1].points()) == 30  # type: ignore[attr-defined]
    daily = sales_report(demo_facet, owner, Period(days[0], today), "day")
    per_day = dict(zip(column_of(daily, "group"), column_of(daily, "net_sales"), strict=True))
    assert this_year == [per_day.get(d.isoformat(), 0) for d in days]
    assert sum(this_year) == total_of(daily, "net_sales")
    money_axis = next(a for a in by_day.chart().axes(Qt.Orientation.Vertical))
    ticks = money_axis.categoriesLabels()  # type: ignore[attr-defined]
    assert ticks[0] == "$0" and all(t.startswith("$") for t in ticks) and len(ticks) >= 3

    ytd = page.tiles[2].comparison.period
    for key, by in (("by_style", "style"), ("by_metal", "metal")):
        chart = page.charts[key]
        assert isinstance(chart, BarChart)
        report = sales_report(demo_facet, owner, ytd, by)
        assert chart.labels == tuple(column_of(report, "group")), key
        (bars,) = chart.series
        assert isinstance(bars, QHorizontalBarSeries | QBarSeries)
        assert [chart.value(0, n) for n in range(len(chart.labels))] == column_of(report, "net_sales"), key
        assert bars.barSets()[0].count() == len(chart.labels)

    stock = page.charts["stock"]
    assert isinstance(stock, BarChart)  # the owner sees cost: retail and cost side by side
    assert [s.label() for s in stock.series[0].barSets()] == ["At retail", "At cost"]  # type: ignore[attr-defined]
    assert stock.labels == board.stock_retail.labels and len(stock.labels) >= 3
    assert [stock.value(0, n) for n in range(len(stock.labels))] == list(board.stock_retail.values)
    assert board.stock_cost is not None
    assert [stock.value(1, n) for n in range(len(stock.labels))] == list(board.stock_cost.values)
    assert all(c <= r for c, r in zip(board.stock_cost.values, board.stock_retail.values, strict=True))


def back_to_the_dashboard(qtbot, page: DashboardPage) -> None:  # type: ignore[no-untyped-def]
    """Alt+D: the dashboard in front again (a drill may have put the report page there), keys on its first tile."""
    press(qtbot, Qt.Key.Key_D, ALT)
    assert page.isVisible()
    assert focused() is page.tiles[0]


def test_tab_goes_through_tiles_charts_and_lists_in_reading_order(qtbot, owner_window: MainWindow) -> None:
    page = open_dashboard(qtbot, owner_window)
    assert focused() is page.tiles[0]
    visited = []
    for _ in range(9):
        press(qtbot, Qt.Key.Key_Tab)
        visited.append(focused())
    assert visited == [page.tiles[1], page.tiles[2], *page.charts.values(), *page.tables.values()]
    assert list(page.charts) == ["by_day", "by_style", "by_metal", "stock"]
    assert list(page.tables) == ["top_units", "top_profit", "slow"]


def test_enter_on_a_tile_a_style_bar_and_a_top_seller_drills_to_what_is_behind_it(
        qtbot, owner_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    page = open_dashboard(qtbot, owner_window)
    board = page.dashboard
    assert board is not None
    ytd = Period(board.today.replace(month=1, day=1), board.today)

    assert focused() is page.tiles[0]
    press(qtbot, Qt.Key.Key_Right)
    assert focused() is page.tiles[1]
    with qtbot.waitSignal(page.drill) as chosen:
        press(qtbot, Qt.Key.Key_Return)
    assert chosen.args == [Drill("sales", Period(board.today.replace(day=1), board.today))]

    back_to_the_dashboard(qtbot, page)
    for _ in range(4):  # two tiles, the daily line, the styles
        press(qtbot, Qt.Key.Key_Tab)
    style = page.charts["by_style"]
    assert focused() is style
    press(qtbot, Qt.Key.Key_Down)  # the second style
    assert style.current == 1
    assert style.labels[1] in style.chart().title()  # its figures read under the title
    with qtbot.waitSignal(page.drill) as chosen:
        press(qtbot, Qt.Key.Key_Return)
    key = style.labels[1].lower().replace(" ", "_")
    assert chosen.args == [Drill("sales", ytd, (("style", key),))]

    back_to_the_dashboard(qtbot, page)
    for _ in range(7):  # two tiles, four charts, the top sellers
        press(qtbot, Qt.Key.Key_Tab)
    top = page.tables["top_units"]
    assert focused() is top
    press(qtbot, Qt.Key.Key_Down)
    row = top.currentIndex().row()
    sku = top.model().index(row, 0).data()
    assert sku == board.top_by_units.rows[row][0]
    with qtbot.waitSignal(page.drill) as chosen:
        press(qtbot, Qt.Key.Key_Return)
    assert chosen.args == [Drill("sales", ytd, (("sku", sku),))]


def test_a_sale_made_meanwhile_shows_when_the_dashboard_is_shown_again(qtbot, owner_window: MainWindow,
                                                                       demo_facet: Facet) -> None:
    page = open_dashboard(qtbot, owner_window)
    before = page.tiles[0].comparison.now
    press(qtbot, Qt.Key.Key_1, ALT)  # the low stock tab: the dashboard is out of sight
    assert not page.isVisible()
    sell(demo_facet, available(demo_facet)[0], actor=actor_for(demo_facet, Role.OWNER))
    page.context.changed.emit("sales")  # as the Sell screen says after a sale
    assert page.stale and not page.loading  # nothing is read for a page nobody sees
    press(qtbot, Qt.Key.Key_D, ALT)
    assert page.form.status_label.text() == "Updating…"
    qtbot.waitUntil(lambda: not page.loading, timeout=15_000)
    now = page.tiles[0].comparison.now
    assert now.sales == before.sales + 1
    assert now.net_sales > before.net_sales
    assert page.tiles[0].findChild(QLabel, "net_sales_now").text() == page.context.money(now.net_sales)
    assert focused() is page.tiles[0]  # Alt+D put the keyboard on the first tile once it was there


def test_whoever_may_not_see_cost_sees_no_margin_no_profit_and_stock_at_retail_alone(
        qtbot, demo_facet: Facet) -> None:  # type: ignore[no-untyped-def]
    make_application()
    manager = actor_for(demo_facet, Role.MANAGER)
    # A manager whose role was narrowed to everything but cost (as a job token narrows a role).
    no_cost = Actor(manager.staff_id, manager.name, manager.role, manager.terminal,
                    only=MATRIX[Role.MANAGER] - {Permission.VIEW_COST})
    context = AppContext(demo_facet)
    context.set_actor(no_cost)
    page = DashboardPage(context)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    try:
        page.show()
        qtbot.waitUntil(lambda: page.dashboard is not None and not page.loading, timeout=15_000)
        board = page.dashboard
        assert isinstance(board, Dashboard) and not board.show_cost
        for tile in page.tiles:
            assert "margin" not in tile.figures
            assert tile.findChild(QLabel, "margin_now") is None
            assert "margin" not in tile.accessibleName().lower()
        assert page.tables["top_profit"].isHidden()
        assert not page.form.top_profit_label.isVisible()
        stock = page.charts["stock"]
        assert isinstance(stock, DonutChart)
        (ring,) = stock.series
        assert isinstance(ring, QPieSeries)
        assert [int(s.value()) for s in ring.slices()] == list(board.stock_retail.values)
        headings = {page.tables[k].model().headerData(n, Qt.Orientation.Horizontal)
                    for k in ("top_units", "slow") for n in range(page.tables[k].model().columnCount())}
        assert not any("cost" in h.lower() or "profit" in h.lower() for h in headings)
        snap(page, "dashboard_no_cost")
    finally:
        context.runner.wait()
        page.close()
        context.close()


def test_money_axis_ticks_are_round_and_read_as_money() -> None:
    assert money_ticks(0, 7_800_000) == [0, 2_000_000, 4_000_000, 6_000_000, 8_000_000]
    assert money_ticks(-150_000, 900_000, 2) == [-1_000_000, 0, 1_000_000]
    assert money_ticks(0, 0) == [0, 2500, 5000, 7500, 10000]
    assert axis_money(0, "USD", "en_US") == "$0"
    assert axis_money(40_000_000, "USD", "en_US") == "$400K"
    assert axis_money(125_000_000, "USD", "en_US") == "$1.2M"


def test_a_tile_says_each_change_against_last_year_and_colours_it_by_what_is_good_for_the_store(qtbot) -> None:  # type: ignore[no-untyped-def]
    make_application()
    now = SalesTotals(sold_gross=1_250_000, discounts=50_000, returned=20_000, cost_sold=600_000, sales=4,
                      returns=1, units_sold=4)
    before = SalesTotals(sold_gross=1_000_000, returned=10_000, cost_sold=450_000, sales=5, returns=1, units_sold=5)
    period = Period(dt.date(2026, 12, 1), dt.date(2026, 12, 8))
    lines = figures(now, before, money=lambda cents: "" if cents is None else f"${cents / 100:,.2f}",
                    show_cost=True)
    tile = Tile(Comparison("Month to date", period, now, before), lines)
    qtbot.addWidget(tile)
    shown = {key: (line.now, line.before, line.change, line.colour) for key, line in tile.figures.items()}
    assert shown == {
        "net_sales": ("$11,800.00", "$9,900.00", "▲ 19.2%", GOOD),  # (1,180,000 - 990,000) / 990,000
        "margin": ("49.2%", "54.5%", "▼ 5.4 pts", BAD),  # 580,000 / 1,180,000 against 540,000 / 990,000
        "sales": ("4", "5", "▼ 20.0%", BAD),
        "average_ticket": ("$3,000.00", "$2,000.00", "▲ 50.0%", GOOD),
        "returns": ("$200.00", "$100.00", "▲ 100.0%", BAD),  # more returns is bad news
    }
    assert tile.findChild(QLabel, "returns_change").text() == "▲ 100.0%"
    assert tile.findChild(QLabel, "net_sales_before").text() == "$9,900.00"
    assert "1 – 8 Dec 2026" in [label.text() for label in tile.findChildren(QLabel)]
    with qtbot.waitSignal(tile.activated):
        qtbot.keyClick(tile, Qt.Key.Key_Return)
    nothing = figures(SalesTotals(), SalesTotals(), money=lambda cents: "" if cents is None else "$0.00",
                      show_cost=False)
    assert [(line.key, line.change) for line in nothing] == [
        ("net_sales", "—"), ("sales", "—"), ("average_ticket", "—"), ("returns", "—")]
