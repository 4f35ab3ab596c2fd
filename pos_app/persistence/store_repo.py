"""The store's profile, its settings and its staff: storage ports over one Session."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from pos_app.domain.errors import Conflict, ValidationError
from pos_app.domain.permissions import Role
from pos_app.domain.staff import LAST_OWNER, name_key
from pos_app.domain.store import setting_is_store_wide
from pos_app.persistence.journal import Journal
from pos_app.persistence.models import (
    RecoveryCode,
    Sale,
    Setting,
    Staff,
    Store,
    StoreSetting,
    new_id,
    utcnow,
)
from pos_app.persistence.models.store import store_setting_id
from pos_app.services.ports.settings import StoreProfile
from pos_app.services.ports.staff import StaffRecord


def _table(model: Any) -> Table:
    """A mapped class's table, for Core bulk statements."""
    return cast(Table, model.__table__)


_PROFILE_FIELDS = ("name", "address", "phone", "email", "timezone", "currency", "locale",
                   "tax_rate", "receipt_footer", "privacy_contact")


class StoreRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _row(self) -> Store | None:
        return self._s.scalars(select(Store).limit(1)).first()

    def get(self) -> StoreProfile | None:
        row = self._row()
        if row is None:
            return None
        return StoreProfile(**{name: getattr(row, name) for name in _PROFILE_FIELDS})

    def save(self, profile: StoreProfile) -> str:
        row = self._row()
        if row is None:
            # A counter that joined a sync group before its store had a profile (a new store's first counter)
            # takes the id central gave the store, so both name the store alike.
            joined = self._s.execute(text("SELECT store_id FROM sync_state WHERE id = 1")).scalar()
            row = Store(id=str(joined) if joined else new_id())
            self._s.add(row)
        for name in _PROFILE_FIELDS:
            setattr(row, name, getattr(profile, name))
        self._s.flush()
        # Every stock movement names its store (migration 0016): a new store's id is this store's from here on.
        self._s.execute(text("UPDATE sync_state SET store_id = :id WHERE id = 1 AND store_id IS NULL"), {"id": row.id})
        return row.id

    def has_sales(self) -> bool:
        return self._s.scalars(select(Sale.id).limit(1)).first() is not None

    def store_id(self) -> str:
        row = self._row()
        if row is None:
            raise LookupError("the store has not been set up")
        return row.id


