"""The appraisals table model: lazy over 50,000 appraisals.

A search costs one count: `rowCount` is the count, so the scroll bar is true
from the start. Rows arrive in blocks of `BLOCK` when the view first paints
one of them (one `LIMIT`/`OFFSET` query down `ix_appraisals_listing`), are
formatted once and cached (bounded), so `data()` never queries per cell and
never raises.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from pos_app.domain.appraisals import Purpose
from pos_app.services.ports import AppraisalRow

log = logging.getLogger(__name__)

BLOCK = 100
CACHE_BLOCKS = 50

AppraisalIdRole = Qt.ItemDataRole.UserRole + 1

COLUMNS = ("Number", "Version", "Status", "Date", "Purpose", "Owner", "Item", "Value", "Appraiser")
NUMERIC = frozenset({1, 7})
STATUS_COLUMN = 2


def status_text(status: str, superseded: bool) -> str:
    """Draft, Final or Superseded (a version a later one replaces)."""
    if superseded:
        return "Superseded"
    return "Final" if status == "final" else "Draft"


def _purpose(value: str) -> str:
    try:
        return Purpose.of(value).label
    except ValueError:
        return value


class AppraisalListModel(QAbstractTableModel):
    """Rows of `list_appraisals` for one search; `fetch_count(search, drafts_only)` and
    `fetch_page(search, drafts_only, offset, limit)` run on the GUI thread's reader."""

    def __init__(self, fetch_count: Callable[[str, bool], int],
                 fetch_page: Callable[[str, bool, int, int], list[AppraisalRow]],
                 money: Callable[[int | None, str | None], str], parent: Any = None) -> None:
        super().__init__(parent)
        self._fetch_count = fetch_count
        self._fetch_page = fetch_page
        self._money = money
        self._total = 0
        self._blocks: OrderedDict[int, list[tuple[AppraisalRow, tuple[str, ...]]]] = OrderedDict()
        self._failed: set[int] = set()
        self.search = ""
        self.drafts_only = False

    def set_query(self, search: str, drafts_only: bool) -> None:
        self.search, self.drafts_only = search, drafts_only
        self.refresh()

    def refresh(self) -> None:
        """Count again and forget the fetched rows (after a search or a saved change)."""
        total = self._fetch_count(self.search, self.drafts_only)
        self.beginResetModel()
        self._total = total
        self._blocks.clear()
        self._failed.clear()
        self.endResetModel()

    # -- rows ----------------------------------------------------------------------------

    def row_at(self, row: int) -> AppraisalRow | None:
        cached = self._cached(row)
        return None if cached is None else cached[0]

    def row_of(self, appraisal_id: str, near: int = 0) -> int | None:
        """Where `appraisal_id` is now, looking in the blocks around row `near`."""
        first = max(0, near // BLOCK - 1)
        for block in range(first, min(first + 3, (self._total + BLOCK - 1) // BLOCK)):
            for offset, (row, _texts) in enumerate(self._block(block) or ()):
                if row.id == appraisal_id:
                    return block * BLOCK + offset
        return None

    def _block(self, block: int) -> list[tuple[AppraisalRow, tuple[str, ...]]] | None:
        rows = self._blocks.get(block)
        if rows is not None:
            self._blocks.move_to_end(block)
            return rows
        try:
            fetched = self._fetch_page(self.search, self.drafts_only, block * BLOCK, BLOCK)
        except Exception:  # data() must never raise: the block shows blank, is logged once, retried on paint
            if block not in self._failed:
                self._failed.add(block)
                log.exception("fetching appraisal rows %d-%d failed", block * BLOCK, block * BLOCK + BLOCK - 1)
            return None
        self._failed.discard(block)
        rows = [(r, self._texts(r)) for r in fetched]
        self._blocks[block] = rows
        while len(self._blocks) > CACHE_BLOCKS:
            self._blocks.popitem(last=False)
        return rows

    def _cached(self, row: int) -> tuple[AppraisalRow, tuple[str, ...]] | None:
        if not 0 <= row < self._total:
            return None
        rows = self._block(row // BLOCK)
        if rows is None or row % BLOCK >= len(rows):
            return None  # the store changed since the count; a refresh is on its way
        return rows[row % BLOCK]

    def _texts(self, r: AppraisalRow) -> tuple[str, ...]:
        if not r.has_owner:
            owner = "Store inventory"
        else:
            owner = r.owner_name or "(customer erased)"
        return (r.number, str(r.version), status_text(r.status, r.superseded), r.appraised_on.isoformat(),
                _purpose(r.purpose), owner, r.item_sku or "", self._money(r.value_cents, r.currency),
                r.appraiser)

    # -- Qt model interface ------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.column() < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if index.column() in NUMERIC else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole, AppraisalIdRole):
            return None
        cached = self._cached(index.row())
        if cached is None:
            return None
        row, texts = cached
        if role == AppraisalIdRole:
            return row.id
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.superseded:
                return QColor("#8a8f98")
            if row.status == "draft" and index.column() == STATUS_COLUMN:
                return QColor("#8a5a00")
            return None
        return texts[index.column()]

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
