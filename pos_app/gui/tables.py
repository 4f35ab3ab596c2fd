"""Filling small read-only QTableWidgets (reports, counts): a few hundred rows at most."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem


def fill(table: QTableWidget, headers: Sequence[str], rows: Sequence[Sequence[str]],
         numeric: Sequence[int] = ()) -> None:
    table.setSortingEnabled(False)
    table.clear()
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setRowCount(len(rows))
    right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            cell = QTableWidgetItem(value)
            if c in numeric:
                cell.setTextAlignment(right)
            table.setItem(r, c, cell)
    table.resizeColumnsToContents()
    # Long text columns stretch; the rest keep their content width.
    from PySide6.QtWidgets import QHeaderView

    header = table.horizontalHeader()
    stretch = [c for c, title in enumerate(headers) if title == "Title"]
    header.setStretchLastSection(False)
    for c in range(len(headers)):
        mode = QHeaderView.ResizeMode.Stretch if c in stretch else QHeaderView.ResizeMode.Interactive
        header.setSectionResizeMode(c, mode)