class SettingsRepo:
    """Settings by key. One every counter of the store shares (`domain.store.setting_is_store_wide`) is a row of
    `store_settings`, synced to the store's other counters; one of this counter's own is a row of `settings`."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, key: str, default: Any = None) -> Any:
        if setting_is_store_wide(key):
            store_id = self._store_id()
            shared = None if store_id is None else self._s.get(StoreSetting, store_setting_id(store_id, key))
            return default if shared is None else json.loads(shared.value)
        row = self._s.get(Setting, key)
        return default if row is None else row.value

    def set(self, key: str, value: Any) -> None:
        if setting_is_store_wide(key):
            self._set_shared(key, value)
            return
        row = self._s.get(Setting, key)
        if row is None:
            self._s.add(Setting(key=key, value=value, updated_at=utcnow()))
        else:
            row.value = value
            row.updated_at = utcnow()
        self._s.flush()

    def _set_shared(self, key: str, value: Any) -> None:
        store_id = self._store_id()
        if store_id is None:
            raise LookupError(f"the store has not been set up: {key} is a store setting, saved after its profile")
        row_id = store_setting_id(store_id, key)
        row = self._s.get(StoreSetting, row_id)
        if row is None:
            self._s.add(StoreSetting(id=row_id, store_id=store_id, key=key, value=json.dumps(value)))
        else:
            row.value = json.dumps(value)
            # The update carries the whole (small) row: central takes it whole even where the row's insert never
            # reached it (migration 0014 moved the settings of a store that had joined without journaling them).
            for name in ("store_id", "key", "created_at"):
                flag_modified(row, name)
        self._s.flush()

    def _store_id(self) -> str | None:
        return self._s.scalars(select(Store.id).order_by(Store.created_at).limit(1)).first()


def staff_record(row: Staff) -> StaffRecord:
    return StaffRecord(
        id=row.id, name=row.name, role=Role(row.role), pin_hash=row.pin_hash,
        password_hash=row.password_hash, active=row.active, failed_attempts=row.failed_attempts,
        locked_until=row.locked_until, credentials=row.credentials, two_step_enrolled=row.totp_secret is not None,
        must_change_secret=bool(row.must_change_secret),
    )


class StaffRepo:
    def __init__(self, session: Session, store: StoreRepo) -> None:
        self._s = session
        self._store = store

    def get(self, staff_id: str) -> StaffRecord | None:
        row = self._s.get(Staff, staff_id)
        return None if row is None else staff_record(row)

    def by_name(self, name: str) -> StaffRecord | None:
        """The person of this store called `name` whatever its case or Unicode form, active or not (a sync
        group's other stores' staff, held here without secrets, are not this store's)."""
        row = self._s.scalars(select(Staff).where(Staff.name_key == name_key(name),
                                                  Staff.store_id == self._store.store_id())).first()
        return None if row is None else staff_record(row)

    def add(self, *, name: str, role: Role, pin_hash: str | None, password_hash: str | None,
            credentials: str = "", must_change_secret: bool = False) -> str:
        """A new active person. A name already taken (in any case) is refused by the unique index on
        `name_key` even when two hires of one name are written at once."""
        row = Staff(id=new_id(), store_id=self._store.store_id(), name=name, name_key=name_key(name),
                    role=role.value, pin_hash=pin_hash, password_hash=password_hash, credentials=credentials,
                    active=True, failed_attempts=0, must_change_secret=must_change_secret)
        self._s.add(row)
        try:
            self._s.flush()
        except IntegrityError as exc:
            if "name" not in str(exc.orig):
                raise
            raise ValidationError("name", f"{name!r} is already on the staff list") from None
        return row.id

    def _guarded_flush(self) -> None:
        """Flush a change of role or of active; the database's refusal to lose the last active
        owner (trigger `staff_keep_an_active_owner`) becomes a Conflict."""
        try:
            self._s.flush()
        except IntegrityError as exc:
            if LAST_OWNER not in str(exc.orig):
                raise
            raise Conflict(f"The store must keep an active owner: {LAST_OWNER}.") from None

    def set_role(self, staff_id: str, role: Role) -> None:
        self._s.get_one(Staff, staff_id).role = role.value
        self._guarded_flush()

    def set_active(self, staff_id: str, active: bool) -> None:
        """Deactivate (a leaver: cannot sign in, kept in history) or reactivate; a lockout is lifted
        either way, so a returning person starts afresh."""
        row = self._s.get_one(Staff, staff_id)
        row.active = active
        row.failed_attempts = 0
        row.locked_until = None
        self._guarded_flush()

    def set_credentials(self, staff_id: str, credentials: str) -> None:
        self._s.get_one(Staff, staff_id).credentials = credentials
        self._s.flush()

    def set_must_change_secret(self, staff_id: str, must_change: bool) -> None:
        self._s.get_one(Staff, staff_id).must_change_secret = must_change
        self._s.flush()

    def count_try(self, staff_id: str, at: dt.datetime) -> int | None:
        """Count one sign-in try *before* its secret is looked at: one more failure in a row,
        unless the account is locked at `at` or not active (then None, and nothing changes).

        One conditional UPDATE ... RETURNING inside the caller's write transaction (BEGIN
        IMMEDIATE): of two processes guessing at once, each try gets its own number, and no
        try passes once another has locked the account. Returns this try's number.
        """
        t = _table(Staff)
        counted = self._s.execute(
            update(t)
            .where(t.c.id == staff_id, t.c.active.is_(True), or_(t.c.locked_until.is_(None), t.c.locked_until <= at))
            .values(failed_attempts=t.c.failed_attempts + 1)
            .returning(t.c.failed_attempts)
        ).scalar_one_or_none()
        self._s.expire_all()  # the Core UPDATE bypassed the identity map: read the row afresh after it
        if counted is None:
            return None
        Journal.of(self._s).updated("staff", [{"id": staff_id, "failed_attempts": int(counted)}])
        return int(counted)

    def lock(self, staff_id: str, until: dt.datetime) -> None:
        """Lock the account until `until` (set with the try that reached the limit, before its
        secret is checked)."""
        t = _table(Staff)
        self._s.execute(update(t).where(t.c.id == staff_id).values(locked_until=until))
        self._s.expire_all()

    def give_back_try(self, staff_id: str, locked_by_it: dt.datetime | None) -> None:
        """A counted try turned out right without being a sign-in (a manager's approval, or a
        password whose one-time code comes next): take it off the failures in a row, and lift
        the lock it set unless a later try has set another since."""
        t = _table(Staff)
        self._s.execute(update(t).where(t.c.id == staff_id, t.c.failed_attempts > 0)
                        .values(failed_attempts=t.c.failed_attempts - 1))
        if locked_by_it is not None:
            self._s.execute(update(t).where(t.c.id == staff_id, t.c.locked_until == locked_by_it)
                            .values(locked_until=None))
        self._s.expire_all()
        Journal.of(self._s).updated_as_stored("staff", [staff_id], ("failed_attempts", "locked_until"))

    def record_sign_in(self, staff_id: str, *, at: dt.datetime) -> None:
        """A success: the failures in a row start again from zero."""
        row = self._s.get_one(Staff, staff_id)
        row.failed_attempts = 0
        row.locked_until = None
        row.last_sign_in_at = at
        self._s.flush()

    def set_hashes(self, staff_id: str, *, pin_hash: str | None = None, password_hash: str | None = None) -> None:
        row = self._s.get_one(Staff, staff_id)
        if pin_hash is not None:
            row.pin_hash = pin_hash
        if password_hash is not None:
            row.password_hash = password_hash
        self._s.flush()

    def unlock(self, staff_id: str) -> None:
        row = self._s.get_one(Staff, staff_id)
        row.failed_attempts = 0
        row.locked_until = None
        self._s.flush()

    def totp(self, staff_id: str) -> tuple[str | None, int | None]:
        """The staff member's TOTP secret (None when not enrolled) and the last time-step used."""
        row = self._s.get_one(Staff, staff_id)
        return row.totp_secret, row.totp_last_step

    def set_totp(self, staff_id: str, secret: str | None, last_step: int | None) -> None:
        row = self._s.get_one(Staff, staff_id)
        row.totp_secret = secret
        row.totp_last_step = last_step
        self._s.flush()

    def replace_recovery_codes(self, staff_id: str, code_hashes: Sequence[str]) -> None:
        for old in self._s.scalars(select(RecoveryCode).where(RecoveryCode.staff_id == staff_id)):
            self._s.delete(old)
        self._s.add_all(RecoveryCode(id=new_id(), staff_id=staff_id, code_hash=h) for h in code_hashes)
        self._s.flush()

    def unused_recovery_codes(self, staff_id: str) -> list[tuple[str, str]]:
        """(id, argon2 hash) of each recovery code not used yet."""
        rows = self._s.execute(select(RecoveryCode.id, RecoveryCode.code_hash).where(
            RecoveryCode.staff_id == staff_id, RecoveryCode.used_at.is_(None)))
        return [(r.id, r.code_hash) for r in rows]

    def use_recovery_code(self, code_id: str, at: dt.datetime) -> None:
        self._s.get_one(RecoveryCode, code_id).used_at = at
        self._s.flush()
