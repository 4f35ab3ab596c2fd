"""First run: a wizard that sets up a real store, keyboard first, opens the demo store (Ctrl+D), or joins a
store group as a new counter (Alt+J or Ctrl+J: `gui/sync/join_page.py`).

Pages: the store, its sales tax, the owner; then two-step sign-in for the owner, the
receipt printer (with a test page), Stripe, an inventory CSV import, and the first shift.
Next is Enter or Alt+N, Back Alt+B, Esc quits; every page checks its fields with the
services' own checks and names the bad field, writing nothing.

Nothing is half-created, in two parts:
- the store, its tax and the owner are one unit of work (`app.create_facet`, as
  `pos-app init`), written when the owner's page is left: quitting before that
  leaves no file and no store;
- each page after it saves on its own (a service call of its own) and the printer,
  Stripe and the import may be skipped. The store is marked `setup.pending` until the
  last page opens the first shift: quitting midway leaves a store that works, and the
  owner's next sign-in brings the wizard back on the printer page (`resume_for`); a
  two-step enrolment left undone is asked for by the sign-in screen itself.

Work that takes a while (creating the store, printing, importing) runs on the op
runner's workers; the page waits, and Next goes on by itself when it is done.

Joining a group takes the join pages instead (numbered after the shift's, which stays the last of a
new store): central's address and token, then, for a new store's first counter only, the store, tax
and owner pages again (`JOIN_STORE`...: the same pages, written by the join, not here), then the join
itself. Nothing is written before the join runs, and a join cancelled or refused keeps nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QVBoxLayout, QWidget, QWizard, QWizardPage

from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.domain.permissions import Actor
from pos_app.gui.ops import OpRunner
from pos_app.gui.setup_pages import FormPage, InventoryPage, PaymentsPage, PrinterPage, ShiftPage, Stay
from pos_app.gui.sync.join_page import (
    JOIN,
    JOIN_OWNER,
    JOIN_STORE,
    JOIN_TAX,
    JOINED,
    JOINING,
    JoinedPage,
    JoiningPage,
    JoinPage,
    owner_set_up,
)
from pos_app.services.ports.settings import DirectoryReader
from pos_app.services.ports.store import OpenedStore

if TYPE_CHECKING:
    from pos_app.app import Facet
    from pos_app.gui.context import AppContext
    from pos_app.gui.two_step import EnrolPanel
    from pos_app.services.ports.settings import StoreProfile
    from pos_app.services.setup import OwnerAccount
    from pos_app.sync_group import JoinPreview

log = logging.getLogger(__name__)

COMMON_ZONES = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
    "America/Anchorage", "Pacific/Honolulu", "America/Toronto", "Europe/London", "Europe/Paris",
)
STORE, TAX, OWNER, TWO_STEP, PRINTER, PAYMENTS, INVENTORY, SHIFT = range(8)


class StorePage(FormPage):
    """The store's profile. `for_join`: a new store's first counter of a group, whose name the group gave."""

    wiz: FirstRunWizard

    def __init__(self, wizard: FirstRunWizard, *, for_join: bool = False) -> None:
        super().__init__(wizard, "setup_store.ui", "Your store",
                         "The new store's first counter, step 1 of 3: where the store is (its name is the "
                         "group's)." if for_join else "Step 1 of 8: the store's name and where it is.")
        self.for_join = for_join
        f = self.form
        from zoneinfo import available_timezones

        f.timezone_combo.addItems(COMMON_ZONES)
        f.timezone_combo.addItems(sorted(available_timezones() - set(COMMON_ZONES)))
        f.timezone_combo.setInsertPolicy(f.timezone_combo.InsertPolicy.NoInsert)
        for button, action in ((f.demo_button, wizard.create_demo), (f.join_button, wizard.start_join)):
            button.setAutoDefault(False)
            button.setVisible(not for_join)
            button.clicked.connect(action)
        if for_join:  # the group's name for the store: shown, not typed (nor tabbed to)
            f.name_edit.setReadOnly(True)
            f.name_edit.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            f.intro_label.setText("The group knows this store by this name. Everything is kept encrypted on this "
                                  "computer; nothing is written until the join.")

    def initializePage(self) -> None:
        preview = self.wiz.join_preview
        if self.for_join and preview is not None:
            self.form.name_edit.setText(preview.store_name)
        super().initializePage()

    def nextId(self) -> int:
        if not self.for_join and self.wiz.joining:
            return JOIN
        return super().nextId()

    def focus_field(self) -> QWidget:
        f = self.form
        return f.address_edit if self.for_join else f.name_edit  # type: ignore[no-any-return]

    def values(self) -> dict[str, str]:
        f = self.form
        return {"name": f.name_edit.text(), "address": f.address_edit.toPlainText(), "phone": f.phone_edit.text(),
                "email": f.email_edit.text(), "timezone": f.timezone_combo.currentText(),
                "currency": f.currency_edit.text(), "privacy_contact": f.privacy_contact_edit.text()}

    def check(self) -> None:
        from pos_app.services.setup import parse_store_profile

        parse_store_profile(self.values())


class TaxPage(FormPage):
    def __init__(self, wizard: FirstRunWizard, *, for_join: bool = False) -> None:
        step = "The new store's first counter, step 2 of 3" if for_join else "Step 2 of 8"
        super().__init__(wizard, "setup_tax.ui", "Sales tax", f"{step}: the tax on each sale, and the "
                                                              "receipt's last line.")
        self.form.tax_rate_edit.textChanged.connect(self._example)
        self._example("")

    def focus_field(self) -> QWidget:
        return self.form.tax_rate_edit  # type: ignore[no-any-return]

    def _example(self, _text: str) -> None:
        """What the rate means on a sale, as the person types it."""
        from decimal import Decimal

        from pos_app.domain import store as store_rules

        try:
            rate = Decimal(store_rules.check_tax_rate(self.form.tax_rate_edit.text() or "0"))
        except ValidationError:
            self.form.example_label.setText("")
            return
        tax = (Decimal(1000) * rate / 100).quantize(Decimal("0.01"))
        self.form.example_label.setText(f"A 1,000.00 necklace: {tax:,} tax, {Decimal(1000) + tax:,} in all.")

    def values(self) -> dict[str, str]:
        f = self.form
        return {"tax_rate": f.tax_rate_edit.text() or "0", "receipt_footer": f.receipt_footer_edit.text()}

    def check(self) -> None:
        from pos_app.domain import store as store_rules

        store_rules.check_tax_rate(self.values()["tax_rate"])


class OwnerPage(FormPage):
    """The owner's account; Next creates the store and the owner in one unit of work. `for_join`: Next only
    checks them; the join writes them (a new store's first counter of a group)."""

    wiz: FirstRunWizard  # the whole wizard: this page creates the store (the later pages see a SetupWizard)

    def __init__(self, wizard: FirstRunWizard, *, for_join: bool = False) -> None:
        super().__init__(wizard, "setup_owner.ui", "The owner",
                         "The new store's first counter, step 3 of 3: who owns the store. Nothing is written "
                         "before the join." if for_join else "Step 3 of 8: who owns the store. Next creates "
                                                             "the store.")
        self.for_join = for_join
        if not for_join:
            self.setCommitPage(True)  # no way back once the store exists
            self.setButtonText(QWizard.WizardButton.CommitButton, "&Next: create the store >")

    def focus_field(self) -> QWidget:
        return self.form.owner_name_edit  # type: ignore[no-any-return]

    def check(self) -> Callable[[], Facet] | None:
        from pos_app.services.setup import OwnerAccount, check_owner, parse_store_profile

        wizard = self.wiz
        pages = (wizard.page(JOIN_STORE), wizard.page(JOIN_TAX)) if self.for_join else \
            (wizard.page(STORE), wizard.page(TAX))
        for page in pages:  # checked again here: nothing is written unless every page passes
            try:
                page.check()  # type: ignore[attr-defined]
            except UserFacingError as exc:
                wizard.back_to(page, exc)
                raise Stay(str(exc)) from None
        profile = parse_store_profile({**pages[0].values(), **pages[1].values()})  # type: ignore[attr-defined]
        f = self.form
        owner = check_owner(OwnerAccount(f.owner_name_edit.text(), f.owner_password_edit.text(),
                                         f.owner_pin_edit.text()))
        if f.owner_password_edit.text() != f.owner_password2_edit.text():
            raise ValidationError("owner_password2", "the two passwords differ")
        if self.for_join:
            wizard.new_store = (profile, owner)
            return None
        return lambda: wizard.create_store(profile, owner)

    def run(self, work: Callable[..., Any], on_done: Callable[[Any], object], *, lane: str = "db",
            note: str = "Creating your store…") -> None:
        super().run(work, on_done, lane=lane, note=note)

    def done(self, facet: Facet) -> None:
        self.wiz.store_created(facet)
        for name in ("owner_password_edit", "owner_password2_edit", "owner_pin_edit"):
            getattr(self.form, name).clear()  # secrets leave the screen once they are hashed
        self.go_on()


class TwoStepPage(QWizardPage):
    """The owner's two-step sign-in, required for the role: the sign-in screen's own enrolment panel."""

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self.setTitle("Two-step sign-in")
        self.setSubTitle("Step 4 of 8: the owner signs in with a code from a phone as well as the password.")
        self.wiz = wizard
        self.panel: EnrolPanel | None = None
        self.enrolled = False
        self.setCommitPage(True)  # enrolled is enrolled: no way back to it
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Next  >")
        QVBoxLayout(self).setContentsMargins(0, 0, 0, 0)

    def initializePage(self) -> None:
        from pos_app.gui.two_step import EnrolPanel

        wizard = self.wiz
        panel = self.panel
        if panel is None:
            panel = self.panel = EnrolPanel(wizard.context, self)
            layout = self.layout()
            assert layout is not None, "made in __init__"
            layout.addWidget(panel)
            panel.setup_finished.connect(self._finished)
            panel.cancel_requested.connect(wizard.reject)
        panel.begin(wizard.acting(), required=True)
        panel.form.cancel_button.setVisible(False)  # the wizard's own Quit (Esc) is there
        qr = panel.form.qr_label
        qr.setMinimumSize(qr.pixmap().size())  # whole, or a phone cannot read it: the window grows instead

    def isComplete(self) -> bool:
        return self.enrolled

    def _finished(self) -> None:
        self.enrolled = True
        self.completeChanged.emit()
        self.wiz.next()


class FirstRunWizard(QWizard):
    """The first-run setup. Fresh (`data_dir`): from the store's name to its first shift. Resumed
    (`context` with the owner signed in): the pages after the owner's, for a store whose setup was left
    midway. On accept `facet` is the store (fresh) and the first shift is open."""

    def __init__(self, data_dir: Path | None = None, *, context: AppContext | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Facet — set up your store")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setButtonText(QWizard.WizardButton.NextButton, "&Next  >")
        self.setButtonText(QWizard.WizardButton.BackButton, "<  &Back")
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Finish: open the shift")
        self.setButtonText(QWizard.WizardButton.CancelButton, "Quit  (Esc)")
        self.data_dir = data_dir
        self._context = context
        self.actor: Actor | None = context.actor if context is not None else None
        # Fresh: the wizard's own runner, whose jobs get a store handle once the store is made.
        self.runner: OpRunner = context.runner if context is not None else OpRunner(self, open_store=self._open_store)
        self.facet: Facet | None = None
        self.busy = False
        self.skipped: set[str] = set()
        self._own_context = context is None
        # Joining a group instead (fresh only): what central said the token joins, and a new store's profile
        # and owner (its first counter's), both written by the join only.
        self.joining = False
        self.join_preview: JoinPreview | None = None
        self.new_store: tuple[StoreProfile, OwnerAccount] | None = None
        if context is None:
            self.setPage(STORE, StorePage(self))
            self.setPage(TAX, TaxPage(self))
            self.setPage(OWNER, OwnerPage(self))
            self.setPage(TWO_STEP, TwoStepPage(self))
            self.demo_shortcut = QShortcut(QKeySequence("Ctrl+D"), self, self.create_demo)
            self.join_shortcut = QShortcut(QKeySequence("Ctrl+J"), self, self.start_join)
        self.setPage(PRINTER, PrinterPage(self))
        self.setPage(PAYMENTS, PaymentsPage(self))
        self.setPage(INVENTORY, InventoryPage(self))
        self.setPage(SHIFT, ShiftPage(self))
        if context is None:
            self.setPage(JOIN, JoinPage(self))
            self.setPage(JOIN_STORE, StorePage(self, for_join=True))
            self.setPage(JOIN_TAX, TaxPage(self, for_join=True))
            self.setPage(JOIN_OWNER, OwnerPage(self, for_join=True))
            self.setPage(JOINING, JoiningPage(self))
            self.setPage(JOINED, JoinedPage(self))
        self.setStartId(STORE if context is None else PRINTER)
        self.resize(1000, 760)

    @property
    def context(self) -> AppContext:
        """The store as the pages after the owner's see it (the one made here, or the one signed in to)."""
        if self._context is None:
            raise RuntimeError("the store has not been made yet")
        return self._context

    def _open_store(self) -> OpenedStore:
        """A job's own store handle (on the runner's worker): only once the store is made."""
        facet = self.facet
        if facet is None:
            raise RuntimeError("the store has not been made yet")
        return facet.open_store()

    @classmethod
    def ask(cls, data_dir: Path) -> Facet | None:
        """Run the wizard on a folder with no store; the created Facet (its first shift open), or None if the
        person quit (the store, if it was created by then, is closed and comes back at the next start)."""
        wizard = cls(data_dir)
        wizard.show()
        loop = QEventLoop()
        wizard.finished.connect(loop.quit)
        loop.exec()
        return wizard.outcome()

    @classmethod
    def resume_for(cls, context: AppContext, parent: QWidget) -> FirstRunWizard:
        """Take a setup left midway up again, for the owner just signed in (non-blocking)."""
        wizard = cls(context=context, parent=parent)
        wizard.setWindowModality(Qt.WindowModality.WindowModal)
        wizard.open()
        return wizard

    def outcome(self) -> Facet | None:
        """After `ask`: the store if the setup was finished; else None (a store made, then quit, is closed)."""
        self.runner.wait()
        if self._own_context and self._context is not None:
            self._context.close()
            self._own_context = False
        if self.facet is not None and self.result() != QWizard.DialogCode.Accepted:
            self.facet.close()
            self.facet = None
        return self.facet

    # -- the store --------------------------------------------------------------------------------------
    def create_store(self, profile: StoreProfile, owner: OwnerAccount) -> Facet:
        """On the database worker: the store and its owner, in one go (as `pos-app init`)."""
        from pos_app import app

        assert self.data_dir is not None, "only a fresh wizard creates a store"
        return app.create_facet(self.data_dir, profile, owner, guided=True)

    def store_created(self, facet: Facet) -> None:
        """On the GUI thread: the owner acts from here on in this wizard, as just signed in."""
        from pos_app import app
        from pos_app.gui.context import AppContext

        self.facet = facet
        self._context = AppContext(facet, self.runner)
        self.actor = app.owner_actor(facet)
        self.context.set_actor(self.actor)
        self.demo_shortcut.setEnabled(False)
        self.join_shortcut.setEnabled(False)

    def create_demo(self) -> None:
        """Ctrl+D: the Jane Ellen demo store instead, before anything of a real store is written."""
        from pos_app import app

        if self.facet is not None or self.busy or self.joining:  # only while nothing of a real store is written
            return
        page = self.currentPage()
        data_dir = self.data_dir
        assert data_dir is not None, "Ctrl+D is only on a fresh wizard's first page"

        def done(facet: Facet) -> None:
            self.facet = facet
            _accept_without_checks(self)

        assert isinstance(page, FormPage), "Ctrl+D is only on the first page"
        page.run(lambda: app.create_demo_facet(data_dir), done, note="Creating the Jane Ellen demo store…")

    # -- joining a group instead ---------------------------------------------------------------------
    def start_join(self) -> None:
        """Alt+J or Ctrl+J on the store page: the join pages instead of a new store (nothing written yet)."""
        if self.facet is not None or self.busy or self.currentId() != STORE:
            return
        page = self.currentPage()
        assert isinstance(page, StorePage), "the first page"
        self.joining = True
        self.setWindowTitle("Facet — join a store group")
        page.go_on()

    def join_values(self) -> tuple[str, str]:
        """Central's address and the token, as the join page holds them."""
        page = self.page(JOIN)
        assert isinstance(page, JoinPage), "a fresh wizard's join page"
        return page.values()

    def join_set_up(self) -> Callable[[Any, dict[str, Any]], None] | None:
        """join_group's `set_up=`: the new store's profile and owner for its first counter; else None."""
        preview = self.join_preview
        if preview is None or not preview.new_store or self.new_store is None:
            return None
        return owner_set_up(*self.new_store)

    def joined(self, facet: Facet) -> None:
        """On the GUI thread: the joined store, opened; Finish hands it to the app (at its sign-in)."""
        self.facet = facet
        self.new_store = None  # the owner's secrets are hashed in the store now

    def acting(self) -> Actor:
        """The owner, who acts on every page after the store is made (just made, or signed in to resume)."""
        if self.actor is None:
            raise RuntimeError("the store has not been made yet")
        return self.actor

    def directory(self) -> DirectoryReader:
        """The store's settings, read on the GUI thread's store handle."""
        return self.context.store.directory

    def store_name(self) -> str:
        return str(self.context.profile.name)

    def has_stripe_key(self) -> bool:
        return bool(self.context.devices.payment_keys().stripe_key())

    def back_to(self, page: QWizardPage, exc: UserFacingError) -> None:
        """A page before this one no longer passes (it cannot, today, but a check may tighten): go back to it."""
        while self.currentPage() is not page and self.currentId() != self.startId():
            self.back()
        show = getattr(page, "show_problem", None)
        if callable(show):
            show(exc)

    def reject(self) -> None:
        """Esc or Quit: refused while work runs (a store half-way through being created is not left); while a
        join runs, Esc cancels it (it keeps nothing) and the wizard stays."""
        if self.busy:
            cancel = getattr(self.currentPage(), "cancel", None)
            if self.currentId() == JOINING and callable(cancel):
                cancel()
            return
        super().reject()


def _accept_without_checks(wizard: FirstRunWizard) -> None:
    """Close as accepted without the current page's checks (the demo store replaces the setup)."""
    from PySide6.QtWidgets import QDialog

    QDialog.done(wizard, QDialog.DialogCode.Accepted)
