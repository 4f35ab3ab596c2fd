"""One diamond grading report: record a new one, or open one to read it and attach its scan.

New: every field of the report, an optional piece in stock (by SKU) and an
optional customer (a customer's own stone), and the scan. Save is Ctrl+S or
Enter from any field. A problem names the field by its caption and puts the
cursor there; nothing is written. A report number that does not fit its
lab's format asks for a reason (kept in the audit trail) before it is saved.
A lab and number already on another record is saved, then shown in a warning
the appraiser must acknowledge.

Open: the same fields, read-only, with "Attach scan…" (Ctrl+Shift+A) to add
or replace the scan and "View scan" (Ctrl+O).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QComboBox, QLineEdit, QPushButton, QWidget

from pos_app.domain.certificates import MAX_SCAN_BYTES, Fluorescence, scan_type
from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.domain.jewelry import CertificateLab, Clarity, Cut, LabeledEnum, Origin, Shape, points_text
from pos_app.domain.permissions import Permission
from pos_app.domain.store import store_today
from pos_app.gui import dialogs, messages
from pos_app.gui.base import FacetDialog, mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.services import certificates, inventory
from pos_app.services.certificates import CertificateDetail, ReportNumberWarning, SavedCertificate
from pos_app.services.ports.store import Store

# The form's captions, for naming a field the way the appraiser sees it.
CAPTIONS = {"lab": "Lab", "report_number": "Report number", "report_date": "Report date",
            "origin": "Natural / lab-grown", "measurements": "Measurements", "inscription": "Laser inscription",
            "shape": "Shape", "carat": "Carat",
            "color": "Color", "clarity": "Clarity", "cut": "Cut", "polish": "Polish", "symmetry": "Symmetry",
            "fluorescence": "Fluorescence", "item": "Item SKU", "scan": "Scan", "reason": "Reason"}
_COMBOS: dict[str, tuple[type[LabeledEnum], bool]] = {  # field: (choices, may be left empty)
    "lab": (CertificateLab, False), "origin": (Origin, False), "shape": (Shape, True), "clarity": (Clarity, True),
    "cut": (Cut, True), "polish": (Cut, True), "symmetry": (Cut, True), "fluorescence": (Fluorescence, True)}
_EDITS = ("report_number", "report_date", "measurements", "inscription", "carat", "color")
SCAN_FILTER = "Report scans (*.pdf *.jpg *.jpeg *.png);;All files (*)"
_KINDS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
NO_SCAN = "No scan (PDF, JPEG or PNG, up to 15 MB)"
NO_CUSTOMER = "None (optional: for a customer's own stone)"


def label_of(enum: type[LabeledEnum], value: str | None) -> str:
    """The label of a stored value ("very_good" -> "Very Good"); the value itself if unknown."""
    if not value:
        return ""
    try:
        return enum.of(value).label
    except ValueError:
        return value


def size_text(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def read_scan(path: Path) -> bytes:
    """The bytes of a scan file, checked to be a PDF, JPEG or PNG; a ValidationError names the scan."""
    try:
        if path.stat().st_size > MAX_SCAN_BYTES:
            raise ValidationError("scan", f"{path.name} is larger than {MAX_SCAN_BYTES // (1024 * 1024)} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError("scan", f"{path.name} cannot be read: {exc.strerror}") from None
    try:
        scan_type(data)
    except ValidationError:
        raise ValidationError("scan", f"{path.name} is not a PDF, JPEG or PNG file") from None
    return data


class CertificateDialog(FacetDialog):
    saved = Signal(str)
    """A certificate was recorded or its scan attached (its id)."""

    def __init__(self, context: AppContext, parent: QWidget | None = None, *, cert_id: str | None = None) -> None:
        super().__init__(context, "certificate_dialog.ui", "Certificate" if cert_id else "New certificate", parent)
        self.cert_id = cert_id
        self.detail: CertificateDetail | None = None
        self.scan: bytes | None = None
        self.scan_mime: str | None = None
        self.customer_id: str | None = None
        self._reason: tuple[str, str, str] | None = None  # (lab, number, reason) the appraiser confirmed
        self.reason_prompt: QWidget | None = None
        self.duplicate_box: messages.MessageBox | None = None
        self.viewer: QWidget | None = None
        self.picker: QWidget | None = None
        f = self.form
        for name, (enum, optional) in _COMBOS.items():
            combo: QComboBox = getattr(f, f"{name}_combo")
            if optional:
                combo.addItem("—", "")
            for member in enum:
                combo.addItem(member.label, member.value)
        for name in _EDITS:
            widget: QLineEdit = getattr(f, f"{name}_edit")
            widget.textEdited.connect(lambda _t, w=widget: self._corrected(w))
        for name in _COMBOS:
            combo = getattr(f, f"{name}_combo")
            combo.currentIndexChanged.connect(lambda _i, w=combo: self._corrected(w))
        f.item_edit.textEdited.connect(lambda _t: self._corrected(f.item_edit))
        f.item_edit.editingFinished.connect(self._show_item)
        f.save_button.clicked.connect(self.save)
        f.close_button.clicked.connect(self.reject)
        f.choose_scan_button.clicked.connect(self.choose_scan)
        f.attach_button.clicked.connect(self.attach_scan)
        f.view_scan_button.clicked.connect(self.view_scan)
        f.customer_button.clicked.connect(self.choose_customer)
        f.clear_customer_button.clicked.connect(self.clear_customer)
        for button in self.findChildren(QPushButton):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        f.item_label.setWordWrap(True)
        f.customer_label.setText(NO_CUSTOMER)
        f.scan_label.setText(NO_SCAN)
        f.view_scan_button.setEnabled(False)
        self.shortcut("Ctrl+O", self.view_scan)
        if cert_id is None:
            f.attach_button.hide()
            self.shortcut("Ctrl+S", self.save)
            self.shortcut("Ctrl+U", self.choose_customer)
            self.shortcut("Ctrl+Shift+A", self.choose_scan)
            mark_info(f.message_label, "Tab moves between fields; Enter or Ctrl+S saves; Esc cancels.")
            self.initial_focus = f.lab_combo
        else:
            self._set_read_only()
            if context.can(Permission.WRITE_APPRAISALS):
                self.shortcut("Ctrl+Shift+A", self.attach_scan)
            else:
                f.attach_button.hide()
            self.initial_focus = f.close_button
            self.load()
        self.resize(960, 560)

    # -- reading one -----------------------------------------------------------------------

    def _set_read_only(self) -> None:
        f = self.form
        f.heading_label.setText("A recorded grading report. It cannot be changed; attach a new scan if needed.")
        for name in _EDITS:
            getattr(f, f"{name}_edit").setReadOnly(True)
        f.item_edit.setReadOnly(True)
        for name in _COMBOS:
            getattr(f, f"{name}_combo").setEnabled(False)
        # A recorded grade reads like the read-only fields beside it, not like a greyed-out choice.
        self.setStyleSheet("QComboBox:disabled { background: #f1efea; color: #2b2a27; } "
                           "QComboBox::drop-down:disabled { width: 0px; border: none; }")
        for button in (f.save_button, f.choose_scan_button, f.customer_button, f.clear_customer_button):
            button.hide()
        f.close_button.setText("Close  (Esc)")
        f.close_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def load(self) -> None:
        actor, cert_id = self.context.require_actor(), self.cert_id
        assert cert_id is not None
        self.run(lambda store: certificates.certificate(cert_id, uow=store.uow(), actor=actor), self._show)

    def _show(self, detail: CertificateDetail) -> None:
        self.detail = detail
        f, r = self.form, detail.record
        self.setWindowTitle(f"{label_of(CertificateLab, r.lab)} report {r.report_number}")
        texts = {"report_number": r.report_number, "report_date": r.report_date.isoformat() if r.report_date else "",
                 "measurements": r.measurements or "", "inscription": r.inscription or "",
                 "carat": points_text(r.carat_points) if r.carat_points is not None else "", "color": r.color or ""}
        for name, text in texts.items():
            edit: QLineEdit = getattr(f, f"{name}_edit")
            edit.setText(text)
            edit.setCursorPosition(0)
        values = {"lab": r.lab, "origin": r.origin, "shape": r.shape, "clarity": r.clarity, "cut": r.cut,
                  "polish": r.polish, "symmetry": r.symmetry, "fluorescence": r.fluorescence}
        for name, value in values.items():
            combo: QComboBox = getattr(f, f"{name}_combo")
            index = combo.findData(value or "")
            if index < 0 and value:
                combo.addItem(value, value)
                index = combo.count() - 1
            combo.setCurrentIndex(max(index, 0))
        f.item_edit.setText(detail.item_sku or "")
        store = self.context.store
        found = inventory.lookup(detail.item_sku, reader=store.inventory, actor=self.context.require_actor(),
                                 uow=store.uow()) if detail.item_sku else None
        f.item_label.setText(f"{found.sku} · {found.title}" if found
                             else "" if detail.item_sku else "Not on a piece in stock")
        if detail.customer_name:
            f.customer_label.setText(f"{detail.customer_name} (the customer's own stone)")
        else:
            f.customer_label.setText("A customer's own stone" if detail.has_customer else "None")
        self.scan, self.scan_mime = r.scan, r.scan_mime_type
        self._show_scan(None)

    def _show_scan(self, name: str | None) -> None:
        f = self.form
        if self.scan is None:
            f.scan_label.setText(NO_SCAN if self.cert_id is None else "No scan yet: attach one (Ctrl+Shift+A)")
        else:
            kind = _KINDS.get(self.scan_mime or "", "scan")
            f.scan_label.setText(f"{name} · {kind} · {size_text(len(self.scan))}" if name
                                 else f"{kind} · {size_text(len(self.scan))}")
        f.view_scan_button.setEnabled(self.scan is not None)

    # -- the links and the scan ------------------------------------------------------------

    def _item(self) -> str | None:
        """The id of the item whose SKU (or barcode) is typed; a ValidationError if none has it."""
        code = self.form.item_edit.text().strip()
        if not code:
            return None
        store = self.context.store
        row = inventory.lookup(code, reader=store.inventory, actor=self.context.require_actor(), uow=store.uow())
        if row is None:
            raise ValidationError("item", f"no item has SKU {code!r}; leave it empty for a stone not in stock")
        return row.id

    def _show_item(self) -> None:
        if self.cert_id is not None:
            return
        try:
            item_id = self._item()
        except UserFacingError as exc:
            self.show_problem(exc)
            self.form.item_label.setText("")
            return
        if item_id is None:
            self.form.item_label.setText("")
            return
        store = self.context.store
        row = inventory.lookup(self.form.item_edit.text().strip(), reader=store.inventory,
                               actor=self.context.require_actor(), uow=store.uow())
        if row is not None:
            self.form.item_label.setText(f"{row.sku} · {row.title}")

    def choose_customer(self) -> None:
        if self.cert_id is not None:
            return
        from pos_app.gui.counter.customer_dialog import CustomerPickerDialog

        picker = CustomerPickerDialog(self.context, self)
        picker.setWindowTitle("Customer who owns the stone")

        def chosen() -> None:
            if picker.chosen is not None:
                self.customer_id = picker.chosen.id
                self.form.customer_label.setText(f"{picker.chosen.name} (the customer's own stone)")
            self.activateWindow()
            self.form.item_edit.setFocus()

        picker.accepted.connect(chosen)
        self.picker = picker
        picker.open()

    def clear_customer(self) -> None:
        self.customer_id = None
        self.form.customer_label.setText(NO_CUSTOMER)

    def _ask_scan(self) -> tuple[str, bytes] | None:
        path = dialogs.ask_open_path(self, "Scan of the grading report", SCAN_FILTER)
        if path is None:
            return None
        try:
            return path.name, read_scan(path)
        except UserFacingError as exc:
            self.show_problem(exc)
            return None

    def choose_scan(self) -> None:
        """New certificate: pick the scan file (kept in memory until Save)."""
        if self.cert_id is not None:
            return
        chosen = self._ask_scan()
        if chosen is None:
            return
        name, data = chosen
        self.scan, self.scan_mime = data, scan_type(data)
        self._mark(self.form.choose_scan_button, False)
        self._show_scan(name)
        mark_info(self.form.message_label, f"Scan {name} will be saved with the certificate.")

    def attach_scan(self) -> None:
        """Open certificate: add or replace its scan now (audited)."""
        if self.cert_id is None or not self.context.can(Permission.WRITE_APPRAISALS):
            return
        chosen = self._ask_scan()
        if chosen is None:
            return
        name, data = chosen
        actor, cert_id = self.context.require_actor(), self.cert_id

        def done(_mime: str) -> None:
            mark_info(self.form.message_label, f"Attached {name} ({size_text(len(data))}).")
            self.context.changed.emit("certificates")
            self.saved.emit(cert_id)
            self.load()

        self.run(lambda store: certificates.attach_scan(cert_id, data, uow=store.uow(), actor=actor), done)

    def view_scan(self) -> None:
        if self.scan is None or self.scan_mime is None:
            mark_problem(self.form.message_label, "There is no scan to view yet.")
            return
        from pos_app.gui.certificates.scan_viewer import ScanViewer

        number = self.form.report_number_edit.text().strip() or "new certificate"
        self.viewer = ScanViewer(self.scan, self.scan_mime, f"Scan of {number}", self)
        self.viewer.open()

    # -- saving ----------------------------------------------------------------------------

    def values(self) -> dict[str, str]:
        f = self.form
        out = {name: getattr(f, f"{name}_edit").text() for name in _EDITS}
        out.update({name: str(getattr(f, f"{name}_combo").currentData() or "") for name in _COMBOS})
        return out

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.cert_id is None and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.save()
            return
        super().keyPressEvent(event)

    def save(self) -> None:
        if self.cert_id is not None or self._busy:
            return
        raw = self.values()
        self._clear_marks()
        try:
            item_id = self._item()
        except UserFacingError as exc:
            self.show_problem(exc)
            return
        reason = ""
        if self._reason is not None and self._reason[:2] == (raw["lab"], raw["report_number"].strip()):
            reason = self._reason[2]
        context, actor = self.context, self.context.require_actor()
        today = store_today(context.profile.timezone)
        customer_id, scan = self.customer_id, self.scan

        def work(store: Store) -> SavedCertificate:
            return certificates.add_certificate(raw, uow=store.uow(), actor=actor, today=today, item_id=item_id,
                                                customer_id=customer_id, scan=scan, override_reason=reason)

        self.run(work, self._saved)

    def _saved(self, saved: SavedCertificate) -> None:
        self.context.changed.emit("certificates")
        self.saved.emit(saved.id)
        warning = saved.warning
        if warning is None:
            self.accept()
            return
        box = messages.tell(
            self, f"Saved, but this report number is already on file.\n\n{warning}",
            title="Possible duplicate report", kind=messages.Kind.WARNING, button="I have noted it  Enter",
            details="This may be a copied or forged report, or the same stone recorded twice. "
                    "Compare the girdle inscription with the report before you go on.")
        box.finished.connect(lambda _r: self.accept())
        self.duplicate_box = box

    def _ask_reason(self, problem: ReportNumberWarning) -> None:
        from pos_app.gui.sell.prompts import PromptDialog

        lab, number = self.values()["lab"], self.values()["report_number"].strip()

        def check(value: str, _reason: str) -> str:
            text = value.strip()
            if not text:
                raise ValidationError("reason", "say why the number is right as printed, or Cancel to correct it")
            if len(text) > 200:
                raise ValidationError("reason", "is longer than 200 characters")
            return text

        def given(reason: str) -> None:
            self._reason = (lab, number, reason)
            self.save()

        prompt = PromptDialog(
            self.context, "Report number does not fit the lab", f"{problem.warning}.\n\nCheck the number on the "
            "report. To record it exactly as printed, say why (the reason is kept in the audit trail).",
            value_label="&Reason", accept_with=check, on_done=given, parent=self, on_gui_thread=True)
        prompt.rejected.connect(self._reason_refused)
        prompt.resize(560, prompt.sizeHint().height())
        self.reason_prompt = prompt
        prompt.open()

    def _reason_refused(self) -> None:
        mark_problem(self.form.message_label, "Not saved: the report number does not fit the lab's format. Correct "
                                              "it, or save again and give a reason.")
        self._mark(self.form.report_number_edit, True)
        self.activateWindow()
        self.form.report_number_edit.setFocus()

    # -- problems --------------------------------------------------------------------------

    def _widget(self, field: str) -> QWidget | None:
        special = {"item": "item_edit", "scan": "choose_scan_button"}
        for name in (special.get(field, ""), f"{field}_edit", f"{field}_combo"):
            widget = getattr(self.form, name, None) if name else None
            if isinstance(widget, QWidget):
                return widget
        return None

    def show_problem(self, exc: UserFacingError) -> None:
        """Say what is wrong; a field's problem names its caption, marks it and puts the cursor there."""
        if isinstance(exc, ReportNumberWarning):
            self._ask_reason(exc)
            return
        self._clear_marks()
        if isinstance(exc, ValidationError) and exc.field in CAPTIONS:
            mark_problem(self.form.message_label, f"{CAPTIONS[exc.field]}: {exc.problem}")
            widget = self._widget(exc.field)
            if widget is not None:
                self._mark(widget, True)
                if widget.isVisible() and widget.isEnabled():
                    widget.setFocus()
                    if isinstance(widget, QLineEdit):
                        widget.selectAll()
            return
        mark_problem(self.form.message_label, str(exc))

    def _clear_marks(self) -> None:
        for name in (*_EDITS, *_COMBOS, "item", "scan"):
            widget = self._widget(name)
            if widget is not None and widget.property("invalid"):
                self._mark(widget, False)

    def _corrected(self, widget: QWidget) -> None:
        if widget.property("invalid"):
            self._mark(widget, False)
            mark_info(self.form.message_label, "")

    @staticmethod
    def _mark(widget: QWidget, invalid: bool) -> None:
        widget.setProperty("invalid", invalid)
        widget.style().unpolish(widget)
        widget.style().polish(widget)
