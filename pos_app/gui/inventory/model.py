"""The inventory table model: lazy over 100,000 items.

It holds only the ordered row handles (`seq`s) of the current search, filter
and sort, fetched with one query. Rows are fetched in blocks of `BLOCK` when
the view first asks for one of them, and cached (bounded), so `data()` never
queries per cell and never raises. Formatting (money, labels) happens once per
row, when its block arrives.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from pos_app.domain.jewelry import ItemStatus, Metal, Style, Tracking
from pos_app.services.ports import InventoryFilter, ItemRow

BLOCK = 100
CACHE_ROWS = 5_000

ItemIdRole = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class Column:
    key: str  # also the sort key understood by the reader
    title: str
    numeric: bool = False


COLUMNS = (
    Column("sku", "SKU"),
    Column("title", "Title"),
    Column("style", "Style"),
    Column("metal", "Metal"),
    Column("price", "Price", numeric=True),
    Column("cost", "Cost", numeric=True),
    Column("on_hand", "On hand", numeric=True),
    Column("status", "Status"),
    Column("location", "Location"),
    Column("received_on", "Received"),
    Column("cert_number", "Certificate"),
)


def _label(enum: Any, value: str) -> str:
    try:
        return str(enum(value).label)
    except ValueError:
        return value


class InventoryModel(QAbstractTableModel):
    def __init__(
        self,
        fetch_seqs: Callable[[InventoryFilter, str, bool], list[int]],
        fetch_rows: Callable[[Sequence[int]], list[ItemRow]],
        money: Callable[[int | None, str | None], str],
        *,
        show_cost: bool,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._fetch_seqs = fetch_seqs
        self._fetch_rows = fetch_rows
        self._money = money
        self.columns = tuple(c for c in COLUMNS if show_cost or c.key != "cost")
        self._seqs: list[int] = []
        self._cache: OrderedDict[int, tuple[ItemRow, tuple[str, ...]]] = OrderedDict()
        self.filter = InventoryFilter()
        self.sort_key = "sku"
        self.descending = False

    # -- queries -------------------------------------------------------------------

    def set_filter(self, flt: InventoryFilter) -> None:
        self.filter = flt
        self.refresh()

    def refresh(self, *, keep_cache: bool = False) -> None:
        """Run the query again (after a search, filter, sort, or a saved change)."""
        seqs = self._fetch_seqs(self.filter, self.sort_key, self.descending)
        self.beginResetModel()
        self._seqs = seqs
        if not keep_cache:
            self._cache.clear()
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self.columns[column].key
        self.sort_key = "price" if key == "cost" else key
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.refresh(keep_cache=True)

    # -- rows ----------------------------------------------------------------------

    def row_at(self, row: int) -> ItemRow | None:
        cached = self._cached(row)
        return None if cached is None else cached[0]

    def seq_at(self, row: int) -> int:
        return self._seqs[row]

    def row_of_seq(self, seq: int) -> int | None:
        try:
            return self._seqs.index(seq)
        except ValueError:
            return None

    def _cached(self, row: int) -> tuple[ItemRow, tuple[str, ...]] | None:
        if not 0 <= row < len(self._seqs):
            return None
        seq = self._seqs[row]
        hit = self._cache.get(seq)
        if hit is not None:
            self._cache.move_to_end(seq)
            return hit
        start = max(0, row - BLOCK // 4)
        block = [s for s in self._seqs[start:start + BLOCK] if s not in self._cache]
        try:
            fetched = self._fetch_rows(block)
        except Exception:  # data() must never raise; a failed block shows blank and is retried
            return None
        for item in fetched:
            self._cache[item.seq] = (item, self._texts(item))
        while len(self._cache) > CACHE_ROWS:
            self._cache.popitem(last=False)
        return self._cache.get(seq)

    def _texts(self, r: ItemRow) -> tuple[str, ...]:
        values = {
            "sku": r.sku,
            "title": r.title,
            "style": _label(Style, r.style),
            "metal": _label(Metal, r.metal),
            "price": self._money(r.price_cents, r.currency),
            "cost": self._money(r.cost_cents, r.currency),
            "on_hand": str(r.on_hand),
            "status": _label(ItemStatus, r.status),
            "location": r.location,
            "received_on": r.received_on.isoformat() if r.received_on else "",
            "cert_number": r.cert_number or "",
        }
        return tuple(values[c.key] for c in self.columns)

    # -- Qt model interface ---------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._seqs)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if 0 <= section < len(self.columns):
                return self.columns[section].title
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.column() < len(self.columns):
            return None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.TextAlignmentRole,
                        Qt.ItemDataRole.ForegroundRole, ItemIdRole, Qt.ItemDataRole.ToolTipRole):
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column.numeric else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        cached = self._cached(index.row())
        if cached is None:
            return None
        item, texts = cached
        if role == ItemIdRole:
            return item.id
        if role == Qt.ItemDataRole.ForegroundRole:
            if item.status == ItemStatus.SOLD.value or (item.on_hand <= 0 and item.tracking == Tracking.UNIQUE.value):
                return QColor("#8a8f98")
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return texts[index.column()] if column.key == "title" else None
        return texts[index.column()]

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
