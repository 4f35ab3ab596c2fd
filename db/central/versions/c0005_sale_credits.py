"""Central keeps the salespeople who shared a sale (``sale_credits``).

The counters' schema 0018 records, with a sale, the salespeople who shared it
(up to four, each a slice of it in basis points): a fact like the sale's
lines, shared with every store of the group so the head office's figures
and every counter's salesperson report agree. Central refuses a change of a
table it does not keep, so until it knows this one a shared sale would be
held back whole, lines and payment with it; ``facet.shared_tables()`` now
lists it (c0003 made the lists functions for exactly this). A run of new
rows of it takes the one-change-at-a-time path of ``apply_change``.

Revision ID: c0005
Revises: c0004
Create Date: 2026-12-08 01:10:00
"""

from alembic import op

revision = 'c0005'
down_revision = 'c0004'
branch_labels = None
depends_on = None

# c0003's shared tables, and sale_credits.
BEFORE = ("items", "item_stones", "item_photos", "certificates", "stock_movements", "sales", "sale_lines",
          "payments", "card_refunds", "customers", "policy_versions", "consent_events", "privacy_requests",
          "erasure_log", "appraisals", "appraisal_stones", "appraisal_photos", "staff")
SHARED = (*BEFORE, "sale_credits")


def _shared_tables(values: tuple[str, ...]) -> str:
    array = "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]::text[]"
    return (f"CREATE OR REPLACE FUNCTION facet.shared_tables() RETURNS text[]\n"
            f"LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$ SELECT {array} $f$;\n")


def _as_owner(body: str) -> None:
    """Run `body` as the group's owner role (c0001 made it; it owns every facet object)."""
    owner = op.get_bind().exec_driver_sql("SELECT value FROM facet.info WHERE key = 'owner_role'").scalar()
    op.execute(f"SET LOCAL ROLE {owner};\n{body}\nRESET ROLE;")


def upgrade() -> None:
    _as_owner(_shared_tables(SHARED))
    op.execute("REVOKE EXECUTE ON FUNCTION facet.shared_tables() FROM PUBLIC")


def downgrade() -> None:
    _as_owner(_shared_tables(BEFORE))
    op.execute("REVOKE EXECUTE ON FUNCTION facet.shared_tables() FROM PUBLIC")
