"""Where a customer's personal data lives in the fake state, for erasing it.

As `persistence/erasure_repo.py` for the rows the fakes keep: the customer's
row is blanked to "Erased customer" (the id stays, so sales keep pointing at a
pseudonym), consent events and their appraisals' photos are deleted,
certificate scans and Form 8300 personal details are blanked, open checkouts
lose the name, and privacy requests lose their export file. What blocks an
erasure (a checkout being paid, a parked cart, an unfiled Form 8300) is named
in the same sentences.

The fake holds no free text that could name the customer elsewhere (notes,
descriptions), so its search (`plan`, `search`, `catch_up`) finds nothing and
`texts_scrubbed` is 0: the free-text search is tested on the real store
(tests/integration/test_erasure*.py). The retention jobs' methods are not
faked and fail the test that calls them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any, NoReturn

from pos_app.domain import erasure as rules
from pos_app.domain.erasure import Identity
from pos_app.services.ports.privacy import ErasurePlan, ExportRef
from tests.fakes.state import FakeState


class FakeErasureRepository:
    """`ErasureRepository` over the fake state."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def identity(self, customer_id: str) -> Identity | None:
        c = self._state.customers.get(customer_id)
        if c is None or c.get("erased_at") is not None:
            return None
        addresses = tuple(a for a in (c.get("billing_address"), c.get("shipping_address")) if a)
        return Identity(first_name=c["first_name"] or "", last_name=c["last_name"] or "", email=c["email"],
                        phone=c["phone"], addresses=addresses)

    def blockers(self, customer_id: str) -> list[str]:
        checkouts = [self._state.checkout_row(i) for i in self._state.checkouts]
        found = [f"a sale is being paid for at counter {c['terminal']}; finish or cancel it first"
                 for c in sorted(checkouts, key=lambda c: c["created_at"])
                 if c["customer_id"] == customer_id and c["status"] == "open"]
        found += [f"a cart is parked for them at counter {p['terminal']} ({p['label']!r}); finish or delete it first"
                  for p in self._state.parked.values() if p["customer_id"] == customer_id]
        found += [f"the Form 8300 cash report of {r['created_at'].isoformat()[:10]} is not filed yet; the law "
                  "requires it to be filed with the person's details first"
                  for r in self._state.large_cash_reports if r.get("customer_id") == customer_id
                  and r.get("status") == "to_file"]
        return found

    def _appraisals(self, customer_id: str) -> list[dict[str, Any]]:
        return [a for a in self._state.appraisals.values() if a["owner_customer_id"] == customer_id]

    def final_appraisals(self, customer_id: str) -> list[str]:
        rows = [a for a in self._appraisals(customer_id) if a["status"] == "final" and a["seal"] is None]
        return [a["id"] for a in sorted(rows, key=lambda a: (a["spec"].appraised_on, a["number"], a["version"]))]

    def seal(self, appraisal_id: str, seal: str) -> None:
        self._state.appraisals[appraisal_id]["seal"] = seal

    def exports(self, customer_id: str) -> list[ExportRef]:
        mine = sorted((r for r in self._state.requests.values() if r.customer_id == customer_id),
                      key=lambda r: (r.received_on, r.id))
        found = [ExportRef(r.id, *self._state.request_exports[r.id]) for r in mine if r.id in self._state.request_exports]
        return [ref for ref in found if ref.path is not None or ref.sha256 is not None]

    def plan(self, customer_id: str, who: Identity) -> ErasurePlan:
        return ErasurePlan(customer_id=customer_id, rows={}, marks={}, outbox_seq=0)

    def search(self, plan: ErasurePlan, who: Identity) -> ErasurePlan:
        return dataclasses.replace(plan, todo=())

    def catch_up(self, plan: ErasurePlan, who: Identity) -> ErasurePlan:
        return plan

    def _files(self, customer_id: str) -> list[tuple[str, str, int]]:
        mine = {a["id"] for a in self._appraisals(customer_id)}
        photos = [("photo", pid, len(row[3])) for pid, row in self._state.appraisal_photos.items() if row[0] in mine]
        scans = [("scan", cid, len(c["scan"])) for cid, c in self._state.certificates.items()
                 if c["customer_id"] == customer_id and c["scan"] is not None]
        return photos + scans

    def _drop(self, kind: str, row_id: str) -> None:
        if kind == "photo":
            del self._state.appraisal_photos[row_id]
        else:
            self._state.certificates[row_id].update(scan=None, scan_mime_type=None)

    def delete_files(self, customer_id: str, *, at: dt.datetime, max_bytes: int) -> tuple[int, int, bool]:
        taken: list[tuple[str, str]] = []
        total, left = 0, False
        for kind, row_id, size in self._files(customer_id):
            if total and total + size > max_bytes:
                left = True
                break
            taken.append((kind, row_id))
            total += size
        for kind, row_id in taken:
            self._drop(kind, row_id)
        return (sum(1 for k, _ in taken if k == "photo"), sum(1 for k, _ in taken if k == "scan"), left)

    def erase(self, customer_id: str, who: Identity, *, at: dt.datetime,
              plan: ErasurePlan | None = None) -> dict[str, int]:
        consents = [e for e in self._state.consents if e["customer_id"] == customer_id]
        self._state.consents = [e for e in self._state.consents if e["customer_id"] != customer_id]
        files = self._files(customer_id)
        for kind, row_id, _ in files:
            self._drop(kind, row_id)
        reports = [r for r in self._state.large_cash_reports if r.get("customer_id") == customer_id]
        for r in reports:
            r.update(full_name=f"{rules.ERASED_FIRST_NAME} {rules.ERASED_LAST_NAME}", address="",
                     date_of_birth=None, taxpayer_id="", occupation="", id_document="")
        carts = [i for i in self._state.checkouts if self._state.checkout_row(i)["customer_id"] == customer_id]
        for checkout_id in carts:
            self._state.forget_checkout_customer(checkout_id)
        for request in self._state.requests.values():
            if request.customer_id == customer_id and request.id in self._state.request_exports:
                self._state.request_exports[request.id] = (None, self._state.request_exports[request.id][1])
        self._state.customers[customer_id].update(
            first_name=rules.ERASED_FIRST_NAME, last_name=rules.ERASED_LAST_NAME, email=None, phone=None,
            billing_address="", shipping_address="", do_not_sell=False, restricted=False, marketing_objection=False,
            erased_at=at)
        return {"consents_deleted": len(consents),
                "appraisal_photos_deleted": sum(1 for k, _, _ in files if k == "photo"),
                "certificate_scans_deleted": sum(1 for k, _, _ in files if k == "scan"),
                "cash_reports_blanked": len(reports), "checkouts_cleared": len(carts), "texts_scrubbed": 0}

    def kept(self, customer_id: str) -> dict[str, Any]:
        sales = [s for s in self._state.sales.values() if s["customer_id"] == customer_id]
        appraisals = self._appraisals(customer_id)
        certificates = [c for c in self._state.certificates.values() if c["customer_id"] == customer_id]

        def latest(days: list[dt.date | None]) -> dt.date | None:
            known = [d for d in days if d is not None]
            return max(known) if known else None

        return {"sales": len(sales), "last_sale_on": latest([s["completed_at"].date() for s in sales]),
                "appraisals": len(appraisals), "appraisals_until": latest([a["retain_until"] for a in appraisals]),
                "certificates": len(certificates),
                "certificates_until": latest([c["retain_until"] for c in certificates]),
                "cash_reports_filed_on": [r.get("filed_on") for r in self._state.large_cash_reports
                                          if r.get("customer_id") == customer_id],
                "requests": sum(1 for r in self._state.requests.values() if r.customer_id == customer_id)}

    def add_log(self, customer_hash: str, request_id: str | None, at: dt.datetime) -> None:
        if all(h != customer_hash for h, _, _ in self._state.erasure_log):  # INSERT OR IGNORE
            self._state.erasure_log.append((customer_hash, request_id, at.isoformat()))

    def log(self) -> list[tuple[str, str | None, str]]:
        return sorted(self._state.erasure_log, key=lambda e: e[2])

    def live_customer_ids(self) -> Iterator[str]:
        return iter([cid for cid, c in self._state.customers.items() if c.get("erased_at") is None])

    def _retention(self) -> NoReturn:
        raise AssertionError("FakeErasureRepository has no retention jobs; test them through the store")

    def detach_old_sales(self, before: dt.date, *, at: dt.datetime) -> int:
        self._retention()

    def blank_old_cash_reports(self, filed_before: dt.date, *, at: dt.datetime) -> int:
        self._retention()

    def delete_old_requests(self, answered_before: dt.date, *, at: dt.datetime) -> int:
        self._retention()

    def delete_unlinked_pseudonyms(self, *, at: dt.datetime) -> int:
        self._retention()
