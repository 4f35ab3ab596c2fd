"""This install's identity in a sync group, the items' home store, and stock guards that let a pulled fact in.

- ``sync_state`` (one row): the install's ``device_id`` (a new UUID), this
  store's id, and, once the counter joins a central PostgreSQL, where central
  is, the codes it gave, the pull cursor and the last contact. See
  ``pos_app/persistence/models/sync.py``.
- ``sync_stores``: the group's store directory.
- ``items.store_id``: the piece's home store (null: this store).
- The stock guards of 0009 and the last-owner guard of 0011 now let through
  what the sync applier writes while ``sync_state.applying`` is 1 (inside its
  own transaction only): a sale made at another counter is a fact already
  paid for; refusing it here would lose it. Central flags what it breaks (a
  piece sold twice, stock below zero) for a manager instead.
- ``items_sold_at_home``: a sale movement of a piece whose home is another
  store is refused, so two offline counters of two stores can never both
  sell one piece (a transfer brings it home first).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 13:00:00
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

NOT_APPLYING = "coalesce((SELECT applying FROM sync_state WHERE id = 1), 0) = 0"
LAST_OWNER = "the last active owner cannot be deactivated or given another role"
NOT_HOME = "a piece is sold only at its home store: transfer it here first"


def upgrade() -> None:
    op.create_table(
        'sync_state',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('device_id', sa.String(length=36), nullable=False),
        sa.Column('store_id', sa.String(length=36), nullable=True),
        sa.Column('central', sa.String(length=300), nullable=True),
        sa.Column('role_name', sa.String(length=63), nullable=True),
        sa.Column('store_code', sa.String(length=8), nullable=True),
        sa.Column('counter_code', sa.String(length=8), nullable=True),
        sa.Column('joined_at', sa.String(length=26), nullable=True),
        sa.Column('pull_cursor', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('audit_pushed_seq', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('last_push_at', sa.String(length=26), nullable=True),
        sa.Column('last_pull_at', sa.String(length=26), nullable=True),
        sa.Column('offline_since', sa.String(length=26), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('conflicts', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('attention', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('applying', sa.Integer(), nullable=False, server_default='0'),
        sa.CheckConstraint('id = 1', name=op.f('ck_sync_state_one_row')),
        sa.CheckConstraint('applying IN (0, 1)', name=op.f('ck_sync_state_applying_flag')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_state')),
    )
    op.execute(sa.text("INSERT INTO sync_state (id, device_id, store_id) "
                       "SELECT 1, :device, (SELECT id FROM stores ORDER BY created_at LIMIT 1)")
               .bindparams(device=str(uuid.uuid4())))
    op.create_table(
        'sync_stores',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('code', sa.String(length=8), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_stores')),
    )
    # SQLite adds a plain column in place (a batch copy of `items` would drop its full-text triggers).
    op.execute("ALTER TABLE items ADD COLUMN store_id VARCHAR(36)")
    op.create_index('ix_items_store_id', 'items', ['store_id'], unique=False)

    op.execute("DROP TRIGGER stock_movements_not_below_zero")
    op.execute(
        "CREATE TRIGGER stock_movements_not_below_zero BEFORE INSERT ON stock_movements "
        f"WHEN new.quantity < 0 AND {NOT_APPLYING} "
        "AND (SELECT on_hand FROM items WHERE id = new.item_id) + new.quantity < 0 BEGIN "
        "SELECT RAISE(ABORT, 'stock would go below zero: the movement takes more than is on hand'); END"
    )
    op.execute("DROP TRIGGER items_sold_only_when_available")
    op.execute(
        "CREATE TRIGGER items_sold_only_when_available BEFORE UPDATE OF status ON items "
        f"WHEN new.status = 'sold' AND old.status NOT IN ('available', 'sold') AND {NOT_APPLYING} BEGIN "
        "SELECT RAISE(ABORT, 'a piece is sold only while available: it is on hold, on memo or in repair'); END"
    )
    op.execute("DROP TRIGGER staff_keep_an_active_owner")
    op.execute(
        "CREATE TRIGGER staff_keep_an_active_owner BEFORE UPDATE OF role, active ON staff "
        "WHEN old.role = 'owner' AND old.active AND NOT (new.role = 'owner' AND new.active) "
        f"AND {NOT_APPLYING} "
        "AND NOT EXISTS (SELECT 1 FROM staff o WHERE o.store_id = old.store_id AND o.id != old.id "
        "AND o.role = 'owner' AND o.active) BEGIN "
        f"SELECT RAISE(ABORT, '{LAST_OWNER}'); END"
    )
    op.execute(
        "CREATE TRIGGER items_sold_at_home BEFORE INSERT ON stock_movements "
        f"WHEN new.kind = 'sale' AND {NOT_APPLYING} "
        "AND (SELECT store_id FROM items WHERE id = new.item_id) IS NOT NULL "
        "AND (SELECT store_id FROM items WHERE id = new.item_id) IS NOT (SELECT store_id FROM sync_state WHERE id = 1) "
        f"BEGIN SELECT RAISE(ABORT, '{NOT_HOME}'); END"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS items_sold_at_home")
    op.execute("DROP TRIGGER staff_keep_an_active_owner")
    op.execute(
        "CREATE TRIGGER staff_keep_an_active_owner BEFORE UPDATE OF role, active ON staff "
        "WHEN old.role = 'owner' AND old.active AND NOT (new.role = 'owner' AND new.active) "
        "AND NOT EXISTS (SELECT 1 FROM staff o WHERE o.store_id = old.store_id AND o.id != old.id "
        "AND o.role = 'owner' AND o.active) BEGIN "
        f"SELECT RAISE(ABORT, '{LAST_OWNER}'); END"
    )
    op.execute("DROP TRIGGER items_sold_only_when_available")
    op.execute(
        "CREATE TRIGGER items_sold_only_when_available BEFORE UPDATE OF status ON items "
        "WHEN new.status = 'sold' AND old.status NOT IN ('available', 'sold') BEGIN "
        "SELECT RAISE(ABORT, 'a piece is sold only while available: it is on hold, on memo or in repair'); END"
    )
    op.execute("DROP TRIGGER stock_movements_not_below_zero")
    op.execute(
        "CREATE TRIGGER stock_movements_not_below_zero BEFORE INSERT ON stock_movements "
        "WHEN new.quantity < 0 AND (SELECT on_hand FROM items WHERE id = new.item_id) + new.quantity < 0 BEGIN "
        "SELECT RAISE(ABORT, 'stock would go below zero: the movement takes more than is on hand'); END"
    )
    op.drop_index('ix_items_store_id', table_name='items')
    op.execute("ALTER TABLE items DROP COLUMN store_id")
    op.drop_table('sync_stores')
    op.drop_table('sync_state')
