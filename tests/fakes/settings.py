"""The store's profile and settings in memory, and the directory reader over them."""

from __future__ import annotations

from typing import Any

from pos_app.services.ports.settings import StoreCounts, StoreProfile
from pos_app.services.ports.staff import StaffRecord
from tests.fakes.state import FakeState


class FakeStoreRepository:
    """`StoreRepository`: one profile, or none before the first run."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def get(self) -> StoreProfile | None:
        return self._state.profile

    def save(self, profile: StoreProfile) -> str:
        self._state.profile = profile
        return "store"

    def has_sales(self) -> bool:
        return bool(self._state.sales)


class FakeSettingsRepository:
    """`SettingsRepository`: key -> JSON-like value."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def get(self, key: str, default: Any = None) -> Any:
        return self._state.settings.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self._state.settings[key] = value


class FakeDirectoryReader:
    """`DirectoryReader`: the active staff list, the profile and settings, as the sign-in screen reads them."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def staff_list(self) -> list[StaffRecord]:
        return sorted((r.record for r in self._state.staff.values() if r.record.active), key=lambda r: r.name)

    def staff_member(self, staff_id: str) -> StaffRecord | None:
        row = self._state.staff.get(staff_id)
        return None if row is None else row.record

    def store(self) -> StoreProfile | None:
        return self._state.profile

    def setting(self, key: str, default: Any = None) -> Any:
        return self._state.settings.get(key, default)

    def counts(self) -> StoreCounts:
        items = self._state.items
        return StoreCounts(items=len(items), items_in_stock=sum(self._state.on_hand(i) > 0 for i in items),
                           customers=len(self._state.customers), sales=len(self._state.sales),
                           staff=sum(r.record.active for r in self._state.staff.values()))
