"""The counter's rows in memory: parked carts, sales, shifts and the print queue (journals: `checkout.py`).

Like `persistence/counter_repo.py` and its stock guard, a sale takes each unique
piece only while it is available (`ItemAlreadySold` otherwise, before anything
of the sale is written) and no ledger line may take an item below zero
(`NotEnoughStock`); the sale's audit event is written with it. A sale naming an
erased customer is refused (`CustomerErased`), as migration 0017's trigger refuses it.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from pos_app.domain.errors import CustomerErased, ItemAlreadySold
from pos_app.domain.jewelry import ItemStatus
from pos_app.domain.permissions import Actor
from pos_app.services.ports.sales import NewPayment, NewSale
from tests.fakes.inventory import FakeStockLedger
from tests.fakes.state import AuditEvent, FakeState, new_id, utcnow


class FakeCounterRepository:
    """`CounterRepository` over the fake state."""

    def __init__(self, state: FakeState) -> None:
        self._state = state
        self._ledger = FakeStockLedger(state)

    def next_sale_number(self, terminal: str) -> int:
        number = self._state.sale_numbers.get(terminal, 0) + 1
        self._state.sale_numbers[terminal] = number
        return number

    def items_for_sale(self, item_ids: Sequence[str]) -> dict[str, tuple[str, str, int]]:
        found = {}
        for item_id in item_ids:
            row = self._state.items.get(item_id)
            if row is not None:
                found[item_id] = (row.spec.status.value, row.spec.tracking.value, self._state.on_hand(item_id))
        return found

    def write_sale(self, sale: NewSale, *, actor: Actor, action: str | None = "sale.completed",
                   at: dt.datetime | None = None) -> str:
        self.set_statuses(sale.statuses)  # the pieces first: one sold meanwhile stops the sale
        customer = self._state.customers.get(sale.customer_id) if sale.customer_id else None
        if customer is not None and customer.get("erased_at") is not None:
            raise CustomerErased()
        sale_id = new_id("sale")
        row = {k: v for k, v in dataclasses.asdict(sale).items() if k not in ("audit_summary", "approved_by")}
        self._state.sales[sale_id] = {**row, "id": sale_id, "status": "completed",
                                      "subtotal_cents": sale.subtotal_cents, "discount_cents": sale.discount_cents,
                                      "tax_cents": sale.tax_cents, "total_cents": sale.total_cents}
        self.record_moves([line.move for line in sale.lines], reference=sale.number, actor=actor)
        if action is not None:
            self._state.audit.append(AuditEvent(actor, action, "sale", sale_id,
                                                {"number": sale.number, **sale.audit_summary}, sale.approved_by))
        return sale_id

    def line_ids(self, sale_id: str) -> list[str]:
        return [f"{sale_id}:{n}" for n in range(1, len(self._state.sales[sale_id]["lines"]) + 1)]

    def void_sale(self, sale_id: str, *, by: str | None, reason: str, at: dt.datetime) -> None:
        self._state.sales[sale_id].update(status="voided", voided_at=at, voided_by=by, void_reason=reason)

    def record_moves(self, moves: Sequence[tuple[str, str, int]], *, reference: str, actor: Actor) -> None:
        for item_id, kind, quantity in moves:
            self._ledger.record(item_id, kind, quantity, actor=actor, reason=kind, reference=reference)

    def set_statuses(self, statuses: Sequence[tuple[str, str]]) -> None:
        for item_id, status in statuses:
            row = self._state.items.get(item_id)
            if status == ItemStatus.SOLD.value:
                if row is None or row.spec.status is not ItemStatus.AVAILABLE:
                    raise ItemAlreadySold(row.spec.sku if row else item_id, row.spec.status.value if row else "missing")
            if row is not None:
                row.spec = dataclasses.replace(row.spec, status=ItemStatus.of(status))

    def add_refund_payment(self, sale_id: str, payment: NewPayment) -> str:
        self._state.sales[sale_id]  # noqa: B018 - the payment's foreign key
        payment_id = new_id("payment")
        self._state.refund_payments.append((sale_id, {**dataclasses.asdict(payment), "id": payment_id}))
        return payment_id

    def park(self, *, terminal: str, staff_id: str | None, customer_id: str | None, label: str,
             cart: dict[str, Any]) -> str:
        park_id = new_id("parked")
        self._state.parked[park_id] = {"terminal": terminal, "staff_id": staff_id, "customer_id": customer_id,
                                       "label": label, "cart": copy.deepcopy(cart), "parked_at": utcnow()}
        return park_id

    def take_parked(self, park_id: str) -> dict[str, Any] | None:
        found = self._state.parked.pop(park_id, None)
        return None if found is None else dict(found["cart"])

    def enqueue_print(self, *, terminal: str, document: str, sale_id: str | None, shift_id: str | None,
                      error: str) -> str:
        job_id = new_id("print")
        self._state.print_jobs[job_id] = {"id": job_id, "terminal": terminal, "document": document,
                                          "sale_id": sale_id, "shift_id": shift_id, "error": error,
                                          "status": "queued", "attempts": 0,
                                          "created_at": utcnow()}
        return job_id

    def finish_print(self, job_id: str, status: str) -> None:
        self._state.print_jobs[job_id]["status"] = status

    def note_print_problem(self, job_id: str, error: str) -> None:
        job = self._state.print_jobs[job_id]
        job.update(error=error, attempts=job["attempts"] + 1)

    def print_job(self, job_id: str) -> dict[str, Any] | None:
        job = self._state.print_jobs.get(job_id)
        return None if job is None else dict(job)

    def open_shift_id(self, terminal: str) -> str | None:
        open_ = [s for s in self._state.shifts.values() if s["terminal"] == terminal and s["status"] == "open"]
        return max(open_, key=lambda s: s["opened_at"])["id"] if open_ else None

    def open_shift(self, *, terminal: str, staff_id: str | None, float_cents: int, currency: str) -> str:
        shift_id = new_id("shift")
        self._state.shifts[shift_id] = {"id": shift_id, "terminal": terminal, "opened_by": staff_id,
                                        "float_cents": float_cents, "currency": currency, "status": "open",
                                        "opened_at": utcnow()}
        return shift_id

    def close_shift(self, shift_id: str, *, staff_id: str | None, counted: dict[str, int], counted_cents: int,
                    expected_cents: int, z_report: list[list[str]]) -> None:
        self._state.shifts[shift_id].update(status="closed", closed_by=staff_id, counted=dict(counted),
                                            counted_cents=counted_cents, expected_cents=expected_cents,
                                            z_report=[list(r) for r in z_report], closed_at=utcnow())

    def add_cash_movement(self, shift_id: str, *, kind: str, amount_cents: int, reason: str, staff_id: str | None,
                          approved_by: str | None) -> str:
        self._state.shifts[shift_id]  # noqa: B018 - the movement's foreign key
        movement_id = new_id("cash")
        self._state.cash_movements.append({"id": movement_id, "shift_id": shift_id, "kind": kind,
                                           "amount_cents": amount_cents, "reason": reason, "staff_id": staff_id,
                                           "approved_by": approved_by})
        return movement_id

    def add_large_cash_report(self, report: dict[str, Any]) -> str:
        report_id = new_id("form8300")
        self._state.large_cash_reports.append({**copy.deepcopy(report), "id": report_id, "created_at": utcnow()})
        return report_id
