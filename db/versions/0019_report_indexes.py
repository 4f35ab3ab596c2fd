"""Indexes that let a year of reports read only what it sums, not every line's and item's whole row.

Measured at 1,000,000 sale lines and 100,000 items (benchmarks/README.md):
a report over a year looks up each sale's lines, and each line's item, in
random order through the encrypted pages; reading the lines' and items' whole
rows (descriptions, titles, stones) cost most of its time.

- `ix_sale_lines_sale_id` becomes covering: besides the sale, what every report
  sums of a line (its item, quantity, prices, discount, tax, total, cost, and the
  line it returns). It replaces the plain index, so a sale writes no more index
  entries than before.
- `ix_items_id_style_metal`: an item's style and metal by its id, without its row.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 01:50:00
"""

from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

LINE_FIGURES = ["sale_id", "returns_line_id", "item_id", "quantity", "unit_price_cents", "discount_cents",
                "tax_cents", "total_cents", "cost_cents"]


def upgrade() -> None:
    op.drop_index("ix_sale_lines_sale_id", "sale_lines")
    op.create_index("ix_sale_lines_sale_id", "sale_lines", LINE_FIGURES)
    op.create_index("ix_items_id_style_metal", "items", ["id", "style", "metal"])


def downgrade() -> None:
    op.drop_index("ix_items_id_style_metal", "items")
    op.drop_index("ix_sale_lines_sale_id", "sale_lines")
    op.create_index("ix_sale_lines_sale_id", "sale_lines", ["sale_id"])
