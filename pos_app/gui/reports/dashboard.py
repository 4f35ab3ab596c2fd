"""The dashboard: the first page of the Reports screen, the business at a glance.

Three tiles (today, month to date, year to date) against the same days last
year; net sales per day over the last 30 days beside last year's; net sales by
style and by metal this year; stock on hand by style (at retail and at cost, or
a ring of retail alone for whoever may not see cost); top sellers by pieces
and by gross profit; slow movers. Every figure comes built from
`services/reports/dashboard.build` (one `Dashboard`, whose figures are
`domain/figures.py`'s); this page only shows it.

It is built off the GUI thread (`context.runner`), when the page is first
shown and again when it is shown after a sale or a change of stock; the page
says "Updating…" meanwhile and keeps the figures it had.

Keyboard: Alt+D on the Reports screen brings it to the front, the
keyboard on the first tile; Tab goes from tile to tile, chart to chart, table to table; arrows
move within a row of tiles, a chart or a table; Enter (or a click) on a tile,
a bar or point, or a row emits `drill` with the `Drill` behind it: a tile's
receipts, a style's receipts, a top seller's item. GUI thread only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QBoxLayout, QFrame, QHeaderView, QLayout, QScrollArea, QTableView, QVBoxLayout, QWidget

from pos_app.domain.figures import shown_percent, shown_ratio
from pos_app.domain.permissions import Permission
from pos_app.gui.base import mark_info
from pos_app.gui.charts import BarChart, Chart, DonutChart, LineChart
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.reports.tiles import STYLE, Tile, figures, today_words
from pos_app.gui.tables import fill
from pos_app.services.ports.reports import Cell, Dashboard, Drill, Kind, Series, Table
from pos_app.services.ports.store import Store

WIDE_WIDTH = 1250
"""The page's width (pixels) from which the four charts stand in one row."""
WIDE_HEIGHT, NARROW_HEIGHT = 820, 1880
"""The least height the dashboard is laid out in (it scrolls in a shorter window), by layout."""
LIST_STRETCH = {"top_units": 2, "top_profit": 2, "slow": 3}
"""The share of the row each list takes (the slow movers have the most columns)."""
REFRESH_ON = ("sales", "items", "stock", "shift", "settings")
"""The `context.changed` events after which the dashboard's figures may be out of date."""


def cell_text(cell: Cell, kind: Kind, money: Callable[[int | None], str]) -> str:
    """A table cell for a person: money in the store's locale, counts grouped, percentages rounded."""
    if cell is None:
        return "—" if kind in (Kind.MONEY, Kind.PERCENT, Kind.RATIO) else ""
    if kind is Kind.MONEY and isinstance(cell, int):
        return money(cell)
    if kind is Kind.COUNT and isinstance(cell, int):
        return f"{cell:,}"
    if kind is Kind.PERCENT and isinstance(cell, Decimal):
        return shown_percent(cell)
    if kind is Kind.RATIO and isinstance(cell, Decimal):
        return shown_ratio(cell)
    return str(cell)


