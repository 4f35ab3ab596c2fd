"""Command-line sessions (`pos-app login`) and job tokens for unattended runs, each kept as the
SHA-256 of a random token whose raw value lives only in the OS account's keyring.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-09 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cli_sessions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('staff_id', sa.String(length=36), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('os_user', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('last_used_at', sa.String(length=26), nullable=False),
    sa.Column('expires_at', sa.String(length=26), nullable=False),
    sa.Column('ends_by', sa.String(length=26), nullable=False),
    sa.Column('ended_at', sa.String(length=26), nullable=True),
    sa.Column('end_reason', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_cli_sessions_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cli_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_cli_sessions_token_hash'))
    )
    op.create_index(op.f('ix_cli_sessions_staff_id'), 'cli_sessions', ['staff_id'], unique=False)
    op.create_table('job_tokens',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('job', sa.String(length=20), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('last_used_at', sa.String(length=26), nullable=True),
    sa.Column('revoked_at', sa.String(length=26), nullable=True),
    sa.Column('revoked_by', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['staff.id'], name=op.f('fk_job_tokens_created_by_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_job_tokens_token_hash'))
    )
    op.create_index('ix_job_tokens_live_name', 'job_tokens', ['name'], unique=True,
                    sqlite_where=sa.text('revoked_at IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_job_tokens_live_name', table_name='job_tokens')
    op.drop_table('job_tokens')
    op.drop_index(op.f('ix_cli_sessions_staff_id'), table_name='cli_sessions')
    op.drop_table('cli_sessions')
