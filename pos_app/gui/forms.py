"""Qt Designer forms from `ui/`, loaded at run time and held by their views.

A view keeps `self.form = Form("inventory.ui", self)`: the loaded widget is
`form.root`, and every named child is an attribute (`form.search_edit`).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QFile, QIODevice, QObject
from PySide6.QtUiTools import QUiLoader
from PySide6.QtWidgets import QVBoxLayout, QWidget

from pos_app import paths

_loader: QUiLoader | None = None


def _ui_loader() -> QUiLoader:
    global _loader
    if _loader is None:
        _loader = QUiLoader()
    return _loader


class Form:
    def __init__(self, name: str, host: QWidget, *, margin: int = 12) -> None:
        """Load `ui/<name>` and fill `host` with it, `margin` pixels from its edges."""
        file = QFile(str(paths.ui_form(name)))
        if not file.open(QIODevice.OpenModeFlag.ReadOnly):
            raise FileNotFoundError(f"cannot open form {name}: {file.errorString()}")
        try:
            root = _ui_loader().load(file, host)
        finally:
            file.close()
        if root is None:
            raise RuntimeError(f"cannot load form {name}: {_ui_loader().errorString()}")
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
