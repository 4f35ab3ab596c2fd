"""The store handle (`services/ports/store.py`) in memory: units of work and readers over one fake state.

An operation given a `FakeStore` gets a new `FakeUnitOfWork` for each change (all
on the same state, as two transactions on one file) and the readers the fakes
have; a reader with no fake yet fails loudly when touched (`Unfaked`).
"""

from __future__ import annotations

from typing import cast

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
from tests.fakes.appraisals import FakeAppraisalReader
from tests.fakes.audit_trail import FakeAuditTrail
from tests.fakes.certificates import FakeCertificateReader
from tests.fakes.customer_reader import FakeCustomerReader
from tests.fakes.inventory import FakeInventoryReader
from tests.fakes.privacy import FakePrivacyReader
from tests.fakes.sales import FakeSalesReader
from tests.fakes.settings import FakeDirectoryReader
from tests.fakes.staff import FakeStaffSecurityReader
from tests.fakes.state import FakeState
from tests.fakes.uow import FakeUnitOfWork, Unfaked


class FakeStore:
    """`Store` over `state`; `units` lists every unit of work handed out, for a test to look into."""

    def __init__(self, state: FakeState, terminal: str = "C1") -> None:
        self.state = state
        self.units: list[FakeUnitOfWork] = []
        self._terminal = terminal

    def uow(self) -> FakeUnitOfWork:
        unit = FakeUnitOfWork(self.state)
        self.units.append(unit)
        return unit

    @property
    def terminal(self) -> str:
        return self._terminal

    @property
    def inventory(self) -> InventoryReader:
        return FakeInventoryReader(self.state)

    @property
    def directory(self) -> DirectoryReader:
        return FakeDirectoryReader(self.state)

    @property
    def staff_security(self) -> StaffSecurityReader:
        return FakeStaffSecurityReader(self.state)

    @property
    def privacy(self) -> PrivacyReader:
        return FakePrivacyReader(self.state)

    @property
    def sales(self) -> SalesReader:
        return FakeSalesReader(self.state)

    @property
    def customers(self) -> CustomerReader:
        return FakeCustomerReader(self.state)

    @property
    def certificates(self) -> CertificateReader:
        return FakeCertificateReader(self.state)

    @property
    def appraisals(self) -> AppraisalReader:
        return FakeAppraisalReader(self.state)

    @property
    def customer_data(self) -> CustomerDataReader:
        return cast(CustomerDataReader, Unfaked("customer data reader"))

    @property
    def audit(self) -> AuditTrail:
        return FakeAuditTrail(self.state)

    @property
    def reports(self) -> ReportsReader:
        return cast(ReportsReader, Unfaked("reports reader"))
