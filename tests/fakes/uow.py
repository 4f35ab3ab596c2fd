"""A unit of work in memory that records what was committed (cosmicpython's FakeUnitOfWork, kept honest).

`with uow:` takes a copy of the state; `commit()` keeps what was written so far
and counts the commit (`uow.commits`, and `uow.committed` lists the audit actions
each commit carried); leaving the block without a commit puts the copy back, so
a service that raises halfway leaves nothing behind, as the real rollback does.
Every repository of the `UnitOfWork` port has a fake; `Unfaked` stands in for a
reader with none yet (`FakeStore`), failing loudly rather than answering with
something made up.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn, Self

from pos_app.services.ports.appraisals import AppraisalRepository
from pos_app.services.ports.audit import AuditLog
from pos_app.services.ports.certificates import CertificateRepository
from pos_app.services.ports.checkout import CheckoutJournal
from pos_app.services.ports.customers import CustomerRepository
from pos_app.services.ports.inventory import CountRepository, ItemRepository, PhotoRepository, StockLedger
from pos_app.services.ports.privacy import ErasureRepository, PrivacyRequestRepository
from pos_app.services.ports.sales import CardRefundRepository, CounterRepository
from pos_app.services.ports.settings import SettingsRepository, StoreRepository
from pos_app.services.ports.staff import AccessRepository, StaffRepository
from tests.fakes.appraisals import FakeAppraisalRepository
from tests.fakes.audit import FakeAuditLog
from tests.fakes.certificates import FakeCertificateRepository
from tests.fakes.checkout import FakeCheckoutJournal
from tests.fakes.counter import FakeCounterRepository
from tests.fakes.customers import FakeCustomerRepository
from tests.fakes.erasure import FakeErasureRepository
from tests.fakes.inventory import FakeCountRepository, FakeItemRepository, FakePhotoRepository, FakeStockLedger
from tests.fakes.privacy import FakePrivacyRequestRepository
from tests.fakes.sales import FakeCardRefundRepository
from tests.fakes.settings import FakeSettingsRepository, FakeStoreRepository
from tests.fakes.staff import FakeAccessRepository, FakeStaffRepository
from tests.fakes.state import AuditEvent, FakeState


class Unfaked:
    """Stands in for a repository with no fake yet: any use fails the test, naming the area."""

    def __init__(self, area: str) -> None:
        self._area = area

    def __getattr__(self, name: str) -> NoReturn:
        raise AssertionError(f"tests/fakes has no fake {self._area!r} (asked for .{name}); "
                             "write one in tests/fakes/ with its contract test, or test this through the store")


class FakeUnitOfWork:
    """`UnitOfWork` in memory. `state` may be shared by several (two counters on one store)."""

    def __init__(self, state: FakeState | None = None) -> None:
        self.state = state if state is not None else FakeState()
        self.commits = 0
        self.committed: list[tuple[str, ...]] = []  # the audit actions each commit added
        self.rollbacks = 0  # units of work left without a commit after writing something
        self._saved: FakeState | None = None
        self._audit_mark = 0
        # Typed as the ports (a protocol's attributes are invariant); `audit_log` keeps the fake's own type.
        self.store: StoreRepository = FakeStoreRepository(self.state)
        self.settings: SettingsRepository = FakeSettingsRepository(self.state)
        self.staff: StaffRepository = FakeStaffRepository(self.state)
        self.items: ItemRepository = FakeItemRepository(self.state)
        self.photos: PhotoRepository = FakePhotoRepository(self.state)
        self.stock: StockLedger = FakeStockLedger(self.state)
        self.customers: CustomerRepository = FakeCustomerRepository(self.state)
        self.counter: CounterRepository = FakeCounterRepository(self.state)
        self.checkouts: CheckoutJournal = FakeCheckoutJournal(self.state)
        self.privacy: PrivacyRequestRepository = FakePrivacyRequestRepository(self.state)
        self.access: AccessRepository = FakeAccessRepository(self.state)
        self.audit_log = FakeAuditLog(self.state)
        self.audit: AuditLog = self.audit_log
        self.counts: CountRepository = FakeCountRepository(self.state)
        self.certificates: CertificateRepository = FakeCertificateRepository(self.state)
        self.appraisals: AppraisalRepository = FakeAppraisalRepository(self.state)
        self.erasure: ErasureRepository = FakeErasureRepository(self.state)
        self.card_refunds: CardRefundRepository = FakeCardRefundRepository(self.state)

    def __enter__(self) -> Self:
        if self._saved is not None:
            raise AssertionError("a unit of work was opened inside another one (the real one would deadlock)")
        self._saved = self.state.snapshot()
        self._audit_mark = len(self.state.audit)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._saved is not None, "left a unit of work that was not opened"
        if self.state != self._saved:
            self.rollbacks += 1
        self.state.restore(self._saved)
        self._saved = None

    def commit(self) -> None:
        assert self._saved is not None, "commit() outside `with uow:`"
        self.commits += 1
        self.committed.append(tuple(e.action for e in self.state.audit[self._audit_mark:]))
        self._saved = self.state.snapshot()
        self._audit_mark = len(self.state.audit)

    @contextmanager
    def reading(self) -> Iterator[Self]:
        """The same repositories, always rolled back (a write here is thrown away, as on the real one)."""
        with self:
            yield self

    # ------------------------------------------------------------ what a test asserts on

    @property
    def events(self) -> list[AuditEvent]:
        """Every audit event kept so far (committed, or written in the unit of work still open), oldest first."""
        return self.audit_log.events

    def actions(self) -> list[str]:
        return self.audit_log.actions()

    def of(self, action: str) -> list[AuditEvent]:
        return self.audit_log.of(action)
