"""The unit of work: one transaction holding every area's repository."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol, Self

from pos_app.services.ports.appraisals import AppraisalRepository
from pos_app.services.ports.audit import AuditLog
from pos_app.services.ports.certificates import CertificateRepository
from pos_app.services.ports.customers import CustomerRepository
from pos_app.services.ports.inventory import CountRepository, ItemRepository, PhotoRepository, StockLedger
from pos_app.services.ports.privacy import ErasureRepository, PrivacyRequestRepository
from pos_app.services.ports.sales import CardRefundRepository, CounterRepository
from pos_app.services.ports.settings import SettingsRepository, StoreRepository
from pos_app.services.ports.staff import AccessRepository, StaffRepository


class UnitOfWork(Protocol):
    """One transaction. `with uow:` opens it; leaving without `commit()` rolls back."""

    store: StoreRepository
    settings: SettingsRepository
    staff: StaffRepository
    items: ItemRepository
    photos: PhotoRepository
    stock: StockLedger
    counts: CountRepository
    customers: CustomerRepository
    counter: CounterRepository
    certificates: CertificateRepository
    appraisals: AppraisalRepository
    privacy: PrivacyRequestRepository
    erasure: ErasureRepository
    access: AccessRepository
    card_refunds: CardRefundRepository
    audit: AuditLog

    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...
    def commit(self) -> None: ...
    def reading(self) -> AbstractContextManager[Self]:
        """The repositories on a read-only transaction: no write lock, one snapshot, always rolled back."""
        ...
