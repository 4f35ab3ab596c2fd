"""The counter: returns and exchanges on sales, checkouts in progress, parked
carts, the print queue, cash drawer shifts and large cash payment reports.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 03:34:42.672228
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('number_sequences',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('next_value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_number_sequences'))
    )
    op.create_table('parked_carts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('terminal', sa.String(length=8), nullable=False),
    sa.Column('staff_id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=True),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('cart', sa.JSON(), nullable=False),
    sa.Column('parked_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_parked_carts_customer_id_customers')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_parked_carts_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parked_carts'))
    )
    with op.batch_alter_table('parked_carts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parked_carts_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_parked_carts_terminal'), ['terminal'], unique=False)

    op.create_table('shifts',
    sa.Column('terminal', sa.String(length=8), nullable=False),
    sa.Column('opened_by', sa.String(length=36), nullable=False),
    sa.Column('opened_at', sa.String(length=26), nullable=False),
    sa.Column('float_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('closed_by', sa.String(length=36), nullable=True),
    sa.Column('closed_at', sa.String(length=26), nullable=True),
    sa.Column('counted', sa.JSON(), nullable=True),
    sa.Column('counted_cents', sa.Integer(), nullable=True),
    sa.Column('expected_cents', sa.Integer(), nullable=True),
    sa.Column('variance_cents', sa.Integer(), nullable=True),
    sa.Column('z_report', sa.JSON(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['closed_by'], ['staff.id'], name=op.f('fk_shifts_closed_by_staff')),
    sa.ForeignKeyConstraint(['opened_by'], ['staff.id'], name=op.f('fk_shifts_opened_by_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shifts'))
    )
    with op.batch_alter_table('shifts', schema=None) as batch_op:
        batch_op.create_index('ix_shifts_terminal_status', ['terminal', 'status'], unique=False)

    op.create_table('cash_movements',
    sa.Column('shift_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('staff_id', sa.String(length=36), nullable=True),
    sa.Column('approved_by', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['approved_by'], ['staff.id'], name=op.f('fk_cash_movements_approved_by_staff')),
    sa.ForeignKeyConstraint(['shift_id'], ['shifts.id'], name=op.f('fk_cash_movements_shift_id_shifts')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_cash_movements_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cash_movements'))
    )
    with op.batch_alter_table('cash_movements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cash_movements_shift_id'), ['shift_id'], unique=False)

    op.create_table('checkouts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('terminal', sa.String(length=8), nullable=False),
    sa.Column('staff_id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=True),
    sa.Column('cart', sa.JSON(), nullable=False),
    sa.Column('tenders', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('sale_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_checkouts_customer_id_customers')),
    sa.ForeignKeyConstraint(['sale_id'], ['sales.id'], name=op.f('fk_checkouts_sale_id_sales')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_checkouts_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkouts'))
    )
    with op.batch_alter_table('checkouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkouts_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_checkouts_terminal_status', ['terminal', 'status'], unique=False)

    op.create_table('large_cash_reports',
    sa.Column('customer_id', sa.String(length=36), nullable=True),
    sa.Column('sale_id', sa.String(length=36), nullable=True),
    sa.Column('cash_cents', sa.Integer(), nullable=False),
    sa.Column('twelve_month_cents', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=160), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('taxpayer_id', sa.String(length=20), nullable=False),
    sa.Column('occupation', sa.String(length=120), nullable=False),
    sa.Column('id_document', sa.String(length=200), nullable=False),
    sa.Column('recorded_by', sa.String(length=36), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_large_cash_reports_customer_id_customers')),
    sa.ForeignKeyConstraint(['recorded_by'], ['staff.id'], name=op.f('fk_large_cash_reports_recorded_by_staff')),
    sa.ForeignKeyConstraint(['sale_id'], ['sales.id'], name=op.f('fk_large_cash_reports_sale_id_sales')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_large_cash_reports'))
    )
    with op.batch_alter_table('large_cash_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_large_cash_reports_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_large_cash_reports_sale_id'), ['sale_id'], unique=False)

    op.create_table('print_queue',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('terminal', sa.String(length=8), nullable=False),
    sa.Column('document', sa.String(length=20), nullable=False),
    sa.Column('sale_id', sa.String(length=36), nullable=True),
    sa.Column('shift_id', sa.String(length=36), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('printed_at', sa.String(length=26), nullable=True),
    sa.ForeignKeyConstraint(['sale_id'], ['sales.id'], name=op.f('fk_print_queue_sale_id_sales')),
    sa.ForeignKeyConstraint(['shift_id'], ['shifts.id'], name=op.f('fk_print_queue_shift_id_shifts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_queue'))
    )
    with op.batch_alter_table('print_queue', schema=None) as batch_op:
        batch_op.create_index('ix_print_queue_terminal_status', ['terminal', 'status'], unique=False)

    # Plain ALTER TABLE ... ADD COLUMN, not a batch copy: copying `sales` would
    # drop the table its lines and payments point at.
    for table, column in [
        ("payments", "tendered_cents INTEGER"),
        ("payments", "refund_id VARCHAR(64)"),
        ("sale_lines", "list_price_cents INTEGER NOT NULL DEFAULT 0"),
        ("sale_lines", "returns_line_id VARCHAR(36) CONSTRAINT fk_sale_lines_returns_line_id_sale_lines "
                       "REFERENCES sale_lines (id)"),
        ("sale_lines", "discount_reason VARCHAR(120) NOT NULL DEFAULT ''"),
        ("sale_lines", "override_reason VARCHAR(120) NOT NULL DEFAULT ''"),
        ("sale_lines", "approved_by VARCHAR(36) CONSTRAINT fk_sale_lines_approved_by_staff REFERENCES staff (id)"),
        ("sales", "kind VARCHAR(10) NOT NULL DEFAULT 'sale'"),
        ("sales", "original_sale_id VARCHAR(36) CONSTRAINT fk_sales_original_sale_id_sales REFERENCES sales (id)"),
        ("sales", "shift_id VARCHAR(36) CONSTRAINT fk_sales_shift_id_shifts REFERENCES shifts (id)"),
        ("sales", "tax_rate VARCHAR(12) NOT NULL DEFAULT '0'"),
        ("sales", "order_discount_reason VARCHAR(120) NOT NULL DEFAULT ''"),
        ("sales", "voided_at VARCHAR(26)"),
        ("sales", "voided_by VARCHAR(36) CONSTRAINT fk_sales_voided_by_staff REFERENCES staff (id)"),
        ("sales", "void_reason VARCHAR(200)"),
    ]:
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
    op.create_index("ix_sale_lines_returns_line_id", "sale_lines", ["returns_line_id"])
    op.create_index("ix_sales_number", "sales", ["number"])
    op.create_index("ix_sales_original_sale_id", "sales", ["original_sale_id"])
    op.create_index("ix_sales_shift_id", "sales", ["shift_id"])
    # Existing lines were sold at their price: their list price is that price.
    op.execute("UPDATE sale_lines SET list_price_cents = unit_price_cents")


def downgrade() -> None:
    for index in ("ix_sales_shift_id", "ix_sales_original_sale_id", "ix_sales_number",
                  "ix_sale_lines_returns_line_id"):
        op.drop_index(index)
    for table, column in [
        ("sales", "void_reason"), ("sales", "voided_by"), ("sales", "voided_at"), ("sales", "order_discount_reason"),
        ("sales", "tax_rate"), ("sales", "shift_id"), ("sales", "original_sale_id"), ("sales", "kind"),
        ("sale_lines", "approved_by"), ("sale_lines", "override_reason"), ("sale_lines", "discount_reason"),
        ("sale_lines", "returns_line_id"), ("sale_lines", "list_price_cents"),
        ("payments", "refund_id"), ("payments", "tendered_cents"),
    ]:
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    for table in ("print_queue", "large_cash_reports", "checkouts", "cash_movements", "shifts", "parked_carts",
                  "number_sequences"):
        op.drop_table(table)
