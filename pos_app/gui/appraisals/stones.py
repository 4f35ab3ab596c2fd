"""The stones table of the appraisal dialog: one row per stone or matched group, typed cell by cell.

Cells are plain text, checked by the service (`parse_stone` names the row and
column of a problem: "stone 2 carat"). Role, shape, clarity and cut complete
as you type from the trade's labels. Every keystroke is committed to the
table, so a shortcut pressed while a cell is being edited saves what it shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QHeaderView,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from pos_app.domain.appraisals import StoneRole
from pos_app.domain.jewelry import Clarity, Cut, LabeledEnum, Shape

# (key in the service's stone rows, header, width); "certificate" is a report number the dialog resolves
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("role", "Role", 120), ("shape", "Shape", 130), ("count", "Count", 60), ("carat", "Carat", 70),
    ("color", "Color", 60), ("clarity", "Clarity", 70), ("cut", "Cut", 95), ("measurements", "Measurements", 170),
    ("certificate", "Certificate report no.", 150),
)
KEYS = tuple(key for key, _title, _width in COLUMNS)
CHOICES: dict[str, type[LabeledEnum]] = {"role": StoneRole, "shape": Shape, "clarity": Clarity, "cut": Cut}
PROBLEM = QColor("#fde2e1")


def label_for(key: str, text: str) -> str:
    """A labelled column's text as its label when it names one in any case ("round brilliant" -> "Round
    Brilliant"); anything else as typed, for the service to accept (a value, an alias) or name."""
    enum = CHOICES.get(key)
    wanted = text.strip().casefold()
    if enum is not None:
        for member in enum:
            if member.label.casefold() == wanted:
                return member.label
    return text


class _CellDelegate(QStyledItemDelegate):
    """A line editor per cell; the labelled columns complete inline from their labels."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: QModelIndex | QPersistentModelIndex) -> QWidget:
        editor = QLineEdit(parent)
        editor.setFrame(False)
        enum = CHOICES.get(KEYS[index.column()])
        if enum is not None:
            completer = QCompleter([m.label for m in enum], editor)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setCompletionMode(QCompleter.CompletionMode.InlineCompletion)
            editor.setCompleter(completer)
        editor.textEdited.connect(lambda _text: self.commitData.emit(editor))
        return editor

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, QLineEdit)
        if not editor.text():
            editor.setText(str(index.data(Qt.ItemDataRole.EditRole) or ""))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel,
                     index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, QLineEdit)
        model.setData(index, label_for(KEYS[index.column()], editor.text()), Qt.ItemDataRole.EditRole)


class StonesEditor:
    """Wraps the form's QTableWidget: rows of text in, rows of text out."""

    def __init__(self, table: QTableWidget) -> None:
        self.table = table
        table.setColumnCount(len(COLUMNS))
        table.setHorizontalHeaderLabels([title for _key, title, _width in COLUMNS])
        table.setItemDelegate(_CellDelegate(table))
        table.verticalHeader().setDefaultSectionSize(28)
        table.setTabKeyNavigation(True)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, (_key, _title, width) in enumerate(COLUMNS):
            table.setColumnWidth(column, width)
        self.set_read_only(False)

    def set_read_only(self, read_only: bool) -> None:
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.NoEditTriggers if read_only else
            QAbstractItemView.EditTrigger.AnyKeyPressed | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed)

    def add_row(self, values: Mapping[str, str] | None = None) -> int:
        """A new row (a center stone first, then side stones, count 1 unless given); returns its index."""
        row = self.table.rowCount()
        defaults = {"role": (StoneRole.CENTER if row == 0 else StoneRole.SIDE).label, "count": "1"}
        self.table.insertRow(row)
        for column, key in enumerate(KEYS):
            text = values.get(key, "") if values is not None else defaults.get(key, "")
            self.table.setItem(row, column, QTableWidgetItem(text))
        return row

    def start_row(self) -> None:
        """Add a row and put the keyboard on its first value cell (after the prefilled role)."""
        row = self.add_row()
        self.table.setFocus()
        self.table.setCurrentCell(row, KEYS.index("shape"))

    def remove_current(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)

    def set_rows(self, rows: Sequence[Mapping[str, str]]) -> None:
        self.table.setRowCount(0)
        for values in rows:
            self.add_row(values)

    def prune_blank(self) -> None:
        """Drop rows with nothing but the prefilled role and count (added, never filled in)."""
        for row in reversed(range(self.table.rowCount())):
            texts = self.values(row)
            if not any(v.strip() for k, v in texts.items() if k not in ("role", "count")):
                self.table.removeRow(row)

    def values(self, row: int) -> dict[str, str]:
        out = {}
        for column, key in enumerate(KEYS):
            item = self.table.item(row, column)
            out[key] = item.text() if item is not None else ""
        return out

    def rows(self) -> list[dict[str, str]]:
        return [self.values(row) for row in range(self.table.rowCount())]

    def clear_marks(self) -> None:
        for row in range(self.table.rowCount()):
            for column in range(len(KEYS)):
                item = self.table.item(row, column)
                if item is not None and item.background().color() == PROBLEM:
                    item.setBackground(QBrush())
                    item.setToolTip("")

    def mark(self, row: int, key: str, problem: str) -> bool:
        """Highlight a cell and put the keyboard on it; False if there is no such cell."""
        if not (0 <= row < self.table.rowCount()) or key not in KEYS:
            return False
        column = KEYS.index(key)
        item = self.table.item(row, column)
        if item is None:
            item = QTableWidgetItem("")
            self.table.setItem(row, column, item)
        item.setBackground(QBrush(PROBLEM))
        item.setToolTip(problem)
        self.table.setCurrentCell(row, column)
        self.table.setFocus()
        return True
