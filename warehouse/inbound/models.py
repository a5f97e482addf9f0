"""Receiving and put-away tables: receipts, their lines and scans, put-away tasks."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warehouse.catalog.models import NO_LOT, Bin, Location, Lot, Product
from warehouse.core.columns import enum_column, next_serial, utcnow
from warehouse.core.extensions import db
from warehouse.core.tenancy import OrgScoped


class ReceiptStatus(str, enum.Enum):
    OPEN = "open"
    POSTED = "posted"


class Receipt(OrgScoped, db.Model):
    """Goods arriving against a reference (a PO number). Lines are a draft until the
    receipt is finished, which posts them to the ledger in one posting."""

    __tablename__ = "receipts"
    __table_args__ = (
        Index("ix_receipts_reference", "org_id", "reference"),
        UniqueConstraint("org_id", "serial"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[int] = mapped_column(default=next_serial)  # RCV-000001, per organisation
    reference: Mapped[str] = mapped_column(String(64))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    status: Mapped[ReceiptStatus] = mapped_column(
        enum_column(ReceiptStatus, "receipt_status"), default=ReceiptStatus.OPEN
    )
    # Bumped by every change to the lines, so a screen can ignore a response older than
    # the one it shows (scans may overlap and their answers arrive out of order).
    version: Mapped[int] = mapped_column(default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    posted_at: Mapped[datetime | None]
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id"))
    location: Mapped[Location] = relationship()
    lines: Mapped[list[ReceiptLine]] = relationship(order_by="ReceiptLine.id", back_populates="receipt")

    @property
    def number(self) -> str:
        return f"RCV-{self.serial:06d}"


class ReceiptLine(OrgScoped, db.Model):
    __tablename__ = "receipt_lines"
    __table_args__ = (
        UniqueConstraint("org_id", "receipt_id", "product_id", "lot_id"),
        CheckConstraint("qty >= 0", name="qty_non_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), default=NO_LOT)
    qty: Mapped[int] = mapped_column(default=0)
    receipt: Mapped[Receipt] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
    lot: Mapped[Lot] = relationship()


class TaskStatus(str, enum.Enum):
    OPEN = "open"
    DONE = "done"


class PutawayReason(str, enum.Enum):
    """Why the operator put goods somewhere other than the suggested bin."""

    SUGGESTED_FULL = "suggested_full"
    SUGGESTED_BLOCKED = "suggested_blocked"
    SUGGESTED_DAMAGED = "suggested_damaged"
    CLOSER_BIN = "closer_bin"
    OTHER = "other"


class PutawayTask(OrgScoped, db.Model):
    """Move qty of a product/lot from a receiving bin to storage. A partial confirmation
    closes this task for what was moved and opens a new one for the rest."""

    __tablename__ = "putaway_tasks"
    __table_args__ = (
        Index("ix_putaway_tasks_open", "org_id", "location_id", "status", "product_id", "id"),
        CheckConstraint("qty > 0", name="qty_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), default=NO_LOT)
    from_bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    qty: Mapped[int]
    status: Mapped[TaskStatus] = mapped_column(
        enum_column(TaskStatus, "task_status"), default=TaskStatus.OPEN
    )
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipts.id"))
    split_from_id: Mapped[int | None] = mapped_column(ForeignKey("putaway_tasks.id"))
    suggested_bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id"))
    to_bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id"))
    reason: Mapped[PutawayReason | None] = mapped_column(enum_column(PutawayReason, "putaway_reason"))
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]

    product: Mapped[Product] = relationship()
    lot: Mapped[Lot] = relationship()
    from_bin: Mapped[Bin] = relationship(foreign_keys=[from_bin_id])
    to_bin: Mapped[Bin | None] = relationship(foreign_keys=[to_bin_id])
    suggested_bin: Mapped[Bin | None] = relationship(foreign_keys=[suggested_bin_id])
