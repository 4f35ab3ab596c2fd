"""The rows an in-memory store holds, shared by every fake repository of one fake unit of work.

One `FakeState` is the whole "database": each fake repository reads and writes
its own part of it, so what one repository writes another sees inside the same
unit of work (a receipt's ledger line is the item's on-hand), as with the real
Session. `FakeUnitOfWork` copies the state when a unit of work opens and puts
the copy back when it closes without a commit: nothing a service did before it
raised is kept, exactly as the real rollback.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from pos_app.domain.items import ItemSpec
from pos_app.domain.permissions import Actor
from pos_app.services.ports.privacy import PrivacyRequestRecord
from pos_app.services.ports.settings import StoreProfile
from pos_app.services.ports.staff import JobTokenRecord, SessionRecord, StaffRecord

_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    """A readable id, unique within the test session ("item-7")."""
    return f"{prefix}-{next(_ids)}"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class AuditEvent:
    """One event as `AuditLog.record` was given it (the real writer adds the hash chain)."""

    actor: Actor
    action: str
    entity_type: str | None
    entity_id: str | None
    summary: dict[str, Any]
    approved_by: str | None
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


@dataclass
class StoredItem:
    id: str
    seq: int
    spec: ItemSpec
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class MoveRow:
    item_id: str
    kind: str
    quantity: int
    reason: str
    reference: str | None
    staff_id: str | None
    terminal: str
    at: dt.datetime


@dataclass
class StaffRow:
    record: StaffRecord
    last_sign_in_at: dt.datetime | None = None
    totp_secret: str | None = None
    totp_last_step: int | None = None
    recovery_codes: dict[str, tuple[str, dt.datetime | None]] = field(default_factory=dict)  # id -> (hash, used)


@dataclass
class FakeState:
    """Every table the fakes keep, as plain Python values."""

    profile: StoreProfile | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    staff: dict[str, StaffRow] = field(default_factory=dict)
    sessions: dict[str, tuple[SessionRecord, str]] = field(default_factory=dict)  # id -> (record, token hash)
    jobs: dict[str, tuple[JobTokenRecord, str]] = field(default_factory=dict)
    items: dict[str, StoredItem] = field(default_factory=dict)
    moves: list[MoveRow] = field(default_factory=list)
    photos: dict[str, tuple[str, int, str, bytes]] = field(default_factory=dict)  # id -> (item, position, mime, data)
    counts: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> location, status, started_at ...
    count_scans: list[tuple[str, str, str | None, int, dt.datetime]] = field(default_factory=list)
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    consents: list[dict[str, Any]] = field(default_factory=list)
    policies: list[tuple[str, int, dt.date, str]] = field(default_factory=list)
    requests: dict[str, PrivacyRequestRecord] = field(default_factory=dict)
    request_exports: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # id -> (path, sha)
    checkouts: dict[str, dict[str, Any]] = field(default_factory=dict)
    parked: dict[str, dict[str, Any]] = field(default_factory=dict)
    sales: dict[str, dict[str, Any]] = field(default_factory=dict)
    sale_numbers: dict[str, int] = field(default_factory=dict)
    refund_payments: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    print_jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    shifts: dict[str, dict[str, Any]] = field(default_factory=dict)
    cash_movements: list[dict[str, Any]] = field(default_factory=list)
    large_cash_reports: list[dict[str, Any]] = field(default_factory=list)
    card_refunds: dict[str, dict[str, Any]] = field(default_factory=dict)  # row id -> the card_refunds columns
    certificates: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> the certificates columns
    appraisals: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> number, version, spec ...
    appraisal_photos: dict[str, tuple[str, int, str, bytes]] = field(default_factory=dict)  # id -> (appraisal, ...)
    item_stones: dict[str, list[Any]] = field(default_factory=dict)  # item id -> its ItemStoneRows
    number_sequences: dict[str, int] = field(default_factory=dict)
    erasure_log: list[tuple[str, str | None, str]] = field(default_factory=list)  # (hash, request id, erased at)
    audit: list[AuditEvent] = field(default_factory=list)

    def snapshot(self) -> FakeState:
        return copy.deepcopy(self)

    def restore(self, saved: FakeState) -> None:
        """Go back to `saved` (a snapshot nobody else holds: it is taken over, not copied)."""
        self.__dict__.update(saved.__dict__)

    def checkout_row(self, checkout_id: str) -> dict[str, Any]:
        """A checkout's customer, status, sale and counter, whichever way the counter's fake keeps it (its
        columns, or a journal: the checkout's `to_dict` as JSON)."""
        row = self.checkouts[checkout_id]
        if "journal" not in row:
            return {"id": checkout_id, **row}
        journal = json.loads(row["journal"])
        return {"id": checkout_id, "terminal": row["terminal"], "created_at": row["created_at"],
                "customer_id": journal["cart"].get("customer_id"), "status": journal["status"],
                "sale_id": journal.get("sale_id")}

    def forget_checkout_customer(self, checkout_id: str) -> None:
        """What an erasure leaves of a checkout: no customer name, no Form 8300 details."""
        row = self.checkouts[checkout_id]
        if "journal" in row:
            journal = json.loads(row["journal"])
            journal["cart"]["customer_name"] = ""
            journal["large_cash"] = None
            row["journal"] = json.dumps(journal)
            return
        row["cart"]["customer_name"] = ""
        if isinstance(row["cart"].get("_checkout"), dict):
            row["cart"]["_checkout"]["large_cash"] = None

    def on_hand(self, item_id: str, as_of: dt.datetime | None = None) -> int:
        """The ledger's sum for the item (as it stood at `as_of`, when given)."""
        return sum(m.quantity for m in self.moves if m.item_id == item_id and (as_of is None or m.at <= as_of))
