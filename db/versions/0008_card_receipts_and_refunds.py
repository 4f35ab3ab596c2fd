"""Chip receipt fields on card payments, and the card refunds Facet follows until Stripe settles them.

`payments.card_receipt` holds the EMV fields card networks require on a chip
receipt (application name, AID, ARC, ...), as JSON; never a card number.
`card_refunds` records every refund asked of Stripe with its status, so a
refund Stripe answers `pending` is asked about again until it succeeds or
fails, and a failed one stays in front of the staff until it is paid back
another way.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-05 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('card_receipt', sa.Text(), nullable=True))

    op.create_table('card_refunds',
    sa.Column('refund_id', sa.String(length=64), nullable=False),
    sa.Column('payment_intent_id', sa.String(length=64), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('failure_reason', sa.String(length=60), nullable=True),
    sa.Column('card_brand', sa.String(length=20), nullable=True),
    sa.Column('card_last4', sa.String(length=4), nullable=True),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('terminal', sa.String(length=8), nullable=False),
    sa.Column('sale_id', sa.String(length=36), nullable=True),
    sa.Column('checkout_id', sa.String(length=36), nullable=True),
    sa.Column('staff_id', sa.String(length=36), nullable=True),
    sa.Column('checked_at', sa.String(length=26), nullable=True),
    sa.Column('settled_at', sa.String(length=26), nullable=True),
    sa.Column('handled_at', sa.String(length=26), nullable=True),
    sa.Column('handled_by', sa.String(length=36), nullable=True),
    sa.Column('handled_how', sa.String(length=200), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['handled_by'], ['staff.id'], name=op.f('fk_card_refunds_handled_by_staff')),
    sa.ForeignKeyConstraint(['sale_id'], ['sales.id'], name=op.f('fk_card_refunds_sale_id_sales')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_card_refunds_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_refunds')),
    sa.UniqueConstraint('refund_id', name=op.f('uq_card_refunds_refund_id'))
    )
    with op.batch_alter_table('card_refunds', schema=None) as batch_op:
        batch_op.create_index('ix_card_refunds_status', ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_card_refunds_sale_id'), ['sale_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('card_refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_refunds_sale_id'))
        batch_op.drop_index('ix_card_refunds_status')
    op.drop_table('card_refunds')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_column('card_receipt')
