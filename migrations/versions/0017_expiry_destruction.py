"""Expired units go to a destruction location before they are destroyed.

A location of type `destruction` is where expired units wait, held, until the destruction
is done (a certificate, a destruction order): moving them there is one `expire` posting
with that reference, and the expired hold they leave closes as `moved`, its units held
again at the destruction location under a new hold (same posting). Only the CHECKs of the
two enum columns change: no new column, no new table, no data to carry over.

PostgreSQL swaps the named CHECK; SQLite rebuilds the two tables (batch mode, foreign keys
off for the migration: migrations/env.py). Downgrading refuses while a row uses a new value.

Revision ID: 0017_expiry_destruction
Revises: 0016_stock_requests
Create Date: 2026-12-10 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017_expiry_destruction'
down_revision = '0016_stock_requests'
branch_labels = None
depends_on = None


LOCATION_TYPES = ['warehouse', 'service_center', 'consignment', 'transit', 'dealer', 'returns']
HOLD_STATUSES = ['active', 'released', 'written_off']
# table -> (column, enum name (the CHECK is ck_<table>_<name>), values before, values after)
CHANGES = {
    'locations': ('type', 'location_type', LOCATION_TYPES, LOCATION_TYPES + ['destruction']),
    'holds': ('status', 'hold_status', HOLD_STATUSES, HOLD_STATUSES + ['moved']),
}


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _change(old_or_new: int):
    conn = op.get_bind()
    for table, (column, name, before, after) in CHANGES.items():
        old, new = (before, after) if old_or_new else (after, before)
        if conn.dialect.name == "postgresql":
            quoted = ", ".join(f"'{v}'" for v in new)
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT ck_{table}_{name}")
            op.execute(f"ALTER TABLE {table} ADD CONSTRAINT ck_{table}_{name} CHECK ({column} IN ({quoted}))")
            continue
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, existing_type=_enum(old, name), type_=_enum(new, name),
                               existing_nullable=False)


def upgrade():
    _change(1)


def downgrade():
    conn = op.get_bind()
    for table, (column, _name, before, _after) in CHANGES.items():
        quoted = ", ".join(f"'{v}'" for v in before)
        used = conn.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {column} NOT IN ({quoted})")).scalar()
        if used:
            raise RuntimeError(
                f"{used} row(s) of {table} use a {column} this revision adds: move or close them first."
            )
    _change(0)
