"""The counter's storage: numbers, parked carts, the print queue,
shifts, and the one hot write path of the store: completing a sale.

`CounterRepo.write_sale` is the one writer of sales: it takes a typed
`NewSale` (the counter's checkouts and returns, and the demo's past sales)
and writes it with its lines, payments, stock movements and item status
changes as a handful of prepared statements (`executemany`) on the unit of
work's own DBAPI connection, inside its BEGIN IMMEDIATE transaction; its
outbox rows and audit event go through the journal (`journal.py`) on the
same connection. The ORM would cost ~4 ms a sale where these cost well
under 2 (benchmarks/ measures it against raw SQLCipher writing the same rows).

A sale takes its unique pieces first, each with a conditional UPDATE whose
row count is checked, and its ledger lines meet the trigger that keeps stock
from going below zero (`stock_guard.py`): a piece another window sold since
the cart was checked raises `ItemAlreadySold`, a counted item with too few
units left `NotEnoughStock`, and the caller's transaction keeps nothing.

A sale row naming a customer erased meanwhile meets the trigger of migration
0017 and raises `CustomerErased` (the checkout then writes it without them).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import sqlcipher3
from sqlalchemy.orm import Session

from pos_app.domain.errors import CustomerErased
from pos_app.domain.permissions import Actor
from pos_app.persistence.journal import Journal, insert_values, stored_time, updates
from pos_app.persistence.models import new_id, utcnow
from pos_app.persistence.stock_guard import claim_pieces, insert_moves, own_store
from pos_app.services.ports.sales import NewPayment, NewSale, NewSaleLine


def _ts(moment: dt.datetime) -> str:
    return stored_time(moment)


def _costs(conn: Any, lines: Sequence[NewSaleLine]) -> dict[str, int | None]:
    """The cost each line sells at (migration 0018): a sold line its item's cost now, a returned line the cost
    its original line sold at; keyed by item id and by original line id."""
    items = sorted({line.item_id for line in lines if line.returns_line_id is None})
    originals = sorted({line.returns_line_id for line in lines if line.returns_line_id is not None})
    costs: dict[str, int | None] = {}
    if items:
        costs.update(conn.execute(f"SELECT id, cost_cents FROM items WHERE id IN ({', '.join('?' * len(items))})",
                                  items).fetchall())
    if originals:
        costs.update(conn.execute(
            f"SELECT id, cost_cents FROM sale_lines WHERE id IN ({', '.join('?' * len(originals))})",
            originals).fetchall())
    return costs


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


_SALE_COLUMNS = ("id", "number", "terminal", "kind", "original_sale_id", "shift_id", "staff_id", "customer_id",
                 "status", "currency", "subtotal_cents", "discount_cents", "tax_cents", "total_cents", "tax_rate",
                 "tax_exempt_reason", "tax_exempt_number", "order_discount_reason", "completed_at", "created_at",
                 "updated_at")
_LINE_COLUMNS = ("id", "sale_id", "item_id", "position", "sku", "description", "quantity", "unit_price_cents",
                 "list_price_cents", "discount_cents", "tax_cents", "total_cents", "returns_line_id",
                 "discount_reason", "override_reason", "approved_by", "created_at", "updated_at", "cost_cents")
_PAYMENT_COLUMNS = ("id", "sale_id", "tender", "amount_cents", "status", "payment_intent_id", "card_brand",
                    "card_last4", "idempotency_key", "tendered_cents", "refund_id", "card_receipt", "created_at",
                    "updated_at")
_MOVE_COLUMNS = ("id", "item_id", "kind", "quantity", "reason", "reference", "staff_id", "terminal", "created_at",
                 "updated_at", "store_id")
_SALE_SQL = _insert_sql("sales", _SALE_COLUMNS)
_LINE_SQL = _insert_sql("sale_lines", _LINE_COLUMNS)
_PAYMENT_SQL = _insert_sql("payments", _PAYMENT_COLUMNS)
_MOVE_SQL = _insert_sql("stock_movements", _MOVE_COLUMNS)
_CREDIT_COLUMNS = ("id", "sale_id", "staff_id", "position", "share_from_bp", "share_to_bp", "created_at", "updated_at")
_CREDIT_SQL = _insert_sql("sale_credits", _CREDIT_COLUMNS)
_MOVE_AT = {"item_id": 1, "quantity": 3}
# The constant part of the message of the triggers that keep a sale from naming an erased customer
# (db/versions/0017_no_sale_to_erased_customer.py).
ERASED_CUSTOMER = "a sale never names an erased customer"


# A piece comes home to the store that takes it back (sync groups): its home was the store that sold it.
_HOME_SQL = ("UPDATE items SET store_id = (SELECT store_id FROM sync_state WHERE id = 1), updated_at = ? "
             "WHERE id = ? AND store_id IS NOT NULL AND store_id IS NOT (SELECT store_id FROM sync_state WHERE id = 1) "
             "RETURNING store_id")


def _bring_home(conn: Any, item_ids: Sequence[str], now: str) -> dict[str, str]:
    """Make this store the home of returned unique pieces whose home is another store of the group (a sale
    made there, returned here): {item id: this store's id} for those that moved. The id is written, not
    null, so the other stores read it as this store's piece, not theirs."""
    moved: dict[str, str] = {}
    for item_id in item_ids:
        row = conn.execute(_HOME_SQL, (now, item_id)).fetchone()
        if row is not None:
            moved[item_id] = str(row[0])
    return moved


def _payment_values(payment_id: str, sale_id: str, p: NewPayment, now: str) -> list[Any]:
    return [payment_id, sale_id, p.tender, p.amount_cents, p.status, p.payment_intent_id, p.card_brand,
            p.card_last4, p.idempotency_key, p.tendered_cents, p.refund_id, p.card_receipt, now, now]


class CounterRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _dbapi(self) -> Any:
        """The unit of work's own DBAPI connection, inside its open transaction."""
        return Journal.of(self._s).connection()

    # ------------------------------------------------------------ numbers

    def next_sale_number(self, terminal: str) -> int:
        """The next sale number of a counter (`C1` -> 124 makes C1-000124).

        One indexed UPDATE ... RETURNING on the hot path; only a counter's very
        first sale reads the numbers already used (sales made before the
        sequence existed, such as the demo's) to start after them.
        """
        conn = self._dbapi()
        name = f"sale:{terminal}"
        row = conn.execute("UPDATE number_sequences SET next_value = next_value + 1 WHERE name = ? "
                           "RETURNING next_value", (name,)).fetchone()
        if row is not None:
            return int(row[0])
        used = conn.execute(
            "SELECT max(CAST(substr(number, length(terminal) + 2) AS INTEGER)) FROM sales WHERE terminal = ?",
            (terminal,),
        ).fetchone()[0]
        first = int(used or 0) + 1
        conn.execute("INSERT INTO number_sequences (name, next_value) VALUES (?, ?)", (name, first))
        return first

    # ------------------------------------------------------------ availability

    def items_for_sale(self, item_ids: Sequence[str]) -> dict[str, tuple[str, str, int]]:
        """(status, tracking, on hand) of each item, read inside the transaction that will sell them."""
        conn = self._dbapi()
        found: dict[str, tuple[str, str, int]] = {}
        ids = list(dict.fromkeys(item_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            sql = f"SELECT id, status, tracking, on_hand FROM items WHERE id IN ({', '.join('?' * len(chunk))})"
            found.update({r[0]: (r[1], r[2], r[3]) for r in conn.execute(sql, chunk)})
        return found

    # ------------------------------------------------------------ the sale

    def write_sale(self, sale: NewSale, *, actor: Actor, action: str | None = "sale.completed",
                   at: dt.datetime | None = None) -> str:
        """Write `sale` whole on the raw connection: its pieces claimed first (one sold since the cart was
        checked stops the sale before anything is written), the sale, its lines, payments, the salespeople
        who shared it (`sale_credits`) and stock movements, their outbox rows, and with an `action` its audit
        event. `at` stamps the rows (the demo's past sales; default now). A customer erased meanwhile raises
        `CustomerErased`: the caller's transaction must then keep nothing (its pieces were claimed already)."""
        self._s.flush()  # ORM rows of the same unit of work (a new customer) first: the sale points at them
        conn = self._dbapi()
        now = _ts(at or utcnow())
        sale_id = new_id()
        statuses = sale.statuses
        claim_pieces(conn, statuses, now=now)
        homes = _bring_home(conn, [line.item_id for line in sale.lines if line.unique and line.is_return], now)
        sale_row = [sale_id, sale.number, sale.terminal, sale.kind, sale.original_sale_id, sale.shift_id,
                    sale.staff_id, sale.customer_id, "completed", sale.currency, sale.subtotal_cents,
                    sale.discount_cents, sale.tax_cents, sale.total_cents, sale.tax_rate, sale.tax_exempt_reason,
                    sale.tax_exempt_number, sale.order_discount_reason, _ts(sale.completed_at), now, now]
        try:
            conn.execute(_SALE_SQL, sale_row)
        except sqlcipher3.IntegrityError as exc:
            if ERASED_CUSTOMER in str(exc):
                raise CustomerErased() from None
            raise
        costs = _costs(conn, sale.lines)
        lines = [[new_id(), sale_id, line.item_id, position, line.sku, line.description, line.quantity,
                  line.unit_price_cents,
                  line.unit_price_cents if line.list_price_cents is None else line.list_price_cents,
                  line.discount_cents, line.tax_cents, line.total_cents, line.returns_line_id, line.discount_reason,
                  line.override_reason, line.approved_by, now, now,
                  costs.get(line.returns_line_id or line.item_id)]
                 for position, line in enumerate(sale.lines, start=1)]
        conn.executemany(_LINE_SQL, lines)
        payments = [_payment_values(new_id(), sale_id, p, now) for p in sale.payments]
        conn.executemany(_PAYMENT_SQL, payments)
        credits = [[new_id(), sale_id, c.staff_id, position, c.share_from_bp, c.share_to_bp, now, now]
                   for position, c in enumerate(sale.credits)]
        if credits:
            conn.executemany(_CREDIT_SQL, credits)
        here = own_store(conn)
        moves = [[new_id(), item_id, kind, quantity, kind, sale.number, actor.staff_id, actor.terminal, now, now,
                  here] for item_id, kind, quantity in (line.move for line in sale.lines)]
        insert_moves(conn, _MOVE_SQL, moves, columns=_MOVE_AT)
        journal = Journal.of(self._s)
        journal.write([*insert_values("sales", _SALE_COLUMNS, [sale_row]),
                       *insert_values("sale_lines", _LINE_COLUMNS, lines),
                       *insert_values("payments", _PAYMENT_COLUMNS, payments),
                       *insert_values("sale_credits", _CREDIT_COLUMNS, credits),
                       *insert_values("stock_movements", _MOVE_COLUMNS, moves),
                       *updates("items", [{"id": item_id, "status": status, "updated_at": now,
                                           **({"store_id": homes[item_id]} if item_id in homes else {})}
                                          for item_id, status in statuses])], at=now if at is None else None)
        if action is not None:
            journal.record(actor, action, entity_type="sale", entity_id=sale_id,
                           summary={"number": sale.number, **sale.audit_summary}, approved_by=sale.approved_by)
        return sale_id

    def line_ids(self, sale_id: str) -> list[str]:
        rows = self._dbapi().execute("SELECT id FROM sale_lines WHERE sale_id = ? ORDER BY position", (sale_id,))
        return [str(row[0]) for row in rows]

    def void_sale(self, sale_id: str, *, by: str | None, reason: str, at: dt.datetime) -> None:
        conn = self._dbapi()
        now = _ts(utcnow())
        voided = {"status": "voided", "voided_at": _ts(at), "voided_by": by, "void_reason": reason, "updated_at": now}
        conn.execute("UPDATE sales SET status = ?, voided_at = ?, voided_by = ?, void_reason = ?, updated_at = ? "
                     "WHERE id = ?", (*voided.values(), sale_id))
        Journal.of(self._s).updated("sales", [{"id": sale_id, **voided}])

    def record_moves(self, moves: Sequence[tuple[str, str, int]], *, reference: str, actor: Actor) -> None:
        conn = self._dbapi()
        now = _ts(utcnow())
        here = own_store(conn)
        rows = [[new_id(), item_id, kind, qty, kind, reference, actor.staff_id, actor.terminal, now, now, here]
                for item_id, kind, qty in moves]
        insert_moves(conn, _MOVE_SQL, rows, columns=_MOVE_AT)
        Journal.of(self._s).inserted_values("stock_movements", _MOVE_COLUMNS, rows)

    def set_statuses(self, statuses: Sequence[tuple[str, str]]) -> None:
        conn = self._dbapi()
        now = _ts(utcnow())
        claim_pieces(conn, statuses, now=now)
        Journal.of(self._s).updated("items", [{"id": item_id, "status": status, "updated_at": now}
                                              for item_id, status in statuses])

    def add_refund_payment(self, sale_id: str, payment: NewPayment) -> str:
        conn = self._dbapi()
        now = _ts(utcnow())
        pid = new_id()
        row = _payment_values(pid, sale_id, payment, now)
        conn.execute(_PAYMENT_SQL, row)
        Journal.of(self._s).inserted_values("payments", _PAYMENT_COLUMNS, [row])
        return pid

    # ------------------------------------------------------------ parked carts

    def park(self, *, terminal: str, staff_id: str | None, customer_id: str | None, label: str,
             cart: dict[str, Any]) -> str:
        park_id = new_id()
        self._dbapi().execute(
            "INSERT INTO parked_carts (id, terminal, staff_id, customer_id, label, cart, parked_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (park_id, terminal, staff_id, customer_id, label, json.dumps(cart), _ts(utcnow())),
        )
        return park_id

    def take_parked(self, park_id: str) -> dict[str, Any] | None:
        conn = self._dbapi()
        row = conn.execute("SELECT cart FROM parked_carts WHERE id = ?", (park_id,)).fetchone()
        if row is None:
            return None
        conn.execute("DELETE FROM parked_carts WHERE id = ?", (park_id,))
        return dict(json.loads(row[0]))

    # ------------------------------------------------------------ shifts and large cash

    def open_shift_id(self, terminal: str) -> str | None:
        row = self._dbapi().execute("SELECT id FROM shifts WHERE terminal = ? AND status = 'open' "
                                    "ORDER BY opened_at DESC LIMIT 1", (terminal,)).fetchone()
        return None if row is None else str(row[0])

    def open_shift(self, *, terminal: str, staff_id: str | None, float_cents: int, currency: str) -> str:
        conn = self._dbapi()
        now = _ts(utcnow())
        row = {"id": new_id(), "terminal": terminal, "opened_by": staff_id, "opened_at": now,
               "float_cents": float_cents, "currency": currency, "status": "open", "created_at": now,
               "updated_at": now}
        conn.execute(_insert_sql("shifts", tuple(row)), tuple(row.values()))
        Journal.of(self._s).inserted("shifts", [row])
        return str(row["id"])

    def close_shift(self, shift_id: str, *, staff_id: str | None, counted: dict[str, int], counted_cents: int,
                    expected_cents: int, z_report: list[list[str]]) -> None:
        conn = self._dbapi()
        now = _ts(utcnow())
        closed = {"status": "closed", "closed_by": staff_id, "closed_at": now, "counted": json.dumps(counted),
                  "counted_cents": counted_cents, "expected_cents": expected_cents,
                  "variance_cents": counted_cents - expected_cents, "z_report": json.dumps(z_report),
                  "updated_at": now}
        conn.execute(f"UPDATE shifts SET {', '.join(f'{c} = ?' for c in closed)} WHERE id = ?",
                     (*closed.values(), shift_id))
        Journal.of(self._s).updated("shifts", [{"id": shift_id, **closed}])

    def add_cash_movement(self, shift_id: str, *, kind: str, amount_cents: int, reason: str, staff_id: str | None,
                          approved_by: str | None) -> str:
        conn = self._dbapi()
        now = _ts(utcnow())
        row = {"id": new_id(), "shift_id": shift_id, "kind": kind, "amount_cents": amount_cents, "reason": reason,
               "staff_id": staff_id, "approved_by": approved_by, "created_at": now, "updated_at": now}
        conn.execute(_insert_sql("cash_movements", tuple(row)), tuple(row.values()))
        Journal.of(self._s).inserted("cash_movements", [row])
        return str(row["id"])

    def add_large_cash_report(self, report: dict[str, Any]) -> str:
        conn = self._dbapi()
        now = _ts(utcnow())
        report_id = new_id()
        columns = ("customer_id", "sale_id", "cash_cents", "twelve_month_cents", "full_name", "address",
                   "date_of_birth", "taxpayer_id", "occupation", "id_document", "recorded_by", "status")
        values = [v.isoformat() if isinstance(v, dt.date) else v for v in (report.get(c) for c in columns)]
        names = ("id", *columns, "created_at", "updated_at")
        row = [report_id, *values, now, now]
        conn.execute(_insert_sql("large_cash_reports", names), row)
        Journal.of(self._s).inserted_values("large_cash_reports", names, [row])
        return report_id

    # ------------------------------------------------------------ print queue

    def enqueue_print(self, *, terminal: str, document: str, sale_id: str | None, shift_id: str | None,
                      error: str) -> str:
        job_id = new_id()
        self._dbapi().execute(
            "INSERT INTO print_queue (id, terminal, document, sale_id, shift_id, status, error, created_at) "
            "VALUES (?, ?, ?, ?, ?, 'waiting', ?, ?)",
            (job_id, terminal, document, sale_id, shift_id, error, _ts(utcnow())),
        )
        return job_id

    def finish_print(self, job_id: str, status: str) -> None:
        """`status` printed or dismissed: the job leaves the queue (a job already out of it stays as it was)."""
        self._dbapi().execute("UPDATE print_queue SET status = ?, printed_at = ? WHERE id = ? AND status = 'waiting'",
                              (status, _ts(utcnow()), job_id))

    def note_print_problem(self, job_id: str, error: str) -> None:
        """Why a job still waits, after another try that did not print."""
        self._dbapi().execute("UPDATE print_queue SET error = ? WHERE id = ? AND status = 'waiting'",
                              (error, job_id))

    def print_job(self, job_id: str) -> dict[str, Any] | None:
        row = self._dbapi().execute(
            "SELECT id, document, sale_id, shift_id, status FROM print_queue WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            return None
        return {"id": row[0], "document": row[1], "sale_id": row[2], "shift_id": row[3], "status": row[4]}

