"""Stock requests: a location or a department asks for SKUs (warehouse/stock_requests/).

`stock_requests` (numbered SR-000001 per organisation) with their lines (one per SKU), a
status history row for every change (`stock_request_events`: who, when, from, to, note)
and comments. An approved request records how it is met: the transfer made from its
source location, or the `fulfill` posting that issued it from stock. CHECK constraints
hold the rules a row must keep (who asks is named, a rejection has its reason, an
approval says how and from where). Row-level security on PostgreSQL like every business
table (0012, 0014).

Revision ID: 0016_stock_requests
Revises: 0015_transfer_missing
Create Date: 2026-12-09 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016_stock_requests'
down_revision = '0015_transfer_missing'
branch_labels = None
depends_on = None

APP_ROLE = "warehouse_app"
MINE = "org_id = nullif(current_setting('app.org_id', true), '')::int"
TABLES = ('stock_requests', 'stock_request_lines', 'stock_request_events', 'stock_request_comments')
STATUSES = ('draft', 'submitted', 'approved', 'rejected', 'fulfilled', 'cancelled')


def _status(name: str) -> sa.Enum:
    return sa.Enum(*STATUSES, name=name, native_enum=False, create_constraint=True, length=32)


def _org(table: str) -> list:
    return [
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f(f'fk_{table}_org_id_organisations')),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    ]


def upgrade():
    op.create_table(
        'stock_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('serial', sa.Integer(), nullable=False),
        sa.Column('status', _status('stock_request_status'), nullable=False),
        sa.Column('category', sa.Enum('replenishment', 'consumables', 'maintenance', 'project', 'other', name='stock_request_category', native_enum=False, create_constraint=True, length=32), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=True),
        sa.Column('department', sa.String(length=100), nullable=True),
        sa.Column('note', sa.String(length=500), nullable=True),
        sa.Column('requested_by', sa.Integer(), nullable=False),
        sa.Column('submitted_by', sa.Integer(), nullable=True),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('reject_reason', sa.String(length=500), nullable=True),
        sa.Column('fulfilment', sa.Enum('transfer', 'issue', name='stock_request_fulfilment', native_enum=False, create_constraint=True, length=32), nullable=True),
        sa.Column('source_location_id', sa.Integer(), nullable=True),
        sa.Column('transfer_id', sa.Integer(), nullable=True),
        sa.Column('issue_posting_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('submitted_at', sa.DateTime(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('fulfilled_at', sa.DateTime(), nullable=True),
        *_org('stock_requests'),
        sa.CheckConstraint('location_id IS NOT NULL OR department IS NOT NULL', name=op.f('ck_stock_requests_requester_named')),
        sa.CheckConstraint("status <> 'rejected' OR reject_reason IS NOT NULL", name=op.f('ck_stock_requests_rejected_with_reason')),
        sa.CheckConstraint("status NOT IN ('approved', 'fulfilled') OR fulfilment IS NOT NULL", name=op.f('ck_stock_requests_decided_how')),
        sa.CheckConstraint('fulfilment IS NULL OR source_location_id IS NOT NULL', name=op.f('ck_stock_requests_fulfilled_from')),
        sa.CheckConstraint("fulfilment <> 'transfer' OR transfer_id IS NOT NULL", name=op.f('ck_stock_requests_transfer_recorded')),
        sa.CheckConstraint("fulfilment <> 'issue' OR issue_posting_id IS NOT NULL", name=op.f('ck_stock_requests_issue_recorded')),
        sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_stock_requests_location_id_locations')),
        sa.ForeignKeyConstraint(['source_location_id'], ['locations.id'], name=op.f('fk_stock_requests_source_location_id_locations')),
        sa.ForeignKeyConstraint(['requested_by'], ['users.id'], name=op.f('fk_stock_requests_requested_by_users')),
        sa.ForeignKeyConstraint(['submitted_by'], ['users.id'], name=op.f('fk_stock_requests_submitted_by_users')),
        sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_stock_requests_decided_by_users')),
        sa.ForeignKeyConstraint(['transfer_id'], ['transfers.id'], name=op.f('fk_stock_requests_transfer_id_transfers')),
        sa.ForeignKeyConstraint(['issue_posting_id'], ['postings.id'], name=op.f('fk_stock_requests_issue_posting_id_postings')),
        sa.UniqueConstraint('org_id', 'serial', name=op.f('uq_stock_requests_org_id_serial')),
    )
    op.create_index('ix_stock_requests_status', 'stock_requests', ['org_id', 'status', 'id'], unique=False)
    op.create_index('ix_stock_requests_transfer', 'stock_requests', ['org_id', 'transfer_id'], unique=False)

    op.create_table(
        'stock_request_lines',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('qty', sa.Integer(), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=True),
        *_org('stock_request_lines'),
        sa.CheckConstraint('qty > 0 AND qty <= 1000000', name=op.f('ck_stock_request_lines_qty_in_range')),
        sa.ForeignKeyConstraint(['request_id'], ['stock_requests.id'], name=op.f('fk_stock_request_lines_request_id_stock_requests')),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_stock_request_lines_product_id_products')),
        sa.UniqueConstraint('org_id', 'request_id', 'product_id', name=op.f('uq_stock_request_lines_org_id_request_id_product_id')),
    )

    op.create_table(
        'stock_request_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('from_status', _status('stock_request_from_status'), nullable=True),
        sa.Column('to_status', _status('stock_request_to_status'), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=True),
        *_org('stock_request_events'),
        sa.CheckConstraint('from_status IS NULL OR from_status <> to_status', name=op.f('ck_stock_request_events_a_change')),
        sa.ForeignKeyConstraint(['request_id'], ['stock_requests.id'], name=op.f('fk_stock_request_events_request_id_stock_requests')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_stock_request_events_user_id_users')),
    )
    op.create_index('ix_stock_request_events_request', 'stock_request_events', ['org_id', 'request_id', 'id'], unique=False)

    op.create_table(
        'stock_request_comments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.String(length=1000), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        *_org('stock_request_comments'),
        sa.CheckConstraint('length(body) > 0', name=op.f('ck_stock_request_comments_not_empty')),
        sa.ForeignKeyConstraint(['request_id'], ['stock_requests.id'], name=op.f('fk_stock_request_comments_request_id_stock_requests')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_stock_request_comments_user_id_users')),
    )
    op.create_index('ix_stock_request_comments_request', 'stock_request_comments', ['org_id', 'request_id', 'id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
            op.execute(f"GRANT USAGE, SELECT ON SEQUENCE {table}_id_seq TO {APP_ROLE}")
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY {table}_of_organisation ON {table} USING ({MINE}) WITH CHECK ({MINE})")


def downgrade():
    for table in reversed(TABLES):
        op.drop_table(table)
