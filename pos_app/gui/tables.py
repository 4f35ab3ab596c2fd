"""Small read-only tables (reports, counts, history): a list of text rows in a QTableView;
and the keyboard of the list screens (a search box over a table).

A model over plain rows rather than QTableWidget items: one object per table,
not one per cell, and no per-cell calls into the binding.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHeaderView, QLineEdit, QTableView

log = logging.getLogger(__name__)
T = TypeVar("T")


class _Record(Protocol):
    @property
    def id(self) -> str: ...


R = TypeVar("R", bound=_Record)

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


class RowsModel(QAbstractTableModel):
    def __init__(self, headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[int] = (),
                 parent: QObject | None = None) -> None:
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


class RecordsModel(QAbstractTableModel, Generic[R]):
    """A list screen's rows: the records of one search (each with an `id`), held in memory.

    Subclasses name their `HEADERS`, prepare the rows' texts once in
    `prepare` (so `data` never queries) and answer `data`.
    """

    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[R] = []

    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.prepare()
        self.endResetModel()

    def prepare(self) -> None:
        """Called with the new rows in place, before the views hear of them."""

    def row_of(self, row_id: str) -> int | None:
        return next((n for n, r in enumerate(self.rows) if r.id == row_id), None)

    def at(self, index: QModelIndex | QPersistentModelIndex) -> R | None:
        """The record of a view's current index (None when there is none)."""
        return self.rows[index.row()] if index.isValid() and 0 <= index.row() < len(self.rows) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None


def show_records(table: QTableView, model: RecordsModel[Any], widths: Sequence[int], row_height: int = 28) -> None:
    """A list screen's table: `model` in `table`, columns `widths` pixels wide (the person may drag them)."""
    table.setModel(model)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for column, width in enumerate(widths):
        table.setColumnWidth(column, width)
    table.verticalHeader().setDefaultSectionSize(row_height)


def select_record(table: QTableView, model: RecordsModel[Any], record_id: str | None) -> None:
    """Highlight the record with `record_id` in `table`, or the first row when it is no longer listed."""
    if not model.rows:
        return
    row = model.row_of(record_id) if record_id else None
    table.selectionModel().setCurrentIndex(
        model.index(row or 0, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)


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


SEARCH_DELAY_MS = 120


class SearchKeys(QObject):
    """A list screen's keyboard: typing in the search box runs `search` after a short pause (and once, not per
    key); Enter there runs `on_enter`; Down goes to the table, searching first if a search was waiting; Enter
    in the table runs `open_selected`, as a double click does."""

    def __init__(self, search_edit: QLineEdit, table: QTableView, *, search: Callable[[], None],
                 open_selected: Callable[[], None], on_enter: Callable[[], None],
                 delay_ms: int = SEARCH_DELAY_MS) -> None:
        super().__init__(table)
        self._edit, self._table, self._search, self._open = search_edit, table, search, open_selected
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(delay_ms)
        self.timer.timeout.connect(search)
        search_edit.textChanged.connect(lambda _text: self.timer.start())
        search_edit.returnPressed.connect(on_enter)
        table.doubleClicked.connect(lambda _index: open_selected())
        search_edit.installEventFilter(self)
        table.installEventFilter(self)

    def focus(self) -> None:
        """Ctrl+F: the search box takes the keyboard, its text selected to type over."""
        self._edit.setFocus()
        self._edit.selectAll()

    def clear(self) -> None:
        """Esc: empty the search, list everything again, and go back to the search box."""
        self._edit.clear()
        self._search()
        self.focus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if watched is self._edit and key == Qt.Key.Key_Down:
                if self.timer.isActive():
                    self._search()
                self._table.setFocus()
                return True
            if watched is self._table and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._open()
                return True
        return super().eventFilter(watched, event)


class RowBlocks(Generic[T]):
    """The rows of a long list, fetched `block` at a time when the view first paints one of them, formatted
    once and cached (the last `keep` blocks), so a table model's `data()` never queries per cell and never
    raises: a block that fails to load shows blank, is logged once and is tried again on the next paint.

    `fetch(offset, limit)` reads a page of the current query; `texts(row)` formats a row for its columns.
    """

    def __init__(self, fetch: Callable[[int, int], list[T]], texts: Callable[[T], tuple[str, ...]], *,
                 what: str, block: int = 100, keep: int = 50) -> None:
        self._fetch, self._texts, self._what = fetch, texts, what
        self.block, self.keep = block, keep
        self.total = 0
        self.blocks: OrderedDict[int, list[tuple[T, tuple[str, ...]]]] = OrderedDict()
        self._failed: set[int] = set()

    def reset(self, total: int) -> None:
        """A new count: forget every fetched row (after a search, a sort or a saved change)."""
        self.total = total
        self.blocks.clear()
        self._failed.clear()

    def at(self, row: int) -> tuple[T, tuple[str, ...]] | None:
        """Row `row` and its texts (None past the end, or while its block cannot be read)."""
        if not 0 <= row < self.total:
            return None
        rows = self._load(row // self.block)
        if rows is None or row % self.block >= len(rows):
            return None  # the store changed since the count; a refresh is on its way
        return rows[row % self.block]

    def find(self, matches: Callable[[T], bool], near: int = 0) -> int | None:
        """Where a row is now, looking in the blocks around row `near` (after a refresh an edited row
        rarely moves far); None if it is not there."""
        first = max(0, near // self.block - 1)
        for number in range(first, min(first + 3, (self.total + self.block - 1) // self.block)):
            for offset, (row, _texts) in enumerate(self._load(number) or ()):
                if matches(row):
                    return number * self.block + offset
        return None

    def _load(self, number: int) -> list[tuple[T, tuple[str, ...]]] | None:
        rows = self.blocks.get(number)
        if rows is not None:
            self.blocks.move_to_end(number)
            return rows
        start = number * self.block
        try:
            fetched = self._fetch(start, self.block)
        except Exception:  # data() must never raise
            if number not in self._failed:
                self._failed.add(number)
                log.exception("fetching %s rows %d-%d failed", self._what, start, start + self.block - 1)
            return None
        self._failed.discard(number)
        rows = [(row, self._texts(row)) for row in fetched]
        self.blocks[number] = rows
        while len(self.blocks) > self.keep:
            self.blocks.popitem(last=False)
        return rows


class BlocksModel(QAbstractTableModel, Generic[T]):
    """A read-only table over `rows` (a `RowBlocks`): fixed `columns`, the `numeric` ones right-aligned.
    A subclass sets `rows` and formats a row's texts; `row_data` adds roles beyond the text."""

    columns: tuple[str, ...] = ()
    numeric: frozenset[int] = frozenset()
    rows: RowBlocks[T]

    def row_at(self, row: int) -> T | None:
        cached = self.rows.at(row)
        return None if cached is None else cached[0]

    def row_data(self, row: T, texts: tuple[str, ...], column: int, role: int) -> Any:
        return texts[column] if role == Qt.ItemDataRole.DisplayRole else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else self.rows.total

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.columns):
            return self.columns[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.column() < len(self.columns):
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            right = index.column() in self.numeric
            horizontal = Qt.AlignmentFlag.AlignRight if right else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        cached = self.rows.at(index.row())
        return None if cached is None else self.row_data(cached[0], cached[1], index.column(), role)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
