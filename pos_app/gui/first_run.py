"""First run: the store's details and the owner account, or the demo store.

Creating the store takes a second or two (argon2 hashes, the schema, and for
the demo 90 days of history); it runs on a worker while the dialog waits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QDialog, QWidget

from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.gui.base import mark_info, mark_problem
from pos_app.gui.forms import Form
from pos_app.gui.ops import OpRunner, show_error

COMMON_ZONES = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
    "America/Anchorage", "Pacific/Honolulu", "America/Toronto", "Europe/London", "Europe/Paris",
)


class FirstRunDialog(QDialog):
    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Facet — set up your store")
        self.data_dir = data_dir
        self.form = Form("first_run.ui", self)
        self.runner = OpRunner(self)
        self.facet: Any = None
        f = self.form
        f.timezone_combo.addItems(COMMON_ZONES)
        for button in (f.create_button, f.demo_button, f.quit_button):
            button.setAutoDefault(False)  # Enter in a field never creates a store by surprise
        f.create_button.setProperty("primary", True)
        f.create_button.clicked.connect(self.create)
        f.demo_button.clicked.connect(self.create_demo)
        f.quit_button.clicked.connect(self.reject)
        from PySide6.QtGui import QKeySequence, QShortcut

        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.create)
        QShortcut(QKeySequence("Ctrl+D"), self, self.create_demo)
        f.name_edit.setFocus()

    @classmethod
    def ask(cls, data_dir: Path) -> Any:
        """Run the dialog; the created Facet, or None if the person quit."""
        dialog = cls(data_dir)
        dialog.show()
        loop = QEventLoop()
        dialog.finished.connect(loop.quit)
        loop.exec()
        return dialog.facet

    def values(self) -> dict[str, str]:
        f = self.form
        return {
            "name": f.name_edit.text(), "address": f.address_edit.toPlainText(), "phone": f.phone_edit.text(),
            "email": f.email_edit.text(), "timezone": f.timezone_combo.currentText(),
            "currency": f.currency_edit.text(), "tax_rate": f.tax_rate_edit.text() or "0",
            "receipt_footer": f.receipt_footer_edit.text(), "privacy_contact": f.privacy_contact_edit.text(),
        }

    def create(self) -> None:
        from pos_app import app
        from pos_app.services.setup import OwnerAccount, parse_store_profile

        f = self.form
        try:
            profile = parse_store_profile(self.values())
            if f.owner_password_edit.text() != f.owner_password2_edit.text():
                raise ValidationError("owner_password", "the two passwords differ")
            owner = OwnerAccount(f.owner_name_edit.text(), f.owner_password_edit.text(), f.owner_pin_edit.text())
            from pos_app.services.setup import check_owner

            check_owner(owner)
        except UserFacingError as exc:
            self.show_problem(exc)
            return
        self._start(lambda: app.create_facet(self.data_dir, profile, owner), "Creating your store…")

    def create_demo(self) -> None:
        from pos_app import app

        self._start(lambda: app.create_demo_facet(self.data_dir), "Creating the Jane Ellen demo store…")

    def _start(self, work: Any, note: str) -> None:
        mark_info(self.form.message_label, note)
        self.setEnabled(False)

        def done(facet: Any) -> None:
            self.facet = facet
            self.accept()

        def failed(exc: BaseException) -> None:
            self.setEnabled(True)
            show_error(self, exc)

        self.runner.run(work, on_done=done, on_error=failed, parent=self)

    def show_problem(self, exc: UserFacingError) -> None:
        mark_problem(self.form.message_label, str(exc))
        if isinstance(exc, ValidationError):
            widget = getattr(self.form, f"{exc.field}_edit", None) or getattr(self.form, f"{exc.field}_combo", None)
            if widget is not None:
                widget.setFocus()
