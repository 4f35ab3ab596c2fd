"""Settings every counter of a store shares move to ``store_settings``, a synced table; the rest stay put.

A store with two counters sets its cases and safe, its idle lock, its return
policy and its retention periods once, not once per counter. Those keys
(`pos_app.domain.store.STORE_WIDE_SETTINGS` as of this revision, copied below
so the migration never changes meaning) move from ``settings`` to
``store_settings``: a row per store and key, synced between the store's
counters like its other store-only rows, with its id derived from the store
and the key, so two counters that first set one key offline write one row.
The counter's own settings (its printer, card reader, counter code) stay in
``settings``.

The rows moved here are not journaled (a migration does not write the
outbox): a store that already joined a group sends them whole on its next
sync round, once (`SqliteSyncLocal.send_store_settings_once`).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 16:00:00
"""

import json
import uuid

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

STORE_WIDE = (
    "inventory.locations", "security.idle_lock_minutes", "security.argon2", "security.two_step_roles",
    "sales.clerk_discount_limit_percent", "receipt.return_policy", "receipt.logo", "receipt.privacy_notice",
    "appraisals.limiting_conditions", "privacy.third_parties", "privacy.retention_years.transactions",
    "privacy.retention_years.appraisals", "retention.transactions_years", "retention.form_8300_years",
    "retention.request_months", "retention.backup_days", "retention.export_days",
)


def row_id(store_id: str, key: str) -> str:
    """As `pos_app.persistence.models.store.store_setting_id`."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"facet:store-setting:{store_id}:{key}"))


def upgrade() -> None:
    op.create_table(
        'store_settings',
        sa.Column('store_id', sa.String(length=36), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('created_at', sa.String(length=26), nullable=False),
        sa.Column('updated_at', sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_store_settings_store_id_stores')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_store_settings')),
        sa.UniqueConstraint('store_id', 'key', name='uq_store_settings_key'),
    )
    conn = op.get_bind()
    store = conn.exec_driver_sql("SELECT id FROM stores ORDER BY created_at LIMIT 1").fetchone()
    if store is None:
        return  # not set up yet: nothing to move
    marks = ", ".join("?" for _ in STORE_WIDE)
    rows = conn.exec_driver_sql(f"SELECT key, value, updated_at FROM settings WHERE key IN ({marks})",
                                STORE_WIDE).fetchall()
    for key, value, updated_at in rows:
        # JSON text (settings' JSON column keeps a bare number as a number).
        value = value if isinstance(value, str) else json.dumps(value)
        conn.exec_driver_sql(
            "INSERT INTO store_settings (id, store_id, key, value, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            (row_id(store[0], key), store[0], key, value, updated_at, updated_at))
    conn.exec_driver_sql(f"DELETE FROM settings WHERE key IN ({marks})", STORE_WIDE)


def downgrade() -> None:
    conn = op.get_bind()
    conn.exec_driver_sql(
        "INSERT OR REPLACE INTO settings (key, value, updated_at) SELECT key, value, updated_at FROM store_settings "
        "WHERE store_id = (SELECT id FROM stores ORDER BY created_at LIMIT 1)")
    op.drop_table('store_settings')
