"""In-memory fakes of the storage ports (`pos_app/services/ports/`), for service-rule tests without a store.

`FakeUnitOfWork` holds one in-memory state shared by its fake repositories and
records what was committed; the fakes raise the same domain errors as the SQLite
repositories where the database enforces an invariant, and
`tests/unit/services/test_fake_contracts.py` runs the same assertions against
both so they cannot drift. `tests/fakes/typing_check.py` assigns each fake to its
protocol for mypy (`mypy tests/fakes`).
"""

from __future__ import annotations

from tests.fakes.audit import FakeAuditLog
from tests.fakes.checkout import FakeCheckoutJournal
from tests.fakes.counter import FakeCounterRepository
from tests.fakes.customers import FakeCustomerRepository
from tests.fakes.inventory import (
    FakeCountRepository,
    FakeInventoryReader,
    FakeItemRepository,
    FakePhotoRepository,
    FakeStockLedger,
)
from tests.fakes.privacy import FakePrivacyReader, FakePrivacyRequestRepository
from tests.fakes.settings import FakeDirectoryReader, FakeSettingsRepository, FakeStoreRepository
from tests.fakes.staff import FakeAccessRepository, FakeStaffRepository, FakeStaffSecurityReader
from tests.fakes.state import AuditEvent, FakeState
from tests.fakes.store import FakeStore
from tests.fakes.uow import FakeUnitOfWork, Unfaked

__all__ = [
    "AuditEvent",
    "FakeAccessRepository",
    "FakeAuditLog",
    "FakeCheckoutJournal",
    "FakeCountRepository",
    "FakeCounterRepository",
    "FakeCustomerRepository",
    "FakeDirectoryReader",
    "FakeInventoryReader",
    "FakeItemRepository",
    "FakePhotoRepository",
    "FakePrivacyReader",
    "FakePrivacyRequestRepository",
    "FakeSettingsRepository",
    "FakeStaffRepository",
    "FakeStaffSecurityReader",
    "FakeState",
    "FakeStockLedger",
    "FakeStore",
    "FakeStoreRepository",
    "FakeUnitOfWork",
    "Unfaked",
]
