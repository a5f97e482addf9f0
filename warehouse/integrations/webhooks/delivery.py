"""Fan-out from the event outbox to subscribers, and delivery with retries: claims with a
lease, one POST per try outside any transaction, every try recorded."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from warehouse import ledger
from warehouse.core.columns import utcnow
from warehouse.core.extensions import db
from warehouse.integrations.models import (
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from warehouse.integrations.webhooks.common import BACKOFF, LEASE, MAX_ATTEMPTS, TIMEOUT, Clock, D
from warehouse.integrations.webhooks.guarded_http import post
from warehouse.integrations.webhooks.subscriptions import subscriptions, wants

# --- fan-out -----------------------------------------------------------------------------


def dispatch(*, now: datetime | None = None, limit: int = 500) -> int:
    """Make deliveries for up to `limit` undispatched events; return how many were made."""
    now = now or utcnow()

    def run():
        events = list(
            db.session.execute(
                select(OutboxEvent.id, OutboxEvent.type)
                .where(OutboxEvent.dispatched_at.is_(None))
                .order_by(OutboxEvent.id)
                .limit(limit)
            )
        )
        if not events:
            return 0
        targets = subscriptions(active_only=True)
        # A subscription gets the events raised since it was added, however long they
        # waited for a worker, and none from before (a new ERP is not flooded with history).
        rows = [
            dict(
                uuid=str(uuid.uuid4()),
                event_id=event_id,
                subscription_id=s.id,
                status=D.PENDING,
                attempts=0,
                next_attempt_at=now,
            )
            for event_id, type in events
            for s in targets
            if wants(s, type) and event_id > s.after_event_id
        ]
        made = _insert_deliveries(rows)
        db.session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_([e.id for e in events]), OutboxEvent.dispatched_at.is_(None))
            .values(dispatched_at=now)
        )
        return made

    return ledger.atomically(run)


def _insert_deliveries(rows: list[dict]) -> int:
    if not rows:
        return 0
    conn = db.session.connection()
    make = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = (
        make(WebhookDelivery.__table__)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["org_id", "event_id", "subscription_id"])
        .returning(WebhookDelivery.id)
    )
    return len(conn.execute(statement).all())


# --- delivery ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tried:
    delivery_id: int
    uuid: str
    ok: bool
    status_code: int | None
    error: str | None


def _clock(now: datetime | Clock | None) -> Clock:
    """The real clock (read afresh at every step), a test's clock function, or one fixed
    moment (tests that step time by hand)."""
    if now is None:
        return utcnow
    if callable(now):
        return now
    return lambda: now


def _lease(timeout: float) -> timedelta:
    """How long a claim keeps other workers off: LEASE, and never less than twice the POST
    timeout (a claim is followed at once by one POST)."""
    return max(LEASE, timedelta(seconds=2 * timeout))


def deliver_due(
    *,
    now: datetime | Clock | None = None,
    limit: int = 50,
    timeout: float = TIMEOUT,
    allow_private: bool = False,
) -> list[Tried]:
    """Send every due pending delivery (up to `limit`), one try each."""
    clock = _clock(now)
    due = list(
        db.session.execute(
            select(WebhookDelivery.id, WebhookDelivery.attempts)
            .where(WebhookDelivery.status == D.PENDING, WebhookDelivery.next_attempt_at <= clock())
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
    )
    db.session.rollback()  # no read transaction held open while we talk to the network
    return [
        tried
        for delivery_id, attempts in due
        if (
            tried := deliver_one(
                delivery_id, attempts, now=clock, timeout=timeout, allow_private=allow_private
            )
        )
        is not None
    ]


def deliver_one(
    delivery_id: int,
    seen_attempts: int,
    *,
    now: datetime | Clock | None = None,
    timeout: float = TIMEOUT,
    allow_private: bool = False,
) -> Tried | None:
    """Claim one delivery and try it; None when another worker has it (or it is gone)."""
    clock = _clock(now)
    claimed = _claim(delivery_id, seen_attempts, clock(), _lease(timeout))
    if claimed is None:
        return None
    url, secret, event_type, body, delivery_uuid, active = claimed
    if not active:
        status_code, error, ms = None, "subscription inactive: not sent", 0
    else:
        status_code, error, ms = post(url, secret, event_type, body, delivery_uuid, timeout, allow_private)
    ok = error is None
    # The answer's moment, not the claim's: the attempt's time and the retry's wait.
    _record(delivery_id, seen_attempts + 1, clock(), status_code, error, ms, ok, give_up=not active)
    return Tried(delivery_id, delivery_uuid, ok, status_code, error)


def _claim(delivery_id: int, seen_attempts: int, now: datetime, lease: timedelta = LEASE):
    def run():
        won = db.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.status == D.PENDING,
                WebhookDelivery.next_attempt_at <= now,
                WebhookDelivery.attempts == seen_attempts,
            )
            .values(attempts=seen_attempts + 1, next_attempt_at=now + lease)
        ).rowcount
        if won != 1:
            return None
        row = db.session.execute(
            select(
                WebhookSubscription.url,
                WebhookSubscription.secret,
                OutboxEvent.type,
                OutboxEvent.payload,
                WebhookDelivery.uuid,
                WebhookSubscription.active,
            )
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
            .where(WebhookDelivery.id == delivery_id)
        ).one()
        return tuple(row)

    return ledger.atomically(run)


def _record(delivery_id, attempt_number, now, status_code, error, ms, ok, give_up=False) -> None:
    def run():
        db.session.add(
            WebhookAttempt(
                delivery_id=delivery_id, at=now, status_code=status_code, error=error, duration_ms=ms
            )
        )
        if ok:
            values = dict(status=D.DELIVERED, delivered_at=now)
        elif give_up or attempt_number >= MAX_ATTEMPTS:
            values = dict(status=D.FAILED)
        else:
            values = dict(next_attempt_at=now + BACKOFF[attempt_number - 1])
        # Guarded by the attempt number: a worker whose lease ran out (someone else tried
        # again meanwhile) records its try but does not overwrite the newer outcome.
        db.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.status == D.PENDING,
                WebhookDelivery.attempts == attempt_number,
            )
            .values(**values)
        )

    ledger.atomically(run)


PASS_BUDGET_SECONDS = 45  # a pass ends before the next cron minute starts another
BATCH, FAN_OUT = 50, 500  # deliveries tried, events fanned out per round of a pass


def run_pass(
    *,
    now: datetime | None = None,
    timeout: float = TIMEOUT,
    budget_seconds: float = PASS_BUDGET_SECONDS,
    allow_private: bool = False,
) -> tuple[int, int, int]:
    """One worker pass: dispatch, then deliver what is due, batch after batch, until
    nothing is due or the time budget is spent (a backlog drains at more than one batch
    a minute). Returns (made, delivered, failed tries)."""
    stop_at = time.monotonic() + budget_seconds
    made = delivered = failed = 0
    while True:
        fanned = dispatch(now=now, limit=FAN_OUT)
        tried = deliver_due(now=now, limit=BATCH, timeout=timeout, allow_private=allow_private)
        made += fanned
        delivered += sum(t.ok for t in tried)
        failed += sum(not t.ok for t in tried)
        more = fanned >= FAN_OUT or len(tried) >= BATCH
        if not more or time.monotonic() >= stop_at:
            return made, delivered, failed
