"""Transfer tables: transfers, their lines, allocations and picks."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warehouse.catalog.models import NO_LOT, Bin, Location, Lot, Product
from warehouse.core.columns import enum_column, next_serial, utcnow
from warehouse.core.extensions import db
from warehouse.core.tenancy import OrgScoped


class TransferStatus(str, enum.Enum):
    DRAFT = "draft"
    APPROVED = "approved"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Transfer(OrgScoped, db.Model):
    """Stock moving between two locations: draft -> approved (reserved at the source) ->
    in_transit (shipped into the transit location) -> received -> completed; or cancelled
    before it ships."""

    __tablename__ = "transfers"
    __table_args__ = (
        CheckConstraint("from_location_id <> to_location_id", name="two_places"),
        Index("ix_transfers_status", "org_id", "status", "id"),
        UniqueConstraint("org_id", "serial"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[int] = mapped_column(default=next_serial)  # TR-000001, per organisation
    from_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    to_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    status: Mapped[TransferStatus] = mapped_column(
        enum_column(TransferStatus, "transfer_status"), default=TransferStatus.DRAFT
    )
    note: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(default=0)  # bumped by every change (stale screens)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    from_location: Mapped[Location] = relationship(foreign_keys=[from_location_id])
    to_location: Mapped[Location] = relationship(foreign_keys=[to_location_id])
    lines: Mapped[list[TransferLine]] = relationship(order_by="TransferLine.id", back_populates="transfer")

    @property
    def number(self) -> str:
        return f"TR-{self.serial:06d}"

    @property
    def units_missing(self) -> int:
        """Units shipped that did not arrive and wait for a supervisor: found or lost."""
        return sum(line.qty_missing for line in self.lines)


class ShortReason(str, enum.Enum):
    NOT_FOUND = "not_found"
    DAMAGED = "damaged"
    WRONG_ITEM_IN_BIN = "wrong_item_in_bin"
    OTHER = "other"


class ReceiveReason(str, enum.Enum):
    SHORT_SHIPPED = "short_shipped"
    DAMAGED_IN_TRANSIT = "damaged_in_transit"
    OVER_SHIPPED = "over_shipped"
    OTHER = "other"


class TransferLine(OrgScoped, db.Model):
    __tablename__ = "transfer_lines"
    __table_args__ = (
        CheckConstraint("qty_requested > 0", name="requested_positive"),
        CheckConstraint("qty_picked >= 0 AND qty_received >= 0 AND qty_damaged >= 0", name="non_negative"),
        CheckConstraint("qty_damaged <= qty_received", name="damaged_within_received"),
        CheckConstraint("qty_missing >= 0", name="missing_non_negative"),
        CheckConstraint("qty_found >= 0", name="found_non_negative"),
        CheckConstraint("qty_lost >= 0", name="lost_non_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), default=NO_LOT)  # NO_LOT: any lot
    qty_requested: Mapped[int]
    qty_picked: Mapped[int] = mapped_column(default=0)
    short_picked: Mapped[bool] = mapped_column(default=False)
    short_reason: Mapped[ShortReason | None] = mapped_column(enum_column(ShortReason, "short_reason"))
    qty_received: Mapped[int] = mapped_column(default=0)  # counted at the destination
    qty_damaged: Mapped[int] = mapped_column(default=0)  # of those received, damaged
    receive_reason: Mapped[ReceiveReason | None] = mapped_column(enum_column(ReceiveReason, "receive_reason"))
    # Shipped but not arrived: still in transit until a supervisor says found or lost.
    qty_missing: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    qty_found: Mapped[int] = mapped_column(default=0, server_default=text("0"))  # arrived later
    qty_lost: Mapped[int] = mapped_column(default=0, server_default=text("0"))  # written off from transit
    transfer: Mapped[Transfer] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
    lot: Mapped[Lot] = relationship()
    allocations: Mapped[list[TransferAllocation]] = relationship(order_by="TransferAllocation.id")
    picks: Mapped[list[TransferPick]] = relationship(order_by="TransferPick.id")

    @property
    def qty_shipped(self) -> int:
        return (
            self.qty_picked
            if self.transfer.status
            not in (TransferStatus.DRAFT, TransferStatus.APPROVED, TransferStatus.CANCELLED)
            else 0
        )


class MissingOutcome(str, enum.Enum):
    """What a supervisor says about units missing on arrival (not stored: the line keeps
    qty_found and qty_lost)."""

    FOUND = "found"  # arrived after all: received into the destination's receiving bin
    LOST = "lost"  # written off from transit


class TransferAllocation(OrgScoped, db.Model):
    """Where approval reserved a line's stock: the suggested source bins."""

    __tablename__ = "transfer_allocations"
    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("transfer_lines.id"), index=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    qty: Mapped[int]
    bin: Mapped[Bin] = relationship()
    lot: Mapped[Lot] = relationship()


class TransferPick(OrgScoped, db.Model):
    """Units an operator took from a bin for a line (stock moves when the transfer ships)."""

    __tablename__ = "transfer_picks"
    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("transfer_lines.id"), index=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    qty: Mapped[int]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    bin: Mapped[Bin] = relationship()
    lot: Mapped[Lot] = relationship()
