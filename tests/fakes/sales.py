"""The counter's reader and card refunds, in memory.

A sale is read as `FakeCounterRepository.write_sale` keeps it (its `NewSale` as a
dict, with `lines` and `payments` as dicts). The reader answers as
`persistence/sales_queries.py` does: a line's `returned` counts only completed
later returns, a void's refund payments belong to the voided sale, an erased
customer reads "(erased)", and the shift's figures keep sold and returned lines
apart. Line and payment ids are derived from the sale's id and the line's
position (the counter's fake stores none), so a return that names a line finds
it again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import Any

from pos_app.domain.payments import EmvReceipt
from pos_app.services.ports.customers import CustomerHit
from pos_app.services.ports.sales import (
    CardRefundRow,
    LargeCashRow,
    ParkedCartRow,
    PaymentDetail,
    PrintJobRow,
    SaleDetail,
    SaleLineDetail,
    SaleSummary,
    ShiftFigures,
    ShiftRecord,
)
from tests.fakes.state import FakeState, new_id, utcnow

SETTLED = ("succeeded", "failed", "canceled")


def line_id(sale_id: str, position: int) -> str:
    """The id the fake reader gives a sale's line (the real one is a stored uuid)."""
    return f"{sale_id}:line-{position}"


class FakeSalesReader:
    """`SalesReader` over the fake state."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    # ------------------------------------------------------------ sales

    def _customer_name(self, customer_id: str | None) -> str:
        row = self._state.customers.get(customer_id or "")
        if row is None:
            return ""
        if row.get("erased_at") is not None:
            return "(erased)"
        return f"{row['first_name'] or ''} {row['last_name'] or ''}".strip()

    def _payments(self, sale: dict[str, Any]) -> Iterator[dict[str, Any]]:
        for index, payment in enumerate(sale["payments"], start=1):
            yield {"id": f"{sale['id']}:payment-{index}", **payment}
        for sale_id, payment in self._state.refund_payments:
            if sale_id == sale["id"]:
                yield payment

    def _completed(self) -> Iterator[dict[str, Any]]:
        return (s for s in self._state.sales.values() if s["status"] == "completed")

    def sales(self, *, since: dt.datetime | None = None, until: dt.datetime | None = None,
              limit: int = 500) -> list[SaleSummary]:
        rows = [s for s in self._state.sales.values()
                if (since is None or s["completed_at"] >= since) and (until is None or s["completed_at"] < until)]
        rows.sort(key=lambda s: s["completed_at"], reverse=True)
        return [SaleSummary(id=s["id"], number=s["number"], kind=s["kind"], status=s["status"],
                            completed_at=s["completed_at"], clerk=self._state.staff[s["staff_id"]].record.name,
                            customer=self._customer_name(s["customer_id"]), currency=s["currency"],
                            total_cents=s["total_cents"],
                            tenders=", ".join(sorted({p["tender"] for p in self._payments(s)})))
                for s in rows[:limit]]

    def sale_id_for_number(self, number: str) -> str | None:
        wanted = number.strip().upper()
        return next((s["id"] for s in self._state.sales.values() if s["number"] == wanted), None)

    @staticmethod
    def _lines(sale: dict[str, Any]) -> list[dict[str, Any]]:
        """The sale's lines with their position, list price and total, as the `sale_lines` row has them."""
        return [{**x, "position": position, "list_price_cents": x.get("list_price_cents") or x["unit_price_cents"],
                 "total_cents": x["unit_price_cents"] * x["quantity"] - x["discount_cents"] + x["tax_cents"]}
                for position, x in enumerate(sale["lines"], start=1)]

    def _returned(self, of_line: str) -> int:
        return -sum(int(line["quantity"]) for s in self._completed() for line in s["lines"]
                    if line.get("returns_line_id") == of_line)

    def sale(self, sale_id: str) -> SaleDetail | None:
        s = self._state.sales.get(sale_id)
        if s is None:
            return None
        original = self._state.sales.get(s.get("original_sale_id") or "")
        lines = tuple(
            SaleLineDetail(id=line_id(sale_id, x["position"]), item_id=x["item_id"], position=x["position"],
                           sku=x["sku"], description=x["description"], quantity=x["quantity"],
                           unit_price_cents=x["unit_price_cents"], list_price_cents=x["list_price_cents"],
                           discount_cents=x["discount_cents"], tax_cents=x["tax_cents"], total_cents=x["total_cents"],
                           returns_line_id=x.get("returns_line_id"),
                           returned=self._returned(line_id(sale_id, x["position"])),
                           unique=self._state.items[x["item_id"]].spec.tracking.value == "unique")
            for x in self._lines(s))
        payments = tuple(
            PaymentDetail(id=p["id"], tender=p["tender"], amount_cents=p["amount_cents"], status=p["status"],
                          payment_intent_id=p.get("payment_intent_id"), card_brand=p.get("card_brand"),
                          card_last4=p.get("card_last4"), tendered_cents=p.get("tendered_cents"),
                          refund_id=p.get("refund_id"), card_receipt=_receipt(p.get("card_receipt")))
            for p in self._payments(s))
        return SaleDetail(
            id=sale_id, number=s["number"], terminal=s["terminal"], kind=s["kind"], status=s["status"],
            completed_at=s["completed_at"], staff_id=s["staff_id"], clerk=self._state.staff[s["staff_id"]].record.name,
            customer_id=s["customer_id"], customer=self._customer_name(s["customer_id"]), currency=s["currency"],
            subtotal_cents=s["subtotal_cents"], discount_cents=s["discount_cents"], tax_cents=s["tax_cents"],
            total_cents=s["total_cents"], tax_exempt_number=s.get("tax_exempt_number"),
            original_number=original["number"] if original else None, shift_id=s.get("shift_id"), lines=lines,
            payments=payments)

    def refunded_by_payment_intent(self, payment_intent_ids: Sequence[str]) -> dict[str, int]:
        wanted = set(payment_intent_ids)
        found: dict[str, int] = {}
        for s in self._completed():
            for p in self._payments(s):
                pi = p.get("payment_intent_id")
                if p["amount_cents"] < 0 and pi in wanted:
                    found[pi] = found.get(pi, 0) - p["amount_cents"]
        return found

    def customer_cash_since(self, customer_id: str, since: dt.datetime) -> int:
        return sum(p["amount_cents"] for s in self._completed()
                   if s["customer_id"] == customer_id and s["completed_at"] >= since
                   for p in self._payments(s) if p["tender"] == "cash")

    # ------------------------------------------------------------ customers

    def _hit(self, c: dict[str, Any]) -> CustomerHit:
        return CustomerHit(id=c["id"], name=f"{c['first_name'] or ''} {c['last_name'] or ''}".strip(),
                           email=c["email"], phone=c["phone"], restricted=bool(c["restricted"]))

    def _live(self) -> list[dict[str, Any]]:
        rows = [c for c in self._state.customers.values() if c.get("erased_at") is None]
        return sorted(rows, key=lambda c: (c["last_name"] or "", c["first_name"] or ""))

    def find_customers(self, text: str, limit: int = 20) -> list[CustomerHit]:
        text = text.strip().lower()
        if not text:
            return []
        digits = "".join(ch for ch in text if ch.isdigit())

        def matches(c: dict[str, Any]) -> bool:
            name = f"{c['first_name'] or ''} {c['last_name'] or ''}".strip()
            if any((v or "").lower().startswith(text) for v in (c["first_name"], c["last_name"], c["email"], name)):
                return True
            return len(digits) >= 3 and digits in (c["phone"] or "")

        return [self._hit(c) for c in self._live() if matches(c)][:limit]

    def customers(self, text: str = "", limit: int = 500) -> list[CustomerHit]:
        if text.strip():
            return self.find_customers(text, limit)
        return [self._hit(c) for c in self._live()][:limit]

    def customer(self, customer_id: str) -> CustomerHit | None:
        c = self._state.customers.get(customer_id)
        return None if c is None or c.get("erased_at") is not None else self._hit(c)

    def current_policy_version(self, today: dt.date) -> tuple[str, int] | None:
        in_force = [p for p in self._state.policies if p[2] <= today]
        if not in_force:
            return None
        policy_id, version, _, _ = max(in_force, key=lambda p: (p[2], p[1]))
        return policy_id, version

    # ------------------------------------------------------------ the counter's own state

    def parked_carts(self, terminal: str) -> list[ParkedCartRow]:
        rows = sorted(((k, p) for k, p in self._state.parked.items() if p["terminal"] == terminal),
                      key=lambda kp: kp[1]["parked_at"])
        return [ParkedCartRow(id=k, label=p["label"], staff=self._state.staff[p["staff_id"]].record.name,
                              customer_id=p["customer_id"], parked_at=p["parked_at"],
                              lines=len(p["cart"].get("lines", [])), cart=dict(p["cart"])) for k, p in rows]

    def print_queue(self, terminal: str) -> list[PrintJobRow]:
        jobs = [j for j in self._state.print_jobs.values() if j["terminal"] == terminal and j["status"] == "queued"]
        return [PrintJobRow(id=j["id"], document=j["document"], sale_id=j["sale_id"],
                            sale_number=self._state.sales[j["sale_id"]]["number"] if j["sale_id"] else None,
                            shift_id=j["shift_id"], error=j["error"], created_at=j["created_at"])
                for j in sorted(jobs, key=lambda j: j["created_at"])]

    def open_checkout_ids(self, terminal: str) -> list[str]:
        rows = [self._state.checkout_row(i) for i in self._state.checkouts]
        mine = [c for c in rows if c["terminal"] == terminal and c["status"] == "open"]
        return [c["id"] for c in sorted(mine, key=lambda c: c["created_at"])]

    # ------------------------------------------------------------ the cash drawer

    def _shift(self, s: dict[str, Any] | None) -> ShiftRecord | None:
        if s is None:
            return None
        counted, expected = s.get("counted_cents"), s.get("expected_cents")
        z = s.get("z_report")
        return ShiftRecord(id=s["id"], terminal=s["terminal"], opened_by=s["opened_by"], opened_at=s["opened_at"],
                           float_cents=s["float_cents"], currency=s["currency"], status=s["status"],
                           closed_by=s.get("closed_by"), closed_at=s.get("closed_at"), counted_cents=counted,
                           expected_cents=expected,
                           variance_cents=None if counted is None or expected is None else counted - expected,
                           z_report=None if z is None else tuple((str(a), str(b)) for a, b in z))

    def open_shift(self, terminal: str) -> ShiftRecord | None:
        open_ = [s for s in self._state.shifts.values() if s["terminal"] == terminal and s["status"] == "open"]
        return self._shift(max(open_, key=lambda s: s["opened_at"]) if open_ else None)

    def shift(self, shift_id: str) -> ShiftRecord | None:
        return self._shift(self._state.shifts.get(shift_id))

    def shift_figures(self, shift_id: str) -> ShiftFigures:
        of_shift = [s for s in self._state.sales.values() if s.get("shift_id") == shift_id]
        pay: dict[tuple[str, bool], int] = {}
        for s in of_shift:  # voided sales too: a void adds the refunds that cancel its payments
            for p in self._payments(s):
                key = (p["tender"], p["amount_cents"] > 0)
                pay[key] = pay.get(key, 0) + p["amount_cents"]
        completed = [s for s in of_shift if s["status"] == "completed"]
        sold = [(s["id"], x) for s in completed for x in self._lines(s) if x.get("returns_line_id") is None]
        back = [(s["id"], x) for s in completed for x in self._lines(s) if x.get("returns_line_id") is not None]
        moves = [m for m in self._state.cash_movements if m["shift_id"] == shift_id]

        def moved(kind: str) -> int:
            return sum(m["amount_cents"] for m in moves if m["kind"] == kind)

        return ShiftFigures(
            sales=len({sid for sid, _ in sold}), voided=sum(1 for s in of_shift if s["status"] == "voided"),
            cash_in=pay.get(("cash", True), 0), cash_out=-pay.get(("cash", False), 0),
            card_in=pay.get(("card", True), 0), card_out=-pay.get(("card", False), 0),
            paid_in=moved("paid_in"), paid_out=moved("paid_out"),
            no_sales=sum(1 for m in moves if m["kind"] == "no_sale"),
            gross_sales=sum(s["total_cents"] for s in completed),
            tax=sum(x["tax_cents"] for s in completed for x in s["lines"]),
            discounts=sum(x["discount_cents"] for _, x in sold),
            sold_before_discounts=sum(x["total_cents"] - x["tax_cents"] + x["discount_cents"] for _, x in sold),
            returns=len({sid for sid, _ in back}), returned_pieces=-sum(x["quantity"] for _, x in back),
            returned=-sum(x["total_cents"] - x["tax_cents"] for _, x in back),
            returned_tax=-sum(x["tax_cents"] for _, x in back))

    def large_cash_reports(self) -> list[LargeCashRow]:
        rows = sorted(self._state.large_cash_reports, key=lambda r: r["created_at"], reverse=True)
        return [LargeCashRow(id=r["id"], sale_number=self._state.sales[r["sale_id"]]["number"] if r["sale_id"]
                             else None, customer=self._customer_name(r["customer_id"]), full_name=r["full_name"],
                             cash_cents=r["cash_cents"], twelve_month_cents=r["twelve_month_cents"],
                             status=r["status"], created_at=r["created_at"]) for r in rows]


