"""Alert tables: reorder policies, alerts and their settings."""

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

from warehouse.catalog.models import Location, Product
from warehouse.core.columns import enum_column, utcnow
from warehouse.core.extensions import db
from warehouse.core.i18n import Message, msg
from warehouse.core.tenancy import OrgScoped


class ReorderPolicy(OrgScoped, db.Model):
    __tablename__ = "reorder_policies"
    __table_args__ = (
        UniqueConstraint("org_id", "product_id", "location_id"),
        CheckConstraint(
            "reorder_point >= 0 AND reorder_qty >= 0 AND safety_stock >= 0 AND lead_time_days >= 0",
            name="non_negative",
        ),
        CheckConstraint("max_level IS NULL OR max_level >= reorder_point", name="max_level"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    reorder_point: Mapped[int] = mapped_column(default=0)
    reorder_qty: Mapped[int] = mapped_column(default=0)
    max_level: Mapped[int | None]
    lead_time_days: Mapped[int] = mapped_column(default=0)
    safety_stock: Mapped[int] = mapped_column(default=0)


class AlertKind(str, enum.Enum):
    LOW_STOCK = "low_stock"  # on_hand <= reorder point
    OUT_OF_STOCK = "out_of_stock"  # available <= 0
    REORDER_NEEDED = "reorder_needed"  # below reorder point and nothing inbound
    OVERSTOCK = "overstock"  # on_hand above max level


class AlertStatus(str, enum.Enum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"  # someone has seen it; still a live condition
    RESOLVED = "resolved"  # closed by a person
    CLEARED = "cleared"  # closed by a posting: the condition ended


def condition_message(kind: AlertKind, sku: str, location: str, on_hand: int, mark: int | None) -> Message:
    """What an alert of `kind` says about one SKU at one location (`mark`: the threshold,
    reorder point or max level it was judged against)."""
    if kind is AlertKind.LOW_STOCK:
        return msg(
            "{sku} at {location}: on hand {on_hand}, at or below {mark}.",
            **_place(sku, location, on_hand, mark),
        )
    if kind is AlertKind.OUT_OF_STOCK:
        return msg(
            "{sku} at {location}: nothing available (on hand {on_hand}).",
            sku=sku,
            location=location,
            on_hand=on_hand,
        )
    if kind is AlertKind.REORDER_NEEDED:
        return msg(
            "{sku} at {location}: on hand {on_hand}, reorder point {mark}, nothing inbound.",
            **_place(sku, location, on_hand, mark),
        )
    return msg(
        "{sku} at {location}: on hand {on_hand}, above the max level {mark}.",
        **_place(sku, location, on_hand, mark),
    )


def _place(sku: str, location: str, on_hand: int, mark: int | None) -> dict:
    return dict(sku=sku, location=location, on_hand=on_hand, mark=mark)


def alert_text(stored: str, kind: AlertKind, sku: str, location: str, on_hand: int, mark: int | None) -> str:
    """An alert's stored text as a `Message`, to be said in its reader's language: made
    again from the figures kept with it; the stored text itself when they no longer make
    it (a SKU or location code changed since, a text cut at 300 characters)."""
    again = condition_message(kind, sku, location, on_hand, mark)
    return again if again == stored else stored


class Alert(OrgScoped, db.Model):
    """One stock condition of one SKU at one location. `live_key` is set while the alert
    is open or acknowledged and NULL once closed: its unique constraint allows exactly one
    live alert per kind x SKU x location on every engine (NULLs never collide)."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_status", "org_id", "status", "id"),
        Index("ix_alerts_product_location", "org_id", "product_id", "location_id"),
        UniqueConstraint("org_id", "live_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AlertKind] = mapped_column(enum_column(AlertKind, "alert_kind"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    live_key: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[AlertStatus] = mapped_column(
        enum_column(AlertStatus, "alert_status"), default=AlertStatus.OPEN
    )
    threshold: Mapped[int | None]  # the reorder point / max level it was judged against
    on_hand: Mapped[int]  # when raised
    available: Mapped[int]
    message: Mapped[str] = mapped_column(String(300))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None]
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    # E-mail to the setting's recipients (alert_mail.py): sent once, retried with backoff.
    mailed_at: Mapped[datetime | None]
    mail_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    mail_next_at: Mapped[datetime | None]  # not tried again before (a claim's lease or a backoff)
    mail_error: Mapped[str | None] = mapped_column(String(300))
    product: Mapped[Product] = relationship()
    location: Mapped[Location] = relationship()

    @property
    def said(self) -> str:
        """`message` as a page says it in its reader's language (alert_text)."""
        return alert_text(
            self.message, self.kind, self.product.sku, self.location.code, self.on_hand, self.threshold
        )


class AlertSetting(OrgScoped, db.Model):
    """Per SKU x location: a low-stock threshold overriding the reorder point, who to
    tell, or muted."""

    __tablename__ = "alert_settings"
    __table_args__ = (
        UniqueConstraint("org_id", "product_id", "location_id"),
        CheckConstraint(
            "low_stock_threshold IS NULL OR low_stock_threshold >= 0", name="threshold_non_negative"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    low_stock_threshold: Mapped[int | None]
    recipients: Mapped[str | None] = mapped_column(String(500))  # comma-separated e-mails
    muted: Mapped[bool] = mapped_column(default=False)
    product: Mapped[Product] = relationship()
    location: Mapped[Location] = relationship()
