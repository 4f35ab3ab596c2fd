"""The cart as a table: one row per line, priced (what the receipt will say)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from pos_app.domain.cart import PricedCart

HEADERS = ("SKU", "Description", "Qty", "Price", "Discount", "Amount")
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


class CartModel(QAbstractTableModel):
    def __init__(self, money: Callable[[int], str], parent: Any = None) -> None:
        super().__init__(parent)
        self._money = money
        self._rows: list[tuple[str, ...]] = []

    def show(self, priced: PricedCart | None) -> None:
        self.beginResetModel()
        self._rows = []
        for p in priced.lines if priced else ():
            line = p.line
            note = ""
            if line.is_return:
                assert line.returned is not None
                note = f"  (returned from {line.returned.original_sale_number})"
            elif line.override_reason:
                note = f"  (price changed: {line.override_reason})"
            discount = "" if p.discount.cents == 0 or line.is_return else "−" + self._money(p.discount.cents)
            self._rows.append((line.sku, line.description + note, str(line.quantity),
                               self._money(line.unit_price.cents), discount, self._money(p.net.cents)))
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):  # the tip: a long title whole
            return self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if index.column() >= 2 else _LEFT
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    def text(self, row: int, column: int) -> str:
        return self._rows[row][column]
