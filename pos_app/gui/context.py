"""What every screen shares: the opened store, the signed-in person, the op runner.

`changed` is the one event a screen emits after a change, naming what changed
("items", "stock", "counts"); each screen decides whether to refresh.
Reads a list screen needs at once run on the GUI thread through `store` (its
own connection; WAL lets it read while the worker writes); everything else goes
through `runner.run(lambda store: ...)` on the database worker, which hands each
job a store handle on its own connection.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from pos_app.domain.money import Money, format_money
from pos_app.domain.permissions import Actor, Permission
from pos_app.gui.ops import OpRunner
from pos_app.services.ports.devices import CardTerminal, Devices, ReceiptPrinter
from pos_app.services.ports.inventory import InventoryReader
from pos_app.services.ports.sales import SalesReader
from pos_app.services.ports.settings import DirectoryReader, StoreProfile
from pos_app.services.ports.store import OpenedStore
from pos_app.services.ports.uow import UnitOfWork

if TYPE_CHECKING:
    from pos_app.app import Facet
    from pos_app.gui.sync.worker import SyncWorker


class AppContext(QObject):
    changed = Signal(str)
    """Something was saved; the argument names what ("items", "stock", "counts")."""
    actor_changed = Signal(object)
    """Someone signed in (the Actor) or the screen was locked (None)."""
    sync_changed = Signal()
    """The store joined or left its sync group (or a leave failed): the main window (re)starts the worker."""

    def __init__(self, facet: Facet, runner: OpRunner | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.facet = facet
        self.runner = runner or OpRunner(self, open_store=facet.open_store)
        self.actor: Actor | None = None
        self.sync: SyncWorker | None = None
        """The sync worker of a store that joined a group (started by the main window); None otherwise."""
        self._money_cache: dict[tuple[int, str], str] = {}

    @cached_property
    def store(self) -> OpenedStore:
        """The GUI thread's store handle (its own connection; WAL lets it read while the worker writes).
        Reads a list screen needs at once use it; everything else runs through `runner` on a job's own."""
        return self.facet.open_store()

    @property
    def devices(self) -> Devices:
        return self.facet.devices

    @property
    def reader(self) -> InventoryReader:
        return self.store.inventory

    @property
    def directory(self) -> DirectoryReader:
        return self.store.directory

    @property
    def sales(self) -> SalesReader:
        """Counter queries (sales, customers, parked carts, the print queue) on the GUI connection."""
        return self.store.sales

    @cached_property
    def profile(self) -> StoreProfile:
        profile = self.directory.store()
        if profile is None:
            raise RuntimeError("the store has no profile")
        return profile

    def printer(self) -> ReceiptPrinter | None:
        """The receipt printer from the settings (None if none is set); cheap to make, connects per print."""
        return self.devices.receipt_printer()

    def card_terminal(self) -> CardTerminal | None:
        """The card reader (Stripe Terminal) of this counter, made once; None if not set up."""
        if not hasattr(self, "_terminal"):
            self._terminal = self.devices.card_terminal()
        return self._terminal

    def store_changed(self) -> None:
        """The store profile was changed in Settings: read it again (name, currency, locale, time zone)."""
        self.__dict__.pop("profile", None)
        self.facet.__dict__.pop("profile", None)  # Facet.profile is a cached_property too
        self._money_cache.clear()

    def forget_devices(self) -> None:
        """Settings changed: make the card reader again on next use."""
        self.__dict__.pop("_terminal", None)

    def uow(self) -> UnitOfWork:
        return self.facet.uow()

    def can(self, permission: Permission) -> bool:
        return self.actor is not None and self.actor.can(permission)

    def require_actor(self) -> Actor:
        if self.actor is None:
            raise RuntimeError("no one is signed in")
        return self.actor

    def set_actor(self, actor: Actor | None) -> None:
        self.actor = actor
        self.actor_changed.emit(actor)

    def money(self, cents: int | None, currency: str | None = None) -> str:
        """Cents as the store's locale shows them ("$12,495.00"); '' for None."""
        if cents is None:
            return ""
        key = (cents, currency or self.profile.currency)
        text = self._money_cache.get(key)
        if text is None:
            if len(self._money_cache) > 20_000:
                self._money_cache.clear()
            text = format_money(Money(cents, key[1]), self.profile.locale)
            self._money_cache[key] = text
        return text

    def close(self) -> None:
        if self.sync is not None:
            self.sync.stop()
            self.sync = None
        self.runner.wait()
        if "store" in self.__dict__:
            self.store.close()
