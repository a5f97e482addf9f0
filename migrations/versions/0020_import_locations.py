"""Locations can be imported (code, name, type, latitude, longitude): the import kind
`locations` (warehouse/setup/kinds/locations.py). Only the CHECK of import_runs.kind
changes: PostgreSQL swaps the named CHECK; SQLite rebuilds the table (batch mode, as
0017 does). Downgrading refuses while a run of the new kind exists.

Revision ID: 0020_import_locations
Revises: 0019_channels
Create Date: 2026-12-06 18:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0020_import_locations"
down_revision = "0019_channels"
branch_labels = None
depends_on = None

BEFORE = ["products", "bins", "policies", "stock"]
AFTER = BEFORE + ["locations"]


def _enum(values):
    return sa.Enum(*values, name="import_kind", native_enum=False, create_constraint=True, length=32)


def _change(old, new):
    if op.get_bind().dialect.name == "postgresql":
        quoted = ", ".join(f"'{v}'" for v in new)
        op.execute("ALTER TABLE import_runs DROP CONSTRAINT ck_import_runs_import_kind")
        op.execute(
            f"ALTER TABLE import_runs ADD CONSTRAINT ck_import_runs_import_kind CHECK (kind IN ({quoted}))"
        )
        return
    with op.batch_alter_table("import_runs") as batch:
        batch.alter_column("kind", existing_type=_enum(old), type_=_enum(new), existing_nullable=False)


def upgrade():
    _change(BEFORE, AFTER)


def downgrade():
    used = (
        op.get_bind().execute(sa.text("SELECT count(*) FROM import_runs WHERE kind = 'locations'")).scalar()
    )
    if used:
        raise RuntimeError(f"{used} import run(s) of locations exist: delete them first.")
    _change(AFTER, BEFORE)
