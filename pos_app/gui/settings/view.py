"""The settings screen (`SettingsView`): its keys, its pages and focus, reading what they show, the logo.

Pages (Alt+1 .. Alt+8, `pages.PAGE_ORDER`) are set up and filled by `pages.py`;
Ctrl+S, Ctrl+T, Ctrl+K, Ctrl+R and Ctrl+H are `saving.PageSaving`'s. Reading runs
on the op runner's "io" worker (each read a service's); this view only fills
widgets on the GUI thread.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import QFileDialog, QLabel, QWidget

from pos_app.domain.permissions import Permission, Role
from pos_app.gui.base import mark_info
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.settings.pages import (
    PAGE_ORDER,
    PAGES,
    PREVIEW_SIZE,
    Loaded,
    align_label_columns,
    apply_permissions,
    fill_pages,
    matrix_rows,
    set_up_static_texts,
)
from pos_app.gui.settings.saving import PageSaving
from pos_app.gui.tables import fill
from pos_app.services import settings as store_settings
from pos_app.services.ports.store import Store

if TYPE_CHECKING:
    from pos_app.gui.sync.settings_page import SyncGroupPage


class SettingsView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.actor = context.require_actor()
        self.form = Form("settings.ui", self)
        self.saving = PageSaving(self, parent=self)
        f, saving = self.form, self.saving
        for n in range(len(PAGE_ORDER)):
            QShortcut(QKeySequence(f"Alt+{n + 1}"), self, lambda n=n: self._page(n))
        self._shortcut("Ctrl+S", saving.save)
        self._shortcut("Ctrl+T", saving.test_page)
        self._shortcut("Ctrl+O", self.choose_logo)
        self._shortcut("Ctrl+K", saving.keep_stripe_key)
        self._shortcut("Ctrl+R", saving.register_reader)
        self._shortcut("Ctrl+H", saving.acknowledge_keyring)
        fill(f.permissions_table, ["Area", "Permission", *(role.label for role in Role)], matrix_rows())
        for page in PAGES:
            getattr(f, f"{page}_save_button").clicked.connect(saving.save)
            getattr(f, f"{page}_save_button").setProperty("primary", True)
        f.receipt_test_button.clicked.connect(saving.test_page)
        f.receipt_logo_button.clicked.connect(self.choose_logo)
        f.receipt_logo_remove_button.clicked.connect(self.remove_logo)
        f.receipt_logo_edit.textChanged.connect(self._preview_typed_logo)
        f.payments_key_button.clicked.connect(saving.keep_stripe_key)
        f.payments_register_button.clicked.connect(saving.register_reader)
        f.security_acknowledge_button.clicked.connect(saving.acknowledge_keyring)
        f.receipt_columns_combo.addItems(["42", "48"])
        set_up_static_texts(f)
        align_label_columns(f)
        apply_permissions(f, self.actor)
        self.sync_page: SyncGroupPage | None = None
        if self.actor.can(Permission.MANAGE_SYNC):  # the owner's page of the sync group (gui/sync/settings_page.py)
            from pos_app.gui.sync.settings_page import SyncGroupPage

            n = len(PAGE_ORDER) + 1
            self.sync_page = SyncGroupPage(context, f.tabs)
            f.tabs.addTab(self.sync_page, f"Sync  Alt+{n}")
            QShortcut(QKeySequence(f"Alt+{n}"), self, lambda: self._page(n - 1))
        self.loaded_texts: dict[str, str] = {}
        self.logo_kept = ""  # the saved logo, base64
        self.remove_logo_pending = False
        self.loaded = False

    def _shortcut(self, keys: str, slot: Callable[[], object]) -> None:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)

    # ------------------------------------------------------------ pages and focus

    def current_page(self) -> str:
        index = int(self.form.tabs.currentIndex())
        return PAGE_ORDER[index] if index < len(PAGE_ORDER) else "sync"

    def _page(self, index: int) -> None:
        self.form.tabs.setCurrentIndex(index)
        self.focus_first()

    def focus_first(self) -> None:
        """The current page's first field it may change (the matrix's table on Permissions) takes the keyboard;
        the settings load the first time."""
        f = self.form
        if not self.loaded:
            self.load()
        page = self.current_page()
        if page == "permissions":
            f.permissions_table.setFocus()
            return
        if page == "sync" and self.sync_page is not None:
            self.sync_page.focus_first()
            return
        for field in PAGES[page]:
            widget = getattr(f, field.widget)
            if widget.focusPolicy() == Qt.FocusPolicy.StrongFocus and widget.isEnabled():
                widget.setFocus()
                return
        getattr(f, f"{page}_tab").setFocus()

    def message_label(self, page: str) -> QLabel:
        label: QLabel = getattr(self.form, f"{page}_message")
        return label

    # ------------------------------------------------------------ reading

    def load(self, then: Callable[[], None] | None = None) -> None:
        """Read the settings, the profile and the payment status on a worker (each read is a service's)."""
        self.loaded = True
        devices, actor = self.context.devices, self.actor

        def work(store: Store) -> Loaded:
            from pos_app.services import payment_setup, store_profile

            reader = store.directory
            values = store_settings.current_settings(reader=reader, actor=actor, uow=store.uow())
            profile = store_profile.store_profile(reader=reader, actor=actor, uow=store.uow())
            payments = payment_setup.payment_status(keys=devices.payment_keys(), reader=reader, actor=actor,
                                                    uow=store.uow())
            status = devices.secrets_status()
            return Loaded(values, store_profile.as_texts(profile), payments, status.backend, status.warning)

        def failed(exc: BaseException) -> None:
            from pos_app.gui.ops import show_error

            self.loaded = False
            show_error(self, exc)

        def done(loaded: Loaded) -> None:
            self._show(loaded)
            if then is not None:
                then()

        self.context.runner.run(work, on_done=done, on_error=failed, parent=self, lane="io")

    def _show(self, loaded: Loaded) -> None:
        self.loaded_texts = fill_pages(self.form, loaded, self.actor)
        self.logo_kept = str(loaded.settings.get("receipt.logo") or "")
        self.remove_logo_pending = False
        self._preview(self.logo_kept)

    # ------------------------------------------------------------ the logo

    def _preview(self, png_base64: str) -> None:
        self._preview_bytes(base64.b64decode(png_base64) if png_base64 else b"")

    def _preview_bytes(self, data: bytes) -> None:
        label = self.form.receipt_logo_preview
        pixmap = QPixmap()
        if data and pixmap.loadFromData(QByteArray(data), "PNG"):
            label.setPixmap(pixmap.scaled(*PREVIEW_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                                          Qt.TransformationMode.SmoothTransformation))
        else:
            label.setPixmap(QPixmap())
            label.setText("no logo" if not data else "not a PNG image")

    def _preview_typed_logo(self, text: str) -> None:
        """Show the file typed or chosen; nothing is saved until Ctrl+S (which checks it)."""
        from pathlib import Path

        path = Path(text.strip()).expanduser()
        if not text.strip():
            self._preview("" if self.remove_logo_pending else self.logo_kept)
            return
        if path.is_file() and path.stat().st_size <= 1_000_000:
            self._preview_bytes(path.read_bytes())

    def choose_logo(self) -> None:
        if self.current_page() != "receipt" or not self.actor.can(Permission.MANAGE_SETTINGS):
            return
        path, _ = QFileDialog.getOpenFileName(self, "Receipt logo", "", "PNG images (*.png)")
        if path:
            self.form.receipt_logo_edit.setText(path)

    def remove_logo(self) -> None:
        self.remove_logo_pending = True
        self.form.receipt_logo_edit.clear()
        self._preview("")
        mark_info(self.message_label("receipt"), "The logo goes when you save (Ctrl+S).")
