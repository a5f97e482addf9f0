"""Catalog setup: a barcode's pack quantity, a product's inventory and backorder flags,
the reason `opening_balance` for a warehouse's starting stock, and import runs (a file
checked row by row, applied a chunk at a time) with row-level security on PostgreSQL.

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


APP_ROLE = "warehouse_app"
MINE = "org_id = nullif(current_setting('app.org_id', true), '')::int"


def _import_tables():
    op.create_table(
        'import_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('products', 'bins', 'policies', 'stock', name='import_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('file_hash', sa.String(length=64), nullable=False),
        sa.Column('skip_bad_rows', sa.Boolean(), nullable=False),
        sa.Column('status', sa.Enum('checked', 'running', 'done', 'refused', 'cancelled', name='import_status', native_enum=False, create_constraint=True, length=32), nullable=False),
        sa.Column('headers', sa.Text(), nullable=False),
        sa.Column('unused', sa.Text(), nullable=False),
        sa.Column('bad', sa.Text(), nullable=False),
        sa.Column('good_rows', sa.Integer(), nullable=False),
        sa.Column('bad_rows', sa.Integer(), nullable=False),
        sa.Column('done_rows', sa.Integer(), nullable=False),
        sa.Column('imported_rows', sa.Integer(), nullable=False),
        sa.Column('message', sa.String(length=500), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_import_runs_created_by_users')),
        sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_import_runs_org_id_organisations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs')),
    )
    op.create_table(
        'import_chunks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('rows', sa.Text(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_import_chunks_org_id_organisations')),
        sa.ForeignKeyConstraint(['run_id'], ['import_runs.id'], name=op.f('fk_import_chunks_run_id_import_runs')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_chunks')),
        sa.UniqueConstraint('run_id', 'number', name=op.f('uq_import_chunks_run_id_number')),
    )
    op.create_index(op.f('ix_import_chunks_run_id'), 'import_chunks', ['run_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for table in ('import_runs', 'import_chunks'):
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
            op.execute(f"GRANT USAGE, SELECT ON SEQUENCE {table}_id_seq TO {APP_ROLE}")
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY {table}_of_organisation ON {table} USING ({MINE}) WITH CHECK ({MINE})")


def upgrade():
    _change_reasons(NEW_REASONS, REASONS)
    _import_tables()
    # Plain ADD COLUMN on both engines (no table rebuild on SQLite: the ledger's triggers
    # and the foreign keys into these tables stay as they are).
    op.execute(
        "ALTER TABLE product_barcodes ADD COLUMN pack_qty INTEGER DEFAULT 1 NOT NULL "
        "CONSTRAINT ck_product_barcodes_pack_qty_positive CHECK (pack_qty >= 1)"
    )
    op.add_column('products', sa.Column('track_inventory', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column('products', sa.Column('allow_backorder', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    op.drop_index(op.f('ix_import_chunks_run_id'), table_name='import_chunks')
    op.drop_table('import_chunks')
    op.drop_table('import_runs')
    _change_reasons(REASONS, NEW_REASONS)
    with op.batch_alter_table('products') as batch:
        batch.drop_column('allow_backorder')
        batch.drop_column('track_inventory')
    with op.batch_alter_table('product_barcodes') as batch:
        batch.drop_constraint(op.f('ck_product_barcodes_pack_qty_positive'), type_='check')
        batch.drop_column('pack_qty')
