"""The appraisals table model: lazy over 50,000 appraisals.

A search costs one count: `rowCount` is the count, so the scroll bar is true
from the start. Rows arrive in blocks of `BLOCK` when the view first paints
one of them (one `LIMIT`/`OFFSET` query down `ix_appraisals_listing`), are
formatted once and cached (bounded), so `data()` never queries per cell and
never raises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor

from pos_app.domain.appraisals import Purpose
from pos_app.gui.tables import BlocksModel, RowBlocks
from pos_app.services.ports.appraisals import AppraisalRow

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


class AppraisalListModel(BlocksModel[AppraisalRow]):
    """Rows of `list_appraisals` for one search; `fetch_count(search, drafts_only)` and
    `fetch_page(search, drafts_only, offset, limit)` run on the GUI thread's reader."""

    columns = COLUMNS
    numeric = NUMERIC

    def __init__(self, fetch_count: Callable[[str, bool], int],
                 fetch_page: Callable[[str, bool, int, int], list[AppraisalRow]],
                 money: Callable[[int | None, str | None], str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fetch_count = fetch_count
        self._fetch_page = fetch_page
        self._money = money
        self.rows: RowBlocks[AppraisalRow] = RowBlocks(
            lambda offset, limit: self._fetch_page(self.search, self.drafts_only, offset, limit), self._texts,
            what="appraisal", block=BLOCK, keep=CACHE_BLOCKS)
        self.search = ""
        self.drafts_only = False

    def set_query(self, search: str, drafts_only: bool) -> None:
        self.search, self.drafts_only = search, drafts_only
        self.refresh()

    def refresh(self) -> None:
        """Count again and forget the fetched rows (after a search or a saved change)."""
        total = self._fetch_count(self.search, self.drafts_only)
        self.beginResetModel()
        self.rows.reset(total)
        self.endResetModel()

    # -- rows ----------------------------------------------------------------------------

    def row_of(self, appraisal_id: str, near: int = 0) -> int | None:
        """Where `appraisal_id` is now, looking in the blocks around row `near`."""
        return self.rows.find(lambda row: row.id == appraisal_id, near)

    def _texts(self, r: AppraisalRow) -> tuple[str, ...]:
        if not r.has_owner:
            owner = "Store inventory"
        else:
            owner = r.owner_name or "(customer erased)"
        return (r.number, str(r.version), status_text(r.status, r.superseded), r.appraised_on.isoformat(),
                _purpose(r.purpose), owner, r.item_sku or "", self._money(r.value_cents, r.currency),
                r.appraiser)

    def row_data(self, row: AppraisalRow, texts: tuple[str, ...], column: int, role: int) -> Any:
        if role == AppraisalIdRole:
            return row.id
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.superseded:
                return QColor("#8a8f98")
            if row.status == "draft" and column == STATUS_COLUMN:
                return QColor("#8a5a00")
            return None
        return super().row_data(row, texts, column, role)
