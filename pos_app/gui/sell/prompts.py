"""Small keyboard dialogs of the sell screen: one value (and a reason), or a choice from a list."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidgetItem, QWidget

from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.gui.base import FacetDialog, mark_problem
from pos_app.gui.context import AppContext
from pos_app.services.ports.store import Store


class PromptDialog(FacetDialog):
    """Ask for a value (and, if `reason` is given, a reason); `accept_with(value, reason)` checks it.

    An `accept_with(value, reason, store)` is handed the store handle of the job (`gui/ops.py`), or
    with `on_gui_thread` the GUI thread's, so it opens no connection of its own.
    The check runs on the database worker and may raise a UserFacingError,
    shown inline; the dialog stays open until a value is accepted. Enter in
    the value goes to an empty reason first, unless `reason_required` is False
    (a reason only some values need): then Enter saves, and a refusal naming
    the reason field puts the keyboard there.
    """

    def __init__(self, context: AppContext, title: str, prompt: str, *, value: str = "", value_label: str = "&Value",
                 reason: str | None = None, reason_label: str = "&Reason",
                 accept_with: Callable[[str, str], Any] | Callable[[str, str, Store], Any],
                 on_done: Callable[[Any], None],
                 parent: QWidget | None = None, on_gui_thread: bool = False, reason_required: bool = True) -> None:
        super().__init__(context, "prompt_dialog.ui", title, parent)
        f = self.form
        f.prompt_label.setText(prompt)
        f.value_edit_caption.setText(value_label)
        f.value_edit.setText(value)
        f.value_edit.selectAll()
        f.reason_edit_caption.setText(reason_label)
        f.reason_edit.setText(reason or "")
        f.reason_edit.setVisible(reason is not None)
        f.reason_edit_caption.setVisible(reason is not None)
        self._accept_with = accept_with
        self._on_done = on_done
        self._gui = on_gui_thread
        self._reason_required = reason_required
        f.save_button.clicked.connect(self.save)
        f.close_button.clicked.connect(self.reject)
        f.value_edit.returnPressed.connect(self._enter_in_value)
        f.reason_edit.returnPressed.connect(self.save)
        self.initial_focus = f.value_edit

    def _enter_in_value(self) -> None:
        if self._reason_required and self.form.reason_edit.isVisible() and not self.form.reason_edit.text().strip():
            self.form.reason_edit.setFocus()
        else:
            self.save()

    def save(self) -> None:
        value, reason = self.form.value_edit.text(), self.form.reason_edit.text()

        def done(result: Any) -> None:
            self.accept()
            self._on_done(result)

        accept: Callable[..., Any] = self._accept_with
        wants_store = len(inspect.signature(accept).parameters) >= 3
        if self._gui:
            try:
                result = accept(value, reason, self.context.store) if wants_store else accept(value, reason)
            except UserFacingError as problem:
                self.show_problem(problem)
                return
            done(result)
            return
        if wants_store:
            self.run(lambda store: accept(value, reason, store), done)
        else:
            self.run(lambda: accept(value, reason), done)

    def show_problem(self, exc: UserFacingError) -> None:
        """The problem under the fields, a refused field named by its label as on every other form
        ("Reason: say why…", not the service's "reason: say why…"); the keyboard goes to that field."""
        f = self.form
        on_reason = isinstance(exc, ValidationError) and exc.field == "reason" and f.reason_edit.isVisible()
        text = str(exc)
        if on_reason and isinstance(exc, ValidationError):
            text = f"{_caption(f.reason_edit_caption.text())}: {exc.problem}"
        elif text:
            text = text[0].upper() + text[1:]
        mark_problem(f.message_label, text)
        (f.reason_edit if on_reason else f.value_edit).setFocus()


def _caption(label: str) -> str:
    """A field's label as a message names it: "&Reason (over 10% off)" -> "Reason"."""
    return label.replace("&", "").split(" (")[0].strip()


class ChoiceDialog(FacetDialog):
    """Pick one of `choices` (label, value) with the arrow keys and Enter; an optional second action."""

    def __init__(self, context: AppContext, title: str, prompt: str, choices: Sequence[tuple[str, Any]],
                 on_choose: Callable[[Any], None], *, choose_text: str = "Choose  Enter",
                 other: tuple[str, str, Callable[[Any], None]] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(context, "choice_dialog.ui", title, parent)
        f = self.form
        f.prompt_label.setText(prompt)
        f.save_button.setText(choose_text)
        for label, value in choices:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, value)
            f.choices_list.addItem(item)
        if choices:
            f.choices_list.setCurrentRow(0)
        self._on_choose = on_choose
        f.save_button.clicked.connect(self.choose)
        f.close_button.clicked.connect(self.reject)
        f.choices_list.itemActivated.connect(lambda _item: self.choose())
        if other is None:
            f.other_button.hide()
        else:
            text, keys, action = other
            f.other_button.setText(text)
            f.other_button.clicked.connect(lambda: self._other(action))
            self.shortcut(keys, lambda: self._other(action))
        self.initial_focus = f.choices_list

    def _current(self) -> Any:
        item = self.form.choices_list.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def choose(self) -> None:
        value = self._current()
        if value is None:
            return
        self.accept()
        self._on_choose(value)

    def _other(self, action: Callable[[Any], None]) -> None:
        value = self._current()
        if value is None:
            return
        self.accept()
        action(value)
