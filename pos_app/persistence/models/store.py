"""The store, its counters (terminals), settings and staff."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from pos_app.persistence.models.base import Base, Synced, UtcDateTime


class Store(Synced, Base):
    __tablename__ = "stores"

    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    timezone: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    locale: Mapped[str] = mapped_column(String(16), default="en_US")
    # Sales tax as a decimal percentage in text ("8.875"): exact, never a float.
    tax_rate: Mapped[str] = mapped_column(String(12), default="0")
    receipt_footer: Mapped[str] = mapped_column(Text, default="")
    privacy_contact: Mapped[str] = mapped_column(Text, default="")


class Terminal(Synced, Base):
    """A counter: sale and appraisal numbers are unique per terminal (C1-000123)."""

    __tablename__ = "terminals"

    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(60))


class Setting(Base):
    """A store-wide setting as JSON; keys are dotted (`inventory.locations`)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


def store_setting_id(store_id: str, key: str) -> str:
    """The id of a store's row of one setting: the same on every counter (a name-based UUID)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"facet:store-setting:{store_id}:{key}"))


class StoreSetting(Synced, Base):
    """A setting every counter of the store shares (`domain.store.STORE_WIDE_SETTINGS`), as JSON text.

    Synced like any store-only row; its id is derived from the store and the key (`store_setting_id`), so two
    counters that set one key for the first time while offline write the same row, not two rows of one key."""

    __tablename__ = "store_settings"
    __table_args__ = (UniqueConstraint("store_id", "key", name="uq_store_settings_key"),)

    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    key: Mapped[str] = mapped_column(String(80))
    # JSON as text, encoded by the repository: the journal and a pull carry the text itself, so a setting whose
    # value is a bare string reads back the same on every counter.
    value: Mapped[str] = mapped_column(Text)


class Staff(Synced, Base):
    __tablename__ = "staff"
    # name_key: the name as compared (`domain.staff.name_key`), unique whatever its case or script.
    __table_args__ = (UniqueConstraint("store_id", "name"),
                      Index("ux_staff_store_name_key", "store_id", "name_key", unique=True))

    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    name: Mapped[str] = mapped_column(String(80))
    name_key: Mapped[str] = mapped_column(String(80), server_default="")
    role: Mapped[str] = mapped_column(String(20))
    # argon2id hashes ("$argon2id$v=19$m=...") carry their own parameters.
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    credentials: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The PIN or password the person signs in with was set by someone else: chosen anew at the next sign-in.
    must_change_secret: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # TOTP secret for multi-factor sign-in (issue: staff security); the whole
    # file is encrypted, so it is kept as the base32 text pyotp reads.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # The last TOTP time-step (30-second window) accepted, so a code seen over a
    # shoulder cannot be used again within its window.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)


class RecoveryCode(Synced, Base):
    """A one-time recovery code for two-step sign-in, argon2-hashed; shown once when made."""

    __tablename__ = "staff_recovery_codes"

    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
