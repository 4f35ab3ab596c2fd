"""Screens read dates in the store's time zone: 21:30 on Dec 6 in New York (02:30 on Dec 7, UTC) is Dec 6.

The privacy desk's closed request said "Completed 2026-12-07" minutes after a
request received on Dec 6, store time; a customer's first day read as the UTC
day. Driven through the main window over the demo store, by keys.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from PySide6.QtCore import Qt

from pos_app.gui.main_window import MainWindow
from pos_app.gui.privacy.desk import PrivacyDesk
from tests.gui.conftest import focused, sign_in
from tests.gui.test_customers_and_privacy_desk import _customers
from tests.integration.test_store_time_dates import EVENING, STORE_DAY, UTC_DAY, _closed_request

SNAPS = os.environ.get("FACET_SNAP_DIR", "/tmp")


def test_the_privacy_desk_says_a_request_closed_on_the_evening_of_dec_6_was_completed_on_dec_6(
        qtbot: Any, window: MainWindow) -> None:
    facet = window.context.facet
    request_id = _closed_request(facet, facet.store.sales.find_customers("Albrecht")[0].id)
    sign_in(qtbot, window, "Dana Brooks")
    desk = window.workspace.show_screen("Privacy desk")  # type: ignore[union-attr]
    assert isinstance(desk, PrivacyDesk)
    window.activateWindow()
    qtbot.waitUntil(lambda: focused() is desk.form.table)
    qtbot.keyClick(focused(), Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)  # show closed requests
    qtbot.waitUntil(lambda: desk.form.closed_check.isChecked() and desk.model.row_of(request_id) is not None)
    desk.form.table.setFocus()
    qtbot.keyClick(focused(), Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    for _ in range(desk.model.rowCount()):
        if desk.current_id() == request_id:
            break
        qtbot.keyClick(focused(), Qt.Key.Key_Down)
    assert desk.current_id() == request_id
    steps = desk.form.steps_label.text()
    assert f"Completed {STORE_DAY}" in steps and UTC_DAY not in steps
    desk.window().grab().save(f"{SNAPS}/privacy_desk_closed.png")


def test_a_customers_first_day_reads_on_the_stores_calendar(qtbot: Any, window: MainWindow) -> None:
    facet = window.context.facet
    customer = facet.store.sales.find_customers("Abernathy")[0]
    conn = facet.connection()
    try:
        conn.execute("UPDATE customers SET created_at = ? WHERE id = ?",
                     (EVENING.replace(tzinfo=None).isoformat(sep=" "), customer.id))
        conn.commit()
    finally:
        conn.close()
    sign_in(qtbot, window, "Dana Brooks")
    view = _customers(qtbot, window, "Abernathy")
    assert f"Customer since {STORE_DAY}" in view.form.profile_label.text()
    assert dt.date.fromisoformat(STORE_DAY) < dt.date.fromisoformat(UTC_DAY)
