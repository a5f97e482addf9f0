"""Cycle count tables: batches, their lines, and count requests."""

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

from warehouse.accounts.models import User
from warehouse.catalog.models import NO_LOT, Bin, Location, Lot, Product
from warehouse.core.columns import enum_column, next_serial, utcnow
from warehouse.core.extensions import db
from warehouse.core.tenancy import OrgScoped


class CountRequestStatus(str, enum.Enum):
    OPEN = "open"
    DONE = "done"


class CountRequest(OrgScoped, db.Model):
    """A blind count the supervisor should schedule: the ledger and the shelf disagree
    (e.g. a short pick). Cycle counts (a later issue) pick these up."""

    __tablename__ = "count_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    reason: Mapped[str] = mapped_column(String(200))
    reference_type: Mapped[str | None] = mapped_column(String(32))
    reference_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[CountRequestStatus] = mapped_column(
        enum_column(CountRequestStatus, "count_request_status"), default=CountRequestStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    bin: Mapped[Bin] = relationship()
    product: Mapped[Product] = relationship()


class CountStatus(str, enum.Enum):
    OPEN = "open"
    COUNTING = "counting"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"


class CountLineStatus(str, enum.Enum):
    PENDING = "pending"  # not counted yet
    COUNTED = "counted"
    ACCEPTED = "accepted"
    RECOUNT = "recount"  # replaced by a recount line
    REJECTED = "rejected"


class CountBatch(OrgScoped, db.Model):
    """A blind count of some bin x SKU x lot lines of one location. It snapshots which
    lines it covers, never the quantities the counter would be led by."""

    __tablename__ = "count_batches"
    __table_args__ = (UniqueConstraint("org_id", "serial"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[int] = mapped_column(default=next_serial)  # CNT-000001, per organisation
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    status: Mapped[CountStatus] = mapped_column(
        enum_column(CountStatus, "count_status"), default=CountStatus.OPEN
    )
    selection: Mapped[str] = mapped_column(String(200))  # how the lines were chosen, in words
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=0)
    location: Mapped[Location] = relationship()
    lines: Mapped[list[CountLine]] = relationship(order_by="CountLine.id", back_populates="batch")

    @property
    def number(self) -> str:
        return f"CNT-{self.serial:06d}"


class CountLine(OrgScoped, db.Model):
    __tablename__ = "count_lines"
    __table_args__ = (
        Index("ix_count_lines_batch_bin", "batch_id", "bin_id"),
        CheckConstraint("counted_qty IS NULL OR counted_qty >= 0", name="counted_non_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("count_batches.id"))
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), default=NO_LOT)
    status: Mapped[CountLineStatus] = mapped_column(
        enum_column(CountLineStatus, "count_line_status"), default=CountLineStatus.PENDING
    )
    unexpected: Mapped[bool] = mapped_column(default=False)  # found, not on the batch's list
    counted_qty: Mapped[int | None]
    # The ledger's on-hand for this key at the instant of counting (never shown to the
    # counter): the variance is counted - this, so movements during the count don't count.
    ledger_qty_at_count: Mapped[int | None]
    counted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    counted_at: Mapped[datetime | None]
    recount_of_id: Mapped[int | None] = mapped_column(ForeignKey("count_lines.id"))
    avoid_counter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # recount: someone else
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id"))
    batch: Mapped[CountBatch] = relationship(back_populates="lines")
    bin: Mapped[Bin] = relationship()
    product: Mapped[Product] = relationship()
    lot: Mapped[Lot] = relationship()
    counter: Mapped[User | None] = relationship(foreign_keys=[counted_by])
    resolver: Mapped[User | None] = relationship(foreign_keys=[resolved_by])

    @property
    def variance(self) -> int | None:
        if self.counted_qty is None or self.ledger_qty_at_count is None:
            return None
        return self.counted_qty - self.ledger_qty_at_count
