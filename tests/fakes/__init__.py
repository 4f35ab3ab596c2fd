"""In-memory fakes of the storage ports (`pos_app/services/ports/`), for service-rule tests without a store.

`FakeUnitOfWork` holds one in-memory state shared by its fake repositories and
records what was committed; the fakes raise the same domain errors as the SQLite
repositories where the database enforces an invariant, and
`tests/integration/test_fake_contracts.py` runs the same assertions against
both so they cannot drift. `tests/fakes/typing_check.py` assigns each fake to its
protocol for mypy (`mypy tests/fakes`).
"""

from __future__ import annotations

from tests.fakes.appraisals import FakeAppraisalReader, FakeAppraisalRepository
from tests.fakes.audit import FakeAuditLog
from tests.fakes.audit_trail import FakeAuditTrail
from tests.fakes.certificates import FakeCertificateReader, FakeCertificateRepository
from tests.fakes.checkout import FakeCheckoutJournal
from tests.fakes.counter import FakeCounterRepository
from tests.fakes.customer_reader import FakeCustomerReader
from tests.fakes.customers import FakeCustomerRepository
from tests.fakes.devices import FakeCardRefunds
from tests.fakes.erasure import FakeErasureRepository
from tests.fakes.inventory import (
    FakeCountRepository,
    FakeInventoryReader,
    FakeItemRepository,
    FakePhotoRepository,
    FakeStockLedger,
)
from tests.fakes.privacy import FakePrivacyReader, FakePrivacyRequestRepository
from tests.fakes.sales import FakeCardRefundRepository, FakeSalesReader
from tests.fakes.settings import FakeDirectoryReader, FakeSettingsRepository, FakeStoreRepository
from tests.fakes.staff import FakeAccessRepository, FakeStaffRepository, FakeStaffSecurityReader
from tests.fakes.state import AuditEvent, FakeState
from tests.fakes.store import FakeStore
from tests.fakes.uow import FakeUnitOfWork, Unfaked

__all__ = [
    "AuditEvent",
    "FakeAppraisalReader",
    "FakeAppraisalRepository",
    "FakeAccessRepository",
    "FakeAuditLog",
    "FakeAuditTrail",
    "FakeCardRefundRepository",
    "FakeCardRefunds",
    "FakeCertificateReader",
    "FakeCertificateRepository",
    "FakeCheckoutJournal",
    "FakeCountRepository",
    "FakeCounterRepository",
    "FakeCustomerReader",
    "FakeCustomerRepository",
    "FakeDirectoryReader",
    "FakeErasureRepository",
    "FakeInventoryReader",
    "FakeItemRepository",
    "FakePhotoRepository",
    "FakePrivacyReader",
    "FakePrivacyRequestRepository",
    "FakeSalesReader",
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
