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

from warehouse.core.errors import InvalidSubscription, WebhookRefused
from warehouse.integrations.webhooks.common import (
    BACKOFF,
    EVENT_TYPES,
    LEASE,
    MAX_ATTEMPTS,
    TEST_EVENT,
    TIMEOUT,
    sign,
)
from warehouse.integrations.webhooks.delivery import (
    BATCH,
    FAN_OUT,
    PASS_BUDGET_SECONDS,
    Tried,
    deliver_due,
    deliver_one,
    dispatch,
    run_pass,
)
from warehouse.integrations.webhooks.subscriptions import (
    deactivate,
    get,
    recent_deliveries,
    send_test,
    subscribe,
    subscriptions,
    undispatched_count,
    wants,
)

__all__ = [
    "BACKOFF",
    "BATCH",
    "EVENT_TYPES",
    "FAN_OUT",
    "InvalidSubscription",
    "LEASE",
    "MAX_ATTEMPTS",
    "PASS_BUDGET_SECONDS",
    "TEST_EVENT",
    "TIMEOUT",
    "Tried",
    "WebhookRefused",
    "deactivate",
    "deliver_due",
    "deliver_one",
    "dispatch",
    "get",
    "recent_deliveries",
    "run_pass",
    "send_test",
    "sign",
    "subscribe",
    "subscriptions",
    "undispatched_count",
    "wants",
]
