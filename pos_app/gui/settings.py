"""Settings, for the owner and managers: who may do what, and the store's settings, changed in place.

Pages (Alt+1 .. Alt+7): Permissions (read-only: the matrix every service
checks, `domain/permissions.py`; changing it is a code change, on purpose),
Store (the profile the first run wrote), Receipts (the printer with a test
page, columns, logo, texts), Payments (the Stripe key into the keyring, the
reader, test mode), Security (idle lock, argon2 costs, the clerk's discount
limit, the roles that must use two-step sign-in, the keyring), Retention, Locations.

Every field goes through the same service as the command line: the store
profile through `store_profile.change_store_profile` (the first run's
checks), every other setting through `settings.change_settings` (its
SETTINGS specs and CROSS_CHECKS) or, for a manager, the printer's own
`change_printer_settings`. A page saves the fields that changed as one
change (Ctrl+S): a bad value shows a message naming the field, takes the
field's focus, and nothing is saved. Each saved change is an audit event
(the service records it). Who may change what follows the permission
matrix: the owner everything, a manager the printer; the rest is shown
read-only.

Threads: reading and saving run on the op runner's workers; this view only
fills widgets on the GUI thread.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.domain.permissions import AREAS, TWO_STEP_MINIMUM, TWO_STEP_SETTING, Actor, Permission, Role, allows
from pos_app.gui.base import mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.sell.printer_settings import may_change, save_settings, send_test_page
from pos_app.gui.tables import fill
from pos_app.services import settings as store_settings
from pos_app.services.ports.devices import RegisteredReader
from pos_app.services.ports.store import Store

if TYPE_CHECKING:
    from pos_app.services.payment_setup import PaymentStatus

T = TypeVar("T")

ALLOWED = "✓"
_LONG = 50
PREVIEW_SIZE = (240, 90)


@dataclass(frozen=True)
class Field:
    """One editable field: the setting key (or store-profile field) it shows, its widget, its caption."""

    key: str
    widget: str
    caption: str


PROFILE = "store"  # the page whose fields are the store profile's, not settings
PAGES: dict[str, tuple[Field, ...]] = {
    PROFILE: (
        Field("name", "store_name_edit", "Name"),
        Field("address", "store_address_edit", "Address"),
        Field("phone", "store_phone_edit", "Phone"),
        Field("email", "store_email_edit", "Email"),
        Field("timezone", "store_timezone_edit", "Time zone"),
        Field("currency", "store_currency_edit", "Currency"),
        Field("locale", "store_locale_edit", "Locale"),
        Field("tax_rate", "store_tax_rate_edit", "Sales tax (%)"),
        Field("receipt_footer", "store_receipt_footer_edit", "Receipt footer"),
        Field("privacy_contact", "store_privacy_contact_edit", "Privacy contact"),
    ),
    "receipt": (
        Field("receipt.printer", "receipt_printer_edit", "Printer"),
        Field("receipt.profile", "receipt_profile_edit", "Profile"),
        Field("receipt.columns", "receipt_columns_combo", "Columns"),
        Field("receipt.logo", "receipt_logo_edit", "Logo"),
        Field("receipt.return_policy", "receipt_return_policy_edit", "Return policy"),
        Field("receipt.privacy_notice", "receipt_privacy_notice_edit", "Privacy notice"),
        Field("appraisals.limiting_conditions", "appraisals_conditions_edit", "Appraisal limiting conditions"),
    ),
    "payments": (
        Field("payments.reader_id", "payments_reader_edit", "Card reader"),
        Field("payments.api_base", "payments_api_base_edit", "Stripe API address"),
    ),
    "security": (
        Field("security.idle_lock_minutes", "security_idle_edit", "Idle lock (minutes)"),
        Field("security.argon2", "security_argon2_edit", "Argon2 costs"),
        Field("sales.clerk_discount_limit_percent", "security_discount_edit", "Clerk's discount limit (%)"),
        Field(TWO_STEP_SETTING, "security_two_step_edit", "Two-step sign-in"),
    ),
    "retention": (
        Field("retention.transactions_years", "retention_transactions_edit", "Sales linked to a customer (years)"),
        Field("retention.form_8300_years", "retention_form_8300_edit", "Form 8300 details (years)"),
        Field("retention.request_months", "retention_request_edit",
              "Answered requests of erased customers (months)"),
        Field("retention.backup_days", "retention_backup_edit", "Backups (days)"),
        Field("retention.export_days", "retention_export_edit", "Privacy exports (days)"),
    ),
    "locations": (Field("inventory.locations", "locations_edit", "Places"),),
}
PAGE_ORDER = ("permissions", *PAGES)  # the tabs, Alt+1 .. Alt+7


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


def setting_input(key: str, value: Any) -> str:
    """A setting's value as the text its field holds, which the setting's own check reads back."""
    if key == "receipt.logo":
        return ""  # the field takes a new file's path; the preview shows the logo kept
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return " ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def may_edit(actor: Actor, page: str, key: str) -> bool:
    if page == PROFILE:
        return actor.can(Permission.MANAGE_SETTINGS)
    return may_change(actor, key)


def _text(widget: QWidget) -> str:
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    if isinstance(widget, QComboBox):
        return widget.currentText()
    assert isinstance(widget, QLineEdit)
    return widget.text()


def _put(widget: QWidget, text: str) -> None:
    if isinstance(widget, QPlainTextEdit):
        widget.setPlainText(text)
    elif isinstance(widget, QComboBox):
        widget.setCurrentText(text)
    else:
        assert isinstance(widget, QLineEdit)
        widget.setText(text)


def _read_only(widget: QWidget, read_only: bool) -> None:
    if isinstance(widget, QComboBox):
        widget.setEnabled(not read_only)
    else:
        assert isinstance(widget, QLineEdit | QPlainTextEdit)
        widget.setReadOnly(read_only)
        widget.setFocusPolicy(Qt.FocusPolicy.ClickFocus if read_only else Qt.FocusPolicy.StrongFocus)
    _repolish(widget)  # the style sheet greys a read-only field by its property


def _repolish(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def _mark_invalid(widget: QWidget, invalid: bool) -> None:
    """Outline the field a refusal names (the style sheet's `invalid`), until the next save."""
    if bool(widget.property("invalid")) != invalid:
        widget.setProperty("invalid", invalid)
        _repolish(widget)


@dataclass(frozen=True)
class Loaded:
    """What the pages show, read on a worker."""

    settings: dict[str, Any]
    profile: dict[str, str]
    payments: PaymentStatus
    keyring_backend: str
    keyring_warning: str | None


class SettingsView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.actor = context.require_actor()
        self.form = Form("settings.ui", self)
        f = self.form
        for n in range(len(PAGE_ORDER)):
            QShortcut(QKeySequence(f"Alt+{n + 1}"), self, lambda n=n: self._page(n))
        self._shortcut("Ctrl+S", self.save)
        self._shortcut("Ctrl+T", self.test_page)
        self._shortcut("Ctrl+O", self.choose_logo)
        self._shortcut("Ctrl+K", self.keep_stripe_key)
        self._shortcut("Ctrl+R", self.register_reader)
        self._shortcut("Ctrl+H", self.acknowledge_keyring)
        fill(f.permissions_table, ["Area", "Permission", *(role.label for role in Role)], matrix_rows())
        for page in PAGES:
            getattr(f, f"{page}_save_button").clicked.connect(self.save)
            getattr(f, f"{page}_save_button").setProperty("primary", True)
        f.receipt_test_button.clicked.connect(self.test_page)
        f.receipt_logo_button.clicked.connect(self.choose_logo)
        f.receipt_logo_remove_button.clicked.connect(self.remove_logo)
        f.receipt_logo_edit.textChanged.connect(self._preview_typed_logo)
        f.payments_key_button.clicked.connect(self.keep_stripe_key)
        f.payments_register_button.clicked.connect(self.register_reader)
        f.security_acknowledge_button.clicked.connect(self.acknowledge_keyring)
        f.receipt_columns_combo.addItems(["42", "48"])
        self._set_up_static_texts()
        self._align_label_columns()
        self._apply_permissions()
        self.loaded_texts: dict[str, str] = {}
        self.logo_kept = ""  # the saved logo, base64
        self.remove_logo_pending = False
        self.loaded = False
        self._busy = False

    def _shortcut(self, keys: str, slot: Callable[[], object]) -> None:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)

    def _set_up_static_texts(self) -> None:
        import zoneinfo

        from pos_app.domain import retention
        from pos_app.services.store_profile import TAX_RULE

        f = self.form
        f.store_tax_note.setText(TAX_RULE)
        completer = QCompleter(sorted(zoneinfo.available_timezones()), f.store_timezone_edit)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        f.store_timezone_edit.setCompleter(completer)
        for fields in PAGES.values():
            for field in fields:
                spec = store_settings.SETTINGS.get(field.key)
                if spec is not None:
                    getattr(f, field.widget).setToolTip(spec.meaning)
        minimums = [f"{name.replace('Sales', 'sales').replace('Answered', 'answered')} at least "
                    f"{retention.MINIMUMS[field.key]} {unit.rstrip(')')}"
                    for field in PAGES["retention"] if retention.MINIMUMS[field.key] > 1
                    for name, unit in [field.caption.split(" (")]]
        f.retention_intro.setText("How long records are kept. Less than the law requires is refused: "
                                  f"{'; '.join(minimums)}.")
        minimum = " and the ".join(role.label.lower() for role in Role if role in TWO_STEP_MINIMUM)
        others = ", ".join(role.value for role in Role if role not in TWO_STEP_MINIMUM)
        f.security_two_step_label.setText(
            f"Always the {minimum} (they reach every setting and every customer's data); add {others}, separated "
            "by commas. Whoever's role is added sets it up at their next sign-in; anyone else may set it up too. "
            "A lost phone: the Staff screen resets it.")
        f.receipt_logo_preview.setFixedSize(*PREVIEW_SIZE)
        f.receipt_logo_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        f.receipt_logo_preview.setFrameShape(QLabel.Shape.StyledPanel)

    def _align_label_columns(self) -> None:
        """Every page's labels one width, so the fields do not jump left and right from page to page."""
        labels = [label for layout in self.form.root.findChildren(QFormLayout)
                  for row in range(layout.rowCount())
                  if (item := layout.itemAt(row, QFormLayout.ItemRole.LabelRole)) is not None
                  and (label := item.widget()) is not None]
        if not labels:
            return
        # At most about 30 characters: a longer label wraps rather than narrowing every page's fields.
        cap = labels[0].fontMetrics().averageCharWidth() * 30
        width = min(max(label.sizeHint().width() for label in labels), cap)
        for label in labels:
            if isinstance(label, QLabel) and label.sizeHint().width() > width:
                label.setWordWrap(True)
            label.setFixedWidth(width)

    def _apply_permissions(self) -> None:
        """Grey what this person may not change; a page with nothing to change has no Save."""
        f, actor = self.form, self.actor
        owner = actor.can(Permission.MANAGE_SETTINGS)
        for page, fields in PAGES.items():
            editable = False
            for field in fields:
                allowed = may_edit(actor, page, field.key)
                _read_only(getattr(f, field.widget), not allowed)
                editable = editable or allowed
            getattr(f, f"{page}_save_button").setVisible(editable)
            if not editable:
                intro = getattr(f, f"{page}_intro")
                intro.setText(intro.text() + " Only the owner changes these.")
        f.receipt_logo_button.setVisible(owner)
        f.receipt_logo_remove_button.setVisible(owner)
        f.receipt_test_button.setVisible(actor.can(Permission.MANAGE_PRINTER))
        f.payments_key_edit.setVisible(owner)
        f.payments_key_button.setVisible(owner)
        f.payments_key_edit_caption.setVisible(owner)
        for name in ("payments_code_edit", "payments_register_button", "payments_code_edit_caption"):
            getattr(f, name).setVisible(owner)
        f.security_acknowledge_button.setVisible(False)  # until we know there is a warning to acknowledge

    # ------------------------------------------------------------ pages and focus

    def current_page(self) -> str:
        return PAGE_ORDER[int(self.form.tabs.currentIndex())]

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
        for field in PAGES[page]:
            widget = getattr(f, field.widget)
            if widget.focusPolicy() == Qt.FocusPolicy.StrongFocus and widget.isEnabled():
                widget.setFocus()
                return
        getattr(f, f"{page}_tab").setFocus()

    def _message(self, page: str) -> QLabel:
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
        f = self.form
        self.loaded_texts = {}
        for page, fields in PAGES.items():
            for field in fields:
                if page == PROFILE:
                    text = loaded.profile[field.key]
                else:
                    text = setting_input(field.key, loaded.settings[field.key])
                self.loaded_texts[field.key] = text
                _put(getattr(f, field.widget), text)
        self.logo_kept = str(loaded.settings.get("receipt.logo") or "")
        self.remove_logo_pending = False
        self._preview(self.logo_kept)
        pay = loaded.payments
        if not pay.key_stored:
            mode, warn = "No Stripe key is kept yet: cards cannot be taken.", False
        elif pay.test_mode:
            mode, warn = "TEST MODE: the key kept is a Stripe test key; cards are not charged.", True
        else:
            mode, warn = "Live: the key kept is a live Stripe key; cards are charged.", False
        ready = " The card reader is set." if pay.reader_id else " No card reader is set."
        f.payments_mode_label.setText(mode + ready)
        f.payments_mode_label.setObjectName("warning_banner" if warn else "payments_mode_label")
        f.payments_mode_label.style().unpolish(f.payments_mode_label)
        f.payments_mode_label.style().polish(f.payments_mode_label)
        acknowledged = bool(loaded.settings.get(store_settings.KEYRING_ACKNOWLEDGED))
        if loaded.keyring_warning:
            state = (" The owner acknowledged it: the banner is hidden." if acknowledged
                     else " It shows as a banner on every screen until the owner acknowledges it.")
            mark_problem(f.security_keyring_label, loaded.keyring_warning + state)
        else:
            mark_info(f.security_keyring_label, f"{loaded.keyring_backend}: secure.")
        f.security_acknowledge_button.setVisible(bool(loaded.keyring_warning) and not acknowledged
                                                 and self.actor.can(Permission.MANAGE_SETTINGS))

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
        mark_info(self._message("receipt"), "The logo goes when you save (Ctrl+S).")

    # ------------------------------------------------------------ saving

    def changed_texts(self, page: str) -> dict[str, str]:
        """The fields of `page` this person may change whose text differs from what was read."""
        f, texts = self.form, {}
        for field in PAGES[page]:
            if not may_edit(self.actor, page, field.key):
                continue
            text = _text(getattr(f, field.widget))
            if field.key == "receipt.logo":
                if text.strip():
                    texts[field.key] = text
                elif self.remove_logo_pending and self.logo_kept:
                    texts[field.key] = ""
            elif text != self.loaded_texts.get(field.key):
                texts[field.key] = text
        return texts

    def _caption(self, page: str, key: str) -> tuple[str, QWidget | None]:
        if key == "Stripe key":  # payment_setup's field: the key goes to the keyring, not to a setting
            return "Stripe secret key", self.form.payments_key_edit
        if key == "registration code":
            return "Registration code", self.form.payments_code_edit
        for field in PAGES.get(page, ()):
            if key == field.key:
                return field.caption, getattr(self.form, field.widget)
            if key.startswith(field.key + "."):  # one part of a setting: security.argon2.memory_cost
                return f"{field.caption} ({key[len(field.key) + 1:]})", getattr(self.form, field.widget)
        return key, None

    def _refused(self, page: str, exc: BaseException) -> None:
        """A refusal on the page: the field named and given the keyboard; nothing was saved."""
        from pos_app.gui.ops import show_error

        self._busy = False
        if isinstance(exc, ValidationError):
            caption, widget = self._caption(page, exc.field)
            mark_problem(self._message(page), f"{caption}: {exc.problem}. Nothing was saved.")
            if widget is not None:
                _mark_invalid(widget, True)
                self.window().activateWindow()  # a completer's popup may have held it
                widget.setFocus()
            return
        if isinstance(exc, UserFacingError):
            mark_problem(self._message(page), str(exc))
            return
        show_error(self, exc)

    def _run(self, page: str, work: Callable[[Store], T], done: Callable[[T], object], lane: str = "db") -> None:
        """Run `work(store)` on a worker, one at a time; a refusal comes back on `page`."""
        if self._busy:
            return
        self._busy = True

        def finished(result: T) -> None:
            self._busy = False
            done(result)

        self.context.runner.run(work, on_done=finished, on_error=lambda exc: self._refused(page, exc),
                                parent=self, lane=lane)

    def save(self) -> None:
        """Ctrl+S: save the current page's changed fields as one change."""
        page = self.current_page()
        if page == "permissions" or not self.loaded_texts:
            return
        for field in PAGES[page]:
            _mark_invalid(getattr(self.form, field.widget), False)
        texts = self.changed_texts(page)
        if not texts:
            mark_info(self._message(page), "Nothing changed on this page.")
            return
        context, actor = self.context, self.actor
        if page == PROFILE:
            from pos_app.services.store_profile import change_store_profile

            def work(store: Store) -> object:
                return change_store_profile(texts, uow=store.uow(), actor=actor)
        else:
            def work(store: Store) -> object:
                return save_settings(store, actor, texts)

        captions = [self._caption(page, key)[0] for key in texts]

        def done(_result: object) -> None:
            if page == PROFILE:
                context.store_changed()
            context.changed.emit("settings")
            self.load(then=lambda: mark_info(self._message(page), f"Saved: {', '.join(captions)}."))

        self._run(page, work, done)

    def test_page(self) -> None:
        """Ctrl+T on Receipts: save the printer's changed fields, then print the test page on it."""
        if self.current_page() != "receipt" or not self.actor.can(Permission.MANAGE_PRINTER):
            return
        context, actor = self.context, self.actor
        texts = {k: v for k, v in self.changed_texts("receipt").items() if k in store_settings.PRINTER_KEYS}
        mark_info(self._message("receipt"), "Sending the test page…")

        devices, name = context.devices, context.profile.name

        def work(store: Store) -> str:
            save_settings(store, actor, texts)
            return send_test_page(store, devices, name)

        def done(message: str) -> None:
            context.changed.emit("settings")
            self.load(then=lambda: mark_info(self._message("receipt"), message))

        self._run("receipt", work, done, lane="io")

    def keep_stripe_key(self) -> None:
        """Ctrl+K on Payments: check the key and keep it in the keyring (never in the store); audited."""
        if self.current_page() != "payments" or not self.actor.can(Permission.MANAGE_SETTINGS):
            return
        from pos_app.services.payment_setup import set_stripe_key

        f, context, actor = self.form, self.context, self.actor
        key = f.payments_key_edit.text()
        _mark_invalid(f.payments_key_edit, False)

        keys = context.devices.payment_keys()

        def work(store: Store) -> bool:
            return set_stripe_key(key, keys=keys, uow=store.uow(), actor=actor)

        def done(test_mode: bool) -> None:
            f.payments_key_edit.clear()
            context.changed.emit("settings")
            mode = "TEST mode: cards are not charged" if test_mode else "live: cards are charged"
            self.load(then=lambda: mark_info(self._message("payments"),
                                             f"The Stripe key is kept in the keyring ({mode})."))

        self._run("payments", work, done)

    def register_reader(self) -> None:
        """Ctrl+R on Payments: pair the reader showing the code with the store's Stripe account (network, on a
        worker); it becomes this counter's reader. Audited; a refused code changes nothing."""
        if self.current_page() != "payments" or not self.actor.can(Permission.MANAGE_SETTINGS):
            return
        from pos_app.services.payment_setup import register_reader

        f, context, actor = self.form, self.context, self.actor
        code = f.payments_code_edit.text()
        _mark_invalid(f.payments_code_edit, False)
        mark_info(self._message("payments"), "Asking Stripe to pair the reader…")

        devices = context.devices

        def work(store: Store) -> RegisteredReader:
            return register_reader(code, registry=devices.reader_registry(), terminal=actor.terminal,
                                   uow=store.uow(), actor=actor)

        def done(reader: RegisteredReader) -> None:
            f.payments_code_edit.clear()
            context.changed.emit("settings")  # the sell screen makes its card reader again
            self.load(then=lambda: mark_info(self._message("payments"),
                                             f"Registered {reader.reader_id} ({reader.label}): it is this "
                                             "counter's card reader now."))

        self._run("payments", work, done, lane="io")

    def acknowledge_keyring(self) -> None:
        """Ctrl+H on Security: the owner has read the plaintext-keyring warning; the banner goes for everyone."""
        if self.current_page() != "security" or not self.form.security_acknowledge_button.isVisible():
            return
        context, actor = self.context, self.actor

        def work(store: Store) -> object:
            return store_settings.change_settings({store_settings.KEYRING_ACKNOWLEDGED: "yes"},
                                                  uow=store.uow(), actor=actor)

        def done(_r: object) -> None:
            banner = getattr(self.window(), "banner", None)
            if isinstance(banner, QLabel):
                banner.hide()
            context.changed.emit("settings")
            self.load(then=lambda: mark_info(self._message("security"), "The keyring banner is hidden for "
                                             "everyone; this page and pos-app doctor still show the warning."))

        self._run("security", work, done)
