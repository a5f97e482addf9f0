"""What units cost: a movement may carry the cost of one unit (a purchase received at its
invoice price), and each SKU x location keeps its weighted average cost, updated by the
postings that bring units in with a cost (warehouse/ledger/costing.py).

Existing movements have no cost and no place has an average yet: they are valued at the
product's standard cost, as before, until a costed receipt arrives.

Revision ID: 0018_movement_costs
Revises: 0017_expiry_destruction
Create Date: 2026-12-06 15:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0018_movement_costs'
down_revision = '0017_expiry_destruction'
branch_labels = None
depends_on = None

APP_ROLE = "warehouse_app"
MINE = "org_id = nullif(current_setting('app.org_id', true), '')::int"


def upgrade():
    # A plain ADD COLUMN (nullable, no default): no table rebuild on SQLite, and the
    # append-only triggers of stock_movements refuse UPDATEs, not new columns.
    op.execute("ALTER TABLE stock_movements ADD COLUMN cost_per_unit NUMERIC(12, 4)")
    op.create_table(
        'average_costs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.Column('average', sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_average_costs_location_id_locations')),
        sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_average_costs_org_id_organisations')),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_average_costs_product_id_products')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_average_costs')),
        sa.UniqueConstraint('org_id', 'product_id', 'location_id', name='uq_average_costs_place'),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON average_costs TO {APP_ROLE}")
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE average_costs_id_seq TO {APP_ROLE}")
        op.execute("ALTER TABLE average_costs ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY average_costs_of_organisation ON average_costs USING ({MINE}) WITH CHECK ({MINE})")


def downgrade():
    op.drop_table('average_costs')
    op.execute("ALTER TABLE stock_movements DROP COLUMN cost_per_unit")
