"""Privacy requests, erasure and exports: records, repositories, the erasure log and export files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pos_app.domain.erasure import ErasureEntry, Identity


@dataclass(frozen=True)
class ErasurePlan:
    """What an erasure found in a read before it writes (no write lock held meanwhile): the rows whose free
    text names the customer, and where the store stood then, so the write looks again only at what was
    added or changed since. Opaque to services: made by `plan`, used by `erase`."""

    customer_id: str
    rows: dict[str, frozenset[str]]  # table -> ids of rows whose text names them
    marks: dict[str, int]  # table -> its highest rowid at the first read
    outbox_seq: int  # the outbox's last seq at the first read
    todo: tuple[tuple[int, int], ...] = ()  # what is left to search: (which search, after which rowid)


@dataclass(frozen=True)
class ExportRef:
    """A privacy export made for a customer, as its request recorded it."""

    request_id: str
    path: str | None  # None for an export from before the path was recorded
    sha256: str | None


class ErasureRepository(Protocol):
    """Where a customer's personal data lives, for erasing it (see `persistence/erasure_repo.py`)."""

    def identity(self, customer_id: str) -> Identity | None: ...
    def blockers(self, customer_id: str) -> list[str]: ...
    def final_appraisals(self, customer_id: str) -> list[str]: ...
    def seal(self, appraisal_id: str, seal: str) -> None: ...
    def plan(self, customer_id: str, who: Identity) -> ErasurePlan: ...
    def search(self, plan: ErasurePlan, who: Identity) -> ErasurePlan: ...
    def catch_up(self, plan: ErasurePlan, who: Identity) -> ErasurePlan: ...
    def delete_files(self, customer_id: str, *, at: dt.datetime, max_bytes: int) -> tuple[int, int, bool]: ...
    def erase(self, customer_id: str, who: Identity, *, at: dt.datetime,
              plan: ErasurePlan | None = None) -> dict[str, int]: ...
    def exports(self, customer_id: str) -> list[ExportRef]: ...
    def kept(self, customer_id: str) -> dict[str, Any]: ...
    def add_log(self, customer_hash: str, request_id: str | None, at: dt.datetime) -> None: ...
    def log(self) -> list[tuple[str, str | None, str]]: ...
    def live_customer_ids(self) -> Iterator[str]: ...
    def detach_old_sales(self, before: dt.date, *, at: dt.datetime) -> int: ...
    def blank_old_cash_reports(self, filed_before: dt.date, *, at: dt.datetime) -> int: ...
    def delete_old_requests(self, answered_before: dt.date, *, at: dt.datetime) -> int: ...
    def delete_unlinked_pseudonyms(self, *, at: dt.datetime) -> int: ...


class ErasureLog(Protocol):
    """The erasure's part outside the store's file, in its data folder (`adapters/erasure_log.py`): the
    log of erased customers, and deleting the customer's privacy exports."""

    def salt(self, known: str | None = None) -> str: ...
    def append(self, entry: ErasureEntry) -> None: ...
    def entries(self) -> list[ErasureEntry]: ...
    def find_exports(self, customer_id: str, known: Sequence[ExportRef]) -> list[str]: ...
    def delete_exports(self, paths: Sequence[str]) -> list[str]: ...


class ExportFiles(Protocol):
    """Privacy exports written to files (`adapters/export_files.py`): found and deleted when they have done
    their job (delivered, or the customer erased). `find` reads the candidates whole (before any lock);
    `remove` deletes what it found."""

    def find(self, customer_id: str | None, known: Sequence[ExportRef]) -> list[str]: ...
    def remove(self, paths: Sequence[str]) -> list[str]: ...


@dataclass(frozen=True)
class PrivacyRequestRecord:
    """One privacy request as stored (values as the domain enums' `value`s)."""

    id: str
    customer_id: str | None
    type: str
    channel: str
    received_on: dt.date
    due_on: dt.date
    extension_reason: str | None
    customer_told_on: dt.date | None
    verification_method: str | None
    verified_by: str | None
    verified_at: dt.datetime | None
    status: str
    outcome: str | None
    completed_at: dt.datetime | None


@dataclass(frozen=True)
class PrivacyRequestRow:
    """One line of the privacy desk's list. `customer_name` is None once the customer is erased."""

    id: str
    customer_id: str | None
    customer_name: str | None
    type: str
    channel: str
    received_on: dt.date
    due_on: dt.date
    extended: bool
    status: str
    verification_method: str | None
    verified_by: str | None  # the staff member's name
    completed_at: dt.datetime | None
    days_left: int  # until due_on; negative when overdue (meaningful while the request is open)


class PrivacyRequestRepository(Protocol):
    def add(self, *, customer_id: str, type: str, channel: str, received_on: dt.date, due_on: dt.date) -> str: ...
    def get(self, request_id: str) -> PrivacyRequestRecord | None: ...
    def set_verification(self, request_id: str, *, method: str, staff_id: str, at: dt.datetime) -> None: ...
    def extend(self, request_id: str, *, due_on: dt.date, reason: str, told_on: dt.date) -> None: ...
    def close(self, request_id: str, *, status: str, outcome: str, at: dt.datetime) -> None: ...
    def set_export_sha256(self, request_id: str, sha256: str, path: str | None = None) -> None: ...
    def export_of(self, request_id: str) -> ExportRef | None: ...
    def forget_export_file(self, request_id: str) -> None: ...


@dataclass(frozen=True)
class AccessRow:
    """One audit event that read or changed a customer's record (no personal value in it)."""

    at: dt.datetime
    staff: str
    role: str
    terminal: str
    action: str
    customer_id: str


@dataclass(frozen=True)
class AffectedRow:
    """A customer whose record was read or changed in a window, for a breach notification."""

    customer_id: str
    events: int
    last_at: dt.datetime
    name: str  # "" once erased
    email: str | None
    phone: str | None
    erased: bool


class PrivacyReader(Protocol):
    def requests(self, *, today: dt.date, due_within_days: int | None = None,
                 include_closed: bool = False, limit: int = 1000) -> list[PrivacyRequestRow]: ...
    def access_log(self, customer_id: str) -> list[AccessRow]: ...
    def affected(self, since: dt.datetime, until: dt.datetime) -> list[AffectedRow]: ...


class CustomerDataReader(Protocol):
    """One customer's data for the privacy export, read in batches (persistence/privacy_export_queries.py)."""

    def customer(self, customer_id: str) -> dict[str, Any] | None: ...
    def count(self, category: str, customer_id: str) -> int: ...
    def batches(self, category: str, customer_id: str, batch: int = 500) -> Iterator[list[dict[str, Any]]]: ...
    def appraisal_photo(self, photo_id: str) -> bytes | None: ...
    def certificate_scan(self, certificate_id: str) -> bytes | None: ...
    def file_count(self, customer_id: str) -> int: ...
