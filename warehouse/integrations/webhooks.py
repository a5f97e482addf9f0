"""Webhooks: subscriptions, fan-out from the event outbox, and signed delivery with retries.

1. dispatch(): every outbox event not yet dispatched gets one WebhookDelivery (with a
   uuid, the delivery id the receiver sees) per active subscription that wants its type;
   then the event is marked dispatched. The unique (event, subscription) pair and INSERT
   .. ON CONFLICT DO NOTHING mean a second dispatcher, or a pass repeated after a crash,
   never makes a second delivery id for the same event and URL.
2. deliver_due(): claims due deliveries one by one with a guarded UPDATE (status pending,
   due, attempts as read) that pushes next_attempt_at out by a lease, commits the claim,
   then POSTs outside any transaction. Two workers never send one delivery at once; a
   worker that dies mid-send leaves the delivery to be retried after the lease, with the
   same uuid. Every try is recorded as a WebhookAttempt; a failure is retried after
   BACKOFF, and after MAX_ATTEMPTS tries the delivery is failed.
   A pass may take limit x timeout (50 x 5 s) while cron starts another every minute, so
   the clock is read afresh for each claim and each result: a lease runs from the moment
   of its claim and a retry waits from the moment of its answer, never from the pass start.

The body is the outbox row's JSON as stored, so every retry sends the same bytes, signed
`X-Warehouse-Signature: sha256=<hex HMAC-SHA256(secret, body)>`.

Receivers are outside this network: a subscription to a loopback, private, link-local or
otherwise non-public address is refused, and each POST resolves the receiver's name,
keeps only its public addresses (an IPv6 form wrapping a private IPv4 address counts as
private) and connects to those addresses only, never resolving twice, so a name that
re-resolves to 10.x or 169.254.169.254 gets nothing and no internal port is even tried.
Otherwise an administrator's URL could make the server POST to internal services. Set
WEBHOOK_ALLOW_PRIVATE_ADDRESSES for receivers on the local network (and behind an egress
proxy on a private address, which is then what is connected to).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import secrets
import socket
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from warehouse import ledger
from warehouse.core.columns import utcnow
from warehouse.core.errors import DomainError, NotFound
from warehouse.core.extensions import db
from warehouse.integrations import events
from warehouse.integrations.models import (
    DeliveryStatus,
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)

EVENT_TYPES = ("stock.adjusted", "stock.low", "stock.out", "transfer.status_changed", "count.resolved")
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


class WebhookRefused(DomainError):
    code = "webhook_refused"
    status = 409


class InvalidSubscription(DomainError):
    code = "invalid_webhook_subscription"
    status = 422


def sign(secret: str, body: bytes) -> str:
    """The X-Warehouse-Signature value for a body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- subscriptions -----------------------------------------------------------------------


def subscribe(url: str, event_types: str | list[str] = "*", *, actor_id: int | None) -> WebhookSubscription:
    """A new active subscription with a generated secret (shown to the admin once on the
    page; kept readable because it must sign every body)."""
    url = _checked_url(url)
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

    return ledger.atomically(run)


def _checked_url(url: str) -> str:
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
        raise InvalidSubscription("Enter a full http:// or https:// address (at most 500 characters).")
    if not _private_allowed() and _names_a_private_host(parts.hostname):
        raise InvalidSubscription(
            f"{parts.hostname} is a local or private address: webhooks go to receivers outside this "
            "network. Enter the receiver's public address, or ask the administrator to set "
            "WEBHOOK_ALLOW_PRIVATE_ADDRESSES."
        )
    return url


def _private_allowed() -> bool:
    return bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE_ADDRESSES"))


def _names_a_private_host(host: str) -> bool:
    """An IP literal that is not public, or a localhost name. Other names are checked when
    connecting (they may resolve differently by then)."""
    host = host.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return not _is_public(host)
    except ValueError:
        pass
    try:  # the old IPv4 spellings resolvers accept: 0x7f000001, 2130706433, 127.1
        return not _is_public(socket.inet_ntoa(socket.inet_aton(host)))
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
            f"Unknown event type {unknown[0][:40]}: choose from {', '.join(EVENT_TYPES)}."
        )
    return ",".join(chosen)


def deactivate(subscription_id: int, *, actor_id: int | None = None) -> WebhookSubscription:
    """Stop sending to this URL. Deliveries already made stay for the record; pending ones
    are not sent."""

    def run():
        subscription = get(subscription_id)
        if not subscription.active:
            raise WebhookRefused(f"{subscription.url} is already inactive.")
        subscription.active = False
        return subscription

    return ledger.atomically(run)


def get(subscription_id: int) -> WebhookSubscription:
    subscription = db.session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        raise NotFound("No such webhook subscription. Reload the page.")
    return subscription


def subscriptions(active_only: bool = False) -> list[WebhookSubscription]:
    query = select(WebhookSubscription).order_by(WebhookSubscription.id.desc())
    if active_only:
        query = query.where(WebhookSubscription.active.is_(True))
    return list(db.session.scalars(query))


