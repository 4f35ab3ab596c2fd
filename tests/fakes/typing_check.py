"""Each fake assigned to its port: `mypy tests/fakes` fails when a fake no longer matches its protocol."""

from __future__ import annotations

from pos_app.services.ports.appraisals import AppraisalReader, AppraisalRepository
from pos_app.services.ports.audit import AuditLog, AuditTrail
from pos_app.services.ports.certificates import CertificateReader, CertificateRepository
from pos_app.services.ports.checkout import CheckoutJournal
from pos_app.services.ports.customers import CustomerReader, CustomerRepository
from pos_app.services.ports.devices import CardTerminal
from pos_app.services.ports.inventory import (
    CountRepository,
    InventoryReader,
    ItemRepository,
    PhotoRepository,
    StockLedger,
)
from pos_app.services.ports.privacy import ErasureRepository, PrivacyReader, PrivacyRequestRepository
from pos_app.services.ports.sales import CardRefundRepository, CounterRepository, SalesReader
from pos_app.services.ports.settings import DirectoryReader, SettingsRepository, StoreRepository
from pos_app.services.ports.staff import AccessRepository, StaffRepository, StaffSecurityReader
from pos_app.services.ports.store import Store
from pos_app.services.ports.uow import UnitOfWork
from tests.fakes import (
    FakeAccessRepository,
    FakeAppraisalReader,
    FakeAppraisalRepository,
    FakeAuditLog,
    FakeAuditTrail,
    FakeCardRefundRepository,
    FakeCardRefunds,
    FakeCertificateReader,
    FakeCertificateRepository,
    FakeCheckoutJournal,
    FakeCounterRepository,
    FakeCountRepository,
    FakeCustomerReader,
    FakeCustomerRepository,
    FakeDirectoryReader,
    FakeErasureRepository,
    FakeInventoryReader,
    FakeItemRepository,
    FakePhotoRepository,
    FakePrivacyReader,
    FakePrivacyRequestRepository,
    FakeSalesReader,
    FakeSettingsRepository,
    FakeStaffRepository,
    FakeStaffSecurityReader,
    FakeState,
    FakeStockLedger,
    FakeStore,
    FakeStoreRepository,
    FakeUnitOfWork,
)


def fakes_implement_their_ports(state: FakeState) -> None:
    uow: UnitOfWork = FakeUnitOfWork(state)
    handle: Store = FakeStore(state)
    store: StoreRepository = FakeStoreRepository(state)
    settings: SettingsRepository = FakeSettingsRepository(state)
    staff: StaffRepository = FakeStaffRepository(state)
    access: AccessRepository = FakeAccessRepository(state)
    items: ItemRepository = FakeItemRepository(state)
    photos: PhotoRepository = FakePhotoRepository(state)
    stock: StockLedger = FakeStockLedger(state)
    counts: CountRepository = FakeCountRepository(state)
    inventory_reader: InventoryReader = FakeInventoryReader(state)
    customers: CustomerRepository = FakeCustomerRepository(state)
    privacy: PrivacyRequestRepository = FakePrivacyRequestRepository(state)
    counter: CounterRepository = FakeCounterRepository(state)
    checkouts: CheckoutJournal = FakeCheckoutJournal(state)
    audit: AuditLog = FakeAuditLog(state)
    directory: DirectoryReader = FakeDirectoryReader(state)
    staff_security: StaffSecurityReader = FakeStaffSecurityReader(state)
    privacy_reader: PrivacyReader = FakePrivacyReader(state)
    sales_reader: SalesReader = FakeSalesReader(state)
    card_refunds: CardRefundRepository = FakeCardRefundRepository(state)
    card_terminal: CardTerminal = FakeCardRefunds()
    certificates: CertificateRepository = FakeCertificateRepository(state)
    certificate_reader: CertificateReader = FakeCertificateReader(state)
    appraisals: AppraisalRepository = FakeAppraisalRepository(state)
    appraisal_reader: AppraisalReader = FakeAppraisalReader(state)
    erasure: ErasureRepository = FakeErasureRepository(state)
    customer_reader: CustomerReader = FakeCustomerReader(state)
    audit_trail: AuditTrail = FakeAuditTrail(state)
    del customer_reader, audit_trail
    del appraisals, appraisal_reader, erasure
    del sales_reader, card_refunds, card_terminal, certificates, certificate_reader
    del uow, handle, store, settings, staff, access, items, photos, stock, customers, privacy, counter, audit
    del directory, staff_security, privacy_reader, counts, inventory_reader, checkouts
