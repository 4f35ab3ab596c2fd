"""The first-run wizard's way into a sync group: this computer becomes a new counter of a store group.

Three pages (the wizard, `gui/first_run.py`, puts them after the store page's "Join a store group"):

- `JoinPage`: central's address and the one-time token the owner made (`pos-app central add-counter`).
  Next asks central what the token joins (`sync_group.preview_join`, on a network worker), which writes
  nothing here or at central; a refusal is shown under the field it concerns (the address, or the token),
  in the command line's own words, and the page stays.
- `JoiningPage` (a commit page): what is about to be joined (store, counter code, central), then Join runs
  `sync_group.join_group` on a network worker, with a progress bar fed by its `progress=` callback and
  a Cancel (Esc, Alt+C) that stops it at its next step; join_group removes everything it made (store file,
  key, login), so a cancelled or refused join leaves no half-made store and the page can try again.
  A new store's first counter (central holds nothing of it) joins with the profile and owner of the
  wizard's own store, tax and owner pages, shown between these two (`set_up=`).
- `JoinedPage`: the result; Finish opens the joined store at its sign-in screen, everyone signed out
  (its staff came from central and sign in with their own PINs).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget, QWizard, QWizardPage

from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.gui.base import mark_info, mark_problem
from pos_app.gui.ops import Cancelled, CancelToken
from pos_app.gui.setup_pages import FormPage, SetupWizard

if TYPE_CHECKING:
    from pos_app.app import Facet
    from pos_app.services.ports.settings import StoreProfile
    from pos_app.services.setup import OwnerAccount
    from pos_app.sync_group import Joined, JoinPreview

# The first-run wizard's ids of the join pages: after the shift page's (first_run.SHIFT), the last of a new store.
JOIN, JOIN_STORE, JOIN_TAX, JOIN_OWNER, JOINING, JOINED = range(8, 14)


class JoinWizard(SetupWizard, Protocol):
    """What the join pages need of the first-run wizard (`first_run.FirstRunWizard`, which imports this module)."""

    data_dir: Path | None
    joining: bool
    join_preview: JoinPreview | None

    def page(self, which: int) -> QWizardPage: ...
    def join_values(self) -> tuple[str, str]: ...
    def join_set_up(self) -> Callable[[Any, dict[str, Any]], None] | None: ...
    def joined(self, facet: Facet) -> None: ...


def problem_field(exc: UserFacingError) -> str:
    """Which field a refusal of the join is about: "token" (missing, damaged, used, expired, refused login)
    or "central" (the address, the port, the database, the certificate, central's schema)."""
    if isinstance(exc, ValidationError):
        return "token" if exc.field == "token" else "central"
    return "token" if "token" in str(exc) else "central"


class JoinPage(FormPage):
    """Central's address and the token; Next asks central what they join, writing nothing."""

    wiz: JoinWizard

    def __init__(self, wizard: JoinWizard) -> None:
        super().__init__(wizard, "setup_join.ui", "Join a store group",
                         "A new counter of a group: central's address and the owner's one-time token.")
        self.setButtonText(QWizard.WizardButton.NextButton, "&Next: check the token  >")

    def focus_field(self) -> QWidget:
        f = self.form
        return f.token_edit if f.central_edit.text().strip() else f.central_edit  # type: ignore[no-any-return]

    def initializePage(self) -> None:
        self._clear_problems()
        super().initializePage()

    def cleanupPage(self) -> None:
        """Back to the store page: a new store is set up there again, unless Join is chosen again."""
        self.wiz.joining = False
        self.wiz.join_preview = None
        super().cleanupPage()

    def nextId(self) -> int:
        preview = self.wiz.join_preview
        return JOIN_STORE if preview is not None and preview.new_store else JOINING

    def values(self) -> tuple[str, str]:
        return self.form.central_edit.text().strip(), self.form.token_edit.text().strip()

    def check(self) -> Callable[[], JoinPreview]:
        from pos_app.sync_group import preview_join

        url, token = self.values()
        if not url:
            raise ValidationError("central", "is empty: type the address the owner gave you "
                                             "(postgresql://HOST/DATABASE?sslmode=verify-full&sslrootcert=...)")
        if not token:
            raise ValidationError("token", "is missing: paste the token the owner's pos-app central add-counter "
                                           "printed")
        self.wiz.join_preview = None
        data_dir = self.wiz.data_dir
        return lambda: preview_join(url, token, data_dir)

    def run(self, work: Callable[..., Any], on_done: Callable[[Any], object], *, lane: str = "db",
            note: str = "Working…") -> None:
        super().run(work, on_done, lane="io", note="Asking central what this token joins…")

    def done(self, result: JoinPreview) -> None:
        self.wiz.join_preview = result
        self.go_on()

    def _edited(self, _text: str) -> None:
        self._clear_problems()
        super()._edited(_text)

    def _clear_problems(self) -> None:
        for label in (self.form.central_problem_label, self.form.token_problem_label):
            mark_info(label, "")
            label.setVisible(False)  # no gap between the fields while there is nothing to say

    def show_problem(self, exc: UserFacingError) -> None:
        """Under the field it is about, in the words the command line uses; that field gets the keyboard."""
        self._clear_problems()
        mark_info(self.form.message_label, "")
        field = problem_field(exc)
        f = self.form
        edit, label = (f.token_edit, f.token_problem_label) if field == "token" else \
            (f.central_edit, f.central_problem_label)
        label.setVisible(True)
        mark_problem(label, str(exc))
        edit.setFocus()
        edit.selectAll()


class _Progress(QObject):
    moved = Signal(int, int)
    """Rows of central's snapshot written so far, of how many (from the join's worker)."""


class JoiningPage(FormPage):
    """What the token joins; Join (the commit button) runs the join with a progress bar and a Cancel."""

    wiz: JoinWizard

    def __init__(self, wizard: JoinWizard) -> None:
        super().__init__(wizard, "setup_joining.ui", "Join the group",
                         "Check the store and counter; Join copies the store here from central.")
        self.setCommitPage(True)  # a store joined is joined: no way back past it
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Join the group  >")
        f = self.form
        f.cancel_button.setAutoDefault(False)
        f.cancel_button.clicked.connect(self.cancel)
        self.progress = _Progress(self)
        self.progress.moved.connect(self._moved)
        self.token: CancelToken | None = None
        self.joined: Joined | None = None
        self._show_running(False)

    def initializePage(self) -> None:
        preview = self.wiz.join_preview
        assert preview is not None, "the join page asked central first"
        f = self.form
        f.store_value.setText(f"{preview.store_name} ({preview.store_code})")
        f.counter_value.setText(f"{preview.terminal}: its sale numbers start {preview.terminal}-" + (
            " (this computer's join begun earlier, taken up where it stopped)" if preview.resumed else ""))
        f.central_value.setText(preview.central)
        f.data_value.setText(
            "None yet: this is the store's first counter. It starts with the profile and owner you gave."
            if preview.new_store else
            "Copied from central: the store's items, customers, sales and staff (the group's items too).")
        self._show_running(False)
        super().initializePage()
        focus_button(self.wiz, QWizard.WizardButton.CommitButton)

    def _show_running(self, running: bool) -> None:
        f = self.form
        f.progress_bar.setVisible(running)
        f.cancel_button.setVisible(running)
        if running:
            f.progress_bar.setRange(0, 0)  # connecting and enrolling: no count yet

    def check(self) -> Callable[[], tuple[Joined, Facet]]:
        from pos_app import app
        from pos_app.sync_group import join_group

        wizard = self.wiz
        data_dir: Path | None = wizard.data_dir
        assert data_dir is not None, "only a fresh wizard joins"
        url, token_text = wizard.join_values()
        set_up = wizard.join_set_up()
        progress, token = self.progress, CancelToken()
        self.token = token

        def moved(done: int, total: int) -> None:
            if token.cancelled():  # join_group removes what it made, then this goes on to the page
                raise Cancelled("The join was cancelled: nothing of the store was kept on this computer.")
            progress.moved.emit(done, total)

        def work() -> tuple[Joined, Facet]:
            joined = join_group(data_dir, url, token_text, progress=moved, set_up=set_up)
            return joined, app.open_facet(data_dir)

        self._show_running(True)
        return work

    def run(self, work: Callable[..., Any], on_done: Callable[[Any], object], *, lane: str = "db",
            note: str = "Working…") -> None:
        super().run(work, on_done, lane="io", note="Joining: enrolling this counter with central…")
        self.form.cancel_button.setFocus()  # Join is disabled while it runs: the keyboard goes to Cancel

    def _moved(self, done: int, total: int) -> None:
        bar = self.form.progress_bar
        bar.setRange(0, max(total, 1))
        bar.setValue(min(done, total))
        if self.busy and not (self.token is not None and self.token.cancelled()):
            mark_info(self.form.message_label, f"Copying the store from central: {done:,} of {total:,} rows…")

    def cancel(self) -> None:
        """Esc or Alt+C while the join runs: it stops at its next step and keeps nothing."""
        if self.busy and self.token is not None and not self.token.cancelled():
            self.token.cancel()
            mark_info(self.form.message_label, "Cancelling: removing what the join made…")

    def done(self, result: tuple[Joined, Facet]) -> None:
        joined, facet = result
        bar = self.form.progress_bar
        bar.setValue(bar.maximum())  # done is whole (central counts rows of other stores this counter is not sent)
        self._show_running(False)
        self.joined = joined
        self.wiz.joined(facet)
        self.go_on()

    def failed(self, exc: BaseException) -> None:
        self._show_running(False)
        if not isinstance(exc, UserFacingError):
            super().failed(exc)
            return
        mark_problem(self.form.message_label, str(exc))
        self.wiz.button(QWizard.WizardButton.CommitButton).setFocus()
        if isinstance(exc, Cancelled):
            self._recheck_token(str(exc))

    def _recheck_token(self, said: str) -> None:
        """After a cancel: whether the token can be used again (central may already have taken it; then this
        folder's join, enrolled, is taken up again by the same token)."""
        from pos_app.sync_group import preview_join

        url, token = self.wiz.join_values()
        label = self.form.message_label
        data_dir = self.wiz.data_dir

        def check() -> object:
            return preview_join(url, token, data_dir)

        def usable(_preview: object) -> None:
            mark_problem(label, f"{said} The token still works: press Join (Alt+J) to try again.")

        def used(exc: BaseException) -> None:
            why = str(exc) if isinstance(exc, UserFacingError) else "central could not say"
            mark_problem(label, f"{said} The token cannot be used again ({why}). Go back (Alt+B) and paste a "
                                "new one.")

        self.wiz.runner.run(check, on_done=usable, on_error=used, parent=self, lane="io")


class JoinedPage(FormPage):
    """The join's result; Finish opens the joined store's sign-in screen."""

    wiz: JoinWizard

    def __init__(self, wizard: JoinWizard) -> None:
        super().__init__(wizard, "setup_joined.ui", "Joined", "This computer is a counter of the group now.")
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Finish: go to sign-in")

    def initializePage(self) -> None:
        joining = self.wiz.page(JOINING)
        assert isinstance(joining, JoiningPage) and joining.joined is not None, "reached only by a join"
        joined = joining.joined
        preview = self.wiz.join_preview
        who = ("The owner you gave signs in first (two-step sign-in, then this counter's printer, card payments "
               "and first shift)." if preview is not None and preview.new_store else
               "The store's staff came from central: each signs in here with their own PIN or password. This "
               "counter's receipt printer and card reader are set in Settings.")
        self.form.joined_label.setText(
            f"This computer is counter {joined.terminal} of {joined.store_name}, syncing with {joined.central} "
            f"({joined.rows:,} rows copied from central); its sale numbers read {joined.terminal}-000001 and "
            f"on.\n\n{who}")
        super().initializePage()
        focus_button(self.wiz, QWizard.WizardButton.FinishButton)


def focus_button(wizard: SetupWizard, which: QWizard.WizardButton) -> None:
    """The keyboard on the page's default button, once the wizard has shown it (after `initializePage`)."""
    QTimer.singleShot(0, wizard.button(which).setFocus)


def owner_set_up(profile: StoreProfile, owner: OwnerAccount) -> Callable[[Any, dict[str, Any]], None]:
    """join_group's `set_up=` for a new store's first counter: the profile and owner the wizard's pages gave,
    under the name the group knows the store by; guided, so the owner's first sign-in takes the rest of the
    setup up (two-step sign-in, printer, card payments, first shift) as for a store made here."""
    import dataclasses

    def set_up(facet: Any, answer: dict[str, Any]) -> None:
        from pos_app.services.setup import set_up_store

        set_up_store(dataclasses.replace(profile, name=str(answer["store_name"])), owner, uow=facet.uow(),
                     hasher=facet.hasher(), guided=True)

    return set_up
