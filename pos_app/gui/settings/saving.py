"""Saving the settings screen's pages, and its other actions that change something (the printer's test page,
the Stripe key, the card reader's pairing, the keyring warning's acknowledgement).

Every field goes through the same service as the command line: the store
profile through `store_profile.change_store_profile` (the first run's
checks), every other setting through `settings.change_settings` (its
SETTINGS specs and CROSS_CHECKS) or, for a manager, the printer's own
`change_printer_settings`. A page saves the fields that changed as one
change (Ctrl+S): a bad value shows a message naming the field, takes the
field's focus, and nothing is saved. Each saved change is an audit event
(the service records it). Who may change what follows the permission
matrix (`pages.may_edit`).

Threads: each action runs on the op runner's workers, one at a time; the
refusal or the result comes back on the GUI thread, on the page it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from PySide6.QtWidgets import QLabel, QWidget

from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.domain.permissions import Actor, Permission
from pos_app.gui.base import mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.gui.sell.printer_settings import save_settings, send_test_page
from pos_app.gui.settings.pages import PAGES, PROFILE, field_text, mark_invalid, may_edit
from pos_app.services import settings as store_settings
from pos_app.services.ports.devices import RegisteredReader
from pos_app.services.ports.store import Store

T = TypeVar("T")


class SettingsScreen(Protocol):
    """What the saving needs of the settings screen (`view.SettingsView`), so this module never imports the
    view that holds it (`tests/unit/test_import_cycles.py`)."""

    context: AppContext
    actor: Actor
    form: Form
    loaded_texts: dict[str, str]  # each field's text as last read: a save sends only what differs
    logo_kept: str  # the saved logo, base64
    remove_logo_pending: bool

    def current_page(self) -> str: ...

    def load(self, then: Callable[[], None] | None = None) -> None:
        """Read the pages again on a worker, then call `then` on the GUI thread."""

    def message_label(self, page: str) -> QLabel: ...

    def window(self) -> QWidget: ...


class PageSaving:
    """The settings screen's actions that change something, for the page showing (`view.current_page()`).

    Held by the screen it acts for (its keys and buttons call these), which is also `parent`, the widget
    the work and its messages belong to; reads the screen's form and its texts as last read, and reloads
    the screen after each change.
    """

    def __init__(self, view: SettingsScreen, parent: QWidget) -> None:
        self.view = view
        self.parent = parent
        self._busy = False

    def changed_texts(self, page: str) -> dict[str, str]:
        """The fields of `page` this person may change whose text differs from what was read."""
        f, texts = self.view.form, {}
        for field in PAGES[page]:
            if not may_edit(self.view.actor, page, field.key):
                continue
            text = field_text(getattr(f, field.widget))
            if field.key == "receipt.logo":
                if text.strip():
                    texts[field.key] = text
                elif self.view.remove_logo_pending and self.view.logo_kept:
                    texts[field.key] = ""
            elif text != self.view.loaded_texts.get(field.key):
                texts[field.key] = text
        return texts

    def _caption(self, page: str, key: str) -> tuple[str, QWidget | None]:
        if key == "Stripe key":  # payment_setup's field: the key goes to the keyring, not to a setting
            return "Stripe secret key", self.view.form.payments_key_edit
        if key == "registration code":
            return "Registration code", self.view.form.payments_code_edit
        for field in PAGES.get(page, ()):
            if key == field.key:
                return field.caption, getattr(self.view.form, field.widget)
            if key.startswith(field.key + "."):  # one part of a setting: security.argon2.memory_cost
                return f"{field.caption} ({key[len(field.key) + 1:]})", getattr(self.view.form, field.widget)
            if key.startswith(field.key + " ("):  # one item of a setting: reports.commission_rules (rule 2)
                return f"{field.caption} {key[len(field.key) + 1:]}", getattr(self.view.form, field.widget)
        return key, None

    def _refused(self, page: str, exc: BaseException) -> None:
        """A refusal on the page: the field named and given the keyboard; nothing was saved."""
        from pos_app.gui.ops import show_error

        self._busy = False
        if isinstance(exc, ValidationError):
            caption, widget = self._caption(page, exc.field)
            mark_problem(self.view.message_label(page), f"{caption}: {exc.problem}. Nothing was saved.")
            if widget is not None:
                mark_invalid(widget, True)
                self.view.window().activateWindow()  # a completer's popup may have held it
                widget.setFocus()
            return
        if isinstance(exc, UserFacingError):
            mark_problem(self.view.message_label(page), str(exc))
            return
        show_error(self.parent, exc)

    def _run(self, page: str, work: Callable[[Store], T], done: Callable[[T], object], lane: str = "db") -> None:
        """Run `work(store)` on a worker, one at a time; a refusal comes back on `page`."""
        if self._busy:
            return
        self._busy = True

        def finished(result: T) -> None:
            self._busy = False
            done(result)

        self.view.context.runner.run(work, on_done=finished, on_error=lambda exc: self._refused(page, exc),
                                     parent=self.parent, lane=lane)

    def save(self) -> None:
        """Ctrl+S: save the current page's changed fields as one change."""
        view = self.view
        page = view.current_page()
        if page not in PAGES or not view.loaded_texts:  # the permissions and sync group pages save nothing
            return
        for field in PAGES[page]:
            mark_invalid(getattr(view.form, field.widget), False)
        texts = self.changed_texts(page)
        if not texts:
            mark_info(view.message_label(page), "Nothing changed on this page.")
            return
        context, actor = view.context, view.actor
        if page == PROFILE:
            from pos_app.services.store_profile import change_store_profile

            def work(store: Store) -> object:
                return change_store_profile(texts, uow=store.uow(), actor=actor)
        else:
            def work(store: Store) -> object:
                return save_settings(store, actor, texts)

        captions = [self._caption(page, key)[0] for key in texts]

        def done(_result: object) -> None:
            if page == PROFILE:
                context.store_changed()
            context.changed.emit("settings")
            view.load(then=lambda: mark_info(view.message_label(page), f"Saved: {', '.join(captions)}."))

        self._run(page, work, done)

    def test_page(self) -> None:
        """Ctrl+T on Receipts: save the printer's changed fields, then print the test page on it."""
        view = self.view
        if view.current_page() != "receipt" or not view.actor.can(Permission.MANAGE_PRINTER):
            return
        context, actor = view.context, view.actor
        texts = {k: v for k, v in self.changed_texts("receipt").items() if k in store_settings.PRINTER_KEYS}
        mark_info(view.message_label("receipt"), "Sending the test page…")

        devices, name = context.devices, context.profile.name

        def work(store: Store) -> str:
            save_settings(store, actor, texts)
            return send_test_page(store, devices, name)

        def done(message: str) -> None:
            context.changed.emit("settings")
            view.load(then=lambda: mark_info(view.message_label("receipt"), message))

        self._run("receipt", work, done, lane="io")

    def keep_stripe_key(self) -> None:
        """Ctrl+K on Payments: check the key and keep it in the keyring (never in the store); audited."""
        view = self.view
        if view.current_page() != "payments" or not view.actor.can(Permission.MANAGE_SETTINGS):
            return
        from pos_app.services.payment_setup import set_stripe_key

        f, context, actor = view.form, view.context, view.actor
        key = f.payments_key_edit.text()
        mark_invalid(f.payments_key_edit, False)

        keys = context.devices.payment_keys()

        def work(store: Store) -> bool:
            return set_stripe_key(key, keys=keys, uow=store.uow(), actor=actor)

        def done(test_mode: bool) -> None:
            f.payments_key_edit.clear()
            context.changed.emit("settings")
            mode = "TEST mode: cards are not charged" if test_mode else "live: cards are charged"
            view.load(then=lambda: mark_info(view.message_label("payments"),
                                             f"The Stripe key is kept in the keyring ({mode})."))

        self._run("payments", work, done)

    def register_reader(self) -> None:
        """Ctrl+R on Payments: pair the reader showing the code with the store's Stripe account (network, on a
        worker); it becomes this counter's reader. Audited; a refused code changes nothing."""
        view = self.view
        if view.current_page() != "payments" or not view.actor.can(Permission.MANAGE_SETTINGS):
            return
        from pos_app.services.payment_setup import register_reader

        f, context, actor = view.form, view.context, view.actor
        code = f.payments_code_edit.text()
        mark_invalid(f.payments_code_edit, False)
        mark_info(view.message_label("payments"), "Asking Stripe to pair the reader…")

        devices = context.devices

        def work(store: Store) -> RegisteredReader:
            return register_reader(code, registry=devices.reader_registry(), terminal=actor.terminal,
                                   uow=store.uow(), actor=actor)

        def done(reader: RegisteredReader) -> None:
            f.payments_code_edit.clear()
            context.changed.emit("settings")  # the sell screen makes its card reader again
            view.load(then=lambda: mark_info(view.message_label("payments"),
                                             f"Registered {reader.reader_id} ({reader.label}): it is this "
                                             "counter's card reader now."))

        self._run("payments", work, done, lane="io")

    def acknowledge_keyring(self) -> None:
        """Ctrl+H on Security: the owner has read the plaintext-keyring warning; the banner goes for everyone."""
        view = self.view
        if view.current_page() != "security" or not view.form.security_acknowledge_button.isVisible():
            return
        context, actor = view.context, view.actor

        def work(store: Store) -> object:
            return store_settings.change_settings({store_settings.KEYRING_ACKNOWLEDGED: "yes"},
                                                  uow=store.uow(), actor=actor)

        def done(_r: object) -> None:
            banner = getattr(view.window(), "banner", None)
            if isinstance(banner, QLabel):
                banner.hide()
            context.changed.emit("settings")
            view.load(then=lambda: mark_info(view.message_label("security"), "The keyring banner is hidden for "
                                             "everyone; this page and pos-app doctor still show the warning."))

        self._run("security", work, done)