def wants(subscription: WebhookSubscription, event_type: str) -> bool:
    return subscription.event_types == "*" or event_type in subscription.event_types.split(",")


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
        .on_conflict_do_nothing(index_elements=["event_id", "subscription_id"])
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
    *, now: datetime | Clock | None = None, limit: int = 50, timeout: float = TIMEOUT
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
        if (tried := deliver_one(delivery_id, attempts, now=clock, timeout=timeout)) is not None
    ]


def deliver_one(
    delivery_id: int, seen_attempts: int, *, now: datetime | Clock | None = None, timeout: float = TIMEOUT
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
        status_code, error, ms = _post(url, secret, event_type, body, delivery_uuid, timeout)
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


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would turn the POST into a GET without the body: count it as a failure."""

    def redirect_request(self, *args, **kwargs):
        return None


class PrivateAddress(OSError):
    """The receiver's address is not public (see the module doc)."""


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _is_public(address: str) -> bool:
    """A globally routable unicast address. IPv6 forms that carry an IPv4 address (mapped,
    6to4, Teredo, NAT64) are judged by the IPv4 address they lead to."""
    ip = ipaddress.ip_address(address.split("%")[0])  # drop an IPv6 zone
    if ip.version == 6:
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is None and ip in _NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None:
            return _is_public(str(inner))
    return ip.is_global and not ip.is_multicast


def _connect_to_public(
    address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None, *args, **kwargs
) -> socket.socket:
    """socket.create_connection, but only to the host's public addresses, resolved once
    here: no second lookup can swap in a private address, and a private one is never
    connected to (a refused or open internal port would tell the admin which it is)."""
    host, port = address
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as failure:
        raise OSError(f"{host}: cannot resolve ({failure.strerror})") from None
    public = [info for info in found if _is_public(info[4][0])]
    if not public:
        raise PrivateAddress(f"{host} has no public address: not sent (see WEBHOOK_ALLOW_PRIVATE_ADDRESSES)")
    failure = None
    for family, kind, proto, _name, sockaddr in public:
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as error:
            failure = error
            sock.close()
    raise failure


class _PublicHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _connect_to_public


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _connect_to_public


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_PublicHTTPConnection, req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_PublicHTTPSConnection, req, context=self._context)


_OPENERS = {  # private addresses allowed? -> opener
    True: urllib.request.build_opener(_NoRedirects),
    False: urllib.request.build_opener(_NoRedirects, _PublicHTTPHandler, _PublicHTTPSHandler),
}


def _post(
    url, secret, event_type, payload: str, delivery_uuid, timeout
) -> tuple[int | None, str | None, int]:
    """(status code, error or None, milliseconds). Only a 2xx answer counts as delivered."""
    body = payload.encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "warehouse-webhooks/1",
            "X-Warehouse-Event": event_type,
            "X-Warehouse-Delivery": delivery_uuid,
            "X-Warehouse-Signature": sign(secret, body),
        },
    )
    started = time.monotonic()
    try:
        with _OPENERS[_private_allowed()].open(request, timeout=timeout) as response:
            response.read(1024)
            code, error = response.status, None
    except urllib.error.HTTPError as answer:
        code, error = answer.code, f"HTTP {answer.code} {answer.reason}"
    except (urllib.error.URLError, OSError, ValueError) as failure:  # refused, timeout, DNS
        reason = getattr(failure, "reason", failure)
        code, error = None, f"{type(failure).__name__}: {reason}"
    ms = int((time.monotonic() - started) * 1000)
    if error is None and not 200 <= code < 300:
        error = f"HTTP {code}"
    return code, (error[:500] if error else None), ms


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
    *, now: datetime | None = None, timeout: float = TIMEOUT, budget_seconds: float = PASS_BUDGET_SECONDS
) -> tuple[int, int, int]:
    """One worker pass: dispatch, then deliver what is due, batch after batch, until
    nothing is due or the time budget is spent (a backlog drains at more than one batch
    a minute). Returns (made, delivered, failed tries)."""
    stop_at = time.monotonic() + budget_seconds
    made = delivered = failed = 0
    while True:
        fanned = dispatch(now=now, limit=FAN_OUT)
        tried = deliver_due(now=now, limit=BATCH, timeout=timeout)
        made += fanned
        delivered += sum(t.ok for t in tried)
        failed += sum(not t.ok for t in tried)
        more = fanned >= FAN_OUT or len(tried) >= BATCH
        if not more or time.monotonic() >= stop_at:
            return made, delivered, failed


# --- the admin page ----------------------------------------------------------------------


def send_test(subscription_id: int, *, actor_id: int | None, now: datetime | None = None) -> WebhookDelivery:
    """Queue a webhook.test event for one subscription only (the next worker pass sends it)."""
    now = now or utcnow()

    def run():
        subscription = get(subscription_id)
        if not subscription.active:
            raise WebhookRefused("This subscription is inactive: add it again to test it.")
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

    return ledger.atomically(run)


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
