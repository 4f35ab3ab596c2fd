"""One `Table` of a report in a `QTableView`: its cells formatted for a person only when a view asks.

A report of receipts may hold 10,000 rows of eight columns; formatting all
80,000 cells through Babel before showing the first would take a second or
more, so the model keeps the report's typed cells and formats a cell the first
time it is drawn (then keeps the text). `data()` never raises and never reads
the database.

Money goes through `domain.money.format_money` in the report's locale and
currency, percentages and ratios through `domain.figures.shown_percent` /
`shown_ratio`, counts through Babel's decimal format; numbers are
right-aligned, the total row (the table's last row) is bold.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from pos_app.domain.figures import shown_percent, shown_ratio
from pos_app.domain.money import Money, format_money
from pos_app.services.ports.reports import Cell, Drill, Kind, Table

NUMERIC = frozenset({Kind.MONEY, Kind.COUNT, Kind.PERCENT, Kind.RATIO})
"""The kinds of column shown right-aligned."""
NONE = "—"
"""What a number that does not exist reads as (no sales: no average ticket)."""
CellRole = int(Qt.ItemDataRole.UserRole)
"""The cell's typed value (int cents, Decimal, text), for code that needs the number behind the text."""
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


def shown(value: Cell, kind: Kind, *, currency: str, locale: str) -> str:
    """A typed cell as a person reads it in the store's locale."""
    if value is None:
        return NONE if kind in NUMERIC else ""
    if kind is Kind.MONEY and isinstance(value, int):
        return format_money(Money(value, currency), locale)
    if kind is Kind.PERCENT and isinstance(value, Decimal):
        return shown_percent(value)
    if kind is Kind.RATIO and isinstance(value, Decimal):
        return shown_ratio(value)
    if kind is Kind.COUNT and isinstance(value, int | Decimal):
        return format_decimal(value, locale=locale)
    return str(value)


class ReportTableModel(QAbstractTableModel):
    """A read-only model over one report table: its rows, then its total row (bold) when it has one."""

    def __init__(self, table: Table, *, currency: str, locale: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.table = table
        self.currency = currency
        self.locale = locale
        self._rows = table.rows if table.total is None else (*table.rows, table.total)
        self._texts: dict[tuple[int, int], str] = {}
        self._bold = QFont()
        self._bold.setBold(True)

    # ------------------------------------------------------------ for the page and tests

    @property
    def formatted(self) -> int:
        """How many cells were formatted so far (a view draws only the rows it shows)."""
        return len(self._texts)

    def is_total(self, row: int) -> bool:
        return self.table.total is not None and row == len(self.table.rows)

    def drill(self, row: int) -> Drill | None:
        """What the row stands for (its receipts or items), None for the total row or a row without one."""
        drills = self.table.drills
        return drills[row] if 0 <= row < len(drills) and row < len(self.table.rows) else None

    def text(self, row: int, column: int) -> str:
        """The cell as shown."""
        key = (row, column)
        found = self._texts.get(key)
        if found is None:
            found = shown(self._rows[row][column], self.table.columns[column].kind,
                          currency=self.currency, locale=self.locale)
            self._texts[key] = found
        return found

    # ------------------------------------------------------------ Qt

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.table.columns)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._rows) and 0 <= column < len(self.table.columns)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            try:
                return self.text(row, column)
            except Exception:  # noqa: BLE001 - a cell that cannot be shown must not break the view
                return str(self._rows[row][column])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if self.table.columns[column].kind in NUMERIC else _LEFT
        if role == Qt.ItemDataRole.FontRole and self.is_total(row):
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole and column == 0 and self.drill(row) is not None:
            what = self.drill(row)
            return "Enter: the receipts behind this row" if what is not None and what.what == "sales" else (
                "Enter: the pieces behind this row")
        if role == CellRole:
            value = self._rows[row][column]
            return None if value is None else str(value)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.table.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.table.columns[section].heading
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if self.table.columns[section].kind in NUMERIC else _LEFT
        return None
