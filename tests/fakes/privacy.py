"""Privacy requests in memory, and the privacy desk's reader over them."""

from __future__ import annotations

import dataclasses
import datetime as dt

from pos_app.services.ports.privacy import AccessRow, AffectedRow, ExportRef, PrivacyRequestRecord, PrivacyRequestRow
from tests.fakes.state import FakeState, new_id


class FakePrivacyRequestRepository:
    """`PrivacyRequestRepository`: a new request is "received"; changing a missing one is a KeyError."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def _change(self, request_id: str, **changes: object) -> None:
        record = self._state.requests[request_id]
        self._state.requests[request_id] = dataclasses.replace(record, **changes)  # type: ignore[arg-type]

    def add(self, *, customer_id: str, type: str, channel: str, received_on: dt.date, due_on: dt.date) -> str:
        request_id = new_id("request")
        self._state.requests[request_id] = PrivacyRequestRecord(
            id=request_id, customer_id=customer_id, type=type, channel=channel, received_on=received_on,
            due_on=due_on, extension_reason=None, customer_told_on=None, verification_method=None,
            verified_by=None, verified_at=None, status="received", outcome=None, completed_at=None)
        return request_id

    def get(self, request_id: str) -> PrivacyRequestRecord | None:
        return self._state.requests.get(request_id)

    def set_verification(self, request_id: str, *, method: str, staff_id: str, at: dt.datetime) -> None:
        self._change(request_id, verification_method=method, verified_by=staff_id, verified_at=at, status="verified")

    def extend(self, request_id: str, *, due_on: dt.date, reason: str, told_on: dt.date) -> None:
        self._change(request_id, due_on=due_on, extension_reason=reason, customer_told_on=told_on)

    def close(self, request_id: str, *, status: str, outcome: str, at: dt.datetime) -> None:
        self._change(request_id, status=status, outcome=outcome, completed_at=at)

    def set_export_sha256(self, request_id: str, sha256: str, path: str | None = None) -> None:
        self._state.requests[request_id]  # noqa: B018 - the row must exist
        self._state.request_exports[request_id] = (path, sha256)

    def export_of(self, request_id: str) -> ExportRef | None:
        found = self._state.request_exports.get(request_id)
        return None if found is None else ExportRef(request_id, found[0], found[1])

    def forget_export_file(self, request_id: str) -> None:
        path, sha = self._state.request_exports.get(request_id, (None, None))
        self._state.request_exports[request_id] = (None, sha)


class FakePrivacyReader:
    """`PrivacyReader`: the desk's list (overdue first, then by due date); who saw what from the audit events."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def requests(self, *, today: dt.date, due_within_days: int | None = None,
                 include_closed: bool = False, limit: int = 1000) -> list[PrivacyRequestRow]:
        rows = []
        for r in self._state.requests.values():
            open_ = r.status in ("received", "verified")
            if not (open_ or include_closed):
                continue
            if due_within_days is not None and r.due_on > today + dt.timedelta(days=due_within_days):
                continue
            customer = self._state.customers.get(r.customer_id or "")
            name = None if customer is None or customer.get("erased_at") else \
                f"{customer['first_name']} {customer['last_name']}"
            verifier = self._state.staff.get(r.verified_by or "")
            rows.append(PrivacyRequestRow(
                id=r.id, customer_id=r.customer_id, customer_name=name, type=r.type, channel=r.channel,
                received_on=r.received_on, due_on=r.due_on, extended=r.extension_reason is not None, status=r.status,
                verification_method=r.verification_method, verified_by=verifier.record.name if verifier else None,
                completed_at=r.completed_at, days_left=(r.due_on - today).days))
        return sorted(rows, key=lambda r: (r.due_on, r.received_on))[:limit]

    def access_log(self, customer_id: str) -> list[AccessRow]:
        return [AccessRow(at=e.at, staff=e.actor.name, role=e.actor.role.value,
                          terminal=e.actor.terminal, action=e.action, customer_id=customer_id)
                for e in self._state.audit if e.entity_type == "customer" and e.entity_id == customer_id]

    def affected(self, since: dt.datetime, until: dt.datetime) -> list[AffectedRow]:
        found: dict[str, tuple[int, dt.datetime]] = {}
        for e in self._state.audit:
            if e.entity_type == "customer" and e.entity_id and since <= e.at < until:
                count, last = found.get(e.entity_id, (0, e.at))
                found[e.entity_id] = (count + 1, max(last, e.at))
        rows = []
        for customer_id, (count, last) in sorted(found.items()):
            c = self._state.customers.get(customer_id) or {}
            erased = not c or c.get("erased_at") is not None
            rows.append(AffectedRow(customer_id=customer_id, events=count, last_at=last,
                                    name="" if erased else f"{c['first_name']} {c['last_name']}",
                                    email=None if erased else c["email"], phone=None if erased else c["phone"],
                                    erased=erased))
        return rows
