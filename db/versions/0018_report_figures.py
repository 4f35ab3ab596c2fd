"""What the manager reports need of each sale: the cost it sold at, who shared it, and stock by date.

- `sale_lines.cost_cents`: the unit cost of the piece when it was sold (a returned
  line: the cost it left at). Margin and cost of goods sold read it, so changing an
  item's cost later never rewrites last year's margin. Lines written before this
  migration take the item's cost as it is now, a returned line its original line's.
- `sale_credits`: the salespeople who shared a sale (up to four), each holding a
  consecutive slice of it in basis points (`share_from_bp` to `share_to_bp`, out of
  10,000; `domain/figures.py` `split`). A sale without a row is its clerk's alone.
  A fact like the sale itself: written with it, synced, never changed.
- `ix_stock_movements_at`: the ledger by date, so the stock as it was at a past date
  is today's less what moved since, read from the index alone.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 01:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE sale_lines ADD COLUMN cost_cents INTEGER")
    op.execute("UPDATE sale_lines SET cost_cents = (SELECT i.cost_cents FROM items i WHERE i.id = sale_lines.item_id) "
               "WHERE returns_line_id IS NULL")
    op.execute("UPDATE sale_lines SET cost_cents = (SELECT o.cost_cents FROM sale_lines o "
               "WHERE o.id = sale_lines.returns_line_id) WHERE returns_line_id IS NOT NULL")
    op.create_table(
        "sale_credits",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("sale_id", sa.String(36), sa.ForeignKey("sales.id"), nullable=False),
        sa.Column("staff_id", sa.String(36), sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("share_from_bp", sa.Integer, nullable=False),
        sa.Column("share_to_bp", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(26), nullable=False),
        sa.Column("updated_at", sa.String(26), nullable=False),
        sa.CheckConstraint("position BETWEEN 0 AND 3", name="ck_sale_credits_position"),
        sa.CheckConstraint("share_from_bp >= 0 AND share_from_bp < share_to_bp AND share_to_bp <= 10000",
                           name="ck_sale_credits_share"),
        sa.UniqueConstraint("sale_id", "position", name="uq_sale_credits_sale_id_position"),
    )
    op.create_index("ix_sale_credits_staff_id", "sale_credits", ["staff_id"])
    op.create_index("ix_stock_movements_at", "stock_movements", ["created_at", "store_id", "kind", "item_id",
                                                                 "quantity"])


def downgrade() -> None:
    op.drop_index("ix_stock_movements_at", "stock_movements")
    op.drop_index("ix_sale_credits_staff_id", "sale_credits")
    op.drop_table("sale_credits")
    op.execute("ALTER TABLE sale_lines DROP COLUMN cost_cents")
