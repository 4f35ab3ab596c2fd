"""First run: the store's profile, its first counter and the owner account.

The store and its owner are one unit of work (`set_up_store`), written only once every
field of the store, its tax and its owner has passed its check. What a guided setup
does after that (two-step sign-in, the receipt printer, Stripe, an inventory import,
the first shift) is each its own service call, committed on its own; `setup.pending`
says that the guided setup has not reached its end yet, so the owner's next sign-in
takes it up again (`setup_pending`, `finish_setup`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pos_app.domain import store as store_rules
from pos_app.domain.errors import ValidationError
from pos_app.domain.permissions import Actor, Permission, Role
from pos_app.services.guard import requires
from pos_app.services.ports.settings import DirectoryReader, StoreProfile
from pos_app.services.ports.staff import SecretHasher
from pos_app.services.ports.uow import UnitOfWork
from pos_app.services.staff import check_password, check_pin

PENDING = "setup.pending"


@dataclass(frozen=True)
class OwnerAccount:
    name: str
    password: str
    pin: str


def parse_store_profile(raw: Mapping[str, str]) -> StoreProfile:
    """Check the first-run form (or `pos-app init` flags); names the first bad field."""
    locale = store_rules.check_locale(raw.get("locale") or "en_US")
    region = locale.split("_")[-1] if "_" in locale else "US"
    email = (raw.get("email") or "").strip()
    phone = (raw.get("phone") or "").strip()
    return StoreProfile(
        name=store_rules.required(raw, "name"),
        address=(raw.get("address") or "").strip(),
        phone=store_rules.check_phone(phone, region=region) if phone else "",
        email=store_rules.check_email(email) if email else "",
        timezone=store_rules.check_timezone(raw.get("timezone") or ""),
        currency=store_rules.check_currency(raw.get("currency") or "USD"),
        locale=locale,
        tax_rate=store_rules.check_tax_rate(raw.get("tax_rate") or "0"),
        receipt_footer=(raw.get("receipt_footer") or "").strip(),
        privacy_contact=(raw.get("privacy_contact") or "").strip(),
    )


def check_owner(owner: OwnerAccount) -> OwnerAccount:
    if not owner.name.strip():
        raise ValidationError("owner_name", "is required")
    check_password(owner.password, field="owner_password")
    check_pin(owner.pin, field="owner_pin")
    return OwnerAccount(owner.name.strip(), owner.password, owner.pin)


def set_up_store(
    profile: StoreProfile,
    owner: OwnerAccount,
    *,
    uow: UnitOfWork,
    hasher: SecretHasher,
    terminal: str = "C1",
    guided: bool = False,
) -> Actor:
    """Write the store, counter C1, default settings and the owner; returns the owner.

    `guided`: the first-run wizard goes on after this with steps of their own; the store
    is marked `setup.pending` until `finish_setup`, so a wizard quit midway comes back.
    """
    owner = check_owner(owner)
    with uow:
        if uow.store.get() is not None:
            raise ValidationError("store", "is already set up in this file")
        uow.store.save(profile)
        uow.settings.set("terminal.code", terminal)
        uow.settings.set("inventory.locations", list(store_rules.DEFAULT_LOCATIONS))
        uow.settings.set("security.idle_lock_minutes", store_rules.DEFAULT_IDLE_LOCK_MINUTES)
        if guided:
            uow.settings.set(PENDING, True)
        owner_id = uow.staff.add(name=owner.name, role=Role.OWNER, pin_hash=hasher.hash(owner.pin),
                                 password_hash=hasher.hash(owner.password))
        actor = Actor(staff_id=owner_id, name=owner.name, role=Role.OWNER, terminal=terminal)
        uow.audit.record(actor, "store.created", entity_type="store", summary={"terminal": terminal})
        uow.audit.record(actor, "staff.added", entity_type="staff", entity_id=owner_id, summary={"role": "owner"})
        uow.commit()
    return actor


def setup_pending(directory: DirectoryReader) -> bool:
    """True while a store made by the first-run wizard has not been through its last step."""
    return bool(directory.setting(PENDING, False))


@requires(Permission.MANAGE_SETTINGS)
def finish_setup(*, uow: UnitOfWork, actor: Actor, skipped: Sequence[str] = ()) -> None:
    """The guided setup reached its end (`skipped`: the optional steps left for later); it does not
    come back. Finishing twice changes nothing."""
    with uow:
        if not uow.settings.get(PENDING, False):
            return
        uow.settings.set(PENDING, False)
        uow.audit.record(actor, "store.setup_finished", entity_type="store", summary={"skipped": sorted(skipped)})
        uow.commit()
