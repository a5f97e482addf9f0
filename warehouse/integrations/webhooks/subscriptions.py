"""Webhook subscriptions (where to POST which events) and what the admin page shows."""

from __future__ import annotations

import secrets
import socket
import uuid
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from warehouse import ledger
from warehouse.core import commands
from warehouse.core.columns import utcnow
from warehouse.core.errors import InvalidSubscription, NotFound, WebhookRefused
from warehouse.core.extensions import db
from warehouse.core.i18n import msg
from warehouse.integrations import events
from warehouse.integrations.models import (
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from warehouse.integrations.webhooks.common import EVENT_TYPES, TEST_EVENT, D
from warehouse.integrations.webhooks.guarded_http import is_public

# --- subscriptions -----------------------------------------------------------------------


def subscribe(
    url: str,
    event_types: str | list[str] = "*",
    *,
    actor_id: int | None,
    allow_private: bool = False,
    key: str | None = None,
) -> WebhookSubscription:
    """A new active subscription with a generated secret (shown to the admin once on the
    page; kept readable because it must sign every body). allow_private: receivers on the
    local network (Settings.webhook_allow_private_addresses). A form's key makes a double
    submit return the first subscription, not a second one."""
    url = _checked_url(url, allow_private)
    types = _checked_types(event_types)

    def run():
        newest = db.session.scalar(select(func.coalesce(func.max(OutboxEvent.id), 0)))
        subscription = WebhookSubscription(
            url=url,
            secret=secrets.token_hex(32),
            event_types=types,
            created_by=actor_id,
            after_event_id=newest,
        )
        db.session.add(subscription)
        db.session.flush()
        return subscription

    return commands.run(
        "webhooks.subscribe",
        run,
        key=key,
        actor_id=actor_id,
        request=[url, types],
        **commands.by_id(WebhookSubscription),
    )


def _checked_url(url: str, allow_private: bool) -> str:
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (reading it validates it)
    except ValueError:  # e.g. "http://[::1/x" or a port out of range
        parts = None
    spaced = any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url)
    if (
        len(url) > 500
        or spaced
        or parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
    ):
        raise InvalidSubscription(msg("Enter a full http:// or https:// address (at most 500 characters)."))
    if not allow_private and _names_a_private_host(parts.hostname):
        raise InvalidSubscription(
            msg(
                "{host} is a local or private address: webhooks go to receivers outside this "
                "network. Enter the receiver's public address, or ask the administrator to set "
                "WEBHOOK_ALLOW_PRIVATE_ADDRESSES.",
                host=parts.hostname,
            )
        )
    return url


def _names_a_private_host(host: str) -> bool:
    """An IP literal that is not public, or a localhost name. Other names are checked when
    connecting (they may resolve differently by then)."""
    host = host.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return not is_public(host)
    except ValueError:
        pass
    try:  # the old IPv4 spellings resolvers accept: 0x7f000001, 2130706433, 127.1
        return not is_public(socket.inet_ntoa(socket.inet_aton(host)))
    except (OSError, ValueError):  # ValueError: a NUL or an unencodable character
        return False  # a name, not an address


def _checked_types(event_types) -> str:
    if isinstance(event_types, str):
        event_types = [t.strip() for t in event_types.split(",")]
    chosen = sorted({t for t in event_types if t})
    if not chosen or "*" in chosen:
        return "*"
    unknown = [t for t in chosen if t not in EVENT_TYPES]
    if unknown:
        raise InvalidSubscription(
            msg(
                "Unknown event type {event}: choose from {events}.",
                event=unknown[0][:40],
                events=", ".join(EVENT_TYPES),
            )
        )
    return ",".join(chosen)


def deactivate(subscription_id: int, *, actor_id: int | None = None) -> WebhookSubscription:
    """Stop sending to this URL. Deliveries already made stay for the record; pending ones
    are not sent."""

    def run():
        subscription = get(subscription_id)
        if not subscription.active:
            raise WebhookRefused(msg("{url} is already inactive.", url=subscription.url))
        subscription.active = False
        return subscription

    return ledger.atomically(run)


def get(subscription_id: int) -> WebhookSubscription:
    subscription = db.session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        raise NotFound(msg("No such webhook subscription. Reload the page."))
    return subscription


def subscriptions(active_only: bool = False) -> list[WebhookSubscription]:
    query = select(WebhookSubscription).order_by(WebhookSubscription.id.desc())
    if active_only:
        query = query.where(WebhookSubscription.active.is_(True))
    return list(db.session.scalars(query))


def wants(subscription: WebhookSubscription, event_type: str) -> bool:
    return subscription.event_types == "*" or event_type in subscription.event_types.split(",")


# --- the admin page ----------------------------------------------------------------------


def send_test(
    subscription_id: int, *, actor_id: int | None, now: datetime | None = None, key: str | None = None
) -> WebhookDelivery:
    """Queue a webhook.test event for one subscription only (the next worker pass sends it).
    A button's key makes a double tap queue one test."""
    now = now or utcnow()

    def run():
        subscription = get(subscription_id)
        if not subscription.active:
            raise WebhookRefused(msg("This subscription is inactive: add it again to test it."))
        data = {
            "subscription_id": subscription.id,
            "requested_by": actor_id,
            "message": "Test event from the warehouse.",
        }
        event = OutboxEvent(
            type=TEST_EVENT, payload=events.envelope(TEST_EVENT, data, now), created_at=now, dispatched_at=now
        )  # fanned out here, to this subscription only
        db.session.add(event)
        db.session.flush()
        delivery = WebhookDelivery(
            uuid=str(uuid.uuid4()),
            event_id=event.id,
            subscription_id=subscription.id,
            status=D.PENDING,
            attempts=0,
            next_attempt_at=now,
        )
        db.session.add(delivery)
        db.session.flush()
        return delivery

    return commands.run(
        "webhooks.send_test",
        run,
        key=key,
        actor_id=actor_id,
        request=[subscription_id],
        **commands.by_id(WebhookDelivery),
    )


def recent_deliveries(
    limit: int = 50, subscription_id: int | None = None
) -> list[tuple[WebhookDelivery, list[WebhookAttempt]]]:
    """Newest deliveries with their attempts (two queries, whatever the number of rows)."""
    query = (
        select(WebhookDelivery)
        .options(joinedload(WebhookDelivery.event), joinedload(WebhookDelivery.subscription))
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    if subscription_id is not None:
        query = query.where(WebhookDelivery.subscription_id == subscription_id)
    deliveries = list(db.session.scalars(query))
    attempts: dict[int, list[WebhookAttempt]] = {d.id: [] for d in deliveries}
    if deliveries:
        for attempt in db.session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(list(attempts)))
            .order_by(WebhookAttempt.id)
        ):
            attempts[attempt.delivery_id].append(attempt)
    return [(d, attempts[d.id]) for d in deliveries]


def undispatched_count() -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None))
        )
        or 0
    )
