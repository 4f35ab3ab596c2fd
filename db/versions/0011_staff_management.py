"""Staff management: names unique whatever their case or script, secrets chosen at the next sign-in,
and a store that always keeps an active owner.

- ``staff.name_key``: the name as compared (Unicode NFKC, case folded, spaces
  collapsed), unique per store, so "Zoë Ngô" and "ZOË NGÔ" are one person
  whatever the script; SQLite's own ``lower()`` folds ASCII only. Names that
  already collide (only possible before this revision) keep their rows: the
  later one's key carries its id.
- ``staff.must_change_secret``: the PIN or password the person signs in with
  was set by someone else (a reset, a new hire, a new role) and is temporary:
  the next sign-in asks for a new one before the workspace opens.
- ``staff_keep_an_active_owner``: refuses, inside the writing transaction,
  any change that would leave the store without an active owner (the last
  one deactivated or given another role). Two owners each deactivating the
  other at the same moment: the store's single writer orders them, and the
  second one is refused.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 08:00:00
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

LAST_OWNER = "the last active owner cannot be deactivated or given another role"


def _key(name: str) -> str:
    # As `pos_app.domain.staff.name_key` computes it today; a migration keeps its own copy.
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def upgrade() -> None:
    op.add_column('staff', sa.Column('name_key', sa.String(length=80), nullable=False, server_default=''))
    op.add_column('staff', sa.Column('must_change_secret', sa.Boolean(), nullable=False, server_default=sa.false()))
    conn = op.get_bind()
    seen: set[tuple[str, str]] = set()
    for staff_id, store_id, name in conn.execute(
            sa.text("SELECT id, store_id, name FROM staff ORDER BY created_at, id")).fetchall():
        key = _key(name)
        if (store_id, key) in seen:
            key = f"{key} #{staff_id}"
        seen.add((store_id, key))
        conn.execute(sa.text("UPDATE staff SET name_key = :key WHERE id = :id"), {"key": key, "id": staff_id})
    op.create_index('ux_staff_store_name_key', 'staff', ['store_id', 'name_key'], unique=True)
    op.execute(
        "CREATE TRIGGER staff_keep_an_active_owner BEFORE UPDATE OF role, active ON staff "
        "WHEN old.role = 'owner' AND old.active AND NOT (new.role = 'owner' AND new.active) "
        "AND NOT EXISTS (SELECT 1 FROM staff o WHERE o.store_id = old.store_id AND o.id != old.id "
        "AND o.role = 'owner' AND o.active) BEGIN "
        f"SELECT RAISE(ABORT, '{LAST_OWNER}'); END"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS staff_keep_an_active_owner")
    op.drop_index('ux_staff_store_name_key', table_name='staff')
    # SQLite drops a plain column in place (a batch copy of `staff` would trip its foreign keys).
    op.execute("ALTER TABLE staff DROP COLUMN must_change_secret")
    op.execute("ALTER TABLE staff DROP COLUMN name_key")
