"""Nothing vanishes on a transfer receive: units missing on arrival, and holds that name
what they came from.

A transfer line keeps the units that were shipped but did not arrive (`qty_missing`:
still in transit until a supervisor says found or lost) and how they were resolved
(`qty_found`, `qty_lost`). A hold may carry a business reference (`reference_type`,
`reference_id`), e.g. transfer:TR-000012 for the units found damaged when it was received.
Existing rows get 0 and no reference: transfers received before this lost their short
and damaged units from transit already (nothing is left there to resolve).

No new tables: the row-level security policies of `transfer_lines` and `holds` cover the
new columns.

Revision ID: 0015_transfer_missing
Revises: 0014_scan_dialogues
Create Date: 2026-12-08 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015_transfer_missing'
down_revision = '0014_scan_dialogues'
branch_labels = None
depends_on = None


LINE_COLUMNS = {  # column -> CHECK name (as the models' naming convention makes it)
    'qty_missing': 'ck_transfer_lines_missing_non_negative',
    'qty_found': 'ck_transfer_lines_found_non_negative',
    'qty_lost': 'ck_transfer_lines_lost_non_negative',
}


def upgrade():
    # Plain ADD COLUMN with its CHECK on both engines (no table rebuild on SQLite).
    for column, check in LINE_COLUMNS.items():
        op.execute(
            f"ALTER TABLE transfer_lines ADD COLUMN {column} INTEGER DEFAULT 0 NOT NULL "
            f"CONSTRAINT {check} CHECK ({column} >= 0)"
        )
    op.add_column('holds', sa.Column('reference_type', sa.String(length=32), nullable=True))
    op.add_column('holds', sa.Column('reference_id', sa.String(length=64), nullable=True))
    op.create_index('ix_holds_reference', 'holds', ['org_id', 'reference_type', 'reference_id'], unique=False)


def downgrade():
    op.drop_index('ix_holds_reference', table_name='holds')
    with op.batch_alter_table('holds') as batch:
        batch.drop_column('reference_id')
        batch.drop_column('reference_type')
    with op.batch_alter_table('transfer_lines') as batch:
        for column, check in LINE_COLUMNS.items():
            batch.drop_constraint(check, type_='check')
            batch.drop_column(column)
