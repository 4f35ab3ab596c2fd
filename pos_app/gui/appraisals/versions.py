"""The appraisal dialog's versions box: every version of the open appraisal's number, the open one in bold.

Shown for a final version or a number with more than one version; Enter or a double click opens a version.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem

from pos_app.gui.appraisals.editor import AppraisalEditor

HEADERS = ["Version", "Status", "Made by", "Drafted", "Finalized", "Value"]


def setup_versions_table(table: QTableWidget) -> None:
    table.setColumnCount(len(HEADERS))
    table.setHorizontalHeaderLabels(HEADERS)
    table.verticalHeader().setDefaultSectionSize(26)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for column, width in enumerate((100, 280, 180, 150, 150)):
        table.setColumnWidth(column, width)


def show_versions(editor: AppraisalEditor) -> None:
    f, record, versions = editor.form, editor.record, editor.versions
    show = record is not None and (len(versions) > 1 or record.status == "final")
    f.versions_group.setVisible(show)
    if not show or record is None:
        return
    tz = ZoneInfo(editor.context.profile.timezone)
    latest = versions[-1].version
    table = f.versions_table
    table.setRowCount(len(versions))
    for row, v in enumerate(versions):
        if v.status == "draft":
            status = "Draft correction" if v.version > 1 else "Draft"
        else:
            status = "Final, current" if v.current else f"Final, superseded by version {latest}"
        texts = (f"{v.version}" + ("  (open)" if v.id == record.id else ""), status, v.made_by or "—",
                 v.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                 v.finalized_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if v.finalized_at else "",
                 editor.context.money(v.value_cents, v.currency) if v.value_cents is not None else "")
        for column, text in enumerate(texts):
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, v.id)
            if v.id == record.id:
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
            if column == 5:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(row, column, item)
        if v.id == record.id:
            table.setCurrentCell(row, 0)
    # Every version in sight (up to four; more scroll): the history is the point of this box.
    shown = min(len(versions), 4)
    table.setFixedHeight(table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth() + 2
                         + sum(table.rowHeight(n) for n in range(shown)))


def open_version(editor: AppraisalEditor) -> None:
    """Open the version chosen in the table (unless it is the open one)."""
    item = editor.form.versions_table.currentItem()
    appraisal_id = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
    if appraisal_id and (editor.record is None or appraisal_id != editor.record.id):
        editor.load(appraisal_id)
