"""The settings screen's pages: which fields each page shows, how a value reads in its field, and the
builders that set the pages up (captions, tooltips, read-only fields for whoever may not change them) and
fill them from what was read.

Pure Qt over the `settings.ui` form (`self.form` of `SettingsView`); no store access: reading and saving
are `view.py`'s and `saving.py`'s, on the op runner's workers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from pos_app.domain import commission
from pos_app.domain.errors import ValidationError
from pos_app.domain.permissions import AREAS, TWO_STEP_MINIMUM, TWO_STEP_SETTING, Actor, Permission, Role, allows
from pos_app.gui.base import mark_info, mark_problem
from pos_app.gui.forms import Form
from pos_app.gui.sell.printer_settings import may_change
from pos_app.services import settings as store_settings

if TYPE_CHECKING:
    from pos_app.services.payment_setup import PaymentStatus

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
    "reports": (
        Field(commission.RULES_SETTING, "reports_commission_edit", "Commission rules"),
        Field(commission.AGING_SETTING, "reports_aging_edit", "Aging cut-offs (months)"),
    ),
}
PAGE_ORDER = ("permissions", *PAGES)  # the tabs, Alt+1 .. Alt+8


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
    if key == commission.RULES_SETTING:  # one rule a line: "tennis: 12.5% of margin"
        try:
            return commission.rules_text(commission.parse_rules(value or []))
        except ValidationError:
            return json.dumps(value)
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


def field_text(widget: QWidget) -> str:
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    if isinstance(widget, QComboBox):
        return widget.currentText()
    assert isinstance(widget, QLineEdit)
    return widget.text()


def put_text(widget: QWidget, text: str) -> None:
    if isinstance(widget, QPlainTextEdit):
        widget.setPlainText(text)
    elif isinstance(widget, QComboBox):
        widget.setCurrentText(text)
    else:
        assert isinstance(widget, QLineEdit)
        widget.setText(text)


def set_read_only(widget: QWidget, read_only: bool) -> None:
    if isinstance(widget, QComboBox):
        widget.setEnabled(not read_only)
    else:
        assert isinstance(widget, QLineEdit | QPlainTextEdit)
        widget.setReadOnly(read_only)
        widget.setFocusPolicy(Qt.FocusPolicy.ClickFocus if read_only else Qt.FocusPolicy.StrongFocus)
    repolish(widget)  # the style sheet greys a read-only field by its property


def repolish(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def mark_invalid(widget: QWidget, invalid: bool) -> None:
    """Outline the field a refusal names (the style sheet's `invalid`), until the next save."""
    if bool(widget.property("invalid")) != invalid:
        widget.setProperty("invalid", invalid)
        repolish(widget)


@dataclass(frozen=True)
class Loaded:
    """What the pages show, read on a worker."""

    settings: dict[str, Any]
    profile: dict[str, str]
    payments: PaymentStatus
    keyring_backend: str
    keyring_warning: str | None


# ------------------------------------------------------------ building the pages


def set_up_static_texts(f: Form) -> None:
    """The texts that never change while the screen is open: the tax rule, the time zones to complete,
    each setting's meaning as its tooltip, the legal minimums and the two-step rule, the logo's frame."""
    import zoneinfo

    from pos_app.domain import retention
    from pos_app.services.store_profile import TAX_RULE

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
    from pos_app.domain.jewelry import Style

    f.reports_intro.setText(f"{f.reports_intro.text()} The styles: {', '.join(s.value for s in Style)}.")
    f.receipt_logo_preview.setFixedSize(*PREVIEW_SIZE)
    f.receipt_logo_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
    f.receipt_logo_preview.setFrameShape(QLabel.Shape.StyledPanel)


def align_label_columns(f: Form) -> None:
    """Every page's labels one width, so the fields do not jump left and right from page to page."""
    labels = [label for layout in f.root.findChildren(QFormLayout)
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


def apply_permissions(f: Form, actor: Actor) -> None:
    """Grey what this person may not change; a page with nothing to change has no Save."""
    owner = actor.can(Permission.MANAGE_SETTINGS)
    for page, fields in PAGES.items():
        editable = False
        for field in fields:
            allowed = may_edit(actor, page, field.key)
            set_read_only(getattr(f, field.widget), not allowed)
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


def fill_pages(f: Form, loaded: Loaded, actor: Actor) -> dict[str, str]:
    """Put what was read into every page's fields, the payment mode and the keyring's state; returns each
    field's text as filled (what a save compares with). The logo's preview is the view's."""
    texts: dict[str, str] = {}
    for page, fields in PAGES.items():
        for field in fields:
            if page == PROFILE:
                text = loaded.profile[field.key]
            else:
                text = setting_input(field.key, loaded.settings[field.key])
            texts[field.key] = text
            put_text(getattr(f, field.widget), text)
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
                                             and actor.can(Permission.MANAGE_SETTINGS))
    return texts
