"""the command log: one row per keyed write, claimed in the write's own transaction

Revision ID: 0007_commands
Revises: 0006_alert_mail
Create Date: 2026-12-06 02:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0007_commands'
down_revision = '0006_alert_mail'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'commands',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('owner', sa.String(length=40), nullable=False),
        sa.Column('key', sa.String(length=128), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('result', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_commands')),
        sa.UniqueConstraint('owner', 'key', name='uq_commands_owner_key'),
    )


def downgrade():
    op.drop_table('commands')
