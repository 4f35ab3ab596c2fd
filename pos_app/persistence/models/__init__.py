"""The whole product's data model (SQLAlchemy 2 typed ORM).

Later features extend these tables through new Alembic migrations in `db/`.
"""

from pos_app.persistence.models.appraisals import Appraisal, AppraisalStone
from pos_app.persistence.models.base import Base, Synced, new_id, utcnow
from pos_app.persistence.models.customers import ConsentEvent, Customer, PolicyVersion, PrivacyRequest
from pos_app.persistence.models.inventory import (
    Certificate,
    Item,
    ItemPhoto,
    ItemStone,
    StockCount,
    StockCountScan,
    StockMovement,
)
from pos_app.persistence.models.sales import Payment, Sale, SaleLine
from pos_app.persistence.models.store import Setting, Staff, Store, Terminal
from pos_app.persistence.models.system import AuditEvent, OutboxEntry

__all__ = [
    "Appraisal", "AppraisalStone", "AuditEvent", "Base", "Certificate", "ConsentEvent",
    "Customer", "Item", "ItemPhoto", "ItemStone", "OutboxEntry", "Payment", "PolicyVersion",
    "PrivacyRequest", "Sale", "SaleLine", "Setting", "Staff", "StockCount", "StockCountScan",
    "StockMovement", "Store", "Synced", "Terminal", "new_id", "utcnow",
]
