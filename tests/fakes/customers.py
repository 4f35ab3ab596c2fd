"""Customers, consent events and privacy-policy versions in memory."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from pos_app.services.ports.customers import CustomerFlags, NewCustomer
from tests.fakes.state import FakeState, new_id, utcnow


class FakeCustomerRepository:
    """`CustomerRepository`: an erased customer (`erased_at` set) is found by nothing but its id."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def _live(self, customer_id: str) -> dict[str, Any] | None:
        row = self._state.customers.get(customer_id)
        return None if row is None or row.get("erased_at") is not None else row

    def name_and_address(self, customer_id: str) -> tuple[str, str] | None:
        row = self._live(customer_id)
        return None if row is None else (f"{row['first_name']} {row['last_name']}".strip(), row["billing_address"])

    def privacy_flags(self, customer_id: str) -> CustomerFlags | None:
        row = self._live(customer_id)
        if row is None:
            return None
        return CustomerFlags(do_not_sell=row["do_not_sell"], restricted=row["restricted"],
                             marketing_objection=row["marketing_objection"], has_email=bool(row["email"]),
                             has_phone=bool(row["phone"]))

    def set_privacy_flags(self, customer_id: str, flags: CustomerFlags) -> None:
        row = self._state.customers[customer_id]
        row.update(do_not_sell=flags.do_not_sell, restricted=flags.restricted,
                   marketing_objection=flags.marketing_objection)

    def current_values(self, customer_id: str, names: list[str]) -> dict[str, Any]:
        row = self._state.customers[customer_id]
        return {name: row[name] for name in names}

    def update(self, customer_id: str, changes: dict[str, Any]) -> None:
        row = self._state.customers[customer_id]
        unknown = set(changes) - set(row)
        if unknown:
            raise KeyError(f"customers has no column {sorted(unknown)}")
        row.update(changes)

    def policy_in_force(self, today: dt.date) -> str | None:
        in_force = [p for p in self._state.policies if p[2] <= today]
        return max(in_force, key=lambda p: (p[2], p[1]))[0] if in_force else None

    def add(self, customer: NewCustomer, *, at: dt.datetime | None = None) -> str:
        customer_id = new_id("customer")
        self._state.customers[customer_id] = {**dataclasses.asdict(customer), "id": customer_id,
                                              "created_at": at or utcnow(), "erased_at": None}
        return customer_id

    def add_consent(self, customer_id: str, purpose: str, granted: bool, *, channel: str,
                    policy_version_id: str | None, staff_id: str | None,
                    at: dt.datetime | None = None) -> str:
        if customer_id not in self._state.customers:
            raise KeyError(customer_id)  # the consent's foreign key
        event_id = new_id("consent")
        self._state.consents.append({"id": event_id, "customer_id": customer_id, "purpose": purpose,
                                     "granted": granted, "channel": channel, "policy_version_id": policy_version_id,
                                     "staff_id": staff_id, "at": at or utcnow()})
        return event_id

    def policy_versions(self) -> list[tuple[str, int, dt.date, str]]:
        return sorted(self._state.policies, key=lambda p: p[1])

    def add_policy_version(self, version: int, effective_on: dt.date, text: str) -> str:
        policy_id = new_id("policy")
        self._state.policies.append((policy_id, version, effective_on, text))
        return policy_id
