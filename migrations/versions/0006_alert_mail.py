"""alert e-mail to the recipients of an alert setting; webhook subscriptions start after
the newest outbox event

Revision ID: 0006_alert_mail
Revises: 0005_stock_rules
Create Date: 2026-11-22 11:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006_alert_mail'
down_revision = '0005_stock_rules'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mailed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('mail_attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('mail_next_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('mail_error', sa.String(length=300), nullable=True))
    # Alerts raised before this release were never meant to be mailed (recipients were
    # "kept, no mail sent yet"): mark them mailed, or the first `flask mail-alerts` would
    # flood every recipient with every alert still open.
    op.execute("UPDATE alerts SET mailed_at = raised_at")
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('after_event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                                      server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.drop_column('after_event_id')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_column('mail_error')
        batch_op.drop_column('mail_next_at')
        batch_op.drop_column('mail_attempts')
        batch_op.drop_column('mailed_at')
