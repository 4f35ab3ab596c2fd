"""Charts for the dashboard: the only module that imports QtCharts.

Kept small and behind three classes so a later switch to Qt Graphs changes
this file only: `LineChart` (lines over the same categories: this year's net
sales per day beside last year's same days), `BarChart` (horizontal bars by
category: net sales by style or metal; stock at retail beside stock at cost)
and `DonutChart` (shares of a whole: stock at retail by style, for whoever may
not see cost).

Values are integer cents, plotted as they are (a bar's value IS its cents);
the money axis is labelled for a person in the store's locale ("$12.5K"), from
ticks chosen here, never Qt's raw numbers. Each chart exposes what it draws:
`series` (the Qt series: points, bar sets, slices), `labels` (the category
of each point or bar, in order) and `current` (the category the keyboard is
on), so a test reads a chart's figures from its series, not from pixels.

Keyboard: a chart takes the focus (Tab); Left/Right or Up/Down move between
categories, the one the keyboard is on is highlighted and its figures shown
in the chart's title; Enter or a click on a point, bar or slice emits
`picked(index)`. GUI thread only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from html import escape

from babel.numbers import format_compact_currency
from PySide6.QtCharts import (
    QAbstractAxis,
    QAbstractSeries,
    QBarCategoryAxis,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QLineSeries,
    QPieSeries,
    QPieSlice,
    QXYSeries,
)
from PySide6.QtCore import QMargins, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QFocusEvent, QFont, QKeyEvent, QPainter, QPen
from PySide6.QtWidgets import QWidget

from pos_app.domain.money import Money, format_money

NAVY, GOLD, GREY = QColor("#1f2a44"), QColor("#b08d57"), QColor("#9a9384")
HIGHLIGHT = QColor("#c0392b")
PALETTE = ("#1f2a44", "#b08d57", "#4f7a8a", "#8a5a44", "#6b8f5e", "#7d6b91", "#c9a96e", "#5d6d7e", "#a05c7b",
           "#3f6f56")
"""Colours of the categories of a donut, in order; the first two are Facet's navy and gold."""


def axis_money(cents: int, currency: str, locale: str) -> str:
    """An axis tick as a person reads it: "$0", "$2.5K", "$1.2M" in the store's locale."""
    amount = Money(cents, currency).amount
    if abs(amount) < 1000:
        return format_compact_currency(amount.to_integral_value(), currency, locale=locale, fraction_digits=0)
    return format_compact_currency(amount, currency, locale=locale, fraction_digits=1)


