"""Appraisals and their versions: records, the repository and the reader."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class AppraisalRecord:
    id: str
    number: str
    version: int
    supersedes_id: str | None
    status: str  # draft | final
    spec: Any  # domain.appraisals.AppraisalSpec
    item_id: str | None
    owner_customer_id: str | None
    appraiser_id: str | None
    currency: str
    finalized_at: dt.datetime | None
    retain_until: dt.date | None
    created_at: dt.datetime
    sale_id: str | None = None
    photos: tuple[AppraisalPhotoRef, ...] = ()
    seal: str | None = None  # the verification hash frozen when the owner was erased


@dataclass(frozen=True)
class AppraisalPhotoRef:
    """A photo of an appraisal without its bytes: the digest is what the verification hash covers."""

    id: str
    mime_type: str
    sha256: str
    size: int


@dataclass(frozen=True)
class ItemStoneRow:
    role: str
    shape: str | None
    count: int
    carat_points: int | None
    color: str | None
    clarity: str | None
    certificate_id: str | None


class AppraisalRepository(Protocol):
    def next_number(self, year: int) -> int: ...
    def add(self, *, number: str, version: int, supersedes_id: str | None, spec: Any, item_id: str | None,
            owner_customer_id: str | None, appraiser_id: str | None, currency: str,
            sale_id: str | None = None, at: dt.datetime | None = None) -> str: ...
    def get(self, appraisal_id: str) -> AppraisalRecord | None: ...
    def latest_version(self, number: str) -> int: ...
    def by_number(self, number: str, version: int) -> str | None: ...
    def replace_draft(self, appraisal_id: str, spec: Any, *, item_id: str | None,
                      owner_customer_id: str | None) -> None: ...
    def finalize(self, appraisal_id: str, *, at: dt.datetime, retain_until: dt.date,
                 appraiser_id: str | None = None) -> None: ...
    def erase_expired(self, today: dt.date) -> tuple[int, int]: ...
    def photo_data(self, appraisal_id: str) -> list[bytes]: ...
    def photo(self, photo_id: str) -> tuple[str, str, bytes] | None: ...
    def add_photo(self, appraisal_id: str, data: bytes, mime_type: str) -> str: ...
    def remove_photo(self, photo_id: str) -> None: ...
    def copy_photos(self, from_id: str, to_id: str) -> None: ...
    def item_stones(self, item_id: str) -> list[ItemStoneRow]: ...
    def item_photos(self, item_id: str, limit: int) -> list[tuple[bytes, str]]: ...
    def item_certificate(self, item_id: str, lab: str | None, number: str | None) -> str | None: ...
    def for_sale(self, sale_id: str) -> dict[str, str]: ...
    def item_sku(self, item_id: str) -> str | None: ...


@dataclass(frozen=True)
class AppraisalRow:
    id: str
    number: str
    version: int
    status: str
    superseded: bool
    purpose: str
    appraised_on: dt.date
    value_cents: int | None
    currency: str
    item_sku: str | None
    has_owner: bool
    appraiser: str
    owner_name: str = ""  # the customer's name ("" for the store's own stock or an erased customer)


class AppraisalReader(Protocol):
    def appraisals(self, *, search: str = "", drafts_only: bool = False, limit: int = 500,
                   offset: int = 0) -> list[AppraisalRow]: ...
    def drafts_waiting(self) -> int: ...
    # The appraisals screen:
    def count(self, *, search: str = "", drafts_only: bool = False) -> int: ...
    def versions(self, number: str) -> list[AppraisalVersionRow]: ...
    def certificate_numbers(self, certificate_ids: Sequence[str]) -> dict[str, str]: ...
    def certificates_numbered(self, report_number: str) -> list[tuple[str, str, str | None]]: ...


@dataclass(frozen=True)
class AppraisalVersionRow:
    """One version of an appraisal number, for the versions list: who made it and when."""

    id: str
    number: str
    version: int
    status: str  # draft | final
    made_by: str  # the appraiser's name ("" if none)
    created_at: dt.datetime  # UTC
    finalized_at: dt.datetime | None  # UTC
    value_cents: int | None
    currency: str
    current: bool  # the latest version; an earlier one is superseded by it
