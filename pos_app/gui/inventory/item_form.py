"""The item fields, shared by "receive a new piece" and "edit an item".

Widgets are named after the CSV columns (`price` -> `price_edit`), so a
`ValidationError` naming a field highlights exactly that widget. The form only
collects text; the service checks it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit, QWidget

from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.domain.items import COLUMNS
from pos_app.domain.jewelry import (
    CertificateLab,
    Clarity,
    Cut,
    ItemStatus,
    LabeledEnum,
    Metal,
    Origin,
    Shape,
    Style,
    Tracking,
)
from pos_app.gui.forms import Form

_CHOICES: dict[str, tuple[type[LabeledEnum], bool]] = {
    # field: (enum, may be empty)
    "style": (Style, False),
    "metal": (Metal, False),
    "center_shape": (Shape, True),
    "center_clarity": (Clarity, True),
    "center_cut": (Cut, True),
    "center_origin": (Origin, True),
    "cert_lab": (CertificateLab, True),
    "tracking": (Tracking, False),
    "status": (ItemStatus, False),
}


class ItemForm(QWidget):
    def __init__(self, locations: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = Form("item_form.ui", self, margin=0)
        for name, (enum, optional) in _CHOICES.items():
            combo: QComboBox = getattr(self.form, f"{name}_combo")
            if optional:
                combo.addItem("—", "")
            for member in enum:
                combo.addItem(member.label, member.value)
        for location in locations:
            self.form.location_combo.addItem(location, location)
        self.form.tracking_combo.currentIndexChanged.connect(self._tracking_changed)
        self._tracking_changed()

    def widget(self, field: str) -> QWidget | None:
        for suffix in ("edit", "combo"):
            found = getattr(self.form, f"{field}_{suffix}", None)
            if isinstance(found, QWidget):
                return found
        return None

    def _tracking_changed(self) -> None:
        unique = self.form.tracking_combo.currentData() == Tracking.UNIQUE.value
        self.form.serial_edit.setEnabled(unique)
        self.form.reorder_point_edit.setEnabled(not unique)

    def values(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name in COLUMNS:
            w = self.widget(name)
            if isinstance(w, QLineEdit):
                out[name] = w.text()
            elif isinstance(w, QPlainTextEdit):
                out[name] = w.toPlainText()
            elif isinstance(w, QComboBox):
                out[name] = str(w.currentData() or "")
        return out

    def set_values(self, values: Mapping[str, str]) -> None:
        for name, value in values.items():
            w = self.widget(name)
            if isinstance(w, QLineEdit):
                w.setText(value)
                w.setCursorPosition(0)
            elif isinstance(w, QPlainTextEdit):
                w.setPlainText(value)
            elif isinstance(w, QComboBox):
                index = w.findData(value)
                if index < 0 and value:
                    w.addItem(value, value)  # a location removed from settings still shows
                    index = w.count() - 1
                w.setCurrentIndex(max(index, 0))

    def set_read_only(self, read_only: bool, *, except_fields: Iterable[str] = ()) -> None:
        keep = set(except_fields)
        for name in COLUMNS:
            w = self.widget(name)
            if w is None or name in keep:
                continue
            if isinstance(w, QLineEdit | QPlainTextEdit):
                w.setReadOnly(read_only)
            else:
                w.setEnabled(not read_only)

    def hide_fields(self, names: Iterable[str]) -> None:
        for name in names:
            w = self.widget(name)
            label = getattr(self.form, f"{name}_label", None)
            for each in (w, label):
                if each is not None:
                    each.setVisible(False)

    def clear_problem(self) -> None:
        self.form.message_label.clear()
        for name in COLUMNS:
            w = self.widget(name)
            if w is not None and w.property("invalid"):
                w.setProperty("invalid", False)
                w.style().unpolish(w)
                w.style().polish(w)

    def show_problem(self, exc: UserFacingError) -> None:
        self.clear_problem()
        self.form.message_label.setText(str(exc))
        if isinstance(exc, ValidationError):
            w = self.widget(exc.field)
            if w is not None:
                w.setProperty("invalid", True)
                w.style().unpolish(w)
                w.style().polish(w)
                w.setFocus()
