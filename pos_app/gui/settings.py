"""Settings, for the owner and managers: who may do what, and the store's settings as they are.

Both pages are read-only. The permission matrix is the one every service
checks (`domain/permissions.py`), shown by area with a ✓ per role; changing
it is a code change, on purpose. Store settings are changed by the owner
with `pos-app settings set KEY VALUE`, which checks each value.

Keyboard: Alt+1 the permissions, Alt+2 the store settings.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from pos_app.domain.permissions import AREAS, Role, allows
from pos_app.gui.base import mark_info
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.tables import fill
from pos_app.services import settings as store_settings

ALLOWED = "✓"
_LONG = 50


def matrix_rows() -> list[tuple[str, ...]]:
    """One row per permission: its area (on the area's first row only), its name, a ✓ per role allowed."""
    rows: list[tuple[str, ...]] = []
    for area, permissions in AREAS.items():
        for n, permission in enumerate(permissions):
            marks = tuple(ALLOWED if allows(role, permission) else "" for role in Role)
            rows.append((area if n == 0 else "", permission.label, *marks))
    return rows


def setting_text(key: str, value: Any) -> str:
    """A setting's value as one short line: lists joined, long text cut, the logo not shown as base64."""
    if key == "receipt.logo":
        return "a PNG logo" if value else "none"
    text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    text = " ".join(text.split())
    if not text:
        return "(empty)"
    return text if len(text) <= _LONG else text[: _LONG - 1] + "…"


class SettingsView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.form = Form("settings.ui", self)
        f = self.form
        QShortcut(QKeySequence("Alt+1"), self, lambda: self._page(0))
        QShortcut(QKeySequence("Alt+2"), self, lambda: self._page(1))
        fill(f.permissions_table, ["Area", "Permission", *(role.label for role in Role)], matrix_rows())
        self.loaded = False

    def _page(self, index: int) -> None:
        self.form.tabs.setCurrentIndex(index)
        self.focus_first()

    def focus_first(self) -> None:
        """The current page's table takes the keyboard; the store settings load the first time."""
        f = self.form
        if not self.loaded:
            self.load()
        (f.permissions_table if f.tabs.currentIndex() == 0 else f.settings_table).setFocus()

    def load(self) -> None:
        """Read the store's settings on the database worker (the check and a refusal's record are the service's)."""
        self.loaded = True
        facet, actor = self.context.facet, self.context.require_actor()
        mark_info(self.form.settings_note, "Reading the store's settings…")

        def work() -> dict[str, Any]:
            conn = facet.connection()
            try:
                return store_settings.current_settings(reader=facet.directory(conn), actor=actor, uow=facet.uow())
            finally:
                conn.close()

        def failed(exc: BaseException) -> None:
            from pos_app.gui.ops import show_error

            self.loaded = False
            show_error(self, exc)

        self.context.runner.run(work, on_done=self._show, on_error=failed, parent=self, lane="io")

    def _show(self, values: dict[str, Any]) -> None:
        specs = store_settings.SETTINGS
        fill(self.form.settings_table, ["Setting", "Value", "What it means"],
             [(key, setting_text(key, values.get(key)), specs[key].meaning) for key in specs])
        self.form.settings_table.horizontalHeader().setStretchLastSection(True)  # the meaning reads whole
        mark_info(self.form.settings_note, f"{len(specs)} settings. The owner changes one with "
                                         "pos-app settings set KEY VALUE, which checks the value first.")
