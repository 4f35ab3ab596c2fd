"""Qt Designer forms from `ui/`, loaded at run time and held by their views.

A view keeps `self.form = Form("inventory.ui", self)`: the loaded widget is
`form.root`, and every named child is an attribute (`form.search_edit`).

A form that cannot be read or built (a file missing from a damaged or
half-replaced installation) raises `FormLoadError`, logged here with the path
and Qt's reason; its message tells the person what to do. The desktop app's
`ops.install_failure_hook` shows it when it escapes a key's or a button's slot,
so a window that cannot open says so instead of doing nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QFile, QIODevice, QObject
from PySide6.QtUiTools import QUiLoader
from PySide6.QtWidgets import QVBoxLayout, QWidget

from pos_app import paths
from pos_app.domain.errors import UserFacingError

log = logging.getLogger(__name__)
_loader: QUiLoader | None = None


def _ui_loader() -> QUiLoader:
    global _loader
    if _loader is None:
        _loader = QUiLoader()
    return _loader


class FormLoadError(UserFacingError):
    """A Qt Designer form could not be read or built; `name` is the form's file name."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"Facet cannot open this window: its form ({name}) is missing or damaged in this installation. "
            "Nothing was changed. Close Facet and start it again; if this comes back, reinstall Facet "
            "(the details are in the log file).")


class Form:
    def __init__(self, name: str, host: QWidget, *, margin: int = 12) -> None:
        """Load `ui/<name>` and fill `host` with it, `margin` pixels from its edges.

        Raises `FormLoadError` (logged) when the file cannot be read or Qt cannot build it."""
        try:
            path = paths.ui_form(name)
        except FileNotFoundError as exc:  # the whole ui/ folder is gone
            log.error("form %s: %s", name, exc)
            raise FormLoadError(name) from exc
        file = QFile(str(path))
        if not file.open(QIODevice.OpenModeFlag.ReadOnly):
            log.error("form %s: cannot open %s: %s", name, path, file.errorString())
            raise FormLoadError(name)
        try:
            root = _ui_loader().load(file, host)
        except RuntimeError as exc:  # PySide raises where Qt returns nothing
            log.error("form %s: Qt cannot build %s: %s", name, path, exc)
            raise FormLoadError(name) from exc
        finally:
            file.close()
        if root is None:
            log.error("form %s: Qt cannot build %s: %s", name, path, _ui_loader().errorString())
            raise FormLoadError(name)
        self.root: QWidget = root
        layout = host.layout()
        if layout is None:
            layout = QVBoxLayout(host)
            layout.setContentsMargins(margin, margin, margin, margin)
        layout.addWidget(root)

    def __getattr__(self, name: str) -> Any:
        child = self.root.findChild(QObject, name)
        if child is None:
            raise AttributeError(f"the form has no widget named {name!r}")
        setattr(self, name, child)
        return child
