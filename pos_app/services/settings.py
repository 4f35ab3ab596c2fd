"""Store settings a manager or owner may change, each with its own check.

Settings live in the store file (they travel with backups); the database key
and other secrets never do: they are in the keyring.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pos_app.domain import store as store_rules
from pos_app.domain.errors import ValidationError
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.ports import DirectoryReader, UnitOfWork


def _minutes(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,3}", text.strip()) or not 1 <= int(text) <= 240:
        raise ValidationError("security.idle_lock_minutes", "must be a whole number of minutes from 1 to 240")
    return int(text)


def _locations(text: str) -> list[str]:
    places = [p.strip() for p in text.split(",") if p.strip()]
    if not places:
        raise ValidationError("inventory.locations", "name at least one place, separated by commas")
    if any(len(p) > 40 for p in places):
        raise ValidationError("inventory.locations", "each place is at most 40 characters")
    if len({p.lower() for p in places}) != len(places):
        raise ValidationError("inventory.locations", "a place is named twice")
    return places


@dataclass(frozen=True)
class SettingSpec:
    key: str
    meaning: str
    parse: Callable[[str], Any]
    default: Any


SETTINGS: dict[str, SettingSpec] = {
    spec.key: spec
    for spec in (
        SettingSpec("security.idle_lock_minutes", "minutes without use before the screen locks",
                    _minutes, store_rules.DEFAULT_IDLE_LOCK_MINUTES),
        SettingSpec("inventory.locations", "places stock is kept, comma-separated (cases, safe, back office)",
                    _locations, list(store_rules.DEFAULT_LOCATIONS)),
    )
}


def _spec(key: str) -> SettingSpec:
    spec = SETTINGS.get(key)
    if spec is None:
        raise ValidationError("key", f"{key!r} is not a setting; the settings are: {', '.join(SETTINGS)}")
    return spec


def current_settings(*, reader: DirectoryReader, actor: Actor) -> dict[str, Any]:
    actor.require(Permission.MANAGE_SETTINGS)
    return {key: reader.setting(key, spec.default) for key, spec in SETTINGS.items()}


def change_setting(key: str, text: str, *, uow: UnitOfWork, actor: Actor) -> Any:
    """Check and save one setting from the text a person typed; returns the saved value."""
    actor.require(Permission.MANAGE_SETTINGS)
    value = _spec(key).parse(text)
    with uow:
        before = uow.settings.get(key, _spec(key).default)
        uow.settings.set(key, value)
        uow.audit.record(actor, "setting.changed", entity_type="setting", entity_id=key,
                         summary={"key": key, "before": before, "after": value})
        uow.commit()
    return value
