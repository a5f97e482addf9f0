"""Domain events, written to the outbox in the caller's transaction.

An event row exists if and only if the change it reports committed: the webhook worker
(warehouse/webhooks.py) reads the outbox later, so a worker that is down loses nothing.
Event types: warehouse/integrations/webhooks/common.py EVENT_TYPES.
"""

from __future__ import annotations

import json

from sqlalchemy import insert

from warehouse.core.columns import utcnow
from warehouse.core.extensions import db
from warehouse.integrations.models import OutboxEvent

_INSERT = insert(OutboxEvent.__table__)


def publish(type: str, payload: dict) -> None:
    """Queue one event. Must run inside the transaction of the change it reports."""
    now = utcnow()
    db.session.connection().execute(
        _INSERT, dict(type=type, payload=envelope(type, payload, now), created_at=now)
    )


def envelope(type: str, payload: dict, now) -> str:
    """The JSON body every receiver gets: type, when, and the event's data."""
    return json.dumps(
        {"type": type, "occurred_at": now.isoformat() + "Z", "data": payload}, sort_keys=True, default=str
    )
