"""Users keep the language their pages speak (en, es, pl; NULL: as the browser asks).

Revision ID: 0021_user_language
Revises: 0020_import_locations
Create Date: 2026-12-06 21:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0021_user_language"
down_revision = "0020_import_locations"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
