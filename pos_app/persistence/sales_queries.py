"""Read-only queries of the counter: sales, receipts, customers to attach,
parked carts, the print queue and the cash drawer's figures.

Raw DBAPI like `queries.py`: one statement per question, never one per row.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from pos_app.domain.commission import Credit
from pos_app.domain.payments import EmvReceipt
from pos_app.services.ports.customers import CustomerHit
from pos_app.services.ports.sales import (
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


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def _ts(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


_CUSTOMER_NAME = "trim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, ''))"


class SqliteSalesReader:
    # Sales join their clerk with LEFT JOIN: a sale another store of a sync group made (pulled from central, to
    # be returned here) names a clerk this store's file may not hold; it is found all the same.

    def __init__(self, conn: Any) -> None:
        self._c = conn

    # ------------------------------------------------------------ sales

    def sales(self, *, since: dt.datetime | None = None, until: dt.datetime | None = None,
              limit: int = 500) -> list[SaleSummary]:
        """Newest first, through the completed_at index; tenders named in one grouped subquery."""
        where, args = [], []
        if since is not None:
            where.append("s.completed_at >= ?")
            args.append(_ts(since))
        if until is not None:
            where.append("s.completed_at < ?")
            args.append(_ts(until))
        sql = (
            "SELECT s.id, s.number, s.kind, s.status, s.completed_at, coalesce(st.name, ''), "
            f"CASE WHEN c.erased_at IS NULL THEN {_CUSTOMER_NAME} ELSE '(erased)' END, s.currency, s.total_cents, "
            "(SELECT group_concat(DISTINCT p.tender) FROM payments p WHERE p.sale_id = s.id) "
            "FROM sales s LEFT JOIN staff st ON st.id = s.staff_id LEFT JOIN customers c ON c.id = s.customer_id "
            + (f"WHERE {' AND '.join(where)} " if where else "")
            + "ORDER BY s.completed_at DESC LIMIT ?"
        )
        return [
            SaleSummary(id=r[0], number=r[1], kind=r[2], status=r[3], completed_at=_utc(r[4]), clerk=r[5],
                        customer=r[6] or "", currency=r[7], total_cents=r[8],
                        tenders=", ".join(sorted((r[9] or "").split(","))).strip(", "))
            for r in self._c.execute(sql, (*args, limit))
        ]

    def sale_id_for_number(self, number: str) -> str | None:
        row = self._c.execute("SELECT id FROM sales WHERE number = ?", (number.strip().upper(),)).fetchone()
        return None if row is None else str(row[0])

    def sale(self, sale_id: str) -> SaleDetail | None:
        r = self._c.execute(
            "SELECT s.id, s.number, s.terminal, s.kind, s.status, s.completed_at, s.staff_id, coalesce(st.name, ''), "
            "s.customer_id, "
            f"CASE WHEN c.erased_at IS NULL THEN {_CUSTOMER_NAME} ELSE '(erased)' END, s.currency, s.subtotal_cents, "
            "s.discount_cents, s.tax_cents, s.total_cents, s.tax_exempt_number, o.number, s.shift_id "
            "FROM sales s LEFT JOIN staff st ON st.id = s.staff_id LEFT JOIN customers c ON c.id = s.customer_id "
            "LEFT JOIN sales o ON o.id = s.original_sale_id WHERE s.id = ?", (sale_id,),
        ).fetchone()
        if r is None:
            return None
        lines = tuple(
            SaleLineDetail(id=x[0], item_id=x[1], position=x[2], sku=x[3], description=x[4], quantity=x[5],
                           unit_price_cents=x[6], list_price_cents=x[7], discount_cents=x[8], tax_cents=x[9],
                           total_cents=x[10], returns_line_id=x[11], returned=int(x[12] or 0),
                           unique=x[13] == "unique")
            for x in self._c.execute(
                "SELECT l.id, l.item_id, l.position, l.sku, l.description, l.quantity, l.unit_price_cents, "
                "l.list_price_cents, l.discount_cents, l.tax_cents, l.total_cents, l.returns_line_id, "
                "(SELECT -sum(r.quantity) FROM sale_lines r JOIN sales rs ON rs.id = r.sale_id "
                "  WHERE r.returns_line_id = l.id AND rs.status = 'completed'), i.tracking "
                "FROM sale_lines l JOIN items i ON i.id = l.item_id WHERE l.sale_id = ? ORDER BY l.position",
                (sale_id,))
        )
        payments = tuple(
            PaymentDetail(id=p[0], tender=p[1], amount_cents=p[2], status=p[3], payment_intent_id=p[4],
                          card_brand=p[5], card_last4=p[6], tendered_cents=p[7], refund_id=p[8],
                          card_receipt=EmvReceipt.from_dict(json.loads(p[9])) if p[9] else None)
            for p in self._c.execute(
                "SELECT id, tender, amount_cents, status, payment_intent_id, card_brand, card_last4, tendered_cents, "
                "refund_id, card_receipt FROM payments WHERE sale_id = ? ORDER BY created_at, rowid", (sale_id,))
        )
        credits = tuple(
            Credit(c[0], int(c[1]), int(c[2]), c[3] or "")
            for c in self._c.execute(
                "SELECT c.staff_id, c.share_from_bp, c.share_to_bp, st.name FROM sale_credits c "
                "LEFT JOIN staff st ON st.id = c.staff_id WHERE c.sale_id = ? ORDER BY c.position", (sale_id,))
        )
        return SaleDetail(
            id=r[0], number=r[1], terminal=r[2], kind=r[3], status=r[4], completed_at=_utc(r[5]), staff_id=r[6],
            clerk=r[7], customer_id=r[8], customer=r[9] or "", currency=r[10], subtotal_cents=r[11],
            discount_cents=r[12], tax_cents=r[13], total_cents=r[14], tax_exempt_number=r[15], original_number=r[16],
            shift_id=r[17], lines=lines, payments=payments, credits=credits,
        )

    def refunded_by_payment_intent(self, payment_intent_ids: Sequence[str]) -> dict[str, int]:
        """Cents already refunded to each PaymentIntent by completed returns."""
        ids = list(payment_intent_ids)
        if not ids:
            return {}
        sql = ("SELECT p.payment_intent_id, -sum(p.amount_cents) FROM payments p JOIN sales s ON s.id = p.sale_id "
               "WHERE p.amount_cents < 0 AND s.status = 'completed' "
               f"AND p.payment_intent_id IN ({', '.join('?' * len(ids))}) "
               "GROUP BY p.payment_intent_id")
        return {r[0]: int(r[1]) for r in self._c.execute(sql, ids)}

    def customer_cash_since(self, customer_id: str, since: dt.datetime) -> int:
        """Cash received from a customer since a moment (Form 8300's 12 months), net of cash refunds."""
        row = self._c.execute(
            "SELECT coalesce(sum(p.amount_cents), 0) FROM sales s JOIN payments p ON p.sale_id = s.id "
            "WHERE s.customer_id = ? AND s.completed_at >= ? AND s.status = 'completed' AND p.tender = 'cash'",
            (customer_id, _ts(since)),
        ).fetchone()
        return int(row[0])

    # ------------------------------------------------------------ customers

    def find_customers(self, text: str, limit: int = 20) -> list[CustomerHit]:
        """By name, email or phone digits; erased customers never come back."""
        text = text.strip()
        if not text:
            return []
        like = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        digits = "".join(ch for ch in text if ch.isdigit())
        clauses = ["c.first_name LIKE ? ESCAPE '\\'", "c.last_name LIKE ? ESCAPE '\\'", "c.email LIKE ? ESCAPE '\\'",
                   f"{_CUSTOMER_NAME} LIKE ? ESCAPE '\\'"]
        args: list[Any] = [like, like, like, like]
        if len(digits) >= 3:
            clauses.append("c.phone LIKE ?")
            args.append(f"%{digits}%")
        sql = (f"SELECT c.id, {_CUSTOMER_NAME}, c.email, c.phone, c.restricted FROM customers c "
               f"WHERE c.erased_at IS NULL AND ({' OR '.join(clauses)}) ORDER BY c.last_name, c.first_name LIMIT ?")
        return [CustomerHit(id=r[0], name=r[1], email=r[2], phone=r[3], restricted=bool(r[4]))
                for r in self._c.execute(sql, (*args, limit))]

    def customers(self, text: str = "", limit: int = 500) -> list[CustomerHit]:
        """`find_customers`, or with no text every customer by name (erased ones never)."""
        if text.strip():
            return self.find_customers(text, limit)
        sql = (f"SELECT c.id, {_CUSTOMER_NAME}, c.email, c.phone, c.restricted FROM customers c "
               "WHERE c.erased_at IS NULL ORDER BY c.last_name, c.first_name LIMIT ?")
        return [CustomerHit(id=r[0], name=r[1], email=r[2], phone=r[3], restricted=bool(r[4]))
                for r in self._c.execute(sql, (limit,))]

    def customer(self, customer_id: str) -> CustomerHit | None:
        r = self._c.execute(f"SELECT c.id, {_CUSTOMER_NAME}, c.email, c.phone, c.restricted FROM customers c "
                            "WHERE c.id = ? AND c.erased_at IS NULL", (customer_id,)).fetchone()
        return None if r is None else CustomerHit(id=r[0], name=r[1], email=r[2], phone=r[3], restricted=bool(r[4]))

    def current_policy_version(self, today: dt.date) -> tuple[str, int] | None:
        """(id, version) of the privacy policy in force today."""
        r = self._c.execute("SELECT id, version FROM policy_versions WHERE effective_on <= ? "
                            "ORDER BY effective_on DESC, version DESC LIMIT 1", (today.isoformat(),)).fetchone()
        return None if r is None else (str(r[0]), int(r[1]))

    # ------------------------------------------------------------ the counter's own state

    def parked_carts(self, terminal: str) -> list[ParkedCartRow]:
        rows = self._c.execute(
            "SELECT p.id, p.label, st.name, p.customer_id, p.parked_at, p.cart FROM parked_carts p "
            "JOIN staff st ON st.id = p.staff_id WHERE p.terminal = ? ORDER BY p.parked_at", (terminal,))
        result = []
        for r in rows:
            cart = json.loads(r[5])
            result.append(ParkedCartRow(id=r[0], label=r[1], staff=r[2], customer_id=r[3], parked_at=_utc(r[4]),
                                        lines=len(cart.get("lines", [])), cart=cart))
        return result

    def print_queue(self, terminal: str) -> list[PrintJobRow]:
        rows = self._c.execute(
            "SELECT q.id, q.document, q.sale_id, s.number, q.shift_id, q.error, q.created_at FROM print_queue q "
            "LEFT JOIN sales s ON s.id = q.sale_id WHERE q.terminal = ? AND q.status = 'waiting' "
            "ORDER BY q.created_at", (terminal,))
        return [PrintJobRow(id=r[0], document=r[1], sale_id=r[2], sale_number=r[3], shift_id=r[4], error=r[5],
                            created_at=_utc(r[6])) for r in rows]

    def open_checkout_ids(self, terminal: str) -> list[str]:
        return [r[0] for r in self._c.execute(
            "SELECT id FROM checkouts WHERE terminal = ? AND status = 'open' ORDER BY created_at", (terminal,))]

    # ------------------------------------------------------------ the cash drawer

    _SHIFT = ("SELECT id, terminal, opened_by, opened_at, float_cents, currency, status, closed_by, closed_at, "
              "counted_cents, expected_cents, variance_cents, z_report FROM shifts ")

    def _shift(self, r: Sequence[Any] | None) -> ShiftRecord | None:
        if r is None:
            return None
        z = None if r[12] is None else tuple((str(a), str(b)) for a, b in json.loads(r[12]))
        return ShiftRecord(id=r[0], terminal=r[1], opened_by=r[2], opened_at=_utc(r[3]), float_cents=r[4],
                           currency=r[5], status=r[6], closed_by=r[7], closed_at=None if r[8] is None else _utc(r[8]),
                           counted_cents=r[9], expected_cents=r[10], variance_cents=r[11], z_report=z)

    def open_shift(self, terminal: str) -> ShiftRecord | None:
        return self._shift(self._c.execute(
            self._SHIFT + "WHERE terminal = ? AND status = 'open' ORDER BY opened_at DESC LIMIT 1",
            (terminal,)).fetchone())

    def shift(self, shift_id: str) -> ShiftRecord | None:
        return self._shift(self._c.execute(self._SHIFT + "WHERE id = ?", (shift_id,)).fetchone())

    def shift_figures(self, shift_id: str) -> ShiftFigures:
        # Every payment of the shift's sales, voided ones too: a void adds the refunds that cancel its payments.
        pay = {(r[0], r[1]): int(r[2]) for r in self._c.execute(
            "SELECT p.tender, p.amount_cents > 0, sum(p.amount_cents) FROM payments p JOIN sales s ON s.id = p.sale_id "
            "WHERE s.shift_id = ? GROUP BY p.tender, p.amount_cents > 0", (shift_id,))}
        sales = self._c.execute(
            "SELECT count(*) FILTER (WHERE status = 'voided'), "
            "coalesce(sum(total_cents) FILTER (WHERE status = 'completed'), 0) FROM sales WHERE shift_id = ?",
            (shift_id,)).fetchone()
        # Sold and returned lines apart (a returned line has returns_line_id and a negative quantity; its
        # discount_cents only restates what the original sale took off, so it is no discount of this shift).
        lines = self._c.execute(
            "SELECT count(DISTINCT l.sale_id) FILTER (WHERE l.returns_line_id IS NULL), "
            "coalesce(sum(l.total_cents - l.tax_cents + l.discount_cents) "
            "FILTER (WHERE l.returns_line_id IS NULL), 0), "
            "coalesce(sum(l.discount_cents) FILTER (WHERE l.returns_line_id IS NULL), 0), "
            "coalesce(sum(l.tax_cents), 0), "
            "count(DISTINCT l.sale_id) FILTER (WHERE l.returns_line_id IS NOT NULL), "
            "coalesce(-sum(l.quantity) FILTER (WHERE l.returns_line_id IS NOT NULL), 0), "
            "coalesce(-sum(l.total_cents - l.tax_cents) FILTER (WHERE l.returns_line_id IS NOT NULL), 0), "
            "coalesce(-sum(l.tax_cents) FILTER (WHERE l.returns_line_id IS NOT NULL), 0) "
            "FROM sale_lines l JOIN sales s ON s.id = l.sale_id WHERE s.shift_id = ? AND s.status = 'completed'",
            (shift_id,)).fetchone()
        moves = {r[0]: (int(r[1]), int(r[2])) for r in self._c.execute(
            "SELECT kind, coalesce(sum(amount_cents), 0), count(*) FROM cash_movements WHERE shift_id = ? "
            "GROUP BY kind",
            (shift_id,))}
        card_out = -pay.get(("card", 0), 0)
        return ShiftFigures(
            sales=int(lines[0]), voided=int(sales[0]), cash_in=pay.get(("cash", 1), 0),
            cash_out=-pay.get(("cash", 0), 0), card_in=pay.get(("card", 1), 0), card_out=card_out,
            paid_in=moves.get("paid_in", (0, 0))[0], paid_out=moves.get("paid_out", (0, 0))[0],
            no_sales=moves.get("no_sale", (0, 0))[1], gross_sales=int(sales[1]), tax=int(lines[3]),
            discounts=int(lines[2]), sold_before_discounts=int(lines[1]), returns=int(lines[4]),
            returned_pieces=int(lines[5]), returned=int(lines[6]), returned_tax=int(lines[7]),
        )

    def large_cash_reports(self) -> list[LargeCashRow]:
        rows = self._c.execute(
            f"SELECT r.id, s.number, CASE WHEN c.erased_at IS NULL THEN {_CUSTOMER_NAME} ELSE '(erased)' END, "
            "r.full_name, r.cash_cents, r.twelve_month_cents, r.status, r.created_at FROM large_cash_reports r "
            "LEFT JOIN sales s ON s.id = r.sale_id LEFT JOIN customers c ON c.id = r.customer_id "
            "ORDER BY r.created_at DESC")
        return [LargeCashRow(id=r[0], sale_number=r[1], customer=r[2] or "", full_name=r[3], cash_cents=r[4],
                             twelve_month_cents=r[5], status=r[6], created_at=_utc(r[7])) for r in rows]
