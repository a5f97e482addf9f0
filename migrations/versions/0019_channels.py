"""Selling channels: channels and their rules per location (sell from here or not, a
buffer, a share), reservations carrying their channel, backorders queued per location,
locations' coordinates for order routing, and an organisation's cart TTL
(warehouse/availability/channels.py, atp.py, backorders.py, routing.py).

Revision ID: 0019_channels
Revises: 0018_movement_costs
Create Date: 2026-12-06 18:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0019_channels"
down_revision = "0018_movement_costs"
branch_labels = None
depends_on = None

APP_ROLE = "warehouse_app"
MINE = "org_id = nullif(current_setting('app.org_id', true), '')::int"
NEW_TABLES = ("channels", "channel_locations", "backorders")


def upgrade():
    op.create_table(
        "channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_channels_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channels")),
        sa.UniqueConstraint("org_id", "code", name=op.f("uq_channels_org_id_code")),
    )
    op.create_table(
        "channel_locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("can_sell", sa.Boolean(), nullable=False),
        sa.Column("buffer", sa.Integer(), nullable=False),
        sa.Column("share_percent", sa.SmallInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("buffer >= 0", name=op.f("ck_channel_locations_buffer_not_negative")),
        sa.CheckConstraint(
            "share_percent IS NULL OR (share_percent BETWEEN 1 AND 100)",
            name=op.f("ck_channel_locations_share_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_channel_locations_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_channel_locations_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_channel_locations_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_locations")),
        sa.UniqueConstraint(
            "org_id",
            "channel_id",
            "location_id",
            name=op.f("uq_channel_locations_org_id_channel_id_location_id"),
        ),
    )
    op.create_index("ix_channel_locations_location", "channel_locations", ["org_id", "location_id"])
    op.create_table(
        "backorders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference_type", sa.String(length=32), nullable=False),
        sa.Column("reference_id", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("qty_open", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "on_backorder",
                "allocated",
                "cancelled",
                name="backorder_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("posting_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("qty > 0", name=op.f("ck_backorders_qty_positive")),
        sa.CheckConstraint("qty_open >= 0 AND qty_open <= qty", name=op.f("ck_backorders_open_within_qty")),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_backorders_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_backorders_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_backorders_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["posting_id"], ["postings.id"], name=op.f("fk_backorders_posting_id_postings")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_backorders_product_id_products")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_backorders_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backorders")),
    )
    op.create_index(
        "ix_backorders_queue", "backorders", ["org_id", "product_id", "location_id", "status", "id"]
    )
    op.create_index(
        "ix_backorders_reference", "backorders", ["org_id", "reference_type", "reference_id", "status"]
    )
    # Plain ADD COLUMNs (nullable, no default): no table rebuild on SQLite.
    op.execute("ALTER TABLE reservations ADD COLUMN channel_id INTEGER REFERENCES channels (id)")
    op.execute("ALTER TABLE locations ADD COLUMN latitude FLOAT")
    op.execute("ALTER TABLE locations ADD COLUMN longitude FLOAT")
    op.execute("ALTER TABLE organisations ADD COLUMN cart_ttl_minutes INTEGER")
    if op.get_bind().dialect.name == "postgresql":
        for table in NEW_TABLES:
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
            op.execute(f"GRANT USAGE, SELECT ON SEQUENCE {table}_id_seq TO {APP_ROLE}")
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY {table}_of_organisation ON {table} USING ({MINE}) WITH CHECK ({MINE})")


def downgrade():
    op.execute("ALTER TABLE organisations DROP COLUMN cart_ttl_minutes")
    op.execute("ALTER TABLE locations DROP COLUMN longitude")
    op.execute("ALTER TABLE locations DROP COLUMN latitude")
    with op.batch_alter_table("reservations") as batch:
        batch.drop_column("channel_id")
    op.drop_table("backorders")
    op.drop_table("channel_locations")
    op.drop_table("channels")
