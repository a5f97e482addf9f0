"""Availability tables: reservations, holds, selling channels and their rules, backorders."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warehouse.catalog.models import NO_LOT, Bin, Location, Lot, Product
from warehouse.core.columns import enum_column, next_serial, utcnow
from warehouse.core.extensions import db
from warehouse.core.tenancy import OrgScoped


class ReservationStatus(str, enum.Enum):
    ACTIVE = "active"  # some units still reserved (qty_open > 0)
    RELEASED = "released"  # given back by a person or an API call (order cancelled)
    EXPIRED = "expired"  # given back by the sweeper when its TTL ran out
    FULFILLED = "fulfilled"  # consumed by a sale


class Reservation(OrgScoped, db.Model):
    """Units of one balance key reserved for a reference (e.g. order:ord-12345).

    One reserve request may span several bins/lots (FEFO), so it makes one row per key,
    all with the same reference. qty_open is what is still reserved; every change to it is
    a guarded UPDATE in the same transaction as the ledger posting that moves the units,
    so the sweeper and a fulfil racing for the same row cannot both win.
    """

    __tablename__ = "reservations"
    __table_args__ = (
        Index("ix_reservations_reference", "org_id", "reference_type", "reference_id", "status"),
        Index("ix_reservations_expiry", "org_id", "status", "expires_at"),
        Index("ix_reservations_product", "org_id", "product_id", "location_id", "status"),
        Index("ix_reservations_posting", "posting_id"),  # a replayed request finds its rows
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("qty_open >= 0 AND qty_open <= qty", name="open_within_qty"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    reference_type: Mapped[str] = mapped_column(String(32))
    reference_id: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), default=NO_LOT)
    qty: Mapped[int]  # reserved at first
    qty_open: Mapped[int]  # still reserved
    qty_fulfilled: Mapped[int] = mapped_column(default=0)
    status: Mapped[ReservationStatus] = mapped_column(
        enum_column(ReservationStatus, "reservation_status"), default=ReservationStatus.ACTIVE
    )
    expires_at: Mapped[datetime | None]  # NULL: held until fulfilled or released
    # The selling channel the units were promised on (its ATP was checked); NULL: none
    # (a transfer, a page, an API call that named no channel).
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    product: Mapped[Product] = relationship()
    location: Mapped[Location] = relationship()
    bin: Mapped[Bin] = relationship()
    lot: Mapped[Lot] = relationship()

    @property
    def reference(self) -> str:
        return f"{self.reference_type}:{self.reference_id}"


class Channel(OrgScoped, db.Model):
    """Where stock is sold: a web shop, retail stores, a marketplace, B2B. A channel
    sells from the locations its rules allow (ChannelLocation)."""

    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("org_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))  # "web": named by the API and the pages
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChannelLocation(OrgScoped, db.Model):
    """One channel's rule at one location (an "availability record"): whether it may sell
    from there, how many units are kept back from it (buffer), and an optional share: the
    most this channel may hold reserved at once, as a percentage of the sellable stock
    (on hand less held less the buffer). No rule: the channel does not sell from there."""

    __tablename__ = "channel_locations"
    __table_args__ = (
        UniqueConstraint("org_id", "channel_id", "location_id"),
        Index("ix_channel_locations_location", "org_id", "location_id"),
        CheckConstraint("buffer >= 0", name="buffer_not_negative"),
        CheckConstraint("share_percent IS NULL OR (share_percent BETWEEN 1 AND 100)", name="share_in_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    can_sell: Mapped[bool] = mapped_column(default=True)
    buffer: Mapped[int] = mapped_column(default=0)
    share_percent: Mapped[int | None] = mapped_column(SmallInteger)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    channel: Mapped[Channel] = relationship()
    location: Mapped[Location] = relationship()


class BackorderStatus(str, enum.Enum):
    ON_BACKORDER = "on_backorder"  # waiting in the queue for stock (qty_open > 0)
    ALLOCATED = "allocated"  # every unit became a normal reservation
    CANCELLED = "cancelled"  # released by reference before stock came


class Backorder(OrgScoped, db.Model):
    """Units ordered beyond what was available, of a product that allows backorders,
    waiting in a queue at one location (first come, first served: by id). Stock arriving
    there (warehouse/availability/backorders.py) turns them into reservations in the
    arriving posting's transaction."""

    __tablename__ = "backorders"
    __table_args__ = (
        Index("ix_backorders_queue", "org_id", "product_id", "location_id", "status", "id"),
        Index("ix_backorders_reference", "org_id", "reference_type", "reference_id", "status"),
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("qty_open >= 0 AND qty_open <= qty", name="open_within_qty"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    reference_type: Mapped[str] = mapped_column(String(32))
    reference_id: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))
    qty: Mapped[int]  # ordered beyond available
    qty_open: Mapped[int]  # still waiting for stock
    status: Mapped[BackorderStatus] = mapped_column(
        enum_column(BackorderStatus, "backorder_status"), default=BackorderStatus.ON_BACKORDER
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id"))  # the reserve's
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    product: Mapped[Product] = relationship()
    location: Mapped[Location] = relationship()

    @property
    def reference(self) -> str:
        return f"{self.reference_type}:{self.reference_id}"


class HoldReason(str, enum.Enum):
    QUALITY = "quality"
    QUARANTINE = "quarantine"
    DAMAGED = "damaged"
    RECALL = "recall"
    EXPIRED = "expired"
    OTHER = "other"


class HoldStatus(str, enum.Enum):
    ACTIVE = "active"
    RELEASED = "released"  # back to available
    WRITTEN_OFF = "written_off"  # destroyed: left the ledger with an expire posting
    # Its units moved to a destruction location in one posting, under a new hold there
    # (expiry.to_destruction): this hold's close_posting_id is the new hold's posting_id.
    MOVED = "moved"


class Hold(OrgScoped, db.Model):
    """Units of one balance key that may not be sold, picked or reserved (quality hold,
    quarantine, expired). qty_open changes only together with a ledger posting."""

    __tablename__ = "holds"
    __table_args__ = (
        Index("ix_holds_status", "org_id", "status", "location_id"),
        Index("ix_holds_key", "org_id", "product_id", "bin_id", "lot_id", "status"),
        Index("ix_holds_reference", "org_id", "reference_type", "reference_id"),
        UniqueConstraint("org_id", "serial"),
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("qty_open >= 0 AND qty_open <= qty", name="open_within_qty"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[int] = mapped_column(default=next_serial)  # HLD-000001, per organisation
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), default=NO_LOT)
    qty: Mapped[int]
    qty_open: Mapped[int]
    reason: Mapped[HoldReason] = mapped_column(enum_column(HoldReason, "hold_reason"))
    note: Mapped[str | None] = mapped_column(String(500))
    # What the units came from, e.g. transfer:TR-000012 (damaged on arrival); None: placed by hand.
    reference_type: Mapped[str | None] = mapped_column(String(32))
    reference_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[HoldStatus] = mapped_column(
        enum_column(HoldStatus, "hold_status"), default=HoldStatus.ACTIVE
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id"))
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    close_posting_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id"))
    product: Mapped[Product] = relationship()
    location: Mapped[Location] = relationship()
    bin: Mapped[Bin] = relationship()
    lot: Mapped[Lot] = relationship()

    @property
    def reference(self) -> str | None:
        return f"{self.reference_type}:{self.reference_id}" if self.reference_type else None
