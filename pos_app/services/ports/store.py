"""The store handle: what one operation may use, typed.

An operation (a key the clerk pressed, a command-line command) receives a
`Store`: a unit of work for each change and the read-only readers, all on
one connection of its own. The GUI's op runner opens one per job on its
worker thread (`runner.run(lambda store: ...)`); the command line opens one
per command. Nothing else opens a connection or builds a reader, so a new
reader is added here and in `persistence/store.py`, and every caller has it.
"""

from __future__ import annotations

from typing import Protocol

from pos_app.services.ports.appraisals import AppraisalReader
from pos_app.services.ports.audit import AuditTrail
from pos_app.services.ports.certificates import CertificateReader
from pos_app.services.ports.customers import CustomerReader
from pos_app.services.ports.inventory import InventoryReader
from pos_app.services.ports.privacy import CustomerDataReader, PrivacyReader
from pos_app.services.ports.reports import ReportsReader
from pos_app.services.ports.sales import SalesReader
from pos_app.services.ports.settings import DirectoryReader
from pos_app.services.ports.staff import StaffSecurityReader
from pos_app.services.ports.uow import UnitOfWork


class Store(Protocol):
    """One store as an operation sees it: a new unit of work per change, readers on the operation's connection."""

    def uow(self) -> UnitOfWork:
        """A new unit of work (one transaction: `with store.uow() as uow: ...; uow.commit()`)."""
        ...

    @property
    def terminal(self) -> str:
        """This counter's code ("C1"), from the settings."""
        ...

    @property
    def inventory(self) -> InventoryReader: ...
    @property
    def directory(self) -> DirectoryReader: ...
    @property
    def staff_security(self) -> StaffSecurityReader: ...
    @property
    def sales(self) -> SalesReader: ...
    @property
    def customers(self) -> CustomerReader: ...
    @property
    def certificates(self) -> CertificateReader: ...
    @property
    def appraisals(self) -> AppraisalReader: ...
    @property
    def privacy(self) -> PrivacyReader: ...
    @property
    def customer_data(self) -> CustomerDataReader: ...
    @property
    def audit(self) -> AuditTrail: ...

    @property
    def reports(self) -> ReportsReader: ...


class OpenedStore(Store, Protocol):
    """A store handle on a connection of its own, which whoever opened it closes."""

    def close(self) -> None: ...
