"""The store's profile after the first run: read it, and change it with the first run's checks.

The profile (name, address, phone, email, time zone, currency, locale, sales
tax rate, receipt footer, privacy contact) is one record written by
`setup.set_up_store`. Changing it goes through the same `parse_store_profile`
as the first run, on the whole profile as it would be saved, so a change can
never store what the first run would refuse. Each change is one audit event,
`store.profile_changed`, with every changed field's old and new value (store
details only: the profile holds no customer data).

Sales tax: `tax_rate` is charged on every sale line after its discounts; a
return gives back the tax its sale charged; one sale is made exempt at the
counter with the customer's certificate (a reseller, a charity). A store in a
state without sales tax (Oregon, Delaware, Montana, New Hampshire) sets 0.
A checkout keeps the rate it started with (domain/checkout.py), so a rate
changed while a cart is being paid does not reprice it.

The currency is fixed once a sale is recorded: every amount is stored in
cents of the store's currency, and reports add them up.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from pos_app.domain import store as store_rules
from pos_app.domain.errors import NotFound, ValidationError
from pos_app.domain.permissions import Actor, Permission
from pos_app.services.guard import requires
from pos_app.services.ports.settings import DirectoryReader, StoreProfile
from pos_app.services.ports.uow import UnitOfWork
from pos_app.services.setup import parse_store_profile

FIELDS = store_rules.PROFILE_FIELDS

TAX_RULE = ("Sales tax is charged on every sale line after its discounts. A return gives back the tax its sale "
            "charged. A single sale is made exempt at the counter with the customer's certificate (resale, "
            "charity). A store in a state without sales tax sets 0.")


def as_texts(profile: StoreProfile) -> dict[str, str]:
    """The profile as the texts a person would type, field by field."""
    return {name: str(getattr(profile, name)) for name in FIELDS}


@requires(Permission.VIEW_SETTINGS)
def store_profile(*, reader: DirectoryReader, actor: Actor, uow: UnitOfWork) -> StoreProfile:
    profile = reader.store()
    if profile is None:
        raise NotFound("The store has not been set up yet.")
    return profile


@requires(Permission.MANAGE_SETTINGS)
def change_store_profile(texts: Mapping[str, str], *, uow: UnitOfWork, actor: Actor) -> StoreProfile:
    """Change some fields of the profile from the texts a person typed; returns the profile as saved.

    The whole profile is checked as it would be saved (the phone against the
    locale's region too); a bad field raises ValidationError naming it and
    nothing changes. Nothing different from what is saved: no change, no event.
    """
    unknown = sorted(set(texts) - FIELDS.keys())
    if unknown:
        raise ValidationError("field", f"{unknown[0]!r} is not part of the store profile; the fields are: "
                                       f"{', '.join(FIELDS)}")
    with uow:
        before = uow.store.get()
        if before is None:
            raise NotFound("The store has not been set up yet.")
        after = parse_store_profile({**as_texts(before), **texts})
        changes: dict[str, Any] = {
            field.name: {"before": getattr(before, field.name), "after": getattr(after, field.name)}
            for field in dataclasses.fields(StoreProfile)
            if getattr(before, field.name) != getattr(after, field.name)
        }
        if not changes:
            return before
        if "currency" in changes and uow.store.has_sales():
            raise ValidationError("currency", f"stays {before.currency}: sales are recorded in it, and every "
                                              "amount is kept in the store's currency")
        uow.store.save(after)
        uow.audit.record(actor, "store.profile_changed", entity_type="store",
                         summary={"changed": changes})
        uow.commit()
    return after
