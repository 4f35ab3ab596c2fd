"""The Staff screen follows the store's `security.two_step_roles`: once the owner requires two-step sign-in of
managers, making someone a manager says they set it up at their next sign-in. Driven by keys."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from pos_app.domain.permissions import Role
from pos_app.gui.main_window import MainWindow
from pos_app.services import settings
from tests.conftest import actor_for
from tests.gui.conftest import focused, press
from tests.gui.test_staff_tab_changes import _dialog, _select, _staff_tab


def _manager_note(qtbot: Any, window: MainWindow) -> str:
    view = _staff_tab(qtbot, window)
    _select(qtbot, view, "Sam Ortiz")
    press(qtbot, Qt.Key.Key_F2)
    dialog = _dialog(qtbot, view)
    qtbot.keyClicks(focused(), "Ma")
    assert dialog.form.role_combo.currentData() == Role.MANAGER
    return str(dialog.form.note_label.text())


def test_making_a_manager_says_two_step_comes_only_once_the_owner_requires_it_of_managers(
        qtbot: Any, window: MainWindow) -> None:
    facet = window.context.facet
    settings.change_setting("security.two_step_roles", "owner, privacy_officer, manager", uow=facet.uow(),
                            actor=actor_for(facet, Role.OWNER))
    assert "A manager also sets up two-step sign-in (a phone app) then." in _manager_note(qtbot, window)


def test_by_default_making_a_manager_says_nothing_of_two_step(qtbot: Any, window: MainWindow) -> None:
    assert "two-step" not in _manager_note(qtbot, window)
