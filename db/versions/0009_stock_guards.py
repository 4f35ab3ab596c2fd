"""Stock the database itself guards: on hand never goes below zero, a piece is sold only while available.

Two triggers, so that no writer (the counter's raw SQL, the ORM, a bulk
import, a second window on the same store) can sell what is not there:

- `stock_movements_not_below_zero` refuses a movement that would take an
  item's `on_hand` (the ledger's running sum, kept by
  `stock_movements_on_hand`) below zero. A sale of the last unit at one
  window makes the same sale at another window fail inside its own
  transaction, whatever either checked before.
- `items_sold_only_when_available` refuses a change of status to 'sold'
  from anything but 'available' (on hold, on memo, in repair). Writing
  'sold' over 'sold' changes nothing and is let through (an import rewrites
  every column of the rows it updates); a second sale of a sold piece is
  refused by the first trigger, its last unit being gone, and the counter
  claims a piece with a conditional UPDATE (`WHERE status = 'available'`)
  whose row count it checks.

The messages are constants that `persistence/stock_guard.py` recognizes and
turns into a message naming the SKU. A store whose stock already went below
zero before this revision keeps its rows (history is not rewritten);
`pos-app doctor` reports them. Someone with the database key can drop these
triggers; doctor's checks of negative stock and of pieces in two open sales
still see what they let through.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-09 10:00:00
"""

from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


TRIGGERS = ("stock_movements_not_below_zero", "items_sold_only_when_available")


def upgrade() -> None:
    op.execute(
        "CREATE TRIGGER stock_movements_not_below_zero BEFORE INSERT ON stock_movements "
        "WHEN new.quantity < 0 AND (SELECT on_hand FROM items WHERE id = new.item_id) + new.quantity < 0 BEGIN "
        "SELECT RAISE(ABORT, 'stock would go below zero: the movement takes more than is on hand'); END"
    )
    op.execute(
        "CREATE TRIGGER items_sold_only_when_available BEFORE UPDATE OF status ON items "
        "WHEN new.status = 'sold' AND old.status NOT IN ('available', 'sold') BEGIN "
        "SELECT RAISE(ABORT, 'a piece is sold only while available: it is on hold, on memo or in repair'); END"
    )


def downgrade() -> None:
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
