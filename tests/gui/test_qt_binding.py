"""The Qt binding itself must not corrupt Python's memory on the calls Facet makes."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QListWidget, QListWidgetItem, QTableWidget, QTableWidgetItem


def test_filling_tables_and_lists_keeps_none_referenced(qtbot) -> None:  # type: ignore[no-untyped-def]
    # PySide6 6.12.0 on CPython 3.11 lost one reference to None per call here and the
    # process aborted after some thousands ("none_dealloc"); pyproject keeps it out.
    table, lst = QTableWidget(50, 4), QListWidget()
    qtbot.addWidget(table)
    qtbot.addWidget(lst)
    before = sys.getrefcount(None)
    for n in range(1000):
        table.setItem(n % 50, n % 4, QTableWidgetItem(str(n)))
        lst.addItem(QListWidgetItem(str(n)))
    assert sys.getrefcount(None) - before > -100
