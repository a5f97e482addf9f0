"""What webhook subscriptions and delivery share: event types, the retry schedule, errors,
and the body signature."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime, timedelta

from warehouse.integrations.models import (
    DeliveryStatus,
)

EVENT_TYPES = (
    "stock.adjusted",
    "stock.low",
    "inventory.low-stock",
    "stock.out",
    "transfer.status_changed",
    "count.resolved",
    "reservation.expired",
    "order.routed",
    "stock.backorder_allocated",
)
TEST_EVENT = "webhook.test"
BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
)  # wait after try 1, 2, ...
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = timedelta(minutes=2)  # a claimed delivery is not claimed again before this (> TIMEOUT)
TIMEOUT = 5.0  # seconds per POST
D = DeliveryStatus
Clock = Callable[[], datetime]


def sign(secret: str, body: bytes) -> str:
    """The X-Warehouse-Signature value for a body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
