"""Erasure everywhere: where a privacy export was written, an index that forgets at once, and a stock
ledger whose typed reasons can be cut.

- ``privacy_requests.export_file``: the path an export was written to, beside
  its SHA-256, so an erasure (or the request's delivery) finds the file and
  deletes it.
- ``items_fts`` in FTS5's ``secure-delete`` mode: a changed item description
  (one that named a customer, cut by an erasure) leaves no old token behind in
  the index's pages; without it FTS5 keeps the old entry under a delete marker
  until its segment is merged.
- ``ix_sales_customer_completed`` (customer, completion time) in place of the
  index on the customer alone: an erasure dates what it keeps from the
  customer's last sale, read inside its write transaction, from the index
  only.
- The stock ledger stays append-only, except for a movement's ``reason`` (and
  its ``updated_at``): a reason a person typed ("memo out to <name>") is text an
  erasure must be able to cut. Quantities, kinds, items and references still
  cannot change.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 09:00:00
"""

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_FROZEN = "id, item_id, kind, quantity, reference, staff_id, terminal, created_at"


def upgrade() -> None:
    # A plain ADD COLUMN: SQLite keeps the table as it is.
    op.execute("ALTER TABLE privacy_requests ADD COLUMN export_file TEXT")
    op.execute("INSERT INTO items_fts(items_fts, rank) VALUES ('secure-delete', 1)")
    # Entries deleted before this revision still sit under delete markers: merge them away once.
    op.execute("INSERT INTO items_fts(items_fts) VALUES ('optimize')")
    op.drop_index('ix_sales_customer_id', table_name='sales')
    op.create_index('ix_sales_customer_completed', 'sales', ['customer_id', 'completed_at'], unique=False)
    op.execute("DROP TRIGGER IF EXISTS stock_movements_no_update")
    op.execute(
        f"CREATE TRIGGER stock_movements_no_update BEFORE UPDATE OF {_FROZEN} ON stock_movements BEGIN "
        "SELECT RAISE(ABORT, 'the stock ledger is append-only: record a new movement instead'); END"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS stock_movements_no_update")
    op.execute(
        "CREATE TRIGGER stock_movements_no_update BEFORE UPDATE ON stock_movements BEGIN "
        "SELECT RAISE(ABORT, 'the stock ledger is append-only: record a new movement instead'); END"
    )
    op.execute("INSERT INTO items_fts(items_fts, rank) VALUES ('secure-delete', 0)")
    op.drop_index('ix_sales_customer_completed', table_name='sales')
    op.create_index('ix_sales_customer_id', 'sales', ['customer_id'], unique=False)
    with op.batch_alter_table('privacy_requests', schema=None) as batch_op:
        batch_op.drop_column('export_file')
