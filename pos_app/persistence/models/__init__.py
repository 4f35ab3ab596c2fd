"""The whole product's data model (SQLAlchemy 2 typed ORM).

Later features extend these tables through new Alembic migrations in `db/`.
"""

from pos_app.persistence.models.access import CommandLineSession, JobToken
from pos_app.persistence.models.appraisals import Appraisal, AppraisalPhoto, AppraisalStone
from pos_app.persistence.models.base import Base, Synced, new_id, utcnow
from pos_app.persistence.models.counter import (
    CashMovement,
    Checkout,
    LargeCashReport,
    NumberSequence,
    ParkedCart,
    PrintJob,
    Shift,
)
from pos_app.persistence.models.customers import (
    ConsentEvent,
    Customer,
    ErasureLogEntry,
    PolicyVersion,
    PrivacyRequest,
)
from pos_app.persistence.models.inventory import (
    Certificate,
    Item,
    ItemPhoto,
    ItemStone,
    StockCount,
    StockCountScan,
    StockMovement,
)
from pos_app.persistence.models.sales import CardRefund, Payment, Sale, SaleCredit, SaleLine
from pos_app.persistence.models.store import RecoveryCode, Setting, Staff, Store, StoreSetting, Terminal
from pos_app.persistence.models.sync import SyncState, SyncStore
from pos_app.persistence.models.system import AuditEvent, OutboxEntry, OutboxSequence

__all__ = [
    "Appraisal", "AppraisalPhoto", "AppraisalStone", "AuditEvent", "Base", "CardRefund", "CashMovement",
    "Certificate", "Checkout", "CommandLineSession",
    "ConsentEvent", "Customer", "ErasureLogEntry", "Item", "ItemPhoto", "ItemStone", "JobToken", "LargeCashReport",
    "NumberSequence", "OutboxEntry", "OutboxSequence", "ParkedCart", "Payment", "PolicyVersion", "PrintJob",
    "PrivacyRequest", "RecoveryCode", "Sale", "SaleCredit", "SaleLine", "Setting", "Shift", "Staff", "StockCount",
    "StockCountScan", "StockMovement", "Store", "StoreSetting",
    "Synced", "SyncState", "SyncStore", "Terminal", "new_id", "utcnow",
]
