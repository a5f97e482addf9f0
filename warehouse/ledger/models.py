"""Ledger tables: postings, their movements (append-only) and the balances they keep."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warehouse.accounts.models import User
from warehouse.catalog.models import Bin, Location, Lot, Product
from warehouse.core.columns import enum_column, utcnow
from warehouse.core.extensions import db
from warehouse.core.tenancy import OrgScoped


class MovementType(str, enum.Enum):
    INBOUND_PURCHASE = "inbound_purchase"
    OUTBOUND_SALE = "outbound_sale"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    ADJUSTMENT = "adjustment"
    ADJUSTMENT_COUNT = "adjustment_count"
    RESERVE = "reserve"
    RELEASE = "release"
    FULFILL = "fulfill"
    RETURN = "return"
    PUTAWAY = "putaway"
    HOLD = "hold"
    HOLD_RELEASE = "hold_release"
    EXPIRE = "expire"


class ReasonCode(str, enum.Enum):
    """Why stock was adjusted. Free text goes in the posting's note, never here."""

    PHYSICAL_COUNT = "physical_count"
    DAMAGED = "damaged"
    FOUND = "found"
    WRITE_OFF = "write_off"
    RECEIVED = "received"
    OTHER = "other"
    OPENING_BALANCE = "opening_balance"  # a warehouse's starting stock (import, new product)


class Posting(OrgScoped, db.Model):
    """One business event; its movements commit together or not at all."""

    __tablename__ = "postings"
    __table_args__ = (
        Index("ix_postings_reference", "org_id", "reference_type", "reference_id"),
        UniqueConstraint("org_id", "idempotency_key"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    type: Mapped[MovementType] = mapped_column(enum_column(MovementType, "posting_type"))
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    fingerprint: Mapped[str] = mapped_column(String(64))  # what the key was first used for
    reference_type: Mapped[str | None] = mapped_column(String(32))
    reference_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[ReasonCode | None] = mapped_column(enum_column(ReasonCode, "reason_code"))
    note: Mapped[str | None] = mapped_column(String(500))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    movements: Mapped[list[Movement]] = relationship(order_by="Movement.id", viewonly=True)
    user: Mapped[User | None] = relationship()


class Movement(OrgScoped, db.Model):
    """Append-only (database triggers refuse UPDATE and DELETE). Order is the id."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        ForeignKeyConstraint(
            ["bin_id", "location_id"], ["bins.id", "bins.location_id"], name="fk_stock_movements_bin_location"
        ),
        # Point-in-time reads: last movement per key at or before an instant.
        Index("ix_stock_movements_key", "org_id", "product_id", "location_id", "bin_id", "lot_id", "id"),
        Index("ix_stock_movements_location", "org_id", "location_id", "id"),
        Index("ix_stock_movements_type", "org_id", "type", "id"),
        Index("ix_stock_movements_created_at", "org_id", "created_at"),
        Index("ix_stock_movements_reference", "org_id", "reference_type", "reference_id"),
        CheckConstraint("qty <> 0 OR reserved_delta <> 0 OR held_delta <> 0", name="changes"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    bin_id: Mapped[int]
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    qty: Mapped[int] = mapped_column(default=0)  # on-hand delta
    reserved_delta: Mapped[int] = mapped_column(default=0)
    held_delta: Mapped[int] = mapped_column(default=0)
    balance_after: Mapped[int]  # on_hand of the key after this movement
    reserved_after: Mapped[int]
    held_after: Mapped[int]
    type: Mapped[MovementType] = mapped_column(enum_column(MovementType, "movement_type"))
    reason: Mapped[ReasonCode | None] = mapped_column(enum_column(ReasonCode, "movement_reason"))
    reference_type: Mapped[str | None] = mapped_column(String(32))
    reference_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What one unit cost, when the posting said (a purchase received at its invoice price):
    # the weighted average cost of its place is kept from these (ledger/costing.py).
    cost_per_unit: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))

    product: Mapped[Product] = relationship(viewonly=True)
    location: Mapped[Location] = relationship(viewonly=True)
    bin: Mapped[Bin] = relationship(viewonly=True)
    lot: Mapped[Lot] = relationship(viewonly=True)
    user: Mapped[User | None] = relationship(viewonly=True)
    posting: Mapped[Posting] = relationship(viewonly=True)

    @property
    def balance_before(self) -> int:
        return self.balance_after - self.qty

    @property
    def available_after(self) -> int:
        return self.balance_after - self.reserved_after - self.held_after


class Balance(OrgScoped, db.Model):
    """Current stock per key, updated in the same transaction as its movements."""

    __tablename__ = "stock_balances"
    __table_args__ = (
        # The key. Ordered so that a product's balances, and its stock per location in
        # order, come from the index (SQLite without ANALYZE otherwise takes an index that
        # reads a whole organisation's balances); a (product, bin, lot) lookup reads the
        # product's few rows.
        UniqueConstraint(
            "org_id", "product_id", "location_id", "bin_id", "lot_id", name="uq_stock_balances_key"
        ),
        ForeignKeyConstraint(
            ["bin_id", "location_id"], ["bins.id", "bins.location_id"], name="fk_stock_balances_bin_location"
        ),
        CheckConstraint("on_hand >= 0", name="on_hand_non_negative"),
        CheckConstraint("reserved >= 0", name="reserved_non_negative"),
        CheckConstraint("held >= 0", name="held_non_negative"),
        CheckConstraint("reserved + held <= on_hand", name="committed_within_on_hand"),
        Index("ix_stock_balances_location_bin", "org_id", "location_id", "bin_id"),
        Index("ix_stock_balances_bin", "org_id", "bin_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    bin_id: Mapped[int]
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    on_hand: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)
    held: Mapped[int] = mapped_column(default=0)
    last_counted_at: Mapped[datetime | None]  # set by the ledger when a count is resolved

    product: Mapped[Product] = relationship(viewonly=True)
    location: Mapped[Location] = relationship(viewonly=True)
    bin: Mapped[Bin] = relationship(viewonly=True)
    lot: Mapped[Lot] = relationship(viewonly=True)

    @hybrid_property
    def available(self) -> int:
        """on_hand - reserved - held: in Python on a row, and in SQL as `Balance.available`,
        so every query and page derives it the same way."""
        return self.on_hand - self.reserved - self.held


class AverageCost(OrgScoped, db.Model):
    """The weighted average cost of one SKU at one location, kept by the postings that
    bring units in with a cost (ledger/costing.py): the units already there at their
    average and the new ones at theirs. Units that leave do not change it. A place with no
    row is valued at the product's standard cost."""

    __tablename__ = "average_costs"
    __table_args__ = (UniqueConstraint("org_id", "product_id", "location_id", name="uq_average_costs_place"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    average: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
