"""The installed `pos-app` in a real X window (Xvfb), driven by real X key events (xdotool).

What a person at the counter does on a fresh demo store, with nothing but the keyboard: sign in, open a
shift from the F10 drawer menu, scan a necklace, F9, Enter to take the cash. The pytest-qt tests drive the
same screens inside the test process; these go through the console script, the X server's keyboard and
Qt's xcb platform, as the store will, so a menu whose actions die, a dialog that does not take the focus
or a shortcut that never reaches its widget fails here. Facts are read back from the store itself (another
connection to the same encrypted file), never from the screen.

The X desktop (Xvfb, Openbox, xdotool) is tests/e2e/desktop.py's, shared with the store day
(tests/e2e/test_store_day.py, which goes on from this sale through a whole day).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.desktop import Desktop, store_query


@pytest.fixture
def screen(tmp_path: Path) -> Iterator[Desktop]:
    x = Desktop(tmp_path)
    yield x
    x.close()


def test_a_clerk_opens_a_shift_and_sells_a_necklace_for_cash_with_the_keyboard_only(
        screen: Desktop, demo_dir: Path) -> None:
    query = store_query(demo_dir)
    assert query("SELECT count(*) FROM shifts WHERE status = 'open'")[0][0] == 0  # a fresh demo has none
    barcode, sku = query("SELECT barcode, sku FROM items WHERE status = 'available' AND tracking = 'unique' "
                         "AND barcode IS NOT NULL ORDER BY sku LIMIT 1")[0]
    sales_before = query("SELECT count(*) FROM sales")[0][0]

    screen.start(demo_dir)
    screen.type("Lily")  # the sign-in list jumps to the name typed
    screen.key("Return")
    screen.type("3333")
    screen.key("Return")
    screen.wait("the clerk's sign-in", lambda: query(
        "SELECT 1 FROM audit_events WHERE action = 'staff.signed_in' AND actor_name = 'Lily Chen'"))

    screen.key("F10", "Down", "Return")  # the drawer menu: Open a shift…
    screen.wait_active("^Open a shift$")
    screen.key("Return")  # the float as offered ($200.00)
    screen.wait("the shift to open", lambda: query("SELECT 1 FROM shifts WHERE status = 'open'"))

    screen.type(barcode)  # a keyboard-wedge scanner types the code and Enter
    screen.key("Return")
    time.sleep(0.5)
    screen.key("F9")  # pay
    screen.wait_active("^Payment$")
    screen.key("Return")  # the cash field holds what is due: take it
    sold = screen.wait("the sale", lambda: query(
        "SELECT s.number, s.total_cents, st.name FROM sales s JOIN staff st ON st.id = s.staff_id "
        "WHERE s.id NOT IN (SELECT id FROM sales ORDER BY completed_at LIMIT ?) ORDER BY s.completed_at DESC",
        sales_before))
    number, total, clerk = sold[0]
    screen.picture("sold")
    assert clerk == "Lily Chen" and total > 0 and number.startswith("C1-")
    status, on_hand = query("SELECT status, on_hand FROM items WHERE sku = ?", sku)[0]
    assert (status, on_hand) == ("sold", 0)
    (cash,) = query("SELECT amount_cents FROM payments p JOIN sales s ON s.id = p.sale_id "
                    "WHERE s.number = ? AND p.tender = 'cash'", number)[0]
    assert cash == total
