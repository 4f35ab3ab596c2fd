"""The whole product's schema: store, staff, inventory, customers, sales,
appraisals, privacy requests, audit trail and sync outbox; plus the
full-text index over items.

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 01:05:34.455798
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('at', sa.String(length=26), nullable=False),
    sa.Column('staff_id', sa.String(length=36), nullable=True),
    sa.Column('actor_name', sa.String(length=80), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('terminal', sa.String(length=8), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('entity_type', sa.String(length=30), nullable=True),
    sa.Column('entity_id', sa.String(length=36), nullable=True),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('approved_by', sa.String(length=36), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('id', name=op.f('uq_audit_events_id'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_events_entity', ['entity_type', 'entity_id'], unique=False)

    op.create_table('customers',
    sa.Column('first_name', sa.String(length=80), nullable=False),
    sa.Column('last_name', sa.String(length=80), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('billing_address', sa.Text(), nullable=False),
    sa.Column('shipping_address', sa.Text(), nullable=False),
    sa.Column('adult_confirmed', sa.Boolean(), nullable=False),
    sa.Column('preferences', sa.Text(), nullable=False),
    sa.Column('wishlist', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('do_not_sell', sa.Boolean(), nullable=False),
    sa.Column('restricted', sa.Boolean(), nullable=False),
    sa.Column('marketing_objection', sa.Boolean(), nullable=False),
    sa.Column('erased_at', sa.String(length=26), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers'))
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index('ix_customers_email', ['email'], unique=False)
        batch_op.create_index('ix_customers_last_first', ['last_name', 'first_name'], unique=False)
        batch_op.create_index('ix_customers_phone', ['phone'], unique=False)

    op.create_table('items',
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=32), nullable=False),
    sa.Column('barcode', sa.String(length=48), nullable=True),
    sa.Column('style', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('metal', sa.String(length=20), nullable=False),
    sa.Column('chain_length_tenths', sa.Integer(), nullable=True),
    sa.Column('clasp', sa.String(length=40), nullable=False),
    sa.Column('total_carat_points', sa.Integer(), nullable=True),
    sa.Column('stone_count', sa.Integer(), nullable=True),
    sa.Column('center_shape', sa.String(length=20), nullable=True),
    sa.Column('center_carat_points', sa.Integer(), nullable=True),
    sa.Column('center_color', sa.String(length=24), nullable=True),
    sa.Column('center_clarity', sa.String(length=4), nullable=True),
    sa.Column('center_cut', sa.String(length=12), nullable=True),
    sa.Column('center_origin', sa.String(length=12), nullable=True),
    sa.Column('cert_lab', sa.String(length=8), nullable=True),
    sa.Column('cert_number', sa.String(length=24), nullable=True),
    sa.Column('gram_weight_cg', sa.Integer(), nullable=True),
    sa.Column('cost_cents', sa.Integer(), nullable=True),
    sa.Column('price_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('tracking', sa.String(length=10), nullable=False),
    sa.Column('serial', sa.String(length=40), nullable=True),
    sa.Column('reorder_point', sa.Integer(), nullable=True),
    sa.Column('location', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('vendor', sa.String(length=80), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('on_hand', sa.Integer(), server_default='0', nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_items')),
    sa.UniqueConstraint('barcode', name=op.f('uq_items_barcode')),
    sa.UniqueConstraint('seq', name=op.f('uq_items_seq')),
    sa.UniqueConstraint('sku', name=op.f('uq_items_sku'))
    )
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index('ix_items_sku_seq', ['sku', 'seq'], unique=False)
        batch_op.create_index('ix_items_title_sku_seq', ['title', 'sku', 'seq'], unique=False)
        batch_op.create_index('ix_items_style_sku_seq', ['style', 'sku', 'seq'], unique=False)
        batch_op.create_index('ix_items_metal_sku_seq', ['metal', 'sku', 'seq'], unique=False)
        batch_op.create_index('ix_items_status_sku_seq', ['status', 'sku', 'seq'], unique=False)
        batch_op.create_index('ix_items_location_sku_seq', ['location', 'sku', 'seq'], unique=False)
        batch_op.create_index('ix_items_price_cents_sku_seq', ['price_cents', 'sku', 'seq'], unique=False)
        batch_op.create_index('ix_items_cost_cents_sku_seq', ['cost_cents', 'sku', 'seq'], unique=False)
        batch_op.create_index('ix_items_on_hand_sku_seq', ['on_hand', 'sku', 'seq'], unique=False)
        batch_op.create_index('ix_items_received_on_sku_seq', ['received_on', 'sku', 'seq'], unique=False)
        batch_op.create_index('ix_items_cert_number_sku_seq', ['cert_number', 'sku', 'seq'], unique=False)
        batch_op.create_index('ix_items_barcode_sku_seq', ['barcode', 'sku', 'seq'], unique=False)
        batch_op.create_index('ix_items_tracking_sku_seq', ['tracking', 'sku', 'seq'], unique=False)

    op.create_table('outbox',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('row_id', sa.String(length=36), nullable=False),
    sa.Column('op', sa.String(length=8), nullable=False),
    sa.Column('at', sa.String(length=26), nullable=False),
    sa.Column('pushed_at', sa.String(length=26), nullable=True),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_outbox'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_pushed_at', ['pushed_at'], unique=False)

    op.create_table('policy_versions',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_versions')),
    sa.UniqueConstraint('version', name=op.f('uq_policy_versions_version'))
    )
    op.create_table('settings',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )
    op.create_table('stores',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=120), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('tax_rate', sa.String(length=12), nullable=False),
    sa.Column('receipt_footer', sa.Text(), nullable=False),
    sa.Column('privacy_contact', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stores'))
    )
    op.create_table('certificates',
    sa.Column('lab', sa.String(length=8), nullable=False),
    sa.Column('report_number', sa.String(length=24), nullable=False),
    sa.Column('report_date', sa.Date(), nullable=True),
    sa.Column('shape', sa.String(length=20), nullable=True),
    sa.Column('carat_points', sa.Integer(), nullable=True),
    sa.Column('color', sa.String(length=24), nullable=True),
    sa.Column('clarity', sa.String(length=4), nullable=True),
    sa.Column('cut', sa.String(length=12), nullable=True),
    sa.Column('polish', sa.String(length=12), nullable=True),
    sa.Column('symmetry', sa.String(length=12), nullable=True),
    sa.Column('fluorescence', sa.String(length=20), nullable=True),
    sa.Column('measurements', sa.String(length=40), nullable=True),
    sa.Column('inscription', sa.String(length=60), nullable=True),
    sa.Column('origin', sa.String(length=12), nullable=True),
    sa.Column('item_id', sa.String(length=36), nullable=True),
    sa.Column('customer_id', sa.String(length=36), nullable=True),
    sa.Column('scan_mime_type', sa.String(length=40), nullable=True),
    sa.Column('scan', sa.LargeBinary(), nullable=True),
    sa.Column('retain_until', sa.Date(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_certificates_customer_id_customers')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_certificates_item_id_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_item_id'), ['item_id'], unique=False)
        batch_op.create_index('ix_certificates_lab_report', ['lab', 'report_number'], unique=False)

    op.create_table('item_photos',
    sa.Column('item_id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('mime_type', sa.String(length=40), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_item_photos_item_id_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_photos'))
    )
    with op.batch_alter_table('item_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_photos_item_id'), ['item_id'], unique=False)

    op.create_table('staff',
    sa.Column('store_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('pin_hash', sa.String(length=200), nullable=True),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('credentials', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.String(length=26), nullable=True),
    sa.Column('last_sign_in_at', sa.String(length=26), nullable=True),
    sa.Column('totp_secret', sa.String(length=64), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_staff_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
    sa.UniqueConstraint('store_id', 'name', name=op.f('uq_staff_store_id_name'))
    )
    op.create_table('terminals',
    sa.Column('store_id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_terminals_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_terminals')),
    sa.UniqueConstraint('code', name=op.f('uq_terminals_code'))
    )
    op.create_table('appraisals',
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('supersedes_id', sa.String(length=36), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('purpose', sa.String(length=30), nullable=False),
    sa.Column('appraised_on', sa.Date(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=True),
    sa.Column('owner_customer_id', sa.String(length=36), nullable=True),
    sa.Column('item_id', sa.String(length=36), nullable=True),
    sa.Column('style', sa.String(length=20), nullable=True),
    sa.Column('metal', sa.String(length=20), nullable=True),
    sa.Column('gram_weight_cg', sa.Integer(), nullable=True),
    sa.Column('chain_length_tenths', sa.Integer(), nullable=True),
    sa.Column('clasp', sa.String(length=40), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('value_cents', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('appraiser_id', sa.String(length=36), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('limiting_conditions', sa.Text(), nullable=False),
    sa.Column('finalized_at', sa.String(length=26), nullable=True),
    sa.Column('retain_until', sa.Date(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['appraiser_id'], ['staff.id'], name=op.f('fk_appraisals_appraiser_id_staff')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_appraisals_item_id_items')),
    sa.ForeignKeyConstraint(['owner_customer_id'], ['customers.id'], name=op.f('fk_appraisals_owner_customer_id_customers')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['appraisals.id'], name=op.f('fk_appraisals_supersedes_id_appraisals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisals')),
    sa.UniqueConstraint('number', 'version', name=op.f('uq_appraisals_number_version'))
    )
    with op.batch_alter_table('appraisals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appraisals_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appraisals_number'), ['number'], unique=False)
        batch_op.create_index(batch_op.f('ix_appraisals_owner_customer_id'), ['owner_customer_id'], unique=False)

    op.create_table('consent_events',
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('policy_version_id', sa.String(length=36), nullable=True),
    sa.Column('staff_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_consent_events_customer_id_customers')),
    sa.ForeignKeyConstraint(['policy_version_id'], ['policy_versions.id'], name=op.f('fk_consent_events_policy_version_id_policy_versions')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_consent_events_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_events'))
    )
    with op.batch_alter_table('consent_events', schema=None) as batch_op:
        batch_op.create_index('ix_consent_events_customer_purpose', ['customer_id', 'purpose', 'created_at'], unique=False)

    op.create_table('item_stones',
    sa.Column('item_id', sa.String(length=36), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('shape', sa.String(length=20), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('carat_points', sa.Integer(), nullable=True),
    sa.Column('color', sa.String(length=24), nullable=True),
    sa.Column('clarity', sa.String(length=4), nullable=True),
    sa.Column('origin', sa.String(length=12), nullable=True),
    sa.Column('certificate_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_item_stones_certificate_id_certificates')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_item_stones_item_id_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_stones'))
    )
    with op.batch_alter_table('item_stones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_stones_item_id'), ['item_id'], unique=False)

    op.create_table('privacy_requests',
    sa.Column('customer_id', sa.String(length=36), nullable=True),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('extension_reason', sa.Text(), nullable=True),
    sa.Column('customer_told_on', sa.Date(), nullable=True),
    sa.Column('verification_method', sa.String(length=40), nullable=True),
    sa.Column('verified_by', sa.String(length=36), nullable=True),
    sa.Column('verified_at', sa.String(length=26), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('completed_at', sa.String(length=26), nullable=True),
    sa.Column('export_sha256', sa.String(length=64), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_privacy_requests_customer_id_customers')),
    sa.ForeignKeyConstraint(['verified_by'], ['staff.id'], name=op.f('fk_privacy_requests_verified_by_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_requests'))
    )
    with op.batch_alter_table('privacy_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_requests_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_privacy_requests_status_due', ['status', 'due_on'], unique=False)

    op.create_table('sales',
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('terminal', sa.String(length=8), nullable=False),
    sa.Column('staff_id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('subtotal_cents', sa.Integer(), nullable=False),
    sa.Column('discount_cents', sa.Integer(), nullable=False),
    sa.Column('tax_cents', sa.Integer(), nullable=False),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('tax_exempt_reason', sa.String(length=120), nullable=True),
    sa.Column('tax_exempt_number', sa.String(length=40), nullable=True),
    sa.Column('completed_at', sa.String(length=26), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_sales_customer_id_customers')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_sales_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales')),
    sa.UniqueConstraint('terminal', 'number', name=op.f('uq_sales_terminal_number'))
    )
    with op.batch_alter_table('sales', schema=None) as batch_op:
        batch_op.create_index('ix_sales_completed_at', ['completed_at'], unique=False)
        batch_op.create_index('ix_sales_customer_id', ['customer_id'], unique=False)

    op.create_table('stock_counts',
    sa.Column('location', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('started_by', sa.String(length=36), nullable=True),
    sa.Column('posted_at', sa.String(length=26), nullable=True),
    sa.Column('posted_by', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['posted_by'], ['staff.id'], name=op.f('fk_stock_counts_posted_by_staff')),
    sa.ForeignKeyConstraint(['started_by'], ['staff.id'], name=op.f('fk_stock_counts_started_by_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_counts'))
    )
    op.create_table('stock_movements',
    sa.Column('item_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=14), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=True),
    sa.Column('staff_id', sa.String(length=36), nullable=True),
    sa.Column('terminal', sa.String(length=8), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_stock_movements_item_id_items')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_stock_movements_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_movements'))
    )
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.create_index('ix_stock_movements_item_at', ['item_id', 'created_at'], unique=False)
        batch_op.create_index('ix_stock_movements_item_quantity', ['item_id', 'quantity'], unique=False)

    op.create_table('appraisal_stones',
    sa.Column('appraisal_id', sa.String(length=36), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('shape', sa.String(length=20), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('carat_points', sa.Integer(), nullable=True),
    sa.Column('color', sa.String(length=24), nullable=True),
    sa.Column('clarity', sa.String(length=4), nullable=True),
    sa.Column('cut', sa.String(length=12), nullable=True),
    sa.Column('measurements', sa.String(length=40), nullable=True),
    sa.Column('certificate_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['appraisal_id'], ['appraisals.id'], name=op.f('fk_appraisal_stones_appraisal_id_appraisals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_appraisal_stones_certificate_id_certificates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisal_stones'))
    )
    with op.batch_alter_table('appraisal_stones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appraisal_stones_appraisal_id'), ['appraisal_id'], unique=False)

    op.create_table('payments',
    sa.Column('sale_id', sa.String(length=36), nullable=False),
    sa.Column('tender', sa.String(length=14), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('payment_intent_id', sa.String(length=64), nullable=True),
    sa.Column('card_brand', sa.String(length=20), nullable=True),
    sa.Column('card_last4', sa.String(length=4), nullable=True),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['sale_id'], ['sales.id'], name=op.f('fk_payments_sale_id_sales')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_payment_intent_id'), ['payment_intent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_sale_id'), ['sale_id'], unique=False)

    op.create_table('sale_lines',
    sa.Column('sale_id', sa.String(length=36), nullable=False),
    sa.Column('item_id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=32), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price_cents', sa.Integer(), nullable=False),
    sa.Column('discount_cents', sa.Integer(), nullable=False),
    sa.Column('tax_cents', sa.Integer(), nullable=False),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_sale_lines_item_id_items')),
    sa.ForeignKeyConstraint(['sale_id'], ['sales.id'], name=op.f('fk_sale_lines_sale_id_sales')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sale_lines'))
    )
    with op.batch_alter_table('sale_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sale_lines_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sale_lines_sale_id'), ['sale_id'], unique=False)

    op.create_table('stock_count_scans',
    sa.Column('count_id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=48), nullable=False),
    sa.Column('item_id', sa.String(length=36), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('scanned_at', sa.String(length=26), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.String(length=26), nullable=False),
    sa.Column('updated_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['count_id'], ['stock_counts.id'], name=op.f('fk_stock_count_scans_count_id_stock_counts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_stock_count_scans_item_id_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_count_scans'))
    )
    with op.batch_alter_table('stock_count_scans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_count_scans_count_id'), ['count_id'], unique=False)


    # Search-as-you-type over SKU, barcode, title, description and certificate
    # number. External content (no second copy of the text), kept in step by
    # triggers so every writer, bulk imports included, updates it. Prefix
    # indexes for 2 and 3 characters make short prefixes fast.
    op.execute(
        "CREATE VIRTUAL TABLE items_fts USING fts5("
        "sku, barcode, title, description, cert_number, "
        "content='items', content_rowid='seq', "
        "tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
    )
    op.execute(
        "CREATE TRIGGER items_fts_ai AFTER INSERT ON items BEGIN "
        "INSERT INTO items_fts(rowid, sku, barcode, title, description, cert_number) "
        "VALUES (new.seq, new.sku, new.barcode, new.title, new.description, new.cert_number); END"
    )
    op.execute(
        "CREATE TRIGGER items_fts_ad AFTER DELETE ON items BEGIN "
        "INSERT INTO items_fts(items_fts, rowid, sku, barcode, title, description, cert_number) "
        "VALUES ('delete', old.seq, old.sku, old.barcode, old.title, old.description, old.cert_number); END"
    )
    op.execute(
        "CREATE TRIGGER items_fts_au AFTER UPDATE OF seq, sku, barcode, title, description, cert_number ON items BEGIN "
        "INSERT INTO items_fts(items_fts, rowid, sku, barcode, title, description, cert_number) "
        "VALUES ('delete', old.seq, old.sku, old.barcode, old.title, old.description, old.cert_number); "
        "INSERT INTO items_fts(rowid, sku, barcode, title, description, cert_number) "
        "VALUES (new.seq, new.sku, new.barcode, new.title, new.description, new.cert_number); END"
    )

    # The stock ledger is append-only, and items.on_hand is its running sum.
    op.execute(
        "CREATE TRIGGER stock_movements_on_hand AFTER INSERT ON stock_movements BEGIN "
        "UPDATE items SET on_hand = on_hand + new.quantity WHERE id = new.item_id; END"
    )
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER stock_movements_no_{event.lower()} BEFORE {event} ON stock_movements BEGIN "
            "SELECT RAISE(ABORT, 'the stock ledger is append-only: record a new movement instead'); END"
        )


def downgrade() -> None:
    for trigger in ("items_fts_ai", "items_fts_ad", "items_fts_au", "stock_movements_on_hand",
                    "stock_movements_no_update", "stock_movements_no_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS items_fts")
    # Children before parents; dropping a table drops its indexes.
    for table in ('stock_count_scans', 'sale_lines', 'payments', 'appraisal_stones', 'stock_movements', 'stock_counts', 'sales', 'privacy_requests', 'item_stones', 'consent_events', 'appraisals', 'terminals', 'staff', 'item_photos', 'certificates', 'stores', 'settings', 'policy_versions', 'outbox', 'items', 'customers', 'audit_events'):
        op.drop_table(table)
