"""A new sale never names a customer who was erased: the store's promise of erasure, kept by the database.

A customer erased at the privacy desk (of this counter, of another window on
the same store, or of another counter, arriving through a sync pull) while a
sale for them was being paid for must not come back as the customer of that
sale. The counter reads the customer again when it hears of a change, but a
payment dialog open at that moment, or another process on the same file,
hears nothing; so the rule lives here, in the sale's own write transaction:

- `sales_not_for_an_erased_customer` refuses a sale row inserted with a
  `customer_id` whose `customers.erased_at` is set;
- `sales_not_moved_to_an_erased_customer` refuses an update that sets a
  sale's `customer_id` to such a customer. Setting it to null (retention
  detaching old sales) and updates that leave it as it was (a void, an
  erasure's own rewrite of the sale's free text) pass: an erasure never
  rewrites `sales.customer_id`, the sales it keeps point at the pseudonym.

Both let through what the sync applier writes (`sync_state.applying` = 1,
see 0013): a sale made at another counter before it heard of the erasure is
a fact already paid for, and its store's records keep it as it was made.

The message is a constant that `persistence/counter_repo.py` recognizes and
turns into `CustomerErased`; the checkout then completes the sale without a
customer (`services/checkout/completion.py`). Returns and exchanges are sales
rows too: one that would carry an erased customer over from the sale it
returns is written without them the same way.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 22:00:00
"""

from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

NOT_APPLYING = "coalesce((SELECT applying FROM sync_state WHERE id = 1), 0) = 0"
ERASED = "a sale never names an erased customer"
IS_ERASED = "EXISTS (SELECT 1 FROM customers c WHERE c.id = new.customer_id AND c.erased_at IS NOT NULL)"
TRIGGERS = ("sales_not_for_an_erased_customer", "sales_not_moved_to_an_erased_customer")


def upgrade() -> None:
    op.execute(
        "CREATE TRIGGER sales_not_for_an_erased_customer BEFORE INSERT ON sales "
        f"WHEN new.customer_id IS NOT NULL AND {NOT_APPLYING} AND {IS_ERASED} "
        f"BEGIN SELECT RAISE(ABORT, '{ERASED}'); END"
    )
    op.execute(
        "CREATE TRIGGER sales_not_moved_to_an_erased_customer BEFORE UPDATE OF customer_id ON sales "
        f"WHEN new.customer_id IS NOT NULL AND new.customer_id IS NOT old.customer_id AND {NOT_APPLYING} "
        f"AND {IS_ERASED} BEGIN SELECT RAISE(ABORT, '{ERASED}'); END"
    )


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
