"""Integration tables: the event outbox and webhook subscriptions, deliveries, attempts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warehouse.core.columns import enum_column, utcnow
from warehouse.core.extensions import db
from warehouse.core.tenancy import OrgScoped


class OutboxEvent(OrgScoped, db.Model):
    """A domain event, written in the same transaction as the change it reports, so an
    event exists if and only if the change committed. The delivery worker reads these."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_undispatched", "org_id", "dispatched_at", "id"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))  # stock.low, transfer.status_changed, ...
    payload: Mapped[str] = mapped_column(db.Text)  # JSON
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None]  # deliveries created for every subscriber


class WebhookSubscription(OrgScoped, db.Model):
    """Where to POST events. The secret signs each body (HMAC-SHA256); unlike passwords it
    must be readable to sign, so it is stored as is and shown only to admins."""

    __tablename__ = "webhook_subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(128))
    event_types: Mapped[str] = mapped_column(String(500), default="*")  # comma-separated or *
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Gets outbox events with ids above this: the newest event when it was added (ids, not
    # clocks, so a server whose clock runs behind cannot make a new event look older).
    after_event_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), default=0, server_default="0"
    )


class DeliveryStatus(str, enum.Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up after the last retry


class WebhookDelivery(OrgScoped, db.Model):
    """One event to one subscriber. Its uuid is the delivery id the receiver sees; the
    unique (event, subscription) pair means an event never gets two ids for one URL."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("org_id", "event_id", "subscription_id"),
        Index("ix_webhook_deliveries_due", "org_id", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id"))
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id"), index=True)
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    event: Mapped[OutboxEvent] = relationship()
    subscription: Mapped[WebhookSubscription] = relationship()


class WebhookAttempt(OrgScoped, db.Model):
    __tablename__ = "webhook_attempts"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None]  # NULL: no answer (refused, timed out)
    error: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int | None]
