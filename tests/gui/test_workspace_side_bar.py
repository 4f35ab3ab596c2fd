"""The workspace's side bar: every screen one key chord away, grouped by job, fitting the window
for every role and for the screens still to come."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QWidget

from pos_app.domain.permissions import Permission
from pos_app.gui import workspace as workspace_module
from pos_app.gui.main_window import MainWindow
from pos_app.gui.workspace import GROUPS, HOME, tab_keys
from tests.gui.conftest import focused, press, sign_in, snap

CTRL = Qt.KeyboardModifier.ControlModifier
ROLE_OF = {"Jane Ellen": "Owner", "Marcus Reed": "Manager", "Lily Chen": "Clerk", "Priya Nair": "Appraiser",
           "Dana Brooks": "Privacy officer"}


def _sign_out(window: MainWindow) -> None:
    window.lock("")
    window.sign_in.form.staff_list.setCurrentRow(0)


def test_tab_shortcuts_run_ctrl_1_to_9_then_0_and_stop() -> None:
    assert [tab_keys(n) for n in range(11)] == [*(f"Ctrl+{n}" for n in range(1, 10)), "Ctrl+0", None]


def test_the_owner_reaches_every_screen_by_keyboard(qtbot: Any, window: MainWindow) -> None:
    sign_in(qtbot, window, "Jane Ellen")
    workspace = window.workspace
    assert workspace is not None
    titles = list(workspace.screens)
    assert len(titles) == 11
    for n, title in enumerate(titles[:10]):
        assert workspace.keys_of(title) == tab_keys(n)
        press(qtbot, Qt.Key(Qt.Key.Key_0 + (n + 1) % 10), CTRL)
        qtbot.waitUntil(lambda title=title: workspace.current_title() == title, timeout=3_000)
        assert workspace.current_screen().isAncestorOf(focused()), f"{title} has the keyboard"  # type: ignore[union-attr]
    assert workspace.keys_of("Settings") is None  # the eleventh: Ctrl+PgDown steps to it
    # Ctrl+PgDown steps through all of them, past the tenth too, and wraps around.
    press(qtbot, Qt.Key.Key_1, CTRL)
    seen = []
    for _ in titles:
        press(qtbot, Qt.Key.Key_PageDown, CTRL)
        seen.append(workspace.current_title())
    assert seen == [*titles[1:], titles[0]]
    press(qtbot, Qt.Key.Key_PageUp, CTRL)
    assert workspace.current_title() == "Settings"


def test_the_side_bar_groups_the_screens_by_job(qtbot: Any, window: MainWindow) -> None:
    sign_in(qtbot, window, "Jane Ellen")
    workspace = window.workspace
    assert workspace is not None
    groups = {title: workspace.group_of(title) for title in workspace.screens}
    assert groups == {
        "Sell": "Counter", "Inventory": "Stock", "Stock count": "Stock", "Reports": "Stock",
        "Appraisals": "Paperwork", "Certificates": "Paperwork", "Customers": "Customers and privacy",
        "Privacy desk": "Customers and privacy", "Audit": "Back office", "Staff": "Back office",
        "Settings": "Back office"}
    nav = workspace.form.nav
    assert [nav.topLevelItem(n).text(0) for n in range(nav.topLevelItemCount())] == list(GROUPS)

    _sign_out(window)
    sign_in(qtbot, window, "Dana Brooks")  # nothing at the counter, in stock or paperwork: no empty groups
    nav = window.workspace.form.nav  # type: ignore[union-attr]
    assert [nav.topLevelItem(n).text(0) for n in range(nav.topLevelItemCount())] == [
        "Customers and privacy", "Back office"]


def test_the_side_bar_works_from_the_keyboard(qtbot: Any, window: MainWindow) -> None:
    sign_in(qtbot, window, "Lily Chen")
    workspace = window.workspace
    assert workspace is not None and workspace.current_title() == "Sell"
    press(qtbot, Qt.Key.Key_M, CTRL)
    assert focused() is workspace.form.nav
    press(qtbot, Qt.Key.Key_Down)  # past the "Stock" caption to Inventory, shown at once
    assert workspace.current_title() == "Inventory" and focused() is workspace.form.nav
    press(qtbot, Qt.Key.Key_Down)
    assert workspace.current_title() == "Stock count"
    press(qtbot, Qt.Key.Key_Return)  # Enter: the screen has the keyboard
    assert workspace.screens["Stock count"].isAncestorOf(focused())

    press(qtbot, Qt.Key.Key_M, CTRL)
    press(qtbot, Qt.Key.Key_Left)  # folds the Stock group; its screens stay a chord away
    stock = workspace.form.nav.topLevelItem(1)
    assert stock.text(0) == "Stock" and not stock.isExpanded()
    press(qtbot, Qt.Key.Key_Right)
    assert stock.isExpanded()
    press(qtbot, Qt.Key.Key_Escape)  # Esc: back to the screen in front
    assert workspace.screens["Stock count"].isAncestorOf(focused())


@pytest.mark.parametrize("name", list(ROLE_OF))
def test_each_role_starts_on_its_main_job(qtbot: Any, window: MainWindow, name: str) -> None:
    sign_in(qtbot, window, name)
    workspace = window.workspace
    assert workspace is not None
    expected = {"Jane Ellen": "Sell", "Marcus Reed": "Sell", "Lily Chen": "Sell", "Priya Nair": "Appraisals",
                "Dana Brooks": "Privacy desk"}[name]
    assert workspace.current_title() == expected == HOME[window.context.require_actor().role]
    assert workspace.screens[expected].isAncestorOf(focused())
    assert workspace.form.nav.currentItem().text(0) == expected


def _fits(qtbot: Any, window: MainWindow, size: tuple[int, int], name: str) -> None:
    """The window at `size` holds the side bar's every row whole, with no scroll bar, and every screen."""
    window.resize(*size)
    qtbot.waitUntil(lambda: window.size().toTuple() == size, timeout=3_000)
    hint = window.minimumSizeHint()
    assert hint.width() <= size[0] and hint.height() <= size[1], f"{name} needs {hint.toTuple()}"
    workspace = window.workspace
    assert workspace is not None
    nav = workspace.form.nav
    viewport = nav.viewport().rect()
    assert not nav.verticalScrollBar().isVisible()
    for title in workspace.screens:
        item = workspace._items[title]
        rect = nav.visualItemRect(item)
        assert viewport.contains(rect), f"{title} is off the side bar for {name} at {size}"
        text = QFontMetrics(nav.font()).horizontalAdvance(title)
        assert text < nav.columnWidth(0) - 12, f"{title} is cut off"


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_every_role_fits_the_window(qtbot: Any, window: MainWindow, size: tuple[int, int]) -> None:
    for name, role in ROLE_OF.items():
        sign_in(qtbot, window, name)
        _fits(qtbot, window, size, name)
        snap(window, f"workspace-{role.lower().replace(' ', '-')}-{size[0]}")
        _sign_out(window)


