"""Indexes for the audit viewer's filters: by action and by person.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 14:00:00
"""

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_audit_events_action', 'audit_events', ['action'], unique=False)
    op.create_index('ix_audit_events_staff', 'audit_events', ['staff_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_events_staff', table_name='audit_events')
    op.drop_index('ix_audit_events_action', table_name='audit_events')
