"""Customers and their consents: the storage port over one Session."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pos_app.persistence.models import (
    ConsentEvent,
    Customer,
    PolicyVersion,
    new_id,
    utcnow,
)
from pos_app.services.ports.customers import CustomerFlags, NewCustomer


class CustomerRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def name_and_address(self, customer_id: str) -> tuple[str, str] | None:
        """The name and billing address printed on a document made for the customer (None once erased)."""
        row = self._s.get(Customer, customer_id)
        if row is None or row.erased_at is not None:
            return None
        return f"{row.first_name} {row.last_name}".strip(), row.billing_address

    def add(self, customer: NewCustomer, *, at: dt.datetime | None = None) -> str:
        moment = at or utcnow()
        row = Customer(id=new_id(), created_at=moment, updated_at=moment, **vars(customer))
        self._s.add(row)
        self._s.flush()
        return row.id

    def add_consent(self, customer_id: str, purpose: str, granted: bool, *, channel: str,
                    policy_version_id: str | None, staff_id: str | None, at: dt.datetime | None = None) -> str:
        moment = at or utcnow()
        row = ConsentEvent(id=new_id(), customer_id=customer_id, purpose=purpose, granted=granted,
                           channel=channel, policy_version_id=policy_version_id, staff_id=staff_id,
                           created_at=moment, updated_at=moment)
        self._s.add(row)
        self._s.flush()
        return row.id

    def privacy_flags(self, customer_id: str) -> CustomerFlags | None:
        """The customer's privacy flags (None when there is no such customer, or they were erased)."""
        row = self._s.get(Customer, customer_id)
        if row is None or row.erased_at is not None:
            return None
        return CustomerFlags(do_not_sell=row.do_not_sell, restricted=row.restricted,
                             marketing_objection=row.marketing_objection, has_email=bool(row.email),
                             has_phone=bool(row.phone))

    def set_privacy_flags(self, customer_id: str, flags: CustomerFlags) -> None:
        row = self._s.get_one(Customer, customer_id)
        row.do_not_sell, row.restricted = flags.do_not_sell, flags.restricted
        row.marketing_objection = flags.marketing_objection
        self._s.flush()

    def current_values(self, customer_id: str, names: list[str]) -> dict[str, Any]:
        row = self._s.get_one(Customer, customer_id)
        return {name: getattr(row, name) for name in names}

    def update(self, customer_id: str, changes: dict[str, Any]) -> None:
        row = self._s.get_one(Customer, customer_id)
        for name, value in changes.items():
            setattr(row, name, value)
        self._s.flush()

    def policy_in_force(self, today: dt.date) -> str | None:
        """The id of the privacy policy version in force on `today` (a consent names it)."""
        return self._s.scalar(select(PolicyVersion.id).where(PolicyVersion.effective_on <= today)
                              .order_by(PolicyVersion.effective_on.desc(), PolicyVersion.version.desc()).limit(1))

    def policy_versions(self) -> list[tuple[str, int, dt.date, str]]:
        """(id, version, effective on, text) of every published version, oldest first."""
        return [(r.id, r.version, r.effective_on, r.text) for r in
                self._s.scalars(select(PolicyVersion).order_by(PolicyVersion.version))]

    def add_policy_version(self, version: int, effective_on: dt.date, text: str) -> str:
        row = PolicyVersion(id=new_id(), version=version, effective_on=effective_on, text=text)
        self._s.add(row)
        self._s.flush()
        return row.id
