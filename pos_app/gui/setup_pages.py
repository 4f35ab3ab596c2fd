"""The first-run wizard's pages: the page every form page is, and the counter's pages after the store
exists (the receipt printer, Stripe, an inventory import, the first shift).

Each page after the store exists saves on its own, through the service that owns the change, as the owner
who made the store (or signed in to finish it); see `first_run` for the whole flow.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QWidget, QWizard, QWizardPage

from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.domain.permissions import Actor
from pos_app.gui.base import mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.ops import CancelToken, OpRunner, show_error
from pos_app.services.ports.devices import RegisteredReader
from pos_app.services.ports.settings import DirectoryReader
from pos_app.services.ports.store import Store

if TYPE_CHECKING:
    from pos_app.services.item_files import ImportReport

T = TypeVar("T")
PageWork = Callable[[Store], object] | Callable[[], object]
"""What Next runs on a worker: given the store handle of the job's own connection, or nothing while there is
no store yet (creating it)."""

PRINTER_MODELS = ("TM-T88V", "TM-T88IV", "TM-T88III", "TM-T20II", "TM-U220B")


class SetupWizard(Protocol):
    """What a page needs of the first-run wizard (`first_run.FirstRunWizard`), which imports this module."""

    @property
    def context(self) -> AppContext:
        """The opened store's `AppContext`, once the store exists."""
        ...

    runner: OpRunner
    busy: bool
    skipped: set[str]

    def button(self, which: QWizard.WizardButton) -> QAbstractButton: ...
    def acting(self) -> Actor: ...
    def directory(self) -> DirectoryReader: ...
    def store_name(self) -> str: ...
    def has_stripe_key(self) -> bool: ...


class Stay(UserFacingError):
    """Next started something of its own (an import, going back to a page); the page says nothing more."""


