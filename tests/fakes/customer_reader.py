"""The customer screen's reader in memory (`CustomerReader`, as `persistence/customer_queries.py`).

An erased customer has no profile; the marketing list holds those whose latest
answer for the purpose is yes, not restricted, not objecting and not erased.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from pos_app.services.ports.customers import (
    ConsentRow,
    CustomerAppraisalRow,
    CustomerCertificateRow,
    CustomerFlags,
    CustomerProfile,
    PurchaseRow,
)
from pos_app.services.ports.privacy import PrivacyRequestRow
from tests.fakes.privacy import FakePrivacyReader
from tests.fakes.state import FakeState


class FakeCustomerReader:
    """`CustomerReader` over the fake state."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def marketing_list(self, purpose: str) -> Iterator[tuple[str, str, str, str]]:
        found = []
        for c in self._state.customers.values():
            if c.get("erased_at") is not None or c["restricted"] or c["marketing_objection"]:
                continue
            answers = [e for e in self._state.consents if e["customer_id"] == c["id"] and e["purpose"] == purpose]
            if answers and answers[-1]["granted"]:
                found.append(c)
        found.sort(key=lambda c: (c["last_name"], c["first_name"], c["id"]))
        return iter([(c["email"] or "", c["phone"] or "", c["first_name"], c["last_name"]) for c in found])

    def profile(self, customer_id: str) -> CustomerProfile | None:
        c = self._state.customers.get(customer_id)
        if c is None or c.get("erased_at") is not None:
            return None
        return CustomerProfile(
            id=c["id"], first_name=c["first_name"], last_name=c["last_name"], email=c["email"], phone=c["phone"],
            billing_address=c["billing_address"] or "", shipping_address=c["shipping_address"] or "",
            adult_confirmed=bool(c["adult_confirmed"]), preferences=c["preferences"] or "",
            wishlist=c["wishlist"] or "", notes=c["notes"] or "",
            flags=CustomerFlags(do_not_sell=bool(c["do_not_sell"]), restricted=bool(c["restricted"]),
                                marketing_objection=bool(c["marketing_objection"]), has_email=bool(c["email"]),
                                has_phone=bool(c["phone"])),
            since=c["created_at"])

    def consents(self, customer_id: str) -> list[ConsentRow]:
        versions = {p[0]: p[1] for p in self._state.policies}
        rows = [e for e in self._state.consents if e["customer_id"] == customer_id]
        found = []
        for e in reversed(rows):  # newest first (in the order recorded, as rowid breaks a tie)
            staff = self._state.staff.get(e["staff_id"] or "")
            found.append(ConsentRow(at=e["at"], purpose=e["purpose"], granted=e["granted"], channel=e["channel"],
                                    policy_version=versions.get(e["policy_version_id"] or ""),
                                    recorded_by=staff.record.name if staff else None))
        return sorted(found, key=lambda r: r.at, reverse=True)

    def purchases(self, customer_id: str, limit: int) -> tuple[list[PurchaseRow], int]:
        mine = sorted((s for s in self._state.sales.values() if s["customer_id"] == customer_id),
                      key=lambda s: (s["completed_at"], s["number"]), reverse=True)
        return [PurchaseRow(id=s["id"], number=s["number"], kind=s["kind"], status=s["status"],
                            completed_at=s["completed_at"], total_cents=s["total_cents"], currency=s["currency"],
                            lines=len(s["lines"])) for s in mine[:limit]], len(mine)

    def appraisals(self, customer_id: str) -> list[CustomerAppraisalRow]:
        mine = sorted((a for a in self._state.appraisals.values() if a["owner_customer_id"] == customer_id),
                      key=lambda a: (a["spec"].appraised_on, a["number"], a["version"]), reverse=True)
        return [CustomerAppraisalRow(id=a["id"], number=a["number"], version=a["version"], status=a["status"],
                                     appraised_on=a["spec"].appraised_on,
                                     value_cents=None if a["spec"].value is None else a["spec"].value.cents,
                                     currency=a["currency"], description=a["spec"].description or "")
                for a in mine]

    def certificates(self, customer_id: str) -> list[CustomerCertificateRow]:
        mine = [c for c in self._state.certificates.values() if c["customer_id"] == customer_id]
        mine.sort(key=lambda c: c["report_number"])
        mine.sort(key=lambda c: c["report_date"] or dt.date.min, reverse=True)
        return [CustomerCertificateRow(id=c["id"], lab=c["lab"], report_number=c["report_number"],
                                       report_date=c["report_date"], carat_points=c["carat_points"],
                                       color=c["color"], clarity=c["clarity"], has_scan=c["scan"] is not None)
                for c in mine]

    def requests(self, customer_id: str, today: dt.date) -> list[PrivacyRequestRow]:
        rows = [r for r in FakePrivacyReader(self._state).requests(today=today, include_closed=True)
                if r.customer_id == customer_id]
        return sorted(rows, key=lambda r: r.status not in ("received", "verified"))  # open first, stable
