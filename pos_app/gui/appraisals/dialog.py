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

This module holds the dialog itself: showing a new appraisal or a version, the read-only mode of a final one,
and the keys. The work behind them is in its helpers, which know the dialog only as an `AppraisalEditor`
(`editor.py`): the form's fields (`fields.py`), owner and item (`owner_item.py`), photos (`photos.py`), the
versions box (`versions.py`), saving, finalizing, correcting and printing (`saving.py`), the stones table
(`stones.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QPushButton, QWidget

from pos_app.domain.appraisals import Purpose, standard_limiting_conditions
from pos_app.domain.errors import UserFacingError
from pos_app.domain.permissions import Permission
from pos_app.domain.store import store_today
from pos_app.gui.appraisals import owner_item, paper, photos, saving, versions
from pos_app.gui.appraisals.fields import FormFields, stone_rows
from pos_app.gui.appraisals.stones import StonesEditor
from pos_app.gui.base import FacetDialog, mark_info
from pos_app.gui.context import AppContext
from pos_app.services import appraisals
from pos_app.services.ports.appraisals import AppraisalRecord, AppraisalVersionRow
from pos_app.services.ports.store import Store


class AppraisalDialog(FacetDialog):
    """A new appraisal (`appraisal_id` None) or an existing version; emits `context.changed("appraisals")`.

    The dialog shows a version and wires the keys; its helpers do the rest, knowing it as an `AppraisalEditor`
    (`editor.py`): the fields (`fields.py`), owner and item (`owner_item.py`), photos (`photos.py`), the
    versions box (`versions.py`), and saving, finalizing, correcting and printing (`saving.py`)."""

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
        self.from_item: dict[str, Any] = {}
        self.saved_path: Path | None = None
        self.can_write = context.can(Permission.WRITE_APPRAISALS)
        self.can_finalize = context.can(Permission.FINALIZE_APPRAISALS)
        self.stones = StonesEditor(f.stones_table)
        self.fields = FormFields(f)
        f.card_check.toggled.connect(lambda on: f.certificates_check.setEnabled(not on))
        versions.setup_versions_table(f.versions_table)

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
            self.shortcut(f"Alt+{n + 1}", partial(self.show_tab, n))
        f.sku_edit.editingFinished.connect(lambda: owner_item.item_typed(self))
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

    def as_widget(self) -> QWidget:
        return self

    def show_tab(self, n: int) -> None:
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
        owner_item.show_owner(self, None, "")
        photos.show_photos(self, [])
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

    def _show(self, record: AppraisalRecord, shown_photos: list[bytes]) -> None:
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
        self.fields.show_spec(spec)
        self._purpose_shown = spec.purpose
        numbers = appraisals.certificate_numbers([s.certificate_id for s in spec.stones if s.certificate_id],
                                                 reader=self.reader, actor=self.actor, uow=self.context.uow())
        self.stones.set_rows(stone_rows(spec, numbers))
        owner = ""
        if record.owner_customer_id:
            hit = self.context.sales.customer(record.owner_customer_id)
            owner = hit.name if hit is not None else "(customer record erased)"
        owner_item.show_owner(self, record.owner_customer_id, owner)
        owner_item.show_item(self, record.item_id)
        photos.show_photos(self, [(ref.id, data) for ref, data in zip(record.photos, shown_photos)])
        versions.show_versions(self)
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

    def _apply_mode(self) -> None:
        """Editable draft (its owner and item too) or read-only final."""
        f = self.form
        editable = self.editable
        self.fields.set_editable(editable)
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

    def raw(self) -> dict[str, str]:
        """The form as the service's raw keys (what `parse_appraisal` reads)."""
        return self.fields.raw()

    def show_problem(self, exc: UserFacingError) -> None:
        """Say what is wrong; for a field's problem, name it by its caption, mark it and go to it."""
        self.fields.show_problem(exc, self.stones)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.form.versions_table and event.type() == QEvent.Type.KeyPress \
                and isinstance(event, QKeyEvent) and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.open_version()
            return True
        return super().eventFilter(watched, event)

    # -- the keys' actions (the helpers do the work) ---------------------------------------------

    def save(self, *, finalize: bool = False, then: Callable[[AppraisalRecord], None] | None = None,
             confirmed: bool = False) -> None:
        """Save the draft (and finalize it): `saving.save`."""
        saving.save(self, finalize=finalize, then=then, confirmed=confirmed)

    def finalize(self) -> None:
        saving.finalize(self)

    def make_correction(self) -> None:
        saving.make_correction(self)

    def open_version(self) -> None:
        versions.open_version(self)

    def paper(self) -> paper.Paper:
        return saving.chosen_paper(self)

    def print_appraisal(self) -> None:
        saving.print_appraisal(self)

    def save_pdf(self) -> None:
        saving.save_pdf(self)

    def add_photos(self) -> None:
        photos.add_photos(self)

    def remove_photo(self) -> None:
        photos.remove_photo(self)

    def choose_customer(self) -> None:
        from pos_app.gui.counter.customer_dialog import CustomerPickerDialog

        if not self.editable:
            return
        picker = CustomerPickerDialog(self.context, self)
        picker.setWindowTitle("Owner of the piece")

        def chosen() -> None:
            if picker.chosen is not None:
                owner_item.show_owner(self, picker.chosen.id, picker.chosen.name)
            self.activateWindow()
            self.form.customer_button.setFocus()

        picker.accepted.connect(chosen)
        self.picker = picker
        picker.open()

    def choose_store(self) -> None:
        if self.editable:
            owner_item.show_owner(self, None, "")

    def add_stone(self) -> None:
        if self.editable:
            self.show_tab(1)
            self.stones.start_row()

    def remove_stone(self) -> None:
        if self.editable:
            self.stones.remove_current()
