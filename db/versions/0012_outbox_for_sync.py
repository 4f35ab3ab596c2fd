"""The outbox shaped for sync (outbox v2), written by one journal for every write path.

- ``outbox.device_seq``: this store's sequence number of the change, unique
  and never reused, even after outbox rows are deleted: the last one given
  is kept in the one-row table ``outbox_sequence``. Rows from before this
  revision take their ``seq``.
- ``outbox.tx_id``: the local transaction that wrote the row (every row of
  one unit of work carries the same id). Rows from before this revision are
  grouped by their time ("old:" and the time): each transaction wrote all its rows with one.
- ``outbox.changes``: JSON captured at write time (the whole row of an
  insert, the changed columns of an update, null for a delete); null on
  rows from before this revision (the sync reads those rows as they are).
- ``ix_outbox_table_name_row_id``: an erasure rewrites the earlier changes
  of the rows it blanks, found by this index.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device_seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('tx_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('changes', sa.Text(), nullable=True))
    op.execute("UPDATE outbox SET device_seq = seq, tx_id = 'old:' || at")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('device_seq', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('tx_id', existing_type=sa.String(length=36), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_device_seq'), ['device_seq'])
        batch_op.create_index('ix_outbox_table_name_row_id', ['table_name', 'row_id'], unique=False)
    op.create_table('outbox_sequence',
                    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column('last_seq', sa.Integer(), nullable=False),
                    sa.CheckConstraint('id = 1', name=op.f('ck_outbox_sequence_one_row')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_sequence')))
    op.execute("INSERT INTO outbox_sequence (id, last_seq) SELECT 1, coalesce(max(device_seq), 0) FROM outbox")


def downgrade() -> None:
    op.drop_table('outbox_sequence')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_table_name_row_id')
        batch_op.drop_constraint(batch_op.f('uq_outbox_device_seq'), type_='unique')
        batch_op.drop_column('changes')
        batch_op.drop_column('tx_id')
        batch_op.drop_column('device_seq')
