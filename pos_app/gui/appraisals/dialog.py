"""One appraisal: draft it, finalize it, correct it with a new version, print it.

A draft is edited here and saved with Ctrl+S; Ctrl+Shift+F finalizes it
(after a confirmation: a final appraisal never changes). A final version
opens read-only with every version of its number listed; Ctrl+Shift+C makes
a correction, a new draft version that supersedes it, and opens that. Owner
and item are chosen when the appraisal is made (the services keep them from
then on); typing the item's SKU in a new appraisal fills the form from the
item's record (style, metal, weight, length, clasp, description, stones),
leaving what the appraiser already typed. Finalizing a diamond necklace's
appraisal that lists no stones asks once more before it freezes. Photos
added before the first save are kept here and saved with the draft. Every
write runs on the database worker; a problem the service names
(`ValidationError.field`) is shown inline, its field marked and focused,
and nothing is written.

Keyboard: Alt+1..4 the tabs; Alt+underlined letter a field; F2 chooses the
owner; Ctrl+Shift+N adds a stone row (type in a cell, Tab to the next);
Ctrl+Shift+A adds photos; Ctrl+P prints, Ctrl+Shift+S saves a PDF; Esc closes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, QSize, Qt
from PySide6.QtGui import QFont, QIcon, QKeyEvent, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHeaderView,
    QLineEdit,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableWidgetItem,
    QWidget,
)

from pos_app.domain.appraisals import AppraisalSpec, Purpose, standard_limiting_conditions
from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.domain.jewelry import Metal, Style, centigrams_text, points_text
from pos_app.domain.permissions import Permission
from pos_app.domain.store import store_today
from pos_app.gui import dialogs
from pos_app.gui.appraisals import paper
from pos_app.gui.appraisals.stones import KEYS, StonesEditor
from pos_app.gui.base import FacetDialog, mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.services import appraisals, inventory
from pos_app.services.appraisals import FinalizeUnconfirmed
from pos_app.services.ports.appraisals import AppraisalRecord, AppraisalVersionRow
from pos_app.services.ports.store import Store

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
FINAL_WARNING = ("A final appraisal never changes: a later change is a correction, a new version of the same "
                 "number, and both stay on record.")


def _money_text(cents: int) -> str:
    return f"{cents // 100:,}.{cents % 100:02d}"


class AppraisalDialog(FacetDialog):
    """A new appraisal (`appraisal_id` None) or an existing version; emits `context.changed("appraisals")`."""

    def __init__(self, context: AppContext, appraisal_id: str | None, parent: QWidget | None = None) -> None:
        super().__init__(context, "appraisal_dialog.ui", "Appraisal", parent)
        f = self.form
        self.actor = context.require_actor()
        self.reader = context.store.appraisals
        self.record: AppraisalRecord | None = None
        self.versions: list[AppraisalVersionRow] = []
        self.owner_id: str | None = None
        self.item_id: str | None = None
        self.pending_photos: list[bytes] = []
        # What the last item's record filled in (field -> text; "stones" -> its rows): the next item replaces
        # only what still reads so, never what the appraiser typed.
        self._from_item: dict[str, Any] = {}
        self.saved_path: Path | None = None
        self.can_write = context.can(Permission.WRITE_APPRAISALS)
        self.can_finalize = context.can(Permission.FINALIZE_APPRAISALS)
        self.stones = StonesEditor(f.stones_table)
        self._fields: dict[str, QWidget] = {
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
        self._placeholders = {name: w.placeholderText() for name, w in self._fields.items()
                              if isinstance(w, QLineEdit | QPlainTextEdit)}
        f.card_check.toggled.connect(lambda on: f.certificates_check.setEnabled(not on))
        self._setup_versions_table()

        actions: tuple[tuple[QPushButton, str | None, Callable[[], None]], ...] = (
            (f.save_button, "Ctrl+S", self.save), (f.finalize_button, "Ctrl+Shift+F", self.finalize),
            (f.correct_button, "Ctrl+Shift+C", self.make_correction), (f.print_button, "Ctrl+P", self.print_appraisal),
            (f.pdf_button, "Ctrl+Shift+S", self.save_pdf), (f.close_button, None, self.reject),
            (f.customer_button, "F2", self.choose_customer), (f.store_button, None, self.choose_store),
            (f.add_stone_button, "Ctrl+Shift+N", self.add_stone),
            (f.remove_stone_button, "Ctrl+Shift+Del", self.remove_stone),
            (f.add_photo_button, "Ctrl+Shift+A", self.add_photos), (f.remove_photo_button, None, self.remove_photo),
        )
        for button, keys, slot in actions:
            button.clicked.connect(slot)
            if keys:
                self.shortcut(keys, slot)
        remove_photo = QShortcut(QKeySequence(Qt.Key.Key_Delete), f.photo_list)
        remove_photo.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        remove_photo.activated.connect(self.remove_photo)
        for n in range(f.tabs.count()):
            self.shortcut(f"Alt+{n + 1}", partial(self._show_tab, n))
        f.sku_edit.editingFinished.connect(self._item_typed)
        f.appraised_on_edit.dateChanged.connect(self._appraised_on_changed)
        self._purpose_shown = Purpose.INSURANCE
        f.purpose_combo.currentIndexChanged.connect(self._purpose_changed)
        f.versions_table.installEventFilter(self)
        self._last_appraised = QDate()
        f.versions_table.doubleClicked.connect(lambda _index: self.open_version())
        self.resize(1120, 760)
        if appraisal_id is None:
            self._show_new()
        else:
            self.load(appraisal_id)

    # -- showing ----------------------------------------------------------------------------

    @property
    def editable(self) -> bool:
        return self.can_write and (self.record is None or self.record.status == "draft")

    def _show_tab(self, n: int) -> None:
        f = self.form
        f.tabs.setCurrentIndex(n)
        page = f.tabs.widget(n)
        first = {"stones_tab": f.stones_table, "photos_tab": f.photo_list, "notes_tab": f.notes_edit,
                 "details_tab": f.purpose_combo}.get(page.objectName())
        if first is not None:
            first.setFocus()

    def _conditions_for(self, purpose: Purpose) -> str:
        """The limiting conditions a new appraisal for `purpose` starts with: the store's own (a setting) for an
        insurance appraisal, as one made from a sale has them; the standard wording for the other purposes."""
        from pos_app.services.settings import DEFAULT_LIMITING_CONDITIONS

        if purpose is Purpose.INSURANCE:
            return str(self.context.directory.setting("appraisals.limiting_conditions", DEFAULT_LIMITING_CONDITIONS))
        return standard_limiting_conditions(purpose)

    def _purpose_changed(self) -> None:
        """The conditions follow the purpose while they are still the previous purpose's own wording: a draft
        never says it states a replacement cost for insurance when its purpose is fair market value."""
        f = self.form
        purpose = Purpose.of(str(f.purpose_combo.currentData()))
        before, self._purpose_shown = self._purpose_shown, purpose
        untouched = f.limiting_conditions_edit.toPlainText().strip() == self._conditions_for(before).strip()
        if self.editable and purpose is not before and untouched:
            f.limiting_conditions_edit.setPlainText(self._conditions_for(purpose))

    def _show_new(self) -> None:
        f = self.form
        today = store_today(self.context.profile.timezone)
        self.setWindowTitle("New appraisal")
        f.heading_label.setText("New appraisal — a draft until it is finalized")
        for edit in (f.appraised_on_edit, f.effective_on_edit):
            edit.setDate(QDate(today.year, today.month, today.day))
        f.limiting_conditions_edit.setPlainText(self._conditions_for(Purpose.of(str(f.purpose_combo.currentData()))))
        self._purpose_shown = Purpose.of(str(f.purpose_combo.currentData()))
        self._show_owner(None, "")
        self._show_photos([])
        f.versions_group.setVisible(False)
        f.item_value_label.setVisible(False)
        self._apply_mode()
        self.initial_focus = f.purpose_combo
        mark_info(f.message_label, "Ctrl+S saves the draft; F2 chooses the owner; Alt+2 the stones.")

    def load(self, appraisal_id: str, message: str = "", problem: UserFacingError | None = None,
             then: Callable[[AppraisalRecord], None] | None = None) -> None:
        """Read the version (worker), show it, then say `message` or `problem` and continue with `then`."""
        actor = self.actor

        def work(store: Store) -> tuple[AppraisalRecord, list[bytes]]:
            record = appraisals.get(appraisal_id, uow=store.uow(), actor=actor)
            return record, appraisals.photo_data(appraisal_id, uow=store.uow(), actor=actor)

        def done(result: tuple[AppraisalRecord, list[bytes]]) -> None:
            self._show(*result)
            if problem is not None:
                self.show_problem(problem)
            elif message:
                mark_info(self.form.message_label, message)
            if then is not None:
                then(result[0])

        self.run(work, done)

    def _show(self, record: AppraisalRecord, photos: list[bytes]) -> None:
        f = self.form
        spec = record.spec
        before, self.record = self.record, record
        if before is None or (before.id, before.status) != (record.id, record.status):
            f.tabs.setCurrentIndex(0)  # another version, or now final: start from its details
        self.pending_photos.clear()
        self.versions = appraisals.versions(record.number, reader=self.reader, actor=self.actor, uow=self.context.uow())
        current = next((v for v in self.versions if v.id == record.id), None)
        state = "Draft" if record.status == "draft" else (
            "Final" if current is None or current.current else f"Superseded by version {self.versions[-1].version}")
        self.setWindowTitle(f"{record.number} version {record.version}")
        f.heading_label.setText(f"{record.number}  ·  version {record.version}  ·  {state}")
        f.purpose_combo.blockSignals(True)  # a version's conditions are its own, whatever its purpose
        f.purpose_combo.setCurrentIndex(max(f.purpose_combo.findData(spec.purpose.value), 0))
        f.purpose_combo.blockSignals(False)
        self._purpose_shown = spec.purpose
        for edit, day in ((f.appraised_on_edit, spec.appraised_on), (f.effective_on_edit, spec.effective_on)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)
        f.style_combo.setCurrentIndex(max(f.style_combo.findData(spec.style.value if spec.style else ""), 0))
        f.metal_combo.setCurrentIndex(max(f.metal_combo.findData(spec.metal.value if spec.metal else ""), 0))
        f.gram_weight_edit.setText(centigrams_text(spec.gram_weight_cg) if spec.gram_weight_cg else "")
        f.chain_length_in_edit.setText(f"{spec.chain_length_tenths / 10:g}" if spec.chain_length_tenths else "")
        f.clasp_edit.setText(spec.clasp)
        f.value_edit.setText(_money_text(spec.value.cents) if spec.value else "")
        f.description_edit.setPlainText(spec.description)
        f.notes_edit.setPlainText(spec.notes)
        f.limiting_conditions_edit.setPlainText(spec.limiting_conditions)
        numbers = appraisals.certificate_numbers([s.certificate_id for s in spec.stones if s.certificate_id],
                                                 reader=self.reader, actor=self.actor, uow=self.context.uow())
        self.stones.set_rows([{
            "role": s.role.label, "shape": s.shape.label if s.shape else "", "count": str(s.count),
            "carat": points_text(s.carat_points) if s.carat_points else "", "color": s.color or "",
            "clarity": s.clarity.label if s.clarity else "", "cut": s.cut.label if s.cut else "",
            "measurements": s.measurements, "certificate": numbers.get(s.certificate_id, "") if s.certificate_id
            else ""} for s in spec.stones])
        owner = ""
        if record.owner_customer_id:
            hit = self.context.sales.customer(record.owner_customer_id)
            owner = hit.name if hit is not None else "(customer record erased)"
        self._show_owner(record.owner_customer_id, owner)
        self._show_item(record.item_id)
        self._show_photos([(ref.id, data) for ref, data in zip(record.photos, photos)])
        self._show_versions()
        self._apply_mode()
        f.tabs.setTabText(1, f"Stones ({len(spec.stones)})  (Alt+2)")
        if not self.editable:
            self.initial_focus = f.versions_table if f.versions_group.isVisible() else f.tabs
            if record.status == "final":
                later = "" if current is None or current.current else \
                    f" Version {self.versions[-1].version} is the current one."
                mark_info(f.message_label, f"Final: this version never changes.{later}")
        else:
            self.initial_focus = f.purpose_combo
        if self.isVisible() and self.initial_focus is not None:
            self.initial_focus.setFocus()

    def _show_owner(self, customer_id: str | None, name: str) -> None:
        self.owner_id = customer_id
        self.form.owner_value_label.setText(name if customer_id else "Store inventory")

    def _show_item(self, item_id: str | None) -> None:
        f = self.form
        self.item_id = item_id
        if item_id is None:
            f.sku_edit.clear()
            self._say_item("" if self.record is None else "No inventory item")
            return
        rows = inventory.rows_by_ids([item_id], reader=self.context.reader, actor=self.actor, uow=self.context.uow()) \
            if self.context.can(Permission.VIEW_INVENTORY) else []
        f.sku_edit.setText(rows[0].sku if rows else "")
        self._say_item(rows[0].title if rows else "An inventory item")

    def _say_item(self, text: str) -> None:
        self.form.item_value_label.setText(text)
        self.form.item_value_label.setVisible(bool(text))

    def _item_typed(self) -> None:
        if self.record is not None:
            return
        try:
            found = self._find_item()
        except UserFacingError as exc:
            self._say_item(str(exc).split(": ", 1)[-1])
            return
        self._say_item(found[1] if found else "")
        if found is not None and found[0] != self._from_item.get("item_id") and self.editable:
            self._start_from_item(found[0])

    # The form's fields an item's record fills, as (key, widget) for reading and writing their text.
    ITEM_FIELDS = ("style", "metal", "gram_weight", "chain_length_in", "clasp", "description", "notes")

    def _field_text(self, name: str) -> str:
        widget = self._fields[name]
        if isinstance(widget, QComboBox):
            return str(widget.currentData() or "")
        if isinstance(widget, QPlainTextEdit):
            return widget.toPlainText()
        return widget.text()  # type: ignore[attr-defined, no-any-return]

    def _set_field(self, name: str, text: str) -> None:
        widget = self._fields[name]
        if isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(widget.findData(text), 0))
        elif isinstance(widget, QPlainTextEdit):
            widget.setPlainText(text)
        else:
            widget.setText(text)  # type: ignore[attr-defined]

    def _stone_rows(self, spec: AppraisalSpec) -> list[dict[str, str]]:
        numbers = appraisals.certificate_numbers([s.certificate_id for s in spec.stones if s.certificate_id],
                                                 reader=self.reader, actor=self.actor, uow=self.context.uow())
        return [{
            "role": s.role.label, "shape": s.shape.label if s.shape else "", "count": str(s.count),
            "carat": points_text(s.carat_points) if s.carat_points else "", "color": s.color or "",
            "clarity": s.clarity.label if s.clarity else "", "cut": s.cut.label if s.cut else "",
            "measurements": s.measurements, "certificate": numbers.get(s.certificate_id, "") if s.certificate_id
            else ""} for s in spec.stones]

    def _start_from_item(self, item_id: str) -> None:
        """Fill the new appraisal from the item's record: every field still empty (or still as the previous
        item filled it), and the stones when the table is empty. Said in the message line."""
        f = self.form
        purpose = Purpose.of(str(f.purpose_combo.currentData()))
        try:
            spec = appraisals.item_start(item_id, uow=self.context.uow(), actor=self.actor,
                                         today=store_today(self.context.profile.timezone),
                                         conditions=f.limiting_conditions_edit.toPlainText(), purpose=purpose)
        except UserFacingError as exc:
            self.show_problem(exc)
            return
        values = {"style": spec.style.value if spec.style else "", "metal": spec.metal.value if spec.metal else "",
                  "gram_weight": centigrams_text(spec.gram_weight_cg) if spec.gram_weight_cg else "",
                  "chain_length_in": f"{spec.chain_length_tenths / 10:g}" if spec.chain_length_tenths else "",
                  "clasp": spec.clasp, "description": spec.description, "notes": spec.notes}
        filled = []
        for name in self.ITEM_FIELDS:
            current, text = self._field_text(name), values[name]
            if current.strip() and current != self._from_item.get(name):
                continue  # the appraiser's own
            self._set_field(name, text)
            self._from_item[name] = text
            if text:
                filled.append(CAPTIONS[name].lower())
        self.stones.prune_blank()
        rows = self._stone_rows(spec)
        if not self.stones.rows() or self.stones.rows() == self._from_item.get("stones"):
            self.stones.set_rows(rows)
            self._from_item["stones"] = self.stones.rows()
            if rows:
                filled.append(f"{len(rows)} stone row{'s' if len(rows) != 1 else ''}")
            f.tabs.setTabText(1, f"Stones ({len(rows)})  (Alt+2)")
        self._from_item["item_id"] = item_id
        if filled:
            mark_info(f.message_label, f"From the item's record: {', '.join(filled)}.")

    def _find_item(self) -> tuple[str, str] | None:
        """(id, title) of the item typed in the SKU field (None if it is empty)."""
        code = self.form.sku_edit.text().strip()
        if not code:
            return None
        row = inventory.lookup(code, reader=self.context.reader, actor=self.actor, uow=self.context.uow())
        if row is None:
            raise ValidationError("item", f"no item has the SKU or barcode {code}")
        return row.id, row.title

    def _show_photos(self, photos: list[tuple[str | None, bytes]]) -> None:
        """Thumbnails: saved photos carry their id; photos waiting for the first save carry None."""
        lst = self.form.photo_list
        lst.clear()
        shown = photos + [(None, data) for data in self.pending_photos]
        for n, (photo_id, data) in enumerate(shown):
            pixmap = QPixmap()
            pixmap.loadFromData(data)
            item = QListWidgetItem(QIcon(pixmap.scaled(QSize(360, 360), Qt.AspectRatioMode.KeepAspectRatio,
                                                       Qt.TransformationMode.SmoothTransformation)),
                                   f"Photo {n + 1}" + ("  (not saved yet)" if photo_id is None else ""))
            item.setData(Qt.ItemDataRole.UserRole, photo_id)
            lst.addItem(item)
        if lst.count():
            lst.setCurrentRow(0)
        self.form.tabs.setTabText(2, f"Photos ({len(shown)})  (Alt+3)")

    def _setup_versions_table(self) -> None:
        table = self.form.versions_table
        headers = ["Version", "Status", "Made by", "Drafted", "Finalized", "Value"]
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.verticalHeader().setDefaultSectionSize(26)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((100, 280, 180, 150, 150)):
            table.setColumnWidth(column, width)

    def _show_versions(self) -> None:
        from zoneinfo import ZoneInfo

        f = self.form
        record = self.record
        show = record is not None and (len(self.versions) > 1 or record.status == "final")
        f.versions_group.setVisible(show)
        if not show or record is None:
            return
        tz = ZoneInfo(self.context.profile.timezone)
        latest = self.versions[-1].version
        table = f.versions_table
        table.setRowCount(len(self.versions))
        for row, v in enumerate(self.versions):
            if v.status == "draft":
                status = "Draft correction" if v.version > 1 else "Draft"
            else:
                status = "Final, current" if v.current else f"Final, superseded by version {latest}"
            texts = (f"{v.version}" + ("  (open)" if v.id == record.id else ""), status, v.made_by or "—",
                     v.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                     v.finalized_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if v.finalized_at else "",
                     self.context.money(v.value_cents, v.currency) if v.value_cents is not None else "")
            for column, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, v.id)
                if v.id == record.id:
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
                if column == 5:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(row, column, item)
            if v.id == record.id:
                table.setCurrentCell(row, 0)
        # Every version in sight (up to four; more scroll): the history is the point of this box.
        shown = min(len(self.versions), 4)
        table.setFixedHeight(table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth() + 2
                             + sum(table.rowHeight(n) for n in range(shown)))

    def _apply_mode(self) -> None:
        """Editable draft (its owner and item too) or read-only final."""
        f = self.form
        editable = self.editable
        for name, widget in self._fields.items():
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
        self.stones.set_read_only(not editable)
        for button in (f.add_stone_button, f.remove_stone_button, f.add_photo_button, f.remove_photo_button,
                       f.save_button):
            button.setVisible(editable)
        f.stones_hint_label.setVisible(editable)
        f.store_button.setVisible(editable)
        f.customer_button.setVisible(editable)
        f.finalize_button.setVisible(editable and self.can_finalize)
        current = self.record is not None and bool(self.versions) and self.versions[-1].id == self.record.id
        f.correct_button.setVisible(self.can_write and self.record is not None
                                    and self.record.status == "final" and current)

    def _appraised_on_changed(self, day: QDate) -> None:
        # The effective date follows the appraisal date unless the appraiser set it apart.
        f = self.form
        if f.effective_on_edit.date() < day or f.effective_on_edit.date() == self._last_appraised:
            f.effective_on_edit.setDate(day)
        self._last_appraised = day

    # -- collecting --------------------------------------------------------------------------

    def raw(self) -> dict[str, str]:
        """The form as the service's raw keys (what `parse_appraisal` reads)."""
        f = self.form
        out = {name: self._fields[name].text() for name in TEXT_FIELDS}  # type: ignore[attr-defined]
        out.update(
            purpose=str(f.purpose_combo.currentData() or ""), style=str(f.style_combo.currentData() or ""),
            metal=str(f.metal_combo.currentData() or ""),
            appraised_on=f.appraised_on_edit.date().toString("yyyy-MM-dd"),
            effective_on=f.effective_on_edit.date().toString("yyyy-MM-dd"),
            description=f.description_edit.toPlainText(), notes=f.notes_edit.toPlainText(),
            limiting_conditions=f.limiting_conditions_edit.toPlainText())
        return out

    def _collect(self) -> tuple[dict[str, str], list[dict[str, str]], str | None]:
        """(raw form, stone rows with certificate ids, item id); raises what the appraiser must fix."""
        self.stones.prune_blank()
        rows = self.stones.rows()
        found = self._find_item()
        item_id = found[0] if found else None
        cert_ids = appraisals.resolve_certificates([r["certificate"] for r in rows], reader=self.reader,
                                                   actor=self.actor, item_id=item_id, uow=self.context.uow())
        stones = [{**{k: v for k, v in r.items() if k != "certificate"}, "certificate_id": cert_id or ""}
                  for r, cert_id in zip(rows, cert_ids)]
        return self.raw(), stones, item_id

    # -- saving, finalizing, correcting --------------------------------------------------------

    def save(self, *, finalize: bool = False, then: Callable[[AppraisalRecord], None] | None = None,
             confirmed: bool = False) -> None:
        """Save the draft (and finalize it); a new one is created with its owner, item and photos.

        `confirmed`: the appraiser already accepted what finalizing warned about (`FinalizeUnconfirmed`)."""
        if not self.editable:
            return
        self._clear_marks()
        try:
            raw, stones, item_id = self._collect()
        except UserFacingError as exc:
            self.show_problem(exc)
            return
        actor, record = self.actor, self.record
        today = store_today(self.context.profile.timezone)
        owner, photos = self.owner_id, list(self.pending_photos)

        def work(store: Store) -> tuple[AppraisalRecord, UserFacingError | None]:
            if record is None:
                saved = appraisals.create_draft(raw, stones, uow=store.uow(), actor=actor, today=today,
                                                item_id=item_id, owner_customer_id=owner)
            else:
                saved = appraisals.update_draft(record.id, raw, stones, uow=store.uow(), actor=actor, today=today,
                                                item_id=item_id, owner_customer_id=owner)
            try:  # the draft is saved: a later problem is shown over it, not instead of it
                if photos:
                    appraisals.add_photos(saved.id, photos, uow=store.uow(), actor=actor)
                if finalize:
                    saved = appraisals.finalize(saved.id, uow=store.uow(), actor=actor, ask_first=not confirmed)
            except UserFacingError as exc:
                return saved, exc
            return saved, None

        def done(result: tuple[AppraisalRecord, UserFacingError | None]) -> None:
            saved, problem = result
            self.context.changed.emit("appraisals")
            if isinstance(problem, FinalizeUnconfirmed):
                self.load(saved.id, then=lambda _record: self._confirm_final(problem))
                return
            what = "is final" if saved.status == "final" else "is saved as a draft"
            self.load(saved.id, f"{saved.number} version {saved.version} {what}.", problem,
                      then if problem is None else None)

        mark_info(self.form.message_label, "Finalizing…" if finalize else "Saving…")
        self.run(work, done)

    def finalize(self) -> None:
        if not (self.editable and self.can_finalize):
            return
        name = f"{self.record.number} version {self.record.version}" if self.record else "this appraisal"
        if dialogs.ask_yes_no(self, "Finalize the appraisal?", f"{FINAL_WARNING}\n\nFinalize {name} now?"):
            self.save(finalize=True)

    def _confirm_final(self, unconfirmed: FinalizeUnconfirmed) -> None:
        """The draft is saved; finalizing waits for the appraiser: Yes finalizes it as it is, No goes to the
        stones."""
        lines = "\n".join(f"• {w[:1].upper()}{w[1:]}." for w in unconfirmed.warnings)
        name = f"{self.record.number} version {self.record.version}" if self.record else "This appraisal"
        if dialogs.ask_yes_no(self, "Finalize without stones?",
                              f"{name}:\n{lines}\n\n{FINAL_WARNING}\n\nFinalize it as it is?"):
            self.save(finalize=True, confirmed=True)
            return
        mark_problem(self.form.message_label, "Saved as a draft, not final: add the stones (Ctrl+Shift+N), then "
                                              "finalize (Ctrl+Shift+F).")
        self._show_tab(1)

    def make_correction(self) -> None:
        record = self.record
        if record is None or record.status != "final" or not self.form.correct_button.isVisible():
            return
        actor = self.actor

        def done(new: AppraisalRecord) -> None:
            self.context.changed.emit("appraisals")
            self.load(new.id, f"Version {new.version} of {new.number} is a draft correction: change it, then "
                              f"finalize it (Ctrl+Shift+F). Version {record.version} stays on record.")

        self.run(lambda store: appraisals.correct(record.id, uow=store.uow(), actor=actor), done)

    def open_version(self) -> None:
        item = self.form.versions_table.currentItem()
        appraisal_id = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if appraisal_id and (self.record is None or appraisal_id != self.record.id):
            self.load(appraisal_id)

    # -- owner, stones, photos ---------------------------------------------------------------

    def choose_customer(self) -> None:
        from pos_app.gui.counter.customer_dialog import CustomerPickerDialog

        if not self.editable:
            return
        picker = CustomerPickerDialog(self.context, self)
        picker.setWindowTitle("Owner of the piece")

        def chosen() -> None:
            if picker.chosen is not None:
                self._show_owner(picker.chosen.id, picker.chosen.name)
            self.activateWindow()
            self.form.customer_button.setFocus()

        picker.accepted.connect(chosen)
        self.picker = picker
        picker.open()

    def choose_store(self) -> None:
        if self.editable:
            self._show_owner(None, "")

    def add_stone(self) -> None:
        if self.editable:
            self._show_tab(1)
            self.stones.start_row()

    def remove_stone(self) -> None:
        if self.editable:
            self.stones.remove_current()

    def add_photos(self) -> None:
        if not self.editable:
            return
        paths = dialogs.ask_open_paths(self, "Add photos", "Images (*.jpg *.jpeg *.png)")
        if not paths:
            return
        record, actor = self.record, self.actor
        waiting = len(self.pending_photos)

        def work(store: Store) -> list[bytes]:
            photos = []
            for path in paths:
                try:
                    if path.stat().st_size > inventory.MAX_PHOTO_BYTES:
                        raise ValidationError("photos", f"{path.name} is larger than 10 MB; resize it first")
                    data = path.read_bytes()
                except OSError as exc:
                    raise ValidationError("photos", f"{path.name} cannot be read: {exc.strerror}") from None
                try:
                    inventory.photo_type(data)
                except ValidationError:
                    raise ValidationError("photos", f"{path.name} is not a JPEG or PNG image") from None
                photos.append(data)
            if record is not None:
                appraisals.add_photos(record.id, photos, uow=store.uow(), actor=actor)
                return []
            if waiting + len(photos) > appraisals.MAX_PHOTOS:
                raise ValidationError("photos", f"an appraisal has at most {appraisals.MAX_PHOTOS} photos")
            return photos

        def done(waiting_photos: list[bytes]) -> None:
            self._show_tab(2)
            if record is not None:
                self.context.changed.emit("appraisals")
                self.load(record.id, f"Added {len(paths)} photo(s).")
                return
            self.pending_photos.extend(waiting_photos)
            self._show_photos([])
            mark_info(self.form.message_label, f"{len(waiting_photos)} photo(s) will be saved with the draft.")

        self.run(work, done)

    def remove_photo(self) -> None:
        lst = self.form.photo_list
        item = lst.currentItem()
        if not self.editable or item is None:
            return
        photo_id = item.data(Qt.ItemDataRole.UserRole)
        if photo_id is None:
            saved = lst.count() - len(self.pending_photos)
            del self.pending_photos[lst.currentRow() - saved]
            self._show_photos([])  # photos wait only before the first save: there are no saved ones
            return
        record, actor = self.record, self.actor
        assert record is not None

        def done(_none: None) -> None:
            self.context.changed.emit("appraisals")
            self.load(record.id, "Removed the photo.")

        self.run(lambda store: appraisals.remove_photo(photo_id, uow=store.uow(), actor=actor), done)

    # -- paper -------------------------------------------------------------------------------

    def paper(self) -> paper.Paper:
        return paper.Paper(certificate_pages=self.form.certificates_check.isChecked(),
                           card=self.form.card_check.isChecked())

    def _with_saved(self, then: Callable[[AppraisalRecord], None]) -> None:
        """Continue with the saved record; a draft being edited is saved first (so what prints is on record)."""
        if self.editable:
            self.save(then=then)
        elif self.record is not None:
            then(self.record)

    def print_appraisal(self) -> None:
        pages = self.paper()

        def rendered(pdf: bytes) -> None:
            paper.print_rendered(self.context, self, pdf, lambda text: mark_info(self.form.message_label, text),
                                 lambda exc: mark_problem(self.form.message_label, str(exc)))

        def saved(record: AppraisalRecord) -> None:
            mark_info(self.form.message_label, "Making the PDF…")
            self.run(paper.renderer(self.context, record.id, pages), rendered)

        self._with_saved(saved)

    def save_pdf(self) -> None:
        pages = self.paper()

        def saved(record: AppraisalRecord) -> None:
            path = dialogs.ask_save_path(self, "Save the appraisal", pages.file_name(record.number, record.version),
                                         "PDF files (*.pdf)")
            if path is None:
                return

            def done(written: Path) -> None:
                self.saved_path = written
                mark_info(self.form.message_label, f"Saved {written}.")

            mark_info(self.form.message_label, "Making the PDF…")
            self.run(paper.saver(self.context, record.id, pages, path), done)

        self._with_saved(saved)

    # -- problems ----------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.form.versions_table and event.type() == QEvent.Type.KeyPress \
                and isinstance(event, QKeyEvent) and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.open_version()
            return True
        return super().eventFilter(watched, event)

    def _clear_marks(self) -> None:
        self.stones.clear_marks()
        for widget in self._fields.values():
            if widget.property("invalid"):
                self._mark(widget, False)

    @staticmethod
    def _mark(widget: QWidget, invalid: bool) -> None:
        widget.setProperty("invalid", invalid)
        widget.style().unpolish(widget)
        widget.style().polish(widget)

    def _tab_of(self, widget: QWidget) -> int:
        tabs = self.form.tabs
        for n in range(tabs.count()):
            if tabs.widget(n).isAncestorOf(widget):
                return n
        return -1

    def show_problem(self, exc: UserFacingError) -> None:
        """Say what is wrong; for a field's problem, name it by its caption, mark it and go to it."""
        self._clear_marks()
        if not isinstance(exc, ValidationError):
            mark_problem(self.form.message_label, str(exc))
            return
        stone = STONE_FIELD.fullmatch(exc.field)
        if stone is not None:
            key = stone[2]
            mark_problem(self.form.message_label, f"Stone {stone[1]} {key}: {exc.problem}")
            self.form.tabs.setCurrentIndex(self._tab_of(self.form.stones_table))
            self.stones.mark(int(stone[1]) - 1, key if key in KEYS else "role", exc.problem)
            return
        field = "photos" if exc.field.startswith("photo") else exc.field
        caption = CAPTIONS.get(field, exc.field[:1].upper() + exc.field[1:])
        mark_problem(self.form.message_label, f"{caption}: {exc.problem}")
        widget = self._fields.get(field)
        if widget is not None:
            tab = self._tab_of(widget)
            if tab >= 0:
                self.form.tabs.setCurrentIndex(tab)
            self._mark(widget, True)
            widget.setFocus()
