"""Indexes for the audit viewer's filters (by action and by person), and an append-only audit trail.

Triggers refuse any UPDATE or DELETE of an audit event, as they do for the
stock ledger: no code path can change the trail by mistake. Someone with the
database key can drop them; the hash chain and its anchor outside the file
show what they did then.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 14:00:00
"""

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


APPEND_ONLY = ("audit_events_no_update", "audit_events_no_delete")


def upgrade() -> None:
    op.create_index('ix_audit_events_action', 'audit_events', ['action'], unique=False)
    op.create_index('ix_audit_events_staff', 'audit_events', ['staff_id'], unique=False)
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_events_no_{event.lower()} BEFORE {event} ON audit_events BEGIN "
            "SELECT RAISE(ABORT, 'the audit trail is append-only: record a new event instead'); END"
        )


def downgrade() -> None:
    for trigger in APPEND_ONLY:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.drop_index('ix_audit_events_staff', table_name='audit_events')
    op.drop_index('ix_audit_events_action', table_name='audit_events')
