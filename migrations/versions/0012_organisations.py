"""Organisations: every business row belongs to one; PostgreSQL row-level security

Adds `organisations` and an `org_id` on every business table; every unique key and the
lookup indexes lead with it (the same SKU, bin code or request key may exist in two
organisations). Transfers, count batches, receipts and holds get a `serial`, their number
within the organisation (TR-000001); existing rows keep the number they were printed with
(serial = id). An installation with data gets one organisation, `main`, that owns all of
it; an empty one gets none (flask create-org, flask demo).

Usernames, badge codes and API token hashes stay unique across organisations: signing
in names no organisation, the user's own is found from them.

PostgreSQL: a NOLOGIN role `warehouse_app` with the grants the app needs, granted to the
migrating user; the app works as it (SET ROLE, warehouse/core/tenancy.py), so the policies
apply whatever user DATABASE_URL names. Each org-scoped table gets the policy
`org_id = app.org_id` (the "no lot" row, org_id NULL, is visible to all); users and API
tokens are also visible while `app.identifying` is on (signing in). The migrating user
needs CREATEROLE (or a superuser must create the role first).

Revision ID: 0012_organisations
Revises: 0011_api_keys_as_commands
Create Date: 2026-12-06 07:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012_organisations'
down_revision = '0011_api_keys_as_commands'
branch_labels = None
depends_on = None

APP_ROLE = "warehouse_app"

# table -> (unique keys dropped, unique keys made: {name: columns}, indexes remade: {name: columns})
TABLES = {
    'alert_settings': (['uq_alert_settings_product_id_location_id'],
                       {'uq_alert_settings_org_id_product_id_location_id': ['org_id', 'product_id', 'location_id']}, {}),
    'alerts': (['uq_alerts_live_key'], {'uq_alerts_org_id_live_key': ['org_id', 'live_key']},
               {'ix_alerts_product_location': ['org_id', 'product_id', 'location_id'],
                'ix_alerts_status': ['org_id', 'status', 'id']}),
    'api_tokens': ([], {}, {}),
    'bins': (['uq_bins_barcode', 'uq_bins_location_id_code'],
             {'uq_bins_org_id_barcode': ['org_id', 'barcode'],
              'uq_bins_org_id_location_id_code': ['org_id', 'location_id', 'code']}, {}),
    'commands': (['uq_commands_owner_key'], {'uq_commands_org_owner_key': ['org_id', 'owner', 'key']}, {}),
    'count_batches': ([], {'uq_count_batches_org_id_serial': ['org_id', 'serial']}, {}),
    'count_lines': ([], {}, {}),
    'count_requests': ([], {}, {}),
    'holds': ([], {'uq_holds_org_id_serial': ['org_id', 'serial']},
              {'ix_holds_key': ['org_id', 'product_id', 'bin_id', 'lot_id', 'status'],
               'ix_holds_status': ['org_id', 'status', 'location_id']}),
    'locations': (['uq_locations_code'], {'uq_locations_org_id_code': ['org_id', 'code']}, {}),
    'lots': (['uq_lots_product_id_code'], {'uq_lots_org_id_product_id_code': ['org_id', 'product_id', 'code']}, {}),
    'outbox_events': ([], {}, {'ix_outbox_events_undispatched': ['org_id', 'dispatched_at', 'id']}),
    'postings': (['uq_postings_idempotency_key'],
                 {'uq_postings_org_id_idempotency_key': ['org_id', 'idempotency_key']},
                 {'ix_postings_reference': ['org_id', 'reference_type', 'reference_id']}),
    'product_barcodes': (['uq_product_barcodes_code'], {'uq_product_barcodes_org_id_code': ['org_id', 'code']}, {}),
    'products': (['uq_products_sku'], {'uq_products_org_id_sku': ['org_id', 'sku']}, {}),
    'putaway_tasks': ([], {}, {'ix_putaway_tasks_open': ['org_id', 'location_id', 'status', 'product_id', 'id']}),
    'receipt_lines': (['uq_receipt_lines_receipt_id_product_id_lot_id'],
                      {'uq_receipt_lines_org_id_receipt_id_product_id_lot_id':
                       ['org_id', 'receipt_id', 'product_id', 'lot_id']}, {}),
    'receipts': ([], {'uq_receipts_org_id_serial': ['org_id', 'serial']},
                 {'ix_receipts_reference': ['org_id', 'reference']}),
    'reorder_policies': (['uq_reorder_policies_product_id_location_id'],
                         {'uq_reorder_policies_org_id_product_id_location_id':
                          ['org_id', 'product_id', 'location_id']}, {}),
    'reservations': ([], {}, {'ix_reservations_expiry': ['org_id', 'status', 'expires_at'],
                              'ix_reservations_product': ['org_id', 'product_id', 'location_id', 'status'],
                              'ix_reservations_reference': ['org_id', 'reference_type', 'reference_id', 'status']}),
    'stock_balances': (['uq_stock_balances_key'],
                       # (org_id, product_id, location_id, ...): also a product's stock per location, in
                       # order (SQLite without ANALYZE otherwise reads a whole organisation's balances)
                       {'uq_stock_balances_key': ['org_id', 'product_id', 'location_id', 'bin_id', 'lot_id']},
                       {'ix_stock_balances_bin': ['org_id', 'bin_id'],
                        'ix_stock_balances_location_bin': ['org_id', 'location_id', 'bin_id']}),
    'stock_movements': ([], {}, {'ix_stock_movements_created_at': ['org_id', 'created_at'],
                                 'ix_stock_movements_key': ['org_id', 'product_id', 'location_id', 'bin_id', 'lot_id', 'id'],
                                 'ix_stock_movements_location': ['org_id', 'location_id', 'id'],
                                 'ix_stock_movements_reference': ['org_id', 'reference_type', 'reference_id'],
                                 'ix_stock_movements_type': ['org_id', 'type', 'id']}),
    'transfer_allocations': ([], {}, {}),
    'transfer_lines': ([], {}, {}),
    'transfer_picks': ([], {}, {}),
    'transfers': ([], {'uq_transfers_org_id_serial': ['org_id', 'serial']},
                  {'ix_transfers_status': ['org_id', 'status', 'id']}),
    'users': ([], {}, {}),
    'webhook_attempts': ([], {}, {}),
    'webhook_deliveries': (['uq_webhook_deliveries_event_id_subscription_id'],
                           {'uq_webhook_deliveries_org_id_event_id_subscription_id':
                            ['org_id', 'event_id', 'subscription_id']},
                           {'ix_webhook_deliveries_due': ['org_id', 'status', 'next_attempt_at']}),
    'webhook_subscriptions': ([], {}, {}),
}
SERIALS = ['transfers', 'count_batches', 'receipts', 'holds']
SHARED_ROWS = {'lots'}  # the "no lot" row (id 0) belongs to no organisation
IDENTITY = {'users', 'api_tokens'}  # found across organisations while signing in


def upgrade():
    conn = op.get_bind()
    postgres = conn.dialect.name == "postgresql"
    op.create_table(
        'organisations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
        sa.UniqueConstraint('code', name=op.f('uq_organisations_code')),
    )
    owner = _organisation_for_existing_rows(conn)
    if postgres:  # the ledger is append-only; giving its rows an owner is not a correction
        op.execute("ALTER TABLE stock_movements DISABLE TRIGGER stock_movements_append_only")
    else:
        op.execute("DROP TRIGGER IF EXISTS stock_movements_no_update")
        op.execute("DROP TRIGGER IF EXISTS stock_movements_no_delete")
    for table in TABLES:
        op.add_column(table, sa.Column('org_id', sa.Integer(), nullable=True))
        if table in SERIALS:
            op.add_column(table, sa.Column('serial', sa.Integer(), nullable=True))
            op.execute(f"UPDATE {table} SET serial = id")  # TR-000005 stays TR-000005
        if owner is not None:
            where = " WHERE id <> 0" if table in SHARED_ROWS else ""
            conn.execute(sa.text(f"UPDATE {table} SET org_id = :org{where}"), {"org": owner})
    for table, (dropped, uniques, indexes) in TABLES.items():
        with op.batch_alter_table(table) as batch:
            batch.alter_column('org_id', existing_type=sa.Integer(), nullable=table in SHARED_ROWS)
            if table in SERIALS:
                batch.alter_column('serial', existing_type=sa.Integer(), nullable=False)
            for name in dropped:
                batch.drop_constraint(name, type_='unique')
            for name, columns in indexes.items():
                batch.drop_index(name)
                batch.create_index(name, columns, unique=False)
            for name, columns in uniques.items():
                batch.create_unique_constraint(name, columns)
            batch.create_foreign_key(f'fk_{table}_org_id_organisations', 'organisations', ['org_id'], ['id'])
    if postgres:
        op.execute("ALTER TABLE stock_movements ENABLE TRIGGER stock_movements_append_only")
        _row_level_security()
    else:
        _sqlite_append_only_triggers()


def _sqlite_append_only_triggers():
    """Put back the ledger's append-only triggers (as 0001 made them) after its rows got
    their organisation."""
    for action in ("UPDATE", "DELETE"):
        op.execute(f"""
            CREATE TRIGGER stock_movements_no_{action.lower()} BEFORE {action}
            ON stock_movements BEGIN
                SELECT RAISE(ABORT, 'stock_movements is append-only: correct with a new movement');
            END""")


def _organisation_for_existing_rows(conn):
    """An installation with data: one organisation, `main`, owns all of it."""
    if not any(
        conn.execute(sa.text(f"SELECT 1 FROM {t}{' WHERE id <> 0' if t in SHARED_ROWS else ''} LIMIT 1")).first()
        for t in TABLES
    ):
        return None
    conn.execute(
        sa.text("INSERT INTO organisations (code, name, active, created_at) "
                "VALUES ('main', 'Main organisation', :yes, CURRENT_TIMESTAMP)"),
        {"yes": True},
    )
    return conn.execute(sa.text("SELECT id FROM organisations WHERE code = 'main'")).scalar_one()


def role_for_the_app(role: str) -> list[str]:
    """The role the app works as, and the migrating user made a member of it, unless they
    already are. Roles belong to the cluster: another database of it may have made this one
    already, and a superuser may have (and granted it) for a user without CREATEROLE.

    Two databases of one cluster migrating at once (two installations, or the test workers)
    both find the role missing; the second CREATE (or GRANT) waits for the first and fails
    as duplicate_object or on the catalogue's unique index (unique_violation). Either way
    the role (or the membership) exists then, as wanted."""
    return [
        f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                CREATE ROLE {role} NOLOGIN;
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$""",
        f"""DO $$ BEGIN
            IF NOT pg_has_role(current_user, '{role}', 'MEMBER') THEN
                EXECUTE format('GRANT {role} TO %I', current_user);
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$""",
    ]


