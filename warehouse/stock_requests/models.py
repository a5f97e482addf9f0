"""Stock request tables: requests, their lines, their status history and comments."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warehouse.accounts.models import User
from warehouse.catalog.models import Location, Product
from warehouse.core.columns import enum_column, next_serial, utcnow
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.core.tenancy import OrgScoped
from warehouse.transfers.models import Transfer

MAX_QTY = 1_000_000
MAX_NOTE = 500
MAX_LINE_NOTE = 200
MAX_DEPARTMENT = 100
MAX_COMMENT = 1000


class RequestStatus(str, enum.Enum):
    DRAFT = "draft"  # the requester is still writing it
    SUBMITTED = "submitted"  # waits for an approver
    APPROVED = "approved"  # became a transfer on its way (or, briefly, an issue)
    REJECTED = "rejected"  # an approver said no, with a reason
    FULFILLED = "fulfilled"  # the stock arrived (transfer received) or was issued
    CANCELLED = "cancelled"  # withdrawn by the requester before a decision (DELETE)


class RequestCategory(str, enum.Enum):
    """What the stock is for, chosen by the requester: the dashboard counts by it."""

    REPLENISHMENT = "replenishment"  # refill a location's shelves
    CONSUMABLES = "consumables"  # used up by a department (gloves, tape, labels)
    MAINTENANCE = "maintenance"  # spare parts for repairs
    PROJECT = "project"  # a one-off job or installation
    OTHER = "other"


class Fulfilment(str, enum.Enum):
    """How an approved request is met."""

    TRANSFER = "transfer"  # a transfer from the source location to the requester's
    ISSUE = "issue"  # units issued out of the source location for the requester's use


class StockRequest(OrgScoped, db.Model):
    """A location's or a department's request for SKUs: draft -> submitted -> approved
    (a transfer, or an issue from stock) -> fulfilled; or rejected, or cancelled."""

    __tablename__ = "stock_requests"
    __table_args__ = (
        UniqueConstraint("org_id", "serial"),
        Index("ix_stock_requests_status", "org_id", "status", "id"),
        Index("ix_stock_requests_transfer", "org_id", "transfer_id"),
        CheckConstraint("location_id IS NOT NULL OR department IS NOT NULL", name="requester_named"),
        CheckConstraint("status <> 'rejected' OR reject_reason IS NOT NULL", name="rejected_with_reason"),
        CheckConstraint(
            "status NOT IN ('approved', 'fulfilled') OR fulfilment IS NOT NULL", name="decided_how"
        ),
        CheckConstraint("fulfilment IS NULL OR source_location_id IS NOT NULL", name="fulfilled_from"),
        CheckConstraint("fulfilment <> 'transfer' OR transfer_id IS NOT NULL", name="transfer_recorded"),
        CheckConstraint("fulfilment <> 'issue' OR issue_posting_id IS NOT NULL", name="issue_recorded"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[int] = mapped_column(default=next_serial)  # SR-000001, per organisation
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, "stock_request_status"), default=RequestStatus.DRAFT
    )
    category: Mapped[RequestCategory] = mapped_column(
        enum_column(RequestCategory, "stock_request_category"), default=RequestCategory.REPLENISHMENT
    )
    # Who asks: the location the stock is for, a department (a name), or both.
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    department: Mapped[str | None] = mapped_column(String(MAX_DEPARTMENT))
    note: Mapped[str | None] = mapped_column(String(MAX_NOTE))
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reject_reason: Mapped[str | None] = mapped_column(String(MAX_NOTE))
    fulfilment: Mapped[Fulfilment | None] = mapped_column(enum_column(Fulfilment, "stock_request_fulfilment"))
    source_location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id"))
    issue_posting_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("postings.id")
    )
    version: Mapped[int] = mapped_column(default=0)  # bumped by every change (stale pages)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    fulfilled_at: Mapped[datetime | None]
    location: Mapped[Location | None] = relationship(foreign_keys=[location_id])
    source_location: Mapped[Location | None] = relationship(foreign_keys=[source_location_id])
    transfer: Mapped[Transfer | None] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requested_by])
    decider: Mapped[User | None] = relationship(foreign_keys=[decided_by])
    lines: Mapped[list[StockRequestLine]] = relationship(
        order_by="StockRequestLine.id", back_populates="request"
    )

    @property
    def number(self) -> str:
        return f"SR-{self.serial:06d}"

    @property
    def requester_name(self) -> str:
        """Who asks, as people say it: "Maintenance at service-north"."""
        place = self.location.code if self.location else None
        if self.department and place:
            return msg("{department} at {place}", department=self.department, place=place)
        return self.department or place or "?"


class StockRequestLine(OrgScoped, db.Model):
    __tablename__ = "stock_request_lines"
    __table_args__ = (
        UniqueConstraint("org_id", "request_id", "product_id"),  # one line per SKU; lines by request
        CheckConstraint(f"qty > 0 AND qty <= {MAX_QTY}", name="qty_in_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("stock_requests.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    qty: Mapped[int]
    note: Mapped[str | None] = mapped_column(String(MAX_LINE_NOTE))
    request: Mapped[StockRequest] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()


class StockRequestEvent(OrgScoped, db.Model):
    """One status change: who, when, from, to, and a note (a reject reason, the transfer
    made, the transfer that arrived). Creation is the first (from NULL to draft)."""

    __tablename__ = "stock_request_events"
    __table_args__ = (
        Index("ix_stock_request_events_request", "org_id", "request_id", "id"),
        CheckConstraint("from_status IS NULL OR from_status <> to_status", name="a_change"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("stock_requests.id"))
    from_status: Mapped[RequestStatus | None] = mapped_column(
        enum_column(RequestStatus, "stock_request_from_status")
    )
    to_status: Mapped[RequestStatus] = mapped_column(enum_column(RequestStatus, "stock_request_to_status"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(String(MAX_NOTE))
    user: Mapped[User | None] = relationship()


class StockRequestComment(OrgScoped, db.Model):
    __tablename__ = "stock_request_comments"
    __table_args__ = (
        Index("ix_stock_request_comments_request", "org_id", "request_id", "id"),
        CheckConstraint("length(body) > 0", name="not_empty"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("stock_requests.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(String(MAX_COMMENT))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    user: Mapped[User] = relationship()
