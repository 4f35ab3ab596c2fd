"""Small read-only tables (reports, counts, history): a list of text rows in a QTableView.

A model over plain rows rather than QTableWidget items: one object per table,
not one per cell, and no per-cell calls into the binding.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QHeaderView, QTableView

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


class RowsModel(QAbstractTableModel):
    def __init__(self, headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[int] = (),
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.headers = list(headers)
        self.rows = [list(r) for r in rows]
        self.numeric = set(numeric)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows) or index.column() >= len(self.headers):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if index.column() in self.numeric else _LEFT
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section] if 0 <= section < len(self.headers) else None
        return None

    def text(self, row: int, column: int) -> str:
        return self.rows[row][column]


def fill(view: QTableView, headers: Sequence[str], rows: Sequence[Sequence[str]],
         numeric: Sequence[int] = ()) -> RowsModel:
    """Show `rows` in `view` (replacing what it showed); the "Title" column stretches."""
    old = view.model()
    model = RowsModel(headers, rows, numeric, view)
    view.setModel(model)
    if old is not None and old.parent() is view:
        old.deleteLater()
    view.resizeColumnsToContents()
    header = view.horizontalHeader()
    stretch = [c for c, title in enumerate(headers) if title == "Title"]
    header.setStretchLastSection(False)
    for c in range(len(headers)):
        mode = QHeaderView.ResizeMode.Stretch if c in stretch else QHeaderView.ResizeMode.Interactive
        header.setSectionResizeMode(c, mode)
    return model