class FormPage(QWizardPage):
    """A wizard page holding a form from `ui/`; shows problems inline and waits for work off the GUI thread.

    `check()` runs when the person presses Next: it raises UserFacingError to stay, returns None to go on,
    or returns work to run on a worker (`work(store)`, or `work()` before the store exists); Next goes on
    once the work succeeds.
    """

    def __init__(self, wizard: SetupWizard, form_name: str, title: str, subtitle: str = "") -> None:
        super().__init__()
        self.setTitle(title)
        if subtitle:
            self.setSubTitle(subtitle)
        self.wiz = wizard
        self.form = Form(form_name, self, margin=0)
        self.form.root.setMaximumWidth(900)  # fields a readable length on a wide screen
        self.busy = False
        self._passed = False
        for edit in self.form.root.findChildren(QLineEdit):  # editable combos' fields too
            edit.textEdited.connect(self._edited)

    # -- what a page says -------------------------------------------------------------------------------
    def check(self) -> PageWork | None:
        return None

    def done(self, result: Any) -> None:
        """The work `check` gave succeeded (GUI thread); by default, go on."""
        self.go_on()

    def focus_field(self) -> QWidget | None:
        return None

    # -- plumbing --------------------------------------------------------------------------------------
    def _edited(self, _text: str) -> None:
        """A problem shown goes once the person types a correction: a red line under a value that is now
        right reads as a refusal of it."""
        label = self.form.message_label
        if label.property("problem"):
            mark_info(label, "")

    def initializePage(self) -> None:
        mark_info(self.form.message_label, "")
        field = self.focus_field()
        if field is not None:
            field.setFocus()

    def isComplete(self) -> bool:
        return not self.busy

    def validatePage(self) -> bool:
        if self._passed:
            self._passed = False
            return True
        if self.busy:
            return False
        try:
            work = self.check()
        except UserFacingError as exc:
            self.show_problem(exc)
            return False
        if work is None:
            return True
        self.run(work, self.done)
        return False

    def go_on(self) -> None:
        """Leave the page as Next (or Finish, on the last page) would, without checking it again."""
        self._passed = True
        wizard = self.wizard()
        if wizard.currentPage() is not self:
            self._passed = False
            return
        if self.isFinalPage():
            wizard.accept()
        else:
            wizard.next()

    @overload
    def run(self, work: Callable[[Store], T], on_done: Callable[[T], object], *, lane: str = "db",
            note: str = "Working…") -> None: ...
    @overload
    def run(self, work: Callable[[], T], on_done: Callable[[T], object], *, lane: str = "db",
            note: str = "Working…") -> None: ...

    def run(self, work: Callable[..., Any], on_done: Callable[[Any], object], *, lane: str = "db",
            note: str = "Working…") -> None:
        """Run `work` on the wizard's runner (`work(store)` gets the store handle of the job's own connection)
        while the page waits; `on_done(result)` back on the GUI thread."""
        if self.busy:
            return
        self._set_busy(True)
        mark_info(self.form.message_label, note)

        def finished(result: Any) -> None:
            self._set_busy(False)
            mark_info(self.form.message_label, "")
            on_done(result)

        def failed(exc: BaseException) -> None:
            self._set_busy(False)
            self.failed(exc)

        self.wiz.runner.run(work, on_done=finished, on_error=failed, parent=self, lane=lane)

    def failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserFacingError):
            self.show_problem(exc)
        else:
            mark_info(self.form.message_label, "")
            show_error(self, exc)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.wiz.busy = busy
        self.completeChanged.emit()  # Next waits; the wizard sets Back as it would, so:
        if busy:  # no Back either while the page's work runs (it may be creating the store)
            self.wiz.button(QWizard.WizardButton.BackButton).setEnabled(False)

    def show_problem(self, exc: UserFacingError) -> None:
        """The problem under the fields, naming the field by its label; the field gets the keyboard."""
        if isinstance(exc, Stay):
            return
        text = str(exc)
        widget = self._field_widget(exc.field) if isinstance(exc, ValidationError) else None
        if widget is not None:
            label = self._label_for(widget)
            if label and isinstance(exc, ValidationError):
                text = f"{label}: {exc.problem}"
            widget.setFocus()
            select_all = getattr(widget, "selectAll", None)
            if callable(select_all):
                select_all()
        mark_problem(self.form.message_label, text)

    def _field_widget(self, field: str) -> QWidget | None:
        name = field.split(".")[-1].replace(" ", "_").lower()
        for candidate in (name, self.field_names().get(field, "")):
            for suffix in ("_edit", "_combo"):
                widget = self.form.root.findChild(QWidget, f"{candidate}{suffix}")
                if widget is not None:
                    return widget
        return None

    def field_names(self) -> dict[str, str]:
        """A service's field name -> this form's widget name (without _edit), where they differ."""
        return {}

    def _label_for(self, widget: QWidget) -> str:
        for label in self.form.root.findChildren(QLabel):
            if label.buddy() is widget:
                return label.text().replace("&", "").split(" (")[0]
        return ""


