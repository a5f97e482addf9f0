"""API Idempotency-Keys and reservation keys become command keys; api_idempotency goes

Every API write is now one command (name "api"). Each stored API answer is carried into
`commands` with its status and body, and its fingerprint (method, path and body) wrapped
the way core.commands.fingerprint("api", ...) wraps it, so a retry after the upgrade is
still answered with the first answer and the same key with another body is still refused.
Reservation keys (postings keyed "reservation:<verb>:<actor>:<key>") are carried with
fingerprint "*" and the posting as their answer. Keys the API handed the reservations
service ("api-..." digests) are not carried: the API's own row answers those, and a
call whose answer was never stored but whose posting exists is answered 409 answer_lost
(sending it again must not post twice). Downgrading recreates api_idempotency empty.

Revision ID: 0011_api_keys_as_commands
Revises: 0010_hold_keys_as_commands
Create Date: 2026-12-06 04:20:00

"""
import hashlib
import json

from alembic import op
import sqlalchemy as sa


revision = '0011_api_keys_as_commands'
down_revision = '0010_hold_keys_as_commands'
branch_labels = None
depends_on = None

commands = sa.table(
    'commands',
    sa.column('owner', sa.String), sa.column('key', sa.String), sa.column('name', sa.String),
    sa.column('fingerprint', sa.String), sa.column('result', sa.Text), sa.column('created_at', sa.DateTime),
)


answers = sa.table(
    'api_idempotency',
    sa.column('user_id', sa.Integer), sa.column('key', sa.String), sa.column('fingerprint', sa.String),
    sa.column('status_code', sa.Integer), sa.column('response_body', sa.Text),
    sa.column('created_at', sa.DateTime),
)
postings = sa.table(
    'postings', sa.column('id', sa.Integer), sa.column('idempotency_key', sa.String),
    sa.column('created_at', sa.DateTime),
)


def _wrapped(name, request):
    body = json.dumps([name, request], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def upgrade():
    conn = op.get_bind()
    existing = set(conn.execute(sa.text("SELECT owner, key FROM commands")).all())
    rows = []

    def carry(owner, key, **row):
        if (owner, key) not in existing:
            existing.add((owner, key))
            rows.append(dict(owner=owner, key=key, **row))

    for user_id, key, printed, status, body, at in conn.execute(
        sa.select(answers.c.user_id, answers.c.key, answers.c.fingerprint, answers.c.status_code,
                  answers.c.response_body, answers.c.created_at).where(answers.c.status_code > 0)
    ):
        carry(f"user:{user_id}", key, name="api", fingerprint=_wrapped("api", printed),
              result=json.dumps({"status": status, "body": body}), created_at=at)
    # A reservation call whose answer was never stored (its pending row, status 0) may still
    # have posted, under the key the API derived for the service. Its retry must not post
    # again: it is answered with a refusal that says so.
    for user_id, key, printed, at in conn.execute(
        sa.select(answers.c.user_id, answers.c.key, answers.c.fingerprint, answers.c.created_at)
        .where(answers.c.status_code == 0)
    ):
        derived = "api-" + hashlib.sha256(f"{user_id}:{key}".encode()).hexdigest()[:40]
        posted = conn.execute(
            sa.select(postings.c.id).where(postings.c.idempotency_key.like(f"reservation:%:{user_id}:{derived}"))
        ).first()
        if posted is not None:
            lost = {"error": {"code": "answer_lost", "message": (
                "This request was carried out before an upgrade, but its answer was not kept. "
                "Look the reservation up by its reference; do not send it again with a new key.")}}
            carry(f"user:{user_id}", key, name="api", fingerprint=_wrapped("api", printed),
                  result=json.dumps({"status": 409, "body": json.dumps(lost)}), created_at=at)
    for posting_id, stored, at in conn.execute(
        sa.select(postings.c.id, postings.c.idempotency_key, postings.c.created_at)
        .where(postings.c.idempotency_key.like('reservation:%'))
    ):
        _, verb, actor, key = stored.split(":", 3)
        if key.startswith("api-"):
            continue
        owner = "system" if actor == "0" else f"user:{actor}"
        carry(owner, key, name=f"reservations.{verb}", fingerprint="*",
              result=json.dumps({"posting_id": posting_id}), created_at=at)
    if rows:
        op.bulk_insert(commands, rows)
    op.drop_table('api_idempotency')


def downgrade():
    op.create_table('api_idempotency',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response_body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_idempotency_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_idempotency')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_api_idempotency_user_id_key'))
    )
