"""The inventory table model: lazy over 100,000 items.

A search, filter or sort costs one count and nothing else: `rowCount` is the
count, so the scroll bar is true from the start. Rows arrive in blocks of
`BLOCK` when the view first paints one of them: one query for the block's
handles (an index walk in the list's order, `LIMIT`/`OFFSET`) and one for
their rows. Blocks are cached (bounded), so `data()` never queries per cell
and never raises; formatting (money, labels) happens once per row, when its
block arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from pos_app.domain.jewelry import ItemStatus, Metal, Style, Tracking
from pos_app.gui.tables import RowBlocks
from pos_app.services.ports.inventory import InventoryFilter, ItemRow

BLOCK = 100
CACHE_BLOCKS = 50

ItemIdRole = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class Column:
    key: str  # also the sort key understood by the reader
    title: str
    numeric: bool = False


COLUMNS = (
    Column("sku", "SKU"),
    Column("store", "Store"),  # the home store's code (S2), shown only when the store is in a sync group
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


def _label(enum: Any, value: str) -> str:  # an enum of jewelry.py whose members carry a label
    try:
        return str(enum(value).label)
    except ValueError:
        return value


class InventoryModel(QAbstractTableModel):
    def __init__(
        self,
        fetch_count: Callable[[InventoryFilter], int],
        fetch_page: Callable[[InventoryFilter, str, bool, int, int], list[int]],
        fetch_rows: Callable[[Sequence[int]], list[ItemRow]],
        money: Callable[[int | None, str | None], str],
        *,
        show_cost: bool,
        show_store: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._fetch_count = fetch_count
        self._fetch_page = fetch_page
        self._fetch_rows = fetch_rows
        self._money = money
        self.columns = tuple(c for c in COLUMNS
                             if (show_cost or c.key != "cost") and (show_store or c.key != "store"))
        self.rows: RowBlocks[ItemRow] = RowBlocks(
            lambda offset, limit: self._fetch_rows(
                self._fetch_page(self.filter, self.sort_key, self.descending, offset, limit)),
            self._texts, what="inventory", block=BLOCK, keep=CACHE_BLOCKS)
        self.filter = InventoryFilter()
        self.sort_key = "sku"
        self.descending = False

    # -- queries -------------------------------------------------------------------

    def set_filter(self, flt: InventoryFilter) -> None:
        self.filter = flt
        self.refresh()

    def set_sort(self, key: str, descending: bool) -> None:
        """Choose the order without a query (the next refresh uses it)."""
        self.sort_key, self.descending = key, descending

    def refresh(self) -> None:
        """Count again and forget the fetched rows (after a search, filter, sort or saved change)."""
        total = self._fetch_count(self.filter)
        self.beginResetModel()
        self.rows.reset(total)
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self.columns[column].key
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) == (self.sort_key, self.descending):
            return
        self.set_sort(key, descending)
        self.refresh()

    # -- rows ----------------------------------------------------------------------

    def row_at(self, row: int) -> ItemRow | None:
        cached = self.rows.at(row)
        return None if cached is None else cached[0]

    def seq_at(self, row: int) -> int | None:
        item = self.row_at(row)
        return None if item is None else item.seq

    def row_of_seq(self, seq: int, near: int = 0) -> int | None:
        """Where `seq` is now, looking in the blocks around row `near` (after a refresh, an
        edited item rarely moves far); None if it is not there."""
        return self.rows.find(lambda item: item.seq == seq, near)

    def _texts(self, r: ItemRow) -> tuple[str, ...]:
        values = {
            "sku": r.sku,
            "store": r.store_code or "",
            "title": r.title,
            "style": _label(Style, r.style),
            "metal": _label(Metal, r.metal),
            "price": self._money(r.price_cents, r.currency),
            "cost": self._money(r.cost_cents, r.currency),
            "on_hand": f"{r.on_hand} (+{r.in_transit} coming)" if r.in_transit else str(r.on_hand),
            "status": _label(ItemStatus, r.status),
            "location": r.location,
            "received_on": r.received_on.isoformat() if r.received_on else "",
            "cert_number": r.cert_number or "",
        }
        return tuple(values[c.key] for c in self.columns)

    # -- Qt model interface ---------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else self.rows.total

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
        cached = self.rows.at(index.row())
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
