"""receipt scan ids and pick scan ids become command keys; their own tables and columns go

A scan retried after this upgrade, with an id from before it, is still answered as a
replay: the keys are carried into `commands` under the user who made the receipt or the
pick, with the line or pick they answered (fingerprint "*": the request is not known).

Revision ID: 0008_scan_keys_as_commands
Revises: 0007_commands
Create Date: 2026-12-06 02:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008_scan_keys_as_commands'
down_revision = '0007_commands'
branch_labels = None
depends_on = None

OWNER = "CASE WHEN {user} IS NULL THEN 'system' ELSE 'user:' || CAST({user} AS VARCHAR(20)) END"


def upgrade():
    receipt_owner = OWNER.format(user="r.user_id")
    op.execute(
        "INSERT INTO commands (owner, key, name, fingerprint, result, created_at) "
        f"SELECT {receipt_owner}, s.scan_id, 'receiving.add', '*', "
        "'{\"id\": ' || CAST(MIN(s.line_id) AS VARCHAR(20)) || '}', MIN(r.created_at) "
        "FROM receipt_scans s JOIN receipts r ON r.id = s.receipt_id "
        f"GROUP BY {receipt_owner}, s.scan_id"
    )
    pick_owner = OWNER.format(user="p.user_id")
    op.execute(
        "INSERT INTO commands (owner, key, name, fingerprint, result, created_at) "
        f"SELECT {pick_owner}, p.scan_id, 'transfers.pick', '*', "
        "'{\"pick_id\": ' || CAST(MIN(p.id) AS VARCHAR(20)) || '}', MIN(p.created_at) "
        "FROM transfer_picks p WHERE p.scan_id IS NOT NULL "
        f"AND NOT EXISTS (SELECT 1 FROM commands c WHERE c.owner = {pick_owner} AND c.key = p.scan_id) "
        f"GROUP BY {pick_owner}, p.scan_id"
    )
    op.drop_table('receipt_scans')
    with op.batch_alter_table('transfer_picks', schema=None) as batch_op:
        batch_op.drop_constraint('uq_transfer_picks_line_id_scan_id', type_='unique')
        batch_op.drop_column('scan_id')


def downgrade():
    with op.batch_alter_table('transfer_picks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scan_id', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_transfer_picks_line_id_scan_id', ['line_id', 'scan_id'])
    op.create_table(
        'receipt_scans',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scan_id', sa.String(length=64), nullable=False),
        sa.Column('receipt_id', sa.Integer(), nullable=False),
        sa.Column('line_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['line_id'], ['receipt_lines.id'], name=op.f('fk_receipt_scans_line_id_receipt_lines')),
        sa.ForeignKeyConstraint(['receipt_id'], ['receipts.id'], name=op.f('fk_receipt_scans_receipt_id_receipts')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt_scans')),
        sa.UniqueConstraint('receipt_id', 'scan_id', name=op.f('uq_receipt_scans_receipt_id_scan_id')),
    )