def money_ticks(low: int, high: int, count: int = 4) -> list[int]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten, in cents) from at most 0 to at least `high`."""
    low, high = min(low, 0), max(high, 0)
    if high == low:
        high = low + 100_00
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(int(m * power) for m in (1, 2, 2.5, 5, 10) if m * power >= raw) or 1
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    return list(range(first, last + step, step))


class Chart(QChartView):
    """One chart: focusable, a current category the arrows move, Enter or a click emits `picked`."""

    picked = Signal(int)
    """The person chose the category at this index (Enter on it, or a click)."""

    def __init__(self, title: str, labels: Sequence[str], currency: str, locale: str,
                 parent: QWidget | None = None) -> None:
        chart = QChart()
        super().__init__(chart, parent)
        self.title = title
        self.labels: tuple[str, ...] = tuple(labels)
        """The category of each point, bar or slice, in order."""
        self.series: list[QAbstractSeries] = []
        """The Qt series drawn, in the order they were added."""
        self.current = 0 if self.labels else -1
        """The category the keyboard is on (-1 when there is none)."""
        self.currency, self.money_locale = currency, locale
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(220, 230)
        chart.setBackgroundRoundness(8)
        chart.setMargins(QMargins(6, 4, 18, 4))  # room for the last money label on the right
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        font = QFont(chart.titleFont())
        font.setPointSizeF(10.5)
        font.setWeight(QFont.Weight.DemiBold)
        chart.setTitleFont(font)
        chart.setTitleBrush(NAVY)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.setStyleSheet("QChartView { border: 2px solid transparent; border-radius: 8px; }"
                           "QChartView:focus { border: 2px solid #b08d57; }")
        self._show_title()

    def money(self, cents: int) -> str:
        return format_money(Money(cents, self.currency), self.money_locale)

    def describe(self, index: int) -> str:
        """What the category at `index` stands for, in words (shown while the keyboard is on it)."""
        return self.labels[index]

    def _show_title(self) -> None:
        text = self.title
        if self.hasFocus() and 0 <= self.current < len(self.labels):
            text = f"{self.title}: {self.describe(self.current)}"
            # The figure the keyboard is on, on a line of its own under the title.
            self.chart().setTitle(f"{escape(self.title)}<br><span style='color:{HIGHLIGHT.name()}'>"
                                  f"{escape(self.describe(self.current))}</span>")
        else:
            self.chart().setTitle(escape(text))
        self.setAccessibleName(text)

    def _highlight(self) -> None:
        """Mark the current category (subclasses draw it)."""

    def move_to(self, index: int) -> None:
        if not self.labels:
            return
        self.current = max(0, min(index, len(self.labels) - 1))
        self._highlight()
        self._show_title()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        step = {Qt.Key.Key_Right: 1, Qt.Key.Key_Down: 1, Qt.Key.Key_Left: -1, Qt.Key.Key_Up: -1}.get(
            Qt.Key(key), 0)
        if step and self.labels:
            self.move_to(self.current + step)
        elif key == Qt.Key.Key_Home and self.labels:
            self.move_to(0)
        elif key == Qt.Key.Key_End and self.labels:
            self.move_to(len(self.labels) - 1)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.current >= 0:
            self.picked.emit(self.current)
        else:
            super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self._highlight()
        self._show_title()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self._highlight()
        self._show_title()

    def _money_axis(self, values: Sequence[int], orientation: Qt.Orientation) -> QCategoryAxis:
        # Fewer ticks across than up: a money label is wider than it is tall.
        ticks = money_ticks(min(values, default=0), max(values, default=0),
                            4 if orientation == Qt.Orientation.Vertical else 2)
        axis = QCategoryAxis()
        axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        axis.setStartValue(ticks[0] - 1)  # a category ends on each tick; the first needs room below it
        for tick in ticks:
            axis.append(axis_money(tick, self.currency, self.money_locale), tick)
        axis.setRange(ticks[0], ticks[-1])
        axis.setGridLineColor(QColor("#e6e1d6"))
        axis.setLabelsColor(GREY.darker(140))
        axis.setLabelsFont(self.small_font())
        self.chart().addAxis(axis, Qt.AlignmentFlag.AlignLeft if orientation == Qt.Orientation.Vertical
                             else Qt.AlignmentFlag.AlignBottom)
        return axis

    def small_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(8.5)
        return font

    def _empty_note(self) -> None:
        if not self.labels:
            self.chart().setTitle(f"{self.title}  ·  nothing yet")


class LineChart(Chart):
    """Lines over the same categories (days): the first line is drawn strong, the others muted."""

    def __init__(self, title: str, labels: Sequence[str], lines: Sequence[tuple[str, Sequence[int]]],
                 currency: str, locale: str, *, tick_labels: Sequence[str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(title, labels, currency, locale, parent)
        self.values = [tuple(values) for _name, values in lines]
        chart = self.chart()
        x_axis = QCategoryAxis()
        x_axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        x_axis.setStartValue(-1)
        shown = tuple(tick_labels) if tick_labels is not None else self.labels
        self.names = shown
        """What a person reads for each point ("8 Nov"), where `labels` may be ISO days."""
        every = max(1, math.ceil(len(shown) / 6))
        for n in range(0, len(shown), every):
            x_axis.append(shown[n], n)
        x_axis.setRange(-0.5, max(len(self.labels) - 0.5, 0.5))
        x_axis.setGridLineVisible(False)
        x_axis.setLabelsColor(GREY.darker(140))
        x_axis.setLabelsFont(self.small_font())
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        y_axis = self._money_axis([v for values in self.values for v in values], Qt.Orientation.Vertical)
        for n, (name, values) in enumerate(lines):
            line = QLineSeries()
            line.setName(name)
            line.append([QPointF(i, v) for i, v in enumerate(values)])
            pen = QPen(NAVY if n == 0 else GOLD, 2.6 if n == 0 else 1.8)
            if n:
                pen.setStyle(Qt.PenStyle.DashLine)
            line.setPen(pen)
            chart.addSeries(line)
            line.attachAxis(x_axis)
            line.attachAxis(y_axis)
            line.clicked.connect(lambda point: self._clicked(point.x()))
            self.series.append(line)
        self._empty_note()

    def _clicked(self, x: float) -> None:
        if self.labels:
            self.move_to(round(x))
            self.picked.emit(self.current)

    def describe(self, index: int) -> str:
        figures = ", ".join(f"{line.name()} {self.money(values[index])}"
                            for line, values in zip(self.series, self.values, strict=True))
        return f"{self.names[index]}: {figures}"

    def _highlight(self) -> None:
        for line in self.series:
            assert isinstance(line, QXYSeries)
            line.clearPointsConfiguration()
            if self.hasFocus() and 0 <= self.current < line.count():
                line.setPointConfiguration(self.current, {
                    QXYSeries.PointConfiguration.Visibility: True,
                    QXYSeries.PointConfiguration.Size: 7.0,
                    QXYSeries.PointConfiguration.Color: HIGHLIGHT,
                })


class BarChart(Chart):
    """Horizontal bars, one row per category (largest first, read top down), one bar per set in each row."""

    def __init__(self, title: str, labels: Sequence[str], sets: Sequence[tuple[str, Sequence[int]]],
                 currency: str, locale: str, parent: QWidget | None = None) -> None:
        super().__init__(title, labels, currency, locale, parent)
        self.values = [tuple(values) for _name, values in sets]
        chart = self.chart()
        bars = QHorizontalBarSeries()
        bars.setBarWidth(0.75 if len(sets) > 1 else 0.6)
        for n, (name, values) in enumerate(sets):
            bar_set = QBarSet(name)
            bar_set.append([float(v) for v in reversed(values)])  # Qt's row 0 is drawn at the bottom
            bar_set.setColor(NAVY if n == 0 else GOLD)
            bar_set.setBorderColor(bar_set.color())
            bar_set.setSelectedColor(HIGHLIGHT)
            bar_set.clicked.connect(self._clicked)
            bars.append(bar_set)
        chart.addSeries(bars)
        # Qt draws the first category at the bottom; the categories go in reversed so the first reads on top.
        category_axis = QBarCategoryAxis()
        category_axis.append(list(reversed(self.labels)))
        category_axis.setGridLineVisible(False)
        category_axis.setLabelsColor(NAVY)
        category_axis.setLabelsFont(self.small_font())
        category_axis.setTruncateLabels(False)  # a metal or style is read whole, even if rows are tight
        chart.addAxis(category_axis, Qt.AlignmentFlag.AlignLeft)
        bars.attachAxis(category_axis)
        value_axis = self._money_axis([v for values in self.values for v in values], Qt.Orientation.Horizontal)
        bars.attachAxis(value_axis)
        self._bars = bars
        self.series.append(bars)
        chart.legend().setVisible(len(sets) > 1)
        self._empty_note()

    def value(self, set_index: int, index: int) -> int:
        """The cents of bar set `set_index` for category `index` (in `labels` order), read from the series."""
        bar_set = self._bars.barSets()[set_index]
        return int(bar_set.at(len(self.labels) - 1 - index))

    def _clicked(self, row: int) -> None:
        self.move_to(len(self.labels) - 1 - row)
        self.picked.emit(self.current)

    def describe(self, index: int) -> str:
        figures = " · ".join(f"{bar_set.label()} {self.money(self.value(n, index))}" if len(self.values) > 1
                             else self.money(self.value(n, index))
                             for n, bar_set in enumerate(self._bars.barSets()))
        return f"{self.labels[index]}: {figures}"

    def _highlight(self) -> None:
        for bar_set in self._bars.barSets():
            bar_set.deselectAllBars()
            if self.hasFocus() and self.current >= 0:
                bar_set.selectBar(len(self.labels) - 1 - self.current)


class DonutChart(Chart):
    """Shares of a whole as a ring, one slice per category, the legend naming each with its amount."""

    def __init__(self, title: str, labels: Sequence[str], values: Sequence[int], currency: str, locale: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(title, labels, currency, locale, parent)
        self.values = [tuple(values)]
        pie = QPieSeries()
        pie.setHoleSize(0.5)
        whole = sum(v for v in values if v > 0)
        for n, (label, value) in enumerate(zip(labels, values, strict=True)):
            share = Decimal(max(value, 0) * 100) / whole if whole else Decimal(0)
            piece = QPieSlice(f"{label} {share:.0f}%", float(max(value, 0)))
            piece.setColor(QColor(PALETTE[n % len(PALETTE)]))
            piece.setBorderColor(QColor("#ffffff"))
            piece.clicked.connect(lambda n=n: self._clicked(n))
            pie.append(piece)
        self.chart().addSeries(pie)
        legend = self.chart().legend()
        legend.setAlignment(Qt.AlignmentFlag.AlignRight)
        legend.setFont(self.small_font())
        legend.setMinimumWidth(140)  # else Qt elides each style's name to a letter
        self.series.append(pie)
        self._pie = pie
        self._empty_note()

    def _clicked(self, index: int) -> None:
        self.move_to(index)
        self.picked.emit(index)

    def describe(self, index: int) -> str:
        return f"{self.labels[index]}: {self.money(self.values[0][index])}"

    def _highlight(self) -> None:
        for n, piece in enumerate(self._pie.slices()):
            piece.setExploded(self.hasFocus() and n == self.current)


def axes_of(chart: Chart) -> list[QAbstractAxis]:
    """The chart's axes (for tests reading tick labels)."""
    return list(chart.chart().axes())