class PrinterPage(FormPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard, "setup_printer.ui", "Receipt printer",
                         "Step 5 of 8: where receipts print. Skip it by leaving the address empty.")
        f = self.form
        f.profile_combo.addItems(PRINTER_MODELS)
        f.columns_combo.addItems(["42", "48"])
        f.profile_combo.currentTextChanged.connect(self._columns_for)
        f.test_button.setAutoDefault(False)
        f.test_button.clicked.connect(self.test_page)
        QShortcut(QKeySequence("Ctrl+T"), self, self.test_page, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.saved = False

    def initializePage(self) -> None:
        current = self.wiz.directory().setting
        f = self.form
        f.printer_edit.setText(str(current("receipt.printer", "") or ""))
        f.profile_combo.setCurrentText(str(current("receipt.profile", "TM-T88V")))
        f.columns_combo.setCurrentText(str(current("receipt.columns", 42)))
        super().initializePage()

    def focus_field(self) -> QWidget:
        return self.form.printer_edit  # type: ignore[no-any-return]

    def field_names(self) -> dict[str, str]:
        return {"receipt.printer": "printer", "receipt.profile": "profile", "receipt.columns": "columns"}

    def _columns_for(self, model: str) -> None:
        from pos_app.documents.receipt_escpos import WIDTHS, profile_columns

        try:
            fits = profile_columns(model.strip())
        except ValueError:
            return
        self.form.columns_combo.setCurrentText(str(max((w for w in WIDTHS if w <= fits), default=min(WIDTHS))))

    def values(self) -> dict[str, str]:
        f = self.form
        return {"receipt.printer": f.printer_edit.text(), "receipt.profile": f.profile_combo.currentText(),
                "receipt.columns": f.columns_combo.currentText()}

    def _saving(self) -> Callable[[Store], None]:
        """The printer's fields as typed now (read on the GUI thread), saved by the job it returns."""
        from pos_app.services import settings as store_settings

        values, actor = self.values(), self.wiz.acting()

        def save(store: Store) -> None:
            store_settings.change_settings(values, uow=store.uow(), actor=actor)

        return save

    def check(self) -> PageWork | None:
        if not self.form.printer_edit.text().strip():
            self.wiz.skipped.add("printer")
            return None
        self.wiz.skipped.discard("printer")
        return self._saving()

    def test_page(self) -> None:
        """Save the fields, then send the printer's test page (the printer settings' own)."""
        from pos_app.documents.receipt_escpos import render_test_page
        from pos_app.services import receipts

        if not self.form.printer_edit.text().strip():
            mark_problem(self.form.message_label, "Printer address: type it first (tcp://HOST:9100 for a network "
                                                  "printer).")
            self.form.printer_edit.setFocus()
            return
        devices, name, save = self.wiz.context.devices, self.wiz.store_name(), self._saving()

        def work(store: Store) -> str:
            save(store)
            printer = devices.receipt_printer()
            if printer is None:  # the address was just saved: only a store changed meanwhile has none
                return "No printer is set: type its address first."
            look = receipts.layout(store.directory)
            printer.send(render_test_page(store_name=name, columns=look.columns, profile=look.profile))
            return "Test page sent: check that the printout's width ruler fits the paper, then press Next."

        self.run(work, lambda message: mark_info(self.form.message_label, message), lane="io",
                 note="Printing the test page…")


class PaymentsPage(FormPage):
    """Stripe: the secret key into the keyring, and the card reader paired by the registration code its screen
    shows (as Settings, Payments does with Ctrl+K and Ctrl+R). The key is kept before the reader is asked for,
    since Stripe pairs the reader with the account the key opens; a code Stripe refuses keeps the page open with
    the code field named, the key already kept."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard, "setup_payments.ui", "Card payments (Stripe)",
                         "Step 6 of 8, optional: leave both fields empty to skip.")
        self.key_kept = False  # the key of this page's last Next is in the keyring, whatever the reader did

    def initializePage(self) -> None:
        reader = str(self.wiz.directory().setting("payments.reader_id", "") or "")
        self.form.reader_label.setText(reader or "none yet")
        super().initializePage()

    def focus_field(self) -> QWidget:
        return self.form.stripe_key_edit  # type: ignore[no-any-return]

    def field_names(self) -> dict[str, str]:
        return {"Stripe key": "stripe_key"}

    def check(self) -> PageWork | None:
        from pos_app.domain.payments import check_stripe_key
        from pos_app.services.payment_setup import check_registration_code

        f = self.form
        key_text, code_text = f.stripe_key_edit.text(), f.registration_code_edit.text()
        if not key_text.strip() and not code_text.strip():
            self.wiz.skipped.add("payments")
            return None
        # Both checked before either is kept or Stripe is asked.
        key = check_stripe_key(key_text) if key_text.strip() else None
        code = check_registration_code(code_text) if code_text.strip() else None
        if key is None and not self.wiz.has_stripe_key():
            raise ValidationError("Stripe key", "is needed to register a card reader (sk_test_… or sk_live_…)")
        self.wiz.skipped.discard("payments")
        devices, actor, page = self.wiz.context.devices, self.wiz.acting(), self
        self.key_kept = False

        def work(store: Store) -> RegisteredReader | None:
            from pos_app.services.payment_setup import register_reader, set_stripe_key

            if key is not None:
                set_stripe_key(key, keys=devices.payment_keys(), uow=store.uow(), actor=actor)
                page.key_kept = True
            if code is None:
                return None
            return register_reader(code, registry=devices.reader_registry(), terminal=actor.terminal,
                                   uow=store.uow(), actor=actor)

        return work

    def run(self, work: Callable[..., Any], on_done: Callable[[Any], object], *, lane: str = "db",
            note: str = "Working…") -> None:
        # Registering asks Stripe over the network: the io lane, as Settings' Ctrl+R.
        asking = bool(self.form.registration_code_edit.text().strip())
        super().run(work, on_done, lane="io" if asking else lane,
                    note="Asking Stripe to pair the reader…" if asking else note)

    def done(self, result: RegisteredReader | None) -> None:
        f = self.form
        f.stripe_key_edit.clear()  # kept in the keyring now; not left on screen
        f.registration_code_edit.clear()  # a code pairs once
        if result is not None:
            f.reader_label.setText(f"{result.reader_id} ({result.label})")
        self.wiz.context.forget_devices()
        self.wiz.context.changed.emit("settings")
        self.go_on()

    def failed(self, exc: BaseException) -> None:
        if self.key_kept:  # the key went in before Stripe refused the reader: not left on screen, not asked again
            self.form.stripe_key_edit.clear()
            self.wiz.context.forget_devices()
        super().failed(exc)
        if self.key_kept and isinstance(exc, UserFacingError):
            label = self.form.message_label
            mark_problem(label, f"{label.text().rstrip('.')}. The Stripe key is kept in the keyring.")


class _Progress(QObject):
    moved = Signal(int, int)
    """Rows checked so far, of how many (from the import's worker)."""


class InventoryPage(FormPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard, "setup_inventory.ui", "Your stock",
                         "Step 7 of 8, optional: import items from a CSV file, or leave it empty to skip.")
        f = self.form
        for button in (f.choose_button, f.import_button, f.valid_only_button, f.cancel_button):
            button.setAutoDefault(False)
        f.choose_button.clicked.connect(self.choose)
        f.import_button.clicked.connect(lambda: self.start_import(skip_invalid=False))
        f.valid_only_button.clicked.connect(lambda: self.start_import(skip_invalid=True))
        f.cancel_button.clicked.connect(self.cancel_import)
        QShortcut(QKeySequence("Ctrl+I"), self, lambda: self.start_import(skip_invalid=False),
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        f.file_edit.textChanged.connect(self._file_changed)
        self.progress = _Progress(self)
        self.progress.moved.connect(self._moved)
        self.token: CancelToken | None = None
        self.report: ImportReport | None = None
        self.imported: str | None = None  # the file last imported, so Next does not import it twice
        self._file_changed("")

    def focus_field(self) -> QWidget:
        return self.form.file_edit  # type: ignore[no-any-return]

    def _file_changed(self, _text: str) -> None:
        f = self.form
        f.valid_only_button.setVisible(False)
        f.cancel_button.setVisible(False)
        f.progress_bar.setVisible(False)

    def choose(self) -> None:
        from pos_app.gui import dialogs

        path = dialogs.ask_open_path(self, "Import items", "CSV files (*.csv)")
        if path is not None:
            self.form.file_edit.setText(str(path))

    def check(self) -> None:
        text = self.form.file_edit.text().strip()
        if not text:
            self.wiz.skipped.add("inventory")
            return
        if self.imported != text:
            self.start_import(skip_invalid=False)
            raise Stay()
        self.wiz.skipped.discard("inventory")

    def start_import(self, *, skip_invalid: bool) -> None:
        """Import the file on the database worker: every row checked first; a progress bar, and Cancel."""
        from pos_app.services import item_files

        f = self.form
        text = f.file_edit.text().strip()
        if self.busy:
            return
        if not text:
            mark_problem(f.message_label, "Item file: choose the CSV file first (Alt+H), or press Next to skip.")
            f.file_edit.setFocus()
            return
        path = Path(text).expanduser()
        rejects = path.with_name(path.stem + ".rejected.csv")
        actor, progress, token = self.wiz.acting(), self.progress, CancelToken()
        files = self.wiz.context.devices.files
        self.token = token
        f.report_edit.clear()
        f.progress_bar.setRange(0, 0)
        f.progress_bar.setVisible(True)
        f.valid_only_button.setVisible(False)
        f.cancel_button.setVisible(True)

        def work(store: Store) -> ImportReport:
            try:
                with path.open("rb") as stream:
                    total = max(sum(1 for _ in stream) - 1, 1)
            except OSError:
                total = 1
            progress.moved.emit(0, total)
            return item_files.import_items(path, uow=store.uow(), files=files, actor=actor,
                                           skip_invalid=skip_invalid, rejects_path=rejects if skip_invalid else None,
                                           progress=lambda n: progress.moved.emit(n, total),
                                           cancelled=token.cancelled)

        self.run(work, lambda report: self._imported(text, report), note=f"Importing {path.name}…")

    def cancel_import(self) -> None:
        if self.token is not None:
            self.token.cancel()

    def _moved(self, done: int, total: int) -> None:
        bar = self.form.progress_bar
        bar.setRange(0, total)
        bar.setValue(min(done, total))

    def _imported(self, text: str, report: ImportReport) -> None:
        f = self.form
        self.report, self.imported = report, text
        f.cancel_button.setVisible(False)
        f.progress_bar.setRange(0, 1)
        f.progress_bar.setValue(1)
        lines = [f"{report.rows} rows read: {report.created} new items, {report.updated} updated, "
                 f"{report.unchanged} unchanged."]
        if report.problems:
            lines.append(f"{report.rejected} row(s) left out, written with their problems to {report.rejects_file}:")
            lines += [f"  {p}" for p in report.problems]
        f.report_edit.setPlainText("\n".join(lines))
        mark_info(f.message_label, f"Imported: {report.created} new items. Press Next to go on.")
        self.wiz.context.changed.emit("items")

    def failed(self, exc: BaseException) -> None:
        from pos_app.services.item_files import ImportRejected

        f = self.form
        f.cancel_button.setVisible(False)
        f.progress_bar.setVisible(False)
        if isinstance(exc, ImportRejected):
            report = exc.report
            valid = report.rows - report.rejected
            f.report_edit.setPlainText("\n".join(
                [f"{report.rows} rows read; {report.rejected} have a problem, so nothing was imported:"]
                + [f"  {str(p)[0].upper()}{str(p)[1:]}" for p in report.problems]))
            mark_problem(f.message_label, f"Nothing was imported: {report.rejected} of {report.rows} rows have a "
                                          "problem (listed below). Fix the file and import again"
                         + (f", or import the {valid} valid rows only (Alt+V)." if valid else "."))
            f.valid_only_button.setVisible(bool(valid))
            return
        super().failed(exc)


class ShiftPage(FormPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard, "setup_shift.ui", "The first shift", "Step 8 of 8: the cash drawer's float.")
        self.open_already = False

    def nextId(self) -> int:
        return -1  # the last page of a new store's setup (the first-run wizard's join pages are numbered after it)

    def initializePage(self) -> None:
        super().initializePage()
        store = self.wiz.context.store
        self.open_already = store.sales.open_shift(store.terminal) is not None
        self.form.float_edit.setEnabled(not self.open_already)
        if self.open_already:
            mark_info(self.form.message_label, "A shift is already open on this counter: Finish ends the setup.")
        self.form.float_edit.selectAll()

    def focus_field(self) -> QWidget:
        return self.form.float_edit  # type: ignore[no-any-return]

    def check(self) -> PageWork:
        from pos_app.domain.money import parse_money
        from pos_app.services import cash, setup

        wizard = self.wiz
        context, actor, skipped = wizard.context, wizard.acting(), set(wizard.skipped)
        float_ = None if self.open_already else parse_money(self.form.float_edit.text(), context.profile.currency,
                                                             field="float")

        def work(store: Store) -> None:
            if float_ is not None:
                cash.open_shift(float_, uow=store.uow(), actor=actor)
            setup.finish_setup(uow=store.uow(), actor=actor, skipped=sorted(skipped))

        return work

    def done(self, result: None) -> None:
        self.wiz.context.changed.emit("shift")
        self.go_on()
