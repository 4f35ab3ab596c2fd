"""The receipt printer's settings, with a test page: the F10 dialog, and the logic the Settings tab's
Receipts page shares with it (`save_settings`, `send_test_page`).

A manager changes the printer itself (address, profile, columns: MANAGE_PRINTER); the return policy
and privacy notice are the owner's (MANAGE_SETTINGS), shown read-only to a manager.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QWidget

from pos_app.domain.permissions import Actor, Permission
from pos_app.gui.base import FacetDialog, mark_info
from pos_app.gui.context import AppContext
from pos_app.services import receipts
from pos_app.services import settings as store_settings
from pos_app.services.ports.devices import Devices
from pos_app.services.ports.store import Store

FIELDS = (
    ("receipt.printer", "printer_edit"),
    ("receipt.profile", "profile_edit"),
    ("receipt.return_policy", "return_policy_edit"),
    ("receipt.privacy_notice", "privacy_edit"),
)


def may_change(actor: Actor, key: str) -> bool:
    """Whether `actor` may change the setting `key` (the services' guards decide; this only greys fields)."""
    if actor.can(Permission.MANAGE_SETTINGS):
        return True
    return key in store_settings.PRINTER_KEYS and actor.can(Permission.MANAGE_PRINTER)


def save_settings(store: Store, actor: Actor, texts: dict[str, str]) -> dict[str, Any]:
    """Save settings as one change through the service `actor` is allowed (the owner's for anything, the
    printer's for a manager). Runs on a worker, with the job's store handle."""
    if not texts:
        return {}
    if actor.can(Permission.MANAGE_SETTINGS):
        return store_settings.change_settings(texts, uow=store.uow(), actor=actor)
    return store_settings.change_printer_settings(texts, uow=store.uow(), actor=actor)


def send_test_page(store: Store, devices: Devices, store_name: str) -> str:
    """Print the test page on the printer the saved settings name; the message to show. Runs on a worker,
    after the save: the printer and its layout are read as they are now."""
    from pos_app.documents.receipt_escpos import render_test_page

    printer = devices.receipt_printer()
    if printer is None:
        return "Saved. No printer is set: type its address first."
    look = receipts.layout(store.directory)
    printer.send(render_test_page(store_name=store_name, columns=look.columns, profile=look.profile))
    return "Test page sent: check the printout's width ruler fits the paper."


def open_printer_settings(context: AppContext, parent: QWidget, open_dialog: Callable[[QWidget], None]) -> None:
    """Read the settings on the worker, then open the dialog over `parent` with `open_dialog`."""
    actor = context.require_actor()

    def work(store: Store) -> dict[str, Any]:
        return store_settings.current_settings(reader=store.directory, actor=actor, uow=store.uow())

    context.runner.run(work, on_done=lambda current: open_dialog(PrinterDialog(context, current, parent)),
                       parent=parent)


class PrinterDialog(FacetDialog):
    """The F10 dialog: `current` is the settings as `settings.current_settings` read them (on the worker,
    `open_printer_settings`); Ctrl+Enter saves, Ctrl+T saves and prints the test page."""

    def __init__(self, context: AppContext, current: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(context, "printer_dialog.ui", "Receipt printer", parent)
        f = self.form
        self.actor = context.require_actor()
        self.loaded: dict[str, str] = {}
        for key, name in FIELDS:
            getattr(f, name).setText(str(current[key]))
            getattr(f, name).setReadOnly(not may_change(self.actor, key))
            self.loaded[key] = str(current[key])
        f.columns_combo.addItems(["42", "48"])
        f.columns_combo.setCurrentText(str(current["receipt.columns"]))
        self.loaded["receipt.columns"] = str(current["receipt.columns"])
        if not self.actor.can(Permission.MANAGE_SETTINGS):
            mark_info(f.message_label, "The return policy and privacy notice are the owner's to change.")
        f.save_button.clicked.connect(self.save)
        f.test_button.clicked.connect(self.test_page)
        f.close_button.clicked.connect(self.reject)
        self.shortcut("Ctrl+Return", self.save)
        self.shortcut("Ctrl+Enter", self.save)
        self.shortcut("Ctrl+T", self.test_page)
        self.resize(640, 260)
        self.initial_focus = f.printer_edit

    def _values(self) -> dict[str, str]:
        """What this person may change: everything for the owner, the printer's settings for a manager."""
        f = self.form
        values = {key: getattr(f, name).text() for key, name in FIELDS}
        values["receipt.columns"] = f.columns_combo.currentText()
        return {key: text for key, text in values.items()
                if may_change(self.actor, key) and (key in store_settings.PRINTER_KEYS or text != self.loaded[key])}

    def save(self) -> None:
        """One change: every field is checked (the columns against the profile) before any is saved."""
        actor, values = self.actor, self._values()

        def work(store: Store) -> None:
            save_settings(store, actor, values)

        def done(_r: Any) -> None:
            self.context.changed.emit("settings")
            self.accept()

        self.run(work, done)

    def test_page(self) -> None:
        context, actor, values = self.context, self.actor, self._values()
        devices, name = context.devices, context.profile.name

        def work(store: Store) -> str:
            save_settings(store, actor, values)
            return send_test_page(store, devices, name)

        def done(message: str) -> None:
            self.context.changed.emit("settings")
            mark_info(self.form.message_label, message)

        self.run(work, done, lane="io")