def day_label(text: str) -> str:
    """"8 Dec" for an ISO day ("2026-12-08"); anything else as it is."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return text
    return f"{day.day} {day:%b}"


class DashboardPage(QWidget):
    drill = Signal(object)
    """The person chose a figure (Enter or a click): the `Drill` behind it, for the report page to show."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        # The page scrolls when the window is smaller than the dashboard needs (its lists go below the fold).
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.inner = QWidget(scroll)
        self.inner.setObjectName("dashboard_inner")
        scroll.setWidget(self.inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.form = Form("dashboard.ui", self.inner, margin=4)
        self.setStyleSheet(STYLE)
        self.wide = True
        """The charts side by side in one row (a wide window) rather than two by two."""
        self.dashboard: Dashboard | None = None
        """What the page shows (None until the first build is back)."""
        self.tiles: list[Tile] = []
        self.charts: dict[str, Chart] = {}
        """The charts by what they show: "by_day", "by_style", "by_metal", "stock"."""
        self._drills: dict[str, Sequence[Drill | None]] = {}
        self.stale = True
        self.loading = False
        f = self.form
        f.keys_label.setStyleSheet("color: #7a7466; font-size: 9.5pt;")
        self.tables: dict[str, QTableView] = {
            "top_units": f.top_units_table, "top_profit": f.top_profit_table, "slow": f.slow_table}
        for key, view in self.tables.items():
            view.activated.connect(lambda index, key=key: self._row_chosen(key, index))
            view.clicked.connect(lambda index, key=key: self._row_chosen(key, index))
        for label in (f.top_units_label, f.top_profit_label, f.slow_label):
            label.setStyleSheet("font-weight: 600; color: #1f2a44;")
        context.changed.connect(self._changed)

    # ------------------------------------------------------------ building

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.stale:
            self.refresh()

    def _changed(self, what: str) -> None:
        if what in REFRESH_ON:
            self.stale = True
            if self.isVisible():
                self.refresh()

    def refresh(self) -> None:
        """Build the dashboard again on the database worker; the page says it is updating meanwhile."""
        if self.loading:
            return
        from pos_app.services.reports import dashboard

        self.loading, self.stale = True, False
        actor = self.context.require_actor()
        mark_info(self.form.status_label, "Updating…")

        def work(store: Store) -> Dashboard:
            return dashboard.build(store=store, actor=actor, uow=store.uow())

        def failed(exc: BaseException) -> None:
            self.loading = False
            mark_info(self.form.status_label, "")
            from pos_app.gui.ops import show_error

            show_error(self, exc)

        self.context.runner.run(work, on_done=self._built, on_error=failed, parent=self)

    def _built(self, board: Dashboard) -> None:
        self.loading = False
        self.show_dashboard(board)
        if self.stale and self.isVisible():
            self.refresh()

    def show_problem(self, exc: Exception) -> None:
        from pos_app.gui.base import mark_problem

        mark_problem(self.form.status_label, str(exc))

    # ------------------------------------------------------------ showing

    def show_dashboard(self, board: Dashboard) -> None:
        """Show `board`: tiles, charts and tables (replacing what was shown)."""
        focus_on = self._focus_key() or (("tile", 0) if self.hasFocus() else None)  # Alt+D before it was built
        self.dashboard = board
        show_cost = board.show_cost and self.context.can(Permission.VIEW_COST)
        mark_info(self.form.status_label,
                  f"{today_words(board.today)}  ·  net sales without tax, after discounts and returns, "
                  "beside the same days last year")
        self._show_tiles(board, show_cost)
        # The keyboard given to the page (the Reports screen focusing its tab) goes to the first tile.
        if self.tiles:
            self.setFocusProxy(self.tiles[0])
        self._show_charts(board, show_cost)
        self._show_table("top_units", board.top_by_units)
        self._show_table("top_profit", board.top_by_profit if show_cost else None)
        self._show_table("slow", board.slow_movers)
        self._place_lists()
        self._chain()
        self._restore_focus(focus_on)

    def _chain(self) -> None:
        """Tab goes tile by tile, then chart by chart, then table by table, as they read."""
        order: list[QWidget] = [*self.tiles, *self.charts.values(),
                                *(view for view in self.tables.values() if not view.isHidden())]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def _money(self, cents: int | None) -> str:
        return self.context.money(cents, self.dashboard.currency if self.dashboard else None)

    def _show_tiles(self, board: Dashboard, show_cost: bool) -> None:
        row = self.form.tiles_row
        _clear(row)
        self.tiles = []
        for comparison in board.tiles:
            tile = Tile(comparison, figures(comparison.now, comparison.year_before, money=self._money,
                                            show_cost=show_cost), self)
            tile.activated.connect(lambda period=comparison.period: self.drill.emit(Drill("sales", period)))
            row.addWidget(tile, 1)
            tile.show()  # now, not on Qt's next turn: the keyboard may go to it at once
            self.tiles.append(tile)
        for tile in self.tiles:
            tile.row = self.tiles

    def _show_charts(self, board: Dashboard, show_cost: bool) -> None:
        _clear(self.form.charts_grid)
        currency, locale, inner = board.currency, board.locale, self.inner
        this_year, last_year = board.by_day
        self.charts = {
            "by_day": LineChart("Net sales per day, last 30 days", this_year.labels,
                                [(this_year.name, this_year.values), (last_year.name, last_year.values)],
                                currency, locale, tick_labels=[day_label(t) for t in this_year.labels], parent=inner),
            "by_style": _bars("Net sales by style, this year", board.by_style, currency, locale, inner),
            "by_metal": _bars("Net sales by metal, this year", board.by_metal, currency, locale, inner),
        }
        self._drills = {"by_day": this_year.drills, "by_style": board.by_style.drills,
                        "by_metal": board.by_metal.drills, "stock": board.stock_retail.drills}
        retail = board.stock_retail
        if show_cost and board.stock_cost is not None:
            self.charts["stock"] = BarChart(
                "Stock on hand by style", retail.labels,
                [("At retail", retail.values), ("At cost", board.stock_cost.values)], currency, locale, inner)
        else:
            self.charts["stock"] = DonutChart("Stock on hand by style, at retail", retail.labels, retail.values,
                                              currency, locale, inner)
        for key, chart in self.charts.items():
            chart.setObjectName(f"{key}_chart")
            chart.picked.connect(lambda index, key=key: self._point_chosen(key, index))
        self._place_charts()
        for chart in self.charts.values():
            chart.show()  # now, not on Qt's next turn: the keyboard may go to it at once

    def _place(self) -> None:
        # The tiles side by side in a wide window; one under the other in a narrower one (a 1280-pixel window
        # with the side bar), so none is cut off and no sideways scrolling is needed.
        self.form.tiles_row.setDirection(QBoxLayout.Direction.LeftToRight if self.wide
                                         else QBoxLayout.Direction.TopToBottom)
        self._place_charts()
        self._place_lists()
        self.inner.setMinimumHeight(WIDE_HEIGHT if self.wide else NARROW_HEIGHT)

    def _place_lists(self) -> None:
        """The lists side by side in a wide window; the slow movers under the top sellers in a narrower one."""
        grid = self.form.lists_grid
        panels = {key: getattr(self.form, f"{key}_panel") for key in LIST_STRETCH}
        for panel in panels.values():
            grid.removeWidget(panel)
        shown = [key for key in LIST_STRETCH if not self.tables[key].isHidden()]
        for column in range(3):
            grid.setColumnStretch(column, 0)
        for n, key in enumerate(shown):
            if self.wide or len(shown) < 3:
                grid.addWidget(panels[key], 0, n)
                grid.setColumnStretch(n, LIST_STRETCH[key])
            elif n < 2:
                grid.addWidget(panels[key], 0, n)
                grid.setColumnStretch(n, 1)
            else:
                grid.addWidget(panels[key], 1, 0, 1, 2)
        for key in LIST_STRETCH:
            panels[key].setVisible(key in shown)
            if key not in shown:
                grid.addWidget(panels[key], 2, 0)  # hidden, out of the way

    def _place_charts(self) -> None:
        """Four charts in a row in a wide window; two by two (the page scrolling) in a narrower one."""
        grid = self.form.charts_grid
        for chart in self.charts.values():
            grid.removeWidget(chart)
        columns = 4 if self.wide else 2
        for n, chart in enumerate(self.charts.values()):
            grid.addWidget(chart, n // columns, n % columns)
        for column in range(4):
            grid.setColumnStretch(column, 0 if column >= columns else 3 if column == 0 else 2)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        wide = event.size().width() >= WIDE_WIDTH
        if wide != self.wide:
            self.wide = wide
            self._place()

    def _show_table(self, key: str, table: Table | None) -> None:
        view = self.tables[key]
        box = getattr(self.form, f"{key}_label")
        view.setHidden(table is None)  # the panel holding it follows in `_place_lists`
        if table is None:
            self._drills[key] = ()
            return
        box.setText(table.title)
        columns = table.columns
        rows = [[cell_text(cell, column.kind, self._money) for cell, column in zip(row, columns, strict=True)]
                for row in table.rows]
        numeric = [n for n, column in enumerate(columns) if column.kind not in (Kind.TEXT, Kind.DATE)]
        # Figures' headings on two lines ("Net / sales"), so a column is as wide as its figures, not its words.
        headings = [column.heading.replace(" ", "\n", 1) if n in numeric else column.heading
                    for n, column in enumerate(columns)]
        fill(view, headings, rows, numeric=numeric)
        # The piece's title takes what the figures leave and is elided; the figures are never cut.
        header = view.horizontalHeader()
        wide = next((n for n, column in enumerate(columns) if column.key == "title"), 0)
        for n in range(len(columns)):
            header.setSectionResizeMode(n, QHeaderView.ResizeMode.Stretch if n == wide
                                        else QHeaderView.ResizeMode.ResizeToContents)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for n, column in enumerate(columns):  # the title names the piece at a glance; the SKU is in the model
            view.setColumnHidden(n, column.key == "sku" and wide != 0)
        view.verticalHeader().setDefaultSectionSize(24)
        view.setMinimumHeight(view.horizontalHeader().sizeHint().height() + 24 * max(len(rows), 3) + 4)
        if table.note:
            view.setToolTip(table.note)
        self._drills[key] = table.drills

    # ------------------------------------------------------------ drilling

    def _row_chosen(self, key: str, index: QModelIndex) -> None:
        self._emit(key, index.row())

    def _point_chosen(self, key: str, index: int) -> None:
        self._emit(key, index)

    def _emit(self, key: str, index: int) -> None:
        drills = self._drills.get(key, ())
        if 0 <= index < len(drills) and (chosen := drills[index]) is not None:
            self.drill.emit(chosen)

    # ------------------------------------------------------------ focus

    def focus_first(self) -> None:
        """The keyboard on the first tile (or the page, before the first build is back)."""
        if self.tiles:
            self.tiles[0].setFocus(Qt.FocusReason.TabFocusReason)
        else:
            self.setFocus()

    def _focus_key(self) -> tuple[str, int] | None:
        for n, tile in enumerate(self.tiles):
            if tile.hasFocus():
                return "tile", n
        for key, chart in self.charts.items():
            if chart.hasFocus():
                return key, chart.current
        return None

    def _restore_focus(self, where: tuple[str, int] | None) -> None:
        if where is None:
            return
        key, n = where
        if key == "tile" and n < len(self.tiles):
            self.tiles[n].setFocus()
        elif key in self.charts:
            self.charts[key].setFocus()
            self.charts[key].move_to(n)


def _bars(title: str, series: Series, currency: str, locale: str, parent: QWidget) -> BarChart:
    return BarChart(title, series.labels, [(series.name, series.values)], currency, locale, parent)


def _clear(layout: QLayout) -> None:
    while (item := layout.takeAt(0)) is not None:
        widget = item.widget()
        if widget is not None:
            widget.hide()
            widget.deleteLater()