def _row_level_security():
    for statement in role_for_the_app(APP_ROLE):
        op.execute(statement)
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    # Tables and sequences later migrations make (as this user) get the same grants.
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}")
    mine = "org_id = nullif(current_setting('app.org_id', true), '')::int"
    for table in TABLES:
        seen = f"org_id IS NULL OR {mine}" if table in SHARED_ROWS else mine
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {table}_of_organisation ON {table} USING ({seen}) WITH CHECK ({mine})")
        if table in IDENTITY:  # signing in reads people across organisations; it changes none
            op.execute(
                f"CREATE POLICY {table}_identifying ON {table} FOR SELECT "
                "USING (current_setting('app.identifying', true) = 'on')"
            )


def downgrade():
    conn = op.get_bind()
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        for table in TABLES:
            op.execute(f"DROP POLICY IF EXISTS {table}_of_organisation ON {table}")
            op.execute(f"DROP POLICY IF EXISTS {table}_identifying ON {table}")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE stock_movements DISABLE TRIGGER stock_movements_append_only")
    else:
        op.execute("DROP TRIGGER IF EXISTS stock_movements_no_update")
        op.execute("DROP TRIGGER IF EXISTS stock_movements_no_delete")
    for table, (dropped, uniques, indexes) in TABLES.items():
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f'fk_{table}_org_id_organisations', type_='foreignkey')
            for name in uniques:
                batch.drop_constraint(name, type_='unique')
            for name, columns in indexes.items():
                batch.drop_index(name)
                batch.create_index(name, [c for c in columns if c != 'org_id'], unique=False)
            for name in dropped:
                batch.create_unique_constraint(name, _OLD_UNIQUES[name])
            batch.drop_column('org_id')
            if table in SERIALS:
                batch.drop_column('serial')
    if postgres:
        op.execute("ALTER TABLE stock_movements ENABLE TRIGGER stock_movements_append_only")
    else:
        _sqlite_append_only_triggers()
    op.drop_table('organisations')


_OLD_UNIQUES = {
    'uq_alert_settings_product_id_location_id': ['product_id', 'location_id'],
    'uq_alerts_live_key': ['live_key'],
    'uq_bins_barcode': ['barcode'],
    'uq_bins_location_id_code': ['location_id', 'code'],
    'uq_commands_owner_key': ['owner', 'key'],
    'uq_locations_code': ['code'],
    'uq_lots_product_id_code': ['product_id', 'code'],
    'uq_postings_idempotency_key': ['idempotency_key'],
    'uq_product_barcodes_code': ['code'],
    'uq_products_sku': ['sku'],
    'uq_receipt_lines_receipt_id_product_id_lot_id': ['receipt_id', 'product_id', 'lot_id'],
    'uq_reorder_policies_product_id_location_id': ['product_id', 'location_id'],
    'uq_stock_balances_key': ['product_id', 'bin_id', 'lot_id', 'location_id'],
    'uq_webhook_deliveries_event_id_subscription_id': ['event_id', 'subscription_id'],
}