def test_five_more_screens_still_fit_at_1280_by_800(qtbot: Any, window: MainWindow,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Repairs, layaway, reports, head office and one more: each a row, none pushing another off (Sync is
    real now, shown only in a store that joined a group)."""
    screens = workspace_module.load_screens()

    def coming(title: str) -> Any:
        return lambda _context, parent: QLabel(f"{title} is on its way", parent)

    more = [("Counter", "Repairs"), ("Counter", "Layaway"), ("Stock", "Sales reports"),
            ("Back office", "Head office"), ("Paperwork", "Consignments")]
    extra = [(group, title, Permission.SELL, coming(title)) for group, title in more]
    monkeypatch.setattr(workspace_module, "load_screens", lambda: screens + extra)
    sign_in(qtbot, window, "Jane Ellen")
    workspace = window.workspace
    assert workspace is not None and len(workspace.screens) == 16
    assert workspace.group_of("Repairs") == "Counter"
    _fits(qtbot, window, (1280, 800), "the owner with 16 screens")
    snap(window, "workspace-sixteen-screens-1280")
    press(qtbot, Qt.Key.Key_PageUp, CTRL)  # the last one, past Ctrl+0, by keyboard
    assert isinstance(workspace.current_screen(), QWidget)
    assert workspace.current_title() == list(workspace.screens)[-1]


def test_the_appraisers_first_screen_shows_every_column_at_1280_by_800(qtbot: Any, window: MainWindow) -> None:
    sign_in(qtbot, window, "Priya Nair")
    _fits(qtbot, window, (1280, 800), "Priya Nair")
    view = window.workspace.current_screen()
    table = view.form.table
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=10_000)
    qtbot.wait(50)
    assert table.horizontalScrollBar().maximum() == 0, "a column is cut off behind a scroll bar"
    _headings_whole(table)
    appraiser = table.model().columnCount() - 1
    assert table.columnWidth(appraiser) >= table.fontMetrics().horizontalAdvance("Priya Nair") + 8


def _headings_whole(table: Any) -> None:
    header = table.horizontalHeader()
    metrics = QFontMetrics(header.font())
    bold = header.font()
    bold.setBold(True)
    for column in range(table.model().columnCount()):
        heading = str(table.model().headerData(column, Qt.Orientation.Horizontal))
        needs = max(metrics.horizontalAdvance(heading), QFontMetrics(bold).horizontalAdvance(heading)) + 12
        assert header.sectionSize(column) >= needs, f"the heading {heading!r} is cut"


def test_the_privacy_officers_first_screen_shows_every_column_at_1280_by_800(qtbot: Any,
                                                                            window: MainWindow) -> None:
    sign_in(qtbot, window, "Dana Brooks")
    _fits(qtbot, window, (1280, 800), "Dana Brooks")
    table = window.workspace.current_screen().form.table
    qtbot.wait(50)
    assert table.horizontalScrollBar().maximum() == 0, "a column is cut off behind a scroll bar"
    _headings_whole(table)
