"""Appraisals: photos of the piece, the sale an appraisal was made from, and
indexes for the list's newest-first order, its search and the drafts waiting.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 09:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('appraisal_photos',
    sa.Column('appraisal_id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('mime_type', sa.String(length=40), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['appraisal_id'], ['appraisals.id'],
                            name=op.f('fk_appraisal_photos_appraisal_id_appraisals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisal_photos'))
    )
    op.create_index(op.f('ix_appraisal_photos_appraisal_id'), 'appraisal_photos', ['appraisal_id'], unique=False)
    # A plain ADD COLUMN (SQLite keeps the table; a batch copy would drop it under its stones).
    op.execute("ALTER TABLE appraisals ADD COLUMN sale_id VARCHAR(36) "
               "CONSTRAINT fk_appraisals_sale_id_sales REFERENCES sales (id)")
    op.create_index(op.f('ix_appraisals_sale_id'), 'appraisals', ['sale_id'], unique=False)
    op.create_index('ix_appraisals_listing', 'appraisals', ['appraised_on', 'number', 'version'], unique=False)
    op.create_index('ix_appraisals_search', 'appraisals', ['number', 'item_id', 'owner_customer_id', 'status'],
                    unique=False)
    op.create_index('ix_appraisals_drafts', 'appraisals', ['status'], unique=False,
                    sqlite_where=sa.text("status = 'draft'"))


def downgrade() -> None:
    op.drop_index('ix_appraisals_drafts')
    op.drop_index('ix_appraisals_search')
    op.drop_index('ix_appraisals_listing')
    op.drop_index(op.f('ix_appraisals_sale_id'))
    op.execute("ALTER TABLE appraisals DROP COLUMN sale_id")
    op.drop_index(op.f('ix_appraisal_photos_appraisal_id'))
    op.drop_table('appraisal_photos')
