"""The inventory sorted by Store pages through an index, as every other column does.

A store in a sync group shows a Store column; sorting by it asked SQLite to
sort every item for each page the table fetched (ORDER BY store_id, sku, seq
had no index). ``ix_items_store_id_sku_seq`` serves that order, and finding a
store's pieces (its leading column), so it replaces ``ix_items_store_id``.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 20:00:00
"""

from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_items_store_id_sku_seq', 'items', ['store_id', 'sku', 'seq'], unique=False)
    op.drop_index('ix_items_store_id', table_name='items')


def downgrade() -> None:
    op.create_index('ix_items_store_id', 'items', ['store_id'], unique=False)
    op.drop_index('ix_items_store_id_sku_seq', table_name='items')
