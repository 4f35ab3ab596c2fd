"""The database's stock guards, as the writers of stock meet them.

Migration 0009 puts two triggers in the store: a stock movement that would
take an item's `on_hand` below zero is refused, and so is a change of status
to 'sold' from anything but 'available'. They hold for every writer, so two
windows (two processes) on one store cannot both sell the last unit: the
second one's write fails inside its own BEGIN IMMEDIATE transaction.

This module turns those refusals into `StockConflict`s naming the SKU:

- `claim_pieces` is how a sale takes a unique piece: a conditional UPDATE
  (`WHERE status = 'available'`) whose row count is checked, so a piece sold
  by another window since the cart was checked raises `ItemAlreadySold`
  before anything else of the sale is written.
- `insert_moves` writes ledger lines one by one and turns the trigger's
  refusal into `NotEnoughStock` for the item it concerns.
- `below_zero` recognizes the trigger's message in a DB-API or SQLAlchemy
  error (the ORM path, `StockRepo.record`).

Sync (a later issue) must meet the same trigger, not go around it. A sale
made offline at another counter already happened: it is a fact to keep, not
a request to refuse. The applier writes that sale with its lines and
payments in one local transaction; it inserts each of its stock movements
through `insert_moves` and its status changes through `claim_pieces`, and
where the guard refuses (the piece was sold here too, or the units are
gone), it keeps the remote sale, writes no movement that would take stock
below zero, and records a stock conflict for a manager in the same
transaction (the audit action `checkout.stock_conflict`'s kind of flag).
`pos-app doctor` then shows the piece in two open sales until a manager
settles it with a return or a void. Dropping the triggers to get a sale in
is never the answer: they are how every counter knows its stock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlcipher3

from pos_app.domain.errors import ItemAlreadySold, NotEnoughStock, StockConflict

# The constant parts of the triggers' messages (db/versions/0009_stock_guards.py, 0013_sync_identity.py).
BELOW_ZERO = "stock would go below zero"
NOT_AVAILABLE = "a piece is sold only while available"
NOT_HOME = "a piece is sold only at its home store"
IN_TRANSIT = "more units checked in than are in transit"  # db/versions/0016_stock_by_store.py

# Items whose on hand is not this store's ledger sum (migration 0016: movements of this store, not in transit),
# and per-store sums that differ from the ledger: both none, always (`pos-app doctor` and the sync tests check).
_OWN = "(SELECT store_id FROM sync_state WHERE id = 1)"
OFF_LEDGER_SQL = (
    "SELECT i.sku, i.on_hand, (SELECT coalesce(sum(m.quantity), 0) FROM stock_movements m "
    f"WHERE m.item_id = i.id AND m.kind <> 'in_transit' AND coalesce(m.store_id, {_OWN}) IS {_OWN}) AS ledger "
    "FROM items i WHERE i.on_hand != ledger "
    "UNION ALL "
    "SELECT i.sku, s.on_hand + s.in_transit, (SELECT coalesce(sum(m.quantity), 0) FROM stock_movements m "
    f"WHERE m.item_id = s.item_id AND coalesce(m.store_id, {_OWN}, '') = s.store_id) AS ledger "
    "FROM item_store_stock s JOIN items i ON i.id = s.item_id WHERE s.on_hand + s.in_transit != ledger"
)

SOLD = "sold"
_CLAIM_SQL = "UPDATE items SET status = 'sold', updated_at = ? WHERE id = ? AND status = 'available'"
_STATUS_SQL = "UPDATE items SET status = ?, updated_at = ? WHERE id = ?"
_ITEM_SQL = "SELECT sku, status, on_hand FROM items WHERE id = ?"


def below_zero(exc: BaseException) -> bool:
    """Whether `exc` (a DB-API error, or SQLAlchemy's wrapping one) is the ledger trigger's refusal."""
    return BELOW_ZERO in str(getattr(exc, "orig", None) or exc)


def _not_home(conn: Any, item_id: str) -> StockConflict:
    """The refusal of trigger `items_sold_at_home` (a sync group's piece of another store), naming the piece
    and its store as the group knows it."""
    row = conn.execute("SELECT i.sku, s.name, s.code FROM items i LEFT JOIN sync_stores s ON s.id = i.store_id "
                       "WHERE i.id = ?", (item_id,)).fetchone()
    sku = item_id if row is None else str(row[0])
    store = "another store" if row is None or row[1] is None else f"{row[1]} ({row[2]})"
    return StockConflict(sku, f"{sku} belongs to {store}: a piece is sold only at its home store; "
                              "transfer it here first.")


def _elsewhere(conn: Any, item_id: str) -> bool:
    """Whether the item is a unique piece whose home is another store of the group (none of it is here)."""
    row = conn.execute("SELECT tracking = 'unique' AND store_id IS NOT NULL AND store_id IS NOT "
                       "(SELECT store_id FROM sync_state WHERE id = 1) FROM items WHERE id = ?", (item_id,)).fetchone()
    return bool(row and row[0])


def _item(conn: Any, item_id: str) -> tuple[str, str, int]:
    row = conn.execute(_ITEM_SQL, (item_id,)).fetchone()
    return (item_id, "missing", 0) if row is None else (str(row[0]), str(row[1]), int(row[2]))


def claim_pieces(conn: Any, statuses: Sequence[tuple[str, str]], *, now: str) -> None:
    """Set each item's status on the raw connection `conn`, inside the caller's transaction.

    A change to 'sold' happens only if the piece is still available, and
    raises `ItemAlreadySold` (with its SKU and status now) when it is not;
    other changes (a return makes a piece available again) are written as they are.
    """
    for item_id, status in statuses:
        if status == SOLD:
            if conn.execute(_CLAIM_SQL, (now, item_id)).rowcount != 1:
                sku, current, _ = _item(conn, item_id)
                raise ItemAlreadySold(sku, current)
        else:
            conn.execute(_STATUS_SQL, (status, now, item_id))


def own_store(conn: Any) -> str | None:
    """This store's id (`sync_state.store_id`): what every new movement names as the store it changes."""
    row = conn.execute("SELECT store_id FROM sync_state WHERE id = 1").fetchone()
    return None if row is None else row[0]


def insert_moves(conn: Any, sql: str, rows: Sequence[Sequence[Any]], *,
                 columns: Mapping[str, int]) -> None:
    """Insert ledger rows with `sql` one by one; the trigger's refusal becomes `NotEnoughStock` (or, for a
    piece of another store of a sync group, a `StockConflict` naming the piece and its store).

    `columns` gives the positions of "item_id" and "quantity" in each row. One
    statement a row (not executemany) so the refused row, and so its item, is known;
    a sale writes one to a few.
    """
    for row in rows:
        try:
            conn.execute(sql, row)
        except sqlcipher3.IntegrityError as exc:
            if NOT_HOME in str(exc) or (below_zero(exc) and _elsewhere(conn, row[columns["item_id"]])):
                raise _not_home(conn, row[columns["item_id"]]) from None
            if not below_zero(exc):
                raise
            # RAISE(ABORT) undid only this statement: the transaction can still be read.
            sku, _, on_hand = _item(conn, row[columns["item_id"]])
            raise NotEnoughStock(sku, on_hand, -int(row[columns["quantity"]])) from None
