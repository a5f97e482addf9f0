"""Catalog setup: a barcode's pack quantity, a product's inventory and backorder flags,
and the reason `opening_balance` for a warehouse's starting stock.

A case barcode stands for `pack_qty` units (1 for an each). `track_inventory` (false: the
product is sold but its stock is not counted, e.g. a service) and `allow_backorder` are
the flags of the product API's contract. Existing rows get the defaults: every barcode an
each, every product tracked, no backorders.

Revision ID: 0013_catalog_setup
Revises: 0012_organisations
Create Date: 2026-12-06 09:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013_catalog_setup'
down_revision = '0012_organisations'
branch_labels = None
depends_on = None


REASONS = ['physical_count', 'damaged', 'found', 'write_off', 'received', 'other']
# Opening stock (an import's or a new product's first quantity) is posted as a count with
# its own reason, so reports can tell a warehouse's starting stock from a count's variance.
NEW_REASONS = REASONS + ['opening_balance']
REASON_COLUMNS = {'postings': 'reason_code', 'stock_movements': 'movement_reason'}


def _reasons(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _change_reasons(values, old):
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        for table, name in REASON_COLUMNS.items():
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT ck_{table}_{name}")
            quoted = ", ".join(f"'{v}'" for v in values)
            op.execute(f"ALTER TABLE {table} ADD CONSTRAINT ck_{table}_{name} CHECK (reason IN ({quoted}))")
        return
    # SQLite changes a CHECK by rebuilding the table; the ledger's append-only triggers
    # go with the old table and are made again.
    op.execute("DROP TRIGGER IF EXISTS stock_movements_no_update")
    op.execute("DROP TRIGGER IF EXISTS stock_movements_no_delete")
    for table, name in REASON_COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            batch.alter_column('reason', existing_type=_reasons(old, name), type_=_reasons(values, name),
                               existing_nullable=True)
    for action in ("UPDATE", "DELETE"):
        op.execute(f"""
            CREATE TRIGGER stock_movements_no_{action.lower()} BEFORE {action}
            ON stock_movements BEGIN
                SELECT RAISE(ABORT, 'stock_movements is append-only: correct with a new movement');
            END""")


def upgrade():
    _change_reasons(NEW_REASONS, REASONS)
    # Plain ADD COLUMN on both engines (no table rebuild on SQLite: the ledger's triggers
    # and the foreign keys into these tables stay as they are).
    op.execute(
        "ALTER TABLE product_barcodes ADD COLUMN pack_qty INTEGER DEFAULT 1 NOT NULL "
        "CONSTRAINT ck_product_barcodes_pack_qty_positive CHECK (pack_qty >= 1)"
    )
    op.add_column('products', sa.Column('track_inventory', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column('products', sa.Column('allow_backorder', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    _change_reasons(REASONS, NEW_REASONS)
    with op.batch_alter_table('products') as batch:
        batch.drop_column('allow_backorder')
        batch.drop_column('track_inventory')
    with op.batch_alter_table('product_barcodes') as batch:
        batch.drop_constraint(op.f('ck_product_barcodes_pack_qty_positive'), type_='check')
        batch.drop_column('pack_qty')
