"""Erasure: the log of erased customers (salted hashes, never names), the seal that keeps
an erased owner's appraisal verifiable, and a Form 8300 whose person was erased.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 01:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('erasure_log',
    sa.Column('erased_at', sa.String(length=26), nullable=False),
    sa.Column('request_id', sa.String(length=36), nullable=True),
    sa.Column('customer_hash', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_erasure_log')),
    sa.UniqueConstraint('customer_hash', name=op.f('uq_erasure_log_customer_hash'))
    )
    # A plain ADD COLUMN: SQLite keeps the table (a batch copy would drop it under its stones and photos).
    op.execute("ALTER TABLE appraisals ADD COLUMN seal VARCHAR(12)")
    with op.batch_alter_table('large_cash_reports', schema=None) as batch_op:
        batch_op.alter_column('date_of_birth', existing_type=sa.Date(), nullable=True)
    # The movements whose reason a person typed: an erasure searches them for the customer's name.
    op.create_index('ix_stock_movements_typed', 'stock_movements', ['kind'], unique=False,
                    sqlite_where=sa.text("kind NOT IN ('sale', 'return', 'receive')"))


def downgrade() -> None:
    op.drop_index('ix_stock_movements_typed')
    with op.batch_alter_table('large_cash_reports', schema=None) as batch_op:
        batch_op.alter_column('date_of_birth', existing_type=sa.Date(), nullable=False)
    op.execute("ALTER TABLE appraisals DROP COLUMN seal")
    op.drop_table('erasure_log')
