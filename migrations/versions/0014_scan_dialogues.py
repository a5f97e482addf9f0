"""Scan dialogues: what each operator's floor screen waits for (the bin scanned last, the
item whose lot is asked, a quantity typed for the next item), per screen and document,
held on the server so scans sent one at a time or queued offline are read in order
(warehouse/core/dialogues.py). Row-level security on PostgreSQL like every business table.

Revision ID: 0014_scan_dialogues
Revises: 0013_catalog_setup
Create Date: 2026-12-06 12:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014_scan_dialogues'
down_revision = '0013_catalog_setup'
branch_labels = None
depends_on = None

APP_ROLE = "warehouse_app"
MINE = "org_id = nullif(current_setting('app.org_id', true), '')::int"


def upgrade():
    op.create_table(
        'scan_dialogues',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('screen', sa.String(length=24), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.Text(), nullable=False),
        sa.Column('last_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_scan_dialogues_org_id_organisations')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_scan_dialogues_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scan_dialogues')),
        sa.UniqueConstraint('org_id', 'user_id', 'screen', 'document_id', name='uq_scan_dialogues_screen'),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON scan_dialogues TO {APP_ROLE}")
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE scan_dialogues_id_seq TO {APP_ROLE}")
        op.execute("ALTER TABLE scan_dialogues ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY scan_dialogues_of_organisation ON scan_dialogues USING ({MINE}) WITH CHECK ({MINE})")


def downgrade():
    op.drop_table('scan_dialogues')
