"""Small modal questions (file names, a yes or no), as functions tests can replace.

Everything else in Facet is non-modal or shown inline; these are the places
where the desktop's own file dialog is the right tool, and the yes/no question
in Facet's own message box (`messages.ask`).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget


def ask_save_path(parent: QWidget | None, title: str, suggested: str, file_filter: str,
                  folder: Path | None = None) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(parent, title, str((folder or Path.home()) / suggested), file_filter)
    return Path(name) if name else None


def ask_open_path(parent: QWidget | None, title: str, file_filter: str) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, title, str(Path.home()), file_filter)
    return Path(name) if name else None


def ask_open_paths(parent: QWidget | None, title: str, file_filter: str) -> list[Path]:
    names, _ = QFileDialog.getOpenFileNames(parent, title, str(Path.home()), file_filter)
    return [Path(n) for n in names]


def ask_yes_no(parent: QWidget | None, title: str, text: str, *, cannot_undo: bool = False) -> bool:
    """Facet's yes/no question (`messages.ask`): Enter answers yes, Esc no; when the yes `cannot_undo`,
    Enter answers no too and Alt+Y says yes."""
    from pos_app.gui import messages

    return messages.ask(parent, title, text, cannot_undo=cannot_undo)
