"""hold form keys become command keys; holds lose their request_key column

Carried into `commands` with fingerprint "*" (the request is not known). A key longer
than 80 characters was stored hashed and cannot be carried: such a form sent again after
the upgrade is judged afresh.

Revision ID: 0010_hold_keys_as_commands
Revises: 0009_form_keys_as_commands
Create Date: 2026-12-06 03:10:00

"""
import json
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0010_hold_keys_as_commands'
down_revision = '0009_form_keys_as_commands'
branch_labels = None
depends_on = None

commands = sa.table(
    'commands',
    sa.column('owner', sa.String), sa.column('key', sa.String), sa.column('name', sa.String),
    sa.column('fingerprint', sa.String), sa.column('result', sa.Text), sa.column('created_at', sa.DateTime),
)


def upgrade():
    conn = op.get_bind()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    existing = set(conn.execute(sa.text("SELECT owner, key FROM commands")).all())
    rows = []
    for hold_id, stored in conn.execute(sa.text("SELECT id, request_key FROM holds WHERE request_key IS NOT NULL")):
        actor, _, key = stored.partition(":")  # "actor:key", actor 0 when there was none
        owner = "system" if actor in ("0", "None") else f"user:{actor}"
        if key.startswith("#") or (owner, key) in existing:
            continue
        existing.add((owner, key))
        rows.append(dict(owner=owner, key=key, name="holds.place", fingerprint="*",
                         result=json.dumps({"id": hold_id}), created_at=now))
    if rows:
        op.bulk_insert(commands, rows)
    with op.batch_alter_table('holds', schema=None) as batch_op:
        batch_op.drop_constraint('uq_holds_request_key', type_='unique')
        batch_op.drop_column('request_key')


def downgrade():
    with op.batch_alter_table('holds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_key', sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint('uq_holds_request_key', ['request_key'])
