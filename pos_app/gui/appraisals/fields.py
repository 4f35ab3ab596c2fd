"""The appraisal form's fields: their captions, showing a version in them, reading them back as the service's
raw keys, the read-only mode of a final version, and marking the field a problem names.

`FormFields` owns the form's field widgets by the service's keys ("purpose", "gram_weight", ... "item",
"stones", "photos"); the dialog and its helpers read and write the fields through it.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QComboBox, QDateEdit, QLineEdit, QPlainTextEdit, QWidget

from pos_app.domain.appraisals import AppraisalSpec, Purpose
from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.domain.jewelry import Metal, Style, centigrams_text, points_text
from pos_app.gui.appraisals.stones import KEYS, StonesEditor
from pos_app.gui.base import mark_problem

# The form's captions, to name a field the way the appraiser sees it.
CAPTIONS = {
    "purpose": "Purpose", "appraised_on": "Appraised on", "effective_on": "Effective on", "style": "Style",
    "metal": "Metal", "gram_weight": "Gram weight", "chain_length_in": "Chain length", "clasp": "Clasp",
    "description": "Description", "value": "Appraised value", "notes": "Notes",
    "limiting_conditions": "Limiting conditions", "item": "Item", "appraiser": "Appraiser", "stones": "Stones",
    "photos": "Photos",
}
STONE_FIELD = re.compile(r"stone (\d+) (\w+)")
TEXT_FIELDS = ("gram_weight", "chain_length_in", "clasp", "value")
# The form's fields an item's record fills.
ITEM_FIELDS = ("style", "metal", "gram_weight", "chain_length_in", "clasp", "description", "notes")


def money_text(cents: int) -> str:
    return f"{cents // 100:,}.{cents % 100:02d}"


def stone_rows(spec: AppraisalSpec, numbers: dict[str, str]) -> list[dict[str, str]]:
    """The stones table's rows for `spec`'s stones; `numbers` maps certificate ids to their report numbers."""
    return [{
        "role": s.role.label, "shape": s.shape.label if s.shape else "", "count": str(s.count),
        "carat": points_text(s.carat_points) if s.carat_points else "", "color": s.color or "",
        "clarity": s.clarity.label if s.clarity else "", "cut": s.cut.label if s.cut else "",
        "measurements": s.measurements, "certificate": numbers.get(s.certificate_id, "") if s.certificate_id
        else ""} for s in spec.stones]


class FormFields:
    """The field widgets of the appraisal form (`form`, the dialog's loaded form), by the service's keys."""

    def __init__(self, form: Any) -> None:
        f = self.form = form
        self.widgets: dict[str, QWidget] = {
            "purpose": f.purpose_combo, "appraised_on": f.appraised_on_edit, "effective_on": f.effective_on_edit,
            "style": f.style_combo, "metal": f.metal_combo, "gram_weight": f.gram_weight_edit,
            "chain_length_in": f.chain_length_in_edit, "clasp": f.clasp_edit, "description": f.description_edit,
            "value": f.value_edit, "notes": f.notes_edit, "limiting_conditions": f.limiting_conditions_edit,
            "item": f.sku_edit, "stones": f.stones_table, "photos": f.photo_list,
        }
        for member in Purpose:
            f.purpose_combo.addItem(member.label, member.value)
        for combo, enum in ((f.style_combo, Style), (f.metal_combo, Metal)):
            combo.addItem("—", "")
            for each in enum:
                combo.addItem(each.label, each.value)
        for edit in (f.appraised_on_edit, f.effective_on_edit):
            edit.setMaximumWidth(150)
        f.value_edit.setMaximumWidth(220)
        f.tabs.setUsesScrollButtons(False)  # four short tabs always fit; arrows would hide one
        self._placeholders = {name: w.placeholderText() for name, w in self.widgets.items()
                              if isinstance(w, QLineEdit | QPlainTextEdit)}

    # -- one field by its key ------------------------------------------------------------------

    def text(self, name: str) -> str:
        widget = self.widgets[name]
        if isinstance(widget, QComboBox):
            return str(widget.currentData() or "")
        if isinstance(widget, QPlainTextEdit):
            return widget.toPlainText()
        return widget.text()  # type: ignore[attr-defined, no-any-return]

    def set(self, name: str, text: str) -> None:
        widget = self.widgets[name]
        if isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(widget.findData(text), 0))
        elif isinstance(widget, QPlainTextEdit):
            widget.setPlainText(text)
        else:
            widget.setText(text)  # type: ignore[attr-defined]

    # -- the whole form ------------------------------------------------------------------------

    def show_spec(self, spec: AppraisalSpec) -> None:
        """Show a version's details (its stones are the stones table's)."""
        f = self.form
        f.purpose_combo.blockSignals(True)  # a version's conditions are its own, whatever its purpose
        f.purpose_combo.setCurrentIndex(max(f.purpose_combo.findData(spec.purpose.value), 0))
        f.purpose_combo.blockSignals(False)
        for edit, day in ((f.appraised_on_edit, spec.appraised_on), (f.effective_on_edit, spec.effective_on)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)
        f.style_combo.setCurrentIndex(max(f.style_combo.findData(spec.style.value if spec.style else ""), 0))
        f.metal_combo.setCurrentIndex(max(f.metal_combo.findData(spec.metal.value if spec.metal else ""), 0))
        f.gram_weight_edit.setText(centigrams_text(spec.gram_weight_cg) if spec.gram_weight_cg else "")
        f.chain_length_in_edit.setText(f"{spec.chain_length_tenths / 10:g}" if spec.chain_length_tenths else "")
        f.clasp_edit.setText(spec.clasp)
        f.value_edit.setText(money_text(spec.value.cents) if spec.value else "")
        f.description_edit.setPlainText(spec.description)
        f.notes_edit.setPlainText(spec.notes)
        f.limiting_conditions_edit.setPlainText(spec.limiting_conditions)

    def raw(self) -> dict[str, str]:
        """The form as the service's raw keys (what `parse_appraisal` reads)."""
        f = self.form
        out = {name: self.widgets[name].text() for name in TEXT_FIELDS}  # type: ignore[attr-defined]
        out.update(
            purpose=str(f.purpose_combo.currentData() or ""), style=str(f.style_combo.currentData() or ""),
            metal=str(f.metal_combo.currentData() or ""),
            appraised_on=f.appraised_on_edit.date().toString("yyyy-MM-dd"),
            effective_on=f.effective_on_edit.date().toString("yyyy-MM-dd"),
            description=f.description_edit.toPlainText(), notes=f.notes_edit.toPlainText(),
            limiting_conditions=f.limiting_conditions_edit.toPlainText())
        return out

    def set_editable(self, editable: bool) -> None:
        """Fields that can be typed in (a draft) or read-only ones (a final version)."""
        for name, widget in self.widgets.items():
            if isinstance(widget, QLineEdit | QPlainTextEdit):
                read_only = not editable
                widget.setReadOnly(read_only)
                # A hint in a field that cannot be typed in reads like a value: only editable fields show one.
                widget.setPlaceholderText("" if read_only else self._placeholders.get(name, ""))
            elif isinstance(widget, QDateEdit):
                widget.setReadOnly(not editable)
                widget.setCalendarPopup(editable)
                widget.setButtonSymbols(QDateEdit.ButtonSymbols.UpDownArrows if editable
                                        else QDateEdit.ButtonSymbols.NoButtons)
            elif isinstance(widget, QComboBox):
                widget.setEnabled(editable)

    # -- problems ------------------------------------------------------------------------------

    def clear_marks(self, stones: StonesEditor) -> None:
        stones.clear_marks()
        for widget in self.widgets.values():
            if widget.property("invalid"):
                self.mark(widget, False)

    @staticmethod
    def mark(widget: QWidget, invalid: bool) -> None:
        widget.setProperty("invalid", invalid)
        widget.style().unpolish(widget)
        widget.style().polish(widget)

    def tab_of(self, widget: QWidget) -> int:
        tabs = self.form.tabs
        for n in range(tabs.count()):
            if tabs.widget(n).isAncestorOf(widget):
                return n
        return -1

    def show_problem(self, exc: UserFacingError, stones: StonesEditor) -> None:
        """Say what is wrong; for a field's problem, name it by its caption, mark it and go to it."""
        self.clear_marks(stones)
        if not isinstance(exc, ValidationError):
            mark_problem(self.form.message_label, str(exc))
            return
        stone = STONE_FIELD.fullmatch(exc.field)
        if stone is not None:
            key = stone[2]
            mark_problem(self.form.message_label, f"Stone {stone[1]} {key}: {exc.problem}")
            self.form.tabs.setCurrentIndex(self.tab_of(self.form.stones_table))
            stones.mark(int(stone[1]) - 1, key if key in KEYS else "role", exc.problem)
            return
        field = "photos" if exc.field.startswith("photo") else exc.field
        caption = CAPTIONS.get(field, exc.field[:1].upper() + exc.field[1:])
        mark_problem(self.form.message_label, f"{caption}: {exc.problem}")
        widget = self.widgets.get(field)
        if widget is not None:
            tab = self.tab_of(widget)
            if tab >= 0:
                self.form.tabs.setCurrentIndex(tab)
            self.mark(widget, True)
            widget.setFocus()
