"""The store's profile and settings: the repositories, the reader, the store file and its keyring."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pos_app.services.ports.staff import StaffRecord


@dataclass(frozen=True)
class StoreProfile:
    name: str
    address: str
    phone: str
    email: str
    timezone: str
    currency: str
    locale: str
    tax_rate: str  # decimal percent, "8.875"
    receipt_footer: str
    privacy_contact: str


@dataclass(frozen=True)
class StoreCounts:
    items: int
    items_in_stock: int
    customers: int
    sales: int
    staff: int


class StoreRepository(Protocol):
    def get(self) -> StoreProfile | None: ...
    def save(self, profile: StoreProfile) -> str: ...
    def has_sales(self) -> bool:
        """Whether any sale is recorded (the currency is fixed from the first one on)."""
        ...


class SettingsRepository(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...
    def set(self, key: str, value: Any) -> None: ...


class DirectoryReader(Protocol):
    def staff_list(self) -> list[StaffRecord]: ...
    def staff_member(self, staff_id: str) -> StaffRecord | None: ...
    def store(self) -> StoreProfile | None: ...
    def setting(self, key: str, default: Any = None) -> Any: ...
    def counts(self) -> StoreCounts: ...


class StoreFile(Protocol):
    """The store's file itself: copied while in use, encrypted."""

    def backup_to(self, dest: Path, *, passphrase: str | None = None) -> Path: ...
    def scrub(self) -> bool: ...
    def compact(self) -> int: ...
    def rekey(self, new_key_hex: str) -> None: ...


class StoreKeyring(Protocol):
    """Where the store's database key is kept: a new key is staged before the file changes, promoted after."""

    def stage(self, new_key: str) -> None: ...
    def promote(self, new_key: str) -> None: ...
    def changing(self) -> AbstractContextManager[None]: ...
