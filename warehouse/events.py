"""Domain events, written to the outbox in the caller's transaction.

An event row exists if and only if the change it reports committed: the webhook worker
(warehouse/webhooks.py) reads the outbox later, so a worker that is down loses nothing.
Event types: stock.adjusted, stock.low, stock.out, transfer.status_changed, count.resolved.
"""
from __future__ import annotations

import json

from sqlalchemy import insert

from .extensions import db
from .models import OutboxEvent, utcnow

_INSERT = insert(OutboxEvent.__table__)


def publish(type: str, payload: dict) -> None:
    """Queue one event. Must run inside the transaction of the change it reports."""
    now = utcnow()
    body = {"type": type, "occurred_at": now.isoformat() + "Z", "data": payload}
    db.session.connection().execute(_INSERT, dict(
        type=type, payload=json.dumps(body, sort_keys=True, default=str), created_at=now))
