"""form keys become command keys: transfers, transfer lines, count batches and receipts
lose their own request_key / idempotency_key columns

The keys are carried into `commands` (fingerprint "*": the request is not known), so a
form sent before the upgrade and sent again after it still returns what it made.

Revision ID: 0009_form_keys_as_commands
Revises: 0008_scan_keys_as_commands
Create Date: 2026-12-06 03:00:00

"""
import json
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0009_form_keys_as_commands'
down_revision = '0008_scan_keys_as_commands'
branch_labels = None
depends_on = None

commands = sa.table(
    'commands',
    sa.column('owner', sa.String), sa.column('key', sa.String), sa.column('name', sa.String),
    sa.column('fingerprint', sa.String), sa.column('result', sa.Text), sa.column('created_at', sa.DateTime),
)


def _owner(actor) -> str:
    return "system" if actor in (None, "None", "0") else f"user:{actor}"


def upgrade():
    conn = op.get_bind()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    carried, seen = [], set()

    def carry(name, owner, key, made_id):
        if key and (owner, key) not in seen:
            seen.add((owner, key))
            carried.append(dict(owner=owner, key=key[:128], name=name, fingerprint="*",
                                result=json.dumps({"id": made_id}), created_at=now))

    for made_id, stored in conn.execute(sa.text("SELECT id, request_key FROM transfers WHERE request_key IS NOT NULL")):
        actor, _, key = stored.partition(":")  # "actor:key"
        carry("transfers.create", _owner(actor), key, made_id)
    for made_id, key, actor in conn.execute(sa.text(
            "SELECT l.id, l.request_key, t.created_by FROM transfer_lines l JOIN transfers t ON t.id = l.transfer_id "
            "WHERE l.request_key IS NOT NULL")):
        carry("transfers.add_line", _owner(actor), key, made_id)
    for made_id, stored in conn.execute(sa.text("SELECT id, request_key FROM count_batches WHERE request_key IS NOT NULL")):
        actor, _, key = stored.partition(":")
        carry("counts.create", _owner(actor), key, made_id)
    for made_id, stored in conn.execute(sa.text("SELECT id, idempotency_key FROM receipts WHERE idempotency_key IS NOT NULL")):
        actor, _, key = stored.removeprefix("receipt:").partition(":")  # "receipt:actor:key"
        carry("receiving.start", _owner(actor), key, made_id)
    existing = set(conn.execute(sa.text("SELECT owner, key FROM commands")).all())
    rows = [row for row in carried if (row["owner"], row["key"]) not in existing]
    if rows:
        op.bulk_insert(commands, rows)

    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.drop_constraint('uq_transfers_request_key', type_='unique')
        batch_op.drop_column('request_key')
    with op.batch_alter_table('transfer_lines', schema=None) as batch_op:
        batch_op.drop_constraint('uq_transfer_lines_transfer_id_request_key', type_='unique')
        batch_op.drop_column('request_key')
    with op.batch_alter_table('count_batches', schema=None) as batch_op:
        batch_op.drop_constraint('uq_count_batches_request_key', type_='unique')
        batch_op.drop_column('request_key')
    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.drop_constraint('uq_receipts_idempotency_key', type_='unique')
        batch_op.drop_column('idempotency_key')


def downgrade():
    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=128), nullable=True))
        batch_op.create_unique_constraint('uq_receipts_idempotency_key', ['idempotency_key'])
    with op.batch_alter_table('count_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_key', sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint('uq_count_batches_request_key', ['request_key'])
    with op.batch_alter_table('transfer_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_transfer_lines_transfer_id_request_key', ['transfer_id', 'request_key'])
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_key', sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint('uq_transfers_request_key', ['request_key'])