def _receipt(value: object) -> EmvReceipt | None:
    if not value:
        return None
    if isinstance(value, EmvReceipt):
        return value
    return EmvReceipt.from_dict(json.loads(value) if isinstance(value, str) else value)  # type: ignore[arg-type]


class FakeCardRefundRepository:
    """`CardRefundRepository`: one row per Stripe refund id (a retried key updates it), settled when final."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def record(self, *, refund_id: str, payment_intent_id: str, amount_cents: int, currency: str, status: str,
               failure_reason: str | None, card_brand: str | None, card_last4: str | None, reason: str,
               terminal: str, staff_id: str | None, sale_id: str | None = None,
               checkout_id: str | None = None) -> str:
        row = next((r for r in self._state.card_refunds.values() if r["refund_id"] == refund_id), None)
        if row is None:
            row_id = new_id("card-refund")
            row = self._state.card_refunds[row_id] = {
                "id": row_id, "refund_id": refund_id, "payment_intent_id": payment_intent_id,
                "amount_cents": amount_cents, "currency": currency, "card_brand": card_brand,
                "card_last4": card_last4, "reason": reason, "terminal": terminal, "staff_id": staff_id,
                "sale_id": sale_id, "checkout_id": checkout_id, "created_at": utcnow(), "settled_at": None,
                "checked_at": None, "handled_at": None, "handled_by": None, "handled_how": None}
        row.update(status=status, failure_reason=failure_reason)
        if status in SETTLED:
            row["settled_at"] = row["settled_at"] or utcnow()
        return str(row["id"])

    def _row(self, r: dict[str, Any]) -> CardRefundRow:
        sale_id = r["sale_id"]
        if sale_id is None and r["checkout_id"] is not None:
            found = r["checkout_id"] in self._state.checkouts
            sale_id = self._state.checkout_row(r["checkout_id"])["sale_id"] if found else None
        sale = self._state.sales.get(sale_id or "")
        return CardRefundRow(id=r["id"], refund_id=r["refund_id"], payment_intent_id=r["payment_intent_id"],
                             amount_cents=r["amount_cents"], currency=r["currency"], status=r["status"],
                             failure_reason=r["failure_reason"], card_brand=r["card_brand"],
                             card_last4=r["card_last4"], reason=r["reason"],
                             sale_number=sale["number"] if sale else None, created_at=r["created_at"],
                             handled_at=r["handled_at"], handled_how=r["handled_how"])

    def _rows(self, keep: Any) -> list[CardRefundRow]:
        rows = sorted((r for r in self._state.card_refunds.values() if keep(r)), key=lambda r: r["created_at"])
        return [self._row(r) for r in rows]

    def unsettled(self) -> list[CardRefundRow]:
        return self._rows(lambda r: r["status"] not in SETTLED)

    def needing_attention(self) -> list[CardRefundRow]:
        return self._rows(lambda r: r["status"] != "succeeded" and r["handled_at"] is None)

    def get(self, row_id: str) -> CardRefundRow | None:
        r = self._state.card_refunds.get(row_id)
        return None if r is None else self._row(r)

    def set_status(self, refund_id: str, status: str, failure_reason: str | None, *, at: dt.datetime) -> None:
        (row,) = [r for r in self._state.card_refunds.values() if r["refund_id"] == refund_id]  # `.one()`
        row["checked_at"] = at
        if row["status"] != status:
            row.update(status=status, failure_reason=failure_reason)
            if status in SETTLED:
                row["settled_at"] = at
            for _, payment in self._state.refund_payments:  # the sale's refund row says what became of it
                if payment.get("refund_id") == refund_id:
                    payment["status"] = status
            for sale in self._state.sales.values():
                for payment in sale["payments"]:
                    if payment.get("refund_id") == refund_id:
                        payment["status"] = status

    def mark_handled(self, row_id: str, *, by: str | None, how: str, at: dt.datetime) -> None:
        row = self._state.card_refunds[row_id]
        row.update(handled_at=at, handled_by=by, handled_how=how[:200])
