"""The counter's storage: numbers, parked carts, the print queue,
shifts, and the one hot write path of the store: completing a sale.

`CounterRepo.write_sale` writes a sale with its lines, payments, stock
movements, item status changes, audit event and outbox rows as a handful of
prepared statements (`executemany`) on the unit of work's own DBAPI
connection, inside its BEGIN IMMEDIATE transaction: the ORM would cost ~4 ms
a sale where these cost well under 2 (benchmarks/ measures it against raw
SQLCipher writing the same rows).

A sale takes its unique pieces first, each with a conditional UPDATE whose
row count is checked, and its ledger lines meet the trigger that keeps stock
from going below zero (`stock_guard.py`): a piece another window sold since
the cart was checked raises `ItemAlreadySold`, a counted item with too few
units left `NotEnoughStock`, and the caller's transaction keeps nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from pos_app.domain.permissions import Actor
from pos_app.persistence.audit import GENESIS, event_hash, hashed_content
from pos_app.persistence.models import new_id, utcnow
from pos_app.persistence.models.base import UtcDateTime
from pos_app.persistence.stock_guard import claim_pieces, insert_moves
from pos_app.services.ports.sales import SaleRows

_AT = UtcDateTime()


def _ts(moment: dt.datetime) -> str:
    text = _AT.process_bind_param(moment, None)  # type: ignore[arg-type]
    assert text is not None
    return text


_LINE_COLUMNS = ("item_id", "position", "sku", "description", "quantity", "unit_price_cents", "list_price_cents",
                 "discount_cents", "tax_cents", "total_cents", "returns_line_id", "discount_reason",
                 "override_reason", "approved_by")
_PAYMENT_COLUMNS = ("tender", "amount_cents", "status", "payment_intent_id", "card_brand", "card_last4",
                    "idempotency_key", "tendered_cents", "refund_id", "card_receipt")
_SALE_COLUMNS = ("number", "terminal", "kind", "original_sale_id", "shift_id", "staff_id", "customer_id", "status",
                 "currency", "subtotal_cents", "discount_cents", "tax_cents", "total_cents", "tax_rate",
                 "tax_exempt_reason", "tax_exempt_number", "order_discount_reason", "completed_at")


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    names = ("id", *columns, "created_at", "updated_at")
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


_SALE_SQL = _insert_sql("sales", _SALE_COLUMNS)
_LINE_SQL = _insert_sql("sale_lines", ("sale_id", *_LINE_COLUMNS))
_PAYMENT_SQL = _insert_sql("payments", ("sale_id", *_PAYMENT_COLUMNS))
_MOVE_SQL = ("INSERT INTO stock_movements (id, item_id, kind, quantity, reason, reference, staff_id, terminal, "
             "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_MOVE_COLUMNS = {"item_id": 1, "quantity": 3}
_OUTBOX_SQL = "INSERT INTO outbox (table_name, row_id, op, at) VALUES (?, ?, ?, ?)"
_AUDIT_SQL = ("INSERT INTO audit_events (seq, id, at, staff_id, actor_name, role, terminal, action, entity_type, "
              "entity_id, summary, approved_by, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


class CounterRepo:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _dbapi(self) -> Any:
        """The unit of work's own DBAPI connection, inside its open transaction."""
        return self._s.connection().connection.driver_connection

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

    def write_sale(self, rows: SaleRows, *, actor: Actor, action: str) -> str:
        conn = self._dbapi()
        now = _ts(utcnow())
        completed = rows.sale["completed_at"]
        sale_id = new_id()
        number = rows.sale["number"]
        sale_values = [sale_id, *(rows.sale[c] if c != "completed_at" else _ts(completed) for c in _SALE_COLUMNS),
                       now, now]
        # The pieces first: one sold since the cart was checked stops the sale before anything is written.
        claim_pieces(conn, rows.statuses, now=now)
        conn.execute(_SALE_SQL, sale_values)
        line_ids = [new_id() for _ in rows.lines]
        conn.executemany(_LINE_SQL, [[line_id, sale_id, *(line.get(c) for c in _LINE_COLUMNS), now, now]
                                     for line_id, line in zip(line_ids, rows.lines)])
        payment_ids = [new_id() for _ in rows.payments]
        conn.executemany(_PAYMENT_SQL, [[pid, sale_id, *(p.get(c) for c in _PAYMENT_COLUMNS), now, now]
                                        for pid, p in zip(payment_ids, rows.payments)])
        move_ids = [new_id() for _ in rows.moves]
        insert_moves(conn, _MOVE_SQL, [[mid, item_id, kind, quantity, kind, number, actor.staff_id, actor.terminal,
                                        now, now] for mid, (item_id, kind, quantity) in zip(move_ids, rows.moves)],
                     columns=_MOVE_COLUMNS)
        outbox = [("sales", sale_id, "insert", now)]
        outbox += [("sale_lines", i, "insert", now) for i in line_ids]
        outbox += [("payments", i, "insert", now) for i in payment_ids]
        outbox += [("stock_movements", i, "insert", now) for i in move_ids]
        outbox += [("items", item_id, "update", now) for item_id, _ in rows.statuses]
        conn.executemany(_OUTBOX_SQL, outbox)
        self._audit(conn, actor, action, "sale", sale_id, {"number": number, **rows.audit_summary},
                    rows.approved_by, now)
        return sale_id

    def _audit(self, conn: Any, actor: Actor, action: str, entity_type: str, entity_id: str,
               summary: dict[str, Any], approved_by: str | None, at: str) -> None:
        """The audit writer's chained event, written on the raw connection (same rule, same hash)."""
        last = conn.execute("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        row: dict[str, Any] = {
            "seq": seq, "id": new_id(), "at": at, "staff_id": actor.staff_id, "actor_name": actor.name,
            "role": actor.role.value, "terminal": actor.terminal, "action": action, "entity_type": entity_type,
            "entity_id": entity_id, "summary": summary, "approved_by": approved_by, "prev_hash": prev_hash,
        }
        row["hash"] = event_hash(hashed_content(row))
        conn.execute(_AUDIT_SQL, [row["seq"], row["id"], at, actor.staff_id, actor.name, actor.role.value,
                                  actor.terminal, action, entity_type, entity_id,
                                  json.dumps(summary, default=str), approved_by, prev_hash, row["hash"]])

    def void_sale(self, sale_id: str, *, by: str | None, reason: str, at: dt.datetime) -> None:
        conn = self._dbapi()
        now = _ts(utcnow())
        conn.execute("UPDATE sales SET status = 'voided', voided_at = ?, voided_by = ?, void_reason = ?, "
                     "updated_at = ? WHERE id = ?", (_ts(at), by, reason, now, sale_id))
        conn.execute(_OUTBOX_SQL, ("sales", sale_id, "update", now))

    def record_moves(self, moves: Sequence[tuple[str, str, int]], *, reference: str, actor: Actor) -> None:
        conn = self._dbapi()
        now = _ts(utcnow())
        ids = [new_id() for _ in moves]
        insert_moves(conn, _MOVE_SQL, [[mid, item_id, kind, qty, kind, reference, actor.staff_id, actor.terminal,
                                        now, now] for mid, (item_id, kind, qty) in zip(ids, moves)],
                     columns=_MOVE_COLUMNS)
        conn.executemany(_OUTBOX_SQL, [("stock_movements", i, "insert", now) for i in ids])

    def set_statuses(self, statuses: Sequence[tuple[str, str]]) -> None:
        conn = self._dbapi()
        now = _ts(utcnow())
        claim_pieces(conn, statuses, now=now)
        conn.executemany(_OUTBOX_SQL, [("items", item_id, "update", now) for item_id, _ in statuses])

    def add_refund_payment(self, sale_id: str, payment: dict[str, Any]) -> str:
        conn = self._dbapi()
        now = _ts(utcnow())
        pid = new_id()
        conn.execute(_PAYMENT_SQL, [pid, sale_id, *(payment.get(c) for c in _PAYMENT_COLUMNS), now, now])
        conn.execute(_OUTBOX_SQL, ("payments", pid, "insert", now))
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
        shift_id = new_id()
        conn.execute("INSERT INTO shifts (id, terminal, opened_by, opened_at, float_cents, currency, status, "
                     "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?)",
                     (shift_id, terminal, staff_id, now, float_cents, currency, now, now))
        conn.execute(_OUTBOX_SQL, ("shifts", shift_id, "insert", now))
        return shift_id

    def close_shift(self, shift_id: str, *, staff_id: str | None, counted: dict[str, int], counted_cents: int,
                    expected_cents: int, z_report: list[list[str]]) -> None:
        conn = self._dbapi()
        now = _ts(utcnow())
        conn.execute("UPDATE shifts SET status = 'closed', closed_by = ?, closed_at = ?, counted = ?, "
                     "counted_cents = ?, expected_cents = ?, variance_cents = ?, z_report = ?, updated_at = ? "
                     "WHERE id = ?",
                     (staff_id, now, json.dumps(counted), counted_cents, expected_cents,
                      counted_cents - expected_cents, json.dumps(z_report), now, shift_id))
        conn.execute(_OUTBOX_SQL, ("shifts", shift_id, "update", now))

    def add_cash_movement(self, shift_id: str, *, kind: str, amount_cents: int, reason: str, staff_id: str | None,
                          approved_by: str | None) -> str:
        conn = self._dbapi()
        now = _ts(utcnow())
        movement_id = new_id()
        conn.execute("INSERT INTO cash_movements (id, shift_id, kind, amount_cents, reason, staff_id, approved_by, "
                     "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (movement_id, shift_id, kind, amount_cents, reason, staff_id, approved_by, now, now))
        conn.execute(_OUTBOX_SQL, ("cash_movements", movement_id, "insert", now))
        return movement_id

    def add_large_cash_report(self, report: dict[str, Any]) -> str:
        conn = self._dbapi()
        now = _ts(utcnow())
        report_id = new_id()
        columns = ("customer_id", "sale_id", "cash_cents", "twelve_month_cents", "full_name", "address",
                   "date_of_birth", "taxpayer_id", "occupation", "id_document", "recorded_by", "status")
        values = [v.isoformat() if isinstance(v, dt.date) else v for v in (report.get(c) for c in columns)]
        conn.execute(_insert_sql("large_cash_reports", columns), [report_id, *values, now, now])
        conn.execute(_OUTBOX_SQL, ("large_cash_reports", report_id, "insert", now))
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

