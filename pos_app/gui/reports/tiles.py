"""The dashboard's tiles: one period's figures (today, month to date, year to date) beside last year's.

A tile shows net sales, gross margin % (only for whoever may see cost), the
number of sales, the average ticket and returns, each with the same days a
year before and the change. A change is green when it is good for the store
(more sales; fewer returns) and red when it is not. A margin's change is in
percentage points ("+2.1 pts"), every other change in % of last year's figure
(`figures.change`). Every figure is `domain/figures.py`'s; this module only
writes them for a person.

A tile takes the focus (Tab, or Left/Right from its neighbour); Enter or a
click emits `activated`: the dashboard drills to the receipts of its period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QWidget

from pos_app.domain.figures import SalesTotals, change, shown_percent
from pos_app.services.ports.reports import Comparison

GOOD, BAD, MUTED = "#2e7d4f", "#a4161a", "#7a7466"

STYLE = """
QFrame#tile { background: #ffffff; border: 1px solid #e2ddd2; border-radius: 8px; }
QFrame#tile:focus { border: 2px solid #b08d57; background: #fffdf7; }
QFrame#tile QLabel { background: transparent; border: none; }
QLabel#tile_title { font-size: 12pt; font-weight: 600; color: #1f2a44; }
QLabel#tile_period, QLabel[heading="true"] { color: #7a7466; font-size: 9.5pt; }
QLabel[figure="now"] { font-weight: 600; color: #1f2a44; }
QLabel[figure="before"], QLabel[figure="change"] { color: #5d5849; font-size: 9.5pt; }
"""
"""The tiles' look (set on the dashboard page, so it stays with it)."""


@dataclass(frozen=True)
class Figure:
    """One line of a tile, as a person reads it."""

    key: str  # "net_sales", "margin", "sales", "average_ticket", "returns"
    label: str
    now: str
    before: str
    change: str
    colour: str  # of the change


def _money_change(now: int | None, before: int | None, *, up_is_good: bool = True) -> tuple[str, str]:
    if now is None or before is None:
        return "—", MUTED
    value = change(now, before)
    if value is None:
        return "—", MUTED  # nothing to compare with
    text = _signed(value, "%")
    if value == 0:
        return text, MUTED
    return text, GOOD if (value > 0) == up_is_good else BAD


def _signed(value: Decimal, unit: str) -> str:
    shown = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    arrow = "▲" if shown > 0 else "▼" if shown < 0 else ""
    return f"{arrow} {abs(shown)}{unit}".strip()


def figures(now: SalesTotals, before: SalesTotals, *, money: Callable[[int | None], str],
            show_cost: bool) -> list[Figure]:
    """The lines of a tile: the period's figures beside last year's, with the change."""
    lines = [Figure("net_sales", "Net sales", money(now.net_sales), money(before.net_sales),
                    *_money_change(now.net_sales, before.net_sales))]
    if show_cost:
        if now.margin is None or before.margin is None:
            moved, colour = "—", MUTED
        else:
            points = now.margin - before.margin
            moved = _signed(points, " pts")
            colour = MUTED if round(points, 1) == 0 else GOOD if points > 0 else BAD
        lines.append(Figure("margin", "Gross margin", shown_percent(now.margin), shown_percent(before.margin),
                            moved, colour))
    lines.append(Figure("sales", "Sales", f"{now.sales:,}", f"{before.sales:,}",
                        *_money_change(now.sales, before.sales)))
    lines.append(Figure("average_ticket", "Average ticket", money(now.average_ticket) or "—",
                        money(before.average_ticket) or "—",
                        *_money_change(now.average_ticket, before.average_ticket)))
    lines.append(Figure("returns", "Returns", money(now.returned), money(before.returned),
                        *_money_change(now.returned, before.returned, up_is_good=False)))
    return lines


def period_text(comparison: Comparison) -> str:
    """"Tue 8 Dec 2026", "1 – 8 Dec 2026", "1 Jan – 8 Dec 2026": the days a tile adds up."""
    first, last = comparison.period.first, comparison.period.last
    if first == last:
        return f"{last:%a} {last.day} {last:%b %Y}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day} – {last.day} {last:%b %Y}"
    return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"


class Tile(QFrame):
    activated = Signal()
    """The person chose the tile (Enter or a click): show the receipts of its period."""

    def __init__(self, comparison: Comparison, lines: list[Figure], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.comparison = comparison
        self.figures = {line.key: line for line in lines}
        """What the tile shows, by figure key (tests read it beside the labels)."""
        self.row: list[Tile] = []
        """The tiles of the row, in order (Left/Right move between them)."""
        self.setObjectName("tile")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        grid = QGridLayout(self)
        grid.setContentsMargins(12, 8, 12, 8)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(3)
        title = QLabel(comparison.label, self)
        title.setObjectName("tile_title")
        period = QLabel(period_text(comparison), self)
        period.setObjectName("tile_period")
        grid.addWidget(title, 0, 0, 1, 2)
        grid.addWidget(period, 0, 2, 1, 2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        year = comparison.period.last.year
        for column, text in enumerate(("", str(year), str(year - 1), "Change")):
            heading = QLabel(text, self)
            heading.setProperty("heading", True)
            grid.addWidget(heading, 1, column, Qt.AlignmentFlag.AlignRight if column else Qt.AlignmentFlag.AlignLeft)
        for row, line in enumerate(lines, start=2):
            grid.addWidget(QLabel(line.label, self), row, 0)
            for column, (kind, text) in enumerate((("now", line.now), ("before", line.before)), start=1):
                label = QLabel(text, self)
                label.setObjectName(f"{line.key}_{kind}")
                label.setProperty("figure", kind)
                grid.addWidget(label, row, column, Qt.AlignmentFlag.AlignRight)
            moved = QLabel(line.change, self)
            moved.setObjectName(f"{line.key}_change")
            moved.setProperty("figure", "change")
            moved.setStyleSheet(f"color: {line.colour};")
            grid.addWidget(moved, row, 3, Qt.AlignmentFlag.AlignRight)
        grid.setColumnStretch(0, 1)
        words = "; ".join(f"{line.label} {line.now}, last year {line.before}" for line in lines)
        self.setAccessibleName(f"{comparison.label}: {words}")
        self.setToolTip(f"Enter or click: the receipts of {period_text(comparison)}")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activated.emit()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and self in self.row:
            n = self.row.index(self) + (1 if key == Qt.Key.Key_Right else -1)
            if 0 <= n < len(self.row):
                self.row[n].setFocus(Qt.FocusReason.TabFocusReason)
        else:
            super().keyPressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            self.activated.emit()
        else:
            super().mouseReleaseEvent(event)


def today_words(today: dt.date) -> str:
    return f"{today:%A}, {today.day} {today:%B %Y}"
